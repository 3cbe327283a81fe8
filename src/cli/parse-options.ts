import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: exit 2, before anything touches the database. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  required?: boolean;
  /** Placeholder shown in usage lines, e.g. `<name>`. */
  placeholder?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | boolean>;

export type ParsedOptions = { help: true } | { help: false; values: OptionValues };

export const HELP_FLAGS = ['--help', '-h'];

/**
 * Reads `--option value`, `--option=value`, boolean flags and `-h`/`--help`; `helpHint` ends
 * the messages about unknown options and stray arguments.
 *
 * parseArgs runs non-strict and the tokens are checked here, so every mistake gets a message
 * naming the option and the command instead of parseArgs' generic wording.
 */
export function parseOptions(args: readonly string[], specs: OptionSpecs, command: string, helpHint: string): ParsedOptions {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(specs)) options[name] = { type: spec.type };
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });

  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };

  const values: OptionValues = {};
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue;
    if (token.kind === 'positional') {
      throw new UsageError(`Unexpected argument "${token.value}" for "${command}". ${helpHint}`);
    }
    const spec = Object.hasOwn(specs, token.name) ? specs[token.name] : undefined;
    if (!spec) {
      throw new UsageError(`Unknown option ${token.rawName} for "${command}". ${helpHint}`);
    }
    if (Object.hasOwn(values, token.name)) {
      throw new UsageError(`Option --${token.name} was given more than once.`);
    }
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`Option --${token.name} does not take a value.`);
      values[token.name] = true;
      continue;
    }
    // Without an inline value, parseArgs takes the next argument even when it is another option.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
      throw new UsageError(
        `Option --${token.name} needs a value: --${token.name} ${spec.placeholder ?? '<value>'} (write --${token.name}=-x for a value starting with "-").`,
      );
    }
    values[token.name] = token.value;
  }

  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && !Object.hasOwn(values, name)) {
      throw new UsageError(`Missing required option --${name} ${spec.placeholder ?? '<value>'} for "${command}".`);
    }
  }
  return { help: false, values };
}
