#!/usr/bin/env node
// Writes the OpenAPI document the built server serves (GET /openapi.json) to a file, so
// the linter and the client generator read exactly what Swagger UI shows. Boots
// dist/src/main.js on a throwaway SQLite file and a free port; run `npm run build` first.
//
//   node scripts/openapi-export.mjs <output.json>
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const output = process.argv[2];
if (!output) {
  process.stderr.write('usage: node scripts/openapi-export.mjs <output.json>\n');
  process.exit(2);
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

const dir = mkdtempSync(join(tmpdir(), 'passline-openapi-'));
const port = await freePort();
const child = spawn(process.execPath, ['dist/src/main.js'], {
  env: {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: join(dir, 'openapi.sqlite'),
    SERVER_SECRET: 'openapi-export-secret-0123456789abcdef',
    DOCS_BASE_URL: 'https://kayle.id/docs/api',
    // Fixed, so the document (its servers entry) does not change from run to run.
    PUBLIC_BASE_URL: 'http://localhost:3000',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
let exited = false;
child.on('exit', () => (exited = true));

try {
  const deadline = Date.now() + 30_000;
  let document;
  while (!document) {
    if (exited) throw new Error('the server exited before serving /openapi.json');
    if (Date.now() > deadline) throw new Error('the server did not serve /openapi.json within 30 s');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/openapi.json`);
      if (res.ok) document = await res.json();
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(document, null, 2)}\n`);
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => (exited ? resolve() : child.once('exit', resolve)));
  rmSync(dir, { recursive: true, force: true });
}
