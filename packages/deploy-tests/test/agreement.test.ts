import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { requiredPermissions } from '@rootwatch/aws';
import { CONFIG_VARIABLES, loadConfig } from '@rootwatch/config';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../src/cfn-template';
import { parseCloudFormationYaml } from '../src/cfn-yaml';
import { allowedActions } from '../src/iam-policy';
import { type KubeContainer, podSpecs, readKustomizeBase } from '../src/kube-manifests';
import { repoPath } from '../src/repo-paths';
import { moduleLocals, readTerraformModule, resolveLocal } from '../src/terraform-hcl';

const SCANNER_ARN = 'arn:aws:iam::111122223333:role/RootwatchScanner';
const template = (name: string) =>
  parseCloudFormationYaml(readFileSync(repoPath('deploy/aws', name), 'utf8'));
const { objects } = await readKustomizeBase(repoPath('deploy/k8s/base'));
const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'rootwatch-config')!;
const containers = podSpecs(objects).flatMap((w) => w.spec.containers as KubeContainer[]);
const configVariable = (name: string) => CONFIG_VARIABLES.find((v) => v.name === name);

function inlinePolicyActions(resourceId: string, rendered: ReturnType<typeof renderTemplate>): string[] {
  const policies = rendered.resources[resourceId]!.Properties.Policies as { PolicyDocument: unknown }[];
  return [...new Set(policies.flatMap((p) => allowedActions(p.PolicyDocument)))].sort();
}

describe('permissions agree with the AWS calls the collectors make (@rootwatch/aws requiredPermissions)', () => {
  it.each<Record<string, string>>([{}, { ExternalId: 'rw-7f3a9c' }])(
    'member-role.yaml grants exactly `member` (%j)',
    (parameters) => {
      const rendered = renderTemplate(template('member-role.yaml'), {
        parameters: { ScannerPrincipalArn: SCANNER_ARN, ...parameters },
      });
      expect(inlinePolicyActions('AuditRole', rendered)).toEqual([...requiredPermissions().member].sort());
    },
  );

  it.each<Record<string, string>>([
    { TrustMode: 'eks-irsa', OidcProviderHost: 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE' },
    { TrustMode: 'eks-pod-identity', EksClusterName: 'platform' },
    { TrustMode: 'ecs-task' },
    { TrustMode: 'ec2-instance' },
  ])('scanner-role.yaml grants exactly `scanner` ($TrustMode)', (parameters) => {
    const rendered = renderTemplate(template('scanner-role.yaml'), { parameters });
    // sts:AssumeRoot for root sessions (access modes root-session / auto), limited by sts:TaskPolicyArn.
    expect(inlinePolicyActions('ScannerRole', rendered)).toEqual(
      [...requiredPermissions().scanner, ...requiredPermissions().rootSession].sort(),
    );
  });

  it('the terraform member-role module grants exactly `member`', async () => {
    const { module } = await readTerraformModule(repoPath('deploy/terraform/modules/member-role'));
    expect(allowedActions(resolveLocal(moduleLocals(module), 'permissions_policy'))).toEqual(
      [...requiredPermissions().member].sort(),
    );
  });

  it('the terraform scanner-role module grants exactly `scanner`', async () => {
    const { module } = await readTerraformModule(repoPath('deploy/terraform/modules/scanner-role'));
    expect(allowedActions(resolveLocal(moduleLocals(module), 'permissions_policy'))).toEqual(
      [...requiredPermissions().scanner, ...requiredPermissions().rootSession].sort(),
    );
  });

  it('docs/deploy.md explains every granted action, and no other, in its permission table', () => {
    const doc = readFileSync(repoPath('docs/deploy.md'), 'utf8');
    const section = doc.split(/^## The trust chain and every permission$/m)[1]?.split(/^## /m)[0] ?? '';
    const rows = section.split('\n').filter((line) => /^\| `[a-z0-9-]+:[A-Za-z]+`/.test(line));
    const documented = rows.map((line) => /^\| `([^`]+)`/.exec(line)![1]!).sort();
    expect(documented).toEqual(
      [
        ...new Set([
          ...requiredPermissions().member,
          ...requiredPermissions().scanner,
          ...requiredPermissions().rootSession,
        ]),
      ].sort(),
    );
    for (const row of rows) expect(row.split('|').filter((cell) => cell.trim()).length).toBe(3);
  });
});

describe('docs/deploy.md', () => {
  it('has a ticketing poller that bash parses, polls updated_after and stores next_cursor', () => {
    const doc = readFileSync(repoPath('docs/deploy.md'), 'utf8');
    const script = [...doc.matchAll(/```sh\n(#!\/usr\/bin\/env bash\n[\s\S]*?)```/g)].map((m) => m[1]!)[0];
    expect(script).toBeDefined();
    expect(script).toContain('/v1/findings');
    expect(script).toContain('updated_after=$cursor');
    expect(script).toContain('.next_cursor');
    const check = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});

describe('configuration agrees with packages/config (CONFIG_VARIABLES, loadConfig)', () => {
  const setVariables = [
    ...Object.keys(configMap.data ?? {}),
    ...containers.flatMap((c) => (c.env ?? []).map((e: { name: string }) => e.name)),
  ];

  it('sets only variables that config reads', () => {
    const known = new Set(CONFIG_VARIABLES.map((v) => v.name));
    expect(setVariables.filter((name) => !known.has(name))).toEqual([]);
  });

  it('the ConfigMap plus the Secret keys form a configuration loadConfig accepts, with the API on 3000', () => {
    const config = loadConfig({
      ...(configMap.data as Record<string, string>),
      DATABASE_URL: 'postgres://rootwatch:example@postgres.rootwatch.svc:5432/rootwatch',
      REDIS_URL: 'redis://redis.rootwatch.svc:6379',
    });
    expect(config.api.port).toBe(3000);
    expect(config.organizations).toHaveLength(1);
  });

  it('the API containerPort is the default ROOTWATCH_API_PORT, and the ConfigMap states it', () => {
    const api = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'rootwatch-api')!;
    const port = api.spec.template.spec.containers[0].ports[0].containerPort;
    expect(String(port)).toBe(configVariable('ROOTWATCH_API_PORT')?.default);
    expect(configMap.data.ROOTWATCH_API_PORT).toBe(String(port));
  });

  it('the member role name is one default everywhere: config, ConfigMap, both templates, both modules', async () => {
    const name = configVariable('ROOTWATCH_MEMBER_ROLE')?.default;
    expect(name).toBe('RootwatchAudit');
    expect(configMap.data.ROOTWATCH_MEMBER_ROLE).toBe(name);
    expect(template('member-role.yaml').Parameters?.RoleName?.Default).toBe(name);
    expect(template('scanner-role.yaml').Parameters?.AuditRoleName?.Default).toBe(name);
    const member = (await readTerraformModule(repoPath('deploy/terraform/modules/member-role'))).module;
    const scanner = (await readTerraformModule(repoPath('deploy/terraform/modules/scanner-role'))).module;
    expect(member.variable?.role_name?.[0]?.default).toBe(name);
    expect(scanner.variable?.audit_role_name?.[0]?.default).toBe(name);
  });
});

describe('the image agrees with the manifests', () => {
  it.skipIf(!existsSync(repoPath('Dockerfile')))(
    'the Dockerfile ENTRYPOINT is the command every k8s container runs',
    () => {
      const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
      const entrypoints = [...dockerfile.matchAll(/^ENTRYPOINT\s+(\[.*\])\s*$/gm)].map((m) =>
        JSON.parse(m[1]!),
      );
      const entrypoint = entrypoints.at(-1);
      for (const container of containers) expect(container.command).toEqual(entrypoint);
    },
  );
});
