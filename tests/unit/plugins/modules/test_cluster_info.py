# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cluster_info module: main() driven by a FakeRunner."""

from __future__ import annotations


import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, patch_module_args

from ansible_collections.clusterops.ha.plugins.modules import cluster_info


class FakeTime:
    """A clock that only moves when the module sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeTime()
    monkeypatch.setattr(cluster_info, "time", fake)
    return fake


def status(name):
    return fixture_text("status", name)


def cluster_runner(crm_mon_answers, quorum="quorumtool.3nodes.txt", cfg="cfgtool-s.3nodes.txt"):
    """A FakeRunner whose crm_mon answers come one after the other (the last one repeats)."""
    answers = list(crm_mon_answers)

    def crm_mon(argv, data):
        return answers.pop(0) if len(answers) > 1 else answers[0]

    runner = FakeRunner()
    runner.add(["corosync-quorumtool", "-s"], rc=0, stdout=status(quorum))
    runner.add(["corosync-cfgtool", "-s"], rc=0, stdout=status(cfg))
    runner.answers[("crm_mon",)] = crm_mon
    runner.add(["crmadmin", "-S"], rc=0, stdout=status("crmadmin-S.dc.xml"))
    return runner


HEALTHY = (0, status("crm_mon.healthy.xml"), "")
DEGRADED = (0, status("crm_mon.degraded.xml"), "")
DOWN = (102, status("crm_mon.pacemaker-down.xml"), "")


def run_module(monkeypatch, runner, **args):
    monkeypatch.setattr(cluster_info, "make_runner", lambda module: runner)
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as e:
            cluster_info.main()
    return e.value.args[0]


def crm_mon_calls(runner):
    return [c for c in runner.calls if c["argv"][0] == "crm_mon"]


def test_read_once(monkeypatch, clock):
    runner = cluster_runner([HEALTHY])
    result = run_module(monkeypatch, runner)
    assert "failed" not in result
    assert result["changed"] is False
    assert result["waited"] == 0.0
    assert result["conditions"] == {"pacemaker": True, "quorate": True, "dc": True, "online": True, "settled": True}
    assert result["reasons"] == dict.fromkeys(result["conditions"])
    st = result["status"]
    assert st["cluster"]["dc"] == "lab-node3"
    assert st["local_node"] == "lab-node1"
    assert st["resources_by_id"]["stateful"]["promoted_on"] == ["lab-node1"]
    assert len(crm_mon_calls(runner)) == 1
    assert clock.sleeps == []


def test_read_once_reports_unmet_conditions_without_failing(monkeypatch, clock):
    runner = cluster_runner([DEGRADED], quorum="quorumtool.degraded.txt", cfg="cfgtool-s.degraded.txt")
    result = run_module(monkeypatch, runner)
    assert "failed" not in result
    assert result["conditions"]["online"] is False
    assert result["reasons"]["online"] == "lab-node3 offline"
    assert result["status"]["nodes_standby"] == ["lab-node2"]


def test_check_mode_is_the_same_read(monkeypatch, clock):
    runner = cluster_runner([HEALTHY])
    result = run_module(monkeypatch, runner, _ansible_check_mode=True)
    assert result["changed"] is False
    assert result["conditions"]["settled"] is True


def test_expected_nodes(monkeypatch, clock):
    runner = cluster_runner([DEGRADED], quorum="quorumtool.degraded.txt", cfg="cfgtool-s.degraded.txt")
    result = run_module(monkeypatch, runner, expected_nodes=["lab-node1", "lab-node2"], wait_for=["online"])
    assert "failed" not in result
    assert result["conditions"]["online"] is True
    assert result["waited"] == 0.0


def test_wait_succeeds_after_two_polls(monkeypatch, clock):
    runner = cluster_runner([DOWN, HEALTHY])
    result = run_module(monkeypatch, runner, wait_for=["pacemaker", "dc", "online", "settled"],
                        timeout=60, interval=3)
    assert "failed" not in result
    assert result["changed"] is False
    assert all(result["conditions"].values())
    assert len(crm_mon_calls(runner)) == 2
    assert clock.sleeps == [3]
    assert result["waited"] == 3.0


def test_wait_times_out_naming_the_condition(monkeypatch, clock):
    runner = cluster_runner([DEGRADED], quorum="quorumtool.degraded.txt", cfg="cfgtool-s.degraded.txt")
    result = run_module(monkeypatch, runner, wait_for=["quorate", "online"], timeout=5, interval=2)
    assert result["failed"] is True
    assert "online: lab-node3 offline" in result["msg"]
    assert "quorate" not in result["msg"].split("not met:")[1]
    assert result["conditions"]["online"] is False
    assert result["conditions"]["quorate"] is True
    assert result["status"]["nodes_offline"] == ["lab-node3"]
    assert result["waited"] == 5.0
    assert clock.sleeps == [2, 2, 1]
    assert len(crm_mon_calls(runner)) == 4


def test_wait_with_zero_timeout_polls_once(monkeypatch, clock):
    runner = cluster_runner([DOWN])
    result = run_module(monkeypatch, runner, wait_for=["pacemaker"], timeout=0)
    assert result["failed"] is True
    assert "pacemaker: not running (Not connected; " in result["msg"]
    assert result["status"]["stack"]["pacemaker"] is False
    assert len(crm_mon_calls(runner)) == 1


def test_wait_survives_a_failing_tool(monkeypatch, clock):
    broken = (1, "", "crm_mon: Error: something transient")
    runner = cluster_runner([broken, HEALTHY])
    result = run_module(monkeypatch, runner, wait_for=["pacemaker"], timeout=10, interval=1)
    assert "failed" not in result
    assert len(crm_mon_calls(runner)) == 2


def test_wait_times_out_on_a_tool_that_keeps_failing(monkeypatch, clock):
    runner = cluster_runner([(1, "", "crm_mon: Error: broken")])
    result = run_module(monkeypatch, runner, wait_for=["pacemaker"], timeout=2, interval=1)
    assert result["failed"] is True
    assert "Timed out" in result["msg"]
    assert "crm_mon" in result["msg"]
    assert result["cmd"] == ["crm_mon", "--output-as=xml", "--fence-history=3"]


def test_command_error_fails_naming_the_command(monkeypatch, clock):
    runner = cluster_runner([(1, "", "crm_mon: Error: broken")])
    result = run_module(monkeypatch, runner)
    assert result["failed"] is True
    assert "crm_mon --output-as=xml" in result["msg"]
    assert result["rc"] == 1


def test_missing_tool_fails_naming_it(monkeypatch, clock):
    runner = cluster_runner([HEALTHY])
    del runner.answers[("corosync-quorumtool", "-s")]
    result = run_module(monkeypatch, runner)
    assert result["failed"] is True
    assert "corosync-quorumtool" in result["msg"]


def test_malformed_output_fails_naming_the_tool(monkeypatch, clock):
    runner = cluster_runner([(0, "<pacemaker-result><summary>", "")])
    result = run_module(monkeypatch, runner)
    assert result["failed"] is True
    assert result["msg"].startswith("crm_mon: ")
    assert result["tool"] == "crm_mon"


def test_bad_choice_is_refused(monkeypatch, clock):
    runner = cluster_runner([HEALTHY])
    result = run_module(monkeypatch, runner, wait_for=["sunshine"])
    assert result["failed"] is True
    assert "wait_for" in result["msg"]
    assert runner.calls == []


def test_bad_interval_is_refused(monkeypatch, clock):
    result = run_module(monkeypatch, cluster_runner([HEALTHY]), wait_for=["dc"], interval=0)
    assert result["failed"] is True
    assert "interval" in result["msg"]


def test_default_runner_factory():
    module = object()
    runner = cluster_info.make_runner(module)
    assert runner.module is module
