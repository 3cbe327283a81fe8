import type { IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { decodeServerFrame, encodeClientFrame } from './capnp-frames.js';

/** A frame the server sent (§6.5): one JSON object with a `type`. */
export interface ServerFrame {
  type: string;
  [field: string]: unknown;
}

/** The wire format: JSON text frames (§6.5) or Kayle's Cap'n Proto binary frames (§6.5a). */
export type Codec = 'json' | 'capnp';
export const CODECS: readonly Codec[] = ['json', 'capnp'];

export interface SocketClose {
  code: number;
  reason: string;
}

/** The socket closed before the awaited frame arrived. */
export class SocketClosedError extends Error {
  constructor(readonly close: SocketClose) {
    super(`The socket closed (${close.code}${close.reason ? ` ${close.reason}` : ''}) before the expected frame`);
    this.name = 'SocketClosedError';
  }
}

/** No frame arrived in time. */
export class FrameTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`No frame from the server within ${timeoutMs} ms`);
    this.name = 'FrameTimeoutError';
  }
}

interface Waiter {
  resolve(frame: ServerFrame): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * A client of the mobile WebSocket (§6.5) that turns incoming frames into a queue: `next()`
 * returns frames in arrival order, and once the socket has closed and the queue is drained it
 * rejects with SocketClosedError, so a caller always sees every frame before the close.
 */
export class VerifySocket {
  private readonly frames: ServerFrame[] = [];
  private readonly waiters: Waiter[] = [];
  private closeInfo: SocketClose | null = null;
  /** Settles when the socket has closed, with the close code and reason. */
  readonly closed: Promise<SocketClose>;

  private constructor(
    readonly socket: WebSocket,
    /** Headers of the 101 upgrade response (e.g. X-Request-Id, §1.4). */
    readonly upgradeHeaders: IncomingHttpHeaders,
    /** How `send` encodes frames; binary replies are decoded into the JSON frames' shape. */
    readonly codec: Codec,
  ) {
    socket.on('message', (data, isBinary) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      if (!isBinary) return this.push(parseFrame(bytes.toString('utf8')));
      this.push(codec === 'capnp' ? decodeServerFrame(bytes) : { type: 'binary', raw: bytes.toString('utf8') });
    });
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8') };
        for (const waiter of this.waiters.splice(0)) {
          clearTimeout(waiter.timer);
          waiter.reject(new SocketClosedError(this.closeInfo));
        }
        resolve(this.closeInfo);
      });
    });
  }

  /** Opens `url`; rejects when the upgrade is refused or the connection fails. */
  static open(url: string, options: { headers?: Record<string, string>; timeoutMs?: number; codec?: Codec } = {}): Promise<VerifySocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers: options.headers, handshakeTimeout: options.timeoutMs ?? 10_000 });
      let headers: IncomingHttpHeaders = {};
      socket.once('upgrade', (response) => {
        headers = response.headers;
      });
      socket.once('unexpected-response', (_request, response) => {
        response.resume();
        socket.terminate();
        reject(new Error(`The server refused the WebSocket upgrade with HTTP ${response.statusCode}`));
      });
      // Kept after the open too: later errors (e.g. a reset connection) are followed by 'close',
      // which is what callers see, and an 'error' without a listener would throw.
      socket.on('error', reject);
      socket.once('open', () => resolve(new VerifySocket(socket, headers, options.codec ?? 'json')));
    });
  }

  /** The close code and reason once closed, else null. */
  get closeState(): SocketClose | null {
    return this.closeInfo;
  }

  send(frame: object): void {
    if (this.codec === 'capnp') this.socket.send(encodeClientFrame(frame as Record<string, unknown>));
    else this.socket.send(JSON.stringify(frame));
  }

  /** Sends text or bytes as they are (protocol tests send malformed frames). */
  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.socket.send(data, { binary: options.binary ?? false });
  }

  /** The next frame, in arrival order. */
  next(timeoutMs = 30_000): Promise<ServerFrame> {
    const queued = this.frames.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closeInfo) return Promise.reject(new SocketClosedError(this.closeInfo));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new FrameTimeoutError(timeoutMs));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `frame` and returns the next frame. */
  async request(frame: object, timeoutMs?: number): Promise<ServerFrame> {
    this.send(frame);
    return this.next(timeoutMs);
  }

  close(code = 1000, reason?: string): Promise<SocketClose> {
    if (!this.closeInfo) this.socket.close(code, reason);
    return this.closed;
  }

  private push(frame: ServerFrame): void {
    const waiter = this.waiters.shift();
    if (!waiter) {
      this.frames.push(frame);
      return;
    }
    clearTimeout(waiter.timer);
    waiter.resolve(frame);
  }
}

function parseFrame(text: string): ServerFrame {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && typeof (parsed as ServerFrame).type === 'string') {
      return parsed as ServerFrame;
    }
  } catch {
    // falls through: the frame is reported as it came
  }
  return { type: 'unparseable', raw: text };
}
