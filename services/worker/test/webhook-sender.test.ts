import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookSender, RESPONSE_BODY_BYTES } from '../src/webhooks/webhook-sender';

describe('webhook sender', () => {
  let server: Server;
  let port: number;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        if (req.url === '/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
        else if (req.url === '/big') res.writeHead(500).end('é'.repeat(2000));
        else if (req.url === '/hang')
          res.writeHead(200); // headers only, the body never ends
        else res.writeHead(200).end('thanks');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
  });

  // A name the system resolver cannot know: a successful request proves the socket used the checked address.
  const lookup = async (host: string) => {
    if (host === 'receiver.test') return [{ address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error('unknown'), { code: 'ENOTFOUND' });
  };
  const send = (path: string, options: { allowPrivate?: boolean; timeoutMs?: number } = {}) =>
    createWebhookSender({
      allowPrivate: options.allowPrivate ?? true,
      timeoutMs: options.timeoutMs,
      lookup,
    }).send({
      url: `http://receiver.test:${port}${path}`,
      headers: { 'webhook-id': 'msg_1' },
      body: '{}',
    });

  it('connects to the address it checked, without resolving the name again', async () => {
    const result = await send('/ok');
    expect(result).toMatchObject({ statusCode: 200, responseBody: 'thanks', error: null });
  });

  it('refuses a loopback address unless private addresses are allowed, before any request', async () => {
    const before = paths.length;
    const https = await createWebhookSender({ allowPrivate: false, lookup }).send({
      url: `https://receiver.test:${port}/ok`,
      headers: {},
      body: '{}',
    });
    expect(https).toMatchObject({
      statusCode: null,
      error: expect.stringMatching(/loopback address \(127\.0\.0\.1\)/),
    });
    expect((await send('/ok', { allowPrivate: false })).error).toMatch(/must be https/);
    expect(paths.length).toBe(before);
  });

  it('does not follow redirects, keeps 1 KB of the response, and gives up at the timeout', async () => {
    const redirect = await send('/redirect');
    expect(redirect.statusCode).toBe(302);
    expect(paths).not.toContain('/elsewhere');
    const big = await send('/big');
    expect(big.statusCode).toBe(500);
    expect(Buffer.byteLength(big.responseBody!)).toBeLessThanOrEqual(RESPONSE_BODY_BYTES);
    expect(big.responseBody!.startsWith('éé')).toBe(true);
    const hang = await send('/hang', { timeoutMs: 200 });
    expect(hang).toMatchObject({ statusCode: null, error: 'no complete response within 200 ms' });
  });
});
