import type { EffectivePolicy } from '../context';
import { rootArn } from '../facts';

const PRINCIPAL_ARN_KEY = 'aws:principalarn';
const ROOT_CONDITION_OPERATORS = new Set(['StringLike', 'StringEquals', 'ArnLike', 'ArnEquals']);

export interface RootDenyMatch {
  policyId: string;
  policyName: string;
  targetId: string;
  sid: string | null;
  operator: string;
  pattern: string;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

// ArnLike/ArnEquals compare the six colon-separated ARN parts one by one, wildcards inside each part.
function arnMatches(pattern: string, arn: string): boolean {
  const split = (s: string) => {
    const parts = s.split(':');
    return [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const a = split(arn);
  if (pattern.split(':').length < 6) return false;
  return p.every((part, i) => globToRegExp(part).test(a[i] ?? ''));
}

function valueMatches(operator: string, pattern: string, arn: string): boolean {
  switch (operator) {
    case 'StringEquals':
      return pattern === arn;
    case 'StringLike':
      return globToRegExp(pattern).test(arn);
    default:
      return arnMatches(pattern, arn);
  }
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function parseDocument(document: unknown): unknown {
  if (typeof document !== 'string') return document;
  try {
    return JSON.parse(document);
  } catch {
    return null;
  }
}

/**
 * Finds the statements of an SCP that deny the root user of `accountId`: `Effect: Deny`,
 * an Action (or NotAction), and a condition on `aws:PrincipalArn` (key case-insensitive)
 * whose pattern matches `arn:<partition>:iam::<accountId>:root`.
 */
export function findRootDenyStatements(
  policy: EffectivePolicy,
  partition: string,
  accountId: string,
): RootDenyMatch[] {
  const doc = parseDocument(policy.document) as { Statement?: unknown } | null;
  if (!doc || typeof doc !== 'object') return [];
  const arn = rootArn(partition, accountId);
  const matches: RootDenyMatch[] = [];
  for (const raw of asList(doc.Statement)) {
    if (!raw || typeof raw !== 'object') continue;
    const st = raw as {
      Sid?: unknown;
      Effect?: unknown;
      Action?: unknown;
      NotAction?: unknown;
      Condition?: unknown;
    };
    if (st.Effect !== 'Deny') continue;
    const actions = [...asList(st.Action), ...asList(st.NotAction)].filter((a) => typeof a === 'string');
    if (actions.length === 0) continue;
    if (!st.Condition || typeof st.Condition !== 'object') continue;
    for (const [operator, block] of Object.entries(st.Condition as Record<string, unknown>)) {
      if (!ROOT_CONDITION_OPERATORS.has(operator) || !block || typeof block !== 'object') continue;
      for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
        if (key.toLowerCase() !== PRINCIPAL_ARN_KEY) continue;
        const pattern = asList(value).find(
          (v): v is string => typeof v === 'string' && valueMatches(operator, v, arn),
        );
        if (pattern !== undefined) {
          matches.push({
            policyId: policy.id,
            policyName: policy.name,
            targetId: policy.targetId,
            sid: typeof st.Sid === 'string' ? st.Sid : null,
            operator,
            pattern,
          });
        }
      }
    }
  }
  return matches;
}
