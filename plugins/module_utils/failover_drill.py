# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The failover drill engine of clusterops.ha (pure: what was read in, decisions and reports out).

A drill injects one fault on purpose and measures how the cluster recovers. This module holds
every decision of a drill; the module failover_drill runs the commands, the role sequences them.

- discover_services(config)                 -> the services: active-passive sets of resources that
                                               run together (groups, colocations), clones, their VIPs
- plan(specs, services, status, nodes, ...) -> each drill resolved: its victim node, its service,
                                               the services it affects, what restore will do
- op_durations(cib_root)                    -> how long each resource's start, stop, monitor, promote,
                                               demote and notify took (the CIB's own operation history)
- expected(drill, ...)                      -> the recovery to expect, from the cluster's settings,
                                               term by term, and a worst-case bound
- sample(...)                               -> one observation of the cluster from one node
- probe_writes(summary, probe_services)     -> a database writer's read-back per service (its summary file)
- evaluate(drill, samples, probes, fences)  -> per service: measured recovery, cluster's and client's
                                               view, the writes, verdict; and the invariants of the drill
- relevant_lines(lines, ...)                -> the log lines that tell the story of one failover
- render_markdown(report)                   -> the report for people

Times are Unix seconds (floats) on every clock involved: the nodes' and the controller's clocks
must agree (NTP), as they must for a cluster's logs anyway. Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils import cluster_status, timeline
from ansible_collections.clusterops.ha.plugins.module_utils.timeline import iso_time
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import running_timing
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError, flag, name as known_name, shape

DRILLS = ("standby", "move", "kill_process", "crash", "partition", "hang")
PLANNED = ("standby", "move")
NODE_FAULTS = ("crash", "partition", "hang")
# Drills whose victim is a node (the others name a service).
NODE_DRILLS = ("standby",) + NODE_FAULTS
CRASH_METHODS = ("command", "sysrq", "kill_corosync")

# An allowance for the DC's scheduler run and the dispatch of the actions it decides (seconds).
TRANSITION_S = 1.0
# An operation the CIB has no record of is assumed to take this long (seconds).
UNRECORDED_OP_S = 1.0
# The roles a service can follow: a colocation's with-rsc-role (Master is Pacemaker < 2.1's name).
_PROMOTED_ROLES = ("Promoted", "Master")
# Pacemaker's default operation timeout and stonith-timeout (seconds).
DEFAULT_OP_TIMEOUT_S = 20.0
DEFAULT_STONITH_TIMEOUT_S = 60.0
# A node's sample older than this (seconds) says nothing about now: the node is down or paused.
STALE_S = 3.0
# What a drill keeps of a fence event (cluster_status.fence_events()).
_FENCE_KEYS = ("target", "action", "status", "executioner", "completed")

_VIP_AGENTS = ("ocf:heartbeat:IPaddr2", "ocf:heartbeat:IPaddr", "ocf:heartbeat:IPsrcaddr")
# Process names of common agents, for kill_process without an explicit process.
_AGENT_PROCESS = {
    "ocf:heartbeat:nginx": "nginx",
    "ocf:heartbeat:apache": "apache2",
    "ocf:heartbeat:haproxy": "haproxy",
    "ocf:heartbeat:pgsql": "postgres",
    "ocf:heartbeat:pgsqlms": "postgres",
    "ocf:heartbeat:mysql": "mysqld",
    "ocf:heartbeat:redis": "redis-server",
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|msec|s|sec|m|min|h|hr)?\s*$", re.IGNORECASE)
_UNIT_S = {None: 1.0, "ms": 0.001, "msec": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "hr": 3600.0}
_OP_TASKS = ("start", "stop", "monitor", "promote", "demote", "migrate_to", "migrate_from", "notify", "reload")
# The operations op_durations() reads; each succeeds with rc 0 (a monitor with 7 or 8 too, see there).
_TIMED_TASKS = ("start", "stop", "monitor", "promote", "demote", "notify")
# Log lines worth a place in a failover's story besides those naming its resources.
_FENCING = re.compile(r"Requesting (?:peer )?fencing|Operation '(?:reboot|off|on)'|was terminated \(|will be fenced|"
                      r"Scheduling node \S+ for fencing|fencing (?:of|targeting) \S+ (?:failed|timed out)", re.IGNORECASE)
_QUORUM = re.compile(r"\[QUORUM\]|\bquorum (?:lost|acquired|regained)\b|A new membership|Token has not been received|"
                     r"non-primary component|primary component", re.IGNORECASE)
_NODE_STATE = re.compile(r"\b(?:lost|unclean|state is now|is now (?:lost|member|offline|online)|left|joined|offline|online)\b",
                         re.IGNORECASE)


class DrillError(ClusterOpsError, ValueError):
    """A drill that cannot be planned: the message names the field and what is allowed."""


# ---------------------------------------------------------------------------------------------
# settings


def duration_s(text, default=None):
    """Pacemaker's and corosync's durations ('10s', '500ms', '1min', '20') in seconds; default when empty."""
    if text is None or str(text).strip() == "":
        return default
    m = _DURATION.match(str(text))
    if not m:
        return default
    return float(m.group(1)) * _UNIT_S[(m.group(2) or "").lower() or None]


def _is_stonith(agent):
    return bool(agent) and str(agent).startswith("stonith:")


def _by_id(items):
    return dict((i.get("id"), i) for i in items or [])


def _is_true(value, default=False):
    """A Pacemaker boolean -> bool; default when not given or not a boolean word (validate.flag)."""
    return flag(value, default)


def _infinite(score):
    """A colocation's score is INFINITY (not given: Pacemaker's default)."""
    return str("INFINITY" if score is None else score).lstrip("+") in ("INFINITY", "inf")


def _op(prim, name, config):
    """(interval_s, timeout_s) of a primitive's operation (op_defaults and Pacemaker's default fill in)."""
    defaults = (config or {}).get("op_defaults") or {}
    for op in prim.get("operations") or []:
        if op.get("name") == name:
            return (duration_s(op.get("interval"), 0.0),
                    duration_s(op.get("timeout"), duration_s(defaults.get("timeout"), DEFAULT_OP_TIMEOUT_S)))
    return (0.0, duration_s(defaults.get("timeout"), DEFAULT_OP_TIMEOUT_S))


def timing(cmap):
    """Effective token and consensus (ms) from parsed ``corosync-cmapctl`` output (runtime values first;
    corosync_runtime.running_timing())."""
    return running_timing(cmap)


def op_durations(cib_root):
    """{resource: {op: seconds}}: the longest successful run of each start, stop, monitor, promote, demote and
    notify the CIB's status section records (lrm_rsc_op exec-time), over every node. Clone instances count under
    their base id. The history keeps a resource's last operation per node (and its recurring monitors), so a
    promote or demote is there on the node whose last operation it was."""
    out = {}
    if cib_root is None:
        return out
    for rsc in cib_root.iter("lrm_resource"):
        rid = (rsc.get("id") or "").split(":", 1)[0]
        for op in rsc.findall("lrm_rsc_op"):
            task = op.get("operation")
            # Success is rc 0; a probe (a monitor with interval 0) also succeeds with 7 (not running) or
            # 8 (promoted), and a recurring monitor of a promoted instance with 8.
            ok = ("0",)
            if task == "monitor":
                ok = ("0", "7", "8") if op.get("interval") in (None, "0") else ("0", "8")
            if task not in _TIMED_TASKS or op.get("rc-code") not in ok:
                continue
            try:
                secs = int(op.get("exec-time") or 0) / 1000.0
            except ValueError:
                continue
            mine = out.setdefault(rid, {})
            mine[task] = max(mine.get(task, 0.0), secs)
    return out


def fencing_settings(config, victim):
    """What fencing costs for a victim: {enabled, devices, delay_s, delay_terms, timeout_s} from the configuration."""
    props = (config or {}).get("properties") or {}
    enabled = _is_true(props.get("stonith-enabled"), True)
    devices = []
    delay = 0.0
    terms = []
    timeout = duration_s(props.get("stonith-timeout"), DEFAULT_STONITH_TIMEOUT_S)
    for prim in (config or {}).get("primitives") or []:
        if not _is_stonith(prim.get("agent")):
            continue
        params = prim.get("params") or {}
        hosts = str(params.get("pcmk_host_list") or "").replace(",", " ").split()
        if hosts and victim not in hosts:
            continue
        devices.append(prim["id"])
        base = _delay_base(params.get("pcmk_delay_base"), victim)
        dmax = duration_s(params.get("pcmk_delay_max"), 0.0)
        if base + dmax > delay:
            delay = base + dmax
            terms = [t for t in (("pcmk_delay_base of %s" % prim["id"], base),
                                 ("pcmk_delay_max of %s (random, up to)" % prim["id"], dmax)) if t[1]]
        timeout = max(timeout, duration_s(params.get("pcmk_reboot_timeout"), 0.0))
    priority = duration_s(props.get("priority-fencing-delay"), 0.0)
    if priority:
        delay += priority
        terms.append(("priority-fencing-delay", priority))
    return {"enabled": enabled and bool(devices), "stonith_enabled": enabled, "devices": devices,
            "delay_s": delay, "delay_terms": terms, "timeout_s": timeout}


def _delay_base(value, victim):
    """pcmk_delay_base is a duration, or per node 'node1:5s;node2:0s'."""
    if value is None:
        return 0.0
    text = str(value)
    if ":" in text:
        for part in re.split(r"[;,\s]+", text):
            if ":" in part:
                name, _sep, val = part.partition(":")
                if name == victim:
                    return duration_s(val, 0.0)
        return 0.0
    return duration_s(text, 0.0)


# ---------------------------------------------------------------------------------------------
# services


def discover_services(config, order=None):
    """The services in a live configuration (cib.export() format), in CIB order.

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
    prims = _by_id(config.get("primitives"))
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
        if pid in in_group or pid in cloned or _is_stonith(prim.get("agent")):
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
        if any(_is_stonith((prims.get(m) or {}).get("agent")) for m in members):
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


# ---------------------------------------------------------------------------------------------
# plan


def _placements(resources):
    """({rsc: [nodes]}, {rsc: [nodes]}): where each non-fencing resource runs, and where it is failed
    (its recovery pending: not running, whatever crm_mon's "active" says). Clone instances under their base id."""
    rsc, failed = {}, {}
    for r in resources or []:
        if _is_stonith(r.get("agent")):
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
    rsc, _failed = _placements(status.get("resources"))
    return {"rsc": rsc, "online": list(status.get("nodes_online") or []), "fail": fail_totals(status.get("fail_counts"))}


# The keys a drill spec may have (failover_drill_drills items).
SPEC_KEYS = ("type", "id", "node", "service", "to", "resource", "process")
_SPEC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_specs(specs, field="drills"):
    """The drills as written, judged by their shape alone (no cluster needed): a non-empty list of
    mappings with known keys, a known type and text values; an id is 1-64 letters, digits, '.', '-', '_'
    (it names the report's files). Returns specs; raises ValidationError naming field[i].key."""
    if not isinstance(specs, list) or not specs:
        raise ValidationError(field, specs, "%r is not a list of drills (each a mapping such as {type: standby})"
                              % (specs,))
    for i, spec in enumerate(specs):
        label = "%s[%d]" % (field, i)
        if not isinstance(spec, dict):
            raise ValidationError(label, spec, "%r is not a drill (a mapping such as {type: standby})" % (spec,))
        for key in spec:
            known_name(key, label, SPEC_KEYS, what="drill key")
        known_name(spec.get("type"), label + ".type", DRILLS, what="drill type")
        for key in SPEC_KEYS[1:]:
            value = spec.get(key)
            if value is not None and not (isinstance(value, str) and value.strip()):
                raise ValidationError("%s.%s" % (label, key), value, "%r is not a name (a non-empty string)" % (value,))
        if spec.get("id") is not None and not _SPEC_ID.fullmatch(spec["id"]):
            raise ValidationError(label + ".id", spec["id"], "%r is not a drill id (1-64 letters, digits, '.', '-' "
                                                             "or '_', beginning with a letter or digit)" % (spec["id"],))
    return specs


def plan(specs, services, status, nodes, process_of=None):
    """Resolve drill specs ([{type, node?, service?, resource?, process?, to?}]) against the live cluster.

    Returns [{id, type, node, service, resource, process, to, affected: [service names], restore: text,
    description}] or raises DrillError naming the drill and field. A drill without a node takes the node
    that runs the most active-passive services; without a service, the first active-passive service.
    """
    view = status_view(status)
    online = [n for n in nodes if n in view["online"]]
    standby = set(status.get("nodes_standby") or [])
    by_name = dict((s["name"], s) for s in services)
    ap = [s for s in services if s["kind"] == "active-passive"]
    where = dict((s["name"], service_node(s, view)) for s in ap)
    try:
        check_specs(specs)
    except ValidationError as e:
        raise DrillError(str(e))
    out = []
    for i, spec in enumerate(specs):
        label = "drills[%d]" % i
        kind = spec["type"]
        node = spec.get("node")
        svc = spec.get("service")
        if svc is not None and svc not in by_name:
            raise DrillError("%s.service: %r is not a service of this cluster; services: %s"
                             % (label, svc, ", ".join(sorted(by_name)) or "none"))
        if kind in NODE_DRILLS:
            if node is None:
                node = _busiest(online, where)
            if node not in nodes:
                raise DrillError("%s.node: %r is not a node of this cluster; nodes: %s" % (label, node, ", ".join(nodes)))
            if node not in online:
                raise DrillError("%s.node: %s is not online; a drill needs every node online" % (label, node))
            affected = [s["name"] for s in ap if where[s["name"]] == node]
            affected += [s["name"] for s in services if s["kind"] == "active-active"
                         and node in clone_nodes(s, view)]
            drill = {"type": kind, "node": node, "service": None, "resource": None, "process": None, "to": None,
                     "affected": affected,
                     # Everything the node runs (a standby stops it all), fencing devices included.
                     "node_resources": sorted(set(r["id"] for r in status.get("resources") or []
                                                  if r.get("active") and node in (r.get("nodes") or [])))}
        else:
            if svc is None:
                if not ap:
                    raise DrillError("%s.service: the cluster has no active-passive service to %s" % (label, kind))
                svc = ap[0]["name"]
            service = by_name[svc]
            if service["kind"] != "active-passive":
                raise DrillError("%s.service: %s is a clone; %s drills take an active-passive service" % (label, svc, kind))
            at = where[svc]
            if at is None:
                raise DrillError("%s.service: %s does not run on one online node now; start it before the drill" % (label, svc))
            drill = {"type": kind, "node": at, "service": svc, "resource": None, "process": None, "to": None,
                     "affected": [svc]}
            if kind == "move":
                to = spec.get("to") or next((n for n in online if n != at and n not in standby), None)
                if to is None or to not in online or to == at or to in standby:
                    raise DrillError("%s.to: the move needs an online node other than %s that is not in standby, got %r"
                                     % (label, at, spec.get("to")))
                drill["to"] = to
            else:
                rid = spec.get("resource") or service["resources"][-1]
                if rid not in service["resources"]:
                    raise DrillError("%s.resource: %r is not a member of %s; members: %s"
                                     % (label, rid, svc, ", ".join(service["resources"])))
                agent = (process_of or {}).get(rid)
                proc = spec.get("process") or _AGENT_PROCESS.get(agent) or (
                    agent.split(":", 1)[1] if agent and agent.startswith("systemd:") else None)
                if not proc:
                    raise DrillError("%s.process: %s (%s) has no known process; give the process to kill (a pgrep -f pattern)"
                                     % (label, rid, agent or "unknown agent"))
                drill["resource"] = rid
                drill["process"] = proc
        drill["id"] = spec.get("id") or "%02d-%s" % (i + 1, kind.replace("_", "-"))
        drill["restore"] = _restore_text(drill)
        drill["description"] = _describe(drill)
        out.append(drill)
    ids = [d["id"] for d in out]
    dup = sorted(set(x for x in ids if ids.count(x) > 1))
    if dup:
        raise DrillError("drills[].id: must be unique, %s given twice" % ", ".join(dup))
    return out


def clone_nodes(service, view):
    """The online nodes that run every member of an active-active service, in one view."""
    online = view.get("online") or []
    sets = [set(n for n in (view.get("rsc") or {}).get(m) or [] if n in online) for m in service["resources"]]
    return set.intersection(*sets) if sets else set()


def _busiest(online, where):
    counts = dict((n, 0) for n in online)
    for node in where.values():
        if node in counts:
            counts[node] += 1
    if not online:
        return None
    return max(online, key=lambda n: (counts[n], -online.index(n)))


def _restore_text(d):
    return {
        "standby": "take %s out of standby" % d["node"],
        "move": "clear the move constraint of %s" % d["service"],
        "kill_process": "clean up the fail count of %s" % d["resource"],
        "crash": "start %s again if fencing did not, wait until it rejoins, clean up" % d["node"],
        "partition": "reconnect %s, wait until it rejoins, clean up" % d["node"],
        "hang": "resume %s if fencing did not restart it, wait until it rejoins, clean up" % d["node"],
    }[d["type"]]


def _describe(d):
    return {
        "standby": "put %s in standby (planned)" % d["node"],
        "move": "move %s from %s to %s (planned)" % (d["service"], d["node"], d["to"]),
        "kill_process": "kill the %s process of %s on %s" % (d["process"], d["resource"], d["node"]),
        "crash": "crash %s" % d["node"],
        "partition": "cut %s off the network" % d["node"],
        "hang": "hang %s (freeze every process)" % d["node"],
    }[d["type"]]


# ---------------------------------------------------------------------------------------------
# expected recovery


def expected(drill, services, config, cmap_timing, durations, fence_action_s, sample_interval_s):
    """{service: {expected_s, bound_s, terms: [{term, s}], bound_terms}} for the services a drill affects.

    expected: the deterministic waits at their full values (detection by token and consensus, the
    monitor interval, fencing delays), the fence action (the caller's estimate of the device), the
    operations as long as the CIB recorded them last (for a standby, the stops of everything the node
    runs, which may run one at a time), a scheduler allowance and the observation's sample interval.
    bound: the same with operation timeouts and stonith-timeout, the worst case.
    An active-passive service that follows a promotable clone's promoted role (discover_services()) takes the
    promotion with it when a move, a standby or a node fault moves it: its terms add the promotion's
    (_promotion_terms()). An active-active service keeps running on the other nodes: 0 expected.
    """
    prims = _by_id((config or {}).get("primitives"))
    by_name = dict((s["name"], s) for s in services)
    out = {}
    for name in drill["affected"]:
        svc = by_name[name]
        if svc["kind"] == "active-active":
            out[name] = {"expected_s": 0.0, "bound_s": 0.0,
                         "terms": [{"term": "instances on the other nodes keep serving", "s": 0.0}], "bound_terms": []}
            continue
        terms, bound = [], []
        members = svc["resources"]
        if drill["type"] == "kill_process":
            idx = members.index(drill["resource"])
            members = members[idx:]
            interval, mon_timeout = _op(prims.get(drill["resource"], {}), "monitor", config)
            rec = durations.get(drill["resource"], {}).get("monitor", UNRECORDED_OP_S)
            terms.append(("monitor interval of %s (the failure is seen at the next monitor)" % drill["resource"], interval))
            terms.append(("monitor of %s (recorded)" % drill["resource"], rec))
            bound += [("monitor interval of %s" % drill["resource"], interval), ("monitor timeout", mon_timeout)]
        if drill["type"] == "standby":
            # The node stops everything it runs, and Pacemaker may run those stops one at a time
            # (node-action-limit, lower still when it throttles a loaded node): all of them count.
            stops = list(reversed(members)) + [r for r in drill.get("node_resources") or [] if r not in members]
        elif drill["type"] in PLANNED or drill["type"] == "kill_process":
            stops = list(reversed(members))
        else:
            stops = []
        for m in stops:
            terms.append(_rec(durations, m, "stop"))
            bound.append(("stop timeout of %s" % m, _op(prims.get(m, {}), "stop", config)[1]))
        if drill["type"] in NODE_FAULTS:
            tm = cmap_timing or {}
            if tm.get("token_ms") is None:
                raise DrillError("corosync: the effective token is unknown (corosync-cmapctl gave no runtime.config.totem.token)")
            det = [("token (effective, %d ms)" % tm["token_ms"], tm["token_ms"] / 1000.0),
                   ("consensus (%d ms)" % tm["consensus_ms"], tm["consensus_ms"] / 1000.0)]
            terms += det
            bound += det
            fencing = fencing_settings(config, drill["node"])
            if fencing["enabled"]:
                terms += fencing["delay_terms"]
                bound += fencing["delay_terms"]
                terms.append(("fence action of %s (failover_drill_fence_action_seconds)" % "/".join(fencing["devices"]),
                              float(fence_action_s)))
                bound.append(("stonith-timeout / pcmk_reboot_timeout", fencing["timeout_s"]))
        if svc.get("follows") and drill["type"] in PLANNED + NODE_FAULTS:
            more, more_bound = _promotion_terms(drill, svc["follows"], prims, config, durations)
            terms += more
            bound += more_bound
        for m in members:
            terms.append(_rec(durations, m, "start"))
            bound.append(("start timeout of %s" % m, _op(prims.get(m, {}), "start", config)[1]))
        terms.append(("scheduler and dispatch allowance", TRANSITION_S))
        terms.append(("observation sample interval", float(sample_interval_s)))
        bound.append(("scheduler and dispatch allowance", TRANSITION_S))
        out[name] = {"expected_s": round(sum(t[1] for t in terms), 2), "bound_s": round(sum(t[1] for t in bound), 2),
                     "terms": [{"term": t, "s": round(s, 3)} for t, s in terms],
                     "bound_terms": [{"term": t, "s": round(s, 3)} for t, s in bound]}
    return out


def _promotion_terms(drill, follows, prims, config, durations):
    """([(term, s)], [(bound term, s)]) of moving a promoted role away from the drill's node, which a service that
    follows it (discover_services()) waits for before it starts elsewhere, in the order Pacemaker runs them:

    - the demote of the old promoted instance (a move or a standby): as recorded, else its stop and its start as
      recorded (PAF's demote restarts PostgreSQL as a standby). A node fault runs no demote: the node is gone
      and its fencing stands for the demote and the stop of its instance;
    - a standby stops the demoted instance (counted with the node's other stops) between the demote and the
      promote, and so does a node fault (by fencing);
    - the promote of another instance, as recorded;
    - the clone's notifications (when its meta notify is true): a round before and one after each demote, stop
      and promote of the clone, real or implied by fencing (crm_simulate's transitions: 4 rounds for a move, 6
      for a standby or a node fault), one after the other, each as long as the longest recorded notify (Pacemaker
      2.1 records none: UNRECORDED_OP_S each);
    bound: the demote's and promote's timeouts, the notify timeout per round, and one more scheduler transition:
    when the agent elects another instance than the one Pacemaker chose (PAF: the most advanced standby), it
    changes the promotion scores and Pacemaker schedules the promote anew. Not expected: in every switchover the
    lab recorded, the promote and the service's start ran in the first transition.
    """
    member = follows["member"]
    prim = prims.get(member, {})
    terms, bound, actions = [], [], ["demote"]
    if drill["type"] in PLANNED:
        if (durations.get(member) or {}).get("demote") is not None:
            terms.append(_rec(durations, member, "demote"))
        else:
            for task in ("stop", "start"):
                label, secs = _rec(durations, member, task)
                terms.append(("demote of %s (no record; counted as its restart): %s" % (member, label), secs))
        bound.append(("demote timeout of %s" % member, _op(prim, "demote", config)[1]))
    if drill["type"] != "move":
        actions.append("stop")
    actions.append("promote")
    terms.append(_rec(durations, member, "promote"))
    bound.append(("promote timeout of %s" % member, _op(prim, "promote", config)[1]))
    if follows.get("notify"):
        rounds = 2 * len(actions)
        why = "before and after the %s and the %s" % (", the ".join(actions[:-1]), actions[-1])
        terms.append(_rec(durations, member, "notify", (rounds, why)))
        bound.append(("notify timeout of %s, %d rounds" % (member, rounds), _op(prim, "notify", config)[1] * rounds))
    bound.append(("another scheduler transition (the election of the instance of %s to promote)" % follows["clone"],
                  TRANSITION_S))
    return terms, bound


def _rec(durations, rid, task, rounds=None):
    """(term, seconds) of an operation as long as the CIB recorded it, UNRECORDED_OP_S without a record.
    rounds: (how many, why) for an operation run that many times one after the other."""
    secs = (durations.get(rid) or {}).get(task)
    what = "%s of %s" % (task, rid)
    count = 1
    each = ""
    if rounds:
        count = rounds[0]
        what = "%s, %d rounds: %s" % (what, count, rounds[1])
        each = " each"
    if secs is None:
        return ("%s (no record: %g s assumed%s)" % (what, UNRECORDED_OP_S, each), UNRECORDED_OP_S * count)
    return ("%s (recorded%s)" % (what, ": %g s%s" % (secs, each) if rounds else ""), secs * count)


def grace_seconds(services, durations, cmap_timing):
    """How long a node that lost quorum may take to let go: it notices after token and consensus, then stops
    every active-passive member (as long as the CIB recorded, or UNRECORDED_OP_S), plus the scheduler allowance
    and the staleness of a sample."""
    stops = sum((durations.get(m) or {}).get("stop", UNRECORDED_OP_S)
                for svc in services if svc["kind"] == "active-passive" for m in svc["resources"])
    tm = cmap_timing or {}
    return round(stops + ((tm.get("token_ms") or 0) + (tm.get("consensus_ms") or 0)) / 1000.0 + TRANSITION_S + STALE_S, 2)


# ---------------------------------------------------------------------------------------------
# observation


def parse_addresses(ip_text):
    """``ip -o -4 addr show`` -> the IPv4 addresses configured on the node."""
    out = []
    for line in (ip_text or "").splitlines():
        parts = line.split()
        if "inet" in parts:
            i = parts.index("inet")
            if i + 1 < len(parts):
                out.append(parts[i + 1].split("/", 1)[0])
    return out


def sample(t, node, crm_mon=None, addresses=None, watched=(), last=False):
    """One observation from one node: the parsed crm_mon (cluster_status.parse_crm_mon) or None,
    and the node's own addresses. Compact, one JSON line each. last: the observer's final sample, begun
    after the role asked it to stop (observation_window() reads it)."""
    s = {"t": round(float(t), 3), "node": node, "up": False, "quorate": None, "online": [], "rsc": {}, "fail": {},
         "vips": sorted(a for a in (addresses or []) if a in set(watched))}
    if last:
        s["last"] = True
    if crm_mon and crm_mon.get("running"):
        s["up"] = True
        s["quorate"] = crm_mon["cluster"].get("with_quorum")
        s["online"] = [n["name"] for n in crm_mon.get("nodes") or [] if n.get("online")]
        s["rsc"], failed = _placements(crm_mon.get("resources"))
        if failed:
            s["failed"] = failed
        s["fail"] = fail_totals(crm_mon.get("fail_counts"))
    return s


def parse_fence_history(xml_text):
    """``stonith_admin --history '*' --output-as=xml`` (or crm_mon's XML) -> [{target, action, status, executioner,
    completed}] with completed as Unix seconds (None when pending): cluster_status.parse_fence_history() cut to
    what a drill reads."""
    return [dict((k, ev[k]) for k in _FENCE_KEYS) for ev in cluster_status.parse_fence_history(xml_text)]


# ---------------------------------------------------------------------------------------------
# evaluation


def _quorate_views(samples, exclude=()):
    return sorted((s for s in samples if s.get("up") and s.get("quorate") and s["node"] not in exclude),
                  key=lambda s: s["t"])


# A planned drill and the services, as plan() returns them and the wait, log and evaluate steps read them.
DRILL_SHAPE = {"type": "str", "id": "str", "node": "str?", "service": "str?", "resource": "str?", "process": "str?",
               "to": "str?", "affected": ["str"], "node_resources?": ["str"], "fencing_enabled?": "bool?",
               "expected?": {"*": {"expected_s": "number", "bound_s?": "number?"}}, "grace_s?": "number?"}
SERVICES_SHAPE = [{"name": "str", "kind": "str", "resources": ["str"], "top?": ["str"], "addresses": ["str"],
                   "clone?": "str?", "follows?": {"clone": "str", "member": "str", "role": "str", "notify?": "bool"}}]

# The run's report, as the role builds it and render_markdown reads it.
REPORT_SHAPE = {"cluster?": "str", "started?": "str", "threshold": "number", "verdict?": "str", "drills": [{
    "id": "str", "description?": "str", "restore?": "str", "settled_s?": "number", "log_lines?": ["str"],
    "fault_at?": "number?",
    "expected?": {"*": {"expected_s": "number", "bound_s": "number", "terms": [{"term": "str", "s": "number"}]}},
    "result?": {"verdict?": "str", "services?": [{"service?": "str"}],
                "invariants?": [{"title": "str", "ok?": "bool", "detail": ["str"]}]}}]}


def report_errors(report):
    """Messages for a report that render_markdown or the timelines cannot read, naming the key."""
    errors = shape(report, REPORT_SHAPE, "report")
    if errors:
        return errors
    for i, d in enumerate(report["drills"]):
        if not _SPEC_ID.fullmatch(d["id"]):  # it names the drill's picture file
            errors.append("report.drills[%d].id: %r is not a drill id (1-64 letters, digits, '.', '-' or '_', "
                          "beginning with a letter or digit)" % (i, d["id"]))
        tl = (d.get("result") or {}).get("timeline")
        if tl is not None:
            errors.extend(timeline.errors(tl, "report.drills[%d].result.timeline" % i))
    return errors


def planned_errors(drill, services):
    """Messages for a drill and services that are not what plan() returned, naming the key; every service the
    drill affects must be one of the services."""
    errors = []
    if drill is not None:
        errors.extend(shape(drill, DRILL_SHAPE, "drill"))
        if drill.get("type") not in DRILLS and not errors:
            errors.append("drill.type: %r is not a drill type (%s)" % (drill.get("type"), ", ".join(DRILLS)))
    if services is not None:
        errors.extend(shape(services, SERVICES_SHAPE, "services"))
    if not errors and drill is not None and services is not None:
        names = [svc["name"] for svc in services]
        for i, name in enumerate(drill["affected"]):
            if name not in names:
                errors.append("drill.affected[%d]: %r is not one of the services (%s)" % (i, name, ", ".join(names)))
    return errors


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
    views = _quorate_views(window, exclude=(drill["node"],) if drill["type"] in NODE_FAULTS else ())
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
        for v in _quorate_views(mine, exclude=(n,)):
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
    views = _quorate_views(mine, exclude=exclude)
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


# ---------------------------------------------------------------------------------------------
# logs


def _word(name):
    """A resource or node name as a whole word: '-' and ':' are part of names (vip is not site-vip)."""
    # Followed by anything but a name character, or by an operation key's "_<task>_" (site-nginx_stop_0).
    return re.compile(r"(?<![\w.:-])%s(?:(?![\w-])|(?=_(?:%s)_))" % (re.escape(name), "|".join(_OP_TASKS)))


def relevant_lines(lines, resources, node, limit=25):
    """The log lines that tell one failover's story: lines naming the affected resources; fencing
    (requested, done, the victim terminated); quorum and membership changes; and the victim's own state."""
    pats = [_word(r) for r in resources or []]
    victim = _word(node) if node else None
    out = []
    for line in lines or []:
        if (any(p.search(line) for p in pats) or _FENCING.search(line) or _QUORUM.search(line)
                or (victim is not None and victim.search(line) and _NODE_STATE.search(line))):
            out.append(line.rstrip())
    if len(out) > limit:
        out = out[:limit // 2] + ["... %d lines left out ..." % (len(out) - limit)] + out[-(limit - limit // 2):]
    return out


# ---------------------------------------------------------------------------------------------
# report


def _secs(value):
    return "-" if value is None else "%.1f" % value


def _count(value):
    return "unknown" if value is None else "%d" % value


def _writes_text(service, w):
    """One writer's line of a drill's section."""
    text = "Writes to %s: %d acknowledged, " % (_md(service), w["acknowledged"])
    if w["lost"] is None:
        text += "found and lost unknown (%s)" % _md(w.get("error") or "no read-back")
    else:
        text += "%d found afterwards, %s lost" % (w["found"], "**%d**" % w["lost"] if w["lost"] else "0")
        if w["lost"]:
            text += " (ids %s%s)" % (", ".join(str(i) for i in w.get("lost_ids") or []),
                                     ", ..." if w["lost"] > len(w.get("lost_ids") or []) else "")
    return text + "; %s s without an acknowledged write (no writable primary)." % _secs(w.get("without_writes_s"))


def _md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


# A journal line in journalctl's short-unix format: seconds since the epoch, then the rest.
_EPOCH_LINE = re.compile(r"^(\d{9,11}(?:\.\d+)?) (.*)$")


def readable_log_line(line, fault_at=None):
    """A short-unix journal line for people: the time relative to the fault (+3.52 s, when it is known) and
    absolute in ISO 8601 with the zone, never the raw epoch. Other lines are returned as they are."""
    m = _EPOCH_LINE.match(line)
    if not m:
        return line
    t = float(m.group(1))
    relative = "" if fault_at is None else "%+.2f s " % (t - fault_at)
    return "%s%s %s" % (relative, iso_time(t), m.group(2))


def timeline_files(report, name):
    """The drills' timelines as SVG: {file name: SVG text}, one <name>-<drill id>.svg per drill that has one."""
    out = {}
    for d in report.get("drills") or []:
        tl = (d.get("result") or {}).get("timeline")
        if tl:
            out["%s-%s.svg" % (name, d["id"])] = timeline.render_svg(tl)
    return out


def render_markdown(report, pictures=None):
    """The drills' report for people: a summary table, then per drill its timeline (pictures: drill id ->
    the SVG file's name beside the report), invariants, terms and log lines."""
    pictures = pictures or {}
    out = ["# Failover drills: %s" % _md(report.get("cluster") or "cluster"), ""]
    out.append("Run %s; threshold %g x expected; verdict **%s**." % (
        _md(report.get("started") or "-"), report.get("threshold", 1.0), report.get("verdict", "-")))
    out += ["", "| drill | service | expected s | limit s | cluster s | client s | client failures | verdict |",
            "|---|---|---:|---:|---:|---:|---:|---|"]
    for d in report.get("drills") or []:
        rows = (d.get("result") or {}).get("services") or [{}]
        for r in rows:
            out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                _md(d["id"]), _md(r.get("service", "-")), _secs(r.get("expected_s")), _secs(r.get("limit_s")),
                _secs(r.get("cluster_s")), _secs(r.get("client_s")), r.get("client_failures", "-"),
                r.get("verdict", (d.get("result") or {}).get("verdict", "-"))))
    written = [(d, r) for d in report.get("drills") or [] for r in (d.get("result") or {}).get("services") or []
               if r.get("writes")]
    if written:
        out += ["", "Writes of the database client (acknowledged: the COMMIT returned; found: read back afterwards "
                    "through the VIP; without writes: the longest time between two acknowledged writes):", "",
                "| drill | service | acknowledged | found | lost | without writes s |", "|---|---|---:|---:|---:|---:|"]
        for d, r in written:
            w = r["writes"]
            out.append("| %s | %s | %d | %s | %s | %s |" % (
                _md(d["id"]), _md(r.get("service", "-")), w["acknowledged"], _count(w["found"]),
                "**%d**" % w["lost"] if w["lost"] else _count(w["lost"]), _secs(w["without_writes_s"])))
    for d in report.get("drills") or []:
        res = d.get("result") or {}
        out += ["", "## %s: %s" % (_md(d["id"]), _md(d.get("description", ""))), ""]
        fault_at = d.get("fault_at")
        if fault_at is not None:
            out.append("Fault at %s." % iso_time(fault_at))
        out.append("Verdict **%s**. Settled %s s after the fault; restore: %s." % (
            res.get("verdict", "-"), _secs(d.get("settled_s")), _md(d.get("restore", "-"))))
        for r in res.get("services") or []:
            if r.get("writes"):
                out += ["", _writes_text(r["service"], r["writes"])]
        if d["id"] in pictures:
            out += ["", "![timeline of %s](%s)" % (_md(d["id"]), pictures[d["id"]])]
        out += ["", "| invariant | holds | detail |", "|---|---|---|"]
        for inv in res.get("invariants") or []:
            holds = {True: "yes", False: "**no**", None: "unverified"}[inv["ok"]]
            out.append("| %s | %s | %s |" % (_md(inv["title"]), holds, _md("; ".join(inv["detail"]))))
        for name, exp in sorted((d.get("expected") or {}).items()):
            out += ["", "Expected for %s: %.1f s (worst case %.1f s)" % (_md(name), exp["expected_s"], exp["bound_s"]), ""]
            out += ["- %s: %g s" % (_md(t["term"]), t["s"]) for t in exp["terms"]]
        lines = d.get("log_lines") or []
        if lines:
            out += ["", ("Log lines (seconds after the fault, then the time in UTC):" if fault_at is not None
                         else "Log lines (time in UTC):"), "", "```"]
            out += [readable_log_line(ln, fault_at).replace("```", "'''") for ln in lines] + ["```"]
    return "\n".join(out) + "\n"
