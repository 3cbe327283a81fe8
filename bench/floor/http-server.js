// The floor: a bare node:http server answering the same health envelope as Passline.
// Whatever Passline costs on top of this is the framework, the guard chain and the database.
import { createServer } from 'node:http';

const body = JSON.stringify({ data: { status: 'healthy' }, error: null });
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ data: null, error: { code: 'NOT_FOUND', message: 'Not found.' } }));
});

server.listen(port, host, () => {
  process.stdout.write(`floor listening on http://${host}:${server.address().port}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
