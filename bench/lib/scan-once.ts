import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generateOrg, startSimulator } from '@rootwatch/aws-sim';

/**
 * `pnpm bench:scan --mode once`: `rootwatch scan --once` with the default configuration (only the
 * simulator's endpoint and credentials in its environment) against a simulated org with the scan
 * benchmark's latencies and AWS-shaped throttles, timed end to end from spawning the CLI (start-up,
 * discovery, every account, the report) to its exit.
 */
export interface ScanOnceScenario {
  accounts: number;
  seed: number;
  latencyMs: { min: number; max: number };
  credentialReportDelayMs: number;
  assumeRolePerSecond: number;
  /** Organizations requests per second per caller (the simulator's throttle). */
  organizationsPerSecond: number;
  /** Write the CLI process' V8 CPU profile into this directory. */
  cpuProfileDir?: string;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function runScanOnceBench(scenario: ScanOnceScenario): Promise<void> {
  const definition = {
    ...generateOrg({ accounts: scenario.accounts, seed: scenario.seed }),
    latencyMs: scenario.latencyMs,
    credentialReportDelayMs: scenario.credentialReportDelayMs,
    throttle: {
      'sts:AssumeRole': scenario.assumeRolePerSecond,
      iam: 0,
      organizations: scenario.organizationsPerSecond,
    },
  };
  const active = definition.accounts.filter((a) => a.state === 'ACTIVE').length;
  const parents = 1 + definition.organizationalUnits.length;
  console.log(
    `bench:scan --mode once — rootwatch scan --once, ${scenario.accounts} accounts (${active} active), default configuration`,
  );
  const sim = await startSimulator({ definition, port: 0 });
  const cli = fileURLToPath(new URL('../../services/cli/bin/rootwatch.mjs', import.meta.url));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL: sim.endpoint,
    AWS_ACCESS_KEY_ID: sim.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sim.credentials.secretAccessKey,
    AWS_REGION: sim.region,
    ROOTWATCH_MEMBER_ROLE: definition.auditRole.name,
  };
  const started = performance.now();
  const simCpuBefore = process.cpuUsage();
  // The CLI's CPU seconds (user + system), sampled from /proc while it runs (the last sample is at most
  // one interval before its exit): a figure the shared machine's load moves far less than wall time.
  let cliCpuSeconds = 0;
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...(scenario.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', scenario.cpuProfileDir] : []),
        cli,
        'scan',
        '--once',
        '--quiet',
        '--format',
        'json',
        '--output',
        '/dev/null',
      ],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const sampler = setInterval(() => {
      void readFile(`/proc/${child.pid}/stat`, 'utf8')
        .then((stat) => {
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          cliCpuSeconds = (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
        })
        .catch(() => {});
    }, 100);
    child.once('error', reject);
    child.once('exit', (c) => {
      clearInterval(sampler);
      resolve(c);
    });
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const simCpu = process.cpuUsage(simCpuBefore);
  const stats = sim.stats();
  await sim.stop();

  // Lower bound: AssumeRole admits `assumeRolePerSecond`, and the last account still needs its shortest
  // critical path (AssumeRole → GenerateCredentialReport → report delay → GetCredentialReport); discovery
  // needs at least DescribeOrganization, ListRoots and two list calls per parent within the
  // Organizations throttle before the first account starts.
  const discoveryCalls = 2 + 2 * parents;
  const discoveryBound =
    scenario.organizationsPerSecond > 0 ? discoveryCalls / scenario.organizationsPerSecond : 0;
  const lowerBoundSeconds =
    discoveryBound +
    active / scenario.assumeRolePerSecond +
    (3 * scenario.latencyMs.min + scenario.credentialReportDelayMs) / 1000;
  // The bound the calls actually made put on the run: every Organizations call of the run within the
  // throttle (today's call pattern reads tags and SCP attachments per account from the management
  // account, so this, not AssumeRole, bounds a throttled run).
  const organizationsCalls = Object.entries(stats.byOperation)
    .filter(([op]) => op.startsWith('organizations:'))
    .reduce((n, [, c]) => n + c, 0);
  const callPatternBoundSeconds = Math.max(
    lowerBoundSeconds,
    scenario.organizationsPerSecond > 0 ? organizationsCalls / scenario.organizationsPerSecond : 0,
  );
  const result = {
    benchmark: 'scan-once',
    at: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadAverage: loadavg().map((l) => round(l)),
    scenario: { ...scenario, activeAccounts: active, parents },
    target: { ratio: 1.5 },
    exitCode: code,
    lowerBoundSeconds: round(lowerBoundSeconds, 1),
    wallSeconds: round(wallSeconds, 1),
    ratio: round(wallSeconds / lowerBoundSeconds),
    // CPU per account: the CLI process, and the simulator (this process: the simulator's own cost, not
    // Rootwatch's, but it shares the machine's cores with the CLI).
    cpuMsPerAccount: {
      cli: round((cliCpuSeconds * 1000) / scenario.accounts, 1),
      simulator: round((simCpu.user + simCpu.system) / 1000 / scenario.accounts, 1),
    },
    organizationsCalls,
    callPatternBoundSeconds: round(callPatternBoundSeconds, 1),
    ratioToCallPatternBound: round(wallSeconds / callPatternBoundSeconds),
    awsCalls: stats.requests,
    awsThrottled: stats.throttled,
    awsCallsByOperation: stats.byOperation,
    ...(code === 0 ? {} : { stderr: stderr.slice(-2000) }),
  };
  await mkdir(new URL('../results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL('../results/scan-once.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `scan --once: ${round(wallSeconds, 1)} s (exit ${code}) against a lower bound of ${round(lowerBoundSeconds, 1)} s — ratio ${round(wallSeconds / lowerBoundSeconds)} (target ≤ 1.5); ${organizationsCalls} Organizations calls bound it at ${round(callPatternBoundSeconds, 1)} s (ratio ${round(wallSeconds / callPatternBoundSeconds)}); CPU ${round((cliCpuSeconds * 1000) / scenario.accounts, 1)} ms per account (load ${loadavg()
      .map((l) => round(l))
      .join(' ')})`,
  );
}
