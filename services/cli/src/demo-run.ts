import { setTimeout as sleep } from 'node:timers/promises';
import { createApiKeysUsecases, hashApiKey, parseApiKey, type RunningApi, startApi } from '@rootwatch/api';
import { webhookData } from '@rootwatch/api/webhook-data';
import { type RunningSimulator, startSimulator } from '@rootwatch/aws-sim';
import { DEFAULT_SCHEDULE, NO_AWS_BUDGETS, type RootwatchConfig, redactUrl } from '@rootwatch/config';
import { scanRunDone } from '@rootwatch/core';
import { buildDashboardIfMissing, registerDashboard } from '@rootwatch/dashboard';
import { createRepositories, type Database } from '@rootwatch/db';
import {
  createInlineDispatcher,
  createQueueDispatcher,
  createScanProducer,
  redisConnection,
  type ScanDispatcher,
} from '@rootwatch/queue';
import {
  createAwsScanSource,
  createScanHandlers,
  type RunningWorker,
  startInlineWebhookDelivery,
  startRootEventsRole,
  startWebhookWorker,
  startWorker,
} from '@rootwatch/worker';
import type { CommandContext } from './context';
import { openMigrated } from './database';
import { planDrift } from './drift-plan';
import { CliError, EXIT } from './errors';
import { createCliLogger, untilAborted } from './logger';
import { createProgress, formatSeconds } from './progress';
import { runScanToCompletion } from './scan-runner';

const DRIFT_ACCOUNTS_PER_ROUND = 3;
const REDIS_PREFIX = 'rootwatch-demo';

export type DemoOptions = {
  accounts: number;
  port: number;
  host: string;
  seed: number;
  driftSeconds: number;
  drift: boolean;
  dataDir: string | undefined;
  apiKey: string | undefined;
};

/** Runs the demo until the command's signal aborts; whatever it started is stopped in reverse order. */
export async function runDemo(ctx: CommandContext, base: RootwatchConfig, o: DemoOptions): Promise<number> {
  const stack = new Stack();
  try {
    return await runDemoOn(ctx, base, o, stack);
  } finally {
    await stack.unwind(ctx);
  }
}

async function runDemoOn(
  ctx: CommandContext,
  base: RootwatchConfig,
  o: DemoOptions,
  stack: Stack,
): Promise<number> {
  const out = (line = '') => ctx.stdout.write(`${line}\n`);
  const logger = createCliLogger({
    level: base.logLevel === 'info' ? 'warn' : base.logLevel,
    name: 'rootwatch-demo',
  });

  const sim = await startSimulator({
    // Centralized root access with root sessions on: the ~3 % of generated members without the audit
    // role are read through sts:AssumeRoot (`access: 'auto'` below) instead of staying unreachable.
    definition: {
      organization: { features: ['RootCredentialsManagement', 'RootSessions'] },
      generate: { accounts: o.accounts, seed: o.seed },
    },
    port: 0,
  });
  stack.push('simulator', () => sim.stop());
  const original = structuredClone(sim.definition());
  const orgId = original.organization.id;
  out(`Simulator: organization ${orgId} with ${original.accounts.length} accounts on ${sim.endpoint}`);

  const database = await openMigrated(
    base.databaseUrl ? { url: base.databaseUrl } : o.dataDir ? { dataDir: o.dataDir } : {},
  );
  // Closing PGlite flushes its data directory; it runs last, after everything that writes.
  stack.push('database', () => database.close());
  out(`Database: ${describeDatabase(base, o)}`);

  const config: RootwatchConfig = {
    ...base,
    aws: { region: sim.region, endpointUrl: sim.endpoint },
    api: { host: o.host, port: o.port },
    // The simulator has none of AWS's quotas: AWS's budgets would make the demo wait on the limiter
    // rather than show the pipeline.
    worker: { ...base.worker, awsBudgets: NO_AWS_BUDGETS },
    organizations: [
      {
        id: orgId,
        memberRoleName: original.auditRole.name,
        ...(original.auditRole.externalId ? { externalId: original.auditRole.externalId } : {}),
        schedule: DEFAULT_SCHEDULE,
        region: sim.region,
        access: 'auto',
      },
    ],
  };
  const repos = createRepositories({ db: database.db });
  await abandonInterruptedRun(repos, orgId);
  // Runs after the dispatcher and worker have stopped (the stack unwinds in reverse).
  stack.push('interrupted scan', () => abandonInterruptedRun(repos, orgId));

  const dispatcher = await startPipeline({ config, database, sim, logger, stack });
  out(
    `Queue: ${config.redisUrl ? `BullMQ on ${redactUrl(config.redisUrl)} with an in-process worker` : 'inline (in-process)'}`,
  );
  const producer = createScanProducer({ db: database.db, dispatcher });
  // The events role on the simulator's queue: a root sign-in of a drift round shows up in the API and the
  // dashboard within seconds, before the round's rescan. No rescans from it: every round rescans anyway.
  const events = startRootEventsRole({
    config: { ...config, events: { waitSeconds: 1 } },
    queueUrl: `${sim.endpoint}/${original.organization.delegatedAdmin?.accountId ?? original.organization.managementAccountId}/${original.events.queueName}`,
    db: database.db,
    logger,
    credentials: sim.credentials,
  });
  stack.push('events consumer', () => events.stop());

  const key = await ensureApiKey(database, o.apiKey);

  const progress = createProgress({
    stream: ctx.stderr,
    label: `first scan (${original.accounts.length} accounts)`,
  });
  // Built alongside the first scan (a workspace checkout has Vite); a failed build only hides the dashboard.
  const dashboardReady = buildDashboardIfMissing().catch((err: Error) => {
    logger.warn({ err }, 'the dashboard could not be built');
    return false;
  });
  const scanStarted = performance.now();
  const first = await runScanToCompletion({
    db: database.db,
    dispatcher,
    orgId,
    trigger: 'demo',
    signal: ctx.signal,
    onProgress: (done, total) => progress.update(done, total),
  });
  const scanSeconds = (performance.now() - scanStarted) / 1000;
  // performance.now() counts from process start: the figure includes module loading and the database.
  const sinceStart = performance.now() / 1000;
  progress.finish();
  if (first.status === 'failed') {
    throw new CliError(
      `first scan failed: ${first.errorMessage ?? first.errorCode}`,
      first.errorCode ?? 'scan_failed',
    );
  }
  out(
    `First scan: ${scanRunDone(first)} accounts (${first.assessed} assessed, ${first.unreachable} unreachable, ${first.errored} errors, ${first.skipped} skipped) in ${formatSeconds(scanSeconds)}; ${formatSeconds(sinceStart)} from command start to first completed scan`,
  );

  const dashboard = await dashboardReady;
  const api = await startApi({
    config,
    logger,
    database,
    queue: producer,
    handleSignals: false,
    ...(dashboard ? { extend: (app) => registerDashboard(app) } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') {
      throw new CliError(
        `port ${o.port} is in use: choose another with --port (0 = any free port)`,
        'port_in_use',
        EXIT.usage,
      );
    }
    throw err;
  });
  stack.push('api', () => api.close());

  printBanner(out, { api, key, sim, dashboard, drift: o.drift ? o.driftSeconds : null });

  if (o.drift) {
    await driftLoop({ ctx, out, sim, original, o, database, dispatcher, orgId });
  } else {
    await untilAborted(ctx.signal);
  }
  out(`Stopping (${String(ctx.signal.reason ?? 'signal')})…`);
  return EXIT.ok;
}

async function startPipeline({
  config,
  database,
  sim,
  logger,
  stack,
}: {
  config: RootwatchConfig;
  database: Database;
  sim: RunningSimulator;
  logger: ReturnType<typeof createCliLogger>;
  stack: Stack;
}): Promise<ScanDispatcher> {
  const source = createAwsScanSource({ config, logger, credentials: sim.credentials });
  stack.push('aws clients', async () => source.destroy());
  if (config.redisUrl) {
    const connection = redisConnection(config.redisUrl);
    const worker: RunningWorker = await startWorker({
      config,
      logger,
      database,
      source,
      connection,
      prefix: REDIS_PREFIX,
      shutdownGraceMs: 5_000,
    });
    stack.push('worker', () => worker.close());
    // With a queue the demo delivers webhooks too, as the worker container does.
    const webhooks = await startWebhookWorker({
      config,
      logger,
      database,
      connection,
      prefix: REDIS_PREFIX,
      shapeData: webhookData,
    });
    stack.push('webhooks', () => webhooks.close());
    const dispatcher = createQueueDispatcher({ connection, prefix: REDIS_PREFIX });
    stack.push('queue', () => dispatcher.close());
    return dispatcher;
  }
  const handlers = createScanHandlers({ db: database.db, source, config, logger });
  const dispatcher = createInlineDispatcher({
    handlers,
    concurrency: config.worker.concurrency,
    onFailed: ({ job, error }) =>
      logger.error({ job: job.name, message: error.message }, 'scan job failed for good'),
  });
  stack.push('dispatcher', () => dispatcher.close());
  // Without a queue the demo delivers webhooks in this process.
  const webhooks = await startInlineWebhookDelivery({ config, logger, database, shapeData: webhookData });
  stack.push('webhooks', () => webhooks.close());
  return dispatcher;
}

async function ensureApiKey(database: Database, given: string | undefined): Promise<string> {
  if (given === undefined) {
    const created = await createApiKeysUsecases({ db: database.db }).createApiKey({
      name: 'demo',
      scopes: ['read', 'scans:write'],
    });
    return created.key;
  }
  const { prefix } = parseApiKey(given)!;
  const repo = createRepositories({ db: database.db }).apiKeys;
  const existing = await repo.findByPrefix({ prefix });
  if (existing) {
    if (existing.hash !== hashApiKey(given) || existing.revokedAt) {
      throw new CliError(
        '--api-key: a different or revoked key with this prefix exists in the database',
        'api_key_conflict',
        EXIT.usage,
      );
    }
    return given;
  }
  await repo.create({ name: 'demo', prefix, hash: hashApiKey(given), scopes: ['read', 'scans:write'] });
  return given;
}

/** A run left active by a demo killed mid-scan (persistent database) would block every later scan. */
async function abandonInterruptedRun(repos: ReturnType<typeof createRepositories>, orgId: string) {
  const active = await repos.scanRuns.getActive({ orgId });
  if (active) {
    await repos.scanRuns.fail({
      id: active.id,
      errorCode: 'interrupted',
      errorMessage: 'the demo stopped during this scan',
    });
  }
}

async function driftLoop({
  ctx,
  out,
  sim,
  original,
  o,
  database,
  dispatcher,
  orgId,
}: {
  ctx: CommandContext;
  out: (line?: string) => void;
  sim: RunningSimulator;
  original: ReturnType<RunningSimulator['definition']>;
  o: DemoOptions;
  database: Database;
  dispatcher: ScanDispatcher;
  orgId: string;
}) {
  const repos = createRepositories({ db: database.db });
  let cursor = (await readDriftAfter(repos, undefined)).cursor;
  for (let round = 0; !ctx.signal.aborted; round++) {
    await sleep(o.driftSeconds * 1000, undefined, { signal: ctx.signal }).catch(() => {});
    if (ctx.signal.aborted) break;
    const plan = planDrift({
      original,
      seed: o.seed,
      round,
      count: DRIFT_ACCOUNTS_PER_ROUND,
      now: new Date(),
    });
    for (const change of [...plan.restores, ...plan.breaks]) {
      const res = await fetch(`${sim.endpoint}/_sim/accounts/${change.accountId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(change.patch),
      });
      if (!res.ok)
        throw new Error(
          `simulator refused the drift of ${change.accountId}: ${res.status} ${await res.text()}`,
        );
      if (change.rootActivity) {
        const activity = await fetch(`${sim.endpoint}/_sim/accounts/${change.accountId}/root-activity`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(change.rootActivity),
        });
        if (!activity.ok)
          throw new Error(
            `simulator refused the root activity of ${change.accountId}: ${activity.status} ${await activity.text()}`,
          );
      }
    }
    out(
      `Drift round ${round + 1}: ${plan.breaks.map((b) => `${b.accountId} ${b.description}`).join('; ')}${
        plan.restores.length > 0 ? `; restored ${plan.restores.map((r) => r.accountId).join(', ')}` : ''
      }. Rescanning…`,
    );
    try {
      const run = await runScanToCompletion({
        db: database.db,
        dispatcher,
        orgId,
        trigger: 'demo',
        signal: ctx.signal,
      });
      const drift = await readDriftAfter(repos, cursor);
      cursor = drift.cursor;
      const kinds = Object.entries(drift.byKind)
        .map(([kind, n]) => `${n} ${kind}`)
        .join(', ');
      out(`  scan ${run.status}: ${scanRunDone(run)} accounts; drift events: ${kinds || 'none'}`);
    } catch (err) {
      if (ctx.signal.aborted) break;
      // A scan requested through the API may be running; the next round tries again.
      out(`  rescan skipped: ${(err as Error).message}`);
    }
  }
}

/** Drift events after `cursor`, counted by kind, and the cursor to continue from. */
async function readDriftAfter(repos: ReturnType<typeof createRepositories>, cursor: string | undefined) {
  const byKind: Record<string, number> = {};
  let after = cursor;
  for (;;) {
    const page = await repos.driftEvents.feed({ limit: 1000, ...(after ? { after } : {}) });
    for (const e of page.items) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    after = page.nextCursor ?? after;
    if (!page.hasMore) return { byKind, cursor: after };
  }
}

function printBanner(
  out: (line?: string) => void,
  {
    api,
    key,
    sim,
    dashboard,
    drift,
  }: { api: RunningApi; key: string; sim: RunningSimulator; dashboard: boolean; drift: number | null },
) {
  const url = api.url;
  out();
  out('Rootwatch demo is ready.');
  out(`  API:        ${url}   (OpenAPI ${url}/openapi.json, docs ${url}/docs, health ${url}/ready)`);
  out(`  API key:    ${key}   (scopes read, scans:write; shown here only)`);
  out(
    dashboard
      ? `  Dashboard:  ${url}/   (sign in with the API key)`
      : "  Dashboard:  not available — run 'pnpm build' once, then start the demo again",
  );
  out(
    `  Simulator:  ${sim.endpoint}   (org ${sim.endpoint}/_sim/org; AWS_ENDPOINT_URL for 'rootwatch scan --once')`,
  );
  out(
    drift === null
      ? '  Drift:      off (--no-drift)'
      : `  Drift:      every ${formatSeconds(drift)} ${DRIFT_ACCOUNTS_PER_ROUND} accounts change and the org is rescanned`,
  );
  out();
  out('Try:');
  out(`  curl -H 'Authorization: Bearer ${key}' ${url}/v1/summary`);
  out(`  curl -H 'Authorization: Bearer ${key}' '${url}/v1/accounts?failing=true&limit=5'`);
  out(`  curl -H 'Authorization: Bearer ${key}' '${url}/v1/drift-events?limit=20'`);
  out();
  out('Remove member root access keys (guarded: plan, then another person approves; with DATABASE_URL):');
  out('  rootwatch remediate plan --control root.access-keys --by alice');
  out(
    '  rootwatch remediate apply PLAN_ID --approve bob --dry-run   (or POST /v1/remediations, scope remediations:write)',
  );
  out();
  out('Press Ctrl-C to stop.');
}

function describeDatabase(config: RootwatchConfig, o: DemoOptions): string {
  if (config.databaseUrl) return `Postgres ${redactUrl(config.databaseUrl)}`;
  return o.dataDir
    ? `embedded PGlite in ${o.dataDir}`
    : 'embedded PGlite (in memory; --data-dir DIR to keep it)';
}

/** Everything the demo started, stopped in reverse order; one failing stop does not skip the others. */
class Stack {
  private readonly items: { name: string; stop: () => Promise<unknown> }[] = [];
  push(name: string, stop: () => Promise<unknown>) {
    this.items.push({ name, stop });
  }
  async unwind(ctx: CommandContext) {
    while (this.items.length > 0) {
      const { name, stop } = this.items.pop()!;
      try {
        await stop();
      } catch (err) {
        ctx.stderr.write(`rootwatch demo: stopping the ${name} failed: ${(err as Error).message}\n`);
      }
    }
  }
}
