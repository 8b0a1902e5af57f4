import { GetAlternateContactCommand } from '@aws-sdk/client-account';
import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListSigningCertificatesCommand,
  ListVirtualMFADevicesCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, AssumeRootCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';

/**
 * The single list of AWS operations Rootwatch calls. Collectors import the commands
 * from here and deploy templates are checked against requiredPermissions(), so a new
 * call cannot be added without its permission showing up.
 */
export {
  AssumeRoleCommand,
  AssumeRootCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetAlternateContactCommand,
  GetCallerIdentityCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListMFADevicesCommand,
  ListOrganizationalUnitsForParentCommand,
  ListOrganizationsFeaturesCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  ListSigningCertificatesCommand,
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  ListVirtualMFADevicesCommand,
};

/**
 * Read in a root session (sts:AssumeRoot with IAMAuditRootUserCredentials): the task policy grants
 * them, not a role Rootwatch deploys, so they are listed for documentation and the simulator's checks.
 */
export const ROOT_SESSION_COMMANDS = [
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  GetUserCommand,
  ListAccessKeysCommand,
  GetAccessKeyLastUsedCommand,
  ListSigningCertificatesCommand,
  ListMFADevicesCommand,
] as const;

/**
 * sts:AssumeRoot from the scanner's identity, only in orgs whose access mode uses root sessions; the
 * deploy templates grant it restricted by `sts:TaskPolicyArn` to the audit task policy.
 */
export const ROOT_SESSION_STS_COMMANDS = [AssumeRootCommand] as const;

/** Read through the audit role in each member account. */
export const MEMBER_COMMANDS = [
  GetAccountSummaryCommand,
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  ListVirtualMFADevicesCommand,
  GetAccountPasswordPolicyCommand,
] as const;

/**
 * Account Management reads through the audit role: the member's own security contact, without
 * `AccountId`, on the member's own GetAlternateContact quota (10/s per account, docs/aws-quotas.md).
 */
export const MEMBER_ACCOUNT_COMMANDS = [GetAlternateContactCommand] as const;

/**
 * Organizations reads from the management (or delegated-admin) account. SCP attachments are read per
 * policy (ListPolicies + ListTargetsForPolicy), not per target: a handful of calls, not one per account.
 */
export const ORG_COMMANDS = [
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListRootsCommand,
  ListOrganizationalUnitsForParentCommand,
  ListAccountsForParentCommand,
  ListTagsForResourceCommand,
  ListPoliciesCommand,
  ListTargetsForPolicyCommand,
  DescribePolicyCommand,
] as const;

/** IAM reads the scanner makes in the management (or delegated-admin) account. */
export const ORG_IAM_COMMANDS = [ListOrganizationsFeaturesCommand] as const;

/**
 * Account Management reads from the management (or delegated-admin) account: a member's security contact
 * when its audit role cannot read it (a member role deployed before it had account:GetAlternateContact).
 */
export const ACCOUNT_COMMANDS = [GetAlternateContactCommand] as const;

/** `sts:GetCallerIdentity` is also called (which account the scanner is), but needs no permission. */
export const STS_COMMANDS = [AssumeRoleCommand] as const;

type CommandClass = { readonly name: string };

/** `GetAccountSummaryCommand` → `GetAccountSummary` (the class name is the operation name + "Command"). */
export function operationName(command: CommandClass): string {
  return command.name.replace(/Command$/, '');
}

function actions(prefix: string, commands: readonly CommandClass[]): string[] {
  return commands.map((c) => `${prefix}:${operationName(c)}`);
}

/**
 * IAM actions derived from the command lists: `scanner` = the identity Rootwatch runs as, `member` = the
 * audit role, `rootSession` = what the scanner additionally needs for `root-session` / `auto` access
 * (sts:AssumeRoot, conditioned on sts:TaskPolicyArn in the templates).
 */
export function requiredPermissions(): { scanner: string[]; member: string[]; rootSession: string[] } {
  const scanner = [
    ...actions('organizations', ORG_COMMANDS),
    ...actions('iam', ORG_IAM_COMMANDS),
    ...actions('account', ACCOUNT_COMMANDS),
    ...actions('sts', STS_COMMANDS),
  ];
  return {
    scanner: [...new Set(scanner)].sort(),
    member: [
      ...new Set([...actions('iam', MEMBER_COMMANDS), ...actions('account', MEMBER_ACCOUNT_COMMANDS)]),
    ].sort(),
    rootSession: actions('sts', ROOT_SESSION_STS_COMMANDS),
  };
}

/**
 * What a remediation calls in a member's root session opened with the IAMDeleteRootUserCredentials task
 * policy (ROOT-ACCESS.md): the task policy grants these, not the scanner role, so they are not in
 * requiredPermissions(); the scanner role needs only sts:AssumeRoot restricted to that task policy.
 */
export {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  DeleteVirtualMFADeviceCommand,
  GetLoginProfileCommand as RemediationGetLoginProfileCommand,
  ListAccessKeysCommand as RemediationListAccessKeysCommand,
  ListMFADevicesCommand as RemediationListMFADevicesCommand,
  ListSigningCertificatesCommand as RemediationListSigningCertificatesCommand,
} from './remediation-commands';
