import type { RootwatchConfig } from '@rootwatch/config';

/** What every command receives; process globals are read only in main.ts. */
export interface CommandContext {
  argv: string[];
  /** The validated configuration (`loadConfig(process.env)`); commands map their flags onto it. */
  config: () => RootwatchConfig;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  debug: boolean;
}

/** A command resolves to its exit code. */
export type Command = (ctx: CommandContext) => Promise<number>;
