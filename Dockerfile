# syntax=docker/dockerfile:1.7
# One image for every Maison process (docker compose runs it once per service):
#   build   — npm ci, then `turbo run build` (every workspace's tsc emits dist/), then the
#             development dependencies are pruned;
#   runtime — the pruned tree on the same Node 24 image, as the unprivileged `node` user, running
#             `node services/$SERVICE/dist/main.js` (packages resolve to their `dist/` through the
#             `default` export condition; no TypeScript at run time).
# docker build -t maison:local . && docker run -e SERVICE=identity … maison:local
# glibc, not Alpine: Hive Router's query planner ships linux-*-gnu native addons only.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NPM_CONFIG_UPDATE_NOTIFIER=false
COPY . .
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
RUN npx turbo run build
RUN npm prune --omit=dev --no-audit --no-fund \
  && rm -rf .turbo node_modules/.cache

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    NODE_OPTIONS=--disable-warning=TimeoutNegativeWarning
WORKDIR /app
# dist/ and what the services read beside it at run time: each service's schema.graphql and
# openapi.yaml, transactions' sample FX rates, the committed supergraph, the health check.
COPY --from=build --chown=node:node /app /app
# The dev issuer's key volume: a named volume takes the ownership of the directory it mounts on.
RUN mkdir -p /home/node/auth-keys && chown node:node /home/node/auth-keys
USER node
ARG SERVICE=gateway
ENV SERVICE=${SERVICE}
EXPOSE 4000 4001 4002 4003 4004 4005 4010
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD ["node", "infra/docker/healthcheck.mjs"]
# exec: node is the process that receives SIGTERM and runs the ordered shutdown.
CMD ["sh", "-c", "exec node services/${SERVICE}/dist/main.js"]
