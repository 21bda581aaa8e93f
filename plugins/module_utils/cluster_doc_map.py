# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The map of the cluster: what both diagrams of the living documentation show, chosen once.

cluster_map() chooses, from the model (cluster_doc_model.build_model()), the nodes, what runs where, what runs
nowhere, the colocation and order edges and the tickets; instance_look() and the *_lines() helpers give how each
thing is drawn and labelled. cluster_doc_dot.render_dot() and cluster_doc_mermaid.render_mermaid() draw the same
map, so the two never disagree.

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


# A node's border in the diagrams, by its state.
STATE_COLORS = {"online": "darkgreen", "standby": "orange", "maintenance": "orange", "offline": "red",
                "pending": "orange", "unknown": "grey"}


def _storage_labels(model):
    """{(resource id, node): the line the map adds to that instance's label} (PostgreSQL's role and replication, where
    a filesystem is mounted)."""
    out = {}
    st = model.get("storage") or {}
    for db in st.get("databases") or []:
        for i in db["instances"]:
            if i["label"]:
                out[(db["id"], i["node"])] = i["label"]
    for fs in st.get("filesystems") or []:
        for e in fs["nodes"]:
            if e["label"] and (e["pacemaker_runs"] or e["mounted"]):
                out[(fs["id"], e["node"])] = e["label"]
    return out


def cluster_map(model):
    """What the diagrams show, chosen once for render_dot() and render_mermaid().

    {"nodes": [{"node": <model node>, "resources": [instance], "groups": [(group id, [instance])]}],
     "stopped": [instance], "edges": [{"kind": "colocation"|"order", "from": instance, "to": instance,
     "label": text}], "tickets": [{"index": 1, 2 ..., "ticket": <model ticket>, "guards": [instance]}]}

    An instance is one resource drawn in one place: {"index": 1, 2 ... in drawing order, "resource": <model
    resource>, "node": node name (None when it runs nowhere), "vip": <model VIP> or None, "promoted": bool,
    "storage": what the storage section says of it there (a PostgreSQL instance's role and replication, where a
    filesystem is mounted) or None}.
    A resource is drawn inside every node it runs on (a clone once per node), a group's members inside their
    group's box there; the resources that run nowhere apart. A colocation or order between two resources (or
    groups and clones, which their members stand for) is an edge between their instances on the same node
    when there are such, else between all of them; each edge once. A ticket (geo clusters) is drawn once, apart
    from the nodes, granted here or not, with an edge to every instance of what its rsc_ticket constraints guard.
    """
    vips = dict((v["id"], v) for v in model["vips"])
    by_id = dict((r["id"], r) for r in model["resources"])
    storage_labels = _storage_labels(model)
    instances = {}  # resource id -> [instance], in drawing order
    count = [0]

    def instance(r, node_name):
        count[0] += 1
        inst = {"index": count[0], "resource": r, "node": node_name, "vip": vips.get(r["id"]),
                "promoted": node_name is not None and node_name in r["promoted_on"],
                "storage": storage_labels.get((r["id"], node_name)) if node_name is not None else None}
        instances.setdefault(r["id"], []).append(inst)
        return inst

    nodes = []
    for n in model["nodes"]:
        here = [r for r in model["resources"] if n["name"] in r["nodes"]]
        group_ids = []
        for r in here:
            if r["group"] and r["group"] not in group_ids:
                group_ids.append(r["group"])
        loose = [instance(r, n["name"]) for r in here if not r["group"]]
        groups = [(g, [instance(r, n["name"]) for r in here if r["group"] == g]) for g in group_ids]
        # A filesystem mounted on a node where Pacemaker does not run it: drawn there too, as a failure, with no
        # constraint edges (it is no instance Pacemaker placed).
        for fs in (model.get("storage") or {}).get("filesystems") or []:
            if any(e["node"] == n["name"] and e["mounted"] and not e["pacemaker_runs"] for e in fs["nodes"]):
                r = by_id.get(fs["id"])
                if r is not None:
                    count[0] += 1
                    loose.append({"index": count[0], "resource": r, "node": n["name"], "vip": None, "promoted": False,
                                  "outside": True, "storage": storage_labels.get((fs["id"], n["name"]))})
        nodes.append({"node": n, "resources": loose, "groups": groups})
    stopped = [instance(r, None) for r in model["resources"] if not r["nodes"]]

    # members of groups/clones stand for them in constraints
    members = dict((col["id"], list(col["members"])) for col in model["collections"])

    def expand(rid, seen):
        if rid in seen:
            return []
        seen.add(rid)
        if rid in instances:
            return list(instances[rid])
        found = []
        for m in members.get(rid, []):
            found += expand(m, seen)
        return found

    edges = []
    drawn = set()
    for con in model["constraints"]:
        e = con.get("edge")
        if not e:
            continue
        ia, ib = expand(e["from"], set()), expand(e["to"], set())
        pairs = [(x, y) for x in ia for y in ib if x["node"] is not None and x["node"] == y["node"]]
        for x, y in pairs or [(x, y) for x in ia for y in ib]:
            key = (con["kind"], x["resource"]["id"], x["node"], y["resource"]["id"], y["node"], e["label"])
            if key not in drawn:
                drawn.add(key)
                edges.append({"kind": con["kind"], "from": x, "to": y, "label": e["label"]})
    tickets = []
    for t in model.get("tickets") or []:
        guards = []
        for rid in t["resources"]:
            guards += [inst for inst in expand(rid, set()) if inst not in guards]
        tickets.append({"index": len(tickets) + 1, "ticket": t, "guards": guards})
    return {"nodes": nodes, "stopped": stopped, "edges": edges, "tickets": tickets}


def ticket_lines(t):
    """The lines of a ticket's label, the same in both diagrams."""
    return ["ticket " + t["ticket"], ("granted here" if t["granted"] else "not granted here")
            + (", standby" if t["standby"] else "")]


def _vip_text(vip, netmask=True):
    if netmask and vip.get("cidr_netmask"):
        return "VIP %s/%s" % (vip["ip"], vip["cidr_netmask"])
    return "VIP %s" % vip["ip"]


def instance_lines(inst):
    """The lines of an instance's label, the same in both diagrams."""
    r = inst["resource"]
    if inst["node"] is None:
        lines = [r["id"], r["agent"], r["role"] + (" (FAILED)" if r["failed"] else "")]
        if inst["vip"]:
            lines.insert(1, _vip_text(inst["vip"], netmask=False))
        return lines
    lines = [r["id"]]
    if r["clone"]:
        lines.append("(%s)" % r["clone"])
    if inst["vip"]:
        lines.append(_vip_text(inst["vip"]))
    if inst["promoted"]:
        lines.append("Promoted")
    lines.append(r["agent"])
    if inst.get("storage"):
        lines.append(inst["storage"])
    return lines


def instance_look(inst):
    """How an instance is drawn, the same in both diagrams: stopped (runs nowhere), vip, fence, failed or rsc."""
    r = inst["resource"]
    if inst["node"] is None:
        return "stopped"
    if inst["vip"]:
        return "vip"
    if r["is_stonith"]:
        return "fence"
    if r["failed"] or inst.get("outside"):
        return "failed"
    return "rsc"


def node_lines(n):
    """The lines of a node's label (its box), the same in both diagrams."""
    lines = [n["name"]]
    lines += ["link %s: %s" % (a["link"], a["addr"]) for a in n["addresses"]]
    lines.append(n["state"] + (", DC" if n["is_dc"] else ""))
    return lines
