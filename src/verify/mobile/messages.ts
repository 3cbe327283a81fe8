import type { ShareRequestField } from '../../sessions/share-contract/index.js';
import type { WsErrorCode } from './ws-errors.js';

/**
 * The socket's internal messages (§6.5): what a codec (codec/) decodes a client frame into and
 * encodes a reply from. The state machine speaks only these, never a wire format.
 */
export type ClientMessage =
  | { type: 'hello'; attempt_id: string; mobile_write_token: string; device_id: string; app_version: string | null }
  | { type: 'phase'; phase: string; error: string | null }
  | {
      type: 'data';
      kind: string;
      index: number;
      total: number;
      chunk_index: number;
      chunk_total: number;
      /** The chunk: base64 text as JSON carries it, or the bytes themselves (Cap'n Proto `Data`). */
      raw: string | Uint8Array;
    }
  | { type: 'share_selection'; session_id: string; selected_field_keys: string[] };

/** The kinds of `data` the protocol knows, in the order of Kayle's `DataKind` enum. */
export const DATA_KINDS = ['dg1', 'dg2', 'sod', 'selfie'] as const;

/** One field of `share_request`: the same list the hosted page shows (see shareRequestFields). */
export type { ShareRequestField };

export type ServerMessage =
  | { type: 'ack'; message: 'hello_ok' | 'phase_ok' }
  /** A data chunk was taken; `complete` when it completed its item (§6.7). */
  | { type: 'data_ack'; kind: (typeof DATA_KINDS)[number]; index: number; chunk_index: number; complete: boolean }
  /** `message` replaces the code's standard text where the server knows more (e.g. how a session ended). */
  | { type: 'error'; code: WsErrorCode; message?: string; details?: Record<string, unknown> }
  | {
      type: 'verdict';
      outcome: 'accepted' | 'rejected';
      reason_code: string;
      reason_message: string;
      retry_allowed: boolean;
      remaining_attempts: number;
    }
  | { type: 'share_request'; contract_version: number; session_id: string; fields: ShareRequestField[] }
  | { type: 'share_ready'; session_id: string; selected_field_keys: string[] };
