#!/usr/bin/env bash
# Remove the lab's containers and network (by label and name). Safe to run when nothing is up.
set -euo pipefail
net=${LAB_NETWORK:-clusterops-lab}
docker info >/dev/null 2>&1 || { echo "down.sh: no Docker engine answers; nothing to remove"; exit 0; }
old=$(docker ps -aq --filter "label=clusterops.lab=$net")
[ -z "$old" ] || echo "$old" | xargs docker rm -f >/dev/null
docker network inspect "$net" >/dev/null 2>&1 && docker network rm "$net" >/dev/null
# The shared disk of LAB_SERVICES=fileshare (lab/shared_disk.sh): detached, its file removed.
bash "$(dirname "$0")/shared_disk.sh" --detach "${LAB_SHARED_DISK_FILE:-$(dirname "$0")/../.build/lab/$net-shared-disk.img}"
rm -f "${LAB_INVENTORY:-$(cd "$(dirname "$0")" && pwd)/inventory.yml}"
echo "down.sh: lab removed"
