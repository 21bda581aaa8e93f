"""The rolling-update planner, on status models of real lab clusters (fixtures/health, fixtures/status)."""

from __future__ import annotations

import copy

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import rolling_update as ru
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.health import run_checks

NODES = ["lab-node1", "lab-node2", "lab-node3"]


def lab_status():
    """The lab's services: fence-docker on node1, site-vip + site-nginx on node2, group lb on node3, app-clone everywhere."""
    def h(name):
        return fixture_text("health", name)
    return build_status(crm_mon=parse_crm_mon(h("crm_mon.lab.xml")), quorum=parse_quorumtool(h("quorumtool.lab.txt")),
                        cfgtool=parse_cfgtool(h("cfgtool-s.lab.txt")), dc_state=parse_crmadmin_state(h("crmadmin-S.lab.xml")))


def promotable_status():
    """Group web on one node, a cloned Dummy, and stateful-clone promoted on lab-node1."""
    def s(name):
        return fixture_text("status", name)
    return build_status(crm_mon=parse_crm_mon(s("crm_mon.healthy.xml")), quorum=parse_quorumtool(s("quorumtool.3nodes.txt")),
                        cfgtool=parse_cfgtool(s("cfgtool-s.3nodes.txt")), dc_state={"state": "S_IDLE"})


def lab_report(status=None, **kwargs):
    import json
    facts = json.loads(fixture_text("health", "node_facts.lab.json"))
    config = export(parse(fixture_text("health", "cib.lab.xml")))
    return run_checks(status or lab_status(), config, facts, {"token_ms": 3650, "nodes": None}, **kwargs)


def test_roles_separate_active_services_clones_and_fencing():
    roles = ru.node_roles(lab_status())
    assert roles["lab-node1"] == {"active": [], "promoted": [], "clones": ["app-clone"], "fencing": ["fence-docker"]}
    assert roles["lab-node2"]["active"] == ["site-vip", "site-nginx"]
    # A group is one service, named by the group.
    assert roles["lab-node3"]["active"] == ["lb"]
    assert all(r["clones"] == ["app-clone"] for r in roles.values())


def test_passive_nodes_first_then_the_active_ones_fewest_services_first():
    p = ru.plan(lab_status(), NODES)
    assert [i["node"] for i in p["order"]] == ["lab-node1", "lab-node3", "lab-node2"]
    assert p["passive_nodes"] == ["lab-node1"]
    assert p["active_nodes"] == ["lab-node2", "lab-node3"]
    assert p["order"][0]["reason"] == "hosts no active or promoted instance"
    assert "site-vip" in p["order"][2]["reason"] and "site-nginx" in p["order"][2]["reason"]
    assert p["skip"] == []


def test_a_promoted_instance_makes_a_node_active_an_unpromoted_one_does_not():
    status = promotable_status()
    roles = ru.node_roles(status)
    promoted = [n for n, r in roles.items() if r["promoted"]]
    assert len(promoted) == 1 and roles[promoted[0]]["promoted"] == ["stateful-clone"]
    p = ru.plan(status, NODES)
    hosts_active = [n for n, r in roles.items() if r["active"] or r["promoted"]]
    # Whatever hosts nothing active comes first; the rest keep their place at the end.
    order = [i["node"] for i in p["order"]]
    assert set(order[len(order) - len(hosts_active):]) == set(hosts_active)
    assert "(promoted)" in [i for i in p["order"] if i["node"] == promoted[0]][0]["reason"]


def test_up_to_date_nodes_are_skipped_and_say_why():
    p = ru.plan(lab_status(), NODES, up_to_date={"lab-node1": True, "lab-node3": False})
    assert [i["node"] for i in p["order"]] == ["lab-node3", "lab-node2"]
    assert p["skip"] == [{"node": "lab-node1", "reason": "up to date"}]


def test_an_interrupted_node_goes_first_even_when_it_looks_up_to_date():
    p = ru.plan(lab_status(), NODES, up_to_date={"lab-node2": True}, markers={"lab-node2": "updated"})
    assert p["order"][0]["node"] == "lab-node2"
    assert p["order"][0]["resume"] is True
    assert "'updated'" in p["order"][0]["reason"]


def test_markers_are_read_from_the_node_attributes_by_default():
    status = lab_status()
    status["node_attributes"] = {"lab-node3": {ru.MARKER_ATTRIBUTE: "standby"}}
    assert ru.plan(status, NODES)["order"][0]["node"] == "lab-node3"


def test_preferred_node_must_be_one_of_the_nodes():
    assert ru.plan(lab_status(), NODES, preferred="lab-node2")["preferred"] == "lab-node2"
    with pytest.raises(ValueError, match="preferred node db9 is not one of the nodes: lab-node1, lab-node2, lab-node3"):
        ru.plan(lab_status(), NODES, preferred="db9")


def test_describe_lists_the_order_the_skips_and_the_failback():
    lines = ru.describe(ru.plan(lab_status(), NODES, up_to_date={"lab-node1": True}, preferred="lab-node2"))
    assert lines[0].startswith("1. lab-node3: hosts lb")
    assert lines[2] == "-  lab-node1: skipped, up to date"
    assert lines[-1] == "failback: services return to lab-node2 at the end"


def test_quorum_margin_three_nodes_one_out_is_fine():
    ok, why = ru.quorum_margin(lab_status(), "lab-node2")
    assert ok, why
    assert why == "without lab-node2: 2 votes, 2 needed"


def test_quorum_margin_refuses_when_the_rest_would_lose_quorum():
    status = lab_status()
    status["quorum"] = dict(status["quorum"], total_votes=2, quorum=2,
                            members=[m for m in status["quorum"]["members"] if m["name"] != "lab-node3"])
    ok, why = ru.quorum_margin(status, "lab-node1")
    assert not ok
    assert "would lose quorum" in why


def test_quorum_margin_unknown_votes_block():
    status = lab_status()
    status["quorum"] = dict(status["quorum"], total_votes=None)
    assert ru.quorum_margin(status, "lab-node1") == (False, "the quorum votes are unknown (is corosync running?)")


def test_gate_passes_on_the_healthy_lab():
    assert ru.gate(lab_status(), lab_report(), NODES) == []


def test_gate_blocks_on_a_leftover_ban_a_warning_in_health_but_not_here():
    status = lab_status()
    status["bans"] = [{"id": "cli-ban-site-vip-on-lab-node2", "resource": "site-vip", "node": "lab-node2", "weight": -1000000,
                       "master_only": False}]
    config = export(parse(fixture_text("health", "cib.lab-ban.xml")))
    import json
    report = run_checks(status, config, json.loads(fixture_text("health", "node_facts.lab.json")), {"token_ms": 3650})
    reasons = ru.gate(status, report, NODES)
    assert any(r.startswith("leftover-bans failed") for r in reasons), reasons


def test_gate_blocks_on_a_standby_node_unless_an_earlier_run_marked_it():
    status = lab_status()
    node = [n for n in status["nodes"] if n["name"] == "lab-node1"][0]
    node["standby"] = True
    status["nodes_standby"] = ["lab-node1"]
    report = lab_report(status)
    assert any(r.startswith("nodes-standby") for r in ru.gate(status, report, NODES))
    assert ru.gate(status, report, NODES, marked=["lab-node1"]) == []
    # Marking another node does not excuse this one.
    assert ru.gate(status, report, NODES, marked=["lab-node2"]) != []


def test_gate_blocks_when_a_node_is_offline_or_the_cluster_is_busy():
    status = lab_status()
    status["nodes_online"] = ["lab-node1", "lab-node2"]
    status["settled"] = False
    reasons = ru.gate(status, lab_report(), NODES)
    assert "nodes-online: not online: lab-node3" in reasons
    assert "the cluster has not settled (pending actions or a busy DC)" in reasons


def test_gate_does_not_pass_on_missing_data():
    report = copy.deepcopy(lab_report())
    for c in report["checks"]:
        if c["id"] == "stonith":
            c["status"], c["message"] = "skip", "Pacemaker is not running"
    assert ru.gate(lab_status(), report, NODES) == ["stonith could not be checked: Pacemaker is not running"]


def test_gate_ignores_warnings_it_does_not_own():
    report = copy.deepcopy(lab_report())
    for c in report["checks"]:
        if c["id"] == "versions-identical":
            c["status"], c["message"] = "fail", "mixed versions"
    assert ru.gate(lab_status(), report, NODES) == []


def test_apt_simulation_of_the_lab_image_with_the_security_suite():
    pkgs = ru.parse_apt_simulate(fixture_text("rolling_update", "apt-get-s-dist-upgrade.security.txt"))
    assert len(pkgs) == 33
    haproxy = [p for p in pkgs if p["name"] == "haproxy"][0]
    assert haproxy == {"name": "haproxy", "old": "2.6.12-1+deb12u3", "new": "2.6.12-1+deb12u4",
                       "origin": "Debian-Security:12/oldstable-security", "arch": "amd64"}
    assert {"nginx", "openssl", "tzdata", "perl-base"} <= {p["name"] for p in pkgs}
    # None of them is part of the cluster stack: the stack can keep running while they are applied.
    assert ru.touches_stack([p["name"] for p in pkgs]) == []


def test_apt_simulation_with_nothing_to_do():
    assert ru.parse_apt_simulate(fixture_text("rolling_update", "apt-get-s-dist-upgrade.none.txt")) == []


def test_a_new_package_has_no_old_version():
    line = "Inst linux-image-6.1.0-99-amd64 (6.1.999-1 Debian-Security:12/oldstable-security [amd64])"
    assert ru.parse_apt_simulate(line) == [{"name": "linux-image-6.1.0-99-amd64", "old": None, "new": "6.1.999-1",
                                            "origin": "Debian-Security:12/oldstable-security", "arch": "amd64"}]


def test_stack_packages():
    assert ru.touches_stack(["libknet1", "pacemaker-cli-utils", "nginx", "libc6", "libcrmcommon34", "pcs"]) == [
        "libknet1", "pacemaker-cli-utils", "libc6", "libcrmcommon34", "pcs"]


def test_serving_names_each_service_and_its_node():
    assert ru.serving(lab_status()) == ["lb on lab-node3", "site-nginx on lab-node2", "site-vip on lab-node2"]


def test_serving_says_when_a_service_runs_nowhere():
    status = lab_status()
    status["resources"] = [r for r in status["resources"] if r["id"] != "site-vip"]
    assert "site-vip stopped" in ru.serving(status)


def test_gate_lets_a_marked_node_be_offline_but_no_other():
    status = lab_status()
    report = copy.deepcopy(lab_report())
    for c in report["checks"]:
        if c["id"] == "nodes-online":
            c["status"], c["message"], c["objects"] = "fail", "lab-node3 offline", ["lab-node3"]
    status["nodes_online"] = ["lab-node1", "lab-node2"]
    assert ru.gate(status, report, NODES, marked=["lab-node3"]) == []
    reasons = ru.gate(status, report, NODES, marked=["lab-node1"])
    # Said once, by the check.
    assert reasons == ["nodes-online: lab-node3 offline (only a node an earlier run left behind may be)"]


def test_apt_simulate_on_trixie_and_of_the_move_to_trixie():
    # apt 3.0 (trixie) prints the same Inst lines as apt 2.6 (bookworm)
    assert ru.parse_apt_simulate(fixture_text("rolling_update", "apt-get-s-dist-upgrade.trixie-none.txt")) == []
    pkgs = ru.parse_apt_simulate(fixture_text("rolling_update", "apt-get-s-reinstall.trixie.txt"))
    assert pkgs == [
        {"name": "corosync", "old": "3.1.9-2+deb13u1", "new": "3.1.9-2+deb13u1", "origin": "Debian:13.8/stable",
         "arch": "amd64"},
        {"name": "pacemaker", "old": "3.0.0-2", "new": "3.0.0-2", "origin": "Debian:13.8/stable", "arch": "amd64"}]
    # a bookworm node whose sources name trixie: the major upgrade, 899 packages
    move = ru.parse_apt_simulate(fixture_text("rolling_update", "apt-get-s-dist-upgrade.bookworm-to-trixie.txt"))
    assert len(move) == 899 and len([p for p in move if p["old"] is None]) == 657
    by_name = dict((p["name"], p) for p in move)
    assert (by_name["pacemaker"]["old"], by_name["pacemaker"]["new"]) == ("2.1.5-1+deb12u1", "3.0.0-2")
    assert (by_name["corosync"]["old"], by_name["corosync"]["new"]) == ("3.1.7-1+deb12u2", "3.1.9-2+deb13u1")
    assert {"pacemaker", "corosync", "pcs"} <= set(ru.touches_stack(by_name))


def test_major_changes_of_the_move_to_trixie():
    move = ru.parse_apt_simulate(fixture_text("rolling_update", "apt-get-s-dist-upgrade.bookworm-to-trixie.txt"))
    assert ru.major_changes(move) == [{"name": "pacemaker", "old": "2.1.5-1+deb12u1", "new": "3.0.0-2",
                                       "old_major": 2, "new_major": 3}]
    assert ru.to_pacemaker3(move) is True
    security = ru.parse_apt_simulate(fixture_text("rolling_update", "apt-get-s-dist-upgrade.security.txt"))
    assert ru.major_changes(security) == [] and ru.to_pacemaker3(security) is False
    assert ru.major_changes([{"name": "pacemaker", "old": None, "new": "3.0.0-2"},
                             {"name": "corosync", "old": "1:2.4.5-1", "new": "3.1.9-2"},
                             {"name": "pcs", "old": "x", "new": "0.12"}]) == [
        {"name": "corosync", "old": "1:2.4.5-1", "new": "3.1.9-2", "old_major": 2, "new_major": 3}]


# --- the move to Pacemaker 3.0: the plan's refusal and the schema upgrade after the last node -----------------

def _findings():
    from ansible_collections.clusterops.ha.plugins.module_utils import pcmk3
    return pcmk3.findings(parse(fixture_text("cib", "cib.pcmk2-legacy.xml")))


def test_refusal_names_the_moving_nodes_and_every_form():
    found = _findings()
    pending = {"lab-node2": {"pacemaker3": found}, "lab-node1": {"pacemaker3": found}, "lab-node3": {"pacemaker3": None}}
    refusal = ru.pacemaker3_refusal(pending)
    assert refusal["moving"] == ["lab-node1", "lab-node2"]
    assert refusal["not_ready"] == found and len(found) == 21
    assert refusal["message"].startswith("The pending updates move Pacemaker to 3.0 (lab-node1, lab-node2), and the CIB "
                                         "holds 21 form(s) Pacemaker 3.0 drops or refuses; no node was touched.")
    assert found[0]["message"] in refusal["message"] and "pacemaker3_fixes=true --check --diff" in refusal["message"]


def test_no_refusal_when_ready_or_not_moving():
    assert ru.pacemaker3_refusal({"lab-node1": {"pacemaker3": []}}) is None
    assert ru.pacemaker3_refusal({"lab-node1": {"pacemaker3": None, "packages": []}, "lab-node2": {}}) is None
    assert ru.pacemaker3_refusal({}) is None and ru.pacemaker3_refusal(None) is None


def _versions(release):
    import json
    facts = json.loads(fixture_text("health", "%s/node_facts.lab.json" % release))
    return {node: f["pacemaker_version"] for node, f in facts.items()}


def _validate_with(name):
    return parse(fixture_text("health", name)).get("validate-with")


def test_schema_moves_once_every_node_runs_pacemaker3():
    # the CIB a Debian 12 cluster wrote (pacemaker-3.9), every node now on Pacemaker 3.0.0 (captured on trixie)
    assert _validate_with("bookworm/cib.lab.xml") == "pacemaker-3.9"
    decision = ru.schema_upgrade(_versions("trixie"), "pacemaker-3.9")
    assert decision == {"upgrade": True, "reason": "every node runs Pacemaker 3 and the CIB validates with pacemaker-3.9"}


def test_schema_stays_while_a_node_runs_pacemaker2():
    versions = dict(_versions("trixie"), **{"lab-node3": _versions("bookworm")["lab-node3"]})
    decision = ru.schema_upgrade(versions, "pacemaker-3.9")
    assert decision == {"upgrade": False, "reason": "lab-node3 (2.1.5) still run(s) Pacemaker 2; the schema stays pacemaker-3.9"}
    assert ru.schema_upgrade(_versions("bookworm"), "pacemaker-3.9")["upgrade"] is False


def test_schema_left_alone_when_current_unknown_or_unnumbered():
    assert _validate_with("trixie/cib.lab.xml") == "pacemaker-4.0"
    assert ru.schema_upgrade(_versions("trixie"), "pacemaker-4.0") == {
        "upgrade": False, "reason": "the CIB already validates with pacemaker-4.0"}
    assert ru.schema_upgrade(dict(_versions("trixie"), **{"lab-node2": None}), "pacemaker-3.9") == {
        "upgrade": False, "reason": "the Pacemaker version of lab-node2 is unknown"}
    assert ru.schema_upgrade({}, "pacemaker-3.9")["upgrade"] is False
    for odd in ("pacemaker-next", "none", "", None):
        assert ru.schema_upgrade(_versions("trixie"), odd)["upgrade"] is False


def test_pending_results_are_checked_naming_node_and_key():
    assert ru.pending_errors({"lab-node1": {"pacemaker3": None}, "lab-node2": {"pacemaker3": _findings()}}) == []
    assert ru.pending_errors({"lab-node1": {"pacemaker3": "yes"}}) == [
        "pending.lab-node1.pacemaker3: must be a list, got str 'yes'"]
    assert ru.pending_errors({"lab-node1": ["x"]}) == ["pending.lab-node1: must be a dictionary, got list ['x']"]


# ---------------------------------------------------------------------------------------------
# the replicated database (PostgreSQL under PAF) on the lab: fixtures/rolling_update, see its README

def paf_status(name):
    return build_status(crm_mon=parse_crm_mon(fixture_text("rolling_update", name)), quorum=parse_quorumtool(
        fixture_text("health", "quorumtool.lab.txt")), dc_state={"state": "S_IDLE"})


def test_the_database_primary_is_serviced_last_by_a_switchover():
    status = paf_status("crm_mon.paf-primary-node1.xml")
    roles = ru.node_roles(status)
    assert roles["lab-node1"]["promoted"] == ["pgsqld-clone"]
    assert roles["lab-node2"]["promoted"] == [] and "pgsqld-clone" in roles["lab-node2"]["clones"]
    p = ru.plan(status, NODES)
    assert p["order"][-1]["node"] == "lab-node1"
    assert "pgsqld-clone (promoted)" in p["order"][-1]["reason"]


def test_handover_done_when_the_standby_was_promoted_elsewhere():
    hosted = ru.node_roles(paf_status("crm_mon.paf-primary-node3.xml"))["lab-node3"]
    assert hosted["promoted"] == ["pgsqld-clone"] and "pgsql-vip" in hosted["active"]
    after = paf_status("crm_mon.paf-node3-standby-promoted-elsewhere.xml")
    assert ru.handover(after, "lab-node3", hosted) == {"busy": [], "missing": []}
    # Before the standby took effect, the node still holds everything it hosted.
    before = ru.handover(paf_status("crm_mon.paf-primary-node3.xml"), "lab-node3", hosted)
    assert "pgsqld-clone (promoted)" in before["busy"] and "pgsql-vip" in before["busy"]


def test_handover_names_a_primary_that_was_promoted_nowhere():
    # lab-node2 was the primary; a constraint forbade promoting anywhere else, so its standby left no primary.
    after = paf_status("crm_mon.paf-node2-standby-promoted-nowhere.xml")
    where = ru.handover(after, "lab-node2", {"active": ["pgsql-vip"], "promoted": ["pgsqld-clone"], "clones": ["app-clone"]})
    assert where == {"busy": [], "missing": ["pgsql-vip", "pgsqld-clone (promoted)"]}
    # Clones are not part of the hand-over: they run everywhere by design.
    assert ru.handover(after, "lab-node2", {"clones": ["pgsqld-clone"]}) == {"busy": [], "missing": []}


def test_with_standby_sets_the_node_attribute_on_a_copy():
    root = parse(fixture_text("rolling_update", "cib.paf-primary-node1.xml"))
    out = ru.with_standby(root, "lab-node1")
    node = [n for n in out.find("configuration/nodes").findall("node") if n.get("uname") == "lab-node1"][0]
    assert [(nv.get("name"), nv.get("value")) for nv in node.iter("nvpair") if nv.get("name") == "standby"] == [("standby", "on")]
    assert not [nv for nv in root.iter("nvpair") if nv.get("name") == "standby"]
    # Already there (off): turned on, not doubled.
    again = ru.with_standby(ru.with_standby(out, "lab-node1"), "lab-node1")
    assert len([nv for nv in again.iter("nvpair") if nv.get("name") == "standby"]) == 1
    assert ru.with_standby(root, "lab-node9") is None


@pytest.mark.parametrize("name, promoted, missing", [
    ("crm_simulate.paf-node1-standby.xml", ["lab-node2"], []),
    ("crm_simulate.paf-node1-standby-pinned.xml", [], ["pgsql-vip", "pgsqld-clone (promoted)"]),
])
def test_pacemakers_prediction_of_the_primarys_standby(name, promoted, missing):
    from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_simulate_revised
    hosted = ru.node_roles(paf_status("crm_mon.paf-primary-node1-gate.xml"))["lab-node1"]
    after = build_status(crm_mon=parse_simulate_revised(fixture_text("rolling_update", name)), dc_state={"state": "S_IDLE"})
    roles = ru.node_roles(after)
    assert [n for n, r in roles.items() if r["promoted"]] == promoted
    assert roles["lab-node1"]["clones"] == [] and roles["lab-node1"]["active"] == []
    assert ru.handover(after, "lab-node1", hosted)["missing"] == missing
