#!/usr/bin/env bash
# Docker Compose v2 (the CLI plugin) for the stack test, built once per machine from the Go module proxy and
# installed under our own DOCKER_CONFIG (default ~/.cache/ticketing-sandbox/docker-config), never the user's.
# `go install` refuses the module (its go.mod has exclude directives): it is built as the main module.
# Prints the DOCKER_CONFIG folder whose cli-plugins/docker-compose it installed.
set -euo pipefail
version=v2.40.3
config=${TICKETING_DOCKER_CONFIG:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/docker-config}
plugin=$config/cli-plugins/docker-compose
if [[ -x $plugin ]] && [[ $("$plugin" version --short 2>/dev/null) == "${version#v}" ]]; then
  echo "$config"
  exit 0
fi

echo "Building Docker Compose $version once per machine (a few minutes)..." >&2
source "$(dirname "$0")/go-module.sh"
module_source "github.com/docker/compose/v2@$version"
(cd "$src" &&
  go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$version" \
    -o "$work/docker-compose" ./cmd) >&2
mkdir -p "$(dirname "$plugin")"
mv "$work/docker-compose" "$plugin"
echo "$config"
