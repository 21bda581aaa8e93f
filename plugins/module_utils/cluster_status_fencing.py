# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fencing history: the one parser of Pacemaker's <fence_event> (part of the status engine:
cluster_status.py lists the others).

- ``<fence_event>`` of crm_mon's or stonith_admin's XML  -> fence_events()
- ``stonith_admin --history='*' --output-as=xml``        -> parse_fence_history()

parse_crm_mon() reads crm_mon's <fence_history> with fence_events(); the failover drills read stonith_admin's
with parse_fence_history(). Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import parse_pcmk_time, xml_root

# How the fencer records a fencing that a person confirmed (``stonith_admin --confirm <node>``: "this node is
# down, trust me") instead of a device carrying it out: the fence event's delegate.
MANUAL_FENCE_DELEGATE = "a human"


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


def parse_fence_history(xml_text, tool="stonith_admin"):
    """``stonith_admin --history='*' [--verbose] --output-as=xml`` (or crm_mon's XML) -> fence_events().

    Empty output is an empty history; malformed XML raises StatusParseError naming tool."""
    if xml_text is None or not str(xml_text).strip():
        return []
    return fence_events(xml_root(tool, xml_text, ("pacemaker-result", "crm_mon")))
