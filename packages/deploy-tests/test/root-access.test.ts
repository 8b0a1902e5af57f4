import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../src/cfn-template';
import { parseCloudFormationYaml } from '../src/cfn-yaml';
import { hcl } from '../src/hcl';
import { statementsAllowing, validatePolicyDocument } from '../src/iam-policy';
import { repoPath } from '../src/repo-paths';
import { moduleLocals, moduleResource, readTerraformModule, resolveLocal } from '../src/terraform-hcl';

const scannerTemplate = parseCloudFormationYaml(
  readFileSync(repoPath('deploy/aws/scanner-role.yaml'), 'utf8'),
);
const scanner = (await readTerraformModule(repoPath('deploy/terraform/modules/scanner-role'))).module;
const ECS = { TrustMode: 'ecs-task' };
const taskPolicy = (partition: string, name: string) => `arn:${partition}:iam::aws:policy/root-task/${name}`;

function assumeRootStatements(parameters: Record<string, string>, partition = 'aws') {
  const rendered = renderTemplate(scannerTemplate, { parameters, partition });
  const policies = rendered.resources.ScannerRole!.Properties.Policies as {
    PolicyName: string;
    PolicyDocument: unknown;
  }[];
  for (const p of policies) expect(validatePolicyDocument(p.PolicyDocument, 'identity')).toEqual([]);
  return policies.flatMap((p) =>
    statementsAllowing(p.PolicyDocument, 'sts:AssumeRoot').map(
      (s): Record<string, unknown> => ({ policy: p.PolicyName, ...s }),
    ),
  );
}

describe('scanner role: sts:AssumeRoot is limited by sts:TaskPolicyArn (least privilege)', () => {
  it('by default allows a root session only with the audit task policy, on member roots, in the stack partition', () => {
    const statements = assumeRootStatements(ECS, 'aws-us-gov');
    expect(statements).toEqual([
      {
        policy: 'RootwatchOrganizationRead',
        Sid: 'AssumeRootForAudit',
        Effect: 'Allow',
        Action: 'sts:AssumeRoot',
        Resource: 'arn:aws-us-gov:iam::*:root',
        Condition: {
          StringEquals: { 'sts:TaskPolicyArn': taskPolicy('aws-us-gov', 'IAMAuditRootUserCredentials') },
        },
      },
    ]);
  });

  it('the delete task policy is a separate opt-in policy (AllowRootCredentialDeletion, default false)', () => {
    expect(scannerTemplate.Parameters?.AllowRootCredentialDeletion?.Default).toBe('false');
    const statements = assumeRootStatements({ ...ECS, AllowRootCredentialDeletion: 'true' });
    expect(statements.map((s) => [s.policy, s.Sid, s.Condition])).toEqual([
      [
        'RootwatchOrganizationRead',
        'AssumeRootForAudit',
        { StringEquals: { 'sts:TaskPolicyArn': taskPolicy('aws', 'IAMAuditRootUserCredentials') } },
      ],
      [
        'RootwatchRootCredentialDeletion',
        'AssumeRootForCredentialDeletion',
        { StringEquals: { 'sts:TaskPolicyArn': taskPolicy('aws', 'IAMDeleteRootUserCredentials') } },
      ],
    ]);
    expect(() =>
      renderTemplate(scannerTemplate, { parameters: { ...ECS, AllowRootCredentialDeletion: 'yes' } }),
    ).toThrow(/not allowed/);
  });

  it('no statement allows sts:AssumeRoot without a task policy condition, or with a wildcard in it', () => {
    for (const s of assumeRootStatements({ ...ECS, AllowRootCredentialDeletion: 'true' })) {
      const condition = (s.Condition as { StringEquals?: Record<string, string> } | undefined)?.StringEquals;
      expect(Object.keys(s.Condition as object)).toEqual(['StringEquals']);
      expect(condition?.['sts:TaskPolicyArn']).toMatch(/^arn:aws:iam::aws:policy\/root-task\/IAM\w+$/);
    }
  });
});

describe('terraform scanner-role: the same two statements', () => {
  it('the audit statement is in the role policy; the delete one only in a counted, opt-in policy', () => {
    const locals = moduleLocals(scanner);
    const document = resolveLocal(locals, 'permissions_policy') as { Statement: Record<string, unknown>[] };
    const assumeRoot = document.Statement.filter((s) =>
      ([] as unknown[]).concat(s.Action).includes('sts:AssumeRoot'),
    );
    expect(assumeRoot).toEqual([
      {
        Sid: 'AssumeRootForAudit',
        Effect: 'Allow',
        Action: ['sts:AssumeRoot'],
        Resource: hcl('arn:{{local.partition}}:iam::*:root'),
        Condition: {
          StringEquals: {
            'sts:TaskPolicyArn': hcl(
              'arn:{{local.partition}}:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
            ),
          },
        },
      },
    ]);
    const deletion = resolveLocal(locals, 'root_deletion_policy') as { Statement: Record<string, unknown>[] };
    expect(deletion.Statement).toEqual([
      {
        Sid: 'AssumeRootForCredentialDeletion',
        Effect: 'Allow',
        Action: ['sts:AssumeRoot'],
        Resource: hcl('arn:{{local.partition}}:iam::*:root'),
        Condition: {
          StringEquals: {
            'sts:TaskPolicyArn': hcl(
              'arn:{{local.partition}}:iam::aws:policy/root-task/IAMDeleteRootUserCredentials',
            ),
          },
        },
      },
    ]);
    const optIn = moduleResource(scanner, 'aws_iam_role_policy', 'root_credential_deletion');
    expect(optIn.count).toBe(hcl('{{var.allow_root_credential_deletion ? 1 : 0}}'));
    expect(optIn.policy).toBe(hcl('{{jsonencode(local.root_deletion_policy)}}'));
    expect(scanner.variable?.allow_root_credential_deletion?.[0]?.default).toBe(false);
  });
});
