import { exceptionScopeOf, FINDING_STATUSES } from '@rootwatch/core';
import type {
  Account,
  ControlState,
  DriftEvent,
  Finding,
  FindingExceptionWithCoverage,
  PostureVersion,
  ScanRun,
} from '@rootwatch/db';
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

export const TicketSchema = Type.Object(
  {
    system: Type.String({
      minLength: 1,
      maxLength: 50,
      pattern: '^[^\\u0000-\\u001f\\u007f]*$',
      description: 'e.g. jira',
    }),
    key: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern: '^[^\\u0000-\\u001f\\u007f]*$',
      description: 'e.g. SEC-123',
    }),
    url: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 })),
  },
  { additionalProperties: false },
);

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
  workflow: Type.Enum(['new', 'acknowledged', 'suppressed'], {
    description:
      "The team's decision beside the evaluated status: `suppressed` only under an exception (exception_id)",
  }),
  ticket: Nullable(TicketSchema),
  notes: Type.Array(
    Type.Object({ at: Timestamp, by: Type.String({ description: 'API key name' }), text: Type.String() }),
    { description: 'Append-only, oldest first' },
  ),
  exception_id: Nullable(Type.String({ format: 'uuid' })),
  workflow_changed_by: Nullable(
    Type.String({
      description: 'API key name (or `rootwatch`: a scan or the expiry job) of the last decision',
    }),
  ),
  workflow_changed_at: NullableTimestamp,
  update_seq: Type.Integer({ description: 'Monotonic change number (the feed order)' }),
  updated_at: Timestamp,
  remediation: Type.Unknown({
    description: 'The last remediation step on this finding (plan_id, deleted/skipped/failed, when), or null',
  }),
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
  workflow: finding.workflow as 'new',
  ticket: finding.ticket ?? null,
  notes: finding.notes,
  exception_id: finding.exceptionId,
  workflow_changed_by: finding.workflowChangedBy,
  workflow_changed_at: isoOrNull(finding.workflowChangedAt),
  update_seq: finding.updateSeq,
  updated_at: iso(finding.updatedAt),
  remediation: finding.remediation ?? null,
});

export const ExceptionScopeSchema = Type.Object(
  {
    account_id: Type.Optional(AccountId),
    ou: Type.Optional(Type.String({ maxLength: 80, description: 'ou-… : the OU and every OU below it' })),
    tag: Type.Optional(Type.String({ maxLength: 400, description: 'key:value of an account tag' })),
  },
  { additionalProperties: false, description: 'Exactly one of account_id, ou or tag' },
);

export const ExceptionSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  key: Nullable(
    Type.String({ description: 'Stable key of `rootwatch exceptions apply`; null for API-made ones' }),
  ),
  control_id: Type.String({ description: "A control id or '*' (every control)" }),
  scope: ExceptionScopeSchema,
  reason: Type.String(),
  expires_at: Timestamp,
  state: Type.Enum(['live', 'expired', 'revoked']),
  created_at: Timestamp,
  created_by: Type.String(),
  updated_at: Timestamp,
  revoked_at: NullableTimestamp,
  revoked_by: Nullable(Type.String()),
  covered_findings: Type.Integer({ description: 'Open findings this exception suppresses now' }),
});

export const toException = (e: FindingExceptionWithCoverage, now = Date.now()) => ({
  id: e.id,
  key: e.key,
  control_id: e.controlId,
  scope: exceptionScopeOf(e.scopeKind, e.scopeValue),
  reason: e.reason,
  expires_at: iso(e.expiresAt),
  state: (e.revokedAt ? 'revoked' : e.endedAt || e.expiresAt.getTime() <= now ? 'expired' : 'live') as 'live',
  created_at: iso(e.createdAt),
  created_by: e.createdBy,
  updated_at: iso(e.updatedAt),
  revoked_at: isoOrNull(e.revokedAt),
  revoked_by: e.revokedBy,
  covered_findings: e.coveredFindings,
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

/**
 * A drift row as the feed's item. The feed itself has Postgres write its page (driftEventJson in the db
 * package); webhooks shape the row snapshot their trigger stored with this, and json-pages.test.ts keeps both equal.
 */
export const toDriftEvent = (event: DriftEvent) => ({
  id: event.id,
  org_id: event.orgId,
  account_id: event.accountId,
  kind: event.kind,
  control_id: event.controlId,
  field: event.field,
  from: event.fromValue ?? null,
  to: event.toValue ?? null,
  severity: event.severity,
  scan_run_id: event.scanRunId,
  detected_at: iso(event.detectedAt),
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
  account_ids: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Present on a scoped run only (e.g. the rescan of one account after root activity): the accounts it scans. Its progress and summary cover these accounts, not the organization.',
    }),
  ),
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
  ...(run.accountIds ? { account_ids: run.accountIds } : {}),
});
