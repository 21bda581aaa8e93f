# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine: crm_simulate's XML, and whether predicted actions stop every service."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import crm_mon_resources


def parse_simulate(xml_text):
    """Predicted actions from `crm_simulate --output-as=xml`: dicts with action and resource plus
    node (start, stop, promote, ...) or source and dest (move, migrate)."""
    return parse_simulate_run(xml_text)["actions"]


def parse_simulate_run(xml_text):
    """`crm_simulate --run --output-as=xml`: {"actions": [...] as parse_simulate, "active": sorted
    [resource id, node] pairs active in the CIB's recorded state (its <cluster_status>, read by the
    status model's own crm_mon parser: the same XML)}."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as e:
        raise CibError(["crm_simulate printed no XML: %s" % e])
    actions = [dict(el.attrib) for el in root.iter("rsc_action")]
    active = set()
    status = root.find("cluster_status")
    if status is not None:
        for entry in crm_mon_resources(status)[0]:
            if entry["active"]:
                for node in entry["nodes"]:
                    active.add((entry["id"], node))
    return {"actions": actions, "active": sorted([rid, node] for rid, node in active)}


_STARTS = ("start", "promote", "migrate_from", "migrate_to", "move")


def _base(rid):
    return str(rid or "").split(":", 1)[0]


def stops_everything(active, actions):
    """True when resources are active now and none would be after the predicted actions: every active
    instance is stopped and nothing is started (the whole cluster's services go down at once)."""
    if not active:
        return False
    stopped = set((_base(a.get("resource")), a.get("node")) for a in actions if a.get("action") == "stop")
    started = [a for a in actions if a.get("action") in _STARTS]
    remaining = [pair for pair in active if (pair[0], pair[1]) not in stopped]
    return not remaining and not started
