#!/usr/bin/env bash
# Prints the directory of the Go toolchain the suite's builds use (the collector by ocb, helm, Prometheus,
# Docker Compose, the validators): that of the `go` on PATH when it is Go 1.26 or newer, else Go 1.26.8
# fetched once from the Go module proxy (GO_CACHE_DIR, default ~/.cache/ticketing-sandbox/go) as the module
# golang.org/toolchain, the zip `go` itself fetches when it switches toolchains, checked against its sha256.
set -euo pipefail
version=1.26.8
declare -A sha256=(
  [linux-amd64]=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7
  [linux-arm64]=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99
)

if command -v go >/dev/null; then
  found=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
  if [[ $(printf '%s\n1.26\n' "$found" | sort -V | head -1) == 1.26 ]]; then
    dirname "$(command -v go)"
    exit 0
  fi
fi

case "$(uname -m)" in
  x86_64) platform=linux-amd64 ;;
  aarch64) platform=linux-arm64 ;;
  *) echo "go.sh: no pinned Go for $(uname -m); install Go $version yourself" >&2; exit 1 ;;
esac
cache=${GO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/go}
bin=$cache/$version/bin
if [[ ! -x $bin/go ]]; then
  echo "Fetching Go $version from the Go module proxy (once per machine)..." >&2
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  proxy=${GOPROXY_URL:-https://proxy.golang.org}
  curl -sSfL -o "$work/go.zip" "$proxy/golang.org/toolchain/@v/v0.0.1-go$version.$platform.zip"
  echo "${sha256[$platform]}  $work/go.zip" | sha256sum -c --quiet
  (cd "$work" && unzip -q go.zip)
  mkdir -p "$cache"
  rm -rf "$cache/$version"
  mv "$work/golang.org/toolchain@v0.0.1-go$version.$platform" "$cache/$version"
  chmod +x "$cache/$version"/bin/* "$cache/$version"/pkg/tool/*/*
fi
echo "$bin"
