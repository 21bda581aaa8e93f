#!/usr/bin/env bash
# bench/failover: the measured recovery of every failover drill (playbooks/failover_drill.yml with the
# lab's six drills: standby, move, kill_process, crash, partition, hang) on a fresh 3-node lab cluster
# with real fencing (fence_docker through the engine's socket) and the lab's services, against the
# recovery the drill role expects from the cluster's own settings. Cases:
#   lan    plain site.yml (corosync's defaults: token 3000 + 650 per node over two)
#   short  site.yml with cluster_totem: {token: 1000}, on fresh nodes
# Per case: fresh nodes (lab/up.sh), site.yml, the runtime token/consensus, then BENCH_REPEAT (default 1)
# runs of all six drills on the same cluster. A failed verdict does not stop the run
# (failover_drill_fail_on_verdict=false): the verdicts are recorded with the numbers.
# Writes bench/results/failover.json; the drill reports and a log per step stay in .build/fobench/.
# Run: bash bench/failover/run.sh   (with the venv on PATH, ANSIBLE_COLLECTIONS_PATH and ANSIBLE_CONFIG set)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here=$root/bench/failover
export LAB_NETWORK=clusterops-fobench LAB_PREFIX=fb-node LAB_SUBNET_PREFIX=172.31.232 LAB_NODES=3
# The Docker socket stays (no LAB_DOCKER_SOCKET=): fencing by fence_docker is part of what is measured.
# The inventory sits in a directory of its own next to a group_vars link to lab/group_vars, so that
# Ansible reads the lab's services and drill settings for it.
work=$root/.build/fobench
export LAB_INVENTORY=$work/inventory.yml
out=$root/bench/results/failover.json
repeat=${BENCH_REPEAT:-1}
nodes=("${LAB_PREFIX}1" "${LAB_PREFIX}2" "${LAB_PREFIX}3")
case "$repeat" in ''|*[!0-9]*|0) echo "bench: BENCH_REPEAT must be a positive whole number" >&2; exit 2;; esac
mkdir -p "$work" "$root/bench/results"
ln -sfn ../../lab/group_vars "$work/group_vars"
rm -f "$work/cases.jsonl"
cleanup() { bash lab/down.sh >/dev/null 2>&1 || true; rm -f "$LAB_INVENTORY"; }
trap cleanup EXIT
log() { echo "bench: $*" >&2; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b - a}'; }
cmap() { docker exec "${nodes[0]}" corosync-cmapctl -g "$1" | awk '{print $NF}'; }

run_case() {
  local name=$1 extra=$2 t token consensus deploy_s r rc dir report drill_s runs=""
  log "case $name: fresh nodes and site.yml -e '$extra'"
  t=$(now)
  bash lab/up.sh >"$work/up-$name.log"
  # No configuration snapshots (docs/snapshots.md): they would be committed under lab/snapshots/.
  ansible-playbook -i "$LAB_INVENTORY" playbooks/site.yml -e config_snapshot_audit=false -e "$extra" \
    >"$work/deploy-$name.log" 2>&1
  deploy_s=$(since "$t")
  token=$(cmap runtime.config.totem.token)
  consensus=$(cmap runtime.config.totem.consensus)
  log "case $name: deployed in $deploy_s s; runtime token $token ms, consensus $consensus ms"

  for r in $(seq 1 "$repeat"); do
    dir=$work/reports/$name-run$r
    rm -rf "$dir" && mkdir -p "$dir"
    log "case $name run $r: the six drills"
    t=$(now)
    rc=0
    # The same extra vars as the deploy: the drills' health gates expect the configured token.
    ansible-playbook -i "$LAB_INVENTORY" playbooks/failover_drill.yml -e config_snapshot_audit=false -e "$extra" \
      -e "failover_drill_report_dir=$dir" -e failover_drill_fail_on_verdict=false \
      >"$work/drills-$name-run$r.log" 2>&1 || rc=$?
    drill_s=$(since "$t")
    report=$(find "$dir" -maxdepth 1 -name '*.json' | sort | tail -n 1)
    if [ -z "$report" ]; then
      log "case $name run $r: no report (rc $rc); see $work/drills-$name-run$r.log"
      return 1
    fi
    cp "$report" "$work/$name-run$r.json"
    cp "${report%.json}.md" "$work/$name-run$r.md" 2>/dev/null || true
    log "case $name run $r: rc $rc in $drill_s s, report $work/$name-run$r.json"
    runs="${runs:+$runs, }{\"report\": \"$work/$name-run$r.json\", \"rc\": $rc, \"wall_s\": $drill_s}"
  done
  printf '{"case": "%s", "extra_vars": %s, "token_ms": %s, "consensus_ms": %s, "deploy_s": %s, "runs": [%s]}\n' \
    "$name" "$extra" "$token" "$consensus" "$deploy_s" "$runs" >>"$work/cases.jsonl"
  bash lab/down.sh >/dev/null
}

start=$(now)
others=$(docker ps --format '{{.Names}}' | paste -sd' ' -)
load=$(cut -d' ' -f1 /proc/loadavg)
run_case lan '{}'
run_case short '{"cluster_totem": {"token": 1000}}'
total=$(since "$start")

python3 "$here/summarise.py" "$out" "$work/cases.jsonl" "$total" \
  "$(nproc) CPUs; shared: at the start the 1-minute load average was $load and these other containers ran on the same engine: ${others:-none} (another lab, dr-node*, and possibly a Molecule scenario run on this machine at the same time, so the numbers include their load). Total wall time of the bench: $total s."
