import { isScope, SCOPES, type Scope } from '../auth/scopes.js';
import { ApiError } from '../common/errors/api-error.js';
import { GROUPS, type CliContext, type CliIo, type Command, type Group, type Standalone, type Work } from './command.js';
import { FIXTURES_FACES, FIXTURES_PASSPORT } from './fixtures-command.js';
import { HELP_FLAGS, parseOptions, UsageError, type OptionValues } from './parse-options.js';
import { VERIFY_RUN } from './verify-run-command.js';

// Only light modules are imported here (types aside), so help and usage errors answer without
// loading settings or a database driver; main.ts loads the rest on the first real command.

export const EXIT_OK = 0;
export const EXIT_RUNTIME_ERROR = 1;
export const EXIT_USAGE_ERROR = 2;

/** How operators run it; shown in help texts. */
const PROGRAM = 'npm run --silent cli --';
const NAME_MAX_LENGTH = 120;
const USAGE_COLUMN = 72;

/** A runtime failure with its own code, e.g. CONFIG_ERROR while opening the context. */
export class CliFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}


const NAME_OPTION = { type: 'string', required: true, placeholder: '<name>', description: `1 to ${NAME_MAX_LENGTH} characters after trimming` } as const;
const KEY_ID_OPTION = { type: 'string', required: true, placeholder: '<id>', description: 'API key id (UUID)' } as const;

const COMMANDS: Command[] = [
  {
    group: 'orgs',
    name: 'create',
    summary: 'Create an organization; prints it.',
    options: { name: NAME_OPTION },
    prepare: (values) => {
      const name = nameValue(values);
      return (admin) => admin.createOrganization(name);
    },
  },
  {
    group: 'orgs',
    name: 'list',
    summary: 'List all organizations, newest first: {"data":[...]}.',
    options: {},
    prepare: () => async (admin) => ({ data: await admin.listOrganizations() }),
  },
  {
    group: 'api-keys',
    name: 'create',
    summary: 'Create an API key; prints it with its plaintext "key", shown only this once.',
    options: {
      org: { type: 'string', required: true, placeholder: '<org id>', description: 'Organization id (UUID)' },
      name: NAME_OPTION,
      test: { type: 'boolean', description: 'Create a kk_test_ key (livemode false) instead of a kk_live_ key' },
      scopes: {
        type: 'string',
        placeholder: '<a,b>',
        description: `Comma-separated subset of ${SCOPES.join(', ')} (default: all four)`,
      },
    },
    prepare: (values) => {
      const organizationId = idValue(values, 'org');
      const name = nameValue(values);
      const scopes = typeof values.scopes === 'string' ? scopesValue(values.scopes) : undefined;
      const livemode = values.test !== true;
      return (admin) => admin.createApiKey({ organizationId, name, livemode, scopes });
    },
  },
  {
    group: 'api-keys',
    name: 'list',
    summary: 'List the API keys of one organization, newest first, without secrets: {"data":[...]}.',
    options: { org: { type: 'string', required: true, placeholder: '<org id>', description: 'Organization id (UUID)' } },
    prepare: (values) => {
      const organizationId = idValue(values, 'org');
      return async (admin) => ({ data: await admin.listApiKeys(organizationId) });
    },
  },
  {
    group: 'api-keys',
    name: 'disable',
    summary: 'Disable an API key: it gets 401 until enabled again.',
    options: { id: KEY_ID_OPTION },
    prepare: (values) => {
      const id = idValue(values, 'id');
      return (admin) => admin.setApiKeyEnabled(id, false);
    },
  },
  {
    group: 'api-keys',
    name: 'enable',
    summary: 'Enable a disabled API key (a revoked key stays revoked).',
    options: { id: KEY_ID_OPTION },
    prepare: (values) => {
      const id = idValue(values, 'id');
      return (admin) => admin.setApiKeyEnabled(id, true);
    },
  },
  {
    group: 'api-keys',
    name: 'revoke',
    summary: 'Revoke an API key permanently (repeat calls change nothing).',
    options: { id: KEY_ID_OPTION },
    prepare: (values) => {
      const id = idValue(values, 'id');
      return (admin) => admin.revokeApiKey(id);
    },
  },
  { group: 'fixtures', name: 'passport', ...FIXTURES_PASSPORT },
  { group: 'fixtures', name: 'faces', ...FIXTURES_FACES },
  { group: 'verify', name: 'run', ...VERIFY_RUN },
];

function nameValue(values: OptionValues): string {
  const name = String(values.name);
  const length = name.trim().length;
  if (length < 1 || length > NAME_MAX_LENGTH) {
    throw new UsageError(`--name must be 1 to ${NAME_MAX_LENGTH} characters after trimming (got ${length}).`);
  }
  return name;
}

function idValue(values: OptionValues, option: 'org' | 'id'): string {
  const id = String(values[option]);
  if (id.trim() === '') throw new UsageError(`--${option} must not be empty.`);
  return id;
}

function scopesValue(raw: string): Scope[] {
  const scopes = raw.split(',').map((s) => s.trim());
  for (const scope of scopes) {
    if (!isScope(scope)) {
      throw new UsageError(
        `${scope === '' ? 'Empty scope' : `Unknown scope "${scope}"`} in --scopes; use a comma-separated subset of ${SCOPES.join(', ')}.`,
      );
    }
  }
  return scopes as Scope[];
}

function usageLine(command: Command): string {
  const parts = Object.entries(command.options).map(([name, spec]) => {
    const text = spec.type === 'string' ? `--${name} ${spec.placeholder ?? '<value>'}` : `--${name}`;
    return spec.required ? text : `[${text}]`;
  });
  return [command.group, command.name, ...parts].join(' ');
}

function topHelp(): string {
  const lines = COMMANDS.map((c) => usageLine(c));
  // Usage lines longer than the column put their summary on the next line.
  const width = Math.min(Math.max(...lines.map((l) => l.length)), USAGE_COLUMN) + 2;
  const row = (line: string, summary: string) =>
    line.length < width ? `  ${line.padEnd(width)}${summary}` : `  ${line}\n  ${''.padEnd(width)}${summary}`;
  return [
    'Passline CLI. orgs and api-keys administer organizations and API keys straight in the database: they read the same',
    'environment as the server (DATABASE_URL, SERVER_SECRET, ...) and apply pending migrations first. fixtures and verify are',
    'developer tools that never open the database: they write test passports and walk the verify flow against a running server.',
    '',
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...COMMANDS.map((c, i) => row(lines[i], c.summary)),
    '',
    'Success: one JSON line on stdout, exit 0. Failure: one JSON line {"error":{"code","message"}} on stderr,',
    'exit 2 for usage errors, 1 for runtime errors (unknown organization or key, database or configuration failure).',
    '"verify run" also prints progress on stderr, and its result on stdout even when it exits 1.',
    `Run "${PROGRAM} <command> --help" for a command's options.`,
  ].join('\n');
}

function groupHelp(group: Group): string {
  const commands = COMMANDS.filter((c) => c.group === group);
  const width = Math.max(...commands.map((c) => c.name.length)) + 3;
  return [
    `Usage: ${PROGRAM} ${group} <command> [options]`,
    '',
    GROUPS[group],
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run "${PROGRAM} ${group} <command> --help" for a command's options.`,
  ].join('\n');
}

function commandHelp(command: Command): string {
  const rows: Array<[string, string]> = Object.entries(command.options).map(([name, spec]) => [
    spec.type === 'string' ? `--${name} ${spec.placeholder ?? '<value>'}` : `--${name}`,
    spec.description,
  ]);
  rows.push(['-h, --help', 'Show this help']);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 3;
  return [
    `Usage: ${PROGRAM} ${usageLine(command)}`,
    '',
    command.summary,
    ...(command.details ? ['', ...command.details] : []),
    '',
    'Options:',
    ...rows.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`),
  ].join('\n');
}

type Invocation = { help: string } | { work: Work } | Standalone;

/** Resolves argv to a help text or to validated work, without touching the database. */
export function parseCommand(argv: readonly string[]): Invocation {
  const [group, name, ...rest] = argv;
  if (group === undefined) {
    throw new UsageError(`Missing command. Run "${PROGRAM} --help" for usage.`);
  }
  if (HELP_FLAGS.includes(group)) return { help: topHelp() };
  if (!Object.hasOwn(GROUPS, group)) {
    const what = group.startsWith('-') ? `option ${group}` : `command "${group}"`;
    throw new UsageError(`Unknown ${what}. Commands: ${Object.keys(GROUPS).join(', ')}. Run "${PROGRAM} --help" for usage.`);
  }
  const commands = COMMANDS.filter((c) => c.group === group);
  const names = commands.map((c) => c.name).join(', ');
  if (name === undefined) {
    throw new UsageError(`Missing command after "${group}": one of ${names}.`);
  }
  if (HELP_FLAGS.includes(name)) return { help: groupHelp(group as Group) };
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const what = name.startsWith('-') ? `option ${name}` : `command "${group} ${name}"`;
    throw new UsageError(`Unknown ${what}. Commands of "${group}": ${names}.`);
  }
  const parsed = parseOptions(rest, command.options, `${group} ${name}`, `Run "${PROGRAM} ${group} ${name} --help" for usage.`);
  if (parsed.help) return { help: commandHelp(command) };
  const work = command.prepare(parsed.values);
  return typeof work === 'function' ? { work } : work;
}

function errorLine(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

function describeFailure(error: unknown): { code: string; message: string } {
  if (error instanceof ApiError || error instanceof CliFailure) return { code: error.code, message: error.message };
  return { code: 'INTERNAL_SERVER_ERROR', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Runs one admin command (§2.6) and returns the exit code. Success writes exactly one JSON
 * line to stdout; any failure writes exactly one JSON line to stderr and nothing to stdout.
 * Help texts are the one multi-line output. Standalone commands (fixtures, verify) skip the
 * database and write their own output.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(errorLine('BAD_REQUEST', error.message));
    return EXIT_USAGE_ERROR;
  }
  if ('help' in invocation) {
    io.stdout(invocation.help);
    return EXIT_OK;
  }
  if ('standalone' in invocation) {
    try {
      return await invocation.standalone(io);
    } catch (error) {
      if (error instanceof UsageError) {
        io.stderr(errorLine('BAD_REQUEST', error.message));
        return EXIT_USAGE_ERROR;
      }
      const { code, message } = describeFailure(error);
      io.stderr(errorLine(code, message));
      return EXIT_RUNTIME_ERROR;
    }
  }

  let context: CliContext | undefined;
  try {
    context = await io.connect();
    const result = await invocation.work(context.admin);
    io.stdout(JSON.stringify(result));
    return EXIT_OK;
  } catch (error) {
    const { code, message } = describeFailure(error);
    io.stderr(errorLine(code, message));
    return EXIT_RUNTIME_ERROR;
  } finally {
    // The result is already written; a failing close must not add a second line.
    await context?.close().catch(() => undefined);
  }
}
