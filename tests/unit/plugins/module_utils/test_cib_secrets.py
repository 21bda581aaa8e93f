# -*- coding: utf-8 -*-
"""cib_secrets: which parameters leave the CIB for Pacemaker's secret store, and the store's files."""

from __future__ import annotations

import hashlib
import hmac
import os

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import cib_secrets
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_secrets import (
    MAGIC,
    SECRETS_DIR,
    SecretStoreError,
    directories,
    files,
    in_cib,
    problems,
    read_local,
    reregister,
    split,
)

FENCE = {"id": "fence-ipmi-1", "agent": "stonith:fence_ipmilan",
         "params": {"ip": "10.0.0.1", "username": "admin", "password": "pw-1", "hexadecimal_kg": "00ff",
                    "passwd_script": "/usr/local/bin/pw", "pcmk_host_list": "node1"}}
CANARY = {"id": "canary", "agent": "ocf:pacemaker:Dummy",
          "params": {"passwd": "dummy-secret", "envfile": "/run/canary.env"}}
VIP = {"id": "vip", "agent": "ocf:heartbeat:IPaddr2", "params": {"ip": "10.0.0.9"}}


def test_fence_scope_moves_only_the_fence_devices_secret_parameters():
    out, entries = split([FENCE, CANARY, VIP], "fence")
    fence, canary, vip = out
    assert fence["params"] == {"ip": "10.0.0.1", "username": "admin", "password": MAGIC, "hexadecimal_kg": MAGIC,
                               "passwd_script": "/usr/local/bin/pw", "pcmk_host_list": "node1"}
    assert canary == CANARY and vip == VIP
    assert entries == [{"resource": "fence-ipmi-1", "param": "hexadecimal_kg", "value": "00ff", "fence": True},
                       {"resource": "fence-ipmi-1", "param": "password", "value": "pw-1", "fence": True}]
    # The input is not changed in place (the role keeps its variables).
    assert FENCE["params"]["password"] == "pw-1"


def test_all_scope_moves_every_primitives_secret_parameters_and_none_moves_nothing():
    out, entries = split([FENCE, CANARY, VIP], "all")
    assert out[1]["params"] == {"passwd": MAGIC, "envfile": "/run/canary.env"}
    assert [(e["resource"], e["param"], e["fence"]) for e in entries] == [
        ("fence-ipmi-1", "hexadecimal_kg", True), ("fence-ipmi-1", "password", True), ("canary", "passwd", False)]
    assert split([FENCE, CANARY, VIP], "none") == ([FENCE, CANARY, VIP], [])


def test_values_already_in_the_store_and_absent_primitives_are_left_alone():
    by_hand = {"id": "f2", "agent": "stonith:fence_ipmilan", "params": {"password": MAGIC}}
    gone = {"id": "f3", "state": "absent", "params": {"password": "x y"}}
    out, entries = split([by_hand, gone], "all")
    assert out == [by_hand, gone] and entries == []


def test_the_files_are_what_cibsecret_writes():
    entries = split([CANARY], "all")[1]
    assert files(entries) == [
        {"path": SECRETS_DIR + "/canary/passwd", "content": "dummy-secret\n", "resource": "canary", "fence": False},
        {"path": SECRETS_DIR + "/canary/passwd.sign",
         "content": hashlib.md5(b"dummy-secret").hexdigest() + "\n", "resource": "canary", "fence": False}]
    assert directories(entries) == [SECRETS_DIR, SECRETS_DIR + "/canary"]


@pytest.mark.parametrize("value, needle", [
    ("pw ", "leading or trailing white space"),
    (" pw", "leading or trailing white space"),
    ("p\nw", "one line"),
    ("", "one line"),
])
def test_a_value_the_store_cannot_hold_is_refused_naming_the_field_not_the_value(value, needle):
    bad = {"id": "fence-1", "agent": "stonith:fence_ipmilan", "params": {"password": value}}
    msgs = problems([bad], "fence")
    assert len(msgs) == 1 and "cluster_primitives[0] (fence-1).params.password" in msgs[0] and needle in msgs[0]
    with pytest.raises(SecretStoreError) as e:
        split([bad], "fence")
    assert needle in str(e.value)
    if value.strip():
        assert value.strip() not in str(e.value)


def test_a_name_that_cannot_name_a_file_is_refused():
    bad = {"id": "../etc", "agent": "stonith:fence_ipmilan", "params": {"password": "pw"}}
    assert "must be letters" in problems([bad], "fence")[0]


def test_an_unknown_scope_names_the_variable_and_the_choices():
    assert problems([FENCE], "some") == ["cluster_cib_secrets: 'some' is not one of none, fence, all"]


def test_only_fence_devices_whose_files_changed_are_registered_again():
    entries = split([FENCE, CANARY], "all")[1]
    changed = [SECRETS_DIR + "/canary/passwd", SECRETS_DIR + "/fence-ipmi-1/password.sign"]
    assert reregister(changed, entries) == ["fence-ipmi-1"]
    assert reregister([SECRETS_DIR + "/canary/passwd"], entries) == []
    assert reregister([], entries) == []


def test_the_rule_is_the_collections_one_secret_rule():
    # A parameter the redaction rule names is one the store takes, and the other way round.
    params = {n: "v" for n in ("password", "passwd", "api_key", "community", "token", "identity_file", "tlskey",
                               "ip", "auth", "secret_file")}
    entries = split([{"id": "r", "agent": "ocf:x:y", "params": params}], "all")[1]
    moved = sorted(e["param"] for e in entries)
    assert moved == sorted(n for n in params if cib_secrets.is_secret(n))
    assert "identity_file" not in moved and "tlskey" not in moved and "password" in moved


# The lab's CIB with its fence device's password and a Dummy's passwd in the store (what the role writes).
STORE_CIB = fixture_text("health", "cib.lab.xml").replace(
    '<nvpair id="fence-docker-instance_attributes-api_version" name="api_version" value="1.41"/>',
    '<nvpair id="fence-docker-instance_attributes-api_version" name="api_version" value="1.41"/>'
    '<nvpair id="fence-docker-instance_attributes-password" name="password" value="lrm://"/>').replace(
    '<primitive id="site-vip"', '<primitive id="canary" class="ocf" provider="pacemaker" type="Dummy">'
    '<instance_attributes id="canary-ia"><nvpair id="canary-ia-passwd" name="passwd" value="lrm://"/>'
    '</instance_attributes></primitive><primitive id="site-vip"', 1)


def test_in_cib_lists_the_parameters_the_cib_keeps_in_the_store():
    assert in_cib(parse(STORE_CIB)) == [("canary", "passwd", False), ("fence-docker", "password", True)]
    assert in_cib(parse(fixture_text("health", "cib.lab.xml"))) == []
    assert in_cib(None) == []


def _write_store(store, entries):
    for (rsc, param), value in entries.items():
        os.makedirs(os.path.join(store, rsc), exist_ok=True)
        with open(os.path.join(store, rsc, param), "w") as f:
            f.write(value + "\n")
        with open(os.path.join(store, rsc, param) + ".sign", "w") as f:
            f.write(hashlib.md5(value.encode()).hexdigest() + "\n")


def test_read_local_checks_each_file_as_pacemaker_does_and_never_returns_a_value(tmp_path):
    store, key = str(tmp_path / "secrets"), tmp_path / "authkey"
    key.write_bytes(b"k" * 256)
    _write_store(store, {("canary", "passwd"): "dummy-secret", ("fence-docker", "password"): "pw-1"})
    got = read_local(parse(STORE_CIB), str(key), store=store)
    digest = hmac.new(b"k" * 256, b"pw-1", hashlib.sha256).hexdigest()[:16]
    assert got == {"canary/passwd": {"state": "ok", "digest": hmac.new(b"k" * 256, b"dummy-secret", hashlib.sha256).hexdigest()[:16]},
                   "fence-docker/password": {"state": "ok", "digest": digest}}
    assert "pw-1" not in str(got) and "dummy-secret" not in str(got)
    # A value whose .sign is another's, a missing .sign, a missing value.
    with open(os.path.join(store, "fence-docker", "password"), "w") as f:
        f.write("pw-2\n")
    os.remove(os.path.join(store, "canary", "passwd.sign"))
    got = read_local(parse(STORE_CIB), str(key), store=store)
    assert got["fence-docker/password"]["state"] == "mismatch" and got["canary/passwd"]["state"] == "no-sign"
    os.remove(os.path.join(store, "canary", "passwd"))
    got = read_local(parse(STORE_CIB), str(tmp_path / "no-key"), store=store)
    assert got["canary/passwd"]["state"] == "missing" and got["fence-docker/password"]["digest"] is None
    assert read_local(None) is None


def test_read_local_names_the_values_the_cib_no_longer_keeps_in_the_store(tmp_path):
    store, key = str(tmp_path / "secrets"), tmp_path / "authkey"
    key.write_bytes(b"k" * 256)
    # old-fence was deleted from the CIB; canary's token was given back to it: both stay on disk.
    _write_store(store, {("canary", "passwd"): "dummy-secret", ("fence-docker", "password"): "pw-1",
                         ("old-fence", "password"): "old-pw", ("canary", "token"): "tok"})
    with open(os.path.join(store, "stray-file"), "w") as f:  # not a resource's directory: not a value
        f.write("x\n")
    got = read_local(parse(STORE_CIB), str(key), store=store)
    assert got["old-fence/password"] == {"state": "left"} and got["canary/token"] == {"state": "left"}
    assert sorted(k for k, v in got.items() if v["state"] != "left") == ["canary/passwd", "fence-docker/password"]
    assert "old-pw" not in str(got) and "tok'" not in str(got) and "stray-file" not in str(got)
    # No store at all: only the CIB's parameters, missing.
    got = read_local(parse(STORE_CIB), str(key), store=str(tmp_path / "none"))
    assert {v["state"] for v in got.values()} == {"missing"}
