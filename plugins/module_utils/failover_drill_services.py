# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The services of a failover drill (pure): what the cluster runs, read from its configuration and its views.

Part of the failover drill engine (docs/architecture.md lists the others: failover_drill_plan, _expected,
_observe, _timeline, _judge, _report).

- discover_services(config)          -> the services: active-passive sets of resources that run together
                                        (groups, colocations), clones, their VIPs, the promoted role a
                                        service follows
- service_node / clone_nodes / clone_count(service, view)
                                     -> where a service runs in one view ({rsc, online, fail})
- status_view(status)                -> a status model (cluster_status.build_status) as such a view
- placements(resources), fail_totals -> where resources run or failed, the fail counts (a sample's too)

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.validate import flag


# The roles a service can follow: a colocation's with-rsc-role (Master is Pacemaker < 2.1's name).
_PROMOTED_ROLES = ("Promoted", "Master")
_VIP_AGENTS = ("ocf:heartbeat:IPaddr2", "ocf:heartbeat:IPaddr", "ocf:heartbeat:IPsrcaddr")


def is_stonith(agent):
    """An agent of a fencing device (stonith:...)."""
    return bool(agent) and str(agent).startswith("stonith:")


def by_id(items):
    """{id: item} of a list of mappings with an id."""
    return dict((i.get("id"), i) for i in items or [])


def _is_true(value, default=False):
    """A Pacemaker boolean -> bool; default when not given or not a boolean word (validate.flag)."""
    return flag(value, default)


def _infinite(score):
    """A colocation's score is INFINITY (not given: Pacemaker's default)."""
    return str("INFINITY" if score is None else score).lstrip("+") in ("INFINITY", "inf")


def discover_services(config, order=None):
    """The services in a live configuration (cib_export.export() format), in CIB order.

    Active-passive: top-level primitives and groups outside any clone, joined into one service when a
    colocation ties them together; the members are in start order (group order, then order constraints).
    Active-active: each clone. Fencing devices are not services. VIPs: the ``ip`` of IPaddr-like members.
    An active-passive service follows a promotable clone's promoted role when one of its top-level resources
    is colocated with the clone at INFINITY with with-rsc-role Promoted (or its old name Master): it runs
    where the clone's promoted instance runs, so moving it moves the promotion (follows: {clone, member,
    role: "Promoted", notify}, else None; clones follow nothing).
    order: the ids of the top-level resources in CIB order (the export keeps primitives and groups apart).
    Returns [{name, kind, resources, top, addresses, clone, follows}].
    """
    config = config or {}
    prims = by_id(config.get("primitives"))
    groups = config.get("groups") or []
    clones = config.get("clones") or []
    in_group = {}
    for g in groups:
        for m in g.get("members") or []:
            in_group[m] = g["id"]
    cloned = set(c.get("member") for c in clones)
    top = []
    for g in groups:
        if g["id"] not in cloned:
            top.append(g["id"])
    for pid, prim in prims.items():
        if pid in in_group or pid in cloned or is_stonith(prim.get("agent")):
            continue
        top.append(pid)
    if order:
        top.sort(key=lambda t: order.index(t) if t in order else len(order))
    top_set = set(top)
    # Union-find over colocations between top-level active-passive resources.
    parent = dict((t, t) for t in top)

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for c in config.get("colocations") or []:
        pair = [c.get("resource"), c.get("with")]
        if all(p in top_set for p in pair) and _infinite(c.get("score")):
            a, b = find(pair[0]), find(pair[1])
            if a != b:
                parent[b] = a
    comps = []
    seen = {}
    for t in top:
        root = find(t)
        if root not in seen:
            seen[root] = len(comps)
            comps.append([])
        comps[seen[root]].append(t)
    orders = [(o.get("first"), o.get("then")) for o in config.get("orders") or []]
    services = []
    for comp in comps:
        ordered = _order_top(comp, orders)
        members = []
        for t in ordered:
            members.extend(next((g.get("members") or [] for g in groups if g["id"] == t), [t]))
        services.append({"name": ordered[0], "kind": "active-passive", "resources": members, "top": ordered,
                         "addresses": _addresses(members, prims), "clone": None,
                         "follows": _follows(ordered, clones, config.get("colocations"))})
    for c in clones:
        member = c.get("member")
        members = next((g.get("members") or [] for g in groups if g["id"] == member), [member])
        if any(is_stonith((prims.get(m) or {}).get("agent")) for m in members):
            continue
        services.append({"name": c["id"], "kind": "active-active", "resources": members, "top": [c["id"]],
                         "addresses": _addresses(members, prims), "clone": c["id"], "follows": None})
    return services


def _follows(top, clones, colocations):
    """{clone, member, role, notify} of the promotable clone whose promoted role one of a service's top-level
    resources is colocated with (INFINITY, with-rsc-role Promoted or Master), the first such colocation; None
    without. notify: the clone's meta notify (its instances are told before and after each action)."""
    promotable = dict((c["id"], c) for c in clones if c.get("member") and _is_true((c.get("meta") or {}).get("promotable")))
    for c in colocations or []:
        clone = promotable.get(c.get("with"))
        if clone and c.get("resource") in top and c.get("with_role") in _PROMOTED_ROLES and _infinite(c.get("score")):
            return {"clone": clone["id"], "member": clone["member"], "role": "Promoted",
                    "notify": _is_true((clone.get("meta") or {}).get("notify"))}
    return None


def _order_top(comp, orders):
    """Top-level resources of one service in start order: order constraints first, then CIB order."""
    out = []
    left = list(comp)
    while left:
        ready = [t for t in left if not any(f in left and then == t for f, then in orders)]
        pick = ready[0] if ready else left[0]
        out.append(pick)
        left.remove(pick)
    return out


def _addresses(members, prims):
    out = []
    for m in members:
        prim = prims.get(m) or {}
        if prim.get("agent") in _VIP_AGENTS and (prim.get("params") or {}).get("ip"):
            out.append(str(prim["params"]["ip"]))
    return out


def service_node(service, view):
    """Where an active-passive service runs in one view ({rsc: [nodes]}, online): the node when every
    member runs there and only there, None when it does not run (fully) on one online node."""
    nodes = None
    online = view.get("online") or []
    for m in service["resources"]:
        where = [n for n in (view.get("rsc") or {}).get(m) or [] if n in online]
        if len(where) != 1 or (nodes is not None and where[0] != nodes):
            return None
        nodes = where[0]
    return nodes


def clone_count(service, view):
    """How many online nodes run every member of an active-active service, in one view."""
    return len(clone_nodes(service, view))


def clone_nodes(service, view):
    """The online nodes that run every member of an active-active service, in one view."""
    online = view.get("online") or []
    sets = [set(n for n in (view.get("rsc") or {}).get(m) or [] if n in online) for m in service["resources"]]
    return set.intersection(*sets) if sets else set()


def placements(resources):
    """({rsc: [nodes]}, {rsc: [nodes]}): where each non-fencing resource runs, and where it is failed
    (its recovery pending: not running, whatever crm_mon's "active" says). Clone instances under their base id."""
    rsc, failed = {}, {}
    for r in resources or []:
        if is_stonith(r.get("agent")):
            continue
        if r.get("failed"):
            lst = failed.setdefault(r["id"], [])
        elif r.get("active"):
            lst = rsc.setdefault(r["id"], [])
        else:
            continue
        lst.extend(n for n in r.get("nodes") or [] if n not in lst)
    return rsc, failed


def fail_totals(fail_counts):
    """{resource: fail count summed over its instances and nodes} from a status model's or crm_mon's fail_counts."""
    out = {}
    for fc in fail_counts or []:
        out[fc["resource"]] = out.get(fc["resource"], 0) + int(fc.get("fail_count") or 0)
    return out


def status_view(status):
    """A status model (cluster_status.build_status) as a sample-like view: {rsc, online, fail}."""
    rsc, _failed = placements(status.get("resources"))
    return {"rsc": rsc, "online": list(status.get("nodes_online") or []), "fail": fail_totals(status.get("fail_counts"))}
