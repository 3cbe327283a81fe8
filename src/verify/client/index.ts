/**
 * A reference client of the verify flow (§6.3, §6.5-6.10) in plain Node (fetch + ws): what a
 * mobile app does, without NFC or a camera. `npm run cli -- verify run` is a thin shell over it.
 */
export { DEFAULT_CHUNK_BYTES, MAX_CHUNKS, chunkSizeFor, dataFrames, expectedDataAck, type DataFrame, type UploadKind } from './frames.js';
export { parseVerificationUrl, requestHandoff, type Handoff, type HandoffFailure } from './handoff.js';
export {
  runVerification,
  type ChipData,
  type ClientFailure,
  type VerificationInput,
  type VerificationOutcome,
} from './run-verification.js';
export { decodeServerFrame, encodeClientFrame, DATA_KIND_ORDINALS } from './capnp-frames.js';
export { CODECS, FrameTimeoutError, SocketClosedError, VerifySocket, type Codec, type ServerFrame, type SocketClose } from './verify-socket.js';
