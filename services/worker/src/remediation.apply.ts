import {
  type AwsClientFactory,
  assumeRootSession,
  createAwsClientFactory,
  createRootCredentialsSession,
  createScannerRoleCredentials,
  deletionCalls,
  partitionOfRegion,
  type RootCall,
  type RootCredentialsSession,
} from '@rootwatch/aws';
import type { OrgConfig, RootwatchConfig } from '@rootwatch/config';
import {
  controlsOfCredentialType,
  credentialId,
  credentialLabel,
  credentialTypesOf,
  DELETE_ROOT_TASK_POLICY,
  decideApply,
  type PlannedAccount,
  type PlannedCredential,
} from '@rootwatch/core';
import { createRepositories, type Db, type RemediationPlan, type ScanTrigger } from '@rootwatch/db';
import type { Logger } from 'pino';

export type AccountRemediationOutcome = 'remediated' | 'skipped' | 'failed' | 'already_done';

/** What the applier needs to start the rescan: the queue package's scan producer. */
export type RescanStarter = {
  startScan(input: {
    orgId: string;
    trigger: ScanTrigger;
    accountIds?: readonly string[];
    reuseActive?: boolean;
  }): Promise<{ id: string }>;
};

export interface RemediationApplierDeps {
  db: Db;
  config: Pick<RootwatchConfig, 'aws' | 'organizations'>;
  logger: Logger;
  /** Explicit scanner credentials (the simulator's caller); the SDK default chain otherwise. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Starts the rescan after the plan's accounts are done; without it no rescan is made (recorded so). */
  scans?: RescanStarter;
  /** How long finish() waits for an active scan to end, then for the rescan to finish (default 15 min). */
  rescanTimeoutMs?: number;
  rescanPollMs?: number;
  /** Backoff base of throttled root-session calls (tests: short). */
  throttleDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const TERMINAL_SCAN = new Set(['succeeded', 'partial', 'failed']);
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Applies an approved (claimed) plan one account at a time: AssumeRoot with IAMDeleteRootUserCredentials,
 * re-read the root's credentials, delete only the planned ones still there (skip the account if anything
 * changed), record every step, note it on the account's open findings; then finish(): rescan the org
 * through the normal pipeline and record each account's result. The callers pace accounts (the BullMQ
 * limiter in the worker, a sleep in the CLI); a retried account whose steps are recorded does nothing.
 */
export function createRemediationApplier(deps: RemediationApplierDeps) {
  const { db, config, logger } = deps;
  const sleep = deps.sleep ?? defaultSleep;
  const repos = createRepositories({ db });
  const factories = new Map<string, AwsClientFactory>();

  const clientsFor = (org: OrgConfig): AwsClientFactory => {
    let clients = factories.get(org.id);
    if (!clients) {
      const ambient = createAwsClientFactory({
        region: org.region,
        endpoint: config.aws.endpointUrl,
        ...(deps.credentials ? { credentials: deps.credentials } : {}),
      });
      // AssumeRoot is called by the management (or delegated-admin) identity: the org's discovery role.
      clients = org.discoveryRoleArn
        ? createAwsClientFactory({
            region: org.region,
            endpoint: config.aws.endpointUrl,
            credentials: createScannerRoleCredentials({
              sts: ambient.sts(org.region),
              roleArn: org.discoveryRoleArn,
              sessionName: `rootwatch-remediation-${org.id}`,
            }),
          })
        : ambient;
      factories.set(org.id, clients);
    }
    return clients;
  };

  async function noteFindings(
    plan: RemediationPlan,
    accountId: string,
    credentials: PlannedCredential[],
    remediation: Record<string, unknown>,
  ) {
    const controls = new Set<string>();
    for (const c of credentials)
      for (const control of controlsOfCredentialType(c.type, plan.selection.controls)) controls.add(control);
    return repos.remediations.noteOnFindings({
      accountId,
      controlIds: [...controls],
      remediation: { planId: plan.id, ...remediation },
    });
  }

  async function applyAccount({
    planId,
    accountId,
  }: {
    planId: string;
    accountId: string;
  }): Promise<AccountRemediationOutcome> {
    const log = logger.child({ planId, accountId, job: 'remediation.account' });
    const plan = await repos.remediations.get({ id: planId });
    if (plan?.status !== 'applying') {
      log.warn({ status: plan?.status ?? null }, 'plan is not being applied; account left alone');
      return 'already_done';
    }
    const actions = await repos.remediations.actions({ planId });
    if (actions.some((a) => a.accountId === accountId && a.kind === 'finished')) return 'already_done';
    const planned = (plan.accounts as PlannedAccount[]).find((a) => a.accountId === accountId);
    const actor = plan.approvedBy;
    const record = (a: Omit<Parameters<typeof repos.remediations.recordAction>[0], 'planId'>) =>
      repos.remediations.recordAction({ planId, accountId, actor, ...a });
    const done = async (outcome: AccountRemediationOutcome, reason: string) => {
      await record({ kind: 'finished', reason, detail: { outcome } });
      log.info({ outcome }, `remediation of account: ${reason}`);
      return outcome;
    };
    if (!planned) {
      // Never an account outside the plan (a forged or stale job).
      log.warn('account is not in the plan; left alone');
      return 'already_done';
    }
    const org = config.organizations.find((o) => o.id === plan.orgId);
    const orgRow = await repos.organizations.get({ id: plan.orgId });
    if (!org) {
      await record({ kind: 'failed', reason: `organization ${plan.orgId} is not configured here` });
      return done('failed', 'organization not configured');
    }
    if (orgRow?.managementAccountId === accountId) {
      await record({ kind: 'skipped', reason: 'management account: never remediated' });
      return done('skipped', 'management account');
    }

    const clients = clientsFor(org);
    const partition = partitionOfRegion(org.region);
    const session = await assumeRootSession({
      clients,
      accountId,
      partition,
      taskPolicy: DELETE_ROOT_TASK_POLICY,
    });
    if (!session.ok) {
      await record({
        kind: 'failed',
        reason: `sts:AssumeRoot (IAMDeleteRootUserCredentials) refused: ${session.error.code}`,
        detail: { kind: session.error.kind, code: session.error.code },
      });
      await noteFindings(plan, accountId, planned.credentials, {
        status: 'failed',
        reason: `AssumeRoot: ${session.error.code}`,
        at: new Date().toISOString(),
      });
      return done('failed', `AssumeRoot failed (${session.error.code})`);
    }
    const iam: RootCredentialsSession = createRootCredentialsSession({
      clients,
      credentials: session.credentials,
      ...(deps.throttleDelayMs !== undefined ? { baseDelayMs: deps.throttleDelayMs } : {}),
      sleep,
    });

    let current: Awaited<ReturnType<RootCredentialsSession['read']>>;
    try {
      current = await iam.read();
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'error';
      await record({ kind: 'failed', reason: `re-reading the root credentials failed: ${code}` });
      return done('failed', `re-read failed (${code})`);
    }
    const types = credentialTypesOf(plan.selection.controls);
    const decision = decideApply(planned.credentials, current, types);
    if (decision.action === 'skip') {
      await record({ kind: 'skipped', reason: decision.reason, detail: { code: decision.code } });
      await noteFindings(plan, accountId, planned.credentials, {
        status: 'skipped',
        reason: decision.reason,
        at: new Date().toISOString(),
      });
      return done('skipped', decision.reason);
    }
    for (const gone of decision.alreadyGone) {
      await record({
        kind: 'skipped',
        credentialType: gone.type,
        credentialId: credentialId(gone),
        reason: `${credentialLabel(gone)} was already gone`,
      });
    }
    const deleted: PlannedCredential[] = [];
    let failure: string | null = null;
    for (const c of decision.delete) {
      try {
        const result = await iam.delete(c);
        await record({
          kind: result.alreadyGone ? 'skipped' : 'deleted',
          credentialType: c.type,
          credentialId: credentialId(c),
          reason: result.alreadyGone ? `${credentialLabel(c)} was already gone` : null,
          detail: { calls: result.calls.map((call) => call.operation) },
        });
        if (!result.alreadyGone) deleted.push(c);
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'error';
        failure = `${credentialLabel(c)}: ${code}`;
        await record({
          kind: 'failed',
          credentialType: c.type,
          credentialId: credentialId(c),
          reason: `deleting ${credentialLabel(c)} failed: ${code}`,
        });
        break;
      }
    }
    await noteFindings(plan, accountId, planned.credentials, {
      status: failure ? 'failed' : 'deleted',
      deleted: deleted.map((c) => ({ type: c.type, id: credentialId(c) })),
      ...(failure ? { reason: failure } : {}),
      at: new Date().toISOString(),
    });
    if (failure) return done('failed', `stopped at ${failure}`);
    return done('remediated', `deleted ${deleted.length} credential(s)`);
  }

  /**
   * Once every account of the plan is done: rescan the remediated accounts through the normal pipeline (after any scan
   * already running: it may have read the accounts before the deletes), record each account's control
   * results, and close the plan. Returns false while accounts are still pending.
   */
  async function finish({ planId }: { planId: string }): Promise<boolean> {
    const plan = await repos.remediations.get({ id: planId });
    if (plan?.status !== 'applying') return true;
    const actions = await repos.remediations.actions({ planId });
    const finished = new Set(
      actions.filter((a) => a.kind === 'finished' && a.accountId).map((a) => a.accountId),
    );
    const accounts = plan.accounts as PlannedAccount[];
    if (accounts.some((a) => !finished.has(a.accountId))) return false;
    const log = logger.child({ planId, job: 'remediation.finish' });
    const actor = plan.approvedBy;
    const remediated = new Set(
      actions.filter((a) => a.kind === 'deleted' && a.accountId).map((a) => a.accountId as string),
    );
    if (remediated.size > 0 && deps.scans) {
      const runId = await startRescan(plan.orgId, [...remediated], log);
      if (runId) {
        await repos.remediations.recordAction({ planId, kind: 'rescan_requested', actor, detail: { runId } });
        const run = await waitForRun(runId);
        for (const accountId of remediated) {
          const states = await repos.controlStates.listForAccount({ accountId });
          const relevant = states.filter((s) => plan.selection.controls.includes(s.controlId));
          await repos.remediations.recordAction({
            planId,
            accountId,
            kind: 'rescan_result',
            actor,
            reason: run
              ? relevant.map((s) => `${s.controlId} ${s.status}`).join(', ')
              : 'the rescan did not finish in time; the next scan records the result',
            detail: {
              runId,
              runStatus: run?.status ?? null,
              controls: Object.fromEntries(relevant.map((s) => [s.controlId, s.status])),
            },
          });
        }
      } else {
        await repos.remediations.recordAction({
          planId,
          kind: 'rescan_requested',
          actor,
          reason: 'a scan stayed active too long; the next scheduled scan records the result',
        });
      }
    }
    const anyDone = accounts.some((a) => remediated.has(a.accountId));
    const counts = { remediated: remediated.size, accounts: accounts.length };
    await repos.remediations.recordAction({
      planId,
      kind: 'finished',
      actor,
      reason: `${counts.remediated} of ${counts.accounts} account(s) remediated`,
      detail: counts,
    });
    await repos.remediations.finish({
      id: planId,
      status: anyDone || accounts.length === 0 ? 'applied' : 'failed',
    });
    return true;
  }

  async function startRescan(orgId: string, accountIds: string[], log: Logger): Promise<string | null> {
    const deadline = Date.now() + (deps.rescanTimeoutMs ?? 15 * 60_000);
    for (;;) {
      try {
        // The remediated accounts only, after any active scan: it may have read them before the deletes.
        const run = await deps.scans!.startScan({
          orgId,
          trigger: 'remediation',
          accountIds,
          reuseActive: false,
        });
        return run.id;
      } catch (err) {
        if ((err as { code?: string }).code !== 'scan_already_active') throw err;
        if (Date.now() > deadline) return null;
        log.debug('a scan is active; the rescan waits for it');
        await sleep(deps.rescanPollMs ?? 1000);
      }
    }
  }

  async function waitForRun(runId: string) {
    const deadline = Date.now() + (deps.rescanTimeoutMs ?? 15 * 60_000);
    for (;;) {
      const run = await repos.scanRuns.get({ id: runId });
      if (run && TERMINAL_SCAN.has(run.status)) return run;
      if (Date.now() > deadline) return null;
      await sleep(deps.rescanPollMs ?? 1000);
    }
  }

  async function allAccountsDone({ planId }: { planId: string }): Promise<boolean> {
    const plan = await repos.remediations.get({ id: planId });
    if (!plan) return false;
    const actions = await repos.remediations.actions({ planId });
    const finished = new Set(
      actions.filter((a) => a.kind === 'finished' && a.accountId).map((a) => a.accountId),
    );
    return (plan.accounts as PlannedAccount[]).every((a) => finished.has(a.accountId));
  }

  return {
    applyAccount,
    allAccountsDone,
    finish,
    destroy() {
      for (const clients of factories.values()) clients.destroy();
    },
  };
}

export type RemediationApplier = ReturnType<typeof createRemediationApplier>;

/** The calls an apply would make for one account, for `--dry-run` (no AWS call, no change). */
export function plannedCalls(plan: Pick<RemediationPlan, 'accounts'>, partition = 'aws'): string[] {
  const lines: string[] = [];
  for (const account of plan.accounts as PlannedAccount[]) {
    lines.push(
      `${account.accountId}: sts:AssumeRoot TargetPrincipal=${account.accountId} TaskPolicyArn=arn:${partition}:iam::aws:policy/root-task/IAMDeleteRootUserCredentials (regional endpoint)`,
    );
    lines.push(
      `${account.accountId}: iam:ListAccessKeys, iam:ListSigningCertificates, iam:GetLoginProfile, iam:ListMFADevices (re-read; skip the account if anything changed)`,
    );
    for (const c of account.credentials) {
      for (const call of deletionCalls(c) as RootCall[]) {
        const params = Object.entries(call.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        lines.push(`${account.accountId}: ${call.operation}${params ? ` ${params}` : ''}`);
      }
    }
  }
  return lines;
}
