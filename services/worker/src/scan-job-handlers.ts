import type { OrgConfig, RootwatchConfig } from '@rootwatch/config';
import type { Db } from '@rootwatch/db';
import type { ScanHandlers } from '@rootwatch/queue';
import type { Logger } from 'pino';
import { createAccountResultsBatcher } from './account-results.batcher';
import { createScanAccountHandler } from './scan.account';
import { createScanFinalizeHandler } from './scan.finalize';
import { createScanStartHandler } from './scan.start';
import type { ScanObserver } from './scan-observer';
import type { ScanSource } from './scan-source';

export interface ScanHandlersDeps {
  db: Db;
  source: ScanSource;
  config: Pick<RootwatchConfig, 'organizations' | 'usageWindowDays'> & {
    worker?: Pick<RootwatchConfig['worker'], 'tagReadsPerScan'>;
  };
  logger: Logger;
  observer?: ScanObserver;
  /** This host's clock (evidence timestamps only); tests inject a skewed one. */
  now?: () => Date;
  /** false: account tags are never read (see ScanAccountDeps.readTags). */
  readTags?: boolean;
}

/** The scan work, wired once and run unchanged by the BullMQ worker and the inline dispatcher. */
export function createScanHandlers({
  db,
  source,
  config,
  logger,
  observer,
  now,
  readTags,
}: ScanHandlersDeps): ScanHandlers {
  const orgs = new Map<string, OrgConfig>(config.organizations.map((o) => [o.id, o]));
  const orgConfig = (id: string) => orgs.get(id);
  return {
    'scan.start': createScanStartHandler({ db, source, orgConfig, logger, observer }),
    'scan.account': createScanAccountHandler({
      db,
      source,
      orgConfig,
      usageWindowDays: config.usageWindowDays,
      ...(config.worker?.tagReadsPerScan === undefined
        ? {}
        : { tagReadsPerScan: config.worker.tagReadsPerScan }),
      logger,
      observer,
      results: createAccountResultsBatcher({ db }),
      ...(now ? { now } : {}),
      ...(readTags === false ? { readTags } : {}),
    }),
    'scan.finalize': createScanFinalizeHandler({ db, logger, observer }),
  };
}
