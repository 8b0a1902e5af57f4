import { effectiveCoverage } from './facts';
import type { RootPosture, SourceError, SourceErrorKind } from './posture';
import type { ScanOutcome } from './vocabulary';

/** What an account job records: `skipped` is decided by discovery (account not ACTIVE), never by a job. */
export type RecordedOutcome = Exclude<ScanOutcome, 'skipped'>;

/** The role cannot be used as deployed: recorded as unreachable at once, never retried. */
export const UNREACHABLE_KINDS: ReadonlySet<SourceErrorKind> = new Set<SourceErrorKind>([
  'denied',
  'not_found',
  'region_disabled',
]);

const RETRYABLE_COVERAGE_KINDS: ReadonlySet<SourceErrorKind> = new Set<SourceErrorKind>([
  'throttled',
  'transient',
  'expired',
]);

/**
 * A failure another attempt may not hit: throttling of any read, or the role / required read
 * failing transiently. A slow or malformed credential report only makes its own controls UNKNOWN.
 */
export function retryableFailure(posture: RootPosture): SourceError | null {
  if (!posture.coverage.assumed && RETRYABLE_COVERAGE_KINDS.has(posture.coverage.error.kind)) {
    return posture.coverage.error;
  }
  const sources = [
    posture.accountSummary,
    posture.credentialReport,
    posture.virtualMfaDevices,
    posture.passwordPolicy,
  ];
  for (const source of sources) {
    if (!source.ok && (source.error.kind === 'throttled' || source.error.kind === 'expired'))
      return source.error;
  }
  if (!posture.accountSummary.ok && posture.accountSummary.error.kind === 'transient') {
    return posture.accountSummary.error;
  }
  return null;
}

/** The outcome an account's posture records: assessed when covered, else unreachable or error by the failure's kind. */
export function outcomeOf(posture: RootPosture): { outcome: RecordedOutcome; error: SourceError | null } {
  const coverage = effectiveCoverage(posture);
  if (coverage.ok) return { outcome: 'assessed', error: null };
  const error = { kind: coverage.kind, code: coverage.code, message: coverage.message };
  return { outcome: UNREACHABLE_KINDS.has(coverage.kind) ? 'unreachable' : 'error', error };
}
