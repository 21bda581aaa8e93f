# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the metrics engine: real lab outputs in, Prometheus text out, read back by a parser."""

from __future__ import annotations

import builtins
import calendar
import math
import os
import re
import stat
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import FIXTURES, FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import metrics

# ---------------------------------------------------------------------------------------------
# A strict reader of the text exposition format (version 0.0.4), enough to check what we write.

_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
_SAMPLE = re.compile(r"^(%s)(\{.*\})? (\S+)$" % _NAME)
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)')


def _unescape(value):
    out = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\":
            nxt = value[i + 1]
            assert nxt in ('\\', '"', "n"), "bad escape \\%s" % nxt
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _labels(text):
    labels = {}
    body = text[1:-1]
    pos = 0
    while pos < len(body):
        m = _LABEL.match(body, pos)
        assert m, "bad labels %r" % text
        assert m.group(1) not in labels, "duplicate label %s" % m.group(1)
        labels[m.group(1)] = _unescape(m.group(2))
        pos = m.end()
    return labels


def _value(text):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    return float(text)


def parse_exposition(text):
    """{name: {"type", "help", "samples": [(labels, value)]}}; asserts the format's rules on the way."""
    assert text.endswith("\n") and not text.endswith("\n\n"), "must end in exactly one newline"
    fams = {}
    order = []
    current = None
    seen = set()
    for line in text[:-1].split("\n"):
        assert line, "no empty lines"
        if line.startswith("# HELP "):
            name, help_text = line[7:].split(" ", 1)
            assert name not in fams, "family %s twice" % name
            fams[name] = {"help": help_text, "type": None, "samples": []}
            order.append(name)
            current = name
            continue
        if line.startswith("# TYPE "):
            name, kind = line[7:].split(" ", 1)
            assert name == current and fams[name]["type"] is None, "TYPE of %s out of place" % name
            assert kind in ("gauge", "counter", "untyped", "summary", "histogram")
            fams[name]["type"] = kind
            continue
        if line.startswith("#"):
            assert current is None, "comments only at the top: %r" % line
            continue
        m = _SAMPLE.match(line)
        assert m, "bad sample line %r" % line
        name, labels, value = m.group(1), _labels(m.group(2)) if m.group(2) else {}, _value(m.group(3))
        assert name == current and fams[name]["type"], "sample of %s outside its family" % name
        key = (name, tuple(sorted(labels.items())))
        assert key not in seen, "duplicate series %r" % (key,)
        seen.add(key)
        fams[name]["samples"].append((labels, value))
    assert order == sorted(order), "families in a stable (sorted) order"
    return fams


def values(fams, name, **match):
    return [(labels, v) for labels, v in fams.get(name, {}).get("samples", [])
            if all(labels.get(k) == want for k, want in match.items())]


def one(fams, name, **match):
    found = values(fams, name, **match)
    assert len(found) == 1, (name, match, found)
    return found[0][1]


# ---------------------------------------------------------------------------------------------
# runs on the captured outputs


def fx(name):
    return fixture_text("metrics", name)


def lab_runner(state):
    """A seam answering as the lab did in that state (see tests/unit/fixtures/metrics/README.md)."""
    runner = FakeRunner()
    if state == "stack-down":
        runner.add(["corosync-quorumtool", "-s"], rc=1, stderr=fx("quorumtool.stack-down.stderr"))
        runner.add(["corosync-cfgtool", "-s"], rc=1, stderr=fx("cfgtool-s.stack-down.stderr"))
    else:
        runner.add(["corosync-quorumtool", "-s"], stdout=fx("quorumtool.%s.txt" % state))
        runner.add(["corosync-cfgtool", "-s"], stdout=fx("cfgtool-s.%s.txt" % state))
    down = state in ("pacemaker-down", "stack-down")
    runner.add(["crm_mon"], rc=102 if down else 0, stdout=fx("crm_mon.%s.xml" % state))
    runner.add(["crmadmin", "-S"], stdout=fx("crmadmin-S.healthy.xml"))
    runner.add(["crm_node", "-n"], rc=0, stdout="mt-node3\n")
    return runner


def scrape(state):
    clock = iter([1764032400.0, 1764032400.25])
    text, fams = metrics.scrape(lab_runner(state), clock=lambda: next(clock))
    return text, parse_exposition(text), fams


def test_refused_packets_from_corosyncs_journal():
    """The journal of a member while another ran with another key, and five datagrams from the Docker host
    (fixtures/node/journal-corosync-refused.bookworm.txt): one sample per source; none without a journal."""
    runner = lab_runner("healthy")
    runner.add(["journalctl"], stdout=fixture_text("node", "journal-corosync-refused.bookworm.txt"))
    clock = iter([1796407400.0, 1796407400.25])
    text, _fams = metrics.scrape(runner, clock=lambda: next(clock))
    fams = parse_exposition(text)
    assert one(fams, "ha_cluster_clusterops_corosync_refused_packets", address="172.31.250.13") == 88
    assert one(fams, "ha_cluster_clusterops_corosync_refused_packets", address="172.31.250.1",
               reason="undecryptable") == 5
    assert one(fams, "ha_cluster_clusterops_corosync_refused_packets_window_seconds") == 3600
    argv = [c["argv"] for c in runner.calls if c["argv"][0] == "journalctl"][0]
    assert argv[argv.index("--since") + 1] == "@1796403800"
    # Nothing refused: the window alone; no journalctl (lab_runner): neither.
    runner.add(["journalctl"], rc=1, stdout="-- No entries --\n")
    fams = parse_exposition(metrics.scrape(runner, clock=lambda: 1796407400.0)[0])
    assert "ha_cluster_clusterops_corosync_refused_packets" not in fams
    assert one(fams, "ha_cluster_clusterops_corosync_refused_packets_window_seconds") == 3600
    fams = scrape("healthy")[1]
    assert not [n for n in fams if n.startswith("ha_cluster_clusterops_corosync_refused")]


def test_failed_pcsd_logins_from_pcsds_log():
    """pcsd's log with failed logins (fixtures/node/pcsd.log.failed-logins.bookworm.txt): one sample per client
    address, the users summed (they are whatever the guesser typed); none without a pcsd log."""
    runner = lab_runner("healthy")
    runner.add(["tail"], stdout=fixture_text("node", "pcsd.log.failed-logins.bookworm.txt"))
    at = time.mktime(time.strptime("2026-12-04T22:00:00", "%Y-%m-%dT%H:%M:%S"))
    fams = parse_exposition(metrics.scrape(runner, clock=lambda: at)[0])
    assert one(fams, "ha_cluster_clusterops_pcsd_failed_logins", address="127.0.0.1") == 4
    assert one(fams, "ha_cluster_clusterops_pcsd_failed_logins", address="172.17.0.3") == 1
    assert "ha_cluster_clusterops_pcsd_failed_logins" not in scrape("healthy")[1]


def test_pcsd_certificate_end(tmp_path):
    """pcsd's own certificate from a bookworm node (fixtures/node/pcsd.crt.default.bookworm.pem): its end in Unix
    time, for an alert rule (< time() + 30 days); absent without a certificate."""
    runner = lab_runner("healthy")
    pem = os.path.join(FIXTURES, "node", "pcsd.crt.default.bookworm.pem")
    fams = parse_exposition(metrics.scrape(runner, clock=lambda: 1796407400.0, pcsd_cert_path=pem)[0])
    assert one(fams, "ha_cluster_clusterops_pcsd_certificate_expiry_timestamp_seconds") == calendar.timegm(
        (2036, 12, 2, 2, 8, 51, 0, 0, 0))
    fams = parse_exposition(metrics.scrape(runner, clock=lambda: 1796407400.0,
                                           pcsd_cert_path=str(tmp_path / "none.crt"))[0])
    assert "ha_cluster_clusterops_pcsd_certificate_expiry_timestamp_seconds" not in fams


def crm_mon_view(state):
    """What crm_mon itself says: online nodes and, per resource id, where instances are active."""
    root = ET.fromstring(fx("crm_mon.%s.xml" % state))
    online = sorted(n.get("name") for n in root.find("nodes") if n.get("online") == "true")
    running = {}
    for r in root.find("resources").iter("resource"):
        rid = r.get("id").split(":")[0]
        if r.get("active") == "true":
            running.setdefault(rid, set()).update(n.get("name") for n in r.findall("node"))
    return online, running


def test_healthy_cluster_agrees_with_crm_mon_and_quorumtool():
    text, fams, raw = scrape("healthy")
    online, running = crm_mon_view("healthy")
    assert sorted(labels["node"] for labels, v in values(fams, "ha_cluster_pacemaker_nodes", status="online") if v) \
        == online == ["mt-node1", "mt-node2", "mt-node3"]
    assert one(fams, "ha_cluster_pacemaker_nodes", node="mt-node2", status="dc") == 1
    assert one(fams, "ha_cluster_pacemaker_nodes", node="mt-node1", status="dc") == 0
    got = {}
    for labels, v in values(fams, "ha_cluster_pacemaker_resources", status="active"):
        if v:
            got.setdefault(labels["resource"], set()).add(labels["node"])
    assert got == running
    assert running["site-vip"] == {"mt-node1"} and running["app-nginx"] == {"mt-node1", "mt-node2", "mt-node3"}
    assert one(fams, "ha_cluster_pacemaker_resources", resource="lb-vip", status="active") == 1
    assert values(fams, "ha_cluster_pacemaker_resources", resource="lb-vip")[0][0]["group"] == "lb"
    assert values(fams, "ha_cluster_pacemaker_resources", resource="app-nginx")[0][0]["clone"] == "app-clone"
    # every resource on every node: 6 resources x 3 nodes, all 0
    fcs = values(fams, "ha_cluster_pacemaker_fail_count")
    assert len(fcs) == 18 and all(v == 0 for lbl, v in fcs)
    assert values(fams, "ha_cluster_pacemaker_migration_threshold") == []
    assert one(fams, "ha_cluster_corosync_quorate") == 1
    votes = dict((labels["type"], v) for labels, v in values(fams, "ha_cluster_corosync_quorum_votes"))
    assert votes == {"expected_votes": 3, "highest_expected": 3, "total_votes": 3, "quorum": 2}
    assert one(fams, "ha_cluster_corosync_member_votes", node="mt-node1", node_id="1", local="true") == 1
    assert len(values(fams, "ha_cluster_corosync_member_votes")) == 3
    assert one(fams, "ha_cluster_corosync_rings", number="0", node_id="1", ring_id="1.e",
               address="172.31.241.11") == 1
    assert one(fams, "ha_cluster_corosync_ring_errors") == 0
    assert [v for lbl, v in values(fams, "ha_cluster_clusterops_corosync_link_connected")] == [1, 1, 1]
    assert one(fams, "ha_cluster_clusterops_scrape_success", collector="pacemaker") == 1
    assert one(fams, "ha_cluster_clusterops_scrape_success", collector="corosync") == 1
    assert one(fams, "ha_cluster_clusterops_settled") == 1
    assert one(fams, "ha_cluster_pacemaker_stonith_enabled") == 0
    assert one(fams, "ha_cluster_pacemaker_maintenance_mode_enabled") == 0
    assert one(fams, "ha_cluster_clusterops_scrape_timestamp_seconds") == 1764032400.25
    assert one(fams, "ha_cluster_clusterops_scrape_duration_seconds") == 0.25
    assert not text.startswith("# clusterops.ha:"), "no problem to report"
    assert all(f["type"] == "gauge" for f in fams.values())
    assert set(fams) <= set(metrics.HELP)


def test_upstream_names_and_labels():
    """The names and label sets of ClusterLabs' ha_cluster_exporter where it has the metric."""
    fams = scrape("fence-failed")[1]
    upstream = {
        "ha_cluster_pacemaker_nodes": {"node", "type", "status"},
        "ha_cluster_pacemaker_resources": {"node", "resource", "role", "managed", "status", "agent", "group", "clone"},
        "ha_cluster_pacemaker_fail_count": {"node", "resource"},
        "ha_cluster_pacemaker_migration_threshold": {"node", "resource"},
        "ha_cluster_pacemaker_stonith_enabled": set(),
        "ha_cluster_pacemaker_maintenance_mode_enabled": set(),
        "ha_cluster_pacemaker_config_last_change": set(),
        "ha_cluster_corosync_quorate": set(),
        "ha_cluster_corosync_quorum_votes": {"type"},
        "ha_cluster_corosync_member_votes": {"node_id", "node", "local"},
        "ha_cluster_corosync_rings": {"ring_id", "node_id", "number", "address"},
        "ha_cluster_corosync_ring_errors": set(),
    }
    for name, labels in upstream.items():
        assert fams[name]["samples"], name
        assert all(set(s[0]) == labels for s in fams[name]["samples"]), name
    statuses = set(labels["status"] for labels, v in values(fams, "ha_cluster_pacemaker_nodes", node="mt-node1"))
    assert statuses == set(metrics.NODE_STATUSES)
    statuses = set(labels["status"] for labels, v in values(fams, "ha_cluster_pacemaker_resources", resource="site-vip"))
    assert statuses == set(metrics.RESOURCE_STATUSES)


def test_infinite_fail_counts_of_a_resource_that_cannot_start():
    fams = scrape("fence-failed")[1]
    for node in ("mt-node1", "mt-node2", "mt-node3"):
        assert one(fams, "ha_cluster_pacemaker_fail_count", node=node, resource="fence-docker") == math.inf
        assert one(fams, "ha_cluster_pacemaker_migration_threshold", node=node, resource="fence-docker") == 3
        assert one(fams, "ha_cluster_pacemaker_fail_count", node=node, resource="site-vip") == 0
    stopped = values(fams, "ha_cluster_pacemaker_resources", resource="fence-docker")
    assert {(labels["node"], labels["role"], labels["agent"]) for labels, v in stopped} == \
        {("", "stopped", "stonith:fence_docker")}
    assert all(v == 0 for lbl, v in stopped)


def test_a_recovered_failure_counts_once_on_its_node():
    fams = scrape("failcount")[1]
    assert one(fams, "ha_cluster_pacemaker_fail_count", node="mt-node1", resource="site-nginx") == 1
    assert one(fams, "ha_cluster_pacemaker_migration_threshold", node="mt-node1", resource="site-nginx") == 3
    assert one(fams, "ha_cluster_pacemaker_fail_count", node="mt-node2", resource="site-nginx") == 0
    assert sum(v for lbl, v in values(fams, "ha_cluster_pacemaker_fail_count")) == 1


def test_standby_node_and_its_stopped_clone_instance():
    fams = scrape("standby")[1]
    assert one(fams, "ha_cluster_pacemaker_nodes", node="mt-node3", status="standby") == 1
    assert one(fams, "ha_cluster_pacemaker_nodes", node="mt-node3", status="online") == 1
    assert one(fams, "ha_cluster_pacemaker_nodes", node="mt-node1", status="standby") == 0
    online, running = crm_mon_view("standby")
    samples = values(fams, "ha_cluster_pacemaker_resources", resource="app-nginx", status="active")
    active = set(labels["node"] for labels, v in samples if v)
    assert active == running["app-nginx"] == {"mt-node1", "mt-node2"}
    # the stopped instance appears once, on no node
    assert one(fams, "ha_cluster_pacemaker_resources", resource="app-nginx", node="", role="stopped",
               status="active") == 0


def test_pacemaker_down_on_this_node_keeps_corosync_and_says_so():
    text, fams, raw = scrape("pacemaker-down")
    assert one(fams, "ha_cluster_clusterops_scrape_success", collector="pacemaker") == 0
    assert one(fams, "ha_cluster_clusterops_scrape_success", collector="corosync") == 1
    assert not [n for n in fams if n.startswith("ha_cluster_pacemaker_")], "no stale pacemaker values"
    assert "ha_cluster_clusterops_settled" not in fams
    assert one(fams, "ha_cluster_corosync_quorate") == 1
    assert one(fams, "ha_cluster_corosync_member_votes", node="mt-node3", local="true") == 1
    assert text.splitlines()[0].startswith("# clusterops.ha: pacemaker: not running on this node (Not connected")


def test_a_node_offline_as_its_peers_see_it():
    fams = scrape("node-offline")[1]
    assert sorted(labels["node"] for labels, v in values(fams, "ha_cluster_pacemaker_nodes", status="online") if v) \
        == ["mt-node1", "mt-node2"]
    assert one(fams, "ha_cluster_pacemaker_nodes", node="mt-node3", status="online") == 0
    assert one(fams, "ha_cluster_corosync_quorum_votes", type="total_votes") == 2
    assert one(fams, "ha_cluster_corosync_quorate") == 1
    assert len(values(fams, "ha_cluster_corosync_member_votes")) == 2
    # the name of the node that left the membership comes from Pacemaker's node list
    assert one(fams, "ha_cluster_clusterops_corosync_link_connected", node_id="3", node="mt-node3") == 0
    assert one(fams, "ha_cluster_clusterops_corosync_link_connected", node_id="2", node="mt-node2") == 1
    assert one(fams, "ha_cluster_corosync_rings", number="0", ring_id="1.12") == 0
    assert one(fams, "ha_cluster_corosync_ring_errors") == 1


def test_stack_down_reports_nothing_but_the_failure():
    text, fams, raw = scrape("stack-down")
    assert one(fams, "ha_cluster_clusterops_scrape_success", collector="pacemaker") == 0
    assert one(fams, "ha_cluster_clusterops_scrape_success", collector="corosync") == 0
    assert set(fams) == {"ha_cluster_clusterops_scrape_success", "ha_cluster_clusterops_scrape_timestamp_seconds",
                         "ha_cluster_clusterops_scrape_duration_seconds"}
    assert "# clusterops.ha: corosync: not running on this node" in text
    assert "Cannot initialize CMAP service" in text
    assert metrics.summarize(raw)["nodes_total"] == 0


def test_links_unreadable_is_a_corosync_failure_but_quorum_stays():
    runner = lab_runner("healthy")
    runner.add(["corosync-cfgtool", "-s"], rc=1, stderr="Could not initialize corosync configuration API error 2\n")
    text, raw = metrics.scrape(runner)
    fams = parse_exposition(text)
    assert one(fams, "ha_cluster_clusterops_scrape_success", collector="corosync") == 0
    assert one(fams, "ha_cluster_corosync_quorate") == 1
    assert "ha_cluster_corosync_rings" not in fams and "ha_cluster_corosync_ring_errors" not in fams


def test_unreadable_output_is_a_scrape_failure_not_a_crash():
    runner = lab_runner("healthy")
    runner.add(["crm_mon"], stdout="<not xml")
    text, raw = metrics.scrape(runner)
    fams = parse_exposition(text)
    assert [v for lbl, v in values(fams, "ha_cluster_clusterops_scrape_success")] == [0, 0]
    assert "# clusterops.ha: status could not be read: crm_mon: malformed XML" in text
    assert not [n for n in fams if n.startswith(("ha_cluster_pacemaker_", "ha_cluster_corosync_"))]


def test_output_is_stable_and_sorted():
    a = scrape("healthy")[0]
    b = scrape("healthy")[0]
    assert a == b
    samples = [line for line in a.splitlines() if line.startswith("ha_cluster_pacemaker_fail_count")]
    assert samples == sorted(samples)


# ---------------------------------------------------------------------------------------------
# the pieces


def test_label_values_and_help_are_escaped():
    status = {
        "stack": {"corosync": False, "pacemaker": True}, "cluster": {}, "settled": None,
        "nodes": [{"name": "n1", "id": "1", "type": "member", "online": True}],
        "node_attributes": {"n1": {"note": 'say "hi"\\ then\nleave'}},
        "resources": [], "fail_counts": [], "quorum": {}, "links": [],
    }
    text = metrics.render(metrics.families(status))
    assert 'value="say \\"hi\\"\\\\ then\\nleave"' in text
    fams = parse_exposition(text)
    assert values(fams, "ha_cluster_pacemaker_node_attributes")[0][0]["value"] == 'say "hi"\\ then\nleave'
    assert metrics.escape_help("a\\b\nc") == "a\\\\b\\nc"


@pytest.mark.parametrize("value, text", [
    (1, "1"), (0, "0"), (True, "1"), (3.0, "3"), (0.25, "0.25"), (1764032400.125, "1764032400.125"),
    (float("inf"), "+Inf"), (float("-inf"), "-Inf"), (float("nan"), "NaN"),
])
def test_format_value(value, text):
    assert metrics.format_value(value) == text


def test_render_rejects_bad_names():
    with pytest.raises(metrics.MetricsError):
        metrics.render([{"name": "bad-name", "type": "gauge", "help": "x", "samples": []}])
    with pytest.raises(metrics.MetricsError):
        metrics.render([{"name": "ok", "type": "gauge", "help": "x", "samples": [({"bad-label": "v"}, 1)]}])


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_config_last_change_from_crm_mon(utc):
    fams = scrape("healthy")[1]
    root = ET.fromstring(fx("crm_mon.healthy.xml"))
    assert root.find("summary/last_change").get("time") == "Wed Nov 25 01:01:11 2026"
    assert one(fams, "ha_cluster_pacemaker_config_last_change") == 1795568471


def test_stable_text_drops_only_the_scrape_time():
    a = scrape("healthy")[0]
    clock = iter([1.0, 9.5])
    b = metrics.scrape(lab_runner("healthy"), clock=lambda: next(clock))[0]
    assert a != b
    assert metrics.stable_text(a) == metrics.stable_text(b)
    assert metrics.stable_text(a) != metrics.stable_text(scrape("standby")[0])


def test_summary():
    s = metrics.summarize(scrape("standby")[2])
    assert s["scrape_success"] == {"corosync": True, "pacemaker": True}
    assert s["quorate"] is True and s["nodes_total"] == 3
    assert s["nodes_online"] == ["mt-node1", "mt-node2", "mt-node3"] and s["nodes_standby"] == ["mt-node3"]
    assert s["resources_running_on"]["app-nginx"] == ["mt-node1", "mt-node2"]
    assert s["fail_counts"] == [] and s["ring_errors"] == 0


# ---------------------------------------------------------------------------------------------
# the textfile


def test_write_atomic(tmp_path):
    path = str(tmp_path / "ha_cluster.prom")
    metrics.write_atomic(path, "a 1\n")
    metrics.write_atomic(path, "a 2\n")
    with open(path) as f:
        assert f.read() == "a 2\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert os.listdir(str(tmp_path)) == ["ha_cluster.prom"], "no temporary file left"


def test_main_writes_the_textfile(tmp_path, capsys):
    path = str(tmp_path / "ha_cluster.prom")
    assert metrics.main(["--textfile", path], runner=lab_runner("healthy")) == 0
    with open(path) as f:
        fams = parse_exposition(f.read())
    assert one(fams, "ha_cluster_clusterops_scrape_success", collector="pacemaker") == 1
    assert capsys.readouterr().err == ""


def test_main_on_a_node_without_pacemaker_still_writes(tmp_path, capsys):
    path = str(tmp_path / "ha_cluster.prom")
    assert metrics.main(["--textfile", path], runner=lab_runner("pacemaker-down")) == 0
    assert "pacemaker not readable on this node" in capsys.readouterr().err
    with open(path) as f:
        assert one(parse_exposition(f.read()), "ha_cluster_clusterops_scrape_success", collector="pacemaker") == 0


def test_main_fails_when_it_cannot_write(tmp_path, capsys):
    path = str(tmp_path / "missing" / "ha_cluster.prom")
    assert metrics.main(["--textfile", path], runner=lab_runner("healthy")) == 1
    assert "cannot write" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------
# PostgreSQL under PAF (fixtures/postgresql; the CIB of test_postgresql.paf_cib)


def pg_scrape(stdout="", rc=0, stderr="", cib=True):
    from test_postgresql import paf_cib
    from ansible_collections.clusterops.ha.plugins.module_utils.postgresql import read_local
    runner = lab_runner("healthy")
    runner.add(["cibadmin", "--query"], stdout=ET.tostring(paf_cib(), encoding="unicode") if cib else fx("crm_mon.healthy.xml"))
    runner.add(["runuser"], rc=rc, stdout=stdout, stderr=stderr)
    clock = iter([1764032400.0, 1764032400.25])
    text, fams = metrics.scrape(runner, clock=lambda: next(clock), postgresql_reader=read_local)
    return text, parse_exposition(text)


def test_postgresql_primary_and_the_lag_of_its_standby():
    text, fams = pg_scrape(fixture_text("postgresql", "state.primary-lagging.stdout"))
    (labels, value), = values(fams, "ha_cluster_clusterops_postgresql_primary", resource="pgsqld")
    assert value == 1 and labels["node"]  # this node, by the name corosync gives it
    assert one(fams, "ha_cluster_clusterops_postgresql_replication_lag_bytes", resource="pgsqld", standby="pgcap2") == 51599872
    assert one(fams, "ha_cluster_clusterops_postgresql_replication_lag_seconds", resource="pgsqld",
               standby="pgcap2") == 28.382626
    assert 'ha_cluster_clusterops_postgresql_replication_lag_bytes{resource="pgsqld",standby="pgcap2"} 51599872' in text


def test_postgresql_a_standby_has_no_lag_series_and_unknown_seconds_are_absent():
    _text, fams = pg_scrape(fixture_text("postgresql", "state.standby.stdout"))
    assert one(fams, "ha_cluster_clusterops_postgresql_primary", resource="pgsqld") == 0
    assert "ha_cluster_clusterops_postgresql_replication_lag_bytes" not in fams
    _text, fams = pg_scrape(fixture_text("postgresql", "state.primary-quorum.stdout"))
    assert one(fams, "ha_cluster_clusterops_postgresql_replication_lag_bytes", standby="pgcap2") == 0
    assert "ha_cluster_clusterops_postgresql_replication_lag_seconds" not in fams  # replay_lag NULL


def test_postgresql_stopped_is_not_primary_and_unknown_is_absent():
    _text, fams = pg_scrape(rc=2, stderr=fixture_text("postgresql", "state.stopped.stderr"))
    assert one(fams, "ha_cluster_clusterops_postgresql_primary", resource="pgsqld") == 0
    _text, fams = pg_scrape(rc=1, stderr=fixture_text("postgresql", "state.no-psql.stderr"))
    assert "ha_cluster_clusterops_postgresql_primary" not in fams


def test_postgresql_nothing_without_pgsqlms_or_a_reader():
    _text, fams = pg_scrape(cib=False)
    assert not [n for n in fams if "postgresql" in n]
    text, _parsed, _fams = scrape("healthy")
    assert "postgresql" not in text


def test_the_timer_reads_postgresql_only_when_its_engine_carries_it(monkeypatch):
    from ansible_collections.clusterops.ha.plugins.module_utils.postgresql import read_local
    assert metrics._postgresql_reader() is read_local
    hide_from_the_engine(monkeypatch, "postgresql")
    assert metrics._postgresql_reader() is None


def hide_from_the_engine(monkeypatch, name):
    """Imports of module_utils.<name> fail, as on a timer whose engine does not carry it."""
    real = builtins.__import__

    def without(module, *args, **kwargs):
        if module.endswith("module_utils." + name):
            raise ImportError(module)
        return real(module, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without)


# ---------------------------------------------------------------------------------------------
# Filesystem resources (fixtures/filesystem; the CIB of test_filesystem.share_cib)


def fs_scrape(name="mounted-with-nfs", root=None, mountinfo_file=None):
    from test_filesystem import fake_stat, mountinfo, share_cib
    from ansible_collections.clusterops.ha.plugins.module_utils import filesystem, postgresql
    runner = lab_runner("healthy")
    runner.add(["cibadmin", "--query"], stdout=ET.tostring(share_cib() if root is None else root, encoding="unicode"))

    def reader(runner_, root_):
        return filesystem.read_local(runner_, root_, mountinfo_file=mountinfo_file or mountinfo(name), stat=fake_stat())

    clock = iter([1764032400.0, 1764032400.25])
    text, _fams = metrics.scrape(runner, clock=lambda: next(clock), postgresql_reader=postgresql.read_local,
                                 filesystem_reader=reader, cib_reader=postgresql.read_cib)
    return runner, text, parse_exposition(text)


def test_filesystem_mounted_here_or_not():
    runner, text, fams = fs_scrape()
    (labels, value), = values(fams, "ha_cluster_clusterops_filesystem_mounted", resource="share-fs")
    assert value == 1 and labels["node"] and labels["shared"] == "false"
    assert one(fams, "ha_cluster_clusterops_filesystem_mounted", resource="home-fs", shared="true") == 1
    assert "# TYPE ha_cluster_clusterops_filesystem_mounted gauge" in text
    # one read of the CIB for PostgreSQL and the filesystems
    assert [c["argv"][0] for c in runner.calls].count("cibadmin") == 1
    _runner, _text, fams = fs_scrape("unmounted")
    assert one(fams, "ha_cluster_clusterops_filesystem_mounted", resource="share-fs") == 0


def test_filesystem_unknown_is_absent_and_none_without_a_primitive(tmp_path):
    _runner, _text, fams = fs_scrape(mountinfo_file=str(tmp_path / "missing"))
    assert "ha_cluster_clusterops_filesystem_mounted" not in fams
    runner, text, _fams = fs_scrape(root=ET.fromstring(fixture_text("health", "cib.lab.xml")))
    assert "filesystem" not in text
    assert [c["argv"][0] for c in runner.calls].count("cibadmin") == 1


def test_no_cib_no_reader_runs():
    calls = []
    runner = lab_runner("healthy")
    _text, fams = metrics.scrape(runner, postgresql_reader=lambda *a: calls.append(a),
                                 filesystem_reader=lambda *a: calls.append(a), cib_reader=lambda r: None)
    assert calls == [] and not [n for n in fams if "filesystem" in n["name"] or "postgresql" in n["name"]]


def test_a_reader_that_fails_is_a_note():
    from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

    def broken(runner, root):
        raise ClusterOpsError("no way")

    text, _fams = metrics.scrape(lab_runner("healthy"), filesystem_reader=broken, cib_reader=lambda r: "root")
    assert "# clusterops.ha: filesystems: could not be read: no way" in text


def test_the_timer_reads_filesystems_only_when_its_engine_carries_them(monkeypatch):
    from ansible_collections.clusterops.ha.plugins.module_utils import filesystem, postgresql
    assert metrics._engine("filesystem", "read_local") is filesystem.read_local
    assert metrics._engine("postgresql", "read_cib") is postgresql.read_cib
    hide_from_the_engine(monkeypatch, "filesystem")
    assert metrics._engine("filesystem", "read_local") is None
    assert metrics._engine("postgresql", "read_cib") is postgresql.read_cib


def test_tickets_of_a_geo_site():
    """A geo cluster's sites (fixtures/booth, the geo scenario): the one that holds geo-web says 1, the other 0, so that
    sum by (ticket) over the sites counts where a ticket is held."""
    from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
    from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon

    for name, granted in (("crm_mon-site-granted.xml", 1), ("crm_mon-site-revoked.xml", 0)):
        status = build_status(crm_mon=parse_crm_mon(fixture_text("booth", name)))
        fams = parse_exposition(metrics.render(metrics.families(status, now=1764032400.0)))
        assert one(fams, "ha_cluster_clusterops_ticket_granted", ticket="geo-web", standby="false") == granted
    status = build_status(crm_mon=parse_crm_mon(fx("crm_mon.healthy.xml")))
    assert "ha_cluster_clusterops_ticket_granted" not in parse_exposition(metrics.render(metrics.families(status)))


def test_booth_refusals_of_a_geo_site():
    """boothd's journal on geo-b1 after the geo scenario's key rotation (fixtures/booth/journal-refused.site-member.txt):
    one sample per sender and reason, counted as the health check booth-refused counts them (booth.parse_refusals);
    nothing without a booth reader or where booth refused nothing."""
    from ansible_collections.clusterops.ha.plugins.module_utils import booth

    journal = fixture_text("booth", "journal-refused.site-member.txt")
    runner = lab_runner("healthy")
    runner.add(["journalctl", "-t", "boothd-site"], stdout=journal)
    fams = parse_exposition(metrics.scrape(runner, clock=lambda: 1796599000.0, booth_reader=booth.read_refusals)[0])
    expected = booth.parse_refusals(journal)
    assert expected
    samples = fams["ha_cluster_clusterops_booth_refused_messages"]["samples"]
    assert len(samples) == len(expected)
    for e in expected:
        assert one(fams, "ha_cluster_clusterops_booth_refused_messages", source=e["source"], reason=e["reason"]) == e["count"]
    assert one(fams, "ha_cluster_clusterops_booth_refused_messages", source="172.31.244.10",
               reason="authentication") >= 1
    argv = [c["argv"] for c in runner.calls if c["argv"][:2] == ["journalctl", "-t"]][0]
    assert argv[argv.index("--since") + 1] == "@%d" % (1796599000 - metrics.REFUSED_WINDOW_S)
    # The corosync reader is not handed booth's lines (its own journalctl call has no answer here).
    assert "ha_cluster_clusterops_corosync_refused_packets" not in fams
    # booth refused nothing: no series; no reader (a timer whose engine does not carry booth): no journal read.
    runner.add(["journalctl", "-t", "boothd-site"], rc=1, stdout="-- No entries --\n")
    fams = parse_exposition(metrics.scrape(runner, clock=lambda: 1796599000.0, booth_reader=booth.read_refusals)[0])
    assert "ha_cluster_clusterops_booth_refused_messages" not in fams
    runner = lab_runner("healthy")
    metrics.scrape(runner, clock=lambda: 1796599000.0)
    assert not [c for c in runner.calls if c["argv"][:2] == ["journalctl", "-t"]]


def test_the_timer_reads_booth_only_when_its_engine_carries_it(monkeypatch):
    from ansible_collections.clusterops.ha.plugins.module_utils import booth
    assert metrics._engine("booth", "read_refusals") is booth.read_refusals
    hide_from_the_engine(monkeypatch, "booth")
    assert metrics._engine("booth", "read_refusals") is None
