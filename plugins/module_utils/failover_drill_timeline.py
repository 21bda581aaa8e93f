# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The timeline of a failover drill (pure): what happened, as lanes of spans and marks for timeline.render_svg().

Part of the failover drill engine (docs/architecture.md lists the others).

- build_timeline(drill, services, samples, ...) -> a lane per node, per affected service and per client probe,
                                                   and the marks (fault, noticed, fencing, recovery, expected,
                                                   limit, settled), times relative to the fault

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils import timeline
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_observe import STALE_S, quorate_views
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_plan import NODE_FAULTS
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_services import clone_nodes, service_node


def build_timeline(drill, services, samples, probes, fences, t_fault, t_end, rows, margin_s=5.0):
    """What happened, as a timeline for timeline.render_svg(): a lane per node (its own view: quorate, without
    quorum, stack down, silent; a red band while the quorate side does not count it a member), a lane per
    affected service (where it runs, as the quorate side sees it), a lane per client probe (answered or not),
    and marks for the fault, when the cluster noticed, fencing, recovery, the expected and limit times and
    the settling. Times relative to the fault. rows: evaluate()'s per-service rows."""
    by_name = dict((s["name"], s) for s in services)
    start = t_fault - margin_s
    end = t_end + margin_s
    mine = sorted((s for s in samples if start <= s["t"] <= end), key=lambda s: s["t"])
    if mine:
        start = min(t_fault, max(start, mine[0]["t"]))
        end = min(end, max(mine[-1]["t"], t_end))

    def rel(t):
        return round(t - t_fault, 2)

    end_s = rel(end) if end > start else rel(start) + 1.0
    # the lanes end where the observation ended; a node is silent only while others still speak
    seen_s = min(end_s, rel(mine[-1]["t"])) if mine else end_s
    nodes = sorted(set(s["node"] for s in mine) | set([drill["node"]] if drill.get("node") else []))
    lanes, marks = [], [{"s": 0.0, "kind": "fault", "label": "fault: %s" % (drill.get("description") or drill["type"])}]
    noticed = None
    for n in nodes:
        own = [s for s in mine if s["node"] == n]
        gaps = [b["t"] - a["t"] for a, b in zip(own, own[1:])]
        interval = sorted(gaps)[len(gaps) // 2] if gaps else 0.5
        pts = []
        last = start
        for s in own:
            if s["t"] - last > STALE_S:
                pts.append((rel(last + interval), "silent", None))
            pts.append((rel(s["t"]), "stack-down" if not s.get("up") else
                        ("quorate" if s.get("quorate") else "no-quorum"), None))
            last = s["t"]
        if rel(last) + STALE_S < seen_s:
            pts.append((rel(last + interval), "silent", None))
        lane = {"group": "node", "name": n, "spans": timeline.spans(pts, seen_s)}
        # the band: not a member in the quorate side's view (the latest view of any other node, as the
        # service lanes read it)
        band = []
        for v in quorate_views(mine, exclude=(n,)):
            out = n not in (v.get("online") or [])
            band.append((rel(v["t"]), "out" if out else None, None))
            if out and noticed is None and n == drill.get("node") and v["t"] >= t_fault:
                noticed = rel(v["t"])
        for sp in timeline.spans(band, seen_s):
            sp["band"] = True
            lane["spans"].append(sp)
        lanes.append(lane)
    if noticed is not None:
        marks.append({"s": noticed, "kind": "noticed", "label": "the quorate side counts %s out" % drill["node"]})
    exclude = (drill["node"],) if drill["type"] in NODE_FAULTS else ()
    views = quorate_views(mine, exclude=exclude)
    for name in drill.get("affected") or []:
        svc = by_name.get(name)
        if svc is None:
            continue
        pts = []
        if svc["kind"] == "active-active":
            full = max([len(clone_nodes(svc, v)) for v in views if v["t"] < t_fault] or [0])
            for v in views:
                on = sorted(clone_nodes(svc, v))
                kind = "stopped" if not on else ("runs" if len(on) >= full else "degraded")
                pts.append((rel(v["t"]), kind, ", ".join(on) or None))
        else:
            for v in views:
                where = service_node(svc, v)
                pts.append((rel(v["t"]), "runs" if where else "stopped", where))
        lanes.append({"group": "service", "name": name, "spans": timeline.spans(pts, seen_s)})
        client = (probes or {}).get(name)
        if client is not None:
            cpts = [(rel(r["t"]), "answered" if r["ok"] else "refused", (r.get("node") or None) if r["ok"] else None)
                    for r in sorted(client, key=lambda r: r["t"]) if start <= r["t"] <= end]
            lanes.append({"group": "client", "name": "client of %s" % name, "spans": timeline.spans(cpts, seen_s)})
    for f in fences or []:
        if f.get("completed") is not None and start <= f["completed"] <= end:
            marks.append({"s": rel(f["completed"]), "kind": "fence",
                          "label": "fencing %s of %s: %s" % (f.get("action") or "-", f.get("target") or "-",
                                                             f.get("status") or "-")})
    for r in rows or []:
        if r.get("cluster_s") is not None and r.get("kind") != "active-active":  # a clone's is a length of time
            marks.append({"s": r["cluster_s"], "kind": "recovered", "label": "%s runs again (cluster's view)" % r["service"]})
        if r.get("client_s"):
            marks.append({"s": r["client_s"], "kind": "client", "label": "client of %s answered again" % r["service"]})
        if r.get("expected_s"):
            marks.append({"s": r["expected_s"], "kind": "expected", "label": "expected for %s: %.1f s" % (
                r["service"], r["expected_s"])})
        if r.get("limit_s"):
            marks.append({"s": r["limit_s"], "kind": "limit", "label": "limit for %s: %.1f s" % (r["service"], r["limit_s"])})
    marks.append({"s": rel(t_end), "kind": "settled", "label": "the cluster settled"})
    # the expected and limit lines stay in the picture even when the cluster was quicker
    end_s = max([end_s, rel(start) + 1.0] + [m["s"] + 1.0 for m in marks if m["kind"] in ("expected", "limit")])
    title = "%s: %s" % (drill["id"], drill.get("description") or drill["type"])
    return {"title": title, "t0": t_fault, "start_s": rel(start), "end_s": round(end_s, 2), "lanes": lanes,
            "marks": [m for m in marks if rel(start) <= m["s"] <= end_s]}
