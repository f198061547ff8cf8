#!/usr/bin/env bash
# Builds promtool of the Prometheus release docker-compose.yml pins (prom/prometheus:vX.Y.Z is Go module
# github.com/prometheus/prometheus v0.XYY.Z), so the stack tests check our config with the image's own rules.
# Cached per version; prints the binary's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tag=$(sed -n 's|^ *image: prom/prometheus:v||p' "$root/docker-compose.yml")
IFS=. read -r major minor patch <<<"$tag"
module_version=v0.$((major * 100 + minor)).$patch
cache=${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/promtool
binary=$cache/$tag/promtool
if [[ -x $binary ]]; then
  echo "$binary"
  exit 0
fi

echo "Building promtool $tag ($module_version) once per machine..." >&2
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
export GOPATH=${GOPATH:-$HOME/go} GOWORK=off GOFLAGS=-mod=mod
source=$(go mod download -json "github.com/prometheus/prometheus@$module_version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
cp -r "$source" "$work/src" && chmod -R u+w "$work/src"
(cd "$work/src" && go build -o "$work/promtool" ./cmd/promtool) >&2
mkdir -p "$(dirname "$binary")"
mv "$work/promtool" "$binary"
echo "$binary"
