import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '@rootwatch/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../services/cli/src/commands';

// No Docker engine runs here, so these files are checked against the code instead of being run.
const root = join(import.meta.dirname, '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

// Read by the AWS SDK's default credential chain, not by packages/config.
const SDK_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
const known = new Set([...CONFIG_VARIABLES.map((v) => v.name), ...SDK_VARIABLES]);
const ROLES = ['migrate', 'api', 'worker', 'scheduler'];
type Service = { command?: string[]; environment?: Record<string, string>; ports?: string[]; image?: string };
const services = compose.services as Record<string, Service>;

function jsonArray(instruction: string): string[] {
  const line = dockerfile.split('\n').find((l) => l.startsWith(`${instruction} `));
  if (!line) throw new Error(`Dockerfile has no ${instruction}`);
  return JSON.parse(line.slice(instruction.length + 1));
}

describe('docker-compose.yml and Dockerfile agree with the code', () => {
  it('runs every Rootwatch role from the one image', () => {
    for (const role of ROLES) expect(services[role]?.command, role).toEqual([role]);
    expect(services.sim?.command?.[0]).toBe('sim');
  });

  it('names only commands the rootwatch CLI has', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image !== 'rootwatch:latest') continue;
      expect(Object.keys(COMMANDS), name).toContain(service.command?.[0]);
    }
    expect(Object.keys(COMMANDS)).toContain(jsonArray('CMD')[0]);
  });

  it('starts the CLI entry point that exists in the repository', () => {
    const [node, entry] = jsonArray('ENTRYPOINT');
    expect(node).toBe('node');
    expect(() => readFileSync(join(root, entry!))).not.toThrow();
  });

  it('sets only variables Rootwatch reads, and those its roles need', () => {
    for (const role of ROLES) {
      const env = services[role]?.environment ?? {};
      for (const name of Object.keys(env)) expect(known, `${role} sets ${name}`).toContain(name);
      expect(env.DATABASE_URL, role).toMatch(/^postgres:\/\//);
      expect(env.REDIS_URL, role).toMatch(/^redis:\/\//);
    }
  });

  it('publishes the port the API listens on, and the image exposes it', () => {
    const port = services.api?.environment?.ROOTWATCH_API_PORT;
    expect(port).toBe(CONFIG_VARIABLES.find((v) => v.name === 'ROOTWATCH_API_PORT')?.default);
    // Loopback only: TLS terminates in front of it (packages/deploy-tests/test/hardening.test.ts).
    expect(services.api?.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
  });

  it('keeps no secret literal in the compose file', () => {
    const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    expect(text).toMatch(/POSTGRES_PASSWORD:\s*\$\{POSTGRES_PASSWORD:\?/);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
    expect(text).not.toMatch(/SECRET_ACCESS_KEY: +[^$\s]/);
  });

  it('keeps Redis durable and never evicting, as BullMQ requires', () => {
    expect(services.redis?.command?.slice(0, 5)).toEqual([
      'redis-server',
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
    ]);
  });
});
