"""bench/major_upgrade: the run's records (in WORK, written by run.sh) into bench/results/major_upgrade.json.

usage: summarise.py WORK OUT
"""

import datetime
import json
import os
import platform
import re
import sys


def read(work, name):
    with open(os.path.join(work, name), encoding="utf-8") as f:
        return f.read()


def quorum(samples, t0, t1):
    """Per sampling round (one second), each node's own answer of corosync-quorumtool: the rounds where a
    majority of the nodes said Quorate: Yes (the cluster kept quorum), the serviced node's own "No" while it
    leaves and rejoins, and each node's longest run of seconds without Yes (its time out of the cluster)."""
    rounds = {}
    for t, node, q in samples:
        rounds.setdefault(round(float(t)), {})[node] = q
    during = dict((k, v) for k, v in rounds.items() if t0 <= k <= t1)
    nodes = sorted(set(sample[1] for sample in samples))
    majority = len(nodes) // 2 + 1
    held = [k for k, v in during.items() if list(v.values()).count("Yes") >= majority]
    own_no = sorted(set(n for v in during.values() for n, q in v.items() if q == "No"))
    out = {}
    for node in nodes:
        longest, start = 0, None
        for k in sorted(during):
            if during[k].get(node, "-") != "Yes":
                start = k if start is None else start
                longest = max(longest, k - start + 1)
            else:
                start = None
        out[node] = longest
    return {"rounds": len(during), "rounds_majority_quorate": len(held),
            "nodes_that_said_no_of_themselves": own_no}, out


def main(work, out):
    meta = json.loads(read(work, "meta.json"))
    t0, t1, rc = float(meta["t0"]), float(meta["t1"]), int(meta["rc"])
    before, after = json.loads(read(work, "before.json")), json.loads(read(work, "after.json"))
    order = [line for line in read(work, "order.txt").splitlines() if line]
    starts = read(work, "starts.txt")
    verify, schema = read(work, "verify.txt").strip(), read(work, "schema.txt").strip()
    probe = json.loads(read(work, "probe.jsonl.summary.json"))
    samples = [line.split("\t") for line in read(work, "quorum.tsv").splitlines() if line.count("\t") == 2]
    moves = dict((rid, len(re.findall(r"start operation for %s on" % rid, starts))) for rid in ("site-vip", "lb-vip"))
    q, out_of_cluster = quorum(samples, t0, t1)
    with open("/proc/loadavg", encoding="utf-8") as f:
        load = f.read().split()[:3]
    result = {
        "bench": "major_upgrade",
        "date": datetime.datetime.fromtimestamp(t1, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
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
        "quorum": q,
        "longest_out_of_cluster_s": out_of_cluster,
        "crm_verify_L": verify,
        "cib_schema_after": schema,
        "paths": dict((name, {"requests": p["requests"], "failed": len(p["failures"]), "failures": p["failures"][:20],
                              "longest_gap_s": p["longest_gap_s"]}) for name, p in probe.items()),
        "targets": {"lb_failed_requests": 0, "site_moves": "one per active node", "quorum": "a majority in every round",
                    "pacemaker_after": "3.0.0 everywhere", "corosync_after": "3.1.9 everywhere", "crm_verify": "clean"},
        "met": {"completed": rc == 0,
                "every_node_pacemaker_3": all(v["pacemaker"].startswith("3.0") for v in after.values()),
                "every_node_corosync_3_1_9": all(v["corosync"] == "3.1.9" for v in after.values()),
                "quorum_in_every_round": q["rounds"] > 0 and q["rounds_majority_quorate"] == q["rounds"],
                "lb_zero_failures": len(probe["lb"]["failures"]) == 0,
                "site_moved_once_per_active_node": moves["site-vip"] == 1 and moves["lb-vip"] == 1,
                "crm_verify_clean": verify.endswith("rc=0"),
                "schema_upgraded": schema.startswith("pacemaker-4")},
        "notes": "Debian's real upgrade: the role switched each node's APT sources to trixie, apt-get dist-upgrade from "
                 "deb.debian.org (one package cache on the host shared by the nodes, LAB_APT_CACHE), the node "
                 "restarted (docker restart) into trixie and rejoined a mixed 2.1.5/3.0.0 cluster (crm_mon: "
                 "MIXED-VERSION partition with quorum); cibadmin --upgrade after the last node. Quorum: every "
                 "node's own corosync-quorumtool each second; a round counts when a majority said Quorate: Yes. "
                 "The serviced node says No of itself for a second or two while its corosync leaves and rejoins. "
                 "Out of cluster: a node's longest run of seconds without Quorate: Yes (download, unpack, restart, "
                 "20 s boot hold of the lab's fenced-boot unit, rejoin). Paths: site = the active-passive VIP + nginx, "
                 "lb = haproxy cloned on every node behind its VIP; GET every 0.2 s per path from this machine.",
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    print(json.dumps(result["seconds"]), json.dumps(result["failovers"]), json.dumps(result["met"]))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
