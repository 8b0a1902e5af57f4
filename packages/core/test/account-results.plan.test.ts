import { describe, expect, it } from 'vitest';
import {
  decideVersion,
  observationOfStored,
  placeObservation,
  planAccountResults,
  planVersion,
  toStoredResults,
} from '../src/account-results.plan';
import type { ControlResult } from '../src/controls/types';
import { postureFingerprint } from '../src/fingerprint';
import { type Observation, observe } from '../src/observation';
import { account, OPTIONS, org, posture } from './fixtures';

const at = (iso: string) => new Date(`2026-03-${iso}Z`);

describe('decideVersion', () => {
  const current = { fingerprint: 'A', lastObservedAt: at('02T00:00:00') };
  it.each([
    [null, 'A', '01T00:00:00', 'created'],
    [current, 'A', '03T00:00:00', 'touched'],
    [current, 'A', '02T00:00:00', 'unchanged'],
    [current, 'A', '01T00:00:00', 'unchanged'],
    [current, 'B', '03T00:00:00', 'changed'],
    [current, 'B', '02T00:00:00', 'stale'],
    [current, 'B', '01T00:00:00', 'stale'],
  ] as const)('current=%j, fingerprint %s at %s → %s', (version, fingerprint, when, decision) => {
    expect(decideVersion(version, fingerprint, at(when))).toBe(decision);
  });
});

describe('placeObservation', () => {
  it('keeps the worker time after the current version, and moves an earlier one just after it', () => {
    expect(placeObservation(null, at('01T00:00:00'))).toEqual(at('01T00:00:00'));
    const current = { lastObservedAt: at('02T00:00:00') };
    expect(placeObservation(current, at('03T00:00:00'))).toEqual(at('03T00:00:00'));
    expect(placeObservation(current, at('01T00:00:00'))).toEqual(new Date(at('02T00:00:00').getTime() + 1));
  });
});

describe('stored results', () => {
  it('round-trip an observation through its stored shape', () => {
    const observation = observe(posture(), account(), org(), OPTIONS);
    const stored = toStoredResults(observation.results);
    expect(Object.keys(stored)).toEqual(observation.results.map((r) => r.controlId));
    expect(
      observationOfStored({
        facts: observation.facts,
        results: stored,
        lastObservedAt: new Date(observation.observedAt),
      }),
    ).toEqual(observation);
  });
});

describe('planAccountResults', () => {
  const compliant = observe(posture({ collectedAt: '2026-03-01T00:00:00.000Z' }), account(), org(), OPTIONS);
  // The same account later without MFA: root.mfa (and the hardware-MFA control) FAIL.
  const noMfa = observe(
    posture({
      collectedAt: '2026-03-02T00:00:00.000Z',
      summary: {
        AccountMFAEnabled: 0,
        AccountAccessKeysPresent: 0,
        AccountPasswordPresent: 1,
        AccountSigningCertificatesPresent: 0,
      },
    }),
    account(),
    org(),
    OPTIONS,
  );
  const failing = (o: Observation) => o.results.filter((r) => r.status === 'FAIL').map((r) => r.controlId);
  const versionOf = (o: Observation) => ({
    fingerprint: postureFingerprint(o.facts, o.results),
    lastObservedAt: new Date(o.observedAt),
  });
  const openFor = (o: Observation) => new Map(failing(o).map((controlId, i) => [controlId, i + 1]));

  it('a first observation creates a version and opens a finding per failing control, with no drift', () => {
    const plan = planAccountResults({ version: null, openFindings: new Map() }, noMfa);
    expect(plan.version).toMatchObject({ decision: 'created', observedAt: new Date(noMfa.observedAt) });
    expect(plan.findings.open.map((r) => r.controlId)).toEqual(failing(noMfa));
    expect(plan.findings.open.length).toBeGreaterThan(0);
    expect(plan.findings).toMatchObject({ keep: [], resolve: [] });
    expect(plan.drift).toEqual([]);
  });

  it('a changed posture supersedes: failing controls open, passing ones resolve, drift against the previous', () => {
    const plan = planAccountResults(
      { version: versionOf(noMfa), observation: noMfa, openFindings: openFor(noMfa) },
      { ...compliant, observedAt: '2026-03-03T00:00:00.000Z' },
    );
    expect(plan.version.decision).toBe('changed');
    const statusIn = (o: Observation, id: string) => o.results.find((r) => r.controlId === id)?.status;
    const resolved = failing(noMfa).filter((id) =>
      ['PASS', 'NOT_APPLICABLE'].includes(statusIn(compliant, id)!),
    );
    expect(resolved).toContain('root.mfa');
    expect(plan.findings.resolve.map((r) => r.result.controlId)).toEqual(resolved);
    expect(plan.findings.resolve.map((r) => r.findingId)).toEqual(
      resolved.map((id) => openFor(noMfa).get(id)),
    );
    expect(plan.findings.open).toEqual([]);
    expect(plan.drift.map((e) => [e.kind, e.controlId, e.from, e.to])).toContainEqual([
      'control_changed',
      'root.mfa',
      'FAIL',
      'PASS',
    ]);
    expect(() =>
      planAccountResults({ version: versionOf(noMfa), openFindings: new Map() }, compliant),
    ).toThrow(/previous observation/);
  });

  it('an unchanged re-scan writes no finding or drift; a still-failing control with a changed posture is kept', () => {
    const again = { ...noMfa, observedAt: '2026-03-05T00:00:00.000Z' };
    const unchanged = planAccountResults({ version: versionOf(noMfa), openFindings: openFor(noMfa) }, again);
    expect(unchanged.version.decision).toBe('touched');
    expect(unchanged.findings).toEqual({ open: [], keep: [], resolve: [] });

    const results: ControlResult[] = noMfa.results.map((r) =>
      r.controlId === 'root.mfa' ? { ...r, reason: 'a new reason' } : r,
    );
    const changedReason = planAccountResults(
      { version: versionOf(noMfa), observation: noMfa, openFindings: openFor(noMfa) },
      { ...again, results },
    );
    expect(changedReason.version.decision).toBe('changed');
    expect(changedReason.findings.keep.map((k) => k.result.controlId)).toEqual(failing(noMfa));
    expect(changedReason.findings.open).toEqual([]);
  });

  it('UNKNOWN neither opens, keeps nor resolves; a stale observation changes nothing', () => {
    const unknown = {
      ...noMfa,
      observedAt: '2026-03-06T00:00:00.000Z',
      results: noMfa.results.map((r) => ({ ...r, status: 'UNKNOWN' as const })),
    };
    const plan = planAccountResults(
      { version: versionOf(noMfa), observation: noMfa, openFindings: openFor(noMfa) },
      unknown,
    );
    expect(plan.findings).toEqual({ open: [], keep: [], resolve: [] });

    // Decided by the caller with the version's own time: a different posture no newer is stale.
    const version = planVersion(versionOf(noMfa), compliant);
    const stale = planAccountResults({ version: versionOf(noMfa), openFindings: openFor(noMfa) }, compliant, {
      ...version,
      decision: decideVersion(versionOf(noMfa), version.fingerprint, new Date(compliant.observedAt)),
    });
    expect(stale.version.decision).toBe('stale');
    expect(stale.findings).toEqual({ open: [], keep: [], resolve: [] });
    expect(stale.drift).toEqual([]);
  });
});
