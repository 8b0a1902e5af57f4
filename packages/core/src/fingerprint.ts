import { createHash } from 'node:crypto';
import type { ControlResult } from './controls/types';
import type { PostureFacts } from './facts';

// Fields that change on every collection without the posture changing.
const MEANINGLESS_KEYS = new Set([
  'reportGeneratedAt',
  'generatedAt',
  'collectedAt',
  'observedAt',
  'requestId',
  'RequestId',
]);

/** JSON with sorted keys and the meaningless fields dropped, at any depth. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalize(v)));
  if (value && typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined || MEANINGLESS_KEYS.has(key)) continue;
      out[key] = canonicalize(v);
    }
    return out;
  }
  return value;
}

/** sha256 (hex) of the canonical facts and results: equal for an unchanged account across scans. */
export function postureFingerprint(facts: PostureFacts, results: ControlResult[]): string {
  const sorted = [...results].sort((a, b) => a.controlId.localeCompare(b.controlId));
  return createHash('sha256')
    .update(canonicalJson({ facts, results: sorted }))
    .digest('hex');
}
