# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster status model of clusterops.ha.

What Pacemaker and Corosync say about themselves becomes one plain-dict status model that health checks,
waits, failover drills and rolling updates all read. build_status() here combines the parsed pieces into the
model. The rest of the status engine is in files named for their concern:

- cluster_status_collect   collect(): runs the tools through the command seam and returns the model;
                           read_stack_versions(), parse_version()
- cluster_status_crm_mon   ``crm_mon --output-as=xml --fence-history=3`` -> parse_crm_mon();
                           crm_simulate's prediction -> parse_simulate_revised(); crm_mon_resources()
- cluster_status_fencing   ``<fence_event>`` of either, ``stonith_admin --history`` -> fence_events(),
                           parse_fence_history()
- cluster_status_corosync  ``corosync-quorumtool -s`` -> parse_quorumtool(); ``corosync-cfgtool -s`` -> parse_cfgtool()
- cluster_status_crmadmin  ``crmadmin -S <dc>`` -> parse_crmadmin_state(); ``crmadmin -D`` -> parse_crmadmin_dc()
- cluster_status_parse     StatusParseError and the readers of values and XML documents the parsers share
- cluster_status_wait      the named conditions (check_conditions(), evaluate_conditions(), condition_reasons())
                           and wait_for(), the one wait of the collection

Everything is parsed (xml.etree / line structure), never grepped. Malformed input raises StatusParseError
naming the tool. Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import empty_cluster
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import DC_IDLE_STATE

# The roles of a promotable clone's instances as the model names them (the parsers rename Master/Slave).
_PROMOTED_ROLES = ("Promoted",)
_UNPROMOTED_ROLES = ("Unpromoted",)


# ---------------------------------------------------------------------------------------------
# the model


def _empty_quorum():
    return {
        "quorate": None, "expected_votes": None, "highest_expected": None, "total_votes": None,
        "quorum": None, "flags": [], "ring_id": None, "members": [], "provider": None,
        "nodes": None, "node_id": None, "activity_blocked": None, "qdevice": None,
    }


def build_status(crm_mon=None, quorum=None, cfgtool=None, dc_state=None, corosync_running=None,
                 local_node=None, notes=None):
    """Combine parsed tool outputs into the status model (a plain dict).

    crm_mon: parse_crm_mon() result, or None when pacemaker could not be asked.
    quorum: parse_quorumtool() result, or None when corosync is not running.
    cfgtool: parse_cfgtool() result, or None when unknown.
    dc_state: parse_crmadmin_state() result for the DC, or None when unknown.
    corosync_running: overrides the guess (a parsed quorum means corosync runs).
    local_node: overrides the quorumtool "(local)" member's name.

    The model's fence_history is parse_crm_mon()'s (fence_events(): every fencing the fencers remember when
    crm_mon ran with --fence-history=3, the manual confirmations marked), [] when Pacemaker is down and None
    when crm_mon could not read it.
    """
    pacemaker = bool(crm_mon and crm_mon.get("running"))
    if corosync_running is None:
        corosync_running = quorum is not None or pacemaker
    corosync_running = bool(corosync_running)

    cluster = empty_cluster()
    nodes = []
    resources = []
    parents = {}
    failed = []
    bans = []
    node_attributes = {}
    fail_counts = []
    fence_history = []
    tickets = {}
    if pacemaker:
        cluster.update(crm_mon["cluster"])
        nodes = list(crm_mon["nodes"])
        resources = list(crm_mon["resources"])
        parents = dict((k, dict(v, children=list(v["children"]))) for k, v in crm_mon["parents"].items())
        failed = list(crm_mon["failed_actions"])
        bans = list(crm_mon["bans"])
        node_attributes = dict(crm_mon["node_attributes"])
        fail_counts = [dict(fc) for fc in crm_mon.get("fail_counts") or []]
        fence_history = crm_mon.get("fence_history", [])
        fence_history = None if fence_history is None else [dict(ev) for ev in fence_history]
        tickets = dict((k, dict(t)) for k, t in (crm_mon.get("tickets") or {}).items())

    q = _empty_quorum()
    if quorum is not None:
        for k in q:
            if k in quorum:
                q[k] = quorum[k]

    if local_node is None and quorum is not None:
        local_node = quorum.get("local_name")

    by_id = {}
    for r in resources:
        agg = by_id.get(r["id"])
        if agg is None:
            agg = by_id[r["id"]] = {
                "running_on": [], "promoted_on": [], "unpromoted_on": [], "roles": [], "instances": 0,
                "active_instances": 0, "agent": r["agent"], "parent": r["parent"], "group": r["group"],
                "clone": r["clone"], "bundle": r["bundle"], "promotable": r["promotable"],
                "managed": True, "failed": False, "blocked": False, "target_role": r["target_role"],
            }
        agg["instances"] += 1
        agg["roles"].append(r["role"])
        agg["managed"] = agg["managed"] and r["managed"]
        agg["failed"] = agg["failed"] or r["failed"]
        agg["blocked"] = agg["blocked"] or r["blocked"]
        if r["active"]:
            agg["active_instances"] += 1
            for n in r["nodes"]:
                if n not in agg["running_on"]:
                    agg["running_on"].append(n)
                if r["role"] in _PROMOTED_ROLES and n not in agg["promoted_on"]:
                    agg["promoted_on"].append(n)
                if r["role"] in _UNPROMOTED_ROLES and n not in agg["unpromoted_on"]:
                    agg["unpromoted_on"].append(n)

    for pid in parents:
        running = []
        for r in resources:
            if r["active"] and _within(r, pid, parents):
                running.extend(n for n in r["nodes"] if n not in running)
        parents[pid]["running_on"] = running

    pending_actions = [
        {"resource": r["id"], "instance": r["instance"], "nodes": list(r["nodes"]), "pending": r["pending"]}
        for r in resources if r["pending"]
    ]

    dc_state_name = dc_state.get("state") if dc_state else None
    if not pacemaker:
        settled = None
    elif cluster["dc"] is None:
        settled = False
    elif pending_actions or any(n["pending"] for n in nodes):
        settled = False
    elif dc_state_name is None:
        settled = None
    else:
        settled = dc_state_name == DC_IDLE_STATE

    links = list(cfgtool["links"]) if cfgtool else []

    crm_mon_info = {
        "code": crm_mon.get("code") if crm_mon else None,
        "message": crm_mon.get("message") if crm_mon else None,
        "errors": list(crm_mon.get("errors") or []) if crm_mon else [],
        "api_version": crm_mon.get("api_version") if crm_mon else None,
        "pacemakerd_state": crm_mon.get("pacemakerd_state") if crm_mon else None,
    }

    return {
        "local_node": local_node,
        "stack": {"corosync": corosync_running, "pacemaker": pacemaker},
        "cluster": cluster,
        "quorum": q,
        "nodes": nodes,
        "nodes_online": [n["name"] for n in nodes if n["online"]],
        "nodes_offline": [n["name"] for n in nodes if not n["online"]],
        "nodes_standby": [n["name"] for n in nodes if n["standby"]],
        "resources": resources,
        "resources_by_id": by_id,
        "parents_by_id": parents,
        "failed_actions": failed,
        "bans": bans,
        "node_attributes": node_attributes,
        "fail_counts": fail_counts,
        "fence_history": fence_history,
        "tickets": tickets,
        "links": links,
        "links_disconnected": [dict(link=lk["link"], nodeid=lk["nodeid"]) for lk in links if not lk["connected"]],
        "dc_state": dc_state_name,
        "pending_actions": pending_actions,
        "settled": settled,
        "crm_mon": crm_mon_info,
        "notes": list(notes or []),
    }


def _within(resource, parent_id, parents):
    """Is this resource instance (transitively) inside the given collection?"""
    pid = resource["parent"]
    seen = set()
    while pid is not None and pid not in seen:
        if pid == parent_id:
            return True
        seen.add(pid)
        pid = parents.get(pid, {}).get("parent")
    return False
