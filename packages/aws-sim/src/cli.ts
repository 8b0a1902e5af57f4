import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrgDefinitionError } from './org-definition.errors';
import { startSimulator } from './simulator';

export const SIM_USAGE = `Usage: rootwatch sim [--port 4566] [--org FILE] [--accounts N --seed S] [--latency-ms MIN-MAX] [--host 127.0.0.1]

Runs the AWS Organization simulator (Organizations, STS, IAM, Account) on one port.
  --port P           port to listen on (default 4566; 0 = any free port)
  --org FILE         org definition JSON (format: packages/aws-sim/README.md)
  --accounts N       generate N accounts (default 25 when no --org is given)
  --seed S           generator seed (default 42)
  --latency-ms A-B   uniform per-request latency in milliseconds (e.g. 5-40)
  --host H           interface to bind (default 127.0.0.1)
  --help             this text`;

export class SimCliError extends Error {
  readonly code = 'sim_cli_invalid_args';
}

export interface SimCliIo {
  /** Stops the simulator when aborted (besides SIGINT / SIGTERM). */
  signal?: AbortSignal;
  print?: (line: string) => void;
}

interface SimCliArgs {
  help: boolean;
  port: number;
  host: string;
  org?: string;
  accounts?: number;
  seed: number;
  latency?: { min: number; max: number };
}

export function parseSimArgs(argv: string[]): SimCliArgs {
  const args: SimCliArgs = { help: false, port: 4566, host: '127.0.0.1', seed: 42 };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i]!;
    const eq = raw.indexOf('=');
    const flag = raw.startsWith('--') && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith('--') && eq > 0 ? raw.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new SimCliError(`${flag} needs a value`);
      return v;
    };
    const integer = (name: string, v: string, min: number, max: number): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new SimCliError(`${name}: expected an integer from ${min} to ${max}, got "${v}"`);
      return n;
    };
    switch (flag) {
      case '--help':
      case '-h':
        args.help = true;
        break;
      case '--port':
        args.port = integer('--port', value(), 0, 65535);
        break;
      case '--host':
        args.host = value();
        break;
      case '--org':
        args.org = value();
        break;
      case '--accounts':
        args.accounts = integer('--accounts', value(), 1, 100_000);
        break;
      case '--seed':
        args.seed = integer('--seed', value(), 0, 2 ** 32 - 1);
        break;
      case '--latency-ms': {
        const v = value();
        const m = /^(\d+)(?:-(\d+))?$/.exec(v);
        if (!m)
          throw new SimCliError(`--latency-ms: expected MIN-MAX in milliseconds (e.g. 5-40), got "${v}"`);
        const min = Number(m[1]);
        const max = m[2] === undefined ? min : Number(m[2]);
        if (max < min) throw new SimCliError(`--latency-ms: MAX must be >= MIN, got "${v}"`);
        args.latency = { min, max };
        break;
      }
      default:
        throw new SimCliError(`Unknown option ${raw}\n\n${SIM_USAGE}`);
    }
  }
  return args;
}

async function loadDefinition(args: SimCliArgs): Promise<Record<string, unknown>> {
  let definition: Record<string, unknown> = {};
  if (args.org) {
    const text = await readFile(resolve(args.org), 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new SimCliError(`--org: cannot read ${args.org} (${err.code ?? err.message})`);
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new OrgDefinitionError('', `expected valid JSON in ${args.org} (${(err as Error).message})`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      throw new OrgDefinitionError('', 'expected an object', parsed);
    definition = parsed as Record<string, unknown>;
  }
  if (args.accounts !== undefined || !args.org)
    definition = { ...definition, generate: { accounts: args.accounts ?? 25, seed: args.seed } };
  if (args.latency) definition = { ...definition, latencyMs: args.latency };
  return definition;
}

/** `rootwatch sim`: starts the simulator, prints the environment to export, runs until SIGINT/SIGTERM. */
export async function runSimCli(argv: string[], io: SimCliIo = {}): Promise<void> {
  const print = io.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const args = parseSimArgs(argv);
  if (args.help) {
    print(SIM_USAGE);
    return;
  }
  const sim = await startSimulator({
    definition: await loadDefinition(args),
    port: args.port,
    host: args.host,
  });
  const def = sim.definition();
  print(
    `AWS Organization simulator on ${sim.endpoint} — organization ${def.organization.id}, ${def.accounts.length} accounts, management account ${def.organization.managementAccountId}`,
  );
  print('Point the AWS SDK / CLI at it with:');
  print(
    `export AWS_ENDPOINT_URL=${sim.endpoint} AWS_ACCESS_KEY_ID=${sim.credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${sim.credentials.secretAccessKey} AWS_REGION=${sim.region}`,
  );
  print(`(the AWS CLI v1 reads AWS_DEFAULT_REGION=${sim.region} instead of AWS_REGION)`);
  print(`Control API: ${sim.endpoint}/_sim/health, /_sim/org, /_sim/stats (Ctrl-C to stop)`);

  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop);
  });
  await sim.stop();
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && resolve(entry) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  runSimCli(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  });
}
