# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every family of health checks shares: the context they read, their results, and the helpers they word
them with.

_Context holds what run_checks() was given (the status model, the live configuration, the CIB's XML, the nodes'
facts, the expected values, the time) with the lookups several checks share (the cluster's nodes, a fact on every
node, the corosync members). _passed(), _failed() and _unknown() make a check's result. The helpers word lists and
groups of nodes, the window over which the nodes read their logs (_window_text, _facts_window), and find the
resources of an agent in the CIB with each node's facts about them (_agent_resources: the PostgreSQL and
Filesystem checks). The checks are in health_<concern>.py; health.py holds their catalogue and runs them. This
module imports neither.

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import time

_INFINITY = 1000000


def _uniq(items):
    out = []
    for i in items:
        if i not in out:
            out.append(i)
    return out


def _join(items):
    return ", ".join(str(i) for i in items)


def _mode(value):
    if value is None:
        return None
    v = str(value).strip()
    if not v:
        return None
    return v.zfill(4) if v.isdigit() else v


def _version_key(version):
    return tuple(int(p) for p in re.findall(r"\d+", str(version)))


def _score_text(value):
    if value is None:
        return "unknown"
    return "INFINITY" if value >= _INFINITY else str(value)


def _passed(message, objects=None):
    return "pass", message, [], objects


def _failed(message, remedy, objects, severity=None):
    """A failure; severity lowers the catalogue's for a lesser finding of the check (None keeps it)."""
    if severity is None:
        return "fail", message, remedy, objects
    return "fail", message, remedy, objects, severity


def _unknown(reason):
    return "skip", reason, [], None


class _Context:
    """What the checks read, with the lookups several of them share."""

    def __init__(self, status, config, nodes, expected, cib_root=None, now=None):
        self.status = status
        self.config = config
        self.cib_root = cib_root
        self.now = time.time() if now is None else float(now)
        self.nodes = dict(nodes or {})
        self.expected = dict(expected or {})

    @property
    def pacemaker(self):
        return bool(self.status["stack"]["pacemaker"])

    @property
    def local(self):
        return self.status.get("local_node") or "the local node"

    def local_objects(self):
        return [self.status["local_node"]] if self.status.get("local_node") else []

    def cluster_nodes(self, expected_only=False):
        """The expected nodes when given (only those if expected_only), then those the cluster knows."""
        names = list(self.expected.get("nodes") or [])
        if not (names and expected_only):
            names += [n["name"] for n in self.status["nodes"] if n.get("type") != "ping"]
        return _uniq(names)

    def facts(self, key):
        """({node: value} where known, [nodes where unknown]) over every node heard of."""
        known = {}
        unknown = []
        for name in sorted(set(self.cluster_nodes()) | set(self.nodes)):
            f = self.nodes.get(name) or {}
            value = None if f.get("reachable") is False else f.get(key)
            if value is None or value == "":
                unknown.append(name)
            else:
                known[name] = value
        return known, unknown

    def member_names(self):
        """The corosync members the local node sees (corosync-quorumtool), by name; empty when unknown."""
        names = set()
        for m in self.status["quorum"].get("members") or []:
            if m.get("name"):
                names.add(m["name"])
            if m.get("nodeid") is not None:
                names.add(self.node_name(m["nodeid"]))
        return names

    def corosync_runs(self, name):
        """True when the node's facts come from a running corosync (cmap answered with its token or transport)."""
        f = self.nodes.get(name) or {}
        return f.get("reachable") is not False and (f.get("token_ms") is not None or f.get("transport") is not None)

    def node_name(self, nodeid):
        for n in self.status["nodes"]:
            if str(n.get("id")) == str(nodeid):
                return n["name"]
        for m in self.status["quorum"].get("members") or []:
            if str(m.get("nodeid")) == str(nodeid):
                return m["name"]
        return "nodeid %s" % nodeid


def _groups(known):
    """[(value, [nodes])], the most common value first."""
    by_value = {}
    for name in sorted(known):
        by_value.setdefault(known[name], []).append(name)
    return sorted(by_value.items(), key=lambda item: (-len(item[1]), item[1][0]))


def _describe_groups(groups, shorten=None):
    return "; ".join("%s on %s" % (shorten(v) if shorten else v, _join(names)) for v, names in groups)


def _unknown_suffix(unknown):
    return " (unknown on %s)" % _join(unknown) if unknown else ""


def _window_text(seconds):
    seconds = int(seconds)
    if seconds % 3600 == 0:
        return "%d h" % (seconds // 3600)
    if seconds % 60 == 0:
        return "%d min" % (seconds // 60)
    return "%d s" % seconds


def _facts_window(ctx, known):
    """The window, in seconds, the nodes of known read their logs over (cluster_node_facts' refused_packets_window_s)."""
    return max(int((ctx.nodes.get(n) or {}).get("refused_packets_window_s") or 0) for n in known)


def _agent_resources(ctx, agent, find, key, what, reported, usable=None):
    """([(resource, {node: its fact}, [nodes not knowing it])], None), or (None, result) when nothing can be judged:
    skipped without a CIB or facts, passed as not applicable without a primitive of the agent. find(cib_root) lists
    the primitives (dicts with their id); key names their facts in cluster_node_facts' (per primitive id); a node's
    fact counts only when usable(fact) (default: any)."""
    none = "no %s resource (%s) in the configuration: not applicable" % (what, ":".join(agent))
    if ctx.cib_root is None:
        # The exported configuration tells whether there is anything to judge; the CIB's XML is needed to judge it.
        if ctx.config is not None and not any(str(p.get("agent")) == ":".join(agent)
                                              for p in ctx.config.get("primitives") or []):
            return None, _passed(none)
        return None, _unknown("the CIB could not be read (Pacemaker is not running on %s)" % ctx.local)
    found = find(ctx.cib_root)
    if not found:
        return None, _passed(none)
    known, unknown = ctx.facts(key)
    if not known:
        return None, _unknown("no node reported its %s (cluster_node_facts)" % reported)
    out = []
    for rsc in found:
        facts = dict((n, known[n][rsc["id"]]) for n in sorted(known)
                     if isinstance(known[n], dict) and isinstance(known[n].get(rsc["id"]), dict)
                     and (usable is None or usable(known[n][rsc["id"]])))
        out.append((rsc, facts, sorted(set(unknown) | set(n for n in known if n not in facts))))
    return out, None
