import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_SERVER_SECRET } from './app.js';
import type { TestDatabase } from './database.js';

const CLI_ENTRY = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

export interface CliRun {
  /** Exit code. */
  status: number;
  stdout: string;
  stderr: string;
}

/** The environment an operator would set: the server's, nothing inherited from Jest. */
export function cliEnv(db: TestDatabase, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    SERVER_SECRET: TEST_SERVER_SECRET,
    DATABASE_URL: db.url,
    ...extra,
  };
}

/** Runs the built CLI (`node dist/src/cli/main.js …`) as a real process. */
export function runCliProcess(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI_ENTRY, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const status = error ? (error as { code?: unknown }).code : 0;
      if (typeof status !== 'number') {
        reject(new Error(`CLI ${args.join(' ')} did not exit normally: ${String(error)}\n${stderr}`));
        return;
      }
      resolve({ status, stdout, stderr });
    });
  });
}

/** The single JSON line of a successful run (§2.6), with nothing on stderr. */
export function expectSuccess(run: CliRun): Record<string, any> {
  if (run.status !== 0) throw new Error(`expected exit 0, got ${run.status}: ${run.stderr}`);
  expect(run.stderr).toBe('');
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout.slice(0, -1)).not.toContain('\n');
  return JSON.parse(run.stdout) as Record<string, any>;
}

/** A failed run: the exit code, nothing on stdout, exactly one `{"error":{code,message}}` line. */
export function expectFailure(run: CliRun, status: 1 | 2, code: string, message?: string): string {
  expect({ status: run.status, stdout: run.stdout }).toEqual({ status, stdout: '' });
  expect(run.stderr.endsWith('\n')).toBe(true);
  expect(run.stderr.slice(0, -1)).not.toContain('\n');
  const body = JSON.parse(run.stderr) as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message']);
  expect(body.error.code).toBe(code);
  if (message !== undefined) expect(body.error.message).toBe(message);
  return body.error.message;
}
