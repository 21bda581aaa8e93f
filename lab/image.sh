#!/usr/bin/env bash
# Build the lab's images, cached:
#   debian:bookworm            the base; pulled images are used as they are, otherwise made with
#                              debootstrap and imported under that name.
#   clusterops/ha-node:bookworm the node image (lab/node/Dockerfile); rebuilt only when the
#                              Dockerfile or another file of lab/node changes (their hash is kept as
#                              an image label).
# LAB_DEBIAN_MIRROR overrides debootstrap's default mirror.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
base=${LAB_BASE_IMAGE:-debian:bookworm}
node=${LAB_NODE_IMAGE:-clusterops/ha-node:bookworm}
suite=${LAB_SUITE:-bookworm}

if ! docker image inspect "$base" >/dev/null 2>&1; then
  if docker pull "$base" >/dev/null 2>&1; then
    echo "image.sh: pulled $base"
  else
    command -v debootstrap >/dev/null 2>&1 || { echo "image.sh: debootstrap is missing (run lab/engine.sh)" >&2; exit 1; }
    root=$(mktemp -d /var/tmp/clusterops-rootfs.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    echo "image.sh: no registry; making $base with debootstrap ($suite, minbase)"
    # shellcheck disable=SC2086
    debootstrap --variant=minbase --include=systemd,systemd-sysv,python3,iproute2,procps \
      "$suite" "$root" ${LAB_DEBIAN_MIRROR:-} >/var/tmp/clusterops-debootstrap-$suite.log 2>&1 || {
        echo "image.sh: debootstrap failed; last lines:" >&2; tail -n 20 /var/tmp/clusterops-debootstrap-$suite.log >&2; exit 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -c . | docker import -c 'CMD ["/bin/bash"]' - "$base" >/dev/null
    echo "image.sh: imported $base"
  fi
fi

want=$(cd "$here/node" && find . -maxdepth 1 -type f | LC_ALL=C sort | while read -r f; do printf '%s\n' "$f"; cat "$f"; done \
  | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{ index .Config.Labels "clusterops.dockerfile" }}' "$node" 2>/dev/null || true)
if [ "$have" = "$want" ]; then
  echo "image.sh: $node is current"
  exit 0
fi
echo "image.sh: building $node"
docker build -q --label "clusterops.dockerfile=$want" --build-arg "BASE=$base" -t "$node" "$here/node" >/dev/null
echo "image.sh: built $node"
