export class OrgDefinitionError extends Error {
  readonly code = 'org_definition_invalid';
  /** JSON path of the offending value, e.g. `accounts[3].root.mfa`. */
  readonly path: string;

  constructor(path: string, expectation: string, ...got: [unknown?]) {
    const suffix = got.length > 0 ? `, got ${describe(got[0])}` : '';
    super(`${path || '(definition)'}: ${expectation}${suffix}`);
    this.name = 'OrgDefinitionError';
    this.path = path;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
