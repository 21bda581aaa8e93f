# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the report_page filter: a captured health report's Markdown as one HTML page."""

from __future__ import annotations

import json
import re

import pytest
from ansible.errors import AnsibleFilterError

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.filter.cluster import report_page
from ansible_collections.clusterops.ha.plugins.module_utils.health import render_markdown, run_checks
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_state


def h(name):
    return fixture_text("health", name)


def health_markdown():
    status = build_status(crm_mon=parse_crm_mon(h("crm_mon.lab.xml")), quorum=parse_quorumtool(h("quorumtool.lab.txt")),
                          cfgtool=parse_cfgtool(h("cfgtool-s.lab.txt")), dc_state=parse_crmadmin_state(h("crmadmin-S.lab.xml")))
    report = run_checks(status, export(parse(h("cib.lab.xml"))), json.loads(h("node_facts.lab.json")), {"token_ms": 3650})
    return render_markdown(report)


def test_the_health_report_as_a_page():
    md = health_markdown()
    page = report_page(md, "Cluster health")
    assert page.startswith("<!DOCTYPE html>") and "<title>Cluster health</title>" in page
    assert page.count("<table>") == len([ln for ln in md.splitlines() if ln.replace(" ", "").startswith("|---")]) == 1
    assert "<td>quorum</td><td>critical</td><td>pass</td>" in page
    assert "<script" not in page
    for line in md.splitlines():
        if line.startswith("# "):
            assert "<h1>%s</h1>" % line[2:].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in page


@pytest.mark.parametrize("args,message", [
    ((None, "t"), "the input (Markdown) and title must be strings"),
    (("# x", 3), "the input (Markdown) and title must be strings"),
    (("# x", "t", {"a.svg": 1}), "images must map file names to SVG text"),
])
def test_bad_input_is_named(args, message):
    with pytest.raises(AnsibleFilterError, match=re.escape(message)):
        report_page(*args)
