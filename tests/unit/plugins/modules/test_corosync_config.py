# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the corosync_config module: main() against a file under tmp_path."""

from __future__ import annotations

import copy
import hashlib
import os
import stat

import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, patch_module_args

from ansible.module_utils import basic
from ansible_collections.clusterops.ha.plugins.modules import corosync_config


CONFIG = {
    "totem": {"version": 2, "cluster_name": "prod", "transport": "knet", "crypto_cipher": "aes256",
              "crypto_hash": "sha256", "token": 3000,
              "interface": [{"linknumber": 0, "knet_ping_interval": 750, "knet_ping_timeout": 1500}]},
    "nodelist": {"node": [{"name": "n1", "nodeid": 1, "ring0_addr": "10.0.0.1"},
                          {"name": "n2", "nodeid": 2, "ring0_addr": "10.0.0.2"}]},
    "quorum": {"provider": "corosync_votequorum", "two_node": 1},
    "logging": {"to_syslog": True, "to_logfile": True, "logfile": "/var/log/corosync/corosync.log",
                "timestamp": True, "logger_subsys": [{"subsys": "QUORUM", "debug": False}]},
}


@pytest.fixture
def runner(monkeypatch):
    fake = FakeRunner({("corosync", "-c"): (0, "", "")})
    monkeypatch.setattr(corosync_config, "make_runner", lambda module: fake)
    return fake


@pytest.fixture
def conf(tmp_path):
    return tmp_path / "corosync" / "corosync.conf"


def run(args, tmp_path, check_mode=False, diff=False):
    args = dict(args)
    args.setdefault("config", copy.deepcopy(CONFIG))
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    args["_ansible_tmpdir"] = str(tmp_path)
    with patch_module_args(args):
        try:
            corosync_config.main()
        except ExitJson as e:
            return e.args[0]
        except FailJson as e:
            return e.args[0]
    raise AssertionError("module did not exit")  # pragma: no cover


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_creates_file_then_idempotent(conf, tmp_path, runner):
    conf.parent.mkdir()
    first = run({"path": str(conf)}, tmp_path)
    assert first["changed"] is True
    assert first["restart_required"] is True  # a new file: cluster_name and friends
    text = conf.read_text()
    assert text.startswith("# Managed by clusterops.ha")
    assert "two_node: 1" in text and "timestamp: on" in text
    assert stat.S_IMODE(os.stat(str(conf)).st_mode) == 0o644
    assert first["checksum"] == hashlib.sha1(text.encode()).hexdigest()
    assert first["config"]["nodelist"]["node"][0]["nodeid"] == "1"
    assert "backup_file" not in first  # nothing to back up
    assert "rendered" not in first
    # the candidate was checked with corosync -t before it was installed
    assert runner.calls[0]["argv"][:2] == ["corosync", "-c"] and runner.calls[0]["argv"][-1] == "-t"
    assert first["validated"] is True
    assert not [p for p in os.listdir(str(tmp_path)) if p.startswith("corosync.conf.candidate")]

    second = run({"path": str(conf)}, tmp_path)
    assert second["changed"] is False
    assert second["changes"] == []
    assert second["reload_required"] is False and second["restart_required"] is False
    assert conf.read_text() == text
    assert len(runner.calls) == 1  # nothing to validate on a no-op


def test_semantically_equal_file_is_not_rewritten(conf, tmp_path, runner):
    pcs = fixture_text("corosync", "pcs-0.11.corosync.conf")
    write(conf, pcs)
    from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse
    result = run({"path": str(conf), "config": parse(pcs)}, tmp_path)
    assert result["changed"] is False
    assert conf.read_text() == pcs  # different text, same meaning: left alone
    assert result["existing_managed"] is False


def test_reload_change_with_backup_and_diff(conf, tmp_path, runner):
    conf.parent.mkdir()
    run({"path": str(conf)}, tmp_path)
    config = copy.deepcopy(CONFIG)
    config["totem"]["token"] = 5000
    config["logging"]["logger_subsys"][0]["debug"] = True
    before_text = conf.read_text()
    result = run({"path": str(conf), "config": config}, tmp_path, diff=True)
    assert result["changed"] is True
    assert [c["path"] for c in result["changes"]] == ["totem.token", "logging.logger_subsys[subsys=QUORUM].debug"]
    assert result["reload_required"] is True and result["restart_required"] is False
    assert os.path.isfile(result["backup_file"])
    with open(result["backup_file"]) as f:
        assert f.read() == before_text
    assert result["diff"]["before"] == before_text
    assert result["diff"]["after"] == conf.read_text()
    assert result["diff"]["before_header"] == result["diff"]["after_header"] == str(conf)
    assert "token: 5000" in conf.read_text()


def test_no_backup_when_disabled(conf, tmp_path, runner):
    write(conf, fixture_text("corosync", "debian-default.corosync.conf"))
    result = run({"path": str(conf), "backup": False}, tmp_path)
    assert result["changed"] is True and "backup_file" not in result
    assert os.listdir(str(conf.parent)) == ["corosync.conf"]


def test_check_mode_writes_nothing(conf, tmp_path, runner):
    original = fixture_text("corosync", "debian-default.corosync.conf")
    write(conf, original)
    result = run({"path": str(conf)}, tmp_path, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["restart_required"] is True
    changes = dict((c["path"], c) for c in result["changes"])
    assert changes["totem.cluster_name"]["before"] == "debian"
    assert changes["totem.cluster_name"]["action"] == "restart"
    assert result["diff"]["before"] == original
    assert conf.read_text() == original
    assert os.listdir(str(conf.parent)) == ["corosync.conf"]
    assert "backup_file" not in result


def test_check_mode_missing_file(conf, tmp_path, runner):
    conf.parent.mkdir()
    result = run({"path": str(conf)}, tmp_path, check_mode=True)
    assert result["changed"] is True
    assert not conf.exists()


def test_invalid_input_fails_naming_the_field_and_leaves_file(conf, tmp_path, runner):
    original = fixture_text("corosync", "pcs-0.11.corosync.conf")
    write(conf, original)
    config = copy.deepcopy(CONFIG)
    config["totem"]["transport"] = "tcp"
    config["nodelist"]["node"][1]["nodeid"] = 1
    result = run({"path": str(conf), "config": config}, tmp_path)
    assert result["failed"] is True
    assert "totem.transport" in result["msg"]
    assert any(e.startswith("nodelist.node[nodeid=1].nodeid:") for e in result["errors"])
    assert conf.read_text() == original
    assert runner.calls == []


def test_warnings_are_passed_on(conf, tmp_path, runner, monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, w: warned.append(w))
    config = copy.deepcopy(CONFIG)
    config["totem"]["crypto_cipher"] = "none"
    config["totem"]["crypto_hash"] = "none"
    conf.parent.mkdir()
    result = run({"path": str(conf), "config": config}, tmp_path)
    assert result["changed"] is True
    assert warned == ["totem.crypto_cipher: 'none' cluster traffic is not encrypted"]


def test_corosync_rejects_candidate(conf, tmp_path, monkeypatch):
    original = fixture_text("corosync", "pcs-0.11.corosync.conf")
    write(conf, original)
    fake = FakeRunner({("corosync", "-c"): (
        8, "", "parser error: /tmp/x:40: Extra characters after opening bracket '{'\n")})
    monkeypatch.setattr(corosync_config, "make_runner", lambda module: fake)
    result = run({"path": str(conf)}, tmp_path)
    assert result["failed"] is True
    assert result["rc"] == 8
    assert "Extra characters after opening bracket '{'" in result["msg"]
    assert conf.read_text() == original
    assert os.listdir(str(conf.parent)) == ["corosync.conf"]
    # the candidate corosync saw is the rendered file, and it is cleaned up
    assert fake.calls[0]["argv"][2].startswith(str(tmp_path))
    assert not os.path.exists(fake.calls[0]["argv"][2])


def test_validate_skipped_without_corosync_or_when_disabled(conf, tmp_path, monkeypatch):
    fake = FakeRunner()  # no corosync binary
    monkeypatch.setattr(corosync_config, "make_runner", lambda module: fake)
    conf.parent.mkdir()
    result = run({"path": str(conf)}, tmp_path)
    assert result["changed"] is True and result["validated"] is False
    fake.add(["corosync", "-c"], rc=8, stderr="would fail")
    config = copy.deepcopy(CONFIG)
    config["totem"]["token"] = 4000
    result = run({"path": str(conf), "config": config, "validate": False}, tmp_path)
    assert result["changed"] is True and result["validated"] is False
    assert fake.calls == []


def test_unparsable_existing_file_is_replaced_with_restart(conf, tmp_path, runner):
    write(conf, "totem {\n    version: 2\n    cluster_name: prod\n")  # missing brace
    result = run({"path": str(conf)}, tmp_path)
    assert result["changed"] is True
    assert "Missing closing brace" in result["existing_parse_error"]
    assert str(conf) in result["existing_parse_error"]
    assert result["restart_required"] is True and result["reload_required"] is False
    assert all(c["action"] == "restart" for c in result["changes"])
    assert os.path.isfile(result["backup_file"])
    assert conf.read_text().startswith("# Managed by clusterops.ha")


def test_unmanaged_file_refused_when_not_allowed(conf, tmp_path, runner):
    original = fixture_text("corosync", "debian-default.corosync.conf")
    write(conf, original)
    result = run({"path": str(conf), "allow_replace_unmanaged": False}, tmp_path)
    assert result["failed"] is True
    assert "allow_replace_unmanaged" in result["msg"]
    assert conf.read_text() == original
    # a file we wrote ourselves is fine
    conf.unlink()
    run({"path": str(conf)}, tmp_path)
    config = copy.deepcopy(CONFIG)
    config["totem"]["token"] = 4000
    result = run({"path": str(conf), "config": config, "allow_replace_unmanaged": False}, tmp_path)
    assert result["changed"] is True and result["existing_managed"] is True


def test_missing_directory_fails_cleanly(tmp_path, runner):
    result = run({"path": str(tmp_path / "nope" / "corosync.conf")}, tmp_path)
    assert result["failed"] is True
    assert "does not exist" in result["msg"]


def test_node_added_is_reload(conf, tmp_path, runner):
    conf.parent.mkdir()
    config = copy.deepcopy(CONFIG)
    del config["quorum"]["two_node"]
    run({"path": str(conf), "config": config}, tmp_path)
    config["nodelist"]["node"].append({"name": "n3", "nodeid": 3, "ring0_addr": "10.0.0.3"})
    result = run({"path": str(conf), "config": config}, tmp_path)
    assert [c["path"] for c in result["changes"]] == ["nodelist.node[nodeid=3]"]
    assert result["reload_required"] is True and result["restart_required"] is False


def test_check_mode_without_the_key_skips_corosync_t_with_a_warning(conf, tmp_path, runner, monkeypatch):
    config = copy.deepcopy(CONFIG)
    config["totem"]["keyfile"] = str(tmp_path / "no-such-authkey")
    warnings = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, msg: warnings.append(msg))
    result = run({"path": str(conf), "config": config}, tmp_path, check_mode=True)
    assert result["changed"] is True and result["validated"] is False
    assert runner.calls == []
    assert any("no-such-authkey does not exist yet" in w for w in warnings)


def test_real_run_with_the_key_missing_still_asks_corosync(conf, tmp_path, runner):
    config = copy.deepcopy(CONFIG)
    config["totem"]["keyfile"] = str(tmp_path / "no-such-authkey")
    conf.parent.mkdir(parents=True)
    result = run({"path": str(conf), "config": config}, tmp_path)
    assert result.get("validated") is True and runner.calls, result.get("msg")
