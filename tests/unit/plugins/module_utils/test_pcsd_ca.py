# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pcsd_ca: pcsd's certificate judged against and issued from the operator's CA. Real material: the test CA and
node1's certificate OpenSSL made (fixtures/node/tls, README), pcsd's own self-signed certificates of Debian 12 and
13 (fixtures/node); a CA with its key is made here (the fixture CA's key is not kept)."""

from __future__ import annotations

import datetime

import pytest
from conftest import CA_NOW as NOW
from conftest import fixture_text
from conftest import make_test_ca as make_ca
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.clusterops.ha.plugins.module_utils import pcsd_ca
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError


def tls(name):
    return fixture_text("node", "tls/" + name)


@pytest.fixture(name="ca", scope="module")
def fixture_ca():
    return make_ca()


def test_load_ca_refuses_what_cannot_issue(ca):
    cert, key = ca
    assert pcsd_ca.load_ca(cert, key, NOW)[0].subject.rfc4514_string() == "CN=operator CA"
    cases = [
        ((tls("node1.crt"), tls("node1.key")), "cluster_pcsd_tls_ca_certificate: CN=node1,O=clusterops lab is no CA"),
        ((tls("ca.crt"), tls("other.key")), "cluster_pcsd_tls_ca_private_key: is not the private key of "
                                            "cluster_pcsd_tls_ca_certificate (CN=clusterops lab CA,O=clusterops lab)"),
        ((tls("ca.crt"), tls("node1.encrypted.key")), "cluster_pcsd_tls_ca_private_key: is not an unencrypted PEM"),
        (("not pem", key), "cluster_pcsd_tls_ca_certificate: is not a PEM certificate"),
        (make_ca(key_cert_sign=False), "may not sign certificates (keyUsage without keyCertSign)"),
        (make_ca(ca=None), "is no CA"),
        (make_ca(days=1, start=NOW - datetime.timedelta(days=30)), "CN=operator CA ended on 2026-11-07"),
    ]
    for (c, k), needle in cases:
        with pytest.raises(ClusterOpsError) as e:
            pcsd_ca.load_ca(c, k, NOW)
        assert needle in str(e.value), (needle, str(e.value))
        assert "PRIVATE KEY" not in str(e.value)


def test_the_fixture_ca_keeps_the_certificate_it_issued():
    """OpenSSL's RSA CA and node1's certificate from it: signed by it, the right names, 2 years left: kept."""
    ca = x509.load_pem_x509_certificate(tls("ca.crt").encode())
    assert pcsd_ca.judge(tls("node1.crt"), ca, "node1", ["172.31.249.11"], NOW, 30) == []
    # other names, or too close to its end (2029-03-09), and it must go
    assert pcsd_ca.judge(tls("node1.crt"), ca, "node1", ["172.31.249.12"], NOW, 30) == [
        "its names DNS:node1, IP:172.31.249.11 are not DNS:node1, IP:172.31.249.12"]
    assert pcsd_ca.judge(tls("node1.crt"), ca, "node1", ["172.31.249.11"], NOW, 900) == [
        "it ends on 2029-03-09, within 900 days"]


@pytest.mark.parametrize("release", ["bookworm", "trixie"])
def test_pcsds_own_certificate_is_replaced(ca, release):
    cert, key = ca
    ca_cert, _ca_key = pcsd_ca.load_ca(cert, key, NOW)
    current = fixture_text("node", "pcsd.crt.default.%s.pem" % release)
    reasons = pcsd_ca.judge(current, ca_cert, "lab-node1", ["172.31.250.11"], NOW, 30)
    assert reasons[0].startswith("the current certificate (issuer ") and reasons[0].endswith(
        "O=pcsd,L=Minneapolis,ST=MN,C=US) is not issued by CN=operator CA")
    assert reasons[1].startswith("its names (none) are not DNS:lab-node1, IP:172.31.250.11")
    assert pcsd_ca.judge("", ca_cert, "lab-node1", [], NOW, 30) == ["no certificate of pcsd's yet"]
    assert pcsd_ca.judge("junk", ca_cert, "lab-node1", [], NOW, 30) == ["the current certificate cannot be read"]


def test_issue_then_keep(ca):
    cert, key = ca
    ca_cert, ca_key = pcsd_ca.load_ca(cert, key, NOW)
    new_cert, new_key = pcsd_ca.issue(ca_cert, ca_key, "lab-node1", ["172.31.250.11", "lab-node1.example"], NOW, 365)
    parsed = x509.load_pem_x509_certificate(new_cert.encode())
    assert parsed.subject.rfc4514_string() == "CN=lab-node1" and parsed.issuer == ca_cert.subject
    assert parsed.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value == x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
    assert parsed.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert parsed.not_valid_after_utc == NOW + datetime.timedelta(days=365)
    private = serialization.load_pem_private_key(new_key.encode(), password=None)
    assert private.public_key().public_numbers() == parsed.public_key().public_numbers()
    assert pcsd_ca.describe(new_cert)["names"] == ["DNS:lab-node1", "DNS:lab-node1.example", "IP:172.31.250.11"]
    # the next run keeps it, until it comes within renew_days of its end
    assert pcsd_ca.judge(new_cert, ca_cert, "lab-node1", ["172.31.250.11", "lab-node1.example"], NOW, 30) == []
    later = NOW + datetime.timedelta(days=340)
    assert pcsd_ca.judge(new_cert, ca_cert, "lab-node1", ["172.31.250.11", "lab-node1.example"], later, 30) == [
        "it ends on 2027-12-06, within 30 days"]
    # another CA's certificate with the same names is not this CA's
    other_cert, other_key = make_ca()
    other, other_k = pcsd_ca.load_ca(other_cert, other_key, NOW)
    foreign, _k = pcsd_ca.issue(other, other_k, "lab-node1", ["172.31.250.11"], NOW, 365)
    assert pcsd_ca.judge(foreign, ca_cert, "lab-node1", ["172.31.250.11"], NOW, 30) == [
        "the current certificate names CN=operator CA as its issuer, but that CA's key did not sign it"]


def test_a_certificate_never_outlives_its_ca():
    cert, key = make_ca(days=10)
    ca_cert, ca_key = pcsd_ca.load_ca(cert, key, NOW)
    new_cert, _k = pcsd_ca.issue(ca_cert, ca_key, "n1", [], NOW, 365)
    assert x509.load_pem_x509_certificate(new_cert.encode()).not_valid_after_utc == ca_cert.not_valid_after_utc


def test_a_ca_near_its_end_does_not_make_every_run_issue_again():
    """A CA that ends in 20 days: its certificates end with it, within the 30 renewal days. The first run issues, the
    next ones keep it (a new one would not last longer), and the CA's end is a warning instead."""
    cert, key = make_ca(days=20)
    ca_cert, ca_key = pcsd_ca.load_ca(cert, key, NOW)
    issued, _k = pcsd_ca.issue(ca_cert, ca_key, "n1", ["10.0.0.1"], NOW, 365)
    assert pcsd_ca.judge(issued, ca_cert, "n1", ["10.0.0.1"], NOW, 30, 365) == []
    assert pcsd_ca.judge(issued, ca_cert, "n1", ["10.0.0.1"], NOW + datetime.timedelta(days=10), 30, 365) == []
    assert pcsd_ca.ca_ending(ca_cert, NOW, 30) == (
        "cluster_pcsd_tls_ca_certificate: CN=operator CA ends on 2026-12-26, within 30 days; the certificates it "
        "issues end then too. Give a new CA before then.")
    assert pcsd_ca.ca_ending(pcsd_ca.load_ca(*make_ca(), NOW)[0], NOW, 30) is None
    # A certificate issued for fewer days than the CA has left is renewed when its window opens.
    short, _k = pcsd_ca.issue(ca_cert, ca_key, "n1", ["10.0.0.1"], NOW, 5)
    assert pcsd_ca.judge(short, ca_cert, "n1", ["10.0.0.1"], NOW, 30, 365) == ["it ends on 2026-12-11, within 30 days"]
