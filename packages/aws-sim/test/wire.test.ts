import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, PAYMENTS, startHarness } from './fixture';

interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

describe('wire protocol edges (raw signed HTTP)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.sim.stop());

  async function signed(opts: {
    service: string;
    body: string;
    headers: Record<string, string>;
    path?: string;
    query?: Record<string, string>;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    tamper?: (body: string) => string;
    omitContentSha?: boolean;
  }): Promise<RawResponse> {
    const url = new URL(h.sim.endpoint);
    const signer = new SignatureV4({
      service: opts.service,
      region: 'us-east-1',
      credentials: opts.credentials ?? h.sim.credentials,
      sha256: Sha256,
      applyChecksum: !opts.omitContentSha,
    });
    const request = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: opts.path ?? '/',
      query: opts.query ?? {},
      headers: { host: url.host, ...opts.headers },
      body: opts.body,
    });
    const qs = new URLSearchParams(opts.query ?? {}).toString();
    const res = await fetch(`${h.sim.endpoint}${opts.path ?? '/'}${qs ? `?${qs}` : ''}`, {
      method: 'POST',
      headers: Object.fromEntries(Object.entries(request.headers).filter(([k]) => k !== 'host')),
      body: opts.tamper ? opts.tamper(opts.body) : opts.body,
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  const query = (body: string, extra: Partial<Parameters<typeof signed>[0]> = {}) =>
    signed({
      service: 'iam',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      ...extra,
    });

  it('answers an unknown IAM action with an AWS-shaped InvalidAction', async () => {
    const res = await query('Action=DeleteEverything&Version=2010-05-08');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.text).toBe(
      `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation DeleteEverything for version 2010-05-08</Message></Error><RequestId>${res.headers.get('x-amzn-requestid')}</RequestId></ErrorResponse>`,
    );
  });

  it('answers an unknown STS action in the STS namespace', async () => {
    const res = await signed({
      service: 'sts',
      body: 'Action=GetFederationToken&Version=2011-06-15&Name=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(400);
    expect(res.text).toContain('xmlns="https://sts.amazonaws.com/doc/2011-06-15/"');
    expect(res.text).toContain('<Code>InvalidAction</Code>');
  });

  it('answers a missing Action with MissingAction', async () => {
    const res = await query('Version=2010-05-08');
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>MissingAction</Code>');
  });

  it('answers an unknown Organizations operation with UnknownOperationException', async () => {
    const res = await signed({
      service: 'organizations',
      body: '{}',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSOrganizationsV20161128.CloseEverything',
      },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    expect(JSON.parse(res.text)).toEqual({
      __type: 'UnknownOperationException',
      Message: 'Unknown operation CloseEverything',
    });
  });

  it('answers a malformed JSON body with a SerializationException', async () => {
    const res = await signed({
      service: 'organizations',
      body: '{"MaxResults":',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSOrganizationsV20161128.ListAccounts',
      },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).__type).toBe('SerializationException');
  });

  it('answers a malformed rest-json body with a ValidationException', async () => {
    const res = await signed({
      service: 'account',
      path: '/getAlternateContact',
      body: 'not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-amzn-errortype')).toBe('ValidationException');
  });

  it('refuses a body changed after signing and a credential scoped to another service', async () => {
    const tampered = await query('Action=GetAccountSummary&Version=2010-05-08', {
      tamper: () => 'Action=GetAccountSummary&Version=2010-05-08&X=1',
    });
    expect(tampered.status).toBe(403);
    expect(tampered.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    const tamperedNoHash = await query('Action=GetAccountSummary&Version=2010-05-08', {
      omitContentSha: true,
      tamper: () => 'Action=GetAccountSummary&Version=2010-05-08&X=1',
    });
    expect(tamperedNoHash.text).toContain('<Code>SignatureDoesNotMatch</Code>');
    const wrongScope = await signed({
      service: 'sts',
      body: 'Action=GetAccountSummary&Version=2010-05-08',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongScope.status).toBe(403);
    expect(wrongScope.text).toContain("Credential should be scoped to correct service: 'iam'.");
  });

  it('accepts botocore-style requests: charset in Content-Type, no x-amz-content-sha256, query string, odd spacing', async () => {
    const res = await query('Action=GetAccountSummary&Version=2010-05-08', {
      omitContentSha: true,
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-custom': '  a   b  ',
      },
      query: { 'b key': 'v/1', a: 'x*y' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('<key>AccountMFAEnabled</key><value>1</value>');
  });

  it('accepts list and nested parameters in awsQuery bodies, including empty lists', async () => {
    const res = await signed({
      service: 'sts',
      body: `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(`arn:aws:iam::${PAYMENTS}:role/RootwatchAudit`)}&RoleSessionName=raw+test&PolicyArns=&Tags.member.1.Key=a`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    // `+` decodes to a space, which RoleSessionName does not allow.
    expect(res.status).toBe(400);
    expect(res.text).toContain('<Code>ValidationError</Code>');
    const ok = await signed({
      service: 'sts',
      body: `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(`arn:aws:iam::${PAYMENTS}:role/RootwatchAudit`)}&RoleSessionName=raw%2Btest&PolicyArns=`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(`assumed-role/RootwatchAudit/raw+test</Arn>`);
  });

  it('answers unsigned requests with MissingAuthenticationToken and survives garbage', async () => {
    const unsigned = await fetch(`${h.sim.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetAccountSummary&Version=2010-05-08',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>MissingAuthenticationToken</Code>');
    const badAuth = await fetch(`${h.sim.endpoint}/`, {
      method: 'POST',
      headers: {
        authorization: 'AWS4-HMAC-SHA256 nonsense',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'Action=GetAccountSummary&Version=2010-05-08',
    });
    expect(badAuth.status).toBe(403);
    expect(await badAuth.text()).toContain('<Code>IncompleteSignature</Code>');
    const binary = await fetch(`${h.sim.endpoint}/`, {
      method: 'POST',
      body: new Uint8Array([0, 255, 1, 254, 37, 37]),
    });
    expect(binary.status).toBeGreaterThanOrEqual(400);
    const malformedQuery = await fetch(`${h.sim.endpoint}/?a=%E0%A4%A`, {
      method: 'POST',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAROOTWATCHSIM0001/20260101/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=' +
          '0'.repeat(64),
        'x-amz-date': '20260101T000000Z',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'Action=GetAccountSummary&Version=2010-05-08',
    });
    expect(malformedQuery.status).toBe(403);
    expect(await malformedQuery.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect((await fetch(`${h.sim.endpoint}/_sim/accounts/%E0%A4%A`)).status).toBe(404);
    const get = await fetch(`${h.sim.endpoint}/whatever`);
    expect(get.status).toBe(404);
    const huge = await fetch(`${h.sim.endpoint}/`, {
      method: 'POST',
      body: 'x'.repeat(2 * 1024 * 1024),
    }).catch(() => null);
    if (huge) expect(huge.status).toBe(413);
    const health = await fetch(`${h.sim.endpoint}/_sim/health`);
    expect(await health.json()).toEqual({ ok: true });
  });
});
