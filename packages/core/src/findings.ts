import type { ControlResult } from './controls/types';

export type FindingDecision = 'open' | 'keep' | 'resolve' | 'none';

/**
 * Finding lifecycle: FAIL opens (or keeps) the account × control finding, PASS or
 * NOT_APPLICABLE resolves it, UNKNOWN neither opens nor resolves.
 */
export function decideFinding(
  openFinding: { status?: string } | null,
  result: Pick<ControlResult, 'status'>,
): FindingDecision {
  switch (result.status) {
    case 'FAIL':
      return openFinding ? 'keep' : 'open';
    case 'PASS':
    case 'NOT_APPLICABLE':
      return openFinding ? 'resolve' : 'none';
    case 'UNKNOWN':
      return openFinding ? 'keep' : 'none';
  }
}

/** Stable across episodes: one open finding per account × control at most. */
export function dedupKey(accountId: string, controlId: string): string {
  return `${accountId}/${controlId}`;
}
