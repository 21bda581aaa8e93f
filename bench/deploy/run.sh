#!/usr/bin/env bash
# bench/deploy: on fresh lab nodes (packages already in the image), time
#   1. a fresh deploy with playbooks/site.yml,
#   2. a no-op rerun of it,
#   3. the hand-made pcs path on fresh nodes of the same image:
#      pcs cluster destroy (Debian's default config must go first), pcs host auth,
#      pcs cluster setup, pcs cluster start --all --wait,
# each until every node is online with quorum and a DC. Writes bench/results/deploy.json.
# Run: make bench   (or: bash bench/deploy/run.sh with the venv on PATH)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export LAB_NETWORK=clusterops-bench LAB_PREFIX=bench-node LAB_SUBNET_PREFIX=172.31.252 LAB_NODES=${LAB_NODES:-3}
# No Docker socket in the nodes: stonith off, as in the earlier results.
export LAB_INVENTORY=$root/.build/bench-inventory.yml LAB_DOCKER_SOCKET=
out=$root/bench/results/deploy.json
mkdir -p "$root/.build" "$root/bench/results"
n=$LAB_NODES

now() { date +%s.%N; }
elapsed() { python3 -c "print(round($2 - $1, 1))"; }
wait_formed() {  # until node1 sees every node online, quorum and a DC
  for _ in $(seq 1 600); do
    if docker exec "${LAB_PREFIX}1" crm_mon --output-as=xml 2>/dev/null | python3 -c '
import sys, xml.etree.ElementTree as ET
r = ET.fromstring(sys.stdin.read()); dc = r.find("summary/current_dc")
nodes = r.findall("nodes/node")
ok = dc is not None and dc.get("present") == "true" and dc.get("with_quorum") == "true" \
     and len(nodes) == int(sys.argv[1]) and all(x.get("online") == "true" for x in nodes)
sys.exit(0 if ok else 1)' "$n"; then return 0; fi
    sleep 0.5
  done
  echo "bench: cluster did not form" >&2; return 1
}

bash lab/up.sh >/dev/null
t0=$(now)
ansible-playbook -i "$LAB_INVENTORY" playbooks/site.yml >"$root/.build/bench-deploy-fresh.log"
t1=$(now)
ansible-playbook -i "$LAB_INVENTORY" playbooks/site.yml >"$root/.build/bench-deploy-noop.log"
t2=$(now)
grep -q 'changed=0' "$root/.build/bench-deploy-noop.log" || { echo "bench: the rerun changed something" >&2; exit 1; }
fresh=$(elapsed "$t0" "$t1"); noop=$(elapsed "$t1" "$t2")

bash lab/up.sh >/dev/null
names=$(seq -f "${LAB_PREFIX}%g" 1 "$n" | tr '\n' ' ')
setup_args=""
for i in $(seq 1 "$n"); do setup_args="$setup_args ${LAB_PREFIX}$i addr=$LAB_SUBNET_PREFIX.$((10 + i))"; done
t3=$(now)
for i in $(seq 1 "$n"); do
  docker exec "${LAB_PREFIX}$i" bash -c 'echo hacluster:benchpass | chpasswd && pcs cluster destroy --force' >/dev/null 2>&1 &
done
wait
# shellcheck disable=SC2086
docker exec -i "${LAB_PREFIX}1" pcs host auth $names -u hacluster <<<"benchpass" >/dev/null
# shellcheck disable=SC2086
docker exec "${LAB_PREFIX}1" pcs cluster setup bench $setup_args >/dev/null
docker exec "${LAB_PREFIX}1" pcs cluster start --all --wait >/dev/null
t4=$(now)
wait_formed
t5=$(now)
pcs_cmds=$(elapsed "$t3" "$t4"); pcs_formed=$(elapsed "$t3" "$t5")
bash lab/down.sh >/dev/null

python3 - "$out" "$n" "$fresh" "$noop" "$pcs_cmds" "$pcs_formed" <<'PY'
import json, sys, datetime, platform
out, n, fresh, noop, pcs_cmds, pcs_formed = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
result = {
    "bench": "deploy",
    "date": datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
    "nodes": n,
    "machine": {"cpus": __import__("os").cpu_count(), "python": platform.python_version()},
    "seconds": {
        "site_fresh_deploy": fresh,
        "site_noop_rerun": noop,
        "pcs_path_commands": pcs_cmds,
        "pcs_path_until_formed": pcs_formed,
    },
    "targets": {
        "site_noop_rerun_under": 15,
        "site_fresh_deploy_no_slower_than": "pcs_path_until_formed",
    },
    "met": {
        "noop_rerun": noop < 15,
        "fresh_vs_pcs": fresh <= pcs_formed,
    },
    "notes": "site.yml times include fact gathering, the preflight, and the wait until every node sees all "
             "nodes online, quorate, a DC and a settled cluster; the pcs path is timed until node 1 sees all "
             "nodes online with quorum and a DC.",
}
json.dump(result, open(out, "w"), indent=2)
print(json.dumps(result["seconds"], indent=2), json.dumps(result["met"]))
PY
