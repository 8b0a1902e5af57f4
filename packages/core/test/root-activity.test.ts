import { describe, expect, it } from 'vitest';
import { parseRootActivityMessage } from '../src/index';

// Shapes of the CloudTrail user guide's examples: a root ConsoleLogin, and a call in an AssumeRoot session.
const consoleLogin = {
  version: '0',
  id: 'c7d1b3a0-0000-4000-8000-000000000001',
  'detail-type': 'AWS Console Sign In via CloudTrail',
  source: 'aws.signin',
  account: '222222222222',
  time: '2026-12-01T08:30:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    eventVersion: '1.09',
    userIdentity: {
      type: 'Root',
      principalId: '222222222222',
      arn: 'arn:aws:iam::222222222222:root',
      accountId: '222222222222',
    },
    eventTime: '2026-12-01T08:30:00Z',
    eventSource: 'signin.amazonaws.com',
    eventName: 'ConsoleLogin',
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'Mozilla/5.0',
    requestParameters: null,
    responseElements: { ConsoleLogin: 'Success' },
    additionalEventData: {
      LoginTo: 'https://console.aws.amazon.com/console/home',
      MobileVersion: 'No',
      MFAUsed: 'No',
    },
    eventID: '3fcfb586-0000-4000-8000-000000000002',
    eventType: 'AwsConsoleSignIn',
    recipientAccountId: '222222222222',
  },
};
const rootSession = {
  ...consoleLogin,
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.iam',
  detail: {
    ...consoleLogin.detail,
    userIdentity: {
      type: 'Root',
      principalId: '222222222222',
      arn: 'arn:aws:iam::222222222222:root',
      accountId: '222222222222',
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      sessionContext: {
        attributes: { creationDate: '2026-12-01T08:29:00Z', mfaAuthenticated: 'false' },
        assumedRoot: 'true',
      },
    },
    eventSource: 'iam.amazonaws.com',
    eventName: 'DeleteLoginProfile',
    eventType: 'AwsApiCall',
    additionalEventData: undefined,
    responseElements: null,
    eventID: '3fcfb586-0000-4000-8000-000000000003',
  },
};
const apiCall = {
  ...rootSession,
  detail: {
    ...rootSession.detail,
    userIdentity: { ...consoleLogin.detail.userIdentity, accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
    errorCode: 'AccessDenied',
    errorMessage: 'no',
  },
};
const failedLogin = {
  ...consoleLogin,
  detail: {
    ...consoleLogin.detail,
    responseElements: { ConsoleLogin: 'Failure' },
    errorMessage: 'Failed authentication',
  },
};

describe('parseRootActivityMessage', () => {
  it.each([
    [
      'a console sign-in',
      consoleLogin,
      { kind: 'console_login', success: true, mfaUsed: false, sourceIp: '198.51.100.7', errorCode: null },
    ],
    ['a failed sign-in', failedLogin, { kind: 'console_login', success: false, errorCode: 'Failure' }],
    [
      'a call in an AssumeRoot session',
      rootSession,
      { kind: 'root_session', success: true, eventName: 'DeleteLoginProfile', mfaUsed: null },
    ],
    ['a denied root API call', apiCall, { kind: 'api_call', success: false, errorCode: 'AccessDenied' }],
  ])('reads %s', (_name, message, expected) => {
    const parsed = parseRootActivityMessage(JSON.stringify(message));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.activity).toMatchObject({ accountId: '222222222222', ...expected });
  });

  it.each([
    ['not JSON', '{"detail-type": ', 'not_json'],
    ['a JSON array', '[1,2]', 'not_eventbridge'],
    ['an object without detail', JSON.stringify({ 'detail-type': 'x', account: '1' }), 'not_eventbridge'],
    [
      'another detail-type',
      JSON.stringify({ ...consoleLogin, 'detail-type': 'EC2 Instance State-change Notification' }),
      'not_cloudtrail',
    ],
    [
      'no eventID',
      JSON.stringify({ ...consoleLogin, detail: { ...consoleLogin.detail, eventID: undefined } }),
      'not_cloudtrail',
    ],
    [
      'a bad eventTime',
      JSON.stringify({ ...consoleLogin, detail: { ...consoleLogin.detail, eventTime: 'yesterday' } }),
      'not_cloudtrail',
    ],
    [
      'an IAM user',
      JSON.stringify({
        ...consoleLogin,
        detail: { ...consoleLogin.detail, userIdentity: { type: 'IAMUser' } },
      }),
      'not_root',
    ],
  ])('rejects %s', (_name, body, reason) => {
    const parsed = parseRootActivityMessage(body);
    expect(parsed).toMatchObject({ ok: false, reason });
  });
});
