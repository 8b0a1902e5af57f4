import type { OrgDefinition, SimAccount } from '@rootwatch/aws-sim';

export interface DriftChange {
  accountId: string;
  /** What the demo prints. */
  description: string;
  /** Body of `PATCH /_sim/accounts/{id}` (deep-merged by the simulator). */
  patch: Record<string, unknown>;
  /**
   * Body of `POST /_sim/accounts/{id}/root-activity`, sent after the patch: the CloudTrail event reaches the
   * events consumer through SQS within seconds, and the simulator moves the root's last use for the rescan.
   */
  rootActivity?: Record<string, unknown>;
}

type Breakage = {
  description: string;
  patch: (account: SimAccount, now: string) => Record<string, unknown>;
  rootActivity?: (account: SimAccount, now: string) => Record<string, unknown>;
};

// Each kind produces a different drift event: a control regression, root activity, a credential change, lost coverage.
const BREAKAGES: readonly Breakage[] = [
  { description: 'root MFA removed', patch: () => ({ root: { mfa: 'none', password: true } }) },
  {
    description: 'root access key created',
    patch: (a, now) => ({
      root: { accessKeys: [...a.root.accessKeys, { active: true, lastUsed: null, lastRotated: now }] },
    }),
  },
  {
    description: 'root user signed in',
    patch: () => ({ root: { password: true } }),
    rootActivity: (a, now) => ({
      kind: 'console_login',
      at: now,
      sourceIp: `203.0.113.${Number(a.id.slice(-2)) + 1}`,
      mfaUsed: a.root.mfa !== 'none',
    }),
  },
  { description: 'security contact deleted', patch: () => ({ securityContact: null }) },
  { description: 'audit role deleted', patch: () => ({ auditRole: false }) },
];

/**
 * The demo's drift for one round: `count` ACTIVE member accounts, chosen deterministically from the
 * seed and the round, each broken in one way; the accounts broken in the previous round are restored
 * to their original state so findings also resolve.
 */
export function planDrift({
  original,
  seed,
  round,
  count,
  now,
}: {
  original: OrgDefinition;
  seed: number;
  round: number;
  count: number;
  now: Date;
}): { breaks: DriftChange[]; restores: DriftChange[] } {
  const candidates = original.accounts
    .filter((a) => a.state === 'ACTIVE' && a.auditRole && a.id !== original.organization.managementAccountId)
    .sort((a, b) => a.id.localeCompare(b.id));
  const pick = (r: number) => {
    const rng = mulberry32((seed * 7919 + r * 104729) >>> 0);
    const chosen = new Set<SimAccount>();
    while (chosen.size < Math.min(count, candidates.length)) {
      chosen.add(candidates[Math.floor(rng() * candidates.length)]!);
    }
    return [...chosen];
  };
  const iso = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const breaks = pick(round).map((account, i): DriftChange => {
    const breakage = BREAKAGES[(round * count + i) % BREAKAGES.length]!;
    return {
      accountId: account.id,
      description: breakage.description,
      patch: breakage.patch(account, iso),
      ...(breakage.rootActivity ? { rootActivity: breakage.rootActivity(account, iso) } : {}),
    };
  });
  const broken = new Set(breaks.map((b) => b.accountId));
  const restores =
    round === 0
      ? []
      : pick(round - 1)
          .filter((a) => !broken.has(a.id))
          .map(
            (account): DriftChange => ({
              accountId: account.id,
              description: 'restored',
              patch: {
                root: account.root,
                securityContact: account.securityContact,
                auditRole: account.auditRole,
              },
            }),
          );
  return { breaks, restores };
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
