# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cluster_metrics module: main() on outputs captured from the lab."""

from __future__ import annotations

import os
import stat

import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils import metrics
from ansible_collections.clusterops.ha.plugins.modules import cluster_metrics


def fx(name):
    return fixture_text("metrics", name)


def lab_runner(state="healthy"):
    runner = FakeRunner()
    runner.add(["corosync-quorumtool", "-s"], stdout=fx("quorumtool.%s.txt" % state))
    runner.add(["corosync-cfgtool", "-s"], stdout=fx("cfgtool-s.%s.txt" % state))
    runner.add(["crm_mon"], rc=102 if state == "pacemaker-down" else 0, stdout=fx("crm_mon.%s.xml" % state))
    runner.add(["crmadmin", "-S"], stdout=fx("crmadmin-S.healthy.xml"))
    return runner


def run(monkeypatch, args, runner, expect=ExitJson, check_mode=False, diff=False):
    monkeypatch.setattr(cluster_metrics, "make_runner", lambda module: runner)
    args = dict(args)
    if check_mode:
        args["_ansible_check_mode"] = True
    if diff:
        args["_ansible_diff"] = True
    with patch_module_args(args):
        with pytest.raises(expect) as exc:
            cluster_metrics.main()
    return exc.value.args[0]


def test_read_only_by_default(monkeypatch):
    result = run(monkeypatch, {}, lab_runner())
    assert result["changed"] is False
    assert "path" not in result
    assert result["metrics"].endswith("\n")
    assert "ha_cluster_corosync_quorate 1\n" in result["metrics"]
    s = result["summary"]
    assert s["scrape_success"] == {"corosync": True, "pacemaker": True}
    assert s["nodes_online"] == ["mt-node1", "mt-node2", "mt-node3"]
    assert s["resources_running_on"]["site-vip"] == ["mt-node1"]
    assert s["fail_counts"] == []


def test_pacemaker_down_is_reported_not_failed(monkeypatch):
    result = run(monkeypatch, {}, lab_runner("pacemaker-down"))
    assert result["summary"]["scrape_success"] == {"corosync": True, "pacemaker": False}
    assert 'ha_cluster_clusterops_scrape_success{collector="pacemaker"} 0' in result["metrics"]


def test_writes_the_file_then_is_idempotent(monkeypatch, tmp_path):
    path = str(tmp_path / "ha_cluster.prom")
    first = run(monkeypatch, {"path": path}, lab_runner(), diff=True)
    assert first["changed"] is True and first["path"] == path
    assert first["diff"]["before"] == "" and first["diff"]["after"] == first["metrics"]
    with open(path) as f:
        assert f.read() == first["metrics"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644

    # The same cluster a moment later: only the scrape time differs, nothing is written.
    second = run(monkeypatch, {"path": path}, lab_runner(), diff=True)
    assert second["changed"] is False and "diff" not in second
    assert metrics.stable_text(second["metrics"]) == metrics.stable_text(first["metrics"])
    with open(path) as f:
        assert f.read() == first["metrics"]

    # The cluster changes: the file follows.
    third = run(monkeypatch, {"path": path}, lab_runner("standby"), diff=True)
    assert third["changed"] is True
    assert 'status="standby",type="member"} 1' in third["diff"]["after"]
    assert third["diff"]["before"] == first["metrics"]
    with open(path) as f:
        assert f.read() == third["metrics"]


def test_check_mode_writes_nothing(monkeypatch, tmp_path):
    path = str(tmp_path / "ha_cluster.prom")
    result = run(monkeypatch, {"path": path}, lab_runner(), check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"] == result["metrics"]
    assert not os.path.exists(path)


def test_a_wrong_mode_is_fixed(monkeypatch, tmp_path):
    path = str(tmp_path / "ha_cluster.prom")
    run(monkeypatch, {"path": path}, lab_runner())
    os.chmod(path, 0o600)
    assert run(monkeypatch, {"path": path}, lab_runner(), check_mode=True)["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert run(monkeypatch, {"path": path}, lab_runner())["changed"] is True
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert run(monkeypatch, {"path": path}, lab_runner())["changed"] is False


@pytest.mark.parametrize("path, message", [
    ("relative.prom", "absolute path ending in .prom"),
    ("/tmp/metrics.txt", "absolute path ending in .prom"),
    ("/nonexistent-dir/ha_cluster.prom", "the directory /nonexistent-dir does not exist"),
])
def test_bad_paths(monkeypatch, path, message):
    result = run(monkeypatch, {"path": path}, lab_runner(), expect=FailJson)
    assert message in result["msg"]


def test_unknown_option_is_rejected(monkeypatch):
    result = run(monkeypatch, {"textfile": "/x.prom"}, FakeRunner(), expect=FailJson)
    assert "textfile" in result["msg"]
