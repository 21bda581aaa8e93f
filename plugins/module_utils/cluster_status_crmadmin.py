# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller's answers parsed (part of the status engine: cluster_status.py lists the others).

- ``crmadmin -S <dc> --output-as=xml``  -> parse_crmadmin_state()
- ``crmadmin -D --output-as=xml``       -> parse_crmadmin_dc()

DC_IDLE_STATE is the state of a DC with nothing left to do: the model's "settled". Malformed input raises
StatusParseError naming the tool. Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import result_status, xml_root

# The controller state of a DC with nothing left to do.
DC_IDLE_STATE = "S_IDLE"


def parse_crmadmin_state(xml_text):
    """Parse ``crmadmin -S <node> --output-as=xml`` into {node, state, result, code, message}."""
    tool = "crmadmin"
    root = xml_root(tool, xml_text, ("pacemaker-result",))
    code, message, errors = result_status(root)
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
    root = xml_root(tool, xml_text, ("pacemaker-result",))
    dc = root.find("dc")
    return dc.get("node_name") if dc is not None else None
