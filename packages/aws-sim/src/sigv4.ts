import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface SigV4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export interface SignedRequest {
  method: string;
  /** Path as received on the wire, without the query string. */
  path: string;
  /** Raw query string without `?` ('' when none). */
  query: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

export function parseAuthorization(header: string | undefined): SigV4Authorization | null {
  if (!header) return null;
  const m = AUTHORIZATION.exec(header.trim());
  if (!m) return null;
  return {
    accessKeyId: m[1]!,
    date: m[2]!,
    region: m[3]!,
    service: m[4]!,
    signedHeaders: m[5]!.split(';'),
    signature: m[6]!,
  };
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface SigV4Verifier {
  /** `bodyHash` lets the caller reuse the sha256 it already computed. */
  verify(
    request: SignedRequest,
    auth: SigV4Authorization,
    secretAccessKey: string,
    bodyHash: string,
  ): boolean;
}

/**
 * Recomputes the SigV4 signature. Derived signing keys are cached per
 * (secret, date, region, service): the four chained HMACs dominate the cost otherwise.
 */
export function createSigV4Verifier(): SigV4Verifier {
  const keyCache = new Map<string, Buffer>();

  const signingKey = (secret: string, date: string, region: string, service: string): Buffer => {
    const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
    let key = keyCache.get(cacheKey);
    if (!key) {
      const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
      const kRegion = createHmac('sha256', kDate).update(region).digest();
      const kService = createHmac('sha256', kRegion).update(service).digest();
      key = createHmac('sha256', kService).update('aws4_request').digest();
      if (keyCache.size >= 10_000) keyCache.clear();
      keyCache.set(cacheKey, key);
    }
    return key;
  };

  return {
    verify(request, auth, secret, bodyHash) {
      const amzDate = headerValue(request.headers['x-amz-date']);
      if (!amzDate) return false;
      const payloadHash = headerValue(request.headers['x-amz-content-sha256']) || bodyHash;
      let canonicalHeaders = '';
      for (const name of auth.signedHeaders) {
        const raw = request.headers[name];
        if (raw === undefined) return false;
        const value = Array.isArray(raw) ? raw.join(',') : raw;
        canonicalHeaders += `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
      }
      const canonicalRequest = [
        request.method,
        canonicalPath(request.path),
        canonicalQuery(request.query),
        canonicalHeaders,
        auth.signedHeaders.join(';'),
        payloadHash,
      ].join('\n');
      const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
      const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
      const expected = createHmac('sha256', signingKey(secret, auth.date, auth.region, auth.service))
        .update(stringToSign)
        .digest();
      return timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'));
    },
  };
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalPath(path: string): string {
  if (path === '/' || path === '') return '/';
  // Non-S3 services sign the already-encoded path encoded once more, keeping the slashes.
  return escapeUri(path).replace(/%2F/g, '/');
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** A malformed escape cannot match any signature; keep it raw instead of throwing. */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}
