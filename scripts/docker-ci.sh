#!/usr/bin/env bash
# The Docker engine the container tests use (Debian's docker.io, Compose from
# Debian's docker-compose, debootstrap for local base images):
#   scripts/docker-ci.sh install      # apt-get install what is missing (idempotent)
#   scripts/docker-ci.sh start DIR    # start dockerd unless one answers; DIR keeps its pid and log
#   scripts/docker-ci.sh stop DIR     # stop the dockerd that start started, if any
# dockerd runs without its default bridge and iptables rules: containers use
# the host's network here (only loopback traffic is allowed on these machines).
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/targetvision-docker}
docker=/usr/bin/docker

case "$cmd" in
install)
  [ "$(id -u)" = 0 ] || { echo "docker-ci: run as root" >&2; exit 1; }
  pkgs=()
  [ -x /usr/sbin/dockerd ] && [ -x "$docker" ] || pkgs+=(docker.io)
  command -v docker-compose >/dev/null || pkgs+=(docker-compose)
  command -v debootstrap >/dev/null || pkgs+=(debootstrap)
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "docker-ci: installing ${pkgs[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  fi
  ;;
start)
  mkdir -p "$dir"
  if "$docker" info >/dev/null 2>&1; then
    echo "docker-ci: using the running Docker engine" >&2
    exit 0
  fi
  dockerd --bridge=none --iptables=false --ip6tables=false >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/dockerd.pid"
  for _ in $(seq 1 60); do
    "$docker" info >/dev/null 2>&1 && exit 0
    sleep 0.5
  done
  echo "docker-ci: dockerd did not start:" >&2
  tail -20 "$dir/dockerd.log" >&2
  exit 1
  ;;
stop)
  if [ -f "$dir/dockerd.pid" ]; then
    pid=$(cat "$dir/dockerd.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    rm -f "$dir/dockerd.pid"
  fi
  ;;
*)
  echo "usage: $0 install|start|stop [DIR]" >&2; exit 2 ;;
esac
