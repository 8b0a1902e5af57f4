import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp, createApiKeysUsecases, createLogger, type RootwatchApp } from '@rootwatch/api';
import { generateOrg, type RunningSimulator, startSimulator } from '@rootwatch/aws-sim';
import { loadConfig } from '@rootwatch/config';
import { createRepositories, type ScanRun } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import { createInlineDispatcher, createScanProducer, type InlineDispatcher } from '@rootwatch/queue';
import { createAwsScanSource, createScanHandlers } from '@rootwatch/worker';
import { registerDashboard } from '../src/index';

export const DEMO_ORG = 'demo';

export interface DemoInstance {
  url: string;
  app: RootwatchApp;
  sim: RunningSimulator;
  testDb: TestDatabase;
  dispatcher: InlineDispatcher;
  /** Keys with `read` + `scans:write`, and with `read` only. */
  keys: { write: string; read: string };
  /**
   * Runs a scan to its end through the same producer the API uses; with `env`, through a producer of its own
   * configured with those variables added (e.g. ROOTWATCH_ACCESS_MODE=root-session).
   */
  scan(env?: Record<string, string>): Promise<ScanRun>;
  stop(): Promise<void>;
}

/**
 * What `rootwatch demo` runs, wired by hand: the AWS simulator over HTTP with the real SDK clients, the real
 * scan handlers behind the inline dispatcher, Postgres, and the real API with the dashboard registered on it.
 */
export async function startDemoInstance({
  accounts,
  seed,
  distDir,
  concurrency = 8,
  env = {},
}: {
  accounts: number;
  seed: number;
  distDir: string;
  concurrency?: number;
  /** Extra configuration variables, e.g. ROOTWATCH_STS_REQUESTS_PER_SECOND for a benchmark. */
  env?: Record<string, string>;
}): Promise<DemoInstance> {
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const sim = await startSimulator({
      definition: generateOrg({ accounts, seed }),
      host: '127.0.0.1',
      port: 0,
    });
    cleanups.push(() => sim.stop());
    const testDb = await createTestDatabase();
    cleanups.push(() => testDb.drop());
    const db = testDb.database.db;

    const configWith = (extra: Record<string, string>) =>
      loadConfig({
        ROOTWATCH_ORG_ID: DEMO_ORG,
        AWS_ENDPOINT_URL: sim.endpoint,
        AWS_REGION: sim.region,
        ROOTWATCH_LOG_LEVEL: 'silent',
        ...env,
        ...extra,
      });
    const config = configWith({});
    const logger = createLogger({ level: config.logLevel });
    /** The scan pipeline `rootwatch demo` runs: the real handlers behind an inline dispatcher. */
    const pipeline = (pipelineConfig: typeof config) => {
      const source = createAwsScanSource({ config: pipelineConfig, logger, credentials: sim.credentials });
      const handlers = createScanHandlers({ db, source, config: pipelineConfig, logger });
      const dispatcher = createInlineDispatcher({ handlers, concurrency });
      cleanups.push(
        () => source.destroy(),
        () => dispatcher.close(),
      );
      return { dispatcher, producer: createScanProducer({ db, dispatcher }) };
    };
    const { dispatcher, producer } = pipeline(config);

    const app = await buildApp({
      database: testDb.database,
      config,
      logger,
      queue: producer,
      rateLimit: false,
    });
    cleanups.push(() => app.close());
    await registerDashboard(app, { distDir });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });

    const apiKeys = createApiKeysUsecases({ db });
    const write = await apiKeys.createApiKey({
      name: 'dashboard-test-write',
      scopes: ['read', 'scans:write'],
    });
    const read = await apiKeys.createApiKey({ name: 'dashboard-test-read', scopes: ['read'] });
    const repos = createRepositories({ db });

    return {
      url,
      app,
      sim,
      testDb,
      dispatcher,
      keys: { write: write.key, read: read.key },
      async scan(extra) {
        const through = extra ? pipeline(configWith(extra)) : { dispatcher, producer };
        const started = await through.producer.startScan({ orgId: DEMO_ORG, trigger: 'demo' });
        for (;;) {
          const run = await repos.scanRuns.get({ id: started.id });
          if (run && !['queued', 'running'].includes(run.status)) {
            await through.dispatcher.idle();
            return run;
          }
          await sleep(100);
        }
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
