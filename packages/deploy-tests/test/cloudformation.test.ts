import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderTemplate, validateTemplate } from '../src/cfn-template';
import { parseCloudFormationYaml } from '../src/cfn-yaml';
import { hcl } from '../src/hcl';
import { allowedActions, policyObject, statementsAllowing, validatePolicyDocument } from '../src/iam-policy';
import { repoPath } from '../src/repo-paths';

const run = promisify(execFile);
const memberTemplate = parseCloudFormationYaml(readFileSync(repoPath('deploy/aws/member-role.yaml'), 'utf8'));
const scannerTemplate = parseCloudFormationYaml(
  readFileSync(repoPath('deploy/aws/scanner-role.yaml'), 'utf8'),
);
const SCANNER_ARN = 'arn:aws:iam::111122223333:role/RootwatchScanner';
const OIDC = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';

function role(rendered: ReturnType<typeof renderTemplate>, id: string) {
  const resource = rendered.resources[id];
  if (!resource) throw new Error(`no resource ${id}`);
  return resource.Properties as {
    RoleName: string;
    MaxSessionDuration: number;
    AssumeRolePolicyDocument: unknown;
    Policies: { PolicyName: string; PolicyDocument: unknown }[];
  };
}

describe('the template validator', () => {
  it('when a template references something that does not exist, it says what and where', () => {
    const broken = parseCloudFormationYaml(`
AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Unused: { Type: String, Description: never referenced }
  Name: { Type: String, Default: 'a b', AllowedPattern: '^\\w+$', Description: bad default }
Conditions:
  Real: !Equals [!Ref Name, x]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref Missing
      Description: !Sub '\${Nope} \${Role.Secret}'
      AssumeRolePolicyDocument: !If [Imaginary, {}, {}]
      Colour: blue
  Queue:
    Type: AWS::S3::Bucket
Outputs:
  Arn: { Value: !GetAtt Role.Nothing }
`);
    const problems = validateTemplate(broken).join('\n');
    expect(problems).toContain('Ref to unknown Missing');
    expect(problems).toContain(hcl('{{Nope}} is not defined'));
    expect(problems).toContain('AWS::IAM::Role has no attribute Secret');
    expect(problems).toContain('unknown condition Imaginary');
    expect(problems).toContain('AWS::IAM::Role has no property Colour');
    expect(problems).toContain('unknown type AWS::S3::Bucket');
    expect(problems).toContain('AWS::IAM::Role has no attribute Nothing');
    expect(problems).toContain('parameter Unused is never used');
    expect(problems).toContain('parameter Name: Default does not match AllowedPattern');
  });

  it('when a policy is malformed, it reports version, effect, action and condition problems', () => {
    const problems = validatePolicyDocument(
      {
        Version: '2008-10-17',
        Statement: [
          { Effect: 'allow', Action: 'iam GetAccountSummary', Resource: '*' },
          {
            Effect: 'Allow',
            Action: 'iam:ListRoles',
            Principal: { AWS: '*' },
            Condition: { StringEqual: { a: 'b' } },
          },
        ],
      },
      'identity',
    ).join('\n');
    expect(problems).toContain('Version must be "2012-10-17"');
    expect(problems).toContain('Effect must be Allow or Deny');
    expect(problems).toContain('bad action "iam GetAccountSummary"');
    expect(problems).toContain('an identity policy has no Principal');
    expect(problems).toContain('no Resource');
    expect(problems).toContain('unknown condition operator StringEqual');
    expect(validatePolicyDocument('{"Version": ', 'trust')[0]).toMatch(/not valid JSON/);
  });
});

describe('deploy/aws/member-role.yaml', () => {
  it('is a structurally valid template', () => {
    expect(validateTemplate(memberTemplate)).toEqual([]);
  });

  it('creates one audit role named RootwatchAudit by default, with the shortest session IAM allows', () => {
    const rendered = renderTemplate(memberTemplate, { parameters: { ScannerPrincipalArn: SCANNER_ARN } });
    expect(Object.values(rendered.resources).map((r) => r.Type)).toEqual(['AWS::IAM::Role']);
    const audit = role(rendered, 'AuditRole');
    expect(audit.RoleName).toBe('RootwatchAudit');
    expect(audit.MaxSessionDuration).toBe(3600);
    expect(rendered.outputs.RoleArn).toBe('<GetAtt:AuditRole.Arn>');
  });

  it('without an external id, trusts only the scanner principal and has no Condition at all', () => {
    const audit = role(
      renderTemplate(memberTemplate, { parameters: { ScannerPrincipalArn: SCANNER_ARN } }),
      'AuditRole',
    );
    expect(validatePolicyDocument(audit.AssumeRolePolicyDocument, 'trust')).toEqual([]);
    expect(policyObject(audit.AssumeRolePolicyDocument)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'TrustRootwatchScanner',
          Effect: 'Allow',
          Principal: { AWS: SCANNER_ARN },
          Action: 'sts:AssumeRole',
        },
      ],
    });
  });

  it('with an external id, requires sts:ExternalId to equal it', () => {
    const audit = role(
      renderTemplate(memberTemplate, {
        parameters: { ScannerPrincipalArn: SCANNER_ARN, ExternalId: 'rw-7f3a9c' },
      }),
      'AuditRole',
    );
    expect(validatePolicyDocument(audit.AssumeRolePolicyDocument, 'trust')).toEqual([]);
    const [statement] = statementsAllowing(audit.AssumeRolePolicyDocument, 'sts:AssumeRole');
    expect(statement?.Principal).toEqual({ AWS: SCANNER_ARN });
    expect(statement?.Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'rw-7f3a9c' } });
  });

  it('grants only reads — IAM and its own security contact — on any resource, in one well-formed inline policy', () => {
    const audit = role(
      renderTemplate(memberTemplate, { parameters: { ScannerPrincipalArn: SCANNER_ARN } }),
      'AuditRole',
    );
    expect(audit.Policies).toHaveLength(1);
    const document = audit.Policies[0]!.PolicyDocument;
    expect(validatePolicyDocument(document, 'identity')).toEqual([]);
    for (const action of allowedActions(document))
      expect(action).toMatch(/^(iam:(Get|List|Generate)|account:GetAlternateContact$)/);
    // The contact read inside the member spares the management account's 10/s GetAlternateContact quota.
    expect(allowedActions(document)).toContain('account:GetAlternateContact');
    expect(allowedActions(document).some((a) => /^account:(Put|Delete)/.test(a))).toBe(false);
  });

  it('refuses a scanner principal that is not a role ARN', () => {
    expect(() => renderTemplate(memberTemplate, { parameters: { ScannerPrincipalArn: '*' } })).toThrow(
      /AllowedPattern|match/,
    );
    expect(() =>
      renderTemplate(memberTemplate, {
        parameters: { ScannerPrincipalArn: 'arn:aws:iam::111122223333:root' },
      }),
    ).toThrow();
  });
});

describe('deploy/aws/scanner-role.yaml', () => {
  const modes = {
    'eks-irsa': { TrustMode: 'eks-irsa', OidcProviderHost: OIDC },
    'eks-pod-identity': { TrustMode: 'eks-pod-identity', EksClusterName: 'platform' },
    'ecs-task': { TrustMode: 'ecs-task' },
    'ec2-instance': { TrustMode: 'ec2-instance' },
  };

  it('is a structurally valid template', () => {
    expect(validateTemplate(scannerTemplate)).toEqual([]);
  });

  it.each(Object.entries(modes))(
    'with TrustMode %s, renders a well-formed trust policy',
    (mode, parameters) => {
      const scanner = role(renderTemplate(scannerTemplate, { parameters }), 'ScannerRole');
      expect(validatePolicyDocument(scanner.AssumeRolePolicyDocument, 'trust')).toEqual([]);
      const trust = policyObject(scanner.AssumeRolePolicyDocument) as {
        Statement: Record<string, unknown>[];
      };
      expect(trust.Statement).toHaveLength(1);
      const statement = trust.Statement[0]!;
      if (mode === 'eks-irsa') {
        expect(statement.Principal).toEqual({ Federated: `arn:aws:iam::111122223333:oidc-provider/${OIDC}` });
        expect(statement.Action).toBe('sts:AssumeRoleWithWebIdentity');
        expect(statement.Condition).toEqual({
          StringEquals: {
            [`${OIDC}:sub`]: 'system:serviceaccount:rootwatch:rootwatch-scanner',
            [`${OIDC}:aud`]: 'sts.amazonaws.com',
          },
        });
      } else if (mode === 'eks-pod-identity') {
        expect(statement.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
        expect(statement.Action).toEqual(['sts:AssumeRole', 'sts:TagSession']);
        expect(statement.Condition).toEqual({
          StringEquals: {
            'aws:RequestTag/eks-cluster-name': 'platform',
            'aws:RequestTag/kubernetes-namespace': 'rootwatch',
            'aws:RequestTag/kubernetes-service-account': 'rootwatch-scanner',
          },
        });
      } else if (mode === 'ec2-instance') {
        expect(statement.Principal).toEqual({ Service: 'ec2.amazonaws.com' });
        expect(statement.Action).toBe('sts:AssumeRole');
      } else {
        expect(statement.Principal).toEqual({ Service: 'ecs-tasks.amazonaws.com' });
        expect(statement.Condition).toEqual({
          StringEquals: { 'aws:SourceAccount': '111122223333' },
          ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:*:111122223333:*' },
        });
      }
    },
  );

  it('creates an instance profile for the role only with TrustMode ec2-instance', () => {
    for (const [mode, parameters] of Object.entries(modes)) {
      const rendered = renderTemplate(scannerTemplate, { parameters });
      const types = Object.values(rendered.resources).map((r) => r.Type);
      if (mode === 'ec2-instance') {
        expect(types).toEqual(['AWS::IAM::Role', 'AWS::IAM::InstanceProfile']);
        expect(rendered.resources.ScannerInstanceProfile!.Properties.Roles).toEqual(['<Ref:ScannerRole>']);
        expect(rendered.outputs.InstanceProfileName).toBe('<Ref:ScannerInstanceProfile>');
      } else {
        expect(types).toEqual(['AWS::IAM::Role']);
        expect(rendered.outputs.InstanceProfileName).toBeUndefined();
      }
    }
  });

  it('limits sts:AssumeRole to the audit role name in any account, in the stack partition', () => {
    const scanner = role(
      renderTemplate(scannerTemplate, { parameters: modes['ecs-task'], partition: 'aws-us-gov' }),
      'ScannerRole',
    );
    const document = scanner.Policies[0]!.PolicyDocument;
    expect(validatePolicyDocument(document, 'identity')).toEqual([]);
    const assume = statementsAllowing(document, 'sts:AssumeRole');
    expect(assume).toHaveLength(1);
    expect(assume[0]!.Resource).toBe('arn:aws-us-gov:iam::*:role/RootwatchAudit');
    const custom = role(
      renderTemplate(scannerTemplate, { parameters: { ...modes['ecs-task'], AuditRoleName: 'SecAudit' } }),
      'ScannerRole',
    );
    expect(statementsAllowing(custom.Policies[0]!.PolicyDocument, 'sts:AssumeRole')[0]!.Resource).toBe(
      'arn:aws:iam::*:role/SecAudit',
    );
    // Only the AssumeRole and the AssumeRoot statements may name sts actions; the read statement is on "*".
    for (const statement of (
      policyObject(document) as { Statement: { Action: unknown; Resource: unknown }[] }
    ).Statement) {
      const actions = ([] as unknown[]).concat(statement.Action);
      if (actions.some((a) => String(a).startsWith('sts:')))
        expect([['sts:AssumeRole'], ['sts:AssumeRoot']]).toContainEqual(actions);
    }
  });

  it('refuses IRSA without an OIDC provider and Pod Identity without a cluster name (Rules)', () => {
    expect(() => renderTemplate(scannerTemplate, { parameters: { TrustMode: 'eks-irsa' } })).toThrow(
      /OidcProviderHost/,
    );
    expect(() => renderTemplate(scannerTemplate, { parameters: { TrustMode: 'eks-pod-identity' } })).toThrow(
      /EksClusterName/,
    );
    expect(() => renderTemplate(scannerTemplate, { parameters: { TrustMode: 'lambda' } })).toThrow(
      /not allowed/,
    );
  });
});

async function cfnLint(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v cfn-lint']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

const cfnLintPath = await cfnLint();

describe.skipIf(!cfnLintPath)('cfn-lint (when installed)', () => {
  it('finds nothing in either template', async () => {
    const result = await run(cfnLintPath!, [
      repoPath('deploy/aws/member-role.yaml'),
      repoPath('deploy/aws/scanner-role.yaml'),
    ]).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, out: e.stdout }),
    );
    expect(result).toEqual({ code: 0, out: '' });
  });
});
