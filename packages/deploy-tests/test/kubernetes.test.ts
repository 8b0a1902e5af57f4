import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import {
  type KubeContainer,
  type KubeObject,
  parseManifests,
  podSpecs,
  readKustomizeBase,
} from '../src/kube-manifests';
import { repoPath } from '../src/repo-paths';

const run = promisify(execFile);
const baseDir = repoPath('deploy/k8s/base');
const { kustomization, objects } = await readKustomizeBase(baseDir);

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};

/** Validates an object against the Kubernetes OpenAPI schema of its kind; returns the error text or undefined. */
function schemaError(object: KubeObject): string | undefined {
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) return `no schema for ${object.apiVersion} ${object.kind}`;
  const { file: _file, ...data } = object as KubeObject & { file?: string };
  try {
    new Model(data as never).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function find(kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`${kind}/${name} not found`);
  return found;
}

/** Kubernetes quantity to a number of cores or bytes. */
function quantity(value: string | number): number {
  const text = String(value);
  const units: Record<string, number> = {
    m: 1e-3,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  const match = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(text);
  if (!match) throw new Error(`bad quantity ${text}`);
  return Number(match[1]) * (match[2] ? units[match[2]]! : 1);
}

const workloads = podSpecs(objects);
const containers = workloads.flatMap((w) =>
  (w.spec.containers as KubeContainer[]).map((c) => ({ workload: w.name, container: c, pod: w.spec })),
);

describe('the schema check', () => {
  it('when a field has the wrong type or a required field is missing, it fails', () => {
    const api = structuredClone(find('Deployment', 'rootwatch-api'));
    api.spec.template.spec.containers[0].ports[0].containerPort = '3000';
    expect(schemaError(api)).toMatch(/containerPort must be integer/);
    const job = structuredClone(find('Job', 'rootwatch-migrate'));
    delete job.spec.template;
    expect(schemaError(job)).toMatch(/template/);
    expect(schemaError({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'x' } })).toMatch(
      /no schema/,
    );
  });
});

describe('deploy/k8s/base', () => {
  it('lists every manifest file of the directory in kustomization.yaml, and each object is schema-valid', () => {
    expect(kustomization.namespace).toBe('rootwatch');
    const files = readdirSync(baseDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...(kustomization.resources ?? [])].sort()).toEqual(files.sort());
    expect(objects.length).toBeGreaterThanOrEqual(10);
    for (const object of objects)
      expect(schemaError(object), `${object.kind}/${object.metadata.name}`).toBeUndefined();
  });

  it('runs each role of the image with the same command and its own argument', () => {
    const roles = Object.fromEntries(
      containers.map(({ workload, container }) => [
        workload,
        { command: container.command, args: container.args },
      ]),
    );
    expect(roles).toEqual({
      'rootwatch-api': { command: ['node', 'services/cli/bin/rootwatch.mjs'], args: ['api'] },
      'rootwatch-worker': { command: ['node', 'services/cli/bin/rootwatch.mjs'], args: ['worker'] },
      'rootwatch-scheduler': { command: ['node', 'services/cli/bin/rootwatch.mjs'], args: ['scheduler'] },
      'rootwatch-events': { command: ['node', 'services/cli/bin/rootwatch.mjs'], args: ['events'] },
      'rootwatch-migrate': { command: ['node', 'services/cli/bin/rootwatch.mjs'], args: ['migrate'] },
    });
  });

  it('runs two API replicas on port 3000 with /health liveness and /ready readiness, behind a Service and a PDB', () => {
    const api = find('Deployment', 'rootwatch-api');
    expect(api.spec.replicas).toBe(2);
    const container = api.spec.template.spec.containers[0];
    expect(container.ports).toEqual([
      { name: 'http', containerPort: 3000, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    const podLabels = api.spec.template.metadata.labels;
    expect(podLabels).toMatchObject(api.spec.selector.matchLabels);
    const service = find('Service', 'rootwatch-api');
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.spec.ports[0].targetPort).toBe('http');
    const pdb = find('PodDisruptionBudget', 'rootwatch-api');
    expect(podLabels).toMatchObject(pdb.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBeLessThan(api.spec.replicas);
  });

  it('runs two workers, one scheduler replaced with Recreate, and a migration Job', () => {
    expect(find('Deployment', 'rootwatch-worker').spec.replicas).toBe(2);
    const scheduler = find('Deployment', 'rootwatch-scheduler');
    expect(scheduler.spec.replicas).toBe(1);
    expect(scheduler.spec.strategy).toEqual({ type: 'Recreate' });
    const migrate = find('Job', 'rootwatch-migrate');
    expect(migrate.spec.template.spec.restartPolicy).toMatch(/^(OnFailure|Never)$/);
    for (const w of workloads) {
      const owner = objects.find((o) => o.metadata.name === w.name)!;
      expect(owner.spec.template.metadata.labels).toMatchObject(owner.spec.selector?.matchLabels ?? {});
    }
  });

  it('runs every container as uid 10001, non-root, read-only, without privilege escalation or capabilities', () => {
    expect(containers).toHaveLength(5);
    for (const { workload, container, pod } of containers) {
      expect(pod.securityContext, workload).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(container.securityContext, workload).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
      const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp');
      expect(tmp, `${workload} mounts /tmp`).toBeDefined();
      const volume = pod.volumes.find((v: { name: string }) => v.name === tmp.name);
      expect(volume.emptyDir, `${workload} /tmp is an emptyDir`).toBeDefined();
    }
  });

  it('sets CPU and memory requests and limits on every container, requests within limits', () => {
    for (const { workload, container } of containers) {
      for (const resource of ['cpu', 'memory']) {
        const request = container.resources?.requests?.[resource];
        const limit = container.resources?.limits?.[resource];
        expect(request, `${workload} ${resource} request`).toBeDefined();
        expect(limit, `${workload} ${resource} limit`).toBeDefined();
        expect(quantity(request), `${workload} ${resource}`).toBeLessThanOrEqual(quantity(limit));
      }
    }
  });

  it('takes DATABASE_URL and REDIS_URL only from the rootwatch-secrets Secret and holds no secret itself', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    for (const { workload, container } of containers) {
      for (const env of container.env ?? []) {
        if (['DATABASE_URL', 'REDIS_URL', 'ROOTWATCH_EXTERNAL_ID'].includes(env.name)) {
          expect(env.value, `${workload} ${env.name} literal`).toBeUndefined();
          expect(env.valueFrom.secretKeyRef, `${workload} ${env.name}`).toEqual(
            expect.objectContaining({ name: 'rootwatch-secrets', key: env.name }),
          );
        }
      }
      const names = (container.env ?? []).map((e: { name: string }) => e.name);
      expect(names, workload).toContain('DATABASE_URL');
    }
    const data = find('ConfigMap', 'rootwatch-config').data as Record<string, string>;
    for (const [key, value] of Object.entries(data)) {
      expect(key).not.toMatch(/URL|SECRET|PASSWORD|TOKEN|KEY|EXTERNAL_ID/);
      expect(value).not.toMatch(/:\/\/[^/]*@/);
    }
  });

  it('gives an AWS identity to the worker only: the API, scheduler and migration never call AWS', () => {
    const accounts = objects.filter((o) => o.kind === 'ServiceAccount');
    const annotated = accounts.filter((a) => a.metadata.annotations?.['eks.amazonaws.com/role-arn']);
    expect(annotated.map((a) => a.metadata.name)).toEqual(['rootwatch-scanner']);
    expect(annotated[0]!.metadata.annotations!['eks.amazonaws.com/role-arn']).toMatch(
      /^arn:aws:iam::\d{12}:role\/RootwatchScanner$/,
    );
    const byWorkload = Object.fromEntries(workloads.map((w) => [w.name, w.spec.serviceAccountName]));
    expect(byWorkload).toEqual({
      'rootwatch-api': 'rootwatch',
      'rootwatch-worker': 'rootwatch-scanner',
      'rootwatch-scheduler': 'rootwatch',
      // The events role long-polls SQS with the scanner role (its only SQS permissions: that queue).
      'rootwatch-events': 'rootwatch-scanner',
      'rootwatch-migrate': 'rootwatch',
    });
    for (const name of Object.values(byWorkload))
      expect(accounts.map((a) => a.metadata.name)).toContain(name);
  });
});

async function kubectl(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v kubectl']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

const kubectlPath = await kubectl();

describe.skipIf(!kubectlPath)('kubectl kustomize (when installed)', () => {
  it('builds the base into schema-valid objects in the rootwatch namespace with the configured image', async () => {
    const { stdout } = await run(kubectlPath!, ['kustomize', baseDir]);
    const built = parseManifests(stdout);
    expect(built).toHaveLength(objects.length);
    for (const object of built) {
      expect(schemaError(object), `${object.kind}/${object.metadata.name}`).toBeUndefined();
      if (object.kind !== 'Namespace') expect(object.metadata.namespace).toBe('rootwatch');
      expect(object.metadata.labels?.['app.kubernetes.io/part-of']).toBe('rootwatch');
    }
    const image = kustomization.images?.[0];
    const builtContainers = podSpecs(built).flatMap((w) => w.spec.containers as { image: string }[]);
    for (const c of builtContainers) expect(c.image).toBe(`${image?.newName}:${image?.newTag}`);
    // includeSelectors: false keeps the selectors as written, so they still match the pods.
    for (const object of built.filter((o) => o.spec?.selector?.matchLabels && o.spec.template)) {
      expect(object.spec.template.metadata.labels).toMatchObject(object.spec.selector.matchLabels);
    }
  });

  it('builds the example overlay: image, scanner role, ConfigMap and worker count replaced, still valid', async () => {
    const { stdout } = await run(kubectlPath!, ['kustomize', repoPath('deploy/k8s/overlays/example')]);
    const built = parseManifests(stdout);
    for (const object of built)
      expect(schemaError(object), `${object.kind}/${object.metadata.name}`).toBeUndefined();
    const images = new Set(
      podSpecs(built).flatMap((w) => (w.spec.containers as { image: string }[]).map((c) => c.image)),
    );
    expect([...images]).toEqual(['111122223333.dkr.ecr.eu-west-1.amazonaws.com/rootwatch:0.1.0']);
    const scanner = built.find(
      (o) => o.kind === 'ServiceAccount' && o.metadata.name === 'rootwatch-scanner',
    )!;
    expect(scanner.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(
      'arn:aws:iam::111122223333:role/RootwatchScanner',
    );
    const config = built.find((o) => o.kind === 'ConfigMap')!.data;
    expect(config).toMatchObject({
      AWS_REGION: 'eu-west-1',
      ROOTWATCH_ORG_ID: 'prod',
      ROOTWATCH_API_PORT: '3000',
    });
    expect(built.find((o) => o.metadata.name === 'rootwatch-worker')!.spec.replicas).toBe(4);
  });
});
