// A scan worker in its own process, so a test can SIGKILL it mid-scan. Input: one JSON argument.
import type { RootwatchConfig } from '@rootwatch/config';
import { redisConnection } from '@rootwatch/queue';
import pino from 'pino';
import { startWorker } from '../../src/index';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  config: RootwatchConfig;
  prefix: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  lockDurationMs: number;
  shutdownGraceMs?: number;
  retry: Parameters<typeof startWorker>[0]['retry'];
  /** Runs the worker with its clock this far off (negative: behind), as on a host whose NTP failed. */
  clockSkewMs?: number;
};
const skew = input.clockSkewMs ?? 0;

const running = await startWorker({
  config: input.config,
  logger: pino({ level: 'silent' }),
  connection: redisConnection(input.config.redisUrl!),
  prefix: input.prefix,
  retry: input.retry,
  lockDurationMs: input.lockDurationMs,
  stalledIntervalMs: 1_000,
  recoveryIntervalMs: 0,
  ...(input.shutdownGraceMs ? { shutdownGraceMs: input.shutdownGraceMs } : {}),
  awsSource: { credentials: input.credentials },
  ...(skew ? { now: () => new Date(Date.now() + skew) } : {}),
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  const started = Date.now();
  void running.close().then(() => {
    process.stdout.write(`closed ${Date.now() - started}\n`);
    process.exit(0);
  });
});
