# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The living documentation's model: what was documented, as one plain dict (build_model()).

build_model() joins the status model (cluster_status), the configuration (cib_export.export()), the running corosync
settings (cluster_doc_corosync.corosync_settings() of a parsed corosync-cmapctl output), the stack's versions,
the audit trail (snapshot.parse_history()) and the storage section (cluster_doc_storage.storage()): nodes,
virtual IPs, resources with their placement, groups and clones, constraints in words (and the edges the map
draws), tickets, quorum, fencing and the licensing counts. Parameters whose names look secret are never
copied (secrets.redact_params()). The renderers (cluster_doc_markdown, cluster_doc_dot, cluster_doc_mermaid)
read nothing else.

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_corosync import _flag, _int, corosync_settings
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_storage import storage
from ansible_collections.clusterops.ha.plugins.module_utils.secrets import redact_params

SCORE_INFINITY = 1000000
VIP_AGENTS = ("IPaddr2", "IPaddr")


# ---------------------------------------------------------------------------------------------
# small helpers


def _score_text(score):
    if score is None:
        return None
    s = str(score).strip()
    up = s.upper().lstrip("+")
    if up == "INFINITY":
        return "INFINITY"
    if up == "-INFINITY":
        return "-INFINITY"
    return s


def _score_value(score):
    s = _score_text(score)
    if s is None:
        return None
    if s == "INFINITY":
        return SCORE_INFINITY
    if s == "-INFINITY":
        return -SCORE_INFINITY
    return _int(s)


def _public_params(params):
    return dict(sorted(redact_params(params).items()))


def _agent_type(agent):
    return (agent or "").rsplit(":", 1)[-1]


# ---------------------------------------------------------------------------------------------
# the model


def _empty_config():
    return {"primitives": [], "groups": [], "clones": [], "locations": [], "colocations": [], "orders": [],
            "tickets": [], "fencing_levels": [], "nodes": [], "properties": {}, "rsc_defaults": {},
            "op_defaults": {}}


def _parents_of(config):
    """primitive id -> {group, clone}; group id -> clone."""
    group_of = {}
    for g in config.get("groups") or []:
        for m in g.get("members") or []:
            group_of[m] = g["id"]
    clone_of = {}
    for c in config.get("clones") or []:
        if c.get("member"):
            clone_of[c["member"]] = c["id"]
    return group_of, clone_of


def _clone_kind(clone):
    meta = clone.get("meta") or {}
    return "promotable clone" if _flag(meta.get("promotable")) else "clone"


def _status_roles(agg):
    """'Started', 'Stopped', 'Promoted, Unpromoted' ... from the status model's aggregate."""
    if agg is None:
        return "not in status"
    counts = []
    for r in agg.get("roles") or []:
        r = r or "unknown"
        for item in counts:
            if item[0] == r:
                item[1] += 1
                break
        else:
            counts.append([r, 1])
    if not counts:
        return "unknown"
    if len(agg.get("roles") or []) == 1:
        return counts[0][0]
    return ", ".join("%s x%d" % (r, n) for r, n in counts)


def _node_list_text(agg):
    if not agg:
        return []
    out = []
    for n in agg.get("running_on") or []:
        if n in (agg.get("promoted_on") or []):
            out.append("%s (Promoted)" % n)
        else:
            out.append(n)
    return out


def _effective_meta(meta, defaults, key):
    if key in (meta or {}):
        return {"value": meta[key], "source": "resource"}
    if key in (defaults or {}):
        return {"value": defaults[key], "source": "rsc_defaults"}
    return None


def _resource_entry(prim, status, group_of, clone_of, config):
    rid = prim["id"]
    agg = (status.get("resources_by_id") or {}).get(rid)
    group = group_of.get(rid)
    clone = clone_of.get(rid) or (clone_of.get(group) if group else None)
    meta = dict(prim.get("meta") or {})
    parent_meta = {}
    for g in config.get("groups") or []:
        if g["id"] == group:
            parent_meta.update(g.get("meta") or {})
    for c in config.get("clones") or []:
        if c["id"] == clone:
            parent_meta.update(c.get("meta") or {})
    merged = dict(parent_meta)
    merged.update(meta)
    defaults = config.get("rsc_defaults") or {}
    key_meta = {}
    for key in ("resource-stickiness", "migration-threshold", "failure-timeout", "target-role", "is-managed",
                "priority"):
        eff = _effective_meta(merged, defaults, key)
        if eff is not None:
            key_meta[key] = eff
    managed = agg["managed"] if agg else _flag(merged.get("is-managed")) is not False
    return {
        "id": rid,
        "agent": prim.get("agent"),
        "group": group,
        "clone": clone,
        "role": _status_roles(agg),
        "nodes": list(agg["running_on"]) if agg else [],
        "nodes_text": _node_list_text(agg),
        "promoted_on": list(agg["promoted_on"]) if agg else [],
        "active_instances": agg["active_instances"] if agg else 0,
        "instances": agg["instances"] if agg else 0,
        "managed": bool(managed),
        "failed": bool(agg and agg.get("failed")),
        "blocked": bool(agg and agg.get("blocked")),
        "meta": key_meta,
        "params": _public_params(prim.get("params")),
        "is_stonith": (prim.get("agent") or "").startswith("stonith:"),
    }


def _vip(prim, resource):
    params = prim.get("params") or {}
    if _agent_type(prim.get("agent")) not in VIP_AGENTS or not params.get("ip"):
        return None
    return {
        "id": prim["id"],
        "ip": params.get("ip"),
        "cidr_netmask": params.get("cidr_netmask"),
        "nic": params.get("nic"),
        "group": resource["group"],
        "clone": resource["clone"],
        "nodes": list(resource["nodes"]),
        "role": resource["role"],
    }


def _rsc_text(rid, role=None):
    return "%s (%s)" % (rid, role) if role else rid


def _set_text(s):
    text = "{%s}" % ", ".join(s.get("resources") or [])
    extras = []
    if s.get("role"):
        extras.append("role %s" % s["role"])
    if s.get("action"):
        extras.append("action %s" % s["action"])
    if _flag(s.get("sequential")) is False:
        extras.append("not sequential")
    if _flag(s.get("require_all")) is False:
        extras.append("any one suffices")
    return text + (" (%s)" % ", ".join(extras) if extras else "")


def _expr_text(e):
    op = e.get("operation")
    attr = e.get("attribute")
    if op in ("defined", "not_defined"):
        return "%s is %s" % (attr, "defined" if op == "defined" else "not defined")
    words = {"eq": "=", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
    return "%s %s %s" % (attr, words.get(op, op), e.get("value"))


def _location_words(c):
    who = c.get("resource") or ("resources matching /%s/" % c.get("resource_pattern")
                                if c.get("resource_pattern") else None)
    if c.get("sets"):
        who = " and ".join(_set_text(s) for s in c["sets"])
    who = _rsc_text(who, c.get("role"))
    score = _score_text(c.get("score"))
    if c.get("node"):
        v = _score_value(score)
        if v == SCORE_INFINITY:
            text = "%s must run on %s" % (who, c["node"])
        elif v == -SCORE_INFINITY:
            text = "%s must never run on %s" % (who, c["node"])
        elif v is not None and v < 0:
            text = "%s avoids %s (score %s)" % (who, c["node"], score)
        else:
            text = "%s prefers %s (score %s)" % (who, c["node"], score)
    else:
        rules = []
        for r in c.get("rules") or []:
            exprs = [_expr_text(e) for e in r.get("expressions") or []]
            exprs += ["date %s" % ", ".join("%s=%s" % kv for kv in sorted(d.items()))
                      for d in r.get("date_expressions") or []]
            joiner = " %s " % (r.get("boolean_op") or "and")
            rules.append("score %s where %s" % (_score_text(r.get("score")) or
                                                ("from attribute %s" % r.get("score_attribute")),
                                                joiner.join(exprs) or "always"))
        text = "%s: %s" % (who, "; ".join(rules) or "location rule")
    if c.get("resource_discovery") and c["resource_discovery"] != "always":
        text += ", resource-discovery %s" % c["resource_discovery"]
    if str(c.get("id", "")).startswith(("cli-ban-", "cli-prefer-")):
        text += " - left by crm_resource --move/--ban; clear it with crm_resource --clear"
    return text


def _colocation_words(c):
    score = _score_text(c.get("score")) or "INFINITY"
    v = _score_value(score)
    if c.get("sets"):
        who = " with ".join(_set_text(s) for s in c["sets"])
        return "%s placed together (score %s)" % (who, score)
    a = _rsc_text(c.get("resource"), c.get("resource_role"))
    b = _rsc_text(c.get("with"), c.get("with_role"))
    if v == SCORE_INFINITY:
        text = "%s always runs where %s runs" % (a, b)
    elif v == -SCORE_INFINITY:
        text = "%s never runs where %s runs" % (a, b)
    elif v is not None and v < 0:
        text = "%s prefers not to run where %s runs (score %s)" % (a, b, score)
    else:
        text = "%s prefers to run where %s runs (score %s)" % (a, b, score)
    if c.get("node_attribute"):
        text += ", by node attribute %s" % c["node_attribute"]
    return text


def _order_words(c):
    kind = c.get("kind") or "Mandatory"
    if c.get("sets"):
        text = "in order: " + ", then ".join(_set_text(s) for s in c["sets"])
    else:
        first_action = c.get("first_action") or "start"
        text = "%s %s before %s %s" % (first_action, c.get("first"), c.get("then_action") or first_action,
                                       c.get("then"))
    text += " (%s" % kind
    if kind == "Optional":
        text += ": only when both change in the same transition"
    elif kind == "Serialize":
        text += ": never at the same time"
    text += ")"
    if _flag(c.get("symmetrical")) is False:
        text += ", not reversed when stopping"
    return text


def _ticket_words(c):
    who = c.get("resource")
    if c.get("sets"):
        who = " and ".join(_set_text(s) for s in c["sets"])
    text = "%s runs only while ticket %s is granted" % (_rsc_text(who, c.get("role")), c.get("ticket"))
    if c.get("loss_policy"):
        text += " (loss-policy %s)" % c["loss_policy"]
    return text


def _edge(kind, c):
    """The diagram's edge of a colocation or order between two resources (sets: none)."""
    if kind == "colocations" and c.get("resource") and c.get("with"):
        return {"from": c["resource"], "to": c["with"], "label": "with %s" % (_score_text(c.get("score")) or "INFINITY")}
    if kind == "orders" and c.get("first") and c.get("then"):
        return {"from": c["first"], "to": c["then"], "label": "then (%s)" % (c.get("kind") or "Mandatory")}
    return None


def _constraints(config):
    out = []
    for kind, words in (("locations", _location_words), ("colocations", _colocation_words),
                        ("orders", _order_words), ("tickets", _ticket_words)):
        for c in config.get(kind) or []:
            out.append({"kind": kind[:-1], "id": c.get("id"), "text": words(c), "edge": _edge(kind, c)})
    return out


def _tickets(status, config):
    """The tickets this cluster knows (geo clusters, booth), with what each guards: [{ticket, granted, standby,
    last_granted, resources}] by name; resources from the rsc_ticket constraints (resource, or sets)."""
    guards = {}
    for c in config.get("tickets") or []:
        names = [c.get("resource")] if c.get("resource") else []
        for st in c.get("sets") or []:
            names.extend(st.get("resources") or [])
        for n in names:
            if n and n not in guards.setdefault(c.get("ticket"), []):
                guards[c.get("ticket")].append(n)
    known = dict(status.get("tickets") or {})
    for t in guards:
        known.setdefault(t, {"granted": False, "standby": False, "last_granted": None})
    return [{"ticket": t, "granted": bool(known[t].get("granted")), "standby": bool(known[t].get("standby")),
             "last_granted": known[t].get("last_granted"), "resources": guards.get(t, [])} for t in sorted(known)]


def _fence_hosts(params):
    p = params or {}
    if p.get("pcmk_host_list"):
        return {"how": "pcmk_host_list", "hosts": [h for h in re.split(r"[\s,;]+", p["pcmk_host_list"]) if h]}
    if p.get("pcmk_host_map"):
        hosts = []
        for item in re.split(r"[\s,;]+", p["pcmk_host_map"]):
            if item:
                hosts.append(item.split(":", 1)[0])
        return {"how": "pcmk_host_map", "hosts": hosts}
    check = p.get("pcmk_host_check") or "dynamic-list"
    return {"how": check, "hosts": []}


# What the documentation keeps of an audit-trail entry (config_snapshot step=history, snapshot.parse_history()).
HISTORY_KEYS = ("commit", "date", "subject", "changes", "run", "who", "why", "cib_changed_last")


def _history(entries):
    """The audit trail as the model keeps it: known keys only, the commit's hash shortened."""
    if entries is None:
        return None
    out = []
    for e in entries:
        e = dict((k, e.get(k)) for k in HISTORY_KEYS)
        e["commit"] = (e["commit"] or "")[:12]
        e["changes"] = [str(c) for c in e["changes"] or []]
        e["run"] = bool(e["run"])
        out.append(e)
    return out


def build_model(status, config, cmap=None, versions=None, generated_at=None, history=None, cib_root=None,
                node_facts=None):
    """One plain dict of everything documented (see the module docstring for the inputs).

    status: cluster_status.build_status() or cluster_status_collect.collect() model; config: cib_export.export() (None when the CIB
    could not be read); cmap: corosync_runtime.parse_cmapctl() (None when corosync could not be asked);
    versions: {corosync, pacemaker}; generated_at: any string, shown as is; history: the snapshot repository's
    last commits (snapshot.parse_history()), newest first, or None when not asked; cib_root: the CIB's XML root
    (cib.read_live_cib(); config is its export), where the storage resources are found; node_facts: {node name:
    cluster_node_facts' facts, or {reachable: false}} (health.node_facts_errors() checks their shape), None when
    they were not gathered.
    """
    config = dict(_empty_config(), **(config or {}))
    status = status or {}
    cluster = status.get("cluster") or {}
    props = config.get("properties") or {}
    corosync = corosync_settings(cmap) if cmap else None
    crm_nodes = dict((n["name"], n) for n in status.get("nodes") or [])
    group_of, clone_of = _parents_of(config)

    # --- resources (config order), with placement from the status model
    resources = []
    vips = []
    fencing_devices = []
    for prim in config.get("primitives") or []:
        entry = _resource_entry(prim, status, group_of, clone_of, config)
        if entry["is_stonith"]:
            hosts = _fence_hosts(prim.get("params"))
            fencing_devices.append({"id": entry["id"], "agent": entry["agent"], "hosts": hosts["hosts"],
                                    "host_check": hosts["how"], "nodes": entry["nodes"], "role": entry["role"],
                                    "failed": entry["failed"]})
        resources.append(entry)
        vip = _vip(prim, entry)
        if vip:
            vips.append(vip)
    known = set(p["id"] for p in config.get("primitives") or [])
    orphans = sorted(set(r["id"] for r in status.get("resources") or []) - known) if config.get("primitives") else []

    # --- collections (groups and clones)
    collections = []
    for g in config.get("groups") or []:
        running = ((status.get("parents_by_id") or {}).get(g["id"]) or {}).get("running_on") or []
        collections.append({"id": g["id"], "kind": "group", "members": list(g.get("members") or []),
                            "clone": clone_of.get(g["id"]), "meta": dict(g.get("meta") or {}),
                            "nodes": list(running)})
    for c in config.get("clones") or []:
        running = ((status.get("parents_by_id") or {}).get(c["id"]) or {}).get("running_on") or []
        collections.append({"id": c["id"], "kind": _clone_kind(c), "members": [c["member"]] if c.get("member") else [],
                            "clone": None, "meta": dict(c.get("meta") or {}), "nodes": list(running)})

    # --- nodes: the corosync nodelist, joined with Pacemaker's view
    names = []
    for n in (corosync or {}).get("nodelist") or []:
        if n["name"] and n["name"] not in names:
            names.append(n["name"])
    for name in crm_nodes:
        if name not in names:
            names.append(name)
    by_cmap = dict((n["name"], n) for n in (corosync or {}).get("nodelist") or [])
    members = (corosync or {}).get("members") or {}
    runs_on = {}
    for r in status.get("resources") or []:
        if not r.get("active"):
            continue
        for n in r.get("nodes") or []:
            label = r["instance"] if not r.get("role") or r["role"] in ("Started",) else "%s (%s)" % (
                r["instance"], r["role"])
            runs_on.setdefault(n, []).append(label)
    nodes = []
    for name in names:
        cm = by_cmap.get(name) or {}
        cr = crm_nodes.get(name)
        nodeid = cm.get("nodeid") if cm.get("nodeid") is not None else _int(cr.get("id")) if cr else None
        if cr is None:
            state = "unknown"
        elif not cr["online"]:
            state = "offline"
        elif cr["maintenance"]:
            state = "maintenance"
        elif cr["standby"]:
            state = "standby"
        elif cr["pending"]:
            state = "pending"
        else:
            state = "online"
        flags = []
        if cr:
            for key in ("unclean", "shutdown", "standby_onfail"):
                if cr.get(key):
                    flags.append(key.replace("_", " "))
        member = members.get(nodeid) if nodeid is not None else None
        nodes.append({
            "name": name,
            "id": nodeid,
            "addresses": list(cm.get("addresses") or []),
            "state": state,
            "online": bool(cr and cr["online"]),
            "is_dc": bool(cr and cr["is_dc"]) or (cluster.get("dc") == name and name is not None),
            "flags": flags,
            "corosync_member": member.get("status") if member else None,
            "resources": runs_on.get(name, []),
            "type": cr.get("type") if cr else None,
        })

    # crm_mon lists clone instances in no stable order: every node list follows the node table.
    rank = dict((name, i) for i, name in enumerate(names))

    def by_rank(items):
        return sorted(items, key=lambda x: (rank.get(x.split(" (")[0], len(rank)), x))

    for r in resources:
        r["nodes"] = by_rank(r["nodes"])
        r["nodes_text"] = by_rank(r["nodes_text"])
    for item in vips + fencing_devices + collections:
        item["nodes"] = by_rank(item["nodes"])

    # --- quorum and totem
    q = status.get("quorum") or {}
    quorum = {
        "quorate": q.get("quorate"),
        "with_quorum": cluster.get("with_quorum"),
        "expected_votes": q.get("expected_votes"),
        "total_votes": q.get("total_votes"),
        "quorum_votes": q.get("quorum"),
        "flags": list(q.get("flags") or []),
        "no_quorum_policy": props.get("no-quorum-policy") or cluster.get("no_quorum_policy") or "stop",
        "qdevice_status": q.get("qdevice"),
    }
    if corosync:
        quorum.update(corosync["quorum"])

    # --- fencing
    stonith_prop = props.get("stonith-enabled")
    fencing = {
        "stonith_enabled": (_flag(stonith_prop) if stonith_prop is not None
                            else cluster.get("stonith_enabled") if cluster.get("stonith_enabled") is not None
                            else True),
        "stonith_timeout": props.get("stonith-timeout") or "60s",
        "stonith_action": props.get("stonith-action") or "reboot",
        "have_watchdog": _flag(props.get("have-watchdog")),
        "devices": fencing_devices,
        "levels": [dict(level) for level in config.get("fencing_levels") or []],
    }

    # --- licensing counts
    active = [r for r in status.get("resources") or [] if r.get("active")]
    per_agent = {}
    for r in active:
        per_agent[r.get("agent") or "unknown"] = per_agent.get(r.get("agent") or "unknown", 0) + 1
    per_clone = {}
    for r in active:
        if r.get("clone"):
            per_clone[r["clone"]] = per_clone.get(r["clone"], 0) + 1
    for c in config.get("clones") or []:
        per_clone.setdefault(c["id"], 0)
    configured_nodes = len(names) if names else cluster.get("nodes_configured")
    licensing = {
        "nodes_configured": configured_nodes,
        "nodes_online": len([n for n in nodes if n["online"]]),
        "instances_configured": cluster.get("resources_configured"),
        "active_instances": len(active),
        "active_instances_without_fencing": len([r for r in active if not (r.get("agent") or "").startswith("stonith:")]),
        "per_agent": [{"agent": k, "active": per_agent[k]} for k in sorted(per_agent)],
        "per_clone": [{"clone": k, "active": per_clone[k]} for k in sorted(per_clone)],
    }

    versions = dict(versions or {})
    stored = storage(status, config, names, dict((v["id"], v) for v in vips), cib_root=cib_root, node_facts=node_facts)
    return {
        "generated_at": generated_at,
        "cluster": {
            "name": (corosync or {}).get("cluster_name") or props.get("cluster-name"),
            "stack": cluster.get("stack"),
            "dc": cluster.get("dc"),
            "dc_version": cluster.get("dc_version"),
            "corosync_version": versions.get("corosync"),
            "pacemaker_version": versions.get("pacemaker"),
            "crm_mon_api": (status.get("crm_mon") or {}).get("api_version"),
            "local_node": status.get("local_node"),
            "pacemaker_running": bool((status.get("stack") or {}).get("pacemaker")),
            "corosync_running": bool((status.get("stack") or {}).get("corosync")),
            "last_change": cluster.get("last_change"),
            "last_change_by": cluster.get("last_change_user"),
            "last_change_origin": cluster.get("last_change_origin"),
            "maintenance_mode": _flag(props.get("maintenance-mode")) or False,
            "placement_strategy": props.get("placement-strategy") or "default",
            "symmetric_cluster": _flag(props.get("symmetric-cluster")) is not False,
            "properties": dict(sorted((k, v) for k, v in props.items() if k not in ("dc-version", "last-lrm-refresh"))),
            "rsc_defaults": dict(sorted((config.get("rsc_defaults") or {}).items())),
            "op_defaults": dict(sorted((config.get("op_defaults") or {}).items())),
        },
        "nodes": nodes,
        "vips": vips,
        "resources": resources,
        "orphans": orphans,
        "collections": collections,
        "constraints": _constraints(config),
        "tickets": _tickets(status, config),
        "links": dict((k, (corosync or {}).get(k)) for k in ("transport", "crypto_cipher", "crypto_hash", "link_mode",
                                                             "ip_version")) if corosync else None,
        "totem": corosync["totem"] if corosync else None,
        "quorum": quorum,
        "fencing": fencing,
        "licensing": licensing,
        "history": _history(history),
        "storage": stored,
    }
