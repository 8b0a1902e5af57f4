import { AwsError, validation } from './aws-error';

export interface Page<T> {
  items: T[];
  /** Opaque token for the next page; absent on the last page. */
  next?: string;
}

const encode = (family: string, offset: number): string =>
  Buffer.from(`${family}:${offset}`, 'utf8').toString('base64url');

function decode(family: string, token: string | undefined): number | null {
  if (token === undefined || token === '') return 0;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const [prefix, offset] = text.split(':');
  const n = Number(offset);
  if (prefix !== family || !Number.isInteger(n) || n < 0) return null;
  return n;
}

function slice<T>(family: string, items: readonly T[], offset: number, size: number): Page<T> {
  const end = offset + size;
  const page: Page<T> = { items: items.slice(offset, end) };
  if (end < items.length) page.next = encode(family, end);
  return page;
}

/** Organizations: NextToken / MaxResults (1–20). */
export function orgPage<T>(items: readonly T[], nextToken: unknown, maxResults: unknown): Page<T> {
  let size = 20;
  if (maxResults !== undefined && maxResults !== null) {
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > 20)
      throw new AwsError(
        'InvalidInputException',
        400,
        'You provided a value that does not match the required pattern.',
      );
    size = maxResults;
  }
  const offset = decode('org', typeof nextToken === 'string' ? nextToken : undefined);
  if (offset === null || (nextToken !== undefined && nextToken !== null && typeof nextToken !== 'string'))
    throw new AwsError('InvalidInputException', 400, 'The provided token is invalid.');
  return slice('org', items, offset, size);
}

/** IAM: Marker / MaxItems (1–1000, default 100). */
export function iamPage<T>(items: readonly T[], marker: string | null, maxItems: string | null): Page<T> {
  let size = 100;
  if (maxItems !== null && maxItems !== '') {
    const n = Number(maxItems);
    if (!Number.isInteger(n) || n < 1 || n > 1000)
      throw validation(
        `1 validation error detected: Value '${maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
      );
    size = n;
  }
  const offset = decode('iam', marker ?? undefined);
  if (offset === null) throw validation('Invalid Marker.');
  return slice('iam', items, offset, size);
}
