import type { ParentPolicies } from '@rootwatch/aws';
import type { AccountContext, EffectivePolicy } from '@rootwatch/core';
import type { Redis } from 'ioredis';

/** The org-side facts of one account that discovery reads and the account job evaluates. */
export type OrgSideFacts = Pick<AccountContext, 'effectiveScps' | 'securityContact'>;

/**
 * Hands discovery's per-account org-side facts (effective SCPs, security contact) from the
 * scan.start job to the scan.account jobs, which may run in other processes. Job payloads stay
 * ids only; these are facts about the organization, never credentials.
 */
export interface DiscoveryStore {
  /** `accounts`: those discovery read in full; `parents`: the root's and OUs' SCPs, for the others. */
  save(runId: string, accounts: readonly AccountContext[], parents?: ParentPolicies): Promise<void>;
  load(runId: string, accountId: string): Promise<OrgSideFacts | null>;
  /** The root's and OUs' SCPs of the run, for an account job that reads its own org-side facts. */
  loadParents(runId: string): Promise<ParentPolicies | null>;
  /** False when the run's facts are gone (never saved here, expired, or Redis lost them). */
  has(runId: string): Promise<boolean>;
}

type StoredAccount = {
  scps: { known: true; refs: [policyId: string, targetId: string][] } | { known: false; reason: string };
  contact: AccountContext['securityContact'];
};

/** Policies are stored once by id; each account keeps (policy, target) references — SCP documents are large. */
function compact(accounts: readonly AccountContext[]) {
  const policies = new Map<string, { id: string; name: string; document: unknown }>();
  const perAccount = new Map<string, StoredAccount>();
  for (const account of accounts) {
    let scps: StoredAccount['scps'];
    if (account.effectiveScps.known) {
      const refs: [string, string][] = [];
      for (const p of account.effectiveScps.policies) {
        policies.set(p.id, { id: p.id, name: p.name, document: p.document });
        refs.push([p.id, p.targetId]);
      }
      scps = { known: true, refs };
    } else {
      scps = { known: false, reason: account.effectiveScps.reason };
    }
    perAccount.set(account.id, { scps, contact: account.securityContact });
  }
  return { policies, perAccount };
}

function expand(
  stored: StoredAccount,
  policy: (id: string) => { id: string; name: string; document: unknown } | undefined,
): OrgSideFacts | null {
  if (!stored.scps.known) {
    return { effectiveScps: { known: false, reason: stored.scps.reason }, securityContact: stored.contact };
  }
  const policies: EffectivePolicy[] = [];
  for (const [id, targetId] of stored.scps.refs) {
    const p = policy(id);
    if (!p) return null;
    policies.push({ ...p, targetId });
  }
  return { effectiveScps: { known: true, policies }, securityContact: stored.contact };
}

/** In-process store: the inline dispatcher (one process) and tests. Keeps the latest few runs. */
export function createMemoryDiscoveryStore({ keepRuns = 4 }: { keepRuns?: number } = {}): DiscoveryStore {
  const runs = new Map<string, ReturnType<typeof compact> & { parents: ParentPolicies | null }>();
  return {
    async save(runId, accounts, parents) {
      runs.set(runId, { ...compact(accounts), parents: parents ?? null });
      while (runs.size > keepRuns) runs.delete(runs.keys().next().value!);
    },
    async load(runId, accountId) {
      const run = runs.get(runId);
      const stored = run?.perAccount.get(accountId);
      return run && stored ? expand(stored, (id) => run.policies.get(id)) : null;
    },
    loadParents: async (runId) => runs.get(runId)?.parents ?? null,
    has: async (runId) => runs.has(runId),
  };
}

// Long enough for any run to finish; the key then expires by itself.
const TTL_SECONDS = 3 * 24 * 3600;

/** Redis hash per run, shared by every worker replica; a small per-process cache of policies. */
export function createRedisDiscoveryStore({
  redis,
  prefix = 'rootwatch',
}: {
  redis: Redis;
  prefix?: string;
}): DiscoveryStore {
  const key = (runId: string) => `${prefix}:discovery:${runId}`;
  const policyCache = new Map<string, { id: string; name: string; document: unknown } | undefined>();
  const parentsCache = new Map<string, ParentPolicies | null>();
  return {
    async save(runId, accounts, parents) {
      const { policies, perAccount } = compact(accounts);
      // Present even when empty: its field is what `has` finds for a run whose accounts were all deferred.
      const fields: string[] = ['parents', JSON.stringify(parents ?? null)];
      for (const [id, p] of policies) fields.push(`p:${id}`, JSON.stringify(p));
      for (const [id, a] of perAccount) fields.push(`a:${id}`, JSON.stringify(a));
      for (let i = 0; i < fields.length; i += 2000) {
        await redis.hset(key(runId), ...fields.slice(i, i + 2000));
      }
      await redis.expire(key(runId), TTL_SECONDS);
    },
    has: async (runId) => (await redis.exists(key(runId))) === 1,
    async loadParents(runId) {
      if (!parentsCache.has(runId)) {
        const raw = await redis.hget(key(runId), 'parents');
        if (raw === null) return null;
        if (parentsCache.size >= 4) parentsCache.delete(parentsCache.keys().next().value!);
        parentsCache.set(runId, JSON.parse(raw) as ParentPolicies | null);
      }
      return parentsCache.get(runId) ?? null;
    },
    async load(runId, accountId) {
      const raw = await redis.hget(key(runId), `a:${accountId}`);
      if (!raw) return null;
      const stored = JSON.parse(raw) as StoredAccount;
      const missing = stored.scps.known
        ? stored.scps.refs.map(([id]) => id).filter((id) => !policyCache.has(`${runId}/${id}`))
        : [];
      if (missing.length > 0) {
        const values = await redis.hmget(key(runId), ...missing.map((id) => `p:${id}`));
        missing.forEach((id, i) => {
          const v = values[i];
          policyCache.set(`${runId}/${id}`, v ? JSON.parse(v) : undefined);
        });
        if (policyCache.size > 5000) policyCache.clear();
      }
      return expand(stored, (id) => policyCache.get(`${runId}/${id}`));
    },
  };
}
