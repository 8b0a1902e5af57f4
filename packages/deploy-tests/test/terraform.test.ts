import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../src/cfn-template';
import { parseCloudFormationYaml } from '../src/cfn-yaml';
import { hcl } from '../src/hcl';
import { allowedActions, policyObject, validatePolicyDocument } from '../src/iam-policy';
import { repoPath } from '../src/repo-paths';
import {
  findTerraform,
  moduleLocals,
  moduleResource,
  readTerraformModule,
  resolveLocal,
  terraformEvaluate,
  terraformFmtCheck,
} from '../src/terraform-hcl';

const memberDir = repoPath('deploy/terraform/modules/member-role');
const scannerDir = repoPath('deploy/terraform/modules/scanner-role');
const member = (await readTerraformModule(memberDir)).module;
const scanner = (await readTerraformModule(scannerDir)).module;
const SCANNER_ARN = 'arn:aws:iam::111122223333:role/RootwatchScanner';
const OIDC = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

function variableDefault(module: typeof member, name: string): unknown {
  return module.variable?.[name]?.[0]?.default;
}

describe('terraform module member-role', () => {
  it('defines one role and one inline policy, encoded from the policy locals', () => {
    const roleBlock = moduleResource(member, 'aws_iam_role', 'audit');
    expect(roleBlock.name).toBe(hcl('{{var.role_name}}'));
    expect(roleBlock.max_session_duration).toBe(3600);
    expect(roleBlock.assume_role_policy).toBe(hcl('{{jsonencode(local.trust_policy)}}'));
    const policy = moduleResource(member, 'aws_iam_role_policy', 'root_posture_read');
    expect(policy.role).toBe(hcl('{{aws_iam_role.audit.id}}'));
    expect(policy.policy).toBe(hcl('{{jsonencode(local.permissions_policy)}}'));
    expect(Object.keys(member.resource ?? {}).sort()).toEqual(['aws_iam_role', 'aws_iam_role_policy']);
  });

  it('has the same parameters and defaults as the CloudFormation template', () => {
    expect(variableDefault(member, 'role_name')).toBe('RootwatchAudit');
    expect(variableDefault(member, 'external_id')).toBe('');
    expect(member.variable?.external_id?.[0]?.sensitive).toBe(true);
    expect(member.variable?.scanner_principal_arn?.[0]).toBeDefined();
    expect(variableDefault(member, 'scanner_principal_arn')).toBeUndefined();
  });

  it('keeps a well-formed permissions policy that equals the template one', () => {
    const document = resolveLocal(moduleLocals(member), 'permissions_policy');
    expect(validatePolicyDocument(document, 'identity')).toEqual([]);
    const template = parseCloudFormationYaml(readFileSync(repoPath('deploy/aws/member-role.yaml'), 'utf8'));
    const rendered = renderTemplate(template, { parameters: { ScannerPrincipalArn: SCANNER_ARN } });
    const cfnPolicy = (
      rendered.resources.AuditRole!.Properties.Policies as { PolicyDocument: unknown }[]
    )[0]!;
    expect(allowedActions(document)).toEqual(allowedActions(cfnPolicy.PolicyDocument));
    expect(document).toEqual(cfnPolicy.PolicyDocument);
  });
});

describe('terraform module scanner-role', () => {
  it('defines one role and one inline policy, encoded from the policy locals', () => {
    const roleBlock = moduleResource(scanner, 'aws_iam_role', 'scanner');
    expect(roleBlock.max_session_duration).toBe(3600);
    expect(roleBlock.assume_role_policy).toBe(hcl('{{jsonencode(local.trust_policy)}}'));
    expect(moduleResource(scanner, 'aws_iam_role_policy', 'organization_read').policy).toBe(
      hcl('{{jsonencode(local.permissions_policy)}}'),
    );
    expect(variableDefault(scanner, 'audit_role_name')).toBe('RootwatchAudit');
    expect(variableDefault(scanner, 'trust_mode')).toBe('eks-irsa');
    expect(variableDefault(scanner, 'service_account_name')).toBe('rootwatch-scanner');
    expect(variableDefault(scanner, 'service_account_namespace')).toBe('rootwatch');
  });

  it('limits sts:AssumeRole to the audit role name in the current partition', () => {
    const locals = moduleLocals(scanner);
    expect(locals.audit_role_arn_pattern).toBe(
      hcl('arn:{{local.partition}}:iam::*:role/{{var.audit_role_name}}'),
    );
    expect(locals.partition).toBe(hcl('{{data.aws_partition.current.partition}}'));
    const document = resolveLocal(locals, 'permissions_policy') as {
      Statement: { Action: unknown; Resource: unknown }[];
    };
    const assume = document.Statement.filter((s) =>
      ([] as unknown[]).concat(s.Action).includes('sts:AssumeRole'),
    );
    expect(assume).toHaveLength(1);
    expect(assume[0]!.Resource).toBe(hcl('arn:{{local.partition}}:iam::*:role/{{var.audit_role_name}}'));
  });

  it('creates the instance profile only for trust mode ec2-instance', () => {
    const profile = moduleResource(scanner, 'aws_iam_instance_profile', 'scanner');
    expect(profile.count).toBe(hcl('{{var.trust_mode == "ec2-instance" ? 1 : 0}}'));
    expect(profile.role).toBe(hcl('{{aws_iam_role.scanner.name}}'));
  });

  it('offers exactly the trust modes of the template', () => {
    const trust = moduleLocals(scanner).trust_statements as Record<string, unknown>;
    const template = parseCloudFormationYaml(readFileSync(repoPath('deploy/aws/scanner-role.yaml'), 'utf8'));
    expect(Object.keys(trust).sort()).toEqual(
      [...(template.Parameters?.TrustMode?.AllowedValues ?? [])].sort(),
    );
  });
});

const terraform = await findTerraform();

describe.skipIf(!terraform)('with the terraform binary (when installed)', () => {
  const overrides = { partition: 'aws', account_id: '111122223333' };

  it('formats every file as terraform fmt would', async () => {
    expect(await terraformFmtCheck(terraform!, repoPath('deploy/terraform'))).toEqual([]);
  });

  it.each([
    ['', {}],
    ['rw-7f3a9c', { ExternalId: 'rw-7f3a9c' }],
  ])(
    'member trust policy with external id %j equals the CloudFormation one',
    async (externalId, parameters) => {
      const trust = await terraformEvaluate({
        terraform: terraform!,
        moduleDir: memberDir,
        files: ['variables.tf', 'policies.tf'],
        overrides: {},
        variables: { scanner_principal_arn: SCANNER_ARN, external_id: externalId },
        expression: 'local.trust_policy',
      });
      const template = parseCloudFormationYaml(readFileSync(repoPath('deploy/aws/member-role.yaml'), 'utf8'));
      const rendered = renderTemplate(template, {
        parameters: { ScannerPrincipalArn: SCANNER_ARN, ...parameters },
      });
      expect(validatePolicyDocument(trust, 'trust')).toEqual([]);
      expect(trust).toEqual(policyObject(rendered.resources.AuditRole!.Properties.AssumeRolePolicyDocument));
    },
  );

  it('rejects the external ids and principals the template rejects', async () => {
    const evaluate = (variables: Record<string, string>) =>
      terraformEvaluate({
        terraform: terraform!,
        moduleDir: memberDir,
        files: ['variables.tf', 'policies.tf'],
        overrides: {},
        variables,
        expression: 'local.trust_policy',
      });
    await expect(evaluate({ scanner_principal_arn: SCANNER_ARN, external_id: 'a b' })).rejects.toThrow(
      /Invalid value for variable/,
    );
    await expect(evaluate({ scanner_principal_arn: SCANNER_ARN, external_id: 'x' })).rejects.toThrow(
      /Invalid value for variable/,
    );
    await expect(evaluate({ scanner_principal_arn: '*' })).rejects.toThrow(/Invalid value for variable/);
  });

  it.each([
    ['eks-irsa', { oidc_provider_host: OIDC }, { OidcProviderHost: OIDC }],
    ['eks-pod-identity', { eks_cluster_name: 'platform' }, { EksClusterName: 'platform' }],
    ['ecs-task', {}, {}],
    ['ec2-instance', {}, {}],
  ])(
    'scanner policies with trust mode %s equal the CloudFormation ones',
    async (mode, tfVars, cfnParameters) => {
      const evaluate = (expression: string) =>
        terraformEvaluate({
          terraform: terraform!,
          moduleDir: scannerDir,
          files: ['variables.tf', 'policies.tf'],
          overrides,
          variables: { trust_mode: mode, ...tfVars },
          expression,
        });
      const template = parseCloudFormationYaml(
        readFileSync(repoPath('deploy/aws/scanner-role.yaml'), 'utf8'),
      );
      const rendered = renderTemplate(template, { parameters: { TrustMode: mode, ...cfnParameters } });
      const properties = rendered.resources.ScannerRole!.Properties as {
        AssumeRolePolicyDocument: unknown;
        Policies: { PolicyDocument: unknown }[];
      };
      const trust = await evaluate('local.trust_policy');
      expect(validatePolicyDocument(trust, 'trust')).toEqual([]);
      expect(trust).toEqual(policyObject(properties.AssumeRolePolicyDocument));
      const permissions = (await evaluate('local.permissions_policy')) as {
        Statement: { Action: unknown }[];
      };
      expect(validatePolicyDocument(permissions, 'identity')).toEqual([]);
      // Terraform keeps the one-action list as a list; CloudFormation's template writes a scalar.
      const normalize = (doc: unknown) =>
        (policyObject(doc) as { Statement: { Action: unknown }[] }).Statement.map((s) => ({
          ...s,
          Action: ([] as unknown[]).concat(s.Action),
        }));
      expect(normalize(permissions)).toEqual(normalize(properties.Policies[0]!.PolicyDocument));
    },
  );
});
