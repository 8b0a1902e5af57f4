import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyTypeProvider,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';

export interface DashboardOptions {
  /** Directory of the built app (`vite build` output); defaults to `services/dashboard/dist`. */
  distDir?: string;
}

export const defaultDistDir: string = fileURLToPath(new URL('../dist', import.meta.url));

// Vite puts content-hashed files under assets/: a new build gets new names, so they never need revalidation.
const immutableAssets = 'public, max-age=31536000, immutable';

// The app only talks to its own origin (/v1); nothing inline, nothing from elsewhere.
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

// The API refuses routes without an auth decision (config.auth); the dashboard's files are public.
const publicRoute = { auth: 'public' } as const;

/**
 * Serves the dashboard's built assets at `/`: index.html at `/`, hashed files under `/assets/`. Only these
 * routes are added (no catch-all), so the API's routes and its 404 handler stay as they are.
 */
/** Any Fastify app on Node's http server, whatever its logger and type provider (the API uses TypeBox). */
export type DashboardHost<
  Logger extends FastifyBaseLogger = FastifyBaseLogger,
  Provider extends FastifyTypeProvider = FastifyTypeProvider,
> = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  Logger,
  Provider
>;

export async function registerDashboard<
  Logger extends FastifyBaseLogger,
  Provider extends FastifyTypeProvider,
>(app: DashboardHost<Logger, Provider>, opts: DashboardOptions = {}): Promise<void> {
  const distDir = opts.distDir ?? defaultDistDir;
  if (!existsSync(join(distDir, 'index.html'))) {
    app.get('/', { config: publicRoute, schema: { hide: true } }, async (_request, reply) => {
      return reply.code(503).send({ error: { code: 'dashboard_not_built', message: 'run pnpm build' } });
    });
    return;
  }

  const topLevelFiles = readdirSync(distDir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name !== 'index.html')
    .map((entry) => entry.name);

  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: distDir,
      serve: false,
      cacheControl: false,
      setHeaders(reply, path) {
        if (path.endsWith('.html')) {
          reply.header('cache-control', 'no-cache');
          reply.header('content-security-policy', contentSecurityPolicy);
          reply.header('x-content-type-options', 'nosniff');
          reply.header('referrer-policy', 'no-referrer');
        } else if (path.includes('/assets/')) {
          reply.header('cache-control', immutableAssets);
        } else {
          reply.header('cache-control', 'public, max-age=3600');
        }
      },
    });
    const routeOptions = { config: publicRoute, schema: { hide: true } };
    scope.get('/', routeOptions, (_request, reply) => reply.sendFile('index.html'));
    scope.get('/index.html', routeOptions, (_request, reply) => reply.sendFile('index.html'));
    // @fastify/send resolves the name inside the root and refuses `..`, so the wildcard cannot leave dist/assets.
    scope.get<{ Params: { '*': string } }>('/assets/*', routeOptions, (request, reply) =>
      reply.sendFile(request.params['*'], join(distDir, 'assets')),
    );
    for (const name of topLevelFiles) {
      scope.get(`/${name}`, routeOptions, (_request, reply) => reply.sendFile(name));
    }
  });
}

/** Whether `pnpm build` has produced the dashboard's assets. */
export function isDashboardBuilt(distDir: string = defaultDistDir): boolean {
  return existsSync(join(distDir, 'index.html'));
}
