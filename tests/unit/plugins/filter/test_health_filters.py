# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the filters that feed the cib and cluster_health modules from the play."""

from __future__ import annotations

from ansible_collections.clusterops.ha.plugins.filter.cluster import cluster_cib_nodes, cluster_health_inputs


def test_cib_nodes_only_hosts_that_say_something():
    hostvars = {
        "n1": {"cluster_node_utilization": {"cpu": 8}},
        "n2": {"cluster_node_name": "node-two", "cluster_node_attributes": {"rack": "r2"}},
        "n3": {},
    }
    assert cluster_cib_nodes(["n1", "n2", "n3"], hostvars) == [
        {"name": "n1", "utilization": {"cpu": 8}},
        {"name": "node-two", "attributes": {"rack": "r2"}},
    ]


def test_health_inputs_facts_reachability_and_expected_token():
    hostvars = {
        "n1": {"cluster_node_addresses": ["10.0.0.1"], "health_node_facts": {"facts": {"token_ms": 3650}}},
        "n2": {"cluster_node_addresses": ["10.0.0.2"], "health_node_facts": {"unreachable": True}},
        "n3": {"cluster_node_addresses": ["10.0.0.3"], "cluster_node_name": "third",
               "health_node_facts": {"facts": {"token_ms": 3650}}},
        "gone": {"cluster_node_state": "absent"},
    }
    got = cluster_health_inputs(["n1", "n2", "n3", "gone"], hostvars)
    assert got["node_facts"] == {
        "n1": {"token_ms": 3650, "reachable": True},
        "n2": {"reachable": False},
        "third": {"token_ms": 3650, "reachable": True},
    }
    assert got["expected_nodes"] == ["n1", "n2", "third"]
    # corosync's defaults for 3 nodes: token 3000 + 650 per node over two.
    assert got["expected_token_ms"] == 3650


def test_health_inputs_follow_the_profile_and_explicit_token():
    base = {"cluster_node_addresses": ["10.0.0.1"], "health_node_facts": {"facts": {}}}
    hostvars = {"a": dict(base, cluster_totem={"token": 1000}), "b": dict(base)}
    assert cluster_health_inputs(["a", "b"], hostvars)["expected_token_ms"] == 1000


def test_health_inputs_from_a_delegated_loop():
    hostvars = {h: {"cluster_node_addresses": ["10.0.0.%d" % i]} for i, h in enumerate(["n1", "n2", "n3"], 1)}
    looped = {"results": [
        {"item": "n1", "facts": {"token_ms": 3650}},
        {"item": "n2", "failed": True, "msg": "unreachable"},
        {"item": "n3", "facts": {"token_ms": 3650}},
    ]}
    got = cluster_health_inputs(["n1", "n2", "n3"], hostvars, facts_results=looped)
    assert got["node_facts"] == {"n1": {"token_ms": 3650, "reachable": True}, "n2": {"reachable": False},
                                 "n3": {"token_ms": 3650, "reachable": True}}
