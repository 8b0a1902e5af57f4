import type { RootwatchConfig } from '@rootwatch/config';
import {
  DEFAULT_REMEDIATION_CONTROLS,
  PLAN_TTL_MS,
  type PlanCandidate,
  type PlannedAccount,
  planAccount,
  REMEDIATION_CONTROLS,
  RootwatchError,
} from '@rootwatch/core';
import { createRepositories, type Db, type RemediationPlan } from '@rootwatch/db';

/** A refusal with a stable code and the HTTP status the API answers it with. */
export class RemediationError extends RootwatchError {
  declare readonly statusCode: number;
  constructor(statusCode: number, code: string, message: string, details?: unknown) {
    super({ code, message, statusCode, details });
    this.name = 'RemediationError';
  }
}

export type PlanRequest = {
  orgId?: string;
  accountIds?: string[];
  controls?: string[];
  ous?: string[];
  createdBy: string;
  createdByKeyId: string | null;
  now?: Date;
};

export type Refusal = { accountId: string; code: string; reason: string };

export const REMEDIABLE_CONTROLS = Object.keys(REMEDIATION_CONTROLS);

/**
 * Builds a plan from what is stored (the last observed posture of each account): nothing in AWS is read or
 * changed. Accounts that cannot be planned are refused one by one with a reason; when none can, nothing is
 * stored and the refusals are the answer.
 */
export async function planRemediation(
  { db, config }: { db: Db; config: Pick<RootwatchConfig, 'organizations'> },
  request: PlanRequest,
): Promise<{ plan: RemediationPlan; refused: Refusal[] }> {
  const repos = createRepositories({ db });
  const controls = [...new Set(request.controls?.length ? request.controls : DEFAULT_REMEDIATION_CONTROLS)];
  const unknown = controls.filter((c) => !REMEDIABLE_CONTROLS.includes(c));
  if (unknown.length > 0) {
    throw new RemediationError(
      400,
      'invalid_control',
      `not a remediable control: ${unknown.join(', ')} (remediable: ${REMEDIABLE_CONTROLS.join(', ')})`,
    );
  }
  const configured = config.organizations.map((o) => o.id);
  let orgId = request.orgId;
  if (orgId === undefined) {
    if (configured.length !== 1) {
      throw new RemediationError(
        400,
        'org_required',
        `choose an organization (org): ${configured.join(', ')}`,
      );
    }
    orgId = configured[0]!;
  } else if (!configured.includes(orgId)) {
    throw new RemediationError(404, 'not_found', `organization ${orgId} not found`);
  }
  const org = await repos.organizations.get({ id: orgId });
  if (!org) throw new RemediationError(409, 'not_scanned', `organization ${orgId} has not been scanned yet`);

  const accountIds = [...new Set(request.accountIds ?? [])];
  const rows =
    accountIds.length > 0
      ? await repos.remediations.candidatesById({ accountIds })
      : await repos.remediations.candidatesFailing({ orgId, controls, ous: request.ous });
  const byId = new Map(rows.map((r) => [r.accountId, r]));
  const ids = accountIds.length > 0 ? accountIds : rows.map((r) => r.accountId);
  const ous = new Set(request.ous ?? []);

  const planned: PlannedAccount[] = [];
  const refused: Refusal[] = [];
  for (const accountId of ids) {
    const row = byId.get(accountId);
    const candidate: PlanCandidate = {
      accountId,
      account: row ? { name: row.name, orgId: row.orgId, state: row.state, removed: row.removed } : null,
      posture:
        row?.postureVersionId != null && row.facts && row.lastObservedAt
          ? {
              versionId: row.postureVersionId,
              lastObservedAt: row.lastObservedAt.toISOString(),
              facts: row.facts,
            }
          : null,
    };
    const decision = planAccount(candidate, {
      orgId,
      managementAccountId: org.managementAccountId,
      controls,
    });
    if (decision.ok) planned.push(decision.account);
    else refused.push({ accountId: decision.accountId, code: decision.code, reason: decision.reason });
  }
  if (planned.length === 0) {
    const why =
      refused.length === 0
        ? ous.size > 0
          ? `no account under ${[...ous].join(', ')} fails ${controls.join(', ')}`
          : `no account of ${orgId} fails ${controls.join(', ')}`
        : refused.map((r) => r.reason).join('; ');
    throw new RemediationError(400, 'nothing_to_remediate', `nothing to remediate: ${why}`, refused);
  }
  const now = request.now ?? new Date();
  const plan = await repos.remediations.createPlan({
    orgId,
    createdBy: request.createdBy,
    createdByKeyId: request.createdByKeyId,
    selection: {
      controls,
      ...(accountIds.length > 0 ? { accounts: accountIds } : {}),
      ...(ous.size > 0 ? { ous: [...ous] } : {}),
    },
    accounts: planned,
    refused,
    createdAt: now,
    expiresAt: new Date(now.getTime() + PLAN_TTL_MS),
  });
  return { plan, refused };
}

/**
 * Approves and claims a plan for apply. The approver must be another key than the planner (403), and the
 * plan still planned (409 already applied) and not expired (409).
 */
export async function claimPlan(
  { db }: { db: Db },
  {
    planId,
    approvedBy,
    approvedByKeyId,
    now,
  }: {
    planId: string;
    approvedBy: string;
    approvedByKeyId: string | null;
    now?: Date;
  },
): Promise<RemediationPlan> {
  const repos = createRepositories({ db });
  const result = await repos.remediations.claim({ id: planId, approvedBy, approvedByKeyId, now });
  if (result.ok) return result.plan;
  switch (result.refusal) {
    case 'not_found':
      throw new RemediationError(404, 'not_found', `remediation plan ${planId} not found`);
    case 'self_approval':
      throw new RemediationError(
        403,
        'self_approval',
        `the plan was made by ${result.plan?.createdBy}; another API key must approve and apply it (two-person rule)`,
      );
    case 'expired':
      throw new RemediationError(
        409,
        'plan_expired',
        `the plan expired at ${result.plan?.expiresAt.toISOString()}; make a new plan from the current posture`,
      );
    case 'already_applied':
      throw new RemediationError(
        409,
        'plan_already_applied',
        `the plan is ${result.plan?.status} (approved by ${result.plan?.approvedBy ?? 'someone'}); a plan is applied once`,
      );
  }
}
