#!/usr/bin/env node
// Fails when what the TypeScript client commits is stale: its openapi.json differs from the
// document the built server serves, its generated src/schema.d.ts differs from what
// openapi-typescript makes of that document (or src/error-codes.ts from what
// scripts/error-codes.mjs makes of it), or its receiver.ts copy differs from the
// service's src/webhooks/receiver.ts. Fix with `npm run client:generate`. Build first.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const client = 'clients/typescript';
const dir = mkdtempSync(join(tmpdir(), 'passline-client-check-'));
const stale = [];
try {
  const document = join(dir, 'openapi.json');
  const types = join(dir, 'schema.d.ts');
  execFileSync(process.execPath, ['scripts/openapi-export.mjs', document], { stdio: 'inherit' });
  // Through npm, so it finds the workspace's openapi-typescript wherever npm placed it.
  execFileSync('npm', ['exec', '-w', client, '--', 'openapi-typescript', document, '-o', types], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const codes = join(dir, 'error-codes.ts');
  execFileSync(process.execPath, [join(client, 'scripts/error-codes.mjs'), document, codes], { stdio: 'inherit' });
  const same = (a, b) => readFileSync(a, 'utf8') === readFileSync(b, 'utf8');
  if (!same(document, join(client, 'openapi.json'))) stale.push(`${client}/openapi.json`);
  if (!same(types, join(client, 'src/schema.d.ts'))) stale.push(`${client}/src/schema.d.ts`);
  if (!same(codes, join(client, 'src/error-codes.ts'))) stale.push(`${client}/src/error-codes.ts`);
  if (!same('src/webhooks/receiver.ts', join(client, 'src/receiver.ts'))) stale.push(`${client}/src/receiver.ts`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (stale.length > 0) {
  process.stderr.write(
    `Stale generated client files: ${stale.join(', ')}.\n` +
      'Run `npm run build && npm run client:generate` and commit the result.\n',
  );
  process.exit(1);
}
process.stdout.write('The client matches the served document.\n');
