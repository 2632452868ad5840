#!/usr/bin/env bash
# Builds (once) and starts/stops a throw-away SeaweedFS S3 server for the
# blob store tests: a real S3-compatible server, with signature checking on.
#   scripts/s3-test-server.sh install           # build weed into /usr/local/bin (idempotent)
#   eval "$(scripts/s3-test-server.sh start DIR)"   # prints the variables to export
#   scripts/s3-test-server.sh stop DIR
# SeaweedFS's `weed` is built from its Go module through the Go module proxy
# (no prebuilt binary is downloaded); its version is pinned below.
# Every port is taken from one base (S3PORT_TEST, default random) so several
# servers can run side by side; everything listens on 127.0.0.1 only.
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/targetvision-s3}
weed_version=v0.0.0-20261109003541-7506e5f91cd6
weed_bin=${WEED:-/usr/local/bin/weed}
stamp=/usr/local/share/targetvision/weed.version
access_key=tvtest
secret_key=tvtest-secret-key

install_weed() {
  if [ -x "$weed_bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$weed_version" ]; then
    return
  fi
  echo "s3-test-server: building SeaweedFS weed $weed_version from its Go module" >&2
  local src
  src=$(cd /tmp && go mod download -json "github.com/seaweedfs/seaweedfs@$weed_version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
  [ -n "$src" ] || { echo "s3-test-server: download of seaweedfs failed" >&2; exit 1; }
  # Built inside its own module (go install pkg@version refuses modules with
  # replace directives, which seaweedfs has).
  (cd "$src" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$weed_bin.tmp" ./weed)
  mv "$weed_bin.tmp" "$weed_bin"
  mkdir -p "$(dirname "$stamp")"
  echo "$weed_version" >"$stamp"
}

need_curl() {
  command -v curl >/dev/null && return
  [ "$(id -u)" = 0 ] || { echo "s3-test-server: needs curl" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null
}

case "$cmd" in
install)
  install_weed
  ;;
start)
  install_weed
  need_curl
  mkdir -p "$dir/data"
  base=${S3PORT_TEST:-$((21000 + RANDOM % 9000 * 4))}
  base=$((base / 4 * 4))
  cat >"$dir/s3.json" <<JSON
{"identities": [{"name": "targetvision-test",
  "credentials": [{"accessKey": "$access_key", "secretKey": "$secret_key"}],
  "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}
JSON
  # Ports: base+0 S3, +1 master, +2 volume, +3 filer; gRPC at +10000 each.
  "$weed_bin" server -dir="$dir/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port=$((base + 1)) -master.port.grpc=$((base + 10001)) -master.volumeSizeLimitMB=64 \
    -volume.port=$((base + 2)) -volume.port.grpc=$((base + 10002)) -volume.max=0 \
    -filer.port=$((base + 3)) -filer.port.grpc=$((base + 10003)) -filer.localSocket="$dir/filer.sock" \
    -s3 -s3.port=$base -s3.port.grpc=$((base + 10000)) -s3.port.iceberg=0 -s3.port.lance=0 \
    -s3.localSocket="$dir/s3.sock" -s3.config="$dir/s3.json" \
    >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  # Ready when an unsigned request is answered (refused: signatures are on).
  for _ in $(seq 1 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$base/" 2>/dev/null || true)
    case "$code" in 403 | 200) break ;; esac
    sleep 0.5
  done
  case "$code" in 403 | 200) ;; *) echo "s3-test-server: weed did not start; log:" >&2; tail -30 "$dir/log" >&2; exit 1 ;; esac
  echo "export TARGETVISION_TEST_S3_URL='s3://targetvision-test?endpoint=http://127.0.0.1:$base&region=us-east-1'"
  echo "export AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key"
  ;;
stop)
  if [ -f "$dir/pid" ]; then
    pid=$(cat "$dir/pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$dir/pid"
  fi
  ;;
*)
  echo "usage: $0 install|start|stop [DIR]" >&2; exit 2 ;;
esac
