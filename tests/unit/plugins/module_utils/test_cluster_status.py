# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cluster status model (module_utils/cluster_status.py) and the named conditions judged on
it (cluster_status_wait.py), fed with outputs captured on a real cluster. The parsers, the collection and the
wait have test_cluster_status_*.py of their own."""

from __future__ import annotations

import ast
import inspect

from status_lab import cfgtool, crm_mon, idle_dc, quorumtool

from ansible_collections.clusterops.ha.plugins.module_utils import (
    cluster_status,
    cluster_status_collect,
    cluster_status_corosync,
    cluster_status_crm_mon,
    cluster_status_crmadmin,
    cluster_status_fencing,
    cluster_status_parse,
    cluster_status_wait,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_wait import CONDITIONS, condition_reasons, evaluate_conditions


MODEL_KEYS = {
    "local_node", "stack", "cluster", "quorum", "nodes", "nodes_online", "nodes_offline",
    "nodes_standby", "resources", "resources_by_id", "failed_actions", "links", "settled", "fence_history",
}
CLUSTER_KEYS = {
    "dc", "with_quorum", "stonith_enabled", "maintenance_mode", "no_quorum_policy", "nodes_configured",
    "resources_configured", "resources_disabled", "resources_blocked", "last_change",
}
QUORUM_KEYS = {"quorate", "expected_votes", "highest_expected", "total_votes", "quorum", "flags", "ring_id",
               "members"}
NODE_KEYS = {"name", "id", "online", "standby", "standby_onfail", "maintenance", "pending", "unclean",
             "shutdown", "is_dc", "resources_running", "type"}
RESOURCE_KEYS = {"id", "parent", "group", "clone", "promotable", "agent", "role", "active", "managed", "failed",
                 "blocked", "orphaned", "failure_ignored", "nodes", "pending", "target_role"}
FAILURE_KEYS = {"resource", "node", "operation", "interval_ms", "exitstatus", "exitreason", "exitcode", "call",
                "status", "last_rc_change"}
LINK_KEYS = {"link", "nodeid", "status", "connected"}


def healthy_status():
    return build_status(crm_mon=crm_mon("healthy"), quorum=quorumtool("3nodes"), cfgtool=cfgtool("3nodes"),
                        dc_state=idle_dc())


def instances(status, rsc_id):
    return [r for r in status["resources"] if r["id"] == rsc_id]


# --------------------------------------------------------------------------------------------- model


class TestBuildStatus:
    def test_contract_keys(self):
        st = healthy_status()
        assert MODEL_KEYS <= set(st)
        assert CLUSTER_KEYS <= set(st["cluster"])
        assert QUORUM_KEYS <= set(st["quorum"])
        assert all(NODE_KEYS <= set(n) for n in st["nodes"])
        assert all(RESOURCE_KEYS <= set(r) for r in st["resources"])
        assert all(LINK_KEYS <= set(lk) for lk in st["links"])
        assert {"corosync", "pacemaker"} == set(st["stack"])
        assert all({"nodeid", "votes", "name", "local", "qdevice"} <= set(m) for m in st["quorum"]["members"])
        for agg in st["resources_by_id"].values():
            assert {"running_on", "promoted_on", "roles", "instances"} <= set(agg)

    def test_healthy(self):
        st = healthy_status()
        assert st["local_node"] == "lab-node1"
        assert st["stack"] == {"corosync": True, "pacemaker": True}
        assert st["cluster"]["dc"] == "lab-node3"
        assert st["nodes_online"] == ["lab-node1", "lab-node2", "lab-node3"]
        assert st["nodes_offline"] == [] and st["nodes_standby"] == []
        assert st["quorum"]["quorate"] is True
        by = st["resources_by_id"]
        assert by["stateful"]["promoted_on"] == ["lab-node1"]
        assert by["stateful"]["running_on"] == ["lab-node1", "lab-node3", "lab-node2"]
        assert by["stateful"]["roles"] == ["Promoted", "Unpromoted", "Unpromoted"]
        assert by["stateful"]["instances"] == 3
        assert by["clonedummy"]["instances"] == 3
        assert by["vip"]["running_on"] == ["lab-node1"] and by["vip"]["group"] == "web"
        assert st["parents_by_id"]["web"]["running_on"] == ["lab-node1"]
        assert st["failed_actions"] == []
        assert st["settled"] is True
        assert st["dc_state"] == "S_IDLE"
        assert evaluate_conditions(st) == dict.fromkeys(CONDITIONS, True)
        assert condition_reasons(st) == dict.fromkeys(CONDITIONS)

    def test_healthy_with_failure(self):
        st = build_status(crm_mon=crm_mon("healthy-with-failure"), quorum=quorumtool("3nodes"), dc_state=idle_dc())
        assert [(f["resource"], f["node"], f["operation"], f["exitreason"]) for f in st["failed_actions"]] == [
            ("bad", "lab-node3", "start", "[findif] failed")]
        assert st["resources_by_id"]["bad"]["running_on"] == []
        assert st["resources_by_id"]["bad"]["roles"] == ["Stopped"]
        assert all(FAILURE_KEYS <= set(f) for f in st["failed_actions"])

    def test_degraded(self):
        st = build_status(crm_mon=crm_mon("degraded"), quorum=quorumtool("degraded"), cfgtool=cfgtool("degraded"))
        assert st["nodes_online"] == ["lab-node1", "lab-node2"]
        assert st["nodes_offline"] == ["lab-node3"]
        assert st["nodes_standby"] == ["lab-node2"]
        assert st["resources_by_id"]["failing"]["managed"] is False
        assert [r["managed"] for r in instances(st, "failing")] == [False]
        assert st["links_disconnected"] == [{"link": 0, "nodeid": 3}]
        assert st["settled"] is None  # the DC's state was not asked
        cond = evaluate_conditions(st)
        assert cond == {"pacemaker": True, "quorate": True, "dc": True, "online": False, "settled": False}
        reasons = condition_reasons(st)
        assert reasons["online"] == "lab-node3 offline"
        assert reasons["settled"] == "state of DC lab-node1 unknown"
        assert evaluate_conditions(st, expected_nodes=["lab-node1", "lab-node2"])["online"] is True
        assert condition_reasons(st, ["lab-node1", "lab-node9"])["online"] == "lab-node9 unknown to the cluster"

    def test_no_quorum(self):
        st = build_status(crm_mon=crm_mon("no-quorum"), quorum=quorumtool("no-quorum"), cfgtool=cfgtool("no-quorum"),
                          dc_state={"state": "S_IDLE"})
        assert st["quorum"]["quorate"] is False
        assert st["cluster"]["with_quorum"] is False
        assert (st["quorum"]["total_votes"], st["quorum"]["quorum"], st["quorum"]["expected_votes"]) == (1, 2, 3)
        assert st["nodes_offline"] == ["lab-node2", "lab-node3"]
        cond = evaluate_conditions(st)
        assert cond["quorate"] is False and cond["online"] is False and cond["dc"] is True
        assert condition_reasons(st)["quorate"] == "corosync not quorate (1 of 2 votes needed)"
        assert [lk["nodeid"] for lk in st["links"] if not lk["connected"]] == [2, 3]

    def test_pacemaker_no_quorum_even_if_corosync_unknown(self):
        st = build_status(crm_mon=crm_mon("no-quorum"), quorum=None, corosync_running=True)
        assert evaluate_conditions(st)["quorate"] is False
        assert condition_reasons(st)["quorate"] == "pacemaker (DC lab-node1) has no quorum"

    def test_pacemaker_down(self):
        st = build_status(crm_mon=crm_mon("pacemaker-down"), quorum=quorumtool("3nodes"), cfgtool=cfgtool("3nodes"))
        assert st["stack"] == {"corosync": True, "pacemaker": False}
        assert st["nodes"] == [] and st["resources"] == [] and st["resources_by_id"] == {}
        assert st["cluster"]["dc"] is None
        assert st["settled"] is None
        assert st["local_node"] == "lab-node1"
        cond = evaluate_conditions(st)
        assert cond == {"pacemaker": False, "quorate": True, "dc": False, "online": False, "settled": False}
        assert condition_reasons(st)["pacemaker"] == (
            "not running (Not connected; crm_mon: Connection to cluster failed: Connection refused)")

    def test_everything_down(self):
        st = build_status(crm_mon=crm_mon("pacemaker-down"), quorum=None, corosync_running=False)
        assert st["stack"] == {"corosync": False, "pacemaker": False}
        assert st["quorum"]["quorate"] is None and st["quorum"]["members"] == []
        assert st["local_node"] is None
        assert not any(evaluate_conditions(st).values())
        assert condition_reasons(st)["quorate"] == "corosync not running"
        assert condition_reasons(st)["pacemaker"].endswith("; corosync not running)")

    def test_single_default(self):
        st = build_status(crm_mon=crm_mon("single-default"), quorum=quorumtool("single-default"))
        assert st["local_node"] == "node1"
        assert st["settled"] is False
        cond = evaluate_conditions(st)
        assert cond == {"pacemaker": True, "quorate": True, "dc": False, "online": False, "settled": False}
        reasons = condition_reasons(st)
        assert reasons["online"] == "node1 offline/unclean"
        assert reasons["dc"] == "no DC elected"

    def test_dc_busy(self):
        busy = dict(idle_dc(), state="S_TRANSITION_ENGINE")
        st = build_status(crm_mon=crm_mon("healthy"), quorum=quorumtool("3nodes"), dc_state=busy)
        assert st["settled"] is False
        assert condition_reasons(st)["settled"] == "DC lab-node3 is in S_TRANSITION_ENGINE, not S_IDLE"

    def test_does_not_mutate_parsed_input(self):
        m = crm_mon("healthy")
        build_status(crm_mon=m, quorum=quorumtool("3nodes"))
        assert "running_on" not in m["parents"]["web"]


def test_python38_syntax():
    # Every file of the status engine runs on the nodes (AnsiballZ packs them with the modules).
    for module in (cluster_status, cluster_status_collect, cluster_status_corosync, cluster_status_crm_mon,
                   cluster_status_crmadmin, cluster_status_fencing, cluster_status_parse, cluster_status_wait):
        ast.parse(inspect.getsource(module), feature_version=(3, 8))
