#!/usr/bin/env bash
# Builds Prometheus and promtool of the release docker-compose.yml pins (prom/prometheus:vX.Y.Z is Go module
# github.com/prometheus/prometheus v0.XYY.Z), so the tests run the server users run and check our config with
# its own rules. Tags remove_all_sd,enable_dns_sd keep only the discovery compose uses (static, file, DNS); the
# web UI's assets are left out (its API is all the tests and Grafana read). Cached per version; prints the
# folder holding both binaries.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tag=$(sed -n 's|^ *image: prom/prometheus:v||p' "$root/docker-compose.yml")
IFS=. read -r major minor patch <<<"$tag"
module_version=v0.$((major * 100 + minor)).$patch
cache=${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/prometheus/$tag
if [[ -x $cache/prometheus && -x $cache/promtool ]]; then
  echo "$cache"
  exit 0
fi

echo "Building Prometheus $tag ($module_version) once per machine (a few minutes)..." >&2
source "$(dirname "$0")/go-module.sh"
module_source "github.com/prometheus/prometheus@$module_version"
version_flags="-X github.com/prometheus/common/version.Version=$tag"
(cd "$src" &&
  go build -trimpath -tags remove_all_sd,enable_dns_sd -ldflags "-s -w $version_flags" -o "$work/prometheus" ./cmd/prometheus &&
  go build -trimpath -ldflags "-s -w $version_flags" -o "$work/promtool" ./cmd/promtool) >&2
mkdir -p "$cache"
mv "$work/prometheus" "$work/promtool" "$cache/"
echo "$cache"
