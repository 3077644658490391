# syntax=docker/dockerfile:1
#
# flinkop container image: the operator compiled by `deno compile` into one self-contained binary,
# run on a distroless base with no shell, as UID 65532.
#
#   docker build -t flinkop:0.1.0 .
#
# `deno compile` embeds the program into `denort`, Deno's slim runtime, which it downloads from
# https://dl.deno.land on first use. Where the build cannot reach dl.deno.land, unzip
# denort-<target>.zip of the SAME Deno version into build/denort inside this directory and pass
#
#   docker build --build-arg DENORT_BIN=build/denort -t flinkop:0.1.0 .
#
# (docs/deploy.md explains where denort comes from.)

ARG DENO_VERSION=2.9.6

FROM denoland/deno:${DENO_VERSION} AS build
WORKDIR /src
# Dependencies first: this layer (npm packages in the Deno cache) survives source edits.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY . .
# Optional path, relative to the build context, of an unzipped denort to embed the program in.
ARG DENORT_BIN=""
# An empty DENORT_BIN in the environment would be taken as a path, so unset it unless given.
RUN set -eu; \
    if [ -n "$DENORT_BIN" ]; then \
      case "$DENORT_BIN" in /*) ;; *) DENORT_BIN="/src/$DENORT_BIN" ;; esac; \
      test -f "$DENORT_BIN" || { echo "DENORT_BIN $DENORT_BIN not found in the build context" >&2; exit 1; }; \
      export DENORT_BIN; \
    else \
      unset DENORT_BIN; \
    fi; \
    deno task compile; \
    ./dist/flinkop version

# cc, not static: compiled Deno binaries link glibc and libgcc_s dynamically. Debian 12 matches
# the glibc the official denort builds expect. :nonroot runs as UID/GID 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="flinkop" \
      org.opencontainers.image.description="Kubernetes operator for Apache Flink"
COPY --from=build /src/dist/flinkop /flinkop
USER 65532:65532
# /healthz, /readyz and /metrics (kubernetes.operator.health.probe.port).
EXPOSE 8085
ENTRYPOINT ["/flinkop"]
CMD ["run"]
