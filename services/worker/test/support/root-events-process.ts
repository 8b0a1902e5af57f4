// A root-events consumer in its own process, so a test can SIGKILL it mid-batch.
// argv[2]: JSON { databaseUrl, queueUrl, endpoint, region, credentials, waitSeconds }.
import { createEventsQueue } from '@rootwatch/aws';
import { createDatabase } from '@rootwatch/db';
import pino from 'pino';
import { startRootEventsConsumer } from '../../src/root-events.consumer';

const opts = JSON.parse(process.argv[2]!) as {
  databaseUrl: string;
  queueUrl: string;
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  waitSeconds: number;
};
const database = createDatabase({ url: opts.databaseUrl, max: 10 });
const queue = createEventsQueue({ ...opts, maxAttempts: 1 });
const consumer = startRootEventsConsumer({
  db: database.db,
  queue,
  logger: pino({ level: 'silent' }),
  waitSeconds: opts.waitSeconds,
  retryDelayMs: 100,
  onOutcome: (_m, outcome) => {
    if (outcome.kind === 'recorded') process.stdout.write('recorded\n');
  },
});
process.stdout.write('ready\n');
process.once('SIGTERM', async () => {
  await consumer.stop();
  queue.destroy();
  await database.close();
  process.exit(0);
});
