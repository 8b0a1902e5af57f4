import type { ControlId, ControlStatus, Severity } from './controls/types';
import {
  type CredentialSlotFact,
  type MfaType,
  normalizeMfaType,
  type PostureFacts,
  type Tri,
  type Usage,
} from './facts';
import type { Observation } from './observation';
import type { DriftKind, DriftSeverity } from './vocabulary';

export type { DriftKind, DriftSeverity };

/** One change, in one uniform shape (a drift_events row without ids and run). */
export interface DriftEvent {
  kind: DriftKind;
  accountId: string;
  /** For control_changed. */
  controlId: ControlId | null;
  /** For root_activity / credential_changed: which credential field. */
  field: string | null;
  from: string | null;
  to: string | null;
  severity: DriftSeverity;
  /** control_changed to FAIL from PASS or NOT_APPLICABLE. */
  regression: boolean;
}

function event(
  partial: Partial<DriftEvent> & Pick<DriftEvent, 'kind' | 'accountId' | 'severity'>,
): DriftEvent {
  return { controlId: null, field: null, from: null, to: null, regression: false, ...partial };
}

function usedAt(usage: Usage | undefined): string | null {
  return usage?.kind === 'used' ? usage.at : null;
}

/** Root was used since: the new timestamp is later than the old one (or the old one was "never"). */
function movedForward(prev: Usage | undefined, next: Usage | undefined): boolean {
  const to = usedAt(next);
  if (to === null || !prev) return false;
  if (prev.kind === 'never') return true;
  if (prev.kind === 'used') return Date.parse(to) > Date.parse(prev.at);
  return false;
}

function presenceText(value: Tri): string | null {
  return value === null ? null : value ? 'present' : 'absent';
}

function slotChanges(
  accountId: string,
  prefix: string,
  severity: Severity,
  prev: CredentialSlotFact[] | null,
  next: CredentialSlotFact[] | null,
): DriftEvent[] {
  if (!prev || !next) return [];
  const events: DriftEvent[] = [];
  for (const slot of next) {
    const before = prev.find((p) => p.slot === slot.slot);
    // A root session names each credential: another id in the same slot is a replaced credential.
    if (before?.id && slot.id && before.id !== slot.id) {
      events.push(
        event({
          kind: 'credential_changed',
          accountId,
          field: `${prefix}_${slot.slot}`,
          from: before.id,
          to: slot.id,
          severity,
        }),
      );
      continue;
    }
    if (!before || before.present === null || slot.present === null || before.present === slot.present)
      continue;
    events.push(
      event({
        kind: 'credential_changed',
        accountId,
        field: `${prefix}_${slot.slot}`,
        from: presenceText(before.present),
        to: presenceText(slot.present),
        severity,
      }),
    );
  }
  return events;
}

function factChanges(prev: PostureFacts, next: PostureFacts): DriftEvent[] {
  const accountId = next.accountId;
  const events: DriftEvent[] = [];

  const activity: [string, Usage | undefined, Usage | undefined][] = [
    ['password_last_used', prev.password.lastUsed, next.password.lastUsed],
    ...[1, 2].map((slot): [string, Usage | undefined, Usage | undefined] => [
      `access_key_${slot}_last_used_date`,
      prev.accessKeys.slots?.find((s) => s.slot === slot)?.lastUsed,
      next.accessKeys.slots?.find((s) => s.slot === slot)?.lastUsed,
    ]),
  ];
  for (const [field, before, after] of activity) {
    if (movedForward(before, after)) {
      events.push(
        event({
          kind: 'root_activity',
          accountId,
          field,
          from: usedAt(before),
          to: usedAt(after),
          severity: 'high',
        }),
      );
    }
  }

  const pw = [prev.password.present, next.password.present];
  if (pw[0] !== null && pw[1] !== null && pw[0] !== pw[1]) {
    events.push(
      event({
        kind: 'credential_changed',
        accountId,
        field: 'password',
        from: presenceText(pw[0]!),
        to: presenceText(pw[1]!),
        severity: 'medium',
      }),
    );
  }
  events.push(
    ...slotChanges(accountId, 'access_key', 'critical', prev.accessKeys.slots, next.accessKeys.slots),
  );
  events.push(...slotChanges(accountId, 'cert', 'medium', prev.certificates.slots, next.certificates.slots));

  // The previous facts may come from storage written before `hardware` became `non-virtual`.
  const mfa: [MfaType, MfaType] = [normalizeMfaType(prev.mfa.type), normalizeMfaType(next.mfa.type)];
  if (mfa[0] !== 'unknown' && mfa[1] !== 'unknown' && mfa[0] !== mfa[1]) {
    events.push(
      event({
        kind: 'credential_changed',
        accountId,
        field: 'mfa_type',
        from: mfa[0],
        to: mfa[1],
        severity: 'high',
      }),
    );
  }
  return events;
}

/**
 * Drift between the account's current observation and a new one. Nothing for the first
 * observation (discovery reports `account_added`), nothing for an unchanged one, and
 * nothing when `next` is older than `previous` (a late retry must not rewrite history).
 */
export function diffObservations(previous: Observation | null, next: Observation): DriftEvent[] {
  if (previous === null) return [];
  if (Date.parse(next.observedAt) < Date.parse(previous.observedAt)) return [];
  const accountId = next.facts.accountId;
  const events: DriftEvent[] = [];

  const wasCovered = previous.facts.coverage.ok;
  const isCovered = next.facts.coverage.ok;
  if (wasCovered && !next.facts.coverage.ok) {
    events.push(
      event({ kind: 'coverage_lost', accountId, from: 'ok', to: next.facts.coverage.code, severity: 'high' }),
    );
  } else if (!previous.facts.coverage.ok && isCovered) {
    events.push(
      event({
        kind: 'coverage_restored',
        accountId,
        from: previous.facts.coverage.code,
        to: 'ok',
        severity: 'info',
      }),
    );
  }
  const coverageChanged = wasCovered !== isCovered;

  for (const result of next.results) {
    const before = previous.results.find((r) => r.controlId === result.controlId);
    if (!before || before.status === result.status) continue;
    // The coverage event already tells that everything went to (or came back from) UNKNOWN.
    if (
      coverageChanged &&
      (result.controlId === 'audit.coverage' || before.status === 'UNKNOWN' || result.status === 'UNKNOWN')
    ) {
      continue;
    }
    events.push(
      event({
        kind: 'control_changed',
        accountId,
        controlId: result.controlId,
        from: before.status,
        to: result.status,
        severity: result.severity,
        regression: isRegression(before.status, result.status),
      }),
    );
  }
  events.push(...factChanges(previous.facts, next.facts));
  return events;
}

export function isRegression(from: ControlStatus, to: ControlStatus): boolean {
  return to === 'FAIL' && (from === 'PASS' || from === 'NOT_APPLICABLE');
}

export interface AccountRef {
  id: string;
  state: string;
}

/** Accounts that joined, left, or changed state between the known list and a discovery. */
export function diffAccounts(previousAccounts: AccountRef[], discovered: AccountRef[]): DriftEvent[] {
  const before = new Map(previousAccounts.map((a) => [a.id, a]));
  const after = new Map(discovered.map((a) => [a.id, a]));
  const events: DriftEvent[] = [];
  for (const account of discovered) {
    const old = before.get(account.id);
    if (!old) {
      events.push(
        event({ kind: 'account_added', accountId: account.id, to: account.state, severity: 'info' }),
      );
    } else if (old.state !== account.state) {
      events.push(
        event({
          kind: 'account_state_changed',
          accountId: account.id,
          from: old.state,
          to: account.state,
          severity: 'medium',
        }),
      );
    }
  }
  for (const account of previousAccounts) {
    if (!after.has(account.id)) {
      events.push(
        event({ kind: 'account_removed', accountId: account.id, from: account.state, severity: 'medium' }),
      );
    }
  }
  return events;
}
