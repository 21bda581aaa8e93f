# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/pcsd.py: pcsd's log as Debian 12 and 13 nodes wrote it (fixtures/node/pcsd.log.*) and
the certificates pcsd made on them (fixtures/node/pcsd.crt.default.*.pem)."""

from __future__ import annotations

import calendar
import os
import time

from conftest import FIXTURES, FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import pcsd
from ansible_collections.clusterops.ha.plugins.module_utils.pcsd import (
    PCSD_LOG_MAX_LINES, parse_failed_logins, read_failed_logins)

LOG = fixture_text("node", "pcsd.log.failed-logins.bookworm.txt")


def local(stamp):
    return time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + stamp[19:])


def test_failed_logins_per_user_and_client():
    found = parse_failed_logins(LOG)
    assert found == [
        {"user": "hacluster", "address": "127.0.0.1", "count": 3,
         "first": local("2026-12-04T21:58:34.011"), "last": local("2026-12-04T21:58:38.499")},
        {"user": "hacluster", "address": "172.17.0.3", "count": 1,
         "first": local("2026-12-04T21:59:20.667"), "last": local("2026-12-04T21:59:20.667")},
        {"user": "mallory", "address": "127.0.0.1", "count": 1,
         "first": local("2026-12-04T21:58:40.371"), "last": local("2026-12-04T21:58:40.371")},
    ]


def test_successful_and_token_less_requests_are_no_failed_login():
    text = "\n".join(ln for ln in LOG.splitlines() if "Failed login" not in ln)
    assert "401 GET /remote/status" in text and parse_failed_logins(text) == []


def test_since_keeps_the_newer_ones_and_a_cut_log_names_no_address():
    assert [e["user"] for e in parse_failed_logins(LOG, since=local("2026-12-04T21:59:00"))] == ["hacluster"]
    cut = LOG.rstrip("\n").rsplit("\n", 1)[0]  # the last request line is missing
    assert ("hacluster", "unknown", 1) in [(e["user"], e["address"], e["count"]) for e in parse_failed_logins(cut)]
    assert parse_failed_logins("") == [] and parse_failed_logins(None) == []


def test_read_through_the_command_seam():
    runner = FakeRunner()
    runner.add(["tail"], stdout=LOG)
    found, truncated = read_failed_logins(runner, 3600, local("2026-12-04T22:00:00"))
    assert sum(e["count"] for e in found) == 5 and truncated is False
    runner = FakeRunner()
    runner.add(["tail"], rc=1, stderr="tail: cannot open '/var/log/pcsd/pcsd.log' for reading\n")
    assert read_failed_logins(runner, 3600, time.time()) == (None, False)


def test_a_full_read_whose_oldest_line_is_inside_the_window_is_truncated():
    line = "I, [2026-12-04T21:58:34.011 #00000]     INFO -- : 200 GET /remote/status (10.0.0.1) 1.00ms"
    runner = FakeRunner()
    runner.add(["tail"], stdout="\n".join([line] * PCSD_LOG_MAX_LINES))
    assert read_failed_logins(runner, 3600, local("2026-12-04T22:00:00"))[1] is True
    assert read_failed_logins(runner, 60, local("2026-12-04T22:00:00"))[1] is False


def test_debian_13s_pcsd_logs_them_the_same_way():
    """pcs 0.12.0.2 (Debian 13): two wrong passwords from 127.0.0.1, a right one, one wrong through pcs host auth."""
    found = parse_failed_logins(fixture_text("node", "pcsd.log.failed-logins.trixie.txt"))
    assert [(e["user"], e["address"], e["count"]) for e in found] == [
        ("hacluster", "127.0.0.1", 2), ("hacluster", "172.17.0.2", 1)]
    assert found[0]["first"] == local("2026-12-04T22:06:28.784")


# ------------------------------------------------------------------------------------- the certificate

def test_pcsds_own_certificate_on_bookworm_and_trixie():
    """The certificates pcsd made at its first start on a bookworm and a trixie node (2026-12-05), decoded by the
    same Python call the module makes on a node."""
    for suite in ("bookworm", "trixie"):
        cert = pcsd.read_certificate(os.path.join(FIXTURES, "node", "pcsd.crt.default.%s.pem" % suite))
        name = "C=US, ST=MN, L=Minneapolis, O=pcsd, OU=pcsd, CN=probe-%s" % suite
        assert cert["subject"] == name and cert["issuer"] == name and cert["self_signed"] is True
        # pcsd makes it valid for 3650 days.
        assert cert["not_after"] - cert["not_before"] == 3650 * 86400
        assert cert["not_before"] == calendar.timegm(time.strptime(
            "2026-12-05 02:08:%s" % ("51" if suite == "bookworm" else "54"), "%Y-%m-%d %H:%M:%S"))


def test_a_certificate_signed_by_a_ca():
    decoded = {"subject": ((("commonName", "node1.example.com"),),),
               "issuer": ((("organizationName", "Example"),), (("commonName", "Example CA"),)),
               "notBefore": "Jan  1 00:00:00 2026 GMT", "notAfter": "Jan  1 00:00:00 2027 GMT"}
    cert = pcsd.parse_certificate(decoded)
    assert cert == {"subject": "CN=node1.example.com", "issuer": "O=Example, CN=Example CA", "self_signed": False,
                    "not_before": calendar.timegm((2026, 1, 1, 0, 0, 0, 0, 0, 0)),
                    "not_after": calendar.timegm((2027, 1, 1, 0, 0, 0, 0, 0, 0))}


def test_no_certificate_or_not_one(tmp_path):
    assert pcsd.read_certificate(str(tmp_path / "missing.crt")) is None
    junk = tmp_path / "junk.crt"
    junk.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    assert pcsd.read_certificate(str(junk)) is None
    assert pcsd.parse_certificate({"subject": ()}) is None


def test_daemon_settings_write_only_what_differs_from_pcsds_defaults():
    assert pcsd.daemon_settings([], "TLSv1.2", "") == {
        "PCSD_BIND_ADDR": None, "PCSD_SSL_OPTIONS": None, "PCSD_SSL_CIPHERS": None}
    got = pcsd.daemon_settings(["172.31.249.11", "::1"], "TLSv1.3", "HIGH:!aNULL")
    assert got["PCSD_BIND_ADDR"] == "172.31.249.11,::1"
    assert got["PCSD_SSL_CIPHERS"] == "HIGH:!aNULL"
    # pcs's own list, then TLS 1.2 off: PCSD_SSL_OPTIONS replaces the whole list.
    assert got["PCSD_SSL_OPTIONS"].split(",") == list(pcsd.PCSD_SSL_OPTIONS_DEFAULT) + ["OP_NO_TLSv1_2"]
    assert "OP_NO_TLSv1_1" in got["PCSD_SSL_OPTIONS"]


def test_daemon_settings_refuse_an_unknown_version():
    import pytest
    with pytest.raises(ValueError, match="TLSv1.2, TLSv1.3"):
        pcsd.daemon_settings([], "TLSv1.1", "")


def test_the_ssl_options_are_ones_pythons_ssl_knows():
    """pcsd turns each name into ssl.<name>; an unknown one is an error in PCSD_SSL_OPTIONS (pcs/daemon/env.py)."""
    import ssl
    assert all(hasattr(ssl, name) for name in pcsd.PCSD_SSL_OPTIONS_DEFAULT + ("OP_NO_TLSv1_2",))


# getent shadow hacluster as Debian 12 nodes printed it: after the package's install (no password), after the
# cluster role's password_hash, and after `passwd` (yescrypt, Debian's default since 11).
SHADOW_NEW = fixture_text("node", "getent-shadow.hacluster.new.bookworm.txt")
SHADOW_PCS = fixture_text("node", "getent-shadow.hacluster.pcs.bookworm.txt")
SHADOW_YESCRYPT = fixture_text("node", "getent-shadow.hacluster.passwd-yescrypt.bookworm.txt")


def test_parse_shadow_reads_the_users_password_field():
    assert pcsd.parse_shadow(SHADOW_NEW) == "!"
    assert pcsd.parse_shadow(SHADOW_PCS).startswith("$6$rounds=656000$oLiNoxhiKDZW1tBz$")
    assert pcsd.parse_shadow(SHADOW_YESCRYPT).startswith("$y$j9T$")
    assert pcsd.parse_shadow(SHADOW_PCS, user="root") == ""
    assert pcsd.parse_shadow("") == ""
    assert pcsd.parse_shadow(None) == ""


def test_reusable_salt_only_for_sha512_with_rounds_and_a_salt_not_avoided():
    current = pcsd.parse_shadow(SHADOW_PCS)
    assert pcsd.reusable_salt(current) == ("oLiNoxhiKDZW1tBz", 656000)
    assert pcsd.reusable_salt(current, avoid=["oLiNoxhiKDZW1tBz"]) is None
    assert pcsd.reusable_salt(current, avoid=["another"]) == ("oLiNoxhiKDZW1tBz", 656000)
    for other in ("!", "*", "", pcsd.parse_shadow(SHADOW_YESCRYPT),
                  current.replace("rounds=656000$", ""),  # sha512 with the default rounds: not password_hash's form
                  current[:-1],  # cut short
                  "$5$rounds=535000$oLiNoxhiKDZW1tBz$" + current.rsplit("$", 1)[1]):  # sha256
        assert pcsd.reusable_salt(other) is None, other
