# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the documentation engine, on outputs captured from a 3-node bookworm lab.

healthy: the lab's services (site-vip + site-nginx, group lb, clone app-clone; fence-docker stopped
because that lab had no path to the Docker engine). degraded: dc-node1 in standby, dc-node3 stopped
(corosync and Pacemaker), and an extra Dummy whose parameter holds | " < > and a backslash.
The map is also checked on the bookworm and trixie lab captures of tests/unit/fixtures/health/.
The drawings have tests of their own (test_cluster_doc_dot.py, test_cluster_doc_mermaid.py), on the inputs and
with the readers defined here; the Storage section's are in test_cluster_doc_storage.py.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys

from conftest import ROOT, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import (
    cib,
    cib_export,
    cluster_doc,
    cluster_doc_model,
    snapshot,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import parse_version
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc import (
    build_model,
    document,
    cluster_map,
    dot_string,
    md,
    render_dot,
    render_markdown,
    render_mermaid,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl


def doc(name):
    return fixture_text("document", name)


# Every capture the map is checked on: name -> (fixture directory, crm_mon file, CIB file, the other files' infix).
CAPTURES = {
    "healthy": ("document", "crm_mon.healthy.xml", "cib.healthy.xml", "healthy"),
    "degraded": ("document", "crm_mon.degraded.xml", "cib.degraded.xml", "degraded"),
    "bookworm": (os.path.join("health", "bookworm"), "crm_mon.lab.xml", "cib.lab.xml", "lab"),
    "trixie": (os.path.join("health", "trixie"), "crm_mon.lab.xml", "cib.lab.xml", "lab"),
    # a ban on site-vip and a failed site-nginx with its fail count
    "bookworm-ban": (os.path.join("health", "bookworm"), "crm_mon.lab-failcount.xml", "cib.lab-ban.xml", "lab"),
    "trixie-ban": (os.path.join("health", "trixie"), "crm_mon.lab-failcount.xml", "cib.lab-ban.xml", "lab"),
}


def capture(which, name):
    return fixture_text(CAPTURES[which][0], name)


def inputs(which):
    directory, crm_mon, cib_file, infix = CAPTURES[which]

    def text(name):
        return fixture_text(directory, name)

    status = build_status(
        crm_mon=parse_crm_mon(text(crm_mon)),
        quorum=parse_quorumtool(text("quorumtool.%s.txt" % infix)),
        cfgtool=parse_cfgtool(text("cfgtool-s.%s.txt" % infix)),
        dc_state=parse_crmadmin_state(text("crmadmin-S.%s.xml" % infix)),
    )
    config = cib_export.export(cib.parse(text(cib_file)))
    cmap = parse_cmapctl(text("cmapctl.%s.txt" % infix))
    versions = {"corosync": parse_version(text("corosync-v.txt")),
                "pacemaker": parse_version(text("pacemakerd-version.txt"))}
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
    root = ET.fromstring(capture(which, CAPTURES[which][1]))
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
# the drawings: what the tests of both read them with (test_cluster_doc_dot.py and
# test_cluster_doc_mermaid.py hold the tests of each)


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


def synthetic_model():
    """The healthy lab with what no capture has: a promoted and a failed instance, a VIP and a group member
    that run nowhere, constraints between a group and a clone, from a stopped resource, twice the same
    and to a resource that does not exist."""
    model = model_of("healthy")
    res = dict((r["id"], r) for r in model["resources"])
    res["app-nginx"]["promoted_on"] = ["dc-node2"]
    res["site-nginx"]["failed"] = True
    res["lb-haproxy"]["nodes"] = []
    res["site-vip"]["nodes"] = []

    def edge(kind, cid, first, then, label):
        return {"kind": kind, "id": cid, "text": "", "edge": {"from": first, "to": then, "label": label}}

    model["constraints"] += [
        edge("colocation", "x1", "lb", "app-clone", "with -INFINITY"),
        edge("order", "x2", "fence-docker", "app-clone", "then (Serialize)"),
        edge("order", "x3", "site-vip", "site-nginx", "then (Mandatory)"),
        edge("order", "x4", "nothing", "app-clone", "then (Mandatory)"),
    ]
    return model


_MERMAID_CODE = re.compile(r"#(quot|amp|lt|gt|\d+);")
_MERMAID_NAMED = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}


def unmermaid(label):
    """The text a quoted Mermaid label shows: its lines, entity codes decoded."""
    assert label.startswith('"') and label.endswith('"') and '"' not in label[1:-1], label
    return [_MERMAID_CODE.sub(lambda m: _MERMAID_NAMED.get(m.group(1)) or chr(int(m.group(1))), line)
            for line in label[1:-1].split("<br>")]


_MM_SUBGRAPH = re.compile(r'^( *)subgraph ([cngs]\d+)\[("[^"]*")\]$')
_MM_NODE = re.compile(r'^( *)([rt]\d+)\[("[^"]*")\]$')
_MM_EDGE = re.compile(r'^  ([rt]\d+) (-\.->|-->)\|("[^"]*")\| (r\d+)$')
_MM_CLASS = re.compile(r"^  class ([rt]\d+(?:,[rt]\d+)*) ([a-z]+)$")
_MM_STYLE = re.compile(r"^  (classDef [a-z]+|style [cngs]\d+|linkStyle \d+(?:,\d+)*) ([a-z-]+:[a-z0-9 ]+(?:,[a-z-]+:[a-z0-9 ]+)*)$")


def parse_mermaid(text):
    """The map back from render_mermaid()'s text, line by line; any line of another form fails the test.

    {"subgraphs": {id: {"label": [lines], "parent": id}}, "nodes": {id: {"label": [lines], "parent": id}},
     "edges": [(from, arrow, [label lines], to)], "classes": {id: class}, "styles": {"style n1": "..."}}
    """
    lines = text.split("\n")
    assert lines[0] == "flowchart TB" and lines[-1] == "", lines[:1] + lines[-1:]
    out = {"subgraphs": {}, "nodes": {}, "edges": [], "classes": {}, "styles": {}}
    stack = []
    for line in lines[1:-1]:
        sub, node, edge = _MM_SUBGRAPH.match(line), _MM_NODE.match(line), _MM_EDGE.match(line)
        cls, style = _MM_CLASS.match(line), _MM_STYLE.match(line)
        if sub:
            assert len(sub.group(1)) == 2 + 2 * len(stack), line
            assert sub.group(2) not in out["subgraphs"], line
            out["subgraphs"][sub.group(2)] = {"label": unmermaid(sub.group(3)), "parent": stack[-1] if stack else None}
            stack.append(sub.group(2))
        elif line.strip() == "end":
            assert stack and len(line) - 3 == 2 * len(stack), line
            stack.pop()
        elif line == "    direction TB":
            assert stack == ["c0"]
        elif node:
            assert stack and len(node.group(1)) == 2 + 2 * len(stack), line
            assert node.group(2) not in out["nodes"], line
            out["nodes"][node.group(2)] = {"label": unmermaid(node.group(3)), "parent": stack[-1]}
        elif edge:
            assert not stack, line
            out["edges"].append((edge.group(1), edge.group(2), unmermaid(edge.group(3)), edge.group(4)))
        elif cls:
            assert not stack, line
            for ident in cls.group(1).split(","):
                assert ident not in out["classes"], line
                out["classes"][ident] = cls.group(2)
        elif style:
            assert not stack, line
            out["styles"][style.group(1)] = style.group(2)
        else:
            raise AssertionError("not a line render_mermaid() writes: %r" % line)
    assert not stack, "subgraphs left open: %s" % stack
    assert list(out["subgraphs"])[0] == "c0"
    for frm, _arrow, _label, to in out["edges"]:
        assert frm in out["nodes"] and to in out["nodes"]
    assert set(out["classes"]) == set(out["nodes"])
    return out


def instances(mm):
    """(resource id, node name or None, group or None) -> the instance's label lines and class (tickets, t1..,
    are no instance)."""
    out = {}
    for ident, entry in mm["nodes"].items():
        if ident.startswith("t"):
            continue
        node = group = None
        parent = entry["parent"]
        if parent.startswith("g"):
            assert mm["subgraphs"][parent]["label"][0].startswith("group ")
            group = mm["subgraphs"][parent]["label"][0][len("group "):]
            parent = mm["subgraphs"][parent]["parent"]
        if parent.startswith("n"):
            node = mm["subgraphs"][parent]["label"][0]
        else:
            assert parent == "s0" and mm["subgraphs"]["s0"]["label"] == ["not running"]
        assert mm["subgraphs"][parent]["parent"] == "c0"
        key = (entry["label"][0], node, group)
        assert key not in out, key
        out[key] = {"id": ident, "label": entry["label"], "class": mm["classes"][ident]}
    return out


def mermaid_block(markdown):
    """The text of the page's only ```mermaid block, checking that it is fenced as it should be."""
    lines = markdown.split("\n")
    assert lines.count("```mermaid") == 1
    start = lines.index("```mermaid")
    end = lines.index("```", start + 1)
    assert [line for line in lines if line.startswith("```")] == ["```mermaid", "```"]
    return "\n".join(lines[start + 1:end]) + "\n"


# docs/examples/cluster-map.md is this page's map of the healthy lab, as the code draws it now.
# After a change of the map: REGEN_DOC_EXAMPLES=1 ../../.venv/bin/python -m pytest -q
# plugins/module_utils/test_cluster_doc.py -k example (in tests/unit) writes it again; commit the result.
EXAMPLE = os.path.join(ROOT, "docs", "examples", "cluster-map.md")
EXAMPLE_HEAD = """# Example: the map of the lab cluster

The `## Map` section of the page that `playbooks/document.yml` writes (see [the user guide](../documentation.md)),
for the healthy three-node lab captured in `tests/unit/fixtures/document/` (site-vip with site-nginx, group lb,
the app-clone on every node, fence-docker stopped because that lab had no path to the Docker engine).
GitHub, GitLab and Gitea draw the block below as a picture.

Generated by the code: `tests/unit/plugins/module_utils/test_cluster_doc.py` checks that this file is what
`render_markdown()` writes now (`REGEN_DOC_EXAMPLES=1` writes it again).

"""


def example_text():
    return EXAMPLE_HEAD + "## Map\n" + section(render_markdown(model_of("healthy", generated_at=None)), "Map")


def test_the_docs_example_is_what_the_code_draws():
    text = example_text()
    if os.environ.get("REGEN_DOC_EXAMPLES") == "1":
        os.makedirs(os.path.dirname(EXAMPLE), exist_ok=True)
        with open(EXAMPLE, "w", encoding="utf-8") as f:
            f.write(text)
    with open(EXAMPLE, encoding="utf-8") as f:
        assert f.read() == text, "docs/examples/cluster-map.md is out of date: REGEN_DOC_EXAMPLES=1 writes it again"
    assert mermaid_block(text) == render_mermaid(model_of("healthy"))


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
    words = cluster_doc_model._constraints({
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


# ---------------------------------------------------------------------------------------------
# the audit trail


def test_the_audit_trail_from_the_snapshot_history():
    change = {"user": "operator", "client": "crm_attribute", "origin": "lab-node2", "written": "Sat Dec  5 19:31:07 2026"}
    log = ("0123456789abcdef0123\x1f2026-12-06T02:41:07+00:00\x1f"
           + snapshot.commit_message([], "ops@ctl", "failover_drill.yml: after", "lab", run=True) + "\x1e\n"
           + "fedcba9876543210fedc\x1f2026-12-05T19:40:00+00:00\x1f"
           + snapshot.commit_message(["cib: node lab-node2 standby on", "cib: resource x | y added", "c", "d"],
                                     "ops@ctl", "snapshot.yml", "lab", cib_change=change) + "\x1e\n")
    history = snapshot.parse_history(log)
    status, config, cmap, versions = inputs("bookworm")
    result = document(status, config, cmap=cmap, versions=versions, history=history)
    assert [(e["commit"], e["run"]) for e in result["model"]["history"]] == [("0123456789ab", True), ("fedcba987654", False)]
    text = section(result["markdown"], "Changes (audit trail)")
    assert text.strip().startswith("The last 2 commits of the configuration snapshot repository, newest first")
    assert rows(text, "2026-12-06T02:41:07+00:00") == [[
        "2026-12-06T02:41:07+00:00", "run, no configuration change", "ops@ctl", md("failover_drill.yml: after"), "-",
        "0123456789ab"]]
    (row,) = rows(text, "2026-12-05T19:40:00+00:00")
    # the commit's subject (its first three changes, a | in one escaped), and who changed the CIB last
    assert row[1] == "cib: node lab-node2 standby on; cib: resource x \\| y added; c; (+1 more)"
    assert row[4] == md("by operator through crm_attribute on lab-node2, Sat Dec 5 19:31:07 2026")
    # an empty repository says so; without a history the page has no such section
    empty = document(status, config, cmap=cmap, versions=versions, history=[])["markdown"]
    assert section(empty, "Changes (audit trail)").strip() == "No configuration snapshot yet (docs/snapshots.md)."
    plain = document(status, config, cmap=cmap, versions=versions)
    assert "## Changes (audit trail)" not in plain["markdown"] and plain["model"]["history"] is None


# ---------------------------------------------------------------------------------------------
# a geo cluster's site (fixtures/booth, the geo scenario)


def geo_model(crm_mon):
    status = build_status(crm_mon=parse_crm_mon(fixture_text("booth", crm_mon)))
    config = cib_export.export(cib.parse(fixture_text("booth", "cib-site-a.xml")))
    return build_model(status, config, generated_at="2026-12-06T19:50:00Z")


def test_a_geo_site_documents_its_tickets_and_what_they_guard():
    model = geo_model("crm_mon-site-granted.xml")
    assert model["tickets"] == [{"ticket": "geo-web", "granted": True, "standby": False,
                                 "last_granted": "Sun Dec  6 19:34:11 2026", "resources": ["geo-service"]}]
    text = render_markdown(model)
    assert rows(section(text, "Tickets (geo cluster)"), "geo-web") == [
        ["geo-web", "granted", "Sun Dec 6 19:34:11 2026", "geo-service"]]
    assert "geo-service runs only while ticket geo-web is granted (loss-policy stop)" in section(text, "Constraints")


def test_a_site_that_does_not_hold_the_ticket_says_so():
    model = geo_model("crm_mon-site-revoked.xml")
    assert [(t["ticket"], t["granted"]) for t in model["tickets"]] == [("geo-web", False)]
    assert rows(render_markdown(model), "geo-web")[0][1] == "not granted"


def test_a_cluster_without_tickets_has_no_ticket_section():
    model = model_of("healthy")
    assert model["tickets"] == []
    assert "## Tickets" not in render_markdown(model)


def test_the_map_draws_the_ticket_granted_here_and_what_it_guards():
    model = geo_model("crm_mon-site-granted.xml")
    dot = render_dot(model)
    _check_dot(dot)
    assert ('"ticket/geo-web" [label="ticket geo-web\\ngranted here", shape=note, style=filled, '
            'fillcolor=palegreen];') in dot
    # The ticket is drawn apart from the nodes; its edge goes to the service where crm_mon runs it.
    assert dot.index('"ticket/geo-web" [') > dot.rindex("subgraph")
    assert '"ticket/geo-web" -> "rsc/geo-service/geo-a1" [style=dotted, color=darkgreen, label="needs"];' in dot
    assert dot.count('"ticket/geo-web" ->') == 1  # booth's own group needs no ticket
    mm = parse_mermaid(mermaid_block(render_markdown(model)))
    assert mm["nodes"]["t1"]["label"] == ["ticket geo-web", "granted here"]
    label = dict((ident, entry["label"][0]) for ident, entry in mm["nodes"].items())
    assert [(label[a], arrow, text, label[b]) for a, arrow, text, b in mm["edges"]] == [
        ("ticket geo-web", "-.->", ["needs"], "geo-service")]
    assert mm["styles"]["linkStyle 0"] == "stroke:darkgreen,color:darkgreen"


def test_the_map_of_a_site_without_the_ticket_shows_it_not_granted_and_the_service_stopped():
    model = geo_model("crm_mon-site-revoked.xml")
    dot = render_dot(model)
    _check_dot(dot)
    assert '"ticket/geo-web" [label="ticket geo-web\\nnot granted here", shape=note, style="filled,dashed"' in dot
    assert '"ticket/geo-web" -> "rsc/geo-service/-" [style=dotted' in dot
    mm = parse_mermaid(render_mermaid(model))
    assert mm["nodes"]["t1"]["label"] == ["ticket geo-web", "not granted here"]
    assert "class t1 ticketoff" in render_mermaid(model)


def test_a_map_without_tickets_draws_none():
    assert '"ticket/' not in render_dot(model_of("healthy"))
    assert cluster_map(model_of("healthy"))["tickets"] == []


# ---------------------------------------------------------------------------------------------
# the public face


# What cluster_doc.py offered before it was split by concern (issue 19); callers import them from there.
PUBLIC_NAMES = (
    "CMAP_PREFIXES", "DEFAULT_LMS_WINDOW_MS", "DOT_LOOKS", "DOT_TICKET_LOOKS", "HISTORY_KEYS", "MERMAID_CLASSES",
    "MERMAID_LINK_COLORS", "SCORE_INFINITY", "STATE_COLORS", "STORAGE_AGENTS", "TOTEM_COUNTS", "TOTEM_TIMERS",
    "VIP_AGENTS", "build_model", "cluster_map", "corosync_settings", "document", "dot_string", "instance_look", "md",
    "mermaid_label", "render_dot", "render_markdown", "render_mermaid", "storage",
)


def test_cluster_doc_keeps_its_public_names():
    """Every name cluster_doc.py offered is still there, each function the one of the cluster_doc_* module that
    does the work."""
    assert sorted(cluster_doc.__all__) == sorted(PUBLIC_NAMES)
    for name in PUBLIC_NAMES:
        value = getattr(cluster_doc, name)
        if callable(value):
            module = sys.modules[value.__module__]
            assert module.__name__.startswith(cluster_doc.__name__), name
            assert getattr(module, name) is value, name
