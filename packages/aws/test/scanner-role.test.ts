import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { RunningSimulator } from '@rootwatch/aws-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumeAuditRole } from '../src/assume-role';
import { createAwsClientFactory } from '../src/clients';
import { AwsAccessError } from '../src/errors';
import { discoverOrganization } from '../src/organization.discovery';
import { createScannerRoleCredentials } from '../src/scanner-role';
import { CARDS, EXTERNAL_ID, factoryFor, MGMT, orgDefinition, ROLE, startSim } from './sim-org';

const SCANNER_ARN = `arn:aws:iam::${MGMT}:role/RootwatchScanner`;

describe('the discovery (scanner) role', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSim({
      ...orgDefinition(),
      scannerRole: { name: 'RootwatchScanner', externalId: 'scan-ext-01' },
    });
  });
  afterAll(() => sim.stop());

  function scannerFactory(roleArn: string, externalId: string | null) {
    const ambient = factoryFor(sim);
    const credentials = createScannerRoleCredentials({
      sts: ambient.sts(),
      roleArn,
      externalId,
      sessionName: 'rootwatch-test-run',
    });
    return createAwsClientFactory({
      region: sim.region,
      endpoint: sim.endpoint,
      credentials,
      maxAttempts: 1,
    });
  }

  it('when configured, every discovery call and member AssumeRole runs as the scanner role', async () => {
    const clients = scannerFactory(SCANNER_ARN, 'scan-ext-01');
    const who = await clients.sts().send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(`arn:aws:sts::${MGMT}:assumed-role/RootwatchScanner/rootwatch-test-run`);

    const found = await discoverOrganization({ clients });
    expect(found.accounts.map((a) => a.id)).toContain(CARDS);

    const assumed = await assumeAuditRole({
      clients,
      accountId: CARDS,
      partition: 'aws',
      roleName: ROLE,
      externalId: EXTERNAL_ID,
      sessionName: 'rootwatch-test-run',
    });
    expect(assumed.ok).toBe(true);
  });

  it('assumes the role once and reuses the session while it is fresh', async () => {
    const ambient = factoryFor(sim);
    const provider = createScannerRoleCredentials({
      sts: ambient.sts(),
      roleArn: SCANNER_ARN,
      externalId: 'scan-ext-01',
      sessionName: 'rootwatch-reuse',
    });
    sim.resetStats();
    const [a, b] = await Promise.all([provider(), provider()]);
    const c = await provider();
    expect(a.accessKeyId).toBe(b.accessKeyId);
    expect(c.accessKeyId).toBe(a.accessKeyId);
    expect(sim.stats().byOperation['sts:AssumeRole'] ?? sim.stats().byOperation.AssumeRole).toBe(1);
  });

  it('when the ExternalId is wrong, discovery fails with a message that says what to fix and no secret', async () => {
    const clients = scannerFactory(SCANNER_ARN, 'wrong-ext');
    const err = await discoverOrganization({ clients }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsAccessError);
    expect((err as AwsAccessError).kind).toBe('denied');
    expect((err as Error).message).toContain(
      `the scanner role ${SCANNER_ARN} cannot be assumed: AccessDenied`,
    );
    expect((err as Error).message).not.toContain(sim.credentials.secretAccessKey);
  });

  it('a member audit session cannot assume the scanner role (no chaining from members)', async () => {
    const ambient = factoryFor(sim);
    const member = await assumeAuditRole({
      clients: ambient,
      accountId: CARDS,
      partition: 'aws',
      roleName: ROLE,
      externalId: EXTERNAL_ID,
      sessionName: 'rootwatch-test-run',
    });
    if (!member.ok) throw new Error('audit role not assumed');
    const fromMember = createAwsClientFactory({
      region: sim.region,
      endpoint: sim.endpoint,
      credentials: member.credentials,
      maxAttempts: 1,
    });
    const provider = createScannerRoleCredentials({
      sts: fromMember.sts(),
      roleArn: SCANNER_ARN,
      externalId: 'scan-ext-01',
      sessionName: 'chained',
    });
    await expect(provider()).rejects.toMatchObject({ kind: 'denied', code: 'AccessDenied' });
  });
});
