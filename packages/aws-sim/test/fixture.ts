import { AccountClient } from '@aws-sdk/client-account';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type RunningSimulator, type StartSimulatorOptions, startSimulator } from '../src/simulator';

export const MGMT = '111111111111';
export const PAYMENTS = '222222222222';
export const VIRTUAL = '333333333333';
export const REMOVED = '444444444444';
export const NO_ROLE = '555555555555';
export const SUSPENDED = '666666666666';
export const ROLE_DENIED = '777777777777';
export const IAM_DENIED = '888888888888';
export const REPORT_STUCK = '999999999999';
export const REPORT_LIMIT = '101010101010';
export const REPORT_MALFORMED = '121212121212';

/** A hand-written organization covering every posture and fault the simulator models. */
export function fixtureDefinition(): Record<string, unknown> {
  const account = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    name: `acct-${id.slice(0, 3)}`,
    email: `aws+${id}@example.com`,
    state: 'ACTIVE',
    parentId: 'ou-a1b2-prod0001',
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
  return {
    organization: {
      id: 'o-a1b2c3d4e5',
      managementAccountId: MGMT,
      rootId: 'r-a1b2',
      features: ['RootCredentialsManagement', 'RootSessions'],
      scpEnabled: true,
    },
    caller: { accessKeyId: 'AKIAROOTWATCHSIM0001', secretAccessKey: 'simulator-secret' },
    auditRole: { name: 'RootwatchAudit', externalId: null },
    organizationalUnits: [
      { id: 'ou-a1b2-prod0001', name: 'Prod', parentId: 'r-a1b2' },
      { id: 'ou-a1b2-team0001', name: 'Payments', parentId: 'ou-a1b2-prod0001' },
      { id: 'ou-a1b2-sand0001', name: 'Sandbox', parentId: 'r-a1b2' },
    ],
    policies: [
      {
        id: 'p-denyroot01',
        name: 'DenyRootUser',
        targets: ['ou-a1b2-prod0001'],
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
    ],
    accounts: [
      account(MGMT, { name: 'management', parentId: 'r-a1b2', tags: { owner: 'platform' } }),
      account(PAYMENTS, {
        name: 'payments-prod',
        parentId: 'ou-a1b2-team0001',
        tags: { owner: 'payments', env: 'prod', 'cost-center': 'cc-1' },
        root: {
          password: true,
          passwordLastUsed: '2026-11-20T10:00:00Z',
          mfa: 'hardware',
          accessKeys: [
            {
              active: true,
              lastUsed: '2026-11-01T08:00:00Z',
              lastRotated: '2020-01-01T00:00:00Z',
              lastUsedService: 'ec2',
              lastUsedRegion: 'eu-west-1',
            },
            { active: false, lastUsed: null, lastRotated: '2019-05-06T07:08:09Z' },
          ],
          signingCertificates: [{ active: false }, { active: true, uploadedAt: '2022-02-02T02:02:02Z' }],
          createdAt: '2021-03-04T05:06:07Z',
        },
        iamUsers: [
          { name: 'rootadmin', password: true, virtualMfa: true, createdAt: '2022-01-01T00:00:00Z' },
        ],
      }),
      account(VIRTUAL, {
        root: {
          password: true,
          passwordLastUsed: null,
          mfa: 'virtual',
          accessKeys: [],
          signingCertificates: [],
          createdAt: '2020-06-07T08:09:10Z',
        },
        iamUsers: [
          { name: 'alice', password: true, virtualMfa: true },
          { name: 'bob', password: false, virtualMfa: true },
          { name: 'carol', password: true, virtualMfa: false },
        ],
        passwordPolicy: null,
      }),
      account(REMOVED, {
        parentId: 'ou-a1b2-sand0001',
        root: {
          password: false,
          passwordLastUsed: null,
          mfa: 'none',
          accessKeys: [],
          signingCertificates: [],
          createdAt: '2021-03-04T05:06:07Z',
        },
        passwordPolicy: { MinimumPasswordLength: 8 },
        securityContact: null,
      }),
      account(NO_ROLE, { auditRole: false }),
      account(SUSPENDED, { state: 'SUSPENDED', parentId: 'r-a1b2' }),
      account(ROLE_DENIED, { faults: { assumeRole: 'AccessDenied' } }),
      account(IAM_DENIED, { faults: { iam: 'AccessDenied', contact: 'AccessDenied' } }),
      account(REPORT_STUCK, { faults: { credentialReport: 'NeverCompletes' } }),
      account(REPORT_LIMIT, { faults: { credentialReport: 'LimitExceeded' } }),
      account(REPORT_MALFORMED, { faults: { credentialReport: 'Malformed' } }),
    ],
  };
}

export interface Harness {
  sim: RunningSimulator;
  clientConfig(credentials?: Credentials, maxAttempts?: number): ClientConfig;
  iam(credentials?: Credentials): IAMClient;
  orgs(credentials?: Credentials): OrganizationsClient;
  sts(credentials?: Credentials): STSClient;
  account(credentials?: Credentials): AccountClient;
  assume(accountId: string, extra?: { DurationSeconds?: number; ExternalId?: string }): Promise<Credentials>;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

interface ClientConfig {
  region: string;
  endpoint: string;
  credentials: Credentials;
  maxAttempts: number;
}

export async function startHarness(
  definition: unknown = fixtureDefinition(),
  opts: Omit<StartSimulatorOptions, 'definition'> = {},
): Promise<Harness> {
  const sim = await startSimulator({ definition, ...opts });
  const clientConfig = (credentials: Credentials = sim.credentials, maxAttempts = 1): ClientConfig => ({
    region: sim.region,
    endpoint: sim.endpoint,
    credentials,
    maxAttempts,
  });
  const harness: Harness = {
    sim,
    clientConfig,
    iam: (c) => new IAMClient(clientConfig(c)),
    orgs: (c) => new OrganizationsClient(clientConfig(c)),
    sts: (c) => new STSClient(clientConfig(c)),
    account: (c) => new AccountClient(clientConfig(c)),
    async assume(accountId, extra = {}) {
      const out = await harness.sts().send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${accountId}:role/RootwatchAudit`,
          RoleSessionName: 'rootwatch-test',
          ...extra,
        }),
      );
      return {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      };
    },
  };
  return harness;
}

/** Runs `fn` and returns the SDK error it throws (fails the test when it resolves). */
export async function sdkError(
  fn: () => Promise<unknown>,
): Promise<{ name: string; status: number; message: string }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode ?? -1, message: e.message };
  }
  throw new Error('expected the call to fail, but it succeeded');
}
