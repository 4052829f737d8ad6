# OpenClaw gateway image. Build:   docker build -t openclaw-kit:local .
#                                  podman build --format docker -t openclaw-kit:local .
# (podman needs --format docker to keep the HEALTHCHECK: the OCI image format has no field for it.)
#
# Build args:
#   BASE_IMAGE                    node runtime base (default node:24-bookworm-slim)
#   OPENCLAW_VERSION              written to the org.opencontainers.image.version label
#   OPENCLAW_IMAGE_APT_PACKAGES   extra Debian packages, space separated. Set but empty = none, even if
#                                 the legacy OPENCLAW_DOCKER_APT_PACKAGES is set; unset = use the legacy one
#   OPENCLAW_INSTALL_DOCKER_CLI   1 = add a docker client (Debian trixie's docker-cli binary, ~35 MB), for
#                                 sandboxes through a mounted docker.sock or podman.sock
ARG BASE_IMAGE=node:24-bookworm-slim

# ---- production dependencies: cached until package.json or the lockfile change
FROM ${BASE_IMAGE} AS deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && rm -rf /root/.npm

# ---- build: TypeScript to dist/, Control UI to dist/ui
FROM ${BASE_IMAGE} AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund && rm -rf /root/.npm
COPY tsconfig.json ./
COPY scripts/build-ui.mjs scripts/
COPY lib/ lib/
COPY runtime/ runtime/
RUN npm run build

# ---- runtime
FROM ${BASE_IMAGE}
ARG BASE_IMAGE
ARG OPENCLAW_VERSION=dev
# tini as PID 1: forwards SIGTERM to the gateway and reaps children.
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb
# Bare ARG (no default) so "unset" and "set to empty" differ in ${A-$B}.
ARG OPENCLAW_IMAGE_APT_PACKAGES
ARG OPENCLAW_DOCKER_APT_PACKAGES=""
ARG OPENCLAW_INSTALL_DOCKER_CLI=""
# Docker client: bookworm has no client-only package (docker.io brings dockerd + containerd, ~150 MB),
# so take the static client from trixie's docker-cli using a separate apt state; the image's own
# apt sources stay bookworm.
RUN set -eu; \
  pkgs="${OPENCLAW_IMAGE_APT_PACKAGES-$OPENCLAW_DOCKER_APT_PACKAGES}"; \
  if [ -z "$pkgs" ] && [ "$OPENCLAW_INSTALL_DOCKER_CLI" != 1 ]; then exit 0; fi; \
  apt-get update; \
  if [ -n "$pkgs" ]; then \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $pkgs; \
  fi; \
  if [ "$OPENCLAW_INSTALL_DOCKER_CLI" = 1 ]; then \
    t=/tmp/trixie; mkdir -p $t/lists/partial $t/parts $t/x; \
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do \
      if [ -f "$f" ]; then sed 's/bookworm/trixie/g' "$f" >"$t/parts/${f##*/}"; fi; \
    done; \
    a="-o Dir::Etc::SourceList=$t/none.list -o Dir::Etc::SourceParts=$t/parts -o Dir::State::Lists=$t/lists -o Dir::Cache=$t -o APT::Sandbox::User=root"; \
    apt-get $a update; (cd $t && apt-get $a download docker-cli); \
    dpkg-deb -x $t/docker-cli_*.deb $t/x; install -m 0755 $t/x/usr/bin/docker /usr/local/bin/docker; \
    rm -rf $t; docker --version; \
  fi; \
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb

WORKDIR /app
COPY --from=deps /app/node_modules node_modules/
COPY --from=build /app/dist dist/
COPY --from=build /app/package.json ./
COPY bin/ bin/
RUN ln -s /app/bin/openclaw /usr/local/bin/openclaw \
  && install -d -m 0700 -o node -g node /home/node/.openclaw /home/node/.openclaw/workspace

LABEL org.opencontainers.image.title="openclaw-kit" \
  org.opencontainers.image.description="Clean-room OpenClaw gateway (WebSocket control plane and Control UI)" \
  org.opencontainers.image.source="https://github.com/openclaw-kit/openclaw-kit" \
  org.opencontainers.image.version="${OPENCLAW_VERSION}" \
  org.opencontainers.image.licenses="MIT" \
  org.opencontainers.image.base.name="${BASE_IMAGE}"

ENV NODE_ENV=production
USER node
WORKDIR /home/node
EXPOSE 18789
# Finds the running gateway's port through its lock in the state dir, then GETs /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["openclaw", "gateway", "healthcheck"]
ENTRYPOINT ["tini", "-s", "--"]
CMD ["openclaw", "gateway", "--bind", "lan", "--port", "18789"]
