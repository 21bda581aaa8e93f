#!/usr/bin/env bash
# bench/cib_apply: on a fresh 3-node lab cluster (stonith off, no services), apply 50 primitives
# with operations, meta and utilization, 25 colocations, 25 orders and 10 locations with one
# clusterops.ha.cib call; then apply the same again (a no-op). Times are the whole
# ansible-playbook run (one host, no fact gathering). Writes bench/results/cib_apply.json.
# Run: make bench-cib   (or: bash bench/cib_apply/run.sh with the venv on PATH)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export LAB_NETWORK=clusterops-cibbench LAB_PREFIX=cibbench-node LAB_SUBNET_PREFIX=172.31.239 LAB_NODES=3
export LAB_INVENTORY=$root/.build/cibbench-inventory.yml LAB_DOCKER_SOCKET=
n=${BENCH_RESOURCES:-50}
out=$root/bench/results/cib_apply.json
work=$root/.build/cibbench
mkdir -p "$work" "$root/bench/results"

now() { date +%s.%N; }
elapsed() { python3 -c "print(round($2 - $1, 2))"; }

bash lab/up.sh >/dev/null
ansible-playbook -i "$LAB_INVENTORY" playbooks/site.yml >"$work/deploy.log"
python3 bench/cib_apply/make_config.py "$work/config.json" "$n" cibbench-node1,cibbench-node2,cibbench-node3

run_apply() {  # $1: record file; prints the run's log path
  ansible-playbook -i "$LAB_INVENTORY" bench/cib_apply/apply.yml -e "@$work/config.json" \
    -e "bench_record=$1" >"$1.log"
}
t0=$(now); run_apply "$work/first.json"; t1=$(now)
# The rerun an operator makes comes after the cluster has acted (not timed).
docker exec cibbench-node1 crm_resource --wait --timeout 300 >/dev/null
t1b=$(now)
run_apply "$work/again.json"; t2=$(now)
calls=$(grep -c '^TASK \[Apply in one transaction\]' "$work/first.json.log")
docker exec cibbench-node1 cibadmin --query --scope resources >"$work/resources.xml"
bash lab/down.sh >/dev/null

python3 - "$out" "$n" "$(elapsed "$t0" "$t1")" "$(elapsed "$t1b" "$t2")" "$calls" "$work" <<'PY'
import datetime, json, os, platform, sys
import xml.etree.ElementTree as ET
out, n, first, again, calls, work = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
r1 = json.load(open(os.path.join(work, "first.json")))
r2 = json.load(open(os.path.join(work, "again.json")))
in_cib = len(ET.parse(os.path.join(work, "resources.xml")).getroot().findall(".//primitive"))
result = {
    "bench": "cib_apply",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "resources": n,
    "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    "seconds": {"apply": first, "noop_reapply": again},
    "module_calls_per_play": calls,
    "first": {"changed": r1["changed"], "changes": len(r1["changes"]), "attempts": r1["attempts"],
              "predicted_starts": len([a for a in r1.get("predicted_actions", []) if a["action"] == "start"])},
    "again": {"changed": r2["changed"], "changes": len(r2["changes"])},
    "primitives_in_cib": in_cib,
    "targets": {"apply_under": 10, "noop_reapply_under": 3, "module_calls_per_play": 1},
    "met": {"apply": first < 10, "noop_reapply": again < 3, "one_call": calls == 1,
            "noop_is_noop": not r2["changed"], "all_in_cib": in_cib == n},
    "notes": "Wall time of ansible-playbook for one host without fact gathering: includes Ansible's start-up "
             "and the module's transfer, reading the CIB, agent metadata, crm_verify, two crm_simulate runs, "
             "crm_diff and cibadmin --patch.",
}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result["seconds"]), json.dumps(result["met"]))
PY
