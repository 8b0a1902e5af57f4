import { expect, it } from 'vitest';
import { addStatus, compliancePct, emptyCounts } from '../src/compliance';

it('compliance is PASS / (PASS + FAIL) in percent with one decimal, null with nothing evaluated', () => {
  const counts = emptyCounts();
  addStatus(counts, 'PASS', 2);
  addStatus(counts, 'FAIL', 1);
  addStatus(counts, 'UNKNOWN', 5);
  addStatus(counts, 'NOT_APPLICABLE', 4);
  addStatus(counts, 'SOMETHING_ELSE', 9);
  expect(counts).toEqual({ pass: 2, fail: 1, unknown: 5, not_applicable: 4 });
  expect(compliancePct(counts)).toBe(66.7);
  expect(compliancePct({ pass: 1, fail: 2 })).toBe(33.3);
  expect(compliancePct({ pass: 0, fail: 0 })).toBeNull();
});
