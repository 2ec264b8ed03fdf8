# syntax=docker/dockerfile:1
# Taskstream: the API server + web app (ROLE=api), and the consumer processes (ROLE=recurring,
# ROLE=notifications) — one image, the role is chosen by the environment (see deploy/).
#
#   docker build -t taskstream .
#   docker run -p 8000:8000 taskstream                     # embedded mode, nothing else needed
#   docker compose -f deploy/compose/docker-compose.yml up # distributed mode (Dapr, Redpanda, PostgreSQL)
#
# Checked by scripts/validate-deploy.sh (BuildKit's build checks + the rules in test/deploy.test.ts);
# never built on the machine that wrote it (no Docker engine there): see docs/deploy.md.

# The Node.js release the project is tested with, on Debian 12 (bookworm) like the project's machines;
# slim: no compilers or docs. Pin a digest too in a release pipeline (NODE_IMAGE=node:…@sha256:…).
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# ---- builder: full dependencies, compile the server (tsc) and the web app (vite) -------------
FROM ${NODE_IMAGE} AS builder
WORKDIR /src
ENV CI=true NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY web ./web
RUN npm run build \
  && npm prune --omit=dev

# ---- runtime: production dependencies and the build output only, as an unprivileged user ----
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="taskstream" \
      org.opencontainers.image.description="Event-driven task service (REST API, web app, Dapr consumers)" \
      org.opencontainers.image.licenses="UNLICENSED"
ENV NODE_ENV=production \
    PORT=8000 \
    DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only for the app user; only DATA_DIR is writable.
COPY --from=builder /src/package.json ./package.json
COPY --from=builder /src/node_modules ./node_modules
COPY --from=builder /src/dist ./dist
RUN mkdir -p /data && chown node:node /data
# The "node" user (uid 1000) of the official image; numeric so Kubernetes can verify runAsNonRoot.
USER 1000:1000
VOLUME ["/data"]
EXPOSE 8000
# Liveness only (/readyz also checks the database and the sidecar; orchestrators probe it).
# The slim image has no curl or wget: Node's fetch does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
# the register module starts OpenTelemetry first when OTEL_* asks for it (else it loads nothing)
CMD ["node", "--import", "./dist/src/tracing/register.js", "dist/src/main.js"]
