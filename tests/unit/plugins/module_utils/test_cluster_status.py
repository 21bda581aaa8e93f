# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cluster status engine, fed with outputs captured on a real cluster."""

from __future__ import annotations

import ast
import calendar
import inspect
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import cluster_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import (
    CONDITIONS,
    StatusParseError,
    build_status,
    collect,
    condition_reasons,
    evaluate_conditions,
    fence_events,
    parse_cfgtool,
    parse_crm_mon,
    parse_crmadmin_dc,
    parse_crmadmin_state,
    parse_fence_history,
    parse_pcmk_time,
    parse_quorumtool,
)
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, CommandNotFound

MODEL_KEYS = {
    "local_node", "stack", "cluster", "quorum", "nodes", "nodes_online", "nodes_offline",
    "nodes_standby", "resources", "resources_by_id", "failed_actions", "links", "settled", "fence_history",
}
FENCE_EVENT_KEYS = {"target", "action", "status", "client", "origin", "delegate", "executioner", "completed", "exit_reason",
                    "manual"}
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


def status_fixture(name):
    return fixture_text("status", name)


def crm_mon(name):
    return parse_crm_mon(status_fixture("crm_mon.%s.xml" % name))


def quorumtool(name):
    return parse_quorumtool(status_fixture("quorumtool.%s.txt" % name))


def cfgtool(name):
    return parse_cfgtool(status_fixture("cfgtool-s.%s.txt" % name))


def idle_dc():
    return parse_crmadmin_state(status_fixture("crmadmin-S.dc.xml"))


def healthy_status():
    return build_status(crm_mon=crm_mon("healthy"), quorum=quorumtool("3nodes"), cfgtool=cfgtool("3nodes"),
                        dc_state=idle_dc())


def instances(status, rsc_id):
    return [r for r in status["resources"] if r["id"] == rsc_id]


# --------------------------------------------------------------------------------------------- crm_mon


class TestParseCrmMon:
    def test_healthy_summary(self):
        m = crm_mon("healthy")
        assert m["running"] is True
        assert m["code"] == 0
        assert m["pacemakerd_state"] == "running"
        c = m["cluster"]
        assert c["dc"] == "lab-node3"
        assert c["with_quorum"] is True
        assert c["stonith_enabled"] is False
        assert c["maintenance_mode"] is False
        assert c["no_quorum_policy"] == "stop"
        assert c["nodes_configured"] == 3
        assert c["resources_configured"] == 9
        assert c["resources_disabled"] == 0
        assert c["resources_blocked"] == 0
        assert c["last_change"] == "Tue Nov 24 19:01:27 2026"
        assert c["stack"] == "corosync"

    def test_healthy_nodes(self):
        nodes = {n["name"]: n for n in crm_mon("healthy")["nodes"]}
        assert sorted(nodes) == ["lab-node1", "lab-node2", "lab-node3"]
        assert all(n["online"] and not n["standby"] and not n["unclean"] for n in nodes.values())
        assert nodes["lab-node3"]["is_dc"] is True
        assert nodes["lab-node1"]["is_dc"] is False
        assert nodes["lab-node1"]["resources_running"] == 4
        assert nodes["lab-node1"]["id"] == "1"
        assert nodes["lab-node1"]["type"] == "member"

    def test_healthy_resources_group_clone_promotable(self):
        m = crm_mon("healthy")
        by = {}
        for r in m["resources"]:
            by.setdefault(r["id"], []).append(r)
        assert sorted(by) == ["app", "clonedummy", "failing", "stateful", "vip"]
        vip = by["vip"][0]
        assert vip["parent"] == "web" and vip["group"] == "web" and vip["clone"] is None
        assert vip["agent"] == "ocf:heartbeat:IPaddr2"
        assert vip["role"] == "Started" and vip["active"] is True and vip["nodes"] == ["lab-node1"]
        assert len(by["clonedummy"]) == 3
        assert all(r["clone"] == "clonedummy-clone" and r["parent"] == "clonedummy-clone" and not r["promotable"]
                   for r in by["clonedummy"])
        assert sorted(r["role"] for r in by["stateful"]) == ["Promoted", "Unpromoted", "Unpromoted"]
        assert all(r["promotable"] and r["clone"] == "stateful-clone" for r in by["stateful"])
        assert by["failing"][0]["parent"] is None
        assert m["parents"]["web"]["kind"] == "group"
        assert m["parents"]["web"]["children"] == ["vip", "app"]
        assert m["parents"]["stateful-clone"]["promotable"] is True
        assert m["parents"]["clonedummy-clone"]["kind"] == "clone"

    def test_healthy_with_failure(self):
        m = crm_mon("healthy-with-failure")
        assert len(m["failed_actions"]) == 1
        f = m["failed_actions"][0]
        assert f["resource"] == "bad"
        assert f["node"] == "lab-node3"
        assert f["operation"] == "start"
        assert f["interval_ms"] == 0
        assert f["exitreason"] == "[findif] failed"
        assert f["exitstatus"] == "not configured"
        assert f["exitcode"] == 6
        assert f["call"] == 32
        assert f["status"] == "complete"
        assert f["last_rc_change"] == "2026-11-24 19:01:06Z"
        bad = [r for r in m["resources"] if r["id"] == "bad"][0]
        assert bad["role"] == "Stopped" and bad["active"] is False and bad["nodes"] == []

    def test_degraded(self):
        m = crm_mon("degraded")
        nodes = {n["name"]: n for n in m["nodes"]}
        assert nodes["lab-node2"]["standby"] is True and nodes["lab-node2"]["online"] is True
        assert nodes["lab-node3"]["online"] is False
        assert m["cluster"]["dc"] == "lab-node1"
        failing = [r for r in m["resources"] if r["id"] == "failing"][0]
        assert failing["managed"] is False
        assert failing["role"] == "Stopped"

    def test_no_quorum(self):
        m = crm_mon("no-quorum")
        assert m["running"] is True
        assert m["cluster"]["with_quorum"] is False
        assert m["cluster"]["dc"] == "lab-node1"
        assert all(not r["active"] for r in m["resources"])

    def test_single_default(self):
        m = crm_mon("single-default")
        assert m["running"] is True
        assert m["cluster"]["dc"] is None
        assert m["cluster"]["with_quorum"] is None
        assert m["cluster"]["stonith_enabled"] is True
        assert m["cluster"]["stack"] == "unknown"
        assert m["resources"] == []
        (node,) = m["nodes"]
        assert node["name"] == "node1" and node["online"] is False and node["unclean"] is True

    def test_pacemaker_down_is_not_an_error(self):
        m = crm_mon("pacemaker-down")
        assert m["running"] is False
        assert m["code"] == 102
        assert m["message"] == "Not connected"
        assert "crm_mon: Connection to cluster failed: Connection refused" in m["errors"]
        assert m["nodes"] == [] and m["resources"] == []
        assert m["cluster"]["dc"] is None

    def test_xml_declaration_is_accepted(self):
        text = '<?xml version="1.0" encoding="UTF-8"?>\n' + status_fixture("crm_mon.healthy.xml")
        assert parse_crm_mon(text)["cluster"]["dc"] == "lab-node3"

    @pytest.mark.parametrize("text", ["", "   ", "<pacemaker-result><summary>", "not xml at all",
                                      "<cib/>"])
    def test_malformed(self, text):
        with pytest.raises(StatusParseError) as e:
            parse_crm_mon(text)
        assert e.value.tool == "crm_mon"
        assert str(e.value).startswith("crm_mon: ")

    def test_legacy_roles_and_unique_clone_and_cloned_group(self):
        # Derived from the captured healthy output: Pacemaker < 2.1 role names, a unique clone whose
        # instances carry ":<n>", a clone of a group (group ids "<id>:<n>"), a pending start and a ban.
        text = """<pacemaker-result api-version="2.25" request="crm_mon --output-as=xml">
  <summary>
    <current_dc present="true" version="2.1.5" name="n1" id="1" with_quorum="true"/>
  </summary>
  <nodes>
    <node name="n1" id="1" online="true" standby="false" standby_onfail="false" maintenance="false"
      pending="false" unclean="false" shutdown="false" expected_up="true" is_dc="true" resources_running="3"
      type="member"/>
  </nodes>
  <resources>
    <clone id="ms" multi_state="true" unique="false" managed="true" disabled="false" failed="false"
      failure_ignored="false">
      <resource id="db" resource_agent="ocf:pacemaker:Stateful" role="Master" active="true" orphaned="false"
        managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
        <node name="n1" id="1" cached="true"/>
      </resource>
      <resource id="db" resource_agent="ocf:pacemaker:Stateful" role="Slave" active="true" orphaned="false"
        managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
        <node name="n2" id="2" cached="true"/>
      </resource>
    </clone>
    <clone id="u-clone" multi_state="false" unique="true" managed="true" disabled="false" failed="false"
      failure_ignored="false">
      <resource id="u:0" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" orphaned="false"
        blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
        <node name="n1" id="1" cached="true"/>
      </resource>
      <resource id="u:1" resource_agent="ocf:pacemaker:Dummy" role="Stopped" active="false" orphaned="false"
        blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="0"
        pending="Starting"/>
    </clone>
    <clone id="g-clone" multi_state="false" unique="false" managed="true" disabled="false" failed="false"
      failure_ignored="false">
      <group id="g:0" number_resources="1" managed="true" disabled="false">
        <resource id="m" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" orphaned="false"
          blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
          <node name="n1" id="1" cached="true"/>
        </resource>
      </group>
      <group id="g:1" number_resources="1" managed="true" disabled="false">
        <resource id="m" resource_agent="ocf:pacemaker:Dummy" role="Started" active="true" orphaned="false"
          blocked="false" managed="true" failed="false" failure_ignored="false" nodes_running_on="1">
          <node name="n2" id="2" cached="true"/>
        </resource>
      </group>
    </clone>
  </resources>
  <bans>
    <ban id="cli-ban-u-clone-on-n2" resource="u-clone" node="n2" weight="-1000000" promoted-only="false"
      master_only="false"/>
  </bans>
  <failures>
    <failure op_key="db:1_migrate_to_0" node="n2" exitstatus="error" exitreason="" exitcode="1" call="7"
      status="complete" last-rc-change="2026-11-24 19:01:06Z" queued="0" exec="3" interval="0"
      task="migrate_to"/>
    <failure op_key="m_monitor_10000" node="n1" exitstatus="not running" exitreason="" exitcode="7" call="9"
      status="complete"/>
  </failures>
  <status code="0" message="OK"/>
</pacemaker-result>"""
        m = parse_crm_mon(text)
        roles = [r["role"] for r in m["resources"] if r["id"] == "db"]
        assert roles == ["Promoted", "Unpromoted"]
        u = [r for r in m["resources"] if r["id"] == "u"]
        assert [r["instance"] for r in u] == ["u:0", "u:1"]
        assert u[1]["pending"] == "Starting"
        grouped = [r for r in m["resources"] if r["id"] == "m"]
        assert all(r["group"] == "g" and r["clone"] == "g-clone" and r["parent"] == "g" for r in grouped)
        assert m["parents"]["g"]["parent"] == "g-clone"
        assert m["parents"]["g-clone"]["children"] == ["g"]
        assert m["bans"] == [{"id": "cli-ban-u-clone-on-n2", "resource": "u-clone", "node": "n2",
                              "weight": -1000000, "promoted_only": False}]
        f1, f2 = m["failed_actions"]
        assert (f1["resource"], f1["instance"], f1["operation"], f1["interval_ms"]) == ("db", "db:1", "migrate_to", 0)
        assert (f2["resource"], f2["operation"], f2["interval_ms"]) == ("m", "monitor", 10000)

        st = build_status(crm_mon=m, quorum=None, dc_state={"state": "S_IDLE"}, corosync_running=True)
        assert st["resources_by_id"]["db"]["promoted_on"] == ["n1"]
        assert st["resources_by_id"]["db"]["unpromoted_on"] == ["n2"]
        assert st["resources_by_id"]["u"]["instances"] == 2
        assert st["resources_by_id"]["u"]["running_on"] == ["n1"]
        assert st["parents_by_id"]["g-clone"]["running_on"] == ["n1", "n2"]
        assert st["parents_by_id"]["g"]["running_on"] == ["n1", "n2"]
        # A pending start keeps the cluster unsettled even with an idle DC.
        assert st["settled"] is False
        assert st["pending_actions"] == [{"resource": "u", "instance": "u:1", "nodes": [], "pending": "Starting"}]
        assert condition_reasons(st)["settled"] == "pending: u:1 Starting"


# --------------------------------------------------------------------------------------------- quorumtool


class TestParseQuorumtool:
    def test_three_nodes(self):
        q = quorumtool("3nodes")
        assert q["quorate"] is True
        assert q["provider"] == "corosync_votequorum"
        assert q["nodes"] == 3
        assert q["node_id"] == 1
        assert q["ring_id"] == "1.12"
        assert (q["expected_votes"], q["highest_expected"], q["total_votes"], q["quorum"]) == (3, 3, 3, 2)
        assert q["flags"] == ["Quorate"]
        assert q["activity_blocked"] is False
        assert q["members"] == [
            {"nodeid": 1, "votes": 1, "qdevice": None, "name": "lab-node1", "local": True},
            {"nodeid": 2, "votes": 1, "qdevice": None, "name": "lab-node2", "local": False},
            {"nodeid": 3, "votes": 1, "qdevice": None, "name": "lab-node3", "local": False},
        ]
        assert q["local_name"] == "lab-node1"
        assert q["qdevice"] is None

    def test_parsable_has_qdevice_column(self):
        q = quorumtool("3nodes.parsable")
        assert [m["qdevice"] for m in q["members"]] == ["NR", "NR", "NR"]
        assert [m["name"] for m in q["members"]] == ["lab-node1", "lab-node2", "lab-node3"]
        assert q["members"][0]["local"] is True

    def test_degraded(self):
        q = quorumtool("degraded")
        assert q["quorate"] is True
        assert q["total_votes"] == 2 and q["expected_votes"] == 3
        assert [m["name"] for m in q["members"]] == ["lab-node1", "lab-node2"]

    def test_no_quorum(self):
        q = quorumtool("no-quorum")
        assert q["quorate"] is False
        assert q["quorum"] == 2
        assert q["total_votes"] == 1
        assert q["expected_votes"] == 3
        assert q["activity_blocked"] is True
        assert q["flags"] == []
        assert len(q["members"]) == 1

    def test_single_default(self):
        q = quorumtool("single-default")
        assert q["quorate"] is True
        assert (q["expected_votes"], q["quorum"]) == (1, 1)
        assert q["local_name"] == "node1"

    def test_qdevice_and_flags(self):
        # Derived from quorumtool.3nodes.parsable.txt with a registered net qdevice, the shape
        # corosync-quorumtool's display code prints (Qdevice column, node id 0 line for the device).
        text = status_fixture("quorumtool.3nodes.parsable.txt")
        text = text.replace("Flags:            Quorate ", "Flags:            Quorate Qdevice ")
        text = text.replace("NR lab-node", "A,V,NMW lab-node")
        text += "         0          1            Qdevice\n"
        q = parse_quorumtool(text)
        assert q["flags"] == ["Quorate", "Qdevice"]
        assert [m["qdevice"] for m in q["members"]] == ["A,V,NMW"] * 3
        assert len(q["members"]) == 3
        assert q["qdevice"] == {"name": "Qdevice", "votes": 1, "cast_vote": True}
        q = parse_quorumtool(text.replace("0          1            Qdevice",
                                          "0          0            Qdevice (votes 1)"))
        assert q["qdevice"] == {"name": "Qdevice", "votes": 1, "cast_vote": False}

    def test_rc_used_when_quorate_line_missing(self):
        text = "\n".join(line for line in status_fixture("quorumtool.no-quorum.txt").splitlines()
                         if not line.startswith("Quorate:"))
        assert parse_quorumtool(text, rc=2)["quorate"] is False
        assert parse_quorumtool(text, rc=0)["quorate"] is True
        assert parse_quorumtool(text)["quorate"] is None

    @pytest.mark.parametrize("text", ["", status_fixture("quorumtool.corosync-down.stderr"),
                                      "Membership information\n----\n  bogus header\n"])
    def test_malformed(self, text):
        with pytest.raises(StatusParseError) as e:
            parse_quorumtool(text)
        assert e.value.tool == "corosync-quorumtool"


# --------------------------------------------------------------------------------------------- cfgtool


class TestParseCfgtool:
    def test_connected(self):
        c = cfgtool("3nodes")
        assert c["local_nodeid"] == 1
        assert c["transport"] == "knet"
        assert [(lk["link"], lk["nodeid"], lk["status"], lk["connected"]) for lk in c["links"]] == [
            (0, 1, "localhost", True), (0, 2, "connected", True), (0, 3, "connected", True)]
        assert c["links"][0]["addr"] == "172.31.250.11"
        assert c["links"][0]["local"] is True

    def test_disconnected(self):
        c = cfgtool("degraded")
        assert {lk["nodeid"]: lk["status"] for lk in c["links"]} == {
            1: "localhost", 2: "connected", 3: "disconnected"}
        assert [lk["nodeid"] for lk in c["links"] if not lk["connected"]] == [3]
        c = cfgtool("no-quorum")
        assert [lk["nodeid"] for lk in c["links"] if not lk["connected"]] == [2, 3]

    def test_corosync_30_format(self):
        # corosync 3.0 printed "link enabled:1 link connected:0" per node (derived from the 3.1 capture).
        text = status_fixture("cfgtool-s.degraded.txt")
        text = text.replace("nodeid:          2:\tconnected", "nodeid  2:\tlink enabled:1\tlink connected:1")
        text = text.replace("nodeid:          3:\tdisconnected", "nodeid  3:\tlink enabled:1\tlink connected:0")
        c = parse_cfgtool(text)
        assert {lk["nodeid"]: lk["connected"] for lk in c["links"]} == {1: True, 2: True, 3: False}

    def test_two_links(self):
        text = status_fixture("cfgtool-s.3nodes.txt")
        text += text[text.index("LINK ID"):].replace("LINK ID 0", "LINK ID 1").replace(".11", ".21")
        c = parse_cfgtool(text)
        assert sorted({lk["link"] for lk in c["links"]}) == [0, 1]
        assert [lk["addr"] for lk in c["links"] if lk["link"] == 1] == ["172.31.250.21"] * 3

    @pytest.mark.parametrize("text", ["", status_fixture("cfgtool.down.txt")])
    def test_malformed(self, text):
        with pytest.raises(StatusParseError) as e:
            parse_cfgtool(text)
        assert e.value.tool == "corosync-cfgtool"


# --------------------------------------------------------------------------------------------- crmadmin


class TestParseCrmadmin:
    def test_state(self):
        s = idle_dc()
        assert s["node"] == "lab-node3"
        assert s["state"] == "S_IDLE"
        assert s["result"] == "ok"
        assert s["code"] == 0

    def test_dc(self):
        # Shape from Pacemaker's crmadmin API schema (element <dc node_name=...>), wrapped like the -S capture.
        text = status_fixture("crmadmin-S.dc.xml").replace(
            '<crmd node_name="lab-node3" state="S_IDLE" result="ok"/>', '<dc node_name="lab-node3"/>')
        assert parse_crmadmin_dc(text) == "lab-node3"
        assert parse_crmadmin_dc(status_fixture("crmadmin-S.dc.xml")) is None

    def test_timeout_document(self):
        text = ('<pacemaker-result api-version="2.25" request="crmadmin -S lab-node3 -t 5000 --output-as=xml">'
                '<status code="124" message="Timeout occurred"/></pacemaker-result>')
        s = parse_crmadmin_state(text)
        assert s["state"] is None and s["code"] == 124

    @pytest.mark.parametrize("text", ["", "<pacemaker-result>", "<crm_mon/>"])
    def test_malformed(self, text):
        with pytest.raises(StatusParseError) as e:
            parse_crmadmin_state(text)
        assert e.value.tool == "crmadmin"
        with pytest.raises(StatusParseError):
            parse_crmadmin_dc(text)


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


# --------------------------------------------------------------------------------------------- collect


def runner_for(crm="healthy", quorum="3nodes", quorum_rc=0, cfg="3nodes", cfg_rc=0, crm_rc=None, state=True):
    r = FakeRunner()
    if quorum is None:
        r.add(["corosync-quorumtool"], rc=1, stderr=status_fixture("quorumtool.corosync-down.stderr"))
    else:
        r.add(["corosync-quorumtool", "-s"], rc=quorum_rc, stdout=status_fixture("quorumtool.%s.txt" % quorum))
    if cfg is None:
        r.add(["corosync-cfgtool", "-s"], rc=1, stderr=status_fixture("cfgtool.down.txt"))
    else:
        r.add(["corosync-cfgtool", "-s"], rc=cfg_rc, stdout=status_fixture("cfgtool-s.%s.txt" % cfg))
    if crm == "pacemaker-down":
        r.add(["crm_mon"], rc=102, stdout=status_fixture("crm_mon.pacemaker-down.xml"),
              stderr=status_fixture("crm_mon.pacemaker-down.stderr"))
    else:
        r.add(["crm_mon"], rc=0 if crm_rc is None else crm_rc, stdout=status_fixture("crm_mon.%s.xml" % crm))
    if state:
        r.add(["crmadmin", "-S"], rc=0, stdout=status_fixture("crmadmin-S.dc.xml"))
    return r


class TestCollect:
    def test_healthy(self):
        r = runner_for()
        st = collect(r)
        assert evaluate_conditions(st) == dict.fromkeys(CONDITIONS, True)
        argvs = [c["argv"] for c in r.calls]
        assert ["corosync-quorumtool", "-s"] in argvs
        assert ["corosync-cfgtool", "-s"] in argvs
        assert ["crm_mon", "--output-as=xml", "--fence-history=3"] in argvs
        assert ["crmadmin", "-S", "lab-node3", "-t", "5000", "--output-as=xml"] in argvs
        assert not any(a[0] == "crm_node" for a in argvs)  # quorumtool named the local node
        assert st["notes"] == []
        assert st["local_node"] == "lab-node1"
        assert len(st["links"]) == 3

    def test_no_quorum_rc2(self):
        st = collect(runner_for(crm="no-quorum", quorum="no-quorum", quorum_rc=2, cfg="no-quorum"))
        assert st["quorum"]["quorate"] is False
        assert st["cluster"]["with_quorum"] is False
        assert st["stack"]["corosync"] is True

    def test_pacemaker_down(self):
        r = runner_for(crm="pacemaker-down", state=False)
        st = collect(r)
        assert st["stack"] == {"corosync": True, "pacemaker": False}
        assert not any(c["argv"][0] == "crmadmin" for c in r.calls)

    def test_pacemaker_down_without_xml(self):
        r = runner_for(crm="pacemaker-down", state=False)
        r.add(["crm_mon"], rc=102, stdout="", stderr="crm_mon: Connection to cluster failed: Connection refused")
        st = collect(r)
        assert st["stack"]["pacemaker"] is False
        assert "Connection refused" in condition_reasons(st)["pacemaker"]

    def test_corosync_down(self):
        r = runner_for(crm="pacemaker-down", quorum=None, cfg=None, state=False)
        st = collect(r)
        assert st["stack"] == {"corosync": False, "pacemaker": False}
        assert st["links"] == []
        assert st["quorum"]["quorate"] is None
        assert not any(c["argv"][0] == "corosync-cfgtool" for c in r.calls)
        assert any("Cannot initialize CMAP service" in n for n in st["notes"])
        assert condition_reasons(st)["quorate"] == "corosync not running"

    def test_cfgtool_down_is_tolerated(self):
        st = collect(runner_for(cfg=None))
        assert st["links"] == []
        assert any(n.startswith("corosync-cfgtool -s: rc=1") for n in st["notes"])

    def test_crmadmin_timeout_leaves_settled_unknown(self):
        r = runner_for(state=False)
        r.add(["crmadmin", "-S"], rc=124, stdout="", stderr="crmadmin: Timeout")
        st = collect(r)
        assert st["settled"] is None
        assert condition_reasons(st)["settled"] == "state of DC lab-node3 unknown"
        assert any(n.startswith("crmadmin -S lab-node3: rc=124") for n in st["notes"])

    def test_local_node_from_crm_node_when_quorumtool_silent(self):
        r = runner_for()
        text = status_fixture("quorumtool.3nodes.txt").replace(" (local)", "")
        r.add(["corosync-quorumtool", "-s"], rc=0, stdout=text)
        r.add(["crm_node", "-n"], rc=0, stdout="lab-node1\n")
        assert collect(r)["local_node"] == "lab-node1"

    def test_local_node_unknown_is_tolerated(self):
        r = runner_for()
        text = status_fixture("quorumtool.3nodes.txt").replace(" (local)", "")
        r.add(["corosync-quorumtool", "-s"], rc=0, stdout=text)
        st = collect(r)  # no crm_node answer: CommandNotFound is swallowed
        assert st["local_node"] is None

    def test_unexpected_rc_raises_command_error(self):
        r = runner_for(crm_rc=1)
        with pytest.raises(CommandError) as e:
            collect(r)
        assert e.value.argv[0] == "crm_mon"

    def test_missing_tool_raises(self):
        r = runner_for()
        del r.answers[("crm_mon",)]
        with pytest.raises(CommandNotFound):
            collect(r)

    def test_malformed_output_raises_typed_error(self):
        r = runner_for()
        r.add(["crm_mon"], rc=0, stdout="<pacemaker-result><summary>")
        with pytest.raises(StatusParseError) as e:
            collect(r)
        assert e.value.tool == "crm_mon"


# ---------------------------------------------------------------------------------------------
# the one wait


class _Clock:
    def __init__(self):
        self.now, self.sleeps = 100.0, []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_for_reads_until_done_without_sleeping_for_real():
    clock, values = _Clock(), iter([1, 2, 3, 4])
    seen = cluster_status.wait_for(lambda: next(values), lambda v: v >= 3, 60, 2, clock.time, clock.sleep)
    assert (seen.met, seen.value, seen.error, seen.waited) == (True, 3, None, 4.0)
    assert clock.sleeps == [2, 2]


def test_wait_for_times_out_with_the_last_value_and_cuts_the_last_sleep():
    clock = _Clock()
    seen = cluster_status.wait_for(lambda: "down", lambda v: False, 5, 2, clock.time, clock.sleep)
    assert (seen.met, seen.value, seen.waited) == (False, "down", 5.0)
    assert clock.sleeps == [2, 2, 1]
    clock = _Clock()
    seen = cluster_status.wait_for(lambda: "down", lambda v: False, 0, 2, clock.time, clock.sleep)
    assert (seen.met, clock.sleeps) == (False, [])  # a timeout of 0 reads once


def test_wait_for_tolerates_only_the_errors_it_is_told_and_keeps_the_last_good_value():
    clock = _Clock()
    answers = iter(["starting", CommandError(["crm_mon"], 102, "", "not connected"), "up"])

    def read():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    seen = cluster_status.wait_for(read, lambda v: v == "up", 60, 1, clock.time, clock.sleep, tolerate=(CommandError,))
    assert (seen.met, seen.value, len(clock.sleeps)) == (True, "up", 2)
    clock = _Clock()

    def failing():
        raise CommandError(["crm_mon"], 1, "", "x")

    seen = cluster_status.wait_for(failing, lambda v: True, 3, 1, clock.time, clock.sleep, tolerate=(CommandError,))
    assert (seen.met, seen.value, isinstance(seen.error, CommandError)) == (False, None, True)
    with pytest.raises(ValueError):
        cluster_status.wait_for(lambda: int("x"), lambda v: True, 3, 1, clock.time, clock.sleep, tolerate=(CommandError,))


# --------------------------------------------------------------------------------------------- fencing history


def health_fixture(name):
    return fixture_text("health", name)


CONFIRMED = {"target": "lab-node3", "action": "off", "status": "success", "client": "stonith_admin.8396",
             "origin": "lab-node1", "delegate": "a human", "executioner": "a human",
             "completed": calendar.timegm((2026, 12, 4, 14, 0, 8, 0, 0, 0)), "exit_reason": None, "manual": True}


class TestFenceHistory:
    """Issue 17: one parser of <fence_event>, for crm_mon --fence-history=3 and stonith_admin --history."""

    def test_a_manual_confirmation_in_crm_mon(self):
        m = parse_crm_mon(health_fixture("crm_mon.lab-fence-confirmed.xml"))
        assert m["running"] is True
        assert m["fence_history"] == [CONFIRMED]
        assert set(CONFIRMED) == FENCE_EVENT_KEYS

    def test_the_same_confirmation_from_stonith_admin(self):
        assert parse_fence_history(health_fixture("stonith_admin-history.lab-confirmed.xml")) == [CONFIRMED]

    def test_a_fencing_by_a_device(self):
        (ev,) = parse_crm_mon(health_fixture("crm_mon.lab-fenced.xml"))["fence_history"]
        assert ev == {"target": "lab-node1", "action": "reboot", "status": "success", "client": "pacemaker-controld.1234",
                      "origin": "lab-node3", "delegate": "lab-node2", "executioner": "lab-node2",
                      "completed": calendar.timegm((2026, 11, 24, 22, 31, 40, 0, 0, 0)), "exit_reason": None,
                      "manual": False}

    def test_a_failed_fencing(self):
        (ev,) = parse_crm_mon(health_fixture("crm_mon.lab-fence-failed.xml"))["fence_history"]
        assert (ev["target"], ev["status"], ev["delegate"], ev["manual"]) == ("lab-node2", "failed", "lab-node1", False)
        assert ev["completed"] == calendar.timegm((2026, 11, 24, 22, 40, 12, 0, 0, 0))
        xml = health_fixture("crm_mon.lab-fence-failed.xml").replace('status="failed"', 'status="failed" exit-reason="timed out"')
        assert parse_crm_mon(xml)["fence_history"][0]["exit_reason"] == "timed out"

    def test_pending_and_completed_in_the_drill_captures(self):
        events = fence_events(ET.fromstring(fixture_text("drill", "crm_mon.hang.xml")))
        assert [(e["target"], e["status"], e["executioner"], e["completed"], e["manual"]) for e in events] == [
            ("fx-node2", "pending", None, None, False),
            ("fx-node1", "success", "fx-node3", 1795581148.0, False),
            ("fx-node2", "success", "fx-node1", 1795581001.0, False)]
        assert len(parse_fence_history(fixture_text("drill", "stonith_admin-history.verbose.xml"))) == 3

    def test_without_fencing(self):
        assert parse_crm_mon(health_fixture("crm_mon.lab.xml"))["fence_history"] == []
        assert parse_crm_mon(fixture_text("health", "trixie", "crm_mon.lab.xml"))["fence_history"] == []
        assert crm_mon("pacemaker-down")["fence_history"] == []
        assert parse_fence_history("") == [] and parse_fence_history(None) == [] and parse_fence_history(" \n") == []

    def test_pacemaker_3_keeps_the_element(self):
        # Pacemaker 3.0 (trixie, API 2.38) prints the same <fence_event> in the same place.
        xml = fixture_text("health", "trixie", "crm_mon.lab.xml").replace(
            '  <status code="0" message="OK"/>',
            '  <fence_history>\n    <fence_event action="off" target="lab-node3" client="stonith_admin.8396" origin="lab-node1" '
            'status="success" delegate="a human" completed="2026-12-04 14:00:08Z"/>\n  </fence_history>\n'
            '  <status code="0" message="OK"/>')
        assert parse_crm_mon(xml)["fence_history"] == [CONFIRMED]

    def test_a_history_the_fencer_did_not_give_is_unknown(self):
        status = '  <status code="0" message="OK"/>'
        xml = health_fixture("crm_mon.lab.xml").replace(status, '  <fence_history status="102"/>\n' + status)
        assert parse_crm_mon(xml)["fence_history"] is None
        assert build_status(crm_mon=parse_crm_mon(xml))["fence_history"] is None

    def test_malformed_stonith_admin_output_names_the_tool(self):
        with pytest.raises(StatusParseError, match="^stonith_admin: malformed XML"):
            parse_fence_history("<pacemaker-result><list")
        with pytest.raises(StatusParseError, match="^stonith_admin: unexpected XML root <cib>"):
            parse_fence_history("<cib/>")

    def test_in_the_status_model(self):
        m = parse_crm_mon(health_fixture("crm_mon.lab-fence-confirmed.xml"))
        st = build_status(crm_mon=m)
        assert st["fence_history"] == [CONFIRMED]
        st["fence_history"][0]["target"] = "changed"
        assert m["fence_history"][0]["target"] == "lab-node3"  # a copy, not the parse
        assert build_status(crm_mon=crm_mon("pacemaker-down"))["fence_history"] == []
        assert build_status()["fence_history"] == []
        del m["fence_history"]
        assert build_status(crm_mon=m)["fence_history"] == []

    def test_collect_reads_the_whole_history(self):
        r = runner_for()
        r.add(["crm_mon"], stdout=health_fixture("crm_mon.lab-fence-confirmed.xml"))
        st = collect(r)
        assert [c["argv"] for c in r.calls if c["argv"][0] == "crm_mon"] == [["crm_mon", "--output-as=xml", "--fence-history=3"]]
        assert st["fence_history"] == [CONFIRMED]


@pytest.mark.parametrize("text,seconds", [
    ("2026-11-25 04:34:53Z", 1795581293.0),
    ("2026-11-25T04:34:53Z", 1795581293.0),
    ("2026-11-25 04:34:53", 1795581293.0),
    ("2026-11-25 04:34:53.25Z", 1795581293.25),
    ("2026-11-25 04:34:53.123456Z", 1795581293.123456),
    ("2026-11-25 06:34:53+02:00", 1795581293.0),
    ("2026-11-25 06:34:53.5+0200", 1795581293.5),
    ("2026-11-25 03:04:53-01:30", 1795581293.0),
    ("2026-11-25 04:34:53 Z", 1795581293.0),
])
def test_parse_pcmk_time_zones_and_fractions(text, seconds):
    assert parse_pcmk_time(text) == pytest.approx(seconds, abs=1e-6)


@pytest.mark.parametrize("text", [None, "", "2026-11-25", "garbage", "yesterday"])
def test_parse_pcmk_time_of_what_is_no_time_stamp(text):
    assert parse_pcmk_time(text) is None


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_parse_pcmk_time_ctime_is_local_and_iso_without_zone_is_utc(monkeypatch, zone):
    """crm_mon 2.1's last_change is ctime in the node's zone; an ISO time without a zone is UTC, whatever the
    node's zone (Pacemaker converts to UTC when it prints no zone). Metrics and health read both the same way."""
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        offset = {"UTC": 0, "Europe/Berlin": 3600, "America/New_York": -5 * 3600}[zone]
        local = calendar.timegm((2026, 11, 25, 1, 0, 30, 0, 0, 0)) - offset
        assert parse_pcmk_time("Wed Nov 25 01:00:30 2026") == local
        assert parse_pcmk_time("Wed  Nov 25 01:00:30 2026") == local
        assert parse_pcmk_time("2026-11-25 01:00:34") == 1795568434
        assert parse_pcmk_time("2026-11-25 02:00:34 +01:00") == 1795568434
    finally:
        monkeypatch.undo()
        time.tzset()


def test_python38_syntax():
    ast.parse(inspect.getsource(cluster_status), feature_version=(3, 8))


def test_parse_simulate_revised_reads_the_predicted_state_like_crm_mon():
    from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import parse_simulate_revised
    text = fixture_text("rolling_update", "crm_simulate.paf-node1-standby.xml")
    revised = parse_simulate_revised(text)
    assert revised["running"] is True
    standby = [(n["name"], n["standby"]) for n in revised["nodes"]]
    assert standby == [("lab-node1", True), ("lab-node2", False), ("lab-node3", False)]
    promoted = [r for r in revised["resources"] if r.get("role") == "Promoted"]
    assert [(r["id"], r["nodes"]) for r in promoted] == [("pgsqld", ["lab-node2"])]
    assert not [r for r in revised["resources"] if r["active"] and "lab-node1" in r["nodes"]]
    with pytest.raises(StatusParseError, match="revised_cluster_status"):
        parse_simulate_revised('<pacemaker-result><status code="0" message="OK"/></pacemaker-result>')
