# One image for the API and the workers (docker-compose.yml picks the command).
#   docker build -t slipway:local .
#   docker run -p 7070:7070 -e SLIPWAY_ADMIN_TOKEN=<16+ chars> slipway:local
# Node 24 LTS, pinned to the version CI tests on; dependencies come from package-lock.json.
ARG NODE_IMAGE=node:24.19.0-bookworm-slim

# 1. Build: every dependency, the dev ones too, then dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY packages/domain/package.json packages/domain/
COPY packages/ops/package.json packages/ops/
COPY packages/persistence/package.json packages/persistence/
COPY test/acceptance/package.json test/acceptance/
COPY examples/hello-app/package.json examples/hello-app/
COPY bench/package.json bench/
RUN npm ci
COPY . .
RUN npm run build

# 2. Production dependencies only: the workspaces are compiled into dist/, so only the root's
#    dependencies are installed, without the workspace folders. esbuild is one of them (a checkout's
#    `npx slipway` builds dist/ with it on first use); the image never builds: it has dist/.
FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# 3. What runs: node under tini (signals forwarded, zombies reaped), as the unprivileged node user.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/slipway \
  && chown node:node /var/lib/slipway
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=7070 SLIPWAY_DATA_DIR=/var/lib/slipway
COPY --from=production-deps /app/package.json /app/package-lock.json ./
COPY --from=production-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The README walkthrough bakes images from examples/.
COPY --from=build /app/examples ./examples
USER node
EXPOSE 7070
# The API's readiness (store and executor reachable); a worker's compose service points the same
# check at its own readiness endpoint (SLIPWAY_WORKER_HEALTH_PORT).
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
