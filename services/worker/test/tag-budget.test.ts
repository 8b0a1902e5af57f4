import { describe, expect, it } from 'vitest';
import { readsTagsThisRun } from '../src/tag-budget';

const ids = Array.from({ length: 10_000 }, (_, i) => String(100_000_000_000 + i));
const reads = (runId: string, budget: number, isNew = false) =>
  ids.filter((accountId) => readsTagsThisRun({ runId, accountId, isNew, total: ids.length, budget }));

describe('tag reads within a per-scan budget', () => {
  it('always reads an account new to Rootwatch, whatever the budget', () => {
    expect(reads('run-1', 0, true)).toHaveLength(ids.length);
  });

  it('reads every account when the budget covers the organization, none of the known ones at 0', () => {
    expect(reads('run-1', 10_000)).toHaveLength(ids.length);
    expect(reads('run-1', 0)).toHaveLength(0);
  });

  it('reads about `budget` known accounts a scan, a different sample each run, the same on a retry', () => {
    const first = reads('run-1', 1000);
    const second = reads('run-2', 1000);
    for (const sample of [first, second]) {
      expect(sample.length).toBeGreaterThan(850);
      expect(sample.length).toBeLessThan(1150);
    }
    const overlap = first.filter((id) => second.includes(id)).length;
    // Independent samples of 10 %: about 100 in common, far from the same set.
    expect(overlap).toBeLessThan(200);
    expect(reads('run-1', 1000)).toEqual(first);
  });

  it('refreshes every account within a few dozen scans at 10 % a scan', () => {
    const seen = new Set<string>();
    for (let run = 0; run < 60; run++) for (const id of reads(`run-${run}`, 1000)) seen.add(id);
    // P(never read in 60 runs) = 0.9^60 ≈ 0.2 %: about 20 of 10,000.
    expect(ids.length - seen.size).toBeLessThan(60);
  });
});
