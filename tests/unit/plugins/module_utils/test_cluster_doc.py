# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the documentation engine, on outputs captured from a 3-node bookworm lab.

healthy: the lab's services (site-vip + site-nginx, group lb, clone app-clone; fence-docker stopped
because that lab had no path to the Docker engine). degraded: dc-node1 in standby, dc-node3 stopped
(corosync and Pacemaker), and an extra Dummy whose parameter holds | " < > and a backslash.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import cib, cluster_doc, cluster_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import parse_version
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc import (
    build_model,
    document,
    dot_string,
    md,
    render_dot,
    render_markdown,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl


def doc(name):
    return fixture_text("document", name)


def inputs(which):
    status = cluster_status.build_status(
        crm_mon=cluster_status.parse_crm_mon(doc("crm_mon.%s.xml" % which)),
        quorum=cluster_status.parse_quorumtool(doc("quorumtool.%s.txt" % which)),
        cfgtool=cluster_status.parse_cfgtool(doc("cfgtool-s.%s.txt" % which)),
        dc_state=cluster_status.parse_crmadmin_state(doc("crmadmin-S.%s.xml" % which)),
    )
    config = cib.export(cib.parse(doc("cib.%s.xml" % which)))
    cmap = parse_cmapctl(doc("cmapctl.%s.txt" % which))
    versions = {"corosync": parse_version(doc("corosync-v.txt")),
                "pacemaker": parse_version(doc("pacemakerd-version.txt"))}
    return status, config, cmap, versions


def model_of(which, generated_at="2026-11-25T01:00:00Z"):
    status, config, cmap, versions = inputs(which)
    return build_model(status, config, cmap=cmap, versions=versions, generated_at=generated_at)


def rows(markdown, first_cell):
    """The cells of the table rows whose first cell is first_cell."""
    out = []
    for line in markdown.splitlines():
        if line.startswith("| ") and line.endswith(" |"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if cells and cells[0] == first_cell:
                out.append(cells)
    return out


def section(markdown, title):
    text = markdown.split("## %s\n" % title, 1)[1]
    return text.split("\n## ", 1)[0]


def crm_mon_placement(which):
    """resource id -> nodes, straight from the crm_mon XML (the cluster's own view)."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(doc("crm_mon.%s.xml" % which))
    out = {}
    for r in root.iter("resource"):
        if r.get("active") == "true":
            out.setdefault(r.get("id"), []).extend(n.get("name") for n in r.findall("node"))
    return out


# ---------------------------------------------------------------------------------------------
# parsers


# corosync-cmapctl is parsed by corosync_runtime (tests/unit/plugins/module_utils/test_corosync_runtime.py).


def test_versions():
    assert parse_version(doc("corosync-v.txt")) == "3.1.7"
    assert parse_version(doc("pacemakerd-version.txt")) == "2.1.5"
    assert parse_version("") is None


# ---------------------------------------------------------------------------------------------
# the healthy lab


def test_every_node_is_named_with_its_address_and_state():
    model = model_of("healthy")
    markdown = render_markdown(model)
    cmap = parse_cmapctl(doc("cmapctl.healthy.txt"))
    for i in range(3):
        name = cmap["nodelist.node.%d.name" % i]
        addr = cmap["nodelist.node.%d.ring0_addr" % i]
        (row,) = rows(markdown, name)
        assert row[1] == str(cmap["nodelist.node.%d.nodeid" % i])
        assert row[2] == "link 0: %s" % addr
        assert row[3] == "online"
    assert rows(markdown, "dc-node3")[0][4] == "DC"
    assert [n["name"] for n in model["nodes"] if n["is_dc"]] == ["dc-node3"]


def test_each_vip_is_on_the_node_crm_mon_reports():
    markdown = render_markdown(model_of("healthy"))
    placement = crm_mon_placement("healthy")
    (site,) = rows(markdown, "172.31.240.100/24")
    assert site[1] == "site-vip" and site[3] == ", ".join(placement["site-vip"]) == "dc-node1"
    (lb,) = rows(markdown, "172.31.240.101/24")
    assert lb[1:] == ["lb-vip", "group lb", "dc-node2"] and placement["lb-vip"] == ["dc-node2"]


def test_resources_with_agent_parent_role_nodes_and_meta():
    model = model_of("healthy")
    markdown = render_markdown(model)
    (app,) = rows(markdown, "app-nginx")
    assert app[1:6] == ["ocf:heartbeat:nginx", "clone app-clone", "Started x3", "dc-node1, dc-node2, dc-node3", "yes"]
    (haproxy,) = rows(markdown, "lb-haproxy")
    assert haproxy[2] == "group lb"
    assert "Resource defaults (for every resource without its own value): failure-timeout=600s, " \
           "migration-threshold=3, resource-stickiness=100" in markdown
    site = [r for r in model["resources"] if r["id"] == "site-vip"][0]
    assert site["meta"]["resource-stickiness"] == {"value": "100", "source": "rsc_defaults"}
    assert "clone app-clone: app-nginx (interleave=true); running on dc-node1, dc-node2, dc-node3" in markdown


def test_constraints_in_words():
    text = section(render_markdown(model_of("healthy")), "Constraints")
    assert "site-nginx always runs where site-vip runs" in text
    assert "start site-vip before start site-nginx (Mandatory)" in text
    assert "start app-clone before start lb (Optional" in text


def test_totem_and_quorum_in_seconds():
    model = model_of("healthy")
    t = model["totem"]
    assert (t["token_ms"], t["token_coefficient_ms"], t["nodes"]) == (3000, 650, 3)
    assert t["effective_token_ms"] == t["running_token_ms"] == 3650
    assert (t["effective_token_s"], t["consensus_s"], t["join_s"], t["detection_s"]) == (3.65, 4.38, 0.05, 8.03)
    text = section(render_markdown(model), "Quorum and heartbeat (totem)")
    assert "Effective token: 3.65 s = 3 s + (3 - 2) x 0.65 s; corosync runs 3.65 s" in text
    assert "Consensus: 4.38 s (default: 1.2 x effective token)" in text
    assert "Join: 0.05 s" in text
    assert "crypto aes256/sha256" in text
    assert "two_node no, wait_for_all no, last_man_standing no, auto_tie_breaker no" in text
    assert "Quorum device: none" in text
    assert model["quorum"]["expected_votes"] == 3 and model["quorum"]["quorum_votes"] == 2


def test_fencing_devices_and_their_hosts():
    model = model_of("healthy")
    f = model["fencing"]
    assert f["stonith_enabled"] is True
    assert f["devices"] == [{"id": "fence-docker", "agent": "stonith:fence_docker",
                             "hosts": ["dc-node1", "dc-node2", "dc-node3"], "host_check": "pcmk_host_list",
                             "nodes": [], "role": "Stopped", "failed": False}]
    assert rows(render_markdown(model), "fence-docker")[0][2] == "dc-node1, dc-node2, dc-node3"


def test_licensing_counts_match_crm_mon():
    model = model_of("healthy")
    placement = crm_mon_placement("healthy")
    lic = model["licensing"]
    assert lic["nodes_configured"] == 3 and lic["nodes_online"] == 3
    assert lic["active_instances"] == sum(len(v) for v in placement.values()) == 7
    assert lic["instances_configured"] == 8
    assert dict((a["agent"], a["active"]) for a in lic["per_agent"]) == {
        "ocf:heartbeat:IPaddr2": 2, "ocf:heartbeat:nginx": 4, "systemd:haproxy": 1}
    assert lic["per_clone"] == [{"clone": "app-clone", "active": 3}]


def test_summary():
    markdown = render_markdown(model_of("healthy"))
    assert markdown.startswith("# Cluster lab\n\nGenerated: 2026-11-25T01:00:00Z\n")
    summary = section(markdown, "Summary")
    assert "- Stack: corosync 3.1.7, Pacemaker 2.1.5" in summary
    assert "- Designated controller (DC): dc-node3 (Pacemaker 2.1.5-a3f44794f94)" in summary
    assert "- Quorum: quorate - 3 of 3 expected votes, 2 needed" in summary


def test_without_generated_at_the_page_is_the_same_but_for_that_line():
    with_time = render_markdown(model_of("healthy"))
    without = render_markdown(model_of("healthy", generated_at=None))
    assert "Generated:" not in without
    assert with_time.replace("Generated: 2026-11-25T01:00:00Z\n\n", "") == without


def test_secret_parameters_are_never_copied():
    status, config, cmap, versions = inputs("healthy")
    fence = [p for p in config["primitives"] if p["id"] == "fence-docker"][0]
    fence["params"].update({"password": "s3cret", "ssh_key": "/root/.ssh/id", "community": "public"})
    result = document(status, config, cmap=cmap, versions=versions)
    assert "s3cret" not in repr(result) and "/root/.ssh/id" not in repr(result)
    params = [r for r in result["model"]["resources"] if r["id"] == "fence-docker"][0]["params"]
    assert params["password"] == params["ssh_key"] == params["community"] == "(redacted)"
    assert params["ipport"] == "2376"


# ---------------------------------------------------------------------------------------------
# the degraded lab: standby, offline, odd characters


def test_standby_and_offline_nodes():
    model = model_of("degraded")
    markdown = render_markdown(model)
    assert rows(markdown, "dc-node1")[0][2:4] == ["link 0: 172.31.240.11", "standby"]
    assert rows(markdown, "dc-node1")[0][5] == "-"
    assert rows(markdown, "dc-node3")[0][2:4] == ["link 0: 172.31.240.13", "offline"]
    assert [n["corosync_member"] for n in model["nodes"]] == ["joined", "joined", "left"]
    assert model["licensing"]["nodes_online"] == 2 and model["licensing"]["nodes_configured"] == 3
    assert "- Quorum: quorate - 2 of 3 expected votes, 2 needed" in markdown


def test_vips_moved_with_the_standby():
    markdown = render_markdown(model_of("degraded"))
    placement = crm_mon_placement("degraded")
    assert rows(markdown, "172.31.240.100/24")[0][3] == ", ".join(placement["site-vip"]) == "dc-node2"


def test_clone_with_stopped_instances_and_counts():
    model = model_of("degraded")
    placement = crm_mon_placement("degraded")
    app = [r for r in model["resources"] if r["id"] == "app-nginx"][0]
    assert app["role"] == "Started x1, Stopped x2" and app["nodes"] == ["dc-node2"]
    assert model["licensing"]["active_instances"] == sum(len(v) for v in placement.values()) == 6
    assert model["licensing"]["per_clone"] == [{"clone": "app-clone", "active": 1}]


def test_markdown_escapes_pipes_quotes_and_html():
    markdown = render_markdown(model_of("degraded"))
    (odd,) = rows(markdown, "odd-dummy")
    assert len(odd) == 8, odd  # the | in the parameter did not split the row
    assert odd[7] == 'fake=a\\|b "c" &lt;d&gt; {e} \\\\x'
    assert odd[6] == "resource-stickiness=50"
    assert "<d>" not in markdown


def test_user_text_is_escaped_everywhere():
    model = model_of("degraded")
    model["cluster"]["name"] = 'prod|"eu"\\1 <b>'
    model["nodes"][0]["name"] = 'n|"1"'
    model["nodes"][0]["addresses"] = [{"link": 0, "addr": "10.0.0.1|x"}]
    markdown = render_markdown(model)
    assert markdown.startswith("# Cluster prod\\|\"eu\"\\\\1 &lt;b&gt;\n")
    assert '| n\\|"1" | 1 | link 0: 10.0.0.1\\|x | standby |' in markdown
    dot = render_dot(model)
    assert 'label="Cluster prod|\\"eu\\"\\\\1 <b>"' in dot
    assert '"cluster_node/n|\\"1\\""' in dot
    _check_dot(dot)


def test_md_and_dot_string():
    assert md("a|b\nc*d_e`f[g]h#") == "a\\|b c\\*d\\_e\\`f\\[g\\]h\\#"
    assert md(None) == ""
    assert dot_string('say "hi"\\n\nnext') == '"say \\"hi\\"\\\\n\\nnext"'


# ---------------------------------------------------------------------------------------------
# DOT


def _check_dot(text):
    """dot -Tcanon when Graphviz is installed; a structural check either way."""
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    body = re.sub(r'"(\\.|[^"\\])*"', '""', text)  # strip quoted strings
    assert body.count("{") == body.count("}")
    assert '"' not in re.sub(r'""', "", body)
    if shutil.which("dot"):
        res = subprocess.run(["dot", "-Tcanon"], input=text, capture_output=True, text=True, check=False)
        assert res.returncode == 0, res.stderr
        assert not res.stderr.strip(), res.stderr
        return res.stdout
    return None


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


# ---------------------------------------------------------------------------------------------
# corosync settings beyond the lab's


def test_two_node_qdevice_and_explicit_timers():
    cmap = parse_cmapctl(doc("cmapctl.healthy.txt"))
    cmap = dict((k, v) for k, v in cmap.items() if not k.startswith("nodelist.node.2."))
    cmap.update({"totem.token": 5000, "totem.consensus": 6000, "quorum.two_node": 1,
                 "quorum.device.model": "net", "quorum.device.net.host": "qnetd.example",
                 "quorum.device.votes": 1, "quorum.last_man_standing": "0"})
    settings = cluster_doc.corosync_settings(cmap)
    t = settings["totem"]
    assert (t["nodes"], t["token_ms"], t["effective_token_ms"], t["token_explicit"]) == (2, 5000, 5000, True)
    assert t["consensus_explicit"] is True
    q = settings["quorum"]
    assert q["two_node"] is True and q["wait_for_all"] is True and q["wait_for_all_explicit"] is False
    assert q["device"]["host"] == "qnetd.example" and q["device"]["algorithm"] == "ffsplit"
    status, config, _cmap, versions = inputs("healthy")
    markdown = render_markdown(build_model(status, config, cmap=cmap, versions=versions))
    assert "Quorum device: model net, host qnetd.example, algorithm ffsplit, tie_breaker lowest, votes 1" in markdown
    assert "(2 nodes or fewer: not scaled)" in markdown
    assert "two_node yes, wait_for_all yes (implied by two_node)" in markdown


def test_without_corosync_settings_or_configuration():
    status, config, _cmap, versions = inputs("healthy")
    model = build_model(status, None, cmap=None, versions=versions)
    markdown = render_markdown(model)
    assert "totem settings unknown" in markdown
    assert [n["name"] for n in model["nodes"]] == ["dc-node1", "dc-node2", "dc-node3"]
    assert model["resources"] == [] and model["licensing"]["active_instances"] == 7
    _check_dot(render_dot(model))


def test_constraint_wording():
    words = cluster_doc._constraints({
        "locations": [
            {"id": "cli-ban-site-vip-on-n1", "resource": "site-vip", "node": "n1", "score": "-INFINITY"},
            {"id": "prefer", "resource": "db", "node": "n2", "score": "50", "role": "Promoted"},
            {"id": "rule", "resource": "web", "rules": [{"score": "-INFINITY", "boolean_op": "or", "expressions": [
                {"attribute": "pingd", "operation": "not_defined"},
                {"attribute": "pingd", "operation": "lte", "value": "0"}]}]},
        ],
        "colocations": [{"id": "apart", "resource": "a", "with": "b", "score": "-INFINITY"},
                        {"id": "promoted", "resource": "vip", "with": "db", "score": "INFINITY",
                         "with_role": "Promoted"}],
        "orders": [{"id": "o", "first": "db", "then": "app", "first_action": "promote", "then_action": "start",
                    "symmetrical": "false"},
                   {"id": "s", "sets": [{"resources": ["a", "b"]}, {"resources": ["c"], "sequential": "false"}]}],
        "tickets": [{"id": "t", "ticket": "site-a", "resource": "db", "loss_policy": "stop"}],
    })
    texts = dict((w["id"], w["text"]) for w in words)
    assert texts["cli-ban-site-vip-on-n1"].startswith("site-vip must never run on n1 - left by crm_resource")
    assert texts["prefer"] == "db (Promoted) prefers n2 (score 50)"
    assert texts["rule"] == "web: score -INFINITY where pingd is not defined or pingd <= 0"
    assert texts["apart"] == "a never runs where b runs"
    assert texts["promoted"] == "vip always runs where db (Promoted) runs"
    assert texts["o"] == "promote db before start app (Mandatory), not reversed when stopping"
    assert texts["s"] == "in order: {a, b}, then {c} (not sequential) (Mandatory)"
    assert texts["t"] == "db runs only while ticket site-a is granted (loss-policy stop)"
    assert [w["edge"] for w in words if w["edge"]][0] == {"from": "a", "to": "b", "label": "with -INFINITY"}


def test_inputs_are_not_changed():
    status, config, cmap, versions = inputs("degraded")
    before = copy.deepcopy((status, config, cmap))
    document(status, config, cmap=cmap, versions=versions)
    assert (status, config, cmap) == before
