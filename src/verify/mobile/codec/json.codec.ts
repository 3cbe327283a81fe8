import type { ClientMessage, ServerMessage } from '../messages.js';
import { WS_ERROR_MESSAGES } from '../ws-errors.js';
import type { FrameCodec } from './frame-codec.js';

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optional = <T>(v: unknown, check: (v: unknown) => v is T): v is T | undefined => v === undefined || check(v);

/** The JSON text frames of §6.5: anything malformed is DECODE_FAILED (null), never a throw. */
export function decodeJsonClientMessage(text: string): ClientMessage | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const m = parsed as Record<string, unknown>;
  switch (m.type) {
    case 'hello':
      if (!isString(m.attempt_id) || !isString(m.mobile_write_token) || !isString(m.device_id)) return null;
      if (m.device_id.length > 256 || !optional(m.app_version, isString) || (isString(m.app_version) && m.app_version.length > 64)) {
        return null;
      }
      return {
        type: 'hello',
        attempt_id: m.attempt_id,
        mobile_write_token: m.mobile_write_token,
        device_id: m.device_id,
        app_version: isString(m.app_version) ? m.app_version : null,
      };
    case 'phase':
      if (!isString(m.phase) || m.phase.length < 1 || m.phase.length > 64) return null;
      if (!optional(m.error, isString) || (isString(m.error) && m.error.length > 500)) return null;
      return { type: 'phase', phase: m.phase, error: isString(m.error) ? m.error : null };
    case 'data':
      if (!isString(m.kind) || !isNumber(m.index) || !isNumber(m.total) || !isString(m.raw)) return null;
      if (!optional(m.chunk_index, isNumber) || !optional(m.chunk_total, isNumber)) return null;
      return {
        type: 'data',
        kind: m.kind,
        index: m.index,
        total: m.total,
        chunk_index: (m.chunk_index as number | undefined) ?? 0,
        chunk_total: (m.chunk_total as number | undefined) ?? 1,
        raw: m.raw,
      };
    case 'share_selection':
      if (!isString(m.session_id) || !Array.isArray(m.selected_field_keys) || !m.selected_field_keys.every(isString)) {
        return null;
      }
      return { type: 'share_selection', session_id: m.session_id, selected_field_keys: m.selected_field_keys as string[] };
    default:
      return null;
  }
}

/** The JSON replies of §6.5 and §6.12. */
export function encodeJsonServerMessage(message: ServerMessage): string {
  switch (message.type) {
    case 'data_ack':
      return JSON.stringify({
        type: 'ack',
        message: message.complete
          ? `data_ok_${message.kind}_${message.index}`
          : `data_chunk_ok_${message.kind}_${message.index}_${message.chunk_index}`,
      });
    case 'error': {
      const { code, details } = message;
      return JSON.stringify({ type: 'error', code, message: message.message ?? WS_ERROR_MESSAGES[code], ...(details ? { details } : {}) });
    }
    default:
      return JSON.stringify(message);
  }
}

/** JSON text frames (§6.5): the protocol's own encoding. */
export const jsonCodec: FrameCodec = {
  name: 'json',
  binary: false,
  decode: (payload) => decodeJsonClientMessage(payload.toString('utf8')),
  encode: encodeJsonServerMessage,
};
