# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for cluster_node_facts: real captured outputs, real files in a temporary directory."""

from __future__ import annotations

import hashlib
import os

import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import read_stack_versions
from ansible_collections.clusterops.ha.plugins.module_utils.health import node_facts_errors
from ansible_collections.clusterops.ha.plugins.modules import cluster_node_facts


def node_runner(corosync_up=True):
    runner = FakeRunner()
    runner.add(["corosync", "-v"], stdout=fixture_text("node", "corosync-v.txt"))
    runner.add(["pacemakerd", "--version"], stdout=fixture_text("node", "pacemakerd-version.txt"))
    if corosync_up:
        runner.add(["corosync-cmapctl", "-g"], rc=1, stdout=fixture_text("node", "cmap.missing.stdout.txt"),
                   stderr=fixture_text("node", "cmap.missing.stderr.txt"))
        runner.add(["corosync-cmapctl", "-g", "runtime.config.totem.token"], stdout=fixture_text("node", "cmap.token.txt"))
        runner.add(["corosync-cmapctl", "-g", "totem.crypto_cipher"], stdout=fixture_text("node", "cmap.crypto_cipher.txt"))
        runner.add(["corosync-cmapctl", "-g", "totem.crypto_hash"], stdout="totem.crypto_hash (str) = sha256\n")
        runner.add(["corosync-cmapctl", "-g", "totem.transport"], stdout="totem.transport (str) = knet\n")
        runner.add(["corosync-cmapctl", "nodelist.node"], stdout=fixture_text("node", "cmap.nodelist.txt"))
    else:
        runner.add(["corosync-cmapctl"], rc=1, stderr="Failed to initialize the cmap API. Error CS_ERR_LIBRARY\n")
    # journalctl --grep ends with 1 when nothing matched.
    runner.add(["journalctl"], rc=1, stdout="-- No entries --\n")
    # no pcsd on the node (a crmsh cluster): its log cannot be read
    runner.add(["tail"], rc=1, stderr="tail: cannot open '/var/log/pcsd/pcsd.log' for reading: No such file or directory\n")
    return runner


@pytest.fixture
def files(tmp_path):
    conf = tmp_path / "corosync.conf"
    conf.write_text("totem {\n    version: 2\n}\n")
    key = tmp_path / "authkey"
    key.write_bytes(b"k" * 256)
    os.chmod(key, 0o400)
    pkey = tmp_path / "pcmk-authkey"
    pkey.write_bytes(b"p" * 256)
    os.chmod(pkey, 0o640)
    return {"corosync_conf": str(conf), "corosync_authkey": str(key), "pacemaker_authkey": str(pkey)}


def run(monkeypatch, args, runner):
    monkeypatch.setattr(cluster_node_facts, "make_runner", lambda module: runner)
    with patch_module_args(args):
        with pytest.raises(ExitJson) as exc:
            cluster_node_facts.main()
    return exc.value.args[0]


def test_a_running_node(monkeypatch, files):
    result = run(monkeypatch, files, node_runner())
    facts = result["facts"]
    assert result["changed"] is False
    with open(files["corosync_conf"], "rb") as f:
        assert facts["corosync_conf_sha256"] == hashlib.sha256(f.read()).hexdigest()
    assert facts["authkey_mode"] == "0400"
    assert facts["pcmk_authkey_mode"] == "0640"
    assert facts["authkey_sha256"] == hashlib.sha256(b"k" * 256).hexdigest()
    assert facts["pcmk_authkey_sha256"] == hashlib.sha256(b"p" * 256).hexdigest()
    assert facts["corosync_version"] == "3.1.7"
    assert facts["pacemaker_version"] == "2.1.5"
    assert facts["token_ms"] == 3650
    assert (facts["transport"], facts["crypto_cipher"], facts["crypto_hash"]) == ("knet", "aes256", "sha256")


def test_a_stopped_node_and_missing_files(monkeypatch, tmp_path):
    args = {"corosync_conf": str(tmp_path / "nope.conf"), "corosync_authkey": str(tmp_path / "nokey"),
            "pacemaker_authkey": str(tmp_path / "nopkey")}
    facts = run(monkeypatch, args, node_runner(corosync_up=False))["facts"]
    assert facts["corosync_conf_sha256"] is None
    assert facts["authkey_mode"] is None and facts["pcmk_authkey_mode"] is None
    assert facts["authkey_sha256"] is None and facts["pcmk_authkey_sha256"] is None
    assert facts["token_ms"] is None and facts["crypto_cipher"] is None
    assert facts["corosync_version"] == "3.1.7"


def test_gather_digests_the_authkeys_never_returns_them(files):
    facts = cluster_node_facts.gather(node_runner(), files)
    assert facts["authkey_sha256"] == hashlib.sha256(b"k" * 256).hexdigest()
    assert facts["pcmk_authkey_sha256"] == hashlib.sha256(b"p" * 256).hexdigest()
    # The options' paths are the ones read (a node whose two keys are the same file gives the same digest).
    facts = cluster_node_facts.gather(node_runner(), dict(files, pacemaker_authkey=files["corosync_authkey"]))
    assert facts["pcmk_authkey_sha256"] == facts["authkey_sha256"]
    for value in facts.values():
        assert "kkkk" not in str(value) and "pppp" not in str(value)


def test_gather_unreadable_authkeys_give_none(files, tmp_path):
    # A directory in place of a key cannot be read (as root too, unlike a file with mode 0000).
    (tmp_path / "authkey.d").mkdir()
    facts = cluster_node_facts.gather(node_runner(corosync_up=False), dict(
        files, corosync_authkey=str(tmp_path / "authkey.d"), pacemaker_authkey=str(tmp_path / "missing")))
    assert facts["authkey_sha256"] is None and facts["pcmk_authkey_sha256"] is None
    assert facts["corosync_conf_sha256"] is not None and facts["token_ms"] is None


def test_the_digests_fit_the_health_checks(monkeypatch, files):
    facts = run(monkeypatch, files, node_runner())["facts"]
    assert node_facts_errors({"lab-node1": facts}) == []


def test_unset_key_is_none():
    assert cluster_node_facts.cmap_value(node_runner(), "totem.nosuch") is None


def test_missing_programs_give_none():
    runner = FakeRunner()
    assert read_stack_versions(runner) == {"corosync": None, "pacemaker": None}
    assert cluster_node_facts.cmap_value(runner, "totem.transport") is None


def test_values_are_typed_by_the_one_cmapctl_parser():
    runner = node_runner()
    assert cluster_node_facts.cmap_value(runner, "runtime.config.totem.token") == 3650
    assert cluster_node_facts.cmap_value(runner, "totem.crypto_cipher") == "aes256"


def test_unreadable_cmapctl_output_is_none(monkeypatch, files):
    runner = node_runner()
    runner.add(["corosync-cmapctl", "-g", "runtime.config.totem.token"], stdout="Token: 3650\n")
    assert cluster_node_facts.cmap_value(runner, "runtime.config.totem.token") is None
    assert run(monkeypatch, files, runner)["facts"]["token_ms"] is None


def test_refused_packets_from_corosyncs_journal(monkeypatch, files):
    runner = node_runner()
    runner.add(["journalctl"], stdout=fixture_text("node", "journal-corosync-refused.bookworm.txt"))
    facts = run(monkeypatch, dict(files, refused_packets_window_s=600), runner)["facts"]
    assert [(e["address"], e["count"]) for e in facts["refused_packets"]] == [("172.31.250.1", 5), ("172.31.250.13", 88)]
    assert (facts["refused_packets_window_s"], facts["refused_packets_truncated"]) == (600, False)
    assert facts["nodelist_addresses"]["172.31.250.13"] == "lab-node3"
    argv = [c["argv"] for c in runner.calls if c["argv"][0] == "journalctl"][0]
    # corosync's unit, since the window's start, the grep for libknet's lines, at most the newest 20000 of them.
    assert argv[argv.index("--unit") + 1] == "corosync" and argv[argv.index("--output") + 1] == "short-unix"
    assert argv[argv.index("--grep") + 1] == "Unable to decrypt packet from|Packet rejected from"
    assert argv[argv.index("--lines") + 1] == "20000" and argv[argv.index("--since") + 1].startswith("@")
    assert node_facts_errors({"lab-node1": facts}) == []


def test_failed_pcsd_logins_from_pcsds_log(monkeypatch, files):
    """Captured on a Debian 12 node (pcs 0.11.5): three wrong passwords and an unknown user from 127.0.0.1, then
    one wrong password through `pcs host auth` from 172.17.0.3; a right one and two token-less 401s between."""
    runner = node_runner()
    runner.add(["tail"], stdout=fixture_text("node", "pcsd.log.failed-logins.bookworm.txt"))
    facts = run(monkeypatch, dict(files, refused_packets_window_s=10 ** 9), runner)["facts"]
    assert [(e["user"], e["address"], e["count"]) for e in facts["pcsd_failed_logins"]] == [
        ("hacluster", "127.0.0.1", 3), ("hacluster", "172.17.0.3", 1), ("mallory", "127.0.0.1", 1)]
    assert facts["pcsd_failed_logins_truncated"] is False
    argv = [c["argv"] for c in runner.calls if c["argv"][0] == "tail"][0]
    assert argv == ["tail", "-n", "20000", "/var/log/pcsd/pcsd.log"]
    assert node_facts_errors({"lab-node1": facts}) == []


def test_no_pcsd_log_is_unknown(monkeypatch, files):
    facts = run(monkeypatch, files, node_runner())["facts"]
    assert facts["pcsd_failed_logins"] is None and facts["pcsd_failed_logins_truncated"] is False


def test_a_window_below_one_second_is_refused(monkeypatch, files):
    monkeypatch.setattr(cluster_node_facts, "make_runner", lambda module: node_runner())
    with patch_module_args(dict(files, refused_packets_window_s=0)):
        with pytest.raises(FailJson) as exc:
            cluster_node_facts.main()
    assert exc.value.args[0]["msg"] == "refused_packets_window_s: 0 is not an integer of at least 1"


def test_the_firewall_where_it_is_on_and_loaded(monkeypatch, files, tmp_path):
    """nft's table as a Debian 12 lab node listed it after 3 junk UDP packets and 2 TCP SYNs from the Docker host."""
    rules = tmp_path / "firewall.nft"
    rules.write_text("table inet clusterops\n")
    runner = node_runner()
    runner.add(["nft", "list", "table", "inet", "clusterops"], stdout=fixture_text("node", "nft-list-table.clusterops.bookworm.txt"))
    facts = run(monkeypatch, dict(files, firewall_rules=str(rules)), runner)["facts"]
    assert facts["firewall"] == {"managed": True, "loaded": True, "drops": [
        {"rule": "corosync knet from elsewhere", "packets": 3}, {"rule": "pcsd from elsewhere", "packets": 2}]}
    assert node_facts_errors({"lab-node1": facts}) == []


def test_the_firewall_flushed_and_off(monkeypatch, files, tmp_path):
    rules = tmp_path / "firewall.nft"
    rules.write_text("table inet clusterops\n")
    runner = node_runner()
    runner.add(["nft", "list", "table", "inet", "clusterops"], rc=1,
               stderr=fixture_text("node", "nft-list-table.flushed.bookworm.stderr.txt"))
    facts = run(monkeypatch, dict(files, firewall_rules=str(rules)), runner)["facts"]
    assert facts["firewall"] == {"managed": True, "loaded": False, "error": "Error: No such file or directory"}
    assert node_facts_errors({"lab-node1": facts}) == []
    # no rules file: the firewall is off here, and nft is not asked
    runner = node_runner()
    facts = run(monkeypatch, dict(files, firewall_rules=str(tmp_path / "none.nft")), runner)["facts"]
    assert facts["firewall"] == {"managed": False}
    assert not [c for c in runner.calls if c["argv"][0] == "nft"]


# --- PostgreSQL under PAF (fixtures/postgresql; the CIB of test_postgresql.paf_cib)


def test_postgresql_where_the_cib_has_pgsqlms(files):
    import xml.etree.ElementTree as ET
    from test_postgresql import paf_cib
    runner = node_runner()
    runner.add(["cibadmin", "--query"], stdout=ET.tostring(paf_cib(), encoding="unicode"))
    runner.add(["runuser"], stdout=fixture_text("postgresql", "state.standby.stdout"))
    facts = cluster_node_facts.gather(runner, files)
    pgsqld = facts["postgresql"]["pgsqld"]
    assert (pgsqld["state"], pgsqld["in_recovery"], pgsqld["wal_receiver"]["status"]) == ("running", True, "streaming")
    assert [c["argv"][0] for c in runner.calls].count("runuser") == 1  # one psql call per instance
    assert node_facts_errors({"node1": facts}) == []


def test_postgresql_stopped_is_a_fact_not_a_failure(monkeypatch, files):
    import xml.etree.ElementTree as ET
    from test_postgresql import paf_cib
    runner = node_runner()
    runner.add(["cibadmin", "--query"], stdout=ET.tostring(paf_cib(), encoding="unicode"))
    runner.add(["runuser"], rc=2, stderr=fixture_text("postgresql", "state.stopped.stderr"))
    result = run(monkeypatch, files, runner)
    assert result["facts"]["postgresql"]["pgsqld"]["state"] == "stopped"


def test_no_postgresql_no_facts(files, tmp_path):
    runner = node_runner()
    runner.add(["cibadmin", "--query"], stdout=fixture_text("health", "cib.lab.xml"))
    assert cluster_node_facts.gather(runner, files)["postgresql"] is None
    down = node_runner()
    down.add(["cibadmin"], rc=102, stderr="Could not connect to the CIB: Transport endpoint is not connected\n")
    assert cluster_node_facts.gather(down, dict(files, cib_file=str(tmp_path / "cib.xml")))["postgresql"] is None
    assert not any(c["argv"][0] == "runuser" for c in runner.calls + down.calls)


# --- Filesystem resources (fixtures/filesystem; the CIB of test_filesystem.share_cib)


def test_filesystems_where_the_cib_has_filesystem_primitives(files):
    import xml.etree.ElementTree as ET
    from test_filesystem import mountinfo, share_cib
    runner = node_runner()
    runner.add(["cibadmin", "--query"], stdout=ET.tostring(share_cib(), encoding="unicode"))
    facts = cluster_node_facts.gather(runner, dict(files, mountinfo=mountinfo("mounted-with-nfs")))
    share = facts["filesystems"]["share-fs"]
    # No /dev/clusterops-shared on this machine: not a block device here, found by the name it was mounted by.
    assert (share["device"], share["directory"], share["fstype"], share["shared"]) == (
        "/dev/clusterops-shared", "/srv/clusterops-share", "ext4", False)
    assert share["mounts"] == [{"mount_point": "/srv/clusterops-share", "fstype": "ext4", "source": "/dev/clusterops-shared"}]
    assert facts["filesystems"]["home-fs"]["shared"] is True and facts["filesystems"]["home-fs"]["mounted"] is True
    assert facts["postgresql"] is None
    assert node_facts_errors({"lab-node1": facts}) == []


def test_one_cib_read_for_postgresql_and_filesystems(files):
    import xml.etree.ElementTree as ET
    from test_filesystem import SHARE_RESOURCES, mountinfo
    from test_postgresql import paf_cib
    root = paf_cib()
    for el in ET.fromstring(SHARE_RESOURCES):
        root.find("configuration/resources").append(el)
    runner = node_runner()
    runner.add(["cibadmin", "--query"], stdout=ET.tostring(root, encoding="unicode"))
    runner.add(["runuser"], stdout=fixture_text("postgresql", "state.standby.stdout"))
    facts = cluster_node_facts.gather(runner, dict(files, mountinfo=mountinfo("unmounted")))
    assert facts["postgresql"]["pgsqld"]["state"] == "running"
    assert facts["filesystems"]["share-fs"]["mounted"] is False
    assert [c["argv"][0] for c in runner.calls].count("cibadmin") == 1


def test_no_filesystem_primitive_no_facts_and_nothing_read(files, tmp_path):
    runner = node_runner()
    runner.add(["cibadmin", "--query"], stdout=fixture_text("health", "cib.lab.xml"))
    # a mountinfo that cannot be read would give an error in the facts: it is not read at all
    facts = cluster_node_facts.gather(runner, dict(files, mountinfo=str(tmp_path / "never-read")))
    assert facts["filesystems"] is None
    assert [c["argv"][0] for c in runner.calls].count("cibadmin") == 1
    down = node_runner()
    down.add(["cibadmin"], rc=102, stderr="Could not connect to the CIB: Transport endpoint is not connected\n")
    facts = cluster_node_facts.gather(down, dict(files, cib_file=str(tmp_path / "cib.xml")))
    assert facts["filesystems"] is None and facts["postgresql"] is None
    assert [c["argv"][0] for c in down.calls].count("cibadmin") == 1
