"""bench/failover: bench/results/failover.json from the cases run.sh ran and the drill reports they wrote.

Usage: python3 summarise.py OUT CASES_JSONL TOTAL_S NOTE
CASES_JSONL has one line per case: {case, extra_vars, token_ms, consensus_ms, deploy_s, runs: [{report, rc, wall_s}]}.
"""
import datetime
import json
import os
import sys

FIELDS = ("expected_s", "limit_s", "cluster_s", "client_s", "client_failures", "verdict")


def drill_rows(report):
    rows = []
    for d in report.get("drills", []):
        result = d.get("result") or {}
        failed_invariants = [i.get("id") for i in result.get("invariants", []) if not i.get("ok")]
        for s in result.get("services", []):
            row = {"id": d.get("id"), "type": d.get("type"), "node": d.get("node"), "service": s.get("service")}
            row.update({k: s.get(k) for k in FIELDS})
            row["settled_s"] = d.get("settled_s")
            row["measured_s"] = s.get("measured_s")
            row["drill_verdict"] = result.get("verdict")
            row["failed_invariants"] = failed_invariants
            row["fences"] = len(d.get("fences") or [])
            if d.get("error"):
                row["error"] = d.get("error")
            rows.append(row)
        if not result.get("services"):
            rows.append({"id": d.get("id"), "type": d.get("type"), "node": d.get("node"), "service": None,
                         "settled_s": d.get("settled_s"), "drill_verdict": result.get("verdict"),
                         "failed_invariants": failed_invariants, "error": d.get("error")})
    return rows


def fmt(v):
    return "-" if v is None else ("%.2f" % v if isinstance(v, float) else str(v))


def main():
    out, cases_file, total, note = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
    cases, summary = {}, []
    for line in open(cases_file):
        c = json.loads(line)
        runs = []
        for run in c["runs"]:
            report = json.load(open(run["report"]))
            runs.append({"report": os.path.relpath(run["report"], os.getcwd()), "rc": run["rc"], "wall_s": run["wall_s"],
                         "verdict": report.get("verdict"), "timing": report.get("timing"),
                         "drills": drill_rows(report)})
        cases[c["case"]] = {"extra_vars": c["extra_vars"], "token_ms": c["token_ms"], "consensus_ms": c["consensus_ms"],
                            "deploy_s": c["deploy_s"], "runs": runs}
        # One line per drill type: expected vs measured, site-vip row, every run.
        types = []
        for run in runs:
            for r in run["drills"]:
                if r["type"] not in types:
                    types.append(r["type"])
        for t in types:
            site = [r for run in runs for r in run["drills"] if r["type"] == t and r["service"] == "site-vip"]
            if not site:
                summary.append("%s %-12s site-vip not affected" % (c["case"], t))
                continue
            parts = ["measured %s s (cluster %s, client %s, %s failed requests) %s%s" % (
                fmt(r["measured_s"]), fmt(r["cluster_s"]), fmt(r["client_s"]), fmt(r["client_failures"]), r["verdict"],
                "" if r["drill_verdict"] == r["verdict"] else " (drill %s%s)" % (
                    r["drill_verdict"], ": " + ",".join(r["failed_invariants"]) if r["failed_invariants"] else ""))
                for r in site]
            summary.append("%s %-12s expected %s s (limit %s): %s" % (
                c["case"], t, fmt(site[0]["expected_s"]), fmt(site[0]["limit_s"]), "; ".join(parts)))
    result = {
        "bench": "failover",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "loadavg_at_end": open("/proc/loadavg").read().split()[:3], "note": note},
        "how": "bash bench/failover/run.sh",
        "total_s": round(total, 1),
        "notes": "3 lab nodes with the lab's services (lab/group_vars/cluster.yml) and real fencing (fence_docker). "
                 "Per case, fresh nodes and playbooks/site.yml, then playbooks/failover_drill.yml with the lab's six drills "
                 "(-e failover_drill_fail_on_verdict=false). Each row is one service of one drill from the drill role's report: "
                 "expected_s is the role's forecast from the cluster's settings, limit_s = threshold x expected, cluster_s when "
                 "Pacemaker ran the service again, client_s the outage seen by the HTTP probe on the controller (every 0.2 s), "
                 "settled_s when the cluster settled. token_ms/consensus_ms are corosync-cmapctl's runtime.config.totem values. "
                 "The full reports are in .build/fobench/ (not committed).",
        "cases": cases,
        "summary": summary,
    }
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
