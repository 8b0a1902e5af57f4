import type { AwsError } from './aws-error';

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/** Text content only needs `& < >` escaped (no attribute carries data). */
export function esc(value: string): string {
  return value.replace(/[&<>]/g, (c) => ESCAPES[c]!);
}

/** `<name>value</name>`, or nothing when the value is absent (awsQuery omits absent members). */
export function el(name: string, value: string | number | boolean | null | undefined): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${esc(String(value))}</${name}>`;
}

/** An element whose content is already XML. */
export function node(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

export function members(name: string, items: readonly string[]): string {
  if (items.length === 0) return `<${name}/>`;
  return `<${name}>${items.map((i) => `<member>${i}</member>`).join('')}</${name}>`;
}

export function queryResponse(namespace: string, action: string, result: string, requestId: string): string {
  // Operations without output (DeleteAccessKey, …) answer only the metadata, as AWS does.
  const body = result === '' ? '' : `<${action}Result>${result}</${action}Result>`;
  return `<${action}Response xmlns="${namespace}">${body}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`;
}

export function queryError(namespace: string, error: AwsError, requestId: string): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${esc(error.code)}</Code><Message>${esc(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}
