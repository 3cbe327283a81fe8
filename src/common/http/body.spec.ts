import { BODY_MAX_CONTAINERS, BODY_MAX_DEPTH, bodyShapeProblem } from './body.js';

const nestsDeeperThan = (buf: Buffer, depth: number) => bodyShapeProblem(buf, depth, Infinity) === 'too_deep';

const nested = (levels: number) => Buffer.from(`{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`);

describe('bodyShapeProblem (§1.1 depth limit)', () => {
  it('counts objects and arrays together, the top-level object being level 1', () => {
    expect(nestsDeeperThan(nested(BODY_MAX_DEPTH), BODY_MAX_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(BODY_MAX_DEPTH + 1), BODY_MAX_DEPTH)).toBe(true);
    expect(nestsDeeperThan(Buffer.from('{"a":{"b":{"c":[{}]}}}'), 5)).toBe(false);
    expect(nestsDeeperThan(Buffer.from('{"a":{"b":{"c":[{}]}}}'), 4)).toBe(true);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(nestsDeeperThan(Buffer.from(JSON.stringify({ a: '[[[[{{{{', b: 'x\\"[[[[' })), 1)).toBe(false);
    expect(nestsDeeperThan(Buffer.from(JSON.stringify({ a: 'é"[[[[ü' })), 1)).toBe(false);
  });

  it('siblings do not add up', () => {
    expect(nestsDeeperThan(Buffer.from(`{"a":[${'[],'.repeat(1000)}[]]}`), 3)).toBe(false);
  });

  it('takes time linear in the size: 100 KiB of brackets in well under a millisecond per KiB', () => {
    const body = Buffer.from(`{"a":${'[]'.repeat(50_000)}}`);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) nestsDeeperThan(body, BODY_MAX_DEPTH);
    expect(Number(process.hrtime.bigint() - started) / 1e6 / 10).toBeLessThan(20);
  });
});

describe('bodyShapeProblem (container limit)', () => {
  it('counts every object and array, strings aside', () => {
    const within = Buffer.from(`{"a":[${Array.from({ length: BODY_MAX_CONTAINERS - 2 }, () => '{}').join(',')}],"s":"[[{{"}`);
    expect(bodyShapeProblem(within, BODY_MAX_DEPTH, BODY_MAX_CONTAINERS)).toBeNull();
    const over = Buffer.from(`{"a":[${Array.from({ length: BODY_MAX_CONTAINERS - 1 }, () => '{}').join(',')}]}`);
    expect(bodyShapeProblem(over, BODY_MAX_DEPTH, BODY_MAX_CONTAINERS)).toBe('too_complex');
  });
});
