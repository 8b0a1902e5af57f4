// One root-events consumer process for bench/events.bench.ts (so one can be SIGKILLed mid-run).
// argv[2]: JSON { databaseUrl, queueUrl, endpoint, region, credentials }.

import { createLogger } from '@rootwatch/api';
import { createEventsQueue } from '@rootwatch/aws';
import { createDatabase } from '@rootwatch/db';
import { startRootEventsConsumer } from '@rootwatch/worker';

const opts = JSON.parse(process.argv[2]!) as {
  databaseUrl: string;
  queueUrl: string;
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};
const database = createDatabase({ url: opts.databaseUrl, max: 10 });
const queue = createEventsQueue({ ...opts, maxAttempts: 3 });
const consumer = startRootEventsConsumer({
  db: database.db,
  queue,
  logger: createLogger({ level: 'warn' }),
  waitSeconds: 1,
  retryDelayMs: 200,
});
process.stdout.write('ready\n');
process.once('SIGTERM', async () => {
  await consumer.stop();
  queue.destroy();
  await database.close();
  process.exit(0);
});
