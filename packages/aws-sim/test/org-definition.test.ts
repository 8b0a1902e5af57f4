import { describe, expect, it } from 'vitest';
import { ACCOUNT_CONDITIONS, PASSWORD_POLICIES, ROOT_POSTURES, SECURITY_CONTACTS } from '../src/generate';
import { generateOrg, OrgDefinitionError } from '../src/index';
import { parseOrgDefinition } from '../src/org-definition';
import { fixtureDefinition } from './fixture';

function errorOf(input: unknown): OrgDefinitionError {
  try {
    parseOrgDefinition(input);
  } catch (err) {
    if (err instanceof OrgDefinitionError) return err;
    throw err;
  }
  throw new Error('expected parseOrgDefinition to throw');
}

describe('parseOrgDefinition', () => {
  it('keeps the documented format as is', () => {
    const raw = fixtureDefinition();
    const def = parseOrgDefinition(raw);
    expect(def.organization).toEqual(raw.organization);
    expect(def.caller).toEqual(raw.caller);
    expect(def.auditRole).toEqual(raw.auditRole);
    expect(def.organizationalUnits).toEqual(raw.organizationalUnits);
    // As is, plus the stable ids derived for root keys and certificates that had none.
    expect(def.accounts[1]).toMatchObject((raw.accounts as object[])[1]!);
    expect(def.accounts[1]!.root.accessKeys.map((k) => k.id)).toEqual([
      expect.stringMatching(/^AKIA[A-Z2-7]{16}$/),
      expect.stringMatching(/^AKIA[A-Z2-7]{16}$/),
    ]);
    expect(def.throttle).toEqual({ 'sts:AssumeRole': 0, iam: 0, organizations: 0 });
    expect(parseOrgDefinition(JSON.parse(JSON.stringify(def)))).toEqual(def);
  });

  it('fills defaults for a minimal definition', () => {
    const def = parseOrgDefinition({ accounts: [{ id: '222222222222' }] });
    expect(def.caller).toEqual({ accessKeyId: 'AKIAROOTWATCHSIM0001', secretAccessKey: 'simulator-secret' });
    expect(def.auditRole).toEqual({ name: 'RootwatchAudit', externalId: null });
    expect(def.accounts[0]).toMatchObject({
      id: '222222222222',
      state: 'ACTIVE',
      parentId: 'r-a1b2',
      auditRole: true,
      root: { password: true, mfa: 'none', accessKeys: [], signingCertificates: [] },
      passwordPolicy: null,
      securityContact: null,
    });
  });

  it.each([
    [
      (d: Record<string, unknown>) => ((d.accounts as Record<string, unknown>[])[3]!.root = { mfa: 'yes' }),
      'accounts[3].root.mfa: expected "none" | "virtual" | "hardware" | "passkey", got "yes"',
    ],
    [(d: Record<string, unknown>) => (d.accounts = {}), 'accounts: expected an array, got an object'],
    [
      (d: Record<string, unknown>) => ((d.accounts as Record<string, unknown>[])[0]!.id = 12),
      'accounts[0].id: expected a 12-digit account id string, got 12',
    ],
    [
      (d: Record<string, unknown>) =>
        ((d.accounts as Record<string, unknown>[])[2]!.parentId = 'ou-a1b2-missing0'),
      'accounts[2].parentId: expected the root id "r-a1b2" or an organizational unit id, got "ou-a1b2-missing0"',
    ],
    [
      (d: Record<string, unknown>) => ((d.accounts as Record<string, unknown>[])[4]!.id = '111111111111'),
      'accounts[4].id: expected a unique account id, got "111111111111"',
    ],
    [
      (d: Record<string, unknown>) =>
        ((d.accounts as Record<string, { accessKeys?: unknown }>[])[1]!.root = {
          accessKeys: [{ active: 'yes' }],
        }),
      'accounts[1].root.accessKeys[0].active: expected true | false, got "yes"',
    ],
    [
      (d: Record<string, unknown>) =>
        ((d.accounts as Record<string, unknown>[])[5]!.faults = { assumeRole: 'Nope' }),
      'accounts[5].faults.assumeRole: expected "AccessDenied" | "RegionDisabled" | "Throttling", got "Nope"',
    ],
    [
      (d: Record<string, unknown>) => ((d.accounts as Record<string, unknown>[])[0]!.joinedAt = 'yesterday'),
      'accounts[0].joinedAt: expected an ISO-8601 timestamp string, got "yesterday"',
    ],
    [
      (d: Record<string, unknown>) =>
        (d.policies = [{ id: 'p-denyroot01', name: 'x', targets: ['r-zzzz'], document: {} }]),
      'policies[0].targets[0]: expected the root id, an organizational unit id or an account id of this organization, got "r-zzzz"',
    ],
    [
      (d: Record<string, unknown>) => (d.faults = { throttleRate: 2 }),
      'faults.throttleRate: expected a number from 0 to 1, got 2',
    ],
    [
      (d: Record<string, unknown>) => (d.throttle = { 'sts:AssumeRole': -1 }),
      'throttle["sts:AssumeRole"]: expected a number from 0 to 1000000, got -1',
    ],
    [
      (d: Record<string, unknown>) => (d.generate = { accounts: 'many' }),
      'generate.accounts: expected an integer from 0 to 100000, got "many"',
    ],
  ])('names the JSON path and the expectation (%#)', (mutate, message) => {
    const raw = fixtureDefinition();
    mutate(raw);
    const err = errorOf(raw);
    expect(err.code).toBe('org_definition_invalid');
    expect(err.message).toBe(message);
  });

  it('rejects non-objects', () => {
    expect(errorOf(null).message).toBe('(definition): expected an object, got null');
    expect(errorOf([]).message).toBe('(definition): expected an object, got an array');
  });

  it('expands generate next to hand-written accounts without duplicating the management account', () => {
    const raw: Record<string, unknown> = { ...fixtureDefinition(), generate: { accounts: 100, seed: 3 } };
    const def = parseOrgDefinition(raw);
    expect(def.accounts).toHaveLength((raw.accounts as unknown[]).length + 99);
    expect(new Set(def.accounts.map((a) => a.id)).size).toBe(def.accounts.length);
    expect(def.accounts.filter((a) => a.id === '111111111111')).toHaveLength(1);
    expect('generate' in def).toBe(false);
  });
});

describe('generateOrg', () => {
  const reference = Date.parse('2026-11-28T00:00:00Z');

  it('is deterministic for a seed and differs across seeds', () => {
    const a = generateOrg({ accounts: 300, seed: 42, referenceTime: reference });
    const b = generateOrg({ accounts: 300, seed: 42, referenceTime: reference });
    const c = generateOrg({ accounts: 300, seed: 43, referenceTime: reference });
    expect(a).toEqual(b);
    expect(c.accounts.map((x) => x.id)).not.toEqual(a.accounts.map((x) => x.id));
  });

  it('produces a valid definition with OUs several levels deep', () => {
    const def = generateOrg({ accounts: 1000, seed: 1, referenceTime: reference });
    expect(parseOrgDefinition(JSON.parse(JSON.stringify(def)))).toEqual(def);
    const parentOf = new Map(def.organizationalUnits.map((o) => [o.id, o.parentId]));
    const depth = (id: string): number => (parentOf.has(id) ? 1 + depth(parentOf.get(id)!) : 0);
    expect(Math.max(...def.accounts.map((a) => depth(a.parentId)))).toBe(3);
    expect(def.accounts[0]!.id).toBe(def.organization.managementAccountId);
    expect(new Set(def.accounts.map((a) => a.name)).size).toBe(1000);
    expect(def.accounts.every((a) => Object.keys(a.tags).length >= 2)).toBe(true);
  });

  it('spreads postures exactly as documented', () => {
    const n = 10_000;
    const def = generateOrg({ accounts: n, seed: 9, referenceTime: reference });
    const members = def.accounts.slice(1);
    const share = (pred: (a: (typeof members)[number]) => boolean) => members.filter(pred).length / (n - 1);
    const shareOf = (table: readonly (readonly [string, number])[], name: string) =>
      table.find(([k]) => k === name)![1];
    const near = (actual: number, expected: number) =>
      expect(Math.abs(actual - expected)).toBeLessThan(0.0002);
    near(
      share((a) => !a.root.password && a.root.mfa === 'none'),
      shareOf(ROOT_POSTURES, 'credentials-removed') +
        shareOf(ROOT_POSTURES, 'credentials-removed-no-password-flag'),
    );
    near(
      share((a) => a.root.summaryOmits?.includes('AccountPasswordPresent') === true),
      shareOf(ROOT_POSTURES, 'credentials-removed-no-password-flag'),
    );
    near(
      share((a) => a.root.mfa === 'passkey'),
      shareOf(ROOT_POSTURES, 'passkey-mfa'),
    );
    near(
      share((a) => a.root.mfa === 'virtual'),
      shareOf(ROOT_POSTURES, 'virtual-mfa'),
    );
    near(
      share((a) => a.root.password && a.root.mfa === 'none'),
      shareOf(ROOT_POSTURES, 'no-mfa') + shareOf(ROOT_POSTURES, 'no-mfa-and-access-key'),
    );
    near(
      share((a) => a.root.signingCertificates.length > 0),
      shareOf(ROOT_POSTURES, 'signing-certificate'),
    );
    const recent = reference - 15 * 86_400_000;
    near(
      share((a) => a.root.passwordLastUsed !== null && Date.parse(a.root.passwordLastUsed) > recent),
      shareOf(ROOT_POSTURES, 'recent-root-use'),
    );
    near(
      share((a) => a.passwordPolicy === null),
      shareOf(PASSWORD_POLICIES, 'none'),
    );
    near(
      share((a) => a.securityContact === null),
      shareOf(SECURITY_CONTACTS, 'missing'),
    );
    near(
      share((a) => !a.auditRole),
      shareOf(ACCOUNT_CONDITIONS, 'audit-role-missing'),
    );
    near(
      share((a) => a.state === 'SUSPENDED'),
      shareOf(ACCOUNT_CONDITIONS, 'suspended'),
    );
  });
});
