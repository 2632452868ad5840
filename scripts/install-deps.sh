#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian bookworm machine:
# the PostgreSQL 15 server, pgvector (built from Debian trixie's source package,
# since bookworm does not package it), the rum extension (the full-text index
# that returns matches best first), Chromium for the browser tests and
# libjpeg-turbo's djpeg for the index benchmark.
# Idempotent: a second run only checks.
set -euo pipefail

need_root() { [ "$(id -u)" = 0 ] || { echo "install-deps: run as root" >&2; exit 1; }; }
need_root

export DEBIAN_FRONTEND=noninteractive
pgdir=/usr/lib/postgresql/15
have_vector() { [ -f "$pgdir/lib/vector.so" ] && [ -f /usr/share/postgresql/15/extension/vector.control ]; }

pkgs=()
[ -x "$pgdir/bin/initdb" ] || pkgs+=(postgresql-15)
command -v pg_config >/dev/null && [ -d /usr/include/postgresql/15/server ] || pkgs+=(postgresql-server-dev-15)
[ -f /usr/share/postgresql/15/extension/pg_trgm.control ] || pkgs+=(postgresql-contrib-15)
[ -f /usr/share/postgresql/15/extension/rum.control ] || pkgs+=(postgresql-15-rum)
command -v chromium >/dev/null || pkgs+=(chromium)
command -v make >/dev/null || pkgs+=(make)
command -v dpkg-source >/dev/null || pkgs+=(dpkg-dev)
# djpeg (libjpeg-turbo) is the reference `targetvision bench index` measures against.
command -v djpeg >/dev/null || pkgs+=(libjpeg-turbo-progs)
# libopenblas-dev backs the side-by-side GEMM benchmark (build tag openblas).
[ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ] || pkgs+=(libopenblas-dev)

if [ ${#pkgs[@]} -gt 0 ] || ! have_vector; then
  # pgvector's source comes from trixie; the mirror is the one this machine already uses.
  src=/etc/apt/sources.list.d/trixie-src.sources
  if [ ! -f "$src" ]; then
    mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    cat >"$src" <<SRC
Types: deb-src
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  fi
  apt-get update -qq
fi
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "install-deps: installing ${pkgs[*]}"
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

if ! have_vector; then
  echo "install-deps: building pgvector from trixie source"
  work=$(mktemp -d)
  (cd "$work" && apt-get source -qq pgvector >/dev/null 2>&1 || (cd "$work" && apt-get source --download-only pgvector && dpkg-source -x ./*.dsc))
  dir=$(find "$work" -maxdepth 1 -type d -name 'pgvector-*' | head -1)
  [ -n "$dir" ] || { echo "install-deps: pgvector source not found" >&2; exit 1; }
  make -s -C "$dir" PG_CONFIG="$pgdir/bin/pg_config" >/dev/null
  make -s -C "$dir" PG_CONFIG="$pgdir/bin/pg_config" install >/dev/null
  rm -rf "$work"
fi
have_vector && echo "install-deps: postgres 15 + pgvector + pg_trgm + rum + chromium ready"
