import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';
import {
  KAYLE_DEFAULT,
  STATIC_LABELS,
  countRows,
  createSession,
  expectBadRequest,
  expectShareError,
  getSession,
} from './helpers/sessions.js';

/** A valid entry. */
const ok = (reason = 'Needed for the check.', required = true) => ({ required, reason });
const STATIC_KEYS = Object.keys(STATIC_LABELS).sort();
/** `n` distinct keys that are not claims. */
const unknownKeys = (n: number) => Array.from({ length: n }, (_, i) => `custom_claim_${String(i).padStart(2, '0')}`);

describe('share_fields over HTTP (§3.6)', () => {
  let t: TestApp;
  let live: CreatedKey;

  beforeAll(async () => {
    t = await createTestApp();
    ({ live } = await t.tenant());
  });
  afterAll(async () => t.close());

  /** Posts a body (object or raw JSON text) and checks no session was stored when it fails. */
  const post = async (body: unknown) => {
    const before = await countRows(t, 'sessions');
    const req = t.http().post('/v1/sessions').set(bearer(live));
    const res =
      typeof body === 'string'
        ? await req.set('Content-Type', 'application/json').send(body)
        : await req.send(body as object);
    if (res.status !== 200) expect(await countRows(t, 'sessions')).toBe(before);
    return res;
  };
  const postFields = (share_fields: unknown) => post({ share_fields });

  describe('the contract examples (§3.6.4)', () => {
    it('["nationality_code"] → INVALID_SHARE_FIELDS', async () => {
      expectShareError(await postFields(['nationality_code']), 'INVALID_SHARE_FIELDS');
    });
    it('{"foo_bar":{…}} → UNKNOWN_CLAIM_KEY', async () => {
      expectShareError(await postFields({ foo_bar: ok() }), 'UNKNOWN_CLAIM_KEY');
    });
    it('{"nationality_code":{"required":true}} → REASON_REQUIRED', async () => {
      expectShareError(await postFields({ nationality_code: { required: true } }), 'REASON_REQUIRED');
    });
    it('a 201-character reason → REASON_TOO_LONG', async () => {
      expectShareError(await postFields({ nationality_code: ok('r'.repeat(201)) }), 'REASON_TOO_LONG');
    });
    it('age_over_18 + age_over_21 → MULTIPLE_AGE_GATES_NOT_ALLOWED', async () => {
      expectShareError(await postFields({ age_over_18: ok(), age_over_21: ok() }), 'MULTIPLE_AGE_GATES_NOT_ALLOWED');
    });
    it('date_of_birth + age_over_18 → DOB_AND_AGE_GATE_CONFLICT', async () => {
      expectShareError(await postFields({ date_of_birth: ok(), age_over_18: ok() }), 'DOB_AND_AGE_GATE_CONFLICT');
    });
    it('33 entries → TOO_MANY_SHARE_FIELDS', async () => {
      const fields = Object.fromEntries(STATIC_KEYS.concat(unknownKeys(20)).map((k) => [k, ok()]));
      expect(Object.keys(fields)).toHaveLength(33);
      expectShareError(await postFields(fields), 'TOO_MANY_SHARE_FIELDS');
    });
    it('an unknown age gate key → INVALID_AGE_GATE_KEY', async () => {
      expectShareError(await postFields({ age_over_11: ok() }), 'INVALID_AGE_GATE_KEY');
    });
  });

  describe('INVALID_SHARE_FIELDS (stage 1, rules 1 and 3)', () => {
    it.each([
      ['an array', [{ nationality_code: ok() }]],
      ['an empty array', []],
      ['a string', 'nationality_code'],
      ['a number', 7],
      ['a boolean', true],
      ['null', null],
    ])('share_fields is %s', async (_label, value) => {
      expectShareError(await postFields(value), 'INVALID_SHARE_FIELDS');
    });

    it.each([
      ['a string entry', { nationality_code: 'yes' }],
      ['a null entry', { nationality_code: null }],
      ['an array entry', { nationality_code: [true, 'reason'] }],
      ['a number entry', { nationality_code: 1 }],
      ['required missing', { nationality_code: { reason: 'Shipping.' } }],
      ['required as a string', { nationality_code: { required: 'true', reason: 'Shipping.' } }],
      ['required as 1', { nationality_code: { required: 1, reason: 'Shipping.' } }],
      ['required null', { nationality_code: { required: null, reason: 'Shipping.' } }],
      ['a bad entry after a good one', { family_name: ok(), nationality_code: { reason: 'x' } }],
      ['an unknown key whose entry is not an object', { foo_bar: 'x' }],
    ])('%s', async (_label, value) => {
      expectShareError(await postFields(value), 'INVALID_SHARE_FIELDS');
    });
  });

  describe('REASON_REQUIRED and REASON_TOO_LONG', () => {
    it.each([
      ['missing', { required: true }],
      ['empty', { required: true, reason: '' }],
      ['a number', { required: true, reason: 5 }],
      ['null', { required: true, reason: null }],
      ['an array', { required: true, reason: ['x'] }],
      ['blank after trimming (stage 2)', { required: true, reason: '   ' }],
      ['only tabs and newlines (stage 2)', { required: true, reason: '\t\n\r ' }],
      ['only Unicode spaces (stage 2)', { required: true, reason: '\u00a0\u2003\ufeff' }],
    ])('reason %s → REASON_REQUIRED', async (_label, entry) => {
      expectShareError(await postFields({ nationality_code: entry }), 'REASON_REQUIRED');
    });

    it('accepts exactly 200 characters, and counts UTF-16 code units', async () => {
      await createSession(t, live, { share_fields: { nationality_code: ok('r'.repeat(200)) } });
      // 100 emoji are 200 code units; 101 are 202.
      const s = await createSession(t, live, { share_fields: { nationality_code: ok('😀'.repeat(100)) } });
      expect(s.share_fields.nationality_code.reason).toBe('😀'.repeat(100));
      expectShareError(await postFields({ nationality_code: ok('😀'.repeat(101)) }), 'REASON_TOO_LONG');
    });

    it('measures the length before trimming in stage 1: 199 characters plus padding → REASON_TOO_LONG', async () => {
      expectShareError(await postFields({ nationality_code: ok(`  ${'r'.repeat(199)}  `) }), 'REASON_TOO_LONG');
    });

    it('a reason problem anywhere wins over a structural problem in an earlier entry (rule 2 before rule 3)', async () => {
      expectShareError(
        await postFields({ nationality_code: 'not an object', family_name: { required: true } }),
        'REASON_REQUIRED',
      );
      expectShareError(
        await postFields({ nationality_code: { required: 'x', reason: 'ok' }, family_name: ok('r'.repeat(201)) }),
        'REASON_TOO_LONG',
      );
    });

    it('a too-long reason in an earlier entry wins over a missing one later (first offending entry decides)', async () => {
      expectShareError(
        await postFields({ nationality_code: ok('r'.repeat(201)), family_name: { required: true } }),
        'REASON_TOO_LONG',
      );
      expectShareError(
        await postFields({ family_name: { required: true }, nationality_code: ok('r'.repeat(201)) }),
        'REASON_REQUIRED',
      );
    });

    it('visits integer-like keys first (Object.keys order)', async () => {
      // Document order puts nationality_code first, but "5" is visited first.
      expectShareError(
        await post('{"share_fields":{"nationality_code":{"required":true,"reason":""},"5":{"required":true,"reason":"' + 'r'.repeat(201) + '"}}}'),
        'REASON_TOO_LONG',
      );
      // Stage 2: "7" (unknown key) is reached before the blank reason of age_over_18.
      expectShareError(
        await post('{"share_fields":{"age_over_18":{"required":true,"reason":"  "},"7":{"required":true,"reason":"x"}}}'),
        'UNKNOWN_CLAIM_KEY',
      );
    });
  });

  describe('INVALID_AGE_GATE_KEY', () => {
    it.each(['age_over_', 'age_over_abc', 'age_over_11', 'age_over_131', 'age_over_-18', 'age_over_18.0', 'age_over_ 18', 'age_over_１８', 'age_over_1e2', 'age_over_0x12', 'age_over_999999999999999999999'])(
      '%s',
      async (key) => {
        expectShareError(await postFields({ [key]: ok() }), 'INVALID_AGE_GATE_KEY');
      },
    );

    it.each(['age_over_12', 'age_over_130', 'age_over_18', 'age_over_018', 'age_over_0000021'])(
      'accepts %s and stores the key exactly as sent',
      async (key) => {
        const s = await createSession(t, live, { share_fields: { [key]: ok('Adult check.') } });
        expect(Object.keys(s.share_fields)).toEqual([key, 'kayle_document_id']);
        expect(s.share_fields[key]).toEqual({ required: true, reason: 'Adult check.', source: 'rc' });
      },
    );
  });

  describe('UNKNOWN_CLAIM_KEY', () => {
    it.each([
      'foo_bar',
      'Nationality_code',
      'nationality_code ',
      'age_under_18',
      'AGE_OVER_18',
      'toString',
      'constructor',
      'hasOwnProperty',
      'kayle_human_ids',
      '',
    ])('%j', async (key) => {
      expectShareError(await postFields({ [key]: ok() }), 'UNKNOWN_CLAIM_KEY');
    });

    it('"__proto__" is an unknown key, not a prototype', async () => {
      expectShareError(
        await post('{"share_fields":{"__proto__":{"required":true,"reason":"x"}}}'),
        'UNKNOWN_CLAIM_KEY',
      );
      expectShareError(
        await post('{"share_fields":{"nationality_code":{"required":true,"reason":"x"},"__proto__":{"required":true,"reason":"x"}}}'),
        'UNKNOWN_CLAIM_KEY',
      );
    });

    it('a non-object entry under an Object.prototype name is INVALID_SHARE_FIELDS, not dropped', async () => {
      expectShareError(
        await post('{"share_fields":{"nationality_code":{"required":true,"reason":"x"},"valueOf":5}}'),
        'INVALID_SHARE_FIELDS',
      );
    });

    it('32 entries are not too many: 32 unknown keys → UNKNOWN_CLAIM_KEY', async () => {
      const fields = Object.fromEntries(unknownKeys(32).map((k) => [k, ok()]));
      expectShareError(await postFields(fields), 'UNKNOWN_CLAIM_KEY');
    });

    it('33 unknown keys → TOO_MANY_SHARE_FIELDS (the count is checked before any key)', async () => {
      const fields = Object.fromEntries(unknownKeys(33).map((k) => [k, ok()]));
      expectShareError(await postFields(fields), 'TOO_MANY_SHARE_FIELDS');
    });
  });

  describe('stage 2 order: per entry, then the DOB conflict', () => {
    it.each([
      ['an unknown key before a blank reason', { foo_bar: ok(), nationality_code: ok('   ') }, 'UNKNOWN_CLAIM_KEY'],
      ['a blank reason before an unknown key', { nationality_code: ok('   '), foo_bar: ok() }, 'REASON_REQUIRED'],
      ['a blank reason on an unknown key', { foo_bar: ok('  ') }, 'REASON_REQUIRED'],
      ['a bad age gate before an unknown key', { age_over_abc: ok(), foo_bar: ok() }, 'INVALID_AGE_GATE_KEY'],
      ['an unknown key before a bad age gate', { foo_bar: ok(), age_over_abc: ok() }, 'UNKNOWN_CLAIM_KEY'],
      ['a second age gate before an unknown key', { age_over_18: ok(), age_over_21: ok(), foo_bar: ok() }, 'MULTIPLE_AGE_GATES_NOT_ALLOWED'],
      ['an unknown key between two age gates', { age_over_18: ok(), foo_bar: ok(), age_over_21: ok() }, 'UNKNOWN_CLAIM_KEY'],
      ['age_over_18 and age_over_018 (same threshold)', { age_over_18: ok(), age_over_018: ok() }, 'MULTIPLE_AGE_GATES_NOT_ALLOWED'],
      ['a valid gate then an invalid one', { age_over_18: ok(), age_over_200: ok() }, 'INVALID_AGE_GATE_KEY'],
      ['DOB + gate + unknown key (conflict is checked last)', { date_of_birth: ok(), age_over_18: ok(), foo_bar: ok() }, 'UNKNOWN_CLAIM_KEY'],
      ['DOB + two gates', { date_of_birth: ok(), age_over_18: ok(), age_over_21: ok() }, 'MULTIPLE_AGE_GATES_NOT_ALLOWED'],
      ['the gate before DOB', { age_over_21: ok(), date_of_birth: ok() }, 'DOB_AND_AGE_GATE_CONFLICT'],
      ['33 entries with a blank reason', Object.fromEntries(unknownKeys(33).map((k) => [k, ok(' ')])), 'TOO_MANY_SHARE_FIELDS'],
    ])('%s', async (_label, fields, code) => {
      expectShareError(await postFields(fields), code);
    });
  });

  describe('precedence against the other body fields (§3.6.4)', () => {
    const stage1Failures: Array<[string, unknown, string]> = [
      ['share_fields is an array', ['nationality_code'], 'INVALID_SHARE_FIELDS'],
      ['a missing reason', { nationality_code: { required: true } }, 'REASON_REQUIRED'],
      ['a 201-character reason', { nationality_code: ok('r'.repeat(201)) }, 'REASON_TOO_LONG'],
      ['required missing', { nationality_code: { reason: 'x' } }, 'INVALID_SHARE_FIELDS'],
    ];

    it.each(stage1Failures)('stage 1 (%s) wins over an unknown property', async (_l, fields, code) => {
      expectShareError(await post({ zzz_unknown: 1, share_fields: fields }), code);
      expectShareError(await post({ share_fields: fields, zzz_unknown: 1 }), code);
    });

    it.each(stage1Failures)('stage 1 (%s) wins over a bad expires_in', async (_l, fields, code) => {
      expectShareError(await post({ expires_in: 5, share_fields: fields }), code);
      expectShareError(await post({ expires_in: '600', share_fields: fields }), code);
    });

    it.each(stage1Failures)('stage 1 (%s) wins over a bad redirect_url', async (_l, fields, code) => {
      expectShareError(await post({ redirect_url: 'http://example.com', share_fields: fields }), code);
      expectShareError(await post({ redirect_url: 42, share_fields: fields }), code);
      expectShareError(await post({ redirect_url: `https://x.example/${'a'.repeat(2100)}`, share_fields: fields }), code);
    });

    it('stage 1 wins over an unknown property named like an Object.prototype member', async () => {
      expectShareError(await post('{"toString":1,"share_fields":[]}'), 'INVALID_SHARE_FIELDS');
      expectShareError(await post('{"__proto__":{},"share_fields":{"nationality_code":{"required":true}}}'), 'REASON_REQUIRED');
    });

    it('an unknown property named like an Object.prototype member wins over stage 2', async () => {
      expectBadRequest(await post('{"share_fields":{"foo_bar":{"required":true,"reason":"x"}},"constructor":1}'), 'constructor');
    });

    it('stage 1 wins over everything at once', async () => {
      expectShareError(
        await post({ foo: 1, redirect_url: 'ftp://x', expires_in: null, share_fields: 'nope' }),
        'INVALID_SHARE_FIELDS',
      );
    });

    const stage2Failures: Array<[string, Record<string, unknown>]> = [
      ['UNKNOWN_CLAIM_KEY', { foo_bar: ok() }],
      ['INVALID_AGE_GATE_KEY', { age_over_11: ok() }],
      ['MULTIPLE_AGE_GATES_NOT_ALLOWED', { age_over_18: ok(), age_over_21: ok() }],
      ['DOB_AND_AGE_GATE_CONFLICT', { date_of_birth: ok(), age_over_18: ok() }],
      ['REASON_REQUIRED (blank)', { nationality_code: ok('   ') }],
      ['TOO_MANY_SHARE_FIELDS', Object.fromEntries(unknownKeys(33).map((k) => [k, ok()]))],
    ];

    it.each(stage2Failures)('a bad expires_in wins over %s', async (_l, fields) => {
      expectBadRequest(await post({ share_fields: fields, expires_in: 5 }), 'expires_in');
      expectBadRequest(await post({ share_fields: fields, expires_in: 300.5 }), 'expires_in');
    });

    it.each(stage2Failures)('a bad redirect_url wins over %s', async (_l, fields) => {
      expectBadRequest(await post({ share_fields: fields, redirect_url: 'http://example.com' }), 'redirect_url');
      expectBadRequest(await post({ share_fields: fields, redirect_url: '/relative' }), 'redirect_url');
      expectBadRequest(await post({ share_fields: fields, redirect_url: 7 }), 'redirect_url');
    });

    it.each(stage2Failures)('an unknown property wins over %s', async (_l, fields) => {
      expectBadRequest(await post({ share_fields: fields, extra: true }), 'extra');
    });
  });

  describe('normalization (§3.6.3)', () => {
    it('trims the reason and collapses every whitespace run to one space', async () => {
      const s = await createSession(t, live, {
        share_fields: {
          nationality_code: ok('  Shipping \n\t restrictions   apply.  '),
          family_name: ok('a\u00a0\u00a0b\u2003c'),
        },
      });
      expect(s.share_fields.nationality_code.reason).toBe('Shipping restrictions apply.');
      expect(s.share_fields.family_name.reason).toBe('a b c');
    });

    it('sorts keys ascending and marks requested claims source "rc"', async () => {
      const s = await createSession(t, live, {
        share_fields: { sex_marker: ok('s', false), age_over_21: ok('a'), document_photo: ok('d', false) },
      });
      expect(JSON.stringify(s.share_fields)).toBe(
        JSON.stringify({
          age_over_21: { required: true, reason: 'a', source: 'rc' },
          document_photo: { required: false, reason: 'd', source: 'rc' },
          kayle_document_id: KAYLE_DEFAULT,
          sex_marker: { required: false, reason: 's', source: 'rc' },
        }),
      );
      // The stored object is the same, in the same order.
      const got = await getSession(t, live, s.id);
      expect(JSON.stringify(got.share_fields)).toBe(JSON.stringify(s.share_fields));
    });

    it('share_fields {} holds only the default kayle_document_id', async () => {
      const s = await createSession(t, live, { share_fields: {} });
      expect(s.share_fields).toEqual({ kayle_document_id: KAYLE_DEFAULT });
    });

    it('forces a requested kayle_document_id to required, keeping its reason and source rc', async () => {
      const s = await createSession(t, live, { share_fields: { kayle_document_id: ok('  Dedupe   accounts. ', false) } });
      expect(s.share_fields).toEqual({ kayle_document_id: { required: true, reason: 'Dedupe accounts.', source: 'rc' } });
    });

    it('ignores extra properties inside an entry (not stored, not an error)', async () => {
      const s = await createSession(t, live, {
        share_fields: { nationality_code: { required: false, reason: 'Why.', source: 'default', label: 'X', extra: { a: 1 } } },
      });
      expect(s.share_fields.nationality_code).toEqual({ required: false, reason: 'Why.', source: 'rc' });
      expect(Object.keys(s.share_fields.nationality_code)).toEqual(['required', 'reason', 'source']);
    });

    it('accepts the largest valid maps: every static claim, or every one but date_of_birth plus an age gate', async () => {
      const all = await createSession(t, live, { share_fields: Object.fromEntries(STATIC_KEYS.map((k) => [k, ok(`Why ${k}`, false)])) });
      expect(Object.keys(all.share_fields)).toEqual(STATIC_KEYS);
      expect(all.share_fields.kayle_document_id).toEqual({ required: true, reason: 'Why kayle_document_id', source: 'rc' });

      const withoutKayle = STATIC_KEYS.filter((k) => k !== 'date_of_birth' && k !== 'kayle_document_id');
      const gated = await createSession(t, live, {
        share_fields: Object.fromEntries([...withoutKayle, 'age_over_65'].map((k) => [k, ok()])),
      });
      expect(Object.keys(gated.share_fields)).toEqual(['age_over_65', ...STATIC_KEYS.filter((k) => k !== 'date_of_birth')]);
      expect(gated.share_fields.kayle_document_id).toEqual(KAYLE_DEFAULT);
    });

    it('exactly 32 entries pass the count rule (they fail only on their keys)', async () => {
      // 32 is the documented maximum; with 14 distinct valid keys in the catalogue the rest must
      // be unknown, so the count rule is observed through which code wins.
      const fields = Object.fromEntries(STATIC_KEYS.concat(unknownKeys(19)).map((k) => [k, ok()]));
      expect(Object.keys(fields)).toHaveLength(32);
      expectShareError(await postFields(fields), 'UNKNOWN_CLAIM_KEY');
    });
  });
});

describe('share-contract errors name the entry at fault (issue 15)', () => {
  let t: TestApp;
  let key: string;
  beforeAll(async () => {
    t = await createTestApp();
    key = (await t.tenant()).test.key;
  });
  afterAll(async () => t.close());

  const create = (share_fields: unknown) =>
    t.http().post('/v1/sessions').set({ Authorization: `Bearer ${key}` }).send({ share_fields });
  const reason = 'Shown to the user.';

  it.each([
    ['UNKNOWN_CLAIM_KEY', { nationality_code: { required: true, reason }, favourite_colour: { required: true, reason } }, 'share_fields.favourite_colour'],
    ['REASON_REQUIRED', { nationality_code: { required: true, reason: '' } }, 'share_fields.nationality_code.reason'],
    ['REASON_REQUIRED', { nationality_code: { required: true, reason: '   ' } }, 'share_fields.nationality_code.reason'],
    ['REASON_TOO_LONG', { given_names: { required: true, reason: 'x'.repeat(201) } }, 'share_fields.given_names.reason'],
    ['INVALID_AGE_GATE_KEY', { age_over_7: { required: true, reason } }, 'share_fields.age_over_7'],
    ['MULTIPLE_AGE_GATES_NOT_ALLOWED', { age_over_18: { required: true, reason }, age_over_21: { required: true, reason } }, 'share_fields.age_over_21'],
    ['INVALID_SHARE_FIELDS', { nationality_code: { required: 'yes', reason } }, 'share_fields.nationality_code'],
  ])('%s names %j as %s', async (code, fields, param) => {
    expectShareError(await create(fields), code, param);
  });

  it.each([
    ['INVALID_SHARE_FIELDS', ['date_of_birth']],
    ['DOB_AND_AGE_GATE_CONFLICT', { date_of_birth: { required: true, reason }, age_over_18: { required: true, reason } }],
  ])('%s, about the whole map, has no param', async (code, fields) => {
    expectShareError(await create(fields), code, null);
  });

  it.each([['soon'], [true], [[3600]], [3600.5]])('names the type when expires_in is %j, not its range', async (value) => {
    const res = await t.http().post('/v1/sessions').set({ Authorization: `Bearer ${key}` }).send({ expires_in: value });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', param: 'expires_in', hint: 'expires_in must be an integer number of seconds.' });
  });

  it('still names the range for an integer out of it', async () => {
    const res = await t.http().post('/v1/sessions').set({ Authorization: `Bearer ${key}` }).send({ expires_in: 90000 });
    expect(res.body.error).toMatchObject({ code: 'BAD_REQUEST', param: 'expires_in', hint: 'expires_in must be at most 86400 seconds.' });
  });
});
