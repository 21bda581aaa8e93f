"""Verify the quorum device from the cluster's own view, then break the cluster twice.

Evidence comes from the nodes' and qnetd's own tools (corosync-quorumtool, corosync-qnetd-tool,
corosync-cmapctl, certutil, crm_mon XML), never from what the collection returned.

The tests run in file order, once each (no `host` fixture): the checks of the healthy cluster
first, then fault 1 (a node is killed) and fault 2 (the ring is cut between the nodes while both
still reach qnetd). Each fault heals in a `finally` and waits until the cluster is whole again.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest
import testinfra

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from playbook_run import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["qd-node1", "qd-node2"]
QNETD = "qd-qnetd"
CLUSTER = "qdevice"
RING_NETWORK = "clusterops-molecule-qdevice-ring"
RING_ADDRESS = {"qd-node1": "172.31.253.11", "qd-node2": "172.31.253.12"}
RESOURCE = "watch"
QNETD_ADDRESS = "172.31.247.10"  # the nodes reach qnetd from 172.31.247.11 and .12; the Docker host is .1


def host(name):
    return testinfra.get_host("docker://" + name)


def docker(*args):
    res = subprocess.run(["docker"] + list(args), capture_output=True, text=True, timeout=120, check=False)
    assert res.returncode == 0, "docker %s: %s" % (" ".join(args), res.stderr.strip())
    return res.stdout


def sh(node, command):
    """(rc, stdout) of a command in a node, through docker exec; rc None when the node does not answer."""
    try:
        res = subprocess.run(["docker", "exec", node, "sh", "-c", command], capture_output=True, text=True,
                             timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return None, ""
    return res.returncode, res.stdout


def quorum(node):
    """corosync-quorumtool -s as a dict: rc, quorate, fields, members {name: qdevice column}, device line."""
    rc, out = sh(node, "corosync-quorumtool -s")
    view = {"rc": rc, "quorate": False, "fields": {}, "members": {}, "device": None, "text": out}
    in_members = False
    for line in out.splitlines():
        s = line.strip()
        if s == "Membership information":
            in_members = True
            continue
        if not in_members:
            if ":" in s:
                key, value = s.split(":", 1)
                view["fields"][key.strip()] = value.strip()
            continue
        tokens = s.split()
        if not tokens or not tokens[0].isdigit():
            continue
        if tokens[0] == "0":
            view["device"] = " ".join(tokens[1:])
        elif len(tokens) >= 4:
            view["members"][tokens[3]] = tokens[2]
    view["quorate"] = rc == 0 and view["fields"].get("Quorate") == "Yes"
    return view


def crm_mon(node):
    rc, out = sh(node, "crm_mon --output-as=xml")
    if rc != 0 or not out.strip():
        return None
    return ET.fromstring(out)


def resource_nodes(root):
    if root is None:
        return []
    return sorted(n.get("name") for r in root.iter("resource") if r.get("id") == RESOURCE
                  and r.get("role") == "Started" for n in r.findall("node"))


def online(root):
    if root is None:
        return []
    return sorted(n.get("name") for n in root.findall("nodes/node") if n.get("online") == "true")


def device_counted(node):
    """This node's corosync counts the device's vote and sees every member alive and voted (A,V)."""
    q = quorum(node)
    return (q["quorate"] and q["device"] == "1 Qdevice" and sorted(q["members"]) == NODES
            and all(col.startswith("A,V") for col in q["members"].values()))


def wait_until(what, check, timeout=180, interval=1):
    """Poll check() until it returns something true; fail with `what` and the last value."""
    end = time.time() + timeout
    last = None
    while time.time() < end:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError("timed out after %s s waiting for %s; last: %r" % (timeout, what, last))


def cluster_whole():
    """Both nodes online in both nodes' crm_mon, and both count the device's vote."""
    for node in NODES:
        root = crm_mon(node)
        if online(root) != NODES or not device_counted(node):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# the healthy cluster


def test_qnetd_runs_and_listens():
    qnetd = host(QNETD)
    assert qnetd.service("corosync-qnetd").is_running
    assert qnetd.service("corosync-qnetd").is_enabled
    out = qnetd.check_output("corosync-qnetd-tool -s")
    assert re.search(r"^QNetd address:\s+\*:5403$", out, re.M), out
    assert "client certificate required" in out


def test_qnetd_nss_database_readable_by_the_daemon():
    db = host(QNETD).file("/etc/corosync/qnetd/nssdb")
    assert db.group == "coroqnetd" and db.mode == 0o750
    for name in ("cert9.db", "key4.db"):
        f = host(QNETD).file("/etc/corosync/qnetd/nssdb/" + name)
        assert f.group == "coroqnetd" and f.mode == 0o640, name


def test_both_nodes_count_the_device_vote():
    for node in NODES:
        q = quorum(node)
        assert q["rc"] == 0, q["text"]
        assert q["fields"]["Quorate"] == "Yes"
        assert q["fields"]["Expected votes"] == "3"
        assert q["fields"]["Total votes"] == "3"
        assert "Qdevice" in q["fields"]["Flags"].split()
        # Two nodes with a device: two_node is off, so no 2Node/WaitForAll flags.
        assert "2Node" not in q["fields"]["Flags"].split()
        assert q["device"] == "1 Qdevice", q["text"]
        assert q["members"] == {"qd-node1": "A,V,NMW", "qd-node2": "A,V,NMW"}, q["text"]


def test_qnetd_lists_the_cluster_with_both_nodes():
    out = host(QNETD).check_output("corosync-qnetd-tool -l -v -c %s" % CLUSTER)
    assert 'Cluster "%s":' % CLUSTER in out
    assert "Fifty-Fifty split" in out
    assert "Node with lowest node ID" in out
    assert "Node ID 1:" in out and "Node ID 2:" in out
    assert len(re.findall(r"TLS active:\s+Yes \(client certificate verified\)", out)) == 2, out


def drops(qnetd):
    for line in qnetd.check_output("nft list chain inet clusterops input").splitlines():
        if "corosync-qnetd from elsewhere" in line:
            return int(line.split("counter packets ")[1].split()[0])
    raise AssertionError("no drop rule for corosync-qnetd")


def test_qnetd_firewall_lets_only_the_nodes_in():
    """qnetd_firewall_enabled (issue 17): the nodes' qnet addresses reach corosync-qnetd (the test above saw both
    connected), the Docker host (an outsider on the same network, where this test runs) is dropped and counted."""
    qnetd = host(QNETD)
    table = " ".join(qnetd.check_output("nft list table inet clusterops").split())
    assert "set clients4 { type ipv4_addr elements = { 172.31.247.11, 172.31.247.12 } }" in table, table
    assert "tcp dport 5403 ip saddr @clients4 accept" in table
    unit = qnetd.service("clusterops-firewall")
    assert unit.is_enabled and unit.is_running
    before = drops(qnetd)
    with pytest.raises(OSError):  # dropped, not refused: the connection times out
        socket.create_connection((QNETD_ADDRESS, 5403), timeout=3).close()
    assert drops(qnetd) > before


def test_device_settings_loaded_and_two_node_off():
    for node in NODES:
        h = host(node)
        cmap = dict(line.split(" = ", 1) for line in h.check_output("corosync-cmapctl -b quorum.").splitlines())
        assert cmap["quorum.device.model (str)"] == "net"
        assert cmap["quorum.device.votes (u32)"] == "1"
        assert cmap["quorum.device.net.algorithm (str)"] == "ffsplit"
        assert cmap["quorum.device.net.host (str)"] == "172.31.247.10"
        assert "quorum.two_node (u8)" not in cmap
        assert h.check_output("corosync-cmapctl -g runtime.votequorum.two_node").endswith("= 0")


def test_node_certificates_from_the_qnetd_ca():
    for node in NODES:
        h = host(node)
        db = "/etc/corosync/qdevice/net/nssdb"
        assert "Subject: \"CN=%s\"" % CLUSTER in h.check_output("certutil -L -d %s -n 'Cluster Cert'" % db)
        assert "certificate is valid" in h.check_output("certutil -V -d %s -n 'Cluster Cert' -u C" % db)
        status = h.check_output("corosync-qdevice-tool -sv")
        assert re.search(r"^State:\s+Connected$", status, re.M), status
        assert re.search(r"^TLS active:\s+Yes \(client certificate sent\)$", status, re.M), status


def test_qdevice_enabled_and_running():
    for node in NODES:
        s = host(node).service("corosync-qdevice")
        assert s.is_running and s.is_enabled, node


def test_the_service_runs():
    root = crm_mon("qd-node1")
    assert root is not None and len(resource_nodes(root)) == 1


# ---------------------------------------------------------------------------------------------
# fault 1: one node dies


def test_a_fleet_health_run_reports_each_cluster_on_its_own(tmp_path):
    """playbooks/fleet.yml runs health.yml for this cluster and for a second one whose only node does not exist
    (issue 20): the broken cluster fails alone, this one's run is limited to its nodes and its arbitrator, and the
    table names the broken one. This cluster's report is judged against crm_mon's own view."""
    rc, out = run_playbook("fleet.yml", {
        "fleet_playbook": "health.yml", "fleet_hosts": "cluster:qd-ghost", "fleet_report_dir": str(tmp_path),
        "fleet_extra_vars": {"health_fail_on_critical": False}},
        host_vars={"qd-ghost": {"cluster_name": "ghost", "ansible_connection": "docker"}}, timeout=600,
        cwd=str(tmp_path))
    assert rc not in (0, None), out[-3000:]
    assert "health.yml failed for ghost" in " ".join(out.split())
    with open(str(tmp_path / "fleet.json")) as f:
        result = json.load(f)
    rows = dict((r["cluster"], r) for r in result["clusters"])
    assert (result["verdict"], result["failed"], list(rows)) == ("failed", ["ghost"], [CLUSTER, "ghost"])
    mine, ghost = rows[CLUSTER], rows["ghost"]
    # health.yml writes its report files on the controller: "changed" there, nothing on the nodes
    assert (mine["verdict"], mine["rc"], mine["nodes"], mine["failed_hosts"]) == ("changed", 0, NODES, [])
    assert ghost["verdict"] == "failed" and ghost["failed_hosts"] + ghost["unreachable_hosts"] == ["qd-ghost"]
    assert ghost["error"].startswith("qd-ghost")
    page = (tmp_path / "fleet.md").read_text()
    assert "2 clusters, failed: ghost." in page
    # each run was limited to its own cluster: this one's log names its nodes and the arbitrator, never the ghost
    log = (tmp_path / (CLUSTER + ".log")).read_text()
    assert "qd-ghost" not in log and all(n in log for n in NODES)
    # this cluster's health report, against the cluster's own view
    with open(str(tmp_path / CLUSTER / "health.json")) as f:
        health = json.load(f)
    checks = dict((c["id"], c) for c in health["checks"])
    online = set(n.get("name") for n in ET.fromstring(
        docker("exec", NODES[0], "crm_mon", "--output-as=xml")).iter("node") if n.get("online") == "true")
    assert online == set(NODES)
    assert checks["nodes-online"]["status"] == "pass" and checks["quorum"]["status"] == "pass"


def test_a_fleet_with_bad_input_runs_nothing(tmp_path):
    """fleet.yml judges its own variables before any cluster's run starts: every message at once, no run, no report."""
    reports = tmp_path / "reports"
    rc, out = run_playbook("fleet.yml", {"fleet_playbook": "rolling_update.yml", "fleet_parallel": 0,
                                         "fleet_timeout": "soon", "fleet_report_dir": str(reports)},
                           timeout=120, cwd=str(tmp_path))
    flat = " ".join(out.split())
    assert rc not in (0, None), out[-2000:]
    assert all(n in flat for n in ("fleet_playbook: 'rolling_update.yml'", "fleet_parallel", "fleet_timeout")), flat[-2000:]
    assert "Fleet | start the runs" not in out and not reports.exists()


def test_fault_kill_a_node_the_other_keeps_quorum_and_the_service():
    victim = resource_nodes(crm_mon("qd-node1"))[0]
    survivor = [n for n in NODES if n != victim][0]
    docker("kill", victim)
    started = time.time()
    try:
        samples = []

        def recovered():
            q = quorum(survivor)
            samples.append(q["quorate"])
            root = crm_mon(survivor)
            return root is not None and resource_nodes(root) == [survivor] and q["quorate"]

        wait_until("%s to run %s after %s died" % (survivor, RESOURCE, victim), recovered, timeout=120)
        print("killed %s: %s ran %s after %.1f s; %d quorum samples"
              % (victim, survivor, RESOURCE, time.time() - started, len(samples)))
        # Quorum held at every sample: one node's vote plus the device's.
        assert all(samples), "the survivor lost quorum at some point: %r" % samples
        q = quorum(survivor)
        assert q["fields"]["Total votes"] == "2" and q["device"] == "1 Qdevice", q["text"]
        assert list(q["members"]) == [survivor]
    finally:
        docker("start", victim)
        wait_until("both nodes back online with the device's vote", cluster_whole, timeout=240, interval=2)
        print("%s back, cluster whole after %.1f s" % (victim, time.time() - started))


# ---------------------------------------------------------------------------------------------
# fault 2: the ring is cut, both halves still reach qnetd


def test_fault_partition_exactly_one_half_keeps_quorum():
    cut = "qd-node2"
    docker("network", "disconnect", RING_NETWORK, cut)
    started = time.time()
    try:
        def split_decided():
            views = dict((n, quorum(n)) for n in NODES)
            if any(len(v["members"]) != 1 for v in views.values()):
                return None  # not yet split: the token has not expired
            quorate = sorted(n for n, v in views.items() if v["quorate"])
            return quorate if len(quorate) == 1 else None

        winner = wait_until("the split to be decided by the device", split_decided, timeout=120)
        print("ring cut at %s: split decided after %.1f s, quorate: %s" % (cut, time.time() - started, winner))
        # Stable: a few seconds later it is still exactly one half.
        time.sleep(10)
        assert split_decided() == winner
        # ffsplit with tie_breaker lowest: the half with node id 1 wins.
        assert winner == ["qd-node1"]
        loser = [n for n in NODES if n not in winner][0]
        assert quorum(loser)["rc"] == 2
        wait_until("%s to run on the quorate half" % RESOURCE,
                   lambda: resource_nodes(crm_mon(winner[0])) == winner, timeout=120)
        print("%s runs on %s after %.1f s" % (RESOURCE, winner[0], time.time() - started))
    finally:
        docker("network", "connect", "--ip", RING_ADDRESS[cut], RING_NETWORK, cut)
        wait_until("both nodes back together with the device's vote", cluster_whole, timeout=240, interval=2)
        print("ring reconnected, cluster whole after %.1f s" % (time.time() - started))
