import type { FastifyReply, FastifyRequest } from 'fastify';
import { etagOf, matchesEtag } from '../etag';
import { sharedPlugin } from './shared-plugin';

/** Every 200 GET answer carries an ETag, and a matching If-None-Match is answered 304 without the body. */
export const etagPlugin = sharedPlugin({ name: 'rootwatch-etag' }, async (app) => {
  app.addHook('onSend', async (request, reply, payload) => etag(request, reply, payload));
});

function etag(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  if (request.method !== 'GET' || reply.statusCode !== 200) return payload;
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  // A cached response carries the ETag computed once when it was stored (single-flight-response-cache.ts).
  const set = reply.getHeader('ETag');
  const tag = typeof set === 'string' ? set : etagOf(payload);
  void reply.header('ETag', tag);
  if (!reply.hasHeader('Cache-Control')) void reply.header('Cache-Control', 'private, no-cache');
  const ifNoneMatch = request.headers['if-none-match'];
  if (typeof ifNoneMatch === 'string' && matchesEtag(ifNoneMatch, tag)) {
    void reply.code(304);
    reply.removeHeader('Content-Length');
    return '';
  }
  return payload;
}
