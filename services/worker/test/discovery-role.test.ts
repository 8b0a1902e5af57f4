import type { RunningSimulator } from '@rootwatch/aws-sim';
import type { Db } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedDefinition, orgConfig, startSim, testConfig, waitForRun } from './support/harness';
import { inlineScanner } from './support/inline';

describe('an organization configured with a discovery role', () => {
  let testDb: TestDatabase;
  let db: Db;
  let sim: RunningSimulator;
  let mgmt: string;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = testDb.database.db;
    const definition = generatedDefinition(12, 5);
    sim = await startSim(definition);
    mgmt = definition.organization.managementAccountId;
  });
  afterAll(async () => {
    await sim?.stop();
    await testDb?.drop();
  });

  async function scanWith(orgId: string, discoveryRoleArn: string) {
    const definition = sim.definition();
    const config = testConfig(sim, [{ ...orgConfig(definition, orgId), discoveryRoleArn }]);
    const scanner = inlineScanner({ db, sim, config });
    try {
      sim.resetStats();
      const run = await scanner.producer.startScan({ orgId, trigger: 'cli' });
      await scanner.dispatcher.idle();
      return { run: await waitForRun(db, run.id), stats: sim.stats() };
    } finally {
      await scanner.close();
    }
  }

  it('assumes it once and discovers and assesses every account through it', async () => {
    const { run, stats } = await scanWith('via-scanner', `arn:aws:iam::${mgmt}:role/RootwatchScanner`);
    expect(run.status).not.toBe('failed');
    expect(run.total).toBe(12);
    const assumeRoles = Object.entries(stats.byOperation).find(([op]) => /AssumeRole$/.test(op))?.[1];
    const active = sim.definition().accounts.filter((a) => a.state === 'ACTIVE').length;
    // One AssumeRole for the scanner role, then one per active member, chained from the scanner session.
    expect(assumeRoles).toBe(1 + active);
    expect(run.assessed + run.unreachable + run.skipped + run.errored).toBe(12);
  });

  it('when the role cannot be assumed, the run fails with a reason that names the role', async () => {
    const { run } = await scanWith('bad-scanner', `arn:aws:iam::${mgmt}:role/NoSuchScanner`);
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toContain(
      `the scanner role arn:aws:iam::${mgmt}:role/NoSuchScanner cannot be assumed`,
    );
    expect(run.errorMessage).not.toContain(sim.credentials.secretAccessKey);
  });
});
