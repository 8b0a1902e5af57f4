import type { ControlResult } from './controls/types';
import { type DriftEvent, diffObservations } from './drift';
import type { PostureFacts } from './facts';
import { decideFinding } from './findings';
import { postureFingerprint } from './fingerprint';
import type { Observation } from './observation';

/**
 * The type-2 rule for one observation against the account's current version: a first version, the same
 * posture seen again (later: `touched`, moves last_observed_at; not later: `unchanged`, nothing to write),
 * a new posture (`changed`), or a different posture no newer than the current one (`stale`, ignored).
 */
export type VersionDecision = 'created' | 'touched' | 'unchanged' | 'changed' | 'stale';

/** What the rules need of a stored posture version. */
export interface VersionRef {
  fingerprint: string;
  lastObservedAt: Date;
}

export function decideVersion(
  current: VersionRef | null | undefined,
  fingerprint: string,
  observedAt: Date,
): VersionDecision {
  if (!current) return 'created';
  const newer = observedAt.getTime() > current.lastObservedAt.getTime();
  if (current.fingerprint === fingerprint) return newer ? 'touched' : 'unchanged';
  return newer ? 'changed' : 'stale';
}

/** A decision that writes a new version (and so new control states and, when changed, drift). */
export const isNewVersion = (decision: VersionDecision): boolean =>
  decision === 'created' || decision === 'changed';

/**
 * Where an observation goes in the account's history. "Is this observation newer" follows the runs, not the
 * worker's clock: an org has one active run at a time and a run no longer running writes nothing, so an
 * observation that gets this far comes from a later run than the one that wrote the current version. It is
 * placed after that version even when its worker's clock is behind (which made a change look stale and
 * dropped it); the worker's own observedAt stays on the account-scan row as evidence.
 */
export function placeObservation(current: Pick<VersionRef, 'lastObservedAt'> | null, evidence: Date): Date {
  return current ? new Date(Math.max(evidence.getTime(), current.lastObservedAt.getTime() + 1)) : evidence;
}

export interface VersionPlan {
  decision: VersionDecision;
  fingerprint: string;
  /** When the observation goes in the history (see placeObservation). */
  observedAt: Date;
  /** When the worker observed it (its clock). */
  evidenceObservedAt: Date;
}

export function planVersion(current: VersionRef | null, observation: Observation): VersionPlan {
  const fingerprint = postureFingerprint(observation.facts, observation.results);
  const evidenceObservedAt = new Date(observation.observedAt);
  const observedAt = placeObservation(current, evidenceObservedAt);
  return {
    decision: decideVersion(current, fingerprint, observedAt),
    fingerprint,
    observedAt,
    evidenceObservedAt,
  };
}

/** Stored shape of a posture version's results: one entry per control id. */
export type StoredResults = Record<string, Omit<ControlResult, 'controlId'>>;

export function toStoredResults(results: ControlResult[]): StoredResults {
  const stored: StoredResults = {};
  for (const { controlId, ...rest } of results) stored[controlId] = rest;
  return stored;
}

/** A stored version back as the observation it recorded (as of its last observation). */
export function observationOfStored(version: {
  facts: unknown;
  results: unknown;
  lastObservedAt: Date;
}): Observation {
  const results = Object.entries(version.results as StoredResults).map(
    ([controlId, r]) => ({ controlId, ...r }) as ControlResult,
  );
  return {
    observedAt: version.lastObservedAt.toISOString(),
    facts: version.facts as PostureFacts,
    results,
  };
}

/** The account's state before the observation is written. */
export interface PreviousResults<FindingId> {
  /** The current posture version; null before the first observation. */
  version: VersionRef | null;
  /** The current version's contents: required when the posture changed (drift is computed against them). */
  observation?: Observation | null;
  /** The account's open findings by control id. */
  openFindings: ReadonlyMap<string, FindingId>;
}

export interface AccountResultsPlan<FindingId> {
  version: VersionPlan;
  findings: {
    /** Failing controls without an open finding. */
    open: ControlResult[];
    /** Still failing with a changed posture: refresh evidence, reason, severity and last_seen_at. */
    keep: { findingId: FindingId; result: ControlResult }[];
    /** Passing (or not applicable) controls whose finding was open. */
    resolve: { findingId: FindingId; result: ControlResult }[];
  };
  drift: DriftEvent[];
}

/**
 * Everything one observation changes, decided without I/O: the version decision, the findings to open, keep
 * and resolve, and the drift events. A stale observation changes nothing but its account-scan row. An
 * unchanged re-scan leaves findings alone (the version's last_observed_at already says they were seen), which
 * keeps its writes small; UNKNOWN neither opens, refreshes nor resolves.
 */
export function planAccountResults<FindingId>(
  previous: PreviousResults<FindingId>,
  observation: Observation,
  /** The version plan when the caller already made it (to know which previous contents to read). */
  version: VersionPlan = planVersion(previous.version, observation),
): AccountResultsPlan<FindingId> {
  const plan: AccountResultsPlan<FindingId> = {
    version,
    findings: { open: [], keep: [], resolve: [] },
    drift: [],
  };
  if (version.decision === 'stale') return plan;

  const changedPosture = isNewVersion(version.decision);
  for (const result of observation.results) {
    const findingId = previous.openFindings.get(result.controlId);
    switch (decideFinding(findingId === undefined ? null : {}, result)) {
      case 'open':
        plan.findings.open.push(result);
        break;
      case 'resolve':
        plan.findings.resolve.push({ findingId: findingId!, result });
        break;
      case 'keep':
        if (result.status === 'FAIL' && changedPosture)
          plan.findings.keep.push({ findingId: findingId!, result });
        break;
      case 'none':
        break;
    }
  }

  if (version.decision === 'changed') {
    if (!previous.observation)
      throw new Error('planAccountResults: a changed posture needs the previous observation');
    // In run order: diffObservations ignores a "next" observed before "previous".
    plan.drift = diffObservations(previous.observation, {
      ...observation,
      observedAt: version.observedAt.toISOString(),
    });
  }
  return plan;
}
