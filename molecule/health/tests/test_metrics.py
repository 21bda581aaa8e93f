"""The metrics textfile the cluster role's timer writes agrees with the cluster's own view on each node."""

import calendar
import os
import re
import time
import xml.etree.ElementTree as ET

import pytest

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
NODES = ["hl-node1", "hl-node2", "hl-node3"]
testinfra_hosts = ["ansible://%s" % n for n in NODES]
TEXTFILE = "/var/lib/prometheus/node-exporter/ha_cluster.prom"
INTERVAL = 5

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """[(name, labels, value)], checking that every sample follows its HELP and TYPE lines."""
    assert text.endswith("\n")
    typed = set()
    out = []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, "bad sample line %r" % line
        assert m.group(1) in typed, "%s has no TYPE" % m.group(1)
        labels = dict(_LABEL.findall(m.group(2) or ""))
        out.append((m.group(1), labels, float(m.group(3).replace("Inf", "inf"))))
    return out


def select(samples, name, **match):
    return [(labels, v) for n, labels, v in samples
            if n == name and all(labels.get(k) == want for k, want in match.items())]


def recorded(node, what, state="healthy"):
    with open(os.path.join(EPHEMERAL, "metrics", "%s-%s-%s" % (state, node, what)), encoding="utf-8") as f:
        return f.read()


def crm_mon_view(xml_text):
    root = ET.fromstring(xml_text)
    online = sorted(n.get("name") for n in root.find("nodes") if n.get("online") == "true")
    running = {}
    for r in root.find("resources").iter("resource"):
        if r.get("active") == "true":
            running.setdefault(r.get("id").split(":")[0], set()).update(n.get("name") for n in r.findall("node"))
    return online, running


def test_timer_active_and_file_fresh(host):
    assert host.service("clusterops-metrics.timer").is_running
    assert host.service("clusterops-metrics.timer").is_enabled
    f = host.file(TEXTFILE)
    assert f.exists and f.mode == 0o644 and f.user == "root"
    now = int(host.check_output("date +%s"))
    samples = parse(f.content_string)
    ts = select(samples, "ha_cluster_clusterops_scrape_timestamp_seconds")[0][1]
    assert now - ts < 6 * INTERVAL, "the file is %.0f s old" % (now - ts)
    assert [v for lbl, v in select(samples, "ha_cluster_clusterops_scrape_success")] == [1, 1]


def test_the_pcsd_certificate_end_is_the_one_openssl_reads(host):
    """The launcher carries module_utils/pcsd.py too: the certificate's end in the file is openssl's notAfter."""
    samples = parse(host.file(TEXTFILE).content_string)
    end = host.check_output("openssl x509 -in /var/lib/pcsd/pcsd.crt -noout -enddate").split("=", 1)[1]
    want = calendar.timegm(time.strptime(end, "%b %d %H:%M:%S %Y GMT"))
    assert select(samples, "ha_cluster_clusterops_pcsd_certificate_expiry_timestamp_seconds") == [({}, want)]


@pytest.mark.parametrize("node", NODES)
def test_recorded_file_agrees_with_crm_mon_and_quorumtool(node):
    samples = parse(recorded(node, "ha_cluster.prom"))
    now = int(recorded(node, "now"))
    ts = select(samples, "ha_cluster_clusterops_scrape_timestamp_seconds")[0][1]
    # now is `date +%s` (whole seconds, taken after the file was written); the scrape's time has a fraction.
    assert -1 < now - ts < 3 * INTERVAL

    online, running = crm_mon_view(recorded(node, "crm_mon.xml"))
    assert online == NODES
    assert sorted(labels["node"] for labels, v in select(samples, "ha_cluster_pacemaker_nodes", status="online")
                  if v == 1) == online
    got = {}
    for labels, v in select(samples, "ha_cluster_pacemaker_resources", status="active"):
        if v == 1:
            got.setdefault(labels["resource"], set()).add(labels["node"])
    assert got == running
    assert got["site-vip"] and len(got["site-vip"]) == 1
    assert got["app-nginx"] == set(NODES)

    fail_counts = select(samples, "ha_cluster_pacemaker_fail_count")
    assert fail_counts and all(v == 0 for lbl, v in fail_counts)

    quorumtool = recorded(node, "quorumtool.txt")
    assert re.search(r"^Quorate:\s+Yes", quorumtool, re.M)
    assert select(samples, "ha_cluster_corosync_quorate")[0][1] == 1
    total = int(re.search(r"^Total votes:\s+(\d+)", quorumtool, re.M).group(1))
    assert select(samples, "ha_cluster_corosync_quorum_votes", type="total_votes")[0][1] == total == 3
    local = re.search(r"^\s*(\d+)\s+\d+\s+(\S+) \(local\)", quorumtool, re.M)
    assert local.group(2) == node
    assert select(samples, "ha_cluster_corosync_member_votes", node=node, node_id=local.group(1), local="true")
    assert select(samples, "ha_cluster_corosync_ring_errors")[0][1] == 0
    assert [v for lbl, v in select(samples, "ha_cluster_clusterops_scrape_success")] == [1, 1]


def test_standby_shows_in_the_file():
    before = parse(recorded("hl-node1", "ha_cluster.prom"))
    after = parse(recorded("hl-node1", "ha_cluster.prom", state="standby"))
    assert select(before, "ha_cluster_pacemaker_nodes", node="hl-node3", status="standby")[0][1] == 0
    assert select(after, "ha_cluster_pacemaker_nodes", node="hl-node3", status="standby")[0][1] == 1
    assert select(after, "ha_cluster_pacemaker_nodes", node="hl-node3", status="online")[0][1] == 1
    assert select(after, "ha_cluster_clusterops_scrape_timestamp_seconds")[0][1] > \
        select(before, "ha_cluster_clusterops_scrape_timestamp_seconds")[0][1]


def test_the_file_is_rewritten_by_the_timer(host):
    first = host.file(TEXTFILE).mtime
    deadline = time.time() + 6 * INTERVAL
    while time.time() < deadline and host.file(TEXTFILE).mtime == first:
        time.sleep(1)
    assert host.file(TEXTFILE).mtime > first
    leftovers = host.check_output("ls -A %s" % os.path.dirname(TEXTFILE)).split()
    assert leftovers == ["ha_cluster.prom"], "no temporary files left behind"
