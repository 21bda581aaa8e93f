# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rolling-update planner of clusterops.ha (pure: status model and reports in, decisions out).

A rolling update services one node at a time, passive nodes first. Everything here reads the
status model of cluster_status.build_status() and, for the gate, the report of health.run_checks():

- node_roles(status)             -> what each node hosts: active-passive services, promoted
                                    instances, clone instances (stonith devices listed apart)
- plan(status, nodes, ...)       -> the order, with the reason for each node's place, and the nodes
                                    skipped because they are up to date
- gate(status, report, ...)      -> why the run must not go on (empty when it may)
- quorum_margin(status, node)    -> whether the rest keep quorum while this node is out
- with_standby(cib_root, node)    -> the CIB with the node in standby, for crm_simulate: the gate asks
                                    Pacemaker's own scheduler where the node's services would go
- handover(status, node, hosted) -> after the node's standby: what it still hosts, and which of the
                                    services it hosted run on no other node (a stopped service, or a
                                    promotion that did not happen elsewhere: the drain must not pass)
- pacemaker3_refusal(pending)    -> why a move to Pacemaker 3.0 must not start (None when it may)
- schema_upgrade(versions, ...)  -> whether the CIB's schema moves to 4.0 (every node on Pacemaker 3)
- summarize(events), build_timeline(events), render_markdown(report)
                                 -> the run's report from the moments the role recorded

A node holding a promoted instance (a replicated database's primary) comes after every other node: its
services move by a switchover (Pacemaker demotes it and promotes a standby elsewhere), the costliest move.

"Active" means a node runs an instance the service cannot do without: a resource outside any clone
or bundle (an active-passive service, a VIP), or the promoted instance of a promotable clone.
Unpromoted and ordinary clone instances run everywhere by design and do not make a node active.
Fencing devices move at no cost to the service and never make a node active.

A run marks the node it works on with a permanent node attribute (MARKER_ATTRIBUTE); a node left
in standby by an interrupted run carries it, so the gate lets it pass and the plan takes it first:
that is how a second run resumes. Standard library only, Python 3.8 syntax at most.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils import timeline
from ansible_collections.clusterops.ha.plugins.module_utils.validate import shape

# Permanent node attribute set on the node being serviced; its value is the phase it reached.
MARKER_ATTRIBUTE = "clusterops-rolling-update"
PHASES = ("standby", "stopped", "updated", "started", "online")

# Health checks that stop a rolling update besides the critical ones: a failed resource or a
# leftover move/ban would send services to the wrong place while nodes go in and out of standby.
GATE_CHECKS = ("failed-actions", "leftover-bans", "nodes-maintenance", "maintenance-mode", "unmanaged-blocked")
# The checks a marked (interrupted) node is allowed to fail: it is in standby on purpose, and offline
# when the run stopped while its stack was down.
_MARKED_EXEMPT = ("nodes-standby", "nodes-online")

FAILBACK_POLICIES = ("none", "preferred")

# Packages of the cluster stack (fnmatch-like prefixes): updating one means the stack is stopped on
# the node first, so Pacemaker and Corosync restart on the new code, never under a running cluster.
STACK_PACKAGES = ("corosync", "libcorosync", "libcfg", "libcmap", "libcpg", "libquorum", "libsam", "libvotequorum",
                  "pacemaker", "libpacemaker", "libcib", "libcrmcommon", "libcrmcluster", "libcrmservice",
                  "liblrmd", "libpe-", "libstonithd", "libknet", "libnozzle", "libqb", "resource-agents",
                  "fence-agents", "pcs", "crmsh", "sbd", "libc6", "libsystemd", "systemd")

_APT_INST = re.compile(r"^Inst (?P<name>\S+)(?: \[(?P<old>[^\]]*)\])? \((?P<new>\S+)(?: (?P<origin>[^\[]*?))?(?: \[(?P<arch>[^\]]*)\])?\)")


def _is_stonith(agent):
    return bool(agent) and str(agent).startswith("stonith:")


def node_roles(status):
    """{node: {active: [ids], promoted: [ids], clones: [ids], fencing: [ids]}} for every known node.

    Ids are the top-level service names: a group's id for its members, a clone's id for its
    instances, the primitive's own id otherwise.
    """
    roles = {}
    for n in status.get("nodes") or []:
        if n.get("type") == "ping":
            continue
        roles[n["name"]] = {"active": [], "promoted": [], "clones": [], "fencing": []}
    parents = status.get("parents_by_id") or {}

    def top(rid, parent):
        seen = set()
        while parent is not None and parent not in seen:
            seen.add(parent)
            rid = parent
            parent = (parents.get(parent) or {}).get("parent")
        return rid

    for r in status.get("resources") or []:
        if not r.get("active"):
            continue
        name = top(r["id"], r.get("parent"))
        if _is_stonith(r.get("agent")):
            kind = "fencing"
        elif r.get("clone") or r.get("bundle"):
            kind = "promoted" if r.get("promotable") and r.get("role") == "Promoted" else "clones"
        else:
            kind = "active"
        for node in r.get("nodes") or []:
            entry = roles.setdefault(node, {"active": [], "promoted": [], "clones": [], "fencing": []})
            if name not in entry[kind]:
                entry[kind].append(name)
    return roles


def with_standby(root, node):
    """A copy of the CIB (an ElementTree root) with node in standby, as ``crm_attribute --name standby --update on
    --lifetime forever`` would leave it; None when the CIB's nodes section does not list the node."""
    out = copy.deepcopy(root)
    section = out.find("configuration/nodes")
    for n in ([] if section is None else section.findall("node")):
        if n.get("uname") != node or n.get("id") is None:
            continue
        attrs = n.find("instance_attributes")
        if attrs is None:
            attrs = ET.SubElement(n, "instance_attributes", {"id": "nodes-%s" % n.get("id")})
        for nv in attrs.findall("nvpair"):
            if nv.get("name") == "standby":
                nv.set("value", "on")
                return out
        ET.SubElement(attrs, "nvpair", {"id": "nodes-%s-standby" % n.get("id"), "name": "standby", "value": "on"})
        return out
    return None


def handover(status, node, hosted):
    """Where a node in standby stands with the services it hosted before (hosted: its node_roles() entry
    then, {active, promoted}): {busy: [...], missing: [...]}.

    busy lists what the node still hosts (active-passive services, and promoted instances as
    'id (promoted)'); missing lists what it hosted that no other node runs now: an active-passive service
    active nowhere else, a promotable clone promoted nowhere else (a database without a primary: the
    standby was not promoted, PAF refused the promotion). The drain is complete only when both are empty;
    a node whose services stopped instead of moving must not be updated as if they had moved.
    """
    roles = node_roles(status)
    mine = roles.get(node) or {}
    busy = list(mine.get("active") or []) + ["%s (promoted)" % p for p in mine.get("promoted") or []]
    others = [r for n, r in roles.items() if n != node]
    missing = []
    for rid in (hosted or {}).get("active") or []:
        if not any(rid in (r.get("active") or []) for r in others):
            missing.append(rid)
    for rid in (hosted or {}).get("promoted") or []:
        if not any(rid in (r.get("promoted") or []) for r in others):
            missing.append("%s (promoted)" % rid)
    return {"busy": busy, "missing": missing}


def _marker(status, node):
    attrs = (status.get("node_attributes") or {}).get(node) or {}
    value = attrs.get(MARKER_ATTRIBUTE)
    return value if value not in (None, "") else None


def plan(status, nodes, up_to_date=None, markers=None, preferred=None):
    """The order in which to service the nodes.

    nodes: the cluster's nodes as the caller knows them (inventory order breaks ties).
    up_to_date: {node: True} for nodes with nothing to apply; they are skipped (unless marked).
    markers: {node: phase} of an interrupted run (default: read from the status model's node
    attributes); a marked node goes first so the run resumes where it stopped.
    preferred: the node services return to at the end (failback policy "preferred"), or None.

    Returns {order: [{node, reason, active, promoted, resume}], skip: [{node, reason}],
    active_nodes, passive_nodes, preferred}.
    """
    up_to_date = dict(up_to_date or {})
    roles = node_roles(status)
    if markers is None:
        markers = dict((n, _marker(status, n)) for n in nodes)
    markers = dict((n, p) for n, p in (markers or {}).items() if p)
    index = dict((n, i) for i, n in enumerate(nodes))

    def hosted(node):
        r = roles.get(node) or {}
        return list(r.get("active") or []), list(r.get("promoted") or [])

    order, skip, active_nodes, passive_nodes = [], [], [], []
    for node in nodes:
        active, promoted = hosted(node)
        (active_nodes if active or promoted else passive_nodes).append(node)
        if up_to_date.get(node) and node not in markers:
            skip.append({"node": node, "reason": "up to date"})
            continue
        if node in markers:
            reason = "resumes: an earlier run stopped at phase '%s' on this node" % markers[node]
        elif promoted:
            reason = "hosts %s: serviced last, by a switchover (a promotion elsewhere first)" % ", ".join(
                active + ["%s (promoted)" % p for p in promoted])
        elif active:
            reason = "hosts %s: serviced after the passive nodes" % ", ".join(active)
        else:
            reason = "hosts no active or promoted instance"
        order.append({"node": node, "reason": reason, "active": active, "promoted": promoted,
                      "resume": node in markers})

    # Resumed first; then passive nodes, nodes with active-passive services, and last the nodes holding a
    # promoted instance (a database primary: its switchover is the costliest move), fewest services first.
    def key(item):
        weight = len(item["active"]) + len(item["promoted"])
        tier = 2 if item["promoted"] else (1 if weight else 0)
        return (0 if item["resume"] else 1, tier, weight, index[item["node"]])

    order.sort(key=key)
    if preferred is not None and preferred not in index:
        raise ValueError("preferred node %s is not one of the nodes: %s" % (preferred, ", ".join(nodes)))
    return {"order": order, "skip": skip, "active_nodes": active_nodes, "passive_nodes": passive_nodes,
            "preferred": preferred}


def quorum_margin(status, node, votes_per_node=1):
    """(ok, reason): do the other members keep quorum while node is out?"""
    q = status.get("quorum") or {}
    total, needed = q.get("total_votes"), q.get("quorum")
    if total is None or needed is None:
        return False, "the quorum votes are unknown (is corosync running?)"
    members = [m.get("name") for m in q.get("members") or []]
    votes = votes_per_node if (not members or node in members) else 0
    for m in q.get("members") or []:
        if m.get("name") == node and m.get("votes") is not None:
            votes = int(m["votes"])
    left = int(total) - votes
    if left < int(needed):
        return False, "without %s the cluster has %d of %d votes needed: it would lose quorum" % (node, left, int(needed))
    return True, "without %s: %d votes, %d needed" % (node, left, int(needed))


def gate(status, report, expected_nodes=None, marked=None):
    """Why a rolling update must not go on now; an empty list means it may.

    report: health.run_checks() output. Every critical check and GATE_CHECKS must pass (a skipped
    check blocks too: the gate does not pass on missing data). A node of `marked` (an interrupted
    run's node, deliberately in standby) may fail nodes-standby and nothing else.
    """
    marked = list(marked or [])
    reasons = []
    for c in report.get("checks") or []:
        blocking = c.get("severity") == "critical" or c.get("id") in GATE_CHECKS
        if not blocking and c.get("id") not in _MARKED_EXEMPT:
            continue
        if c.get("status") == "pass":
            continue
        if c.get("status") == "skip" and not blocking:
            continue
        if c.get("id") in _MARKED_EXEMPT:
            others = [o for o in c.get("objects") or [] if o not in marked]
            if c.get("status") == "fail" and others:
                reasons.append("%s: %s (only a node an earlier run left behind may be)" % (c["id"], c.get("message")))
            continue
        verb = "could not be checked" if c.get("status") == "skip" else "failed"
        reasons.append("%s %s: %s" % (c["id"], verb, c.get("message")))
    online = set(status.get("nodes_online") or [])
    missing = [n for n in (expected_nodes or []) if n not in online and n not in marked]
    if missing and not any(r.startswith("nodes-online") for r in reasons):
        reasons.append("nodes-online: not online: %s" % ", ".join(missing))
    if status.get("settled") is not True:
        reasons.append("the cluster has not settled (pending actions or a busy DC)")
    return reasons


def describe(plan_result):
    """The plan as lines for people: one per node in order, then the skipped ones."""
    lines = []
    for i, item in enumerate(plan_result["order"], 1):
        lines.append("%d. %s: %s" % (i, item["node"], item["reason"]))
    for item in plan_result["skip"]:
        lines.append("-  %s: skipped, %s" % (item["node"], item["reason"]))
    if plan_result.get("preferred"):
        lines.append("failback: services return to %s at the end" % plan_result["preferred"])
    else:
        lines.append("failback: none, services stay where the last move put them")
    return lines


def parse_apt_simulate(text):
    """``apt-get -s dist-upgrade`` -> [{name, old, new, origin, arch}], one per package it would install.

    old is None for a package that is new on the node. Other lines (Conf, Remv, the summary) are ignored.
    """
    out = []
    for line in (text or "").splitlines():
        m = _APT_INST.match(line.strip())
        if m:
            out.append({"name": m.group("name"), "old": m.group("old"), "new": m.group("new"),
                        "origin": (m.group("origin") or "").strip() or None, "arch": m.group("arch")})
    return out


# The packages whose major version is a release of the stack with its own upgrade rules.
MAJOR_WATCHED = ("pacemaker", "corosync", "pcs", "crmsh")


def _upstream_major(version):
    """2 of "2.1.5-1+deb12u1", 3 of "1:3.0.0-2"; None when the version has no leading number."""
    m = re.match(r"^(?:\d+:)?(\d+)", version or "")
    return int(m.group(1)) if m else None


def major_changes(packages):
    """The pending updates (parse_apt_simulate()) of MAJOR_WATCHED that change the upstream major version:
    [{name, old, new, old_major, new_major}]. A package new on the node is not a change."""
    out = []
    for p in packages or []:
        if p.get("name") not in MAJOR_WATCHED or not p.get("old"):
            continue
        old, new = _upstream_major(p["old"]), _upstream_major(p["new"])
        if old is not None and new is not None and old != new:
            out.append({"name": p["name"], "old": p["old"], "new": p["new"], "old_major": old, "new_major": new})
    return out


def to_pacemaker3(packages):
    """Whether the pending updates move Pacemaker from 2.x to 3.x (Debian 12 to 13)."""
    return any(c["name"] == "pacemaker" and c["old_major"] < 3 <= c["new_major"] for c in major_changes(packages))


# The data the plan's refusal reads from an earlier step (validate.shape): each node's action=pending result.
PENDING_SHAPE = {"*": {"pacemaker3?": [{"object": "str", "message": "str"}]}}


def pending_errors(pending_by_node):
    """Messages for pending results pacemaker3_refusal cannot read, naming the node and the key."""
    return shape(pending_by_node, PENDING_SHAPE, "pending")


def pacemaker3_refusal(pending_by_node):
    """Why the plan must refuse a move to Pacemaker 3.0, or None when it may go on.

    pending_by_node is {node: the rolling_update module's action=pending result}. A node whose result
    carries a readiness list (key pacemaker3, not None) is moving to 3.0; the list is the CIB's forms
    3.0 drops or refuses (pcmk3.findings; one CIB, so the first list is the cluster's). Returns
    {moving: [nodes], not_ready: [findings], message} or None."""
    moving = sorted(n for n, p in (pending_by_node or {}).items() if (p or {}).get("pacemaker3") is not None)
    if not moving:
        return None
    not_ready = list(pending_by_node[moving[0]]["pacemaker3"])
    if not not_ready:
        return None
    message = ("The pending updates move Pacemaker to 3.0 (%s), and the CIB holds %d form(s) Pacemaker 3.0 drops "
               "or refuses; no node was touched. %s. See them with their replacements: ansible <cluster> -m "
               "clusterops.ha.cib -a pacemaker3_fixes=true --check --diff (without --check it makes the replacements "
               "that keep the meaning, in one transaction); the health check pacemaker3-ready lists what needs a person."
               % (", ".join(moving), len(not_ready), "; ".join(f.get("message", "") for f in not_ready)))
    return {"moving": moving, "not_ready": not_ready, "message": message}


_SCHEMA = re.compile(r"^pacemaker-(\d+)\.(\d+)$")
# The first schema major only Pacemaker 3 reads: the CIB moves to it once every node runs 3.x.
PACEMAKER3_SCHEMA_MAJOR = 4


def schema_upgrade(versions, validate_with):
    """Whether the CIB's schema is upgraded now, after a move to Pacemaker 3: {upgrade, reason}.

    versions is {node: Pacemaker version ("3.0.0"), None when unknown}; validate_with the CIB's
    validate-with. Upgraded only when every node runs 3.x (2.1 nodes cannot read the 4.0 schema) and
    the schema is a numbered one below pacemaker-4.0."""
    m = _SCHEMA.match(validate_with or "")
    if not m:
        return {"upgrade": False, "reason": "validate-with=%s is not a numbered schema: left as it is" % validate_with}
    if int(m.group(1)) >= PACEMAKER3_SCHEMA_MAJOR:
        return {"upgrade": False, "reason": "the CIB already validates with %s" % validate_with}
    if not versions:
        return {"upgrade": False, "reason": "no node's Pacemaker version is known"}
    unknown = sorted(n for n, v in versions.items() if _upstream_major(v) is None)
    if unknown:
        return {"upgrade": False, "reason": "the Pacemaker version of %s is unknown" % ", ".join(unknown)}
    older = sorted("%s (%s)" % (n, v) for n, v in versions.items() if _upstream_major(v) < 3)
    if older:
        return {"upgrade": False, "reason": "%s still run(s) Pacemaker 2; the schema stays %s" % (", ".join(older), validate_with)}
    return {"upgrade": True, "reason": "every node runs Pacemaker 3 and the CIB validates with %s" % validate_with}


def touches_stack(names):
    """The package names of `names` that belong to the cluster stack (see STACK_PACKAGES)."""
    return [n for n in names if any(n == p or n.startswith(p) for p in STACK_PACKAGES)]


def serving(status):
    """Where each active-passive service and promoted instance runs, as lines ("lb on node3"); clones and
    fencing devices are left out. A service that runs nowhere says so."""
    where = where_from_roles(dict((node, {"active": r["active"], "promoted": r["promoted"]})
                                  for node, r in node_roles(status).items()))
    parents = status.get("parents_by_id") or {}
    for rid, agg in sorted((status.get("resources_by_id") or {}).items()):
        if agg.get("clone") or agg.get("bundle") or _is_stonith(agg.get("agent")):
            continue
        name = agg.get("group") or rid
        if name in parents and (parents[name].get("parent") is not None):
            continue
        where.setdefault(name, [])
    return ["%s on %s" % (rid, ", ".join(nodes)) if nodes else "%s stopped" % rid for rid, nodes in sorted(where.items())]


# ---------------------------------------------------------------------------------------------
# the report: what happened when, from the moments the role recorded (one JSON line each)

# The moments a run records, in the order a node goes through them. start and finish are the run's;
# failed is recorded by the rescue of the node that stopped the run.
EVENTS = ("start", "node", "standby", "drained", "stack-stopped", "updated", "started", "done", "failed", "finish")
ROLES_SHAPE = {"*": {"active?": ["str"], "promoted?": ["str"], "clones?": ["str"]}}
EVENT_SHAPE = {"at": "number", "event": "str", "node?": "str?", "roles?": ROLES_SHAPE, "message?": "str?"}

# What a node does between one of its moments and the next: (span kind, words), for the timeline.
_NODE_SPANS = {"node": ("phase", "gate"), "standby": ("standby", "moving services away"),
               "drained": ("standby", "updating"), "stack-stopped": ("stack-down", "updating, stack stopped"),
               "updated": ("stack-down", "rejoining"), "started": ("phase", "gate"), "done": ("quorate", None),
               "failed": ("silent", "stopped here")}


def event_errors(events, field="events"):
    """Messages for recorded moments the report cannot read, naming the line; [] when it can."""
    errors = shape(events, [EVENT_SHAPE], field)
    if errors:
        return errors
    for i, e in enumerate(events):
        if e["event"] not in EVENTS:
            errors.append("%s[%d].event: %r is not one of %s" % (field, i, e["event"], ", ".join(EVENTS)))
        elif e["event"] not in ("start", "finish") and not e.get("node"):
            errors.append("%s[%d].node: a %s moment names its node" % (field, i, e["event"]))
    return errors


def where_from_roles(roles):
    """{service: [nodes]} from node_roles()' form: active-passive services, promoted instances (as
    'name (promoted)') and clones; fencing devices left out."""
    where = {}
    for node, r in sorted((roles or {}).items()):
        for rid in r.get("active") or []:
            where.setdefault(rid, []).append(node)
        for rid in r.get("promoted") or []:
            where.setdefault("%s (promoted)" % rid, []).append(node)
        for rid in r.get("clones") or []:
            where.setdefault(rid, []).append(node)
    return where


def summarize(events):
    """The run from its moments: {started_at, finished_at, total_s, verdict, nodes: [{node, order, started_at,
    drain_s, update_s, rejoin_s, total_s, stack_stopped, done}]} (durations in seconds, None when not reached).
    verdict: done (finished), stopped (a node failed) or incomplete (the moments end before either)."""
    evs = sorted(events, key=lambda e: e["at"])
    at = dict()
    order = []
    for e in evs:
        node = e.get("node")
        if node and node not in order and e["event"] != "failed":
            order.append(node)
        at.setdefault((node, e["event"]), e["at"])

    def span(node, a, b):
        return round(at[(node, b)] - at[(node, a)], 2) if (node, a) in at and (node, b) in at else None

    nodes = []
    for i, node in enumerate(order, 1):
        nodes.append({"node": node, "order": i, "started_at": at.get((node, "node")),
                      "drain_s": span(node, "standby", "drained"),
                      "update_s": span(node, "drained", "updated"),
                      "rejoin_s": span(node, "updated", "started"),
                      "total_s": span(node, "node", "done"),
                      "stack_stopped": (node, "stack-stopped") in at, "done": (node, "done") in at,
                      "failed": (node, "failed") in at})
    start = evs[0]["at"] if evs else None
    finish = at.get((None, "finish"))
    failed = [e for e in evs if e["event"] == "failed"]
    verdict = "stopped" if failed else ("done" if finish is not None else "incomplete")
    end = finish if finish is not None else (evs[-1]["at"] if evs else None)
    return {"started_at": start, "finished_at": finish, "verdict": verdict,
            "total_s": round(end - start, 2) if start is not None else None, "nodes": nodes,
            "failure": failed[0].get("message") if failed else None}


def build_timeline(events, cluster="cluster"):
    """The run as a timeline for timeline.render_svg(): a lane per node (serving, the gate, in standby while
    its services move away and while it is updated, its stack stopped, rejoining), a lane per service (where
    it runs at each recorded moment that says so), and a mark for each node finished. Zero is the start."""
    evs = sorted(events, key=lambda e: e["at"])
    t0 = evs[0]["at"]

    def rel(t):
        return round(t - t0, 2)

    last = rel(evs[-1]["at"])
    end = round(last + max(1.0, 0.02 * last), 2)  # a little after the last moment, so that it shows
    info = summarize(evs)
    lanes, marks = [], []
    for n in info["nodes"]:
        pts = [(0.0, "quorate", None)]
        for e in evs:
            if e.get("node") == n["node"] and e["event"] in _NODE_SPANS:
                kind, words = _NODE_SPANS[e["event"]]
                if e["event"] == "updated" and not n["stack_stopped"]:
                    kind = "standby"  # updated with its stack running: still in standby until it rejoins
                pts.append((rel(e["at"]), kind, words))
        lanes.append({"group": "node", "name": n["node"], "spans": timeline.spans(pts, end)})
    snapshots = [(rel(e["at"]), where_from_roles(e["roles"])) for e in evs if e.get("roles")]
    services = sorted(set(s for _t, w in snapshots for s in w))
    for svc in services:
        most = max(len(w.get(svc) or []) for _t, w in snapshots)
        pts = [(t, ("runs" if len(w[svc]) >= most else "degraded") if w.get(svc) else "stopped",
                ", ".join(w.get(svc) or []) or None) for t, w in snapshots]
        lanes.append({"group": "service", "name": svc, "spans": timeline.spans(pts, end)})
    for e in evs:
        if e["event"] == "done":
            marks.append({"s": rel(e["at"]), "kind": "event", "label": "%s done" % e["node"]})
        elif e["event"] == "failed":
            marks.append({"s": rel(e["at"]), "kind": "fault", "label": "stopped at %s: %s" % (
                e["node"], e.get("message") or "failed")})
        elif e["event"] == "finish":
            marks.append({"s": rel(e["at"]), "kind": "settled", "label": "the rolling update finished"})
    return {"title": "Rolling update: %s" % cluster, "t0": t0, "start_s": 0.0, "end_s": end, "lanes": lanes,
            "marks": marks}


def _secs(value):
    return "-" if value is None else "%.1f" % value


def render_markdown(report, picture=None):
    """The run's report for people: the verdict, a row per node in the order serviced, the timeline (the
    SVG file's name beside the report), and every moment relative to the start and in UTC."""
    iso = timeline.iso_time
    info = summarize(report["events"])
    cluster = str(report.get("cluster") or "cluster").replace("|", "\\|")
    out = ["# Rolling update: %s" % cluster, ""]
    failure = " ".join((info["failure"] or "").split())
    if info["started_at"] is not None:
        out.append("Started %s; %s; verdict **%s**%s." % (
            iso(info["started_at"]), "took %.1f s" % info["total_s"] if info["total_s"] is not None else "-",
            info["verdict"], (" (%s)" % (failure if len(failure) <= 120 else failure[:119] + "...")) if failure else ""))
    if report.get("release"):
        out += ["", "Release: %s." % report["release"]]
    out += ["", "| # | node | drain s | update s | rejoin s | total s | stack stopped | result |",
            "|---:|---|---:|---:|---:|---:|---|---|"]
    for n in info["nodes"]:
        out.append("| %d | %s | %s | %s | %s | %s | %s | %s |" % (
            n["order"], n["node"], _secs(n["drain_s"]), _secs(n["update_s"]), _secs(n["rejoin_s"]),
            _secs(n["total_s"]), "yes" if n["stack_stopped"] else "no",
            "done" if n["done"] else ("**stopped here**" if n["failed"] else "not reached")))
    if len(failure) > 120:
        out += ["", "Why it stopped:", "", "```"]
        out += [ln.replace("```", "'''") for ln in info["failure"].splitlines()] + ["```"]
    if picture:
        out += ["", "![timeline of the rolling update](%s)" % picture]
    out += ["", "Moments (seconds after the start, then the time in UTC):", "", "```"]
    t0 = info["started_at"]
    for e in sorted(report["events"], key=lambda e: e["at"]):
        out.append("%+9.2f s %s %s%s%s" % (e["at"] - t0, iso(e["at"]), e["event"],
                                           (" " + e["node"]) if e.get("node") else "",
                                           (": " + e["message"].replace("\n", " ")) if e.get("message") else ""))
    out.append("```")
    return "\n".join(out) + "\n"
