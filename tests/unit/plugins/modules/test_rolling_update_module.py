# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the rolling_update module: main() on outputs captured from the lab."""

from __future__ import annotations

import json

import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, health_lab_runner, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils import rolling_update as ru
from ansible_collections.clusterops.ha.plugins.module_utils import timeline
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.health import run_checks
from ansible_collections.clusterops.ha.plugins.modules import rolling_update

NODES = ["lab-node1", "lab-node2", "lab-node3"]


def health(name):
    return fixture_text("health", name)


def run(monkeypatch, args, runner, expect=ExitJson):
    monkeypatch.setattr(rolling_update, "make_runner", lambda module: runner)
    monkeypatch.setattr(rolling_update, "POLL_SECONDS", 0)
    with patch_module_args(args):
        with pytest.raises(expect) as exc:
            rolling_update.main()
    return exc.value.args[0]


def lab_report():
    status = build_status(crm_mon=parse_crm_mon(health("crm_mon.lab.xml")), quorum=parse_quorumtool(health("quorumtool.lab.txt")),
                          cfgtool=parse_cfgtool(health("cfgtool-s.lab.txt")),
                          dc_state=parse_crmadmin_state(health("crmadmin-S.lab.xml")))
    return run_checks(status, export(parse(health("cib.lab.xml"))), json.loads(health("node_facts.lab.json")),
                      {"token_ms": 3650})


def test_plan_orders_the_lab_passive_first(monkeypatch):
    result = run(monkeypatch, {"action": "plan", "nodes": NODES}, health_lab_runner())
    assert result["changed"] is False
    assert [i["node"] for i in result["plan"]["order"]] == ["lab-node1", "lab-node3", "lab-node2"]
    assert result["markers"] == {}
    assert result["lines"][0] == "1. lab-node1: hosts no active or promoted instance"


def test_plan_reads_the_marker_of_an_interrupted_run_from_the_cib(monkeypatch):
    node3 = '<node id="3" uname="lab-node3">'
    marked = health("cib.lab.xml").replace(
        node3, node3 + '<instance_attributes id="nodes-3"><nvpair id="nodes-3-m" name="%s" value="updated"/>'
        '</instance_attributes>' % ru.MARKER_ATTRIBUTE, 1)
    assert marked != health("cib.lab.xml")
    result = run(monkeypatch, {"action": "plan", "nodes": NODES}, _with_cib(marked))
    assert result["markers"] == {"lab-node3": "updated"}
    assert result["plan"]["order"][0]["node"] == "lab-node3"


def _with_cib(text):
    runner = health_lab_runner()
    runner.add(["cibadmin", "--query"], stdout=text)
    return runner


def test_plan_needs_pacemaker(monkeypatch):
    runner = health_lab_runner()
    runner.add(["crm_mon"], rc=102, stdout=fixture_text("status", "crm_mon.pacemaker-down.xml"))
    result = run(monkeypatch, {"action": "plan", "nodes": NODES}, runner, expect=FailJson)
    assert "Pacemaker is not running" in result["msg"]


def test_plan_rejects_an_unknown_preferred_node(monkeypatch):
    result = run(monkeypatch, {"action": "plan", "nodes": NODES, "preferred": "db9"}, health_lab_runner(), expect=FailJson)
    assert result["msg"].startswith("preferred: preferred node db9 is not one of the nodes")


def test_each_action_names_its_required_fields(monkeypatch):
    result = run(monkeypatch, {"action": "plan"}, health_lab_runner(), expect=FailJson)
    assert "nodes" in result["msg"]
    result = run(monkeypatch, {"action": "gate"}, health_lab_runner(), expect=FailJson)
    assert "health_report" in result["msg"]
    result = run(monkeypatch, {"action": "upgrade"}, health_lab_runner(), expect=FailJson)
    assert "action" in result["msg"] and "plan, gate, drained, pending, schema, report" in result["msg"]
    result = run(monkeypatch, {"action": "report"}, FakeRunner(), expect=FailJson)
    assert "events" in result["msg"]
    result = run(monkeypatch, {"action": "schema"}, health_lab_runner(), expect=FailJson)
    assert "node_facts" in result["msg"]


def test_gate_passes_on_the_healthy_lab(monkeypatch):
    result = run(monkeypatch, {"action": "gate", "health_report": lab_report(), "expected_nodes": NODES}, health_lab_runner())
    assert (result["passed"], result["reasons"]) == (True, [])


def test_gate_reports_a_node_that_is_not_online(monkeypatch):
    result = run(monkeypatch, {"action": "gate", "health_report": lab_report(), "expected_nodes": NODES + ["lab-node4"]},
                 health_lab_runner())
    assert result["passed"] is False
    assert result["reasons"] == ["nodes-online: not online: lab-node4"]


def test_drained_returns_once_the_node_hosts_nothing_active(monkeypatch):
    result = run(monkeypatch, {"action": "drained", "node": "lab-node1", "timeout": 5}, health_lab_runner())
    assert result["roles"]["lab-node1"]["active"] == []


def test_drained_fails_naming_what_is_still_there(monkeypatch):
    result = run(monkeypatch, {"action": "drained", "node": "lab-node2", "timeout": 1}, health_lab_runner(), expect=FailJson)
    assert result["msg"] == "lab-node2 did not hand its services over within 1s: still hosts site-vip, site-nginx"


def test_pending_lists_the_updates_and_the_stack_ones(monkeypatch):
    runner = FakeRunner()
    runner.add(["apt-get"], stdout=fixture_text("rolling_update", "apt-get-s-dist-upgrade.security.txt"))
    result = run(monkeypatch, {"action": "pending"}, runner)
    assert len(result["packages"]) == 33 and result["stack"] == []
    assert runner.calls[0]["argv"] == ["apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade"]
    result = run(monkeypatch, {"action": "pending", "packages": ["nginx", "absent"]}, runner)
    assert [p["name"] for p in result["packages"]] == ["nginx"]


def test_pending_move_to_pacemaker3_reads_the_cibs_readiness(monkeypatch):
    runner = FakeRunner()
    runner.add(["apt-get"], stdout=fixture_text("rolling_update", "apt-get-s-dist-upgrade.bookworm-to-trixie.txt"))
    runner.add(["cibadmin", "--query"], stdout=fixture_text("cib", "cib.pcmk2-legacy.xml"))
    result = run(monkeypatch, {"action": "pending"}, runner)
    assert [(c["name"], c["old_major"], c["new_major"]) for c in result["major"]] == [("pacemaker", 2, 3)]
    assert len(result["pacemaker3"]) == 21 and result["pacemaker3"][0]["code"] == "duplicate-nvpair"
    # a ready CIB: an empty list; no move to 3.0: None and the CIB is not read
    runner.answers[("cibadmin", "--query")] = lambda argv, data: (0, health("cib.lab.xml"), "")
    assert run(monkeypatch, {"action": "pending"}, runner)["pacemaker3"] == []
    security = FakeRunner()
    security.add(["apt-get"], stdout=fixture_text("rolling_update", "apt-get-s-dist-upgrade.security.txt"))
    result = run(monkeypatch, {"action": "pending"}, security)
    assert result["pacemaker3"] is None and result["major"] == []
    assert [c["argv"][0] for c in security.calls] == ["apt-get"]
    # asked for (the node is about to move to Debian 13 by its sources): read whatever apt says now
    security.add(["cibadmin", "--query"], stdout=fixture_text("cib", "cib.pcmk2-legacy.xml"))
    assert len(run(monkeypatch, {"action": "pending", "pacemaker3_check": True}, security)["pacemaker3"]) == 21


def test_pending_without_apt_says_what_to_do(monkeypatch):
    result = run(monkeypatch, {"action": "pending"}, FakeRunner(), expect=FailJson)
    assert "rolling_update_tasks" in result["msg"]


def test_timeout_must_be_positive(monkeypatch):
    result = run(monkeypatch, {"action": "drained", "node": "x", "timeout": 0}, health_lab_runner(), expect=FailJson)
    assert result["msg"] == "timeout: must be at least 1 second, got 0"


def _predicting(runner, simulate):
    runner.add(["crm_simulate"], stdout=fixture_text("rolling_update", simulate))
    return runner


def test_gate_with_a_node_checks_the_quorum_margin(monkeypatch):
    result = run(monkeypatch, {"action": "gate", "health_report": lab_report(), "node": "lab-node2"},
                 _predicting(health_lab_runner(), "crm_simulate.health-lab-node2-standby.xml"))
    assert result["passed"] is True
    assert result["predicted"] == {"serving": ["lb on lab-node3", "site-nginx on lab-node1", "site-vip on lab-node1"],
                                   "missing": []}
    # lab-node3 is already out: 2 votes, 2 needed; taking lab-node2 out too would lose quorum.
    two = health("quorumtool.lab.txt").replace("Total votes:      3", "Total votes:      2").replace(
        "         3          1 lab-node3\n", "")
    runner = _predicting(health_lab_runner(), "crm_simulate.health-lab-node2-standby.xml")
    runner.add(["corosync-quorumtool", "-s"], stdout=two)
    result = run(monkeypatch, {"action": "gate", "health_report": lab_report(), "node": "lab-node2"}, runner)
    assert result["passed"] is False
    assert "quorum: without lab-node2 the cluster has 1 of 2 votes needed: it would lose quorum" in result["reasons"]


def test_plan_refuses_a_move_to_pacemaker3_while_the_cib_is_not_ready(monkeypatch):
    runner = FakeRunner()
    runner.add(["apt-get"], stdout=fixture_text("rolling_update", "apt-get-s-dist-upgrade.bookworm-to-trixie.txt"))
    runner.add(["cibadmin", "--query"], stdout=fixture_text("cib", "cib.pcmk2-legacy.xml"))
    pending = run(monkeypatch, {"action": "pending"}, runner)
    pending = {node: pending for node in NODES}
    result = run(monkeypatch, {"action": "plan", "nodes": NODES, "pending": pending}, health_lab_runner(), expect=FailJson)
    assert result["msg"].startswith("The pending updates move Pacemaker to 3.0 (lab-node1, lab-node2, lab-node3)")
    assert len(result["not_ready"]) == 21 and result["moving"] == NODES
    assert result["lines"][0] == "1. lab-node1: hosts no active or promoted instance"
    # ready (the lab's own CIB): the plan goes on
    ready = {node: dict(pending[node], pacemaker3=[]) for node in NODES}
    assert run(monkeypatch, {"action": "plan", "nodes": NODES, "pending": ready}, health_lab_runner())["plan"]["order"]


def _schema_runner(cib):
    runner = FakeRunner()
    runner.add(["cibadmin", "--query"], stdout=health(cib))
    return runner


def _facts(release):
    """cluster_node_facts of the lab's nodes, captured on that release."""
    return json.loads(health("%s/node_facts.lab.json" % release))


def test_schema_after_the_last_node_reads_the_live_schema(monkeypatch):
    runner = _schema_runner("bookworm/cib.lab.xml")
    result = run(monkeypatch, {"action": "schema", "node_facts": _facts("trixie")}, runner)
    assert (result["changed"], result["upgrade"], result["validate_with"]) == (False, True, "pacemaker-3.9")
    assert runner.calls[0]["argv"] == ["cibadmin", "--query"]
    # one node still on 2.1: no upgrade, and why
    facts = dict(_facts("trixie"), **{"lab-node1": _facts("bookworm")["lab-node1"]})
    result = run(monkeypatch, {"action": "schema", "node_facts": facts}, runner)
    assert result["upgrade"] is False and result["reason"].startswith("lab-node1 (2.1.5) still run(s) Pacemaker 2")
    # a node that did not answer (the cluster_health_inputs form): unknown, the schema stays
    facts = dict(_facts("trixie"), **{"lab-node2": {"reachable": False}})
    result = run(monkeypatch, {"action": "schema", "node_facts": facts}, runner)
    assert (result["upgrade"], result["reason"]) == (False, "the Pacemaker version of lab-node2 is unknown")
    # already upgraded (a Debian 13 cluster): nothing to do
    result = run(monkeypatch, {"action": "schema", "node_facts": _facts("trixie")}, _schema_runner("trixie/cib.lab.xml"))
    assert (result["upgrade"], result["validate_with"]) == (False, "pacemaker-4.0")


def test_schema_refuses_facts_of_the_wrong_shape(monkeypatch):
    result = run(monkeypatch, {"action": "schema", "node_facts": {"lab-node1": {"pacemaker_version": 3}}},
                 _schema_runner("trixie/cib.lab.xml"), expect=FailJson)
    assert "node_facts.lab-node1.pacemaker_version" in result["msg"]


def test_schema_without_pacemaker_says_so(monkeypatch):
    runner = FakeRunner()
    runner.add(["cibadmin"], rc=102, stderr="Could not connect to the CIB: Transport endpoint is not connected")
    result = run(monkeypatch, {"action": "schema", "node_facts": _facts("trixie")}, runner, expect=FailJson)
    assert result["msg"] == ("Could not read the CIB's schema: Pacemaker is not running on this node "
                             "(cibadmin --query failed)")


def run_events():
    return [json.loads(line) for line in fixture_text("rolling_update", "run.events.jsonl").splitlines() if line.strip()]


def test_report_reads_no_cluster_and_returns_the_texts(monkeypatch):
    runner = FakeRunner()  # answers nothing: the report must not run a command
    result = run(monkeypatch, {"action": "report", "events": run_events(), "cluster": "lab", "report_name": "lab-run"},
                 runner)
    assert result["changed"] is False
    assert result["summary"]["verdict"] == "done" and len(result["summary"]["nodes"]) == 3
    assert result["markdown"] == ru.render_markdown({"cluster": "lab", "release": "", "events": run_events()}, "lab-run.svg")
    assert result["svg"] == timeline.render_svg(ru.build_timeline(run_events(), "lab"))
    assert result["html"].startswith("<!DOCTYPE html>") and result["html"].count("<svg ") == 1
    assert "<script" not in result["html"]
    # in check mode too: it only reads what it is given
    checked = run(monkeypatch, {"action": "report", "events": run_events(), "_ansible_check_mode": True}, runner)
    assert checked["markdown"].startswith("# Rolling update: cluster\n")


@pytest.mark.parametrize("args,message", [
    ({"events": []}, "events: no moment recorded"),
    ({"events": [{"at": 1.0, "event": "explode"}]}, "events[0].event: 'explode' is not one of"),
    ({"events": [{"at": 1.0, "event": "start"}], "report_name": "../etc/x"}, "report_name: '../etc/x' is not a file name"),
])
def test_report_refuses_what_it_cannot_read(monkeypatch, args, message):
    result = run(monkeypatch, dict({"action": "report"}, **args), FakeRunner(), expect=FailJson)
    assert message in result["msg"]


# ---------------------------------------------------------------------------------------------
# the replicated database (PostgreSQL under PAF): fixtures/rolling_update, see its README

def paf_runner(crm_mon, cib="cib.paf-primary-node1.xml", simulate=None):
    runner = health_lab_runner()
    runner.add(["crm_mon"], stdout=fixture_text("rolling_update", crm_mon))
    runner.add(["cibadmin", "--query"], stdout=fixture_text("rolling_update", cib))
    if simulate:
        runner.add(["crm_simulate"], stdout=fixture_text("rolling_update", simulate))
    return runner


def test_gate_before_the_primary_asks_pacemaker_where_it_would_be_promoted(monkeypatch):
    runner = paf_runner("crm_mon.paf-primary-node1-gate.xml", simulate="crm_simulate.paf-node1-standby.xml")
    result = run(monkeypatch, {"action": "gate", "health_report": lab_report(), "node": "lab-node1"}, runner)
    assert (result["passed"], result["reasons"]) == (True, [])
    assert "pgsqld-clone (promoted) on lab-node2" in result["predicted"]["serving"]
    simulated = [c for c in runner.calls if c["argv"][0] == "crm_simulate"]
    assert len(simulated) == 1 and simulated[0]["argv"][1:2] == ["--xml-file"]
    # What crm_simulate was given: the live CIB with the node in standby (nothing changed on the cluster).
    assert not [c for c in runner.calls if c["argv"][0] in ("crm_attribute", "cibadmin") and "--query" not in c["argv"]]


def test_gate_refuses_a_standby_that_would_leave_no_primary(monkeypatch):
    runner = paf_runner("crm_mon.paf-primary-node1-gate.xml", cib="cib.paf-promote-pinned-node1.xml",
                        simulate="crm_simulate.paf-node1-standby-pinned.xml")
    result = run(monkeypatch, {"action": "gate", "health_report": lab_report(), "node": "lab-node1"}, runner)
    assert result["passed"] is False
    assert result["predicted"]["missing"] == ["pgsql-vip", "pgsqld-clone (promoted)"]
    assert result["reasons"][0].startswith("standby of lab-node1: Pacemaker's scheduler (crm_simulate of the live CIB with "
                                           "lab-node1 in standby) finds no other place for pgsql-vip, pgsqld-clone (promoted)")


def test_gate_does_not_pass_when_the_prediction_cannot_be_made(monkeypatch):
    runner = paf_runner("crm_mon.paf-primary-node1-gate.xml")
    runner.add(["crm_simulate"], rc=1, stderr="crm_simulate: something broke")
    result = run(monkeypatch, {"action": "gate", "health_report": lab_report(), "node": "lab-node1"}, runner)
    assert result["passed"] is False and "crm_simulate could not predict it (rc 1)" in result["reasons"][0]


def test_gate_before_a_node_that_hosts_nothing_predicts_nothing(monkeypatch):
    runner = paf_runner("crm_mon.paf-primary-node1-gate.xml")
    result = run(monkeypatch, {"action": "gate", "health_report": lab_report(), "node": "lab-node3"}, runner)
    # lab-node3 hosts no active-passive service and no promoted instance: nothing to predict, crm_simulate not run.
    assert result["predicted"] is None
    assert not [c for c in runner.calls if c["argv"][0] == "crm_simulate"]


def test_drained_once_the_primary_was_promoted_elsewhere(monkeypatch):
    hosted = {"active": ["site-vip", "site-nginx", "lb-vip", "pgsql-vip"], "promoted": ["pgsqld-clone"]}
    result = run(monkeypatch, {"action": "drained", "node": "lab-node3", "hosted": hosted, "timeout": 5},
                 paf_runner("crm_mon.paf-node3-standby-promoted-elsewhere.xml"))
    assert result["missing"] == [] and result["roles"]["lab-node1"]["promoted"] == ["pgsqld-clone"]


def test_drained_fails_at_once_when_the_primary_was_promoted_nowhere(monkeypatch):
    monkeypatch.setattr(rolling_update, "HANDOVER_GRACE_SECONDS", 0)
    hosted = {"active": ["pgsql-vip"], "promoted": ["pgsqld-clone"]}
    result = run(monkeypatch, {"action": "drained", "node": "lab-node2", "hosted": hosted, "timeout": 300},
                 paf_runner("crm_mon.paf-node2-standby-promoted-nowhere.xml"), expect=FailJson)
    assert result["missing"] == ["pgsql-vip", "pgsqld-clone (promoted)"]
    assert result["waited"] < 5
    assert result["msg"].startswith("lab-node2's services did not move: pgsql-vip, pgsqld-clone (promoted) now run on no node")


def test_drained_refuses_a_hosted_of_the_wrong_shape(monkeypatch):
    result = run(monkeypatch, {"action": "drained", "node": "lab-node2", "hosted": {"active": "pgsql-vip"}},
                 paf_runner("crm_mon.paf-node2-standby-promoted-nowhere.xml"), expect=FailJson)
    assert result["msg"].startswith("hosted.active: must be")
