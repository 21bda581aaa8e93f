# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster status engine of clusterops.ha.

Parses what Pacemaker and Corosync say about themselves into one plain-dict status model that
health checks, waits, failover drills and rolling updates all read:

- ``crm_mon --output-as=xml --fence-history=3``       -> parse_crm_mon()
- ``stonith_admin --history='*' --output-as=xml``     -> parse_fence_history()
- ``<fence_event>`` of either (the one parser of them) -> fence_events()
- ``corosync-quorumtool -s`` (and ``-s -p``)          -> parse_quorumtool()
- ``corosync-cfgtool -s``                             -> parse_cfgtool()
- ``crmadmin -S <dc> --output-as=xml``                -> parse_crmadmin_state()
- ``crmadmin -D --output-as=xml``                     -> parse_crmadmin_dc()

build_status() combines parsed pieces into the model; evaluate_conditions() and
condition_reasons() judge it; collect() runs the tools through the command seam.

Everything is parsed (xml.etree / line structure), never grepped. Malformed input raises
StatusParseError naming the tool. Standard library only, Python 3.8 syntax at most: this runs on
managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import re
import time
import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

CONDITIONS = ("pacemaker", "quorate", "dc", "online", "settled")

# crm_mon exits with CRM_EX_DISCONNECT (102) when it cannot reach the cluster.
CRM_MON_RC_DISCONNECTED = 102
# corosync-quorumtool -s: 0 quorate, 2 (EXIT_NOT_QUORATE) not quorate, 1 cannot talk to corosync.
QUORUMTOOL_RC_QUORATE = 0
QUORUMTOOL_RC_NOT_QUORATE = 2
QUORUMTOOL_RC_DOWN = 1
# The controller state of a DC with nothing left to do.
DC_IDLE_STATE = "S_IDLE"
DEFAULT_CRMADMIN_TIMEOUT_MS = 5000
# Seconds a crmadmin call may run past its own -t before the seam kills it.
CRMADMIN_GRACE_S = 5
# Pacemaker's INFINITY score (fail counts and migration thresholds are capped at it).
SCORE_INFINITY = 1000000

# Pacemaker < 2.1 spelled the promotable roles Master/Slave; the model always uses the new names.
_LEGACY_ROLES = {"Master": "Promoted", "Slave": "Unpromoted"}
_PROMOTED_ROLES = ("Promoted",)
_UNPROMOTED_ROLES = ("Unpromoted",)
# pacemakerd states in which the cluster daemons are up (pacemakerd-health API schema).
_PACEMAKERD_UP = ("running", "remote")
# Resource operations whose names contain "_" or "-": checked first when splitting an op key.
_KNOWN_TASKS = ("migrate_from", "migrate_to", "reload-agent", "validate-all", "meta-data",
                "monitor", "start", "stop", "promote", "demote", "notify", "reload", "cancel")
_INSTANCE_SUFFIX = re.compile(r":\d+$")
# The first dotted number of `corosync -v` / `pacemakerd --version`.
_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?)")
# How the fencer records a fencing that a person confirmed (``stonith_admin --confirm <node>``: "this node is
# down, trust me") instead of a device carrying it out: the fence event's delegate.
MANUAL_FENCE_DELEGATE = "a human"
# Pacemaker's XML time stamps: '2026-11-25 04:51:02Z', with fractions, 'T', a numeric zone or none (UTC).
_PCMK_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?$")


class StatusParseError(ClusterOpsError, ValueError):
    """The output of a cluster tool could not be understood."""

    def __init__(self, tool, message, text=None):
        self.tool = tool
        self.text = text
        super(StatusParseError, self).__init__("%s: %s" % (tool, message))


# ---------------------------------------------------------------------------------------------
# small helpers


def _bool(value, default=None):
    if value is None:
        return default
    v = str(value).strip().lower()
    if v in ("true", "1", "yes", "on", "y"):
        return True
    if v in ("false", "0", "no", "off", "n"):
        return False
    return default


def _int(value, default=None):
    if value is None:
        return default
    v = str(value).strip()
    if v.endswith("ms"):
        v = v[:-2]
    try:
        if v.lower().startswith("0x"):
            return int(v, 16)
        return int(v)
    except ValueError:
        return default


def _base_id(rsc_id):
    """Strip a clone instance number ("stateful:1" -> "stateful"). CIB ids cannot contain ':'."""
    if rsc_id is None:
        return None
    return _INSTANCE_SUFFIX.sub("", rsc_id)


def _role(role):
    if role is None:
        return None
    return _LEGACY_ROLES.get(role, role)


def parse_pcmk_time(text):
    """A time as Pacemaker's tools print it -> Unix seconds (float), or None. The one reader of them.

    ISO 8601 ('2026-11-25 04:51:02Z', '2026-11-25 04:51:02.123456Z', with or without 'T', with a zone or
    not): no zone is UTC, since Pacemaker converts a time to UTC when it leaves the zone out
    (lib/common/iso8601.c, "Convert to UTC if local timezone was not requested"). Or ctime
    ('Tue Nov 24 22:06:50 2026'), which is the node's local time: crm_mon 2.1 prints last_change and
    last_update that way.
    """
    if not text:
        return None
    text = " ".join(str(text).split())
    try:
        return float(time.mktime(time.strptime(text, "%a %b %d %H:%M:%S %Y")))
    except (ValueError, OverflowError):
        pass
    m = _PCMK_TIME.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(k)) for k in range(1, 7))
    secs = calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) + float(m.group(7) or 0)
    zone = m.group(8)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        secs -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return secs


def _xml_root(tool, xml_text, roots):
    if xml_text is None or not str(xml_text).strip():
        raise StatusParseError(tool, "empty output where XML was expected", xml_text)
    try:
        root = ET.fromstring(xml_text if isinstance(xml_text, str) else xml_text.decode("utf-8"))
    except (ET.ParseError, UnicodeDecodeError) as e:
        raise StatusParseError(tool, "malformed XML (%s)" % e, xml_text)
    if root.tag not in roots:
        raise StatusParseError(tool, "unexpected XML root <%s>, expected <%s>" % (root.tag, "> or <".join(roots)),
                               xml_text)
    return root


def _result_status(root):
    """(code, message, [errors]) of a <pacemaker-result><status .../> document."""
    st = root.find("status")
    if st is None:
        return 0, None, []
    errors = [(e.text or "").strip() for e in st.iter("error") if (e.text or "").strip()]
    return _int(st.get("code"), 0), st.get("message"), errors


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
    root = _xml_root(tool, xml_text, ("pacemaker-result", "crm_mon"))
    code, message, errors = _result_status(root)
    pcmkd = root.find("pacemakerd")
    pcmkd_state = pcmkd.get("state") if pcmkd is not None else None
    summary = root.find("summary")
    running = (code == 0 and summary is not None
               and (pcmkd_state is None or pcmkd_state in _PACEMAKERD_UP))
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
                "standby": _bool(el.get("standby"), False),
                "last_granted": el.get("last-granted"),
            }
    return tickets


def parse_simulate_revised(xml_text):
    """``crm_simulate --simulate --output-as=xml``: its <revised_cluster_status> (the cluster once the predicted
    transition ran) in parse_crm_mon()'s form, so build_status() and every reader of the status model read the
    prediction the way they read the live cluster. Failures, bans and history are not part of a prediction
    (empty)."""
    tool = "crm_simulate"
    root = _xml_root(tool, xml_text, ("pacemaker-result",))
    code, message, errors = _result_status(root)
    revised = root.find("revised_cluster_status")
    if revised is None:
        raise StatusParseError(tool, "no <revised_cluster_status> (was it run with --simulate?)", xml_text)
    nodes = _crm_mon_nodes(revised)
    resources, parents = crm_mon_resources(revised)
    return {"running": code == 0, "code": code, "message": message, "errors": errors,
            "api_version": root.get("api-version"), "pacemakerd_state": None, "has_current_dc": False,
            "cluster": _crm_mon_summary(None, nodes), "nodes": nodes, "resources": resources, "parents": parents,
            "failed_actions": [], "bans": [], "node_attributes": {}, "fail_counts": [], "fence_history": []}


def _empty_cluster():
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
    c = _empty_cluster()
    if summary is None:
        return c
    stack = summary.find("stack")
    if stack is not None:
        c["stack"] = stack.get("type")
    dc = summary.find("current_dc")
    if dc is not None and _bool(dc.get("present"), False):
        c["dc"] = dc.get("name")
        c["dc_id"] = dc.get("id")
        c["dc_version"] = dc.get("version")
        c["with_quorum"] = _bool(dc.get("with_quorum"))
        c["mixed_version"] = _bool(dc.get("mixed_version"))
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
        c["nodes_configured"] = _int(nc.get("number"))
    rc = summary.find("resources_configured")
    if rc is not None:
        c["resources_configured"] = _int(rc.get("number"))
        c["resources_disabled"] = _int(rc.get("disabled"))
        c["resources_blocked"] = _int(rc.get("blocked"))
    opts = summary.find("cluster_options")
    if opts is not None:
        c["stonith_enabled"] = _bool(opts.get("stonith-enabled"))
        c["symmetric_cluster"] = _bool(opts.get("symmetric-cluster"))
        c["no_quorum_policy"] = opts.get("no-quorum-policy")
        c["maintenance_mode"] = _bool(opts.get("maintenance-mode"))
        c["stop_all_resources"] = _bool(opts.get("stop-all-resources"))
        c["stonith_timeout_ms"] = _int(opts.get("stonith-timeout-ms"))
        c["priority_fencing_delay_ms"] = _int(opts.get("priority-fencing-delay-ms"))
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
            "online": _bool(n.get("online"), False),
            "standby": _bool(n.get("standby"), False),
            "standby_onfail": _bool(n.get("standby_onfail"), False),
            "maintenance": _bool(n.get("maintenance"), False),
            "pending": _bool(n.get("pending"), False),
            "unclean": _bool(n.get("unclean"), False),
            "shutdown": _bool(n.get("shutdown"), False),
            "expected_up": _bool(n.get("expected_up")),
            "is_dc": _bool(n.get("is_dc"), False),
            "resources_running": _int(n.get("resources_running"), 0),
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
                    "managed": _bool(child.get("managed")), "disabled": _bool(child.get("disabled")),
                    "maintenance": _bool(child.get("maintenance")),
                    "number_resources": _int(child.get("number_resources")),
                    "promotable": False, "unique": None, "failed": None, "target_role": None,
                }
            _add_child(parents, ctx["parent"], gid)
            sub = dict(ctx, parent=gid, group=gid)
            _walk_resources(child, sub, resources, parents)
        elif child.tag == "clone":
            cid = child.get("id")
            promotable = _bool(child.get("multi_state"), False)
            if cid not in parents:
                parents[cid] = {
                    "kind": "clone", "children": [], "parent": ctx["parent"],
                    "managed": _bool(child.get("managed")), "disabled": _bool(child.get("disabled")),
                    "maintenance": _bool(child.get("maintenance")),
                    "number_resources": None,
                    "promotable": promotable, "unique": _bool(child.get("unique")),
                    "failed": _bool(child.get("failed")), "target_role": child.get("target_role"),
                }
            _add_child(parents, ctx["parent"], cid)
            sub = dict(ctx, parent=cid, clone=cid, promotable=promotable)
            _walk_resources(child, sub, resources, parents)
        elif child.tag == "bundle":
            bid = child.get("id")
            if bid not in parents:
                parents[bid] = {
                    "kind": "bundle", "children": [], "parent": ctx["parent"],
                    "managed": _bool(child.get("managed")), "disabled": _bool(child.get("disabled")),
                    "maintenance": _bool(child.get("maintenance")),
                    "number_resources": None,
                    "promotable": False, "unique": _bool(child.get("unique")),
                    "failed": _bool(child.get("failed")), "target_role": None,
                    "type": child.get("type"), "image": child.get("image"),
                }
            _add_child(parents, ctx["parent"], bid)
            for replica in child.findall("replica"):
                sub = dict(ctx, parent=bid, bundle=bid, replica=_int(replica.get("id")))
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
        "active": _bool(el.get("active"), False),
        "managed": _bool(el.get("managed"), True),
        "failed": _bool(el.get("failed"), False),
        "blocked": _bool(el.get("blocked"), False),
        "orphaned": _bool(el.get("orphaned"), False),
        "failure_ignored": _bool(el.get("failure_ignored"), False),
        "maintenance": _bool(el.get("maintenance")),
        "nodes": nodes,
        "nodes_running_on": _int(el.get("nodes_running_on"), len(nodes)),
        "pending": el.get("pending"),
        "locked_to": el.get("locked_to"),
    }


def _split_op_key(op_key, task=None, interval=None):
    """'bad_start_0' -> ('bad', 'start', 0). Resource ids and task names may contain '_'."""
    if not op_key:
        return None, task, _int(interval)
    rest, sep, tail = op_key.rpartition("_")
    if not sep or _int(tail) is None:
        return op_key, task, _int(interval)
    interval_ms = _int(interval, _int(tail))
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
            "exitcode": _int(f.get("exitcode")),
            "call": _int(f.get("call")),
            "status": f.get("status"),
            "last_rc_change": f.get("last-rc-change"),
            "queued_ms": _int(f.get("queued")),
            "exec_ms": _int(f.get("exec")),
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
            "weight": _int(b.get("weight")),
            "promoted_only": _bool(b.get("promoted-only"), _bool(b.get("master_only"), False)),
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
    return _int(v)


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


# ---------------------------------------------------------------------------------------------
# fencing history (crm_mon --fence-history, stonith_admin --history)


def fence_events(root):
    """Every <fence_event> under root, in document order (Pacemaker lists the pending and the newest first).

    root: crm_mon's <pacemaker-result> (events in <fence_history>) or stonith_admin --history's (events in
    <list name="fencing history">). One dict per event: {target, action, status (success, failed, pending),
    client (who asked: pacemaker-controld.<pid>, stonith_admin.<pid> ...), origin (the node it was asked on),
    delegate (the node whose device fenced; MANUAL_FENCE_DELEGATE for a confirmation by hand), executioner
    (delegate, or the executioner of older outputs), completed (Unix seconds, None while pending), exit_reason,
    manual (a person confirmed the node down with stonith_admin --confirm: nothing fenced it)}.
    """
    out = []
    for ev in root.iter("fence_event"):
        delegate = ev.get("delegate")
        out.append({
            "target": ev.get("target"),
            "action": ev.get("action"),
            "status": ev.get("status"),
            "client": ev.get("client"),
            "origin": ev.get("origin"),
            "delegate": delegate,
            "executioner": ev.get("executioner") or delegate,
            "completed": parse_pcmk_time(ev.get("completed")),
            "exit_reason": ev.get("exit-reason") or None,
            "manual": delegate == MANUAL_FENCE_DELEGATE,
        })
    return out


def _crm_mon_fence_history(root):
    fh = root.find("fence_history")
    if fh is not None and fh.get("status") not in (None, "", "0"):
        return None
    return fence_events(root)


def parse_fence_history(xml_text, tool="stonith_admin"):
    """``stonith_admin --history='*' [--verbose] --output-as=xml`` (or crm_mon's XML) -> fence_events().

    Empty output is an empty history; malformed XML raises StatusParseError naming tool."""
    if xml_text is None or not str(xml_text).strip():
        return []
    return fence_events(_xml_root(tool, xml_text, ("pacemaker-result", "crm_mon")))


# ---------------------------------------------------------------------------------------------
# corosync-quorumtool

_KV_LINE = re.compile(r"^([A-Za-z][A-Za-z ]*?):\s*(.*?)\s*$")
_QUORUMTOOL_KEYS = {
    "Date": "date", "Quorum provider": "provider", "Nodes": "nodes", "Node ID": "node_id",
    "Ring ID": "ring_id", "Quorate": "quorate", "Expected votes": "expected_votes",
    "Highest expected": "highest_expected", "Total votes": "total_votes", "Quorum": "quorum",
    "Flags": "flags",
}


def parse_quorumtool(text, rc=None):
    """Parse ``corosync-quorumtool -s`` (with or without -p) into a dict.

    Returns {quorate, provider, nodes, node_id, ring_id, expected_votes, highest_expected,
    total_votes, quorum, activity_blocked, flags, members, qdevice, local_name, date}.
    rc (0 quorate / 2 not quorate) is only used when the text lacks a "Quorate:" line.
    """
    tool = "corosync-quorumtool"
    if text is None or not text.strip():
        raise StatusParseError(tool, "empty output", text)
    raw = {}
    header = None
    members = []
    qdevice = None
    in_members = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or set(stripped) == {"-"}:
            continue
        if stripped == "Membership information":
            in_members = True
            continue
        if not in_members:
            m = _KV_LINE.match(stripped)
            if m and m.group(1) in _QUORUMTOOL_KEYS:
                raw[_QUORUMTOOL_KEYS[m.group(1)]] = m.group(2)
            continue
        tokens = stripped.split()
        if header is None:
            if tokens[0] != "Nodeid":
                raise StatusParseError(tool, "unexpected membership header %r" % stripped, text)
            header = tokens
            continue
        nodeid = _int(tokens[0])
        if nodeid is None:
            raise StatusParseError(tool, "unexpected membership line %r" % stripped, text)
        if nodeid == 0:
            # The quorum device's own line: "0  <votes>  <name>[ (votes N)]" with an empty
            # Qdevice column; "(votes N)" means the device is not casting its vote here.
            rest = tokens[2:] if "Votes" in header else tokens[1:]
            cast = "(votes" not in rest
            name_tokens = rest[:rest.index("(votes")] if not cast else rest
            votes = _int(tokens[1]) if "Votes" in header else None
            if not cast:
                votes = _int(rest[rest.index("(votes") + 1].rstrip(")"), votes)
            qdevice = {"name": " ".join(name_tokens), "votes": votes, "cast_vote": cast}
            continue
        local = tokens[-1] == "(local)"
        if local:
            tokens = tokens[:-1]
        cols = header[:-1]  # every column but Name holds one token
        if len(tokens) <= len(cols):
            raise StatusParseError(tool, "unexpected membership line %r" % stripped, text)
        row = dict(zip(cols, tokens[:len(cols)]))
        members.append({
            "nodeid": nodeid,
            "votes": _int(row.get("Votes")),
            "qdevice": row.get("Qdevice"),
            "name": " ".join(tokens[len(cols):]),
            "local": local,
        })
    if "quorate" not in raw and header is None:
        raise StatusParseError(tool, "no quorum information found", text)
    if "quorate" in raw:
        quorate = _bool(raw["quorate"])
    elif rc in (QUORUMTOOL_RC_QUORATE, QUORUMTOOL_RC_NOT_QUORATE):
        quorate = rc == QUORUMTOOL_RC_QUORATE
    else:
        quorate = None
    quorum_field = (raw.get("quorum") or "").split()
    local_name = None
    for m in members:
        if m["local"]:
            local_name = m["name"]
    return {
        "quorate": quorate,
        "provider": raw.get("provider"),
        "nodes": _int(raw.get("nodes")),
        "node_id": _int(raw.get("node_id")),
        "ring_id": raw.get("ring_id"),
        "expected_votes": _int(raw.get("expected_votes")),
        "highest_expected": _int(raw.get("highest_expected")),
        "total_votes": _int(raw.get("total_votes")),
        "quorum": _int(quorum_field[0]) if quorum_field else None,
        "activity_blocked": "Activity blocked" in (raw.get("quorum") or ""),
        "flags": (raw.get("flags") or "").split(),
        "members": members,
        "qdevice": qdevice,
        "local_name": local_name,
        "date": raw.get("date"),
    }


# ---------------------------------------------------------------------------------------------
# corosync-cfgtool

_CFG_LOCAL = re.compile(r"^Local node ID\s+(\S+?),\s*transport\s+(\S+)")
_CFG_LINK = re.compile(r"^LINK ID\s+(\d+)\s*(\S*)")
_CFG_ADDR = re.compile(r"^addr\s*=\s*(\S*)")
# corosync 3.1: "nodeid:          2:\tconnected"; 3.0 printed "nodeid   2:\tlink enabled:1\tlink connected:1"
_CFG_NODE = re.compile(r"^nodeid:?\s+(\S+?):\s*(.*)$")


def parse_cfgtool(text):
    """Parse ``corosync-cfgtool -s`` into {local_nodeid, transport, links}.

    links: one entry per (link, node): {link, transport, addr, nodeid, status, connected, local},
    status being "localhost", "connected" or "disconnected".
    """
    tool = "corosync-cfgtool"
    if text is None or not text.strip():
        raise StatusParseError(tool, "empty output", text)
    local_nodeid = None
    transport = None
    links = []
    link = None
    seen_header = False
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        m = _CFG_LOCAL.match(s)
        if m:
            local_nodeid = _int(m.group(1))
            transport = m.group(2)
            seen_header = True
            continue
        m = _CFG_LINK.match(s)
        if m:
            link = {"link": int(m.group(1)), "transport": m.group(2) or None, "addr": None}
            seen_header = True
            continue
        m = _CFG_ADDR.match(s)
        if m and link is not None:
            link["addr"] = m.group(1) or None
            continue
        m = _CFG_NODE.match(s)
        if m and link is not None:
            nodeid = _int(m.group(1))
            if nodeid is None:
                raise StatusParseError(tool, "unexpected node line %r" % s, text)
            detail = m.group(2).strip()
            if detail == "localhost" or nodeid == local_nodeid:
                status = "localhost"
            elif detail == "connected" or "connected:1" in detail:
                status = "connected"
            elif detail == "disconnected" or "connected:0" in detail:
                status = "disconnected"
            else:
                status = detail
            links.append({
                "link": link["link"], "transport": link["transport"], "addr": link["addr"],
                "nodeid": nodeid, "status": status,
                "connected": status in ("localhost", "connected"),
                "local": status == "localhost",
            })
    if not seen_header:
        raise StatusParseError(tool, "no link status found", text)
    return {"local_nodeid": local_nodeid, "transport": transport, "links": links}


# ---------------------------------------------------------------------------------------------
# crmadmin


def parse_crmadmin_state(xml_text):
    """Parse ``crmadmin -S <node> --output-as=xml`` into {node, state, result, code, message}."""
    tool = "crmadmin"
    root = _xml_root(tool, xml_text, ("pacemaker-result",))
    code, message, errors = _result_status(root)
    crmd = root.find("crmd")
    return {
        "node": crmd.get("node_name") if crmd is not None else None,
        "state": crmd.get("state") if crmd is not None else None,
        "result": crmd.get("result") if crmd is not None else None,
        "code": code,
        "message": message,
        "errors": errors,
    }


def parse_crmadmin_dc(xml_text):
    """Parse ``crmadmin -D --output-as=xml`` -> the DC's node name, or None."""
    tool = "crmadmin"
    root = _xml_root(tool, xml_text, ("pacemaker-result",))
    dc = root.find("dc")
    return dc.get("node_name") if dc is not None else None


# ---------------------------------------------------------------------------------------------
# the model


def _empty_quorum():
    return {
        "quorate": None, "expected_votes": None, "highest_expected": None, "total_votes": None,
        "quorum": None, "flags": [], "ring_id": None, "members": [], "provider": None,
        "nodes": None, "node_id": None, "activity_blocked": None, "qdevice": None,
    }


def build_status(crm_mon=None, quorum=None, cfgtool=None, dc_state=None, corosync_running=None,
                 local_node=None, notes=None):
    """Combine parsed tool outputs into the status model (a plain dict).

    crm_mon: parse_crm_mon() result, or None when pacemaker could not be asked.
    quorum: parse_quorumtool() result, or None when corosync is not running.
    cfgtool: parse_cfgtool() result, or None when unknown.
    dc_state: parse_crmadmin_state() result for the DC, or None when unknown.
    corosync_running: overrides the guess (a parsed quorum means corosync runs).
    local_node: overrides the quorumtool "(local)" member's name.

    The model's fence_history is parse_crm_mon()'s (fence_events(): every fencing the fencers remember when
    crm_mon ran with --fence-history=3, the manual confirmations marked), [] when Pacemaker is down and None
    when crm_mon could not read it.
    """
    pacemaker = bool(crm_mon and crm_mon.get("running"))
    if corosync_running is None:
        corosync_running = quorum is not None or pacemaker
    corosync_running = bool(corosync_running)

    cluster = _empty_cluster()
    nodes = []
    resources = []
    parents = {}
    failed = []
    bans = []
    node_attributes = {}
    fail_counts = []
    fence_history = []
    tickets = {}
    if pacemaker:
        cluster.update(crm_mon["cluster"])
        nodes = list(crm_mon["nodes"])
        resources = list(crm_mon["resources"])
        parents = dict((k, dict(v, children=list(v["children"]))) for k, v in crm_mon["parents"].items())
        failed = list(crm_mon["failed_actions"])
        bans = list(crm_mon["bans"])
        node_attributes = dict(crm_mon["node_attributes"])
        fail_counts = [dict(fc) for fc in crm_mon.get("fail_counts") or []]
        fence_history = crm_mon.get("fence_history", [])
        fence_history = None if fence_history is None else [dict(ev) for ev in fence_history]
        tickets = dict((k, dict(t)) for k, t in (crm_mon.get("tickets") or {}).items())

    q = _empty_quorum()
    if quorum is not None:
        for k in q:
            if k in quorum:
                q[k] = quorum[k]

    if local_node is None and quorum is not None:
        local_node = quorum.get("local_name")

    by_id = {}
    for r in resources:
        agg = by_id.get(r["id"])
        if agg is None:
            agg = by_id[r["id"]] = {
                "running_on": [], "promoted_on": [], "unpromoted_on": [], "roles": [], "instances": 0,
                "active_instances": 0, "agent": r["agent"], "parent": r["parent"], "group": r["group"],
                "clone": r["clone"], "bundle": r["bundle"], "promotable": r["promotable"],
                "managed": True, "failed": False, "blocked": False, "target_role": r["target_role"],
            }
        agg["instances"] += 1
        agg["roles"].append(r["role"])
        agg["managed"] = agg["managed"] and r["managed"]
        agg["failed"] = agg["failed"] or r["failed"]
        agg["blocked"] = agg["blocked"] or r["blocked"]
        if r["active"]:
            agg["active_instances"] += 1
            for n in r["nodes"]:
                if n not in agg["running_on"]:
                    agg["running_on"].append(n)
                if r["role"] in _PROMOTED_ROLES and n not in agg["promoted_on"]:
                    agg["promoted_on"].append(n)
                if r["role"] in _UNPROMOTED_ROLES and n not in agg["unpromoted_on"]:
                    agg["unpromoted_on"].append(n)

    for pid in parents:
        running = []
        for r in resources:
            if r["active"] and _within(r, pid, parents):
                running.extend(n for n in r["nodes"] if n not in running)
        parents[pid]["running_on"] = running

    pending_actions = [
        {"resource": r["id"], "instance": r["instance"], "nodes": list(r["nodes"]), "pending": r["pending"]}
        for r in resources if r["pending"]
    ]

    dc_state_name = dc_state.get("state") if dc_state else None
    if not pacemaker:
        settled = None
    elif cluster["dc"] is None:
        settled = False
    elif pending_actions or any(n["pending"] for n in nodes):
        settled = False
    elif dc_state_name is None:
        settled = None
    else:
        settled = dc_state_name == DC_IDLE_STATE

    links = list(cfgtool["links"]) if cfgtool else []

    crm_mon_info = {
        "code": crm_mon.get("code") if crm_mon else None,
        "message": crm_mon.get("message") if crm_mon else None,
        "errors": list(crm_mon.get("errors") or []) if crm_mon else [],
        "api_version": crm_mon.get("api_version") if crm_mon else None,
        "pacemakerd_state": crm_mon.get("pacemakerd_state") if crm_mon else None,
    }

    return {
        "local_node": local_node,
        "stack": {"corosync": corosync_running, "pacemaker": pacemaker},
        "cluster": cluster,
        "quorum": q,
        "nodes": nodes,
        "nodes_online": [n["name"] for n in nodes if n["online"]],
        "nodes_offline": [n["name"] for n in nodes if not n["online"]],
        "nodes_standby": [n["name"] for n in nodes if n["standby"]],
        "resources": resources,
        "resources_by_id": by_id,
        "parents_by_id": parents,
        "failed_actions": failed,
        "bans": bans,
        "node_attributes": node_attributes,
        "fail_counts": fail_counts,
        "fence_history": fence_history,
        "tickets": tickets,
        "links": links,
        "links_disconnected": [dict(link=lk["link"], nodeid=lk["nodeid"]) for lk in links if not lk["connected"]],
        "dc_state": dc_state_name,
        "pending_actions": pending_actions,
        "settled": settled,
        "crm_mon": crm_mon_info,
        "notes": list(notes or []),
    }


def _within(resource, parent_id, parents):
    """Is this resource instance (transitively) inside the given collection?"""
    pid = resource["parent"]
    seen = set()
    while pid is not None and pid not in seen:
        if pid == parent_id:
            return True
        seen.add(pid)
        pid = parents.get(pid, {}).get("parent")
    return False


# ---------------------------------------------------------------------------------------------
# conditions


def _check_pacemaker(status):
    if status["stack"]["pacemaker"]:
        return True, None
    cm = status.get("crm_mon") or {}
    state = cm.get("pacemakerd_state")
    if state and state not in _PACEMAKERD_UP:
        return False, "pacemakerd is %s" % state
    details = [d for d in [cm.get("message")] + list(cm.get("errors") or [])[-1:] if d]
    if not status["stack"]["corosync"]:
        details.append("corosync not running")
    if details:
        return False, "not running (%s)" % "; ".join(details)
    return False, "not running"


def _check_quorate(status):
    q = status["quorum"]
    cl = status["cluster"]
    if not status["stack"]["corosync"]:
        return False, "corosync not running"
    if q["quorate"] is False:
        return False, "corosync not quorate (%s of %s votes needed)" % (q["total_votes"], q["quorum"])
    if status["stack"]["pacemaker"] and cl["with_quorum"] is False:
        return False, "pacemaker (DC %s) has no quorum" % cl["dc"]
    if q["quorate"] is None and cl["with_quorum"] is None:
        return False, "quorum state unknown"
    return True, None


def _check_dc(status):
    if not status["stack"]["pacemaker"]:
        return False, "pacemaker not running"
    if not status["cluster"]["dc"]:
        return False, "no DC elected"
    return True, None


def _check_online(status, expected_nodes):
    nodes = dict((n["name"], n) for n in status["nodes"])
    if not status["stack"]["pacemaker"]:
        return False, "pacemaker not running, node states unknown"
    if expected_nodes:
        names = list(expected_nodes)
    else:
        names = [n["name"] for n in status["nodes"] if n.get("type") != "ping"]
    if not names:
        return False, "the cluster knows no nodes"
    problems = []
    for name in names:
        n = nodes.get(name)
        if n is None:
            problems.append("%s unknown to the cluster" % name)
            continue
        bad = []
        if not n["online"]:
            bad.append("offline")
        if n["unclean"]:
            bad.append("unclean")
        if n["pending"]:
            bad.append("pending")
        if bad:
            problems.append("%s %s" % (name, "/".join(bad)))
    if problems:
        return False, ", ".join(problems)
    return True, None


def _check_settled(status):
    if status["settled"] is True:
        return True, None
    if not status["stack"]["pacemaker"]:
        return False, "pacemaker not running"
    if not status["cluster"]["dc"]:
        return False, "no DC elected"
    pend = ["%s %s%s" % (p["instance"], p["pending"], " on " + ",".join(p["nodes"]) if p["nodes"] else "")
            for p in status["pending_actions"]]
    pend += ["node %s pending" % n["name"] for n in status["nodes"] if n["pending"]]
    if pend:
        return False, "pending: " + ", ".join(pend)
    if status["dc_state"] is None:
        return False, "state of DC %s unknown" % status["cluster"]["dc"]
    return False, "DC %s is in %s, not %s" % (status["cluster"]["dc"], status["dc_state"], DC_IDLE_STATE)


def check_conditions(status, expected_nodes=None):
    """{name: (ok, reason)} for every condition; reason is None when ok."""
    return {
        "pacemaker": _check_pacemaker(status),
        "quorate": _check_quorate(status),
        "dc": _check_dc(status),
        "online": _check_online(status, expected_nodes),
        "settled": _check_settled(status),
    }


def evaluate_conditions(status, expected_nodes=None):
    """{name: bool} for pacemaker, quorate, dc, online and settled."""
    return dict((k, v[0]) for k, v in check_conditions(status, expected_nodes).items())


def condition_reasons(status, expected_nodes=None):
    """{name: why it does not hold, or None}."""
    return dict((k, v[1]) for k, v in check_conditions(status, expected_nodes).items())


class Waited:
    """What wait_for saw: met (the condition held), value (the last read that succeeded, or None), error (the
    exception of the last read when it failed and was tolerated, or None), waited (seconds)."""

    def __init__(self, met, value, error, waited):
        self.met, self.value, self.error, self.waited = met, value, error, waited


def wait_for(read, done, timeout, interval, clock, sleep, tolerate=()):
    """The one wait of the collection: read() until done(value) holds, for at most timeout seconds.

    read takes no argument and returns the value (a status, a tuple); an exception of a type in tolerate makes
    that poll fail and the wait go on (a stack that is starting or stopping), any other ends the wait. done is
    called with each value read; it may keep state (the first time something held). Reads happen at once and
    then every interval seconds, the last sleep cut to the time left; a timeout of 0 reads once. clock and
    sleep are the caller's (time.monotonic and time.sleep; tests give fakes), so nothing here sleeps in tests.
    """
    start = clock()
    value = error = None
    while True:
        try:
            value, error = read(), None
        except tolerate as e:  # pylint: disable=catching-non-exception
            error = e
        if error is None and done(value):
            return Waited(True, value, None, clock() - start)
        remaining = start + timeout - clock()
        if remaining <= 0:
            return Waited(False, value, error, clock() - start)
        sleep(min(interval, remaining))


# ---------------------------------------------------------------------------------------------
# collection through the command seam


def _tail(result):
    lines = (result.stderr.strip() or result.stdout.strip()).splitlines()
    return lines[-1] if lines else "no output"


def collect(runner, crmadmin_timeout_ms=DEFAULT_CRMADMIN_TIMEOUT_MS):
    """Run the cluster's own tools through the seam and return the status model.

    Raises CommandError/CommandNotFound (from the seam) for unexpected failures and
    StatusParseError for output that cannot be understood.
    """
    notes = []
    timeout = str(int(crmadmin_timeout_ms))

    # Corosync: quorum and membership. rc 1 means corosync cannot be reached.
    res = runner.run(["corosync-quorumtool", "-s"],
                     ok_rcs=(QUORUMTOOL_RC_QUORATE, QUORUMTOOL_RC_NOT_QUORATE, QUORUMTOOL_RC_DOWN))
    quorum = None
    corosync = res.rc != QUORUMTOOL_RC_DOWN
    if corosync:
        quorum = parse_quorumtool(res.stdout, rc=res.rc)
    else:
        notes.append("corosync-quorumtool -s: rc=%s: %s" % (res.rc, _tail(res)))

    # Corosync: knet link status. rc 1 means corosync cannot be reached.
    cfg = None
    if corosync:
        res = runner.run(["corosync-cfgtool", "-s"], ok_rcs=(0, 1))
        if res.rc == 0:
            cfg = parse_cfgtool(res.stdout)
        else:
            notes.append("corosync-cfgtool -s: rc=%s: %s" % (res.rc, _tail(res)))

    # Pacemaker: the whole picture, with every fencing action the fencers remember (level 3: successes too,
    # among them the manual confirmations). rc 102 means not connected (the XML still says why).
    res = runner.run(["crm_mon", "--output-as=xml", "--fence-history=3"], ok_rcs=(0, CRM_MON_RC_DISCONNECTED))
    if res.stdout.strip() or res.rc == 0:
        crm = parse_crm_mon(res.stdout)
    else:
        crm = {"running": False, "code": res.rc, "message": "Not connected",
               "errors": [_tail(res)] if (res.stderr.strip() or res.stdout.strip()) else [],
               "api_version": None, "pacemakerd_state": None}
    pacemaker = crm["running"]

    dc = crm["cluster"]["dc"] if pacemaker else None
    if pacemaker and dc is None and not crm.get("has_current_dc", True):
        # Only an older crm_mon without <current_dc> leaves us asking the controller directly.
        dc = _ask_dc(runner, timeout, notes)
        if dc:
            crm["cluster"]["dc"] = dc

    dc_state = None
    if pacemaker and dc:
        dc_state = _ask_dc_state(runner, dc, timeout, notes)

    local_node = quorum.get("local_name") if quorum else None
    if local_node is None and pacemaker:
        local_node = _ask_local_node(runner, notes)

    return build_status(crm_mon=crm, quorum=quorum, cfgtool=cfg, dc_state=dc_state,
                        corosync_running=corosync, local_node=local_node, notes=notes)


def _crmadmin_kill_after(timeout):
    """Seconds after which a crmadmin call is killed: its own -t does not hold when the DC it asks
    has just died (seen in a rolling update when the DC was killed: crmadmin -S waited for ever)."""
    return int(timeout) / 1000.0 + CRMADMIN_GRACE_S


def parse_version(text):
    """The first dotted number of ``corosync -v`` / ``pacemakerd --version``, or None."""
    m = _VERSION.search(text or "")
    return m.group(1) if m else None


def read_stack_versions(runner):
    """{corosync, pacemaker}: the installed versions on this node (None where the tool is missing or fails)."""
    out = {}
    for name, argv in (("corosync", ["corosync", "-v"]), ("pacemaker", ["pacemakerd", "--version"])):
        try:
            res = runner.run(argv, check=False)
        except CommandError:
            out[name] = None
            continue
        out[name] = parse_version(res.stdout) if res.rc == 0 else None
    return out


def _ask_dc(runner, timeout, notes):
    res = runner.run(["crmadmin", "-D", "-t", timeout, "--output-as=xml"], check=False,
                     timeout=_crmadmin_kill_after(timeout))
    if res.rc != 0:
        notes.append("crmadmin -D: rc=%s: %s" % (res.rc, _tail(res)))
        return None
    return parse_crmadmin_dc(res.stdout)


def _ask_dc_state(runner, dc, timeout, notes):
    res = runner.run(["crmadmin", "-S", dc, "-t", timeout, "--output-as=xml"], check=False,
                     timeout=_crmadmin_kill_after(timeout))
    if res.rc == 0:
        return parse_crmadmin_state(res.stdout)
    # A DC that does not answer in time (election, overload) leaves "settled" unknown.
    notes.append("crmadmin -S %s: rc=%s: %s" % (dc, res.rc, _tail(res)))
    try:
        parsed = parse_crmadmin_state(res.stdout)
    except StatusParseError:
        return None
    return parsed if parsed["state"] else None


def _ask_local_node(runner, notes):
    try:
        res = runner.run(["crm_node", "-n"], check=False)
    except CommandError as e:
        notes.append(str(e))
        return None
    lines = [ln.strip() for ln in res.stdout.splitlines() if ln.strip()]
    if res.rc == 0 and len(lines) == 1:
        return lines[0]
    notes.append("crm_node -n: rc=%s: %s" % (res.rc, _tail(res)))
    return None
