import { type AccountContext, isAssessable, type OrgContext } from '../context';
import { derivePostureFacts } from '../facts';
import { AUDIT_ROOT_TASK_POLICY, type RootPosture } from '../posture';
import { accountPasswordPolicy } from './account-password-policy';
import { accountSecurityContact } from './account-security-contact';
import { auditCoverage } from './audit-coverage';
import { orgRootGuardrail } from './org-root-guardrail';
import { rootAccessKeys } from './root-access-keys';
import { rootCredentialsRemoved } from './root-credentials-removed';
import { rootHardwareMfa } from './root-hardware-mfa';
import { rootMfa } from './root-mfa';
import { rootRecentUse } from './root-recent-use';
import { rootSigningCertificates } from './root-signing-certificates';
import type { Control, ControlDefinition, ControlId, ControlResult, EvaluationOptions } from './types';

export const CONTROLS: readonly Control[] = [
  auditCoverage,
  rootAccessKeys,
  rootMfa,
  rootHardwareMfa,
  rootRecentUse,
  rootSigningCertificates,
  rootCredentialsRemoved,
  accountPasswordPolicy,
  accountSecurityContact,
  orgRootGuardrail,
];

export const CONTROL_CATALOG: readonly ControlDefinition[] = CONTROLS.map(
  ({ id, title, severity, rationale, remediation, mappings }) => ({
    id,
    title,
    severity,
    rationale,
    remediation,
    mappings,
  }),
);

export const CONTROL_IDS: readonly ControlId[] = CONTROLS.map((c) => c.id);

export const DEFAULT_USAGE_WINDOW_DAYS = 90;

export function getControl(id: string): ControlDefinition | undefined {
  return CONTROL_CATALOG.find((c) => c.id === id);
}

/**
 * Evaluates every control of the catalog for one account. A skipped (non-ACTIVE) account
 * or a failed coverage leaves every other control UNKNOWN: never a PASS from missing data.
 */
export function evaluateControls(
  posture: RootPosture | null,
  account: AccountContext,
  org: OrgContext,
  options: EvaluationOptions,
): ControlResult[] {
  const result = (control: Control, status: ControlResult['status'], reason: string): ControlResult => ({
    controlId: control.id,
    severity: control.severity,
    status,
    reason,
    evidence: {},
  });

  if (!isAssessable(account)) {
    return CONTROLS.map((c) =>
      c.id === auditCoverage.id
        ? {
            ...result(c, 'NOT_APPLICABLE', `account is ${account.state}: skipped`),
            evidence: { state: account.state },
          }
        : result(c, 'UNKNOWN', `account is ${account.state}: not assessed`),
    );
  }
  if (posture === null) {
    return CONTROLS.map((c) =>
      c.id === auditCoverage.id
        ? result(c, 'FAIL', 'NotCollected')
        : result(c, 'UNKNOWN', 'coverage failed: NotCollected'),
    );
  }

  const facts = derivePostureFacts(posture, account);
  const input = { posture, facts, account, org, options };
  const coverage = auditCoverage.evaluate(input);
  return CONTROLS.map((control) => {
    if (control.id === auditCoverage.id)
      return { controlId: control.id, severity: control.severity, ...coverage };
    if (coverage.status === 'FAIL') return result(control, 'UNKNOWN', `coverage failed: ${coverage.reason}`);
    return { controlId: control.id, severity: control.severity, ...control.evaluate(input) };
  }).map((r) => (facts.access?.path === 'root-session' ? withRootSessionEvidence(r) : r));
}

/** Which reads of a root session each control's facts came from (`organization`: the management account's). */
const ROOT_SESSION_READS: Record<ControlId, string[] | 'organization'> = {
  'audit.coverage': ['sts:AssumeRoot', 'iam:GetAccountSummary'],
  'root.access-keys': ['iam:ListAccessKeys', 'iam:GetAccountSummary'],
  'root.mfa': ['iam:ListMFADevices', 'iam:GetLoginProfile'],
  'root.hardware-mfa': ['iam:ListMFADevices'],
  'root.recent-use': ['iam:GetUser', 'iam:GetAccessKeyLastUsed'],
  'root.signing-certificates': ['iam:ListSigningCertificates', 'iam:GetAccountSummary'],
  'root.credentials-removed': ['iam:GetLoginProfile', 'iam:ListAccessKeys', 'iam:ListSigningCertificates'],
  'account.password-policy': [],
  'account.security-contact': 'organization',
  'org.root-guardrail': 'organization',
};

/**
 * Evidence says which path read each fact. Only root-session results carry it: member-role evidence
 * stays as stored before access paths existed (no new history version for every account).
 */
function withRootSessionEvidence(result: ControlResult): ControlResult {
  const reads = ROOT_SESSION_READS[result.controlId];
  const readVia =
    reads === 'organization'
      ? { path: 'organization' }
      : { path: 'root-session', taskPolicy: AUDIT_ROOT_TASK_POLICY, calls: reads };
  return { ...result, evidence: { ...result.evidence, readVia } };
}
