import type { ServerMessage } from '../messages.js';
import { WS_ERROR_MESSAGES } from '../ws-errors.js';
import { jsonCodec } from './json.codec.js';

const decode = (frame: unknown) => jsonCodec.decode(Buffer.from(typeof frame === 'string' ? frame : JSON.stringify(frame)));
const encode = (message: ServerMessage) => JSON.parse(jsonCodec.encode(message) as string) as unknown;

describe('jsonCodec (§6.5)', () => {
  it('decodes each client frame, with the optional fields defaulted', () => {
    expect(decode({ type: 'hello', attempt_id: 'a', mobile_write_token: 't', device_id: 'd' })).toEqual({
      type: 'hello',
      attempt_id: 'a',
      mobile_write_token: 't',
      device_id: 'd',
      app_version: null,
    });
    expect(decode({ type: 'phase', phase: 'mrz_scanning', error: 'x' })).toEqual({ type: 'phase', phase: 'mrz_scanning', error: 'x' });
    expect(decode({ type: 'data', kind: 'dg1', index: 0, total: 1, raw: 'AA==' })).toEqual({
      type: 'data',
      kind: 'dg1',
      index: 0,
      total: 1,
      chunk_index: 0,
      chunk_total: 1,
      raw: 'AA==',
    });
    expect(decode({ type: 'share_selection', session_id: 's', selected_field_keys: ['k'] })).toEqual({
      type: 'share_selection',
      session_id: 's',
      selected_field_keys: ['k'],
    });
    for (const bad of ['nope', '[]', { type: 'phase', phase: '' }, { type: 'data', kind: 'dg1', index: '0', total: 1, raw: '' }, { type: 'x' }]) {
      expect(decode(bad)).toBeNull();
    }
  });

  it('encodes each reply as the §6.5 JSON frame', () => {
    expect(encode({ type: 'ack', message: 'hello_ok' })).toEqual({ type: 'ack', message: 'hello_ok' });
    expect(encode({ type: 'data_ack', kind: 'dg2', index: 0, chunk_index: 1, complete: false })).toEqual({ type: 'ack', message: 'data_chunk_ok_dg2_0_1' });
    expect(encode({ type: 'data_ack', kind: 'selfie', index: 2, chunk_index: 0, complete: true })).toEqual({ type: 'ack', message: 'data_ok_selfie_2' });
    expect(encode({ type: 'error', code: 'UNKNOWN_DATA_KIND' })).toEqual({ type: 'error', code: 'UNKNOWN_DATA_KIND', message: 'Unknown data kind.' });
    expect(encode({ type: 'error', code: 'NFC_REQUIRED_DATA_MISSING', details: { missing_artifacts: ['sod'], missing_chunks: [] } })).toEqual({
      type: 'error',
      code: 'NFC_REQUIRED_DATA_MISSING',
      message: WS_ERROR_MESSAGES.NFC_REQUIRED_DATA_MISSING,
      details: { missing_artifacts: ['sod'], missing_chunks: [] },
    });
    const request: ServerMessage = {
      type: 'share_request',
      contract_version: 1,
      session_id: 's',
      fields: [{ key: 'k', label: 'K', reason: 'r', required: false }],
    };
    expect(encode(request)).toEqual(request);
    expect(jsonCodec.encode({ type: 'share_ready', session_id: 's', selected_field_keys: ['k'] })).toBe(
      '{"type":"share_ready","session_id":"s","selected_field_keys":["k"]}',
    );
  });
});
