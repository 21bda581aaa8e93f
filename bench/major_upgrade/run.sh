#!/usr/bin/env bash
# bench/major_upgrade: Debian 12 bookworm to 13 trixie (Pacemaker 2.1.5 -> 3.0.0, corosync 3.1.7 -> 3.1.9) on a
# running 3-node lab cluster with real fencing and the lab's services, node by node with
# playbooks/rolling_update.yml -e rolling_update_release=trixie, while the HTTP probe
# (roles/failover_drill/files/service_probe.py) asks both paths every 0.2 s from this machine and a sampler asks
# every node's corosync-quorumtool every second. Debian's real upgrade (apt-get dist-upgrade from the mirror), with
# one package cache on the host shared by the nodes (LAB_APT_CACHE). A bench, not a Molecule scenario: the
# downloads and three full upgrades take longer than the whole CI budget allows.
# Writes bench/results/major_upgrade.json.
# Run: bash bench/major_upgrade/run.sh   (venv on PATH, ANSIBLE_COLLECTIONS_PATH and ANSIBLE_CONFIG set: make bench-major)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export LAB_NETWORK=clusterops-majorbench LAB_PREFIX=majorbench-node LAB_SUBNET_PREFIX=172.31.235 LAB_NODES=3
export LAB_NODE_IMAGE=clusterops/ha-node:bookworm
export LAB_APT_CACHE=${LAB_APT_CACHE:-/var/cache/clusterops-apt}
# In lab/, so that Ansible reads the lab's services next to it (lab/group_vars).
export LAB_INVENTORY=$root/lab/inventory-majorbench.yml
out=$root/bench/results/major_upgrade.json
work=$root/.build/majorbench
nodes=("${LAB_PREFIX}1" "${LAB_PREFIX}2" "${LAB_PREFIX}3")
mkdir -p "$work" "$root/bench/results"
rm -f "$work"/probe* "$work"/quorum.tsv
cleanup() {
  touch "$work/probe.jsonl.stop" "$work/quorum.stop"
  if [ -z "${KEEP_LAB:-}" ]; then
    docker ps -aq --filter "label=clusterops.lab=$LAB_NETWORK" | xargs -r docker rm -f >/dev/null 2>&1 || true
    docker network rm "$LAB_NETWORK" >/dev/null 2>&1 || true
    rm -f "$LAB_INVENTORY"
  fi
}
trap cleanup EXIT
log() { echo "bench: $(date +%T) $*" >&2; }
now() { date +%s.%N; }

log "fresh bookworm nodes, site.yml"
bash lab/up.sh >/dev/null
ansible-playbook -i "$LAB_INVENTORY" playbooks/site.yml -e config_snapshot_audit=false >"$work/deploy.log"
versions() {
  for n in "${nodes[@]}"; do
    printf '"%s": {"pacemaker": "%s", "corosync": "%s", "debian": "%s"}\n' "$n" \
      "$(docker exec "$n" pacemakerd --version | sed -n 's/^Pacemaker //p')" \
      "$(docker exec "$n" corosync -v | sed -n "s/.*version '\([^']*\)'.*/\1/p")" \
      "$(docker exec "$n" sh -c '. /etc/os-release && echo $VERSION_CODENAME')"
  done | paste -sd, -
}
before=$(versions)

# Every second, every node's own view of quorum ("-" when its corosync does not answer).
(
  while [ ! -e "$work/quorum.stop" ]; do
    t=$(now)
    for n in "${nodes[@]}"; do
      q=$(timeout 3 docker exec "$n" corosync-quorumtool -s 2>/dev/null | sed -n 's/^Quorate: *//p' || true)
      printf '%s\t%s\t%s\n' "$t" "$n" "${q:--}"
    done >>"$work/quorum.tsv"
    sleep 1
  done
) &
sampler=$!

log "probe and the major upgrade (before: {$before})"
python3 roles/failover_drill/files/service_probe.py "$work/probe.jsonl" 7200 \
  "site=http://$LAB_SUBNET_PREFIX.100/" "lb=http://$LAB_SUBNET_PREFIX.101/" &
probe=$!
sleep 3
t0=$(now)
rc=0
ansible-playbook -i "$LAB_INVENTORY" playbooks/rolling_update.yml -e config_snapshot_audit=false \
  -e rolling_update_release=trixie -e 'rolling_update_reboot_command="docker restart {node}"' \
  >"$work/rolling_update.log" 2>&1 || rc=$?
t1=$(now)
sleep 3
touch "$work/probe.jsonl.stop" "$work/quorum.stop"
wait "$probe" || true
wait "$sampler" || true
log "major upgrade rc $rc in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}') s"
after=$(versions)
verify=$(docker exec "${nodes[0]}" crm_verify -L 2>&1 && echo "rc=0" || echo "rc=$?")
schema=$(docker exec "${nodes[0]}" cibadmin --query --no-children | sed -n 's/.*validate-with="\([^"]*\)".*/\1/p')
starts=$(for n in "${nodes[@]}"; do
  docker exec "$n" journalctl -u pacemaker --no-pager -o short-unix --since "@${t0%.*}" 2>/dev/null \
    | grep -E 'Result of start operation for (site-vip|lb-vip) on' || true
done)
order=$(grep -A12 'TASK \[clusterops.ha.rolling_update : Plan | what will happen' "$work/rolling_update.log" \
  | sed -n "s/^ *- '\([0-9][0-9]*\. .*\)'\$/\1/p" || true)

printf '{"t0": %s, "t1": %s, "rc": %s}\n' "$t0" "$t1" "$rc" >"$work/meta.json"
echo "{$before}" >"$work/before.json"
echo "{$after}" >"$work/after.json"
printf '%s\n' "$order" >"$work/order.txt"
printf '%s\n' "$starts" >"$work/starts.txt"
printf '%s\n' "$verify" >"$work/verify.txt"
printf '%s\n' "$schema" >"$work/schema.txt"
python3 bench/major_upgrade/summarise.py "$work" "$out"
