import { generatePassportFixture, type PassportFixture } from '../dist/src/emrtd/testing/index.js';
import { startFaceMatcher, type FaceMatcher } from './helpers/face-matcher.js';
import {
  closeOpenSockets,
  connectAndHello,
  expectAck,
  expectRefused,
  publicStatus,
  SELFIES,
  sendChip,
  sendPhases,
  startAttempt,
  startLiveApp,
  TO_NFC_READING,
  uploadChip,
  uploadItem,
  walkToShareRequest,
  type LiveApp,
  type VerifySocket,
} from './helpers/ws.js';

/**
 * Phases, chunked uploads, the missing-data checks and the share selection of the mobile
 * WebSocket (§6.7, §6.8 step 1, §6.10), against the real app with a real trust store and a
 * local face matcher that passes everyone. FACE_MATCH_THRESHOLD and FACE_MATCH_SECRET are unset
 * here, so the matcher must see neither (verify-ws-outcomes covers them set).
 */

const SHARE_FIELDS = {
  age_over_18: { required: true, reason: 'We only sell to adults.' },
  family_name: { required: false, reason: 'To address you.' },
  nationality_code: { required: false, reason: 'Shipping restrictions.' },
};

let app: LiveApp;
let matcher: FaceMatcher;
let passport: PassportFixture;

beforeAll(async () => {
  passport = await generatePassportFixture();
  matcher = await startFaceMatcher('pass');
  app = await startLiveApp({ cscaPem: passport.cscaCertPem, env: { FACE_MATCH_URL: matcher.url } });
});
afterEach(() => closeOpenSockets());
afterAll(async () => {
  await app.close();
  await matcher.close();
});

async function helloed(): Promise<{ sessionId: string; socket: VerifySocket }> {
  const { session, handoff } = await startAttempt(app, { share_fields: SHARE_FIELDS });
  return { sessionId: session.id, socket: await connectAndHello(handoff) };
}

const chunk = (kind: string, fields: Record<string, unknown> = {}) => ({
  type: 'data',
  kind,
  index: 0,
  total: 1,
  chunk_index: 0,
  chunk_total: 1,
  raw: Buffer.from(`${kind} bytes`).toString('base64'),
  ...fields,
});

describe('Phases (§6.7)', () => {
  it('acks the next and the current phase and untracked ones; refuses skips and steps back', async () => {
    const { sessionId, socket } = await helloed();
    await sendPhases(socket, ['mobile_connected', 'camera_ready', 'mrz_scanning', 'mrz_scanning']);
    for (const phase of ['nfc_reading', 'mobile_connected', 'selfie_capturing']) {
      await expectRefused(socket, { type: 'phase', phase }, 'PHASE_OUT_OF_ORDER');
    }
    expect((await publicStatus(app.t, sessionId)).latest_attempt.phase).toBe('mrz_scanning');
    await sendPhases(socket, ['mrz_complete']);
    expect((await publicStatus(app.t, sessionId)).latest_attempt.phase).toBe('mrz_complete');
  });

  it('checks missing data before the order for nfc_complete and selfie_complete', async () => {
    const { socket } = await helloed();
    await expectRefused(socket, { type: 'phase', phase: 'nfc_complete' }, 'NFC_REQUIRED_DATA_MISSING', {
      missing_artifacts: ['dg1', 'dg2', 'sod'],
      missing_chunks: [],
    });
    await expectRefused(socket, { type: 'phase', phase: 'selfie_complete' }, 'SELFIE_REQUIRED_DATA_MISSING', {
      required_total: 3,
      missing_selfie_indexes: [0, 1, 2],
      missing_chunks: [],
    });
    await sendPhases(socket, TO_NFC_READING);
    await uploadChip(socket, passport);
    await expectAck(socket, { type: 'phase', phase: 'nfc_complete' }, 'phase_ok');
    // The current phase again: acked, the chip checks do not run twice.
    await expectAck(socket, { type: 'phase', phase: 'nfc_complete' }, 'phase_ok');
    await sendPhases(socket, ['selfie_capturing']);
    // The chip data is complete, so now the order speaks.
    await expectRefused(socket, { type: 'phase', phase: 'nfc_complete' }, 'PHASE_OUT_OF_ORDER');
  });
});

describe('Uploads (§6.7)', () => {
  it('takes chip data only while nfc_reading and selfies only while selfie_capturing; unknown kinds never', async () => {
    const { socket } = await helloed();
    await sendPhases(socket, ['mrz_scanning', 'mrz_complete']);
    await expectRefused(socket, chunk('dg1'), 'NFC_DATA_PHASE_REQUIRED');
    await expectRefused(socket, chunk('selfie', { total: 3 }), 'SELFIE_DATA_PHASE_REQUIRED');
    await expectRefused(socket, chunk('dg3'), 'UNKNOWN_DATA_KIND');
    await sendPhases(socket, ['nfc_reading']);
    await expectRefused(socket, chunk('selfie', { total: 3 }), 'SELFIE_DATA_PHASE_REQUIRED');
    await expectRefused(socket, chunk('DG1'), 'UNKNOWN_DATA_KIND');
    await uploadChip(socket, passport);
    await expectAck(socket, { type: 'phase', phase: 'nfc_complete' }, 'phase_ok');
    await expectRefused(socket, chunk('sod'), 'NFC_DATA_PHASE_REQUIRED');
    await sendPhases(socket, ['selfie_capturing']);
    await expectRefused(socket, chunk('dg2'), 'NFC_DATA_PHASE_REQUIRED');
    await expectAck(socket, chunk('selfie', { total: 3 }), 'data_ok_selfie_0');
  });

  it('answers DATA_CHUNK_RETRY with the broken rule, in the contract’s order, and keeps the socket open', async () => {
    const { socket } = await helloed();
    await sendPhases(socket, TO_NFC_READING);
    const retry = (frame: Record<string, any>, reason: string) =>
      expectRefused(socket, frame, 'DATA_CHUNK_RETRY', { kind: frame.kind, index: frame.index, chunk_index: frame.chunk_index, reason });

    await retry(chunk('dg1', { index: 1 }), 'invalid_index_or_total');
    await retry(chunk('dg2', { total: 2 }), 'invalid_index_or_total');
    await retry(chunk('sod', { index: -1 }), 'invalid_index_or_total');
    await retry(chunk('dg1', { index: 0.5 }), 'invalid_index_or_total');
    await retry(chunk('dg1', { chunk_total: 65 }), 'invalid_chunk_range');
    await retry(chunk('dg1', { chunk_total: 0 }), 'invalid_chunk_range');
    await retry(chunk('dg1', { chunk_index: 2, chunk_total: 2 }), 'invalid_chunk_range');
    await retry(chunk('dg1', { chunk_index: -1, chunk_total: 2 }), 'invalid_chunk_range');
    await retry(chunk('dg1', { raw: 'not base64!' }), 'invalid_base64');
    await retry(chunk('dg1', { raw: 'QUJDR' }), 'invalid_base64');
    await expectAck(socket, chunk('dg2', { chunk_total: 2 }), 'data_chunk_ok_dg2_0_0');
    await retry(chunk('dg2', { chunk_index: 1, chunk_total: 3 }), 'chunk_total_mismatch');
    await expectAck(socket, chunk('dg2', { chunk_index: 1, chunk_total: 2 }), 'data_ok_dg2_0');
    // An index rule comes before the chunk rules.
    await retry(chunk('dg1', { index: 2, chunk_total: 99 }), 'invalid_index_or_total');

    await uploadChip(socket, passport);
    await expectAck(socket, { type: 'phase', phase: 'nfc_complete' }, 'phase_ok');
    await sendPhases(socket, ['selfie_capturing']);
    await retry(chunk('selfie', { total: 2 }), 'invalid_selfie_total');
    // index 3 of 3 already breaks the first rule, so invalid_selfie_index cannot be reached.
    await retry(chunk('selfie', { index: 3, total: 3 }), 'invalid_index_or_total');
    await expectAck(socket, chunk('selfie', { index: 2, total: 3 }), 'data_ok_selfie_2');
  });

  it('refuses the chunk that takes an item over 8 MiB with item_too_large', async () => {
    const { socket } = await helloed();
    await sendPhases(socket, TO_NFC_READING);
    const piece = Buffer.alloc(780_000, 7).toString('base64'); // 11 pieces: 8,580,000 bytes > 8 MiB
    for (let i = 0; i < 10; i++) {
      await expectAck(socket, chunk('dg2', { chunk_index: i, chunk_total: 11, raw: piece }), `data_chunk_ok_dg2_0_${i}`);
    }
    await expectRefused(socket, chunk('dg2', { chunk_index: 10, chunk_total: 11, raw: piece }), 'DATA_CHUNK_RETRY', {
      kind: 'dg2',
      index: 0,
      chunk_index: 10,
      reason: 'item_too_large',
    });
  });

  it('acks chunks in any order, replaces repeats, reassembles in chunk order and restarts a finished item', async () => {
    const { socket } = await helloed();
    await sendPhases(socket, TO_NFC_READING);
    const raw = (bytes: Uint8Array, from: number, to?: number) => Buffer.from(bytes).subarray(from, to).toString('base64');
    const { dg1, dg2 } = passport;

    await expectAck(socket, chunk('dg1', { chunk_index: 2, chunk_total: 3, raw: raw(dg1, 60) }), 'data_chunk_ok_dg1_0_2');
    await expectAck(socket, chunk('dg1', { chunk_index: 0, chunk_total: 3, raw: raw(dg1, 0, 30) }), 'data_chunk_ok_dg1_0_0');
    await expectAck(socket, chunk('dg1', { chunk_index: 1, chunk_total: 3, raw: raw(dg1, 30, 60) }), 'data_ok_dg1_0');

    await expectAck(socket, chunk('dg2', { chunk_index: 0, chunk_total: 2, raw: 'AAAA' }), 'data_chunk_ok_dg2_0_0');
    await expectAck(socket, chunk('dg2', { chunk_index: 0, chunk_total: 2, raw: raw(dg2, 0, 500) }), 'data_chunk_ok_dg2_0_0');
    await expectAck(socket, chunk('dg2', { chunk_index: 1, chunk_total: 2, raw: raw(dg2, 500) }), 'data_ok_dg2_0');

    // A chunk for the finished sod starts it again: it is missing until its other chunk comes,
    // and the item it then completes holds the bad chunk until the item is sent once more.
    await uploadItem(socket, { kind: 'sod', bytes: passport.sod });
    await expectAck(socket, chunk('sod', { chunk_index: 1, chunk_total: 2, raw: 'AAAA' }), 'data_chunk_ok_sod_0_1');
    await expectRefused(socket, { type: 'phase', phase: 'nfc_complete' }, 'NFC_REQUIRED_DATA_MISSING', {
      missing_artifacts: ['sod'],
      missing_chunks: [{ kind: 'sod', index: 0, chunk_total: 2, missing_chunk_indices: [0] }],
    });
    const { sod } = passport;
    await expectAck(socket, chunk('sod', { chunk_index: 0, chunk_total: 2, raw: raw(sod, 0, 1000) }), 'data_ok_sod_0');
    await expectAck(socket, chunk('sod', { chunk_index: 1, chunk_total: 2, raw: raw(sod, 1000) }), 'data_chunk_ok_sod_0_1');
    await expectAck(socket, chunk('sod', { chunk_index: 0, chunk_total: 2, raw: raw(sod, 0, 1000) }), 'data_ok_sod_0');
    // Passive authentication hashes the reassembled bytes: only the right order passes.
    await expectAck(socket, { type: 'phase', phase: 'nfc_complete' }, 'phase_ok');
  });

  it('lists missing artifacts and the missing chunks of partly uploaded items (NFC_REQUIRED_DATA_MISSING)', async () => {
    const { socket } = await helloed();
    await sendPhases(socket, TO_NFC_READING);
    await uploadItem(socket, { kind: 'dg1', bytes: passport.dg1 });
    await expectAck(socket, chunk('dg2', { chunk_index: 0, chunk_total: 4 }), 'data_chunk_ok_dg2_0_0');
    await expectAck(socket, chunk('dg2', { chunk_index: 2, chunk_total: 4 }), 'data_chunk_ok_dg2_0_2');
    await expectRefused(socket, { type: 'phase', phase: 'nfc_complete' }, 'NFC_REQUIRED_DATA_MISSING', {
      missing_artifacts: ['dg2', 'sod'],
      missing_chunks: [{ kind: 'dg2', index: 0, chunk_total: 4, missing_chunk_indices: [1, 3] }],
    });
    await expectAck(socket, chunk('sod', { chunk_index: 1, chunk_total: 2 }), 'data_chunk_ok_sod_0_1');
    await expectRefused(socket, { type: 'phase', phase: 'nfc_complete' }, 'NFC_REQUIRED_DATA_MISSING', {
      missing_artifacts: ['dg2', 'sod'],
      missing_chunks: [
        { kind: 'dg2', index: 0, chunk_total: 4, missing_chunk_indices: [1, 3] },
        { kind: 'sod', index: 0, chunk_total: 2, missing_chunk_indices: [0] },
      ],
    });
  });

  it('lists missing selfies and their missing chunks (SELFIE_REQUIRED_DATA_MISSING)', async () => {
    const { socket } = await helloed();
    expect(await sendChip(socket, passport)).toEqual({ type: 'ack', message: 'phase_ok' });
    await sendPhases(socket, ['selfie_capturing']);
    await uploadItem(socket, { kind: 'selfie', index: 0, total: 3, bytes: SELFIES[0] });
    await expectAck(socket, chunk('selfie', { index: 2, total: 3, chunk_index: 1, chunk_total: 3 }), 'data_chunk_ok_selfie_2_1');
    await expectRefused(socket, { type: 'phase', phase: 'selfie_complete' }, 'SELFIE_REQUIRED_DATA_MISSING', {
      required_total: 3,
      missing_selfie_indexes: [1, 2],
      missing_chunks: [{ kind: 'selfie', index: 2, chunk_total: 3, missing_chunk_indices: [0, 2] }],
    });
  });
});

describe('Share request and selection (§6.8, §6.10)', () => {
  it('sends the portrait image and the selfies to the matcher, without threshold or auth header when unset', async () => {
    const { socket } = await helloed();
    const before = matcher.requests.length;
    await walkToShareRequest(socket, passport);
    expect(matcher.requests).toHaveLength(before + 1);
    const request = matcher.requests[before];
    expect([...request.parts.keys()]).toEqual(['dg2', 'selfie_0', 'selfie_1', 'selfie_2']);
    expect(request.parts.get('dg2')).toEqual(Buffer.from(passport.portrait.bytes));
    expect(Buffer.from(passport.portrait.bytes).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    SELFIES.forEach((selfie, i) => expect(request.parts.get(`selfie_${i}`)).toEqual(selfie));
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(request.headers['x-kayle-face-matcher-auth']).toBeUndefined();
  });

  it('refuses a selection before the share request with PHASE_OUT_OF_ORDER', async () => {
    const { sessionId, socket } = await helloed();
    await expectRefused(socket, { type: 'share_selection', session_id: sessionId, selected_field_keys: ['age_over_18'] }, 'PHASE_OUT_OF_ORDER');
    expect(await sendChip(socket, passport)).toEqual({ type: 'ack', message: 'phase_ok' });
    await expectRefused(socket, { type: 'share_selection', session_id: sessionId, selected_field_keys: ['age_over_18'] }, 'PHASE_OUT_OF_ORDER');
  });

  it('offers the fields in key order, refuses bad selections on an open socket, then stands by the first accepted one', async () => {
    const { sessionId, socket } = await helloed();
    expect(await walkToShareRequest(socket, passport)).toEqual({
      type: 'share_request',
      contract_version: 1,
      session_id: sessionId,
      fields: [
        { key: 'age_over_18', label: 'Age Over 18', reason: 'We only sell to adults.', required: true },
        { key: 'family_name', label: 'Family Name', reason: 'To address you.', required: false },
        { key: 'kayle_document_id', label: 'Kayle Document ID', reason: 'Sharing "Kayle Document ID"', required: true },
        { key: 'nationality_code', label: 'Nationality Code', reason: 'Shipping restrictions.', required: false },
      ],
    });
    const select = (keys: unknown[], id: string = sessionId) => ({ type: 'share_selection', session_id: id, selected_field_keys: keys });
    await expectRefused(socket, select(['age_over_18', 'kayle_document_id'], `vs_${'x'.repeat(64)}`), 'INVALID_SESSION_ID');
    await expectRefused(socket, select([]), 'SHARE_SELECTION_REQUIRED');
    await expectRefused(socket, select(['  ', '']), 'SHARE_SELECTION_REQUIRED');
    await expectRefused(socket, select(['age_over_18', 'kayle_document_id', 'date_of_birth']), 'SHARE_SELECTION_INVALID_FIELD');
    await expectRefused(socket, select(['age_over_18', 'family_name']), 'SHARE_SELECTION_MISSING_REQUIRED');
    expect((await publicStatus(app.t, sessionId)).status).toBe('in_progress');
    await expectAck(socket, { type: 'phase', phase: 'selfie_complete' }, 'phase_ok');

    const ready = { type: 'share_ready', session_id: sessionId, selected_field_keys: ['age_over_18', 'family_name', 'kayle_document_id'] };
    expect(await socket.request(select([' kayle_document_id', 'family_name ', 'age_over_18', 'family_name']), 5_000)).toEqual(ready);
    expect(await socket.request(select(['age_over_18', 'kayle_document_id', 'nationality_code'], ` ${sessionId} `))).toEqual(ready);
    expect(await socket.request(select([]))).toEqual(ready);
    const status = await publicStatus(app.t, sessionId);
    expect(status).toMatchObject({ status: 'succeeded', is_terminal: true, latest_attempt: { status: 'succeeded', failure_code: null } });
  });
});
