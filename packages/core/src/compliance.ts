// Browser-safe (no imports with side effects): the dashboard computes the same percentages as the API through
// `@rootwatch/core/compliance`.
import type { ControlStatus } from './vocabulary';

/** Results per control status, keyed as the API's JSON names them. */
export type StatusCounts = { pass: number; fail: number; unknown: number; not_applicable: number };

export const emptyCounts = (): StatusCounts => ({ pass: 0, fail: 0, unknown: 0, not_applicable: 0 });

const KEY_OF_STATUS: Record<ControlStatus, keyof StatusCounts> = {
  PASS: 'pass',
  FAIL: 'fail',
  UNKNOWN: 'unknown',
  NOT_APPLICABLE: 'not_applicable',
};

/** Adds `n` results of `status` (a stored status string; an unknown one counts nowhere). */
export function addStatus(counts: StatusCounts, status: string, n: number): void {
  const key = KEY_OF_STATUS[status as ControlStatus] as keyof StatusCounts | undefined;
  if (key) counts[key] += n;
}

/** PASS share of the evaluated results (PASS + FAIL), in percent with one decimal; null when none. */
export function compliancePct(counts: Pick<StatusCounts, 'pass' | 'fail'>): number | null {
  const evaluated = counts.pass + counts.fail;
  return evaluated === 0 ? null : Math.round((counts.pass / evaluated) * 1000) / 10;
}
