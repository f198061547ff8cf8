# Sourced by the scripts that build a tool from the Go module proxy as the main module (compose.sh,
# prometheus.sh): `go install` refuses a module whose go.mod has exclude or replace directives, so its source is
# downloaded and copied into a scratch folder to build there. Sets $work (removed on exit) and $src.
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
export GOPATH=${GOPATH:-$HOME/go} GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0

# module_source MODULE@VERSION: the module's source, writable, at $src.
module_source() {
  local dir
  dir=$(go mod download -json "$1" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
  src=$work/src
  cp -r "$dir" "$src" && chmod -R u+w "$src"
}
