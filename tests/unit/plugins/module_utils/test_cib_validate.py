# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB input judged before any candidate is built: types, names and references."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import fixture_text
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import live_names
from ansible_collections.clusterops.ha.plugins.module_utils.cib_plan import plan
from ansible_collections.clusterops.ha.plugins.module_utils.cib_validate import Context, check
from ansible_collections.clusterops.ha.plugins.module_utils.pcmk_metadata import cluster_options

LIVE = parse(fixture_text("cib", "pcs_full.xml"))


def live_context(**extra):
    names = live_names(LIVE)
    names.update(extra)
    return Context(**names)


def errors_of(desired, context=None):
    return check(desired, context or live_context())[0]


def one_error(desired, *needles, context=None):
    errors = errors_of(desired, context)
    assert len(errors) == 1, errors
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


DUMMY = {"id": "d-new", "agent": "ocf:pacemaker:Dummy"}


def test_live_names_reads_what_input_may_refer_to():
    names = live_names(LIVE)
    assert {"lab-node1", "lab-node2", "lab-node3"} <= names["nodes"]
    assert {"vip", "web-group", "web", "stat-clone", "fd"} <= names["resources"]
    assert names["stonith"] == {"fd"}
    assert "ro" in names["acl_roles"]


def test_the_lab_input_is_valid():
    desired = {
        "primitives": [
            {"id": "site-vip", "agent": "ocf:heartbeat:IPaddr2", "params": {"ip": "192.0.2.10", "cidr_netmask": 24},
             "utilization": {"cpu": 1, "memory": 16},
             "operations": [{"name": "monitor", "interval": "10s", "timeout": "20s"}]},
            {"id": "fence-x", "agent": "stonith:fence_docker", "params": {"ip": "127.0.0.1"}},
        ],
        "clones": [{"id": "vip-clone", "member": "vip", "meta": {"interleave": True, "clone-max": 2}}],
        "colocations": [{"resource": "site-vip", "with": "vip", "score": "INFINITY"}],
        "orders": [{"first": "site-vip", "then": "web-group", "kind": "Mandatory"}],
        "locations": [{"resource": "site-vip", "node": "lab-node1", "score": "-100"},
                      {"resource": "dummy", "rules": [{"score": "-INFINITY", "expressions": [
                          {"attribute": "pingd", "operation": "lt", "value": "1", "type": "integer"}]}]}],
        "rsc_defaults": {"resource-stickiness": 100, "migration-threshold": 3, "failure-timeout": "600s"},
        "op_defaults": {"timeout": "60s"},
        "nodes": [{"name": "lab-node2", "utilization": {"cpu": 8}}],
        "fencing_levels": [{"target": "lab-node1", "index": 1, "devices": ["fence-x", "fd"]}],
        "acl_targets": [{"id": "operator", "roles": ["ro"]}],
    }
    assert check(desired, live_context()) == ([], [])


@pytest.mark.parametrize("desired,needles", [
    ({"locations": [{"id": "loc-bad", "resource": "vip", "node": "lab-node1", "score": "high"}]},
     ["locations loc-bad.score", "'high'"]),
    ({"locations": [{"id": "loc-bad", "resource": "vip", "node": "lab-node1", "score": "1.5"}]},
     ["locations loc-bad.score", "'1.5'"]),
    ({"colocations": [{"id": "col-bad", "resource": "vip", "with": "dummy", "score": "inf"}]},
     ["colocations col-bad.score"]),
    ({"colocations": [{"id": "col-role", "resource": "vip", "with": "stat-clone", "with_role": "primary"}]},
     ["colocations col-role.with_role", "'primary'"]),
    ({"primitives": [dict(DUMMY, operations=[{"name": "monitor", "interval": "10 seconds"}])]},
     ["primitives d-new.operations[monitor].interval", "'10 seconds'"]),
    ({"primitives": [dict(DUMMY, operations=[{"name": "start", "timeout": "fast"}])]},
     ["primitives d-new.operations[start].timeout"]),
    ({"primitives": [dict(DUMMY, operations=[{"name": "monitor", "interval": "10s", "start_delay": "soon"}])]},
     ["primitives d-new.operations[monitor].start_delay"]),
    ({"primitives": [dict(DUMMY, utilization={"cpu": "eight"})]},
     ["primitives d-new.utilization.cpu", "'eight'"]),
    ({"primitives": [dict(DUMMY, utilization={"memory": -1})]},
     ["primitives d-new.utilization.memory"]),
    ({"primitives": [dict(DUMMY, meta={"is-managed": "ture"})]},
     ["primitives d-new.meta.is-managed", "'ture'"]),
    ({"primitives": [dict(DUMMY, meta={"resource-stickyness": 10})]},
     ["primitives d-new.meta.resource-stickyness", "did you mean resource-stickiness"]),
    ({"clones": [{"id": "c-bad", "member": "dummy", "meta": {"clone-max": "two"}}]},
     ["clones c-bad.meta.clone-max", "'two'"]),
    ({"clones": [{"id": "c-bad", "member": "dummy", "meta": {"notify": "yes please"}}]},
     ["clones c-bad.meta.notify"]),
    ({"nodes": [{"name": "lab-node1", "utilization": {"cpu": "1.5"}}]},
     ["nodes lab-node1.utilization.cpu", "'1.5'"]),
    ({"locations": [{"id": "loc-ghost", "resource": "vip", "node": "no-such-node", "score": "10"}]},
     ["locations loc-ghost.node", "'no-such-node'"]),
    ({"locations": [{"id": "loc-typo", "resource": "vip", "node": "lab-nod1", "score": "10"}]},
     ["did you mean lab-node1"]),
    ({"colocations": [{"id": "col-ghost", "resource": "ghost", "with": "vip"}]},
     ["colocations col-ghost.resource", "'ghost'"]),
    ({"orders": [{"id": "ord-ghost", "first": "vip", "then": "ghost"}]},
     ["orders ord-ghost.then", "'ghost'"]),
    ({"groups": [{"id": "g-ghost", "members": ["ghost"]}]},
     ["groups g-ghost.members", "'ghost'"]),
    ({"clones": [{"id": "c-ghost", "member": "ghost"}]},
     ["clones c-ghost.member", "'ghost'"]),
    ({"tags": [{"id": "t", "members": ["ghost"]}]}, ["tags t.members"]),
    ({"fencing_levels": [{"target": "lab-node1", "index": 1, "devices": ["no-such-fence"]}]},
     ["fencing_levels lab-node1:1.devices", "'no-such-fence'"]),
    ({"fencing_levels": [{"target": "no-such-node", "index": 1, "devices": ["fd"]}]},
     ["fencing_levels no-such-node:1.target"]),
    ({"fencing_levels": [{"target": "lab-node1", "index": 12, "devices": ["fd"]}]},
     ["fencing_levels lab-node1:12.index"]),
    ({"nodes": [{"name": "no-such-node", "attributes": {"a": 1}}]}, ["nodes no-such-node.name"]),
    ({"acl_targets": [{"id": "bob", "roles": ["no-such-role"]}]}, ["acl_targets bob.roles"]),
    ({"alerts": [{"id": "al", "path": "relative/agent"}]}, ["alerts al.path", "absolute"]),
    ({"primitives": [{"id": "bad id!", "agent": "ocf:pacemaker:Dummy"}]}, ["primitives bad id!.id"]),
    ({"primitives": [{"id": "1abc", "agent": "ocf:pacemaker:Dummy"}]}, ["primitives 1abc.id"]),
    ({"locations": [{"id": "loc-d", "resource": "vip", "rules": [
        {"score": "10", "date_expressions": [{"operation": "in_range", "start": "2026-02-30"}]}]}]},
     ["locations loc-d.rules[0].date_expressions[0].start", "'2026-02-30'"]),
    ({"locations": [{"id": "loc-d", "resource": "vip", "rules": [
        {"score": "10", "date_expressions": [{"operation": "gt"}]}]}]},
     ["locations loc-d.rules[0].date_expressions[0].start", "needs start"]),
    ({"locations": [{"id": "loc-e", "resource": "vip", "rules": [
        {"score": "10", "expressions": [{"attribute": "a", "operation": "gt", "value": "x", "type": "integer"}]}]}]},
     ["locations loc-e.rules[0].expressions[0].value", "'x'"]),
    ({"rsc_defaults": {"migration-threshold": "many"}}, ["rsc_defaults.migration-threshold", "'many'"]),
    ({"rsc_defaults": {"resource-stickyness": 1}}, ["rsc_defaults.resource-stickyness", "did you mean"]),
    ({"op_defaults": {"timout": "30s"}}, ["op_defaults.timout", "did you mean timeout"]),
    ({"op_defaults": {"timeout": "fast"}}, ["op_defaults.timeout", "'fast'"]),
])
def test_each_bad_value_is_named(desired, needles):
    one_error(desired, *needles)


def test_every_problem_is_reported_at_once():
    desired = {
        "locations": [{"id": "l1", "resource": "vip", "node": "lab-node1", "score": "abc"}],
        "primitives": [dict(DUMMY, utilization={"cpu": "x"})],
        "orders": [{"id": "o1", "first": "ghost", "then": "vip"}],
    }
    errors = errors_of(desired)
    assert len(errors) == 3, errors


def test_ids_given_twice_are_refused():
    desired = {"primitives": [DUMMY, dict(DUMMY)]}
    one_error(desired, "d-new", "given twice")


def test_references_to_what_the_call_removes_are_refused():
    desired = {"primitives": [{"id": "dummy", "state": "absent"}],
               "colocations": [{"id": "c1", "resource": "dummy", "with": "vip"}]}
    one_error(desired, "colocations c1.resource", "'dummy'")


def test_references_to_what_the_call_defines_are_fine():
    desired = {"primitives": [DUMMY], "colocations": [{"id": "c1", "resource": "d-new", "with": "vip"}]}
    assert errors_of(desired) == []


def test_without_the_live_cib_only_what_is_known_is_judged():
    # The controller knows the planned nodes only: references to resources are left to the module.
    context = Context(nodes=["lab-node1"])
    desired = {"colocations": [{"id": "c1", "resource": "vip", "with": "dummy"}],
               "fencing_levels": [{"target": "lab-node1", "index": 1, "devices": ["fd"]}],
               "locations": [{"id": "l1", "resource": "vip", "node": "lab-node2", "score": "1"}]}
    one_error(desired, "locations l1.node", context=context)


def test_a_remote_node_primitive_is_a_node():
    desired = {"primitives": [{"id": "remote1", "agent": "ocf:pacemaker:remote"}],
               "locations": [{"id": "l1", "resource": "vip", "node": "remote1", "score": "1"}]}
    assert errors_of(desired) == []


def test_alert_path_is_checked_with_the_callers_view():
    desired = {"alerts": [{"id": "al", "path": "/usr/local/bin/no-such-agent"}]}
    one_error(desired, "alerts al.path", "does not exist",
              context=live_context(path_exists=lambda p: False))
    assert errors_of(desired, live_context(path_exists=lambda p: True)) == []


def test_properties_are_judged_by_the_nodes_own_metadata():
    options = cluster_options([fixture_text("metadata", name) for name in (
        "pacemaker-schedulerd.2.1.5.xml", "pacemaker-controld.2.1.5.xml")])
    context = live_context(options=options)
    one_error({"properties": {"stonith-enabeld": False}}, "properties.stonith-enabeld",
              "did you mean stonith-enabled", context=context)
    one_error({"properties": {"no-quorum-policy": "sometimes"}}, "properties.no-quorum-policy", "'sometimes'",
              context=context)
    assert errors_of({"properties": {"stonith-enabled": False, "placement-strategy": "balanced"}}, context) == []


# Property-based: whatever wrong value a typed field gets, check() names the field and never raises,
# and such input never becomes a candidate CIB (the module stops before plan()).
NOT_A_SCORE = st.one_of(
    st.text(min_size=1).filter(lambda t: not t.strip().lstrip("+-").isdigit()
                               and t.strip().upper() not in ("INFINITY", "+INFINITY", "-INFINITY",
                                                             "RED", "YELLOW", "GREEN")),
    st.floats(allow_nan=True),  # a float is never a score, not even 2.0
    st.lists(st.integers(), min_size=1),
)


@settings(max_examples=150, deadline=None)
@given(NOT_A_SCORE)
def test_any_wrong_score_is_refused_by_name(value):
    desired = {"locations": [{"id": "loc-h", "resource": "vip", "node": "lab-node1", "score": value}]}
    errors = errors_of(desired)
    assert errors and all("locations loc-h.score" in e for e in errors), errors


NOT_AN_INTEGER = st.one_of(
    st.text(min_size=1).filter(lambda t: not t.strip().isdigit()),
    st.integers(max_value=-1),
    st.floats(),  # not even 2.0: Pacemaker's utilization is whole numbers written as such
)


@settings(max_examples=150, deadline=None)
@given(NOT_AN_INTEGER)
def test_any_wrong_utilization_is_refused_by_name(value):
    desired = {"primitives": [dict(DUMMY, utilization={"cpu": value})]}
    errors = errors_of(desired)
    assert errors and all("primitives d-new.utilization.cpu" in e for e in errors), errors


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1).filter(lambda t: t.strip().lower() not in (
    "true", "false", "yes", "no", "on", "off", "y", "n", "1", "0")))
def test_any_wrong_boolean_meta_is_refused_by_name(value):
    desired = {"primitives": [dict(DUMMY, meta={"is-managed": value})]}
    errors = errors_of(desired)
    assert errors and all("primitives d-new.meta.is-managed" in e for e in errors), errors


def test_valid_input_still_plans():
    desired = {"primitives": [dict(DUMMY, utilization={"cpu": 2}, meta={"is-managed": "true"})]}
    assert errors_of(desired) == []
    candidate, changes, _diff = plan(LIVE, desired)
    assert [c["id"] for c in changes] == ["d-new"]
