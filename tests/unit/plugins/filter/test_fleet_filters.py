# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for playbooks/fleet.yml's filters (plugins/filter/fleet.py)."""

from __future__ import annotations

import pytest

from conftest import fixture_text

from ansible.errors import AnsibleFilterError
from ansible_collections.clusterops.ha.plugins.filter.fleet import fleet_page, fleet_plan, fleet_summary


def test_fleet_plan_reads_hostvars_and_refuses_with_every_message():
    hostvars = {"a1": {"cluster_name": "db-a", "other": 1}, "a2": {"cluster_name": "db-a"}, "q": {}}
    assert fleet_plan(["a1", "a2"], hostvars, [], "health.yml", 2) == [
        {"name": "db-a", "nodes": ["a1", "a2"], "limit": "a1,a2"}]
    with pytest.raises(AnsibleFilterError) as e:
        fleet_plan(["a1", "q"], hostvars, [], "failover_drill.yml", 99)
    msg = str(e.value)
    assert "fleet_playbook: 'failover_drill.yml'" in msg and "fleet_parallel: 99" in msg and "q: cluster_name None" in msg


def test_fleet_summary_of_async_results_in_the_clusters_order():
    clusters = [{"name": "lab", "nodes": ["lab-node1"], "limit": "lab-node1"},
                {"name": "db-a", "nodes": ["ghost1", "ghost2"], "limit": "ghost1,ghost2"}]
    runs = [{"rc": 0, "stdout": fixture_text("fleet", "site-lab-converge.log"), "stderr": ""},
            {"rc": 2, "stdout": fixture_text("fleet", "health-no-container.log"), "stderr": "warning"}]
    result = fleet_summary(runs, clusters, "site.yml")
    assert [(r["cluster"], r["verdict"]) for r in result["clusters"]] == [("lab", "changed"), ("db-a", "failed")]
    assert fleet_page(result).startswith("# Fleet: site.yml\n")
    # a job that never finished has no rc: failed
    assert fleet_summary([{"finished": 0}], clusters[:1], "site.yml")["failed"] == ["lab"]
    with pytest.raises(AnsibleFilterError, match="1 runs for 2 clusters"):
        fleet_summary(runs[:1], clusters, "site.yml")
