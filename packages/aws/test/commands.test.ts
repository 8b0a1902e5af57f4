import { describe, expect, it } from 'vitest';
import { auditRoleArn, partitionOfRegion, sanitizeSessionName } from '../src/arn';
import { MEMBER_COMMANDS, operationName, requiredPermissions } from '../src/commands';

describe('requiredPermissions', () => {
  it('is derived from the command lists', () => {
    const { scanner, member } = requiredPermissions();
    expect(member).toEqual([
      'iam:GenerateCredentialReport',
      'iam:GetAccountPasswordPolicy',
      'iam:GetAccountSummary',
      'iam:GetCredentialReport',
      'iam:ListVirtualMFADevices',
    ]);
    expect(member).toHaveLength(MEMBER_COMMANDS.length);
    expect(scanner).toEqual([
      'account:GetAlternateContact',
      'iam:ListOrganizationsFeatures',
      'organizations:DescribeOrganization',
      'organizations:DescribePolicy',
      'organizations:ListAccounts',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListPoliciesForTarget',
      'organizations:ListRoots',
      'organizations:ListTagsForResource',
      'sts:AssumeRole',
    ]);
  });

  it('names operations after the SDK command class', () => {
    expect(operationName(MEMBER_COMMANDS[0])).toBe('GetAccountSummary');
  });
});

describe('ARNs and session names', () => {
  it('builds the audit role ARN in the partition', () => {
    expect(auditRoleArn('aws-us-gov', '222222222222', 'RootwatchAudit')).toBe(
      'arn:aws-us-gov:iam::222222222222:role/RootwatchAudit',
    );
  });

  it.each([
    ['rootwatch-scan-42', 'rootwatch-scan-42'],
    ['rootwatch scan/42:x', 'rootwatch-scan-42-x'],
    ['a', 'a-'],
    ['x'.repeat(80), 'x'.repeat(64)],
  ])('sanitizes %j', (input, expected) => {
    const s = sanitizeSessionName(input);
    expect(s).toBe(expected);
    expect(s).toMatch(/^[\w+=,.@-]{2,64}$/);
  });

  it('maps regions to partitions', () => {
    expect(partitionOfRegion('us-gov-west-1')).toBe('aws-us-gov');
    expect(partitionOfRegion('cn-north-1')).toBe('aws-cn');
    expect(partitionOfRegion('eu-west-1')).toBe('aws');
  });
});
