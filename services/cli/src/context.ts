import type { RootwatchConfig } from '@rootwatch/config';

/** What every command receives; process globals are read only in main.ts. */
export interface CommandContext {
  argv: string[];
  /**
   * The validated configuration: `loadConfig(process.env)`, with `overrides` (flags mapped onto their
   * variables, e.g. `--region` → `AWS_REGION`) taking precedence so flags get the same validation.
   */
  config: (overrides?: Record<string, string>) => RootwatchConfig;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  debug: boolean;
}

/** A command resolves to its exit code. */
export type Command = (ctx: CommandContext) => Promise<number>;
