# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the failover drill engine's unit tests (test_failover_drill_*.py): the drill lab's captures
(fixtures/drill) read and planned, and samples made of them.

The lab: fx-node1..3, site-vip (IPaddr2 172.31.235.100) + site-nginx colocated and ordered, lb-vip
(172.31.235.101, colocated with the clone lb-haproxy-clone), app-clone, fence-docker; token 3650 ms,
consensus 4380 ms. Timelines for evaluate() are built from sample() of the captured crm_mon views where a
capture exists, and as plain sample dicts where the point is a situation no capture shows.
"""

from __future__ import annotations

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_expected as drill_expected
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_judge as drill_judge
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_observe as drill_observe
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_plan as drill_plan
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_services as drill_services
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl

NODES = ["fx-node1", "fx-node2", "fx-node3"]


SITE_VIP = "172.31.235.100"


LB_VIP = "172.31.235.101"


WATCH = [SITE_VIP, LB_VIP]


T = 1795580991.8  # the crash drill's fault (docker kill fx-node2), from journal.crash.txt's token loss


def drill(name):
    return fixture_text("drill", name)


def cib_root():
    return parse(drill("cib.healthy.xml"))


def lab_config():
    return export(cib_root())


def lab_services():
    return drill_services.discover_services(lab_config())


def lab_timing():
    return drill_expected.timing(parse_cmapctl(drill("cmapctl.full.txt")))


def crm(name):
    return parse_crm_mon(drill("crm_mon.%s.xml" % name))


def status_of(name, text=None):
    return build_status(crm_mon=parse_crm_mon(text if text is not None else drill("crm_mon.%s.xml" % name)))


def agents():
    return dict((p["id"], p["agent"]) for p in lab_config()["primitives"])


def healthy_status():
    """Before the hang drill, nothing noticed yet: all three online, site-vip + site-nginx on fx-node2, lb-vip on fx-node3."""
    return status_of("hang-undetected")


def lab_plan(specs, status=None, nodes=None):
    return drill_plan.plan(specs, lab_services(), status or healthy_status(), nodes or NODES, process_of=agents())


def lab_expected(d, fence_action_s=10, interval=0.5, config=None):
    return drill_expected.expected(d, lab_services(), config or lab_config(), lab_timing(), drill_expected.op_durations(cib_root()),
                                   fence_action_s, interval)


def site_on(node):
    return {"site-vip": [node], "site-nginx": [node], "lb-vip": ["fx-node3"],
            "app-nginx": list(NODES), "lb-haproxy": list(NODES)}


# ---------------------------------------------------------------------------------------------
# evaluate


def crash_drill():
    (d,) = lab_plan([{"type": "crash"}])
    d["expected"] = lab_expected(d)
    return d


def evaluate(d, samples, probes=None, fences=(), t_end=None, threshold=1.5, **kwargs):
    return drill_judge.evaluate(d, lab_services(), samples, probes, list(fences), T, t_end or T + 30, d["expected"], threshold,
                                **kwargs)


def crash_samples():
    """The survivors' view of the crash drill, from the captured crm_mon outputs and addresses."""
    plain = drill_observe.parse_addresses(drill("ip-addr.plain.txt"))
    out = []
    for dt in (0.5, 2.5, 4.5, 6.5):  # before detection: nothing noticed yet
        out.append(drill_observe.sample(T + dt, "fx-node1", crm("hang-undetected"), plain, WATCH))
        out.append(drill_observe.sample(T + dt + 0.1, "fx-node3", crm("hang-undetected"), [], WATCH))
    out.append(drill_observe.sample(T + 8.3, "fx-node1", crm("crash-unclean"), plain, WATCH))
    out.append(drill_observe.sample(T + 8.4, "fx-node3", crm("crash-unclean"), [], WATCH))
    for dt in (10.2, 12.2, 16.2):  # fenced at +9.2 s, site-vip and site-nginx started on fx-node1
        out.append(drill_observe.sample(T + dt, "fx-node1", crm("crash-recovered"), plain + [SITE_VIP], WATCH))
        out.append(drill_observe.sample(T + dt + 0.1, "fx-node3", crm("crash-recovered"), [LB_VIP], WATCH))
    return out


def crash_fences():
    return drill_observe.parse_fence_history(drill("stonith_admin-history.xml"))


# ---------------------------------------------------------------------------------------------
# logs


def crash_journal():
    return drill("journal.crash.txt").splitlines()


def paf_root(name="cib.paf-after-switchover.xml"):
    """The lab with PostgreSQL under PAF after four switchovers (fixtures/drill/README.md): primary lab-node1."""
    if name == "cib.paf-primary-node1.xml":
        return parse(fixture_text("rolling_update", name))
    return parse(drill(name))
