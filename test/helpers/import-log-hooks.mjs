// Module hooks for a child process: append the URL of every module an ES import resolves to
// the file named by PASSLINE_IMPORT_LOG (see import-log.mjs).
import { appendFileSync } from 'node:fs';

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.PASSLINE_IMPORT_LOG, `${resolved.url}\n`);
  return resolved;
}
