# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pcsd_certificate module: main() with a CA made here and pcsd's own certificate (fixtures/node)."""

from __future__ import annotations

import pytest
from ansible.module_utils import basic
from conftest import CA_NOW as NOW
from conftest import ExitJson, FailJson, fixture_text, patch_module_args
from conftest import make_test_ca as make_ca

from ansible_collections.clusterops.ha.plugins.modules import pcsd_certificate


@pytest.fixture(name="ca", scope="module")
def fixture_ca():
    cert, key = make_ca()
    return {"ca_certificate": cert, "ca_private_key": key}


def run_module(monkeypatch, **args):
    monkeypatch.setattr(pcsd_certificate, "now_utc", lambda: NOW)
    with patch_module_args(args):
        with pytest.raises((ExitJson, FailJson)) as e:
            pcsd_certificate.main()
    return e.value.args[0]


def test_replaces_pcsds_own_then_keeps_its_own(monkeypatch, ca):
    first = run_module(monkeypatch, name="lab-node1", addresses=["172.31.250.11"],
                       current_certificate=fixture_text("node", "pcsd.crt.default.bookworm.pem"), _ansible_diff=True, **ca)
    assert first["changed"] is True and "failed" not in first
    assert first["current"]["issuer"].endswith("O=pcsd,L=Minneapolis,ST=MN,C=US")
    assert first["issued"]["names"] == ["DNS:lab-node1", "IP:172.31.250.11"]
    assert first["diff"]["after"] == first["issued"] and first["diff"]["before"] == first["current"]
    assert "PRIVATE KEY" in first["private_key"] and "PRIVATE KEY" not in str(first["diff"])
    again = run_module(monkeypatch, name="lab-node1", addresses=["172.31.250.11"],
                       current_certificate=first["certificate"], **ca)
    assert (again["changed"], again["reasons"], again["certificate"], again["private_key"], again["issued"]) == (
        False, [], "", "", None)


def test_check_mode_issues_the_same_way(monkeypatch, ca):
    result = run_module(monkeypatch, name="lab-node1", _ansible_check_mode=True, **ca)
    assert result["changed"] is True and result["reasons"] == ["no certificate of pcsd's yet"]
    assert result["certificate"].startswith("-----BEGIN CERTIFICATE-----")


@pytest.mark.parametrize("args,needle", [
    ({"name": "bad name"}, "name: 'bad name' is not"),
    ({"name": "n1", "days": 0}, "days: 0 is not"),
    ({"name": "n1", "days": 30, "renew_days": 30}, "renew_days: 30 is not"),
    ({"name": "n1", "addresses": ["10.0.0.300"]}, "addresses[0]: '10.0.0.300'"),
])
def test_bad_input_is_refused_naming_the_option(monkeypatch, ca, args, needle):
    result = run_module(monkeypatch, **dict(ca, **args))
    assert result["failed"] is True and needle in result["msg"], result["msg"]


def test_a_ca_that_cannot_issue_is_refused_without_showing_its_key(monkeypatch):
    cert, key = make_ca(ca=False)
    result = run_module(monkeypatch, name="n1", ca_certificate=cert, ca_private_key=key)
    assert result["failed"] is True
    assert result["msg"] == "cluster_pcsd_tls_ca_certificate: CN=operator CA is no CA (its basicConstraints do not say CA:TRUE)"
    assert key not in str(result)


def test_judge_only_issues_nothing(monkeypatch, ca):
    result = run_module(monkeypatch, name="lab-node1", issue=False, **ca)
    assert (result["changed"], result["reasons"], result["certificate"], result["private_key"], result["issued"]) == (
        False, ["no certificate of pcsd's yet"], "", "", None)


def test_a_ca_near_its_end_is_a_warning_and_the_next_run_keeps_the_certificate(monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, "warn", lambda self, text: warned.append(text))
    cert, key = make_ca(days=20)
    first = run_module(monkeypatch, name="n1", ca_certificate=cert, ca_private_key=key)
    assert first["changed"] is True
    assert any("ends on 2026-12-26, within 30 days" in w for w in warned), warned
    again = run_module(monkeypatch, name="n1", ca_certificate=cert, ca_private_key=key,
                       current_certificate=first["certificate"])
    assert again["changed"] is False and again["reasons"] == []
