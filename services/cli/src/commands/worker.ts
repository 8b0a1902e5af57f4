import { type CommandSpec, helpText, intOption, parseCommand } from '../args';
import type { Command } from '../context';
import { requirePostgres } from '../database';
import { missingSetting } from '../errors';
import { databaseCheck, redisCheck, startProcessLiveness } from '../liveness';
import { createCliLogger, untilAborted } from '../logger';

const spec = {
  usage: 'rootwatch worker [--concurrency N]',
  help: `
Process scan jobs from the queue (container role): discovery, one job per member account,
finalization; and deliver webhook events (outbox relay, signed HTTP deliveries). Needs DATABASE_URL
and REDIS_URL, and AWS credentials (default chain). Serves /metrics on ROOTWATCH_METRICS_PORT (AWS
calls by outcome, throttled included; accounts recorded; budget shares). On SIGINT/SIGTERM it stops
taking jobs and lets in-flight ones finish.

  --concurrency N   accounts assessed at once (default ROOTWATCH_WORKER_CONCURRENCY, 256)
  --debug           print stack traces of unexpected errors`,
  options: { concurrency: { type: 'string' } },
} satisfies CommandSpec<Record<string, { type: 'string' | 'boolean' }>>;

export const worker: Command = async (ctx) => {
  const args = parseCommand(spec, ctx.argv);
  if (args.help) {
    ctx.stdout.write(helpText(spec));
    return 0;
  }
  const config = ctx.config();
  const concurrency = intOption(args.values.concurrency, 'concurrency', {
    min: 1,
    max: 1000,
    fallback: config.worker.concurrency,
    usage: spec.usage,
  });
  if (!config.redisUrl)
    throw missingSetting('worker needs Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379)');
  const [
    { startWorker, startWebhookWorker },
    { webhookData },
    { registerScanCounters, startMetricsServer },
    { collectDefaultMetrics, Registry },
  ] = await Promise.all([
    import('@rootwatch/worker'),
    import('@rootwatch/api/webhook-data'),
    import('@rootwatch/api'),
    import('prom-client'),
  ]);
  const database = await requirePostgres(config, 'worker');
  const logger = createCliLogger({ level: config.logLevel, name: 'rootwatch-worker' });
  const registry = new Registry();
  try {
    const running = await startWorker({ config, logger, database, concurrency, registry });
    // Webhook delivery runs beside the scan jobs, on its own queue; the API's resource shaping is passed in.
    const webhooks = await startWebhookWorker({ config, logger, database, shapeData: webhookData });
    const liveness = await startProcessLiveness(config, logger, [
      databaseCheck(database),
      redisCheck(running.worker.getBackend().client),
    ]);
    // rootwatch_aws_calls_total{operation,outcome} shows AWS throttling as it happens; with
    // rootwatch_aws_budget_share, how the per-caller quotas are split between the worker processes.
    collectDefaultMetrics({ register: registry, prefix: 'rootwatch_worker_' });
    registerScanCounters(registry, running.metrics);
    // Several workers on one host (a laptop) share the port: the others scan without the endpoint rather
    // than not at all, as with /live.
    const metrics =
      config.api.metricsPort === undefined
        ? undefined
        : await startMetricsServer({ registry, host: config.api.host, port: config.api.metricsPort }).catch(
            (err: unknown) => {
              logger.warn(
                { err, port: config.api.metricsPort },
                'worker metrics not served; set ROOTWATCH_METRICS_PORT to a free port',
              );
              return undefined;
            },
          );
    if (metrics) logger.info({ url: metrics.url }, 'worker metrics listening');
    await untilAborted(ctx.signal);
    logger.info({ signal: String(ctx.signal.reason) }, 'shutting down');
    await metrics?.close();
    await liveness?.close();
    await webhooks.close();
    await running.close();
    return 0;
  } finally {
    await database.close();
  }
};
