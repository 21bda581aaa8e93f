"""bench/dr: the geo scenario's sites measured (run by bench/dr/run.sh on a converged `geo` scenario).

Each round: a planned switchover there and back (booth_switchover.yml: the playbook's wall time and its own
stopped/running times); the crash of the site that holds the ticket (every node killed) until the other site holds
it and runs the service, against the ticket's bound (module_utils/booth.failover_bound); a partition of the holder
(its WAN interface dropped) until the other site holds it. Every sample of both sites is checked: never the ticket or
the service at both at once. After the rounds, site A is lost for good (its containers removed), blank containers take
their place and playbooks/reassemble.yml rebuilds it from its snapshots (the wall time of the run; the scenario's
test_reassemble.py is the proof, this is the figure). Writes the JSON given as the first argument.
"""

import json
import os
import re
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "molecule", "geo", "tests"))
import test_geo as g  # noqa: E402  pylint: disable=wrong-import-position
import test_reassemble as r  # noqa: E402  pylint: disable=wrong-import-position

OTHER = {"site-a": "site-b", "site-b": "site-a"}
_MOVED = re.compile(r"moved from \S+ to \S+ in ([0-9.]+) s: its services stopped\s+([0-9.]+) s after\s+the revoke and "
                    r"ran again\s+([0-9.]+) s after\s+the grant")


def holder():
    for site in g.SITES:
        if g.site_view(site)["granted"]:
            return site
    return None


def switchover(to):
    t = time.time()
    rc, out = g.run_playbook("booth_switchover.yml", {"booth_switchover_ticket": g.TICKET, "booth_switchover_to": to},
                             timeout=400)
    wall = time.time() - t
    if rc != 0:
        raise RuntimeError("booth_switchover.yml to %s failed: %s" % (to, out[-2000:]))
    m = _MOVED.search(" ".join(out.split()))
    return {"to": to, "playbook_s": round(wall, 1), "move_s": float(m.group(1)) if m else None,
            "stopped_s": float(m.group(2)) if m else None, "running_s": float(m.group(3)) if m else None}


def wait_taken_over(site, both, timeout):
    other = OTHER[site]

    def done():
        a, b = g.sample_both(both)
        view = {"site-a": a, "site-b": b}[other]
        return view["granted"] and len(view["service"]) == 1

    g.wait("%s to hold the ticket" % other, done, timeout=timeout, interval=1)


def crash(bound):
    site = holder()
    both = []
    t = time.time()
    g.docker("kill", *g.SITES[site])
    try:
        wait_taken_over(site, both, bound + 90)
        took = time.time() - t
    finally:
        g.docker("start", *g.SITES[site])

    def back():
        v = g.site_view(site)
        g.sample_both(both)
        return v["online"] == g.SITES[site] and len(v["booth"]) == 1 and v["granted"] is False

    g.wait("%s back" % site, back, timeout=300, interval=2)
    return {"site": site, "taken_over_s": round(took, 1), "bound_s": bound, "ratio": round(took / bound, 2),
            "both_at_once": len(both)}


def partition(bound):
    site = holder()
    both = []
    t = time.time()
    for node in g.SITES[site]:
        rc, out = g.sh(node, g.CUT)
        if rc != 0:
            raise RuntimeError("cannot cut %s off: %s" % (node, out))
    try:
        wait_taken_over(site, both, bound + 90)
        took = time.time() - t
    finally:
        for node in g.SITES[site]:
            g.sh(node, "nft delete table inet geo_cut")
    g.wait("%s's booth to see the new holder" % site,
           lambda: g.leader_seen_by(g.booth_node(site)) == g.ADDRESS[OTHER[site]], timeout=120, interval=2)
    return {"site": site, "taken_over_s": round(took, 1), "bound_s": bound, "ratio": round(took / bound, 2),
            "both_at_once": len(both)}


def reassembly(site="site-a"):
    """Site A lost for good and rebuilt from its snapshots on blank containers: the reassembly's wall time."""
    both = []
    specs = r.lose_for_good(site)
    wait_taken_over(site, both, 300)
    for node in g.SITES[site]:
        r.start_blank(node, specs[node])
    rc, out, took = r.reassemble(site, tempfile.mkdtemp(prefix="drbench-health-"))
    if rc != 0:
        print(out[-4000:], flush=True)
    for __ in range(5):
        g.sample_both(both)
        time.sleep(1)
    return {"site": site, "rc": rc, "reassemble_s": round(took, 1), "both_at_once": len(both)}


def main():
    out_path = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    bound = g.booth.failover_bound(g.TICKET_SETTINGS)
    runs = {"switchover": [], "site_crash": [], "partition": []}
    for i in range(rounds):
        start = holder()
        print("round %d: the ticket at %s" % (i + 1, start), flush=True)
        runs["switchover"].append(switchover(OTHER[start]))
        runs["switchover"].append(switchover(start))
        runs["site_crash"].append(crash(bound))
        runs["partition"].append(partition(bound))
        print("round %d: %s" % (i + 1, json.dumps({k: v[-1] for k, v in runs.items()})), flush=True)
    rebuilt = reassembly()
    print("reassembly: %s" % json.dumps(rebuilt), flush=True)

    def stats(values):
        values = [v for v in values if v is not None]
        return {"min": min(values), "max": max(values), "mean": round(sum(values) / len(values), 1)} if values else None

    result = {
        "ticket": dict(g.TICKET_SETTINGS, name=g.TICKET),
        "failover_bound_s": bound,
        "rounds": rounds,
        "switchover_playbook_s": stats([r["playbook_s"] for r in runs["switchover"]]),
        "switchover_move_s": stats([r["move_s"] for r in runs["switchover"]]),
        "site_crash_taken_over_s": stats([r["taken_over_s"] for r in runs["site_crash"]]),
        "site_crash_ratio_to_bound": stats([r["ratio"] for r in runs["site_crash"]]),
        "partition_taken_over_s": stats([r["taken_over_s"] for r in runs["partition"]]),
        "partition_ratio_to_bound": stats([r["ratio"] for r in runs["partition"]]),
        "reassembly_of_a_2_node_site": rebuilt,
        "samples_with_both_sites": sum(run["both_at_once"] for run in runs["site_crash"] + runs["partition"])
        + rebuilt["both_at_once"],
        "runs": runs,
    }
    with open(out_path, "w") as f:
        f.write(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0 if result["samples_with_both_sites"] == 0 and rebuilt["rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
