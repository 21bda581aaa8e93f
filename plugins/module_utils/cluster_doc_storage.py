# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The storage section of the living documentation: PostgreSQL under PAF and Filesystem resources.

storage() finds the resources in the CIB's XML with the finders the health checks use (postgresql.instances(),
postgresql.writable_vips(), filesystem.resources()) and reads the facts cluster_node_facts gathered on each node
(their ``postgresql`` and ``filesystems``) with postgresql.py's and filesystem.py's readers, never parsed again:
which instance is the primary, how each standby replicates, where each filesystem is mounted. Without the facts
it says so and keeps only what the CIB and crm_mon say. build_model() (cluster_doc_model.py) puts the result
in the model's ``storage``.

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils import filesystem, postgresql
from ansible_collections.clusterops.ha.plugins.module_utils.secrets import redact_value

STORAGE_AGENTS = (":".join(postgresql.AGENT), ":".join(filesystem.AGENT))


def _node_fact(node_facts, node, key, rid):
    """(the node's fact of resource rid under key, None) or (None, why there is none)."""
    f = node_facts.get(node)
    if not isinstance(f, dict) or not f:
        return None, "no facts"
    if f.get("reachable") is False:
        return None, "unreachable"
    facts = f.get(key)
    if not isinstance(facts, dict):
        return None, "no %s facts" % ("PostgreSQL" if key == "postgresql" else "Filesystem")
    fact = facts.get(rid)
    if not isinstance(fact, dict):
        return None, "its CIB has no %s" % rid
    return fact, None


def _pacemaker_roles(status, rid):
    """{node: the role crm_mon reports for the resource's instance there}."""
    out = {}
    for r in status.get("resources") or []:
        if r.get("id") == rid and r.get("active"):
            for n in r.get("nodes") or []:
                out.setdefault(n, r.get("role") or "Started")
    return out


def _sync_text(setting):
    """synchronous_standby_names in words (postgresql.parse_sync_names())."""
    wanted = postgresql.parse_sync_names(setting)
    if wanted is None:
        return "asynchronous (synchronous_standby_names is empty)"
    names = ", ".join("any standby" if n == "*" else n for n in wanted["names"])
    how = "quorum commit, any" if wanted["method"] == "any" else "by priority, the first"
    return "synchronous (%s %d of %s; synchronous_standby_names '%s')" % (how, wanted["num"], names, setting)


def _db_instance(node, role, fact, why, primary_fact, primary, gathered):
    """One node's instance of a database: what Pacemaker and PostgreSQL say, and its label in the map."""
    entry = {"node": node, "pacemaker_role": role, "state": None, "role": None, "replication_state": None,
             "sync_state": None, "lag_bytes": None, "replay_lag_s": None, "lag_text": None, "sender_host": None, "note": None,
             "label": None}
    if not gathered:
        if role in postgresql.PROMOTED_ROLES:
            entry["role"] = "primary"
        elif role is not None:
            entry["role"] = "standby"
        entry["label"] = entry["role"]
        return entry
    if fact is None:
        entry["role"] = "unknown"
        entry["note"] = why
        entry["label"] = "PostgreSQL unknown (%s)" % why
        return entry
    entry["state"] = fact.get("state")
    receiver = fact.get("wal_receiver") or {}
    entry["sender_host"] = receiver.get("sender_host")
    if entry["state"] == "running" and fact.get("in_recovery") is False:
        entry["role"] = "primary"
        entry["label"] = "primary"
        return entry
    if entry["state"] == "absent":
        entry["role"] = "absent"
        entry["label"] = "no PostgreSQL"
        return entry
    if entry["state"] != "running":
        entry["role"] = entry["state"]
        entry["note"] = postgresql.why_not_streaming(fact)
        entry["label"] = entry["note"]
        return entry
    entry["role"] = "standby"
    row = postgresql.standby_row(primary_fact, node) if primary_fact is not None else None
    if row is None:
        entry["note"] = "not streaming from %s: %s" % (primary, postgresql.why_not_streaming(fact)) if primary else \
            postgresql.why_not_streaming(fact)
        entry["label"] = "standby, %s" % entry["note"]
        return entry
    entry.update(replication_state=row.get("state"), sync_state=row.get("sync_state"), lag_bytes=row.get("lag_bytes"),
                 replay_lag_s=row.get("replay_lag_s"))
    entry["lag_text"] = postgresql.lag_summary(row)
    entry["label"] = "standby, %s, %s, lag %s" % (row.get("state"), row.get("sync_state"), entry["lag_text"])
    return entry


def _database(inst, status, cib_root, names, node_facts, vips):
    rid = inst["id"]
    gathered = node_facts is not None
    agg = (status.get("resources_by_id") or {}).get(rid) or {}
    promoted = list(agg.get("promoted_on") or [])
    roles = _pacemaker_roles(status, rid)
    facts, why = {}, {}
    names = names + sorted(n for n in node_facts or {} if n not in names)
    for n in names:
        if gathered:
            fact, reason = _node_fact(node_facts, n, "postgresql", rid)
            if fact is None:
                why[n] = reason
            else:
                facts[n] = fact
    primaries = postgresql.primaries(facts) if gathered else None
    notes = []
    if gathered and facts:
        primary, source = (primaries[0], "PostgreSQL") if len(primaries) == 1 else (None, None)
        if len(primaries) > 1:
            notes.append("PostgreSQL runs as a primary on %s: %d databases accept writes (split brain; see the health "
                         "check postgresql-primary)" % (", ".join(primaries), len(primaries)))
        elif not primaries:
            notes.append("no node reported a primary (pg_is_in_recovery() is true or the instance is down everywhere)")
        if primary and (status.get("stack") or {}).get("pacemaker") and promoted != [primary]:
            notes.append("PostgreSQL's primary is on %s but Pacemaker promoted %s (see the health check "
                         "postgresql-primary)" % (primary, ", ".join(promoted) or "no node"))
    else:
        primary, source = (promoted[0], "Pacemaker") if len(promoted) == 1 else (None, None)
        if gathered:
            notes.append("no node reported its PostgreSQL instance (cluster_node_facts): the primary is where Pacemaker "
                         "promoted it")
    primary_fact = facts.get(primary) if primary else None
    setting = None
    if primary_fact is not None:
        setting = primary_fact.get("synchronous_standby_names")
    elif facts:
        setting = next((facts[n].get("synchronous_standby_names") for n in sorted(facts)
                        if facts[n].get("synchronous_standby_names") is not None), None)
    instances = []
    for n in names:
        entry = _db_instance(n, roles.get(n), facts.get(n), why.get(n), primary_fact, primary, gathered)
        if entry["role"] == "absent" and roles.get(n) is None:
            continue
        instances.append(entry)
    writable = []
    for v in postgresql.writable_vips(cib_root, inst):
        vip = vips.get(v)
        writable.append({"id": v, "ip": vip["ip"] if vip else None, "cidr_netmask": vip["cidr_netmask"] if vip else None,
                         "nodes": list(((status.get("resources_by_id") or {}).get(v) or {}).get("running_on") or [])})
    return {
        "id": rid, "clone": inst["clone"], "promotable": inst["promotable"], "maxlag": inst["maxlag"],
        "promoted_on": promoted, "primary": primary, "primary_source": source, "primaries": primaries,
        "synchronous_standby_names": setting,
        "replication": None if setting is None else ("asynchronous" if postgresql.parse_sync_names(setting) is None
                                                     else "synchronous"),
        "replication_text": None if setting is None else _sync_text(setting),
        "writable_vips": writable, "instances": instances, "notes": notes,
    }


def _fs_node(node, runs, fact, why, gathered, rsc):
    entry = {"node": node, "pacemaker_runs": runs, "mounted": None, "mount_points": [], "note": None, "label": None}
    if not gathered:
        if runs:
            entry["label"] = "mounts %s at %s" % (rsc["device"] or "its device", rsc["directory"] or "its directory")
        return entry
    if fact is None or not filesystem.mountinfo_read(fact):
        entry["note"] = why or (fact or {}).get("error") or "mountinfo not read"
        entry["label"] = "mount unknown (%s)" % entry["note"]
        return entry
    entry["mounted"] = bool(fact.get("mounted"))
    entry["mount_points"] = filesystem.mount_points(fact)
    if entry["mounted"] and not runs:
        entry["label"] = "MOUNTED here outside Pacemaker, at %s" % ", ".join(entry["mount_points"])
    elif entry["mounted"]:
        entry["label"] = "mounted at %s" % ", ".join(entry["mount_points"])
    elif runs:
        entry["label"] = "NOT mounted here"
    return entry


def _filesystem(rsc, status, names, node_facts):
    rid = rsc["id"]
    gathered = node_facts is not None
    running = list(((status.get("resources_by_id") or {}).get(rid) or {}).get("running_on") or [])
    nodes = []
    for n in names + sorted(n for n in node_facts or {} if n not in names):
        fact, why = _node_fact(node_facts, n, "filesystems", rid) if gathered else (None, None)
        nodes.append(_fs_node(n, n in running, fact, why, gathered, rsc))
    mounted = [e["node"] for e in nodes if e["mounted"]] if gathered else None
    unknown = [e["node"] for e in nodes if gathered and e["mounted"] is None]
    notes = []
    if gathered:
        outside = [n for n in mounted if n not in running]
        if outside and not rsc["shared"]:
            notes.append("mounted on %s, where Pacemaker does not run it (see the health check filesystem-single-mount)"
                         % ", ".join(outside))
        elif len(mounted) > 1 and not rsc["shared"]:
            notes.append("mounted on %d nodes at once (see the health check filesystem-single-mount)" % len(mounted))
        missing = [n for n in running if n not in mounted and n not in unknown]
        if missing:
            notes.append("Pacemaker runs it on %s, but mountinfo there does not show it mounted" % ", ".join(missing))
    return {
        "id": rid, "device": rsc["device"], "directory": rsc["directory"], "fstype": rsc["fstype"],
        "group": rsc["group"], "clone": rsc["clone"], "shared": rsc["shared"], "running_on": running,
        "mounted_on": None if mounted is None else [{"node": e["node"], "mount_points": e["mount_points"]}
                                                    for e in nodes if e["mounted"]],
        "unknown": unknown, "nodes": nodes, "notes": notes,
    }


def storage(status, config, names, vips, cib_root=None, node_facts=None):
    """The storage section's data: {gathered, found, databases, filesystems}.

    found is False when the CIB's XML was not given but the configuration has a pgsqlms or Filesystem primitive (the
    finders read the XML); names are the cluster's nodes in the page's order; vips the model's VIPs by id. The
    resources' parameters shown (device, directory, fstype) go through the one secret rule (secrets.redact_value)."""
    gathered = node_facts is not None
    if cib_root is None:
        configured = any(str(p.get("agent")) in STORAGE_AGENTS for p in (config or {}).get("primitives") or [])
        return {"gathered": gathered, "found": not configured, "databases": [], "filesystems": []}
    databases = [_database(i, status, cib_root, names, node_facts, vips) for i in postgresql.instances(cib_root)]
    filesystems = []
    for rsc in filesystem.resources(cib_root):
        rsc = dict(rsc)
        for key in ("device", "directory", "fstype"):
            rsc[key] = redact_value(key, rsc[key])
        filesystems.append(_filesystem(rsc, status, names, node_facts))
    return {"gathered": gathered, "found": True, "databases": databases, "filesystems": filesystems}
