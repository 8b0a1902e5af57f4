import { createHash } from 'node:crypto';

/** A strong validator of a response body: sha-256, base64url, cut to 162 bits (short headers, no practical collision). */
export function etagOf(payload: string | Buffer): string {
  return `"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"`;
}

/** Whether an If-None-Match header names `tag` (weak comparison, as RFC 9110 asks for If-None-Match). */
export function matchesEtag(header: string, tag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === tag);
}
