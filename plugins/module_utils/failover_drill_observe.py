# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a failover drill observes (pure): one node's samples, the fence history, the log lines of a failover.

Part of the failover drill engine (docs/architecture.md lists the others).

- parse_addresses(ip_text)             -> the node's own IPv4 addresses
- sample(t, node, crm_mon, ...)        -> one observation of the cluster from one node (one JSON line)
- quorate_views(samples)               -> the samples of nodes with quorum, in time order
- parse_fence_history(xml_text)        -> the fence events a drill reads
- relevant_lines(lines, ...)           -> the log lines that tell the story of one failover
- drill_lines(lines, drill, services)  -> the same for a planned drill

Times are Unix seconds (floats) on every clock involved: the nodes' and the controller's clocks
must agree (NTP), as they must for a cluster's logs anyway. Standard library only, Python 3.8 syntax.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.clusterops.ha.plugins.module_utils import cluster_status_fencing
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_services import fail_totals, placements


# A node's sample older than this (seconds) says nothing about now: the node is down or paused.
STALE_S = 3.0
# What a drill keeps of a fence event (cluster_status_fencing.fence_events()).
_FENCE_KEYS = ("target", "action", "status", "executioner", "completed")
_OP_TASKS = ("start", "stop", "monitor", "promote", "demote", "migrate_to", "migrate_from", "notify", "reload")
# Log lines worth a place in a failover's story besides those naming its resources.
_FENCING = re.compile(r"Requesting (?:peer )?fencing|Operation '(?:reboot|off|on)'|was terminated \(|will be fenced|"
                      r"Scheduling node \S+ for fencing|fencing (?:of|targeting) \S+ (?:failed|timed out)", re.IGNORECASE)
_QUORUM = re.compile(r"\[QUORUM\]|\bquorum (?:lost|acquired|regained)\b|A new membership|Token has not been received|"
                     r"non-primary component|primary component", re.IGNORECASE)
_NODE_STATE = re.compile(r"\b(?:lost|unclean|state is now|is now (?:lost|member|offline|online)|left|joined|offline|online)\b",
                         re.IGNORECASE)


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
    """One observation from one node: the parsed crm_mon (cluster_status_crm_mon.parse_crm_mon) or None,
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
        s["rsc"], failed = placements(crm_mon.get("resources"))
        if failed:
            s["failed"] = failed
        s["fail"] = fail_totals(crm_mon.get("fail_counts"))
    return s


def parse_fence_history(xml_text):
    """``stonith_admin --history '*' --output-as=xml`` (or crm_mon's XML) -> [{target, action, status, executioner,
    completed}] with completed as Unix seconds (None when pending): cluster_status_fencing.parse_fence_history() cut to
    what a drill reads."""
    return [dict((k, ev[k]) for k in _FENCE_KEYS) for ev in cluster_status_fencing.parse_fence_history(xml_text)]


def quorate_views(samples, exclude=()):
    """The samples of nodes that are up and quorate (not those of the nodes in exclude), in time order: the views
    of the quorate side."""
    return sorted((s for s in samples if s.get("up") and s.get("quorate") and s["node"] not in exclude),
                  key=lambda s: s["t"])


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


def drill_lines(lines, drill, services, limit=25):
    """relevant_lines() of a planned drill: the members of the services it affects, and its node as the victim
    (not for a move: its node is where the service ran, nothing happens to the node itself)."""
    by_name = dict((s["name"], s) for s in services)
    resources = [m for n in drill["affected"] for m in by_name[n]["resources"]]
    return relevant_lines(lines, resources, drill["node"] if drill["type"] != "move" else None, limit=limit)
