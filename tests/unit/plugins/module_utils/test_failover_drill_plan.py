# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/failover_drill_plan.py: the drills as written and as planned on the cluster
(the drill lab's captures, fixtures/drill: drill_lab.py)."""

from __future__ import annotations

import re

import pytest

from drill_lab import LB_VIP, NODES, agents, drill, healthy_status, lab_expected, lab_plan, status_of

from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_plan as drill_plan


# ---------------------------------------------------------------------------------------------
# plan


def test_plan_takes_the_node_running_the_most_active_passive_services():
    text = drill("crm_mon.hang-undetected.xml")
    # Move lb-vip onto fx-node2 too: fx-node2 then runs both active-passive services.
    lb = text.index('<resource id="lb-vip"')
    text = text[:lb] + text[lb:].replace('<node name="fx-node3" id="3" cached="true"/>',
                                         '<node name="fx-node2" id="2" cached="true"/>', 1)
    status = status_of(None, text)
    for nodes in (NODES, list(reversed(NODES))):
        (d,) = lab_plan([{"type": "crash"}], status=status, nodes=nodes)
        assert d["node"] == "fx-node2"
        assert d["affected"] == ["site-vip", "lb-vip", "app-clone", "lb-haproxy-clone"]


def test_plan_breaks_a_tie_by_the_order_of_the_nodes():
    # site-vip on fx-node2, lb-vip on fx-node3: one service each.
    (d,) = lab_plan([{"type": "standby"}])
    assert d["node"] == "fx-node2"
    assert d["affected"] == ["site-vip", "app-clone", "lb-haproxy-clone"]
    assert (d["id"], d["restore"], d["description"]) == (
        "01-standby", "take fx-node2 out of standby", "put fx-node2 in standby (planned)")
    (d,) = lab_plan([{"type": "standby"}], nodes=list(reversed(NODES)))
    assert d["node"] == "fx-node3"
    assert d["affected"] == ["lb-vip", "app-clone", "lb-haproxy-clone"]


def test_plan_of_every_drill_type_on_the_lab():
    drills = lab_plan([{"type": "standby", "node": "fx-node1"}, {"type": "move"}, {"type": "kill_process"},
                       {"type": "crash"}, {"type": "partition", "id": "cut"}, {"type": "hang", "node": "fx-node3"}])
    assert [d["id"] for d in drills] == ["01-standby", "02-move", "03-kill-process", "04-crash", "cut", "06-hang"]
    standby, move, kill, crash, part, hang = drills
    # fx-node1 runs no active-passive service, only clone instances.
    assert standby["affected"] == ["app-clone", "lb-haproxy-clone"]
    assert (move["service"], move["node"], move["to"], move["affected"]) == ("site-vip", "fx-node2", "fx-node1", ["site-vip"])
    assert move["description"] == "move site-vip from fx-node2 to fx-node1 (planned)"
    assert (kill["node"], kill["resource"], kill["process"]) == ("fx-node2", "site-nginx", "nginx")
    assert kill["restore"] == "clean up the fail count of site-nginx"
    assert (crash["node"], part["node"], hang["node"]) == ("fx-node2", "fx-node2", "fx-node3")
    assert hang["affected"] == ["lb-vip", "app-clone", "lb-haproxy-clone"]
    assert part["description"] == "cut fx-node2 off the network"


def test_plan_kill_process_takes_the_last_member_and_the_agent_s_process():
    (d,) = lab_plan([{"type": "kill_process", "service": "site-vip"}])
    assert (d["resource"], d["process"]) == ("site-nginx", "nginx")
    assert d["description"] == "kill the nginx process of site-nginx on fx-node2"
    (d,) = lab_plan([{"type": "kill_process", "service": "site-vip", "resource": "site-vip", "process": "send_arp"}])
    assert (d["resource"], d["process"]) == ("site-vip", "send_arp")
    # A systemd resource: the unit's name.
    services = [{"name": "lb", "kind": "active-passive", "resources": ["lb-vip", "lb-haproxy"], "top": ["lb"],
                 "addresses": [LB_VIP], "clone": None}]
    status = {"resources": [{"id": "lb-vip", "active": True, "nodes": ["fx-node3"]},
                            {"id": "lb-haproxy", "active": True, "nodes": ["fx-node3"]}], "nodes_online": NODES}
    (d,) = drill_plan.plan([{"type": "kill_process"}], services, status, NODES,
                           process_of={"lb-vip": "ocf:heartbeat:IPaddr2", "lb-haproxy": "systemd:haproxy"})
    assert (d["node"], d["resource"], d["process"]) == ("fx-node3", "lb-haproxy", "haproxy")


def test_plan_kill_process_of_a_vip_needs_a_process():
    with pytest.raises(drill_plan.DrillError) as e:
        lab_plan([{"type": "kill_process", "service": "lb-vip"}])
    assert str(e.value).startswith("drills[0].process: lb-vip (ocf:heartbeat:IPaddr2) has no known process")
    with pytest.raises(drill_plan.DrillError) as e:
        lab_plan([{"type": "kill_process", "service": "site-vip", "resource": "lb-vip"}])
    assert str(e.value) == "drills[0].resource: 'lb-vip' is not a member of site-vip; members: site-vip, site-nginx"


@pytest.mark.parametrize("specs,message", [
    ([{"type": "reboot"}], "drills[0].type: unknown drill type 'reboot' (known: crash, hang, kill_process, move, partition, standby)"),
    ([{"type": "crash"}, {"type": "crash", "node": "fx-node9"}],
     "drills[1].node: 'fx-node9' is not a node of this cluster; nodes: fx-node1, fx-node2, fx-node3"),
    ([{"type": "move", "service": "web"}],
     "drills[0].service: 'web' is not a service of this cluster; services: app-clone, lb-haproxy-clone, lb-vip, site-vip"),
    ([{"type": "move", "service": "app-clone"}],
     "drills[0].service: app-clone is a clone; move drills take an active-passive service"),
    ([{"type": "kill_process", "service": "lb-haproxy-clone"}],
     "drills[0].service: lb-haproxy-clone is a clone; kill_process drills take an active-passive service"),
    ([{"type": "move", "to": "fx-node2"}],
     "drills[0].to: the move needs an online node other than fx-node2 that is not in standby, got 'fx-node2'"),
    ([{"type": "move", "to": "fx-node9"}],
     "drills[0].to: the move needs an online node other than fx-node2 that is not in standby, got 'fx-node9'"),
    ([{"type": "standby", "id": "a"}, {"type": "crash", "id": "b"}, {"type": "hang", "id": "a"}],
     "drills[].id: must be unique, a given twice"),
])
def test_plan_errors_name_the_drill_and_field(specs, message):
    with pytest.raises(drill_plan.DrillError) as e:
        lab_plan(specs)
    assert str(e.value) == message


def test_plan_a_move_without_a_target_when_no_other_node_can_take_it():
    # After the crash drill: fx-node2 is offline; with fx-node3 out of the list, nowhere to move to.
    status = status_of("crash-recovered")
    with pytest.raises(drill_plan.DrillError) as e:
        lab_plan([{"type": "move"}], status=status, nodes=["fx-node1", "fx-node2"])
    assert str(e.value) == "drills[0].to: the move needs an online node other than fx-node1 that is not in standby, got None"
    # A standby node is no target either.
    status = healthy_status()
    status["nodes_standby"] = ["fx-node1", "fx-node3"]
    with pytest.raises(drill_plan.DrillError) as e:
        lab_plan([{"type": "move"}], status=status)
    assert "drills[0].to: the move needs an online node other than fx-node2" in str(e.value)
    status["nodes_standby"] = ["fx-node1"]
    (d,) = lab_plan([{"type": "move"}], status=status)
    assert d["to"] == "fx-node3"


def test_plan_needs_the_victim_online_and_the_service_running():
    status = status_of("crash-recovered")
    with pytest.raises(drill_plan.DrillError) as e:
        lab_plan([{"type": "crash", "node": "fx-node2"}], status=status)
    assert str(e.value) == "drills[0].node: fx-node2 is not online; a drill needs every node online"
    # During the hang, site-vip is listed on the UNCLEAN fx-node2: it runs on no online node.
    with pytest.raises(drill_plan.DrillError) as e:
        lab_plan([{"type": "move", "service": "site-vip"}], status=status_of("hang"))
    assert str(e.value) == "drills[0].service: site-vip does not run on one online node now; start it before the drill"


@pytest.mark.parametrize("specs,message", [
    ([], "drills: [] is not a list of drills"),
    ({"type": "move"}, "drills: {'type': 'move'} is not a list of drills"),
    (["standby"], "drills[0]: 'standby' is not a drill"),
    ([{"type": "move", "servcie": "site"}], "drills[0]: unknown drill key 'servcie'; did you mean service?"),
    ([{"node": "n1"}], "drills[0].type: None is not a drill type"),
    ([{"type": "crash", "node": 3}], "drills[0].node: 3 is not a name"),
    ([{"type": "crash", "id": "my drill"}], "drills[0].id: 'my drill' is not a drill id"),
])
def test_check_specs_judges_the_shape_before_the_cluster(specs, message):
    with pytest.raises(ValueError) as e:
        drill_plan.check_specs(specs)
    assert str(e.value).startswith(message)
    with pytest.raises(drill_plan.DrillError) as e:
        lab_plan(specs)
    assert str(e.value).startswith(message)


def test_kill_process_knows_paf_s_postgres():
    assert drill_plan._AGENT_PROCESS["ocf:heartbeat:pgsqlms"] == "postgres"


# ---------------------------------------------------------------------------------------------
# what the module asks of a planned drill: the kill pattern, the driver, the plan's line


def test_kill_pattern_narrows_the_process_to_the_member_s_config_file():
    (d,) = lab_plan([{"type": "kill_process"}])
    assert (d["resource"], d["process"]) == ("site-nginx", "nginx")
    pattern = re.compile(drill_plan.kill_pattern(d, None, agents()["site-nginx"], "/etc/nginx/clusterops-site.conf"))
    # The site's nginx, not the cloned app nginx beside it.
    assert pattern.search("nginx: master process /usr/sbin/nginx -c /etc/nginx/clusterops-site.conf")
    assert not pattern.search("nginx: master process /usr/sbin/nginx -c /etc/nginx/clusterops-app.conf")
    assert drill_plan.kill_pattern(d, None, agents()["site-nginx"], None) == "nginx"


def test_kill_pattern_of_a_systemd_member_is_its_unit():
    d = {"type": "kill_process", "node": "lab-node3", "resource": "lb-haproxy", "process": "haproxy"}
    assert drill_plan.kill_pattern(d, None, "systemd:haproxy", None) == "unit:haproxy"
    # A config file names the instance even of a systemd member.
    assert drill_plan.kill_pattern(d, None, "systemd:haproxy", "/etc/haproxy/a.cfg") == r"haproxy.*/etc/haproxy/a\.cfg"


def test_kill_pattern_keeps_a_given_process_and_leaves_other_drills_alone():
    (given,) = lab_plan([{"type": "kill_process", "process": "nginx: worker"}])
    assert drill_plan.kill_pattern(given, "nginx: worker", agents()["site-nginx"], "/etc/nginx/clusterops-site.conf") == \
        "nginx: worker"
    (standby,) = lab_plan([{"type": "standby"}])
    assert drill_plan.kill_pattern(standby, None, None, None) is None


def test_driver_is_the_dc_unless_it_is_the_drill_s_node():
    assert drill_plan.driver({"node": "fx-node2"}, NODES, NODES, "fx-node3") == "fx-node3"
    assert drill_plan.driver({"node": "fx-node3"}, NODES, NODES, "fx-node3") == "fx-node1"
    # A DC that is not one of the play's nodes, or none known: the first other online node.
    assert drill_plan.driver({"node": "fx-node2"}, ["fx-node1", "fx-node2"], NODES, "fx-node3") == "fx-node1"
    assert drill_plan.driver({"node": "fx-node1"}, NODES, ["fx-node1", "fx-node3"], None) == "fx-node3"


def test_driver_without_another_online_node_is_none():
    assert drill_plan.driver({"node": "fx-node1"}, NODES, ["fx-node1"], "fx-node1") is None
    assert drill_plan.driver({"node": "fx-node1"}, NODES, [], None) is None


def test_summary_line_of_a_planned_crash():
    (d,) = lab_plan([{"type": "crash"}])
    d["expected"] = lab_expected(d)
    assert drill_plan.summary_line(d) == (
        "01-crash: crash fx-node2; expected recovery: app-clone 0.0 s, lb-haproxy-clone 0.0 s, site-vip 19.8 s; "
        "restore: start fx-node2 again if fencing did not, wait until it rejoins, clean up")
    d["expected"] = {}
    assert drill_plan.summary_line(d).endswith("; expected recovery: no service affected; restore: start fx-node2 "
                                               "again if fencing did not, wait until it rejoins, clean up")
