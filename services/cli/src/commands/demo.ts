import { parseApiKey } from '@rootwatch/api/api-keys';
import { type CommandSpec, helpText, intOption, parseCommand } from '../args';
import type { Command } from '../context';
import { EXIT, UsageError } from '../errors';

const spec = {
  usage:
    'rootwatch demo [--accounts N] [--port P] [--api-key KEY] [--no-drift] [--data-dir DIR] [--host H] [--seed S] [--drift-interval SECONDS]',
  help: `
Run Rootwatch on a simulated AWS Organization in one process: the simulator with a generated org,
an embedded database (PGlite; Postgres when DATABASE_URL is set), the inline dispatcher (BullMQ and an
in-process worker when REDIS_URL is set), a first scan, the REST API, and drift: every few minutes a
few simulated accounts change and the organization is scanned again. Ctrl-C stops everything.

  --accounts N             accounts in the simulated organization (default 500)
  --port P                 API port (default ROOTWATCH_API_PORT, 3000; 0 = any free port, the real one is printed)
  --host H                 API address (default 127.0.0.1)
  --api-key KEY            use this API key (rw_<12 hex>_<43 base64url>) instead of creating one
  --no-drift               no simulated changes and rescans
  --drift-interval SECONDS time between drift rounds (default 180)
  --data-dir DIR           keep the embedded database in DIR (default: in memory)
  --seed S                 generator seed of the organization and of the drift (default 42)
  --debug                  print stack traces of unexpected errors`,
  options: {
    accounts: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    'api-key': { type: 'string' },
    'no-drift': { type: 'boolean' },
    'drift-interval': { type: 'string' },
    'data-dir': { type: 'string' },
    seed: { type: 'string' },
  },
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export const demo: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return EXIT.ok;
  }
  const v = args.values;
  const base = ctx.config();
  const options = {
    accounts: intOption(v.accounts, 'accounts', { min: 1, max: 100_000, fallback: 500, usage: spec.usage }),
    port: intOption(v.port, 'port', { min: 0, max: 65535, fallback: base.api.port, usage: spec.usage }),
    host: v.host ?? '127.0.0.1',
    seed: intOption(v.seed, 'seed', { min: 0, max: 2 ** 31 - 1, fallback: 42, usage: spec.usage }),
    driftSeconds: intOption(v['drift-interval'], 'drift-interval', {
      min: 1,
      max: 86_400,
      fallback: 180,
      usage: spec.usage,
    }),
    drift: v['no-drift'] !== true,
    dataDir: v['data-dir'],
    apiKey: v['api-key'],
  };
  if (options.apiKey !== undefined && !parseApiKey(options.apiKey)) {
    throw new UsageError(
      '--api-key expects a key of the form rw_<12 hex>_<43 base64url characters>',
      spec.usage,
    );
  }
  if (base.databaseUrl && options.dataDir) {
    throw new UsageError('--data-dir is for the embedded database; DATABASE_URL is set', spec.usage);
  }
  const { runDemo } = await import('../demo-run');
  return runDemo(ctx, base, options);
};
