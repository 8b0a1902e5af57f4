export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  update(done: number, total: number): void;
  finish(summary?: string): void;
}

const BAR_WIDTH = 30;
// Redrawing more often than this only costs terminal bandwidth.
const TTY_REDRAW_MS = 100;

/** A bar with ETA on a terminal; one line per 10 % step otherwise (CI logs, pipes). */
export function createProgress({
  stream,
  label,
  now = () => Date.now(),
}: {
  stream: ProgressStream;
  label: string;
  now?: () => number;
}): Progress {
  const started = now();
  const tty = stream.isTTY === true;
  let lastDecile = -1;
  let lastDraw = 0;
  let drawn = false;
  let last = { done: 0, total: 0 };

  const line = (done: number, total: number) => {
    const ratio = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(ratio * BAR_WIDTH);
    const elapsed = (now() - started) / 1000;
    const eta = done > 0 && done < total ? ` ETA ${formatSeconds((elapsed / done) * (total - done))}` : '';
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${Math.floor(ratio * 100)}% ${done}/${total} ${formatSeconds(elapsed)}${eta}`;
  };

  return {
    update(done, total) {
      last = { done, total };
      if (total <= 0) return;
      if (tty) {
        const t = now();
        if (t - lastDraw < TTY_REDRAW_MS && done < total) return;
        lastDraw = t;
        stream.write(`\r${line(done, total)}\x1b[K`);
        drawn = true;
        return;
      }
      const decile = Math.floor((Math.min(done, total) / total) * 10);
      if (decile > lastDecile) {
        lastDecile = decile;
        stream.write(
          `${label}: ${decile * 10}% (${done}/${total}) ${formatSeconds((now() - started) / 1000)}\n`,
        );
      }
    },
    finish(summary) {
      if (tty) {
        if (last.total > 0) stream.write(`\r${line(last.done, last.total)}\x1b[K`);
        if (drawn || last.total > 0) stream.write('\n');
      }
      if (summary) stream.write(`${summary}\n`);
    },
  };
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.round(seconds - m * 60)).padStart(2, '0')}s`;
}
