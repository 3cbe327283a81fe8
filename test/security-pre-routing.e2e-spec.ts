import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { bearer, createTestApp, type CreatedKey, type TestApp } from './helpers/app.js';

const REQ_ID = /^req_[a-z0-9]{24}$/;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends bytes as they are (no client normalizes them) and reads until the server closes or answers. */
function raw(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const finish = () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    };
    socket.on('data', (c) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (end >= 0 && length !== undefined && Buffer.byteLength(text) >= end + 4 + Number(length)) {
        socket.destroy();
        finish();
      }
    });
    socket.on('end', finish);
    socket.on('error', reject);
    socket.write(request);
  });
}

function expectEnvelope(res: RawResponse, status: number, code: string, message?: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.headers['x-request-id']).toMatch(REQ_ID);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  const body = JSON.parse(res.body) as { data: unknown; error: Record<string, unknown> };
  expect(body.data).toBeNull();
  expect(body.error).toMatchObject({ code, request_id: res.headers['x-request-id'] });
  expect(Object.keys(body.error).sort()).toEqual(['code', 'docs', 'hint', 'message', 'request_id']);
  if (message) expect(body.error.message).toBe(message);
}

describe('Errors answered before routing are envelopes with X-Request-Id (§1.4)', () => {
  let t: TestApp;
  let key: CreatedKey;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp();
    key = (await t.tenant()).live;
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t?.close());

  it('a malformed percent-encoding in the path: 400 BAD_REQUEST', async () => {
    for (const path of ['/v1/sessions/%ff', '/v1/sessions/%E0%A4%A', '/v1/verify/session/%c0/status']) {
      const res = await raw(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key.key}\r\nConnection: close\r\n\r\n`);
      expectEnvelope(res, 400, 'BAD_REQUEST', 'Bad request.');
    }
  });

  it('echoes a well-formed client X-Request-Id there too', async () => {
    const res = await t.http().get('/v1/sessions/%ff').set(bearer(key)).set('X-Request-Id', 'trace-123');
    expect(res.status).toBe(400);
    expect(res.headers['x-request-id']).toBe('trace-123');
    expect(res.body.error.request_id).toBe('trace-123');
  });

  it('a path parameter over the router limit: 414 URI_TOO_LONG', async () => {
    const res = await raw(port, `GET /v1/sessions/${'a'.repeat(300)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key.key}\r\nConnection: close\r\n\r\n`);
    expectEnvelope(res, 414, 'URI_TOO_LONG', 'Request URI is too long.');
  });

  it('headers over 16 KiB: 431 HEADERS_TOO_LARGE, connection closed', async () => {
    const res = await raw(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`);
    expectEnvelope(res, 431, 'HEADERS_TOO_LARGE', 'Request headers are too large.');
    expect(res.headers.connection).toBe('close');
  });

  it('framing the parser refuses (a duplicated Content-Length, a broken request line): 400 BAD_REQUEST, connection closed', async () => {
    const dup = await raw(port, 'POST /v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}');
    expectEnvelope(dup, 400, 'BAD_REQUEST', 'Bad request.');
    expect(dup.headers.connection).toBe('close');
    const line = await raw(port, 'GARBAGE\r\n\r\n');
    expectEnvelope(line, 400, 'BAD_REQUEST');
    expect(line.headers.connection).toBe('close');
  });

  it('ordinary routing still answers as before', async () => {
    const res = await raw(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toMatch(REQ_ID);
  });
});
