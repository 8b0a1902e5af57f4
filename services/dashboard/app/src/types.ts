// Response shapes of the public /v1 API that the dashboard reads (see /openapi.json).
import type {
  ControlStatus,
  DriftKind,
  DriftSeverity,
  FindingStatus,
  ScanStatus,
  ScanTrigger,
} from '@rootwatch/core/vocabulary';

export type { ControlStatus };

export interface ListResponse<T> {
  items: T[];
  next_cursor: string | null;
}

export interface FeedResponse<T> extends ListResponse<T> {
  has_more: boolean;
}

export interface ControlDef {
  id: string;
  title: string;
  severity: string;
  rationale: string;
  remediation: string;
}

export interface ScanRun {
  id: string;
  org_id: string;
  trigger: ScanTrigger;
  status: ScanStatus;
  progress: {
    total: number;
    done: number;
    assessed: number;
    unreachable: number;
    errors: number;
    skipped: number;
  };
  error_code: string | null;
  error_message: string | null;
  requested_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  /** A scoped run's accounts (a rescan after root activity); absent on an org-wide run. */
  account_ids?: string[];
}

import type { StatusCounts } from '@rootwatch/core/compliance';

export type { StatusCounts };

export interface ControlSummary extends StatusCounts {
  control_id: string;
  title: string;
  severity: string;
  compliance_pct: number | null;
  /** FAILs covered by a live exception (still counted in fail). */
  suppressed: number;
  /** PASS / (PASS + FAIL − suppressed). */
  compliance_pct_excluding_exceptions: number | null;
}

export interface OrgSummary {
  org_id: string;
  name: string | null;
  accounts: {
    total: number;
    by_state: Record<string, number>;
    assessed: number;
    unreachable: number;
    error: number;
    skipped: number;
    never_scanned: number;
  };
  controls: ControlSummary[];
  totals: StatusCounts;
  compliance_pct: number | null;
  last_completed_scan: ScanRun | null;
  open_findings: Record<DriftSeverity | 'total', number>;
}

export interface Summary {
  generated_at: string;
  organizations: OrgSummary[];
}

export interface AccountBase {
  id: string;
  org_id: string;
  name: string;
  email: string;
  state: string;
  ou_path: { id: string; name: string }[];
  ou_path_text: string;
  tags: Record<string, string>;
  joined_at: string | null;
  first_seen_at: string;
  last_seen_at: string;
  removed_at: string | null;
  last_assessed_at: string | null;
  last_outcome: string | null;
  last_outcome_at: string | null;
}

export interface AccountSummary extends AccountBase {
  controls: Record<string, ControlStatus>;
  failing: string[];
}

export interface ControlResult {
  control_id: string;
  status: ControlStatus;
  severity: string;
  since: string;
  reason: string | null;
  evidence: unknown;
  observed_at: string;
  scan_run_id: string | null;
}

export interface Finding {
  id: number;
  dedup_key: string;
  account_id: string;
  control_id: string;
  severity: DriftSeverity;
  status: FindingStatus;
  opened_at: string;
  resolved_at: string | null;
  last_seen_at: string;
  reason: string | null;
  evidence: unknown;
  workflow: 'new' | 'acknowledged' | 'suppressed';
  ticket: { system: string; key: string; url?: string } | null;
  notes: { at: string; by: string; text: string }[];
  exception_id: string | null;
  workflow_changed_by: string | null;
  workflow_changed_at: string | null;
  update_seq: number;
}

export interface FindingException {
  id: string;
  key: string | null;
  control_id: string;
  scope: { account_id?: string; ou?: string; tag?: string };
  reason: string;
  expires_at: string;
  state: 'live' | 'expired' | 'revoked';
  created_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
  covered_findings: number;
}

export interface AccountDetail extends AccountBase {
  controls: ControlResult[];
  open_findings: Finding[];
  /** Latest root activity from CloudTrail, newest first (absent on an API without issue 18). */
  root_activity?: RootActivity[];
}

export interface StoredResult {
  status: ControlStatus;
  reason?: string;
  severity?: string;
  evidence?: unknown;
}

export interface PostureVersion {
  id: number;
  account_id: string;
  fingerprint: string;
  valid_from: string;
  valid_to: string | null;
  observation_window: { first_observed_at: string; last_observed_at: string };
  first_scan_run_id: string | null;
  results: Record<string, StoredResult>;
}

export interface DriftEvent {
  id: number;
  org_id: string;
  account_id: string | null;
  kind: DriftKind;
  control_id: string | null;
  field: string | null;
  from: unknown;
  to: unknown;
  severity: DriftSeverity;
  scan_run_id: string | null;
  detected_at: string;
}

export interface RootActivity {
  id: number;
  org_id: string;
  account_id: string;
  kind: 'console_login' | 'api_call' | 'root_session';
  event_time: string;
  event_name: string;
  event_source: string;
  source_ip: string | null;
  user_agent: string | null;
  region: string | null;
  mfa_used: boolean | null;
  success: boolean;
  error_code: string | null;
  cloudtrail_event_id: string;
  received_at: string;
}
