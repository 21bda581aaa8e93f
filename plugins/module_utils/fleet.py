# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fleet: several clusters in one inventory, each run on its own (playbooks/fleet.yml). Pure.

plan() groups the hosts by the cluster they belong to (their cluster_name) and gives each cluster the
--limit of its run (its nodes, and its quorum device's arbitrator when it has one). parse_recap() reads a run's
PLAY RECAP, first_error() its first failure, and summary() turns every cluster's run into one table, rendered
by render_markdown(). The runs themselves are ansible-playbook processes the playbook starts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError, positive_integer

# The collection's playbooks that act on one cluster at a time and may run for a fleet. rolling_update.yml and
# failover_drill.yml take a cluster down on purpose, node by node: they stay one named cluster at a time.
FLEET_PLAYBOOKS = ("site.yml", "health.yml", "document.yml", "snapshot.yml")
MAX_PARALLEL = 16

_RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)"
                    r"(?:\s+skipped=(\d+))?(?:\s+rescued=(\d+))?(?:\s+ignored=(\d+))?", re.M)
_RECAP_KEYS = ("ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored")
_FATAL = re.compile(r"^(?:fatal|failed): \[([^\]]+)\](?: => \(item=[^)]*\))?[^\n]*?(?:=>|:)\s*(.*)$", re.M)
_MSG = re.compile(r"""^\s*"?msg"?:\s*(.+)$""", re.M)
_ERROR = re.compile(r"^\[ERROR\]: (.+)$", re.M)


class FleetError(ClusterOpsError):
    """The fleet's inventory cannot be run: hosts without a cluster, clusters asked for that have no host."""


def _name_ok(name):
    return isinstance(name, str) and re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name or "") is not None


def plan_errors(playbook, parallel, timeout=7200, extra_vars=None):
    """Messages for a fleet run's own input, naming the variable and the allowed values."""
    errors = []
    for field, value, maximum in (("fleet_parallel", parallel, MAX_PARALLEL), ("fleet_timeout", timeout, 604800)):
        try:
            positive_integer(value, field, maximum=maximum)
        except ValidationError as e:
            errors.append(str(e))
    if extra_vars is not None and not isinstance(extra_vars, dict):
        errors.append("fleet_extra_vars: %r is not a mapping of variable names to values" % (extra_vars,))
    if playbook not in FLEET_PLAYBOOKS:
        errors.append("fleet_playbook: %r is not a playbook that runs for a fleet (%s; rolling updates and drills "
                      "run for one cluster at a time)" % (playbook, ", ".join(FLEET_PLAYBOOKS)))
    return errors


def plan(hosts, host_vars, clusters=None):
    """The clusters of the fleet: [{name, nodes, limit}] in the order of their first host.

    hosts: the fleet's cluster nodes in inventory order (the hosts of fleet_hosts); host_vars: {host: {cluster_name,
    cluster_qdevice}} (what the inventory gives them); clusters: the names to run (None: every one). A cluster's
    limit is its nodes and the arbitrator its quorum device names (cluster_qdevice.host), comma-separated.
    Raises FleetError naming every host without a cluster name, and every asked cluster that has no host."""
    order, nodes, errors = [], {}, []
    for host in hosts:
        name = (host_vars.get(host) or {}).get("cluster_name")
        if not _name_ok(name):
            errors.append("%s: cluster_name %r is not a cluster's name (letters, digits, '.', '-' or '_'); every "
                          "host of the fleet names the cluster it belongs to" % (host, name))
            continue
        if name not in nodes:
            order.append(name)
            nodes[name] = []
        nodes[name].append(host)
    for name in clusters or []:
        if name not in nodes:
            errors.append("fleet_clusters: %r is not a cluster of the fleet (%s)" % (name, ", ".join(order) or "none"))
    if errors:
        raise FleetError("; ".join(errors))
    if not order:
        raise FleetError("the fleet has no host: fleet_hosts matches no host of the inventory")
    out = []
    for name in order:
        if clusters and name not in clusters:
            continue
        limit = list(nodes[name])
        arbiters = set()
        for host in nodes[name]:
            qd = (host_vars.get(host) or {}).get("cluster_qdevice") or {}
            if isinstance(qd, dict) and qd.get("host"):
                arbiters.add(qd["host"])
        limit.extend(sorted(a for a in arbiters if a not in limit))
        out.append({"name": name, "nodes": nodes[name], "limit": ",".join(limit)})
    return out


def parse_recap(text):
    """{host: {ok, changed, unreachable, failed, skipped, rescued, ignored}} from the PLAY RECAP of a run's output."""
    out = {}
    for m in _RECAP.finditer(text or ""):
        out[m.group(1)] = dict((k, int(v or 0)) for k, v in zip(_RECAP_KEYS, m.groups()[1:]))
    return out


def first_error(text):
    """The first failure a run printed, as one line: the host and its msg, or Ansible's own [ERROR] line."""
    text = text or ""
    m = _FATAL.search(text)
    if m:
        rest = text[m.end():m.end() + 4000]
        msg = _MSG.search(rest)
        detail = msg.group(1) if msg else m.group(2)
        return "%s: %s" % (m.group(1), " ".join(detail.strip().strip("'\"").split())[:300])
    m = _ERROR.search(text)
    if m:
        return " ".join(m.group(1).split())[:300]
    return None


def outcome(cluster, rc, output):
    """One cluster's row: {cluster, nodes, verdict, rc, changed, failed_hosts, unreachable_hosts, error}.
    verdict: unchanged, changed, or failed (a non-zero exit, a host that failed or could not be reached, or a node of
    the cluster the run never acted on)."""
    recap = parse_recap(output)
    failed = sorted(h for h, c in recap.items() if c["failed"])
    unreachable = sorted(h for h, c in recap.items() if c["unreachable"])
    changed = sum(c["changed"] for c in recap.values())
    absent = [n for n in cluster["nodes"] if n not in recap]
    error = None
    if rc == 0 and not failed and not unreachable and absent:
        # A run that did not reach a node of the cluster (its pattern matched none) did not do the job.
        error = "the run did not act on %s (no task ran there)" % ", ".join(absent)
    if rc != 0 or failed or unreachable or error:
        verdict = "failed"
    elif changed:
        verdict = "changed"
    else:
        verdict = "unchanged"
    return {"cluster": cluster["name"], "nodes": list(cluster["nodes"]), "verdict": verdict, "rc": rc,
            "changed": changed, "failed_hosts": failed, "unreachable_hosts": unreachable,
            "error": error or (first_error(output) if verdict == "failed" else None)}


def summary(playbook, rows):
    """The fleet's result: {playbook, clusters, verdict, failed} (verdict failed when any cluster failed)."""
    failed = [r["cluster"] for r in rows if r["verdict"] == "failed"]
    return {"playbook": playbook, "clusters": rows, "failed": failed, "verdict": "failed" if failed else "passed"}


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(result, generated_at=None):
    """The fleet summary as a Markdown page: one row per cluster."""
    out = ["# Fleet: %s" % _cell(result["playbook"]), ""]
    if generated_at:
        out += ["Generated: %s" % generated_at, ""]
    n = len(result["clusters"])
    out += ["%d cluster%s, %s." % (n, "" if n == 1 else "s",
                                   "every one passed" if not result["failed"] else
                                   "failed: %s" % ", ".join(result["failed"])), "",
            "| Cluster | Nodes | Verdict | Changed | Failed hosts | Unreachable | First error |",
            "| --- | --- | --- | ---: | --- | --- | --- |"]
    for r in result["clusters"]:
        out.append("| %s |" % " | ".join(_cell(c) for c in (
            r["cluster"], ", ".join(r["nodes"]), r["verdict"], r["changed"], ", ".join(r["failed_hosts"]) or "-",
            ", ".join(r["unreachable_hosts"]) or "-", r["error"] or "-")))
    return "\n".join(out) + "\n"
