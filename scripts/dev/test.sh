#!/usr/bin/env bash
# The whole test suite on a fresh Debian or Ubuntu machine (as root, or a user apt-get works for), in one
# command: `bash scripts/dev/test.sh [vitest args]`, e.g. `-- --project unit`. It sets up what the suite
# needs, each step skipped when already done (caches under ~/.cache/ticketing-sandbox), then builds, lints
# and runs `npm test`. CI (.ci/run) runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ ${1:-} == -- ]] && shift

# What the setup scripts need from Debian's packages: curl and unzip (Go), Python with venv (schemathesis).
need=()
command -v curl >/dev/null || need+=(curl ca-certificates)
command -v unzip >/dev/null || need+=(unzip)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3 python3-venv)
if ((${#need[@]})); then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# The real servers the tests use (Debian's Postgres and Redis; the test setups start them), and Docker Engine
# with debootstrap for the engine test's stand-in images.
bash scripts/dev/servers.sh --install
bash scripts/dev/docker.sh --install
# Node 24 LTS (.node-version) and Go (the collector, helm, Prometheus, Compose are built from the Go module
# proxy), each fetched once per machine when the machine's own is missing or older.
PATH="$(dirname "$(bash scripts/dev/node.sh)"):$(bash scripts/dev/go.sh):$PATH"
export PATH
# The other Node line the tools are tested on (test/e2e/traffic.test.ts), fetched before the clock runs.
bash scripts/dev/node.sh 22 >/dev/null
# Schemathesis (pinned, hashed, from PyPI) in a virtual environment of its own, for test/e2e/openapi.test.ts.
bash scripts/dev/schemathesis.sh >/dev/null
npm ci --no-audit --no-fund
npm run build
npm run lint
SKIP_BUILD=true npm test -- "$@"
