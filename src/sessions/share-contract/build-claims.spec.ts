import { STATIC_CLAIM_KEYS } from './index.js';
import { buildClaims, type BuildClaimsInput } from './build-claims.js';
import { parseDg1 } from '../../emrtd/index.js';
import { extractPortrait } from '../../emrtd/index.js';
import { encodeDg1, encodeDg2, facialRecord, jp2Bytes, jpegBytes, SPECIMEN_LINES } from '../../emrtd/testing/index.js';
import type { Td3Mrz } from '../../emrtd/index.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const SERVER_SECRET = 'test-server-secret-0123456789abcdef';
const ORGANIZATION_ID = '00000000-0000-4000-8000-000000000001';
const CONTRACT_VECTOR = '4753477cec2e58cd4544e1ccfd11a56f4e11914eb3be36a8596a02e8f0ffb82f';

function specimenInput(selectedKeys: string[], changes: Partial<BuildClaimsInput> = {}): BuildClaimsInput {
  const dg1 = parseDg1(encodeDg1(SPECIMEN_LINES.join('')), NOW);
  const portrait = extractPortrait(encodeDg2([facialRecord(jpegBytes(24, 32))]));
  if (!dg1.ok || !portrait.ok) throw new Error('the specimen must parse');
  const { image, format, width, height } = portrait;
  return {
    mrz: dg1.mrz,
    portrait: { image, format, width, height },
    selectedKeys,
    organizationId: ORGANIZATION_ID,
    serverSecret: SERVER_SECRET,
    now: NOW,
    ...changes,
  };
}

describe('buildClaims', () => {
  it('gives the §6.11 worked example values on 2026-11-26', () => {
    const keys = STATIC_CLAIM_KEYS.filter((key) => key !== 'document_photo' && key !== 'date_of_birth');
    expect(buildClaims(specimenInput([...keys, 'age_over_18']))).toEqual({
      age_over_18: true,
      document_expiry_date: '2012-04-15',
      document_number: 'L898902C3',
      document_type_code: 'P',
      family_name: 'ERIKSSON',
      given_names: 'ANNA MARIA',
      issuing_country_code: 'UTO',
      kayle_document_id: CONTRACT_VECTOR,
      kayle_human_id: null,
      mrz_optional_data: 'ZE184226B',
      nationality_code: 'UTO',
      sex_marker: 'F',
    });
    expect(buildClaims(specimenInput(['age_over_60']))).toEqual({ age_over_60: false });
    expect(buildClaims(specimenInput(['date_of_birth']))).toEqual({ date_of_birth: '1974-08-12' });
  });

  it('derives kayle_document_id as the contract test vector', () => {
    expect(buildClaims(specimenInput(['kayle_document_id'])).kayle_document_id).toBe(CONTRACT_VECTOR);
  });

  it('derives a different kayle_document_id for another organization', () => {
    const other = buildClaims(specimenInput(['kayle_document_id'], { organizationId: '00000000-0000-4000-8000-000000000002' }));
    expect(other.kayle_document_id).toMatch(/^[0-9a-f]{64}$/);
    expect(other.kayle_document_id).not.toBe(CONTRACT_VECTOR);
  });

  it('returns exactly the selected keys in ascending order', () => {
    const claims = buildClaims(specimenInput(['sex_marker', 'age_over_21', 'kayle_document_id', 'document_number']));
    expect(Object.keys(claims)).toEqual(['age_over_21', 'document_number', 'kayle_document_id', 'sex_marker']);
  });

  it('returns an empty object for an empty selection', () => {
    expect(buildClaims(specimenInput([]))).toEqual({});
  });

  it('keeps an age gate key with leading zeros as sent', () => {
    expect(buildClaims(specimenInput(['age_over_018']))).toEqual({ age_over_018: true });
    expect(buildClaims(specimenInput(['age_over_0052']))).toEqual({ age_over_0052: true });
    expect(buildClaims(specimenInput(['age_over_053']))).toEqual({ age_over_053: false });
  });

  it('counts a birthday reached today (UTC) as a full year', () => {
    expect(buildClaims(specimenInput(['age_over_52'], { now: new Date('2026-08-12T00:00:00Z') }))).toEqual({ age_over_52: true });
    expect(buildClaims(specimenInput(['age_over_52'], { now: new Date('2026-08-11T23:59:59Z') }))).toEqual({ age_over_52: false });
  });

  it('moves a 29 February birthday to 1 March in common years', () => {
    const input = specimenInput(['age_over_18']);
    const leapling: Td3Mrz = { ...input.mrz, dateOfBirth: '2008-02-29' };
    const on = (iso: string) => buildClaims({ ...input, mrz: leapling, now: new Date(iso) }).age_over_18;
    expect(on('2026-02-28T12:00:00Z')).toBe(false);
    expect(on('2026-03-01T00:00:00Z')).toBe(true);
  });

  it('delivers the portrait as standard base64 with its format and pixel size', () => {
    const image = Uint8Array.of(0xfb, 0xff, 0xbf, 0x00); // "+/+/AA==" in standard base64
    const claims = buildClaims(specimenInput(['document_photo'], { portrait: { image, format: 'jpeg2000', width: 7, height: 9 } }));
    expect(claims).toEqual({ document_photo: { dataBase64: '+/+/AA==', format: 'jpeg2000', height: 9, width: 7 } });
    expect(Object.keys(claims.document_photo as object)).toEqual(['dataBase64', 'format', 'height', 'width']);
  });

  it('delivers a portrait extracted from DG2 byte for byte', () => {
    const jp2 = jp2Bytes(64, 80);
    const portrait = extractPortrait(encodeDg2([facialRecord(jp2)]));
    if (!portrait.ok) throw new Error(portrait.reason);
    const claims = buildClaims(specimenInput(['document_photo'], { portrait }));
    expect(claims.document_photo).toEqual({
      dataBase64: Buffer.from(jp2).toString('base64'),
      format: 'jpeg2000',
      height: 80,
      width: 64,
    });
  });

  it('always gives kayle_human_id as null', () => {
    expect(buildClaims(specimenInput(['kayle_human_id']))).toEqual({ kayle_human_id: null });
  });

  it('delivers the empty strings of an MRZ without given names or optional data', () => {
    const input = specimenInput(['given_names', 'mrz_optional_data']);
    expect(buildClaims({ ...input, mrz: { ...input.mrz, givenNames: '', mrzOptionalData: '' } })).toEqual({
      given_names: '',
      mrz_optional_data: '',
    });
  });

  it.each(['unknown_claim', 'age_over_11', 'age_over_', '__proto__', 'toString'])(
    'throws a RangeError for %s, which no validated selection can hold',
    (key) => {
      expect(() => buildClaims(specimenInput([key]))).toThrow(RangeError);
    },
  );
});
