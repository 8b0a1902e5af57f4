import { describe, expect, it } from 'vitest';
import {
  credentialTypesOf,
  decideApply,
  inventoryFromFacts,
  type PlanCandidate,
  planAccount,
  type RootCredentialInventory,
} from '../src/remediation';

const ORG = 'o-abc';
const MGMT = '111111111111';
const MEMBER = '222222222222';

// The facts a root-session scan stores (packages/core facts.ts rootSessionFacts), trimmed to what plans read.
const rootSessionFacts = (over: Record<string, unknown> = {}) => ({
  access: { path: 'root-session' },
  password: { present: true, presentFrom: 'GetLoginProfile' },
  accessKeys: { present: true, slots: [{ slot: 1, present: true, active: true, id: 'AKIAKEY1' }] },
  certificates: { present: false, slots: [] },
  mfa: { serials: ['arn:aws:iam::222222222222:mfa/root-account-mfa-device'] },
  ...over,
});

const candidate = (over: Partial<PlanCandidate> = {}): PlanCandidate => ({
  accountId: MEMBER,
  account: { name: 'member', orgId: ORG, state: 'ACTIVE', removed: false },
  posture: { versionId: 7, lastObservedAt: '2026-12-01T00:00:00.000Z', facts: rootSessionFacts() },
  ...over,
});
const plan = (c: PlanCandidate, controls = ['root.access-keys']) =>
  planAccount(c, { orgId: ORG, managementAccountId: MGMT, controls });

describe('planAccount', () => {
  it.each([
    ['an account outside the organization', candidate({ account: null }), 'not_in_organization'],
    [
      'an account of another organization',
      candidate({ account: { name: 'x', orgId: 'o-other', state: 'ACTIVE', removed: false } }),
      'not_in_organization',
    ],
    [
      'an account that left',
      candidate({ account: { name: 'x', orgId: ORG, state: 'ACTIVE', removed: true } }),
      'not_in_organization',
    ],
    ['the management account', candidate({ accountId: MGMT }), 'management_account'],
    [
      'a suspended account',
      candidate({ account: { name: 'x', orgId: ORG, state: 'SUSPENDED', removed: false } }),
      'account_not_active',
    ],
    ['a never assessed account', candidate({ posture: null }), 'not_assessed'],
    [
      'a member-role observation (no key ids)',
      candidate({
        posture: {
          versionId: 1,
          lastObservedAt: '2026-12-01T00:00:00.000Z',
          facts: { accessKeys: { present: true, slots: [{ slot: 1, present: true }] } },
        },
      }),
      'credential_ids_unknown',
    ],
    [
      'an account without keys',
      candidate({
        posture: {
          versionId: 1,
          lastObservedAt: '2026-12-01T00:00:00.000Z',
          facts: rootSessionFacts({ accessKeys: { present: false, slots: [] } }),
        },
      }),
      'no_credentials',
    ],
  ])('refuses %s with a reason', (_what, c, code) => {
    const decision = plan(c);
    expect(decision).toMatchObject({ ok: false, code });
    expect(decision.ok ? '' : decision.reason).toContain(c.accountId);
  });

  it('names exactly the credentials of the selected controls, MFA last', () => {
    expect(plan(candidate())).toMatchObject({
      ok: true,
      account: { credentials: [{ type: 'access-key', id: 'AKIAKEY1', status: 'Active' }] },
    });
    const all = plan(candidate(), ['root.credentials-removed']);
    expect(all.ok && all.account.credentials.map((c) => c.type)).toEqual([
      'access-key',
      'login-profile',
      'mfa-device',
    ]);
  });
});

describe('decideApply', () => {
  const types = credentialTypesOf(['root.access-keys']);
  const inv = (keys: { id: string; status: string }[]): RootCredentialInventory => ({
    loginProfile: true,
    accessKeys: keys,
    certificates: [],
    mfaDevices: [],
  });
  const planned = [{ type: 'access-key' as const, id: 'AKIA1', status: 'Active' }];

  it('deletes the planned keys still there', () => {
    expect(decideApply(planned, inv([{ id: 'AKIA1', status: 'Active' }]), types)).toEqual({
      action: 'delete',
      delete: planned,
      alreadyGone: [],
    });
  });
  it('skips the account when a key was added after planning', () => {
    const d = decideApply(
      planned,
      inv([
        { id: 'AKIA1', status: 'Active' },
        { id: 'AKIA2', status: 'Active' },
      ]),
      types,
    );
    expect(d).toMatchObject({ action: 'skip', code: 'changed_since_plan' });
    expect(d.action === 'skip' && d.reason).toMatch(/AKIA2 is not in the plan/);
  });
  it('skips the account when a planned key changed status', () => {
    expect(decideApply(planned, inv([{ id: 'AKIA1', status: 'Inactive' }]), types)).toMatchObject({
      action: 'skip',
    });
  });
  it('does nothing when every planned key is already gone', () => {
    expect(decideApply(planned, inv([]), types)).toMatchObject({ action: 'skip', code: 'nothing_left' });
  });
  it('ignores credentials of types the plan does not remove', () => {
    const withPassword = { ...inv([{ id: 'AKIA1', status: 'Active' }]), mfaDevices: [{ serial: 'GAHT1' }] };
    expect(decideApply(planned, withPassword, types)).toMatchObject({ action: 'delete' });
  });
});

describe('inventoryFromFacts', () => {
  it('reads root-session facts and refuses member-role ones', () => {
    expect(inventoryFromFacts(rootSessionFacts())).toEqual({
      loginProfile: true,
      accessKeys: [{ id: 'AKIAKEY1', status: 'Active' }],
      certificates: [],
      mfaDevices: [{ serial: 'arn:aws:iam::222222222222:mfa/root-account-mfa-device' }],
    });
    expect(inventoryFromFacts(rootSessionFacts({ access: { path: 'member-role' } }))).toBeNull();
    // Root-session facts keep both slots; an absent one names no key.
    const twoSlots = rootSessionFacts({
      accessKeys: {
        present: true,
        slots: [
          { slot: 1, present: true, active: false, id: 'AKIAKEY1' },
          { slot: 2, present: false, active: false },
        ],
      },
    });
    expect(inventoryFromFacts(twoSlots)?.accessKeys).toEqual([{ id: 'AKIAKEY1', status: 'Inactive' }]);
  });
});
