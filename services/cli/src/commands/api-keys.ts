import { API_KEY_SCOPES, ERROR_CODES, isRootwatchError } from '@rootwatch/core';
import { type CommandSpec, choiceOption, helpText, parseCommand, postgresUrlOption } from '../args';
import type { Command } from '../context';
import { requirePostgres } from '../database';
import { CliError, EXIT, UsageError } from '../errors';

const spec = {
  usage:
    'rootwatch api-keys create --name NAME [--owner LABEL] [--scope read|scans:write|findings:write|exceptions:write|remediations:write|admin]... | list [--json] | revoke <id|prefix>',
  help: `
Manage the API keys of the REST API (only a key's sha-256 hash is stored).

  create --name NAME --scope SCOPE   create a key and print it once on stdout; --scope may repeat
                                     (read, scans:write, findings:write, exceptions:write,
                                     remediations:write, admin;
                                     default read). The name is what findings record as \`by\`.
         [--owner LABEL]             who holds the key (a team, a person), shown by list
  list [--json]                      list keys: id, prefix, name, scopes, created, last used, revoked
  revoke <id|prefix>                 revoke a key (by its id or its 12-character prefix)

  --database-url URL   Postgres URL (default: DATABASE_URL)
  --debug              print stack traces of unexpected errors`,
  options: {
    name: { type: 'string' },
    owner: { type: 'string' },
    scope: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    'database-url': { type: 'string' },
  },
  positionals: 2,
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>>;

export const apiKeys: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return 0;
  }
  const [action, target] = args.positionals;
  const { values } = args;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    throw new UsageError(
      action === undefined ? 'missing action (create, list or revoke)' : `unknown action '${action}'`,
      spec.usage,
    );
  }
  if (action === 'revoke' && target === undefined)
    throw new UsageError('revoke needs a key id or prefix', spec.usage);
  if (action !== 'revoke' && target !== undefined)
    throw new UsageError(`unexpected argument '${target}'`, spec.usage);
  if (action === 'create' && !values.name) throw new UsageError('create needs --name', spec.usage);
  const scopes = ((values.scope as unknown as string[] | undefined) ?? ['read']).map(
    (s) => choiceOption(s, 'scope', API_KEY_SCOPES, undefined, spec.usage)!,
  );

  const config = { ...ctx.config() };
  config.databaseUrl =
    postgresUrlOption(values['database-url'], 'database-url', spec.usage) ?? config.databaseUrl;
  const { createApiKeysUsecases } = await import('@rootwatch/api');
  const database = await requirePostgres(config, 'api-keys');
  try {
    const usecases = createApiKeysUsecases({ db: database.db });
    if (action === 'create') {
      const created = await usecases
        .createApiKey({ name: values.name!, scopes, owner: values.owner })
        .catch(asInputError);
      ctx.stdout.write(`${created.key}\n`);
      ctx.stderr.write(
        `created API key '${created.name}' (id ${created.id}, prefix ${created.prefix}, scopes ${created.scopes.join(',')}); it is shown only this once\n`,
      );
      return EXIT.ok;
    }
    if (action === 'list') {
      const keys = await usecases.listApiKeys();
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
        return EXIT.ok;
      }
      const rows = keys.map((k) => [
        k.id,
        k.prefix,
        k.name,
        k.scopes.join(','),
        k.owner ?? '-',
        k.createdAt.toISOString(),
        k.lastUsedAt?.toISOString() ?? '-',
        k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active',
      ]);
      ctx.stdout.write(
        columns(['id', 'prefix', 'name', 'scopes', 'owner', 'created', 'last used', 'status'], rows),
      );
      return EXIT.ok;
    }
    const revoked = await usecases.revokeApiKey({ idOrPrefix: target! });
    if (!revoked) throw new CliError(`no active API key with id or prefix '${target}'`, 'api_key_not_found');
    ctx.stderr.write(`revoked API key '${revoked.name}' (id ${revoked.id}, prefix ${revoked.prefix})\n`);
    return EXIT.ok;
  } finally {
    await database.close();
  }
};

function asInputError(err: unknown): never {
  if (isRootwatchError(err, ERROR_CODES.apiKeyInvalid)) {
    throw new CliError(err.message, ERROR_CODES.apiKeyInvalid, EXIT.usage);
  }
  throw err;
}

function columns(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
