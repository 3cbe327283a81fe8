import { Logger } from '@nestjs/common';
import { WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { WebSocket, WebSocketServer } from 'ws';
import { Clock } from '../../common/clock.js';
import { randomToken } from '../../common/ids.js';
import { requestIdFor } from '../../common/http/request-id.js';
import { FaceMatcher } from '../../face-match/face-matcher.js';
import { ChipVerifier } from './chip-check.js';
import { FrameCodecs } from './codec/frame-codec.js';
import { MobileConnection } from './mobile-connection.js';
import { MobileFlowService } from './mobile-flow.service.js';

export const MOBILE_SOCKET_PATH = '/v1/verify/session/:id';
/** Frames over 1 MiB close the socket with 1009 (§6.5); `ws` enforces it. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** The mobile app's WebSocket (§6.5, §6.5a): one MobileConnection per socket. */
@WebSocketGateway({ path: MOBILE_SOCKET_PATH, maxPayload: MAX_FRAME_BYTES })
export class MobileGateway implements OnGatewayInit, OnGatewayConnection {
  private readonly logger = new Logger(MobileGateway.name);

  constructor(
    private readonly flow: MobileFlowService,
    private readonly chip: ChipVerifier,
    private readonly faceMatch: FaceMatcher,
    private readonly clock: Clock,
    private readonly codecs: FrameCodecs,
  ) {}

  afterInit(server: WebSocketServer): void {
    // §1.4: the upgrade response carries X-Request-Id too.
    server.on('headers', (headers: string[], request: IncomingMessage) => {
      headers.push(`X-Request-Id: ${requestIdFor(request)}`);
    });
  }

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const sessionId = sessionIdOf(request.url);
    const connection = new MobileConnection(socket, sessionId, `ws_${randomToken(24)}`, {
      flow: this.flow,
      chip: this.chip,
      faceMatch: this.faceMatch,
      clock: this.clock,
      logger: this.logger,
      codecs: this.codecs,
    });
    socket.on('message', (data, isBinary) => connection.onFrame(data as Buffer, isBinary));
    socket.on('close', () => connection.onClose());
    connection.open();
  }
}

/**
 * The `:id` segment of the upgrade URL. A malformed percent-escape is kept as sent: it is not a
 * session id, so the connection checks answer INVALID_SESSION_ID. (decodeURIComponent throws
 * on it, and a throw here is an uncaught exception that ends the process.)
 */
function sessionIdOf(url: string | undefined): string {
  const segment = (url ?? '').split('?')[0].split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
