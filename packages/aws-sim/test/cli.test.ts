import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { runSimCli } from '../src/index';
import { fixtureDefinition } from './fixture';

async function startCli(argv: string[]) {
  const lines: string[] = [];
  const controller = new AbortController();
  let announced: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    announced = resolve;
  });
  const done = runSimCli(argv, {
    signal: controller.signal,
    print: (line) => {
      lines.push(line);
      if (line.startsWith('export ')) announced();
    },
  });
  await Promise.race([ready, done]);
  return { lines, stop: () => controller.abort(), done };
}

describe('runSimCli', () => {
  it('prints usage for --help', async () => {
    const lines: string[] = [];
    await runSimCli(['--help'], { print: (l) => lines.push(l) });
    expect(lines.join('\n')).toContain('Usage: rootwatch sim [--port 4566]');
  });

  it('generates an org, prints the environment to export, serves it, and stops on abort', async () => {
    const cli = await startCli(['--port', '0', '--accounts', '12', '--seed', '3', '--latency-ms', '0-1']);
    const exportLine = cli.lines.find((l) => l.startsWith('export '))!;
    const env = Object.fromEntries(
      exportLine
        .slice('export '.length)
        .split(' ')
        .map((kv) => kv.split('=') as [string, string]),
    );
    expect(env).toMatchObject({
      AWS_ACCESS_KEY_ID: 'AKIAROOTWATCHSIM0001',
      AWS_SECRET_ACCESS_KEY: 'simulator-secret',
      AWS_REGION: 'us-east-1',
    });
    expect(env.AWS_ENDPOINT_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cli.lines[0]).toContain('12 accounts');
    const sts = new STSClient({
      region: env.AWS_REGION!,
      endpoint: env.AWS_ENDPOINT_URL!,
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! },
      maxAttempts: 1,
    });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    expect(me.Account).toMatch(/^\d{12}$/);
    cli.stop();
    await cli.done;
    await expect(fetch(`${env.AWS_ENDPOINT_URL}/_sim/health`)).rejects.toThrow();
  });

  it('loads --org FILE and reports a malformed definition with its JSON path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aws-sim-cli-'));
    try {
      const good = join(dir, 'org.json');
      await writeFile(good, JSON.stringify(fixtureDefinition()));
      const cli = await startCli(['--port=0', '--org', good]);
      expect(cli.lines[0]).toContain(`${(fixtureDefinition().accounts as unknown[]).length} accounts`);
      cli.stop();
      await cli.done;

      const bad = fixtureDefinition();
      (bad.accounts as { root: unknown }[])[3]!.root = { mfa: 'yes' };
      const badFile = join(dir, 'bad.json');
      await writeFile(badFile, JSON.stringify(bad));
      await expect(runSimCli(['--port', '0', '--org', badFile])).rejects.toThrow(
        'accounts[3].root.mfa: expected "none" | "virtual" | "hardware" | "passkey", got "yes"',
      );
      const notJson = join(dir, 'broken.json');
      await writeFile(notJson, '{ nope');
      await expect(runSimCli(['--port', '0', '--org', notJson])).rejects.toMatchObject({
        code: 'org_definition_invalid',
      });
      await expect(runSimCli(['--port', '0', '--org', join(dir, 'missing.json')])).rejects.toMatchObject({
        code: 'sim_cli_invalid_args',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad arguments with a stable code', async () => {
    await expect(runSimCli(['--port', 'abc'])).rejects.toMatchObject({ code: 'sim_cli_invalid_args' });
    await expect(runSimCli(['--latency-ms', '9-2'])).rejects.toThrow(
      '--latency-ms: MAX must be >= MIN, got "9-2"',
    );
    await expect(runSimCli(['--bogus'])).rejects.toThrow('Unknown option --bogus');
  });
});
