import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateOrg, startSimulator } from '@rootwatch/aws-sim';
import type { IamLoadOptions, IamLoadResult } from '../packages/aws-sim/test/support/iam-load';

// pnpm bench:sim [--workers 2] [--concurrency 32] [--duration-ms 5000] [--max-requests 200000]
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const num = (name: string, fallback: number) => (args.has(name) ? Number(args.get(name)) : fallback);

const WORKERS = num('workers', 2);
const CONCURRENCY = num('concurrency', 32);
const DURATION_MS = num('duration-ms', 5000);
const MAX_REQUESTS = num('max-requests', 200_000);
const GENERATE_ACCOUNTS = 10_000;
const LOAD_WORKER = new URL('../packages/aws-sim/test/support/iam-load.ts', import.meta.url);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Clients run in child processes so the simulator keeps its own core for verification. */
function runWorker(opts: IamLoadOptions): Promise<IamLoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(LOAD_WORKER), ['--iam-load'], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'ignore', 'ipc'],
    });
    child.once('message', (msg: { result?: IamLoadResult; error?: string }) => {
      if (msg.result) resolve(msg.result);
      else reject(new Error(msg.error));
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load process exited with ${code}`));
    });
    child.send({ iamLoad: opts });
  });
}

async function benchGenerate() {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const def = generateOrg({ accounts: GENERATE_ACCOUNTS, seed: 42 + i });
    runs.push(performance.now() - t);
    if (def.accounts.length !== GENERATE_ACCOUNTS)
      throw new Error('generator returned the wrong number of accounts');
  }
  const t = performance.now();
  const sim = await startSimulator({ definition: { generate: { accounts: GENERATE_ACCOUNTS, seed: 42 } } });
  const startMs = performance.now() - t;
  await sim.stop();
  const sorted = [...runs].sort((a, b) => a - b);
  return {
    accounts: GENERATE_ACCOUNTS,
    firstRunMs: round(runs[0]!),
    medianMs: round(percentile(sorted, 50)),
    maxMs: round(sorted[sorted.length - 1]!),
    runsMs: runs.map((r) => round(r)),
    startSimulatorWithGenerateMs: round(startMs),
  };
}

const CLIENTS: Record<IamLoadOptions['mode'], string> = {
  sdk: '@aws-sdk/client-iam IAMClient per call, keep-alive, maxAttempts 1',
  replay: 'one request signed by @smithy/signature-v4, replayed over raw keep-alive HTTP (no SDK cost)',
};

async function benchThroughput(mode: IamLoadOptions['mode']) {
  const sim = await startSimulator({ definition: { generate: { accounts: GENERATE_ACCOUNTS, seed: 42 } } });
  try {
    const base = { mode, endpoint: sim.endpoint, region: sim.region, credentials: sim.credentials };
    // Warm-up: JIT, keep-alive sockets, signing-key caches on both sides.
    await runWorker({ ...base, concurrency: CONCURRENCY, durationMs: 1000, maxRequests: 5000 });
    sim.resetStats();
    // This process only hosts the simulator during the run, so its CPU time is the server's cost.
    const cpuBefore = process.cpuUsage();
    const results = await Promise.all(
      Array.from({ length: WORKERS }, () =>
        runWorker({
          ...base,
          concurrency: CONCURRENCY,
          durationMs: DURATION_MS,
          maxRequests: Math.ceil(MAX_REQUESTS / WORKERS),
        }),
      ),
    );
    const cpu = process.cpuUsage(cpuBefore);
    const requests = results.reduce((n, r) => n + r.requests, 0);
    const serverCpuMicrosPerRequest = (cpu.user + cpu.system) / Math.max(1, requests);
    const errors = results.reduce((n, r) => n + r.errors, 0);
    const elapsedMs = Math.max(...results.map((r) => r.elapsedMs));
    const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    const served = sim.stats().byOperation['iam:GetAccountSummary'] ?? 0;
    if (served !== requests) throw new Error(`simulator counted ${served} calls, clients sent ${requests}`);
    return {
      operation: 'iam:GetAccountSummary (SigV4-signed, verified)',
      mode,
      client: CLIENTS[mode],
      workers: WORKERS,
      concurrencyPerWorker: CONCURRENCY,
      requests,
      errors,
      elapsedMs: round(elapsedMs),
      requestsPerSecond: round((requests / elapsedMs) * 1000),
      serverCpuMicrosPerRequest: round(serverCpuMicrosPerRequest),
      latencyMs: {
        p50: round(percentile(latencies, 50), 2),
        p90: round(percentile(latencies, 90), 2),
        p99: round(percentile(latencies, 99), 2),
      },
    };
  } finally {
    await sim.stop();
  }
}

const generate = await benchGenerate();
console.log(
  `generateOrg(${generate.accounts} accounts): median ${generate.medianMs} ms, first ${generate.firstRunMs} ms, max ${generate.maxMs} ms; ` +
    `startSimulator with generate: ${generate.startSimulatorWithGenerateMs} ms`,
);
const throughput = { sdk: await benchThroughput('sdk'), replay: await benchThroughput('replay') };
for (const t of Object.values(throughput))
  console.log(
    `${t.operation} [${t.mode}: ${t.client}]: ${t.requestsPerSecond} req/s (${t.requests} requests in ${t.elapsedMs} ms, ` +
      `${t.workers} client process(es) x ${t.concurrencyPerWorker} in flight, ${t.errors} errors), ` +
      `latency p50 ${t.latencyMs.p50} ms, p90 ${t.latencyMs.p90} ms, p99 ${t.latencyMs.p99} ms; ` +
      `simulator CPU ${t.serverCpuMicrosPerRequest} µs/request`,
  );

const result = {
  benchmark: 'sim',
  at: new Date().toISOString(),
  node: process.version,
  cpus: cpus().length,
  loadAverage: loadavg(),
  targets: { requestsPerSecond: 3000, generate10kMs: 2000 },
  generate,
  throughput,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/sim.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/sim.json');
