# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for config_snapshot (real git in a temporary directory) and config_snapshot_info
(a FakeRunner answering from outputs captured on the lab)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils import snapshot as s
from ansible_collections.clusterops.ha.plugins.modules import config_snapshot as mod
from ansible_collections.clusterops.ha.plugins.modules import config_snapshot_info as info

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

CIB = fixture_text("snapshot", "cib.lab.xml")
COROSYNC = fixture_text("snapshot", "corosync.lab.conf")
PCS = fixture_text("snapshot", "pcs-config.lab.txt")
PASSWORD = "Lab-S3cret-pw"


def run(args, check_mode=False):
    if check_mode:
        args = dict(args, _ansible_check_mode=True)
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as e:
            mod.main()
    return e.value.args[0]


def git(repo, *argv):
    return subprocess.run(["git", "-C", repo] + list(argv), capture_output=True, text=True, check=True).stdout


def collected(salt, corosync=COROSYNC, cib=CIB):
    xml, secrets = s.normalize_cib(cib, salt)
    node = {"files": {"/etc/corosync/corosync.conf": {"content": corosync, "mode": "0644", "owner": "root",
                                                      "group": "root"}},
            "fingerprints": {"/etc/corosync/authkey": s.fingerprint(salt, b"\x01" * 256)}}
    nodes = dict((n, node) for n in ("sn-node1", "sn-node2", "sn-node3"))
    return nodes, {"xml": xml, "dumps": {"pcs": s.redact_text(PCS, [x["value"] for x in secrets], salt)},
                   "last_change": s.cib_last_change(cib)}


@pytest.fixture
def repo(tmp_path):
    return str(tmp_path / "snapshots" / "lab")


def prepare(repo):
    out = run({"step": "prepare", "repo": repo})
    assert not out.get("failed"), out
    return out


def test_prepare_creates_private_repository_once(repo):
    out = prepare(repo)
    assert out["changed"] is True and len(out["salt"]) == 32
    assert os.stat(repo).st_mode & 0o777 == 0o700
    assert os.stat(os.path.join(repo, ".git", "clusterops-salt")).st_mode & 0o777 == 0o600
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    again = prepare(repo)
    assert again["changed"] is False and again["salt"] == out["salt"]


def test_prepare_check_mode_creates_nothing(repo):
    out = run({"step": "prepare", "repo": repo}, check_mode=True)
    assert out["changed"] is True and out["salt"]
    assert not os.path.exists(repo)


def test_prepare_refuses_a_non_repository(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("mine")
    out = run({"step": "prepare", "repo": str(tmp_path / "x")})
    assert out["failed"] and "is not a git repository" in out["msg"]


def test_commit_only_when_changed_with_words(repo):
    salt = prepare(repo)["salt"]
    nodes, cib = collected(salt)
    first = run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab", "reason": "test: first",
                 "who": "tester@here"})
    assert first["changed"] and first["committed"], first
    assert set(first["files"]) == {"cib/cib.xml", "cib/pcs-config.txt", "etc/corosync/corosync.conf", "manifest.json"}
    second = run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab"})
    assert second["changed"] is False and second["committed"] is False
    assert second["commit"] == first["commit"]
    nodes2, cib2 = collected(salt, COROSYNC.replace("crypto_hash: sha256", "crypto_hash: sha256\n    token: 5000"),
                             CIB.replace('value="balanced"', 'value="utilization"'))
    third = run({"repo": repo, "nodes": nodes2, "cib": cib2, "cluster_name": "lab", "reason": "tuning",
                 "who": "tester@here"})
    assert third["committed"]
    assert third["changes"] == ["cib: property placement-strategy balanced -> utilization",
                                "corosync: totem.token added (5000)"]
    msg = git(repo, "log", "-1", "--format=%B")
    assert msg.startswith("cib: property placement-strategy balanced -> utilization; corosync: totem.token added")
    assert "Who: tester@here" in msg and "Why: tuning" in msg
    # the audit trail: who changed the CIB last, as Pacemaker recorded it on the root (the fixture's)
    assert "CIB changed last: %s" % s.last_change_text(cib2["last_change"]) in msg.splitlines()
    assert s.last_change_text(cib2["last_change"]).startswith("by root through ")
    # a change of corosync.conf alone names no CIB change
    nodes3, _cib3 = collected(salt, COROSYNC.replace("crypto_hash: sha256", "crypto_hash: sha256\n    token: 6000"),
                              CIB.replace('value="balanced"', 'value="utilization"'))
    fourth = run({"repo": repo, "nodes": nodes3, "cib": cib2, "cluster_name": "lab", "reason": "tuning"})
    assert fourth["committed"] and "CIB changed last" not in git(repo, "log", "-1", "--format=%B")
    assert git(repo, "log", "-1", "--format=%an <%ae>").strip() == "clusterops.ha <clusterops@localhost>"
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "3"
    history = git(repo, "log", "-p", "--all")
    assert PASSWORD not in history and s.fingerprint(salt, PASSWORD) in history


def test_commit_check_mode_writes_nothing(repo):
    salt = prepare(repo)["salt"]
    nodes, cib = collected(salt)
    out = run({"repo": repo, "nodes": nodes, "cib": cib}, check_mode=True)
    assert out["changed"] and not out["committed"] and out["message"].startswith("first snapshot")
    assert os.listdir(repo) == [".git"]


def test_push_to_bare_remote_and_unreachable(repo, tmp_path):
    salt = prepare(repo)["salt"]
    nodes, cib = collected(salt)
    bare = str(tmp_path / "remote.git")
    subprocess.run(["git", "init", "--bare", "--quiet", bare], check=True)
    out = run({"repo": repo, "nodes": nodes, "cib": cib, "remote": bare})
    assert out["pushed"] and out["committed"]
    assert git(bare, "rev-parse", "main").strip() == out["commit"]
    # Nothing new and the remote up to date: no push, no change.
    out = run({"repo": repo, "nodes": nodes, "cib": cib, "remote": bare})
    assert out["changed"] is False and out["pushed"] is False
    # A change, a remote that is not there: the task fails, the commit stays.
    nodes2, cib2 = collected(salt, cib=CIB.replace('value="balanced"', 'value="minimal"'))
    missing = str(tmp_path / "nowhere.git")
    out = run({"repo": repo, "nodes": nodes2, "cib": cib2, "remote": missing})
    assert out["failed"] and "committed locally" in out["msg"] and "push to remote %s failed" % missing in out["msg"]
    assert out["committed"] and git(repo, "rev-parse", "HEAD").strip() == out["commit"]
    # Back to the reachable remote: the kept commit is pushed without a new one.
    out = run({"repo": repo, "nodes": nodes2, "cib": cib2, "remote": bare})
    assert out["pushed"] and not out["committed"]
    assert git(bare, "rev-parse", "main").strip() == git(repo, "rev-parse", "HEAD").strip()


def test_show_and_fill_secrets(repo):
    salt = prepare(repo)["salt"]
    nodes, cib = collected(salt)
    first = run({"repo": repo, "nodes": nodes, "cib": cib})
    out = run({"step": "show", "repo": repo})
    assert out["commit"] == first["commit"]
    assert out["redacted"] == ["fence-ipmi.params.password"]
    assert out["corosync_conf"]["totem"]["cluster_name"] == "lab"
    assert out["config"]["properties"]["placement-strategy"] == "balanced"
    live = {"primitives": []}
    out = run({"step": "show", "repo": repo, "live_config": live})
    assert out["failed"] and "fence-ipmi.params.password" in out["msg"] and "Nothing was changed" in out["msg"]
    out = run({"step": "show", "repo": repo, "live_config": live,
               "secrets": {"fence-ipmi.params.password": PASSWORD}})
    fence = [p for p in out["config"]["primitives"] if p["id"] == "fence-ipmi"][0]
    assert fence["params"]["password"] == PASSWORD
    assert out["secrets_used"] == [{"name": "fence-ipmi.params.password", "source": "given"}]
    bad = run({"step": "show", "repo": repo, "commit": "no-such-ref"})
    assert bad["failed"] and "has no commit no-such-ref" in bad["msg"]


def test_record_run_and_history(repo):
    missing = run({"step": "history", "repo": repo})  # no repository: an empty history, nothing created
    assert (missing["changed"], missing["history"]) == (False, []) and not os.path.exists(repo)
    salt = prepare(repo)["salt"]
    assert run({"step": "history", "repo": repo})["history"] == []  # a repository without a commit
    nodes, cib = collected(salt)
    first = run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab", "reason": "site.yml: after",
                 "who": "tester@here"})
    # a run that changed nothing: no commit unless it is to be recorded; check mode says so and writes nothing
    assert run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab"})["committed"] is False
    preview = run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab", "reason": "failover_drill.yml: after",
                   "who": "tester@here", "record_run": True}, check_mode=True)
    assert preview["changed"] and not preview["committed"] and preview["message"].startswith(s.RUN_SUBJECT + "\n")
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "1"
    recorded = run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab", "reason": "failover_drill.yml: after",
                    "who": "tester@here", "record_run": True})
    assert recorded["changed"] and recorded["committed"] and recorded["changes"] == []
    assert git(repo, "diff", "--stat", first["commit"], recorded["commit"]) == ""  # an empty commit
    nodes2, cib2 = collected(salt, cib=CIB.replace('value="balanced"', 'value="utilization"'))
    third = run({"repo": repo, "nodes": nodes2, "cib": cib2, "cluster_name": "lab", "reason": "tuning",
                 "who": "tester@here", "record_run": True})  # a change is committed as a change
    out = run({"step": "history", "repo": repo, "limit": 2})
    assert out["changed"] is False
    newest, run_entry = out["history"]
    assert newest["commit"] == third["commit"] and newest["run"] is False
    assert newest["changes"] == ["cib: property placement-strategy balanced -> utilization"]
    assert newest["subject"] == "cib: property placement-strategy balanced -> utilization"
    assert (newest["cluster"], newest["who"], newest["why"]) == ("lab", "tester@here", "tuning")
    assert newest["cib_changed_last"] == s.last_change_text(cib2["last_change"])
    assert newest["date"] == git(repo, "log", "-1", "--format=%aI").strip()
    assert run_entry["commit"] == recorded["commit"] and run_entry["run"] is True and run_entry["changes"] == []
    assert (run_entry["subject"], run_entry["why"], run_entry["cib_changed_last"]) == (
        s.RUN_SUBJECT, "failover_drill.yml: after", None)
    assert [e["commit"] for e in run({"step": "history", "repo": repo})["history"]] == [
        third["commit"], recorded["commit"], first["commit"]]
    assert run({"step": "history", "repo": repo, "branch": "other"})["history"] == []
    bad = run({"step": "history", "repo": repo, "limit": 0})
    assert bad["failed"] and bad["msg"] == "limit: 0 is not from 1 to 1000"


def test_git_missing_fails_clearly(repo, monkeypatch):
    monkeypatch.setattr(mod, "make_runner", lambda module: FakeRunner())
    out = run({"step": "prepare", "repo": repo})
    assert out["failed"] and "git is not installed" in out["msg"]


# --- config_snapshot_info ------------------------------------------------------------------


def run_info(args, runner, monkeypatch):
    monkeypatch.setattr(info, "make_runner", lambda module: runner)
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as e:
            info.main()
    return e.value.args[0]


def test_info_reads_files_fingerprints_and_cib(tmp_path, monkeypatch):
    conf = tmp_path / "corosync.conf"
    conf.write_text(COROSYNC)
    key = tmp_path / "authkey"
    key.write_bytes(b"\x02" * 256)
    binary = tmp_path / "binary"
    binary.write_bytes(b"\x00\xff\x00")
    runner = FakeRunner()
    runner.add(["cibadmin", "--query", "--scope", "alerts"], 0, "<alerts/>")
    runner.add(["cibadmin", "--query"], 0, CIB)
    runner.add(["pcs"], 0, PCS)
    out = run_info({"salt": "k", "files": [str(conf), str(binary), str(tmp_path / "absent")],
                    "secret_files": [str(key), str(tmp_path / "nokey")], "cib": True, "dumps": ["pcs"]},
                   runner, monkeypatch)
    assert out["files"][str(conf)]["content"] == COROSYNC
    assert out["files"][str(conf)]["mode"] == "%04o" % (os.stat(conf).st_mode & 0o7777)
    assert out["fingerprints"][str(key)] == s.fingerprint("k", b"\x02" * 256)
    assert str(binary) in out["fingerprints"]
    assert out["redacted"] == ["fence-ipmi.password"]
    assert PASSWORD not in out["cib"]["xml"] and PASSWORD not in out["cib"]["dumps"]["pcs"]
    assert "<status" not in out["cib"]["xml"]
    pcs_call = [c for c in runner.calls if c["argv"][0] == "pcs"][0]
    assert pcs_call["argv"][1] == "-f"


def test_info_on_a_node_without_pacemaker(monkeypatch):
    out = run_info({"salt": "k", "files": ["/nonexistent/corosync.conf"], "secret_files": [], "cib": True},
                   FakeRunner(), monkeypatch)
    assert out["files"] == {} and out["cib"] is None
    assert out["cib_error"] == "cibadmin is not installed"


def test_info_pacemaker_not_running(monkeypatch):
    runner = FakeRunner()
    runner.add(["cibadmin"], 102, "", "Could not connect to the CIB: Transport endpoint is not connected")
    out = run_info({"salt": "k", "files": [], "secret_files": [], "cib": True}, runner, monkeypatch)
    assert out["cib"] is None and "Transport endpoint is not connected" in out["cib_error"]


# ---------------------------------------------------------------------------------------------
# reassembly: the check before (step=show with hosts) and the verification after (step=compare)


def test_show_with_hosts_refuses_what_cannot_rebuild_the_cluster(repo):
    salt = prepare(repo)["salt"]
    nodes, cib = collected(salt)
    first = run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab"})
    hosts = ["sn-node1", "sn-node2", "sn-node3"]
    out = run({"step": "show", "repo": repo, "hosts": hosts, "cluster_name": "lab", "live_config": {},
               "secrets": {"fence-ipmi.params.password": PASSWORD}})
    assert not out.get("failed"), out
    assert out["manifest"] == {"cluster": "lab", "nodes": hosts} and out["commit"] == first["commit"]
    # another cluster's name and other hosts: every reason at once, nothing read further
    out = run({"step": "show", "repo": repo, "hosts": ["sn-node1", "sn-node4"], "cluster_name": "other"})
    assert out["failed"] and "nothing was changed" in out["msg"], out
    assert out["problems"] == [
        "commit %s is a snapshot of the cluster 'lab', the hosts are cluster_name 'other'" % first["commit"][:12],
        "commit %s has the nodes sn-node1 sn-node2 sn-node3; the play's hosts must be exactly those "
        "(missing from the play: sn-node2 sn-node3; not in the snapshot: sn-node4)" % first["commit"][:12]]
    # a missing secret is named as a restore names it
    out = run({"step": "show", "repo": repo, "hosts": hosts, "cluster_name": "lab", "live_config": {}})
    assert out["failed"] and out["missing"] == ["fence-ipmi.params.password"]
    # without hosts, step=show reads as before (a restore onto a running cluster)
    assert not run({"step": "show", "repo": repo, "cluster_name": "other"}).get("failed")


def test_show_with_hosts_refuses_a_commit_without_a_common_corosync_conf(repo):
    salt = prepare(repo)["salt"]
    nodes, cib = collected(salt)
    nodes = dict(nodes)
    nodes["sn-node3"] = dict(nodes["sn-node3"], files={"/etc/corosync/corosync.conf": dict(
        nodes["sn-node3"]["files"]["/etc/corosync/corosync.conf"],
        content=COROSYNC.replace("crypto_hash: sha256", "crypto_hash: sha256\n    token: 5000"))})
    run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab"})
    out = run({"step": "show", "repo": repo, "hosts": sorted(nodes), "cluster_name": "lab"})
    assert out["failed"] and out["problems"] == [
        "commit %s: the commit has no corosync.conf common to all nodes; a reassembly needs the corosync.conf every "
        "node ran" % out["commit"][:12]], out


def test_compare_lists_every_difference_and_expects_only_new_keys(repo):
    salt = prepare(repo)["salt"]
    nodes, cib = collected(salt)
    first = run({"repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab"})
    same = run({"step": "compare", "repo": repo, "nodes": nodes, "cib": cib, "cluster_name": "lab"})
    assert same == dict(same, changed=False, commit=first["commit"], differences=[], expected=[], unexpected=[])
    # a later commit exists; compare reads the one it is given, not the branch's head
    nodes2, cib2 = collected(salt, cib=CIB.replace('value="balanced"', 'value="utilization"'))
    run({"repo": repo, "nodes": nodes2, "cib": cib2, "cluster_name": "lab"})
    rebuilt = dict((n, dict(v, fingerprints={"/etc/corosync/authkey": s.fingerprint(salt, b"\x02" * 256)}))
                   for n, v in nodes2.items())
    out = run({"step": "compare", "repo": repo, "commit": first["commit"], "nodes": rebuilt, "cib": cib2,
               "cluster_name": "lab"})
    assert out["changed"] is False and out["commit"] == first["commit"]
    assert out["expected"] == ["secret /etc/corosync/authkey: changed (fingerprint differs)"]
    assert out["unexpected"] == ["cib: property placement-strategy balanced -> utilization"]
    assert sorted(out["differences"]) == sorted(out["expected"] + out["unexpected"])
    assert git(repo, "rev-list", "--count", "HEAD").strip() == "2"  # nothing written
    bad = run({"step": "compare", "repo": repo, "commit": "no-such-ref", "nodes": nodes, "cib": cib})
    assert bad["failed"] and "has no commit no-such-ref" in bad["msg"]
