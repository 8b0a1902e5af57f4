import { describe, expect, it } from 'vitest';
import { outcomeOf, retryableFailure, UNREACHABLE_KINDS } from '../src/scan-outcome';
import { scanRunAwaitsFinalization, scanRunDone } from '../src/scan-run';
import { denied, posture } from './fixtures';

const error = (
  kind: 'throttled' | 'transient' | 'expired' | 'not_found' | 'region_disabled' | 'malformed',
) => ({
  kind,
  code: kind,
  message: kind,
});

describe('outcomeOf', () => {
  it('assessed when covered; unreachable when the role cannot be used as deployed; error otherwise', () => {
    expect(outcomeOf(posture())).toEqual({ outcome: 'assessed', error: null });
    expect(outcomeOf(posture({ assumeError: denied() }))).toMatchObject({
      outcome: 'unreachable',
      error: { kind: 'denied', code: 'AccessDenied' },
    });
    for (const kind of ['not_found', 'region_disabled'] as const)
      expect(outcomeOf(posture({ assumeError: error(kind) })).outcome).toBe('unreachable');
    expect(outcomeOf(posture({ assumeError: error('transient') }))).toMatchObject({
      outcome: 'error',
      error: { kind: 'transient' },
    });
    expect(outcomeOf(posture({ summary: error('malformed') })).outcome).toBe('error');
    expect([...UNREACHABLE_KINDS].sort()).toEqual(['denied', 'not_found', 'region_disabled']);
  });
});

describe('retryableFailure', () => {
  it('names a throttled, expired or transient role or required read; a denial or a slow report is final', () => {
    expect(retryableFailure(posture())).toBeNull();
    for (const kind of ['throttled', 'transient', 'expired'] as const)
      expect(retryableFailure(posture({ assumeError: error(kind) }))).toMatchObject({ kind });
    expect(retryableFailure(posture({ assumeError: denied() }))).toBeNull();
    expect(retryableFailure(posture({ row: error('throttled') }))).toMatchObject({ kind: 'throttled' });
    expect(retryableFailure(posture({ mfaDevices: error('expired') }))).toMatchObject({ kind: 'expired' });
    expect(retryableFailure(posture({ summary: error('transient') }))).toMatchObject({ kind: 'transient' });
    // A transient failure of an optional read only makes its own controls UNKNOWN.
    expect(retryableFailure(posture({ passwordPolicy: error('transient') }))).toBeNull();
  });
});

describe('scan run completion', () => {
  const run = { status: 'running' as const, total: 4, assessed: 1, unreachable: 1, errored: 1, skipped: 0 };
  it('awaits finalization only when running with every account recorded', () => {
    expect(scanRunDone(run)).toBe(3);
    expect(scanRunAwaitsFinalization(run)).toBe(false);
    expect(scanRunAwaitsFinalization({ ...run, skipped: 1 })).toBe(true);
    expect(scanRunAwaitsFinalization({ ...run, skipped: 1, status: 'succeeded' })).toBe(false);
    expect(scanRunAwaitsFinalization(null)).toBe(false);
  });
});
