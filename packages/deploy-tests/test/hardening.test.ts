import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '@rootwatch/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type KubeContainer, type KubeObject, podSpecs, readKustomizeBase } from '../src/kube-manifests';
import { repoPath } from '../src/repo-paths';

// Issue 13 item 8: the deploy files keep Redis private, AWS credentials in the worker alone, the API off
// public interfaces, every role behind its own NetworkPolicy, and worker/scheduler restarted when their
// database pool or Redis connection is wedged (/live, services/cli/src/liveness.ts).

type ComposeService = {
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
};
const composeText = readFileSync(repoPath('docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const defaultOf = (name: string) => CONFIG_VARIABLES.find((v) => v.name === name)?.default;
const HEALTH_PORT = defaultOf('ROOTWATCH_HEALTH_PORT');
// What lets a process act in AWS: the SDK's credential variables, the endpoint, the member-role secret.
const AWS_ONLY_FOR_WORKER = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'ROOTWATCH_EXTERNAL_ID',
];

describe('docker-compose.yml', () => {
  it('runs Redis with a required password that every role carries in REDIS_URL, and checks its health with it', () => {
    const redis = services.redis!;
    const flag = redis.command!.indexOf('--requirepass');
    expect(flag).toBeGreaterThan(0);
    expect(redis.command![flag + 1]).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(redis.environment?.REDISCLI_AUTH).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(redis.healthcheck?.test?.join(' ')).toContain('redis-cli ping');
    for (const role of ['migrate', 'api', 'worker', 'scheduler']) {
      expect(services[role]!.environment!.REDIS_URL, role).toMatch(
        /^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379$/,
      );
    }
  });

  it('.env.example names every variable compose requires (VAR:? interpolations)', () => {
    const required = new Set([...composeText.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]!));
    expect([...required].sort()).toEqual(['POSTGRES_PASSWORD', 'REDIS_PASSWORD']);
    const example = readFileSync(repoPath('.env.example'), 'utf8');
    for (const name of required) expect(example).toMatch(new RegExp(`^${name}=.+$`, 'm'));
  });

  it('gives AWS credentials, the AWS endpoint and the ExternalId to the worker only', () => {
    for (const name of AWS_ONLY_FOR_WORKER) expect(services.worker!.environment, name).toHaveProperty(name);
    for (const role of ['migrate', 'api', 'scheduler', 'postgres', 'redis']) {
      const names = Object.keys(services[role]!.environment ?? {});
      expect(
        names.filter((n) => AWS_ONLY_FOR_WORKER.includes(n)),
        role,
      ).toEqual([]);
    }
  });

  it('publishes the API on the loopback interface only, and nothing else at all', () => {
    expect(services.api!.ports).toEqual([`127.0.0.1:${defaultOf('ROOTWATCH_API_PORT')}:3000`]);
    for (const [name, service] of Object.entries(services)) {
      if (name !== 'api') expect(service.ports, name).toBeUndefined();
    }
    // The comment says how to serve other hosts: TLS in front, not 0.0.0.0.
    expect(composeText).toMatch(/TLS/);
  });

  it('health-checks the worker and the scheduler on /live at the default ROOTWATCH_HEALTH_PORT', () => {
    for (const role of ['worker', 'scheduler']) {
      const test = services[role]!.healthcheck?.test?.join(' ') ?? '';
      expect(test, role).toContain(`http://127.0.0.1:${HEALTH_PORT}/live`);
      expect(services[role]!.environment?.ROOTWATCH_HEALTH_PORT, role).toBeUndefined();
    }
  });

  const composeBin = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!composeBin)(
    '`docker-compose config -q` accepts it with .env.example and refuses it without REDIS_PASSWORD',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'rootwatch-compose-'));
      const example = readFileSync(repoPath('.env.example'), 'utf8');
      const check = (envText: string) => {
        const envFile = join(dir, `${Math.random().toString(36).slice(2)}.env`);
        writeFileSync(envFile, envText);
        return spawnSync(
          'docker-compose',
          ['--env-file', envFile, '-f', repoPath('docker-compose.yml'), 'config', '-q'],
          { encoding: 'utf8', cwd: dir },
        );
      };
      const ok = check(example);
      expect(ok.stderr).toBe('');
      expect(ok.status).toBe(0);
      const missing = check(example.replace(/^REDIS_PASSWORD=.*$/m, ''));
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toContain('set REDIS_PASSWORD in .env');
    },
  );
});

const { objects } = await readKustomizeBase(repoPath('deploy/k8s/base'));
const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
const workloads = podSpecs(objects).map((w) => {
  const object = objects.find((o) => o.metadata.name === w.name)!;
  return { ...w, labels: object.spec.template.metadata.labels as Record<string, string> };
});
const roleOf = (w: { labels: Record<string, string> }) => w.labels['app.kubernetes.io/component']!;
const selects = (policy: KubeObject, labels: Record<string, string>) =>
  Object.entries(policy.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
type Rule = { to?: unknown[]; ports?: { port: number; protocol: string }[] };
const egressPorts = (policy: KubeObject) =>
  new Set((policy.spec.egress as Rule[]).flatMap((r) => (r.ports ?? []).map((p) => p.port)));

describe('deploy/k8s/base NetworkPolicies', () => {
  it('deny everything by default, and give every workload exactly one policy of its own role, both ways', () => {
    const deny = policies.filter((p) => Object.keys(p.spec.podSelector).length === 0);
    expect(deny).toHaveLength(1);
    expect(deny[0]!.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(deny[0]!.spec.ingress ?? []).toEqual([]);
    expect(deny[0]!.spec.egress ?? []).toEqual([]);
    expect(workloads.map(roleOf).sort()).toEqual(['api', 'events', 'migrate', 'scheduler', 'worker']);
    for (const workload of workloads) {
      const own = policies.filter((p) => p !== deny[0] && selects(p, workload.labels));
      expect(
        own.map((p) => p.metadata.name),
        workload.name,
      ).toEqual([`rootwatch-${roleOf(workload)}`]);
      expect(own[0]!.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    }
  });

  it('let in the API on the ports its container listens on, the other long-running roles on their metrics port alone', () => {
    for (const workload of workloads) {
      const policy = policies.find((p) => p.metadata.name === `rootwatch-${roleOf(workload)}`)!;
      const ingressPorts = (policy.spec.ingress as Rule[]).flatMap((r) => (r.ports ?? []).map((p) => p.port));
      const listening = (workload.spec.containers as KubeContainer[]).flatMap((c) =>
        (c.ports ?? []).map((p: { containerPort: number }) => p.containerPort),
      );
      const metricsPort = Number(configMap.data.ROOTWATCH_METRICS_PORT);
      if (roleOf(workload) === 'api') {
        expect(ingressPorts).toEqual(listening);
        expect(String(ingressPorts[0])).toBe(configMap.data.ROOTWATCH_API_PORT);
        expect(ingressPorts).toContain(metricsPort);
      } else if (roleOf(workload) === 'migrate') {
        expect(policy.spec.ingress, workload.name).toEqual([]);
      } else {
        // The /live port is for the kubelet, whose node traffic is always allowed.
        expect(ingressPorts, workload.name).toEqual([metricsPort]);
        expect(listening, workload.name).toContain(metricsPort);
      }
    }
  });

  it('let out what each role uses: Postgres for all, Redis but the migration, AWS (443) for the worker alone', () => {
    const byRole = Object.fromEntries(policies.map((p) => [p.metadata.name.replace(/^rootwatch-/, ''), p]));
    for (const role of ['api', 'worker', 'scheduler', 'migrate']) {
      const ports = egressPorts(byRole[role]!);
      expect(ports.has(53), role).toBe(true);
      expect(ports.has(5432), role).toBe(true);
      expect(ports.has(6379), role).toBe(role !== 'migrate');
      expect(ports.has(443), role).toBe(role === 'worker');
    }
  });
});

describe('deploy/k8s/base liveness of the worker and the scheduler', () => {
  it('probe GET /live on the health port, which is the ConfigMap value and the config default', () => {
    expect(configMap.data.ROOTWATCH_HEALTH_PORT).toBe(HEALTH_PORT);
    for (const role of ['worker', 'scheduler']) {
      const workload = workloads.find((w) => roleOf(w) === role)!;
      const container = (workload.spec.containers as KubeContainer[])[0]!;
      const health = (container.ports ?? []).find((p: { name: string }) => p.name === 'health');
      expect(String(health?.containerPort), role).toBe(HEALTH_PORT);
      expect(container.livenessProbe?.httpGet, role).toEqual({ path: '/live', port: 'health' });
      // The process already waits ROOTWATCH_LIVENESS_STALE_MS before failing /live; the probe adds a few
      // periods on top, not a hair trigger.
      expect(
        container.livenessProbe.failureThreshold * container.livenessProbe.periodSeconds,
      ).toBeGreaterThanOrEqual(20);
    }
  });
});

describe('Dockerfile', () => {
  it('health-checks whichever role runs: the API /health on its port, worker and scheduler /live on theirs', () => {
    const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
    const check = /^HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    const script = (JSON.parse(check!) as string[]).join(' ');
    expect(script).toContain(`ROOTWATCH_API_PORT || ${defaultOf('ROOTWATCH_API_PORT')}}/health`);
    expect(script).toContain(`ROOTWATCH_HEALTH_PORT || ${HEALTH_PORT}}/live`);
  });
});
