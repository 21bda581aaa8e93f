# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The judgement of a failover drill (pure): what was measured, against what was expected, and the invariants.

Part of the failover drill engine (docs/architecture.md lists the others).

- evaluate(drill, samples, probes, fences, ...) -> per service: measured recovery, the cluster's and the
                                                   client's view, the writes, the verdict; the invariants
                                                   of the drill; its timeline
- recovered(drill, services, status, ...)       -> whether a status shows every affected service running again
- probe_rows(rows, probe_services)              -> a client's lines per service
- probe_writes(summary, probe_services)         -> a database writer's read-back per service (its summary file)

Times are Unix seconds (floats). Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_observe import STALE_S, quorate_views
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_plan import NODE_DRILLS, NODE_FAULTS
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_services import clone_count, service_node, status_view
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_timeline import build_timeline


def evaluate(drill, services, samples, probes, fences, t_fault, t_end, expectations, threshold,
             fail_before=None, grace_s=None, fencing_enabled=True, writes=None):
    """Measure one drill from what was observed and judge it.

    samples: every node's samples (sample()); probes: {service: [{t, ok}]} of the client; fences:
    parse_fence_history(); t_fault / t_end: when the fault was injected and when the cluster had settled.
    writes: {service: {acknowledged, found, lost, lost_ids, error}} of a database writer (probe_writes()), a
    service missing or None when its read-back is not known; a service's probe is a writer when its lines
    carry "write".
    Returns {services: [...], invariants: [...], verdict} where each service row has expected_s, bound_s,
    cluster_s, client_s, measured_s, writes (write_counts(), None without a writer) and verdict (pass when
    measured <= expected * threshold); a writer adds the invariant no-acknowledged-write-lost.
    """
    by_name = dict((s["name"], s) for s in services)
    window = observation_window(drill, samples, t_fault, t_end)
    views = quorate_views(window, exclude=(drill["node"],) if drill["type"] in NODE_FAULTS else ())
    rows = []
    takeover = {}
    for name in drill["affected"]:
        svc = by_name[name]
        exp = expectations.get(name) or {"expected_s": 0.0, "bound_s": 0.0}
        if svc["kind"] == "active-active":
            cluster_s = _zero_span(svc, views)
        else:
            at = recovered_at(drill, svc, views, fail_before or {})
            cluster_s = None if at is None else round(at - t_fault, 2)
            takeover[name] = at
        client = probes.get(name) if probes else None
        client_s = _client_recovery(client, t_fault, t_end) if client is not None else None
        measured = [x for x in (cluster_s, client_s if client is not None else 0.0) if x is not None]
        recovered = cluster_s is not None and (client is None or client_s is not None)
        measured_s = max(measured) if recovered else None
        limit = round(exp["expected_s"] * float(threshold), 2)
        if not recovered:
            verdict, why = "fail", "did not run again before the cluster settled"
        elif measured_s <= limit:
            verdict, why = "pass", "within %g x expected" % threshold
        else:
            verdict, why = "fail", "%.1f s is over %g x the expected %.1f s" % (measured_s, threshold, exp["expected_s"])
        row = {"service": name, "kind": svc["kind"], "expected_s": exp["expected_s"], "bound_s": exp.get("bound_s"),
               "limit_s": limit, "cluster_s": cluster_s, "client_s": client_s, "measured_s": measured_s,
               "client_failures": len([p for p in client or [] if t_fault <= p["t"] <= t_end and not p["ok"]]),
               "writes": write_counts(client, (writes or {}).get(name)), "verdict": verdict, "why": why}
        rows.append(row)
    invariants = [
        _inv_one_node(services, window, t_fault),
        _inv_vip_once(services, window, t_fault),
        _inv_quorate_side(services, views, t_fault),
        _inv_no_service_without_quorum(services, window, grace_s if grace_s is not None else STALE_S, t_fault),
    ]
    if drill["type"] in NODE_FAULTS:
        invariants.append(_inv_victim(drill, services, window, fences, takeover, t_fault, t_end, fencing_enabled))
    if any(r["writes"] is not None for r in rows):
        invariants.append(_inv_no_write_lost(rows))
    failed = [r for r in rows if r["verdict"] != "pass"] + [i for i in invariants if i["ok"] is False]
    return {"services": rows, "invariants": invariants, "verdict": "fail" if failed else "pass",
            "samples": len(window), "nodes_sampled": sorted(set(s["node"] for s in window)),
            "timeline": build_timeline(drill, services, samples, probes, fences, t_fault, t_end, rows)}


def recovered(drill, services, status, fail_before):
    """Whether one status model (cluster_status.build_status) shows every service the drill affects running
    again the way the drill expects (recovered_at()), an active-active one on at least one node."""
    view = dict(status_view(status), t=0.0)
    by_name = dict((s["name"], s) for s in services)
    for name in drill["affected"]:
        svc = by_name[name]
        if svc["kind"] == "active-active":
            if clone_count(svc, view) == 0:
                return False
        elif recovered_at(drill, svc, [view], fail_before) is None:
            return False
    return True


def probe_rows(rows, probe_services):
    """{service: [rows]}: a client's lines (service_probe.py's, each with the probe's "name") per service;
    probe_services maps probe names to services, a line of another probe is left out."""
    out = {}
    for row in rows:
        svc = (probe_services or {}).get(row.get("name"))
        if svc:
            out.setdefault(svc, []).append(row)
    return out


def _writer_rows(rows):
    return [r for r in rows or [] if "write" in r]


def without_writes_s(rows):
    """The longest time without an acknowledged write in a writer's lines (the drill's whole record), in
    seconds: between two acknowledged writes, from the first request to the first and from the last to the
    last request (all of it when none was acknowledged); None without lines."""
    times = sorted(r["t"] for r in rows)
    if not times:
        return None
    acked = sorted(r["t"] for r in rows if r.get("ok") and r.get("write") is not None)
    points = [times[0]] + acked + [times[-1]]
    return round(max(b - a for a, b in zip(points, points[1:])), 2)


def write_counts(client, read_back):
    """A service's writes: {acknowledged, found, lost, lost_ids, without_writes_s, error} when its client wrote
    (lines with "write"), else None. acknowledged and the time without writes come from the lines; found and
    lost from the writer's read-back (probe_writes()), None when it is not known (no summary, the read-back
    failed): unknown, never 0 lost."""
    mine = _writer_rows(client)
    if not mine:
        return None
    acked = [r["write"] for r in mine if r.get("ok") and r.get("write") is not None]
    out = {"acknowledged": len(acked), "found": None, "lost": None, "lost_ids": [],
           "without_writes_s": without_writes_s(mine), "error": "no read-back: the client wrote no summary"}
    if read_back:
        out["error"] = read_back.get("error") or ("the read-back found nothing" if read_back.get("found") is None else None)
        if read_back.get("found") is not None and read_back.get("lost") is not None:
            out.update(acknowledged=max(len(acked), int(read_back.get("acknowledged") or 0)),
                       found=int(read_back["found"]), lost=int(read_back["lost"]),
                       lost_ids=list(read_back.get("lost_ids") or []), error=None)
    return out


def probe_writes(summary, probe_services):
    """{service: {acknowledged, found, lost, lost_ids, error}} from the client's summary file (service_probe.py's
    OUTFILE.summary.json: per probe name, "writes" for a writer); probe_services maps probe names to services.
    Two writers of one service add up (unknown when either is)."""
    out = {}
    for probe, entry in sorted((summary or {}).items()):
        svc = (probe_services or {}).get(probe)
        w = (entry or {}).get("writes") if isinstance(entry, dict) else None
        if not svc or not isinstance(w, dict):
            continue
        mine = {"acknowledged": int(w.get("acknowledged") or 0), "found": w.get("found"), "lost": w.get("lost"),
                "lost_ids": list(w.get("lost_ids") or []), "error": w.get("error")}
        have = out.get(svc)
        if have is not None:
            known = have["found"] is not None and mine["found"] is not None
            mine = {"acknowledged": have["acknowledged"] + mine["acknowledged"],
                    "found": have["found"] + mine["found"] if known else None,
                    "lost": have["lost"] + mine["lost"] if known else None,
                    "lost_ids": have["lost_ids"] + mine["lost_ids"], "error": have["error"] or mine["error"]}
        out[svc] = mine
    return out


def _inv_no_write_lost(rows):
    """Every write the database acknowledged (its COMMIT returned) is there afterwards."""
    title = "No acknowledged write was lost (the writer's rows read back through the VIP)"
    bad, unknown, fine = [], [], []
    for r in rows:
        w = r.get("writes")
        if w is None:
            continue
        if w["lost"] is None:
            unknown.append("%s: %d acknowledged, found and lost unknown (%s)" % (r["service"], w["acknowledged"], w["error"]))
        elif w["lost"] > 0:
            bad.append("%s: %d acknowledged, %d found, %d lost (ids %s%s); asynchronous replication loses what the "
                       "promoted standby had not received" % (
                           r["service"], w["acknowledged"], w["found"], w["lost"], ", ".join(str(i) for i in w["lost_ids"]),
                           ", ..." if w["lost"] > len(w["lost_ids"]) else ""))
        else:
            fine.append("%s: %d acknowledged, %d found, 0 lost" % (r["service"], w["acknowledged"], w["found"]))
    ok = False if bad else (None if unknown else True)
    return _inv("no-acknowledged-write-lost", title, ok, bad + unknown + fine)


def observation_window(drill, samples, t_fault, t_end):
    """The samples that belong to the drill: every node's from the fault to the settling, and a node's later
    ones up to its last sample (marked by the observer: begun after the role asked it to stop, which it does
    right after the settling). The driver saw the recovery before it settled; an observer that took its
    sample a moment before the driver's shows it only after that moment. The victim of a node fault keeps
    to the settling: its last sample may be taken after it was resumed, long after the drill."""
    victim = drill.get("node") if drill["type"] in NODE_FAULTS else None
    until = {}
    for s in samples:
        if s.get("last") and s["node"] != victim and s["t"] > t_end:
            until[s["node"]] = min(s["t"], until.get(s["node"], s["t"]))
    return [s for s in samples if t_fault <= s["t"] <= until.get(s["node"], t_end)]


def recovered_at(drill, svc, views, fail_before):
    """The time of the first view in which the service runs the way the drill expects it to, or None."""
    for v in views:
        where = service_node(svc, v)
        if where is None:
            continue
        kind = drill["type"]
        if kind == "move" and where != drill["to"]:
            continue
        if kind in NODE_DRILLS and where == drill["node"]:
            continue
        if kind == "kill_process" and (v.get("fail") or {}).get(drill["resource"], 0) <= fail_before.get(drill["resource"], 0):
            continue
        return v["t"]
    return None


def _zero_span(svc, views):
    """Longest time the quorate side saw no instance of an active-active service (0.0 when always one)."""
    longest, since = 0.0, None
    for v in views:
        if clone_count(svc, v) == 0:
            since = v["t"] if since is None else since
            longest = max(longest, v["t"] - since)
        else:
            since = None
    return round(longest, 2)


def _client_recovery(rows, t_fault, t_end):
    """Seconds from the fault until the client was answered again after its last failure (0.0 without
    failures), None when it was not answered again."""
    mine = sorted((r for r in rows if r["t"] >= t_fault), key=lambda r: r["t"])
    fails = [r["t"] for r in mine if not r["ok"] and r["t"] <= t_end]
    if not fails:
        return 0.0
    after = [r["t"] for r in mine if r["ok"] and r["t"] > fails[-1]]
    return round(after[0] - t_fault, 2) if after else None


def _at(t, t0):
    """A moment as seconds after the fault, as the report shows it."""
    return "+%.1f s" % (t - t0)


def _inv(inv_id, title, ok, detail):
    return {"id": inv_id, "title": title, "ok": ok, "detail": detail}


def _held(s, rid):
    """The nodes a sample shows a resource on, running or failed (a failed resource may still hold things)."""
    return list((s.get("rsc") or {}).get(rid) or []) + [n for n in (s.get("failed") or {}).get(rid) or []
                                                        if n not in ((s.get("rsc") or {}).get(rid) or [])]


def _inv_one_node(services, window, t0):
    bad = []
    for s in window:
        for svc in services:
            if svc["kind"] != "active-passive":
                continue
            for m in svc["resources"]:
                where = _held(s, m)
                if len(where) > 1:
                    bad.append("%s: %s saw %s active on %s" % (_at(s["t"], t0), s["node"], m, ", ".join(where)))
    return _inv("one-node-per-service", "Pacemaker never saw an active-passive resource on two nodes",
                not bad, bad[:5] or ["%d samples checked" % len(window)])


def _runs(window, node, vip):
    """The stretches in which a node's own samples show it holding an address: [[first, last], ...].
    A gap longer than STALE_S between two samples (the node was down or frozen) ends a stretch."""
    runs, cur, last = [], None, None
    for s in sorted((x for x in window if x["node"] == node), key=lambda x: x["t"]):
        has = vip in (s.get("vips") or [])
        if has and cur is not None and s["t"] - last <= STALE_S:
            cur[1] = s["t"]
        elif has:
            cur = [s["t"], s["t"]]
            runs.append(cur)
        else:
            cur = None
        last = s["t"]
    return runs


def _inv_vip_once(services, window, t0):
    """No two nodes held a VIP at the same moment: two nodes' stretches of holding it (each bounded by samples
    that saw it) overlap only when both were seen holding it across a common time."""
    vips = [a for svc in services if svc["kind"] == "active-passive" for a in svc["addresses"]]
    title = "Each VIP was configured on at most one node (every node's own addresses)"
    if not vips:
        return _inv("vip-on-one-node", title, None, ["no VIPs to check"])
    nodes = sorted(set(s["node"] for s in window))
    bad = []
    for vip in vips:
        runs = dict((n, _runs(window, n, vip)) for n in nodes)
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                for ra in runs[a]:
                    for rb in runs[b]:
                        lo, hi = max(ra[0], rb[0]), min(ra[1], rb[1])
                        if lo <= hi:
                            bad.append("%s on %s and %s from %s to %s" % (vip, a, b, _at(lo, t0), _at(hi, t0)))
    return _inv("vip-on-one-node", title, not bad,
                bad[:5] or ["%s checked on %d nodes" % (", ".join(vips), len(nodes))])


def _inv_quorate_side(services, views, t0):
    if not views:
        return _inv("quorate-side-runs-services", "The quorate side runs every active-passive service at the end",
                    False, ["no node with quorum was observed"])
    last = views[-1]
    missing = [svc["name"] for svc in services if svc["kind"] == "active-passive" and service_node(svc, last) is None]
    return _inv("quorate-side-runs-services", "The quorate side runs every active-passive service at the end",
                not missing, ["not running at %s (%s's view): %s" % (_at(last["t"], t0), last["node"], ", ".join(missing))]
                if missing else ["all run (%s's view at %s)" % (last["node"], _at(last["t"], t0))])


def _inv_no_service_without_quorum(services, window, grace_s, t0):
    """A node that lost quorum (or whose Pacemaker is down) holds no active-passive resource or VIP for
    longer than grace_s after it was first seen so."""
    ap = [svc for svc in services if svc["kind"] == "active-passive"]
    vips = set(a for svc in ap for a in svc["addresses"])
    members = set(m for svc in ap for m in svc["resources"])
    since = {}
    bad = []
    seen = set()
    for s in sorted(window, key=lambda x: x["t"]):
        node = s["node"]
        if s.get("up") and s.get("quorate"):
            since.pop(node, None)
            continue
        seen.add(node)
        start = since.setdefault(node, s["t"])
        holding = [a for a in s.get("vips") or [] if a in vips]
        if s.get("up"):
            holding += sorted(m for m in members if node in _held(s, m))
        if holding and s["t"] - start > grace_s:
            bad.append("%s: %s without quorum for %.1f s still holds %s" % (_at(s["t"], t0), node, s["t"] - start, ", ".join(holding)))
    detail = bad[:5] or (["%s without quorum let go within %.1f s" % (", ".join(sorted(seen)), grace_s)] if seen
                         else ["no node was seen without quorum"])
    return _inv("no-service-without-quorum", "A node without quorum stops its active-passive resources", not bad, detail)


def _inv_victim(drill, services, window, fences, takeover, t_fault, t_end, fencing_enabled):
    """The cut-off node was fenced, or was seen to let go of its resources, before anything it ran started
    elsewhere. A crashed node's own samples stop at the fault: only fencing proves it then."""
    victim = drill["node"]
    title = "The cut-off node was fenced or stopped its resources before a takeover"
    done = [f["completed"] for f in fences or [] if f.get("target") == victim and f.get("status") == "success"
            and f.get("completed") is not None and t_fault - 1 <= f["completed"] <= t_end + 1]
    fenced_at = min(done) if done else None
    ap = [svc for svc in services if svc["kind"] == "active-passive"]
    members = set(m for svc in ap for m in svc["resources"])
    vips = set(a for svc in ap for a in svc["addresses"])
    own = [s for s in window if s["node"] == victim and s["t"] > t_fault]
    held = [s["t"] for s in own if any(a in vips for a in s.get("vips") or []) or (
        s.get("up") and any(victim in _held(s, m) for m in members))]
    let_go = max(held) if held else t_fault
    times = [t for t in takeover.values() if t is not None]
    first = min(times) if times else None
    detail = ["fenced %.1f s after the fault" % (fenced_at - t_fault) if fenced_at is not None else "no fencing of %s recorded" % victim]
    if own:
        detail.append("its own samples: %d, the last holding a resource or VIP %s" % (
            len(own), "%.1f s after the fault" % (let_go - t_fault) if held else "none"))
    else:
        detail.append("no samples from it after the fault (down or frozen)")
    if first is None:
        detail.append("nothing was taken over")
        return _inv("victim-fenced-or-stopped", title, True if fenced_at is not None or own else None, detail)
    detail.append("first takeover %.1f s after the fault" % (first - t_fault))
    if fenced_at is not None and fenced_at <= first + 1.0:
        return _inv("victim-fenced-or-stopped", title, True, detail)
    if own and let_go < first:
        return _inv("victim-fenced-or-stopped", title, True, detail)
    if drill["type"] == "crash" and not own and not fencing_enabled:
        detail.append("no fence device: nothing but the crash itself stopped its resources")
        return _inv("victim-fenced-or-stopped", title, None, detail)
    return _inv("victim-fenced-or-stopped", title, False, detail)
