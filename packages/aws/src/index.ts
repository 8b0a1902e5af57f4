export { auditRoleArn, partitionOfArn, sanitizeSessionName } from './arn';
export {
  type AssumeAuditRoleInput,
  type AssumeAuditRoleResult,
  AUDIT_SESSION_SECONDS,
  assumeAuditRole,
} from './assume-role';
export {
  type AwsCallObserver,
  type AwsCallOutcome,
  type AwsClientFactory,
  type AwsClientOptions,
  type AwsCredentials,
  type AwsCredentialsProvider,
  createAwsClientFactory,
} from './clients';
export {
  ACCOUNT_COMMANDS,
  MEMBER_ACCOUNT_COMMANDS,
  MEMBER_COMMANDS,
  ORG_COMMANDS,
  ORG_IAM_COMMANDS,
  operationName,
  requiredPermissions,
  STS_COMMANDS,
} from './commands';
export { parseCredentialReport } from './credential-report';
export {
  AwsAccessError,
  type AwsErrorContext,
  awsErrorCode,
  type ClassifiedAwsError,
  classifyAwsError,
  redactSecrets,
} from './errors';
export {
  type AccountDetails,
  DEFAULT_DISCOVERY_CONCURRENCY,
  type DiscoveredOrganization,
  type DiscoveredOu,
  type DiscoverOrganizationInput,
  discoverOrganization,
  type ParentPolicies,
  readAccountDetails,
  readScpAttachments,
} from './organization.discovery';
export { type OrganizationsFeatures, readOrganizationsFeatures } from './organization-features';
export { collectPages, mapWithConcurrency } from './pagination';
export {
  defaultRegionOf,
  defaultRegionOfPartition,
  PARTITIONS,
  type Partition,
  partitionOfRegion,
} from './partition';
export {
  type AssessMemberAccountInput,
  assessMemberAccount,
  type CollectRootPostureInput,
  type CredentialReportPolling,
  collectRootPosture,
  DEFAULT_REPORT_POLLING,
} from './posture.collector';
export {
  assumeRootForDeletion,
  createRootCredentialsSession,
  DELETE_ROOT_CREDENTIALS_TASK_POLICY,
  deletionCalls,
  type RootCall,
  type RootCredentialsSession,
  type RootCredentialsSessionOptions,
  type RootSessionResult,
  rootTaskPolicyArn,
} from './root-remediation';
export { createScannerRoleCredentials, type ScannerRoleInput } from './scanner-role';
export {
  readCallerAccountId,
  readMemberSecurityContact,
  readOrgSecurityContact,
  readSecurityContactInMember,
} from './security-contact';
