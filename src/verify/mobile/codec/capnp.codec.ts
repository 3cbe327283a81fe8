import { Message } from 'capnp-es';
import { DATA_KINDS, type ClientMessage, type ServerMessage } from '../messages.js';
import { WS_ERROR_MESSAGES, type WsErrorCode } from '../ws-errors.js';
import type { FrameCodec } from './frame-codec.js';
import * as wire from './schema/verify.js';

/** More selected keys than any share contract offers: refused before the list is walked. */
export const MAX_SELECTED_KEYS = 1024;

/**
 * Error messages Kayle's server sends instead of the §6.12 text on binary connections (upstream
 * apps/api/src/v1/verify/socket-controller.ts). Every other code keeps its §6.12 message, which is
 * upstream's word for word.
 */
const UPSTREAM_MESSAGES: Partial<Record<WsErrorCode, string>> = {
  INVALID_MESSAGE: 'Binary protobuf messages are required.',
  DECODE_FAILED: 'Failed to decode protobuf message.',
};

const ordinalOf = (kind: unknown): unknown => {
  const ordinal = DATA_KINDS.indexOf(kind as (typeof DATA_KINDS)[number]);
  return ordinal >= 0 ? ordinal : kind;
};

interface MissingChunk {
  kind: unknown;
  index: number;
  chunk_total: number;
  missing_chunk_indices: number[];
}
const withOrdinals = (chunks: unknown): unknown =>
  Array.isArray(chunks) ? (chunks as MissingChunk[]).map((c) => ({ ...c, kind: ordinalOf(c.kind) })) : chunks;

/**
 * Upstream has no `details`: where it has any, they are the error's `message`, as JSON text,
 * with DataKind ordinals for kinds (upstream data-payload.ts and socket-phase-validation.ts).
 */
function errorMessage(code: WsErrorCode, details: Record<string, unknown> | undefined): string {
  if (details && code === 'DATA_CHUNK_RETRY') {
    // Upstream spells this one key in camelCase.
    return JSON.stringify({ kind: ordinalOf(details.kind), index: details.index, chunkIndex: details.chunk_index, reason: details.reason });
  }
  if (details && code === 'NFC_REQUIRED_DATA_MISSING') {
    return JSON.stringify({ missing_artifacts: details.missing_artifacts, missing_chunks: withOrdinals(details.missing_chunks) });
  }
  if (details && code === 'SELFIE_REQUIRED_DATA_MISSING') {
    return JSON.stringify({
      required_total: details.required_total,
      missing_selfie_indexes: details.missing_selfie_indexes,
      missing_chunks: withOrdinals(details.missing_chunks),
    });
  }
  return UPSTREAM_MESSAGES[code] ?? WS_ERROR_MESSAGES[code];
}

/**
 * The standard framing's segment table must fit in the frame. capnp-es allocates an array of the
 * claimed segment count before it checks that, so a 4-byte header claiming 2^31 segments would
 * allocate gigabytes: refuse it here first.
 */
function segmentTableFits(payload: Buffer): boolean {
  if (payload.length < 8) return false;
  const segments = payload.readUInt32LE(0) + 1;
  return 4 + 4 * segments <= payload.length;
}

const textList = (list: { length: number; get(i: number): string }): string[] | null => {
  if (list.length > MAX_SELECTED_KEYS) return null;
  return Array.from({ length: list.length }, (_, i) => list.get(i));
};

/** One binary frame as a Kayle `ClientMessage` (unpacked, single or multi segment), or null. */
export function decodeCapnpClientMessage(payload: Buffer): ClientMessage | null {
  if (!segmentTableFits(payload)) return null;
  try {
    const root = new Message(payload, false).getRoot(wire.ClientMessage);
    switch (root.which()) {
      case wire.ClientMessage.HELLO: {
        const hello = root.hello;
        const deviceId = hello.deviceId;
        const appVersion = hello.appVersion;
        // The same bounds as the JSON frames (§6.5); Text has no "absent", so "" means no version.
        if (deviceId.length > 256 || appVersion.length > 64) return null;
        return {
          type: 'hello',
          attempt_id: hello.attemptId,
          mobile_write_token: hello.mobileWriteToken,
          device_id: deviceId,
          app_version: appVersion === '' ? null : appVersion,
        };
      }
      case wire.ClientMessage.PHASE: {
        const phase = root.phase.phase;
        const error = root.phase.error;
        // An empty phase is upstream's "untracked" (phase_ok), so only the upper bounds apply.
        if (phase.length > 64 || error.length > 500) return null;
        return { type: 'phase', phase, error: error === '' ? null : error };
      }
      case wire.ClientMessage.DATA: {
        const data = root.data;
        const ordinal = data.kind as number;
        return {
          type: 'data',
          // An ordinal beyond the enum is a kind this server does not know: UNKNOWN_DATA_KIND.
          kind: DATA_KINDS[ordinal] ?? `kind_${ordinal}`,
          index: data.index,
          total: data.total,
          chunk_index: data.chunkIndex,
          // 0 is Cap'n Proto's "unset"; upstream reads it as a single chunk.
          chunk_total: data.chunkTotal === 0 ? 1 : data.chunkTotal,
          raw: Buffer.from(data.raw.toUint8Array()),
        };
      }
      case wire.ClientMessage.SHARE_SELECTION: {
        const keys = textList(root.shareSelection.selectedFieldKeys);
        if (!keys) return null;
        return { type: 'share_selection', session_id: root.shareSelection.sessionId, selected_field_keys: keys };
      }
      default:
        return null;
    }
  } catch {
    // capnp-es throws on out-of-bounds pointers, bad segment tables and the like.
    return null;
  }
}

/** A reply as one single-segment Kayle `ServerMessage`, with upstream's strings (§6.5a). */
export function encodeCapnpServerMessage(message: ServerMessage): Uint8Array {
  const packet = new Message();
  const root = packet.initRoot(wire.ServerMessage);
  switch (message.type) {
    case 'ack':
      root._initAck().message = message.message;
      break;
    case 'data_ack': {
      const kind = DATA_KINDS.indexOf(message.kind);
      root._initAck().message = message.complete
        ? `data_ok_${kind}_${message.index}`
        : `data_chunk_ok_${kind}_${message.index}_${message.chunk_index}`;
      break;
    }
    case 'error': {
      const error = root._initError();
      error.code = message.code;
      error.message = message.message ?? errorMessage(message.code, message.details);
      break;
    }
    case 'verdict': {
      const verdict = root._initVerdict();
      verdict.outcome = message.outcome === 'accepted' ? wire.VerdictOutcome.ACCEPTED : wire.VerdictOutcome.REJECTED;
      verdict.reasonCode = message.reason_code;
      verdict.reasonMessage = message.reason_message;
      verdict.retryAllowed = message.retry_allowed;
      verdict.remainingAttempts = message.remaining_attempts;
      break;
    }
    case 'share_request': {
      const request = root._initShareRequest();
      request.contractVersion = message.contract_version;
      request.sessionId = message.session_id;
      // The wire field has no label: the app words the fields itself.
      const fields = request._initFields(message.fields.length);
      message.fields.forEach((field, i) => {
        const item = fields.get(i);
        item.key = field.key;
        item.reason = field.reason;
        item.required = field.required;
      });
      break;
    }
    case 'share_ready': {
      const ready = root._initShareReady();
      ready.sessionId = message.session_id;
      const keys = ready._initSelectedFieldKeys(message.selected_field_keys.length);
      message.selected_field_keys.forEach((key, i) => keys.set(i, key));
      break;
    }
  }
  return new Uint8Array(packet.toArrayBuffer());
}

/** Binary Cap'n Proto frames of Kayle's verify.capnp (§6.5a). */
export const capnpCodec: FrameCodec = {
  name: 'capnp',
  binary: true,
  decode: decodeCapnpClientMessage,
  encode: encodeCapnpServerMessage,
};
