# -*- coding: utf-8 -*-
"""Every reader of a tool's output, on both Debian releases the collection supports.

The same lab (lab/group_vars/cluster.yml: fence_docker, a VIP with nginx, an nginx clone behind haproxy)
was captured with lab/capture_fixtures.sh on Debian 12 bookworm (Pacemaker 2.1.5, Corosync 3.1.7:
tests/unit/fixtures/health/bookworm/) and Debian 13 trixie (Pacemaker 3.0.0, Corosync 3.1.9:
tests/unit/fixtures/health/trixie/). Each test reads both and expects the same model of the same cluster.
"""

from __future__ import annotations

import json
import os

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import pcmk3
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cib_plan import plan
from ansible_collections.clusterops.ha.plugins.module_utils.cib_simulate import parse_simulate_run
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc import document
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import parse_version
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_dc, parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_wait import check_conditions
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl, running_timing
from ansible_collections.clusterops.ha.plugins.module_utils.health import run_checks
from ansible_collections.clusterops.ha.plugins.module_utils.metrics import metrics_of

RELEASES = {
    # release: (fixture directory, Pacemaker, Corosync)
    "bookworm": (os.path.join("health", "bookworm"), "2.1.5", "3.1.7"),
    "trixie": (os.path.join("health", "trixie"), "3.0.0", "3.1.9"),
}
LAB_RESOURCES = {"fence-docker", "site-vip", "site-nginx", "lb-vip", "app-nginx", "lb-haproxy"}


def text(release, name):
    return fixture_text(RELEASES[release][0], name)


def status_of(release, crm_mon="crm_mon.lab.xml"):
    return build_status(crm_mon=parse_crm_mon(text(release, crm_mon)),
                        quorum=parse_quorumtool(text(release, "quorumtool.lab.txt")),
                        cfgtool=parse_cfgtool(text(release, "cfgtool-s.lab.txt")),
                        dc_state=parse_crmadmin_state(text(release, "crmadmin-S.lab.xml")))


def facts_of(release):
    return json.loads(text(release, "node_facts.lab.json"))


@pytest.fixture(name="release", params=sorted(RELEASES))
def fixture_release(request):
    return request.param


def test_status_model(release):
    status = status_of(release)
    assert status["stack"] == {"corosync": True, "pacemaker": True}
    assert [n["name"] for n in status["nodes"]] == ["lab-node1", "lab-node2", "lab-node3"]
    assert all(n["online"] for n in status["nodes"])
    assert status["quorum"]["quorate"] is True and status["quorum"]["expected_votes"] == 3
    assert status["cluster"]["dc"] in ("lab-node1", "lab-node2", "lab-node3")
    assert status["cluster"]["dc_version"].startswith(RELEASES[release][1])
    assert LAB_RESOURCES <= set(status["resources_by_id"])
    assert check_conditions(status)["settled"] == (True, None)
    assert [link["connected"] for link in status["links"]] != []


def test_crmadmin_dc(release):
    assert parse_crmadmin_dc(text(release, "crmadmin-D.lab.xml")) in ("lab-node1", "lab-node2", "lab-node3")


def test_versions(release):
    assert parse_version(text(release, "pacemakerd-version.txt")) == RELEASES[release][1]
    assert parse_version(text(release, "corosync-v.txt")) == RELEASES[release][2]


def test_cmap(release):
    cmap = parse_cmapctl(text(release, "cmapctl.lab.txt"))
    assert running_timing(cmap) == {"token_ms": 3650, "consensus_ms": 4380}
    assert cmap["totem.crypto_cipher"] == "aes256"


def test_health_healthy_then_degraded(release):
    root = parse(text(release, "cib.lab.xml"))
    facts = facts_of(release)
    report = run_checks(status_of(release), export(root), facts, {"token_ms": 3650}, cib_root=root)
    assert [c["id"] for c in report["checks"] if c["status"] != "pass"] == []
    ban_root = parse(text(release, "cib.lab-ban.xml"))
    report = run_checks(status_of(release, "crm_mon.lab-failcount.xml"), export(ban_root), facts, {"token_ms": 3650},
                        cib_root=ban_root)
    assert [c["id"] for c in report["checks"] if c["status"] == "fail"] == ["failed-actions", "fail-counts",
                                                                            "leftover-bans"]


def test_cib_export_applied_again_changes_nothing(release):
    root = parse(text(release, "cib.lab.xml"))
    config = export(root)
    assert LAB_RESOURCES <= set(p["id"] for p in config["primitives"])
    assert plan(root, config)[1] == []


def test_simulate(release):
    sim = parse_simulate_run(text(release, "simulate.lab-live.xml"))
    assert sim["actions"] == [] and len(sim["active"]) == 10


def test_a_pacemaker_3_cib_is_ready_for_pacemaker_3(release):
    assert pcmk3.findings(parse(text(release, "cib.lab.xml"))) == []


def test_metrics_and_document(release):
    status = status_of(release)
    metrics = metrics_of(status, now=0)[0]
    assert 'node="lab-node3"' in metrics and "lb-haproxy" in metrics
    doc = document(status, export(parse(text(release, "cib.lab.xml"))))
    assert "site-vip" in doc["markdown"] and "lab-node1" in doc["dot"]
