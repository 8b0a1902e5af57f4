import type { LogLevel } from '@rootwatch/config';
import pino, { type Logger } from 'pino';

/** The process logger of a worker (JSON lines on stdout); the CLI and benchmarks use it too. */
export function createLogger({
  level = 'info',
  name = 'rootwatch-worker',
}: {
  level?: LogLevel;
  name?: string;
} = {}): Logger {
  // pino.stdSerializers.err drops nothing secret of ours: errors carry codes and redacted AWS messages.
  return pino({ level, name });
}
