import { OrgDefinitionError, runSimCli } from '@rootwatch/aws-sim';
import type { Command } from '../context';
import { CliError, EXIT } from '../errors';

/** `rootwatch sim`: the simulator's own CLI (flags and help live in packages/aws-sim). */
export const sim: Command = async (ctx) => {
  try {
    await runSimCli(ctx.argv, { signal: ctx.signal, print: (line) => ctx.stdout.write(`${line}\n`) });
    return EXIT.ok;
  } catch (err) {
    if ((err as { code?: string }).code === 'sim_cli_invalid_args' || err instanceof OrgDefinitionError) {
      throw new CliError((err as Error).message, 'usage', EXIT.usage);
    }
    throw err;
  }
};
