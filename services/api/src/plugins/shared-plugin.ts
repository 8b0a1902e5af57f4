import type { FastifyPluginAsync, FastifyPluginOptions } from 'fastify';

export type SharedPluginMeta = {
  /** Shown in Fastify's errors and plugin tree, and what other plugins name in `dependencies`. */
  name: string;
  /** Decorators that must exist when the plugin registers: Fastify refuses to boot otherwise. */
  decorators?: { fastify?: string[]; request?: string[] };
  dependencies?: string[];
};

/**
 * Marks a plugin so that its decorators and hooks land on the instance that registers it rather than on a
 * child context: what the `fastify-plugin` package does, through the same symbols Fastify reads, without the
 * dependency. Fastify also checks the declared decorators and dependencies when the plugin registers, so a
 * plugin registered out of order fails at boot, not on the first request.
 */
export function sharedPlugin<Options extends FastifyPluginOptions>(
  meta: SharedPluginMeta,
  plugin: FastifyPluginAsync<Options>,
): FastifyPluginAsync<Options> {
  return Object.assign(plugin, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: meta.name,
    [Symbol.for('plugin-meta')]: meta,
  });
}
