"""bench/storage: the drills' records (.build/stbench/*.json) into bench/results/storage.json, with the targets of
issue 15 judged: no acknowledged write lost with synchronous replication (and on the file service, which syncs every
write); a switchover without an acknowledged write for under 10 s; a crash or a partition under
1.5 x (token + consensus + the switchover's time), the switchover standing for the promote (or the start elsewhere).

usage: summarise.py OUT WORKDIR DEPLOY_S TOTAL_S TOKEN_MS CONSENSUS_MS MACHINE_NOTE
"""

import json
import os
import sys
import time

SWITCHOVER_LIMIT_S = 10.0


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def rows(service, mode, records, token_s, consensus_s):
    faults = [dict(f, record=r) for r in records for f in r["faults"]]
    switchover = max([f["seconds_without_acknowledged_write"] for f in faults if f["fault"] == "switchover"] or [0.0])
    out = []
    for f in faults:
        gap = f["seconds_without_acknowledged_write"]
        limit = SWITCHOVER_LIMIT_S if f["fault"] == "switchover" else round(1.5 * (token_s + consensus_s + switchover), 1)
        record = f["record"]
        out.append({
            "service": service, "replication": mode, "fault": f["fault"],
            "node": f.get("from") or f.get("node"), "to": f.get("to"),
            "seconds_without_acknowledged_write": gap, "limit_s": limit, "within_limit": gap < limit,
            # Per drill run (a run may hold two faults): what the client was told, and what was not there after.
            "run_acknowledged": record["acknowledged"], "run_lost": len(record["lost"]),
        })
    return out


def main():
    out, work, deploy_s, total_s, token_ms, consensus_ms, note = sys.argv[1:8]
    token_s, consensus_s = int(token_ms) / 1000.0, int(consensus_ms) / 1000.0
    table = []
    for mode in ("sync", "async"):
        records = [load(os.path.join(work, "database-%s-%d.json" % (mode, i))) for i in (1, 2)]
        table += rows("postgresql", mode, records, token_s, consensus_s)
    table += rows("fileshare", "sync always", [load(os.path.join(work, "fileshare.json"))], token_s, consensus_s)
    lost_where_none_may = [r for r in table if r["replication"] != "async" and r["run_lost"] > 0]
    result = {
        "bench": "storage",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "how": "bash bench/storage/run.sh (make bench-storage)",
        "machine": {"cpus": os.cpu_count(), "loadavg_at_end": open("/proc/loadavg").read().split()[:3], "note": note},
        "deploy_s": float(deploy_s),
        "total_s": float(total_s),
        "token_ms": int(token_ms),
        "consensus_ms": int(consensus_ms),
        "notes": ("3 lab nodes, LAB_SERVICES='postgresql fileshare', real fencing (fence_docker). A client on the "
                  "controller counts every write its service acknowledged (a COMMIT through the writable VIP; a file "
                  "closed on the share through its VIP). seconds_without_acknowledged_write is the longest time without "
                  "one from the fault to the service settled elsewhere. limit_s: 10 s for a switchover; for a crash or "
                  "a partition 1.5 x (token + consensus + the slowest switchover of the same service and mode, standing "
                  "for the promote or the start elsewhere). run_lost counts acknowledged writes missing afterwards, per "
                  "drill run (a run holds one or two faults). The records are in .build/stbench/ (not committed)."),
        "targets": {
            "no_acknowledged_write_lost_with_sync": not lost_where_none_may,
            "every_fault_within_limit": all(r["within_limit"] for r in table),
        },
        "rows": table,
    }
    with open(out, "w", encoding="utf-8") as f:
        f.write(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["targets"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
