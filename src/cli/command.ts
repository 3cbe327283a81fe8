import type { CreateApiKeyInput } from '../auth/api-key-rules.js';
import type { ApiKeyResponse, CreatedApiKeyResponse } from '../auth/dto/api-key.response.js';
import type { OrganizationResponse } from '../organizations/dto/organization.response.js';
import type { OptionSpecs, OptionValues } from './parse-options.js';

// The shape of a command, apart from the command table (commands.ts), so that the commands
// kept in their own files (fixtures, verify) and the table import this file, not each other.

/** What the commands do, in the admin endpoints' response objects (implemented by SqlAdmin). */
export interface AdminOperations {
  createOrganization(name: string): Promise<OrganizationResponse>;
  listOrganizations(): Promise<OrganizationResponse[]>;
  createApiKey(input: CreateApiKeyInput): Promise<CreatedApiKeyResponse>;
  listApiKeys(organizationId: string): Promise<ApiKeyResponse[]>;
  setApiKeyEnabled(id: string, enabled: boolean): Promise<ApiKeyResponse>;
  revokeApiKey(id: string): Promise<ApiKeyResponse>;
}

export interface CliContext {
  admin: AdminOperations;
  close(): Promise<void>;
}

export interface CliIo {
  /** Writes one line (the newline is added by the writer). */
  stdout(line: string): void;
  stderr(line: string): void;
  /** Loads the configuration and opens the database; called only for a well-formed command. */
  connect(): Promise<CliContext>;
}

export type Work = (admin: AdminOperations) => Promise<object>;

/**
 * Work that needs no database (the developer tools): it writes its own output and returns the
 * exit code. A UsageError it throws still exits 2.
 */
export interface Standalone {
  standalone(io: Pick<CliIo, 'stdout' | 'stderr'>): Promise<number>;
}

export const GROUPS = {
  orgs: 'Organizations.',
  'api-keys': 'API keys of an organization. The plaintext key is printed once, by "api-keys create".',
  fixtures: 'Test data for the verify flow (developer tool; never opens the database).',
  verify: 'Run the verify flow against a server like a phone would (developer tool; never opens the database).',
} as const;
export type Group = keyof typeof GROUPS;

export interface Command {
  group: Group;
  name: string;
  summary: string;
  /** More lines for the command's --help. */
  details?: string[];
  options: OptionSpecs;
  /** Checks the options and returns the work to do; throws UsageError. */
  prepare(values: OptionValues): Work | Standalone;
}
