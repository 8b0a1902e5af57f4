# syntax=docker/dockerfile:1
# One image for every role: `api` (default), `worker`, `scheduler`, `migrate`, `sim`, `demo`.

FROM node:22-slim AS base
RUN npm install -g pnpm@12.4.2 && npm cache clean --force
WORKDIR /app

FROM base AS build
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm build
# Drop dev dependencies (compilers, test tools) before the runtime stage copies the tree.
RUN pnpm prune --prod

FROM node:22-slim AS runtime
ENV NODE_ENV=production
RUN groupadd --system --gid 10001 rootwatch && useradd --system --uid 10001 --gid rootwatch --no-create-home rootwatch
WORKDIR /app
COPY --from=build --chown=root:root /app /app
USER 10001
EXPOSE 3000
# The API answers /health on its port; the worker and the scheduler answer /live on ROOTWATCH_HEALTH_PORT
# (fails when their database pool or Redis connection has been stuck for ROOTWATCH_LIVENESS_STALE_MS).
# Whichever role this container runs, one of the two listens.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const e = process.env, ok = (u) => fetch(u).then(r => r.ok, () => false); Promise.all([ok(`http://127.0.0.1:${e.ROOTWATCH_API_PORT || 3000}/health`), ok(`http://127.0.0.1:${e.ROOTWATCH_HEALTH_PORT || 9465}/live`)]).then(([a, l]) => process.exit(a || l ? 0 : 1))"]
ENTRYPOINT ["node", "services/cli/bin/rootwatch.mjs"]
CMD ["api"]
