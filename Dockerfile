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
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.ROOTWATCH_API_PORT || 3000}/health`).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "services/cli/bin/rootwatch.mjs"]
CMD ["api"]
