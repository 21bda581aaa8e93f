#!/usr/bin/env bash
# bench/rolling_update: the rolling update (playbooks/rolling_update.yml) of a fresh 3-node lab cluster
# with real fencing and the lab's services, with real pending updates (lab/enable_updates.yml: Debian's
# updates and security suites), while the HTTP probe (roles/failover_drill/files/service_probe.py) asks both paths
# every 0.2 s from this machine. Measures the total time for the 3 nodes, the failovers (starts of the
# active-passive resources site-vip and lb-vip during the run, from each node's Pacemaker journal), and
# per path the failed requests and the longest gap between two answers.
# Writes bench/results/rolling_update.json.
# Run: bash bench/rolling_update/run.sh   (with the venv on PATH, ANSIBLE_COLLECTIONS_PATH and ANSIBLE_CONFIG set)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export LAB_NETWORK=clusterops-rollbench LAB_PREFIX=rollbench-node LAB_SUBNET_PREFIX=172.31.236 LAB_NODES=3
# In lab/, so that Ansible reads the lab's services next to it (lab/group_vars).
export LAB_INVENTORY=$root/lab/inventory-rollbench.yml
out=$root/bench/results/rolling_update.json
work=$root/.build/rollbench
nodes=("${LAB_PREFIX}1" "${LAB_PREFIX}2" "${LAB_PREFIX}3")
mkdir -p "$work" "$root/bench/results"
rm -f "$work"/probe*
cleanup() {
  touch "$work/probe.jsonl.stop"
  docker ps -aq --filter "label=clusterops.lab=$LAB_NETWORK" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network rm "$LAB_NETWORK" >/dev/null 2>&1 || true
  rm -f "$LAB_INVENTORY"
}
trap cleanup EXIT
log() { echo "bench: $*" >&2; }
now() { date +%s.%N; }

log "fresh nodes, site.yml, real pending updates"
bash lab/up.sh >/dev/null
# No configuration snapshots (docs/snapshots.md): they would be committed under lab/snapshots/ and
# their time is not the rolling update's.
ansible-playbook -i "$LAB_INVENTORY" playbooks/site.yml -e config_snapshot_audit=false >"$work/deploy.log"
ansible-playbook -i "$LAB_INVENTORY" lab/enable_updates.yml >"$work/enable_updates.log"
pending=$(for n in "${nodes[@]}"; do
  printf '"%s": %s\n' "$n" "$(docker exec "$n" apt-get -s -o Debug::NoLocking=1 dist-upgrade | grep -c '^Inst ' || true)"
done | paste -sd, -)

log "probe and rolling update (pending: {$pending})"
python3 roles/failover_drill/files/service_probe.py "$work/probe.jsonl" 3600 \
  "site=http://$LAB_SUBNET_PREFIX.100/" "lb=http://$LAB_SUBNET_PREFIX.101/" &
probe=$!
sleep 3
t0=$(now)
rc=0
ansible-playbook -i "$LAB_INVENTORY" playbooks/rolling_update.yml -e config_snapshot_audit=false \
  -e 'rolling_update_reboot_command="docker restart {node}"' >"$work/rolling_update.log" 2>&1 || rc=$?
t1=$(now)
sleep 3
touch "$work/probe.jsonl.stop"
wait "$probe" || true
log "rolling update rc $rc in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}') s"

# Starts of the active-passive resources during the run, from every node's journal.
starts=$(for n in "${nodes[@]}"; do
  docker exec "$n" journalctl -u pacemaker --no-pager -o short-unix --since "@${t0%.*}" 2>/dev/null \
    | grep -E 'Result of start operation for (site-vip|lb-vip) on' || true
done)
left=$(for n in "${nodes[@]}"; do
  printf '"%s": %s\n' "$n" "$(docker exec "$n" apt-get -s -o Debug::NoLocking=1 dist-upgrade | grep -c '^Inst ' || true)"
done | paste -sd, -)
# The plan's lines as the role printed them (one per node, in order).
order=$(grep -A12 'TASK \[clusterops.ha.rolling_update : Plan | what will happen' "$work/rolling_update.log" \
  | sed -n "s/^ *- '\([0-9][0-9]*\. .*\)'\$/\1/p" || true)

python3 - "$out" "$t0" "$t1" "$rc" "{$pending}" "{$left}" "$order" "$work/probe.jsonl.summary.json" <<PY
import datetime, json, os, platform, re, sys
out, t0, t1, rc = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
pending, left, order = json.loads(sys.argv[5]), json.loads(sys.argv[6]), [l for l in sys.argv[7].splitlines() if l]
probe = json.load(open(sys.argv[8]))
starts = """$starts"""
moves = {rid: len(re.findall(r"start operation for %s on" % rid, starts)) for rid in ("site-vip", "lb-vip")}
load = open("/proc/loadavg").read().split()[:3]
result = {
    "bench": "rolling_update",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "nodes": 3,
    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "loadavg_after": load,
                "kernel": platform.release()},
    "rerun": "bash bench/rolling_update/run.sh (venv on PATH; ANSIBLE_COLLECTIONS_PATH=.build/collections, ANSIBLE_CONFIG=ansible.cfg)",
    "rc": rc,
    "seconds": {"rolling_update_3_nodes": round(t1 - t0, 1)},
    "pending_before": pending,
    "pending_after": left,
    "plan": order,
    "failovers": moves,
    "paths": {name: {"requests": p["requests"], "failed": len(p["failures"]), "failures": p["failures"],
                     "longest_gap_s": p["longest_gap_s"], "nodes_in_order": p["nodes_in_order"] if name == "site" else None}
              for name, p in probe.items()},
    "targets": {"lb_failed_requests": 0, "site_moves": 1, "pending_after": 0},
    "met": {"completed": rc == 0, "lb_zero_failures": len(probe["lb"]["failures"]) == 0,
            "site_moved_once": moves["site-vip"] == 1, "none_pending": all(v == 0 for v in left.values())},
    "notes": "Real updates: the lab image has bookworm only; lab/enable_updates.yml adds bookworm-updates and "
             "bookworm-security. The time is ansible-playbook's wall time for playbooks/rolling_update.yml "
             "(plan, 3 nodes one at a time with a gate before and after each, reboot only when a node asks for it, "
             "by docker restart), including apt's downloads from deb.debian.org, without the configuration snapshots. Failovers count the starts of "
             "site-vip and lb-vip during the run in the Pacemaker journals (a node's journal is lost when it reboots). "
             "Paths: site = the active-passive VIP + nginx (.100), lb = haproxy cloned on every node behind its VIP (.101) "
             "over the app clone. The probe is the controller: GET every 0.2 s per path, 5 s timeout.",
}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result["seconds"]), json.dumps(result["failovers"]), json.dumps(result["met"]))
PY
