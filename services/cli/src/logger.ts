import { createLogger, type Logger } from '@rootwatch/api/logger';
import type { LogLevel } from '@rootwatch/config';
import pino from 'pino';

/** JSON lines on stderr (stdout stays for command output), credentials scrubbed like the API's own log. */
export function createCliLogger({ level, name }: { level: LogLevel; name: string }): Logger {
  return createLogger({ level, name, destination: pino.destination({ fd: 2, sync: true }) });
}

/** Resolves when the command's signal aborts (SIGINT/SIGTERM). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
