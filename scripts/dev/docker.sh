#!/usr/bin/env bash
# The Docker engine the stack test runs the sandbox on, apart from any engine of the user's: its own socket,
# data root and state under the cache (DOCKER_CACHE_DIR, default ~/.cache/ticketing-sandbox/docker). `start`
# starts Debian's dockerd (docker.io) when none answers on that socket and prints `started` or `running`;
# `stop` stops the one it started; `env` prints DOCKER_HOST for it (and its socket and data root); `--install` installs docker.io and
# debootstrap. Its bridge and address pools sit on 10.213.0.0/16, which nothing else of ours uses.
set -euo pipefail
cache=${DOCKER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ticketing-sandbox/docker}
socket=$cache/docker.sock
pidfile=$cache/dockerd.pid
export DOCKER_HOST=unix://$socket

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

case "${1:-start}" in
--install)
  if ! command -v dockerd >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io debootstrap >/dev/null
  fi
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  ;;
start)
  mkdir -p "$cache"
  if answers; then
    echo running
    exit 0
  fi
  command -v dockerd >/dev/null || { echo "docker.sh: no dockerd; run scripts/dev/docker.sh --install" >&2; exit 1; }
  mkdir -p "$cache/data"
  # The bridge and every network compose makes come from one /16 of ours, and no masquerading: a container
  # reaches this machine and its peers, nothing beyond (image builds that need a registry use the host's network).
  nohup dockerd --data-root "$cache/data" --exec-root "$cache/exec" --pidfile "$pidfile" -H "$DOCKER_HOST" \
    --ip-masq=false --bip 10.213.255.1/24 --default-address-pool base=10.213.0.0/17,size=24 \
    --storage-driver overlay2 --log-driver json-file --log-opt max-size=10m \
    >"$cache/dockerd.log" 2>&1 &
  for _ in $(seq 1 120); do
    if answers; then
      # Nothing a container sends goes beyond our range: no route out, whatever the host forwards.
      rule=(DOCKER-USER -s 10.213.0.0/16 ! -d 10.213.0.0/16 -j DROP)
      iptables -C "${rule[@]}" 2>/dev/null || iptables -I "${rule[@]}"
      echo started
      exit 0
    fi
    sleep 0.5
  done
  echo "dockerd did not answer on $socket; its log: $cache/dockerd.log" >&2
  tail -20 "$cache/dockerd.log" >&2
  exit 1
  ;;
env)
  # And the paths on this host that compose's cadvisor mounts (docker-compose.yml).
  echo "DOCKER_HOST=$DOCKER_HOST"
  echo "DOCKER_SOCKET=$socket"
  echo "DOCKER_DATA_ROOT=$cache/data"
  ;;
stop)
  [[ -f $pidfile ]] || exit 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || exit 0
  for _ in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.5
  done
  echo "dockerd ($pid) did not stop within 60 s" >&2
  exit 1
  ;;
*)
  echo "usage: docker.sh [--install|start|stop|env]" >&2
  exit 2
  ;;
esac
