import { redactUrl } from '@rootwatch/config';
import { type CommandSpec, helpText, intOption, parseCommand } from '../args';
import type { Command } from '../context';
import { requirePostgres } from '../database';
import { createCliLogger, untilAborted } from '../logger';

const spec = {
  usage: 'rootwatch api [--host HOST] [--port PORT]',
  help: `
Serve the REST API (container role). Needs DATABASE_URL; REDIS_URL enables POST /v1/scans and
shared rate limits (without Redis reads keep working). Prometheus /metrics is served on its own port,
ROOTWATCH_METRICS_PORT (9464). Stops cleanly on SIGINT/SIGTERM.

  --host HOST   address to listen on (default ROOTWATCH_API_HOST, 0.0.0.0)
  --port PORT   port to listen on (default ROOTWATCH_API_PORT, 3000; 0 = any free port)
  --debug       print stack traces of unexpected errors`,
  options: { host: { type: 'string' }, port: { type: 'string' } },
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export const api: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return 0;
  }
  const base = ctx.config();
  const config = {
    ...base,
    api: {
      ...base.api,
      host: args.values.host ?? base.api.host,
      port: intOption(args.values.port, 'port', {
        min: 0,
        max: 65535,
        fallback: base.api.port,
        usage: spec.usage,
      }),
    },
  };
  const [{ startApi }, { registerDashboard }] = await Promise.all([
    import('@rootwatch/api'),
    import('@rootwatch/dashboard'),
  ]);
  const database = await requirePostgres(config, 'api');
  const logger = createCliLogger({ level: config.logLevel, name: 'rootwatch-api' });
  try {
    const running = await startApi({
      config,
      logger,
      database,
      handleSignals: false,
      extend: (app) => registerDashboard(app),
    });
    logger.info(
      { url: running.url, metricsUrl: running.metricsUrl, database: redactUrl(config.databaseUrl!) },
      'api listening',
    );
    await untilAborted(ctx.signal);
    logger.info({ signal: String(ctx.signal.reason) }, 'shutting down');
    await running.close();
    return 0;
  } finally {
    await database.close();
  }
};
