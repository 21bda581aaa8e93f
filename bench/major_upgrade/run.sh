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

python3 - "$out" "$t0" "$t1" "$rc" "{$before}" "{$after}" "$order" "$work/probe.jsonl.summary.json" \
  "$work/quorum.tsv" "$verify" "$schema" <<PY
import datetime, json, os, platform, re, sys
out, t0, t1, rc = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
before, after, order = json.loads(sys.argv[5]), json.loads(sys.argv[6]), [l for l in sys.argv[7].splitlines() if l]
probe = json.load(open(sys.argv[8]))
samples = [l.split("\t") for l in open(sys.argv[9]).read().splitlines() if l.count("\t") == 2]
verify, schema = sys.argv[10], sys.argv[11]
starts = """$starts"""
moves = {rid: len(re.findall(r"start operation for %s on" % rid, starts)) for rid in ("site-vip", "lb-vip")}
# Per sampling round: the nodes that answered, and whether every one of them was quorate.
rounds = {}
for t, node, q in samples:
    rounds.setdefault(round(float(t)), {})[node] = q
during = {k: v for k, v in rounds.items() if t0 <= k <= t1}
answering = [v for v in during.values() if any(q != "-" for q in v.values())]
quorate_rounds = [v for v in answering if all(q == "Yes" for q in v.values() if q != "-")]
out_of_cluster = {}
for node in sorted({n for _, n, _ in samples}):
    seq = sorted((k, v.get(node, "-")) for k, v in during.items())
    longest = run = 0
    start = None
    for k, q in seq:
        if q != "Yes":
            start = k if start is None else start
            run = k - start + 1
            longest = max(longest, run)
        else:
            start = None
    out_of_cluster[node] = longest
load = open("/proc/loadavg").read().split()[:3]
result = {
    "bench": "major_upgrade",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "nodes": 3,
    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "loadavg_after": load,
                "kernel": platform.release()},
    "rerun": "make bench-major (bash bench/major_upgrade/run.sh; KEEP_LAB=1 keeps the nodes)",
    "rc": rc,
    "seconds": {"major_upgrade_3_nodes": round(t1 - t0, 1)},
    "versions_before": before,
    "versions_after": after,
    "plan": order,
    "failovers": moves,
    "quorum": {"sampling_rounds": len(answering), "rounds_all_answering_quorate": len(quorate_rounds)},
    "longest_out_of_cluster_s": out_of_cluster,
    "crm_verify_L": verify.strip(),
    "cib_schema_after": schema,
    "paths": {name: {"requests": p["requests"], "failed": len(p["failures"]), "failures": p["failures"][:20],
                     "longest_gap_s": p["longest_gap_s"]} for name, p in probe.items()},
    "targets": {"lb_failed_requests": 0, "site_moves": "one per active node", "quorum": "every round",
                "pacemaker_after": "3.0.0 everywhere", "corosync_after": "3.1.9 everywhere", "crm_verify": "clean"},
    "met": {"completed": rc == 0,
            "every_node_pacemaker_3": all(v["pacemaker"].startswith("3.0") for v in after.values()),
            "every_node_corosync_3_1_9": all(v["corosync"] == "3.1.9" for v in after.values()),
            "quorum_in_every_round": len(quorate_rounds) == len(answering) and len(answering) > 0,
            "lb_zero_failures": len(probe["lb"]["failures"]) == 0,
            "crm_verify_clean": verify.strip().endswith("rc=0"),
            "schema_upgraded": schema.startswith("pacemaker-4")},
    "notes": "Debian's real upgrade: the nodes' APT sources switched to trixie by the role, apt-get dist-upgrade from "
             "deb.debian.org (one package cache shared by the nodes), the node restarted (docker restart) into "
             "trixie, rejoining a mixed 2.1.5/3.0.0 cluster; cibadmin --upgrade after the last node. Quorum: every "
             "node's corosync-quorumtool each second; a round counts when every node that answered was quorate "
             "(the node being upgraded does not answer). Out of cluster: the longest run of seconds a node did "
             "not answer Quorate: Yes. Paths: site = the active-passive VIP + nginx, lb = haproxy cloned on every "
             "node behind its VIP; GET every 0.2 s per path from this machine.",
}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result["seconds"]), json.dumps(result["failovers"]), json.dumps(result["met"]))
PY
