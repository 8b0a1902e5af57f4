import { describe, expect, it } from 'vitest';
import { auditRoleArn, sanitizeSessionName } from '../src/arn';
import { MEMBER_COMMANDS, operationName, requiredPermissions } from '../src/commands';
import { defaultRegionOf, defaultRegionOfPartition, partitionOfRegion } from '../src/partition';

describe('requiredPermissions', () => {
  it('is derived from the command lists', () => {
    const { scanner, member } = requiredPermissions();
    expect(member).toEqual([
      'account:GetAlternateContact',
      'iam:GenerateCredentialReport',
      'iam:GetAccountPasswordPolicy',
      'iam:GetAccountSummary',
      'iam:GetCredentialReport',
      'iam:ListVirtualMFADevices',
    ]);
    expect(member).toHaveLength(MEMBER_COMMANDS.length + 1);
    expect(scanner).toEqual([
      'account:GetAlternateContact',
      'iam:ListOrganizationsFeatures',
      'organizations:DescribeOrganization',
      'organizations:DescribePolicy',
      'organizations:ListAccounts',
      'organizations:ListAccountsForParent',
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListPolicies',
      'organizations:ListRoots',
      'organizations:ListTagsForResource',
      'organizations:ListTargetsForPolicy',
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
});

describe('partitions', () => {
  // The SDK's partition table (@aws-sdk/core util-endpoints partitions.js): regionRegex, implicitGlobalRegion.
  it.each([
    ['us-east-1', 'aws', 'us-east-1'],
    ['ap-east-1', 'aws', 'us-east-1'],
    ['mx-central-1', 'aws', 'us-east-1'],
    ['us-gov-west-1', 'aws-us-gov', 'us-gov-west-1'],
    ['us-gov-east-1', 'aws-us-gov', 'us-gov-west-1'],
    ['cn-north-1', 'aws-cn', 'cn-northwest-1'],
    ['eusc-de-east-1', 'aws-eusc', 'eusc-de-east-1'],
    ['us-iso-west-1', 'aws-iso', 'us-iso-east-1'],
    ['us-isob-east-1', 'aws-iso-b', 'us-isob-east-1'],
    ['eu-isoe-west-1', 'aws-iso-e', 'eu-isoe-west-1'],
    ['us-isof-east-1', 'aws-iso-f', 'us-isof-south-1'],
  ])('%s is in %s, whose default region is %s', (region, partition, defaultRegion) => {
    expect(partitionOfRegion(region)).toBe(partition);
    expect(defaultRegionOf(region)).toBe(defaultRegion);
    expect(defaultRegionOfPartition(partition)).toBe(defaultRegion);
  });

  it('falls back to the aws partition for an unknown region', () => {
    expect(partitionOfRegion('local')).toBe('aws');
    expect(defaultRegionOfPartition('aws-unknown')).toBe('us-east-1');
  });
});
