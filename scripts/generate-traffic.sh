#!/usr/bin/env bash
# The chapter's `generate-traffic.sh [users]`: `npm run traffic` under the name the chapter uses, from any
# directory (the chapter runs `../scripts/generate-traffic.sh 10`). The same for compose and Kubernetes: the
# services are reached on localhost:3001-3003, published by compose or by the chapter's port-forwards; the
# *_SERVICE_URL variables point it elsewhere. Every option of `npm run traffic` passes through.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
if [[ ! -d node_modules ]]; then
  echo "generate-traffic.sh: run \`npm ci\` in $root first (the traffic tool's dependencies)" >&2
  exit 1
fi
exec npm run --silent traffic -- "$@"
