import { EXIT_RUNTIME_ERROR, runCli } from './commands.js';

const lineWriter = (stream: NodeJS.WriteStream) => (line: string) => {
  stream.write(`${line}\n`);
};

/**
 * Exits explicitly (a failed boot can leave a PostgreSQL pool open), but only once both
 * streams have flushed: writes to pipes are asynchronous on POSIX.
 */
function exitAfterFlush(code: number): void {
  let pending = 2;
  const done = () => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write('', done);
  process.stderr.write('', done);
}

runCli(process.argv.slice(2), {
  stdout: lineWriter(process.stdout),
  stderr: lineWriter(process.stderr),
  // Loaded on demand so help and usage errors answer without reading settings or a database.
  connect: async () => (await import('./admin-context.js')).openAdminContext(),
}).then(exitAfterFlush, (error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ error: { code: 'INTERNAL_SERVER_ERROR', message } })}\n`);
  exitAfterFlush(EXIT_RUNTIME_ERROR);
});
