# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the DOT diagram (cluster_doc_dot.py): it parses, it places every resource inside the node it runs
on, and it is byte for byte what it was before the map moved into cluster_map() for the Mermaid map. On the lab
captures and models of test_cluster_doc.py."""

from __future__ import annotations

import hashlib
import re

import pytest

from test_cluster_doc import CAPTURES, _check_dot, inputs, model_of, synthetic_model

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc import build_model, document, render_dot


@pytest.mark.parametrize("which", ["healthy", "degraded"])
def test_dot_parses(which):
    _check_dot(render_dot(model_of(which)))


def test_dot_places_resources_inside_their_nodes():
    dot = render_dot(model_of("healthy"))
    blocks = dict(re.findall(r'subgraph "cluster_node/([^"]+)" \{(.*?)\n  \}', dot, re.S))
    assert sorted(blocks) == ["dc-node1", "dc-node2", "dc-node3"]
    assert '"rsc/site-vip/dc-node1"' in blocks["dc-node1"] and "fillcolor=gold" in blocks["dc-node1"]
    assert "link 0: 172.31.240.11" in blocks["dc-node1"]
    assert '"cluster_group/lb/dc-node2"' in blocks["dc-node2"]
    for node in blocks:
        assert '"rsc/app-nginx/%s"' % node in blocks[node]
    stopped = dot.split('subgraph "cluster_stopped"', 1)[1]
    assert '"rsc/fence-docker/-"' in stopped
    assert '"rsc/site-nginx/dc-node1" -> "rsc/site-vip/dc-node1" [style=dashed' in dot
    assert '"rsc/site-vip/dc-node1" -> "rsc/site-nginx/dc-node1" [color=blue' in dot


def test_dot_and_markdown_are_stable():
    a = document(*inputs("healthy"), generated_at="x")
    b = document(*inputs("healthy"), generated_at="y")
    assert a["dot"] == b["dot"]
    assert a["markdown"].replace("Generated: x", "Generated: y") == b["markdown"]


# The DOT diagram of the captures (and of a synthetic model with what the captures lack), as render_dot()
# wrote it before the map moved into cluster_map() for the Mermaid map (issue 21): sha256 of the text.
# A deliberate change of the DOT output updates these digests in the same commit.
DOT_BEFORE_MERMAID = {
    "healthy": "bcb0c69a374840ef239db3a33d85258013058853e272d8d11e4c67cc6a892efe",
    "degraded": "fd554523a4217db9c5f616c54e052c23c1bedebdccce14104753693a975a9b86",
    "bookworm": "6167f8731233c749511618644c9f26a9c279a35a2ade64fb6af326c790ddfb0c",
    "trixie": "6167f8731233c749511618644c9f26a9c279a35a2ade64fb6af326c790ddfb0c",
    "bookworm-ban": "6167f8731233c749511618644c9f26a9c279a35a2ade64fb6af326c790ddfb0c",
    "trixie-ban": "6167f8731233c749511618644c9f26a9c279a35a2ade64fb6af326c790ddfb0c",
    "healthy without configuration or corosync": "c015bc4f0f0816b795fd202889ffac9c9acfbd45d94dc59348ed1cd7d2119cb7",
    "degraded with odd names": "07e104c7c90e397c3c856b2cf7cf692a8993009fd99141d3848d7c3ee88afd08",
    "synthetic": "474dca948c37e355ffd8bf1db5471ad025ff839df18dcbfbbd12d5b4f28592cb",
}

HEALTHY_DOT = r'''digraph "cluster lab" {
  graph [label="Cluster lab", labelloc=t, fontname=Helvetica, compound=true, rankdir=TB];
  node [fontname=Helvetica, shape=box, style="rounded,filled", fillcolor=white];
  edge [fontname=Helvetica, fontsize=10];
  subgraph "cluster_node/dc-node1" {
    label="dc-node1\nlink 0: 172.31.240.11\nonline"; style=rounded; color=darkgreen; penwidth=2;
    "anchor/dc-node1" [label="", shape=point, style=invis];
    "rsc/site-vip/dc-node1" [label="site-vip\nVIP 172.31.240.100/24\nocf:heartbeat:IPaddr2", shape=box, style="rounded,filled,bold", fillcolor=gold];
    "rsc/site-nginx/dc-node1" [label="site-nginx\nocf:heartbeat:nginx", fillcolor=lightblue];
    "rsc/app-nginx/dc-node1" [label="app-nginx\n(app-clone)\nocf:heartbeat:nginx", fillcolor=lightblue];
  }
  subgraph "cluster_node/dc-node2" {
    label="dc-node2\nlink 0: 172.31.240.12\nonline"; style=rounded; color=darkgreen; penwidth=2;
    "anchor/dc-node2" [label="", shape=point, style=invis];
    "rsc/app-nginx/dc-node2" [label="app-nginx\n(app-clone)\nocf:heartbeat:nginx", fillcolor=lightblue];
    subgraph "cluster_group/lb/dc-node2" {
      label="group lb"; style=dashed; color=grey40;
      "rsc/lb-vip/dc-node2" [label="lb-vip\nVIP 172.31.240.101/24\nocf:heartbeat:IPaddr2", shape=box, style="rounded,filled,bold", fillcolor=gold];
      "rsc/lb-haproxy/dc-node2" [label="lb-haproxy\nsystemd:haproxy", fillcolor=lightblue];
    }
  }
  subgraph "cluster_node/dc-node3" {
    label="dc-node3\nlink 0: 172.31.240.13\nonline, DC"; style=rounded; color=darkgreen; penwidth=2;
    "anchor/dc-node3" [label="", shape=point, style=invis];
    "rsc/app-nginx/dc-node3" [label="app-nginx\n(app-clone)\nocf:heartbeat:nginx", fillcolor=lightblue];
  }
  subgraph "cluster_stopped" {
    label="not running"; style=dashed; color=grey;
    "rsc/fence-docker/-" [label="fence-docker\nstonith:fence_docker\nStopped", fillcolor=grey90, fontcolor=grey30, style="rounded,filled,dashed"];
  }
  "rsc/site-nginx/dc-node1" -> "rsc/site-vip/dc-node1" [style=dashed, color=purple, label="with INFINITY"];
  "rsc/site-vip/dc-node1" -> "rsc/site-nginx/dc-node1" [color=blue, label="then (Mandatory)"];
  "rsc/app-nginx/dc-node2" -> "rsc/lb-vip/dc-node2" [color=blue, label="then (Optional)"];
  "rsc/app-nginx/dc-node2" -> "rsc/lb-haproxy/dc-node2" [color=blue, label="then (Optional)"];
}
'''


def odd_names(model):
    """The degraded model with a cluster name, a node name and an address full of special characters."""
    model["cluster"]["name"] = 'prod|"eu"\\1 <b>'
    model["nodes"][0]["name"] = 'n|"1"'
    model["nodes"][0]["addresses"] = [{"link": 0, "addr": "10.0.0.1|x"}]
    return model


def dot_cases():
    cases = dict((which, model_of(which)) for which in CAPTURES)
    status, _config, _cmap, versions = inputs("healthy")
    cases["healthy without configuration or corosync"] = build_model(status, None, cmap=None, versions=versions)
    cases["degraded with odd names"] = odd_names(model_of("degraded"))
    cases["synthetic"] = synthetic_model()
    return cases


def test_dot_is_what_it_was_before_the_mermaid_map():
    assert render_dot(model_of("healthy")) == HEALTHY_DOT
    digests = dict((name, hashlib.sha256(render_dot(model).encode("utf-8")).hexdigest())
                   for name, model in dot_cases().items())
    assert digests == DOT_BEFORE_MERMAID
