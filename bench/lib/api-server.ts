// The API process of `pnpm bench:api`: the real app plus a baseline route running SELECT 1 on the same pool.
// Input: one JSON argument; prints "listening <url>". `responseCache` is passed to buildApp as is (the bench
// starts a second process with { ttlMs: 0, immutableMaxBytes: 0 } to measure the routes without their caches).
import { type BuildAppOptions, buildApp, createLogger } from '@rootwatch/api';
import type { RootwatchConfig } from '@rootwatch/config';
import { createAggregatesRepository, createDatabase } from '@rootwatch/db';

const input = JSON.parse(process.argv[2] ?? '{}') as {
  config: RootwatchConfig;
  cursorSecret: string;
  pool: number;
  responseCache?: BuildAppOptions['responseCache'];
};
const database = createDatabase({ url: input.config.databaseUrl, max: input.pool });
const app = await buildApp({
  database,
  config: input.config,
  logger: createLogger({ level: 'warn' }),
  cursorSecret: input.cursorSecret,
  // Limiting stays on (its cost is part of every request) with a budget the benchmark cannot exhaust.
  rateLimit: { max: 1_000_000_000, windowMs: 60_000 },
  collectDefaultMetrics: false,
  responseCache: input.responseCache,
});
const aggregates = createAggregatesRepository({ db: database.db });
app.get('/bench/select1', { config: { auth: 'read' } }, async () => ({ ok: await aggregates.ping() }));
const url = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening ${url}\n`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => database.close())
    .then(() => process.exit(0));
});
