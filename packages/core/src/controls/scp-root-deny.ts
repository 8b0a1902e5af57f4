import type { EffectivePolicy } from '../context';
import { rootArn } from '../facts';

const PRINCIPAL_ARN_KEY = 'aws:principalarn';
const ASSUMED_ROOT_KEY = 'aws:assumedroot';

/** Base operators (after the set prefix and `IfExists` are stripped) that can match aws:PrincipalArn. */
const POSITIVE_OPERATORS = new Set([
  'stringlike',
  'stringequals',
  'stringequalsignorecase',
  'arnlike',
  'arnequals',
]);
const NEGATED_OPERATORS = new Set([
  'stringnotlike',
  'stringnotequals',
  'stringnotequalsignorecase',
  'arnnotlike',
  'arnnotequals',
]);

/** A Deny statement of an SCP that applies to this account's root user. */
export interface RootDenyStatement {
  policyId: string;
  policyName: string;
  targetId: string;
  sid: string | null;
  /** The condition that makes it apply to root, e.g. `StringLike` `arn:*:iam::*:root`. */
  operator: string;
  pattern: string;
  /** `everything`: Action "*" on Resource "*" with no other narrowing condition. */
  scope: 'everything' | 'partial';
  /** What a partial deny is limited to, in words: `only s3:DeleteBucket`, `only when aws:RequestedRegion …`. */
  limits: string[];
  /** The statement keeps `"Null": {"aws:AssumedRoot": "true"}`: centralized root sessions stay usable. */
  assumedRootCarveOut: boolean;
}

function globToRegExp(glob: string, flags = ''): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, flags);
}

// ArnLike/ArnEquals compare the six colon-separated ARN parts one by one, wildcards inside each part.
function arnMatches(pattern: string, arn: string): boolean {
  const split = (s: string) => {
    const parts = s.split(':');
    return [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  if (pattern.split(':').length < 6) return false;
  const p = split(pattern);
  const a = split(arn);
  return p.every((part, i) => globToRegExp(part).test(a[i] ?? ''));
}

function valueMatches(base: string, pattern: string, arn: string): boolean {
  switch (base) {
    case 'stringequals':
      return pattern === arn;
    case 'stringequalsignorecase':
      return pattern.toLowerCase() === arn.toLowerCase();
    case 'stringlike':
      return globToRegExp(pattern).test(arn);
    default:
      return arnMatches(pattern, arn);
  }
}

/**
 * `ForAnyValue:StringLikeIfExists` → `stringlike`. aws:PrincipalArn is single-valued and always present,
 * so the set prefixes and `IfExists` do not change what the operator says about root.
 */
function baseOperator(operator: string): string {
  return operator
    .replace(/^(ForAnyValue|ForAllValues):/i, '')
    .replace(/IfExists$/i, '')
    .toLowerCase();
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function strings(value: unknown): string[] {
  return asList(value).filter((v): v is string => typeof v === 'string');
}

function parseDocument(document: unknown): unknown {
  if (typeof document !== 'string') return document;
  try {
    return JSON.parse(document);
  } catch {
    return null;
  }
}

type ConditionVerdict =
  | { appliesToRoot: false }
  | {
      appliesToRoot: true;
      operator: string;
      pattern: string;
      carveOut: boolean;
      limits: string[];
    };

/**
 * Reads a Deny statement's Condition for the root user of one account: it applies to root when a
 * positive operator on aws:PrincipalArn matches the root ARN and no negated one excludes it. The
 * `Null aws:AssumedRoot` carve-out is expected; any other condition narrows the deny (a limit).
 */
function readCondition(condition: unknown, arn: string): ConditionVerdict {
  if (!condition || typeof condition !== 'object') return { appliesToRoot: false };
  let match: { operator: string; pattern: string } | null = null;
  let carveOut = false;
  const limits: string[] = [];
  for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
    if (!block || typeof block !== 'object') continue;
    const base = baseOperator(operator);
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      const k = key.toLowerCase();
      const values = strings(value);
      if (k === PRINCIPAL_ARN_KEY && POSITIVE_OPERATORS.has(base)) {
        const pattern = values.find((v) => valueMatches(base, v, arn));
        if (pattern === undefined) return { appliesToRoot: false };
        match ??= { operator, pattern };
      } else if (k === PRINCIPAL_ARN_KEY && NEGATED_OPERATORS.has(base)) {
        const positive = base.replace('not', '');
        if (values.some((v) => valueMatches(positive, v, arn))) return { appliesToRoot: false };
      } else if (
        k === ASSUMED_ROOT_KEY &&
        base === 'null' &&
        asList(value).some((v) => v === true || String(v).toLowerCase() === 'true')
      ) {
        carveOut = true;
      } else {
        limits.push(`only when ${operator} ${key} ${JSON.stringify(value)}`);
      }
    }
  }
  if (!match) return { appliesToRoot: false };
  return { appliesToRoot: true, ...match, carveOut, limits };
}

function scopeLimits(st: Record<string, unknown>): string[] {
  const limits: string[] = [];
  const actions = strings(st.Action);
  const notActions = strings(st.NotAction);
  if (notActions.length > 0) limits.push(`every action except ${notActions.join(', ')}`);
  else if (!actions.includes('*')) limits.push(`only ${actions.join(', ')}`);
  const notResources = strings(st.NotResource);
  // No Resource element: nothing narrows the deny to some resources.
  const resources = st.Resource === undefined ? ['*'] : strings(st.Resource);
  if (notResources.length > 0) limits.push(`not on ${notResources.join(', ')}`);
  else if (!resources.includes('*')) limits.push(`only on ${resources.join(', ')}`);
  return limits;
}

/**
 * Finds the Deny statements of an SCP that apply to the root user of `accountId` (a condition on
 * aws:PrincipalArn matching `arn:<partition>:iam::<accountId>:root`, key case-insensitive), and says
 * whether each denies everything (Action "*" on Resource "*") or only part of it.
 */
export function findRootDenyStatements(
  policy: EffectivePolicy,
  partition: string,
  accountId: string,
): RootDenyStatement[] {
  const doc = parseDocument(policy.document) as { Statement?: unknown } | null;
  if (!doc || typeof doc !== 'object') return [];
  const arn = rootArn(partition, accountId);
  const found: RootDenyStatement[] = [];
  for (const raw of asList(doc.Statement)) {
    if (!raw || typeof raw !== 'object') continue;
    const st = raw as Record<string, unknown>;
    if (st.Effect !== 'Deny') continue;
    if (strings(st.Action).length === 0 && strings(st.NotAction).length === 0) continue;
    const condition = readCondition(st.Condition, arn);
    if (!condition.appliesToRoot) continue;
    const limits = [...scopeLimits(st), ...condition.limits];
    found.push({
      policyId: policy.id,
      policyName: policy.name,
      targetId: policy.targetId,
      sid: typeof st.Sid === 'string' ? st.Sid : null,
      operator: condition.operator,
      pattern: condition.pattern,
      scope: limits.length === 0 ? 'everything' : 'partial',
      limits,
      assumedRootCarveOut: condition.carveOut,
    });
  }
  return found;
}
