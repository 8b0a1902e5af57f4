export type StatusCounts = { pass: number; fail: number; unknown: number; not_applicable: number };

export const emptyCounts = (): StatusCounts => ({ pass: 0, fail: 0, unknown: 0, not_applicable: 0 });

const KEY_OF_STATUS: Record<string, keyof StatusCounts> = {
  PASS: 'pass',
  FAIL: 'fail',
  UNKNOWN: 'unknown',
  NOT_APPLICABLE: 'not_applicable',
};

export function addStatus(counts: StatusCounts, status: string, n: number): void {
  const key = KEY_OF_STATUS[status];
  if (key) counts[key] += n;
}

/** PASS share of the evaluated results (PASS + FAIL), in percent with one decimal; null when none. */
export function compliancePct(counts: Pick<StatusCounts, 'pass' | 'fail'>): number | null {
  const evaluated = counts.pass + counts.fail;
  return evaluated === 0 ? null : Math.round((counts.pass / evaluated) * 1000) / 10;
}
