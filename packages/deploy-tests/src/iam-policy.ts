/** Structural checks of IAM policy documents, and the actions a document allows. */

const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);

// The operators these templates may use; a typo here would silently never match in IAM.
const CONDITION_OPERATORS =
  /^(ForAnyValue:|ForAllValues:)?(StringEquals|StringNotEquals|StringEqualsIgnoreCase|StringNotEqualsIgnoreCase|StringLike|StringNotLike|ArnEquals|ArnLike|ArnNotEquals|ArnNotLike|Bool|Null|NumericEquals|NumericLessThan|NumericGreaterThan|DateLessThan|DateGreaterThan|IpAddress|NotIpAddress)(IfExists)?$/;

const ACTION = /^[a-z0-9-]+:[A-Za-z0-9*]+$/;

export type PolicyKind = 'identity' | 'trust';

type Statement = Record<string, unknown>;

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** CloudFormation accepts a policy as an object or as a JSON string; normalize to the object. */
export function policyObject(doc: unknown): unknown {
  return typeof doc === 'string' ? JSON.parse(doc) : doc;
}

/** Problems found in a rendered policy document (no intrinsic functions left); empty when well-formed. */
export function validatePolicyDocument(input: unknown, kind: PolicyKind): string[] {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = policyObject(input);
  } catch (error) {
    return [`policy is not valid JSON: ${(error as Error).message}`];
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return ['policy is not an object'];
  const { Version, Statement: statements, ...rest } = doc as Record<string, unknown>;
  if (Version !== '2012-10-17') problems.push(`Version must be "2012-10-17", got ${JSON.stringify(Version)}`);
  for (const key of Object.keys(rest)) if (key !== 'Id') problems.push(`unknown policy key ${key}`);
  const list = asList(statements);
  if (statements === undefined || list.length === 0) problems.push('no Statement');
  const sids = new Set<string>();
  list.forEach((raw, index) => {
    const at = `Statement[${index}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push(`${at} is not an object`);
      return;
    }
    const statement = raw as Statement;
    for (const key of Object.keys(statement))
      if (!STATEMENT_KEYS.has(key)) problems.push(`${at}: unknown key ${key}`);
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      problems.push(`${at}: Effect must be Allow or Deny`);
    if (typeof statement.Sid === 'string') {
      if (!/^[A-Za-z0-9]+$/.test(statement.Sid)) problems.push(`${at}: Sid must be alphanumeric`);
      if (sids.has(statement.Sid)) problems.push(`${at}: duplicate Sid ${statement.Sid}`);
      sids.add(statement.Sid);
    }
    const actions = statement.Action ?? statement.NotAction;
    if (actions === undefined) problems.push(`${at}: no Action`);
    for (const action of asList(actions ?? [])) {
      if (typeof action !== 'string' || !ACTION.test(action))
        problems.push(`${at}: bad action ${JSON.stringify(action)}`);
    }
    if (kind === 'identity') {
      if (statement.Principal !== undefined || statement.NotPrincipal !== undefined)
        problems.push(`${at}: an identity policy has no Principal`);
      if (statement.Resource === undefined && statement.NotResource === undefined)
        problems.push(`${at}: no Resource`);
      for (const resource of asList(statement.Resource ?? statement.NotResource ?? [])) {
        if (typeof resource !== 'string' || !(resource === '*' || resource.startsWith('arn:')))
          problems.push(`${at}: bad resource ${JSON.stringify(resource)}`);
      }
    } else {
      if (statement.Principal === undefined) problems.push(`${at}: a trust policy needs a Principal`);
      if (statement.Resource !== undefined) problems.push(`${at}: a trust policy has no Resource`);
    }
    if (statement.Condition !== undefined) problems.push(...validateCondition(statement.Condition, at));
  });
  return problems;
}

function validateCondition(condition: unknown, at: string): string[] {
  if (!condition || typeof condition !== 'object' || Array.isArray(condition))
    return [`${at}: Condition is not an object`];
  const problems: string[] = [];
  for (const [operator, block] of Object.entries(condition)) {
    if (!CONDITION_OPERATORS.test(operator)) problems.push(`${at}: unknown condition operator ${operator}`);
    if (!block || typeof block !== 'object' || Array.isArray(block)) {
      problems.push(`${at}: ${operator} is not an object`);
      continue;
    }
    for (const [key, value] of Object.entries(block)) {
      if (!/^[\w.:/-]+$/.test(key)) problems.push(`${at}: bad condition key ${key}`);
      for (const v of asList(value)) {
        if (typeof v !== 'string' || v === '')
          problems.push(`${at}: ${operator}.${key} needs non-empty strings`);
      }
    }
  }
  return problems;
}

/** Every action the Allow statements grant, sorted. Throws on Allow + NotAction, which grants an open-ended set. */
export function allowedActions(input: unknown): string[] {
  const doc = policyObject(input) as { Statement: unknown };
  const actions = new Set<string>();
  for (const raw of asList(doc.Statement)) {
    const statement = raw as Statement;
    if (statement.Effect !== 'Allow') continue;
    if (statement.NotAction !== undefined) throw new Error('Allow with NotAction grants an open-ended set');
    for (const action of asList(statement.Action)) actions.add(String(action));
  }
  return [...actions].sort();
}

/** The statements of a policy that allow `action`. */
export function statementsAllowing(input: unknown, action: string): Statement[] {
  const doc = policyObject(input) as { Statement: unknown };
  return asList(doc.Statement)
    .map((raw) => raw as Statement)
    .filter((s) => s.Effect === 'Allow' && asList(s.Action).includes(action));
}
