# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the Mermaid map (cluster_doc_mermaid.py) the page embeds: read back with test_cluster_doc.py's
parse_mermaid(), it places every node and resource as crm_mon reports and every constraint as the CIB configures it,
on every lab capture (the bookworm and trixie ones of tests/unit/fixtures/health/ too); it draws the same map as the
DOT diagram; no text from the cluster can change it."""

from __future__ import annotations

import copy
import re

import pytest

from test_cluster_doc import (
    CAPTURES,
    _MERMAID_CODE,
    capture,
    crm_mon_placement,
    inputs,
    instances,
    mermaid_block,
    model_of,
    parse_mermaid,
    rows,
    section,
    synthetic_model,
    unmermaid,
)

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc import cluster_map, mermaid_label, render_dot, render_markdown, render_mermaid


def cib_view(which):
    """What the CIB configures, read straight from its XML: primitives, their group, VIP addresses,
    the primitives inside each group or clone, and the colocations and orders between two resources."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(capture(which, CAPTURES[which][2]))
    resources = root.find("configuration/resources")
    view = {"primitives": [], "stonith": [], "group": {}, "vip": {}, "members": {}, "edges": []}
    for p in resources.iter("primitive"):
        view["primitives"].append(p.get("id"))
        if p.get("class") == "stonith":
            view["stonith"].append(p.get("id"))
        params = dict((nv.get("name"), nv.get("value")) for nv in p.findall("instance_attributes/nvpair"))
        if p.get("type") in ("IPaddr2", "IPaddr") and params.get("ip"):
            view["vip"][p.get("id")] = params["ip"] + ("/" + params["cidr_netmask"] if params.get("cidr_netmask") else "")
    for tag in ("group", "clone"):
        for parent in resources.iter(tag):
            view["members"][parent.get("id")] = [p.get("id") for p in parent.iter("primitive")]
            if tag == "group":
                for p in parent.iter("primitive"):
                    view["group"][p.get("id")] = parent.get("id")
    constraints = root.find("configuration/constraints")
    for c in constraints.findall("rsc_colocation"):
        if c.get("rsc") and c.get("with-rsc"):
            view["edges"].append(("-.->", c.get("rsc"), c.get("with-rsc"), "with %s" % (c.get("score") or "INFINITY")))
    for c in constraints.findall("rsc_order"):
        if c.get("first") and c.get("then"):
            view["edges"].append(("-->", c.get("first"), c.get("then"), "then (%s)" % (c.get("kind") or "Mandatory")))
    return view


def node_states(which):
    """node name -> online/standby/offline, from the crm_mon XML."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(capture(which, CAPTURES[which][1]))
    out = {}
    for n in root.iter("node"):
        if n.get("online") is None:
            continue  # a resource's <node>
        out[n.get("name")] = ("offline" if n.get("online") != "true" else "standby" if n.get("standby") == "true"
                              else "online")
    return out


def test_the_page_embeds_the_map_as_a_mermaid_block():
    markdown = render_markdown(model_of("healthy"))
    titles = re.findall(r"^## (.*)$", markdown, re.M)
    assert titles[:3] == ["Summary", "Map", "Nodes"]
    text = section(markdown, "Map")
    assert text.startswith("\n```mermaid\nflowchart TB\n")
    assert mermaid_block(markdown) == render_mermaid(model_of("healthy"))
    assert "The same map for Graphviz is the DOT diagram written next to this page (`.dot`" in text
    assert rows(markdown, "dc-node1")  # the tables are still tables after the block


@pytest.mark.parametrize("which", sorted(CAPTURES))
def test_mermaid_map_places_every_node_and_resource_as_crm_mon_reports(which):
    mm = parse_mermaid(mermaid_block(render_markdown(model_of(which))))
    placement = crm_mon_placement(which)
    states = node_states(which)
    view = cib_view(which)
    status, _config, _cmap, _versions = inputs(which)

    # every node, in a box of its own with its state (and DC), its border coloured by that state
    boxes = dict((entry["label"][0], (ident, entry)) for ident, entry in mm["subgraphs"].items() if ident[0] == "n")
    assert sorted(boxes) == sorted(states) and len(states) == 3
    colors = {"online": "darkgreen", "standby": "orange", "offline": "red"}
    for name, (ident, entry) in boxes.items():
        state = entry["label"][-1]
        assert state == states[name] + (", DC" if name == status["cluster"]["dc"] else "")
        assert entry["parent"] == "c0"
        assert mm["styles"]["style " + ident].startswith("stroke:%s," % colors[states[name]])
    assert mm["subgraphs"]["c0"]["label"] == ["Cluster lab"]

    # every configured resource: on each node crm_mon runs it on (in its group's box there), or apart
    drawn = instances(mm)
    expected = {}
    for rid in view["primitives"]:
        group = view["group"].get(rid)
        for node in placement.get(rid) or [None]:
            expected[(rid, node, group if node else None)] = True
    assert sorted(drawn, key=repr) == sorted(expected, key=repr)
    for (rid, node, _group), inst in drawn.items():
        if node is None:
            assert inst["class"] == "stopped"
        elif rid in view["vip"]:
            assert inst["class"] == "vip" and "VIP %s" % view["vip"][rid] in inst["label"]
        elif rid in view["stonith"]:
            assert inst["class"] == "fence"
        else:
            assert inst["class"] in ("rsc", "failed")
    # the VIPs run where crm_mon says
    for rid in view["vip"]:
        nodes = [node for (r, node, _group) in drawn if r == rid]
        assert sorted(nodes, key=str) == sorted(placement.get(rid) or [None], key=str)

    # every colocation and order of two resources: between their instances on the same node when there are
    # such, else between all (a group or clone stands for its members)
    ident_of = dict(((r, node), inst["id"]) for (r, node, _group), inst in drawn.items())

    def drawn_as(rid):
        return [(p, node) for p in view["members"].get(rid, [rid]) for node in placement.get(p) or [None]]

    wanted = set()
    for arrow, first, second, label in view["edges"]:
        a, b = drawn_as(first), drawn_as(second)
        pairs = [(x, y) for x in a for y in b if x[1] is not None and x[1] == y[1]] or [(x, y) for x in a for y in b]
        wanted.update((ident_of[x], arrow, label, ident_of[y]) for x, y in pairs)
    edges = [(a, arrow, "<br>".join(text), b) for a, arrow, text, b in mm["edges"]]
    assert len(edges) == len(set(edges)) and set(edges) == wanted and wanted
    colocations = [str(i) for i, e in enumerate(mm["edges"]) if e[1] == "-.->"]
    assert mm["styles"]["linkStyle " + ",".join(colocations)] == "stroke:purple,color:purple"


def test_mermaid_map_of_the_healthy_lab():
    mm = parse_mermaid(render_mermaid(model_of("healthy")))
    drawn = instances(mm)
    assert sorted(drawn) == sorted([
        ("site-vip", "dc-node1", None), ("site-nginx", "dc-node1", None), ("app-nginx", "dc-node1", None),
        ("app-nginx", "dc-node2", None), ("lb-vip", "dc-node2", "lb"), ("lb-haproxy", "dc-node2", "lb"),
        ("app-nginx", "dc-node3", None), ("fence-docker", None, None)])
    assert drawn[("site-vip", "dc-node1", None)]["label"] == ["site-vip", "VIP 172.31.240.100/24", "ocf:heartbeat:IPaddr2"]
    assert drawn[("app-nginx", "dc-node2", None)]["label"] == ["app-nginx", "(app-clone)", "ocf:heartbeat:nginx"]
    assert drawn[("fence-docker", None, None)]["label"] == ["fence-docker", "stonith:fence_docker", "Stopped"]
    label = dict((ident, entry["label"]) for ident, entry in mm["nodes"].items())
    assert [(label[a][0], arrow, text, label[b][0]) for a, arrow, text, b in mm["edges"]] == [
        ("site-nginx", "-.->", ["with INFINITY"], "site-vip"),
        ("site-vip", "-->", ["then (Mandatory)"], "site-nginx"),
        ("app-nginx", "-->", ["then (Optional)"], "lb-vip"),
        ("app-nginx", "-->", ["then (Optional)"], "lb-haproxy")]
    assert mm["subgraphs"]["n3"]["label"] == ["dc-node3", "link 0: 172.31.240.13", "online, DC"]


def test_mermaid_map_of_the_degraded_lab():
    mm = parse_mermaid(render_mermaid(model_of("degraded")))
    drawn = instances(mm)
    assert [key for key in drawn if key[1] in ("dc-node1", "dc-node3")] == []  # standby and offline: empty boxes
    assert ("odd-dummy", "dc-node2", None) in drawn and ("app-nginx", "dc-node2", None) in drawn
    assert [key for key in drawn if key[0] == "app-nginx"] == [("app-nginx", "dc-node2", None)]
    assert mm["subgraphs"]["n1"]["label"][-1] == "standby" and mm["subgraphs"]["n3"]["label"][-1] == "offline"
    assert mm["styles"]["style n1"].startswith("stroke:orange,") and mm["styles"]["style n3"].startswith("stroke:red,")


def test_mermaid_map_of_what_no_capture_has():
    mm = parse_mermaid(render_mermaid(synthetic_model()))
    drawn = instances(mm)
    assert drawn[("app-nginx", "dc-node2", None)]["label"] == ["app-nginx", "(app-clone)", "Promoted", "ocf:heartbeat:nginx"]
    assert drawn[("site-nginx", "dc-node1", None)]["class"] == "failed"
    assert drawn[("site-vip", None, None)]["label"] == ["site-vip", "VIP 172.31.240.100", "ocf:heartbeat:IPaddr2", "Started"]
    assert drawn[("site-vip", None, None)]["class"] == drawn[("lb-haproxy", None, None)]["class"] == "stopped"
    label = dict((ident, entry["label"][0]) for ident, entry in mm["nodes"].items())
    edges = [(label[a], arrow, text[0], label[b]) for a, arrow, text, b in mm["edges"]]
    assert edges.count(("site-vip", "-->", "then (Mandatory)", "site-nginx")) == 1  # twice configured, drawn once
    assert ("lb-vip", "-.->", "with -INFINITY", "app-nginx") in edges
    assert edges.count(("fence-docker", "-->", "then (Serialize)", "app-nginx")) == 3  # stopped: to every instance


@pytest.mark.parametrize("which", sorted(CAPTURES))
def test_mermaid_and_dot_draw_the_same_map(which):
    model = model_of(which)
    mm = parse_mermaid(render_mermaid(model))
    dot = render_dot(model)
    drawn = instances(mm)
    dot_instances = set(re.findall(r'^ +"rsc/([^/"]+)/([^/"]+)" \[', dot, re.M))
    assert dot_instances == set((r, node or "-") for (r, node, _group) in drawn)
    where = dict((inst["id"], (r, node or "-")) for (r, node, _group), inst in drawn.items())
    dot_edges = re.findall(r'^  "rsc/([^/"]+)/([^/"]+)" -> "rsc/([^/"]+)/([^/"]+)" \[(style=dashed|color=blue).*label="([^"]*)"\];$',
                           dot, re.M)
    assert [((a, b), "-.->" if style == "style=dashed" else "-->", label, (c, d))
            for a, b, c, d, style, label in dot_edges] == [
        (where[x], arrow, text[0], where[y]) for x, arrow, text, y in mm["edges"]]
    assert cluster_map(model)["edges"] and len(cluster_map(model)["edges"]) == len(mm["edges"])


HOSTILE = [
    'say "hi"',
    "a]b[c(d)e{f}g",
    "x|y||z",
    "line\nbreak\r\nand\ttab",
    "a --> b -.-> c ==> d",
    "`code` ```fence",
    "<script>alert(1)</script><b>bold</b><br>",
    "%%{init: {\"securityLevel\": \"loose\"}}%%",
    "#quot; #35; &amp; &#60; #",
    "end",
    "click r1 href \"javascript:alert(1)\"",
    "semi; colon: back\\slash \x01\x7f",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_mermaid_label_shows_hostile_text_as_it_is(text):
    label = mermaid_label(text)
    body = label[1:-1]
    assert label == '"%s"' % body and "\n" not in label and "\r" not in label
    assert not set(body) & set('"<>[]{}|`%&'), label
    assert "#" not in _MERMAID_CODE.sub("", body)  # every # starts an entity code
    assert unmermaid(label) == [" ".join(text.split())]


def test_mermaid_label():
    assert mermaid_label('say "hi" <b>#1</b> & [x]|y') == '"say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt; #amp; #91;x#93;#124;y"'
    assert mermaid_label("a\nb  c") == '"a b c"'
    assert mermaid_label("`md` %%") == '"#96;md#96; #37;#37;"'
    assert mermaid_label(None) == '""'


def test_hostile_names_cannot_change_the_map():
    plain = model_of("degraded")
    hostile = copy.deepcopy(plain)
    text = " ".join(HOSTILE)
    hostile["cluster"]["name"] = text
    renamed = {}
    for n in hostile["nodes"]:
        renamed[n["name"]] = n["name"] + text
        n["name"] = renamed[n["name"]]
        n["addresses"] = [{"link": 0, "addr": "fe80::1%eth0 " + text}]
    for r in hostile["resources"]:
        r["id"] += text
        r["agent"] = text
        r["nodes"] = [renamed[node] for node in r["nodes"]]
        r["group"] = r["group"] and r["group"] + text
    for v in hostile["vips"]:
        v["id"] += text
        v["ip"] = text
    for col in hostile["collections"]:
        col["id"] += text
        col["members"] = [m + text for m in col["members"]]
    for con in hostile["constraints"]:
        if con.get("edge"):
            con["edge"] = {"from": con["edge"]["from"] + text, "to": con["edge"]["to"] + text, "label": text}

    page = render_markdown(hostile)
    mm, base = parse_mermaid(mermaid_block(page)), parse_mermaid(render_mermaid(plain))
    # the same boxes, instances, edges and looks, under the same ids
    assert set(mm["subgraphs"]) == set(base["subgraphs"]) and set(mm["nodes"]) == set(base["nodes"])
    assert [(a, arrow, b) for a, arrow, _t, b in mm["edges"]] == [(a, arrow, b) for a, arrow, _t, b in base["edges"]]
    assert mm["classes"] == base["classes"] and mm["styles"] == base["styles"]
    # and every text shown as it is
    shown = " ".join(text.split())
    assert mm["subgraphs"]["c0"]["label"] == ["Cluster " + shown]
    assert mm["subgraphs"]["n2"]["label"] == ["dc-node2" + shown, "link 0: fe80::1%eth0 " + shown, "online, DC"]
    assert mm["nodes"]["r1"]["label"][0] == "site-vip" + shown
    assert all(t == [shown] for _a, _arrow, t, _b in mm["edges"])
    assert "<script" not in page and "<b>" not in page


def test_the_mermaid_map_is_stable():
    assert render_mermaid(model_of("healthy")) == render_mermaid(model_of("healthy", generated_at="another time"))
    model = model_of("degraded")
    before = copy.deepcopy(model)
    render_mermaid(model)
    assert model == before
