import { type RunningSimulator, startSimulator } from '@rootwatch/aws-sim';
import { type AwsCallObserver, createAwsClientFactory } from '../src/clients';

export const MGMT = '111111111111';
export const CARDS = '222222222222';
export const VIRTUAL = '333333333333';
export const REMOVED = '444444444444';
export const NO_ROLE = '555555555555';
export const SUSPENDED = '666666666666';
export const IAM_DENIED = '888888888888';
export const REPORT_STUCK = '999999999999';
export const REPORT_LIMIT = '101010101010';
export const REPORT_MALFORMED = '121212121212';
export const ROOT_ID = 'r-a1b2';
export const OU_PROD = 'ou-a1b2-prod0001';
export const OU_PAYMENTS = 'ou-a1b2-paym0001';
export const OU_CARDS = 'ou-a1b2-card0001';
export const OU_SANDBOX = 'ou-a1b2-sand0001';
export const EXTERNAL_ID = 'rootwatch-ext-7f3a';
export const ROLE = 'RootwatchAudit';

const account = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: `acct-${id}`,
  email: `aws+${id}@example.com`,
  state: 'ACTIVE',
  parentId: OU_SANDBOX,
  tags: {},
  joinedAt: '2021-03-04T05:06:07Z',
  partition: 'aws',
  auditRole: true,
  root: {
    password: true,
    passwordLastUsed: null,
    mfa: 'hardware',
    accessKeys: [],
    signingCertificates: [],
    createdAt: '2021-03-04T05:06:07Z',
  },
  iamUsers: [],
  passwordPolicy: { MinimumPasswordLength: 14, PasswordReusePrevention: 24 },
  securityContact: { name: 'Security', email: 'sec@example.com', phone: '+15555550100' },
  ...extra,
});

/** Hand-written organization: OUs three levels deep, one SCP root-deny on Prod, every fault the collectors handle. */
export function orgDefinition(): Record<string, unknown> {
  return {
    organization: {
      id: 'o-a1b2c3d4e5',
      managementAccountId: MGMT,
      rootId: ROOT_ID,
      features: ['RootCredentialsManagement', 'RootSessions'],
      scpEnabled: true,
    },
    caller: { accessKeyId: 'AKIAROOTWATCHSIM0001', secretAccessKey: 'simulator-secret' },
    auditRole: { name: ROLE, externalId: EXTERNAL_ID },
    organizationalUnits: [
      { id: OU_PROD, name: 'Prod', parentId: ROOT_ID },
      { id: OU_PAYMENTS, name: 'Payments', parentId: OU_PROD },
      { id: OU_CARDS, name: 'Cards', parentId: OU_PAYMENTS },
      { id: OU_SANDBOX, name: 'Sandbox', parentId: ROOT_ID },
    ],
    policies: [
      {
        id: 'p-denyroot01',
        name: 'DenyRootUser',
        targets: [OU_PROD],
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Action: '*',
              Resource: '*',
              Condition: { StringLike: { 'aws:PrincipalArn': 'arn:*:iam::*:root' } },
            },
          ],
        },
      },
      {
        id: 'p-denys3del1',
        name: 'DenyS3Delete',
        targets: [VIRTUAL],
        document: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' }],
        },
      },
    ],
    accounts: [
      account(MGMT, { name: 'management', parentId: ROOT_ID, tags: { owner: 'platform' } }),
      account(CARDS, {
        name: 'cards-prod',
        parentId: OU_CARDS,
        tags: { owner: 'payments', env: 'prod' },
        root: {
          password: true,
          passwordLastUsed: '2025-01-10T10:00:00Z',
          mfa: 'hardware',
          accessKeys: [],
          signingCertificates: [],
          createdAt: '2021-03-04T05:06:07Z',
        },
        iamUsers: [{ name: 'rootadmin', password: true, virtualMfa: true }],
      }),
      account(VIRTUAL, {
        tags: { owner: 'sandbox' },
        root: {
          password: true,
          passwordLastUsed: null,
          mfa: 'virtual',
          accessKeys: [{ active: false, lastUsed: null, lastRotated: '2019-05-06T07:08:09Z' }],
          signingCertificates: [],
          createdAt: '2020-06-07T08:09:10Z',
        },
        passwordPolicy: null,
        securityContact: null,
      }),
      account(REMOVED, {
        root: {
          password: false,
          passwordLastUsed: null,
          mfa: 'none',
          accessKeys: [],
          signingCertificates: [],
          createdAt: '2021-03-04T05:06:07Z',
        },
      }),
      account(NO_ROLE, { auditRole: false }),
      account(SUSPENDED, { state: 'SUSPENDED', parentId: ROOT_ID }),
      account(IAM_DENIED, { faults: { iam: 'AccessDenied', contact: 'AccessDenied' } }),
      account(REPORT_STUCK, { faults: { credentialReport: 'NeverCompletes' } }),
      account(REPORT_LIMIT, { faults: { credentialReport: 'LimitExceeded' } }),
      account(REPORT_MALFORMED, { faults: { credentialReport: 'Malformed' } }),
    ],
  };
}

export async function startSim(definition: unknown = orgDefinition()) {
  return startSimulator({ definition, port: 0 });
}

export function factoryFor(
  sim: Pick<RunningSimulator, 'endpoint' | 'region' | 'credentials'>,
  opts: { maxAttempts?: number; observer?: AwsCallObserver } = {},
) {
  return createAwsClientFactory({
    region: sim.region,
    endpoint: sim.endpoint,
    credentials: sim.credentials,
    maxAttempts: opts.maxAttempts ?? 1,
    ...(opts.observer ? { observer: opts.observer } : {}),
  });
}

export async function control(
  sim: Pick<RunningSimulator, 'endpoint'>,
  method: string,
  path: string,
  body?: unknown,
) {
  const res = await fetch(`${sim.endpoint}${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}
