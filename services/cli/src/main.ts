import { ConfigError, loadConfig } from '@rootwatch/config';
import { COMMANDS, type CommandName } from './commands';
import type { Command, CommandContext } from './context';
import { CliError, EXIT, UsageError } from './errors';

// A command module holds its flags and checks them before it imports what does the work (drivers, the AWS
// SDK, Fastify: seconds of loading), so `--help` and usage errors answer at once.
const LOADERS: Record<CommandName, () => Promise<Command>> = {
  demo: async () => (await import('./commands/demo')).demo,
  scan: async () => (await import('./commands/scan')).scan,
  migrate: async () => (await import('./commands/migrate')).migrate,
  'api-keys': async () => (await import('./commands/api-keys')).apiKeys,
  exceptions: async () => (await import('./commands/exceptions')).exceptions,
  api: async () => (await import('./commands/api')).api,
  worker: async () => (await import('./commands/worker')).worker,
  events: async () => (await import('./commands/events')).events,
  scheduler: async () => (await import('./commands/scheduler')).scheduler,
  sim: async () => (await import('./commands/sim')).sim,
  remediate: async () => (await import('./commands/remediate')).remediate,
};

const TOP_USAGE = 'rootwatch <command> [options]   (rootwatch <command> --help for its options)';

function topHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `usage: ${TOP_USAGE}\n\ncommands:\n${Object.entries(COMMANDS)
    .map(([name, what]) => `  ${name.padEnd(width)}  ${what}`)
    .join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    throw new UsageError(`unknown command '${name}'`, TOP_USAGE);
  }

  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    // A second signal means the user is done waiting for a clean stop.
    if (signals > 1) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const ctx: CommandContext = {
    argv: rest,
    config: (overrides = {}) => loadConfig({ ...process.env, ...overrides }),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
    debug: rest.includes('--debug'),
  };
  const command = await LOADERS[name as CommandName]();
  return command(ctx);
}

// The AWS SDK warns on Node 20 about its own future releases; the pinned SDK supports Node 20, and the
// multi-line warning would bury the first line of every command's output.
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (text.startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
}) as typeof process.emitWarning;

const argv = process.argv.slice(2);
const debug = argv.includes('--debug');
const prefix = argv[0] && Object.hasOwn(COMMANDS, argv[0]) ? `rootwatch ${argv[0]}` : 'rootwatch';

let exitCode: number;
try {
  exitCode = await main(argv);
} catch (err) {
  exitCode = reportError(err);
}
// Every command has closed what it opened by now; a library timer or an idle socket must not keep
// a finished one-shot command alive. Writes to files and pipes are synchronous on Linux, so nothing is lost.
await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
process.exit(exitCode);

function reportError(err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`${prefix}: ${err.message}\nusage: ${err.usage}\n`);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${prefix}: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof CliError) {
    process.stderr.write(`${prefix}: ${err.message}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  const e = err as { message?: string; code?: string; stack?: string };
  const code = typeof e?.code === 'string' && !String(e.message).includes(e.code) ? ` [${e.code}]` : '';
  process.stderr.write(
    `${prefix}: ${firstLine(e?.message ?? String(err))}${code}${debug ? '' : ' (--debug for details)'}\n`,
  );
  if (debug && e?.stack) process.stderr.write(`${e.stack}\n`);
  return EXIT.failure;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
