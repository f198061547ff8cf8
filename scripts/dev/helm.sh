#!/usr/bin/env bash
# Prints the path of the helm binary the chart tests run, building it first if needed: Helm (Apache-2.0) from
# the Go module proxy at the version below, cached per machine like the collector (needs Go; a few minutes once).
# HELM_CACHE_DIR moves the cache (default ~/.cache/ticketing-sandbox/helm).
set -euo pipefail
version=v4.3.1
cache=${HELM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/helm}/$version
if [[ -x $cache/helm ]]; then
  echo "$cache/helm"
  exit 0
fi
command -v go >/dev/null || { echo "helm.sh: Go is needed to build helm (https://go.dev/dl)" >&2; exit 1; }
echo "Building helm $version from the Go module proxy (once per machine)..." >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
GOBIN=$work go install "helm.sh/helm/v4/cmd/helm@$version" >&2
mkdir -p "$cache"
mv "$work/helm" "$cache/helm.tmp" && mv "$cache/helm.tmp" "$cache/helm"
echo "$cache/helm"
