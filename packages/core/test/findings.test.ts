import { describe, expect, it } from 'vitest';
import { decideFinding, dedupKey } from '../src/findings';
import { postureFingerprint } from '../src/fingerprint';
import { observe } from '../src/observation';
import { account, OPTIONS, org, posture } from './fixtures';

describe('decideFinding', () => {
  it.each([
    [null, 'FAIL', 'open'],
    [{}, 'FAIL', 'keep'],
    [{}, 'PASS', 'resolve'],
    [{}, 'NOT_APPLICABLE', 'resolve'],
    [{}, 'UNKNOWN', 'keep'],
    [null, 'UNKNOWN', 'none'],
    [null, 'PASS', 'none'],
    [null, 'NOT_APPLICABLE', 'none'],
  ] as const)('open=%j + %s → %s', (open, status, decision) => {
    expect(decideFinding(open, { status })).toBe(decision);
  });

  it('dedup key is accountId/controlId', () => {
    expect(dedupKey('222222222222', 'root.mfa')).toBe('222222222222/root.mfa');
  });
});

describe('postureFingerprint', () => {
  const fp = (spec: Parameters<typeof posture>[0], now = OPTIONS.now) => {
    const o = observe(posture(spec), account(), org(), { ...OPTIONS, now });
    return postureFingerprint(o.facts, o.results);
  };

  it('ignores collectedAt, report GeneratedTime and the passing of time', () => {
    const a = fp({ collectedAt: '2026-12-01T00:00:00Z', generatedAt: '2026-11-30T22:00:00.000Z' });
    const b = fp(
      { collectedAt: '2026-12-02T00:00:00Z', generatedAt: '2026-12-01T23:00:00.000Z' },
      new Date('2026-12-02T00:00:00Z'),
    );
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toBe(a);
  });

  it('changes when the posture changes', () => {
    expect(fp({ passwordPolicy: null })).not.toBe(fp({}));
    expect(
      fp({
        summary: {
          AccountMFAEnabled: 0,
          AccountPasswordPresent: 1,
          AccountAccessKeysPresent: 0,
          AccountSigningCertificatesPresent: 0,
        },
      }),
    ).not.toBe(fp({}));
  });

  it('does not depend on the order of results or object keys', () => {
    const o = observe(posture(), account(), org(), OPTIONS);
    const shuffled = [...o.results]
      .reverse()
      .map((r) => Object.fromEntries(Object.entries(r).reverse())) as typeof o.results;
    expect(postureFingerprint(o.facts, shuffled)).toBe(postureFingerprint(o.facts, o.results));
  });
});
