import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { createLogger, scrubText, scrubValue } from './logger';

const apiKey = 'rw_0123456789ab_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefg';
const awsSecret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const sessionToken = `IQoJb3JpZ2luX2VjE${'Zm9vYmFy'.repeat(20)}`;

test('credential-shaped text is redacted wherever it appears in a string', () => {
  const text = scrubText(`key ${apiKey} secret ${awsSecret} token ${sessionToken} Bearer abc.def`);
  for (const secret of [apiKey, awsSecret, sessionToken, 'abc.def']) expect(text).not.toContain(secret);
  expect(scrubText('account 123456789012 scanned')).toBe('account 123456789012 scanned');
});

test('credential-named fields are redacted at any depth, other fields kept', () => {
  expect(
    scrubValue({
      credentials: { accessKeyId: 'ASIA…', secretAccessKey: 'x' },
      nested: [{ SessionToken: 'y', note: 'ok' }],
      authorization: 'Bearer z',
    }),
  ).toEqual({
    credentials: '[redacted]',
    nested: [{ SessionToken: '[redacted]', note: 'ok' }],
    authorization: '[redacted]',
  });
});

test('the logger writes no credential from messages, objects, errors or request headers', () => {
  const lines: string[] = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  logger.info(`assumed role with ${sessionToken}`);
  logger.info({ creds: { SecretAccessKey: awsSecret }, url: `/v1/x?key=${apiKey}` }, 'call');
  logger.error({ err: new Error(`failed with secret ${awsSecret}`) }, 'boom');
  logger.info(
    { req: { method: 'GET', url: '/v1/summary', headers: { authorization: `Bearer ${apiKey}` } } },
    'req',
  );
  const text = lines.join('');
  for (const secret of [apiKey, awsSecret, sessionToken]) expect(text).not.toContain(secret);
  expect(text).toContain('/v1/summary');
  expect(text).toContain('boom');
});

test('the member role ExternalId and database passwords are redacted, as fields and inside text and URLs', () => {
  const externalId = 'rootwatch-7f3c9a1e-ext';
  const dbPassword = 'S3cr3t-db-pw';
  const redisPassword = 'r3d1s-pw';
  expect(
    scrubValue({
      org: { id: 'o-1', externalId, memberRoleName: 'RootwatchAudit' },
      params: { RoleArn: 'arn:aws:iam::111111111111:role/RootwatchAudit', ExternalId: externalId },
      env: { POSTGRES_PASSWORD: dbPassword, REDIS_PASSWORD: redisPassword },
    }),
  ).toEqual({
    org: { id: 'o-1', externalId: '[redacted]', memberRoleName: 'RootwatchAudit' },
    params: { RoleArn: 'arn:aws:iam::111111111111:role/RootwatchAudit', ExternalId: '[redacted]' },
    env: { POSTGRES_PASSWORD: '[redacted]', REDIS_PASSWORD: '[redacted]' },
  });

  const text = scrubText(
    `connect postgres://rootwatch:${dbPassword}@db:5432/rootwatch and redis://:${redisPassword}@redis:6379/0 ` +
      `then AssumeRole?ExternalId=${externalId}&RoleSessionName=rootwatch "externalId":"${externalId}"`,
  );
  for (const secret of [externalId, dbPassword, redisPassword]) expect(text).not.toContain(secret);
  // What an operator needs to read stays: user, host, port, database.
  expect(text).toContain('postgres://rootwatch:[redacted]@db:5432/rootwatch');
  expect(text).toContain('redis://:[redacted]@redis:6379/0');
  expect(scrubText('GET https://iam.amazonaws.com/ 200')).toBe('GET https://iam.amazonaws.com/ 200');
});

test('the worker and scheduler log lines carry neither: the same logger, top-level fields and errors too', () => {
  const lines: string[] = [];
  const logger = createLogger({
    name: 'rootwatch-worker',
    destination: new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const url = 'postgres://rootwatch:hunter2-pg@postgres:5432/rootwatch';
  logger.info({ externalId: 'ext-secret-1', database: url }, 'worker started');
  logger.warn({ err: new Error(`connect ECONNREFUSED ${url}`) }, 'database connection lost');
  logger.info(`assume role with ExternalId=ext-secret-2 in ${url}`);
  const text = lines.join('');
  for (const secret of ['ext-secret-1', 'ext-secret-2', 'hunter2-pg']) expect(text).not.toContain(secret);
  expect(text).toContain('worker started');
  expect(text).toContain('@postgres:5432/rootwatch');
});
