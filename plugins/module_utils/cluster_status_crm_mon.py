# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""crm_mon's XML, and crm_simulate's prediction in the same form, parsed into plain data (part of the
status engine: cluster_status.py lists the others).

- ``crm_mon --output-as=xml --fence-history=3``            -> parse_crm_mon()
- ``crm_simulate --simulate --output-as=xml``               -> parse_simulate_revised()
- the <resources> of either, or of the CIB's <cluster_status> -> crm_mon_resources()

cluster_status.build_status() makes the status model of parse_crm_mon()'s dict. Malformed input raises
StatusParseError naming the tool. Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_fencing import fence_events
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError, result_status, to_bool, to_int, xml_root

# Pacemaker's INFINITY score (fail counts and migration thresholds are capped at it).
SCORE_INFINITY = 1000000

# Pacemaker < 2.1 spelled the promotable roles Master/Slave; the model always uses the new names.
_LEGACY_ROLES = {"Master": "Promoted", "Slave": "Unpromoted"}
# pacemakerd states in which the cluster daemons are up (pacemakerd-health API schema).
PACEMAKERD_UP = ("running", "remote")
# Resource operations whose names contain "_" or "-": checked first when splitting an op key.
_KNOWN_TASKS = ("migrate_from", "migrate_to", "reload-agent", "validate-all", "meta-data",
                "monitor", "start", "stop", "promote", "demote", "notify", "reload", "cancel")
_INSTANCE_SUFFIX = re.compile(r":\d+$")


# ---------------------------------------------------------------------------------------------
# small helpers


def _base_id(rsc_id):
    """Strip a clone instance number ("stateful:1" -> "stateful"). CIB ids cannot contain ':'."""
    if rsc_id is None:
        return None
    return _INSTANCE_SUFFIX.sub("", rsc_id)


def _role(role):
    if role is None:
        return None
    return _LEGACY_ROLES.get(role, role)


# ---------------------------------------------------------------------------------------------
# crm_mon


def parse_crm_mon(xml_text):
    """Parse ``crm_mon --output-as=xml`` (API 2.x) into a dict.

    Returns {running, code, message, errors, api_version, pacemakerd_state, cluster, nodes,
    resources, parents, failed_actions, bans, node_attributes, fail_counts, fence_history, tickets}. A document
    whose status code is not 0 (e.g. 102 "Not connected") parses fine and has running=False.

    fail_counts lists every resource with a fail count above 0 on a node (from <node_history>):
    {resource, instance, node, fail_count, migration_threshold, last_failure}; INFINITY is 1000000.

    fence_history lists the fencing actions of <fence_history> (fence_events()), newest first. crm_mon shows
    every one only with --fence-history=3 (collect() asks so); without it, only the failed and pending ones.
    It is None when crm_mon could not read the history from the fencer (<fence_history status="rc"/>).
    """
    tool = "crm_mon"
    root = xml_root(tool, xml_text, ("pacemaker-result", "crm_mon"))
    code, message, errors = result_status(root)
    pcmkd = root.find("pacemakerd")
    pcmkd_state = pcmkd.get("state") if pcmkd is not None else None
    summary = root.find("summary")
    running = (code == 0 and summary is not None
               and (pcmkd_state is None or pcmkd_state in PACEMAKERD_UP))
    nodes = _crm_mon_nodes(root)
    resources, parents = crm_mon_resources(root)
    return {
        "running": running,
        "code": code,
        "message": message,
        "errors": errors,
        "api_version": root.get("api-version") or root.get("version"),
        "pacemakerd_state": pcmkd_state,
        "has_current_dc": summary is not None and summary.find("current_dc") is not None,
        "cluster": _crm_mon_summary(summary, nodes),
        "nodes": nodes,
        "resources": resources,
        "parents": parents,
        "failed_actions": _crm_mon_failures(root),
        "bans": _crm_mon_bans(root),
        "node_attributes": _crm_mon_node_attributes(root),
        "fail_counts": _crm_mon_fail_counts(root),
        "fence_history": _crm_mon_fence_history(root),
        "tickets": _crm_mon_tickets(root),
    }


def _crm_mon_tickets(root):
    """<tickets>: {ticket: {"granted", "standby", "last_granted"}}. A ticket appears once a constraint names it or
    something (booth, crm_ticket) set it; granted is False for a revoked one."""
    tickets = {}
    section = root.find("tickets")
    for el in section.findall("ticket") if section is not None else []:
        tid = el.get("id")
        if tid:
            tickets[tid] = {
                "granted": el.get("status") == "granted",
                "standby": to_bool(el.get("standby"), False),
                "last_granted": el.get("last-granted"),
            }
    return tickets


def parse_simulate_revised(xml_text):
    """``crm_simulate --simulate --output-as=xml``: its <revised_cluster_status> (the cluster once the predicted
    transition ran) in parse_crm_mon()'s form, so build_status() and every reader of the status model read the
    prediction the way they read the live cluster. Failures, bans and history are not part of a prediction
    (empty)."""
    tool = "crm_simulate"
    root = xml_root(tool, xml_text, ("pacemaker-result",))
    code, message, errors = result_status(root)
    revised = root.find("revised_cluster_status")
    if revised is None:
        raise StatusParseError(tool, "no <revised_cluster_status> (was it run with --simulate?)", xml_text)
    nodes = _crm_mon_nodes(revised)
    resources, parents = crm_mon_resources(revised)
    return {"running": code == 0, "code": code, "message": message, "errors": errors,
            "api_version": root.get("api-version"), "pacemakerd_state": None, "has_current_dc": False,
            "cluster": _crm_mon_summary(None, nodes), "nodes": nodes, "resources": resources, "parents": parents,
            "failed_actions": [], "bans": [], "node_attributes": {}, "fail_counts": [], "fence_history": []}


def empty_cluster():
    return {
        "dc": None, "dc_id": None, "dc_version": None, "with_quorum": None, "mixed_version": None,
        "stack": None, "stonith_enabled": None, "symmetric_cluster": None, "maintenance_mode": None,
        "no_quorum_policy": None, "stop_all_resources": None, "stonith_timeout_ms": None,
        "priority_fencing_delay_ms": None, "nodes_configured": None, "resources_configured": None,
        "resources_disabled": None, "resources_blocked": None, "last_change": None,
        "last_change_user": None, "last_change_client": None, "last_change_origin": None,
        "last_update": None,
    }


def _crm_mon_summary(summary, nodes):
    c = empty_cluster()
    if summary is None:
        return c
    stack = summary.find("stack")
    if stack is not None:
        c["stack"] = stack.get("type")
    dc = summary.find("current_dc")
    if dc is not None and to_bool(dc.get("present"), False):
        c["dc"] = dc.get("name")
        c["dc_id"] = dc.get("id")
        c["dc_version"] = dc.get("version")
        c["with_quorum"] = to_bool(dc.get("with_quorum"))
        c["mixed_version"] = to_bool(dc.get("mixed_version"))
    if c["dc"] is None:
        # Older crm_mon may lack current_dc; the node list still marks the DC.
        for n in nodes:
            if n["is_dc"]:
                c["dc"] = n["name"]
                c["dc_id"] = n["id"]
    upd = summary.find("last_update")
    if upd is not None:
        c["last_update"] = upd.get("time")
    chg = summary.find("last_change")
    if chg is not None:
        c["last_change"] = chg.get("time")
        c["last_change_user"] = chg.get("user")
        c["last_change_client"] = chg.get("client")
        c["last_change_origin"] = chg.get("origin")
    nc = summary.find("nodes_configured")
    if nc is not None:
        c["nodes_configured"] = to_int(nc.get("number"))
    rc = summary.find("resources_configured")
    if rc is not None:
        c["resources_configured"] = to_int(rc.get("number"))
        c["resources_disabled"] = to_int(rc.get("disabled"))
        c["resources_blocked"] = to_int(rc.get("blocked"))
    opts = summary.find("cluster_options")
    if opts is not None:
        c["stonith_enabled"] = to_bool(opts.get("stonith-enabled"))
        c["symmetric_cluster"] = to_bool(opts.get("symmetric-cluster"))
        c["no_quorum_policy"] = opts.get("no-quorum-policy")
        c["maintenance_mode"] = to_bool(opts.get("maintenance-mode"))
        c["stop_all_resources"] = to_bool(opts.get("stop-all-resources"))
        c["stonith_timeout_ms"] = to_int(opts.get("stonith-timeout-ms"))
        c["priority_fencing_delay_ms"] = to_int(opts.get("priority-fencing-delay-ms"))
    return c


def _crm_mon_nodes(root):
    out = []
    nodes = root.find("nodes")
    if nodes is None:
        return out
    for n in nodes.findall("node"):
        out.append({
            "name": n.get("name"),
            "id": n.get("id"),
            "online": to_bool(n.get("online"), False),
            "standby": to_bool(n.get("standby"), False),
            "standby_onfail": to_bool(n.get("standby_onfail"), False),
            "maintenance": to_bool(n.get("maintenance"), False),
            "pending": to_bool(n.get("pending"), False),
            "unclean": to_bool(n.get("unclean"), False),
            "shutdown": to_bool(n.get("shutdown"), False),
            "expected_up": to_bool(n.get("expected_up")),
            "is_dc": to_bool(n.get("is_dc"), False),
            "resources_running": to_int(n.get("resources_running"), 0),
            "type": n.get("type"),
            "health": n.get("health"),
            "feature_set": n.get("feature_set"),
        })
    return out


def crm_mon_resources(root):
    """Flatten <resources> into one entry per primitive instance, plus a dict of the collections.

    root: crm_mon's <pacemaker-result>, or crm_simulate's <cluster_status> (the same elements)."""
    resources = []
    parents = {}
    top = root.find("resources")
    if top is not None:
        ctx = {"parent": None, "group": None, "clone": None, "bundle": None, "replica": None,
               "promotable": False}
        _walk_resources(top, ctx, resources, parents)
    return resources, parents


def _add_child(parents, parent_id, child_id):
    if parent_id is not None and child_id not in parents[parent_id]["children"]:
        parents[parent_id]["children"].append(child_id)


def _walk_resources(el, ctx, resources, parents):
    for child in el:
        if child.tag == "resource":
            entry = _resource_entry(child, ctx)
            resources.append(entry)
            _add_child(parents, ctx["parent"], entry["id"])
        elif child.tag == "group":
            # A group inside a clone appears once per instance as "<id>:<n>".
            gid = _base_id(child.get("id"))
            if gid not in parents:
                parents[gid] = {
                    "kind": "group", "children": [], "parent": ctx["parent"],
                    "managed": to_bool(child.get("managed")), "disabled": to_bool(child.get("disabled")),
                    "maintenance": to_bool(child.get("maintenance")),
                    "number_resources": to_int(child.get("number_resources")),
                    "promotable": False, "unique": None, "failed": None, "target_role": None,
                }
            _add_child(parents, ctx["parent"], gid)
            sub = dict(ctx, parent=gid, group=gid)
            _walk_resources(child, sub, resources, parents)
        elif child.tag == "clone":
            cid = child.get("id")
            promotable = to_bool(child.get("multi_state"), False)
            if cid not in parents:
                parents[cid] = {
                    "kind": "clone", "children": [], "parent": ctx["parent"],
                    "managed": to_bool(child.get("managed")), "disabled": to_bool(child.get("disabled")),
                    "maintenance": to_bool(child.get("maintenance")),
                    "number_resources": None,
                    "promotable": promotable, "unique": to_bool(child.get("unique")),
                    "failed": to_bool(child.get("failed")), "target_role": child.get("target_role"),
                }
            _add_child(parents, ctx["parent"], cid)
            sub = dict(ctx, parent=cid, clone=cid, promotable=promotable)
            _walk_resources(child, sub, resources, parents)
        elif child.tag == "bundle":
            bid = child.get("id")
            if bid not in parents:
                parents[bid] = {
                    "kind": "bundle", "children": [], "parent": ctx["parent"],
                    "managed": to_bool(child.get("managed")), "disabled": to_bool(child.get("disabled")),
                    "maintenance": to_bool(child.get("maintenance")),
                    "number_resources": None,
                    "promotable": False, "unique": to_bool(child.get("unique")),
                    "failed": to_bool(child.get("failed")), "target_role": None,
                    "type": child.get("type"), "image": child.get("image"),
                }
            _add_child(parents, ctx["parent"], bid)
            for replica in child.findall("replica"):
                sub = dict(ctx, parent=bid, bundle=bid, replica=to_int(replica.get("id")))
                _walk_resources(replica, sub, resources, parents)


def _resource_entry(el, ctx):
    raw_id = el.get("id")
    nodes = [n.get("name") for n in el.findall("node") if n.get("name")]
    return {
        "id": _base_id(raw_id),
        "instance": raw_id,
        "parent": ctx["parent"],
        "group": ctx["group"],
        "clone": ctx["clone"],
        "bundle": ctx["bundle"],
        "replica": ctx["replica"],
        "promotable": bool(ctx["promotable"]),
        "agent": el.get("resource_agent"),
        "role": _role(el.get("role")),
        "target_role": _role(el.get("target_role")),
        "active": to_bool(el.get("active"), False),
        "managed": to_bool(el.get("managed"), True),
        "failed": to_bool(el.get("failed"), False),
        "blocked": to_bool(el.get("blocked"), False),
        "orphaned": to_bool(el.get("orphaned"), False),
        "failure_ignored": to_bool(el.get("failure_ignored"), False),
        "maintenance": to_bool(el.get("maintenance")),
        "nodes": nodes,
        "nodes_running_on": to_int(el.get("nodes_running_on"), len(nodes)),
        "pending": el.get("pending"),
        "locked_to": el.get("locked_to"),
    }


def _split_op_key(op_key, task=None, interval=None):
    """'bad_start_0' -> ('bad', 'start', 0). Resource ids and task names may contain '_'."""
    if not op_key:
        return None, task, to_int(interval)
    rest, sep, tail = op_key.rpartition("_")
    if not sep or to_int(tail) is None:
        return op_key, task, to_int(interval)
    interval_ms = to_int(interval, to_int(tail))
    candidates = ([task] if task else []) + list(_KNOWN_TASKS)
    for t in candidates:
        if rest.endswith("_" + t) and len(rest) > len(t) + 1:
            return rest[:-(len(t) + 1)], t, interval_ms
    rsc, sep, t = rest.rpartition("_")
    if not sep:
        return rest, task, interval_ms
    return rsc, task or t, interval_ms


def _crm_mon_failures(root):
    out = []
    failures = root.find("failures")
    if failures is None:
        return out
    for f in failures.findall("failure"):
        op_key = f.get("op_key") or f.get("id")
        rsc, task, interval_ms = _split_op_key(op_key, f.get("task"), f.get("interval"))
        out.append({
            "resource": _base_id(rsc),
            "instance": rsc,
            "node": f.get("node"),
            "operation": task,
            "op_key": op_key,
            "interval_ms": interval_ms,
            "exitstatus": f.get("exitstatus"),
            "exitreason": f.get("exitreason"),
            "exitcode": to_int(f.get("exitcode")),
            "call": to_int(f.get("call")),
            "status": f.get("status"),
            "last_rc_change": f.get("last-rc-change"),
            "queued_ms": to_int(f.get("queued")),
            "exec_ms": to_int(f.get("exec")),
        })
    return out


def _crm_mon_bans(root):
    out = []
    bans = root.find("bans")
    if bans is None:
        return out
    for b in bans.findall("ban"):
        out.append({
            "id": b.get("id"),
            "resource": b.get("resource"),
            "node": b.get("node"),
            "weight": to_int(b.get("weight")),
            "promoted_only": to_bool(b.get("promoted-only"), to_bool(b.get("master_only"), False)),
        })
    return out


def _crm_mon_node_attributes(root):
    out = {}
    attrs = root.find("node_attributes")
    if attrs is None:
        return out
    for n in attrs.findall("node"):
        out[n.get("name")] = dict((a.get("name"), a.get("value")) for a in n.findall("attribute"))
    return out


def _score(value):
    """A Pacemaker score as an int; INFINITY (however spelled) is 1000000."""
    if value is None:
        return None
    v = str(value).strip().upper().lstrip("+")
    if v == "INFINITY":
        return SCORE_INFINITY
    if v == "-INFINITY":
        return -SCORE_INFINITY
    return to_int(v)


def _crm_mon_fail_counts(root):
    out = []
    history = root.find("node_history")
    if history is None:
        return out
    for n in history.findall("node"):
        for rh in n.findall("resource_history"):
            count = _score(rh.get("fail-count"))
            if not count or count <= 0:
                continue
            out.append({
                "resource": _base_id(rh.get("id")),
                "instance": rh.get("id"),
                "node": n.get("name"),
                "fail_count": count,
                "migration_threshold": _score(rh.get("migration-threshold")),
                "last_failure": rh.get("last-failure"),
            })
    return out


def _crm_mon_fence_history(root):
    fh = root.find("fence_history")
    if fh is not None and fh.get("status") not in (None, "", "0"):
        return None
    return fence_events(root)
