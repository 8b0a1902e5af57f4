import type { CfnTemplate } from './cfn-yaml';

/** The resource types these templates may use: the properties CloudFormation accepts and the attributes GetAtt can read. */
export const RESOURCE_TYPES: Record<
  string,
  { properties: string[]; required: string[]; attributes: string[] }
> = {
  'AWS::IAM::Role': {
    properties: [
      'AssumeRolePolicyDocument',
      'Description',
      'ManagedPolicyArns',
      'MaxSessionDuration',
      'Path',
      'PermissionsBoundary',
      'Policies',
      'RoleName',
      'Tags',
    ],
    required: ['AssumeRolePolicyDocument'],
    attributes: ['Arn', 'RoleId'],
  },
  'AWS::IAM::InstanceProfile': {
    properties: ['InstanceProfileName', 'Path', 'Roles'],
    required: ['Roles'],
    attributes: ['Arn'],
  },
  // Root activity (deploy/aws/root-activity-central.yaml and the member rule).
  'AWS::Events::EventBus': {
    properties: ['Name', 'Policy', 'Description', 'DeadLetterConfig', 'KmsKeyIdentifier', 'Tags'],
    required: ['Name'],
    attributes: ['Arn', 'Name', 'Policy'],
  },
  'AWS::Events::Rule': {
    properties: [
      'Description',
      'EventBusName',
      'EventPattern',
      'Name',
      'RoleArn',
      'ScheduleExpression',
      'State',
      'Targets',
    ],
    required: [],
    attributes: ['Arn'],
  },
  'AWS::SQS::Queue': {
    properties: [
      'QueueName',
      'VisibilityTimeout',
      'ReceiveMessageWaitTimeSeconds',
      'MessageRetentionPeriod',
      'RedrivePolicy',
      'SqsManagedSseEnabled',
      'KmsMasterKeyId',
      'DelaySeconds',
      'Tags',
    ],
    required: [],
    attributes: ['Arn', 'QueueName', 'QueueUrl'],
  },
  'AWS::SQS::QueuePolicy': {
    properties: ['PolicyDocument', 'Queues'],
    required: ['PolicyDocument', 'Queues'],
    attributes: ['Id'],
  },
};

export const PSEUDO_PARAMETERS = [
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
];

const PARAMETER_TYPES = new Set(['String', 'Number', 'List<Number>', 'CommaDelimitedList']);
const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Condition']);

type Intrinsic = { name: string; arg: unknown; path: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function intrinsicOf(value: unknown): { name: string; arg: unknown } | undefined {
  if (!isRecord(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const name = keys[0]!;
  return name === 'Ref' || name.startsWith('Fn::') ? { name, arg: value[name] } : undefined;
}

function collectIntrinsics(node: unknown, path: string, out: Intrinsic[]): Intrinsic[] {
  const fn = intrinsicOf(node);
  if (fn) out.push({ ...fn, path });
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) collectIntrinsics(child, `${path}[${i}]`, out);
  } else if (isRecord(node))
    for (const [k, child] of Object.entries(node)) collectIntrinsics(child, `${path}.${k}`, out);
  return out;
}

/** `${Name}` and `${Resource.Attr}` variables of a Fn::Sub string; `${!Literal}` is an escape. */
export function subVariables(template: string): string[] {
  return [...template.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!).filter((v) => !v.startsWith('!'));
}

/** Structural problems of a template: version, parameter types and defaults, every reference resolvable, resource types and properties known. */
export function validateTemplate(t: CfnTemplate): string[] {
  const problems: string[] = [];
  if (t.AWSTemplateFormatVersion !== '2010-09-09')
    problems.push('AWSTemplateFormatVersion must be 2010-09-09');
  const parameters = t.Parameters ?? {};
  const resources = t.Resources ?? {};
  const conditions = t.Conditions ?? {};
  if (Object.keys(resources).length === 0) problems.push('no Resources');
  const logicalIds = [...Object.keys(parameters), ...Object.keys(resources)];
  const dup = logicalIds.find((id, i) => logicalIds.indexOf(id) !== i);
  if (dup) problems.push(`${dup} is both a parameter and a resource`);

  for (const [name, p] of Object.entries(parameters)) {
    if (!PARAMETER_TYPES.has(p.Type)) problems.push(`parameter ${name}: unsupported Type ${p.Type}`);
    if (p.Default !== undefined) {
      const value = String(p.Default);
      if (p.AllowedPattern && !new RegExp(p.AllowedPattern).test(value))
        problems.push(`parameter ${name}: Default does not match AllowedPattern`);
      if (p.AllowedValues && !p.AllowedValues.includes(value))
        problems.push(`parameter ${name}: Default is not one of AllowedValues`);
    }
    if (!p.Description) problems.push(`parameter ${name}: no Description`);
  }

  const refTargets = new Set([...Object.keys(parameters), ...Object.keys(resources), ...PSEUDO_PARAMETERS]);
  const used = new Set<string>();
  const checkGetAtt = (resource: string, attribute: string, at: string) => {
    const target = resources[resource];
    if (!target) problems.push(`${at}: GetAtt of unknown resource ${resource}`);
    else if (!RESOURCE_TYPES[target.Type]?.attributes.includes(attribute))
      problems.push(`${at}: ${target.Type} has no attribute ${attribute}`);
    used.add(resource);
  };
  const checkCondition = (name: unknown, at: string) => {
    if (typeof name !== 'string' || !(name in conditions))
      problems.push(`${at}: unknown condition ${String(name)}`);
  };

  const sections: [string, unknown][] = [
    ['Conditions', conditions],
    ['Resources', resources],
    ['Outputs', t.Outputs ?? {}],
    ['Rules', t.Rules ?? {}],
  ];
  for (const [section, node] of sections) {
    for (const fn of collectIntrinsics(node, section, [])) {
      const at = fn.path;
      if (fn.name === 'Ref') {
        if (typeof fn.arg !== 'string' || !refTargets.has(fn.arg))
          problems.push(`${at}: Ref to unknown ${String(fn.arg)}`);
        else used.add(fn.arg);
      } else if (fn.name === 'Fn::GetAtt') {
        const [resource, attribute] = Array.isArray(fn.arg) ? fn.arg : [];
        checkGetAtt(String(resource), String(attribute), at);
      } else if (fn.name === 'Fn::Sub') {
        const [text, vars] = Array.isArray(fn.arg) ? fn.arg : [fn.arg, {}];
        if (typeof text !== 'string') {
          problems.push(`${at}: Fn::Sub needs a string`);
          continue;
        }
        const local = isRecord(vars) ? Object.keys(vars) : [];
        for (const v of subVariables(text)) {
          if (local.includes(v)) continue;
          const [name, attribute] = v.split('.');
          if (attribute !== undefined && !v.startsWith('AWS::')) checkGetAtt(name!, attribute, at);
          else if (!refTargets.has(v)) problems.push(`${at}: Fn::Sub variable \${${v}} is not defined`);
          else used.add(v);
        }
      } else if (fn.name === 'Fn::If') {
        if (!Array.isArray(fn.arg) || fn.arg.length !== 3)
          problems.push(`${at}: Fn::If needs [condition, then, else]`);
        else checkCondition(fn.arg[0], at);
      } else if (
        !['Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Fn::Join', 'Fn::Select', 'Fn::Split'].includes(
          fn.name,
        )
      ) {
        problems.push(`${at}: unsupported intrinsic ${fn.name}`);
      }
    }
  }

  for (const [name, body] of Object.entries(conditions)) {
    const fn = intrinsicOf(body);
    if (!fn || !CONDITION_FUNCTIONS.has(fn.name))
      problems.push(`condition ${name}: must be a condition function`);
  }
  for (const [name, r] of Object.entries(resources)) {
    const spec = RESOURCE_TYPES[r.Type];
    if (!spec) {
      problems.push(`resource ${name}: unknown type ${r.Type}`);
      continue;
    }
    if (r.Condition !== undefined) checkCondition(r.Condition, `resource ${name}`);
    const props = r.Properties ?? {};
    for (const key of Object.keys(props))
      if (!spec.properties.includes(key)) problems.push(`resource ${name}: ${r.Type} has no property ${key}`);
    for (const key of spec.required) if (!(key in props)) problems.push(`resource ${name}: missing ${key}`);
  }
  for (const [name, output] of Object.entries(t.Outputs ?? {})) {
    if (output.Condition !== undefined) checkCondition(output.Condition, `output ${name}`);
  }
  for (const name of Object.keys(parameters))
    if (!used.has(name)) problems.push(`parameter ${name} is never used`);
  return problems;
}

const NO_VALUE = Symbol('AWS::NoValue');

export type RenderContext = {
  parameters?: Record<string, string>;
  accountId?: string;
  region?: string;
  partition?: string;
};

export type RenderedTemplate = {
  conditions: Record<string, boolean>;
  resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  outputs: Record<string, unknown>;
};

/**
 * Evaluates the template as CloudFormation would for the given parameter values: conditions,
 * Fn::If branches (AWS::NoValue removes the key), Ref and Fn::Sub. Resource ids and attributes
 * render as `<Ref:Id>` / `<GetAtt:Id.Attr>` placeholders. Throws when a value breaks a
 * parameter constraint or a Rule assertion, as CloudFormation would refuse the stack.
 */
export function renderTemplate(t: CfnTemplate, context: RenderContext = {}): RenderedTemplate {
  const pseudo: Record<string, string> = {
    'AWS::AccountId': context.accountId ?? '111122223333',
    'AWS::Region': context.region ?? 'us-east-1',
    'AWS::Partition': context.partition ?? 'aws',
    'AWS::StackName': 'rootwatch-test',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  const values: Record<string, string> = {};
  for (const [name, p] of Object.entries(t.Parameters ?? {})) {
    const given = context.parameters?.[name];
    const value = given ?? (p.Default === undefined ? undefined : String(p.Default));
    if (value === undefined) throw new Error(`parameter ${name} has no value`);
    if (p.AllowedPattern && !new RegExp(p.AllowedPattern).test(value))
      throw new Error(`parameter ${name}: ${JSON.stringify(value)} does not match ${p.AllowedPattern}`);
    if (p.AllowedValues && !p.AllowedValues.includes(value))
      throw new Error(`parameter ${name}: ${JSON.stringify(value)} is not allowed`);
    values[name] = value;
  }
  for (const name of Object.keys(context.parameters ?? {}))
    if (!(name in values)) throw new Error(`unknown parameter ${name}`);

  const conditions: Record<string, boolean> = {};
  const resources = t.Resources ?? {};
  const evaluate = (node: unknown): unknown => {
    const fn = intrinsicOf(node);
    if (fn) return evaluateIntrinsic(fn.name, fn.arg);
    if (
      isRecord(node) &&
      Object.keys(node).length === 1 &&
      'Condition' in node &&
      typeof node.Condition === 'string'
    )
      return conditionValue(node.Condition);
    if (Array.isArray(node)) return node.map(evaluate).filter((v) => v !== NO_VALUE);
    if (isRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) {
        const value = evaluate(v);
        if (value !== NO_VALUE) out[k] = value;
      }
      return out;
    }
    return node;
  };
  const reference = (name: string): unknown => {
    if (name === 'AWS::NoValue') return NO_VALUE;
    if (name in values) return values[name];
    if (name in pseudo) return pseudo[name];
    if (name in resources) return `<Ref:${name}>`;
    throw new Error(`Ref to unknown ${name}`);
  };
  const conditionValue = (name: string): boolean => {
    if (!(name in conditions)) {
      const body = t.Conditions?.[name];
      if (body === undefined) throw new Error(`unknown condition ${name}`);
      conditions[name] = Boolean(evaluate(body));
    }
    return conditions[name]!;
  };
  const evaluateIntrinsic = (name: string, arg: unknown): unknown => {
    const args = Array.isArray(arg) ? arg : [arg];
    switch (name) {
      case 'Ref':
        return reference(String(arg));
      case 'Fn::GetAtt':
        return `<GetAtt:${args.join('.')}>`;
      case 'Fn::Equals':
        return JSON.stringify(evaluate(args[0])) === JSON.stringify(evaluate(args[1]));
      case 'Fn::Not':
        return !evaluate(args[0]);
      case 'Fn::And':
        return args.every((a) => evaluate(a));
      case 'Fn::Or':
        return args.some((a) => evaluate(a));
      case 'Fn::If':
        return conditionValue(String(args[0])) ? evaluate(args[1]) : evaluate(args[2]);
      case 'Fn::Join':
        return (evaluate(args[1]) as unknown[]).join(String(args[0]));
      case 'Fn::Select':
        return (evaluate(args[1]) as unknown[])[Number(evaluate(args[0]))];
      case 'Fn::Split':
        return String(evaluate(args[1])).split(String(args[0]));
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
        const local = isRecord(vars) ? (evaluate(vars) as Record<string, unknown>) : {};
        return String(text).replace(/\$\{([^}]+)\}/g, (_, v: string) => {
          if (v.startsWith('!')) return `\${${v.slice(1)}}`;
          if (v in local) return String(local[v]);
          const [id, attribute] = v.split('.');
          if (attribute !== undefined && !v.startsWith('AWS::')) return `<GetAtt:${id}.${attribute}>`;
          return String(reference(v));
        });
      }
      default:
        throw new Error(`unsupported intrinsic ${name}`);
    }
  };

  for (const [ruleName, rule] of Object.entries(t.Rules ?? {})) {
    if (rule.RuleCondition !== undefined && !evaluate(rule.RuleCondition)) continue;
    for (const assertion of rule.Assertions ?? [])
      if (!evaluate(assertion.Assert))
        throw new Error(`rule ${ruleName}: ${assertion.AssertDescription ?? 'assertion failed'}`);
  }
  for (const name of Object.keys(t.Conditions ?? {})) conditionValue(name);
  const rendered: RenderedTemplate['resources'] = {};
  for (const [id, r] of Object.entries(resources)) {
    if (r.Condition && !conditionValue(r.Condition)) continue;
    rendered[id] = { Type: r.Type, Properties: evaluate(r.Properties ?? {}) as Record<string, unknown> };
  }
  const outputs: Record<string, unknown> = {};
  for (const [id, o] of Object.entries(t.Outputs ?? {})) {
    if (o.Condition && !conditionValue(o.Condition)) continue;
    outputs[id] = evaluate(o.Value);
  }
  return { conditions, resources: rendered, outputs };
}
