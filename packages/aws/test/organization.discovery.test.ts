import { generateOrg, type OrgDefinition, type RunningSimulator } from '@rootwatch/aws-sim';
import { evaluateControls } from '@rootwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assumeAuditRole } from '../src/assume-role';
import { createAwsClientFactory } from '../src/clients';
import { AwsAccessError } from '../src/errors';
import { discoverOrganization } from '../src/organization.discovery';
import { assessMemberAccount } from '../src/posture.collector';
import {
  CARDS,
  EXTERNAL_ID,
  factoryFor,
  IAM_DENIED,
  MGMT,
  OU_CARDS,
  OU_PAYMENTS,
  OU_PROD,
  ROLE,
  ROOT_ID,
  SUSPENDED,
  startSim,
  VIRTUAL,
} from './sim-org';

/** What discovery must find, computed independently from the simulator's own definition. */
function expectedFromDefinition(def: OrgDefinition) {
  const ouById = new Map(def.organizationalUnits.map((o) => [o.id, o]));
  const pathTo = (parentId: string): string[] => {
    const chain: string[] = [];
    for (let id: string | undefined = parentId; id; id = ouById.get(id)?.parentId) chain.unshift(id);
    return chain;
  };
  // AWS-managed FullAWSAccess (Allow *, attached everywhere) is not read: it never adds a guardrail.
  const attached = (target: string) =>
    def.organization.scpEnabled
      ? def.policies.filter((p) => p.id !== 'p-FullAWSAccess' && p.targets.includes(target)).map((p) => p.id)
      : [];
  return new Map(
    def.accounts.map((a) => {
      const path = pathTo(a.parentId);
      const scps = [...path, a.id].flatMap((t) => attached(t).map((id) => `${id}@${t}`)).sort();
      const contact = a.faults?.contact ? 'unknown' : a.securityContact ? 'present' : 'absent';
      return [a.id, { path, scps, contact, state: a.state, tags: a.tags, name: a.name, email: a.email }];
    }),
  );
}

describe('organization discovery against the simulator', () => {
  describe('hand-written organization', () => {
    let sim: RunningSimulator;
    let result: Awaited<ReturnType<typeof discoverOrganization>>;
    beforeAll(async () => {
      sim = await startSim();
      const clients = factoryFor(sim);
      result = await discoverOrganization({ clients });
      clients.destroy();
    });
    afterAll(() => sim.stop());

    it('reads the organization, its features and SCP status', () => {
      expect(result.org).toMatchObject({
        id: 'o-a1b2c3d4e5',
        managementAccountId: MGMT,
        partition: 'aws',
        rootId: ROOT_ID,
        scpEnabled: true,
        features: { known: true, enabled: ['RootCredentialsManagement', 'RootSessions'] },
      });
    });

    it('gives each account its OU path from the root, tags, state and management flag', () => {
      const cards = result.accounts.find((a) => a.id === CARDS)!;
      expect(cards.ouPath).toEqual([
        { id: ROOT_ID, name: 'Root' },
        { id: OU_PROD, name: 'Prod' },
        { id: OU_PAYMENTS, name: 'Payments' },
        { id: OU_CARDS, name: 'Cards' },
      ]);
      expect(cards.tags).toEqual({ owner: 'payments', env: 'prod' });
      expect(cards.joinedAt).toBe('2021-03-04T05:06:07.000Z');
      expect(result.accounts.find((a) => a.id === SUSPENDED)?.state).toBe('SUSPENDED');
      expect(result.accounts.filter((a) => a.isManagementAccount).map((a) => a.id)).toEqual([MGMT]);
    });

    it('computes effective SCPs: a root-deny on an OU three levels up protects the account', () => {
      const cards = result.accounts.find((a) => a.id === CARDS)!;
      expect(
        cards.effectiveScps.known &&
          cards.effectiveScps.policies.map((p) => `${p.name}@${p.targetId}`).sort(),
      ).toEqual([`DenyRootUser@${OU_PROD}`]);
      const virtual = result.accounts.find((a) => a.id === VIRTUAL)!;
      expect(virtual.effectiveScps.known && virtual.effectiveScps.policies.map((p) => p.name)).toContain(
        'DenyS3Delete',
      );
    });

    it('feeds org.root-guardrail: PASS under the deny, FAIL with FullAWSAccess + an unrelated deny, N/A for management', async () => {
      const clients = factoryFor(sim);
      const guardrail = async (id: string) => {
        const posture = await assessMemberAccount({
          clients,
          accountId: id,
          partition: result.org.partition,
          roleName: ROLE,
          externalId: EXTERNAL_ID,
          sessionName: 'rootwatch-guardrail',
        });
        const account = result.accounts.find((a) => a.id === id)!;
        return evaluateControls(posture, account, result.org, { usageWindowDays: 90, now: new Date() }).find(
          (r) => r.controlId === 'org.root-guardrail',
        );
      };
      try {
        expect(await guardrail(CARDS)).toMatchObject({ status: 'PASS' });
        expect((await guardrail(CARDS))?.reason).toContain(OU_PROD);
        expect(await guardrail(VIRTUAL)).toMatchObject({ status: 'FAIL' });
        expect(await guardrail(MGMT)).toMatchObject({ status: 'NOT_APPLICABLE' });
      } finally {
        clients.destroy();
      }
    });

    it('reads SECURITY contacts: present, absent (ResourceNotFound), unknown (AccessDenied)', () => {
      const contact = (id: string) => result.accounts.find((a) => a.id === id)?.securityContact;
      expect(contact(CARDS)).toMatchObject({ status: 'present', email: 'sec@example.com' });
      expect(contact(MGMT)).toMatchObject({ status: 'present' });
      expect(contact(VIRTUAL)).toEqual({ status: 'absent' });
      expect(contact(IAM_DENIED)).toEqual({ status: 'unknown', reason: 'AccessDeniedException' });
      expect(result.warnings).toContainEqual(
        expect.objectContaining({ target: IAM_DENIED, code: 'AccessDeniedException' }),
      );
    });

    it('run from a member account: a structural read is refused with an error that says what to grant', async () => {
      const scanner = factoryFor(sim);
      const assumed = await assumeAuditRole({
        clients: scanner,
        accountId: CARDS,
        partition: 'aws',
        roleName: ROLE,
        externalId: EXTERNAL_ID,
        sessionName: 'rootwatch-discovery',
      });
      scanner.destroy();
      if (!assumed.ok) throw new Error(assumed.error.message);
      const member = createAwsClientFactory({
        region: sim.region,
        endpoint: sim.endpoint,
        credentials: assumed.credentials,
        maxAttempts: 1,
      });
      try {
        const err = await discoverOrganization({ clients: member }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(AwsAccessError);
        expect(err).toMatchObject({ kind: 'denied', code: 'AccessDeniedException', retryable: false });
        expect((err as AwsAccessError).message).toMatch(
          /^organizations:ListRoots failed: AccessDeniedException — grant organizations:ListRoots to the identity Rootwatch runs as/,
        );
      } finally {
        member.destroy();
      }
    });
  });

  describe('generated organization (150 accounts)', () => {
    let sim: RunningSimulator;
    beforeAll(async () => {
      sim = await startSim(generateOrg({ accounts: 150, seed: 11 }));
    });
    afterAll(() => sim.stop());

    it('discovers every account completely, paginating, reading SCPs per policy, not per target', async () => {
      const def = sim.definition();
      const expected = expectedFromDefinition(def);
      sim.resetStats();
      const clients = factoryFor(sim, { maxAttempts: 3 });
      const result = await discoverOrganization({ clients, concurrency: 8 });
      clients.destroy();
      const stats = sim.stats();
      console.info(
        `discovery of ${def.accounts.length} accounts: ${stats.requests} calls (${(stats.requests / def.accounts.length).toFixed(2)} per account)`,
        stats.byOperation,
      );

      expect(result.accounts.map((a) => a.id).sort()).toEqual(def.accounts.map((a) => a.id).sort());
      expect(result.warnings.filter((w) => w.code !== 'AccessDeniedException')).toEqual([]);
      for (const account of result.accounts) {
        const want = expected.get(account.id)!;
        expect({ id: account.id, path: account.ouPath.map((o) => o.id) }).toEqual({
          id: account.id,
          path: want.path,
        });
        expect(account.tags).toEqual(want.tags);
        expect(account.state).toBe(want.state);
        expect(account.name).toBe(want.name);
        expect(account.securityContact.status).toBe(want.contact);
        expect(account.effectiveScps.known).toBe(true);
        if (account.effectiveScps.known) {
          expect(account.effectiveScps.policies.map((p) => `${p.id}@${p.targetId}`).sort()).toEqual(
            want.scps,
          );
        }
      }
      expect(new Set(result.organizationalUnits.map((o) => o.id))).toEqual(
        new Set(def.organizationalUnits.map((o) => o.id)),
      );
      expect(Math.max(...result.organizationalUnits.map((o) => o.path.length))).toBeGreaterThanOrEqual(3);

      const distinctPolicies = new Set(
        [...expected.values()].flatMap((e) => e.scps.map((s) => s.split('@')[0])),
      );
      const customerPolicies = def.policies.filter((p) => p.id !== 'p-FullAWSAccess').length;
      expect(distinctPolicies.size).toBeLessThanOrEqual(customerPolicies);
      expect(stats.byOperation['organizations:DescribePolicy']).toBe(customerPolicies);
      expect(stats.byOperation['organizations:ListTargetsForPolicy']).toBe(customerPolicies);
      expect(stats.byOperation['organizations:ListPolicies']).toBe(1);
      expect(stats.byOperation['organizations:ListPoliciesForTarget'] ?? 0).toBe(0);
      expect(stats.byOperation['organizations:ListAccounts'] ?? 0).toBe(0);
      expect(stats.byOperation['organizations:ListTagsForResource']).toBe(def.accounts.length);
    });
  });
});
