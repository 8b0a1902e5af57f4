import {
  createResponseCache,
  type ResponseCache,
  type ResponseCacheOptions,
} from '../single-flight-response-cache';
import { sharedPlugin } from './shared-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Serialized list responses shared by the read routes (and read by /metrics). */
    responseCache: ResponseCache;
  }
}

export const responseCachePlugin = sharedPlugin<{ responseCache?: ResponseCacheOptions }>(
  { name: 'rootwatch-response-cache' },
  async (app, { responseCache }) => {
    app.decorate('responseCache', createResponseCache(responseCache));
  },
);
