import type { RootwatchConfig } from '@rootwatch/config';
import { createRepositories, type Database } from '@rootwatch/db';
import { createInlineDispatcher } from '@rootwatch/queue';
import { createAwsScanSource, createScanHandlers } from '@rootwatch/worker';
import type { CommandContext } from './context';
import { openMigrated } from './database';
import { CliError } from './errors';
import { createCliLogger } from './logger';
import { createProgress } from './progress';
import { buildRunReport } from './report/from-run';
import type { ScanReport } from './report/model';
import { runScanToCompletion } from './scan-runner';

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
  // Without --database-url the run lives in an in-memory database that disappears with the process.
  const database: Database = await openMigrated(config.databaseUrl ? { url: config.databaseUrl } : {});
  // Every account failure is in the report and a failed run is the command's error line: the pipeline's
  // own log would only repeat them, so it shows with --debug only.
  const logger = createCliLogger({ level: ctx.debug ? 'debug' : 'silent', name: 'rootwatch-scan' });
  const aws = createAwsScanSource({ config, logger });
  // The organization row is keyed by the configured label; the report names the AWS `o-…` id.
  let awsOrgId: string | null = null;
  const source: typeof aws = {
    ...aws,
    discover: async (input) => {
      const found = await aws.discover(input);
      awsOrgId = found.awsOrgId;
      return found;
    },
  };
  // Tags cost one Organizations call per account on the caller's scarce quota (docs/aws-quotas.md) and
  // only feed the API's filters: a run that is not persisted (no --database-url) does not read them.
  const handlers = createScanHandlers({
    db: database.db,
    source,
    config,
    logger,
    readTags: config.databaseUrl !== undefined,
  });
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
