import { partitionOfRegion } from '@rootwatch/aws';
import { DEFAULT_TAG_READS_PER_SCAN, type OrgConfig } from '@rootwatch/config';
import {
  type OrgContext,
  observe,
  outcomeOf,
  retryableFailure,
  type SourceError,
  scanRunAwaitsFinalization,
  unreachablePosture,
} from '@rootwatch/core';
import { createRepositories, type Db } from '@rootwatch/db';
import { finalizeJob, type ScanHandler } from '@rootwatch/queue';
import type { Logger } from 'pino';
import { type AccountResultsBatcher, createAccountResultsBatcher } from './account-results.batcher';
import { createJobContextLoader, type JobContextLoader } from './job-context.loader';
import { RetryLaterError, sourceErrorOf } from './scan-errors';
import type { ScanObserver } from './scan-observer';
import type { AccountBase, ScanSource } from './scan-source';
import { readsTagsThisRun } from './tag-budget';

export interface ScanAccountDeps {
  db: Db;
  source: ScanSource;
  orgConfig(orgId: string): OrgConfig | undefined;
  usageWindowDays: number;
  /** Known accounts whose tags a run re-reads (ROOTWATCH_TAG_READS_PER_SCAN); see readsTagsThisRun. */
  tagReadsPerScan?: number;
  /** false: no account's tags are read, not even a new one's (a one-shot scan whose report has no tags). */
  readTags?: boolean;
  logger: Logger;
  observer?: ScanObserver;
  results?: AccountResultsBatcher;
  /** Reads the job contexts of the accounts starting together in one statement. */
  jobContexts?: JobContextLoader;
  /** This host's clock, for collectedAt evidence only (history order follows the runs). */
  now?: () => Date;
}

/** Assume → collect → evaluate → persist for one member account of one run. */
export function createScanAccountHandler({
  db,
  source,
  orgConfig,
  usageWindowDays,
  tagReadsPerScan = DEFAULT_TAG_READS_PER_SCAN,
  readTags = true,
  logger,
  observer,
  results = createAccountResultsBatcher({ db }),
  jobContexts = createJobContextLoader({ db }),
  now = () => new Date(),
}: ScanAccountDeps): ScanHandler<'scan.account'> {
  const repos = createRepositories({ db });

  return async ({ runId, orgId, accountId, generation }, context) => {
    const started = performance.now();
    const log = logger.child({ runId, orgId, accountId, job: 'scan.account', attempt: context.attempt });
    const job = await jobContexts.load({ runId, orgId, accountId });
    if (job?.status !== 'running') {
      log.debug({ status: job?.status ?? null }, 'scan run is not running; account skipped');
      return;
    }
    if (job.recorded) {
      // Recorded by an earlier attempt whose acknowledgement was lost; finalization may still be owed.
      observer?.accountRecorded?.({ orgId, outcome: 'assessed', durationMs: 0, duplicate: true });
      if (scanRunAwaitsFinalization(await repos.scanRuns.get({ id: runId }))) {
        await context.enqueue([finalizeJob({ runId, orgId, generation })]);
      }
      return;
    }

    const org = orgConfig(orgId);
    const { org: orgRow, account: accountRow } = job;
    if (!org || !orgRow || !accountRow) {
      log.warn(
        { org: !!org, orgRow: !!orgRow, account: !!accountRow },
        'account job without its org or account',
      );
      return;
    }
    const partition = partitionOfRegion(org.region);
    const orgContext: OrgContext = {
      id: orgId,
      managementAccountId: orgRow.managementAccountId ?? '',
      partition,
      scpEnabled: orgRow.scpEnabled ?? false,
      features: orgRow.featuresKnown
        ? { known: true, enabled: orgRow.features }
        : { known: false, reason: 'iam:ListOrganizationsFeatures could not be read' },
    };
    const base: AccountBase = {
      id: accountRow.id,
      name: accountRow.name,
      email: accountRow.email,
      state: accountRow.state,
      ouPath: accountRow.ouPath,
      tags: accountRow.tags,
      joinedAt: accountRow.joinedAt?.toISOString() ?? null,
      isManagementAccount: accountRow.id === orgRow.managementAccountId,
    };

    let assessed: Awaited<ReturnType<ScanSource['assess']>>;
    try {
      assessed = await source.assess({
        runId,
        org,
        orgContext,
        account: base,
        allowMissingDiscovery: context.isFinalAttempt,
        readTags:
          readTags &&
          readsTagsThisRun({
            runId,
            accountId,
            // Upserted by this run's discovery, which starts the run: seen for the first time now.
            isNew: !job.startedAt || accountRow.firstSeenAt.getTime() >= job.startedAt.getTime(),
            total: job.total,
            budget: tagReadsPerScan,
          }),
      });
    } catch (error) {
      const failure = sourceErrorOf(error);
      if (!context.isFinalAttempt) throw error;
      const posture = unreachablePosture({
        accountId,
        partition,
        collectedAt: now().toISOString(),
        error: { kind: failure.kind as SourceError['kind'], code: failure.code, message: failure.message },
      });
      assessed = {
        account: {
          ...base,
          effectiveScps: { known: false, reason: failure.code },
          securityContact: { status: 'unknown', reason: failure.code },
        },
        posture,
      };
    }

    const retryable = retryableFailure(assessed.posture);
    if (retryable && !context.isFinalAttempt) {
      throw new RetryLaterError(
        retryable.code,
        `account ${accountId}: ${retryable.kind} (${retryable.code}); retried later`,
      );
    }

    const observation = observe(assessed.posture, assessed.account, orgContext, {
      usageWindowDays,
      now: new Date(assessed.posture.collectedAt),
    });
    const { outcome, error } = outcomeOf(assessed.posture);
    const durationMs = Math.round(performance.now() - started);
    const result = await results.record({
      runId,
      orgId,
      accountId,
      outcome,
      observation,
      errorCode: error?.code ?? null,
      errorMessage: error?.message ?? null,
      durationMs,
      runStartedAt: job.startedAt,
      ...(assessed.tags ? { tags: assessed.tags } : {}),
    });
    observer?.accountRecorded?.({ orgId, outcome, durationMs, duplicate: !result.written });
    if (result.written) {
      log.debug(
        { outcome, version: result.version, drift: result.driftEvents, opened: result.findingsOpened },
        'account recorded',
      );
    }
    if (result.runComplete) await context.enqueue([finalizeJob({ runId, orgId, generation })]);
  };
}
