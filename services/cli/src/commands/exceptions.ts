import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { type CommandSpec, helpText, parseCommand, postgresUrlOption } from '../args';
import type { Command } from '../context';
import { requirePostgres } from '../database';
import { CliError, EXIT, UsageError } from '../errors';

// Talks to the database directly, like `api-keys` and `migrate`, not to the API: a file is reconciled in
// ONE transaction (creates, updates and revocations land together or not at all, and a concurrent apply
// waits), which a sequence of API calls cannot give; the same validation runs (the API's usecases).
const spec = {
  usage: 'rootwatch exceptions apply FILE [--dry-run] [--by NAME]',
  help: `
Exceptions as code: make the live exceptions that carry a key match FILE (YAML or JSON), a list of

  - key: legacy-222222222222-mfa          # stable name of this exception
    control_id: root.mfa                  # or "*" for every control
    scope: { account_id: "222222222222" } # or { ou: ou-… } (the OU and below) or { tag: "env:sandbox" }
    reason: closing in Q1, root unused    # required, at most 2,000 characters
    expires_at: 2027-03-31T00:00:00Z      # in the future, at most 366 days ahead

Keys in FILE and not live are created; changed reason or expiry is updated in place; a changed control
or scope revokes the old exception and creates the new one; live keyed exceptions missing from FILE are
revoked. Exceptions made through the API (no key) are left alone. Prints the plan; idempotent.

  --dry-run            print the plan, change nothing
  --by NAME            who the changes are recorded as (default: exceptions-as-code)
  --database-url URL   Postgres URL (default: DATABASE_URL)
  --debug              print stack traces of unexpected errors`,
  options: {
    'dry-run': { type: 'boolean' },
    by: { type: 'string' },
    'database-url': { type: 'string' },
  },
  positionals: 2,
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>;

const BY = /^[\w .:@-]{1,100}$/;

export const exceptions: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return 0;
  }
  const [action, file] = args.positionals;
  const { values } = args;
  if (action !== 'apply') {
    throw new UsageError(
      action === undefined ? 'missing action (apply)' : `unknown action '${action}'`,
      spec.usage,
    );
  }
  if (file === undefined) throw new UsageError('apply needs a FILE', spec.usage);
  const by = values.by ?? 'exceptions-as-code';
  if (!BY.test(by))
    throw new UsageError('--by expects 1-100 letters, digits, spaces or . : @ - _', spec.usage);
  const entries = await readEntries(file);

  const config = { ...ctx.config() };
  config.databaseUrl =
    postgresUrlOption(values['database-url'], 'database-url', spec.usage) ?? config.databaseUrl;
  const { createExceptionsUsecases, describePlanStep } = await import('@rootwatch/api');
  const database = await requirePostgres(config, 'exceptions');
  try {
    const usecases = createExceptionsUsecases({ db: database.db });
    const dryRun = values['dry-run'] === true;
    const steps = await usecases.apply({ entries: entries as never, by, dryRun }).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'invalid_exception') {
        throw new CliError(`${file}: ${(err as Error).message}`, 'invalid_exception', EXIT.usage);
      }
      throw err;
    });
    for (const step of steps) ctx.stdout.write(`${describePlanStep(step)}\n`);
    const count = (action: string) => steps.filter((s) => s.action === action).length;
    ctx.stderr.write(
      `${dryRun ? 'plan (dry run, nothing changed)' : 'applied'}: ${count('create')} to create, ${count('update')} to update, ${count('replace')} to replace, ${count('revoke')} to revoke, ${count('unchanged')} unchanged\n`,
    );
    return EXIT.ok;
  } finally {
    await database.close();
  }
};

/** A YAML (or JSON, which YAML reads too) list, or `{ exceptions: [...] }`. Dates stay strings. */
async function readEntries(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, 'file_unreadable', EXIT.usage);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { schema: 'core' });
  } catch (err) {
    throw new CliError(
      `${file} is neither YAML nor JSON: ${(err as Error).message}`,
      'file_invalid',
      EXIT.usage,
    );
  }
  const list =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as { exceptions?: unknown }).exceptions
      : parsed;
  if (!Array.isArray(list)) {
    throw new CliError(
      `${file}: expected a list of exceptions (or { exceptions: [...] })`,
      'file_invalid',
      EXIT.usage,
    );
  }
  return list.map((entry) =>
    entry && typeof entry === 'object'
      ? { ...entry, expires_at: String((entry as { expires_at?: unknown }).expires_at ?? '') }
      : entry,
  );
}
