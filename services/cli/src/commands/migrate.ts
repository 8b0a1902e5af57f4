import { redactUrl } from '@rootwatch/config';
import { type CommandSpec, helpText, parseCommand } from '../args';
import type { Command } from '../context';
import { requirePostgres } from '../database';

const spec = {
  usage: 'rootwatch migrate [--database-url URL]',
  help: `
Apply pending database migrations and exit (safe to run from several replicas at once).

  --database-url URL   Postgres URL (default: DATABASE_URL)
  --debug              print stack traces of unexpected errors`,
  options: { 'database-url': { type: 'string' } },
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export const migrate: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return 0;
  }
  const config = { ...ctx.config() };
  if (args.values['database-url']) config.databaseUrl = args.values['database-url'];
  // No statement timeout: building an index on a large table may take longer than any query should.
  const database = await requirePostgres(config, 'migrate', {
    timeouts: { ...config.database, statementTimeoutMs: 0 },
  });
  const { migrate: applyMigrations, migrationStatus } = await import('@rootwatch/db');
  try {
    const before = await migrationStatus(database);
    await applyMigrations(database);
    ctx.stderr.write(
      `migrations: ${before.pending} applied, ${before.applied + before.pending} in total (${redactUrl(config.databaseUrl!)})\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
};
