# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine's planner on captured CIBs: no-ops, each kind created, updated and removed, ids, purge."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from cib_data import VIP, by_key, ids, load
from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cib_plan import plan


def change_set(changes):
    return set((c["kind"], c["id"], c["action"]) for c in changes)


def resources_layout(root):
    """Top-level resources as (tag, id, [child ids]) in document order."""
    out = []
    for el in root.find("configuration/resources"):
        children = [c.get("id") for c in el if c.tag in ("primitive", "group")]
        out.append((el.tag, el.get("id"), children))
    return out


# ---------------------------------------------------------------------------------------------
# plan: no-ops


@pytest.mark.parametrize("name", ["pcs_full.xml", "cib.live.xml"])
def test_export_then_apply_changes_nothing(name):
    root = load(name)
    candidate, changes, diff = plan(root, export(root))
    assert changes == []
    assert diff == {"before": {}, "after": {}}
    assert candidate.get("epoch") == root.get("epoch")


@pytest.mark.parametrize("name", ["pcs_full.xml", "cib.live.xml"])
def test_empty_desired_changes_nothing(name):
    root = load(name)
    candidate, changes, _diff = plan(root, {})
    assert changes == []
    assert export(candidate) == export(root)


def test_plan_leaves_the_original_alone():
    root = load()
    before = export(root)
    plan(root, {"primitives": [{"id": "vip", "state": "absent"}]})
    assert export(root) == before


# ---------------------------------------------------------------------------------------------
# plan: primitives


NEW = {
    "primitives": [{
        "id": "p1", "agent": "ocf:pacemaker:Dummy", "params": {"fake": "x"}, "meta": {"target-role": "Stopped"},
        "operations": [{"name": "monitor", "interval": "10s", "on_fail": "restart", "record_pending": True},
                       {"name": "start", "timeout": "20s"}],
    }],
    "locations": [{"resource": "p1", "node": "lab-node1", "score": 100}],
}


def test_create_primitive_with_location():
    root = load()
    candidate, changes, diff = plan(root, NEW)
    assert change_set(changes) == {("primitives", "p1", "created"), ("locations", "location-p1-lab-node1", "created")}
    assert candidate.get("epoch") == "36"
    assert candidate.get("num_updates") == "0"
    config = export(candidate)
    p1 = by_key(config["primitives"], "p1")
    assert p1["params"] == {"fake": "x"}
    assert {"name": "monitor", "interval": "10s", "on_fail": "restart", "record_pending": "true"} in p1["operations"]
    # A one-off operation gets interval 0s.
    assert {"name": "start", "interval": "0s", "timeout": "20s"} in p1["operations"]
    assert by_key(config["locations"], "location-p1-lab-node1") == {
        "id": "location-p1-lab-node1", "resource": "p1", "node": "lab-node1", "score": "100"}
    # Only what is new shows up in the diff.
    assert diff["before"] == {}
    assert ids(diff["after"]["primitives"]) == ["p1"]
    assert ids(diff["after"]["locations"]) == ["location-p1-lab-node1"]
    # The XML says on-fail, not on_fail.
    op = candidate.find("configuration/resources/primitive[@id='p1']/operations/op[@name='monitor']")
    assert op.get("on-fail") == "restart"
    assert op.get("record-pending") == "true"


def test_create_is_idempotent():
    candidate, changes, _diff = plan(load(), NEW)
    again, changes2, diff2 = plan(candidate, NEW)
    assert changes2 == []
    assert diff2 == {"before": {}, "after": {}}
    assert again.get("epoch") == candidate.get("epoch")


def test_update_primitive_in_its_group():
    root = load()
    web = by_key(export(root)["primitives"], "web")
    web["params"] = {"configfile": "/etc/nginx/other.conf"}
    web["operations"] = [{"name": "monitor", "interval": "10s", "timeout": "30s"}]
    candidate, changes, diff = plan(root, {"primitives": [web]})
    assert changes == [{"kind": "primitives", "id": "web", "action": "updated"}]
    # Still the only member of web-group, and web-group is where it was.
    assert resources_layout(candidate) == resources_layout(root)
    new = by_key(export(candidate)["primitives"], "web")
    assert new["params"] == {"configfile": "/etc/nginx/other.conf"}
    assert new["operations"] == [{"name": "monitor", "interval": "10s", "timeout": "30s"}]
    assert diff["before"]["primitives"][0]["params"] == {"configfile": "/etc/nginx/nginx.conf"}
    assert diff["after"]["primitives"][0]["params"] == {"configfile": "/etc/nginx/other.conf"}
    assert plan(candidate, {"primitives": [web]})[1] == []


def test_operation_order_does_not_matter():
    vip = dict(VIP, operations=list(reversed(VIP["operations"])))
    assert plan(load(), {"primitives": [vip]})[1] == []


def test_what_is_asked_is_what_the_cib_says():
    # meta not given: the target-role of the existing vip goes.
    vip = dict(VIP)
    del vip["meta"]
    candidate, changes, _diff = plan(load(), {"primitives": [vip]})
    assert changes == [{"kind": "primitives", "id": "vip", "action": "updated"}]
    assert "meta" not in by_key(export(candidate)["primitives"], "vip")


@pytest.mark.parametrize("prim, message", [
    ({"id": "p3"}, "primitives p3: agent is required"),
    ({"id": "p3", "agent": "Dummy"}, "agent must be class:provider:type or class:type, got Dummy"),
    ({"id": "p3", "agent": "ocf:pacemaker:Dummy", "operations": [{"name": "monitor"}]},
     "primitives p3: a monitor operation needs an interval"),
])
def test_primitive_input_errors(prim, message):
    with pytest.raises(CibError) as e:
        plan(load(), {"primitives": [prim]})
    assert any(message in err for err in e.value.errors), e.value.errors


def test_every_problem_is_reported_at_once():
    with pytest.raises(CibError) as e:
        plan(load(), {"primitives": [{"id": "a"}, {"id": "b", "agent": "x"}],
                      "nodes": [{"name": "nope", "attributes": {"a": 1}}]})
    assert len(e.value.errors) == 3


# ---------------------------------------------------------------------------------------------
# plan: removal


def test_remove_primitive_removes_what_names_it():
    root = load()
    candidate, changes, _diff = plan(root, {"primitives": [{"id": "vip", "state": "absent"}]})
    assert change_set(changes) == {
        ("primitives", "vip", "deleted"),
        ("locations", "location-vip-lab-node1-50", "deleted"),
        ("colocations", "colocation-web-group-vip-INFINITY", "deleted"),
        ("orders", "order-vip-web-group-mandatory", "deleted"),
        ("orders", "order_set_dypevp", "updated"),
        ("tags", "grp-a", "updated"),
    }
    config = export(candidate)
    assert "vip" not in ids(config["primitives"])
    assert by_key(config["orders"], "order_set_dypevp")["sets"] == [
        {"resources": ["dummy", "pinger-clone"], "sequential": "false"}]
    assert config["tags"] == [{"id": "grp-a", "members": ["dummy"]}]
    assert config["colocations"] == []
    assert ids(config["groups"]) == ["web-group"]


def test_remove_only_member_removes_group_and_its_constraints():
    candidate, changes, _diff = plan(load(), {"primitives": [{"id": "web", "state": "absent"}]})
    assert change_set(changes) == {
        ("primitives", "web", "deleted"),
        ("groups", "web-group", "deleted"),
        ("colocations", "colocation-web-group-vip-INFINITY", "deleted"),
        ("orders", "order-vip-web-group-mandatory", "deleted"),
    }
    config = export(candidate)
    assert config["groups"] == []
    assert ids(config["orders"]) == ["order_set_dypevp"]


def test_remove_cloned_primitive_removes_clone_and_set_member():
    candidate, changes, _diff = plan(load(), {"primitives": [{"id": "pinger", "state": "absent"}]})
    assert change_set(changes) == {
        ("primitives", "pinger", "deleted"),
        ("clones", "pinger-clone", "deleted"),
        ("orders", "order_set_dypevp", "updated"),
    }
    assert by_key(export(candidate)["orders"], "order_set_dypevp")["sets"] == [
        {"resources": ["dummy"], "sequential": "false"}, {"resources": ["vip"]}]


def test_remove_fence_device_removes_its_fencing_level():
    candidate, changes, _diff = plan(load(), {"primitives": [{"id": "fd", "state": "absent"}]})
    assert change_set(changes) == {("primitives", "fd", "deleted"), ("fencing_levels", "lab-node1:1", "deleted")}
    assert export(candidate)["fencing_levels"] == []


def test_remove_group_removes_its_members():
    candidate, changes, _diff = plan(load(), {"groups": [{"id": "web-group", "state": "absent"}]})
    assert ("primitives", "web", "deleted") in change_set(changes)
    assert ("groups", "web-group", "deleted") in change_set(changes)


def test_remove_what_does_not_exist_is_no_change():
    candidate, changes, _diff = plan(load(), {"primitives": [{"id": "ghost", "state": "absent"}],
                                              "locations": [{"resource": "vip", "node": "lab-node3", "state": "absent"}]})
    assert changes == []


# ---------------------------------------------------------------------------------------------
# plan: groups and clones


def test_move_top_level_primitive_into_new_group():
    root = load()
    candidate, changes, _diff = plan(root, {"groups": [{"id": "g2", "members": ["dummy", "vip"]}]})
    assert changes == [{"kind": "groups", "id": "g2", "action": "created"}]
    layout = resources_layout(candidate)
    assert ("group", "g2", ["dummy", "vip"]) in layout
    assert not [x for x in layout if x[0] == "primitive" and x[1] in ("vip", "dummy")]
    # The primitives themselves and their constraints are unchanged.
    config = export(candidate)
    assert by_key(config["primitives"], "vip") == VIP
    assert ids(config["locations"]) == ["location-vip-lab-node1-50", "location-dummy"]
    assert plan(candidate, {"groups": [{"id": "g2", "members": ["dummy", "vip"]}]})[1] == []


def test_member_dropped_from_group_goes_to_top_level():
    root = load()
    desired = {"primitives": [{"id": "new1", "agent": "ocf:pacemaker:Dummy"}],
               "groups": [{"id": "web-group", "members": ["new1"]}]}
    candidate, changes, _diff = plan(root, desired)
    assert change_set(changes) == {("primitives", "new1", "created"), ("groups", "web-group", "updated")}
    layout = resources_layout(candidate)
    assert ("group", "web-group", ["new1"]) in layout
    assert ("primitive", "web", []) in layout
    assert by_key(export(candidate)["primitives"], "web") == by_key(export(root)["primitives"], "web")


def test_group_member_order():
    candidate, _changes, _diff = plan(load(), {"groups": [{"id": "web-group", "members": ["vip", "web"]}]})
    assert export(candidate)["groups"] == [{"id": "web-group", "members": ["vip", "web"]}]
    candidate2, changes, _diff = plan(candidate, {"groups": [{"id": "web-group", "members": ["web", "vip"]}]})
    assert changes == [{"kind": "groups", "id": "web-group", "action": "updated"}]
    assert export(candidate2)["groups"] == [{"id": "web-group", "members": ["web", "vip"]}]


@pytest.mark.parametrize("group, message", [
    ({"id": "g", "members": ["ghost"]}, "groups g: member ghost is not a primitive"),
    ({"id": "g", "members": ["web-group"]}, "groups g: member web-group is not a primitive"),
    ({"id": "g", "members": []}, "groups g: members must name at least one primitive"),
])
def test_group_errors(group, message):
    with pytest.raises(CibError) as e:
        plan(load(), {"groups": [group]})
    assert any(message in err for err in e.value.errors), e.value.errors


def test_clone_of_a_group():
    desired = {"groups": [{"id": "g9", "members": ["vip", "dummy"]}],
               "clones": [{"id": "g9-clone", "member": "g9", "meta": {"interleave": True}}]}
    candidate, changes, _diff = plan(load(), desired)
    assert change_set(changes) == {("groups", "g9", "created"), ("clones", "g9-clone", "created")}
    config = export(candidate)
    assert by_key(config["clones"], "g9-clone") == {"id": "g9-clone", "member": "g9", "meta": {"interleave": "true"}}
    clone = candidate.find("configuration/resources/clone[@id='g9-clone']")
    assert [c.get("id") for c in clone.find("group")] == ["vip", "dummy"]
    assert plan(candidate, desired)[1] == []


def test_clone_of_existing_group():
    candidate, changes, _diff = plan(load(), {"clones": [{"id": "web-clone", "member": "web-group"}]})
    assert changes == [{"kind": "clones", "id": "web-clone", "action": "created"}]
    # The group and the constraints naming it stay.
    config = export(candidate)
    assert config["groups"] == [{"id": "web-group", "members": ["web"]}]
    assert ids(config["colocations"]) == ["colocation-web-group-vip-INFINITY"]


def test_clone_of_primitive_inside_a_group_is_an_error():
    with pytest.raises(CibError) as e:
        plan(load(), {"clones": [{"id": "wc", "member": "web"}]})
    assert e.value.errors == ["clones wc: member web is inside group web-group; clone the group instead"]


def test_clone_of_nothing_is_an_error():
    with pytest.raises(CibError, match="clones c: member ghost is not a primitive or group"):
        plan(load(), {"clones": [{"id": "c", "member": "ghost"}]})


def test_clone_meta_update():
    candidate, changes, diff = plan(load(), {"clones": [
        {"id": "stat-clone", "member": "stat", "meta": {"promotable": True}}]})
    assert changes == [{"kind": "clones", "id": "stat-clone", "action": "updated"}]
    assert by_key(export(candidate)["clones"], "stat-clone")["meta"] == {"promotable": "true"}
    assert diff["after"]["clones"] == [{"id": "stat-clone", "member": "stat", "meta": {"promotable": "true"}}]


# ---------------------------------------------------------------------------------------------
# plan: dict kinds and nodes


def test_properties_set_and_remove():
    candidate, changes, diff = plan(load(), {"properties": {
        "stonith-enabled": True, "test-x": None, "no-quorum-policy": "stop"}})
    assert change_set(changes) == {("properties", "stonith-enabled", "updated"), ("properties", "test-x", "deleted"),
                                   ("properties", "no-quorum-policy", "created")}
    props = export(candidate)["properties"]
    assert props["stonith-enabled"] == "true"
    assert props["no-quorum-policy"] == "stop"
    assert "test-x" not in props
    assert props["dc-version"] == "2.1.5-a3f44794f94"
    assert diff["before"]["properties"] == {"stonith-enabled": "false", "test-x": "1"}
    assert diff["after"]["properties"] == {"stonith-enabled": "true", "no-quorum-policy": "stop"}
    # Still one property set, Pacemaker's own.
    assert [s.get("id") for s in candidate.find("configuration/crm_config")] == ["cib-bootstrap-options"]


def test_properties_purge_keeps_pacemakers_own():
    candidate, changes, _diff = plan(load(), {"properties": {"stonith-enabled": False}}, purge=["properties"])
    assert changes == [{"kind": "properties", "id": "test-x", "action": "deleted"}]
    assert export(candidate)["properties"] == {
        "have-watchdog": "false", "dc-version": "2.1.5-a3f44794f94", "cluster-infrastructure": "corosync",
        "cluster-name": "lab", "stonith-enabled": "false",
    }


def test_rsc_defaults_update_in_the_existing_set():
    candidate, changes, _diff = plan(load(), {"rsc_defaults": {"resource-stickiness": 200, "migration-threshold": 3}})
    assert change_set(changes) == {("rsc_defaults", "resource-stickiness", "updated"),
                                   ("rsc_defaults", "migration-threshold", "created")}
    sets = list(candidate.find("configuration/rsc_defaults"))
    assert [s.get("id") for s in sets] == ["rsc_defaults-meta_attributes"]
    assert export(candidate)["rsc_defaults"] == {"resource-stickiness": "200", "migration-threshold": "3"}
    assert export(candidate)["op_defaults"] == {"timeout": "45s"}


def test_op_defaults_remove_with_none():
    candidate, changes, _diff = plan(load(), {"op_defaults": {"timeout": None}})
    assert changes == [{"kind": "op_defaults", "id": "timeout", "action": "deleted"}]
    assert export(candidate)["op_defaults"] == {}


def test_unknown_node_names_the_known_ones():
    with pytest.raises(CibError) as e:
        plan(load(), {"nodes": [{"name": "lab-node9", "utilization": {"cpu": 1}}]})
    assert e.value.errors == ["nodes lab-node9: no such node in the CIB (known: lab-node1, lab-node2, lab-node3)"]


def test_node_utilization_and_attributes():
    desired = {"nodes": [
        {"name": "lab-node3", "utilization": {"cpu": 4}, "attributes": {"rack": "r3"}},
        {"name": "lab-node1", "utilization": {"cpu": None}},
    ]}
    root = load()
    candidate, changes, _diff = plan(root, desired)
    assert change_set(changes) == {("nodes", "lab-node1", "updated"), ("nodes", "lab-node3", "updated")}
    nodes = export(candidate)["nodes"]
    assert by_key(nodes, "lab-node3", key="name") == {
        "name": "lab-node3", "utilization": {"cpu": "4"}, "attributes": {"rack": "r3"}}
    assert by_key(nodes, "lab-node1", key="name") == {"name": "lab-node1", "utilization": {"memory": "2048"}}
    assert by_key(nodes, "lab-node2", key="name") == {"name": "lab-node2", "attributes": {"rack": "r2"}}
    assert plan(candidate, desired)[1] == []


def test_node_purge_drops_unnamed_keys_of_named_nodes():
    candidate, changes, _diff = plan(load(), {"nodes": [{"name": "lab-node1", "utilization": {"cpu": 2}}]},
                                     purge=["nodes"])
    assert changes == [{"kind": "nodes", "id": "lab-node1", "action": "updated"}]
    node1 = by_key(export(candidate)["nodes"], "lab-node1", key="name")
    assert node1 == {"name": "lab-node1", "utilization": {"cpu": "2"}}


# ---------------------------------------------------------------------------------------------
# plan: ids


def test_id_taken_by_another_kind():
    with pytest.raises(CibError) as e:
        plan(load(), {"primitives": [{"id": "web-group", "agent": "ocf:pacemaker:Dummy"}]})
    assert e.value.errors == ["primitives web-group: the CIB already has a <group> with that id"]


@pytest.mark.parametrize("desired, message", [
    ({"primitives": [{"id": "x", "agent": "ocf:pacemaker:Dummy"}, {"id": "x", "agent": "ocf:pacemaker:Dummy"}]},
     "id x is given twice (primitives and primitives)"),
    ({"primitives": [{"id": "x", "agent": "ocf:pacemaker:Dummy"}], "groups": [{"id": "x", "members": ["vip"]}]},
     "id x is given twice (primitives and groups)"),
])
def test_same_id_twice(desired, message):
    with pytest.raises(CibError) as e:
        plan(load(), desired)
    assert message in e.value.errors


def test_constraint_default_ids():
    desired = {
        "locations": [{"resource": "dummy", "node": "lab-node2", "score": "100"}],
        "colocations": [{"resource": "dummy", "with": "vip", "score": "INFINITY"}],
        "orders": [{"first": "vip", "then": "dummy"}],
        "tickets": [{"ticket": "T2", "resource": "vip", "loss_policy": "fence"}],
    }
    candidate, changes, _diff = plan(load(), desired)
    assert change_set(changes) == {
        ("locations", "location-dummy-lab-node2", "created"),
        ("colocations", "colocation-dummy-vip", "created"),
        ("orders", "order-vip-dummy", "created"),
        ("tickets", "ticket-T2-vip", "created"),
    }
    assert plan(candidate, desired)[1] == []
    # The default id also finds the constraint to remove.
    gone, changes, _diff = plan(candidate, {"orders": [{"first": "vip", "then": "dummy", "state": "absent"}]})
    assert changes == [{"kind": "orders", "id": "order-vip-dummy", "action": "deleted"}]


@pytest.mark.parametrize("location, message", [
    ({"resource": "vip"}, "give node and score, or rules"),
    ({"resource": "vip", "node": "lab-node2", "score": "1",
      "rules": [{"score": "1", "expressions": [{"attribute": "#uname", "operation": "eq", "value": "x"}]}]},
     "give either node and score, or rules, not both"),
    ({"resource": "vip", "node": "lab-node2"}, "a location with node needs a score"),
    ({"id": "l", "node": "lab-node2", "score": "1"}, "give exactly one of resource, resource_pattern, sets"),
])
def test_location_validation(location, message):
    with pytest.raises(CibError) as e:
        plan(load(), {"locations": [location]})
    assert len(e.value.errors) == 1
    assert e.value.errors[0].startswith("locations ")
    assert e.value.errors[0].endswith(message)


@pytest.mark.parametrize("kind, obj, message", [
    ("colocations", {"id": "c", "resource": "vip"}, "give resource and with, or sets"),
    ("orders", {"id": "o", "first": "vip"}, "give first and then, or sets"),
    ("tickets", {"id": "t", "resource": "vip"}, "ticket is required"),
    ("alerts", {"id": "a"}, "path is required"),
])
def test_other_validation(kind, obj, message):
    with pytest.raises(CibError) as e:
        plan(load(), {kind: [obj]})
    assert e.value.errors == ["%s %s: %s" % (kind, obj["id"], message)]


def test_location_with_rules_and_sets_round_trip():
    desired = {
        "locations": [{"id": "loc-r", "resource": "vip", "rules": [{
            "score": "-INFINITY", "boolean_op": "or",
            "expressions": [{"attribute": "#uname", "operation": "eq", "value": "lab-node3"},
                            {"attribute": "rack", "operation": "defined"}],
            "date_expressions": [{"operation": "gt", "start": "2026-01-01"}],
        }]}],
        "colocations": [{"id": "cs1", "score": "INFINITY",
                         "sets": [{"resources": ["vip", "dummy"], "sequential": False, "role": "Started"}]}],
    }
    candidate, changes, _diff = plan(load(), desired)
    assert change_set(changes) == {("locations", "loc-r", "created"), ("colocations", "cs1", "created")}
    config = export(candidate)
    assert by_key(config["locations"], "loc-r")["rules"][0]["boolean_op"] == "or"
    assert by_key(config["colocations"], "cs1")["sets"] == [
        {"resources": ["vip", "dummy"], "sequential": "false", "role": "Started"}]
    assert plan(candidate, desired)[1] == []


# ---------------------------------------------------------------------------------------------
# plan: ACLs, alerts, fencing levels, tags, purge


def test_acls_create_update_and_absent():
    desired = {
        "acl_roles": [{"id": "rw", "description": "admins", "permissions": [
            {"kind": "write", "xpath": "/cib"}, {"kind": "deny", "reference": "fd"}]}],
        "acl_targets": [{"id": "alice", "roles": ["rw", "ro"]}],
        "acl_groups": [{"id": "ops", "roles": ["rw"]}],
    }
    candidate, changes, _diff = plan(load(), desired)
    assert change_set(changes) == {("acl_roles", "rw", "created"), ("acl_targets", "alice", "created"),
                                   ("acl_groups", "ops", "updated")}
    config = export(candidate)
    assert by_key(config["acl_roles"], "rw") == {"id": "rw", "description": "admins", "permissions": [
        {"kind": "write", "xpath": "/cib"}, {"kind": "deny", "reference": "fd"}]}
    assert by_key(config["acl_targets"], "alice") == {"id": "alice", "roles": ["rw", "ro"]}
    assert by_key(config["acl_groups"], "ops") == {"id": "ops", "roles": ["rw"]}
    assert plan(candidate, desired)[1] == []
    gone, changes, _diff = plan(candidate, {"acl_targets": [{"id": "alice", "state": "absent"}]})
    assert changes == [{"kind": "acl_targets", "id": "alice", "action": "deleted"}]


def test_alert_create_with_select_and_recipients():
    desired = {"alerts": [{
        "id": "a2", "path": "/bin/true", "meta": {"timeout": "10s"},
        "select": ["nodes", "attributes"], "select_attributes": ["standby"],
        "recipients": [{"value": "r1", "params": {"x": 1}}, {"value": "r2", "description": "second"}],
    }]}
    candidate, changes, _diff = plan(load(), desired)
    assert changes == [{"kind": "alerts", "id": "a2", "action": "created"}]
    assert by_key(export(candidate)["alerts"], "a2") == {
        "id": "a2", "path": "/bin/true", "meta": {"timeout": "10s"},
        "select": ["nodes", "attributes"], "select_attributes": ["standby"],
        "recipients": [{"value": "r1", "params": {"x": "1"}}, {"value": "r2", "description": "second"}],
    }
    assert plan(candidate, desired)[1] == []


def test_alert_update_replaces_recipients():
    desired = {"alerts": [{"id": "file-alert", "path": "/usr/share/pacemaker/alerts/alert_file.sh.sample",
                           "recipients": [{"value": "/tmp/x"}]}]}
    candidate, changes, diff = plan(load(), desired)
    assert changes == [{"kind": "alerts", "id": "file-alert", "action": "updated"}]
    assert export(candidate)["alerts"] == [{
        "id": "file-alert", "path": "/usr/share/pacemaker/alerts/alert_file.sh.sample",
        "recipients": [{"value": "/tmp/x"}]}]
    assert diff["before"]["alerts"][0]["recipients"] == [{"value": "/var/log/pcmk_alert.log"}]


def test_fencing_levels_create_update_absent():
    desired = {"fencing_levels": [{"target": "lab-node2", "index": 1, "devices": ["fd"]},
                                  {"target": "lab-node1", "index": 1, "devices": ["fd", "vip"]}]}
    candidate, changes, _diff = plan(load(), desired)
    assert change_set(changes) == {("fencing_levels", "lab-node2:1", "created"),
                                   ("fencing_levels", "lab-node1:1", "updated")}
    assert export(candidate)["fencing_levels"] == [
        {"target": "lab-node1", "index": "1", "devices": ["fd", "vip"]},
        {"target": "lab-node2", "index": "1", "devices": ["fd"]},
    ]
    assert plan(candidate, desired)[1] == []
    gone, changes, _diff = plan(candidate, {"fencing_levels": [{"target": "lab-node1", "index": 1, "state": "absent"}]})
    assert changes == [{"kind": "fencing_levels", "id": "lab-node1:1", "action": "deleted"}]
    assert export(gone)["fencing_levels"] == [{"target": "lab-node2", "index": "1", "devices": ["fd"]}]


def test_tags_create_and_absent():
    candidate, changes, _diff = plan(load(), {"tags": [{"id": "t2", "members": ["vip", "web-group"]},
                                                       {"id": "grp-a", "state": "absent"}]})
    assert change_set(changes) == {("tags", "t2", "created"), ("tags", "grp-a", "deleted")}
    assert export(candidate)["tags"] == [{"id": "t2", "members": ["vip", "web-group"]}]


@pytest.mark.parametrize("kind, keep, removed", [
    ("locations", {"resource": "vip", "node": "lab-node2", "score": "10"},
     ["location-dummy", "location-vip-lab-node1-50"]),
    ("acl_groups", {"id": "ops", "roles": ["ro"]}, []),
    ("acl_targets", None, ["operator"]),
    ("alerts", None, ["file-alert"]),
    ("tags", None, ["grp-a"]),
    ("fencing_levels", {"target": "lab-node2", "index": 2, "devices": ["fd"]}, ["lab-node1:1"]),
])
def test_purge_removes_what_is_not_named(kind, keep, removed):
    desired = {kind: [keep] if keep else []}
    candidate, changes, _diff = plan(load(), desired, purge=[kind])
    deleted = sorted(c["id"] for c in changes if c["action"] == "deleted")
    assert deleted == sorted(removed)
    assert [c for c in changes if c["kind"] != kind] == []
    assert len(export(candidate)[kind]) == (1 if keep else 0)


def test_purge_primitives_removes_unnamed_resources_and_their_references():
    candidate, changes, _diff = plan(load(), {"primitives": [VIP]}, purge=["primitives"])
    config = export(candidate)
    assert ids(config["primitives"]) == ["vip"]
    assert config["groups"] == [] and config["clones"] == []
    assert ids(config["locations"]) == ["location-vip-lab-node1-50"]
    assert config["fencing_levels"] == []
    assert config["tickets"] == []
    assert ("primitives", "vip", "updated") not in change_set(changes)


def test_purge_of_a_kind_leaves_other_kinds():
    candidate, changes, _diff = plan(load(), {}, purge=["tickets"])


def test_a_group_emptied_by_a_move_goes_with_the_constraints_naming_it():
    root = load()
    candidate, changes, _diff = plan(root, {"groups": [{"id": "g2", "members": ["web"]}]})
    got = {(c["kind"], c["id"]): c["action"] for c in changes}
    assert got[("groups", "g2")] == "created"
    assert got[("groups", "web-group")] == "deleted"
    assert got[("colocations", "colocation-web-group-vip-INFINITY")] == "deleted"
    assert got[("orders", "order-vip-web-group-mandatory")] == "deleted"
    text = ET.tostring(candidate, encoding="unicode")
    assert '"web-group"' not in text


def test_a_clone_emptied_by_a_move_leaves_no_set_member_behind():
    root = load()
    candidate, changes, _diff = plan(root, {"clones": [{"id": "pc2", "member": "pinger"}]})
    got = {(c["kind"], c["id"]): c["action"] for c in changes}
    assert got[("clones", "pinger-clone")] == "deleted"
    sets = export(candidate)["orders"]
    refs = [r for o in sets for s in o.get("sets", []) for r in s["resources"]]
    assert "pinger-clone" not in refs
