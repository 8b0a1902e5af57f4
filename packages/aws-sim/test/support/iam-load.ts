import { Agent } from 'node:http';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';

export interface IamLoadOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  concurrency: number;
  durationMs: number;
  maxRequests: number;
}

export interface IamLoadResult {
  requests: number;
  errors: number;
  elapsedMs: number;
  latenciesMs: number[];
}

/**
 * Signed IAM GetAccountSummary calls with the real SDK client, `concurrency` in flight,
 * until `durationMs` or `maxRequests` is reached. Used by bench/sim.bench.ts (in a child process).
 */
export async function runIamLoad(opts: IamLoadOptions): Promise<IamLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const client = new IAMClient({
    region: opts.region,
    endpoint: opts.endpoint,
    credentials: opts.credentials,
    maxAttempts: 1,
    requestHandler: { httpAgent: agent },
  });
  const latencies: number[] = [];
  let started = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  const lane = async () => {
    while (started < opts.maxRequests && performance.now() < deadline) {
      started++;
      const t = performance.now();
      try {
        const out = await client.send(new GetAccountSummaryCommand({}));
        if (out.SummaryMap?.AccountMFAEnabled === undefined) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const elapsedMs = performance.now() - t0;
  client.destroy();
  agent.destroy();
  return { requests: latencies.length, errors, elapsedMs, latenciesMs: latencies };
}

// Forked by bench/sim.bench.ts with `--iam-load`: options arrive over IPC, the result goes back the same way.
if (process.argv.includes('--iam-load') && process.send) {
  process.once('message', (msg: { iamLoad: IamLoadOptions }) => {
    runIamLoad(msg.iamLoad).then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (err: Error) => process.send!({ error: err.message }, () => process.exit(1)),
    );
  });
}
