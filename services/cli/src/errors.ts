import { RootwatchError } from '@rootwatch/core';

/** Exit codes of `rootwatch` (documented in the README). */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  failOn: 3,
} as const;

/** An error the CLI reports as one line, with a chosen exit code (never a stack trace). */
export class CliError extends RootwatchError {
  constructor(
    message: string,
    code: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super({ code, message });
    this.name = 'CliError';
  }
}

/** A bad command line: printed with the command's usage line, exit 2. */
export class UsageError extends CliError {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message, 'usage', EXIT.usage);
    this.name = 'UsageError';
  }
}

export const missingSetting = (what: string) => new CliError(what, 'config_missing', EXIT.usage);
