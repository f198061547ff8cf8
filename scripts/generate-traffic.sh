#!/usr/bin/env bash
# The chapter's `generate-traffic.sh [users]`: `npm run traffic` under the name the chapter uses, from any
# directory (the chapter runs `../scripts/generate-traffic.sh 10`). The same for compose and Kubernetes: the
# services are reached on localhost:3001-3003, published by compose or by the chapter's port-forwards; the
# *_SERVICE_URL variables point it elsewhere. Every option of `npm run traffic` passes through. Needs Node 22+
# and no `npm ci`: the npm script fetches tsx alone when the repository's tree is not installed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
exec npm run --silent traffic -- "$@"
