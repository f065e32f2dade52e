# syntax=docker/dockerfile:1
#
# One image for Ringnest nodes and their admin CLI (docs/deploy.md):
#   docker build -t ringnest:0.1.0 .
#   docker run ... ringnest:0.1.0                               an api node (the CMD)
#   docker run ... ringnest:0.1.0 node dist/apps/chat/main.js   a chat node
#   docker exec <container> ringnest member-status              the CLI, on PATH
# Nodes are configured by environment variables only (the configuration table in README.md).
#
# apps/api-e2e/src/deploy-image.e2e.spec.ts runs these steps without Docker: every RUN of the
# build stage, the COPYs, and the CMD from the runtime stage's files alone. Keep to the
# instructions it understands (it fails on any other).

FROM node:20-bookworm-slim AS build
WORKDIR /src
ENV NX_NO_CLOUD=true NX_DAEMON=false CI=true
# Dependencies first, so that a source change reuses this layer. The lockfile pins every package
# and its integrity, so what the npm cache holds is used without asking the registry again.
COPY package.json package-lock.json .npmrc ./
RUN --mount=type=cache,target=/root/.npm npm ci --prefer-offline --no-audit --no-fund
COPY . .
# The projects to build. The apps bundle the libraries from source, so the libraries' own
# (publishable) builds are not needed here.
ARG APPS="api chat cli"
RUN npx nx run-many -t build -p ${APPS} --exclude-task-dependencies --parallel=2 --output-style=static
# Production dependencies only; an empty directory for the runtime stage's data directory.
RUN npm prune --omit=dev --no-audit --no-fund && mkdir -p image/data

# The runtime stage runs nothing at build time: it only takes the build stage's output.
FROM node:20-bookworm-slim AS runtime
# PATH: the `ringnest` CLI script lives in /app. DATA_DIR: one node per container, on a volume.
ENV PATH=/app:$PATH DATA_DIR=/var/lib/ringnest
WORKDIR /app
COPY --from=build /src/package.json /src/ringnest ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/apps ./dist/apps
# The Kubernetes preStop hook (deploy/k8s/statefulset.yaml).
COPY --from=build /src/deploy/k8s/leave-if-scaled-down.js ./deploy/k8s/
# The code stays root-owned (read-only to the node); only the data directory belongs to it.
COPY --from=build --chown=1000:1000 /src/image/data /var/lib/ringnest
# The `node` user of the base image, numeric so that Kubernetes' runAsNonRoot can check it.
USER 1000:1000
# HTTP (+ WebSocket) and the cluster transport of an api node.
EXPOSE 4000 9000
CMD ["node", "dist/apps/api/main.js"]
