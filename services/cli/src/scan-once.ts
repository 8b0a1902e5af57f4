import { webhookData } from '@rootwatch/api/webhook-data';
import type { RootwatchConfig } from '@rootwatch/config';
import { createRepositories, type Database } from '@rootwatch/db';
import { createInlineDispatcher } from '@rootwatch/queue';
import {
  createAwsScanSource,
  createDiscoveryRelay,
  createMemoryDiscoveryStore,
  createScanHandlers,
  type DiscoveryStore,
  deliverWebhooksOnce,
} from '@rootwatch/worker';
import type { Logger } from 'pino';
import type { CommandContext } from './context';
import { openMigrated } from './database';
import { CliError } from './errors';
import { createCliLogger } from './logger';
import { createProgress } from './progress';
import { buildRunReport } from './report/from-run';
import type { ScanReport } from './report/model';
import { runScanToCompletion } from './scan-runner';

// The run id the discovery ahead of the run is kept under (see the store in scanOnce).
const AHEAD = 'discovered-ahead';

/** Scans one organization to completion with the in-process dispatcher and builds the report of the run. */
export async function scanOnce({
  config,
  orgId,
  ctx,
  quiet,
}: {
  config: RootwatchConfig;
  orgId: string;
  ctx: CommandContext;
  quiet: boolean;
}): Promise<ScanReport> {
  // Every account failure is in the report and a failed run is the command's error line: the pipeline's
  // own log would only repeat them, so it shows with --debug only.
  const logger = createCliLogger({ level: ctx.debug ? 'debug' : 'silent', name: 'rootwatch-scan' });
  // Tags cost one Organizations call per account on the caller's scarce quota (docs/aws-quotas.md) and
  // only feed the API's filters: a run that is not persisted (no --database-url) does not read them.
  const readTags = config.databaseUrl !== undefined;
  // One run per process: the org-side facts discovered ahead (below) are that run's, whatever id the
  // database gives it.
  const facts = createMemoryDiscoveryStore();
  const store: DiscoveryStore = {
    save: (_runId, accounts, parents) => facts.save(AHEAD, accounts, parents),
    load: (_runId, accountId) => facts.load(AHEAD, accountId),
    loadParents: () => facts.loadParents(AHEAD),
    has: () => facts.has(AHEAD),
  };
  const aws = createAwsScanSource({ config, logger, readTags, store });
  // Discovery waits on Organizations (a few requests per second per caller), while opening the database
  // costs seconds of CPU (the embedded PGlite loads its cached migrated data directory, or builds it): the two
  // overlap, and the run's discovery takes what was discovered ahead. A retried discovery reads again.
  const org = config.organizations.find((o) => o.id === orgId);
  // Its pages of accounts are kept until the run's start job attaches, then replayed into it.
  const relay = createDiscoveryRelay();
  let ahead = org ? aws.discover({ runId: AHEAD, org, stream: relay.stream }) : undefined;
  ahead?.catch(() => {});
  // Without --database-url the run lives in an in-memory database that disappears with the process.
  let database: Database;
  try {
    database = await openMigrated(config.databaseUrl ? { url: config.databaseUrl } : {});
  } catch (error) {
    // The discovery under way fails with the closed sockets (its rejection is already handled).
    aws.destroy();
    throw error;
  }
  // The organization row is keyed by the configured label; the report names the AWS `o-…` id.
  let awsOrgId: string | null = null;
  const source: typeof aws = {
    ...aws,
    discover: async (input) => {
      const discovered = ahead && input.org.id === org?.id ? ahead : undefined;
      ahead = undefined;
      if (discovered && input.stream) await relay.attach(input.stream);
      const found = await (discovered ?? aws.discover(input));
      awsOrgId = found.awsOrgId;
      return found;
    },
  };
  const handlers = createScanHandlers({ db: database.db, source, config, logger, readTags });
  const dispatcher = createInlineDispatcher({ handlers, concurrency: config.worker.concurrency });
  const progress = quiet ? undefined : createProgress({ stream: ctx.stderr, label: 'scan' });
  try {
    const run = await runScanToCompletion({
      db: database.db,
      dispatcher,
      orgId,
      trigger: 'cli',
      signal: ctx.signal,
      onProgress: (done, total) => progress?.update(done, total),
    });
    await dispatcher.idle();
    await deliverWebhooks({ config, database, logger, ctx, quiet });
    if (run.status === 'failed') {
      progress?.finish();
      throw new CliError(
        `scan failed: ${run.errorMessage ?? run.errorCode ?? 'unknown error'}${run.errorCode ? ` [${run.errorCode}]` : ''}`,
        run.errorCode ?? 'scan_failed',
      );
    }
    progress?.finish(
      `scan ${run.status}: ${run.total} accounts, ${run.assessed} assessed, ${run.unreachable} unreachable, ${run.errored} errors, ${run.skipped} skipped`,
    );
    const report = await buildRunReport(createRepositories({ db: database.db }), run.id);
    if (awsOrgId) report.organization.id = awsOrgId;
    return report;
  } finally {
    await dispatcher.close();
    aws.destroy();
    await database.close();
  }
}

// How long a run may spend sending its webhook events before the command exits (one request's timeout is 10 s).
const WEBHOOK_PASS_MS = 30_000;

/**
 * A persisted run with no queue configured has no worker to deliver its webhook events (findings opened and
 * resolved, drift, the run's end), so it sends them before the command exits. An event whose receiver fails
 * stays pending with its next attempt recorded: a worker, or the next `scan --once`, sends it.
 */
async function deliverWebhooks({
  config,
  database,
  logger,
  ctx,
  quiet,
}: {
  config: RootwatchConfig;
  database: Database;
  logger: Logger;
  ctx: CommandContext;
  quiet: boolean;
}) {
  if (config.databaseUrl === undefined || config.redisUrl !== undefined) return;
  const sent = await deliverWebhooksOnce({
    config,
    logger,
    database,
    shapeData: webhookData,
    deadline: Date.now() + WEBHOOK_PASS_MS,
  });
  if (sent.lanes === 0 || quiet) return;
  ctx.stderr.write(
    `webhooks: ${sent.delivered} events delivered${sent.waiting > 0 ? `; ${sent.waiting} subjects wait for a retry (a worker or the next scan --once sends them)` : ''}\n`,
  );
}
