# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the health-check engine, fed with status and CIBs captured on the lab cluster.

The baseline is the healthy lab (fencing on, three nodes, knet with crypto); every check is then
failed by copying the baseline and injecting one fault.
"""

from __future__ import annotations

import ast
import calendar
import inspect
import json

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils.firewall import parse_table

from ansible_collections.clusterops.ha.plugins.module_utils import (
    health,
    health_base,
    health_booth,
    health_fencing,
    health_filesystem,
    health_membership,
    health_postgresql,
    health_resources,
    health_security,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.health import CHECKS, check_skip, render_markdown, render_table, run_checks
from ansible_collections.clusterops.ha.plugins.module_utils.rolling_update import gate
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError

IDS = [
    "quorum", "nodes-online", "nodes-standby", "nodes-maintenance", "maintenance-mode", "failed-actions",
    "fail-counts", "leftover-bans", "stonith", "fencing-history", "corosync-conf-identical", "versions-identical", "knet-crypto",
    "links-connected", "authkey-modes", "authkeys-identical", "refused-packets", "pcsd-failed-logins", "pcsd-certificate",
    "firewall-loaded", "cib-secrets", "token-consistent", "unmanaged-blocked",
    "resources-placed", "pacemaker3-ready",
    "postgresql-primary", "postgresql-standbys-streaming", "postgresql-sync-standby", "postgresql-promotable", "postgresql-lag",
    "booth-tickets", "booth-refused", "filesystem-single-mount",
]
SEVERITY = {
    "quorum": "critical", "nodes-online": "critical", "nodes-standby": "warning", "nodes-maintenance": "warning",
    "maintenance-mode": "warning", "failed-actions": "warning", "fail-counts": "warning", "leftover-bans": "warning",
    "stonith": "critical", "fencing-history": "critical", "corosync-conf-identical": "critical", "versions-identical": "warning",
    "knet-crypto": "critical", "links-connected": "critical", "authkey-modes": "critical", "authkeys-identical": "critical",
    "refused-packets": "warning", "pcsd-failed-logins": "warning", "pcsd-certificate": "warning",
    "firewall-loaded": "warning", "cib-secrets": "warning", "token-consistent": "warning", "unmanaged-blocked": "warning", "resources-placed": "warning",
    "pacemaker3-ready": "warning", "postgresql-primary": "critical", "postgresql-standbys-streaming": "warning",
    "postgresql-sync-standby": "critical", "postgresql-lag": "warning", "postgresql-promotable": "warning", "filesystem-single-mount": "critical",
    "booth-tickets": "critical", "booth-refused": "warning",
}
# The fence events of the fixtures (fixtures/health/README.md) and the base capture's own time (last_update).
CONFIRMED_AT = calendar.timegm((2026, 12, 4, 14, 0, 8, 0, 0, 0))
FENCED_AT = calendar.timegm((2026, 11, 24, 22, 31, 40, 0, 0, 0))
FAILED_AT = calendar.timegm((2026, 11, 24, 22, 40, 12, 0, 0, 0))
NOW = calendar.timegm((2026, 11, 24, 22, 46, 6, 0, 0, 0))
SHA = "5a9ec47f4e976d1e442e8ee20f7b76564addfc764cc4ccd7e8f98156ad1ba407"
OTHER_SHA = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


# --------------------------------------------------------------------------------------------- fixtures


def hfix(name):
    return fixture_text("health", name)


def sfix(name):
    return fixture_text("status", name)


def lab_status(crm_mon="crm_mon.lab.xml"):
    return build_status(crm_mon=parse_crm_mon(hfix(crm_mon)), quorum=parse_quorumtool(hfix("quorumtool.lab.txt")),
                        cfgtool=parse_cfgtool(hfix("cfgtool-s.lab.txt")),
                        dc_state=parse_crmadmin_state(hfix("crmadmin-S.lab.xml")))


def degraded_status():
    return build_status(crm_mon=parse_crm_mon(sfix("crm_mon.degraded.xml")),
                        quorum=parse_quorumtool(sfix("quorumtool.degraded.txt")),
                        cfgtool=parse_cfgtool(sfix("cfgtool-s.degraded.txt")))


def no_quorum_status():
    return build_status(crm_mon=parse_crm_mon(sfix("crm_mon.no-quorum.xml")),
                        quorum=parse_quorumtool(sfix("quorumtool.no-quorum.txt")),
                        cfgtool=parse_cfgtool(sfix("cfgtool-s.no-quorum.txt")), dc_state={"state": "S_IDLE"})


def pacemaker_down_status():
    return build_status(crm_mon=parse_crm_mon(sfix("crm_mon.pacemaker-down.xml")),
                        quorum=parse_quorumtool(sfix("quorumtool.3nodes.txt")), cfgtool=parse_cfgtool(sfix("cfgtool-s.3nodes.txt")))


def corosync_down_status():
    return build_status(crm_mon=parse_crm_mon(sfix("crm_mon.pacemaker-down.xml")), quorum=None, corosync_running=False)


def lab_config(name="cib.lab.xml"):
    return export(parse(hfix(name)))


def lab_facts():
    return json.loads(hfix("node_facts.lab.json"))


EXPECTED = {"token_ms": 3650, "nodes": None}


@pytest.fixture(name="base")
def fixture_base():
    """A fresh (status, config, nodes, expected) of the healthy lab, safe to edit."""
    return lab_status(), lab_config(), lab_facts(), dict(EXPECTED)


def lab_root(name="cib.lab.xml"):
    return parse(hfix(name))


def run(base, **changes):
    """run_checks on base with some inputs changed; the CIB's XML is the lab's unless config is None."""
    status, config, nodes, expected = base
    config = changes.get("config", config)
    root = changes["cib_root"] if "cib_root" in changes else (None if config is None else lab_root())
    return run_checks(changes.get("status", status), config, changes.get("nodes", nodes),
                      changes.get("expected", expected), changes.get("skip"), cib_root=root, now=changes.get("now", NOW))


def check(report, check_id):
    found = [c for c in report["checks"] if c["id"] == check_id]
    assert len(found) == 1
    return found[0]


def assert_pass(report, check_id):
    c = check(report, check_id)
    assert c["status"] == "pass", c
    assert c["severity"] == SEVERITY[check_id]
    assert c["remedy"] == ""
    return c


def assert_fail(report, check_id, *names):
    c = check(report, check_id)
    assert c["status"] == "fail", c
    assert c["severity"] == SEVERITY[check_id]
    assert c["remedy"]
    for name in names:
        assert name in c["message"], (name, c["message"])
    return c


def assert_skip(report, check_id, words):
    c = check(report, check_id)
    assert c["status"] == "skip", c
    assert words in c["message"]
    return c


def node(status, name):
    return [n for n in status["nodes"] if n["name"] == name][0]


# --------------------------------------------------------------------------------------------- fail counts in the status model


class TestFailCounts:
    def test_lab_capture(self):
        m = parse_crm_mon(hfix("crm_mon.lab-failcount.xml"))
        assert m["fail_counts"] == [{
            "resource": "site-nginx", "instance": "site-nginx", "node": "lab-node1", "fail_count": 1,
            "migration_threshold": 3, "last_failure": "Tue Nov 24 22:46:20 2026"}]

    def test_infinity_from_start_failure(self):
        fcs = parse_crm_mon(sfix("crm_mon.healthy-with-failure.xml"))["fail_counts"]
        assert [(f["resource"], f["node"], f["fail_count"], f["migration_threshold"]) for f in fcs] == [
            ("bad", "lab-node3", 1000000, 1000000)]

    def test_infinity_spelled_out_and_clone_instance(self):
        xml = hfix("crm_mon.lab-failcount.xml").replace(
            'id="site-nginx" orphan="false" migration-threshold="3" fail-count="1"',
            'id="app-nginx:2" orphan="false" migration-threshold="INFINITY" fail-count="+INFINITY"')
        fc = parse_crm_mon(xml)["fail_counts"][0]
        assert (fc["resource"], fc["instance"], fc["fail_count"], fc["migration_threshold"]) == (
            "app-nginx", "app-nginx:2", 1000000, 1000000)

    def test_none_without_failures(self):
        assert parse_crm_mon(hfix("crm_mon.lab.xml"))["fail_counts"] == []
        assert parse_crm_mon(sfix("crm_mon.healthy.xml"))["fail_counts"] == []
        assert parse_crm_mon(sfix("crm_mon.pacemaker-down.xml"))["fail_counts"] == []

    def test_in_build_status(self):
        assert [f["resource"] for f in lab_status("crm_mon.lab-failcount.xml")["fail_counts"]] == ["site-nginx"]
        assert lab_status()["fail_counts"] == []
        assert pacemaker_down_status()["fail_counts"] == []

    def test_build_status_copes_with_a_parse_without_fail_counts(self):
        m = parse_crm_mon(hfix("crm_mon.lab-failcount.xml"))
        del m["fail_counts"]
        assert build_status(crm_mon=m)["fail_counts"] == []


# --------------------------------------------------------------------------------------------- the catalogue


class TestCatalogue:
    def test_ids_in_order(self):
        assert [c["id"] for c in CHECKS] == IDS

    def test_fields(self):
        for c in CHECKS:
            assert set(c) == {"id", "severity", "title", "why", "remedy"}
            assert c["severity"] == SEVERITY[c["id"]]
            assert c["title"] and c["why"] and c["remedy"]

    def test_report_in_catalogue_order(self, base):
        report = run(base)
        assert [c["id"] for c in report["checks"]] == IDS
        for c in report["checks"]:
            assert set(c) == {"id", "severity", "title", "status", "message", "remedy", "objects"}
            assert isinstance(c["objects"], list)

    def test_python38_syntax(self):
        for module in (health, health_base, health_booth, health_fencing, health_filesystem, health_membership,
                       health_postgresql, health_resources, health_security):
            ast.parse(inspect.getsource(module), feature_version=(3, 8))


# --------------------------------------------------------------------------------------------- baseline and verdicts


class TestVerdict:
    def test_healthy_lab(self, base):
        report = run(base)
        assert [c["id"] for c in report["checks"] if c["status"] != "pass"] == []
        assert report["verdict"] == "healthy"
        assert report["summary"] == {"pass": 33, "fail": 0, "skip": 0, "critical": 0, "warning": 0, "info": 0}

    def test_degraded_only_warnings(self, base):
        report = run(base, status=lab_status("crm_mon.lab-failcount.xml"), config=lab_config("cib.lab-ban.xml"))
        failed = [c["id"] for c in report["checks"] if c["status"] == "fail"]
        assert failed == ["failed-actions", "fail-counts", "leftover-bans"]
        assert report["verdict"] == "degraded"
        assert report["summary"] == {"pass": 30, "fail": 3, "skip": 0, "critical": 0, "warning": 3, "info": 0}

    def test_critical(self, base):
        report = run(base, status=no_quorum_status())
        assert report["verdict"] == "critical"
        assert report["summary"]["critical"] >= 2
        assert report["summary"]["pass"] + report["summary"]["fail"] + report["summary"]["skip"] == 33

    def test_info_failures_degrade(self, base, monkeypatch):
        catalogue = [dict(c, severity="info") if c["id"] == "leftover-bans" else c for c in CHECKS]
        monkeypatch.setattr(health, "CHECKS", catalogue)
        report = run(base, config=lab_config("cib.lab-ban.xml"))
        assert report["summary"]["info"] == 1 and report["summary"]["warning"] == 0
        assert report["verdict"] == "degraded"

    def test_skipped_critical_does_not_count(self, base):
        report = run(base, status=no_quorum_status(), skip=dict.fromkeys(
            ["quorum", "nodes-online", "stonith", "links-connected"], "known outage"))
        assert report["summary"]["critical"] == 0
        assert report["verdict"] == "degraded"

    def test_pacemaker_down(self, base):
        report = run(base, status=pacemaker_down_status(), config=None)
        assert_fail(report, "nodes-online", "Pacemaker is not running on lab-node1")
        assert "pcs cluster start lab-node1" in check(report, "nodes-online")["remedy"]
        for cid in ("nodes-standby", "nodes-maintenance", "failed-actions", "fail-counts", "unmanaged-blocked",
                    "resources-placed", "maintenance-mode", "leftover-bans", "stonith", "fencing-history"):
            assert_skip(report, cid, "Pacemaker is not running on lab-node1")
        assert_skip(report, "pacemaker3-ready", "the CIB could not be read")
        assert_pass(report, "quorum")
        assert report["verdict"] == "critical"


# --------------------------------------------------------------------------------------------- skip


class TestSkip:
    def test_skip_records_reason(self, base):
        report = run(base, config=lab_config("cib.lab-ban.xml"), skip={"leftover-bans": "maintenance window CHG-42"})
        c = assert_skip(report, "leftover-bans", "maintenance window CHG-42")
        assert c["message"] == "maintenance window CHG-42" and c["remedy"] == "" and c["objects"] == []
        assert report["summary"]["skip"] == 1 and report["summary"]["fail"] == 0
        assert report["verdict"] == "healthy"

    def test_skip_without_reason(self, base):
        assert check(run(base, skip={"quorum": ""}), "quorum")["message"] == "skipped"

    def test_unknown_id(self, base):
        with pytest.raises(ValueError) as e:
            run(base, skip={"no-such-check": "x", "quorum": "y"})
        text = str(e.value)
        assert "no-such-check" in text
        assert "quorum" in text.split("known:")[1]
        assert all(cid in text for cid in IDS)

    def test_unknown_ids_named(self, base):
        with pytest.raises(ValueError, match="unknown check ids bogus, zzz"):
            run(base, skip={"zzz": "x", "bogus": "y"})

    def test_skip_named_by_the_caller_with_a_suggestion(self):
        with pytest.raises(ValidationError, match=r"^health_skip: unknown check id quorom; did you mean quorum\?"):
            check_skip({"quorom": "x"}, "health_skip")

    @pytest.mark.parametrize("value", [["quorum"], "quorum", 3])
    def test_skip_not_a_mapping(self, value):
        with pytest.raises(ValidationError, match=r"^rolling_update_health_skip: .* is not a mapping of check id to reason"):
            check_skip(value, "rolling_update_health_skip")

    def test_skip_none_and_empty_reason(self):
        assert check_skip(None) == {} and check_skip({"quorum": None}) == {"quorum": ""}


# --------------------------------------------------------------------------------------------- one class per check


class TestQuorum:
    def test_pass(self, base):
        assert "3 of 3 expected votes" in assert_pass(run(base), "quorum")["message"]

    def test_fail_not_quorate(self, base):
        c = assert_fail(run(base, status=no_quorum_status()), "quorum", "lab-node1", "lab-node2", "lab-node3")
        assert "1 of 3 expected votes, 2 needed" in c["message"]
        assert c["objects"] == ["lab-node2", "lab-node3"]
        assert c["remedy"].splitlines()[0] == "pcs cluster start lab-node2 lab-node3"

    def test_fail_pacemaker_without_quorum(self, base):
        status = base[0]
        status["cluster"]["with_quorum"] = False
        assert_fail(run(base), "quorum")

    def test_fail_corosync_down(self, base):
        c = assert_fail(run(base, status=corosync_down_status(), config=None), "quorum", "corosync is not running")
        assert c["remedy"].splitlines()[0] == "pcs cluster start"
        assert c["objects"] == []


class TestNodesOnline:
    def test_pass(self, base):
        c = assert_pass(run(base), "nodes-online")
        assert c["objects"] == ["lab-node1", "lab-node2", "lab-node3"]

    def test_fail_offline(self, base):
        base[2]["lab-node3"].update(token_ms=None, transport=None, crypto_cipher=None, crypto_hash=None)  # corosync down
        c = assert_fail(run(base, status=degraded_status()), "nodes-online", "lab-node3 offline")
        assert c["objects"] == ["lab-node3"]
        assert "pcs cluster start lab-node3" in c["remedy"]
        assert "not a member" not in c["remedy"]

    def test_offline_while_corosync_runs_there_is_not_started_again(self, base):
        # The facts of lab-node3 come from a running corosync (cmap answered), but it is not a member.
        c = assert_fail(run(base, status=degraded_status()), "nodes-online", "lab-node3 offline")
        assert c["remedy"].splitlines() == [
            "# corosync runs on lab-node3 but it is not a member: see authkeys-identical, corosync-conf-identical and "
            "links-connected",
            "corosync-cfgtool -s  # on lab-node3"]
        assert c["objects"] == ["lab-node3"]

    def test_offline_with_unknown_facts_is_started(self, base):
        base[2]["lab-node3"] = {"reachable": False}
        c = assert_fail(run(base, status=degraded_status()), "nodes-online", "lab-node3 offline")
        assert c["remedy"].splitlines()[0] == "pcs cluster start lab-node3"
        c = assert_fail(run(base, status=degraded_status(), nodes={}), "nodes-online", "lab-node3 offline")
        assert c["remedy"].splitlines()[0] == "pcs cluster start lab-node3"

    def test_offline_but_a_corosync_member_only_needs_pacemaker(self, base):
        # corosync runs on lab-node3 and it is a member: only Pacemaker is down there, pcs cluster start starts it.
        status = degraded_status()
        status["quorum"]["members"].append({"nodeid": 3, "votes": 1, "name": "lab-node3", "local": False})
        c = assert_fail(run(base, status=status), "nodes-online", "lab-node3 offline")
        assert c["remedy"].splitlines() == ["pcs cluster start lab-node3"]

    def test_offline_nodes_split_by_what_runs_there(self, base):
        status = base[0]
        node(status, "lab-node2")["online"] = False
        node(status, "lab-node3")["online"] = False
        status["quorum"]["members"] = [m for m in status["quorum"]["members"] if m["name"] == "lab-node1"]
        base[2]["lab-node2"].update(token_ms=None, transport=None)
        c = assert_fail(run(base), "nodes-online", "lab-node2 offline", "lab-node3 offline")
        lines = c["remedy"].splitlines()
        assert lines[0] == "pcs cluster start lab-node2"
        assert "# corosync runs on lab-node3 but it is not a member" in lines[1]
        assert lines[2] == "corosync-cfgtool -s  # on lab-node3"

    def test_fail_unclean_and_pending(self, base):
        status = base[0]
        node(status, "lab-node2").update(online=False, unclean=True)
        node(status, "lab-node3")["pending"] = True
        c = assert_fail(run(base), "nodes-online", "lab-node2 offline/unclean", "lab-node3 pending")
        assert "pcs stonith fence lab-node2" in c["remedy"]
        assert c["objects"] == ["lab-node2", "lab-node3"]

    def test_expected_nodes(self, base):
        report = run(base, expected={"token_ms": 3650, "nodes": ["lab-node1", "lab-node9"]})
        c = assert_fail(report, "nodes-online", "lab-node9 unknown to the cluster")
        assert c["objects"] == ["lab-node9"] and "pcs cluster node add lab-node9" in c["remedy"]
        report = run(base, status=degraded_status(), expected={"nodes": ["lab-node1", "lab-node2"]})
        assert_pass(report, "nodes-online")


class TestNodesStandby:
    def test_pass(self, base):
        assert_pass(run(base), "nodes-standby")

    def test_fail(self, base):
        c = assert_fail(run(base, status=degraded_status()), "nodes-standby", "lab-node2 in standby")
        assert c["objects"] == ["lab-node2"]
        assert c["remedy"].startswith("pcs node unstandby lab-node2")

    def test_fail_standby_onfail(self, base):
        node(base[0], "lab-node3")["standby_onfail"] = True
        c = assert_fail(run(base), "nodes-standby", "lab-node3", "on-fail=standby")
        assert "crm_resource --cleanup -N lab-node3" in c["remedy"]


class TestNodesMaintenance:
    def test_pass(self, base):
        assert_pass(run(base), "nodes-maintenance")

    def test_fail(self, base):
        node(base[0], "lab-node1")["maintenance"] = True
        c = assert_fail(run(base), "nodes-maintenance", "lab-node1 in maintenance")
        assert c["objects"] == ["lab-node1"] and c["remedy"].startswith("pcs node unmaintenance lab-node1")


class TestMaintenanceMode:
    def test_pass(self, base):
        assert_pass(run(base), "maintenance-mode")

    def test_fail_from_config(self, base):
        base[1]["properties"]["maintenance-mode"] = "true"
        c = assert_fail(run(base), "maintenance-mode", "maintenance-mode=true (cluster property)")
        assert "pcs property set maintenance-mode=false" in c["remedy"]

    def test_fail_from_status(self, base):
        base[0]["cluster"]["maintenance_mode"] = True
        assert_fail(run(base, config=None), "maintenance-mode", "crm_mon")


class TestFailedActions:
    def test_pass(self, base):
        assert_pass(run(base), "failed-actions")

    def test_fail(self, base):
        c = assert_fail(run(base, status=lab_status("crm_mon.lab-failcount.xml")), "failed-actions",
                        "site-nginx asyncmon on lab-node1", "Simulated failure")
        assert c["objects"] == ["site-nginx"]
        assert c["remedy"] == "crm_resource --cleanup -r site-nginx -N lab-node1"


class TestFailCountCheck:
    def test_pass(self, base):
        assert_pass(run(base), "fail-counts")

    def test_fail(self, base):
        c = assert_fail(run(base, status=lab_status("crm_mon.lab-failcount.xml")), "fail-counts",
                        "site-nginx on lab-node1: fail count 1 (migration-threshold 3)")
        assert c["objects"] == ["site-nginx"]
        assert c["remedy"] == "crm_resource --cleanup -r site-nginx -N lab-node1"

    def test_fail_threshold_reached(self, base):
        base[0]["fail_counts"] = [{"resource": "bad", "instance": "bad", "node": "lab-node3", "fail_count": 1000000,
                                   "migration_threshold": 1000000, "last_failure": None}]
        assert_fail(run(base), "fail-counts", "fail count INFINITY (migration-threshold INFINITY), banned from lab-node3")

    def test_status_without_fail_counts(self, base):
        del base[0]["fail_counts"]
        assert_skip(run(base), "fail-counts", "no fail counts")


class TestLeftoverBans:
    def test_pass(self, base):
        assert_pass(run(base), "leftover-bans")

    def test_fail_ban_from_config(self, base):
        c = assert_fail(run(base, config=lab_config("cib.lab-ban.xml")), "leftover-bans",
                        "cli-ban-site-vip-on-lab-node2 bans site-vip from lab-node2")
        assert c["objects"] == ["site-vip"]
        assert c["remedy"].startswith("crm_resource --clear -r site-vip")

    def test_fail_prefer(self, base):
        base[1]["locations"].append({"id": "cli-prefer-site-vip", "resource": "site-vip", "node": "lab-node3",
                                     "score": "INFINITY", "role": "Started"})
        c = assert_fail(run(base), "leftover-bans", "cli-prefer-site-vip pins site-vip to lab-node3")
        assert c["objects"] == ["site-vip"]

    def test_ordinary_location_is_fine(self, base):
        base[1]["locations"].append({"id": "location-site-vip-lab-node1-50", "resource": "site-vip", "node": "lab-node1",
                                     "score": "50"})
        assert_pass(run(base), "leftover-bans")

    def test_from_status_when_no_config(self, base):
        assert_fail(run(base, status=lab_status("crm_mon.lab-failcount.xml"), config=None), "leftover-bans",
                    "cli-ban-site-vip-on-lab-node2")


class TestStonith:
    def test_pass(self, base):
        c = assert_pass(run(base), "stonith")
        assert "fence-docker" in c["message"] and c["objects"] == ["fence-docker"]

    def test_fail_disabled(self, base):
        base[1]["properties"]["stonith-enabled"] = "false"
        c = assert_fail(run(base), "stonith", "stonith-enabled=false")
        assert "pcs property set stonith-enabled=true" in c["remedy"]

    def test_missing_property_means_enabled(self, base):
        del base[1]["properties"]["stonith-enabled"]
        assert_pass(run(base), "stonith")

    def test_fail_no_device(self, base):
        base[1]["primitives"] = [p for p in base[1]["primitives"] if not p["agent"].startswith("stonith:")]
        c = assert_fail(run(base), "stonith", "no fence device")
        assert "pcs stonith create" in c["remedy"]

    def test_fail_test_cluster(self, base):
        c = assert_fail(run(base, status=no_quorum_status(), config=export(parse(sfix("cib.3nodes.xml")))), "stonith",
                        "no fence device", "stonith-enabled=false")
        assert c["objects"] == ["stonith-enabled"]

    def test_from_status_when_no_config(self, base):
        assert_pass(run(base, config=None), "stonith")
        base[0]["cluster"]["stonith_enabled"] = False
        assert_fail(run(base, config=None), "stonith", "stonith-enabled=false")


class TestFencingHistory:
    """Issue 17: a node confirmed fenced by hand (stonith_admin --confirm) while it ran put a VIP on two nodes,
    and health said healthy. Manual confirmations are critical; failed, pending and recent fencing warnings."""

    def test_pass_without_fencing(self, base):
        c = assert_pass(run(base), "fencing-history")
        assert c["message"] == "no fencing in the history" and c["objects"] == []

    def test_manual_confirmation_is_critical(self, base):
        report = run(base, status=lab_status("crm_mon.lab-fence-confirmed.xml"), now=CONFIRMED_AT + 2 * 3600)
        c = assert_fail(report, "fencing-history", "lab-node3 was confirmed fenced by hand (stonith_admin --confirm)",
                        "at 2026-12-04T14:00:08.000+00:00 (2.0 h ago)", "from lab-node1 (client stonith_admin.8396)")
        assert c["severity"] == "critical" and c["objects"] == ["lab-node3"]
        remedy = c["remedy"].splitlines()
        assert remedy[0].startswith("# lab-node3: verify it is really off")
        assert "stop its resources by hand" in remedy[1] and "restart it" in remedy[1]
        assert "stonith_admin --history '*' --verbose  # every fencing the fencers remember: who asked, who did it, when" in remedy
        assert remedy[-1].startswith("stonith_admin --history lab-node3 --cleanup  # once dealt with")
        # Every other check passes: before this check, this cluster was "healthy".
        assert [x["id"] for x in report["checks"] if x["status"] != "pass"] == ["fencing-history"]
        assert report["verdict"] == "critical"
        assert report["summary"] == {"pass": 32, "fail": 1, "skip": 0, "critical": 1, "warning": 0, "info": 0}

    def test_manual_confirmation_stays_critical_until_cleaned_up(self, base):
        c = check(run(base, status=lab_status("crm_mon.lab-fence-confirmed.xml"), now=CONFIRMED_AT + 30 * 86400),
                  "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "critical")
        assert "(30 days ago)" in c["message"]

    def test_manual_confirmation_outweighs_the_warnings(self, base):
        status = lab_status("crm_mon.lab-fence-confirmed.xml")
        status["fence_history"] += lab_status("crm_mon.lab-fence-failed.xml")["fence_history"]
        c = check(run(base, status=status, now=CONFIRMED_AT + 60), "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "critical")
        assert c["objects"] == ["lab-node3", "lab-node2"]
        assert "fencing (reboot) of lab-node2 failed" in c["message"] and "(1 min ago)" in c["message"]
        assert "pcs stonith status  # the fence device(s) of lab-node2" in c["remedy"]

    def test_failed_fencing_is_a_warning(self, base):
        report = run(base, status=lab_status("crm_mon.lab-fence-failed.xml"))
        c = check(report, "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "warning")
        assert c["message"] == "fencing (reboot) of lab-node2 failed at 2026-11-24T22:40:12.000+00:00 (5 min ago), asked by lab-node3"
        assert c["objects"] == ["lab-node2"]
        assert "pcs stonith fence lab-node2" in c["remedy"]
        assert "stonith_admin --history lab-node2 --cleanup" in c["remedy"]
        assert report["verdict"] == "degraded" and report["summary"]["warning"] == 1 and report["summary"]["critical"] == 0

    def test_failed_fencing_stays_a_warning_however_old(self, base):
        c = check(run(base, status=lab_status("crm_mon.lab-fence-failed.xml"), now=FAILED_AT + 10 * 86400), "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "warning")

    def test_failed_then_fenced_names_the_later_success(self, base):
        status = lab_status("crm_mon.lab-fence-failed.xml")
        done = dict(status["fence_history"][0], status="success", completed=FAILED_AT + 20)
        status["fence_history"].insert(0, done)
        status["fence_history"][1]["exit_reason"] = "Fencing did not complete"
        c = check(run(base, status=status, now=FAILED_AT + 3 * 86400 + 3600), "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "warning")
        assert c["message"] == ("fencing (reboot) of lab-node2 failed at 2026-11-24T22:40:12.000+00:00 (3 days ago), asked by "
                                "lab-node3 (Fencing did not complete); fenced later at 2026-11-24T22:40:32.000+00:00 (3 days ago)")

    def test_recent_fencing_is_a_warning(self, base):
        c = check(run(base, status=lab_status("crm_mon.lab-fenced.xml")), "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "warning")
        assert c["message"] == ("lab-node1 was fenced (reboot) by lab-node2 at 2026-11-24T22:31:40.000+00:00 (14 min ago), "
                                "asked by lab-node3")
        assert c["objects"] == ["lab-node1"]
        assert "journalctl -u pacemaker --since '-24h' | grep -i fenc  # on lab-node3: why it asked to fence lab-node1" in c["remedy"]

    def test_fencing_older_than_the_window_passes_and_counts(self, base):
        status = lab_status("crm_mon.lab-fenced.xml")
        c = check(run(base, status=status, now=FENCED_AT + health_fencing.RECENT_FENCING_S - 1), "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "warning")
        assert "(24.0 h ago)" in c["message"]
        c = assert_pass(run(base, status=status, now=FENCED_AT + health_fencing.RECENT_FENCING_S), "fencing-history")
        assert c["message"] == "1 fencing action(s) in the history, none confirmed by hand, none failed, none in the last 24 h"

    def test_a_time_ahead_of_the_clock_counts_as_recent(self, base):
        c = check(run(base, status=lab_status("crm_mon.lab-fenced.xml"), now=FENCED_AT - 600), "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "warning")
        assert "(in the future of this node's clock)" in c["message"]

    def test_pending_fencing_is_a_warning(self, base):
        # crm_mon during the hang drill: one pending reboot and two older successes.
        status = build_status(crm_mon=parse_crm_mon(fixture_text("drill", "crm_mon.hang.xml")))
        c = check(run(base, status=status, now=calendar.timegm((2026, 11, 27, 0, 0, 0, 0, 0, 0))), "fencing-history")
        assert (c["status"], c["severity"]) == ("fail", "warning")
        assert c["message"] == "fencing (reboot) of fx-node2 pending, asked by fx-node3"
        assert c["objects"] == ["fx-node2"]
        assert "crm_mon -1 --fence-history=3  # the fencing of fx-node2 is under way" in c["remedy"]
        assert "--cleanup" not in c["remedy"]

    def test_unread_history_skips(self, base):
        base[0]["fence_history"] = None
        assert_skip(run(base), "fencing-history", "crm_mon could not read the fencing history from the fencer on lab-node1")
        del base[0]["fence_history"]
        assert_skip(run(base), "fencing-history", "the status model has no fencing history")

    def test_now_defaults_to_the_clock(self, base, monkeypatch):
        monkeypatch.setattr(health_base.time, "time", lambda: FENCED_AT + 60.0)
        status = lab_status("crm_mon.lab-fenced.xml")
        report = run_checks(status, base[1], base[2], base[3], cib_root=lab_root())
        assert "(1 min ago)" in check(report, "fencing-history")["message"]

    def test_markdown_shows_the_severity_of_the_finding(self, base):
        md = render_markdown(run(base, status=lab_status("crm_mon.lab-fence-failed.xml")))
        assert "| fencing-history | warning | **FAIL** | fencing (reboot) of lab-node2 failed" in md
        assert "### fencing-history (warning): No node confirmed fenced by hand, no failed or recent fencing" in md
        md = render_markdown(run(base, status=lab_status("crm_mon.lab-fence-confirmed.xml"), now=CONFIRMED_AT))
        assert "### fencing-history (critical): " in md and "Why it matters: stonith_admin --confirm" in md

    def test_a_rolling_update_gate_stops_on_a_confirmation_only(self, base):
        confirmed = lab_status("crm_mon.lab-fence-confirmed.xml")
        reasons = gate(confirmed, run(base, status=confirmed, now=CONFIRMED_AT))
        assert [r for r in reasons if r.startswith("fencing-history failed: lab-node3 was confirmed fenced by hand")]
        fenced = lab_status("crm_mon.lab-fenced.xml")
        assert gate(fenced, run(base, status=fenced)) == []


class TestCorosyncConf:
    def test_pass(self, base):
        assert "sha256 5a9ec47f4e97" in assert_pass(run(base), "corosync-conf-identical")["message"]

    def test_fail(self, base):
        base[2]["lab-node3"]["corosync_conf_sha256"] = OTHER_SHA
        c = assert_fail(run(base), "corosync-conf-identical",
                        "sha256 5a9ec47f4e97 on lab-node1, lab-node2; sha256 0123456789ab on lab-node3")
        assert c["objects"] == ["lab-node3"]
        assert "pcs cluster sync" in c["remedy"]

    def test_unknown_nodes_listed_not_failing(self, base):
        base[2]["lab-node2"]["corosync_conf_sha256"] = None
        base[2]["lab-node3"] = {"reachable": False}
        c = assert_pass(run(base), "corosync-conf-identical")
        assert "unknown on lab-node2, lab-node3" in c["message"]
        base[2]["lab-node1"]["corosync_conf_sha256"] = OTHER_SHA
        base[2]["lab-node2"]["corosync_conf_sha256"] = SHA
        c = assert_fail(run(base), "corosync-conf-identical", "unknown on lab-node3")
        assert c["objects"] == ["lab-node1", "lab-node2"]

    def test_no_facts(self, base):
        assert_skip(run(base, nodes={}), "corosync-conf-identical", "no node reported")


class TestVersions:
    def test_pass(self, base):
        assert_pass(run(base), "versions-identical")

    def test_fail_pacemaker(self, base):
        base[2]["lab-node1"]["pacemaker_version"] = "2.1.6"
        c = assert_fail(run(base), "versions-identical", "Pacemaker 2.1.5 on lab-node2, lab-node3; 2.1.6 on lab-node1")
        assert c["objects"] == ["lab-node2", "lab-node3"]
        assert "pcs node standby lab-node2" in c["remedy"]

    def test_fail_corosync(self, base):
        base[2]["lab-node2"]["corosync_version"] = "3.1.10"
        base[2]["lab-node3"]["corosync_version"] = "3.1.10"
        c = assert_fail(run(base), "versions-identical", "Corosync 3.1.10 on lab-node2, lab-node3; 3.1.7 on lab-node1")
        assert c["objects"] == ["lab-node1"]

    def test_fail_mixed_version_from_crm_mon(self, base):
        base[0]["cluster"]["mixed_version"] = True
        c = assert_fail(run(base), "versions-identical", "mixed Pacemaker versions")
        assert "pacemakerd --version" in c["remedy"]


class TestKnetCrypto:
    def test_pass(self, base):
        assert_pass(run(base), "knet-crypto")

    def test_fail_none(self, base):
        base[2]["lab-node2"]["crypto_cipher"] = "none"
        base[2]["lab-node3"]["crypto_hash"] = None
        c = assert_fail(run(base), "knet-crypto", "lab-node2: knet with crypto_cipher none",
                        "lab-node3: knet with crypto_hash unset")
        assert c["objects"] == ["lab-node2", "lab-node3"]
        assert "pcs cluster config update crypto cipher=aes256 hash=sha256" in c["remedy"]

    def test_not_knet(self, base):
        for f in base[2].values():
            f.update(transport="udpu", crypto_cipher=None, crypto_hash=None)
        assert "does not apply" in assert_pass(run(base), "knet-crypto")["message"]


class TestLinks:
    def test_pass(self, base):
        assert_pass(run(base), "links-connected")

    def test_fail(self, base):
        status = degraded_status()
        # The link is down while Pacemaker still sees the node online (a flapping or second link).
        for n in status["nodes"]:
            n["online"] = True
        status["nodes_offline"] = []
        c = assert_fail(run(base, status=status), "links-connected", "link 0 to lab-node3 disconnected")
        assert c["objects"] == ["lab-node3"]
        assert "corosync-cfgtool -s" in c["remedy"]

    def test_link_to_an_offline_node_is_left_to_nodes_online(self, base):
        report = run(base, status=degraded_status())
        assert_pass(report, "links-connected")
        assert check(report, "nodes-online")["status"] == "fail"

    def test_unknown_link_status(self, base):
        base[0]["links"] = []
        assert_skip(run(base), "links-connected", "unknown")


class TestAuthkeys:
    def test_pass(self, base):
        assert_pass(run(base), "authkey-modes")

    def test_fail_corosync(self, base):
        base[2]["lab-node2"]["authkey_mode"] = "0644"
        c = assert_fail(run(base), "authkey-modes", "lab-node2: /etc/corosync/authkey is 0644")
        assert c["objects"] == ["lab-node2"]
        assert "chmod 0400 /etc/corosync/authkey" in c["remedy"]

    def test_corosync_0440_fails(self, base):
        base[2]["lab-node1"]["authkey_mode"] = "0440"
        assert_fail(run(base), "authkey-modes", "lab-node1")

    def test_pacemaker_0440_allowed(self, base):
        base[2]["lab-node1"]["pcmk_authkey_mode"] = "0440"
        assert_pass(run(base), "authkey-modes")

    def test_fail_pacemaker(self, base):
        base[2]["lab-node3"]["pcmk_authkey_mode"] = "0644"
        c = assert_fail(run(base), "authkey-modes", "lab-node3: /etc/pacemaker/authkey is 0644")
        assert "chown hacluster:haclient /etc/pacemaker/authkey" in c["remedy"]

    def test_unknown_modes_do_not_fail(self, base):
        base[2]["lab-node3"]["authkey_mode"] = None
        base[2]["lab-node3"]["pcmk_authkey_mode"] = None
        assert "unknown on lab-node3" in assert_pass(run(base), "authkey-modes")["message"]


ODD_KEY = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"


def assert_no_digest(c, nodes):
    """No authkey digest (nor a prefix of one) in the message or the remedy."""
    digests = set()
    for f in nodes.values():
        digests.update(v for k, v in f.items() if k in ("authkey_sha256", "pcmk_authkey_sha256") and v)
    assert digests
    for d in digests:
        for text in (c["message"], c["remedy"]):
            assert d[:8] not in text, (d, text)


class TestAuthkeysIdentical:
    def test_pass_names_how_many_nodes(self, base):
        c = assert_pass(run(base), "authkeys-identical")
        assert c["message"] == "the corosync and Pacemaker authkeys are the same on 3 nodes: lab-node1, lab-node2, lab-node3"
        assert_no_digest(c, base[2])

    def test_one_odd_node_against_the_majority(self, base):
        base[2]["lab-node3"]["authkey_sha256"] = ODD_KEY
        c = assert_fail(run(base), "authkeys-identical")
        assert c["message"] == "lab-node3's corosync authkey differs from the one lab-node1, lab-node2 hold"
        assert c["objects"] == ["lab-node3"]
        lines = c["remedy"].splitlines()
        assert lines[:6] == [
            "# lab-node3: stop its cluster stack, copy the cluster's key from lab-node1, start it again",
            "systemctl stop pacemaker corosync  # on lab-node3",
            "scp lab-node1:/etc/corosync/authkey /etc/corosync/authkey  # on lab-node3",
            "chown root:root /etc/corosync/authkey && chmod 0400 /etc/corosync/authkey  # on lab-node3",
            "systemctl start corosync pacemaker  # on lab-node3",
            "# or rerun playbooks/site.yml: it keeps the key most members hold (in a tie, the quorate members'; it stops "
            "when nothing breaks the tie) and copies it to lab-node3, restarting corosync where it ran with another key"]
        assert len(lines) == 6 and "/etc/pacemaker/authkey" not in c["remedy"]
        assert_no_digest(c, base[2])

    def test_pacemaker_key_only(self, base):
        base[2]["lab-node2"]["pcmk_authkey_sha256"] = ODD_KEY
        report = run(base)
        c = assert_fail(report, "authkeys-identical")
        assert c["message"] == "lab-node2's Pacemaker authkey differs from the one lab-node1, lab-node3 hold"
        assert c["objects"] == ["lab-node2"]
        assert "scp lab-node1:/etc/pacemaker/authkey /etc/pacemaker/authkey  # on lab-node2" in c["remedy"]
        assert "chown hacluster:haclient /etc/pacemaker/authkey && chmod 0400 /etc/pacemaker/authkey  # on lab-node2" in c["remedy"]
        assert "/etc/corosync/authkey" not in c["remedy"]
        assert_no_digest(c, base[2])
        assert [x["id"] for x in report["checks"] if x["status"] != "pass"] == ["authkeys-identical"]

    def test_both_keys_of_one_node_in_one_stop(self, base):
        base[2]["lab-node1"].update(authkey_sha256=ODD_KEY, pcmk_authkey_sha256=OTHER_SHA)
        c = assert_fail(run(base), "authkeys-identical")
        assert c["message"] == ("lab-node1's corosync authkey differs from the one lab-node2, lab-node3 hold; "
                                "lab-node1's Pacemaker authkey differs from the one lab-node2, lab-node3 hold")
        assert c["objects"] == ["lab-node1"]
        assert c["remedy"].count("systemctl stop pacemaker corosync") == 1
        assert "copy the cluster's keys from lab-node2" in c["remedy"]
        assert_no_digest(c, base[2])

    def test_several_odd_nodes(self, base):
        base[2]["lab-node4"] = dict(base[2]["lab-node1"], authkey_sha256=ODD_KEY)
        base[2]["lab-node5"] = dict(base[2]["lab-node1"], authkey_sha256=OTHER_SHA)
        c = assert_fail(run(base), "authkeys-identical")
        assert c["message"] == "the corosync authkeys of lab-node4, lab-node5 differ from the one lab-node1, lab-node2, lab-node3 hold"
        assert c["objects"] == ["lab-node4", "lab-node5"]
        assert "scp lab-node1:/etc/corosync/authkey /etc/corosync/authkey  # on lab-node5" in c["remedy"]

    def test_a_tie_names_each_group(self, base):
        base[2]["lab-node3"] = {"reachable": False}
        base[2]["lab-node2"]["authkey_sha256"] = ODD_KEY
        c = assert_fail(run(base), "authkeys-identical")
        assert c["message"] == ("the corosync authkey differs and no key is held by a majority: key 1 on lab-node1; "
                                "key 2 on lab-node2 (unknown on lab-node3)")
        # Both are members of the quorate partition: nothing tells which key to keep.
        assert c["objects"] == ["lab-node1", "lab-node2"]
        assert "scp <node with the kept key>:/etc/corosync/authkey /etc/corosync/authkey" in c["remedy"]
        assert "corosync-quorumtool -l" in c["remedy"]
        assert_no_digest(c, base[2])

    def test_a_tie_keeps_the_key_of_the_quorate_members(self, base):
        # A two-node cluster: lab-node2 came back with another key and is not a member of lab-node1's partition.
        base[0]["quorum"]["members"] = [m for m in base[0]["quorum"]["members"] if m["name"] == "lab-node1"]
        base[2]["lab-node3"] = {"reachable": False}
        base[2]["lab-node2"]["authkey_sha256"] = ODD_KEY
        c = assert_fail(run(base), "authkeys-identical", "no key is held by a majority: key 1 on lab-node1; key 2 on lab-node2")
        assert c["objects"] == ["lab-node2"]
        lines = c["remedy"].splitlines()
        assert lines[0] == "# no corosync authkey is held by a majority: keep the one of lab-node1, members of the quorate partition"
        assert "scp lab-node1:/etc/corosync/authkey /etc/corosync/authkey  # on lab-node2" in lines
        assert "<node with the kept key>" not in c["remedy"]
        base[0]["quorum"]["quorate"] = False
        assert check(run(base), "authkeys-identical")["objects"] == ["lab-node1", "lab-node2"]

    def test_unknown_nodes_are_named(self, base):
        base[2]["lab-node2"]["authkey_sha256"] = None
        base[2]["lab-node3"] = {"reachable": False}
        c = assert_pass(run(base), "authkeys-identical")
        assert c["message"] == ("corosync authkey the same on 1 node: lab-node1 (unknown on lab-node2, lab-node3); "
                                "Pacemaker authkey the same on 2 nodes: lab-node1, lab-node2 (unknown on lab-node3)")
        base[2]["lab-node4"] = dict(base[2]["lab-node1"])
        base[2]["lab-node2"]["authkey_sha256"] = ODD_KEY
        base[2]["lab-node5"] = {"reachable": True}
        c = assert_fail(run(base), "authkeys-identical")
        assert c["message"] == "lab-node2's corosync authkey differs from the one lab-node1, lab-node4 hold (unknown on lab-node3, lab-node5)"
        assert c["objects"] == ["lab-node2"]

    def test_only_one_key_known(self, base):
        for f in base[2].values():
            f["pcmk_authkey_sha256"] = None
        c = assert_pass(run(base), "authkeys-identical")
        assert c["message"] == ("corosync authkey the same on 3 nodes: lab-node1, lab-node2, lab-node3; "
                                "Pacemaker authkey unknown on every node")

    def test_no_facts(self, base):
        assert_skip(run(base, nodes={}), "authkeys-identical", "no node reported the digests of its authkeys")
        for f in base[2].values():  # facts of a module from before the digests
            del f["authkey_sha256"], f["pcmk_authkey_sha256"]
        assert_skip(run(base), "authkeys-identical", "no node reported")

    def test_a_wrong_key_fails_nodes_online_and_names_the_cause(self, base):
        # lab-node3 restarted with another corosync key: corosync runs there (cmap answers) but it never joins.
        base[2]["lab-node3"]["authkey_sha256"] = ODD_KEY
        report = run(base, status=degraded_status())
        online = assert_fail(report, "nodes-online", "lab-node3 offline")
        assert "see authkeys-identical" in online["remedy"] and "pcs cluster start" not in online["remedy"]
        assert_fail(report, "authkeys-identical", "lab-node3's corosync authkey differs")
        assert_pass(report, "links-connected")
        assert_pass(report, "authkey-modes")

    def test_the_facts_shape_takes_the_digests(self):
        assert health.node_facts_errors({"n1": {"authkey_sha256": SHA, "pcmk_authkey_sha256": None}}) == []
        assert health.node_facts_errors({"n1": {"authkey_sha256": 3}}) == [
            "node_facts.n1.authkey_sha256: must be a string or null, got int 3"]


def refused(address, count, first, last, reason="undecryptable"):
    return {"address": address, "reason": reason, "count": count, "first": first, "last": last}


class TestRefusedPackets:
    """From fixtures/node/journal-corosync-refused.bookworm.txt: lab-node3 restarted with another key, and five
    random datagrams from the Docker host (172.31.250.1)."""

    def test_pass(self, base):
        c = assert_pass(run(base), "refused-packets")
        assert c["message"] == "no packets refused by corosync on lab-node1, lab-node2, lab-node3 in the last 1 h"

    def test_a_member_with_another_key_is_one_finding_named_by_its_node(self, base):
        base[2]["lab-node1"]["refused_packets"] = [refused("172.31.250.13", 88, 1796407305.952763, 1796407393.95562)]
        base[2]["lab-node2"]["refused_packets"] = [refused("172.31.250.13", 88, 1796407306.1, 1796407393.9)]
        # lab-node3 refuses theirs too: the same fault seen from its side, not a second finding.
        base[2]["lab-node3"]["refused_packets"] = [
            refused("172.31.250.11", 87, 1796407306.3, 1796407393.3), refused("172.31.250.12", 87, 1796407306.6, 1796407393.6)]
        c = assert_fail(run(base), "refused-packets")
        assert c["message"] == (
            "in the last 1 h: 172.31.250.13 (lab-node3): 176 packets lab-node1, lab-node2 could not decrypt (and lab-node3 "
            "could not decrypt theirs), first 2026-12-04T18:01:45.952+00:00, last 2026-12-04T18:03:13.955+00:00")
        assert c["objects"] == ["lab-node3"]
        assert "sha256sum /etc/corosync/authkey  # on every node: lab-node3's should be the odd one out" in c["remedy"]
        assert "journalctl -u corosync --since -3600s --grep '172\\.31\\.250\\.13'  # on lab-node1" in c["remedy"]

    def test_an_outsider_is_named_by_its_address(self, base):
        base[2]["lab-node1"]["refused_packets"] = [refused("172.31.250.1", 5, 1796407324.17258, 1796407324.172825)]
        base[2]["lab-node2"]["refused_packets"] = [refused("10.1.2.3", 1, 1796407330.0, 1796407330.0, "rejected")]
        c = assert_fail(run(base), "refused-packets", "172.31.250.1 (not in the nodelist): 5 packets lab-node1 could not decrypt",
                        "10.1.2.3 (not in the nodelist): 1 packet lab-node2 rejected")
        assert c["objects"] == ["172.31.250.1", "10.1.2.3"]
        assert "ip neigh show 172.31.250.1  # on lab-node1" in c["remedy"]
        assert "let only the nodes (172.31.250.11, 172.31.250.12, 172.31.250.13) reach corosync's ports" in c["remedy"]

    def test_counts_are_lower_bounds_when_the_journal_had_more(self, base):
        base[2]["lab-node1"]["refused_packets"] = [refused("unknown", 20000, None, None)]
        base[2]["lab-node1"]["refused_packets_truncated"] = True
        for f in base[2].values():
            f["refused_packets_window_s"] = 600
        c = assert_fail(run(base), "refused-packets")
        assert c["message"] == "in the last 10 min: an unknown source: at least 20000 packets lab-node1 could not decrypt"
        assert c["objects"] == []

    def test_unknown_where_the_journal_could_not_be_read(self, base):
        base[2]["lab-node2"]["refused_packets"] = None
        c = assert_pass(run(base), "refused-packets")
        assert c["message"].endswith("in the last 1 h (unknown on lab-node2)")
        for f in base[2].values():
            f["refused_packets"] = None
        assert_skip(run(base), "refused-packets", "no node could read corosync's journal")
        assert_skip(run(base, nodes={}), "refused-packets", "no node could read")

    def test_the_facts_shape_takes_them(self):
        assert health.node_facts_errors({"n1": {"refused_packets": [refused("10.0.0.3", 2, 1.5, 2.5)],
                                                "nodelist_addresses": {"10.0.0.3": "n3"}}}) == []
        assert health.node_facts_errors({"n1": {"refused_packets": [{"address": "10.0.0.3"}]}}) == [
            "node_facts.n1.refused_packets[0]: the key reason is missing",
            "node_facts.n1.refused_packets[0]: the key count is missing"]


def failed_login(user, address, count, first, last):
    return {"user": user, "address": address, "count": count, "first": first, "last": last}


class TestPcsdFailedLogins:
    """From fixtures/node/pcsd.log.failed-logins.bookworm.txt: wrong passwords for hacluster and an unknown user."""

    def test_pass(self, base):
        c = assert_pass(run(base), "pcsd-failed-logins")
        assert c["message"] == "no failed pcsd login on lab-node1, lab-node2, lab-node3 in the last 1 h"

    def test_each_user_and_address_is_named_with_count_and_times(self, base):
        base[2]["lab-node1"]["pcsd_failed_logins"] = [
            failed_login("hacluster", "172.31.250.99", 30, 1796407305.952, 1796407393.955),
            failed_login("mallory", "172.31.250.99", 1, 1796407400.0, 1796407400.0)]
        base[2]["lab-node2"]["pcsd_failed_logins"] = [failed_login("hacluster", "172.31.250.13", 2, None, None)]
        c = assert_fail(run(base), "pcsd-failed-logins")
        assert c["message"] == (
            "in the last 1 h: 30 failed logins on lab-node1 as 'hacluster' from 172.31.250.99, first "
            "2026-12-04T18:01:45.952+00:00, last 2026-12-04T18:03:13.955+00:00; 2 failed logins on lab-node2 as "
            "'hacluster' from 172.31.250.13 (lab-node3); 1 failed login on lab-node1 as 'mallory' from 172.31.250.99, "
            "first 2026-12-04T18:03:20.000+00:00, last 2026-12-04T18:03:20.000+00:00")
        assert c["objects"] == ["lab-node1", "172.31.250.99", "lab-node2", "172.31.250.13"]
        assert "grep -B1 -A1 \"Failed login by 'mallory'\" /var/log/pcsd/pcsd.log  # on lab-node1" in c["remedy"]

    def test_lower_bounds_and_unknown_nodes(self, base):
        base[2]["lab-node1"]["pcsd_failed_logins"] = [failed_login("hacluster", "unknown", 20000, None, None)]
        base[2]["lab-node1"]["pcsd_failed_logins_truncated"] = True
        base[2]["lab-node2"]["pcsd_failed_logins"] = None
        c = assert_fail(run(base), "pcsd-failed-logins")
        assert c["message"] == ("in the last 1 h: at least 20000 failed logins on lab-node1 as 'hacluster' from an "
                                "unknown address (unknown on lab-node2)")
        for f in base[2].values():
            f["pcsd_failed_logins"] = None
        assert_skip(run(base), "pcsd-failed-logins", "no node could read pcsd's log")


def pcsd_cert(node, not_after, issuer=None):
    name = "C=US, ST=MN, L=Minneapolis, O=pcsd, OU=pcsd, CN=%s" % node
    return {"subject": name, "issuer": issuer or name, "self_signed": issuer is None,
            "not_before": not_after - 3650 * 86400, "not_after": not_after}


class TestPcsdCertificate:
    """The fixtures' certificates are pcsd's own (fixtures/node/pcsd.crt.default.*.pem): self-signed, ten years."""

    def test_pass_names_the_first_end_and_the_self_signed(self, base):
        c = assert_pass(run(base), "pcsd-certificate")
        assert c["message"] == ("valid until 2036-11-21T20:00:00.000+00:00 at the earliest (lab-node1); self-signed "
                                "(pcsd's own: no client can verify it) on lab-node1, lab-node2, lab-node3")

    def test_a_ca_signed_one_is_named_by_its_issuer(self, base):
        for node, f in base[2].items():
            f["pcsd_certificate"] = pcsd_cert(node, NOW + 400 * 86400, issuer="O=Example, CN=Example CA")
        base[2]["lab-node3"]["pcsd_certificate"] = pcsd_cert("lab-node3", NOW + 300 * 86400)
        c = assert_pass(run(base), "pcsd-certificate")
        assert c["message"].endswith("(lab-node3); self-signed (pcsd's own: no client can verify it) on lab-node3, "
                                     "signed by O=Example, CN=Example CA on lab-node1, lab-node2")

    def test_expired_and_ending_fail_on_their_nodes(self, base):
        base[2]["lab-node1"]["pcsd_certificate"] = pcsd_cert("lab-node1", NOW - 86400)
        base[2]["lab-node2"]["pcsd_certificate"] = pcsd_cert("lab-node2", NOW + 29 * 86400)
        base[2]["lab-node3"]["pcsd_certificate"] = None
        c = assert_fail(run(base), "pcsd-certificate")
        assert c["message"] == (
            "pcsd's certificate expired on lab-node1 (2026-11-23T22:46:06.000+00:00); ends within 30 days on "
            "lab-node2 (2026-12-23T22:46:06.000+00:00); self-signed (pcsd's own: no client can verify it) on "
            "lab-node1, lab-node2 (unknown on lab-node3)")
        assert c["objects"] == ["lab-node1", "lab-node2"]
        assert "openssl x509 -in /var/lib/pcsd/pcsd.crt -noout -subject -issuer -enddate  # on lab-node1" in c["remedy"]
        assert c["severity"] == "warning"

    def test_unknown_without_pcsd(self, base):
        for f in base[2].values():
            f["pcsd_certificate"] = None
        assert_skip(run(base), "pcsd-certificate", "no node could read pcsd's certificate")

    def test_the_facts_shape_takes_it(self):
        assert health.node_facts_errors({"n1": {"pcsd_certificate": pcsd_cert("n1", NOW)}}) == []
        assert health.node_facts_errors({"n1": {"pcsd_certificate": {"subject": "CN=n1"}}})[0] == (
            "node_facts.n1.pcsd_certificate: the key issuer is missing")


def nft_table():
    """The drop counters of nft's table as a Debian 12 lab node listed it (fixtures/node/nft-list-table.*)."""
    return dict(managed=True, loaded=True, **parse_table(fixture_text("node", "nft-list-table.clusterops.bookworm.txt")))


class TestFirewall:
    def test_off_everywhere_passes_and_says_so(self, base):
        c = assert_pass(run(base), "firewall-loaded")
        assert c["message"] == ("the cluster's firewall is off on lab-node1, lab-node2, lab-node3 (cluster_firewall_enabled "
                                "false): only the hosts' own firewall guards the cluster's ports")

    def test_loaded_everywhere_passes_with_what_it_refused(self, base):
        for f in base[2].values():
            f["firewall"] = {"managed": True, "loaded": True, "drops": [{"rule": "corosync knet from elsewhere", "packets": 0}]}
        assert assert_pass(run(base), "firewall-loaded")["message"] == (
            "loaded on lab-node1, lab-node2, lab-node3; nothing refused since it was loaded")
        base[2]["lab-node1"]["firewall"] = nft_table()
        assert assert_pass(run(base), "firewall-loaded")["message"] == (
            "loaded on lab-node1, lab-node2, lab-node3; it refused packets from elsewhere: 3 to corosync knet on "
            "lab-node1, 2 to pcsd on lab-node1")

    def test_flushed_and_missing_fail_on_their_nodes(self, base):
        base[2]["lab-node1"]["firewall"] = nft_table()
        base[2]["lab-node2"]["firewall"] = {"managed": True, "loaded": False,
                                            "error": fixture_text("node", "nft-list-table.flushed.bookworm.stderr.txt").splitlines()[0]}
        base[2]["lab-node3"]["firewall"] = {"managed": False}
        c = assert_fail(run(base), "firewall-loaded")
        assert c["message"] == ("the cluster's firewall is not loaded on lab-node2 (Error: No such file or directory); "
                                "off on lab-node3 while on on lab-node1, lab-node2: the cluster's ports are open there")
        assert c["objects"] == ["lab-node2", "lab-node3"] and c["severity"] == "warning"
        assert c["remedy"].splitlines()[0] == "systemctl reload clusterops-firewall  # on lab-node2: loads /etc/clusterops/firewall.nft again"
        assert "lab-node3" in c["remedy"].splitlines()[1]

    def test_unknown_without_facts(self, base):
        for f in base[2].values():
            f.pop("firewall")
        assert_skip(run(base), "firewall-loaded", "no node reported its firewall")
        base[2]["lab-node1"]["firewall"] = {"managed": False}
        assert assert_pass(run(base), "firewall-loaded")["message"].endswith("(unknown on lab-node2, lab-node3)")

    def test_the_facts_shape_takes_it(self):
        assert health.node_facts_errors({"n1": {"firewall": nft_table()}}) == []
        assert health.node_facts_errors({"n1": {"firewall": {"loaded": True}}})[0] == (
            "node_facts.n1.firewall: the key managed is missing")


class TestToken:
    def test_pass(self, base):
        assert "as expected" in assert_pass(run(base), "token-consistent")["message"]

    def test_fail_against_expected(self, base):
        c = assert_fail(run(base, expected={"token_ms": 5000}), "token-consistent", "expected token 5000 ms",
                        "3650 ms on lab-node1, lab-node2, lab-node3")
        assert c["objects"] == ["lab-node1", "lab-node2", "lab-node3"]
        assert "pcs cluster config update totem token=5000" in c["remedy"]

    def test_fail_one_node(self, base):
        base[2]["lab-node2"]["token_ms"] = 10000
        c = assert_fail(run(base), "token-consistent", "10000 ms on lab-node2")
        assert c["objects"] == ["lab-node2"]

    def test_no_expected_value(self, base):
        assert "no expected value" in assert_pass(run(base, expected=None), "token-consistent")["message"]
        base[2]["lab-node2"]["token_ms"] = 10000
        assert_fail(run(base, expected=None), "token-consistent", "differs")


class TestUnmanagedBlocked:
    def test_pass(self, base):
        assert_pass(run(base), "unmanaged-blocked")

    def test_fail_unmanaged(self, base):
        c = assert_fail(run(base, status=degraded_status()), "unmanaged-blocked", "failing unmanaged")
        assert c["objects"] == ["failing"] and "pcs resource manage failing" in c["remedy"]

    def test_maintenance_mode_unmanages_on_purpose(self, base):
        base[0]["cluster"]["maintenance_mode"] = True
        for r in base[0]["resources"]:
            r["managed"] = False
        report = run(base)
        assert_pass(report, "unmanaged-blocked")
        assert check(report, "maintenance-mode")["status"] == "fail"

    def test_fail_blocked(self, base):
        [r for r in base[0]["resources"] if r["id"] == "site-vip"][0]["blocked"] = True
        c = assert_fail(run(base), "unmanaged-blocked", "site-vip blocked on lab-node2")
        assert "crm_resource --cleanup -r site-vip" in c["remedy"]


class TestResourcesPlaced:
    def test_pass(self, base):
        assert_pass(run(base), "resources-placed")

    def test_fail_pending_actions(self, base):
        base[0]["settled"] = False
        base[0]["pending_actions"] = [{"resource": "site-vip", "instance": "site-vip", "nodes": ["lab-node1"],
                                       "pending": "Starting"}]
        c = assert_fail(run(base), "resources-placed", "site-vip Starting on lab-node1")
        assert c["objects"] == ["site-vip"]
        assert "crm_resource --wait" in c["remedy"] and "crm_resource --why -r site-vip" in c["remedy"]

    def test_fail_dc_busy(self, base):
        base[0]["settled"] = False
        base[0]["dc_state"] = "S_TRANSITION_ENGINE"
        assert_fail(run(base), "resources-placed", "lab-node3 is in S_TRANSITION_ENGINE")

    def test_dc_state_unknown(self, base):
        assert_skip(run(base, status=degraded_status()), "resources-placed", "state of the DC lab-node1 is unknown")


# --------------------------------------------------------------------------------------------- rendering


class TestRender:
    def test_table(self, base):
        report = run(base, config=lab_config("cib.lab-ban.xml"), skip={"token-consistent": "rolling update"})
        text = render_table(report)
        lines = text.splitlines()
        assert lines[0].split() == ["STATUS", "SEVERITY", "CHECK", "MESSAGE"]
        assert len(lines) == 1 + 33 + 2
        rows = {ln.split()[2]: ln.split()[0] for ln in lines[1:25]}
        assert rows["leftover-bans"] == "FAIL" and rows["token-consistent"] == "SKIP" and rows["quorum"] == "PASS"
        assert "rolling update" in text
        assert lines[-1] == "verdict: degraded - 31 passed, 1 failed (0 critical, 1 warning, 0 info), 1 skipped"
        assert text.endswith("\n")

    def test_table_columns_aligned(self, base):
        lines = render_table(run(base)).splitlines()[:21]
        pos = lines[0].index("MESSAGE")
        assert pos == len("STATUS  SEVERITY  CHECK                          ")
        assert all(ln[pos - 2:pos] == "  " and ln[pos] != " " for ln in lines)

    def test_markdown(self, base):
        report = run(base, status=lab_status("crm_mon.lab-failcount.xml"), config=lab_config("cib.lab-ban.xml"))
        md = render_markdown(report)
        assert md.startswith("# Cluster health: degraded\n")
        assert "| Check | Severity | Status | Message |" in md
        assert "| leftover-bans | warning | **FAIL** | cli-ban-site-vip-on-lab-node2 bans site-vip from lab-node2 |" in md
        assert "| quorum | critical | pass |" in md
        assert md.count("\n### ") == 3
        section = md.split("### leftover-bans (warning)")[1].split("###")[0]
        assert "```sh\ncrm_resource --clear -r site-vip" in section
        assert "`site-vip`" in section
        assert "## Failed checks" in md

    def test_markdown_healthy_and_escaping(self, base):
        report = run(base)
        report["checks"][0]["message"] = "a | b"
        md = render_markdown(report)
        assert "a \\| b" in md
        assert "No check failed." in md and "## Failed checks" not in md


# --------------------------------------------------------------------------------------------- pacemaker3-ready


class TestPacemaker3:
    def test_a_legacy_cib_fails_with_what_to_do(self, base):
        root = parse(fixture_text("cib", "cib.pcmk2-legacy.xml"))
        report = run(base, cib_root=root)
        c = assert_fail(report, "pacemaker3-ready", "master ms-legacy", "legacy-check", "stonith-action=poweroff")
        assert c["severity"] == "warning" and report["verdict"] == "degraded"
        assert c["message"].startswith("21 form(s) Pacemaker 3.0 drops or refuses: ")
        assert "clusterops.ha.cib -a pacemaker3_fixes=true --check --diff" in c["remedy"]
        assert "# primitive legacy-check: an ocf: or systemd: agent" in c["remedy"]
        assert "master ms-legacy" in c["objects"] and len(c["objects"]) == len(set(c["objects"]))

    def test_only_unfixable_forms_leave_no_module_call(self, base):
        root = parse(fixture_text("cib", "cib.pcmk2-legacy.fixed.xml"))
        c = check(run(base, cib_root=root), "pacemaker3-ready")
        assert c["status"] == "fail" and "pacemaker3_fixes" not in c["remedy"]
        assert c["remedy"].count("\n") == 4  # five lines, one per form left

    def test_clean_cib_passes_and_no_cib_skips(self, base):
        assert_pass(run(base), "pacemaker3-ready")
        assert_skip(run(base, cib_root=None), "pacemaker3-ready", "the CIB could not be read")
