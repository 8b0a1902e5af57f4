import { type RunningSimulator, startSimulator } from '@rootwatch/aws-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/commands';
import { cliEnv, runCli } from './cli-process';

const noStack = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

describe('rootwatch command line', () => {
  it('lists every command with --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toContain(`  ${name}`);
  });

  it.each(Object.keys(COMMANDS))('%s --help prints its usage and exits 0', async (name) => {
    const r = await runCli([name, '--help']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      name === 'sim' ? /Usage: rootwatch sim/ : new RegExp(`^usage: rootwatch ${name}`),
    );
  });

  it.each([
    [['scan', '--once', '--bogus'], /rootwatch scan: Unknown option '--bogus'/],
    [['scan', '--once', '--format', 'xml'], /--format expects one of table, json, csv, got 'xml'/],
    [['scan', '--once', '--fail-on', 'low'], /--fail-on expects one of critical, high, medium, got 'low'/],
    [
      ['scan', '--once', '--access', 'root'],
      /--access expects one of member-role, root-session, auto, got 'root'/,
    ],
    [['scan', '--once', '--concurrency', '0'], /--concurrency expects an integer from 1 to 1000, got '0'/],
    [['scan', '--once', '--region', 'mars'], /--region: got "mars", expected an AWS region/],
    [['scan', '--once', '--org-role-arn', 'nope'], /--org-role-arn: got "nope", expected an IAM role ARN/],
    [['scan', '--once', '--database-url', 'mysql://x'], /--database-url expects a postgres:\/\/ URL/],
    [['scan'], /--once is required/],
    [['scan', '--once', 'extra'], /unexpected argument 'extra'/],
    [['demo', '--accounts', 'many'], /--accounts expects an integer from 1 to 100000, got 'many'/],
    [['demo', '--port'], /Option '--port <value>' argument missing/],
    [['demo', '--api-key', 'secret'], /--api-key expects a key of the form/],
    [['api-keys', 'create'], /create needs --name/],
    [
      ['api-keys', 'create', '--name', 'x', '--scope', 'root'],
      /--scope expects one of read, scans:write, findings:write, exceptions:write, remediations:write, admin/,
    ],
    [['api-keys', 'rotate'], /unknown action 'rotate'/],
    [['nonsense'], /unknown command 'nonsense'/],
  ])('%j is a usage error: one message, the usage line, exit 2', async (args, message) => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(message);
    expect(lines[1]).toMatch(/^usage: rootwatch /);
  });

  it('an invalid environment variable is a configuration error naming it (exit 2)', async () => {
    const r = await runCli(['scan', '--once'], { env: cliEnv({ ROOTWATCH_WORKER_CONCURRENCY: 'lots' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ROOTWATCH_WORKER_CONCURRENCY: got "lots"/);
    noStack(r.stderr);
  });

  it.each([
    [['migrate'], /migrate needs a Postgres database: set DATABASE_URL/],
    [['api-keys', 'list'], /api-keys needs a Postgres database: set DATABASE_URL/],
    [['api'], /api needs a Postgres database: set DATABASE_URL/],
    [['worker'], /worker needs Redis: set REDIS_URL/],
    [['scheduler'], /scheduler needs Redis: set REDIS_URL/],
    [['events'], /events needs the queue: set ROOTWATCH_EVENTS_QUEUE_URL/],
  ])('%j without its database or Redis explains what to set, in one line (exit 2)', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('an unexpected failure is one line and exit 1; --debug adds the stack', async () => {
    // Nothing listens on port 1: the database connection is refused.
    const env = cliEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' });
    const r = await runCli(['migrate'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(/^rootwatch migrate: .*ECONNREFUSED.*\(--debug for details\)$/);
    const debug = await runCli(['migrate', '--debug'], { env });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });
});

describe('rootwatch scan --once without AWS credentials', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ definition: { generate: { accounts: 2, seed: 1 } }, port: 0 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('explains in one line how to provide them (exit 2), without a stack trace', async () => {
    const r = await runCli(['scan', '--once'], {
      env: cliEnv({ AWS_ENDPOINT_URL: sim.endpoint, AWS_REGION: sim.region }),
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rootwatch scan: no AWS credentials found .*AWS_ACCESS_KEY_ID/);
    expect(sim.stats().requests).toBe(0);
  });

  it('wrong credentials fail the scan with the AWS error code in one line (exit 1)', async () => {
    const r = await runCli(['scan', '--once', '--quiet'], {
      env: cliEnv({
        AWS_ENDPOINT_URL: sim.endpoint,
        AWS_REGION: sim.region,
        AWS_ACCESS_KEY_ID: 'AKIAUNKNOWNKEY000000',
        AWS_SECRET_ACCESS_KEY: 'wrong',
      }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^rootwatch scan: scan failed: .*InvalidClientTokenId/);
  });
});
