export const DEFAULT_CALLER = { accessKeyId: 'AKIAROOTWATCHSIM0001', secretAccessKey: 'simulator-secret' };
export const DEFAULT_ORGANIZATION = {
  id: 'o-a1b2c3d4e5',
  managementAccountId: '111111111111',
  rootId: 'r-a1b2',
  features: ['RootCredentialsManagement', 'RootSessions'],
  scpEnabled: true,
};
export const DEFAULT_AUDIT_ROLE = 'RootwatchAudit';
export const DEFAULT_SCANNER_ROLE = 'RootwatchScanner';
export const REGION = 'us-east-1';
export const DEFAULT_EVENTS_QUEUE = 'rootwatch-root-activity';
