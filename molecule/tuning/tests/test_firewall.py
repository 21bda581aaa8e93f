"""The cluster's firewall (issue 17), seen from the nodes and from a host that is no member: the Docker host,
172.31.249.1 on the scenario's network. nft's own view of the table, pcsd unreachable from the host while the
nodes reach it, junk UDP from the host to corosync's port dropped before corosync sees it, and the guarded services
(cluster_firewall_services): web lets the host in, metrics only the nodes.

Nothing listens on the services' ports: a connection that gets through is refused by the node's kernel at once
(a reset), one the table drops times out. That tells the two apart without a server."""

import socket
import time

import pytest

NODES = {"tu-node1": "172.31.249.11", "tu-node2": "172.31.249.12", "tu-node3": "172.31.249.13"}
testinfra_hosts = ["ansible://" + n for n in NODES]
OUTSIDER = "172.31.249.1"  # the Docker host, where these tests run


def name_of(host):
    return host.check_output("hostname")


def test_the_table_holds_the_nodelist_and_is_loaded_by_its_unit(host):
    table = " ".join(host.check_output("nft list table inet clusterops").split())  # nft wraps long sets
    assert "set nodes4 { type ipv4_addr elements = { %s } }" % ", ".join(NODES[n] for n in sorted(NODES)) in table
    assert "udp dport 5405 ip saddr @nodes4 accept" in table
    unit = host.service("clusterops-firewall")
    assert unit.is_enabled and unit.is_running


def test_pcsd_is_dropped_for_an_outsider_and_open_to_the_nodes(host):
    address = NODES[name_of(host)]
    with pytest.raises(OSError):  # dropped, not refused: the connection times out
        socket.create_connection((address, 2224), timeout=3).close()
    other = sorted(NODES)[(sorted(NODES).index(name_of(host)) + 1) % 3]
    assert host.run("timeout 5 bash -c '</dev/tcp/%s/2224'" % NODES[other]).rc == 0


def drops(host, comment):
    for line in host.check_output("nft list chain inet clusterops input").splitlines():
        if comment in line:
            return int(line.split("counter packets ")[1].split()[0])
    raise AssertionError("no rule %r" % comment)


def test_junk_udp_from_an_outsider_never_reaches_corosync(host):
    address = NODES[name_of(host)]
    before = drops(host, "corosync knet from elsewhere")
    since = host.check_output("date '+%Y-%m-%d %H:%M:%S'")
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for i in range(5):
            sender.sendto(b"not knet %d" % i, (address, 5405))
    finally:
        sender.close()
    time.sleep(2)
    assert drops(host, "corosync knet from elsewhere") >= before + 5
    log = host.check_output("journalctl -u corosync --since '%s' --no-pager -o cat" % since)
    assert OUTSIDER not in log, log


def connect_from_the_host(address, port):
    """"refused" (the packet reached the node), "dropped" (timed out) or "open"."""
    try:
        socket.create_connection((address, port), timeout=3).close()
        return "open"
    except ConnectionRefusedError:
        return "refused"
    except OSError:
        return "dropped"


def test_a_service_is_reached_from_its_source_and_the_nodes_and_dropped_from_elsewhere(host):
    address = NODES[name_of(host)]
    table = " ".join(host.check_output("nft list chain inet clusterops input").split())
    assert "tcp dport 8080 ip saddr @svc0_4 accept" in table
    assert "tcp dport { 9100, 9200-9201 } ip saddr @svc1_4 accept" in table
    # web: the host is its source.
    assert connect_from_the_host(address, 8080) == "refused"
    # metrics: for the nodes only; every port of it, the range's last one too.
    before = drops(host, "service metrics from elsewhere")
    assert [connect_from_the_host(address, p) for p in (9100, 9201)] == ["dropped", "dropped"]
    assert drops(host, "service metrics from elsewhere") > before
    other = sorted(NODES)[(sorted(NODES).index(name_of(host)) + 1) % 3]
    got = host.run("timeout 5 bash -c '</dev/tcp/%s/9100'" % NODES[other])
    assert got.rc != 124 and "refused" in got.stderr, (got.rc, got.stderr)  # reached the other node's kernel
    # A port no service names stays untouched: refused, not dropped.
    assert connect_from_the_host(address, 9300) == "refused"
