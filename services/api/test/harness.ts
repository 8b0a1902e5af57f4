import { Writable } from 'node:stream';
import { generateOrg, type RunningSimulator, startSimulator } from '@rootwatch/aws-sim';
import { loadConfig, type RootwatchConfig } from '@rootwatch/config';
import { createRepositories, type ScanRun } from '@rootwatch/db';
import { createTestDatabase, type TestDatabase } from '@rootwatch/db/testing';
import {
  createInlineDispatcher,
  createScanProducer,
  type InlineDispatcher,
  type ScanProducer,
} from '@rootwatch/queue';
import {
  createAwsScanSource,
  createScanHandlers,
  createScanMetrics,
  type ScanMetrics,
} from '@rootwatch/worker';
import {
  type BuildAppOptions,
  buildApp,
  createApiKeysUsecases,
  createLogger,
  type RootwatchApp,
} from '../src/index';
import { buildMetricsApp } from '../src/metrics-server';

export const ORG = 'sim-org';

/** Every log line written by the API and the worker, for the "no secret in logs" checks. */
export function createLogCapture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream, text: () => lines.join('') };
}

export type ScanEnvironment = {
  sim: RunningSimulator;
  proxy?: Awaited<ReturnType<typeof startRecordingProxy>>;
  testDb: TestDatabase;
  config: RootwatchConfig;
  app: RootwatchApp;
  producer: ScanProducer;
  dispatcher: InlineDispatcher;
  scanMetrics: ScanMetrics;
  logs: ReturnType<typeof createLogCapture>;
  keys: ReturnType<typeof createApiKeysUsecases>;
  /** A full scan of the simulated org through the pipeline's handlers (inline dispatcher); resolves when finished. */
  scan(): Promise<ScanRun>;
  /** `/_sim` control API: deep-merge a partial account (drift between scans). */
  patchAccount(accountId: string, patch: unknown): Promise<void>;
  close(): Promise<void>;
};

export async function createScanEnvironment({
  accounts = 24,
  seed = 11,
  referenceTime,
  recordWire = false,
  app: appOptions = {},
  env = {},
  concurrency = 8,
  reportPolling,
}: {
  accounts?: number;
  seed?: number;
  referenceTime?: number;
  /** Route AWS calls through a recording proxy (see `proxy`). */
  recordWire?: boolean;
  app?: Partial<BuildAppOptions>;
  /** More configuration variables (loadConfig). */
  env?: Record<string, string>;
  /** Accounts scanned at once by the inline dispatcher (default 8). */
  concurrency?: number;
  /** Credential report polling of the scan source (default the collector's: first poll after 1.5 s). */
  reportPolling?: { initialDelayMs?: number; stepMs?: number };
} = {}): Promise<ScanEnvironment> {
  const definition = generateOrg({ accounts, seed, referenceTime });
  const sim = await startSimulator({ definition, port: 0, host: '127.0.0.1' });
  const proxy = recordWire ? await startRecordingProxy(sim.endpoint) : undefined;
  const testDb = await createTestDatabase();
  const logs = createLogCapture();
  const logger = createLogger({ level: 'debug', destination: logs.stream });
  const config = loadConfig({
    ROOTWATCH_ORG_ID: ORG,
    AWS_REGION: sim.region,
    AWS_ENDPOINT_URL: proxy?.endpoint ?? sim.endpoint,
    ROOTWATCH_WORKER_CONCURRENCY: '8',
    ...env,
  });
  const db = testDb.database.db;
  const scanMetrics = createScanMetrics();
  const source = createAwsScanSource({
    config,
    logger,
    credentials: sim.credentials,
    observer: scanMetrics,
    ...(reportPolling ? { reportPolling } : {}),
  });
  const handlers = createScanHandlers({ db, source, config, logger, observer: scanMetrics });
  const dispatcher = createInlineDispatcher({ handlers, concurrency });
  const producer = createScanProducer({ db, dispatcher });
  const app = await buildApp({
    database: testDb.database,
    config,
    logger,
    queue: producer,
    cursorSecret: 'test-cursor-secret',
    rateLimit: false,
    // The security tests send many keyless requests from one address; unauthenticated.test.ts tests this limit.
    preAuthLimit: false,
    scanCounters: scanMetrics,
    collectDefaultMetrics: false,
    // Tests read right after writes; the micro-cache (response-caches.test.ts turns it on) would make them wait.
    responseCache: { ttlMs: 0 },
    ...appOptions,
  });
  await app.ready();
  const repos = createRepositories({ db });

  return {
    sim,
    proxy,
    testDb,
    config,
    app,
    producer,
    dispatcher,
    scanMetrics,
    logs,
    keys: createApiKeysUsecases({ db }),
    async scan() {
      const started = await producer.startScan({ orgId: ORG, trigger: 'api' });
      await dispatcher.idle();
      const run = await repos.scanRuns.get({ id: started.id });
      if (!run || (run.status !== 'succeeded' && run.status !== 'partial')) {
        throw new Error(`scan ended ${run?.status}: ${run?.errorCode} ${run?.errorMessage}`);
      }
      return run;
    },
    async patchAccount(accountId, patch) {
      const response = await fetch(`${sim.endpoint}/_sim/accounts/${accountId}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(patch),
      });
      if (!response.ok) throw new Error(`PATCH ${accountId}: ${response.status} ${await response.text()}`);
    },
    async close() {
      await app.close();
      await dispatcher.close();
      source.destroy();
      await proxy?.stop();
      await sim.stop();
      await testDb.drop();
    },
  };
}

/** GET with a key; returns status, headers and parsed JSON (when JSON). */
/** POST through the app as `key`, JSON in (when `payload` is given) and out. */
export async function postJson(app: RootwatchApp, key: string, url: string, payload?: unknown) {
  const response = await app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: `Bearer ${key}`,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field.
  const json: any = response.body ? JSON.parse(response.body) : null;
  return { status: response.statusCode, json };
}

export async function get(
  app: RootwatchApp,
  url: string,
  key?: string,
  headers: Record<string, string> = {},
) {
  const response = await app.inject({
    method: 'GET',
    url,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
  });
  const isJson = String(response.headers['content-type'] ?? '').startsWith('application/json');
  return {
    status: response.statusCode,
    headers: response.headers,
    body: response.body,
    // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field.
    json: (isJson && response.body ? JSON.parse(response.body) : undefined) as any,
  };
}

/** GET /metrics of the app's separate metrics listener (buildMetricsApp, what startApi serves on its own port). */
export async function scrape(app: RootwatchApp): Promise<string> {
  const metricsApp = buildMetricsApp({ registry: app.metrics.registry });
  try {
    const response = await metricsApp.inject({ method: 'GET', url: '/metrics' });
    if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}`);
    return response.body;
  } finally {
    await metricsApp.close();
  }
}

/**
 * A pass-through HTTP proxy in front of the simulator that keeps every response body, so a test knows the
 * session credentials STS handed to the worker. The Host header is forwarded unchanged: SigV4 still verifies.
 */
export async function startRecordingProxy(target: string) {
  const { createServer, request } = await import('node:http');
  const bodies: string[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          bodies.push(body.toString('utf8'));
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bodies,
    /** Every SecretAccessKey and SessionToken that crossed the wire. */
    secrets(): string[] {
      const text = bodies.join('\n');
      return [...text.matchAll(/<(?:SecretAccessKey|SessionToken)>([^<]+)</g)].map((m) => m[1]!);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
