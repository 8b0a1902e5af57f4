import { AccessDeniedException as AccountAccessDenied } from '@aws-sdk/client-account';
import { CredentialReportNotReadyException, NoSuchEntityException } from '@aws-sdk/client-iam';
import { TooManyRequestsException } from '@aws-sdk/client-organizations';
import { RegionDisabledException } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { classifyAwsError, redactSecrets } from '../src/errors';
import { collectPages } from '../src/pagination';

const unmodelled = (name: string, message: string, status = 403) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

describe('classifyAwsError', () => {
  it('AssumeRole AccessDenied says which role, which account and what to fix', () => {
    const err = unmodelled(
      'AccessDenied',
      'User: arn:aws:iam::111111111111:user/rootwatch is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/RootwatchAudit',
    );
    const c = classifyAwsError(err, {
      operation: 'sts:AssumeRole',
      accountId: '222222222222',
      roleName: 'RootwatchAudit',
    });
    expect(c).toMatchObject({ kind: 'denied', code: 'AccessDenied', retryable: false });
    expect(c.message).toMatch(
      /^role RootwatchAudit cannot be assumed in 222222222222: AccessDenied — deploy the member role StackSet or check its trust policy/,
    );
  });

  it.each([
    [unmodelled('Throttling', 'Rate exceeded', 400), 'throttled', true],
    [new TooManyRequestsException({ message: 'slow down', $metadata: {} }), 'throttled', true],
    [unmodelled('LimitExceeded', 'Too many reports', 409), 'throttled', true],
    [unmodelled('ExpiredToken', 'The security token included in the request is expired'), 'expired', true],
    [
      new RegionDisabledException({ message: 'STS is not activated in this region', $metadata: {} }),
      'region_disabled',
      false,
    ],
    [
      new NoSuchEntityException({
        message: 'The Password Policy with domain name 2222 cannot be found.',
        $metadata: {},
      }),
      'not_found',
      false,
    ],
    [new AccountAccessDenied({ message: 'no', $metadata: {} }), 'denied', false],
    [new CredentialReportNotReadyException({ message: 'in progress', $metadata: {} }), 'transient', true],
    [unmodelled('ServiceFailure', 'boom', 500), 'transient', true],
    [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'transient',
      true,
    ],
  ])('%s → %s', (err, kind, retryable) => {
    expect(
      classifyAwsError(err, { operation: 'iam:GetAccountSummary', accountId: '222222222222' }),
    ).toMatchObject({
      kind,
      retryable,
    });
  });

  it('names the permission to grant when a member read is denied', () => {
    const c = classifyAwsError(unmodelled('AccessDenied', 'not authorized'), {
      operation: 'iam:GetAccountSummary',
      accountId: '222222222222',
      roleName: 'RootwatchAudit',
    });
    expect(c.message).toContain('grant iam:GetAccountSummary to RootwatchAudit');
  });

  it('an unknown client error is not retryable', () => {
    expect(classifyAwsError(unmodelled('WeirdThing', 'odd', 400))).toMatchObject({
      kind: 'transient',
      retryable: false,
    });
  });

  it('never carries secret-looking material', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYxx';
    const token = 'IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6';
    const c = classifyAwsError(
      unmodelled('SignatureDoesNotMatch', `bad signature for ${secret} with ${token}`),
    );
    expect(c.message).not.toContain(secret);
    expect(c.message).not.toContain(token);
    expect(redactSecrets(`k=${secret}`)).toBe('k=[redacted]');
  });

  it('a list whose token never ends fails as a malformed answer, not a retryable one', async () => {
    const error = await collectPages(async () => ({ items: [], next: 'again' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'pagination_loop', isRootwatchError: true });
    expect(classifyAwsError(error)).toMatchObject({
      kind: 'malformed',
      code: 'pagination_loop',
      retryable: false,
    });
  });
});
