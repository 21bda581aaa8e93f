# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine's export on captured CIBs: every kind read into the cib module's input format."""

from __future__ import annotations

from cib_data import VIP, by_key, ids, load

from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export


def test_export_has_every_kind():
    config = export(load())
    for kind in ("primitives", "groups", "clones", "locations", "colocations", "orders", "tickets",
                 "tags", "acl_roles", "acl_targets", "acl_groups", "alerts", "fencing_levels", "nodes"):
        assert isinstance(config[kind], list), kind
    for kind in ("properties", "rsc_defaults", "op_defaults"):
        assert isinstance(config[kind], dict), kind
    assert ids(config["primitives"]) == ["vip", "web", "dummy", "stat", "pinger", "fd"]


def test_export_primitives():
    prims = export(load())["primitives"]
    assert by_key(prims, "vip") == VIP
    dummy = by_key(prims, "dummy")
    assert dummy["agent"] == "ocf:pacemaker:Dummy"
    assert dummy["utilization"] == {"cpu": "1"}
    assert dummy["meta"] == {"failure-timeout": "60s", "migration-threshold": "2", "target-role": "Stopped"}
    assert {"name": "monitor", "interval": "20s", "timeout": "30s", "on_fail": "restart"} in dummy["operations"]
    assert "params" not in dummy
    web = by_key(prims, "web")
    assert {"name": "monitor", "interval": "30s", "timeout": "30s",
            "params": {"OCF_CHECK_LEVEL": "10"}} in web["operations"]
    stat = by_key(prims, "stat")
    assert {"name": "monitor", "interval": "10s", "timeout": "20s", "role": "Promoted"} in stat["operations"]
    assert by_key(prims, "fd")["agent"] == "stonith:fence_dummy"
    for prim in prims:
        for op in prim.get("operations", []):
            assert "id" not in op
            assert not [k for k in op if "-" in k], op


def test_export_groups_and_clones():
    config = export(load())
    assert config["groups"] == [{"id": "web-group", "members": ["web"]}]
    assert by_key(config["clones"], "stat-clone") == {
        "id": "stat-clone", "member": "stat", "meta": {"promotable": "true", "target-role": "Stopped"}}
    assert by_key(config["clones"], "pinger-clone") == {
        "id": "pinger-clone", "member": "pinger", "meta": {"target-role": "Stopped"}}


def test_export_constraints():
    config = export(load())
    assert by_key(config["locations"], "location-vip-lab-node1-50") == {
        "id": "location-vip-lab-node1-50", "resource": "vip", "node": "lab-node1", "score": "50"}
    assert by_key(config["locations"], "location-dummy") == {
        "id": "location-dummy", "resource": "dummy",
        "rules": [{"score": "-INFINITY",
                   "expressions": [{"operation": "eq", "attribute": "#uname", "value": "lab-node3"}]}],
    }
    assert config["colocations"] == [{"id": "colocation-web-group-vip-INFINITY", "resource": "web-group",
                                      "with": "vip", "score": "INFINITY"}]
    assert by_key(config["orders"], "order-vip-web-group-mandatory") == {
        "id": "order-vip-web-group-mandatory", "first": "vip", "then": "web-group",
        "first_action": "start", "then_action": "start"}
    assert by_key(config["orders"], "order_set_dypevp") == {
        "id": "order_set_dypevp",
        "sets": [{"resources": ["dummy", "pinger-clone"], "sequential": "false"}, {"resources": ["vip"]}],
    }
    assert config["tickets"] == [{"id": "ticket-T1-dummy", "ticket": "T1", "resource": "dummy",
                                  "loss_policy": "stop"}]


def test_export_tags_acls_alerts_fencing():
    config = export(load())
    assert config["tags"] == [{"id": "grp-a", "members": ["vip", "dummy"]}]
    assert config["acl_roles"] == [{"id": "ro", "description": "read only",
                                    "permissions": [{"kind": "read", "xpath": "/cib"}]}]
    assert config["acl_targets"] == [{"id": "operator", "roles": ["ro"]}]
    assert config["acl_groups"] == [{"id": "ops", "roles": ["ro"]}]
    assert config["alerts"] == [{
        "id": "file-alert", "path": "/usr/share/pacemaker/alerts/alert_file.sh.sample", "description": "log",
        "params": {"debug_exec_order": "false"}, "meta": {"timeout": "15s"},
        "recipients": [{"value": "/var/log/pcmk_alert.log"}],
    }]
    assert config["fencing_levels"] == [{"target": "lab-node1", "index": "1", "devices": ["fd"]}]


def test_export_nodes_defaults_properties():
    config = export(load())
    assert config["nodes"] == [
        {"name": "lab-node1", "utilization": {"cpu": "2", "memory": "2048"}},
        {"name": "lab-node2", "attributes": {"rack": "r2"}},
        {"name": "lab-node3"},
    ]
    assert config["rsc_defaults"] == {"resource-stickiness": "100"}
    assert config["op_defaults"] == {"timeout": "45s"}
    assert config["properties"] == {
        "have-watchdog": "false", "dc-version": "2.1.5-a3f44794f94", "cluster-infrastructure": "corosync",
        "cluster-name": "lab", "stonith-enabled": "false", "test-x": "1",
    }


def test_export_ignores_the_status_section():
    # pcs_full.xml has transient attributes (probe-x) and lrm history in <status>.
    config = export(load())
    assert "probe-x" not in repr(config)
    assert by_key(config["nodes"], "lab-node2", key="name") == {"name": "lab-node2", "attributes": {"rack": "r2"}}


def test_export_live_cib():
    config = export(load("cib.live.xml"))
    assert config["groups"][-1] == {"id": "g23", "members": ["d2"]}
    assert by_key(config["primitives"], "d2")["operations"] == [
        {"name": "monitor", "interval": "10s", "on_fail": "restart"}]
    assert by_key(config["locations"], "location-g23-lab-node1")["score"] == "-INFINITY"
    assert config["properties"]["placement-strategy"] == "balanced"
