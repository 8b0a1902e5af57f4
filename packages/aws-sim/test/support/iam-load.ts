import { Agent, request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { SignatureV4 } from '@smithy/signature-v4';

export interface IamLoadOptions {
  /** `sdk`: the real IAMClient per call. `replay`: one request signed by the SDK's signer, sent again and again over raw HTTP (measures the simulator without client-side SDK cost). */
  mode: 'sdk' | 'replay';
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

const BODY = 'Action=GetAccountSummary&Version=2010-05-08';

/**
 * Signed IAM GetAccountSummary calls, `concurrency` in flight, until `durationMs` or
 * `maxRequests` is reached. Used by bench/sim.bench.ts (in a child process).
 */
export async function runIamLoad(opts: IamLoadOptions): Promise<IamLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.concurrency });
  const call = opts.mode === 'sdk' ? sdkCall(opts, agent) : await replayCall(opts, agent);
  const latencies: number[] = [];
  let started = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + opts.durationMs;
  const lane = async () => {
    while (started < opts.maxRequests && performance.now() < deadline) {
      started++;
      const t = performance.now();
      if (!(await call().catch(() => false))) errors++;
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, lane));
  const elapsedMs = performance.now() - t0;
  agent.destroy();
  return { requests: latencies.length, errors, elapsedMs, latenciesMs: latencies };
}

function sdkCall(opts: IamLoadOptions, agent: Agent): () => Promise<boolean> {
  const client = new IAMClient({
    region: opts.region,
    endpoint: opts.endpoint,
    credentials: opts.credentials,
    maxAttempts: 1,
    requestHandler: { httpAgent: agent },
  });
  return async () => {
    const out = await client.send(new GetAccountSummaryCommand({}));
    return out.SummaryMap?.AccountMFAEnabled !== undefined;
  };
}

async function replayCall(opts: IamLoadOptions, agent: Agent): Promise<() => Promise<boolean>> {
  const url = new URL(opts.endpoint);
  const signed = await new SignatureV4({
    service: 'iam',
    region: opts.region,
    credentials: opts.credentials,
    sha256: Sha256,
  }).sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(BODY)),
    },
    body: BODY,
  });
  return () =>
    new Promise<boolean>((resolve) => {
      const req = request(
        { agent, host: url.hostname, port: url.port, method: 'POST', path: '/', headers: signed.headers },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve(res.statusCode === 200 && text.includes('<key>AccountMFAEnabled</key>')),
          );
        },
      );
      req.on('error', () => resolve(false));
      req.end(BODY);
    });
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
