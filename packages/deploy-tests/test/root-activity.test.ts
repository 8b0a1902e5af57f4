import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { renderTemplate, validateTemplate } from '../src/cfn-template';
import { parseCloudFormationYaml } from '../src/cfn-yaml';
import { allowedActions, policyObject, validatePolicyDocument } from '../src/iam-policy';
import { repoPath } from '../src/repo-paths';
import { moduleLocals, moduleResource, readTerraformModule, resolveLocal } from '../src/terraform-hcl';

const template = (path: string) => parseCloudFormationYaml(readFileSync(repoPath(path), 'utf8'));
const member = template('deploy/aws/member-role.yaml');
const scanner = template('deploy/aws/scanner-role.yaml');
const central = template('deploy/aws/root-activity-central.yaml');
const SCANNER_ARN = 'arn:aws:iam::111122223333:role/RootwatchScanner';
const BUS_ARN = 'arn:aws:events:us-east-1:999988887777:event-bus/rootwatch-root-activity';
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:999988887777:rootwatch-root-activity';

// biome-ignore lint/suspicious/noExplicitAny: rendered templates and JSON bodies are inspected field by field.
type Json = any;
type Resource = { Type: string; Properties: Record<string, Json> };

describe('root activity deploy (EVENTS.md)', () => {
  it('every template stays structurally valid', () => {
    for (const t of [member, scanner, central]) expect(validateTemplate(t)).toEqual([]);
  });

  it('the member StackSet adds the root rule only when given the central bus, forwarding with a put-only role', () => {
    const without = renderTemplate(member, { parameters: { ScannerPrincipalArn: SCANNER_ARN } });
    expect(Object.keys(without.resources)).toEqual(['AuditRole']);

    const rendered = renderTemplate(member, {
      parameters: { ScannerPrincipalArn: SCANNER_ARN, RootActivityBusArn: BUS_ARN },
    });
    const rule = rendered.resources.RootActivityRule as Resource;
    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual({
      'detail-type': ['AWS Console Sign In via CloudTrail', 'AWS API Call via CloudTrail'],
      detail: { userIdentity: { type: ['Root'] } },
    });
    expect(rule.Properties.Targets).toEqual([
      { Id: 'RootwatchCentralBus', Arn: BUS_ARN, RoleArn: '<GetAtt:RootActivityForwarderRole.Arn>' },
    ]);
    const forwarder = rendered.resources.RootActivityForwarderRole as Resource;
    expect(validatePolicyDocument(forwarder.Properties.AssumeRolePolicyDocument, 'trust')).toEqual([]);
    expect(forwarder.Properties.Policies).toHaveLength(1);
    const doc = policyObject(forwarder.Properties.Policies[0].PolicyDocument) as Json;
    expect(validatePolicyDocument(doc, 'identity')).toEqual([]);
    expect(allowedActions(doc)).toEqual(['events:PutEvents']);
    expect(doc.Statement.map((s: Json) => s.Resource)).toEqual([BUS_ARN]);
    // The audit role is unchanged by the rule.
    const audit = rendered.resources.AuditRole as Resource;
    for (const action of allowedActions(audit.Properties.Policies[0].PolicyDocument))
      expect(action).not.toMatch(/^(events|sqs):/);
  });

  it('the central stack has a bus open to the organization only, one queue fed by its rule, and a DLQ after 5 receives', () => {
    const rendered = renderTemplate(central, { parameters: { OrganizationId: 'o-a1b2c3d4e5' } });
    const r = rendered.resources as Record<string, Resource>;
    expect(
      Object.values(r)
        .map((x) => x.Type)
        .sort(),
    ).toEqual([
      'AWS::Events::EventBus',
      'AWS::Events::Rule',
      'AWS::SQS::Queue',
      'AWS::SQS::Queue',
      'AWS::SQS::QueuePolicy',
    ]);
    const busPolicy = r.RootActivityBus!.Properties.Policy;
    expect(busPolicy.Statement).toHaveLength(1);
    expect(busPolicy.Statement[0]).toMatchObject({
      Action: 'events:PutEvents',
      Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    });
    expect(r.RootActivityQueue!.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: '<GetAtt:DeadLetterQueue.Arn>',
      maxReceiveCount: 5,
    });
    expect(r.RootActivityToQueue!.Properties.Targets).toEqual([
      { Id: 'RootwatchQueue', Arn: '<GetAtt:RootActivityQueue.Arn>' },
    ]);
    const queuePolicy = r.RootActivityQueuePolicy!.Properties.PolicyDocument;
    // A resource policy (Principal and Resource): the validator knows identity and trust policies only.
    expect(queuePolicy.Statement[0].Principal).toEqual({ Service: 'events.amazonaws.com' });
    expect(allowedActions(queuePolicy)).toEqual(['sqs:SendMessage']);
    expect(queuePolicy.Statement[0].Condition).toEqual({
      ArnEquals: { 'aws:SourceArn': '<GetAtt:RootActivityToQueue.Arn>' },
    });
  });

  it('the scanner role may only receive, delete, release and inspect messages of that one queue', () => {
    const base = { TrustMode: 'ec2-instance' };
    const without = renderTemplate(scanner, { parameters: base });
    const policiesWithout = (without.resources.ScannerRole as Resource).Properties.Policies as Json[];
    for (const p of policiesWithout)
      expect(allowedActions(p.PolicyDocument).some((a) => a.startsWith('sqs:'))).toBe(false);

    const rendered = renderTemplate(scanner, { parameters: { ...base, RootActivityQueueArn: QUEUE_ARN } });
    const policies = (rendered.resources.ScannerRole as Resource).Properties.Policies as Json[];
    expect(policies).toHaveLength(policiesWithout.length + 1);
    const sqsStatements = policies.flatMap((p) =>
      (policyObject(p.PolicyDocument) as Json).Statement.filter((s: Json) =>
        [s.Action].flat().some((a: string) => a.startsWith('sqs:')),
      ),
    );
    expect(sqsStatements).toEqual([
      {
        Sid: 'ConsumeRootActivityQueue',
        Effect: 'Allow',
        Action: [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueAttributes',
        ],
        Resource: QUEUE_ARN,
      },
    ]);
  });

  it('docker compose and Kubernetes run the events role with the queue URL', () => {
    const compose = parseYaml(readFileSync(repoPath('docker-compose.yml'), 'utf8'));
    expect(compose.services.events.command).toEqual(['events']);
    expect(compose.services.events.environment.ROOTWATCH_EVENTS_QUEUE_URL).toBeDefined();
    const k8s = parseYaml(readFileSync(repoPath('deploy/k8s/base/events.yaml'), 'utf8'));
    expect(k8s.kind).toBe('Deployment');
    const container = k8s.spec.template.spec.containers[0];
    expect(container.args ?? container.command).toContain('events');
    const kustomization = parseYaml(readFileSync(repoPath('deploy/k8s/base/kustomization.yaml'), 'utf8'));
    expect(kustomization.resources).toContain('events.yaml');
  });

  it('the Terraform modules mirror the templates: put-only forwarder, org-only bus, DLQ after 5, consumer actions on the queue only', async () => {
    const memberTf = (await readTerraformModule(repoPath('deploy/terraform/modules/root-activity-member')))
      .module;
    const centralTf = (await readTerraformModule(repoPath('deploy/terraform/modules/root-activity-central')))
      .module;
    const memberLocals = moduleLocals(memberTf);
    expect(allowedActions(resolveLocal(memberLocals, 'forwarder_policy'))).toEqual(['events:PutEvents']);
    expect(validatePolicyDocument(resolveLocal(memberLocals, 'forwarder_trust_policy'), 'trust')).toEqual([]);
    expect(moduleResource(memberTf, 'aws_cloudwatch_event_target', 'central_bus').target_id).toBe(
      'RootwatchCentralBus',
    );

    const centralLocals = moduleLocals(centralTf);
    const consumer = resolveLocal(centralLocals, 'consumer_policy');
    // The resource is the queue's own ARN attribute (an HCL reference), the queue and nothing else.
    expect((consumer as Json).Statement.map((st: Json) => st.Resource)).toEqual([
      expect.stringContaining('aws_sqs_queue.root_activity.arn'),
    ]);
    const cfnScanner = renderTemplate(scanner, {
      parameters: { TrustMode: 'ec2-instance', RootActivityQueueArn: QUEUE_ARN },
    });
    const cfnSqs = ((cfnScanner.resources.ScannerRole as Resource).Properties.Policies as Json[]).at(-1);
    expect(allowedActions(consumer)).toEqual(allowedActions(cfnSqs.PolicyDocument));
    expect(allowedActions(resolveLocal(centralLocals, 'queue_policy'))).toEqual(['sqs:SendMessage']);
    expect(JSON.stringify(moduleResource(centralTf, 'aws_sqs_queue', 'root_activity'))).toContain(
      'maxReceiveCount',
    );
  });
});
