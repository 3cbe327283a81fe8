import { API_KEY_NOT_FOUND } from '../auth/api-keys.service.js';
import type { ApiKeyResponse } from '../auth/dto/api-key.response.js';
import { ApiError } from '../common/errors/api-error.js';
import type { OrganizationResponse } from '../organizations/dto/organization.response.js';
import { ORGANIZATION_NOT_FOUND } from '../organizations/organizations.service.js';
import type { AdminOperations, CliContext } from './command.js';
import { CliFailure, runCli } from './commands.js';

const ORG_ID = '5d1c2f9e-8a41-4c1b-9b7e-0f3a5e2d7c10';
const KEY_ID = '0b6f3c1a-2d4e-4f5a-8b9c-1d2e3f4a5b6c';
const NOW = '2026-11-26T10:00:00.000Z';
const LIVE_KEY = 'kk_live_4f9a8c2b7d1e0f3a5b6c7d8e9f0a1b2c';

const org = (name = 'Acme'): OrganizationResponse => ({ id: ORG_ID, name, created_at: NOW, updated_at: NOW });
const apiKey = (changes: Partial<ApiKeyResponse> = {}): ApiKeyResponse => ({
  id: KEY_ID,
  organization_id: ORG_ID,
  name: 'Backend',
  livemode: true,
  scopes: ['sessions:read', 'sessions:write', 'webhooks:read', 'webhooks:write'],
  enabled: true,
  key_prefix: LIVE_KEY.slice(0, 12),
  last_used_at: null,
  revoked_at: null,
  created_at: NOW,
  updated_at: NOW,
  ...changes,
});

type Call = [operation: string, ...args: unknown[]];

/** Operations that answer like SqlAdmin and record how they were called. */
function fakeAdmin(failure?: Error): AdminOperations & { calls: Call[] } {
  const calls: Call[] = [];
  const record = <T>(call: Call, result: () => T): Promise<T> => {
    calls.push(call);
    return failure ? Promise.reject(failure) : Promise.resolve(result());
  };
  return {
    calls,
    createOrganization: (name) => record(['createOrganization', name], () => org(name.trim())),
    listOrganizations: () => record(['listOrganizations'], () => [org('Newer'), org('Older')]),
    createApiKey: (input) =>
      record(['createApiKey', input], () => ({ ...apiKey({ livemode: input.livemode ?? true }), key: LIVE_KEY })),
    listApiKeys: (organizationId) => record(['listApiKeys', organizationId], () => [apiKey()]),
    setApiKeyEnabled: (id, enabled) => record(['setApiKeyEnabled', id, enabled], () => apiKey({ enabled })),
    revokeApiKey: (id) => record(['revokeApiKey', id], () => apiKey({ revoked_at: NOW })),
  };
}

async function run(
  argv: string[],
  options: { admin?: ReturnType<typeof fakeAdmin>; connect?: () => Promise<CliContext> } = {},
) {
  const admin = options.admin ?? fakeAdmin();
  const stdout: string[] = [];
  const stderr: string[] = [];
  let connects = 0;
  let closes = 0;
  const connect =
    options.connect ??
    (async () => ({
      admin,
      close: async () => {
        closes += 1;
      },
    }));
  const code = await runCli(argv, {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    connect: () => {
      connects += 1;
      return connect();
    },
  });
  return { code, stdout, stderr, calls: admin.calls, connects, closes: () => closes };
}

describe('runCli', () => {
  describe('usage errors', () => {
    it.each([
      ['no command', []],
      ['an unknown command', ['users']],
      ['an unknown option before the command', ['--verbose']],
      ['a missing subcommand', ['orgs']],
      ['an unknown subcommand', ['api-keys', 'rotate']],
      ['a missing --name', ['orgs', 'create']],
      ['--name without a value', ['orgs', 'create', '--name']],
      ['--name followed by another option', ['api-keys', 'create', '--org', ORG_ID, '--name', '--test']],
      ['an empty name after trimming', ['orgs', 'create', '--name', '   ']],
      ['a name of 121 characters', ['orgs', 'create', '--name', 'x'.repeat(121)]],
      ['an unknown option', ['orgs', 'list', '--limit', '5']],
      ['a stray argument', ['orgs', 'list', 'all']],
      ['a repeated option', ['orgs', 'create', '--name', 'a', '--name', 'b']],
      ['a value on a flag', ['api-keys', 'create', '--org', ORG_ID, '--name', 'k', '--test=yes']],
      ['an unknown scope', ['api-keys', 'create', '--org', ORG_ID, '--name', 'k', '--scopes', 'sessions:read,admin']],
      ['an empty scope list', ['api-keys', 'create', '--org', ORG_ID, '--name', 'k', '--scopes=']],
      ['a missing --org', ['api-keys', 'list']],
      ['an empty --org', ['api-keys', 'list', '--org=']],
      ['a missing --id', ['api-keys', 'revoke']],
    ])('rejects %s with exit 2 and one BAD_REQUEST line, before opening the database', async (_case, argv) => {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stdout).toEqual([]);
      expect(r.stderr).toHaveLength(1);
      const body = JSON.parse(r.stderr[0]) as { error: { code: string; message: string } };
      expect(Object.keys(body)).toEqual(['error']);
      expect(Object.keys(body.error)).toEqual(['code', 'message']);
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(r.connects).toBe(0);
    });

    it('names the problem in the message', async () => {
      const message = async (argv: string[]) => JSON.parse((await run(argv)).stderr[0]).error.message as string;
      expect(await message(['orgs', 'create'])).toContain('--name');
      expect(await message(['orgs', 'list', '--bogus'])).toContain('--bogus');
      expect(await message(['api-keys', 'create', '--org', ORG_ID, '--name', 'k', '--scopes', 'admin'])).toContain('"admin"');
      expect(await message(['orgs', 'create', '--name', 'x'.repeat(121)])).toContain('120');
      expect(await message(['nope'])).toContain('"nope"');
    });
  });

  describe('help', () => {
    it.each([
      [['--help'], 'orgs create --name <name>'],
      [['-h'], 'api-keys revoke --id <id>'],
      [['orgs', '--help'], 'orgs <command>'],
      [['api-keys', '-h'], 'disable'],
      [['orgs', 'create', '--help'], '--name <name>'],
      [['orgs', 'list', '-h'], 'orgs list'],
      [['api-keys', 'create', '--help'], '--scopes <a,b>'],
      [['api-keys', 'list', '--help'], '--org <org id>'],
      [['api-keys', 'disable', '--help'], '--id <id>'],
      [['api-keys', 'enable', '--help'], '--id <id>'],
      [['api-keys', 'revoke', '--help'], '--id <id>'],
      [['orgs', 'create', '--unknown', '--help'], '--name <name>'],
    ])('%j prints usage to stdout and exits 0 without opening the database', async (argv, expected) => {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.stderr).toEqual([]);
      expect(r.stdout).toHaveLength(1);
      expect(r.stdout[0]).toContain('Usage: npm run --silent cli --');
      expect(r.stdout[0]).toContain(expected);
      expect(r.connects).toBe(0);
    });
  });

  describe('commands', () => {
    it('orgs create passes the raw name on and prints the organization as one line', async () => {
      const r = await run(['orgs', 'create', '--name', '  Acme  ']);
      expect(r.code).toBe(0);
      expect(r.calls).toEqual([['createOrganization', '  Acme  ']]);
      expect(r.stdout).toEqual([JSON.stringify(org('Acme'))]);
      expect(r.stderr).toEqual([]);
      expect(r.closes()).toBe(1);
    });

    it('accepts --name=value and names of exactly 120 characters', async () => {
      expect((await run(['orgs', 'create', `--name=${'x'.repeat(120)}`])).code).toBe(0);
    });

    it('orgs list wraps the organizations in {"data": [...]}', async () => {
      const r = await run(['orgs', 'list']);
      expect(r.stdout).toEqual([JSON.stringify({ data: [org('Newer'), org('Older')] })]);
    });

    it('api-keys create defaults to a live key with the default scopes', async () => {
      const r = await run(['api-keys', 'create', '--org', ORG_ID, '--name', 'Backend']);
      expect(r.code).toBe(0);
      expect(r.calls).toEqual([['createApiKey', { organizationId: ORG_ID, name: 'Backend', livemode: true, scopes: undefined }]]);
      expect(JSON.parse(r.stdout[0]).key).toBe(LIVE_KEY);
    });

    it('api-keys create passes --test and the trimmed --scopes on', async () => {
      const r = await run(['api-keys', 'create', '--test', '--org', ORG_ID, '--name', 'k', '--scopes', 'webhooks:read, sessions:read']);
      expect(r.code).toBe(0);
      expect(r.calls).toEqual([
        ['createApiKey', { organizationId: ORG_ID, name: 'k', livemode: false, scopes: ['webhooks:read', 'sessions:read'] }],
      ]);
    });

    it.each([
      ['api-keys list', ['--org', ORG_ID], ['listApiKeys', ORG_ID], { data: [apiKey()] }],
      ['api-keys disable', ['--id', KEY_ID], ['setApiKeyEnabled', KEY_ID, false], apiKey({ enabled: false })],
      ['api-keys enable', ['--id', KEY_ID], ['setApiKeyEnabled', KEY_ID, true], apiKey({ enabled: true })],
      ['api-keys revoke', ['--id', KEY_ID], ['revokeApiKey', KEY_ID], apiKey({ revoked_at: NOW })],
    ])('%s calls the matching operation and prints its result', async (command, options, call, printed) => {
      const argv = [...command.split(' '), ...options];
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.calls).toEqual([call]);
      expect(r.stdout).toEqual([JSON.stringify(printed)]);
    });
  });

  describe('runtime errors', () => {
    it.each([
      ['unknown organization', ['api-keys', 'create', '--org', ORG_ID, '--name', 'k'], ORGANIZATION_NOT_FOUND(), 'NOT_FOUND', 'Organization not found.'],
      ['unknown key', ['api-keys', 'disable', '--id', KEY_ID], API_KEY_NOT_FOUND(), 'NOT_FOUND', 'API key not found.'],
      [
        'revoked key',
        ['api-keys', 'enable', '--id', KEY_ID],
        ApiError.conflict('API key is revoked.', 'Revoked API keys cannot be changed; create a new key.', 'api-keys'),
        'CONFLICT',
        'API key is revoked.',
      ],
      ['database failure', ['api-keys', 'enable', '--id', KEY_ID], new Error('SQLITE_BUSY: database is locked'), 'INTERNAL_SERVER_ERROR', 'SQLITE_BUSY: database is locked'],
    ])('%s: exit 1 and exactly {"error":{"code","message"}} on stderr', async (_case, argv, error, code, message) => {
      const r = await run(argv, { admin: fakeAdmin(error) });
      expect(r.code).toBe(1);
      expect(r.stdout).toEqual([]);
      expect(r.stderr).toEqual([JSON.stringify({ error: { code, message } })]);
      expect(r.closes()).toBe(1);
    });

    it('reports a failure to open the context with its own code, and closes nothing', async () => {
      const r = await run(['orgs', 'list'], {
        connect: async () => {
          throw new CliFailure('CONFIG_ERROR', 'Invalid configuration: PORT must be an integer between 1 and 65535 (got "x").');
        },
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toEqual([]);
      expect(r.stderr).toEqual([
        JSON.stringify({ error: { code: 'CONFIG_ERROR', message: 'Invalid configuration: PORT must be an integer between 1 and 65535 (got "x").' } }),
      ]);
      expect(r.closes()).toBe(0);
    });

    it('keeps the single success line when closing the database fails', async () => {
      const admin = fakeAdmin();
      const r = await run(['orgs', 'list'], {
        connect: async () => ({ admin, close: async () => Promise.reject(new Error('close failed')) }),
      });
      expect(r.code).toBe(0);
      expect(r.stdout).toHaveLength(1);
      expect(r.stderr).toEqual([]);
    });
  });
});
