import { ShutdownSignal, type NestApplicationOptions } from '@nestjs/common';
import type { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { appConfig, parseTrustProxy, type AppConfig, type AppSettings } from './config/app.config.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { BODY_READ_CAP_BYTES, registerBodyParser } from './common/http/body.js';
import { registerCors } from './common/http/cors.js';
import { EnvelopeFastifyAdapter } from './common/http/envelope-adapter.js';
import { clientErrorHandler, frameworkErrorHandler } from './common/http/pre-routing.js';
import { requestIdFor } from './common/http/request-id.js';
import { registerAccessLog } from './common/logging/access-log.js';
import type { AccessLog } from './common/logging/logger.js';
import { AppValidationPipe } from './common/validation.js';
import { PathWsAdapter } from './verify/mobile/path-ws.adapter.js';
import { APP_VERSION } from './health/health.controller.js';
import { createOpenApiDocument } from './openapi.js';

/**
 * The Fastify adapter used by main.ts and by the tests. What Fastify needs before the app
 * exists comes from `settings`, or from the environment at call time. It renders the success
 * envelope (see EnvelopeFastifyAdapter).
 */
export function createFastifyAdapter(
  settings: Pick<AppSettings, 'trustProxy' | 'docsBaseUrl'> = {
    trustProxy: parseTrustProxy(process.env.TRUST_PROXY?.trim() || undefined),
    docsBaseUrl: (process.env.DOCS_BASE_URL?.trim() || 'https://kayle.id/docs/api').replace(/\/+$/, ''),
  },
): FastifyAdapter {
  return new EnvelopeFastifyAdapter({
    logger: false,
    genReqId: requestIdFor,
    requestIdHeader: false,
    bodyLimit: BODY_READ_CAP_BYTES,
    return503OnClosing: false,
    // §1.10: the client IP behind load balancers, never from an untrusted X-Forwarded-For.
    // A hop count is passed through as such; the adapter's types only list booleans and strings.
    trustProxy: settings.trustProxy as boolean | string,
    frameworkErrors: frameworkErrorHandler(settings.docsBaseUrl),
    clientErrorHandler: clientErrorHandler(settings.docsBaseUrl),
  });
}

/** How long shutdown waits for in-flight requests before closing their connections. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Nest options for every app: our own body parser replaces Nest's (see registerBodyParser). */
export const NEST_APP_OPTIONS: NestApplicationOptions = { bodyParser: false };

/**
 * Everything that makes the app behave like Passline, shared by main.ts and the tests:
 * request ids, CORS, body parsing, validation, the error envelope, Swagger, shutdown hooks,
 * and (given a logger) one access-log line per request.
 */
export function configureApp(
  app: NestFastifyApplication,
  options: { swaggerUi?: boolean; shutdownGraceMs?: number; accessLog?: AccessLog } = {},
): NestFastifyApplication {
  const config = app.get<AppConfig>(appConfig.KEY);
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    // §9.5: no response is ever content-sniffed into something it is not.
    reply.header('x-content-type-options', 'nosniff');
    done();
  });
  if (options.accessLog) registerAccessLog(fastify, options.accessLog);
  registerCors(fastify, config.corsOrigins);
  registerBodyParser(fastify);

  app.useWebSocketAdapter(new PathWsAdapter(app));
  app.useGlobalPipes(new AppValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(config));

  // Built on the first request for /openapi.json or /docs, then kept: most instances never
  // serve it, and the document (with the garbage of scanning every route) cost megabytes of RSS.
  const document = () =>
    createOpenApiDocument(app, {
      version: APP_VERSION,
      publicBaseUrl: config.publicBaseUrl,
      docsBaseUrl: config.docsBaseUrl,
    });
  // Jest on Node 20 cannot load the UI's static-file server (an ESM dependency required
  // from CommonJS), so in-process tests serve /openapi.json without the UI; the spawned
  // server tests cover /docs.
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    raw: ['json'],
    swaggerUiEnabled: options.swaggerUi ?? true,
  });

  // Fastify's default (forceCloseConnections: 'idle') only ends idle keep-alive sockets, and
  // `true` would cut in-flight requests at once. A client that stopped reading (or sending)
  // keeps its connection busy and would hold the close forever, so it gets a grace period.
  // Responses sent meanwhile close their connection, which would otherwise stay open, idle.
  let closing = false;
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('preClose', (done) => {
    closing = true;
    const server = fastify.server;
    const timer = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? SHUTDOWN_GRACE_MS);
    timer.unref();
    server.once('close', () => clearTimeout(timer));
    done();
  });
  // Every signal Nest knows but SIGHUP, which reloads the CSCA trust store (§6.7 "Reloading").
  app.enableShutdownHooks(Object.values(ShutdownSignal).filter((signal) => signal !== ShutdownSignal.SIGHUP));
  return app;
}
