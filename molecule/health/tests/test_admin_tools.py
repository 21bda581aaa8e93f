"""The admin interfaces people use on the cluster the collection built on Debian 13: pcs 0.12 and crmsh 5.

Each one's view is compared with the cluster's own (crm_mon XML, crm_resource); each one changes the cluster
once (a node to standby and back), and crm_mon sees it. Runs after side_effect, on a healthy cluster."""

import re
import time
import xml.etree.ElementTree as ET

import pytest

testinfra_hosts = ["ansible://hl-node1"]
NODES = ["hl-node1", "hl-node2", "hl-node3"]


def crm_mon(host):
    return ET.fromstring(host.check_output("crm_mon --output-as=xml"))


def vip_node(host):
    out = host.check_output("crm_resource --locate --resource site-vip")
    return re.search(r"running on: (\S+)", out).group(1)


def standby_of(host, node):
    return [n.get("standby") for n in crm_mon(host).find("nodes") if n.get("name") == node][0]


def wait_standby(host, node, want, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline and standby_of(host, node) != want:
        time.sleep(1)
    return standby_of(host, node)


def test_versions(host):
    assert host.check_output("crm --version").startswith("crm 5.")
    assert host.check_output("pcs --version").startswith("0.12")


@pytest.mark.parametrize("argv", ["crm status", "pcs status"])
def test_status_names_every_node_online_and_the_vip_where_it_runs(host, argv):
    out = host.check_output(argv)
    online = sorted(n.get("name") for n in crm_mon(host).find("nodes") if n.get("online") == "true")
    assert online == NODES
    for node in NODES:
        assert node in out
    line = [ln for ln in out.splitlines() if "site-vip" in ln]
    assert line and vip_node(host) in line[0], out


def test_crmsh_reads_the_configuration_the_collection_wrote(host):
    show = host.check_output("crm configure show site-vip")
    assert re.search(r"^primitive site-vip IPaddr2\b", show, re.M), show
    assert host.run("crm configure verify").rc == 0
    assert "site-vip" in host.check_output("pcs resource config site-vip")


@pytest.mark.parametrize("tool", ["crm", "pcs"])
def test_a_node_to_standby_and_back(host, tool):
    on, off = {"crm": ("crm node standby hl-node3", "crm node online hl-node3"),
               "pcs": ("pcs node standby hl-node3", "pcs node unstandby hl-node3")}[tool]
    try:
        host.check_output(on)
        assert wait_standby(host, "hl-node3", "true") == "true"
    finally:
        host.check_output(off)
    assert wait_standby(host, "hl-node3", "false") == "false"
    assert host.run("crm_resource --wait --timeout 120").rc == 0
