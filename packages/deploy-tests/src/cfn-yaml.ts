import { type CollectionTag, parse, type ScalarTag, type Tags } from 'yaml';

/** Short-form intrinsic functions the templates may use, mapped to their long form. */
const INTRINSICS = ['Ref', 'Sub', 'GetAtt', 'If', 'Equals', 'Not', 'And', 'Or', 'Join', 'Select', 'Split'];

function longName(short: string): string {
  return short === 'Ref' ? 'Ref' : `Fn::${short}`;
}

/** `yaml` custom tags turning `!Ref X` into `{ Ref: 'X' }`, `!GetAtt R.Arn` into `{ 'Fn::GetAtt': ['R', 'Arn'] }`, etc. */
export const CLOUDFORMATION_TAGS: Tags = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => {
  const key = longName(name);
  return [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [key]: name === 'GetAtt' ? value.split('.') : value }),
    },
    { tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [key]: seq.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (map) => ({ [key]: map.toJSON() }) },
  ];
});

export type CfnTemplate = {
  AWSTemplateFormatVersion?: unknown;
  Description?: unknown;
  Parameters?: Record<string, CfnParameter>;
  Rules?: Record<
    string,
    { RuleCondition?: unknown; Assertions?: { Assert: unknown; AssertDescription?: string }[] }
  >;
  Conditions?: Record<string, unknown>;
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string; Condition?: string }>;
};

export type CfnParameter = {
  Type: string;
  Default?: string | number;
  AllowedValues?: string[];
  AllowedPattern?: string;
  Description?: string;
  NoEcho?: boolean;
};

export type CfnResource = {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
};

/** Parses a CloudFormation YAML template (short-form tags included) into its JSON shape. */
export function parseCloudFormationYaml(text: string): CfnTemplate {
  return parse(text, { customTags: CLOUDFORMATION_TAGS, strict: true, uniqueKeys: true }) as CfnTemplate;
}
