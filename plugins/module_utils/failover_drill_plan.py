# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The plan of a failover drill (pure): which drills there are and what each one will do on this cluster.

Part of the failover drill engine (docs/architecture.md lists the others).

- check_specs(specs)                        -> the drills as written, judged by their shape alone
- plan(specs, services, status, nodes, ...) -> each drill resolved: its victim node, its service,
                                               the services it affects, what restore will do
- kill_pattern(drill, ...)                  -> what the kill action matches for a kill_process drill
- driver(drill, nodes, online, dc)          -> the node that drives a drill (not its victim)
- summary_line(drill)                       -> the plan of one drill in one line for people
- planned_errors(drill, services)           -> a planned drill and the services checked before a step reads them

Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_services import clone_nodes, service_node, status_view
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError, name as known_name, shape


DRILLS = ("standby", "move", "kill_process", "crash", "partition", "hang")
PLANNED = ("standby", "move")
NODE_FAULTS = ("crash", "partition", "hang")
# Drills whose victim is a node (the others name a service).
NODE_DRILLS = ("standby",) + NODE_FAULTS
CRASH_METHODS = ("command", "sysrq", "kill_corosync")


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


class DrillError(ClusterOpsError, ValueError):
    """A drill that cannot be planned: the message names the field and what is allowed."""


# The keys a drill spec may have (failover_drill_drills items).
SPEC_KEYS = ("type", "id", "node", "service", "to", "resource", "process")
SPEC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


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
        if spec.get("id") is not None and not SPEC_ID.fullmatch(spec["id"]):
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


def kill_pattern(drill, given=None, agent=None, configfile=None):
    """What the kill action matches for a drill (its process for any other drill): the process plan() found,
    narrowed when the drill spec gave none (given) - a member with a config file (params configfile) to the
    processes of that file (a cloned nginx beside the site's runs the same program), a systemd member to its
    unit ("unit:<name>", killed by systemctl)."""
    if drill["type"] != "kill_process" or given:
        return drill["process"]
    if configfile:
        return "%s.*%s" % (re.escape(drill["process"]), re.escape(configfile))
    if (agent or "").startswith("systemd:"):
        return "unit:%s" % drill["process"]
    return drill["process"]


def driver(drill, nodes, online, dc=None):
    """The node that drives a drill (runs its fault, waits, reads the logs): the DC when it is online and not
    the drill's node, else the first other online node of nodes; None when no other node is online."""
    others = [n for n in nodes if n in online and n != drill["node"]]
    if not others:
        return None
    return dc if dc in others else others[0]


def summary_line(drill):
    """One planned drill for people: what it does, the expected recovery per service, the restore."""
    exp = ", ".join("%s %.1f s" % (k, v["expected_s"]) for k, v in sorted(drill["expected"].items())) or "no service affected"
    return "%s: %s; expected recovery: %s; restore: %s" % (drill["id"], drill["description"], exp, drill["restore"])


# A planned drill and the services, as plan() returns them and the wait, log and evaluate steps read them.
DRILL_SHAPE = {"type": "str", "id": "str", "node": "str?", "service": "str?", "resource": "str?", "process": "str?",
               "to": "str?", "affected": ["str"], "node_resources?": ["str"], "fencing_enabled?": "bool?",
               "expected?": {"*": {"expected_s": "number", "bound_s?": "number?"}}, "grace_s?": "number?"}
SERVICES_SHAPE = [{"name": "str", "kind": "str", "resources": ["str"], "top?": ["str"], "addresses": ["str"],
                   "clone?": "str?", "follows?": {"clone": "str", "member": "str", "role": "str", "notify?": "bool"}}]


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
