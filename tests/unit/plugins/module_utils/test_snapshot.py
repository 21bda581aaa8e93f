# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the snapshot engine, on a CIB and a corosync.conf captured from a lab cluster."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import cib as cibmod
from ansible_collections.clusterops.ha.plugins.module_utils import cib_export
from ansible_collections.clusterops.ha.plugins.module_utils import snapshot as s

CIB = fixture_text("snapshot", "cib.lab.xml")
COROSYNC = fixture_text("snapshot", "corosync.lab.conf")
PCS = fixture_text("snapshot", "pcs-config.lab.txt")
PASSWORD = "Lab-S3cret-pw"


def test_fingerprint_is_keyed_and_short():
    fp = s.fingerprint("salt-a", PASSWORD)
    assert s.REDACTED_RE.match(fp)
    assert fp == s.fingerprint("salt-a", PASSWORD)
    assert fp != s.fingerprint("salt-b", PASSWORD)
    assert fp != s.fingerprint("salt-a", PASSWORD + "x")
    assert s.fingerprint("k", b"\x00\x01") == s.fingerprint(b"k", b"\x00\x01")


def test_normalize_drops_status_and_volatile_attributes():
    text, secrets = s.normalize_cib(CIB, "salt")
    root = ET.fromstring(text)
    assert root.find("status") is None
    for attr in ("epoch", "num_updates", "cib-last-written", "update-origin", "update-client", "update-user",
                 "have-quorum", "dc-uuid", "crm_feature_set"):
        assert attr not in root.attrib
    assert root.get("admin_epoch") == "0" and root.get("validate-with")
    names = [nv.get("name") for nv in root.iter("nvpair")]
    assert "dc-version" not in names and "last-lrm-refresh" not in names
    assert "placement-strategy" in names
    assert text.startswith("<cib ") and "\n    <crm_config>" in text  # indented
    assert [x["path"] for x in secrets] == ["fence-ipmi.password"]


def test_promotion_scores_are_state_not_configuration():
    """PAF keeps its promotion scores as permanent node attributes (master-pgsqld: -1000 -> 1000 after every
    promotion, as the services scenario's idempotence run recorded); a snapshot ignores them, and keeps a node's
    own attributes."""
    def with_attributes(pairs):
        return CIB.replace('<node id="1" uname="sn-node1">', '<node id="1" uname="sn-node1"><instance_attributes '
                           'id="nodes-1"><nvpair id="nodes-1-x" name="%s" value="%s"/>' % pairs[0]
                           + "".join('<nvpair id="nodes-1-%d" name="%s" value="%s"/>' % ((i,) + p)
                                     for i, p in enumerate(pairs[1:])) + "</instance_attributes>", 1)
    base, _secrets = s.normalize_cib(CIB, "salt")
    scored, _secrets = s.normalize_cib(with_attributes([("master-pgsqld", "1000")]), "salt")
    rescored, _secrets = s.normalize_cib(with_attributes([("master-pgsqld", "-1000")]), "salt")
    assert scored == rescored == base
    own, _secrets = s.normalize_cib(with_attributes([("rack", "r1"), ("master-pgsqld", "1000")]), "salt")
    node = ET.fromstring(own).find("configuration/nodes/node[@uname='sn-node1']")
    assert [nv.get("name") for nv in node.iter("nvpair") if nv.get("name") in ("rack", "master-pgsqld")] == ["rack"]


def test_normalize_redacts_and_is_stable():
    text, secrets = s.normalize_cib(CIB, "salt")
    assert PASSWORD not in text
    assert s.fingerprint("salt", PASSWORD) in text
    assert secrets[0]["value"] == PASSWORD
    # Volatile changes and a different order give the same text.
    root = ET.fromstring(CIB)
    root.set("epoch", "99")
    root.set("num_updates", "7")
    cons = root.find("configuration/constraints")
    children = list(cons)
    for c in children:
        cons.remove(c)
    cons.extend(reversed(children))
    assert s.normalize_cib(ET.tostring(root, encoding="unicode"), "salt")[0] == text
    # Normalising the output again changes nothing (fingerprints are not fingerprinted twice).
    again, more = s.normalize_cib(text, "salt")
    assert again == text and more == []


def test_normalized_cib_exports_like_the_live_one():
    text = s.normalize_cib(CIB, "salt")[0]
    live = cib_export.export(cibmod.parse(CIB))
    snap = cib_export.export(cibmod.parse(text))
    live["properties"].pop("dc-version")
    assert snap["primitives"][-1]["params"]["password"] == s.fingerprint("salt", PASSWORD)
    snap_prims = [p for p in snap["primitives"] if p["id"] != "fence-ipmi"]
    live_prims = [p for p in live["primitives"] if p["id"] != "fence-ipmi"]
    assert sorted(snap_prims, key=lambda p: p["id"]) == sorted(live_prims, key=lambda p: p["id"])
    assert snap["properties"] == live["properties"]


def test_redacted_cib_keeps_status_for_the_dumps():
    text = s.redacted_cib(CIB, "salt")
    root = ET.fromstring(text)
    assert root.find("status") is not None
    assert PASSWORD not in text
    assert "dc-version" not in text


def test_redact_text():
    out = s.redact_text(PCS, [PASSWORD], "salt")
    assert PASSWORD not in out
    assert "password=" + s.fingerprint("salt", PASSWORD) in out
    assert s.redact_text("a=secret-long b=secret", ["secret", "secret-long"], "k").count("redacted") == 2


def _node(content, authkey="redacted:sha256:aaaaaaaaaaaaaaaa"):
    return {"files": {"/etc/corosync/corosync.conf": {"content": content, "mode": "0644", "owner": "root",
                                                      "group": "root"}},
            "fingerprints": {"/etc/corosync/authkey": authkey}}


def test_build_tree_once_when_identical():
    nodes = dict((n, _node(COROSYNC)) for n in ("n1", "n2", "n3"))
    files, drift = s.build_tree(nodes, {"xml": "<cib/>\n", "dumps": {"pcs": "x\n", "bogus": "y"}}, "lab")
    assert drift == []
    assert files["etc/corosync/corosync.conf"] == COROSYNC
    assert files["cib/cib.xml"] == "<cib/>\n"
    assert files["cib/pcs-config.txt"] == "x\n"
    assert set(files) == {"etc/corosync/corosync.conf", "cib/cib.xml", "cib/pcs-config.txt", "manifest.json"}
    manifest = json.loads(files["manifest.json"])
    assert manifest["nodes"] == ["n1", "n2", "n3"]
    assert manifest["files"]["/etc/corosync/corosync.conf"] == "0644 root:root"
    assert manifest["secrets"]["/etc/corosync/authkey"] == "redacted:sha256:aaaaaaaaaaaaaaaa"


def test_build_tree_drift_per_node():
    changed = COROSYNC.replace("crypto_hash: sha256", "crypto_hash: sha256\n    token: 5000")
    nodes = {"n1": _node(COROSYNC), "n2": _node(COROSYNC), "n3": _node(changed, "redacted:sha256:bbbbbbbbbbbbbbbb")}
    files, drift = s.build_tree(nodes, None, "lab")
    assert "etc/corosync/corosync.conf" not in files
    assert files["hosts/n3/etc/corosync/corosync.conf"] == changed
    assert files["hosts/n1/etc/corosync/corosync.conf"] == COROSYNC
    assert {"path": "/etc/corosync/corosync.conf", "groups": [["n1", "n2"], ["n3"]]} in drift
    assert any(d["path"] == "/etc/corosync/authkey" for d in drift)
    words = s.describe({"etc/corosync/corosync.conf": COROSYNC}, files)
    assert "corosync@n3: totem.token added (5000)" in words
    assert any(w.startswith("drift: /etc/corosync/corosync.conf differs between nodes (n1 n2 | n3)") for w in words)


def test_build_tree_brand_new_cluster():
    files, drift = s.build_tree({"n1": {"files": {}, "fingerprints": {}}}, None, "lab")
    assert list(files) == ["manifest.json"] and drift == []


def _cib(change=None):
    text = CIB if change is None else change(CIB)
    return s.normalize_cib(text, "salt")[0]


def test_describe_cib_in_words():
    old = _cib()
    new = _cib(lambda t: t.replace('name="target-role" value="Stopped"', 'name="target-role" value="Started"')
               .replace('value="balanced"', 'value="utilization"')
               .replace('value="Lab-S3cret-pw"', 'value="other"'))
    words = s.describe({"cib/cib.xml": old}, {"cib/cib.xml": new})
    assert "cib: resource fence-ipmi meta target-role Stopped -> Started" in words
    assert "cib: property placement-strategy balanced -> utilization" in words
    assert "cib: resource fence-ipmi params password changed (secret)" in words
    assert not any("other" in w or PASSWORD in w for w in words)


def test_describe_created_deleted_and_properties():
    old = _cib()
    new = _cib(lambda t: t.replace('<nvpair id="cib-bootstrap-options-enable-acl" name="enable-acl" value="true"/>',
                                   '<nvpair id="x" name="cluster-recheck-interval" value="7min"/>'))
    words = s.describe({"cib/cib.xml": old}, {"cib/cib.xml": new})
    assert "cib: property cluster-recheck-interval=7min added" in words
    assert "cib: property enable-acl removed (was true)" in words
    root = ET.fromstring(old)
    res = root.find("configuration/resources")
    res.remove([r for r in res if r.get("id") == "fence-ipmi"][0])
    words = s.describe({"cib/cib.xml": old}, {"cib/cib.xml": ET.tostring(root, encoding="unicode")})
    assert words == ["cib: resource fence-ipmi deleted"]


def test_describe_corosync_and_files():
    new = COROSYNC.replace("crypto_hash: sha256", "crypto_hash: sha256\n    token: 5000")
    assert s.describe({"etc/corosync/corosync.conf": COROSYNC}, {"etc/corosync/corosync.conf": new}) == [
        "corosync: totem.token added (5000)"]
    newer = new.replace("token: 5000", "token: 3000")
    assert s.describe({"etc/corosync/corosync.conf": new}, {"etc/corosync/corosync.conf": newer}) == [
        "corosync: totem.token 5000 -> 3000"]
    same_meaning = "# a comment\n" + COROSYNC
    assert s.describe({"etc/corosync/corosync.conf": COROSYNC}, {"etc/corosync/corosync.conf": same_meaning}) == [
        "corosync: corosync.conf layout changed (same meaning)"]
    assert s.describe({}, {"etc/default/pcsd": "x"}) == ["file etc/default/pcsd: added"]
    assert s.describe({"etc/default/pcsd": "x"}, {}) == ["file etc/default/pcsd: removed"]
    # A dump is a consequence of the CIB; alone it is named.
    assert s.describe({"cib/pcs-config.txt": "a"}, {"cib/pcs-config.txt": "b"}) == ["cib/pcs-config.txt: changed"]


def test_describe_manifest_secret_and_mode():
    old = json.dumps({"nodes": ["n1"], "files": {"/etc/x": "0644 root:root"},
                      "secrets": {"/etc/corosync/authkey": "redacted:sha256:aaaaaaaaaaaaaaaa"}})
    new = json.dumps({"nodes": ["n1", "n2"], "files": {"/etc/x": "0600 root:root"},
                      "secrets": {"/etc/corosync/authkey": "redacted:sha256:bbbbbbbbbbbbbbbb"}})
    words = s.describe({"manifest.json": old}, {"manifest.json": new})
    assert "nodes: n1 -> n1 n2" in words
    assert "secret /etc/corosync/authkey: changed (fingerprint differs)" in words
    assert "file /etc/x: owner or mode 0644 root:root -> 0600 root:root" in words


def test_commit_message():
    msg = s.commit_message(["a", "b", "c", "d"], "me@host", "site.yml: after", "lab")
    lines = msg.splitlines()
    assert lines[0] == "a; b; c; (+1 more)"
    assert "- d" in lines
    assert "Who: me@host" in lines and "Why: site.yml: after" in lines and "Cluster: lab" in lines


def test_cib_last_change_as_pacemaker_recorded_it():
    """The root of CIBs read on Debian 12 (Pacemaker 2.1.5) and Debian 13 (3.0.0) lab nodes."""
    bookworm = s.cib_last_change(fixture_text("cib", "cib.lab-services.xml"))
    assert bookworm == {"user": "root", "client": "cibadmin", "origin": "lab-node1",
                        "written": "Thu Dec  3 07:25:41 2026"}
    assert s.last_change_text(bookworm) == "by root through cibadmin on lab-node1, Thu Dec 3 07:25:41 2026"
    trixie = s.cib_last_change(fixture_text("health", "trixie/cib.lab.xml"))
    assert (trixie["user"], trixie["client"], trixie["origin"]) == ("root", "root", "lab-node1")
    assert s.cib_last_change("not xml") is None
    assert s.cib_last_change("<cib/>") == {"user": None, "client": None, "origin": None, "written": None}
    assert s.last_change_text({}) == "by an unknown user"
    assert s.last_change_text({"user": "operator", "origin": "n2"}) == "by operator on n2"


def test_commit_message_names_the_cib_change_only_when_given():
    change = {"user": "operator", "client": "crm_attribute", "origin": "n2", "written": "Sat Dec  5 19:31:07 2026"}
    msg = s.commit_message(["cib: node n2 standby on"], "me@host", "snapshot.yml", "lab", cib_change=change)
    assert msg.splitlines()[-1] == "CIB changed last: by operator through crm_attribute on n2, Sat Dec 5 19:31:07 2026"
    assert "CIB changed last" not in s.commit_message(["corosync: totem.token 3000 -> 5000"], "me@host", None)


def test_parse_commit_message_reads_what_commit_message_writes():
    change = {"user": "operator", "client": "crm_attribute", "origin": "n2", "written": "Sat Dec  5 19:31:07 2026"}
    msg = s.commit_message(["a", "b", "c", "d"], "me@host", "site.yml: after", "lab", cib_change=change)
    assert s.parse_commit_message(msg) == {
        "subject": "a; b; c; (+1 more)", "changes": ["a", "b", "c", "d"], "cluster": "lab", "who": "me@host",
        "why": "site.yml: after", "cib_changed_last": "by operator through crm_attribute on n2, Sat Dec 5 19:31:07 2026",
        "run": False}
    ran = s.parse_commit_message(s.commit_message(["ignored"], "me@host", "rolling_update.yml: after", "lab", run=True))
    assert ran == {"subject": s.RUN_SUBJECT, "changes": [], "cluster": "lab", "who": "me@host",
                   "why": "rolling_update.yml: after", "cib_changed_last": None, "run": True}
    # someone else's commit: its subject, nothing else
    assert s.parse_commit_message("Fix by hand\n\nedited corosync.conf\n") == {
        "subject": "Fix by hand", "changes": [], "cluster": None, "who": None, "why": None, "cib_changed_last": None,
        "run": False}
    assert s.parse_commit_message("")["subject"] == ""


def test_parse_history_of_git_log():
    text = ("3c1e0b8\x1f2026-12-06T02:41:07+00:00\x1f" + s.commit_message(["cib: x"], "a@h", "site.yml: after", "lab")
            + "\x1e\n" + "9f00aa1\x1f2026-12-05T20:00:00+01:00\x1fby hand\n\x1e\n")
    first, second = s.parse_history(text)
    assert (first["commit"], first["date"], first["changes"], first["why"]) == (
        "3c1e0b8", "2026-12-06T02:41:07+00:00", ["cib: x"], "site.yml: after")
    assert (second["commit"], second["subject"], second["who"]) == ("9f00aa1", "by hand", None)
    assert s.parse_history("") == [] and s.parse_history("garbage\x1e") == []


def test_fill_secrets_from_live_or_given():
    snap = cib_export.export(cibmod.parse(_cib()))
    live = cib_export.export(cibmod.parse(CIB))
    filled, used, missing = s.fill_secrets(snap, live, "salt")
    assert missing == []
    assert used == [{"name": "fence-ipmi.params.password", "source": "live"}]
    fence = [p for p in filled["primitives"] if p["id"] == "fence-ipmi"][0]
    assert fence["params"]["password"] == PASSWORD
    # The snapshot is not modified.
    assert [p for p in snap["primitives"] if p["id"] == "fence-ipmi"][0]["params"]["password"].startswith("redacted")
    # Live value changed since (fingerprint differs) and nothing given: missing.
    other = cib_export.export(cibmod.parse(CIB.replace(PASSWORD, "changed-since")))
    _f, _u, missing = s.fill_secrets(snap, other, "salt")
    assert missing == ["fence-ipmi.params.password"]
    # Wiped live CIB, value given by name or by fingerprint.
    empty = {"primitives": []}
    filled, used, missing = s.fill_secrets(snap, empty, "salt", {"fence-ipmi.params.password": PASSWORD})
    assert missing == [] and used[0]["source"] == "given"
    fp = s.fingerprint("salt", PASSWORD)
    filled, used, missing = s.fill_secrets(snap, empty, "salt", {fp: "typo"})
    assert missing == [] and "fingerprint differs" in used[0]["source"]
    # Wrong salt (a clone without .git/clusterops-salt): nothing matches the live value.
    _f, _u, missing = s.fill_secrets(snap, live, "other-salt")
    assert missing == ["fence-ipmi.params.password"]


def test_fill_secrets_in_properties():
    snap = {"properties": {"api-token": s.fingerprint("k", "t0k")}}
    filled, used, missing = s.fill_secrets(snap, {"properties": {"api-token": "t0k"}}, "k")
    assert filled["properties"]["api-token"] == "t0k" and missing == []
    assert used == [{"name": "properties.api-token", "source": "live"}]


# ---------------------------------------------------------------------------------------------
# reassembly


def test_manifest_of_reads_the_cluster_and_nodes_or_gives_empty_values():
    text = json.dumps({"cluster": "site-a", "nodes": ["geo-a2", "geo-a1"], "files": {}})
    assert s.manifest_of(text) == {"cluster": "site-a", "nodes": ["geo-a1", "geo-a2"]}
    assert s.manifest_of(None) == {"cluster": None, "nodes": []}
    assert s.manifest_of("{not json") == {"cluster": None, "nodes": []}


def test_reassembly_problems_names_every_reason():
    manifest = {"cluster": "site-a", "nodes": ["geo-a1", "geo-a2"]}
    assert s.reassembly_problems("c" * 40, True, None, manifest, ["geo-a2", "geo-a1"], "site-a") == []
    problems = s.reassembly_problems("c" * 40, False, "the commit has no corosync.conf common to all nodes",
                                     manifest, ["geo-a1", "geo-b1"], "site-b")
    assert problems == [
        "commit cccccccccccc has no CIB (cib/cib.xml): it cannot rebuild a cluster",
        "commit cccccccccccc: the commit has no corosync.conf common to all nodes; a reassembly needs the corosync.conf "
        "every node ran",
        "commit cccccccccccc is a snapshot of the cluster 'site-a', the hosts are cluster_name 'site-b'",
        "commit cccccccccccc has the nodes geo-a1 geo-a2; the play's hosts must be exactly those (missing from the "
        "play: geo-a2; not in the snapshot: geo-b1)"]
    # a commit without a manifest (made by hand) names no nodes
    empty = s.reassembly_problems("c" * 40, True, None, {"cluster": None, "nodes": []}, ["geo-a1"], "site-a")
    assert empty == ["commit cccccccccccc names no nodes (manifest.json): it is not a snapshot of a running cluster"]


def test_reassembly_differences_expect_only_new_key_files():
    changes = ["secret /etc/corosync/authkey: changed (fingerprint differs)",
               "secret /etc/pacemaker/authkey: present (fingerprint recorded)",
               "secret /etc/booth/authkey: gone",
               "cib: resource fence-ipmi params password changed (secret)",
               "corosync: totem.token 3000 -> 5000"]
    out = s.reassembly_differences(changes)
    assert out["expected"] == changes[:2]
    assert out["unexpected"] == changes[2:]
