import { parseArgs } from 'node:util';
import type { RootwatchConfig } from '@rootwatch/config';
import { CliError, UsageError } from './errors';

type OptionSpec = {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
};

export interface CommandSpec<O extends Record<string, OptionSpec>> {
  /** e.g. `rootwatch scan --once [--format table|json|csv] …` */
  usage: string;
  /** Multi-line help text printed by `--help` after the usage line. */
  help: string;
  options: O;
  /** Positional arguments allowed (max); 0 by default. */
  positionals?: number;
}

type Values<O extends Record<string, OptionSpec>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

export type Parsed<O extends Record<string, OptionSpec>> =
  | { help: true }
  | { help: false; values: Values<O>; positionals: string[] };

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const;

/** Strict parsing: an unknown flag, a missing value or an extra argument is a UsageError (exit 2). */
export function parseCommand<O extends Record<string, OptionSpec>>(
  spec: CommandSpec<O>,
  argv: string[],
): Parsed<O> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...COMMON, ...spec.options } as Record<string, OptionSpec>,
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(oneLine((err as Error).message), spec.usage);
  }
  if (parsed.values.help) return { help: true };
  const max = spec.positionals ?? 0;
  if (parsed.positionals.length > max) {
    throw new UsageError(`unexpected argument '${parsed.positionals[max]}'`, spec.usage);
  }
  return { help: false, values: parsed.values as Values<O>, positionals: parsed.positionals };
}

export function helpText(spec: CommandSpec<Record<string, OptionSpec>>): string {
  return `usage: ${spec.usage}\n\n${spec.help.trim()}\n`;
}

/** node:util messages end with a hint sentence on the same line; keep only the first line. */
function oneLine(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/\. To specify a positional argument.*$/, '')
    .trim();
}

export function intOption(
  value: string | undefined,
  flag: string,
  { min, max, fallback, usage }: { min: number; max: number; fallback: number; usage: string },
): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} expects an integer from ${min} to ${max}, got '${value}'`, usage);
  }
  return Number(value);
}

export function choiceOption<T extends string>(
  value: string | undefined,
  flag: string,
  choices: readonly T[],
  fallback: T | undefined,
  usage: string,
): T | undefined {
  if (value === undefined) return fallback;
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} expects one of ${choices.join(', ')}, got '${value}'`, usage);
  }
  return value as T;
}

/** A postgres:// URL flag (the same forms DATABASE_URL accepts). */
export function postgresUrlOption(
  value: string | undefined,
  flag: string,
  usage: string,
): string | undefined {
  if (value === undefined) return undefined;
  let protocol = '';
  try {
    protocol = new URL(value).protocol;
  } catch {}
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new UsageError(`--${flag} expects a postgres:// URL`, usage);
  }
  return value;
}

/**
 * Loads the configuration with flags mapped onto the variables they override, so a flag is validated
 * exactly like its variable; a bad flag value is reported under the flag's name (a UsageError).
 */
export function configFromFlags<C>(
  load: (overrides: Record<string, string>) => C,
  flags: Record<string, { variable: string; value: string | undefined }>,
  usage: string,
): C {
  const overrides: Record<string, string> = {};
  const flagOf = new Map<string, string>();
  for (const [flag, { variable, value }] of Object.entries(flags)) {
    if (value === undefined) continue;
    overrides[variable] = value;
    flagOf.set(variable, flag);
  }
  try {
    return load(overrides);
  } catch (err) {
    const issues = (err as { issues?: { variable: string; received?: string; expected: string }[] }).issues;
    const issue = issues?.find((i) => flagOf.has(i.variable));
    if (issue) {
      throw new UsageError(
        `--${flagOf.get(issue.variable)}: got ${JSON.stringify(issue.received ?? '')}, expected ${issue.expected}`,
        usage,
      );
    }
    throw err;
  }
}

/** The organization a command scans: the only configured one, or the one named by --org. */
export function pickOrganization(config: RootwatchConfig, orgId: string | undefined, usage: string) {
  const orgs = config.organizations;
  if (orgId !== undefined) {
    const org = orgs.find((o) => o.id === orgId);
    if (!org) {
      throw new CliError(
        `--org ${orgId}: not a configured organization (configured: ${orgs.map((o) => o.id).join(', ')})`,
        'usage',
        2,
      );
    }
    return org;
  }
  if (orgs.length > 1) {
    throw new CliError(
      `several organizations are configured (${orgs.map((o) => o.id).join(', ')}): choose one with --org ID\nusage: ${usage}`,
      'usage',
      2,
    );
  }
  return orgs[0]!;
}
