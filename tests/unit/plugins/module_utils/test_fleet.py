# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/fleet.py on the output of real runs (fixtures/fleet/)."""

from __future__ import annotations

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import fleet

SITE = fixture_text("fleet", "site-lab-converge.log")
BROKEN = fixture_text("fleet", "health-no-container.log")


def test_plan_groups_hosts_by_cluster_name_with_the_arbitrator_in_the_limit():
    hosts = ["a1", "b1", "a2", "b2"]
    host_vars = {"a1": {"cluster_name": "db-a", "cluster_qdevice": {"host": "arb"}}, "a2": {"cluster_name": "db-a"},
                 "b1": {"cluster_name": "web-b"}, "b2": {"cluster_name": "web-b", "cluster_qdevice": None}}
    assert fleet.plan(hosts, host_vars) == [
        {"name": "db-a", "nodes": ["a1", "a2"], "limit": "a1,a2,arb"},
        {"name": "web-b", "nodes": ["b1", "b2"], "limit": "b1,b2"}]
    assert [c["name"] for c in fleet.plan(hosts, host_vars, ["web-b"])] == ["web-b"]


def test_plan_names_every_host_without_a_cluster_and_every_unknown_cluster():
    with pytest.raises(fleet.FleetError) as e:
        fleet.plan(["a1", "x", "y"], {"a1": {"cluster_name": "db-a"}, "y": {"cluster_name": "bad name"}}, ["nope"])
    msg = str(e.value)
    assert "x: cluster_name None is not a cluster's name" in msg and "y: cluster_name 'bad name'" in msg
    assert "fleet_clusters: 'nope' is not a cluster of the fleet (db-a)" in msg
    with pytest.raises(fleet.FleetError, match="fleet_hosts matches no host"):
        fleet.plan([], {})


@pytest.mark.parametrize("playbook, parallel, needles", [
    ("rolling_update.yml", 2, ["fleet_playbook: 'rolling_update.yml'", "site.yml, health.yml, document.yml, snapshot.yml"]),
    ("health.yml", 0, ["fleet_parallel", "0", "16"]),
    ("health.yml", True, ["fleet_parallel", "True"]),
    ("health.yml", "two", ["fleet_parallel", "two"]),
])
def test_plan_errors_name_the_variable_and_the_allowed_values(playbook, parallel, needles):
    msg = "; ".join(fleet.plan_errors(playbook, parallel))
    assert all(n in msg for n in needles), msg
    assert fleet.plan_errors("site.yml", 16) == []


def test_parse_recap_of_a_real_converge():
    assert fleet.parse_recap(SITE) == {
        "lab-node1": {"ok": 138, "changed": 25, "unreachable": 0, "failed": 0, "skipped": 55, "rescued": 0, "ignored": 0},
        "lab-node2": {"ok": 94, "changed": 22, "unreachable": 0, "failed": 0, "skipped": 41, "rescued": 0, "ignored": 0},
        "lab-node3": {"ok": 94, "changed": 22, "unreachable": 0, "failed": 0, "skipped": 41, "rescued": 0, "ignored": 0}}
    assert fleet.parse_recap("") == {}


def test_outcome_of_a_converge_and_of_a_cluster_that_is_not_there():
    ok = fleet.outcome({"name": "lab", "nodes": ["lab-node1", "lab-node2", "lab-node3"]}, 0, SITE)
    assert (ok["verdict"], ok["changed"], ok["failed_hosts"], ok["error"]) == ("changed", 69, [], None)
    broken = fleet.outcome({"name": "db-a", "nodes": ["ghost1", "ghost2"]}, 2, BROKEN)
    assert (broken["verdict"], broken["failed_hosts"], broken["unreachable_hosts"]) == ("failed", ["ghost1", "ghost2"], [])
    assert broken["error"] == "ghost2: Module result deserialization failed: No start of json char found"
    # a non-zero exit fails the cluster even when no host did (a refused input, a syntax error)
    refused = fleet.outcome({"name": "x", "nodes": ["n"]}, 4, "[ERROR]: the playbook could not be found\n")
    assert (refused["verdict"], refused["error"]) == ("failed", "the playbook could not be found")
    quiet = fleet.outcome({"name": "x", "nodes": ["n"]}, 0, "n : ok=3 changed=0 unreachable=0 failed=0\n")
    assert quiet["verdict"] == "unchanged"
    # a run whose plays matched no node of the cluster did nothing for it
    nothing = fleet.outcome({"name": "x", "nodes": ["n", "m"]}, 0, "n : ok=3 changed=0 unreachable=0 failed=0\n")
    assert (nothing["verdict"], nothing["error"]) == ("failed", "the run did not act on m (no task ran there)")


def test_summary_and_its_page_name_the_failed_clusters():
    rows = [fleet.outcome({"name": "lab", "nodes": ["lab-node1"]}, 0, SITE),
            fleet.outcome({"name": "db-a", "nodes": ["ghost1", "ghost2"]}, 2, BROKEN)]
    result = fleet.summary("site.yml", rows)
    assert (result["verdict"], result["failed"]) == ("failed", ["db-a"])
    page = fleet.render_markdown(result, "2026-12-06T03:00:00Z")
    assert page.startswith("# Fleet: site.yml\n\nGenerated: 2026-12-06T03:00:00Z\n\n2 clusters, failed: db-a.\n")
    assert "| db-a | ghost1, ghost2 | failed | 0 | ghost1, ghost2 | - | ghost2: Module result deserialization failed" in page
    assert fleet.summary("health.yml", rows[:1])["verdict"] == "passed"
    assert "1 cluster, every one passed." in fleet.render_markdown(fleet.summary("health.yml", rows[:1]))


def test_plan_errors_judge_the_timeout_and_the_extra_variables():
    msg = "; ".join(fleet.plan_errors("site.yml", 2, 0, ["x"]))
    assert "fleet_timeout" in msg and "604800" in msg
    assert "fleet_extra_vars: ['x'] is not a mapping" in msg
    # -e fleet_parallel=3 fleet_timeout=600 gives strings: decimal strings are integers, as everywhere
    assert fleet.plan_errors("site.yml", "3", "600") == [] and fleet.plan_errors("site.yml", 2, 60, {"a": 1}) == []
