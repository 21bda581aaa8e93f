# -*- coding: utf-8 -*-
"""cluster_plan: nodelist from inventory, existing-config classification, key and apply plans."""

from __future__ import annotations

import pytest

from conftest import fixture_text
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_plan import (
    PlanError,
    apply_plan,
    conf_kind,
    existing_nodeids,
    key_plan,
    nodelist,
)

HOSTS = ["n1", "n2", "n3"]


def hv(**per_host):
    return {h: dict(per_host.get(h, {}), inventory_hostname=h) for h in HOSTS}


def test_nodelist_defaults_and_sorting():
    hostvars = hv(n1={"ansible_host": "10.0.0.1", "cluster_node_id": 3},
                  n2={"ansible_host": "10.0.0.2", "cluster_node_id": 1},
                  n3={"cluster_node_addresses": ["10.0.0.3"], "cluster_node_id": "2"})
    nodes = nodelist(HOSTS, hostvars)
    assert [n["nodeid"] for n in nodes] == [1, 2, 3]
    assert nodes[0] == {"name": "n2", "nodeid": 1, "ring0_addr": "10.0.0.2"}
    assert nodes[1]["ring0_addr"] == "10.0.0.3"


def test_nodelist_position_ids_and_two_links():
    hostvars = {h: {"cluster_node_addresses": ["10.0.0.%d" % i, "10.1.0.%d" % i], "cluster_node_name": h.upper()}
                for i, h in enumerate(HOSTS, 1)}
    nodes = nodelist(HOSTS, hostvars)
    assert [(n["name"], n["nodeid"], n["ring1_addr"]) for n in nodes] == [
        ("N1", 1, "10.1.0.1"), ("N2", 2, "10.1.0.2"), ("N3", 3, "10.1.0.3")]


@pytest.mark.parametrize("per_host,needle", [
    ({"n1": {"cluster_node_id": 2}, "n2": {"cluster_node_id": 2}}, "cluster_node_id 2 is used twice"),
    ({"n2": {"cluster_node_name": "n1"}}, "cluster_node_name 'n1' is used twice"),
    ({"n3": {"cluster_node_addresses": ["10.0.0.1"]}}, "cluster_node_addresses '10.0.0.1' is used twice"),
    ({"n2": {"cluster_node_id": 0}}, "n2: cluster_node_id must be a positive integer"),
    ({"n2": {"cluster_node_id": "two"}}, "n2: cluster_node_id must be a positive integer"),
    ({"n2": {"cluster_node_id": True}}, "n2: cluster_node_id must be a positive integer"),
    ({"n3": {"cluster_node_addresses": "10.0.0.3"}}, "n3: cluster_node_addresses must be a list"),
    ({"n3": {"cluster_node_addresses": []}}, "n3: cluster_node_addresses is empty"),
    ({"n3": {"cluster_node_addresses": ["10.0.0.3", "10.1.0.3"]}}, "every node needs one address per link"),
    ({"n3": {"cluster_node_addresses": ["10.9.0.%d" % i for i in range(9)]}}, "at most 8 links"),
    ({"n2": {"cluster_node_name": "node two"}}, "n2: cluster_node_name: 'node two' is not a node name"),
    ({"n2": {"cluster_node_name": ["n2"]}}, "n2: cluster_node_name: ['n2'] is not a node name"),
])
def test_nodelist_rejects_bad_input_naming_host_and_field(per_host, needle):
    base = {h: {"cluster_node_addresses": ["10.0.0.%d" % i]} for i, h in enumerate(HOSTS, 1)}
    for h, v in per_host.items():
        base[h].update(v)
    with pytest.raises(PlanError) as e:
        nodelist(HOSTS, base)
    assert needle in str(e.value)


def test_nodelist_needs_hosts():
    with pytest.raises(PlanError):
        nodelist([], {})


def test_conf_kind_on_real_files():
    assert conf_kind("", "lab") == "absent"
    assert conf_kind(None, "lab") == "absent"
    assert conf_kind(fixture_text("corosync", "debian-default.corosync.conf"), "lab") == "debian-default"
    pcs = fixture_text("corosync", "pcs-0.11.corosync.conf")
    assert conf_kind(pcs, "labclu") == "member"
    assert conf_kind(pcs, "other") == "foreign"
    assert conf_kind("totem {\n  version: 2\n", "lab") == "unparsable"


def test_key_plan_first_bootstrap_generates_on_first_host():
    plan = key_plan(HOSTS, {"n1": "a", "n2": "a", "n3": None}, members=[])
    assert plan == {"source": "n1", "generate": True, "targets": ["n2", "n3"], "restart": []}


def test_key_plan_existing_cluster_copies_from_first_member():
    plan = key_plan(HOSTS, {"n1": None, "n2": "k", "n3": "k"}, members=["n2", "n3"])
    assert plan == {"source": "n2", "generate": False, "targets": ["n1"], "restart": []}


def test_key_plan_nothing_to_do_when_all_agree():
    plan = key_plan(HOSTS, {h: "k" for h in HOSTS}, members=HOSTS)
    assert plan["targets"] == [] and not plan["generate"]


def view(quorate, *members):
    return {"quorate": quorate, "members": list(members)}


def test_key_plan_keeps_the_majoritys_key_when_the_first_node_is_the_odd_one():
    # n1 restarted with a key of its own: alone, not quorate; n2 and n3 run the cluster.
    views = {"n1": view(False, "n1"), "n2": view(True, "n2", "n3"), "n3": view(True, "n2", "n3")}
    plan = key_plan(HOSTS, {"n1": "odd", "n2": "k", "n3": "k"}, HOSTS, views)
    assert plan == {"source": "n2", "generate": False, "targets": ["n1"], "restart": ["n1"]}
    # Without a view of n1 (corosync stopped there), it gets the key and starts with it: no restart.
    del views["n1"]
    assert key_plan(HOSTS, {"n1": "odd", "n2": "k", "n3": "k"}, HOSTS, views)["restart"] == []


def test_key_plan_a_file_changed_under_a_running_member_needs_no_restart():
    # n3's file differs but its corosync is in the membership: it runs with the cluster's key already.
    views = {h: view(True, *HOSTS) for h in HOSTS}
    plan = key_plan(HOSTS, {"n1": "k", "n2": "k", "n3": "edited"}, HOSTS, views)
    assert (plan["source"], plan["targets"], plan["restart"]) == ("n1", ["n3"], [])


def test_key_plan_a_tie_goes_to_the_quorate_members_key():
    two = ["n1", "n2"]
    views = {"n1": view(False, "n1"), "n2": view(True, "n2")}  # two_node: n2 kept quorum, n1 came back alone
    plan = key_plan(two, {"n1": "odd", "n2": "k"}, two, views)
    assert (plan["source"], plan["targets"], plan["restart"]) == ("n2", ["n1"], ["n1"])
    # The Pacemaker key: the same choice, never a restart.
    assert key_plan(two, {"n1": "odd", "n2": "k"}, two, views, restarts=False)["restart"] == []


@pytest.mark.parametrize("views", [None, {"n1": view(True, "n1"), "n2": view(True, "n2")}])
def test_key_plan_a_tie_nothing_breaks_is_refused_before_anything_is_copied(views):
    with pytest.raises(PlanError) as exc:
        key_plan(["n1", "n2"], {"n1": "a", "n2": "b"}, ["n1", "n2"], views)
    assert "key 1 on n1; key 2 on n2" in str(exc.value) and "Nothing was copied" in str(exc.value)


def test_key_plan_a_new_node_never_decides():
    # n3 joins with a key of its own and the members agree: it gets theirs, however many keys new nodes bring.
    plan = key_plan(HOSTS, {"n1": "k", "n2": "x", "n3": "x"}, ["n1"], {"n1": view(True, "n1")})
    assert (plan["source"], plan["targets"], plan["restart"]) == ("n1", ["n2", "n3"], [])


def test_apply_plan_reload_restart_none():
    running = {h: ["corosync", "pacemaker"] for h in HOSTS}
    unchanged = {h: {"changed": False} for h in HOSTS}
    assert apply_plan(HOSTS, HOSTS, running, unchanged)["action"] == "none"

    reload_ = {h: {"changed": True, "reload_required": True, "restart_required": False} for h in HOSTS}
    plan = apply_plan(HOSTS, HOSTS, running, reload_)
    assert plan["action"] == "reload" and plan["reload_on"] == "n1" and plan["restart"] == []

    restart = dict(reload_, n2={"changed": True, "reload_required": True, "restart_required": True})
    plan = apply_plan(HOSTS, HOSTS, running, restart)
    assert plan["action"] == "restart" and plan["restart"] == ["n2"] and not plan["reload"]


def test_apply_plan_from_a_preview():
    # The plan phase's check-mode preview is registered with changed_when: false; its changes still count.
    running = {h: ["corosync", "pacemaker"] for h in HOSTS}
    preview = {h: {"changed": False, "changes": [{"path": "totem.token", "action": "restart"}],
                   "restart_required": True} for h in HOSTS}
    plan = apply_plan(HOSTS, HOSTS, running, preview)
    assert plan["action"] == "restart" and plan["restart"] == HOSTS


def test_apply_plan_ignores_joining_and_stopped_nodes():
    running = {"n1": ["corosync"], "n2": [], "n3": ["corosync"]}
    results = {h: {"changed": True, "restart_required": True} for h in HOSTS}
    # n3 joins (not a member), n2 is a member whose stack is stopped: both simply start.
    plan = apply_plan(HOSTS, ["n1", "n2"], running, results)
    assert plan["restart"] == ["n1"]


def test_nodelist_keeps_ids_of_members_and_never_renumbers():
    # A 4-node cluster loses its second node: the others keep their ids.
    hosts = ["n1", "n3", "n4"]
    hostvars = {h: {"cluster_node_addresses": ["10.0.0.%s" % h[1]]} for h in hosts}
    existing = {"n1": 1, "n2": 2, "n3": 3, "n4": 4}
    nodes = nodelist(hosts, hostvars, existing)
    assert [(n["name"], n["nodeid"]) for n in nodes] == [("n1", 1), ("n3", 3), ("n4", 4)]


def test_nodelist_new_node_gets_next_free_id_after_all_in_use():
    hosts = ["n5", "n1", "n2"]
    hostvars = {h: {"cluster_node_addresses": ["10.0.0.%s" % h[1]]} for h in hosts}
    nodes = nodelist(hosts, hostvars, {"n1": 1, "n2": 7})
    assert {n["name"]: n["nodeid"] for n in nodes} == {"n1": 1, "n2": 7, "n5": 8}


def test_nodelist_explicit_id_wins_and_is_reserved():
    hosts = ["n1", "n2", "n3"]
    hostvars = {h: {"cluster_node_addresses": ["10.0.0.%s" % h[1]]} for h in hosts}
    hostvars["n3"]["cluster_node_id"] = 2
    nodes = nodelist(hosts, hostvars, {"n1": 1})
    assert {n["name"]: n["nodeid"] for n in nodes} == {"n1": 1, "n2": 3, "n3": 2}


def test_existing_nodeids_from_real_files():
    pcs = fixture_text("corosync", "pcs-0.11.corosync.conf")
    assert existing_nodeids([pcs, "", "garbage {"]) == {"lab-node1": 1, "lab-node2": 2, "lab-node3": 3}


def test_nodelist_names_an_inventory_name_that_is_no_node_name():
    with pytest.raises(PlanError, match=r"^db 1: cluster_node_name: 'db 1' is not a node name .*set cluster_node_name"):
        nodelist(["db 1"], {"db 1": {"cluster_node_addresses": ["10.0.0.1"]}})


# --- who may do what: haclient is for people who act

_RO = {"id": "ro", "permissions": [{"kind": "read", "xpath": "/cib"}]}
_NODES = {"id": "node-operator",
          "permissions": [{"kind": "write", "xpath": "/cib/configuration/nodes"}, {"kind": "read", "xpath": "/cib"}]}


def test_access_lab_people_pass():
    from ansible_collections.clusterops.ha.plugins.module_utils.cluster_plan import access_errors
    assert access_errors(["viewer"], ["operator"], [{"id": "operator", "roles": ["node-operator"]}], [_NODES]) == []
    assert access_errors([], [], [], []) == []


@pytest.mark.parametrize("readers, users, targets, roles, needle", [
    # a read-only ACL does not make a haclient member read-only
    ([], ["auditor"], [{"id": "auditor", "roles": ["ro"]}], [_RO], "auditor only reads (roles ro)"),
    # an absent role grants nothing
    ([], ["op"], [{"id": "op", "roles": ["node-operator"]}], [dict(_NODES, state="absent")], "op only reads"),
    # in haclient without any ACL target: no CIB access, but the fencer's
    ([], ["ghost"], [], [], "ghost is no ACL target"),
    ([], ["ghost"], [{"id": "ghost", "roles": ["ro"], "state": "absent"}], [_RO], "ghost is no ACL target"),
    (["pat"], ["pat"], [{"id": "pat", "roles": ["node-operator"]}], [_NODES], "both name pat"),
])
def test_access_errors_name_the_person_and_the_way_out(readers, users, targets, roles, needle):
    from ansible_collections.clusterops.ha.plugins.module_utils.cluster_plan import access_errors
    errors = access_errors(readers, users, targets, roles)
    assert len(errors) == 1 and needle in errors[0], errors
    assert "cluster_status_readers" in errors[0]
