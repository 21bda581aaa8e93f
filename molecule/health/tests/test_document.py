"""The documentation of the healthy cluster (tasks/document.yml) says what the cluster itself says."""

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
testinfra_hosts = ["ansible://hl-node1"]


def saved(ext):
    with open(os.path.join(EPHEMERAL, "document.%s" % ext), encoding="utf-8") as f:
        return f.read()


@pytest.fixture(scope="module")
def crm_mon():
    """crm_mon as it was when the page was written (tasks/document.yml): the scenario moves things later."""
    return ET.fromstring(saved("crm_mon.xml"))


@pytest.fixture(scope="module")
def cmap(host):
    out = {}
    for line in host.check_output("corosync-cmapctl nodelist.").splitlines():
        key, value = line.split(" = ", 1)
        out[key.split(" (")[0]] = value.strip()
    return out


def table_row(markdown, first_cell):
    for line in markdown.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError("no table row for %s" % first_cell)


def placement(crm_mon):
    out = {}
    for r in crm_mon.iter("resource"):
        if r.get("active") == "true":
            out.setdefault(r.get("id"), []).extend(n.get("name") for n in r.findall("node"))
    return out


def test_every_node_and_address(cmap, crm_mon):
    markdown = saved("md")
    names = [v for k, v in cmap.items() if re.match(r"nodelist\.node\.\d+\.name$", k)]
    assert sorted(names) == sorted(n.get("name") for n in crm_mon.find("nodes"))
    for key, name in cmap.items():
        m = re.match(r"nodelist\.node\.(\d+)\.name$", key)
        if not m:
            continue
        row = table_row(markdown, name)
        addr = cmap["nodelist.node.%s.ring0_addr" % m.group(1)]
        assert "link 0: %s" % addr in row[2]
        assert row[1] == cmap["nodelist.node.%s.nodeid" % m.group(1)]
        assert row[3] == "online"


def test_the_site_vip_is_where_crm_mon_says(crm_mon):
    markdown = saved("md")
    model = json.loads(saved("json"))
    vip = [v for v in model["vips"] if v["id"] == "site-vip"][0]
    where = placement(crm_mon)["site-vip"]
    assert vip["nodes"] == where
    row = table_row(markdown, "%s/%s" % (vip["ip"], vip["cidr_netmask"]))
    assert row[1] == "site-vip" and row[3] == ", ".join(where)
    # crm_resource agrees
    assert "is running on: %s" % where[0] in saved("locate.txt")


def test_counts_match_crm_mon(crm_mon):
    model = json.loads(saved("json"))
    lic = model["licensing"]
    nodes = crm_mon.find("nodes")
    assert lic["nodes_configured"] == int(crm_mon.find("summary/nodes_configured").get("number")) == len(nodes)
    assert lic["nodes_online"] == len([n for n in nodes if n.get("online") == "true"])
    assert lic["instances_configured"] == int(crm_mon.find("summary/resources_configured").get("number"))
    assert lic["active_instances"] == sum(len(v) for v in placement(crm_mon).values())
    dc = crm_mon.find("summary/current_dc").get("name")
    assert "Designated controller (DC): %s" % dc in saved("md")


def test_the_diagram_parses():
    dot = saved("dot")
    assert dot.startswith("digraph ") and dot.rstrip().endswith("}")
    if shutil.which("dot"):
        res = subprocess.run(["dot", "-Tcanon"], input=dot, capture_output=True, text=True, check=False)
        assert res.returncode == 0, res.stderr


def test_the_playbook_writes_the_page_and_the_diagram(cmap):
    """playbooks/document.yml, run at the end of the side effect (document_dir from the inventory)."""
    base = os.path.join(EPHEMERAL, "cluster-docs", "health")
    with open(base + ".md", encoding="utf-8") as f:
        page = f.read()
    for key, name in cmap.items():
        if re.match(r"nodelist\.node\.\d+\.name$", key):
            assert name in page
    assert os.path.getsize(base + ".dot") > 0
    if shutil.which("dot"):
        for ext in ("svg", "png"):
            assert os.path.getsize("%s.%s" % (base, ext)) > 0
    # The second run of the playbook changed nothing.
    with open(os.path.join(EPHEMERAL, "document-second-run.json"), encoding="utf-8") as f:
        assert json.load(f)["changed"] == 0


def mermaid_places(markdown):
    """{resource label's first line: [node subgraph names]} from the page's ```mermaid block (None: no block)."""
    m = re.search(r"^```mermaid\n(.*?)^```$", markdown, re.M | re.S)
    if not m:
        return None
    stack, places = [], {}
    for line in m.group(1).splitlines():
        sub = re.match(r'\s*subgraph (\w+)\["([^<"]*)', line)
        if sub:
            stack.append(sub.groups())
            continue
        if line.strip() == "end":
            stack.pop()
            continue
        rsc = re.match(r'\s*r\d+\["([^<"]*)', line)
        if rsc:
            nodes = [label for sid, label in stack if re.match(r"n\d+$", sid)]
            places.setdefault(rsc.group(1), []).extend(nodes or ["(not running)"])
    assert not stack, "every subgraph ends"
    return places


def test_the_page_embeds_a_map_that_places_the_vip_where_crm_mon_says(crm_mon):
    places = mermaid_places(saved("md"))
    assert places is not None, "no mermaid block in the page"
    assert places["site-vip"] == placement(crm_mon)["site-vip"]
    clone = [n for rid, nodes in placement(crm_mon).items() if rid.split(":")[0] == "app-nginx" for n in nodes]
    assert sorted(places["app-nginx"]) == sorted(clone) and len(clone) == 3
