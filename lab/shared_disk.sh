#!/usr/bin/env bash
# The lab's shared disk: what stands in for a SAN LUN (docs/storage.md). A sparse image file on the host, attached
# to a loop device; every node container gets that block device (docker run --device DEV:/dev/clusterops-shared),
# so the Filesystem agent really mounts it, on one node at a time. Prints the loop device.
#
# usage: lab/shared_disk.sh FILE [SIZE]   attach FILE (made blank, SIZE default 256M, when missing)
#        lab/shared_disk.sh --fresh FILE  detach FILE, make it blank again, attach it
#        lab/shared_disk.sh --detach FILE detach FILE's loop devices and remove FILE
set -euo pipefail
mode=attach
case "${1:-}" in --fresh|--detach) mode=${1#--}; shift;; esac
file=${1:?usage: lab/shared_disk.sh [--fresh|--detach] FILE [SIZE]}
size=${2:-256M}

detach() {
  [ -e "$file" ] || return 0
  losetup -j "$file" -O NAME -n | while read -r dev; do losetup -d "$dev"; done
}

case "$mode" in
  detach) detach; rm -f "$file"; exit 0;;
  fresh) detach; rm -f "$file";;
esac
mkdir -p "$(dirname "$file")"
[ -e "$file" ] || truncate -s "$size" "$file"
dev=$(losetup -j "$file" -O NAME -n | head -n 1)
[ -n "$dev" ] || dev=$(losetup -f --show "$file")
echo "$dev"
