import { FINDING_STATUSES } from '@rootwatch/core';
import type { Account, ControlState, Finding, PostureVersion, ScanRun } from '@rootwatch/db';
import { Type } from 'typebox';
import {
  AccountId,
  ControlStatusValue,
  iso,
  isoOrNull,
  Nullable,
  NullableTimestamp,
  SeverityValue,
  Timestamp,
} from './common';

export const ControlDefinitionSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  severity: SeverityValue,
  rationale: Type.String(),
  remediation: Type.String(),
  mappings: Type.Object({
    cisV3: Type.Array(Type.String()),
    cisV5: Type.Array(Type.String()),
    cisV6: Type.Array(Type.String()),
    cisV7: Type.Array(Type.String()),
    fsbp: Type.Array(Type.String()),
    other: Type.Array(Type.String()),
  }),
});

export const ControlResultSchema = Type.Object({
  control_id: Type.String(),
  status: ControlStatusValue,
  severity: SeverityValue,
  since: Timestamp,
  reason: Nullable(Type.String()),
  evidence: Type.Unknown(),
  observed_at: Timestamp,
  scan_run_id: Nullable(Type.String()),
});

export const toControlResult = (state: ControlState) => ({
  control_id: state.controlId,
  status: state.status,
  severity: state.severity,
  since: iso(state.since),
  reason: state.reason,
  evidence: state.evidence ?? null,
  observed_at: iso(state.observedAt),
  scan_run_id: state.scanRunId,
});

const OuEntry = Type.Object({ id: Type.String(), name: Type.String() });

const accountFields = {
  id: AccountId,
  org_id: Type.String(),
  name: Type.String(),
  email: Type.String(),
  state: Type.String(),
  ou_path: Type.Array(OuEntry),
  ou_path_text: Type.String({ description: 'OU ids from the root, e.g. /r-ab12/ou-ab12-1/' }),
  tags: Type.Record(Type.String(), Type.String()),
  joined_at: NullableTimestamp,
  first_seen_at: Timestamp,
  last_seen_at: Timestamp,
  removed_at: NullableTimestamp,
  last_assessed_at: NullableTimestamp,
  last_outcome: Nullable(Type.String()),
  last_outcome_at: NullableTimestamp,
};

const accountBase = (account: Account) => ({
  id: account.id,
  org_id: account.orgId,
  name: account.name,
  email: account.email,
  state: account.state,
  ou_path: account.ouPath,
  ou_path_text: account.ouPathText,
  tags: account.tags,
  joined_at: isoOrNull(account.joinedAt),
  first_seen_at: iso(account.firstSeenAt),
  last_seen_at: iso(account.lastSeenAt),
  removed_at: isoOrNull(account.removedAt),
  last_assessed_at: isoOrNull(account.lastAssessedAt),
  last_outcome: account.lastOutcome,
  last_outcome_at: isoOrNull(account.lastOutcomeAt),
});

export const AccountSummarySchema = Type.Object({
  ...accountFields,
  controls: Type.Record(Type.String(), ControlStatusValue, { description: 'Current status per control id' }),
  failing: Type.Array(Type.String(), { description: 'Ids of the controls currently FAIL' }),
});

export const FindingSchema = Type.Object({
  id: Type.Integer(),
  dedup_key: Type.String(),
  account_id: AccountId,
  control_id: Type.String(),
  severity: SeverityValue,
  status: Type.Enum(FINDING_STATUSES),
  opened_at: Timestamp,
  resolved_at: NullableTimestamp,
  last_seen_at: Timestamp,
  reason: Nullable(Type.String()),
  evidence: Type.Unknown(),
  update_seq: Type.Integer({ description: 'Monotonic change number (the feed order)' }),
  updated_at: Timestamp,
});

export const toFinding = (finding: Finding) => ({
  id: finding.id,
  dedup_key: finding.dedupKey,
  account_id: finding.accountId,
  control_id: finding.controlId,
  severity: finding.severity,
  status: finding.status,
  opened_at: iso(finding.openedAt),
  resolved_at: isoOrNull(finding.resolvedAt),
  last_seen_at: iso(finding.lastSeenAt),
  reason: finding.reason,
  evidence: finding.evidence ?? null,
  update_seq: finding.updateSeq,
  updated_at: iso(finding.updatedAt),
});

export const AccountDetailSchema = Type.Object({
  ...accountFields,
  controls: Type.Array(ControlResultSchema),
  open_findings: Type.Array(FindingSchema),
});

export const toAccountDetail = (account: Account, states: ControlState[], open: Finding[]) => ({
  ...accountBase(account),
  controls: states.map(toControlResult),
  open_findings: open.map(toFinding),
});

export const PostureVersionSchema = Type.Object({
  id: Type.Integer(),
  account_id: AccountId,
  fingerprint: Type.String(),
  valid_from: Timestamp,
  valid_to: NullableTimestamp,
  observation_window: Type.Object({
    first_observed_at: Timestamp,
    last_observed_at: Timestamp,
  }),
  first_scan_run_id: Nullable(Type.String()),
  facts: Type.Unknown(),
  results: Type.Unknown(),
});

export const toPostureVersion = (version: PostureVersion) => ({
  id: version.id,
  account_id: version.accountId,
  fingerprint: version.fingerprint,
  valid_from: iso(version.firstObservedAt),
  valid_to: isoOrNull(version.supersededAt),
  observation_window: {
    first_observed_at: iso(version.firstObservedAt),
    last_observed_at: iso(version.lastObservedAt),
  },
  first_scan_run_id: version.firstScanRunId,
  facts: version.facts,
  results: version.results,
});

export const DriftEventSchema = Type.Object({
  id: Type.Integer({ description: 'Monotonic: the feed order' }),
  org_id: Type.String(),
  account_id: Nullable(AccountId),
  kind: Type.String(),
  control_id: Nullable(Type.String()),
  field: Nullable(Type.String()),
  from: Type.Unknown(),
  to: Type.Unknown(),
  severity: SeverityValue,
  scan_run_id: Nullable(Type.String()),
  detected_at: Timestamp,
});

export const ScanRunSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  org_id: Type.String(),
  trigger: Type.String(),
  status: Type.String({ description: 'queued | running | succeeded | partial | failed' }),
  progress: Type.Object({
    total: Type.Integer(),
    done: Type.Integer(),
    assessed: Type.Integer(),
    unreachable: Type.Integer(),
    errors: Type.Integer(),
    skipped: Type.Integer(),
  }),
  summary: Type.Unknown(),
  error_code: Nullable(Type.String()),
  error_message: Nullable(Type.String()),
  requested_at: Timestamp,
  started_at: NullableTimestamp,
  finished_at: NullableTimestamp,
  duration_ms: Nullable(Type.Integer()),
});

export const toScanRun = (run: ScanRun) => ({
  id: run.id,
  org_id: run.orgId,
  trigger: run.trigger,
  status: run.status,
  progress: {
    total: run.total,
    done: run.assessed + run.unreachable + run.errored + run.skipped,
    assessed: run.assessed,
    unreachable: run.unreachable,
    errors: run.errored,
    skipped: run.skipped,
  },
  summary: run.summary ?? null,
  error_code: run.errorCode,
  error_message: run.errorMessage,
  requested_at: iso(run.requestedAt),
  started_at: isoOrNull(run.startedAt),
  finished_at: isoOrNull(run.finishedAt),
  duration_ms: run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null,
});
