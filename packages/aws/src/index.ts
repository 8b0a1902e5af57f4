export {
  ACCESS_MODES,
  type AccessMode,
  type AssessAccountInput,
  assessAccount,
  ROOT_SESSIONS_FEATURE,
} from './account-access';
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
  currentSessionCredentials,
} from './clients';
export {
  ACCOUNT_COMMANDS,
  MEMBER_ACCOUNT_COMMANDS,
  MEMBER_COMMANDS,
  ORG_COMMANDS,
  ORG_IAM_COMMANDS,
  operationName,
  ROOT_SESSION_COMMANDS,
  ROOT_SESSION_STS_COMMANDS,
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
  createEventsQueue,
  type EventsQueue,
  type EventsQueueOptions,
  type QueueMessage,
} from './events-queue';
export {
  type AccountDetails,
  DEFAULT_DISCOVERY_CONCURRENCY,
  type DiscoveredOrganization,
  type DiscoveredOrganizationFacts,
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
  readAccountSummaryFlags,
} from './posture.collector';
export {
  createRootCredentialsSession,
  deletionCalls,
  type RootCall,
  type RootCredentialsSession,
  type RootCredentialsSessionOptions,
} from './root-remediation';
export {
  type AssumeRootSessionInput,
  type AssumeRootSessionResult,
  assumeRootSession,
  type CollectRootSessionPostureInput,
  collectRootSessionPosture,
  isGlobalStsEndpoint,
  ROOT_SESSION_MAX_SECONDS,
  type RootTaskPolicy,
  readRootSessionCredentials,
  rootTaskPolicyArn,
} from './root-session';
export { createScannerRoleCredentials, type ScannerRoleInput } from './scanner-role';
export {
  readCallerAccountId,
  readMemberSecurityContact,
  readOrgSecurityContact,
  readSecurityContactInMember,
} from './security-contact';
