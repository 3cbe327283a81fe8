// A reference, not a goal: a bare Fastify app (no Nest, no hooks) answering the same health
// envelope as bench/floor/http-server.js. With the minimal Nest app's own /health, it shows
// where a route's cost comes from between node:http and Passline: Fastify, then Nest's router
// and its adapter's hooks, then the service.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/health', async () => ({ data: { status: 'healthy' }, error: null }));

await app.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
process.stdout.write(`fastify floor listening on http://${process.env.HOST ?? '127.0.0.1'}:${app.server.address().port}\n`);
const stop = () => app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
