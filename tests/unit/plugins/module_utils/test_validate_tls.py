# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for validate.tls_certificate_pair and validate.tls_ciphers (pcsd's certificate and TLS settings,
judged by the cluster role's preflight), with the test-only material of fixtures/node/tls (README.md there)."""

from __future__ import annotations

import calendar

import pytest
from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils.validate import (
    ValidationError, check_values, tls_certificate_pair, tls_ciphers)

CERT = fixture_text("node", "tls", "node1.crt")
KEY = fixture_text("node", "tls", "node1.key")
OTHER_KEY = fixture_text("node", "tls", "other.key")
ENCRYPTED_KEY = fixture_text("node", "tls", "node1.encrypted.key")
CA = fixture_text("node", "tls", "ca.crt")
ENDS = calendar.timegm((2029, 3, 9, 7, 2, 5))
NOW = calendar.timegm((2026, 12, 5, 0, 0, 0))
F, K = "cluster_pcsd_tls_certificate", "cluster_pcsd_tls_private_key"


def judge(cert, key, now=NOW):
    return tls_certificate_pair({"certificate": cert, "private_key": key}, F, key_field=K, now=now)


def message(cert, key, now=NOW):
    with pytest.raises(ValidationError) as e:
        judge(cert, key, now)
    return str(e.value)


def test_a_matching_pair_is_accepted_also_with_its_chain():
    assert judge(CERT, KEY) == {"certificate": CERT, "private_key": KEY}
    assert judge(CERT + CA, KEY)["certificate"] == CERT + CA


def test_neither_means_keep_pcsds_own():
    assert judge("", "") is None


@pytest.mark.parametrize("cert,key", [(CERT, ""), ("", KEY)])
def test_one_without_the_other_is_refused(cert, key):
    assert message(cert, key) == "%s: %s and %s go together: set both or neither" % (F, F, K)


def test_a_key_that_is_not_the_certificates_is_refused_without_showing_it():
    text = message(CERT, OTHER_KEY)
    assert text == "%s: is not the private key of %s (subject O=clusterops lab, CN=node1)" % (K, F)
    assert "PRIVATE" not in text


def test_an_encrypted_key_is_refused():
    assert message(CERT, ENCRYPTED_KEY) == "%s: is encrypted: the daemon cannot ask for its passphrase" % K


def test_an_ended_certificate_is_refused():
    assert message(CERT, KEY, now=ENDS) == "%s: ended on 2029-03-09 07:02 UTC (subject O=clusterops lab, CN=node1)" % F
    assert judge(CERT, KEY, now=ENDS - 1)


@pytest.mark.parametrize("cert,key,want", [
    ("not a certificate", KEY, "%s: is not a PEM certificate (no -----BEGIN CERTIFICATE----- line)" % F),
    (CERT, "not a key", "%s: is not a PEM private key (no -----BEGIN ... PRIVATE KEY----- line)" % K),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", KEY,
     "%s: cannot be decoded as an X.509 certificate" % F),
    (CERT, KEY.replace("\n", "", 3)[:200] + "\n-----END PRIVATE KEY-----\n",
     "%s: cannot be loaded with %s: " % (K, F)),
])
def test_what_is_not_pem_is_refused(cert, key, want):
    assert message(cert, key).startswith(want)


def test_ciphers_that_select_nothing_or_carry_quotes_are_refused():
    assert tls_ciphers("HIGH:!aNULL:!MD5", "c") == "HIGH:!aNULL:!MD5"
    assert tls_ciphers("DEFAULT:!RC4:!3DES:@STRENGTH", "c")
    for bad in ("NOSUCHCIPHER", "HIGH' ; rm -rf /", "", None, ["HIGH"]):
        with pytest.raises(ValidationError) as e:
            tls_ciphers(bad, "c")
        assert str(e.value).startswith("c: ") and "cipher list" in str(e.value)


def test_check_values_knows_the_types_and_addresses_on_the_host():
    errors = check_values([
        {"field": F, "type": "tls_certificate_pair", "value": {"certificate": CERT, "private_key": OTHER_KEY},
         "args": {"key_field": K}},
        {"field": "ciphers", "type": "tls_ciphers", "value": "NOSUCH"},
        {"field": "bind", "type": "address_on_host", "elements": True, "value": ["10.0.0.1", "172.31.249.11"],
         "args": {"host_addresses": ["172.31.249.11", "127.0.0.1"]}},
    ])
    assert len(errors) == 3
    assert errors[0].startswith(K + ": is not the private key")
    assert errors[1].startswith("ciphers: ")
    assert errors[2] == "bind[0]: '10.0.0.1' is not an address of this host (it has: 172.31.249.11, 127.0.0.1)"


def test_ip_network_is_an_address_or_a_network_in_canonical_text():
    from ansible_collections.clusterops.ha.plugins.module_utils.validate import ip_network
    assert ip_network("10.0.0.5", "s") == "10.0.0.5"
    assert ip_network("10.0.0.7/24", "s") == "10.0.0.0/24"
    assert ip_network(" fd00::1/128 ", "s") == "fd00::1"
    for bad in ("ten.0.0.0/8", "10.0.0.0/33", "", None, 5):
        with pytest.raises(ValidationError, match=r"^s: .*is not an IP address or network"):
            ip_network(bad, "s")
