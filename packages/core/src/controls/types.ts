import type { AccountContext, OrgContext } from '../context';
import type { PostureFacts } from '../facts';
import type { RootPosture } from '../posture';

import type { ControlStatus, Severity } from '../vocabulary';

export type { ControlStatus, Severity };

export type ControlId =
  | 'root.access-keys'
  | 'root.mfa'
  | 'root.hardware-mfa'
  | 'root.recent-use'
  | 'root.signing-certificates'
  | 'root.credentials-removed'
  | 'account.password-policy'
  | 'account.security-contact'
  | 'org.root-guardrail'
  | 'audit.coverage';

export interface ControlMappings {
  cisV3: string[];
  cisV5: string[];
  cisV6: string[];
  cisV7: string[];
  fsbp: string[];
  other: string[];
}

/** The data part of a control, as served by GET /v1/controls. */
export interface ControlDefinition {
  id: ControlId;
  title: string;
  severity: Severity;
  rationale: string;
  remediation: string;
  mappings: ControlMappings;
}

export type Evidence = Record<string, unknown>;

export interface ControlEvaluation {
  status: ControlStatus;
  /** Always set; for UNKNOWN it says why the control could not be evaluated. */
  reason: string;
  evidence: Evidence;
}

export interface ControlResult extends ControlEvaluation {
  controlId: ControlId;
  severity: Severity;
}

export interface EvaluationOptions {
  usageWindowDays: number;
  now: Date;
}

export interface ControlInput {
  posture: RootPosture;
  facts: PostureFacts;
  account: AccountContext;
  org: OrgContext;
  options: EvaluationOptions;
}

export interface Control extends ControlDefinition {
  evaluate(input: ControlInput): ControlEvaluation;
}

export function mappings(partial: Partial<ControlMappings>): ControlMappings {
  return { cisV3: [], cisV5: [], cisV6: [], cisV7: [], fsbp: [], other: [], ...partial };
}

export const pass = (reason: string, evidence: Evidence = {}): ControlEvaluation => ({
  status: 'PASS',
  reason,
  evidence,
});
export const fail = (reason: string, evidence: Evidence = {}): ControlEvaluation => ({
  status: 'FAIL',
  reason,
  evidence,
});
export const notApplicable = (reason: string, evidence: Evidence = {}): ControlEvaluation => ({
  status: 'NOT_APPLICABLE',
  reason,
  evidence,
});
export const unknown = (reason: string, evidence: Evidence = {}): ControlEvaluation => ({
  status: 'UNKNOWN',
  reason,
  evidence,
});
