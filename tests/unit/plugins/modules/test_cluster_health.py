# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cluster_health module: main() on outputs captured from the lab."""

from __future__ import annotations

import json

import pytest

from conftest import ExitJson, FailJson, fixture_text, health_lab_runner, patch_module_args

from ansible_collections.clusterops.ha.plugins.modules import cluster_health


def health(name):
    return fixture_text("health", name)


def run(monkeypatch, args, runner, expect=ExitJson):
    monkeypatch.setattr(cluster_health, "make_runner", lambda module: runner)
    with patch_module_args(args):
        with pytest.raises(expect) as exc:
            cluster_health.main()
    return exc.value.args[0]


def facts():
    return json.loads(health("node_facts.lab.json"))


def by_id(result):
    return dict((c["id"], c) for c in result["report"]["checks"])


def test_the_lab_is_healthy(monkeypatch):
    result = run(monkeypatch, {"node_facts": facts(), "expected_token_ms": 3650}, health_lab_runner())
    assert result["changed"] is False
    assert result["report"]["verdict"] == "healthy"
    assert [c["id"] for c in result["report"]["checks"] if c["status"] != "pass"] == []
    assert "verdict: healthy" in result["table"]
    assert result["markdown"].startswith("#")


def test_a_leftover_ban_is_a_warning_with_its_remedy(monkeypatch):
    result = run(monkeypatch, {"node_facts": facts()}, health_lab_runner(cib="cib.lab-ban.xml"))
    ban = by_id(result)["leftover-bans"]
    assert (ban["status"], ban["severity"]) == ("fail", "warning")
    assert "cli-ban-site-vip-on-lab-node2" in ban["message"]
    assert "crm_resource --clear -r site-vip" in ban["remedy"]
    assert result["report"]["verdict"] == "degraded"


def test_skip_keeps_the_reason_and_unknown_ids_are_refused(monkeypatch):
    result = run(monkeypatch, {"node_facts": facts(), "skip": {"versions-identical": "rolling update"}}, health_lab_runner())
    skipped = by_id(result)["versions-identical"]
    assert (skipped["status"], skipped["message"]) == ("skip", "rolling update")
    failed = run(monkeypatch, {"skip": {"no-such-check": "x"}}, health_lab_runner(), expect=FailJson)
    assert "no-such-check" in failed["msg"] and "quorum" in failed["msg"]


def test_a_node_that_did_not_answer(monkeypatch):
    node_facts = facts()
    node_facts["lab-node3"] = {"reachable": False}
    result = run(monkeypatch, {"node_facts": node_facts}, health_lab_runner())
    assert by_id(result)["corosync-conf-identical"]["status"] == "pass"
    assert "lab-node3" in by_id(result)["corosync-conf-identical"]["message"]
