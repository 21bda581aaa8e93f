# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the parsers of crm_mon's and crm_simulate's XML (module_utils/cluster_status_crm_mon.py),
fed with outputs captured on a real cluster.
"""

from __future__ import annotations

import pytest

from conftest import fixture_text
from status_lab import crm_mon, status_fixture

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon, parse_simulate_revised
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_wait import condition_reasons


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


def test_parse_simulate_revised_reads_the_predicted_state_like_crm_mon():
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
