import fc from 'fast-check';
import { encodeTlv, encodeTlvWith } from './testing/index.js';
import { findTlv, readTlv, readTlvSequence, TlvParseError, type TlvErrorCode } from './tlv.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

function errorCodeOf(read: () => unknown): TlvErrorCode | 'no error' {
  try {
    read();
    return 'no error';
  } catch (error) {
    if (error instanceof TlvParseError) return error.code;
    throw error;
  }
}

describe('readTlv', () => {
  it('reads a one-byte tag with a short-form length', () => {
    const item = readTlv(bytes(0x02, 0x01, 0x07));
    expect(item).toMatchObject({ tag: 0x02, constructed: false, offset: 0, valueOffset: 2, length: 1, end: 3 });
    expect([...item.value]).toEqual([0x07]);
  });

  it('reads two- and three-byte tags', () => {
    expect(readTlv(bytes(0x5f, 0x1f, 0x00)).tag).toBe(0x5f1f);
    expect(readTlv(bytes(0x7f, 0x61, 0x00))).toMatchObject({ tag: 0x7f61, constructed: true });
    expect(readTlv(bytes(0x5f, 0x81, 0x02, 0x00)).tag).toBe(0x5f8102);
  });

  it.each([
    [1, 200],
    [2, 300],
    [3, 70_000],
  ] as const)('reads the long form with %i length byte(s)', (longForm, size) => {
    const value = new Uint8Array(size).fill(0xab);
    const item = readTlv(encodeTlvWith({ tag: 0x5f2e, longForm }, value));
    expect(item.length).toBe(size);
    expect(item.value.every((b) => b === 0xab)).toBe(true);
  });

  it('accepts a long-form length for a short value', () => {
    expect(readTlv(encodeTlvWith({ tag: 0x04, longForm: 3 }, bytes(9))).length).toBe(1);
  });

  it('reads at an offset and returns a view that ends where the value ends', () => {
    const item = readTlv(bytes(0xff, 0x04, 0x02, 0x01, 0x02, 0x99), 1);
    expect(item).toMatchObject({ offset: 1, valueOffset: 3, end: 5 });
    expect([...item.value]).toEqual([1, 2]);
  });

  it.each<[string, Uint8Array, TlvErrorCode]>([
    ['an empty buffer', bytes(), 'truncated_tag'],
    ['a multi-byte tag cut short', bytes(0x5f), 'truncated_tag'],
    ['a tag continuing past three bytes', bytes(0x5f, 0x81, 0x82, 0x03, 0x00), 'tag_too_long'],
    ['a missing length', bytes(0x04), 'truncated_length'],
    ['long-form length bytes cut short', bytes(0x04, 0x82, 0x01), 'truncated_length'],
    ['an indefinite length', bytes(0x30, 0x80, 0x00, 0x00), 'indefinite_length'],
    ['a four-byte length', bytes(0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 0x00), 'unsupported_length'],
    ['a value running past the buffer', bytes(0x04, 0x03, 0x01, 0x02), 'value_out_of_bounds'],
    ['a long-form value running past the buffer', bytes(0x04, 0x83, 0xff, 0xff, 0xff, 0x00), 'value_out_of_bounds'],
  ])('rejects %s with a typed error', (_label, input, code) => {
    expect(errorCodeOf(() => readTlv(input))).toBe(code);
  });

  it('rejects an offset outside the buffer', () => {
    expect(errorCodeOf(() => readTlv(bytes(0x04, 0x00), 2))).toBe('truncated_tag');
    expect(errorCodeOf(() => readTlv(bytes(0x04, 0x00), -1))).toBe('truncated_tag');
  });

  it('throws nothing but TlvParseError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(70), (input, offset) => {
        for (const read of [() => readTlv(input, offset), () => readTlvSequence(input)]) {
          try {
            read();
          } catch (error) {
            if (!(error instanceof TlvParseError)) throw error;
          }
        }
      }),
    );
  });

  it('reads back what the encoder wrote for any tag and value', () => {
    const multiByteFirst = fc.constantFrom(0x1f, 0x3f, 0x5f, 0x7f, 0x9f, 0xbf, 0xdf, 0xff);
    const lastByte = fc.integer({ min: 0, max: 0x7f });
    const tag = fc.oneof(
      fc.integer({ min: 0, max: 0xff }).filter((t) => (t & 0x1f) !== 0x1f),
      fc.tuple(multiByteFirst, lastByte).map(([first, last]) => (first << 8) | last),
      fc
        .tuple(multiByteFirst, fc.integer({ min: 0x80, max: 0xff }), lastByte)
        .map(([first, middle, last]) => (first << 16) | (middle << 8) | last),
    );
    fc.assert(
      fc.property(tag, fc.uint8Array({ maxLength: 400 }), (t, value) => {
        const item = readTlv(encodeTlv(t, value));
        expect(item.tag).toBe(t);
        expect([...item.value]).toEqual([...value]);
      }),
    );
  });
});

describe('readTlvSequence', () => {
  it('reads consecutive items and finds one by tag', () => {
    const items = readTlvSequence(bytes(0x02, 0x01, 0x01, 0x7f, 0x60, 0x00, 0x7f, 0x60, 0x01, 0x05));
    expect(items.map((i) => i.tag)).toEqual([0x02, 0x7f60, 0x7f60]);
    expect(findTlv(items, 0x7f60)?.length).toBe(0);
    expect(findTlv(items, 0xa1)).toBeUndefined();
  });

  it('rejects trailing bytes that do not form a whole item', () => {
    expect(errorCodeOf(() => readTlvSequence(bytes(0x02, 0x01, 0x01, 0x04)))).toBe('truncated_length');
  });
});
