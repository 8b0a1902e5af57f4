import { createError, ERROR_CODES } from '@rootwatch/core';

// Far above any real organization (10,000 accounts at 20 per page = 500 pages); stops a looping token.
const MAX_PAGES = 5_000;

/** Follows NextToken/Marker until absent. A page may be empty and still carry a token. */
export async function collectPages<T>(
  fetchPage: (token: string | undefined) => Promise<{ items: T[] | undefined; next: string | undefined }>,
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, next } = await fetchPage(token);
    if (items) all.push(...items);
    if (!next) return all;
    token = next;
  }
  throw createError({
    code: ERROR_CODES.paginationLoop,
    message: `pagination did not end after ${MAX_PAGES} pages`,
  });
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
