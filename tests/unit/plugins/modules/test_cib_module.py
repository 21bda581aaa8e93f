# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cib module: main() driven by a FakeRunner answering from captured outputs."""

from __future__ import annotations

import os
import re

import pytest

from ansible.module_utils.basic import AnsibleModule
from conftest import ExitJson, FailJson, FakeRunner, fixture_text, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.modules import cib as cib_module


def cib_text(name="pcs_full.xml"):
    return fixture_text("cib", name)


def no_actions(simulate_xml):
    return re.sub(r"<rsc_action [^>]*/>", "", simulate_xml)


SIM_MOVE = fixture_text("cib", "simulate.move.xml")
IDREF = fixture_text("cib", "crm_verify.idref.stderr.txt")
ORPHAN_WARNING = fixture_text("cib", "crm_verify.orphan-warning.stderr.txt")
OLD_DATA = fixture_text("cib", "cibadmin-patch.old-data.stderr.txt")


class FakeCluster:
    """A FakeRunner with a CIB: cibadmin --patch makes the last candidate crm_diff saw the live CIB.

    verify and simulate map 'original' and 'candidate' (the files the module writes) to answers;
    patch_rcs are the return codes of successive cibadmin --patch calls (the last one repeats).
    """

    def __init__(self, text=None, verify=None, simulate=None, patch_rcs=(0,), metadata=None):
        self.live = text or cib_text()
        self.pending = None
        self.verify = dict({"original": (0, "", ""), "candidate": (0, "", "")}, **(verify or {}))
        self.simulate = dict({"original": no_actions(SIM_MOVE), "candidate": SIM_MOVE}, **(simulate or {}))
        self.patch_rcs = list(patch_rcs)
        self.runner = FakeRunner()
        self.runner.answers[("cibadmin", "--query")] = lambda argv, data: (0, self.live, "")
        self.runner.answers[("crm_verify", "--xml-file")] = self._verify
        self.runner.answers[("crm_simulate", "--xml-file")] = self._simulate
        self.runner.answers[("crm_diff",)] = self._diff
        self.runner.answers[("cibadmin", "--patch")] = self._patch
        self.runner.add(["crm_resource", "--show-metadata", "ocf:pacemaker:Dummy"],
                        stdout=fixture_text("cib", "metadata.Dummy.xml"))
        self.runner.add(["crm_resource", "--show-metadata", "ocf:heartbeat:IPaddr2"],
                        stdout=fixture_text("cib", "metadata.IPaddr2.xml"))
        self.runner.add(["crm_resource", "--show-metadata", "stonith:fence_docker"],
                        stdout=fixture_text("cib", "metadata.fence_docker.xml"))
        for agent, answer in (metadata or {}).items():
            self.runner.add(["crm_resource", "--show-metadata", agent], *answer)

    @staticmethod
    def _which(path):
        return os.path.basename(path).split(".")[0]

    def _verify(self, argv, data):
        # crm_verify names the file it checked in schema errors, as in the captured output.
        rc, out, err = self.verify[self._which(argv[2])]
        return rc, out, re.sub(r"/tmp/\S+?/candidate\.xml", argv[2], err)

    def _simulate(self, argv, data):
        assert argv[3:] == ["--run", "--output-as=xml"]
        return 0, self.simulate[self._which(argv[2])], ""

    def _diff(self, argv, data):
        assert argv[1] == "--original" and argv[3] == "--new"
        with open(argv[4]) as f:
            candidate = f.read()
        with open(argv[2]) as f:
            original = f.read()
        if candidate == original:
            return 0, "", ""
        self.pending = candidate
        return 1, "<diff format=\"2\"/>", ""

    def _patch(self, argv, data):
        rc = self.patch_rcs.pop(0) if len(self.patch_rcs) > 1 else self.patch_rcs[0]
        if rc == 0:
            self.live = self.pending
            return 0, "", ""
        return rc, "", OLD_DATA if rc == 103 else "cibadmin: error"

    def calls(self, *prefix):
        return [c["argv"] for c in self.runner.calls if tuple(c["argv"][: len(prefix)]) == prefix]


def run_module(monkeypatch, cluster, **args):
    monkeypatch.setattr(cib_module, "make_runner", lambda module: cluster.runner)
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as e:
            cib_module.main()
    return e.value.args[0]


NEW_DUMMY = {
    "primitives": [{"id": "p1", "agent": "ocf:pacemaker:Dummy", "params": {"fake": "x"},
                    "operations": [{"name": "monitor", "interval": "10s", "on_fail": "restart"}]}],
    "locations": [{"resource": "p1", "node": "lab-node1", "score": "100"}],
}


def test_export_applied_again_changes_nothing(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, **export(parse(cluster.live)))
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is False
    assert result["changes"] == []
    assert result["attempts"] == 1
    assert result["epoch_before"] == result["epoch_after"] == "0.35"
    assert cluster.calls("cibadmin", "--query") and len(cluster.runner.calls) == 1
    assert not cluster.calls("crm_verify") and not cluster.calls("crm_diff")
    assert not cluster.calls("crm_simulate") and not cluster.calls("cibadmin", "--patch")


def test_no_change_for_what_is_already_there(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, rsc_defaults={"resource-stickiness": 100},
                        colocations=[{"id": "colocation-web-group-vip-INFINITY", "resource": "web-group",
                                      "with": "vip"}])
    assert result["changed"] is False
    assert [c["argv"][:2] for c in cluster.runner.calls] == [["cibadmin", "--query"]]


def test_create_pushes_one_patch(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, **NEW_DUMMY)
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True
    assert result["attempts"] == 1
    assert {(c["kind"], c["id"], c["action"]) for c in result["changes"]} == {
        ("primitives", "p1", "created"), ("locations", "location-p1-lab-node1", "created")}
    assert result["predicted_actions"] == [
        {"action": "move", "resource": "d2", "source": "lab-node2", "dest": "lab-node3"}]
    assert result["pending_actions"] == []
    assert result["warnings_verify"] == []
    assert result["epoch_before"] == "0.35"
    assert result["epoch_after"] == "0.36"
    assert len(cluster.calls("cibadmin", "--patch")) == 1
    assert cluster.calls("crm_resource", "--show-metadata") == [
        ["crm_resource", "--show-metadata", "ocf:pacemaker:Dummy"]]
    # What was pushed holds both objects; running again changes nothing.
    live = export(parse(cluster.live))
    assert "p1" in [p["id"] for p in live["primitives"]]
    assert "location-p1-lab-node1" in [c["id"] for c in live["locations"]]
    again = run_module(monkeypatch, cluster, **NEW_DUMMY)
    assert again["changed"] is False


def test_diff_mode_returns_only_what_changes(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, _ansible_diff=True, properties={"stonith-enabled": True})
    assert result["diff"] == {"before": {"properties": {"stonith-enabled": "false"}},
                              "after": {"properties": {"stonith-enabled": "true"}}}


def test_check_mode_predicts_and_pushes_nothing(monkeypatch):
    cluster = FakeCluster()
    original = cluster.live
    result = run_module(monkeypatch, cluster, _ansible_check_mode=True,
                        locations=[{"resource": "web-group", "node": "lab-node2", "score": "-INFINITY"}],
                        **{"primitives": NEW_DUMMY["primitives"]})
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True
    assert result["predicted_actions"] == [
        {"action": "move", "resource": "d2", "source": "lab-node2", "dest": "lab-node3"}]
    assert {c["id"] for c in result["changes"]} == {"p1", "location-web-group-lab-node2"}
    assert result["epoch_after"] == result["epoch_before"] == "0.35"
    assert cluster.calls("crm_verify") and len(cluster.calls("crm_simulate")) == 2
    assert not cluster.calls("cibadmin", "--patch")
    assert cluster.live == original


def test_pending_actions_are_not_predicted(monkeypatch):
    orphan = fixture_text("cib", "simulate.orphan.xml")
    cluster = FakeCluster(simulate={"original": orphan, "candidate": orphan})
    result = run_module(monkeypatch, cluster, _ansible_check_mode=True, properties={"test-x": 2})
    assert result["predicted_actions"] == []
    assert [a["resource"] for a in result["pending_actions"]] == ["d3"]


def test_patch_refused_as_old_data_is_rebuilt_and_pushed_again(monkeypatch):
    cluster = FakeCluster(patch_rcs=(103, 0))
    result = run_module(monkeypatch, cluster, **NEW_DUMMY)
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True
    assert result["attempts"] == 2
    assert len(cluster.calls("cibadmin", "--patch")) == 2
    assert len(cluster.calls("cibadmin", "--query")) == 3  # first read, re-read, read after the push
    assert result["epoch_after"] == "0.36"


def test_patch_refused_every_time_fails_after_the_retries(monkeypatch):
    cluster = FakeCluster(patch_rcs=(103,))
    result = run_module(monkeypatch, cluster, retries=2, **NEW_DUMMY)
    assert result["failed"] is True
    assert "kept changing" in result["msg"]
    assert result["attempts"] == 3
    assert len(cluster.calls("cibadmin", "--patch")) == 3
    assert cluster.live == cib_text()


def test_patch_other_error_fails_naming_cibadmin(monkeypatch):
    cluster = FakeCluster(patch_rcs=(1,))
    result = run_module(monkeypatch, cluster, **NEW_DUMMY)
    assert result["failed"] is True
    assert "cibadmin --patch" in result["msg"]
    assert result["rc"] == 1
    assert len(cluster.calls("cibadmin", "--patch")) == 1


def test_crm_verify_error_stops_the_change(monkeypatch):
    cluster = FakeCluster(verify={"candidate": (78, "", IDREF)})
    result = run_module(monkeypatch, cluster, orders=[{"first": "vip", "then": "dummy"}])
    assert result["failed"] is True
    assert "crm_verify rejected the candidate CIB" in result["msg"]
    assert 'IDREF attribute then references an unknown ID "ghost"' in result["msg"]
    assert "-V may provide more details" not in result["msg"]
    assert any("IDREF" in line for line in result["verify"])
    assert not cluster.calls("crm_diff") and not cluster.calls("cibadmin", "--patch")
    assert cluster.live == cib_text()


def test_crm_verify_errors_the_cib_already_had_are_warnings(monkeypatch):
    # Not captured: the shape of crm_verify's output for a configuration problem the live CIB has.
    old = ("error: Resource start-up disabled since no STONITH resources have been defined\n"
           "crm_verify: Errors found during check: config not valid\n-V may provide more details\n")
    cluster = FakeCluster(verify={"candidate": (78, "", old), "original": (78, "", old)})
    result = run_module(monkeypatch, cluster, properties={"test-x": 2})
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True
    assert "error: Resource start-up disabled since no STONITH resources have been defined" in result["warnings_verify"]
    assert len(cluster.calls("cibadmin", "--patch")) == 1


def test_crm_verify_warnings_only_proceed(monkeypatch):
    cluster = FakeCluster(verify={"candidate": (78, "", ORPHAN_WARNING)})
    result = run_module(monkeypatch, cluster, primitives=[{"id": "dummy", "state": "absent"}])
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True
    assert result["warnings_verify"] == [
        "crm_verify: Warnings found during check: config may not be valid", "-V may provide more details"]
    assert len(cluster.calls("cibadmin", "--patch")) == 1
    assert "dummy" not in [p["id"] for p in export(parse(cluster.live))["primitives"]]


def test_unknown_agent_fails_naming_the_primitive(monkeypatch):
    cluster = FakeCluster(metadata={"ocf:heartbeat:nope": (
        105, "", "crm_resource: Metadata query for ocf:heartbeat:nope failed: No such object")})
    result = run_module(monkeypatch, cluster, primitives=[{"id": "p9", "agent": "ocf:heartbeat:nope"}])
    assert result["failed"] is True
    assert "primitives p9: agent ocf:heartbeat:nope is not installed on this node" in result["msg"]
    assert "No such object" in result["msg"]
    assert result["errors"] and len(result["errors"]) == 1
    assert not cluster.calls("crm_verify") and not cluster.calls("cibadmin", "--patch")


def test_bad_params_fail_before_anything_is_pushed(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, primitives=[
        {"id": "vip2", "agent": "ocf:heartbeat:IPaddr2", "params": {"netmask": "24"}}])
    assert result["failed"] is True
    assert "primitives vip2: agent ocf:heartbeat:IPaddr2 requires parameter ip" in result["msg"]
    assert "has no parameter netmask" in result["msg"]
    assert not cluster.calls("cibadmin", "--patch")


def test_validate_agents_false_skips_metadata(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, validate_agents=False,
                        primitives=[{"id": "p9", "agent": "ocf:heartbeat:nope"}])
    assert "failed" not in result, result.get("msg")
    assert not cluster.calls("crm_resource")
    assert result["changed"] is True


def test_fence_device_params(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, primitives=[{
        "id": "fence-docker", "agent": "stonith:fence_docker",
        "params": {"ip": "192.0.2.1", "pcmk_host_list": "lab-node1 lab-node2"}}])
    assert "failed" not in result, result.get("msg")
    assert result["changes"] == [{"kind": "primitives", "id": "fence-docker", "action": "created"}]


def test_planner_error_fails_and_runs_nothing_else(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, clones=[{"id": "wc", "member": "web"}])
    assert result["failed"] is True
    assert result["msg"].startswith("The candidate CIB was not built; nothing was pushed: ")
    assert "member web is inside group web-group" in result["msg"]
    assert [c["argv"][:2] for c in cluster.runner.calls] == [["cibadmin", "--query"]]


def test_bad_choice_is_refused_by_the_argument_spec(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, orders=[{"first": "vip", "then": "dummy", "kind": "Sometimes"}])
    assert result["failed"] is True
    assert "kind" in result["msg"]
    assert "orders" in result["msg"]
    assert "Optional, Mandatory, Serialize" in result["msg"]
    assert "Sometimes" in result["msg"]
    assert cluster.runner.calls == []


def test_unknown_purge_kind_is_refused(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, purge=["everything"])
    assert result["failed"] is True
    assert "purge" in result["msg"]
    assert cluster.runner.calls == []


def test_negative_retries_are_refused(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, retries=-1)
    assert result["failed"] is True
    assert "retries" in result["msg"]
    assert cluster.runner.calls == []


def test_colocation_score_defaults_to_infinity(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, colocations=[{"resource": "dummy", "with": "vip"}])
    assert result["changes"] == [{"kind": "colocations", "id": "colocation-dummy-vip", "action": "created"}]
    coloc = [c for c in export(parse(cluster.live))["colocations"] if c["id"] == "colocation-dummy-vip"]
    assert coloc == [{"id": "colocation-dummy-vip", "resource": "dummy", "with": "vip", "score": "INFINITY"}]


def test_missing_cibadmin_fails_naming_it(monkeypatch):
    cluster = FakeCluster()
    del cluster.runner.answers[("cibadmin", "--query")]
    result = run_module(monkeypatch, cluster, properties={"test-x": 2})
    assert result["failed"] is True
    assert "cibadmin" in result["msg"]


def test_default_runner_factory():
    module = object()
    assert cib_module.make_runner(module).module is module


# Captured on the lab (3 nodes, the lab's services running): crm_simulate on the live CIB and on the same
# CIB with stop-all-resources=true; crm_verify on a candidate with no-quorum-policy=sometimes.
LAB_CIB = fixture_text("cib", "cib.lab-services.xml")
SIM_LAB_LIVE = fixture_text("cib", "simulate.lab-live.xml")
SIM_LAB_STOP_ALL = fixture_text("cib", "simulate.lab-stop-all.xml")
INVALID_OPTION = fixture_text("cib", "crm_verify.invalid-option.stderr.txt")


def test_a_change_that_stops_every_resource_is_refused(monkeypatch):
    cluster = FakeCluster(text=LAB_CIB, simulate={"original": SIM_LAB_LIVE, "candidate": SIM_LAB_STOP_ALL})
    for check_mode in (True, False):
        result = run_module(monkeypatch, cluster, _ansible_check_mode=check_mode,
                            properties={"stop-all-resources": True})
        assert result.get("failed"), result
        assert "would stop every running resource (10 instance(s) on lab-node1, lab-node2, lab-node3)" in result["msg"]
        assert "allow_stop_all" in result["msg"]
        assert not cluster.calls("cibadmin", "--patch")


def test_allow_stop_all_pushes_it(monkeypatch):
    cluster = FakeCluster(text=LAB_CIB, simulate={"original": SIM_LAB_LIVE, "candidate": SIM_LAB_STOP_ALL})
    result = run_module(monkeypatch, cluster, properties={"stop-all-resources": True}, allow_stop_all=True)
    assert "failed" not in result, result.get("msg")
    assert result["changed"] and len(result["predicted_actions"]) == 10
    assert cluster.calls("cibadmin", "--patch")


def test_a_change_that_stops_some_resources_is_not_refused(monkeypatch):
    partial = re.sub(r'<rsc_action action="stop" resource="lb-haproxy:\d"[^>]*/>', "", SIM_LAB_STOP_ALL)
    cluster = FakeCluster(text=LAB_CIB, simulate={"original": SIM_LAB_LIVE, "candidate": partial})
    result = run_module(monkeypatch, cluster, _ansible_check_mode=True, properties={"stop-all-resources": True})
    assert "failed" not in result, result.get("msg")


def test_crm_verify_error_names_the_option(monkeypatch):
    cluster = FakeCluster(text=LAB_CIB, verify={"candidate": (78, "", INVALID_OPTION)},
                          simulate={"original": SIM_LAB_LIVE, "candidate": SIM_LAB_LIVE})
    result = run_module(monkeypatch, cluster, properties={"no-quorum-policy": "sometimes"})
    assert result.get("failed")
    assert "properties.no-quorum-policy: (cluster_option_value)" in result["msg"], result["msg"]
    assert all(argv[-1] == "-V" for argv in cluster.calls("crm_verify"))
    assert not cluster.calls("cibadmin", "--patch")


def test_crm_verify_warning_about_an_unparsed_value_stops_the_change(monkeypatch):
    warning = "(unpack_operation) \twarning: Invalid interval 'eleven' for op-x could not be parsed\n"
    cluster = FakeCluster(verify={"candidate": (0, "", warning)})
    result = run_module(monkeypatch, cluster, **NEW_DUMMY)
    assert result.get("failed") and "could not be parsed" in result["msg"], result
    assert not cluster.calls("cibadmin", "--patch")


def test_properties_are_judged_by_the_nodes_metadata(monkeypatch, tmp_path):
    # The daemons print their metadata from the node's Pacemaker (2.1.5 here).
    for daemon in cib_module.DAEMONS:
        (tmp_path / daemon).write_text("")
    monkeypatch.setattr(cib_module, "DAEMON_DIRS", (str(tmp_path),))
    cluster = FakeCluster()
    for daemon in cib_module.DAEMONS:
        cluster.runner.add([str(tmp_path / daemon), "metadata"], stdout=fixture_text("metadata", "%s.2.1.5.xml" % daemon))
    result = run_module(monkeypatch, cluster, properties={"stonith-enabeld": False, "no-quorum-policy": "sometimes"})
    assert result.get("failed")
    assert result["errors"] == [
        "properties.no-quorum-policy: 'sometimes' is not one of stop, freeze, ignore, demote, suicide",
        "properties.stonith-enabeld: unknown cluster option; did you mean stonith-enabled or stonith-action or "
        "stonith-timeout?"]
    assert not cluster.calls("crm_verify") and not cluster.calls("cibadmin", "--patch")
    # What the CIB already says is not judged again (Pacemaker's own dc-version, a restore of an export).
    cluster = FakeCluster()
    for daemon in cib_module.DAEMONS:
        cluster.runner.add([str(tmp_path / daemon), "metadata"], stdout=fixture_text("metadata", "%s.2.1.5.xml" % daemon))
    result = run_module(monkeypatch, cluster, **export(parse(cluster.live)))
    assert "failed" not in result and not result["changed"], result.get("msg")


def test_bad_values_fail_before_the_candidate_is_built(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster,
                        primitives=[{"id": "p1", "agent": "ocf:pacemaker:Dummy", "utilization": {"cpu": "eight"},
                                     "operations": [{"name": "monitor", "interval": "10 seconds"}]}],
                        locations=[{"id": "l1", "resource": "p1", "node": "lab-node9", "score": "high"}])
    assert result.get("failed")
    assert result["msg"].startswith("The candidate CIB was not built; nothing was pushed: ")
    assert len(result["errors"]) == 4, result["errors"]
    assert cluster.calls("cibadmin", "--query") and len(cluster.runner.calls) == 1


# ---------------------------------------------------------------------------------------------
# pacemaker3_fixes: the readiness engine's replacements in one transaction


def test_pacemaker3_fixes_push_every_fix_in_one_patch_and_warn_about_the_rest(monkeypatch):
    cluster = FakeCluster(text=cib_text("cib.pcmk2-legacy.xml"))
    result = run_module(monkeypatch, cluster, pacemaker3_fixes=True, _ansible_diff=True)
    assert "failed" not in result, result.get("msg")
    assert result["changed"] is True
    assert len(cluster.calls("cibadmin", "--patch")) == 1
    kinds = [c["kind"] for c in result["changes"]]
    assert kinds[:16] == ["pacemaker3"] * 16
    assert {"kind": "pacemaker3", "id": "master ms-legacy", "action": "master-resource"} in result["changes"]
    assert len(result["pacemaker3_fixed"]) == 16 and len(result["pacemaker3_left"]) == 5
    warned = []
    monkeypatch.setattr(AnsibleModule, "warn", lambda self, msg: warned.append(msg))
    assert result["diff"]["after"]["pacemaker3"][0].startswith("one priority=1")
    live = parse(cluster.live)
    assert live.find(".//clone[@id='ms-legacy']") is not None and live.find(".//master") is None
    assert int(live.get("epoch")) == int(parse(cib_text("cib.pcmk2-legacy.xml")).get("epoch")) + 1
    # the second run changes nothing: what is left needs a person, and is warned about
    again = run_module(monkeypatch, cluster, pacemaker3_fixes=True)
    assert len([w for w in warned if w.startswith("Pacemaker 3.0 readiness, left for a person: ")]) == 5
    assert again["changed"] is False and again["pacemaker3_fixed"] == [] and len(again["pacemaker3_left"]) == 5


def test_pacemaker3_fixes_in_check_mode_push_nothing(monkeypatch):
    cluster = FakeCluster(text=cib_text("cib.pcmk2-legacy.xml"))
    result = run_module(monkeypatch, cluster, pacemaker3_fixes=True, _ansible_check_mode=True)
    assert result["changed"] is True and len(result["pacemaker3_fixed"]) == 16
    assert cluster.calls("crm_verify") and not cluster.calls("cibadmin", "--patch")


def test_pacemaker3_fixes_on_a_clean_cib_change_nothing(monkeypatch):
    cluster = FakeCluster()
    result = run_module(monkeypatch, cluster, pacemaker3_fixes=True)
    assert result["changed"] is False and result["pacemaker3_fixed"] == [] == result["pacemaker3_left"]
    assert not cluster.calls("crm_verify")
