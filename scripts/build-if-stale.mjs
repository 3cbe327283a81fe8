#!/usr/bin/env node
// `npm start` runs this first: it builds only when dist/ is missing or older than its
// sources, so a restart takes seconds instead of a full `nest build`.
//   node scripts/build-if-stale.mjs           build if stale, else do nothing
//   node scripts/build-if-stale.mjs --stamp   record that dist/ was just built (npm run build does this)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json'];

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write('Usage: node scripts/build-if-stale.mjs [--stamp]\nBuilds dist/ when it is missing or older than src/; --stamp marks dist/ as freshly built.\n');
  process.exit(0);
}
if (process.argv.includes('--stamp')) {
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}

function newestMtime(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const builtAt = existsSync(join(root, 'dist', 'src', 'main.js')) ? (statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0) : 0;
const changedAt = Math.max(...inputs.map((input) => newestMtime(join(root, input))));
if (builtAt >= changedAt) process.exit(0);

process.stdout.write(builtAt === 0 ? 'Building Passline (first start: dist/ is missing)…\n' : 'Building Passline (sources changed since the last build)…\n');
const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
