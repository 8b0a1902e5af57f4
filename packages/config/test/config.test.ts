import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../src';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

function writeConfigFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'rootwatch-config-')), 'config.json');
  writeFileSync(path, content);
  return path;
}

describe('loadConfig', () => {
  it('when nothing is set, it runs embedded with one default organization', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.api).toEqual({
      host: '0.0.0.0',
      port: 3000,
      trustProxy: false,
      metricsPort: 9464,
      preAuthLimitPerMinute: 60,
    });
    // A stuck run ends within quiet + interval = 6 min of its last account's last attempt (issue 13: 15 min).
    expect(config.recovery).toEqual({ intervalMs: 60_000, quietMs: 300_000, maxGenerations: 3 });
    expect(config.usageWindowDays).toBe(90);
    expect(config.retentionDays).toBe(90);
    expect(config.organizations).toEqual([
      { id: 'default', memberRoleName: 'RootwatchAudit', schedule: '0 */6 * * *', region: 'us-east-1' },
    ]);
  });

  it("reads the access mode: ROOTWATCH_ACCESS_MODE is every organization's default, a file organization overrides it", () => {
    expect(loadConfig({ ROOTWATCH_ACCESS_MODE: 'auto' }).organizations[0]!.access).toBe('auto');
    // The default leaves the field out: configs built before access modes compare equal.
    expect(loadConfig({ ROOTWATCH_ACCESS_MODE: 'member-role' }).organizations[0]).not.toHaveProperty(
      'access',
    );
    const path = writeConfigFile(
      JSON.stringify({
        organizations: [{ id: 'a' }, { id: 'b', access: 'member-role' }, { id: 'c', access: 'auto' }],
      }),
    );
    const orgs = loadConfig({ ROOTWATCH_CONFIG: path, ROOTWATCH_ACCESS_MODE: 'root-session' }).organizations;
    expect(orgs.map((o) => o.access)).toEqual(['root-session', undefined, 'auto']);
    expect(errorOf({ ROOTWATCH_ACCESS_MODE: 'root' }).issues[0]).toMatchObject({
      variable: 'ROOTWATCH_ACCESS_MODE',
      received: 'root',
      expected: 'member-role, root-session or auto',
    });
    const bad = writeConfigFile(JSON.stringify({ organizations: [{ id: 'a', access: 'sometimes' }] }));
    expect(errorOf({ ROOTWATCH_CONFIG: bad }).issues[0]?.variable).toBe(
      `ROOTWATCH_CONFIG (${bad}) organizations[0].access`,
    );
  });

  it('accepts regions of every partition, the European Sovereign Cloud included', () => {
    for (const region of ['us-gov-west-1', 'cn-northwest-1', 'eusc-de-east-1', 'eu-isoe-west-1']) {
      expect(loadConfig({ AWS_REGION: region }).aws.region).toBe(region);
    }
    expect(() => loadConfig({ AWS_REGION: 'useast1' })).toThrow(ConfigError);
  });

  it('when one organization is given by environment variables, it uses them', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://rootwatch:pw@db:5432/rootwatch',
      REDIS_URL: 'redis://redis:6379',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      ROOTWATCH_ORG_ID: 'main',
      ROOTWATCH_ORG_ROLE_ARN: 'arn:aws:iam::111111111111:role/RootwatchScanner',
      ROOTWATCH_MEMBER_ROLE: 'Audit',
      ROOTWATCH_EXTERNAL_ID: 'ext-123',
      ROOTWATCH_SCHEDULE: '*/15 * * * *',
      ROOTWATCH_WORKER_CONCURRENCY: '8',
    });
    expect(config.aws).toEqual({ region: 'eu-west-1', endpointUrl: 'http://127.0.0.1:4566' });
    expect(config.worker.concurrency).toBe(8);
    expect(config.organizations).toEqual([
      {
        id: 'main',
        discoveryRoleArn: 'arn:aws:iam::111111111111:role/RootwatchScanner',
        memberRoleName: 'Audit',
        externalId: 'ext-123',
        schedule: '*/15 * * * *',
        region: 'eu-west-1',
      },
    ]);
  });

  it('when a value is invalid, the error names the variable, the value and the expected form', () => {
    const err = errorOf({
      ROOTWATCH_API_PORT: 'abc',
      ROOTWATCH_LOG_LEVEL: 'loud',
      ROOTWATCH_SCHEDULE: 'every day',
    });
    expect(err.code).toBe('config_invalid');
    expect(err.issues).toEqual([
      { variable: 'ROOTWATCH_API_PORT', received: 'abc', expected: 'an integer from 0 to 65535' },
      {
        variable: 'ROOTWATCH_LOG_LEVEL',
        received: 'loud',
        expected: 'one of fatal, error, warn, info, debug, trace, silent',
      },
      {
        variable: 'ROOTWATCH_SCHEDULE',
        received: 'every day',
        expected: 'a cron pattern (5 or 6 fields, got 2)',
      },
    ]);
    expect(err.message).toContain('ROOTWATCH_API_PORT: got "abc", expected an integer from 0 to 65535');
  });

  it('trusts X-Forwarded-For only from a hop count or listed proxies, never from everyone', () => {
    expect(loadConfig({ ROOTWATCH_TRUST_PROXY: '2' }).api.trustProxy).toBe(2);
    expect(loadConfig({ ROOTWATCH_TRUST_PROXY: 'false' }).api.trustProxy).toBe(false);
    expect(loadConfig({ ROOTWATCH_TRUST_PROXY: '10.0.0.0/8, 192.168.1.7,fd00::/8' }).api.trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
    ]);
    for (const bad of ['true', '10.0.0.0/33', 'proxy.internal', '11']) {
      expect(errorOf({ ROOTWATCH_TRUST_PROXY: bad }).issues[0]).toMatchObject({
        variable: 'ROOTWATCH_TRUST_PROXY',
        received: bad,
      });
    }
  });

  it('when a cron pattern has the right shape but impossible values, it is refused', () => {
    const err = errorOf({ ROOTWATCH_SCHEDULE: '0 25 * * *' });
    expect(err.issues[0]?.variable).toBe('ROOTWATCH_SCHEDULE');
    expect(err.issues[0]?.expected).toMatch(/^a cron pattern \(/);
  });

  it('when a connection URL is malformed, its password is not echoed', () => {
    const err = errorOf({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
    expect(err.issues[0]).toEqual({
      variable: 'DATABASE_URL',
      received: 'mysql://user:***@db/x',
      expected: 'a URL starting with postgres:// or postgresql://',
    });
    expect(err.message).not.toContain('hunter2');
  });

  it('when the role ARN or ExternalId is malformed, it says so', () => {
    const err = errorOf({ ROOTWATCH_ORG_ROLE_ARN: 'RootwatchScanner', ROOTWATCH_EXTERNAL_ID: 'x' });
    expect(err.issues.map((i) => i.variable)).toEqual(['ROOTWATCH_ORG_ROLE_ARN', 'ROOTWATCH_EXTERNAL_ID']);
  });

  it('when a config file lists several organizations, each gets the defaults it does not set', () => {
    const path = writeConfigFile(
      JSON.stringify({
        organizations: [
          { id: 'prod', discoveryRoleArn: 'arn:aws:iam::111111111111:role/Scanner', externalId: 'abc123' },
          { id: 'gov', region: 'us-gov-west-1', schedule: '0 * * * *' },
        ],
      }),
    );
    const config = loadConfig({ ROOTWATCH_CONFIG: path });
    expect(config.organizations).toEqual([
      {
        id: 'prod',
        discoveryRoleArn: 'arn:aws:iam::111111111111:role/Scanner',
        memberRoleName: 'RootwatchAudit',
        externalId: 'abc123',
        schedule: '0 */6 * * *',
        region: 'us-east-1',
      },
      { id: 'gov', memberRoleName: 'RootwatchAudit', schedule: '0 * * * *', region: 'us-gov-west-1' },
    ]);
  });

  it('when the config file is bad, the error points into it', () => {
    const missing = errorOf({ ROOTWATCH_CONFIG: '/nonexistent/rootwatch.json' });
    expect(missing.issues[0]?.expected).toMatch(/^a readable file/);

    const notJson = errorOf({ ROOTWATCH_CONFIG: writeConfigFile('{ organizations: ') });
    expect(notJson.issues[0]?.expected).toMatch(/^a file of valid JSON/);

    const path = writeConfigFile(
      JSON.stringify({ organizations: [{ id: 'a' }, { id: 'a', schedule: 'x' }, {}] }),
    );
    const err = errorOf({ ROOTWATCH_CONFIG: path });
    expect(err.issues.map((i) => i.variable)).toEqual([
      `ROOTWATCH_CONFIG (${path}) organizations[1].schedule`,
      `ROOTWATCH_CONFIG (${path}) organizations[2].id`,
      `ROOTWATCH_CONFIG (${path}) organizations[1].id`,
    ]);
  });

  it('when both a config file and organization variables are set, it refuses to guess', () => {
    const path = writeConfigFile(JSON.stringify({ organizations: [{ id: 'a' }] }));
    const err = errorOf({ ROOTWATCH_CONFIG: path, ROOTWATCH_ORG_ID: 'b' });
    expect(err.issues[0]?.expected).toBe('either a config file or ROOTWATCH_ORG_ID, not both');
  });

  it('lists exactly the variables it reads, so docs and deploy files can be checked against it', () => {
    const source = readFileSync(join(import.meta.dirname, '../src/config.ts'), 'utf8');
    const read = new Set(
      [...source.matchAll(/(?:env\.|')((?:ROOTWATCH|AWS|DATABASE|REDIS)_[A-Z_]+)\b/g)].map((m) => m[1]),
    );
    expect([...read].sort()).toEqual(CONFIG_VARIABLES.map((v) => v.name).sort());
  });
});

describe('run recovery settings', () => {
  it('reads seconds and a generation count, and refuses values out of range', () => {
    expect(
      loadConfig({
        ROOTWATCH_RECOVERY_INTERVAL_SECONDS: '5',
        ROOTWATCH_RECOVERY_QUIET_SECONDS: '30',
        ROOTWATCH_RECOVERY_MAX_GENERATIONS: '5',
      }).recovery,
    ).toEqual({ intervalMs: 5_000, quietMs: 30_000, maxGenerations: 5 });
    expect(() => loadConfig({ ROOTWATCH_RECOVERY_QUIET_SECONDS: '0' })).toThrow(
      /ROOTWATCH_RECOVERY_QUIET_SECONDS/,
    );
    expect(() => loadConfig({ ROOTWATCH_RECOVERY_MAX_GENERATIONS: 'many' })).toThrow(
      /ROOTWATCH_RECOVERY_MAX_GENERATIONS/,
    );
  });
});
