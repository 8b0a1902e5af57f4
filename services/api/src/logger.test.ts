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
