# syntax=docker/dockerfile:1
# pixelgate: build with the dev toolchain, run with production dependencies only, as a non-root user.
#   docker build -t pixelgate .
#   docker run -p 4000:4000 -e REPLICATE_API_TOKEN=... -e DATABASE_URL=postgres://... pixelgate
# Node 24 LTS: the production runtime (Node 20 reached end of life on 2026-04-30).
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: compile TypeScript (src/ and migrations/) to dist/, pixelgate Studio to studio/dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY scripts/ensure-studio.js ./scripts/ensure-studio.js
COPY studio ./studio
RUN npm run build

# --- deps: production dependencies only (no tsx, typescript, vitest, eslint) ----------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
WORKDIR /app
# Production refuses to start without REPLICATE_API_TOKEN (no simulator fallback). PIXELGATE_DATA_DIR
# holds stored images (and embedded Postgres when DATABASE_URL is unset): the only writable place.
ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0 \
    PIXELGATE_DATA_DIR=/data
# Application files stay root-owned (read-only to the process); only /data belongs to `node`.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/studio/dist ./studio/dist
COPY package.json ./
COPY bin ./bin
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 4000
# slim images have no curl: Node's fetch does the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# `node` as PID 1 receives SIGTERM from `docker stop`; pixelgate shuts down gracefully within 10 s.
CMD ["node", "dist/src/main.js", "serve"]
