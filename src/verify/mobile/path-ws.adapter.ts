import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';

type PathServer = WebSocketServer & { path?: string; pattern?: RegExp };

/** `/v1/verify/session/:id` → /^\/v1\/verify\/session\/([^/]+)$/ */
function patternOf(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (part.startsWith(':') ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Nest's ws adapter matches gateway paths exactly; the mobile protocol lives at
 * `/v1/verify/session/:id`, so this one also matches `:param` segments. Upgrades to any
 * other path are refused, as before.
 */
export class PathWsAdapter extends WsAdapter {
  private readonly servers: PathServer[] = [];
  private listener: ((request: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;

  constructor(app: INestApplicationContext) {
    super(app);
  }

  override create(_port: number, options: Record<string, unknown> & { path?: string } = {}): WebSocketServer {
    const { path, server: _server, namespace: _namespace, ...rest } = options;
    const server = this.bindErrorHandler(new WebSocketServer({ ...rest, noServer: true })) as PathServer;
    server.path = path ?? '/';
    server.pattern = patternOf(path ?? '/');
    this.servers.push(server);
    this.attach();
    return server;
  }

  override async dispose(): Promise<void> {
    if (this.listener) (this.httpServer as Server | undefined)?.off('upgrade', this.listener);
    this.listener = null;
    // Nest closes each gateway's server itself (adapter.close) before disposing.
    this.servers.splice(0);
    await super.dispose();
  }

  private attach(): void {
    const http = this.httpServer as Server | undefined;
    if (this.listener || !http) return;
    this.listener = (request, socket, head) => {
      const pathname = (request.url ?? '/').split('?')[0];
      const server = this.servers.find((s) => s.pattern?.test(pathname));
      if (!server) {
        socket.destroy();
        return;
      }
      server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
    };
    http.on('upgrade', this.listener);
  }
}
