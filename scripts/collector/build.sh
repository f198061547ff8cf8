#!/usr/bin/env bash
# Builds the OpenTelemetry Collector the stack tests run, with the official builder (ocb) from the Go module
# proxy, from otel-collector/builder-config.yaml; cached by the manifest's hash, so a machine builds it once.
# Prints the binary's path. OTELCOL_CACHE_DIR moves the cache (default ~/.cache/ticketing-sandbox/otelcol).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
manifest=$root/otel-collector/builder-config.yaml
version=$(sed -n 's/^  version: *//p' "$manifest")
# ocb is released with the core modules, which a contrib patch release (0.165.1) does not bump.
core=$(sed -n 's|.*go.opentelemetry.io/collector/receiver/otlpreceiver v||p' "$manifest")
cache=${OTELCOL_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/otelcol}
binary=$cache/$(sha256sum "$manifest" | cut -c1-16)/otelcol-ticketing
if [[ -x $binary ]]; then
  echo "$binary"
  exit 0
fi

command -v go >/dev/null || { echo "build.sh: Go is needed to build the collector (https://go.dev/dl)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "Building otelcol $version with ocb (once per machine; a few minutes)..." >&2
GOBIN=$cache/bin go install "go.opentelemetry.io/collector/cmd/builder@v$core" >&2
sed "s|^dist:|dist:\n  output_path: $work/out|" "$manifest" >"$work/manifest.yaml"
"$cache/bin/builder" --config "$work/manifest.yaml" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
mkdir -p "$(dirname "$binary")"
mv "$work/out/otelcol-ticketing" "$binary.tmp" && mv "$binary.tmp" "$binary"
echo "$binary"
