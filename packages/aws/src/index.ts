export { assessAccount, ROOT_SESSIONS_FEATURE } from './account-access';
export { assumeAuditRole } from './assume-role';
export {
  type AwsClientFactory,
  type AwsClientOptions,
  createAwsClientFactory,
  currentSessionCredentials,
} from './clients';
export { requiredPermissions } from './commands';
export { AwsAccessError, classifyAwsError } from './errors';
export { createEventsQueue, type EventsQueue, type QueueMessage } from './events-queue';
export {
  DEFAULT_DISCOVERY_CONCURRENCY,
  type DiscoveredOrganization,
  type DiscoveredOrganizationFacts,
  discoverOrganization,
  type ParentPolicies,
  readAccountDetails,
  readOrganizationFacts,
} from './organization.discovery';
export { partitionOfRegion } from './partition';
export { collectRootPosture } from './posture.collector';
export {
  createRootCredentialsSession,
  deletionCalls,
  type RootCall,
  type RootCredentialsSession,
} from './root-remediation';
export { assumeRootSession } from './root-session';
export { createScannerRoleCredentials } from './scanner-role';
export { readCallerAccountId, readOrgSecurityContact, readSecurityContactInMember } from './security-contact';
