# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""pcsd's certificate issued from the operator's CA (the pcsd_certificate module; runs on the controller, where
the CA's key stays).

- ``load_ca(certificate_pem, private_key_pem, now)``: the CA as (certificate, key) objects; PcsdCaError when the
  certificate is no CA (basicConstraints CA:TRUE), has ended, cannot sign (keyUsage without keyCertSign), or the
  key is not its key. The messages name the variable and never show the key.
- ``judge(current_pem, ca_certificate, name, addresses, now, renew_days)``: why a node's current certificate
  must be replaced, [] when it may stay: none there, not issued by this CA (its signature does not verify with
  the CA's key), the names (subjectAltName: the node's name and addresses) differ, or it ends within renew_days
  and a new one would end later (not when the CA itself ends by then: ``ca_ending()`` warns of that).
- ``issue(ca_certificate, ca_key, name, addresses, now, days)``: a new certificate and key, PEM (text): an
  ECDSA P-256 key; subject CN=name; subjectAltName DNS:name and IP:each address (DNS: a host name); extendedKeyUsage serverAuth
  and clientAuth; valid from 5 minutes ago for days, never beyond the CA's own end.
- ``describe(certificate)``: {subject, issuer, serial, not_after (ISO 8601), names} of a certificate, no secret.

Uses the cryptography package (ansible-core depends on it, so the controller has it); the module reports its
absence as an error that says so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - the controller has it with ansible-core
    HAS_CRYPTOGRAPHY = False

BACKDATE_S = 300
CA_FIELD = "cluster_pcsd_tls_ca_certificate"
CA_KEY_FIELD = "cluster_pcsd_tls_ca_private_key"


class PcsdCaError(ClusterOpsError):
    """The CA the operator gave cannot issue pcsd's certificates (the message says why, never the key)."""


def _utc(dt):
    return dt if dt.tzinfo else dt.replace(tzinfo=datetime.timezone.utc)


def _not_after(cert):
    return _utc(getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after)


def _extension(cert, cls):
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def _same_public_key(a, b):
    fmt = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return a.public_bytes(*fmt) == b.public_bytes(*fmt)


def load_ca(certificate_pem, private_key_pem, now):
    """(certificate, private key) of the CA; PcsdCaError naming the variable when it cannot issue."""
    if not HAS_CRYPTOGRAPHY:
        raise PcsdCaError("%s: issuing pcsd's certificates needs the Python package cryptography on the controller"
                          % CA_FIELD)
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise PcsdCaError("%s: is not a PEM certificate" % CA_FIELD) from None
    try:
        key = serialization.load_pem_private_key(private_key_pem.encode("ascii"), password=None)
    except (TypeError, ValueError, UnicodeEncodeError):
        raise PcsdCaError("%s: is not an unencrypted PEM private key" % CA_KEY_FIELD) from None
    subject = cert.subject.rfc4514_string()
    basic = _extension(cert, x509.BasicConstraints)
    if basic is None or not basic.ca:
        raise PcsdCaError("%s: %s is no CA (its basicConstraints do not say CA:TRUE)" % (CA_FIELD, subject))
    usage = _extension(cert, x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        raise PcsdCaError("%s: %s may not sign certificates (keyUsage without keyCertSign)" % (CA_FIELD, subject))
    if _not_after(cert) <= now:
        raise PcsdCaError("%s: %s ended on %s" % (CA_FIELD, subject, _not_after(cert).strftime("%Y-%m-%d %H:%M UTC")))
    if not _same_public_key(cert.public_key(), key.public_key()):
        raise PcsdCaError("%s: is not the private key of %s (%s)" % (CA_KEY_FIELD, CA_FIELD, subject))
    return cert, key


def _names(cert):
    san = _extension(cert, x509.SubjectAlternativeName)
    if san is None:
        return []
    return sorted(set(["DNS:%s" % n for n in san.get_values_for_type(x509.DNSName)]
                      + ["IP:%s" % a for a in san.get_values_for_type(x509.IPAddress)]))


def _ip(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _alt_names(name, addresses):
    """The subjectAltName entries: DNS:name, then IP:each address (DNS: an address that is a host name)."""
    out = [x509.DNSName(name)]
    for a in addresses:
        ip = _ip(a)
        entry = x509.IPAddress(ip) if ip is not None else x509.DNSName(a)
        if entry not in out:
            out.append(entry)
    return out


def wanted_names(name, addresses):
    return sorted(set("IP:%s" % e.value if isinstance(e, x509.IPAddress) else "DNS:%s" % e.value
                      for e in _alt_names(name, addresses)))


def _signed_by(cert, ca):
    pub = ca.public_key()
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        else:
            pub.verify(cert.signature, cert.tbs_certificate_bytes)
    except (InvalidSignature, TypeError, ValueError):
        return False
    return True


def ca_ending(ca_certificate, now, renew_days):
    """A warning when the CA itself ends within renew_days (the certificates it issues end with it), else None."""
    end = _not_after(ca_certificate)
    if end - now <= datetime.timedelta(days=renew_days):
        return ("%s: %s ends on %s, within %d days; the certificates it issues end then too. Give a new CA before "
                "then." % (CA_FIELD, ca_certificate.subject.rfc4514_string(), end.strftime("%Y-%m-%d"), renew_days))
    return None


def judge(current_pem, ca_certificate, name, addresses, now, renew_days, days=None):
    """Why the node's current certificate (PEM text, '' when there is none) must be replaced; [] keeps it. One that
    ends within renew_days is replaced only when a new one (days long, never beyond the CA's end) would end later:
    a CA close to its own end would otherwise have every run issue again (ca_ending() says so instead)."""
    if not current_pem:
        return ["no certificate of pcsd's yet"]
    try:
        cert = x509.load_pem_x509_certificate(current_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return ["the current certificate cannot be read"]
    reasons = []
    if cert.issuer != ca_certificate.subject:
        reasons.append("the current certificate (issuer %s) is not issued by %s"
                       % (cert.issuer.rfc4514_string(), ca_certificate.subject.rfc4514_string()))
    elif not _signed_by(cert, ca_certificate):
        reasons.append("the current certificate names %s as its issuer, but that CA's key did not sign it"
                       % cert.issuer.rfc4514_string())
    have, want = _names(cert), wanted_names(name, addresses)
    if have != want:
        reasons.append("its names %s are not %s" % (", ".join(have) or "(none)", ", ".join(want)))
    left = _not_after(cert) - now
    new_end = _not_after(ca_certificate)
    if days is not None:
        new_end = min(new_end, now + datetime.timedelta(days=days))
    if left <= datetime.timedelta(days=renew_days) and _not_after(cert) < new_end - datetime.timedelta(days=1):
        reasons.append("it ends on %s, within %d days" % (_not_after(cert).strftime("%Y-%m-%d"), renew_days))
    return reasons


def issue(ca_certificate, ca_key, name, addresses, now, days):
    """A new certificate for pcsd on the node: (certificate PEM, private key PEM)."""
    key = ec.generate_private_key(ec.SECP256R1())
    end = min(now + datetime.timedelta(days=days), _not_after(ca_certificate))
    alt = _alt_names(name, addresses)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(seconds=BACKDATE_S))
            .not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode("ascii"))


def describe(certificate_pem):
    """What a certificate says, nothing secret: {subject, issuer, serial, not_after, names}; None without one."""
    if not certificate_pem:
        return None
    try:
        cert = x509.load_pem_x509_certificate(certificate_pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return {"subject": cert.subject.rfc4514_string(), "issuer": cert.issuer.rfc4514_string(),
            "serial": "%x" % cert.serial_number, "not_after": _not_after(cert).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "names": _names(cert)}
