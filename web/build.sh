#!/usr/bin/env bash
# Builds internal/web/static/app.css from web/css/app.css with the Tailwind
# CLI pinned in package-lock.json, and copies the map library (Leaflet, its
# ES module build, pinned likewise) into internal/web/static/vendor, so the
# server serves it itself (no CDN).
#
#   web/build.sh          rebuild the CSS in place (then commit it)
#   web/build.sh --check  rebuild into a temporary file and fail if it differs
#                         from the committed CSS, then run the modules' unit
#                         tests (node:test, web/test/): CI runs this, so a
#                         template or module that uses a new class without the
#                         CSS being rebuilt cannot land.
#
# The Go build and tests never need Node: the built CSS is committed and
# embedded. Only this script does.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/../internal/web/static/app.css"
cd "$here"

command -v npm >/dev/null || { echo "web/build.sh: npm not found (install Node.js 20+)" >&2; exit 1; }

# npm ci installs exactly the lock file's versions; skip it when the install
# is already current, to keep local rebuilds quick.
if [[ ! -x node_modules/.bin/tailwindcss || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# vendor writes the vendored modules into $1: Leaflet without its source
# map comment (the map is not shipped) and with its licence beside it.
vendor() {
  mkdir -p "$1/leaflet"
  grep -v '^//# sourceMappingURL=' node_modules/leaflet/dist/leaflet-src.esm.js >"$1/leaflet/leaflet.js"
  cp node_modules/leaflet/LICENSE "$1/leaflet/license.txt"
}
vendored="$here/../internal/web/static/vendor"

case "${1:-}" in
  "")
    npx --no-install tailwindcss --input ./css/app.css --output "$out" --minify
    echo "web/build.sh: wrote ${out#"$here/../"}"
    vendor "$vendored"
    echo "web/build.sh: wrote internal/web/static/vendor"
    ;;
  --check)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    npx --no-install tailwindcss --input ./css/app.css --output "$tmp/app.css" --minify 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
    if ! cmp -s "$tmp/app.css" "$out"; then
      echo "web/build.sh: internal/web/static/app.css is out of date; run web/build.sh and commit the result" >&2
      diff <(tr '}' '\n' <"$out") <(tr '}' '\n' <"$tmp/app.css") | head -20 >&2 || true
      exit 1
    fi
    echo "web/build.sh: app.css is up to date"
    vendor "$tmp/vendor"
    if ! diff -r "$tmp/vendor" "$vendored" >/dev/null; then
      echo "web/build.sh: internal/web/static/vendor is out of date; run web/build.sh and commit the result" >&2
      exit 1
    fi
    echo "web/build.sh: vendor is up to date"
    node --test test/
    ;;
  *)
    echo "usage: web/build.sh [--check]" >&2
    exit 2
    ;;
esac
