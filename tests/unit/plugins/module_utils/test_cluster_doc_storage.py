# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Storage section of the living documentation (cluster_doc_storage.py) on the lab with PostgreSQL under PAF and the
file service (fixtures/document/*.storage*: crm_mon, cibadmin --query, corosync's outputs and every node's
cluster_node_facts, captured together): which node is the database primary, how the standbys replicate, where the
Filesystem is mounted, in the Markdown and in both diagrams. Variations of the facts reuse psql's real outputs of
fixtures/postgresql (test_postgresql.fact) with the standby's application_name renamed to the lab's node."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET

import pytest

from conftest import fixture_text
from test_postgresql import fact

from ansible_collections.clusterops.ha.plugins.module_utils import cib, cib_export
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_doc import (
    build_model,
    cluster_map,
    document,
    instance_look,
    render_dot,
    render_markdown,
    render_mermaid,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl
from ansible_collections.clusterops.ha.plugins.module_utils.health import node_facts_errors

NODES = ("lab-node1", "lab-node2", "lab-node3")


def text(name):
    return fixture_text("document", name)


def inputs(infix="storage"):
    status = build_status(
        crm_mon=parse_crm_mon(text("crm_mon.%s.xml" % infix)),
        quorum=parse_quorumtool(text("quorumtool.%s.txt" % infix)),
        cfgtool=parse_cfgtool(text("cfgtool-s.%s.txt" % infix)),
        dc_state=parse_crmadmin_state(text("crmadmin-S.%s.xml" % infix)),
    )
    root = cib.parse(text("cib.%s.xml" % infix))
    return status, root, parse_cmapctl(text("cmapctl.%s.txt" % infix)), json.loads(text("node_facts.%s.json" % infix))


def model_of(infix="storage", node_facts="captured", root="captured"):
    status, cib_root, cmap, facts = inputs(infix)
    cib_root = cib_root if root == "captured" else root
    return build_model(status, cib_export.export(cib.parse(text("cib.%s.xml" % infix))), cmap=cmap, cib_root=cib_root,
                       node_facts=facts if node_facts == "captured" else node_facts)


def page(model):
    return render_markdown(model)


def storage_section(markdown):
    return markdown.split("## Storage\n", 1)[1].split("\n## ", 1)[0]


def crm_mon_promoted(infix):
    """The node crm_mon reports the pgsqlms clone Promoted on (the cluster's own view)."""
    root = ET.fromstring(text("crm_mon.%s.xml" % infix))
    return [n.get("name") for r in root.iter("resource") if r.get("resource_agent") == "ocf:heartbeat:pgsqlms"
            and r.get("role") == "Promoted" for n in r.findall("node")]


def instance_label(model, rid, node):
    for entry in cluster_map(model)["nodes"]:
        if entry["node"]["name"] != node:
            continue
        for inst in entry["resources"] + [i for _g, group in entry["groups"] for i in group]:
            if inst["resource"]["id"] == rid:
                return inst
    return None


# ---------------------------------------------------------------------------------------------
# the captures


def test_the_captured_facts_fit_the_health_checks_shape():
    for infix in ("storage", "storage-switched"):
        assert node_facts_errors(inputs(infix)[3]) == []


@pytest.mark.parametrize("infix", ["storage", "storage-switched"])
def test_the_primary_is_the_node_crm_mon_promoted(infix):
    model = model_of(infix)
    (db,) = model["storage"]["databases"]
    (promoted,) = crm_mon_promoted(infix)
    assert (db["primary"], db["primary_source"], db["primaries"], db["promoted_on"]) == (
        promoted, "PostgreSQL", [promoted], [promoted])
    assert "- Primary: **%s** (not in recovery, promoted there by Pacemaker)" % promoted in storage_section(page(model))


def test_the_healthy_lab_with_synchronous_replication():
    model = model_of()
    st = model["storage"]
    assert st["gathered"] is True and st["found"] is True
    (db,) = st["databases"]
    assert (db["id"], db["clone"], db["promotable"], db["replication"]) == ("pgsqld", "pgsqld-clone", True, "synchronous")
    assert db["synchronous_standby_names"] == 'ANY 1 ("lab-node1", "lab-node2", "lab-node3")'
    assert db["writable_vips"] == [{"id": "pgsql-vip", "ip": "172.31.250.102", "cidr_netmask": "24", "nodes": ["lab-node2"]}]
    assert [(i["node"], i["pacemaker_role"], i["role"], i["replication_state"], i["sync_state"], i["lag_bytes"])
            for i in db["instances"]] == [
        ("lab-node1", "Unpromoted", "standby", "streaming", "quorum", 0),
        ("lab-node2", "Promoted", "primary", None, None, None),
        ("lab-node3", "Unpromoted", "standby", "streaming", "quorum", 0)]
    assert db["notes"] == []
    section = storage_section(page(model))
    assert "- Standbys: lab-node1, lab-node3" in section
    assert ("- Replication: synchronous (quorum commit, any 1 of lab-node1, lab-node2, lab-node3; "
            "synchronous\\_standby\\_names 'ANY 1 (\"lab-node1\", \"lab-node2\", \"lab-node3\")')") in section
    assert "- Writable address: pgsql-vip (172.31.250.102/24) on lab-node2" in section
    assert "| lab-node1 | Unpromoted | standby | streaming | quorum | under 16.0 MiB / 30 s |" in section
    assert "| lab-node2 | Promoted | primary | - | - | - |" in section


def test_lag_in_bytes_and_seconds_after_a_switchover():
    model = model_of("storage-switched")
    (db,) = model["storage"]["databases"]
    node3 = next(i for i in db["instances"] if i["node"] == "lab-node3")
    assert (node3["lag_bytes"], node3["replay_lag_s"]) == (904, 0.002174)
    section = storage_section(page(model))
    assert "| lab-node3 | Unpromoted | standby | streaming | quorum | under 16.0 MiB / 30 s |" in section
    assert "| lab-node1 | Promoted | primary | - | - | - |" in section
    assert instance_label(model, "pgsqld", "lab-node3")["storage"] == "standby, streaming, quorum, lag under 16.0 MiB / 30 s"


def test_the_page_does_not_change_with_a_lag_under_the_threshold():
    """Under write load every run reads another lag: the page (and its diagrams) stay the same while the standbys are
    within postgresql-lag's threshold, so document.yml reports no change and the history gets no commit."""
    status, root, cmap, facts = inputs()
    quiet = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    busy_facts = copy.deepcopy(facts)
    rows = busy_facts["lab-node2"]["postgresql"]["pgsqld"]["replication"]
    assert len(rows) == 2
    for row in rows:
        row.update(lag_bytes=123456, replay_lag_s=0.8)
    busy = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=busy_facts)
    assert page(busy) == page(quiet) and render_dot(busy) == render_dot(quiet)


@pytest.mark.parametrize("infix, node", [("storage", "lab-node2"), ("storage-switched", "lab-node3")])
def test_the_filesystem_is_where_mountinfo_says(infix, node):
    model = model_of(infix)
    (fs,) = model["storage"]["filesystems"]
    assert (fs["id"], fs["device"], fs["directory"], fs["fstype"], fs["group"], fs["shared"]) == (
        "share-fs", "/dev/clusterops-shared", "/srv/clusterops-share", "ext4", "fileshare", False)
    assert fs["running_on"] == [node]
    assert fs["mounted_on"] == [{"node": node, "mount_points": ["/srv/clusterops-share"]}]
    assert fs["unknown"] == [] and fs["notes"] == []
    assert ("| share-fs | /dev/clusterops-shared | /srv/clusterops-share | ext4 | group fileshare | %s | %s at "
            "/srv/clusterops-share |" % (node, node)) in storage_section(page(model))


def test_both_diagrams_say_primary_standby_and_where_it_is_mounted():
    model = model_of()
    assert instance_label(model, "pgsqld", "lab-node2")["storage"] == "primary"
    assert instance_label(model, "pgsqld", "lab-node1")["storage"] == "standby, streaming, quorum, lag under 16.0 MiB / 30 s"
    assert instance_label(model, "share-fs", "lab-node2")["storage"] == "mounted at /srv/clusterops-share"
    dot = render_dot(model)
    assert '"rsc/pgsqld/lab-node2" [label="pgsqld\\n(pgsqld-clone)\\nPromoted\\nocf:heartbeat:pgsqlms\\nprimary"' in dot
    assert '"rsc/pgsqld/lab-node3" [label="pgsqld\\n(pgsqld-clone)\\nocf:heartbeat:pgsqlms\\nstandby, streaming, quorum, lag under 16.0 MiB / 30 s"' in dot
    assert '"rsc/share-fs/lab-node2" [label="share-fs\\nocf:heartbeat:Filesystem\\nmounted at /srv/clusterops-share"' in dot
    mermaid = render_mermaid(model)
    assert '["pgsqld<br>(pgsqld-clone)<br>Promoted<br>ocf:heartbeat:pgsqlms<br>primary"]' in mermaid
    assert '["pgsqld<br>(pgsqld-clone)<br>ocf:heartbeat:pgsqlms<br>standby, streaming, quorum, lag under 16.0 MiB / 30 s"]' in mermaid
    assert '["share-fs<br>ocf:heartbeat:Filesystem<br>mounted at /srv/clusterops-share"]' in mermaid
    # the page embeds the same map
    assert mermaid in page(model)


# ---------------------------------------------------------------------------------------------
# without facts, and with some missing


def test_without_node_facts_only_the_cib_and_crm_mon():
    model = model_of(node_facts=None)
    st = model["storage"]
    assert st["gathered"] is False
    (db,) = st["databases"]
    assert (db["primary"], db["primary_source"], db["primaries"], db["replication"]) == ("lab-node2", "Pacemaker", None, None)
    assert [(i["node"], i["role"]) for i in db["instances"]] == [
        ("lab-node1", "standby"), ("lab-node2", "primary"), ("lab-node3", "standby")]
    (fs,) = st["filesystems"]
    assert fs["mounted_on"] is None and fs["running_on"] == ["lab-node2"]
    section = storage_section(page(model))
    assert section.startswith("\nStorage state was not gathered (no node facts;")
    assert "- Primary: **lab-node2** (Pacemaker promoted it)" in section
    assert "| lab-node2 | Promoted | primary |" in section
    assert "| ext4 | group fileshare | lab-node2 | not gathered |" in section
    assert "- Replication:" not in section and "Lag" not in section
    assert instance_label(model, "pgsqld", "lab-node2")["storage"] == "primary"
    assert instance_label(model, "pgsqld", "lab-node3")["storage"] == "standby"
    assert instance_label(model, "share-fs", "lab-node2")["storage"] == (
        "mounts /dev/clusterops-shared at /srv/clusterops-share")


def test_an_unreachable_node_is_unknown_not_a_standby():
    status, root, cmap, facts = inputs()
    facts["lab-node3"] = {"reachable": False}
    del facts["lab-node1"]["filesystems"]
    model = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    (db,) = model["storage"]["databases"]
    node3 = next(i for i in db["instances"] if i["node"] == "lab-node3")
    assert (node3["role"], node3["note"], node3["label"]) == ("unknown", "unreachable", "PostgreSQL unknown (unreachable)")
    (fs,) = model["storage"]["filesystems"]
    assert fs["unknown"] == ["lab-node1", "lab-node3"]
    section = storage_section(page(model))
    assert "| lab-node3 | Unpromoted | unknown (unreachable) |" in section
    assert "lab-node2 at /srv/clusterops-share; unknown on lab-node1 (no Filesystem facts), lab-node3 (unreachable) |" in section


def test_a_stopped_standby_and_a_lagging_one():
    """lab-node1 stopped, lab-node3 49.2 MiB and 28.4 s behind (psql's outputs of fixtures/postgresql)."""
    status, root, cmap, facts = inputs()
    lagging = fact("primary-lagging")
    for r in lagging["replication"]:
        r["application_name"] = "lab-node3"
    facts["lab-node2"]["postgresql"]["pgsqld"] = lagging
    facts["lab-node1"]["postgresql"]["pgsqld"] = fact("stopped", rc=2)
    facts["lab-node3"]["postgresql"]["pgsqld"] = fact("standby-paused")
    model = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    (db,) = model["storage"]["databases"]
    assert db["replication"] == "asynchronous"
    by_node = dict((i["node"], i) for i in db["instances"])
    assert (by_node["lab-node1"]["role"], by_node["lab-node1"]["label"]) == ("stopped", "stopped")
    assert by_node["lab-node3"]["label"] == "standby, streaming, async, lag 49.2 MiB / 28.4 s"
    section = storage_section(page(model))
    assert "- Standbys: lab-node3" in section
    assert "- Replication: asynchronous (synchronous\\_standby\\_names is empty)" in section
    assert "| lab-node3 | Unpromoted | standby | streaming | async | 49.2 MiB / 28.4 s |" in section
    assert "| lab-node1 | Unpromoted | stopped | - | - | - |" in section


def test_split_brain_and_a_primary_pacemaker_did_not_promote():
    status, root, cmap, facts = inputs()
    facts["lab-node3"]["postgresql"]["pgsqld"] = copy.deepcopy(facts["lab-node2"]["postgresql"]["pgsqld"])
    model = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    (db,) = model["storage"]["databases"]
    assert db["primary"] is None and db["primaries"] == ["lab-node2", "lab-node3"]
    assert db["notes"] == ["PostgreSQL runs as a primary on lab-node2, lab-node3: 2 databases accept writes (split brain; "
                           "see the health check postgresql-primary)"]
    assert instance_label(model, "pgsqld", "lab-node3")["storage"] == "primary"
    section = storage_section(page(model))
    assert "- Primary: none known (Pacemaker promoted lab-node2)" in section
    # one primary, not where Pacemaker promoted it
    facts["lab-node2"]["postgresql"]["pgsqld"] = fact("standby")
    model = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    (db,) = model["storage"]["databases"]
    assert db["primary"] == "lab-node3"
    assert db["notes"] == ["PostgreSQL's primary is on lab-node3 but Pacemaker promoted lab-node2 (see the health check "
                           "postgresql-primary)"]
    assert "- Primary: **lab-node3** (not in recovery; Pacemaker promoted lab-node2)" in storage_section(page(model))


def test_a_double_mount_is_said():
    status, root, cmap, facts = inputs()
    facts["lab-node1"]["filesystems"]["share-fs"] = copy.deepcopy(facts["lab-node2"]["filesystems"]["share-fs"])
    facts["lab-node2"]["filesystems"]["share-fs"].update(mounted=False, mounts=[])
    model = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    (fs,) = model["storage"]["filesystems"]
    assert fs["notes"] == [
        "mounted on lab-node1, where Pacemaker does not run it (see the health check filesystem-single-mount)",
        "Pacemaker runs it on lab-node2, but mountinfo there does not show it mounted"]
    assert instance_label(model, "share-fs", "lab-node2")["storage"] == "NOT mounted here"
    # The mount Pacemaker does not know of is drawn on its node too, as a failure, with no constraint edges.
    outside = instance_label(model, "share-fs", "lab-node1")
    assert outside["outside"] is True and instance_look(outside) == "failed"
    assert outside["storage"] == "MOUNTED here outside Pacemaker, at /srv/clusterops-share"
    assert "MOUNTED here outside Pacemaker, at /srv/clusterops-share" in render_dot(model)
    assert "MOUNTED here outside Pacemaker, at /srv/clusterops-share" in render_mermaid(model)
    assert not [e for e in cluster_map(model)["edges"] if outside in (e["from"], e["to"])]
    section = storage_section(page(model))
    assert "| lab-node2 | lab-node1 at /srv/clusterops-share |" in section
    assert "- share-fs: mounted on lab-node1, where Pacemaker does not run it" in section


# ---------------------------------------------------------------------------------------------
# other clusters, secrets, purity


def test_a_cluster_without_storage_says_so():
    status, root, cmap, _facts = inputs()
    for parent in root.iter():
        for child in list(parent):
            if child.get("type") in ("pgsqlms", "Filesystem"):
                parent.remove(child)
    model = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts={})
    assert model["storage"]["databases"] == [] and model["storage"]["filesystems"] == []
    assert storage_section(page(model)) == (
        "\nNo PostgreSQL (ocf:heartbeat:pgsqlms) or Filesystem (ocf:heartbeat:Filesystem) resource is configured.\n")


def test_without_the_cibs_xml_storage_is_unknown_only_when_configured():
    model = model_of(root=None)
    assert model["storage"]["found"] is False
    assert "the CIB's XML was not read: storage unknown" in storage_section(page(model))
    status, config, cmap = inputs("storage")[0], {"primitives": []}, inputs("storage")[2]
    assert build_model(status, config, cmap=cmap)["storage"]["found"] is True


def test_secrets_never_reach_the_page():
    status, root, cmap, facts = inputs()
    fs = next(p for p in root.iter("primitive") if p.get("type") == "Filesystem")
    for nv in fs.iter("nvpair"):
        if nv.get("name") == "device":
            nv.set("value", "https://backup:s3cr3t-pw@nas.example/export?token=t0k3n")
    pg = next(p for p in root.iter("primitive") if p.get("type") == "pgsqlms")
    attrs = pg.find("instance_attributes")
    ET.SubElement(attrs, "nvpair", {"id": "pgsqld-repl-pw", "name": "replication_password", "value": "R3pl-s3cret"})
    result = document(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    everything = result["markdown"] + result["dot"] + json.dumps(result["model"])
    for secret in ("s3cr3t-pw", "t0k3n", "R3pl-s3cret", "backup:"):
        assert secret not in everything
    assert result["model"]["storage"]["filesystems"][0]["device"] == "https://nas.example/(redacted)"


def test_the_inputs_are_not_changed_and_the_map_is_stable():
    status, root, cmap, facts = inputs()
    before = copy.deepcopy(facts)
    model = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    assert facts == before
    again = copy.deepcopy(model)
    render_markdown(model)
    render_dot(model)
    assert model == again
    assert render_mermaid(model) == render_mermaid(build_model(status, cib_export.export(root), cmap=cmap, cib_root=root,
                                                               node_facts=facts))


def test_no_node_reported_its_instance():
    status, root, cmap, facts = inputs()
    for name in NODES:
        facts[name] = {"reachable": False}
    model = build_model(status, cib_export.export(root), cmap=cmap, cib_root=root, node_facts=facts)
    (db,) = model["storage"]["databases"]
    assert (db["primary"], db["primary_source"], db["primaries"]) == ("lab-node2", "Pacemaker", [])
    assert db["notes"] == ["no node reported its PostgreSQL instance (cluster_node_facts): the primary is where "
                           "Pacemaker promoted it"]
    assert "- Primary: **lab-node2** (Pacemaker promoted it)" in storage_section(page(model))
    assert instance_label(model, "pgsqld", "lab-node2")["storage"] == "PostgreSQL unknown (unreachable)"
