import { createAccountsRepository } from './accounts.repository';
import { createApiKeysRepository } from './api-keys.repository';
import { createControlStatesRepository } from './control-states.repository';
import type { Db } from './database';
import { createDriftEventsRepository } from './drift-events.repository';
import { createExceptionsRepository } from './exceptions.repository';
import { createFindingsRepository } from './findings.repository';
import { createOrganizationsRepository } from './organizations.repository';
import { createPostureRepository } from './posture.repository';
import { createRemediationsRepository } from './remediations.repository';
import { createRootActivityRepository } from './root-activity.repository';
import { createScanRunAccountsRepository } from './scan-run-accounts.repository';
import { createScanRunsRepository } from './scan-runs.repository';

/** Every repository bound to one db or transaction: `withTransaction(db, (tx) => work(createRepositories({ db: tx })))`. */
export function createRepositories({ db }: { db: Db }) {
  return {
    organizations: createOrganizationsRepository({ db }),
    accounts: createAccountsRepository({ db }),
    scanRuns: createScanRunsRepository({ db }),
    accountScans: createScanRunAccountsRepository({ db }),
    posture: createPostureRepository({ db }),
    controlStates: createControlStatesRepository({ db }),
    findings: createFindingsRepository({ db }),
    driftEvents: createDriftEventsRepository({ db }),
    apiKeys: createApiKeysRepository({ db }),
    exceptions: createExceptionsRepository({ db }),
    rootActivity: createRootActivityRepository({ db }),
    remediations: createRemediationsRepository({ db }),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
