# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cluster_document module: main() on outputs captured from the lab."""

from __future__ import annotations

import json

import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc_corosync import CMAP_PREFIXES
from ansible_collections.clusterops.ha.plugins.modules import cluster_document


def doc(name):
    return fixture_text("document", name)


def lab_runner(which="healthy"):
    runner = FakeRunner()
    runner.add(["crm_mon"], stdout=doc("crm_mon.%s.xml" % which))
    runner.add(["corosync-quorumtool", "-s"], stdout=doc("quorumtool.%s.txt" % which))
    runner.add(["corosync-cfgtool", "-s"], stdout=doc("cfgtool-s.%s.txt" % which))
    runner.add(["crmadmin", "-S"], stdout=doc("crmadmin-S.%s.xml" % which))
    runner.add(["cibadmin", "--query"], stdout=doc("cib.%s.xml" % which))
    runner.add(["corosync-cmapctl"], stdout=doc("cmapctl.%s.txt" % which))
    runner.add(["corosync", "-v"], stdout=doc("corosync-v.txt"))
    runner.add(["pacemakerd", "--version"], stdout=doc("pacemakerd-version.txt"))
    return runner


def run(monkeypatch, args, runner, expect=ExitJson):
    monkeypatch.setattr(cluster_document, "make_runner", lambda module: runner)
    with patch_module_args(args):
        with pytest.raises(expect) as exc:
            cluster_document.main()
    return exc.value.args[0]


def test_the_lab_is_documented(monkeypatch):
    runner = lab_runner()
    result = run(monkeypatch, {"generated_at": "2026-11-25T01:00:00Z"}, runner)
    assert result["changed"] is False
    assert result["markdown"].startswith("# Cluster lab\n\nGenerated: 2026-11-25T01:00:00Z\n")
    assert "| dc-node1 | 1 | link 0: 172.31.240.11 | online |" in result["markdown"]
    assert "| 172.31.240.100/24 | site-vip | - | dc-node1 |" in result["markdown"]
    assert result["dot"].startswith('digraph "cluster lab" {')
    model = result["model"]
    assert model["generated_at"] == "2026-11-25T01:00:00Z"
    assert model["cluster"]["corosync_version"] == "3.1.7" and model["cluster"]["pacemaker_version"] == "2.1.5"
    assert model["licensing"]["active_instances"] == 7
    cmap_calls = [c["argv"] for c in runner.calls if c["argv"][0] == "corosync-cmapctl"]
    assert cmap_calls == [["corosync-cmapctl"] + list(CMAP_PREFIXES)]
    # read-only: nothing but queries ran
    assert all(c["argv"][0] in ("crm_mon", "corosync-quorumtool", "corosync-cfgtool", "crmadmin", "cibadmin",
                                "corosync-cmapctl", "corosync", "pacemakerd") for c in runner.calls)
    assert ["cibadmin", "--query"] in [c["argv"] for c in runner.calls]


def test_check_mode_is_the_same(monkeypatch):
    normal = run(monkeypatch, {}, lab_runner())
    checked = run(monkeypatch, {"_ansible_check_mode": True}, lab_runner())
    assert normal["markdown"] == checked["markdown"] and "Generated:" not in normal["markdown"]


def test_a_degraded_cluster(monkeypatch):
    result = run(monkeypatch, {}, lab_runner("degraded"))
    assert "| dc-node1 | 1 | link 0: 172.31.240.11 | standby |" in result["markdown"]
    assert "| dc-node3 | 3 | link 0: 172.31.240.13 | offline |" in result["markdown"]
    assert "| 172.31.240.100/24 | site-vip | - | dc-node2 |" in result["markdown"]


def test_corosync_cmapctl_failing_leaves_totem_unknown(monkeypatch):
    runner = lab_runner()
    runner.add(["corosync-cmapctl"], rc=1, stderr=doc("cmapctl.corosync-down.stderr.txt"))
    runner.answers.pop(("corosync", "-v"))
    result = run(monkeypatch, {}, runner)
    assert "totem settings unknown" in result["markdown"]
    assert result["model"]["totem"] is None and result["model"]["cluster"]["corosync_version"] is None
    # the nodes still come from Pacemaker's view
    assert [n["name"] for n in result["model"]["nodes"]] == ["dc-node1", "dc-node2", "dc-node3"]


def test_a_node_without_the_cluster_fails(monkeypatch):
    runner = FakeRunner()
    runner.add(["corosync-quorumtool", "-s"], rc=1, stderr="Cannot initialize QUORUM service")
    runner.add(["crm_mon"], rc=102, stdout="", stderr="crm_mon: Error: cluster is not available on this node")
    result = run(monkeypatch, {}, runner, expect=FailJson)
    assert "Neither corosync nor Pacemaker runs" in result["msg"]


def test_unparseable_output_fails_naming_the_tool(monkeypatch):
    runner = lab_runner()
    runner.add(["corosync-cmapctl"], stdout="this is not cmap\n")
    result = run(monkeypatch, {}, runner, expect=FailJson)
    assert "corosync-cmapctl" in result["msg"]


def test_unknown_options_are_refused(monkeypatch):
    result = run(monkeypatch, {"generated": "x"}, lab_runner(), expect=FailJson)
    assert "generated" in result["msg"]


def storage_runner(which="storage"):
    runner = lab_runner()
    for argv, name in ((["crm_mon"], "crm_mon.%s.xml"), (["corosync-quorumtool", "-s"], "quorumtool.%s.txt"),
                       (["corosync-cfgtool", "-s"], "cfgtool-s.%s.txt"), (["crmadmin", "-S"], "crmadmin-S.%s.xml"),
                       (["cibadmin", "--query"], "cib.%s.xml"), (["corosync-cmapctl"], "cmapctl.%s.txt")):
        runner.add(argv, stdout=doc(name % which))
    return runner


def storage_facts(which="storage"):
    return json.loads(doc("node_facts.%s.json" % which))


def test_the_storage_from_the_nodes_facts(monkeypatch):
    runner = storage_runner()
    result = run(monkeypatch, {"node_facts": storage_facts()}, runner)
    storage = result["model"]["storage"]
    assert storage["gathered"] is True
    assert storage["databases"][0]["primary"] == "lab-node2"
    assert storage["filesystems"][0]["mounted_on"] == [{"node": "lab-node2", "mount_points": ["/srv/clusterops-share"]}]
    assert "- Primary: **lab-node2** (not in recovery, promoted there by Pacemaker)" in result["markdown"]
    assert "| lab-node1 | Unpromoted | standby | streaming | quorum | under 16.0 MiB / 30 s |" in result["markdown"]
    assert "\\nstandby, streaming, quorum, lag under 16.0 MiB / 30 s" in result["dot"]
    # one CIB read for the configuration and the storage resources; nothing but queries ran
    assert [c["argv"] for c in runner.calls].count(["cibadmin", "--query"]) == 1
    assert all(c["argv"][0] in ("crm_mon", "corosync-quorumtool", "corosync-cfgtool", "crmadmin", "cibadmin",
                                "corosync-cmapctl", "corosync", "pacemakerd") for c in runner.calls)


def test_without_node_facts_the_storage_was_not_gathered(monkeypatch):
    result = run(monkeypatch, {}, storage_runner())
    assert result["model"]["storage"]["gathered"] is False
    assert "Storage state was not gathered" in result["markdown"]
    assert "- Primary: **lab-node2** (Pacemaker promoted it)" in result["markdown"]


def test_an_unreachable_node_and_check_mode(monkeypatch):
    facts = storage_facts("storage-switched")
    facts["lab-node2"] = {"reachable": False}
    normal = run(monkeypatch, {"node_facts": facts}, storage_runner("storage-switched"))
    checked = run(monkeypatch, {"node_facts": facts, "_ansible_check_mode": True}, storage_runner("storage-switched"))
    assert normal["markdown"] == checked["markdown"]
    assert "| lab-node2 | Unpromoted | unknown (unreachable) |" in normal["markdown"]
    assert "- Primary: **lab-node1**" in normal["markdown"]


def test_node_facts_of_the_wrong_shape_are_refused_before_the_cluster_is_read(monkeypatch):
    facts = storage_facts()
    facts["lab-node2"]["postgresql"]["pgsqld"]["replication"][0]["lag_bytes"] = "many"
    runner = storage_runner()
    result = run(monkeypatch, {"node_facts": facts}, runner, expect=FailJson)
    assert result["msg"] == ("node_facts.lab-node2.postgresql.pgsqld.replication[0].lag_bytes: must be an integer or "
                             "null, got str 'many'")
    assert runner.calls == []
