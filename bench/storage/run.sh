#!/usr/bin/env bash
# bench/storage: what the services that hold data lose, and for how long they refuse writes, when their node goes.
# One fresh 3-node lab with real fencing (fence_docker) and LAB_SERVICES="postgresql fileshare"; a client on this
# machine counts every write its service acknowledged (molecule/services/database_drill.py, fileshare_drill.py):
#   database, synchronous (ANY 1, the default): a switchover and a crash of the primary's node, then a partition of
#     the new primary (cut off the lab's network; fenced, it comes back cut off and is connected again);
#   database, asynchronous (postgresql_ha_synchronous: false): the same;
#   file service (Samba on the shared disk, sync always): a switchover and a crash of its node.
# Between the faults, the role re-clones the instances of the nodes that were fenced (postgresql_ha_reclone).
# Writes bench/results/storage.json; the drills' records and a log per step stay in .build/stbench/.
# Run: bash bench/storage/run.sh   (with the venv on PATH, ANSIBLE_COLLECTIONS_PATH and ANSIBLE_CONFIG set; make bench-storage)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here=$root/bench/storage
export LAB_NETWORK=clusterops-stbench LAB_PREFIX=sb-node LAB_SUBNET_PREFIX=172.31.233 LAB_NODES=3
export LAB_SERVICES="postgresql fileshare"
work=$root/.build/stbench
export LAB_INVENTORY=$work/inventory.yml
out=$root/bench/results/storage.json
nodes=("${LAB_PREFIX}1" "${LAB_PREFIX}2" "${LAB_PREFIX}3")
mkdir -p "$work" "$root/bench/results"
ln -sfn ../../lab/group_vars "$work/group_vars"
rm -f "$work"/*.json "$work"/*.log
cleanup() { bash lab/down.sh >/dev/null 2>&1 || true; rm -f "$LAB_INVENTORY"; }
trap cleanup EXIT
log() { echo "bench: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b - a}'; }
python=$(command -v python3)
[ -x "$root/.venv/bin/python" ] && python=$root/.venv/bin/python
inv() { "$python" -c 'import sys, yaml; v = yaml.safe_load(open(sys.argv[1]))["all"]["children"]; print(eval(sys.argv[2]))' "$LAB_INVENTORY" "$1"; }

start=$(now)
others=$(docker ps --format '{{.Names}}' | paste -sd' ' -)
load=$(cut -d' ' -f1 /proc/loadavg)
log "fresh nodes and site.yml (LAB_SERVICES=\"$LAB_SERVICES\")"
t=$(now)
bash lab/up.sh >"$work/up.log"
ansible-playbook -i "$LAB_INVENTORY" playbooks/site.yml -e config_snapshot_audit=false >"$work/deploy.log" 2>&1
deploy_s=$(since "$t")
token=$(docker exec "${nodes[0]}" corosync-cmapctl -g runtime.config.totem.token | awk '{print $NF}')
consensus=$(docker exec "${nodes[0]}" corosync-cmapctl -g runtime.config.totem.consensus | awk '{print $NF}')
log "deployed in $deploy_s s; runtime token $token ms, consensus $consensus ms"
vip_db="$LAB_SUBNET_PREFIX.102"
vip_share="$LAB_SUBNET_PREFIX.103"
share_user=$(inv 'v["fileshare"]["vars"]["fileshare_ha_users"][0]["name"]')
SHARE_PASSWORD=$(inv 'v["fileshare"]["vars"]["fileshare_ha_users"][0]["password"]')
export SHARE_PASSWORD

# $1 the mode (sync/async), $2 the faults, $3 the record's name; then the role re-clones the fenced nodes' instances
# and the drill waits until every standby streams again.
database() {
  local mode=$1 faults=$2 name=$3 rc=0 reclone
  log "database $mode: $faults"
  "$python" molecule/services/database_drill.py "$work/$name.json" "${nodes[@]}" --vip "$vip_db" --faults "$faults" \
    --network "$LAB_NETWORK" >"$work/$name.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { log "database $mode: the drill failed (rc $rc), see $work/$name.log"; return 1; }
  reclone=$("$python" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["fenced_nodes"]))' "$work/$name.json")
  log "database $mode: re-cloning $reclone"
  ansible-playbook -i "$LAB_INVENTORY" "$here/services.yml" -e "{\"postgresql_ha_reclone\": $reclone, \"postgresql_ha_synchronous\": $([ "$mode" = sync ] && echo true || echo false)}" \
    >"$work/$name-reclone.log" 2>&1
  "$python" molecule/services/database_drill.py "$work/$name.json" "${nodes[@]}" --vip "$vip_db" --rejoin >"$work/$name-rejoin.log" 2>&1
}

for mode in sync async; do
  if [ "$mode" = async ]; then
    log "database: asynchronous replication (postgresql_ha_synchronous: false)"
    ansible-playbook -i "$LAB_INVENTORY" "$here/services.yml" -e postgresql_ha_synchronous=false >"$work/async.log" 2>&1
  fi
  database "$mode" switchover,crash "database-$mode-1"
  database "$mode" partition "database-$mode-2"
done

log "file service: a switchover and a crash"
"$python" molecule/services/fileshare_drill.py "$work/fileshare.json" "${nodes[@]}" --vip "$vip_share" --user "$share_user" \
  --password-env SHARE_PASSWORD >"$work/fileshare.log" 2>&1

total=$(since "$start")
"$python" "$here/summarise.py" "$out" "$work" "$deploy_s" "$total" "$token" "$consensus" \
  "$(nproc) CPUs; at the start the 1-minute load average was $load and these other containers ran on the same engine: ${others:-none}. Total wall time of the bench: $total s."
log "wrote $out"
