# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/failover_drill_services.py: the services discovered from the CIB and where they run in a view
(the drill lab's captures, fixtures/drill: drill_lab.py)."""

from __future__ import annotations

import ast
import copy
import inspect

import pytest

from conftest import fixture_text
from drill_lab import LB_VIP, NODES, SITE_VIP, lab_services, paf_root, site_on

from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_expected as drill_expected
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_judge as drill_judge
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_observe as drill_observe
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_plan as drill_plan
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_report as drill_report
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_services as drill_services
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_timeline as drill_timeline
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export


# ---------------------------------------------------------------------------------------------
# services


def test_discover_services_of_the_lab():
    services = lab_services()
    assert [s["name"] for s in services] == ["site-vip", "lb-vip", "app-clone", "lb-haproxy-clone"]
    site, lb, app, haproxy = services
    assert site == {"name": "site-vip", "kind": "active-passive", "resources": ["site-vip", "site-nginx"],
                    "top": ["site-vip", "site-nginx"], "addresses": [SITE_VIP], "clone": None, "follows": None}
    # Colocated with a clone: a service of its own, not joined to the clone.
    # Colocated with a clone that is not promotable: it follows no promoted role.
    assert lb == {"name": "lb-vip", "kind": "active-passive", "resources": ["lb-vip"], "top": ["lb-vip"],
                  "addresses": [LB_VIP], "clone": None, "follows": None}
    assert app == {"name": "app-clone", "kind": "active-active", "resources": ["app-nginx"], "top": ["app-clone"],
                   "addresses": [], "clone": "app-clone", "follows": None}
    assert (haproxy["kind"], haproxy["resources"], haproxy["clone"]) == ("active-active", ["lb-haproxy"], "lb-haproxy-clone")
    # The fence device is no service.
    assert not any("fence-docker" in s["resources"] for s in services)


def test_discover_services_of_the_health_lab_with_a_group():
    services = drill_services.discover_services(export(parse(fixture_text("health", "cib.lab.xml"))))
    by_name = dict((s["name"], s) for s in services)
    assert set(by_name) == {"lb", "site-vip", "app-clone"}
    assert by_name["lb"]["resources"] == ["lb-vip", "lb-haproxy"]
    assert by_name["lb"]["top"] == ["lb"]
    assert by_name["lb"]["kind"] == "active-passive"
    assert by_name["lb"]["addresses"] == ["172.31.250.101"]
    assert by_name["site-vip"]["resources"] == ["site-vip", "site-nginx"]


def prim(pid, agent="ocf:pacemaker:Dummy", **params):
    return {"id": pid, "agent": agent, "params": params, "operations": []}


def test_discover_services_joins_a_group_and_primitives_by_colocation():
    config = {
        "primitives": [prim("vip", "ocf:heartbeat:IPaddr2", ip="192.0.2.10"), prim("db"), prim("app"), prim("web"),
                       prim("other"), prim("fence-x", "stonith:fence_dummy")],
        "groups": [{"id": "g", "members": ["db", "app"]}],
        "clones": [{"id": "fence-clone", "member": "fence-x"}],
        "colocations": [{"resource": "web", "with": "g", "score": "INFINITY"},
                        {"resource": "vip", "with": "web", "score": "+INFINITY"},
                        {"resource": "other", "with": "web", "score": "-INFINITY"},
                        {"resource": "other", "with": "vip", "score": "100"}],
        "orders": [],
    }
    services = drill_services.discover_services(config)
    # A cloned fence device is no service; a finite or negative score joins nothing.
    assert [s["name"] for s in services] == ["g", "other"]
    g = services[0]
    assert g["kind"] == "active-passive"
    assert g["top"] == ["g", "vip", "web"]
    assert g["resources"] == ["db", "app", "vip", "web"]
    assert g["addresses"] == ["192.0.2.10"]
    assert services[1]["resources"] == ["other"]


def test_discover_services_orders_members_by_order_constraints_over_cib_order():
    config = {
        "primitives": [prim("app"), prim("vip", "ocf:heartbeat:IPaddr2", ip="192.0.2.20")],
        "colocations": [{"resource": "app", "with": "vip", "score": "INFINITY"}],
        "orders": [{"first": "vip", "then": "app"}],
    }
    (svc,) = drill_services.discover_services(config)
    # The CIB lists app first; the order constraint starts vip first and names the service.
    assert (svc["name"], svc["resources"], svc["top"]) == ("vip", ["vip", "app"], ["vip", "app"])
    config["orders"] = []
    (svc,) = drill_services.discover_services(config)
    assert (svc["name"], svc["resources"]) == ("app", ["app", "vip"])


def test_discover_services_of_nothing():
    assert drill_services.discover_services({}) == []
    assert drill_services.discover_services(None) == []


def test_service_node_and_clone_count():
    site, _lb, app, _hp = lab_services()
    view = {"rsc": site_on("fx-node2"), "online": NODES}
    assert drill_services.service_node(site, view) == "fx-node2"
    assert drill_services.clone_count(app, view) == 3
    # Offline nodes do not count; members split over two nodes is no placement.
    view = {"rsc": site_on("fx-node2"), "online": ["fx-node1", "fx-node3"]}
    assert drill_services.service_node(site, view) is None
    assert drill_services.clone_count(app, view) == 2
    split = dict(site_on("fx-node2"), **{"site-nginx": ["fx-node1"]})
    assert drill_services.service_node(site, {"rsc": split, "online": NODES}) is None


def paf_services(config=None):
    return drill_services.discover_services(config or export(paf_root()))


PROMOTED = {"clone": "pgsqld-clone", "member": "pgsqld", "role": "Promoted", "notify": True}


def test_discover_services_finds_the_promoted_role_a_vip_follows():
    services = dict((s["name"], s) for s in paf_services())
    assert services["pgsql-vip"]["follows"] == PROMOTED
    assert services["pgsql-vip"]["resources"] == ["pgsql-vip"]
    # lb-vip is colocated with a clone that is not promotable; the clones follow nothing.
    assert [n for n, s in services.items() if s["follows"]] == ["pgsql-vip"]
    assert drill_plan.planned_errors(None, list(services.values())) == []
    # The other lab's CIB (before any switchover) says the same.
    assert dict((s["name"], s["follows"]) for s in drill_services.discover_services(export(paf_root("cib.paf-primary-node1.xml"))))[
        "pgsql-vip"] == PROMOTED


def colocation(config, rid):
    return next(c for c in config["colocations"] if c["resource"] == rid)


@pytest.mark.parametrize("change, follows", [
    ({"with_role": "Master"}, PROMOTED),  # Pacemaker < 2.1's name
    ({"score": "+INFINITY"}, PROMOTED),
    ({"with_role": "Unpromoted"}, None),
    ({"with_role": None}, None),
    ({"score": "1000"}, None),
    ({"score": "-INFINITY"}, None),
])
def test_discover_services_follows_only_the_promoted_role_at_infinity(change, follows):
    config = export(paf_root())
    col = colocation(config, "pgsql-vip")
    for key, value in change.items():
        if value is None:
            col.pop(key)
        else:
            col[key] = value
    assert dict((s["name"], s["follows"]) for s in paf_services(config))["pgsql-vip"] == follows


def test_discover_services_follows_a_promotable_clone_only():
    config = export(paf_root())
    clone = next(c for c in config["clones"] if c["id"] == "pgsqld-clone")
    clone["meta"]["notify"] = "false"
    assert dict((s["name"], s["follows"]) for s in paf_services(config))["pgsql-vip"] == dict(PROMOTED, notify=False)
    clone["meta"].pop("promotable")
    assert dict((s["name"], s["follows"]) for s in paf_services(config))["pgsql-vip"] is None


def test_services_shape_takes_follows():
    services = paf_services()
    assert drill_plan.planned_errors(None, services) == []
    bad = copy.deepcopy(services)
    next(s for s in bad if s["name"] == "pgsql-vip")["follows"] = {"clone": "pgsqld-clone", "role": "Promoted"}
    assert drill_plan.planned_errors(None, bad) == ["services[2].follows: the key member is missing"]


def test_python38_syntax_of_every_file_of_the_engine():
    # The module runs on the nodes (observe, kill, wait, log) and AnsiballZ packs every one of these.
    for module in (drill_expected, drill_judge, drill_observe, drill_plan, drill_report, drill_services, drill_timeline):
        ast.parse(inspect.getsource(module), feature_version=(3, 8))
