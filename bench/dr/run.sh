#!/usr/bin/env bash
# bench/dr: a geo cluster's site failover against what its ticket's settings predict, and a planned switchover.
# The Molecule scenario `geo` (two 2-node sites and a booth arbitrator) is created and converged in a state directory
# of its own, then bench/dr/measure.py runs DR_ROUNDS rounds (default 2) of: a switchover there and back, the crash
# of the site that holds the ticket, a partition of the site that holds it; then site A lost for good and rebuilt
# from its snapshots on blank containers (playbooks/reassemble.yml). Writes bench/results/dr.json (with the deploy
# time of both sites and booth); the containers are removed at the end.
# Run: bash bench/dr/run.sh   (make bench-dr)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export PATH=$root/.venv/bin:$PATH
export ANSIBLE_COLLECTIONS_PATH=$root/.build/collections
state=$root/.build/drbench/state
export MOLECULE_EPHEMERAL_DIRECTORY=$state
out=$root/bench/results/dr.json
mkdir -p "$state" "$root/bench/results"
log() { echo "bench: $*" >&2; }
cleanup() { molecule destroy -s geo >"$root/.build/drbench/destroy.log" 2>&1 || true; }
trap cleanup EXIT
t=$(date +%s)
molecule create -s geo >"$root/.build/drbench/create.log" 2>&1
molecule converge -s geo >"$root/.build/drbench/converge.log" 2>&1
deploy_s=$(( $(date +%s) - t ))
log "two sites and booth deployed in $deploy_s s"
python bench/dr/measure.py "$root/.build/drbench/measured.json" "${DR_ROUNDS:-2}"
python - "$root/.build/drbench/measured.json" "$out" "$deploy_s" <<'PY'
import datetime, json, sys
d = json.load(open(sys.argv[1]))
d = dict({"what": "bench/dr on the geo scenario (two 2-node sites, an arbitrator; bookworm)",
          "measured_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
          "create_and_converge_s": int(sys.argv[3])}, **d)
open(sys.argv[2], "w").write(json.dumps(d, indent=2) + "\n")
PY
log "results: $out"
