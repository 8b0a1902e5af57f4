import { describe, expect, it } from 'vitest';
import { createProgress } from '../src/progress';

const CLEAR_LINE = '\x1b[K';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, write: (c: string) => chunks.push(c) } };
}

describe('scan progress', () => {
  it('off a terminal, prints one line per 10 % step reached, never the same step twice', () => {
    let t = 0;
    const { chunks, stream } = capture(false);
    const progress = createProgress({ stream, label: 'scan', now: () => t });
    for (let done = 0; done <= 200; done += 7) {
      t += 100;
      progress.update(done, 200);
    }
    progress.update(200, 200);
    progress.finish('done');
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines.map((l) => l.match(/^scan: (\d+)%/)?.[1])).toEqual([
      ...['0', '10', '20', '30', '40', '50', '60', '70', '80', '90', '100'],
      undefined,
    ]);
    expect(lines.at(-1)).toBe('done');
  });

  it('on a terminal, redraws one bar in place with the count and an ETA from the rate so far', () => {
    let t = 0;
    const { chunks, stream } = capture(true);
    const progress = createProgress({ stream, label: 'scan', now: () => t });
    t = 10_000;
    progress.update(25, 100);
    expect(chunks.at(-1)).toBe(
      `\rscan [${'#'.repeat(8)}${'-'.repeat(22)}] 25% 25/100 10.0s ETA 30.0s${CLEAR_LINE}`,
    );
    t = 10_050;
    progress.update(26, 100);
    expect(chunks).toHaveLength(1);
    t = 40_000;
    progress.update(100, 100);
    progress.finish();
    expect(chunks.join('')).not.toContain('\n\r');
    expect(chunks.at(-1)).toBe('\n');
    expect(chunks.at(-2)).toBe(`\rscan [${'#'.repeat(30)}] 100% 100/100 40.0s${CLEAR_LINE}`);
  });
});
