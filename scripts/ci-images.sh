#!/usr/bin/env bash
# Builds, once per machine, the local base images that the container tests
# use in place of the public ones (no image registry is reachable here):
#   tv-ci/debian:bookworm    debootstrap of Debian from this machine's apt mirror
#   tv-ci/golang:<version>   that + this machine's Go toolchain (the Dockerfile's GO_IMAGE)
#   tv-ci/postgres:15        that + Debian's postgresql-15, rum, and the pgvector
#                            that scripts/install-deps.sh built (compose's postgres)
#   tv-ci/seaweedfs          that + the weed that scripts/s3-test-server.sh built,
#                            with SeaweedFS's own entrypoint (compose's s3)
# Each is skipped when it exists; DOCKER (default /usr/bin/docker) is the CLI.
# Prints the environment that points the Dockerfile and compose.yaml at them.
# Needs root, a running dockerd, install-deps.sh and s3-test-server.sh install.
set -euo pipefail
cd "$(dirname "$0")/.."
docker=${DOCKER:-/usr/bin/docker}
log() { echo "ci-images: $*" >&2; }
have() { "$docker" image inspect "$1" >/dev/null 2>&1; }
build() { # build TAG CONTEXT (Dockerfile on stdin)
  "$docker" build -q --network host -t "$1" -f - "$2" >/dev/null
}

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
go_version=$(go env GOVERSION)
base=tv-ci/debian:bookworm
golang=tv-ci/golang:${go_version#go}
postgres=tv-ci/postgres:15
seaweedfs=tv-ci/seaweedfs:latest

if ! have "$base"; then
  log "debootstrap bookworm from $mirror"
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  root=$(mktemp -d /tmp/tv-ci-rootfs.XXXXXX)
  debootstrap --variant=minbase --include=ca-certificates bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; exit 1; }
  # This machine's trust store (it may include its network's egress CA).
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  tar -C "$root" -c . | "$docker" import - "$base" >/dev/null
  rm -rf "$root" "$root.log"
fi

if ! have "$golang"; then
  log "$golang from $(go env GOROOT)"
  build "$golang" "$(go env GOROOT)" <<DOCKERFILE
FROM $base
COPY . /usr/local/go
ENV PATH=/usr/local/go/bin:/go/bin:/usr/local/sbin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin GOPATH=/go
DOCKERFILE
fi

if ! have "$postgres"; then
  log "$postgres: postgresql-15 + rum from Debian, pgvector as install-deps.sh built it"
  ctx=$(mktemp -d /tmp/tv-ci-pg.XXXXXX)
  mkdir -p "$ctx/lib" "$ctx/extension"
  cp /usr/lib/postgresql/15/lib/vector.so "$ctx/lib/"
  cp /usr/share/postgresql/15/extension/vector* "$ctx/extension/"
  cp scripts/ci-postgres-entrypoint.sh "$ctx/entrypoint.sh"
  build "$postgres" "$ctx" <<DOCKERFILE
FROM $base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      postgresql-15 postgresql-15-rum >/dev/null && rm -rf /var/lib/apt/lists/*
COPY lib/ /usr/lib/postgresql/15/lib/
COPY extension/ /usr/share/postgresql/15/extension/
COPY entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin PGDATA=/var/lib/postgresql/data
RUN mkdir -p /var/lib/postgresql/data /var/run/postgresql && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
VOLUME /var/lib/postgresql/data
USER postgres
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
DOCKERFILE
  rm -rf "$ctx"
fi

if ! have "$seaweedfs"; then
  log "$seaweedfs from $(command -v weed)"
  ctx=$(mktemp -d /tmp/tv-ci-weed.XXXXXX)
  cp "$(command -v weed)" "$ctx/weed"
  src=$(cd /tmp && go mod download -json "github.com/seaweedfs/seaweedfs@$(cat /usr/local/share/targetvision/weed.version)" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  cp "$src/docker/entrypoint.sh" "$ctx/entrypoint.sh"
  chmod +x "$ctx/entrypoint.sh"
  build "$seaweedfs" "$ctx" <<DOCKERFILE
FROM $base
COPY weed /usr/bin/weed
COPY entrypoint.sh /entrypoint.sh
RUN useradd --system --uid 1000 --home-dir /data seaweed && mkdir -p /data && chown seaweed /data
VOLUME /data
USER seaweed
ENTRYPOINT ["/entrypoint.sh"]
DOCKERFILE
  rm -rf "$ctx"
fi

echo "export TARGETVISION_GO_IMAGE=$golang TARGETVISION_POSTGRES_IMAGE=$postgres TARGETVISION_S3_IMAGE=$seaweedfs"
