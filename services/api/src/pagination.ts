import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CursorCodec } from './cursor-codec';

/** The repository cursor inside an API cursor, or undefined when the client sent none. */
export function innerCursor(
  cursors: CursorCodec,
  list: string,
  cursor: string | undefined,
): string | undefined {
  return cursor === undefined ? undefined : cursors.decode(list, cursor);
}

/** `Link: <same path and query, with param=next>; rel="next"` (a relative reference, so it survives proxies). */
export function setNextLink(
  request: FastifyRequest,
  reply: FastifyReply,
  param: string,
  next: string | null,
): void {
  if (next === null) return;
  const url = new URL(request.url, 'http://placeholder');
  url.searchParams.set(param, next);
  for (const alias of ['cursor', 'after', 'updated_after'])
    if (alias !== param) url.searchParams.delete(alias);
  void reply.header('Link', `<${url.pathname}${url.search}>; rel="next"`);
}
