import type { RunningSimulator } from '@rootwatch/aws-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumeAuditRole } from '../src/assume-role';
import { createAwsClientFactory } from '../src/clients';
import { CARDS, control, EXTERNAL_ID, ROLE, startSim, VIRTUAL } from './sim-org';

describe('assumeAuditRole when STS is not activated in the region (RegionDisabledException)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSim();
    await control(sim, 'PATCH', `/_sim/accounts/${CARDS}`, {
      faults: { stsDisabledRegions: ['ap-east-1', 'eu-south-2'] },
    });
    await control(sim, 'PATCH', `/_sim/accounts/${VIRTUAL}`, { faults: { assumeRole: 'RegionDisabled' } });
  });
  afterAll(() => sim.stop());

  const clientsIn = (region: string) =>
    createAwsClientFactory({ region, endpoint: sim.endpoint, credentials: sim.credentials, maxAttempts: 1 });
  const assume = (region: string, accountId: string) => {
    const clients = clientsIn(region);
    return assumeAuditRole({
      clients,
      accountId,
      partition: 'aws',
      roleName: ROLE,
      externalId: EXTERNAL_ID,
      sessionName: 'rootwatch-test',
    }).finally(() => clients.destroy());
  };
  const assumeRoleCalls = async () =>
    ((await control(sim, 'GET', '/_sim/stats')) as { byOperation: Record<string, number> }).byOperation[
      'sts:AssumeRole'
    ] ?? 0;

  it("retries once in the partition's default region, where STS is always active", async () => {
    const before = await assumeRoleCalls();
    const result = await assume('ap-east-1', CARDS);
    expect(result.ok).toBe(true);
    expect(await assumeRoleCalls()).toBe(before + 2);
  });

  it('declares the account unreachable when the default region refuses too, after exactly one retry', async () => {
    const before = await assumeRoleCalls();
    const result = await assume('ap-east-1', VIRTUAL);
    expect(result).toMatchObject({
      ok: false,
      error: { kind: 'region_disabled', code: 'RegionDisabledException' },
    });
    expect(await assumeRoleCalls()).toBe(before + 2);
  });

  it('does not retry when the region is already the default one', async () => {
    const before = await assumeRoleCalls();
    const result = await assume('us-east-1', VIRTUAL);
    expect(result.ok).toBe(false);
    expect(await assumeRoleCalls()).toBe(before + 1);
  });
});
