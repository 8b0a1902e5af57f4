// One scan worker process of `pnpm bench:scan`. Input: one JSON argument; prints "ready".

import { createLogger } from '@rootwatch/api/logger';
import type { RootwatchConfig } from '@rootwatch/config';
import { redisConnection } from '@rootwatch/queue';
import { startWorker } from '@rootwatch/worker';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  config: RootwatchConfig;
  prefix: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxSockets: number;
};

const running = await startWorker({
  config: input.config,
  logger: createLogger({ level: 'warn', name: 'rootwatch-worker' }),
  connection: redisConnection(input.config.redisUrl!),
  prefix: input.prefix,
  recoveryIntervalMs: 0,
  awsSource: { credentials: input.credentials, maxSockets: input.maxSockets, discoveryConcurrency: 64 },
});
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void running.close().then(() => process.exit(0));
});
