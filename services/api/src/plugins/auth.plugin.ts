import { isRootwatchError } from '@rootwatch/core';
import { type ApiKeyScope, hasScope } from '../api-keys/api-keys';
import { type Authenticator, createAuthenticator, type Principal } from '../authenticator';
import { forbidden, tooManyUnauthenticated } from '../errors';
import { createPreAuthLimiter, type RateLimitOptions } from '../rate-limit';
import { sharedPlugin } from './shared-plugin';

/** Who may call a route: `public`, or an API key holding the scope (`admin` implies every scope). */
export type AuthDecision = 'public' | ApiKeyScope;

export type RouteAuthDecision = { method: string; url: string; auth: AuthDecision };

declare module 'fastify' {
  interface FastifyInstance {
    authenticator: Authenticator;
    /** Every route with its auth decision, as registered (the security tests check it against their table). */
    authDecisions: RouteAuthDecision[];
  }
  interface FastifyContextConfig {
    auth?: AuthDecision;
  }
  interface FastifyRequest {
    principal?: Principal;
  }
}

export type AuthPluginOptions = {
  authCacheTtlMs?: number;
  authNegativeCacheTtlMs?: number;
  /** Requests without a valid key allowed per client address and window; `false` disables the budget. */
  preAuthLimit: RateLimitOptions | false;
};

// Swagger UI serves its own static routes; they expose nothing the public /openapi.json does not.
const UNAUTHENTICATED_PLUGIN_PREFIX = '/docs';

/**
 * Every route declares who may call it (`config.auth`); a route without a decision fails the boot. Routes
 * needing a key get it checked, with its scope, before their handler runs, and say so in the OpenAPI document.
 */
export const authPlugin = sharedPlugin<AuthPluginOptions>(
  { name: 'rootwatch-auth', decorators: { fastify: ['db'] } },
  async (app, options) => {
    const authenticator = createAuthenticator({
      db: app.db,
      cacheTtlMs: options.authCacheTtlMs,
      negativeCacheTtlMs: options.authNegativeCacheTtlMs,
    });
    const preAuth = options.preAuthLimit === false ? undefined : createPreAuthLimiter(options.preAuthLimit);
    const decisions: RouteAuthDecision[] = [];
    app.decorate('authenticator', authenticator);
    app.decorate('authDecisions', decisions);
    app.decorateRequest('principal', undefined);

    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat();
      if (route.url.startsWith(UNAUTHENTICATED_PLUGIN_PREFIX)) {
        route.schema = { ...route.schema, hide: true };
        for (const method of methods) decisions.push({ method, url: route.url, auth: 'public' });
        return;
      }
      const auth = route.config?.auth;
      if (auth === undefined) {
        throw new Error(`route ${route.method} ${route.url} has no auth decision (config.auth)`);
      }
      for (const method of methods) decisions.push({ method, url: route.url, auth });
      if (auth !== 'public') {
        route.schema = {
          ...route.schema,
          security: [{ apiKey: [] }],
          description:
            `${route.schema?.description ?? ''}\n\nRequires scope \`${auth}\` (or \`admin\`).`.trim(),
        };
      }
    });

    app.addHook('onRequest', async (request, reply) => {
      const auth = request.routeOptions.config.auth;
      if (auth === undefined || auth === 'public') return;
      if (preAuth) {
        const gate = preAuth.check(request.ip);
        if (!gate.allowed) {
          const retryAfter = Math.max(1, Math.ceil(gate.resetMs / 1000));
          void reply.header('Retry-After', retryAfter);
          throw tooManyUnauthenticated(retryAfter);
        }
      }
      let principal: Principal;
      try {
        principal = await authenticator.authenticate(request.headers.authorization);
      } catch (error) {
        if (isRootwatchError(error) && error.statusCode === 401) preAuth?.recordFailure(request.ip);
        throw error;
      }
      request.principal = principal;
      if (!hasScope(principal.scopes, auth)) throw forbidden(auth);
    });
  },
);
