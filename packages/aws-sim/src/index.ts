export { runSimCli } from './cli';
export { buildCredentialReport, CREDENTIAL_REPORT_COLUMNS } from './credential-report';
export { type GenerateOrgOptions, generateOrg } from './generate';
export { parseOrgDefinition } from './org-definition';
export { OrgDefinitionError } from './org-definition.errors';
export type {
  AccountState,
  MfaKind,
  OrgDefinition,
  SimAccount,
  SimAccountFaults,
  SimIamUser,
  SimOrganizationalUnit,
  SimPolicy,
  SimRootUser,
  SimSettings,
  SimStats,
} from './org-definition.types';
export { type RunningSimulator, type StartSimulatorOptions, startSimulator } from './simulator';
