# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production ones only.
# Pure JavaScript dependencies: builds for amd64, arm64 and armv7 (docker buildx --platform …).
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production \
    CLOUD2MQTT_CONFIG=/data/config.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json config.schema.json config.example.yaml README.md ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# The health endpoint (health.port, default 8099) answers 200 while the broker connection is up.
EXPOSE 8099
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.CLOUD2MQTT_HEALTH_PORT||8099)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A 2 MB young generation: each poll is a burst of short-lived objects that otherwise grows it to
# 48 MB for good; with 20,000 entities the daemon stays some 25–60 MB smaller (docs/PERFORMANCE.md).
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/cli.js"]
CMD ["run"]
