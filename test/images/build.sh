#!/usr/bin/env bash
# Builds, on the engine DOCKER_HOST names, the images the stack test runs where no registry can be reached:
# stand-ins for the official images with the contract compose relies on (entrypoint, user, environment, data
# path, stop signal, the healthcheck's binary), each labelled ticketing.standin. A Debian bookworm root made
# by debootstrap from Debian's packages is the base; the rest are built on it from the folders beside this
# script. An image whose inputs have not changed is kept. `--ca FILE` puts the build machine's CA bundle in the
# node stand-in (default: $NODE_EXTRA_CA_CERTS), for a network whose TLS needs it; nothing else gets it.
# Prints each image's name. DEBIAN_MIRROR changes the mirror (default http://deb.debian.org/debian).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ca=${NODE_EXTRA_CA_CERTS:-}
if [[ ${1:-} == --ca ]]; then ca=$2; fi
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
npm_version=11.21.2
node_version=$(tr -d ' \n' <"$root/.node-version")
export DOCKER_BUILDKIT=0 # the engine's classic builder: no frontend image to pull

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The hash of everything an image is made of, kept as a label so an unchanged image is not built again.
inputs_hash() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }
current() { [[ $(docker image inspect -f '{{index .Config.Labels "ticketing.standin.inputs"}}' "$1" 2>/dev/null) == "$2" ]]; }

# build NAME STANDS_IN_FOR CONTEXT [docker build args...]
build() {
  local name=$1 for=$2 context=$3
  shift 3
  local hash
  hash=$(inputs_hash "$context")
  if ! current "$name" "$hash"; then
    echo "Building $name (stand-in for $for)..." >&2
    docker build --network host --label ticketing.standin=true --label "ticketing.standin.for=$for" \
      --label "ticketing.standin.inputs=$hash" --build-arg "BASE=$base" -t "$name" "$@" "$context" \
      >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; exit 1; }
  fi
  echo "$name"
}

context() {
  cp -r "$here/$1" "$work/$1"
  echo "$work/$1"
}

base=ticketing-standin/debian:bookworm
base_hash=$(echo "$mirror bookworm minbase" | sha256sum | cut -c1-16)
if ! current "$base" "$base_hash"; then
  echo "Making a Debian bookworm root with debootstrap (once per engine)..." >&2
  rootfs=$work/rootfs
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
EOF
  # As in Debian's own images: packages never start services, and take no documentation.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d" && chmod +x "$rootfs/usr/sbin/policy-rc.d"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\n' >"$rootfs/etc/dpkg/dpkg.cfg.d/excludes"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' --change 'LABEL ticketing.standin=true' \
    --change 'LABEL ticketing.standin.for=debian:bookworm-slim' \
    --change "LABEL ticketing.standin.inputs=$base_hash" - "$base" >/dev/null
fi
echo "$base"

node=$(context node)
cp "$(bash "$root/scripts/dev/node.sh" "$node_version")" "$node/node"
(cd "$work" && npm pack --silent "npm@$npm_version" >/dev/null && mkdir npm && tar -xzf "npm-$npm_version.tgz" -C npm)
mv "$work/npm/package" "$node/npm"
mkdir "$node/extra-ca"
extra_ca=
if [[ -n $ca ]]; then
  cp "$ca" "$node/extra-ca/ca-bundle.crt"
  extra_ca=/usr/local/share/extra-ca/ca-bundle.crt
fi
build "ticketing-standin/node:$node_version-bookworm" "node:$node_version-bookworm-slim" "$node" \
  --build-arg "NODE_VERSION=$node_version" --build-arg "EXTRA_CA=$extra_ca"

build ticketing-standin/postgres:15-bookworm postgres "$(context postgres)"
build ticketing-standin/redis:7.0-bookworm redis "$(context redis)"
build ticketing-standin/nginx:1.22-bookworm nginx "$(context nginx)"

collector=$(context otel-collector)
cp "$(bash "$root/scripts/collector/build.sh")" "$collector/otelcol"
build "ticketing-standin/otel-collector:$(sed -n 's/^  version: *//p' "$root/otel-collector/builder-config.yaml")" \
  otel/opentelemetry-collector-contrib "$collector"

prometheus=$(context prometheus)
cp "$(bash "$root/scripts/dev/prometheus.sh")"/{prometheus,promtool} "$prometheus/"
build "ticketing-standin/prometheus:v$(sed -n 's|^ *image: prom/prometheus:v||p' "$root/docker-compose.yml")" \
  prom/prometheus "$prometheus"

# cAdvisor: main.go on the library at the pinned release, from the Go module proxy (go.sum holds it).
cadvisor_version=$(sed -n 's|^ *image: ghcr.io/google/cadvisor:||p' "$root/docker-compose.yml")
grep -q "github.com/google/cadvisor $cadvisor_version\$" "$here/cadvisor/go.mod" ||
  { echo "test/images/cadvisor/go.mod must require cadvisor $cadvisor_version, as compose pins" >&2; exit 1; }
cadvisor=$(context cadvisor)
(cd "$here/cadvisor" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$cadvisor/cadvisor" .)
rm "$cadvisor"/*.go "$cadvisor"/go.*
build "ticketing-standin/cadvisor:$cadvisor_version" ghcr.io/google/cadvisor "$cadvisor"

# Loki, Tempo, Pyroscope and Grafana: one server that speaks the part of each one's API the sandbox uses.
backends=$(context backends)
(cd "$root" && node_modules/.bin/esbuild test/images/backends/main.ts --bundle --platform=node --target=node24 \
  --log-level=warning --outfile="$backends/standin/main.js")
cp "$root/test/support/otlp.proto" "$backends/standin/"
build ticketing-standin/backends:latest grafana/loki,grafana/tempo,grafana/pyroscope,grafana/grafana "$backends" \
  --build-arg "NODE_IMAGE=ticketing-standin/node:$node_version-bookworm"
