# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cib_info module: main() driven by a FakeRunner."""

from __future__ import annotations


import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils.cib import KINDS
from ansible_collections.clusterops.ha.plugins.modules import cib_info


def runner_for(name="pcs_full.xml", rc=0, stderr=""):
    runner = FakeRunner()
    runner.add(["cibadmin", "--query"], rc=rc, stdout=fixture_text("cib", name) if rc == 0 else "", stderr=stderr)
    return runner


def run_module(monkeypatch, runner, **args):
    monkeypatch.setattr(cib_info, "make_runner", lambda module: runner)
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as e:
            cib_info.main()
    return e.value.args[0]


def test_exports_everything(monkeypatch):
    runner = runner_for()
    result = run_module(monkeypatch, runner)
    assert "failed" not in result
    assert result["changed"] is False
    assert result["epoch"] == "0.35"
    config = result["config"]
    assert sorted(config) == sorted(KINDS)
    assert [p["id"] for p in config["primitives"]] == ["vip", "web", "dummy", "stat", "pinger", "fd"]
    assert config["groups"] == [{"id": "web-group", "members": ["web"]}]
    assert config["fencing_levels"] == [{"target": "lab-node1", "index": "1", "devices": ["fd"]}]
    assert config["rsc_defaults"] == {"resource-stickiness": "100"}
    assert config["properties"]["cluster-name"] == "lab"
    assert [c["argv"] for c in runner.calls] == [["cibadmin", "--query"]]


def test_live_cib(monkeypatch):
    result = run_module(monkeypatch, runner_for("cib.live.xml"))
    assert result["epoch"] == "0.39"
    assert {"id": "g23", "members": ["d2"]} in result["config"]["groups"]


def test_kinds_filter(monkeypatch):
    result = run_module(monkeypatch, runner_for(), kinds=["groups", "properties"])
    assert sorted(result["config"]) == ["groups", "properties"]
    assert result["config"]["groups"] == [{"id": "web-group", "members": ["web"]}]
    assert result["config"]["properties"]["stonith-enabled"] == "false"


def test_check_mode_is_the_same_read(monkeypatch):
    result = run_module(monkeypatch, runner_for(), _ansible_check_mode=True, kinds=["tags"])
    assert result["changed"] is False
    assert result["config"] == {"tags": [{"id": "grp-a", "members": ["vip", "dummy"]}]}


def test_unknown_kind_is_refused(monkeypatch):
    runner = runner_for()
    result = run_module(monkeypatch, runner, kinds=["resources"])
    assert result["failed"] is True
    assert "kinds" in result["msg"]
    assert runner.calls == []


def test_cibadmin_failure_names_the_command(monkeypatch):
    stderr = "Could not connect to the CIB: Transport endpoint is not connected"
    result = run_module(monkeypatch, runner_for(rc=102, stderr=stderr))
    assert result["failed"] is True
    assert "cibadmin --query" in result["msg"]
    assert result["rc"] == 102


def test_not_a_cib_fails(monkeypatch):
    runner = FakeRunner()
    runner.add(["cibadmin", "--query"], stdout="<pacemaker-result/>")
    result = run_module(monkeypatch, runner)
    assert result["failed"] is True
    assert "expected a <cib> document" in result["msg"]


def test_default_runner_factory():
    module = object()
    assert cib_info.make_runner(module).module is module
