# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus metrics of clusterops.ha, for node_exporter's textfile collector.

families(status) turns the status model (cluster_status.build_status(), read by cluster_status_collect.collect()) into metric
families named as ClusterLabs' ha_cluster_exporter names them (ha_cluster_pacemaker_*,
ha_cluster_corosync_*), plus a few ha_cluster_clusterops_* of the collection's own (scrape success
per collector, scrape time, corosync link state per peer). render() writes the Prometheus text
exposition format: HELP and TYPE lines, escaped label values, families and samples in a stable
order, a final newline. A source that could not be read is said so (scrape success 0) and its
metrics are left out: never stale or invented values.

main() is the node-side collector that the cluster role's systemd timer runs without Ansible:
collect through the command seam, render, write the textfile atomically (temporary file in the
same directory, mode 0644, rename).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import math
import os
import re
import subprocess
import sys
import tempfile
import time

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import collect
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import SCORE_INFINITY
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError, parse_pcmk_time
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, Runner
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import read_refused_packets
from ansible_collections.clusterops.ha.plugins.module_utils.pcsd import PCSD_CERT, read_certificate, read_failed_logins
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

DEFAULT_TEXTFILE = "/var/lib/prometheus/node-exporter/ha_cluster.prom"
DEFAULT_TIMEOUT = 30
TEXTFILE_MODE = 0o644

# ha_cluster_exporter's node and resource statuses: one sample per node (resource) and status.
NODE_STATUSES = ("online", "standby", "standby_onfail", "maintenance", "pending", "unclean", "shutdown",
                 "expected_up", "dc")
RESOURCE_STATUSES = ("active", "orphaned", "blocked", "failed", "failure_ignored")
QUORUM_VOTE_TYPES = ("expected_votes", "highest_expected", "total_votes", "quorum")
COLLECTORS = ("corosync", "pacemaker")
# Where the engine's other files are, when the timer carries them (_engine()).
ENGINE_PACKAGE = "ansible_collections.clusterops.ha.plugins.module_utils."
# How far back the packets libknet refused are counted (the health check reads the same hour by default).
REFUSED_WINDOW_S = 3600

# name -> help. Every metric is a gauge.
HELP = {
    "ha_cluster_pacemaker_nodes":
        "The status of each node in the cluster; 1 means the node is in that status, 0 otherwise",
    "ha_cluster_pacemaker_node_attributes": "Metadata attributes of each node; value is always 1",
    "ha_cluster_pacemaker_resources":
        "The status of each resource in the cluster; 1 means the resource is in that status, 0 otherwise",
    "ha_cluster_pacemaker_stonith_enabled": "Whether or not stonith is enabled",
    "ha_cluster_pacemaker_maintenance_mode_enabled": "Whether or not cluster wide maintenance-mode is enabled",
    "ha_cluster_pacemaker_fail_count": "The Fail count number per node and resource id",
    "ha_cluster_pacemaker_migration_threshold":
        "The migration_threshold number per node and resource id (where crm_mon reports a fail count)",
    "ha_cluster_pacemaker_config_last_change": "The timestamp of the last change of the cluster configuration",
    "ha_cluster_corosync_quorate": "Whether or not the cluster is quorate",
    "ha_cluster_corosync_quorum_votes": "Cluster quorum votes; one line per type",
    "ha_cluster_corosync_member_votes":
        "How many votes each member node has contributed with to the current quorum",
    "ha_cluster_corosync_rings":
        "The status of each Corosync ring (knet link) of this node; 1 means healthy, 0 means faulty",
    "ha_cluster_corosync_ring_errors": "The total number of faulty corosync rings (knet links)",
    "ha_cluster_clusterops_corosync_link_connected":
        "Whether this node reaches the peer on the knet link; 1 connected (or the local node), 0 not",
    "ha_cluster_clusterops_settled":
        "Whether the cluster is settled (a DC in S_IDLE, nothing pending); absent when unknown",
    "ha_cluster_clusterops_corosync_refused_packets":
        "Packets from this address that libknet on this node could not decrypt or rejected in the last "
        "refused_packets_window_seconds, from corosync's journal (another key, or not a cluster node)",
    "ha_cluster_clusterops_corosync_refused_packets_window_seconds":
        "The window refused_packets counts over; absent when corosync's journal could not be read",
    "ha_cluster_clusterops_pcsd_failed_logins":
        "Failed pcsd logins (wrong password or unknown user) from this address on this node in the last "
        "refused_packets_window_seconds, from pcsd's log; absent when there is no pcsd log",
    "ha_cluster_clusterops_booth_refused_messages":
        "Messages the booth daemon on this node (a geo cluster's site: booth-site runs here) refused in the last "
        "refused_packets_window_seconds, from its journal, per sender (an address, or client for a booth command) and "
        "reason (authentication: another key; stranger: no member of booth.conf; timestamp: older than maxtimeskew, "
        "the sender's clock behind; replay: older than the sender's previous message); absent where booth never refused "
        "one",
    "ha_cluster_clusterops_pcsd_certificate_expiry_timestamp_seconds":
        "When the certificate pcsd serves on this node ends, in Unix time (/var/lib/pcsd/pcsd.crt); absent when "
        "there is none",
    "ha_cluster_clusterops_postgresql_primary":
        "Whether this node's instance of the PostgreSQL resource (ocf:heartbeat:pgsqlms) is a primary (running, not in "
        "recovery); 1 yes, 0 no (a standby, or not running); absent when unknown",
    "ha_cluster_clusterops_postgresql_replication_lag_bytes":
        "How far each standby connected to the primary on this node is behind it in replay, in bytes "
        "(pg_stat_replication); only on the primary",
    "ha_cluster_clusterops_postgresql_replication_lag_seconds":
        "PostgreSQL's replay_lag of each standby connected to the primary on this node, in seconds; absent when it has "
        "no measure (a standby that caught up, with nothing written for a while)",
    "ha_cluster_clusterops_filesystem_mounted":
        "Whether this node has the filesystem of the Filesystem resource (ocf:heartbeat:Filesystem) mounted; 1 yes, 0 no; "
        "absent when /proc/self/mountinfo could not be read. sum by (resource) is how many nodes mount it: more than 1 "
        "for one with shared=\"false\" (a local filesystem) corrupts it",
    "ha_cluster_clusterops_ticket_granted":
        "Whether this cluster holds the ticket (geo clusters, booth); 1 granted, 0 revoked. Over the sites of a geo "
        "cluster, sum by (ticket) above 1 is a ticket held at two sites",
    "ha_cluster_clusterops_scrape_success":
        "Whether the collector could read its source on this node; 1 yes, 0 no (its metrics are then absent)",
    "ha_cluster_clusterops_scrape_timestamp_seconds": "When the metrics were collected, in Unix time",
    "ha_cluster_clusterops_scrape_duration_seconds": "How long collecting the metrics took, in seconds",
}
# Samples that change on every run whatever the cluster does.
VOLATILE = ("ha_cluster_clusterops_scrape_timestamp_seconds", "ha_cluster_clusterops_scrape_duration_seconds")

_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class MetricsError(ClusterOpsError, ValueError):
    """Metrics that cannot be written in the exposition format."""


# ---------------------------------------------------------------------------------------------
# values and labels


def _flag(value):
    return 1 if value else 0


def _bool_label(value):
    return "true" if value else "false"


def _score_value(value):
    """A Pacemaker count/score: INFINITY (1000000 and above) is +Inf."""
    if value is None:
        return None
    if value >= SCORE_INFINITY:
        return float("inf")
    if value <= -SCORE_INFINITY:
        return float("-inf")
    return value


def format_value(value):
    """A sample value in the exposition format."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def escape_label_value(value):
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def escape_help(text):
    return str(text).replace("\\", "\\\\").replace("\n", "\\n")


# ---------------------------------------------------------------------------------------------
# the model -> families


class _Families:
    def __init__(self):
        self.samples = {}

    def add(self, metric_name, metric_value, **labels):
        name = metric_name
        value = metric_value
        if name not in HELP:
            raise MetricsError("unknown metric %s" % name)
        if value is None:
            return
        key = tuple(sorted((k, "" if v is None else str(v)) for k, v in labels.items()))
        fam = self.samples.setdefault(name, {})
        # The same label set twice (e.g. two stopped instances of a clone): any one in the status counts.
        if key in fam:
            old = fam[key]
            value = value if float(value) > float(old) else old
        fam[key] = value

    def result(self):
        out = []
        for name in sorted(self.samples):
            rows = [(dict(k), v) for k, v in sorted(self.samples[name].items())]
            out.append({"name": name, "type": "gauge", "help": HELP[name], "samples": rows})
        return out


def _pacemaker(fams, status):
    cluster = status["cluster"]
    nodes = status["nodes"]
    for n in nodes:
        flags = dict((st, n.get(st)) for st in NODE_STATUSES)
        flags["dc"] = n.get("is_dc")
        for st in NODE_STATUSES:
            fams.add("ha_cluster_pacemaker_nodes", _flag(flags[st]), node=n["name"], type=n.get("type"), status=st)
    for node, attrs in (status.get("node_attributes") or {}).items():
        for name, value in (attrs or {}).items():
            fams.add("ha_cluster_pacemaker_node_attributes", 1, node=node, name=name, value=value)
    for r in status["resources"]:
        flags = dict((st, r.get(st)) for st in RESOURCE_STATUSES)
        for node in (r["nodes"] or [""]):
            for st in RESOURCE_STATUSES:
                fams.add("ha_cluster_pacemaker_resources", _flag(flags[st]), node=node, resource=r["id"],
                         role=(r.get("role") or "").lower(), managed=_bool_label(r.get("managed")), status=st,
                         agent=r.get("agent"), group=r.get("group"), clone=r.get("clone"))

    # Pacemaker's fail count is defined for every resource on every node, 0 unless failures are
    # recorded; crm_mon's node history gives the recorded ones (with their migration threshold).
    recorded = {}
    for fc in status.get("fail_counts") or []:
        key = (fc["node"], fc["resource"])
        if key not in recorded or (fc["fail_count"] or 0) > (recorded[key]["fail_count"] or 0):
            recorded[key] = fc
    members = [n["name"] for n in nodes if n.get("type") != "ping"]
    for rid in sorted(set(r["id"] for r in status["resources"])):
        for node in members:
            fc = recorded.get((node, rid))
            fams.add("ha_cluster_pacemaker_fail_count", _score_value(fc["fail_count"]) if fc else 0,
                     node=node, resource=rid)
    for (node, rid), fc in recorded.items():
        fams.add("ha_cluster_pacemaker_fail_count", _score_value(fc["fail_count"]), node=node, resource=rid)
        fams.add("ha_cluster_pacemaker_migration_threshold", _score_value(fc.get("migration_threshold")),
                 node=node, resource=rid)

    if cluster.get("stonith_enabled") is not None:
        fams.add("ha_cluster_pacemaker_stonith_enabled", _flag(cluster["stonith_enabled"]))
    if cluster.get("maintenance_mode") is not None:
        fams.add("ha_cluster_pacemaker_maintenance_mode_enabled", _flag(cluster["maintenance_mode"]))
    last_change = parse_pcmk_time(cluster.get("last_change"))
    fams.add("ha_cluster_pacemaker_config_last_change", None if last_change is None else int(last_change))
    if status.get("settled") is not None:
        fams.add("ha_cluster_clusterops_settled", _flag(status["settled"]))
    for ticket, state in sorted((status.get("tickets") or {}).items()):
        fams.add("ha_cluster_clusterops_ticket_granted", _flag(state.get("granted")), ticket=ticket,
                 standby=_bool_label(state.get("standby")))


def _node_names(status):
    names = {}
    for n in status.get("nodes") or []:
        if n.get("id") is not None:
            names[str(n["id"])] = n["name"]
    for m in (status.get("quorum") or {}).get("members") or []:
        names[str(m["nodeid"])] = m["name"]
    return names


def _corosync(fams, status):
    """Quorum metrics when known; True when both quorum and links could be read."""
    q = status["quorum"]
    quorum_known = q.get("quorate") is not None
    if quorum_known:
        fams.add("ha_cluster_corosync_quorate", _flag(q["quorate"]))
        for t in QUORUM_VOTE_TYPES:
            fams.add("ha_cluster_corosync_quorum_votes", q.get(t), type=t)
        for m in q.get("members") or []:
            fams.add("ha_cluster_corosync_member_votes", m.get("votes"), node_id=m["nodeid"], node=m["name"],
                     local=_bool_label(m.get("local")))
        qd = q.get("qdevice")
        if qd:
            fams.add("ha_cluster_corosync_member_votes", qd.get("votes") if qd.get("cast_vote") else 0,
                     node_id=0, node=qd.get("name"), local="false")

    links = status.get("links") or []
    # A running corosync has at least one link: none means corosync-cfgtool could not be read.
    if not links:
        return False
    names = _node_names(status)
    local_id = q.get("node_id")
    if local_id is None:
        local_id = next((lk["nodeid"] for lk in links if lk.get("local")), None)
    by_link = {}
    for lk in links:
        by_link.setdefault(lk["link"], []).append(lk)
        fams.add("ha_cluster_clusterops_corosync_link_connected", _flag(lk["connected"]), number=lk["link"],
                 node_id=lk["nodeid"], node=names.get(str(lk["nodeid"]), ""), local=_bool_label(lk.get("local")))
    errors = 0
    for number, entries in by_link.items():
        faulty = any(not e["connected"] for e in entries)
        errors += 1 if faulty else 0
        fams.add("ha_cluster_corosync_rings", 0 if faulty else 1, ring_id=q.get("ring_id"), node_id=local_id,
                 number=number, address=entries[0].get("addr"))
    fams.add("ha_cluster_corosync_ring_errors", errors)
    return quorum_known


def _refused(fams, refused, window_s):
    """The packets libknet refused (corosync_runtime.read_refused_packets), one sample per source and reason."""
    if refused is None:
        return
    fams.add("ha_cluster_clusterops_corosync_refused_packets_window_seconds", window_s)
    for e in refused:
        fams.add("ha_cluster_clusterops_corosync_refused_packets", e["count"], address=e["address"], reason=e["reason"])


def _booth_refused(fams, refused):
    """The messages boothd refused (booth.read_refusals), one sample per sender and reason."""
    for e in refused or []:
        fams.add("ha_cluster_clusterops_booth_refused_messages", e["count"], source=e["source"], reason=e["reason"])


def _failed_logins(fams, logins):
    """The failed pcsd logins (pcsd.read_failed_logins), one sample per client address (user names are chosen by
    whoever tries, so they are no label)."""
    if logins is None:
        return
    per_address = {}
    for e in logins:
        per_address[e["address"]] = per_address.get(e["address"], 0) + int(e["count"])
    for address in sorted(per_address):
        fams.add("ha_cluster_clusterops_pcsd_failed_logins", per_address[address], address=address)


# A local instance in these states is known not to be a primary; running ones say; others (error, absent) are unknown.
_PG_NOT_PRIMARY = ("stopped", "starting", "stopping")


def _postgresql(fams, instances, node):
    """This node's PostgreSQL instances (postgresql.read_local(): {resource: fact}); the lag of each standby where the
    instance is the primary."""
    for rid in sorted(instances or {}):
        fact = instances[rid] or {}
        if fact.get("state") == "running" and fact.get("in_recovery") is not None:
            primary = not fact["in_recovery"]
        elif fact.get("state") in _PG_NOT_PRIMARY:
            primary = False
        else:
            continue
        fams.add("ha_cluster_clusterops_postgresql_primary", _flag(primary), resource=rid, node=node)
        if not primary:
            continue
        for r in fact.get("replication") or []:
            fams.add("ha_cluster_clusterops_postgresql_replication_lag_bytes", r.get("lag_bytes"), resource=rid,
                     standby=r.get("application_name"))
            fams.add("ha_cluster_clusterops_postgresql_replication_lag_seconds", r.get("replay_lag_s"), resource=rid,
                     standby=r.get("application_name"))


def _filesystems(fams, facts, node):
    """This node's Filesystem resources (filesystem.read_local(): {resource: fact}): mounted here or not; shared is
    "true" for one mounted on several nodes by design (a clone, a network or cluster filesystem)."""
    for rid in sorted(facts or {}):
        fact = facts[rid] or {}
        if fact.get("mounted") is None:
            continue
        fams.add("ha_cluster_clusterops_filesystem_mounted", _flag(fact["mounted"]), resource=rid, node=node,
                 shared=_bool_label(fact.get("shared")))


def families(status, now=None, duration=None, error=None, refused=None, refused_window_s=REFUSED_WINDOW_S,
             failed_logins=None, pcsd_certificate=None, postgresql=None, filesystems=None, booth_refused=None):
    """The metric families of a status model (a list of {name, type, help, samples}).

    status: cluster_status.build_status() or cluster_status_collect.collect() result, or None when it could not be read
    (error then says why; every collector's scrape success is 0). now: Unix time of the scrape;
    duration: seconds it took. Either is left out when None. refused: the packets libknet refused in the
    last refused_window_s seconds (corosync_runtime.read_refused_packets), None when the journal was not read;
    failed_logins: the failed pcsd logins of the same window (pcsd.read_failed_logins), None without a pcsd log;
    pcsd_certificate: pcsd.read_certificate() of this node, None without one; postgresql: this node's PostgreSQL
    instances under PAF (postgresql.read_local()), None without any; filesystems: this node's Filesystem resources
    (filesystem.read_local()), None without any; booth_refused: the messages boothd on this node refused in the same
    window (booth.read_refusals), None or [] without any.
    """
    fams = _Families()
    if postgresql:
        _postgresql(fams, postgresql, (status or {}).get("local_node") or "")
    if filesystems:
        _filesystems(fams, filesystems, (status or {}).get("local_node") or "")
    _refused(fams, refused, refused_window_s)
    _failed_logins(fams, failed_logins)
    _booth_refused(fams, booth_refused)
    if pcsd_certificate:
        fams.add("ha_cluster_clusterops_pcsd_certificate_expiry_timestamp_seconds", int(pcsd_certificate["not_after"]))
    ok = dict((c, False) for c in COLLECTORS)
    if status is not None:
        if status["stack"].get("corosync"):
            ok["corosync"] = _corosync(fams, status)
        if status["stack"].get("pacemaker"):
            _pacemaker(fams, status)
            ok["pacemaker"] = True
    for c in COLLECTORS:
        fams.add("ha_cluster_clusterops_scrape_success", _flag(ok[c]), collector=c)
    fams.add("ha_cluster_clusterops_scrape_timestamp_seconds", None if now is None else round(float(now), 3))
    fams.add("ha_cluster_clusterops_scrape_duration_seconds",
             None if duration is None else round(float(duration), 3))
    return fams.result()


def problems(status, error=None):
    """Why a collector failed, as short lines (written as comments above the metrics)."""
    out = []
    if error is not None:
        out.append("status could not be read: %s" % error)
        return out
    if not status["stack"].get("corosync"):
        out.append("corosync: not running on this node")
    if not status["stack"].get("pacemaker"):
        cm = status.get("crm_mon") or {}
        why = [d for d in [cm.get("pacemakerd_state"), cm.get("message")] + list(cm.get("errors") or [])[-1:] if d]
        out.append("pacemaker: not running on this node%s" % (" (%s)" % "; ".join(why) if why else ""))
    out.extend(status.get("notes") or [])
    return out


# ---------------------------------------------------------------------------------------------
# rendering


def render(fams, comments=None):
    """The Prometheus text exposition format of families() (with a final newline)."""
    lines = []
    for c in comments or []:
        lines.append("# clusterops.ha: %s" % " ".join(str(c).split()))
    for fam in fams:
        name = fam["name"]
        if not _METRIC_NAME.match(name):
            raise MetricsError("invalid metric name %r" % name)
        lines.append("# HELP %s %s" % (name, escape_help(fam["help"])))
        lines.append("# TYPE %s %s" % (name, fam["type"]))
        for labels, value in fam["samples"]:
            parts = []
            for k in sorted(labels):
                if not _LABEL_NAME.match(k) or k.startswith("__"):
                    raise MetricsError("invalid label name %r in %s" % (k, name))
                parts.append('%s="%s"' % (k, escape_label_value(labels[k])))
            lines.append("%s%s %s" % (name, "{%s}" % ",".join(parts) if parts else "", format_value(value)))
    return "\n".join(lines) + "\n"


def stable_text(text):
    """The text without the lines that change on every scrape (timestamp, duration), for comparisons."""
    out = []
    for line in (text or "").splitlines():
        if any(line.startswith(v + " ") or line.startswith(v + "{") for v in VOLATILE):
            continue
        out.append(line)
    return "\n".join(out)


def summarize(fams):
    """A small summary of families() for humans and playbooks."""
    by = dict((f["name"], f["samples"]) for f in fams)

    def one(name):
        s = by.get(name)
        return s[0][1] if s else None

    nodes = {}
    for labels, value in by.get("ha_cluster_pacemaker_nodes", []):
        nodes.setdefault(labels["node"], {})[labels["status"]] = bool(value)
    resources = {}
    for labels, value in by.get("ha_cluster_pacemaker_resources", []):
        if labels["status"] == "active" and value:
            resources.setdefault(labels["resource"], [])
            if labels["node"] and labels["node"] not in resources[labels["resource"]]:
                resources[labels["resource"]].append(labels["node"])
    quorate = one("ha_cluster_corosync_quorate")
    return {
        "scrape_success": dict((labels["collector"], bool(v)) for labels, v in by.get("ha_cluster_clusterops_scrape_success", [])),
        "quorate": None if quorate is None else bool(quorate),
        "quorum_votes": dict((labels["type"], v) for labels, v in by.get("ha_cluster_corosync_quorum_votes", [])),
        "nodes_total": len(nodes),
        "nodes_online": sorted(n for n, st in nodes.items() if st.get("online")),
        "nodes_standby": sorted(n for n, st in nodes.items() if st.get("standby")),
        "resources_running_on": dict((k, sorted(v)) for k, v in resources.items()),
        "fail_counts": [dict(labels, fail_count=v) for labels, v in by.get("ha_cluster_pacemaker_fail_count", []) if v],
        "ring_errors": one("ha_cluster_corosync_ring_errors"),
        "series": sum(len(f["samples"]) for f in fams),
    }


def metrics_of(status, now=None, duration=None, error=None, refused=None, failed_logins=None, pcsd_certificate=None,
               postgresql=None, filesystems=None, notes=None, booth_refused=None):
    """(text, families) for a status model (or None with an error); notes: more comment lines."""
    fams = families(status, now=now, duration=duration, error=error, refused=refused, failed_logins=failed_logins,
                    pcsd_certificate=pcsd_certificate, postgresql=postgresql, filesystems=filesystems,
                    booth_refused=booth_refused)
    return render(fams, problems(status, error) + list(notes or [])), fams


def _read_resources(runner, readers, cib_reader, notes):
    """{name: readers[name](runner[, root])} for the readers given, each None when it could not be read (notes then
    says why). With cib_reader(runner) the CIB is read once and handed to every reader (none runs without it); without
    it each reader reads the CIB itself."""
    out = dict((name, None) for name in readers)
    wanted = sorted(name for name, reader in readers.items() if reader is not None)
    if not wanted:
        return out
    root = None
    if cib_reader is not None:
        try:
            root = cib_reader(runner)
        except (ClusterOpsError, OSError) as e:
            notes.append("cib: could not be read: %s" % e)
        if root is None:
            return out
    for name in wanted:
        try:
            out[name] = readers[name](runner) if cib_reader is None else readers[name](runner, root)
        except (ClusterOpsError, OSError) as e:
            notes.append("%s: could not be read: %s" % (name, e))
    return out


def scrape(runner, clock=time.time, pcsd_cert_path=PCSD_CERT, postgresql_reader=None, filesystem_reader=None,
           cib_reader=None, booth_reader=None):
    """Collect through the seam (and pcsd's certificate from pcsd_cert_path) and return (text, families). Never
    raises for an unreadable cluster. postgresql_reader(runner[, root]): this node's PostgreSQL instances under PAF
    (postgresql.read_local), filesystem_reader(runner[, root]): its Filesystem resources (filesystem.read_local);
    this module imports neither (the metrics timer carries only the files it names); None leaves their metrics out.
    cib_reader(runner) (postgresql.read_cib) reads the CIB once for both; without it each reads it.
    booth_reader(runner, window_s, now) (booth.read_refusals): the messages boothd refused; None leaves them out."""
    start = clock()
    status = None
    error = None
    try:
        status = collect(runner)
    except (CommandError, StatusParseError, subprocess.TimeoutExpired, OSError) as e:
        error = str(e)
    refused, _truncated = read_refused_packets(runner, REFUSED_WINDOW_S, start)
    logins, _truncated = read_failed_logins(runner, REFUSED_WINDOW_S, start)
    booth_refused = booth_reader(runner, REFUSED_WINDOW_S, start)[0] if booth_reader is not None else None
    notes = []
    local = _read_resources(runner, {"postgresql": postgresql_reader, "filesystems": filesystem_reader}, cib_reader, notes)
    end = clock()
    return metrics_of(status, now=end, duration=max(0.0, end - start), error=error, refused=refused,
                      failed_logins=logins, pcsd_certificate=read_certificate(pcsd_cert_path),
                      postgresql=local["postgresql"], filesystems=local["filesystems"], notes=notes,
                      booth_refused=booth_refused)


def _engine(module, name):
    """<name> of plugins/module_utils/<module>.py when the engine carries that file, else None: the cluster role's timer
    carries the files of its __cluster_metrics_engine list, and reads PostgreSQL (Filesystem resources) once that list
    names postgresql (filesystem)."""
    try:
        return getattr(__import__(ENGINE_PACKAGE + module, fromlist=[name]), name)
    except ImportError:
        return None


def _postgresql_reader():
    """postgresql.read_local, or None when the engine does not carry it."""
    return _engine("postgresql", "read_local")


# ---------------------------------------------------------------------------------------------
# the textfile


def write_atomic(path, text, mode=TEXTFILE_MODE):
    """Write text to path through a temporary file in the same directory and a rename.

    node_exporter reads only *.prom files, so the temporary name ends in .tmp and starts with a dot.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None, runner=None):
    """The node-side collector: python3 -c '...metrics import main; main()' --textfile PATH."""
    parser = argparse.ArgumentParser(prog="clusterops-metrics",
                                     description="Write the cluster's Prometheus metrics for node_exporter.")
    parser.add_argument("--textfile", default=DEFAULT_TEXTFILE, help="the .prom file (default %(default)s)")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT,
                        help="seconds one cluster tool may take (default %(default)s)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if runner is None:
        runner = Runner(timeout=args.timeout)
    text, fams = scrape(runner, postgresql_reader=_postgresql_reader(), filesystem_reader=_engine("filesystem", "read_local"),
                        cib_reader=_engine("postgresql", "read_cib"), booth_reader=_engine("booth", "read_refusals"))
    try:
        write_atomic(args.textfile, text)
    except OSError as e:
        sys.stderr.write("clusterops-metrics: cannot write %s: %s\n" % (args.textfile, e))
        return 1
    ok = summarize(fams)["scrape_success"]
    failed = sorted(c for c, v in ok.items() if not v)
    if failed:
        sys.stderr.write("clusterops-metrics: %s not readable on this node (see %s)\n" % (", ".join(failed), args.textfile))
    return 0
