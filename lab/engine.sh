#!/usr/bin/env bash
# Make sure a Docker engine is running on this machine.
# Installs Debian's docker.io when dockerd is missing (root + apt only), then starts dockerd
# in the background when nothing answers on the socket. Idempotent.
set -euo pipefail

log=${LAB_DOCKERD_LOG:-/var/log/clusterops-dockerd.log}

engine_up() { docker info >/dev/null 2>&1; }

if engine_up; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "engine.sh: no Docker engine is running and it cannot be installed here (needs root and apt-get)." >&2
    echo "engine.sh: start a Docker engine yourself, then run this again." >&2
    exit 1
  fi
  echo "engine.sh: installing docker.io and debootstrap from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io debootstrap >/dev/null
fi

if ! command -v docker >/dev/null 2>&1; then
  echo "engine.sh: the docker client is missing after install" >&2
  exit 1
fi

if [ "$(id -u)" != 0 ]; then
  echo "engine.sh: dockerd is installed but not running; start it (as root) and run this again." >&2
  exit 1
fi

# A stale pid file from a previous session's engine keeps dockerd from starting.
rm -f /var/run/docker.pid /run/docker.pid
echo "engine.sh: starting dockerd (log: $log)"
nohup dockerd >"$log" 2>&1 &

for _ in $(seq 1 60); do
  if engine_up; then
    echo "engine.sh: engine up ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
    exit 0
  fi
  sleep 1
done
echo "engine.sh: dockerd did not come up within 60 s; last lines of $log:" >&2
tail -n 30 "$log" >&2
exit 1
