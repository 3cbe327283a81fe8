#!/usr/bin/env node
// Checks that the house schematic still makes a resource that passes our checks, cheaply: in a
// temporary copy of the working tree (its node_modules linked, not installed) it runs
// `nest g resource widgets`, then lint on what the schematic wrote or touched, the build,
// every unit spec (the generated one and those that hold lists it edits), its e2e spec (401 without a key, 403 without widgets:read, the
// routes themselves), the OpenAPI e2e specs and the schema-drift spec. The repository itself
// is never written to.   node scripts/schematic-check.mjs [--keep]
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'passline-schematic-'));

function run(command, args) {
  process.stdout.write(`\n$ ${[command, ...args].join(' ')}\n`);
  const result = spawnSync(command, args, { cwd: dir, stdio: 'inherit', env: { ...process.env, CI: 'true' } });
  if (result.status !== 0) throw new Error(`schematic check failed at: ${[command, ...args].join(' ')}`);
}

try {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error('git ls-files failed: run this inside the repository');
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    try {
      cpSync(join(root, file), join(dir, file));
    } catch (error) {
      if (error.code !== 'ENOENT') throw error; // deleted in the working tree, not yet in git
    }
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');

  run('npx', ['nest', 'g', 'resource', 'widgets']);
  run('npx', ['eslint', 'src/widgets', 'test/widgets.e2e-spec.ts', 'src/app.module.ts', 'src/auth/scopes.ts', 'src/openapi.ts', 'src/database']);
  run('npm', ['run', 'build']);
  run('npm', ['run', 'test:unit', '--', '-w', '1']);
  run('npm', ['run', 'test:e2e', '--', 'test/widgets.e2e-spec.ts', 'test/openapi-errors.e2e-spec.ts', 'test/foundation-openapi.e2e-spec.ts', 'test/database-schema.e2e-spec.ts']);
  process.stdout.write('\nThe generated resource passes lint, build, its specs and the OpenAPI checks.\n');
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
} finally {
  if (keep) process.stdout.write(`kept ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
