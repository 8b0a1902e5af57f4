import { describe, expect, it } from 'vitest';
import {
  blockedAddressReason,
  parseWebhookUrl,
  resolveWebhookTarget,
  WebhookTargetError,
} from '../src/webhooks/webhook-address-policy';

describe('webhook address policy (SSRF)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.10.1', 'link-local'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fd12:3456::1', 'unique local (private)'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified ("this network")'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrier-grade NAT (RFC 6598)'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved (incl. broadcast)'],
    ['198.18.0.1', 'benchmarking'],
    // IPv4-mapped IPv6 is the IPv4 address: both spellings.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'cloud metadata'],
    ['::ffff:10.0.0.1', 'private (RFC 1918)'],
    ['2002:7f00:1::', '6to4 (embeds an IPv4 address)'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(blockedAddressReason(address)).toBe(reason);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ])('allows the public address %s', (address) => {
    expect(blockedAddressReason(address)).toBeUndefined();
  });

  it('refuses URLs that are not https, carry credentials or name a blocked literal address', () => {
    const policy = { allowPrivate: false };
    expect(() => parseWebhookUrl('http://example.com/hook', policy)).toThrow('must be https://');
    expect(() => parseWebhookUrl('not a url', policy)).toThrow('not a valid absolute URL');
    expect(() => parseWebhookUrl('https://user:pw@example.com/', policy)).toThrow('credentials');
    expect(() => parseWebhookUrl('https://[::ffff:169.254.169.254]/', policy)).toThrow('cloud metadata');
    expect(() => parseWebhookUrl('https://10.0.0.5/', policy)).toThrow(WebhookTargetError);
    expect(parseWebhookUrl('https://example.com/hook', policy).hostname).toBe('example.com');
    // ROOTWATCH_WEBHOOK_ALLOW_PRIVATE=true: http and private addresses, never other schemes.
    expect(parseWebhookUrl('http://127.0.0.1:8080/', { allowPrivate: true }).port).toBe('8080');
    expect(() => parseWebhookUrl('ftp://example.com/', { allowPrivate: true })).toThrow(
      'http:// or https://',
    );
  });

  it('checks every address a host resolves to and pins the first', async () => {
    const lookup = async (host: string) =>
      ({
        'public.example': [{ address: '93.184.216.34', family: 4 }],
        'mixed.example': [
          { address: '93.184.216.34', family: 4 },
          { address: '10.0.0.7', family: 4 },
        ],
        'metadata.example': [{ address: 'fd00:ec2::254', family: 6 }],
      })[host] ?? Promise.reject(Object.assign(new Error('nope'), { code: 'ENOTFOUND' }));
    const policy = { allowPrivate: false, lookup };
    await expect(resolveWebhookTarget('https://public.example/x', policy)).resolves.toMatchObject({
      address: '93.184.216.34',
      family: 4,
    });
    await expect(resolveWebhookTarget('https://mixed.example/x', policy)).rejects.toThrow(
      'resolves to a private (RFC 1918) address (10.0.0.7)',
    );
    await expect(resolveWebhookTarget('https://metadata.example/x', policy)).rejects.toThrow(
      'cloud metadata',
    );
    await expect(resolveWebhookTarget('https://missing.example/x', policy)).rejects.toThrow(
      'does not resolve (ENOTFOUND)',
    );
    await expect(
      resolveWebhookTarget('https://mixed.example/x', { allowPrivate: true, lookup }),
    ).resolves.toMatchObject({ address: '93.184.216.34' });
  });
});
