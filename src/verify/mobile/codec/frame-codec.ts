import type { ClientMessage, ServerMessage } from '../messages.js';

/**
 * The edge of the mobile socket (§6.5, §6.5a): one wire format. The first data frame of a
 * connection picks the codec whose `binary` matches the frame's opcode; from then on every
 * frame is decoded and every reply encoded by that codec, and the state machine behind it only
 * sees ClientMessage / ServerMessage.
 */
export interface FrameCodec {
  readonly name: 'json' | 'capnp';
  /** Whether this codec's frames are binary WebSocket frames (else text frames). */
  readonly binary: boolean;
  /** A frame's payload as a message, or null when it is not one (→ DECODE_FAILED). Never throws. */
  decode(payload: Buffer): ClientMessage | null;
  /** A reply as the frame payload to send: a string goes out as a text frame, bytes as binary. */
  encode(message: ServerMessage): string | Uint8Array;
}

/** The codecs the socket may use, one per frame opcode; chosen in MobileModule's providers. */
export abstract class FrameCodecs {
  /** The text codec, which also answers before a connection has picked one. */
  abstract readonly text: FrameCodec;
  /** The codec for a connection whose first data frame is binary or text (loaded on first use). */
  abstract codecFor(binary: boolean): FrameCodec | Promise<FrameCodec>;
}
