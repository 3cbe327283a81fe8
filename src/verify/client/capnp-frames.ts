import { Message } from 'capnp-es';
import * as wire from '../mobile/codec/schema/verify.js';

/**
 * The reference client's side of the binary encoding (§6.5a): the JSON-shaped frames the client
 * builds become Kayle `ClientMessage`s, and `ServerMessage`s come back in the JSON frames' shape
 * (acks keep their wire text, e.g. `data_ok_1_0`; share request fields have no label), so one
 * client walk serves both codecs.
 */

export const DATA_KIND_ORDINALS: Record<string, number> = { dg1: 0, dg2: 1, sod: 2, selfie: 3 };

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const uint = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);

/** A `hello`, `phase`, `data` (raw as base64) or `share_selection` frame as one Cap'n Proto message. */
export function encodeClientFrame(frame: Record<string, unknown>): Uint8Array {
  const packet = new Message();
  const root = packet.initRoot(wire.ClientMessage);
  switch (frame.type) {
    case 'hello': {
      const hello = root._initHello();
      hello.attemptId = str(frame.attempt_id);
      hello.mobileWriteToken = str(frame.mobile_write_token);
      hello.deviceId = str(frame.device_id);
      hello.appVersion = str(frame.app_version);
      break;
    }
    case 'phase': {
      const phase = root._initPhase();
      phase.phase = str(frame.phase);
      phase.error = str(frame.error);
      break;
    }
    case 'data': {
      const data = root._initData();
      data.kind = (DATA_KIND_ORDINALS[str(frame.kind)] ?? uint(frame.kind)) as wire.DataKind;
      const bytes = Buffer.from(str(frame.raw), 'base64');
      data._initRaw(bytes.length).copyBuffer(bytes);
      data.index = uint(frame.index);
      data.total = uint(frame.total);
      data.chunkIndex = uint(frame.chunk_index);
      data.chunkTotal = frame.chunk_total === undefined ? 1 : uint(frame.chunk_total);
      break;
    }
    case 'share_selection': {
      const selection = root._initShareSelection();
      selection.sessionId = str(frame.session_id);
      const keys = Array.isArray(frame.selected_field_keys) ? frame.selected_field_keys.map(str) : [];
      const list = selection._initSelectedFieldKeys(keys.length);
      keys.forEach((key, i) => list.set(i, key));
      break;
    }
    default:
      throw new RangeError(`No Cap'n Proto form for a ${String(frame.type)} frame`);
  }
  return new Uint8Array(packet.toArrayBuffer());
}

const texts = (list: { length: number; get(i: number): string }): string[] => Array.from({ length: list.length }, (_, i) => list.get(i));

/** A binary server frame in the JSON frames' shape, or `{type: 'undecodable'}`. */
export function decodeServerFrame(bytes: Uint8Array): { type: string; [field: string]: unknown } {
  try {
    const root = new Message(bytes, false).getRoot(wire.ServerMessage);
    switch (root.which()) {
      case wire.ServerMessage.ACK:
        return { type: 'ack', message: root.ack.message };
      case wire.ServerMessage.ERROR:
        return { type: 'error', code: root.error.code, message: root.error.message };
      case wire.ServerMessage.VERDICT: {
        const v = root.verdict;
        return {
          type: 'verdict',
          outcome: v.outcome === wire.VerdictOutcome.ACCEPTED ? 'accepted' : 'rejected',
          reason_code: v.reasonCode,
          reason_message: v.reasonMessage,
          retry_allowed: v.retryAllowed,
          remaining_attempts: v.remainingAttempts,
        };
      }
      case wire.ServerMessage.SHARE_REQUEST: {
        const r = root.shareRequest;
        const fields = Array.from({ length: r.fields.length }, (_, i) => {
          const f = r.fields.get(i);
          return { key: f.key, reason: f.reason, required: f.required };
        });
        return { type: 'share_request', contract_version: r.contractVersion, session_id: r.sessionId, fields };
      }
      case wire.ServerMessage.SHARE_READY:
        return { type: 'share_ready', session_id: root.shareReady.sessionId, selected_field_keys: texts(root.shareReady.selectedFieldKeys) };
      default:
        return { type: 'undecodable', raw: Buffer.from(bytes).toString('base64') };
    }
  } catch {
    return { type: 'undecodable', raw: Buffer.from(bytes).toString('base64') };
  }
}
