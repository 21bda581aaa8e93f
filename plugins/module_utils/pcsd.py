# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What pcsd says about logins (the one reader of pcsd's log, ``/var/log/pcsd/pcsd.log``) and the certificate
it serves (``/var/lib/pcsd/pcsd.crt``).

- ``parse_failed_logins(text, since)``: the failed logins of pcsd's log, summed per user name and client
  address: [{"user", "address", "count", "first", "last"}] (Unix seconds).
- ``read_failed_logins(runner, window_s, now)``: the newest lines of the log through the command seam,
  parsed; None when the log cannot be read (no pcsd on the node, a crmsh cluster).

pcs 0.11 (Debian 12 and 13; pcsd/pcsd.rb, pcsd/auth.rb) logs through Ruby's Logger, in the node's local
time without a zone::

    I, [2026-12-04T21:59:20.667 #00000]     INFO -- : Failed login by 'hacluster': bad username or password
    I, [2026-12-04T21:59:20.668 #00000]     INFO -- : 200 POST /remote/auth (172.17.0.3) 2814.38ms

The failed login's line names the user; the request line after it (the same request, logged when it ends)
names the client's address. ``pcs host auth``, ``pcs cluster auth`` and anything posting to /remote/auth
(or the web UI's /login) are logged that way. A request refused before any password is checked (no token:
``401 GET /remote/status``) is no login attempt and is not counted.

- ``parse_certificate(decoded)``: the certificate as Python's ssl module decodes it (the dict of
  ``SSLSocket.getpeercert()``) -> {"subject", "issuer", "self_signed", "not_before", "not_after"}.
- ``read_certificate(path)``: pcsd's certificate file decoded and parsed; None when there is none (no pcsd) or
  it cannot be decoded. pcsd makes its own at its first start when there is none: self-signed, subject
  ``C=US, ST=MN, L=Minneapolis, O=pcsd, OU=pcsd, CN=<node>``, valid ten years (pcs 0.11, Debian 12 and 13).

- ``parse_shadow(text, user)``: the password field of ``getent shadow <user>``'s line ('' when there is none).
- ``reusable_salt(current, avoid)``: (salt, rounds) of a hash the cluster role may keep: SHA-512 crypt with its
  rounds written out (``$6$rounds=N$salt$hash``, the form Ansible's password_hash writes), whose salt is not one
  of ``avoid``; None for anything else (``!`` or ``*``: no password; yescrypt ``$y$``: set by hand with passwd;
  a salt the role once derived from the cluster's and host's names). The same password, salt and rounds give
  the same hash, so the role keeps the hash in place while the password matches it, and a second run changes
  nothing; otherwise it writes a new hash with a random salt.

- ``daemon_settings(bind_addresses, tls_min_version, tls_ciphers)``: the lines of pcsd's environment file
  (``/etc/default/pcsd``) the cluster role owns, {name: value or None}; None removes the line, so that pcsd
  uses its own default (pcs 0.11 and 0.12 read the same names: pcs/daemon/env.py).

Standard library only, Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import ssl
import time

from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError

PCSD_LOG = "/var/log/pcsd/pcsd.log"
PCSD_CERT = "/var/lib/pcsd/pcsd.crt"
# Its key: named in remedies, never read.
PCSD_KEY = "/var/lib/pcsd/pcsd.key"
# The newest lines read at most: a password-guessing flood must not make the facts huge.
PCSD_LOG_MAX_LINES = 20000
# pcsd's environment file (an EnvironmentFile of pcsd.service; Debian ships every setting commented out).
PCSD_DEFAULTS = "/etc/default/pcsd"
# pcs's own default SSL options (pcs/settings.py default_ssl_options, the same in pcs 0.11.5 and 0.12.0): TLS 1.2
# at least. PCSD_SSL_OPTIONS replaces the whole list, so a stricter minimum repeats it and adds to it.
PCSD_SSL_OPTIONS_DEFAULT = ("OP_NO_COMPRESSION", "OP_CIPHER_SERVER_PREFERENCE", "OP_SINGLE_DH_USE",
                            "OP_SINGLE_ECDH_USE", "OP_NO_SSLv2", "OP_NO_SSLv3", "OP_NO_TLSv1", "OP_NO_TLSv1_1",
                            "OP_NO_RENEGOTIATION")
TLS_MIN_VERSIONS = ("TLSv1.2", "TLSv1.3")
_LINE = re.compile(r"^[A-Z], \[(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?P<frac>\.\d+)? #\d+\]\s+\S+ -- : (?P<msg>.*)$")
_FAILED = re.compile(r"^Failed login by '(?P<user>.*)'")
_REQUEST = re.compile(r"^\d{3} [A-Z]+ (?P<path>\S+) \((?P<address>[^)]*)\)")


def _local_time(stamp, frac):
    """'2026-12-04T21:59:20' and '.667' (the node's local time, as Ruby's Logger prints it) -> Unix seconds."""
    try:
        return time.mktime(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S")) + float(frac or 0)
    except (ValueError, OverflowError):
        return None


def parse_failed_logins(text, since=None):
    """pcsd's log -> [{"user", "address", "count", "first", "last"}], sorted by user then address; only failed
    logins at or after since (Unix seconds) when given. A failed login whose request line never came (the log
    ends there) counts with the address "unknown"."""
    found, pending = {}, []

    def add(user, address, when):
        if since is not None and when is not None and when < since:
            return
        e = found.setdefault((user, address), {"user": user, "address": address, "count": 0, "first": None,
                                               "last": None})
        e["count"] += 1
        if when is not None:
            e["first"] = when if e["first"] is None else min(e["first"], when)
            e["last"] = when if e["last"] is None else max(e["last"], when)

    for line in (text or "").splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        msg = m.group("msg")
        failed = _FAILED.match(msg)
        if failed:
            pending.append((failed.group("user"), _local_time(m.group("time"), m.group("frac"))))
            continue
        request = _REQUEST.match(msg)
        if request and pending:
            # The request that failed ends right after its "Failed login" line: it names the client.
            user, when = pending.pop(0)
            add(user, request.group("address") or "unknown", when)
    for user, when in pending:
        add(user, "unknown", when)
    return [found[k] for k in sorted(found)]


def read_failed_logins(runner, window_s, now):
    """(parse_failed_logins() of pcsd's log since now - window_s, truncated) through the command seam; (None,
    False) when the log cannot be read. truncated: PCSD_LOG_MAX_LINES lines were read and the oldest of them is
    inside the window, so older failed logins may be missing (the counts are then lower bounds)."""
    try:
        res = runner.run(["tail", "-n", str(PCSD_LOG_MAX_LINES), PCSD_LOG], check=False)
    except CommandError:
        return None, False
    if res.rc != 0:
        return None, False
    since = now - window_s
    lines = res.stdout.splitlines()
    truncated = False
    if len(lines) >= PCSD_LOG_MAX_LINES:
        first = next(filter(None, map(_LINE.match, lines)), None)
        first_time = _local_time(first.group("time"), first.group("frac")) if first else None
        truncated = first_time is None or first_time > since
    return parse_failed_logins(res.stdout, since), truncated


def _name(rdns):
    """ssl's decoded name (((("commonName", "n1"),), ...)) -> "C=US, O=pcsd, CN=n1", in the certificate's order."""
    short = {"countryName": "C", "stateOrProvinceName": "ST", "localityName": "L", "organizationName": "O",
             "organizationalUnitName": "OU", "commonName": "CN", "emailAddress": "emailAddress"}
    return ", ".join("%s=%s" % (short.get(k, k), v) for rdn in rdns or () for k, v in rdn)


def parse_certificate(decoded):
    """ssl's decoded certificate -> {"subject", "issuer", "self_signed", "not_before", "not_after"} (Unix seconds);
    None when it lacks a validity period. self_signed: the issuer is the subject (pcsd's own certificate)."""
    try:
        not_before = ssl.cert_time_to_seconds(decoded["notBefore"])
        not_after = ssl.cert_time_to_seconds(decoded["notAfter"])
    except (KeyError, TypeError, ValueError):
        return None
    subject, issuer = _name(decoded.get("subject")), _name(decoded.get("issuer"))
    return {"subject": subject, "issuer": issuer, "self_signed": subject == issuer,
            "not_before": not_before, "not_after": not_after}


def read_certificate(path=PCSD_CERT):
    """parse_certificate() of the PEM file at path; None when there is no file or it cannot be decoded. Python's
    own decoder (the one its test suite uses for PEM files): no openssl binary needed on the node."""
    decode = getattr(getattr(ssl, "_ssl", None), "_test_decode_cert", None)
    if decode is None:
        return None
    try:
        return parse_certificate(decode(path))
    except (IOError, OSError, ssl.SSLError, ValueError):
        return None


_SHA512_ROUNDS = re.compile(r"^\$6\$rounds=([0-9]{4,9})\$([./0-9A-Za-z]{1,16})\$[./0-9A-Za-z]{86}$")


def parse_shadow(text, user="hacluster"):
    """``getent shadow`` output -> the user's password field ('' when the user has no line)."""
    for line in (text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 2 and fields[0] == user:
            return fields[1]
    return ""


def reusable_salt(current, avoid=()):
    """A password field -> (salt, rounds) to check the password against, or None when it must be replaced."""
    match = _SHA512_ROUNDS.match(current or "")
    if not match or match.group(2) in set(avoid or ()):
        return None
    return match.group(2), int(match.group(1))


def daemon_settings(bind_addresses=(), tls_min_version="TLSv1.2", tls_ciphers=""):
    """The settings of PCSD_DEFAULTS the cluster role owns -> {name: value, or None to remove the line}.

    bind_addresses: the addresses pcsd listens on (none: all, pcsd's default '::'); tls_min_version: one of
    TLS_MIN_VERSIONS (TLSv1.2 is pcsd's own default, so it removes the line); tls_ciphers: an OpenSSL cipher list
    for TLS 1.2 ('' keeps pcsd's 'DEFAULT:!RC4:!3DES:@STRENGTH'). The values are judged by the role's preflight
    (validate.address_on_host, tls_ciphers); ValueError for a version this does not know."""
    if tls_min_version not in TLS_MIN_VERSIONS:
        raise ValueError("tls_min_version must be one of %s, got %r" % (", ".join(TLS_MIN_VERSIONS), tls_min_version))
    options = None
    if tls_min_version == "TLSv1.3":
        options = ",".join(PCSD_SSL_OPTIONS_DEFAULT + ("OP_NO_TLSv1_2",))
    return {"PCSD_BIND_ADDR": ",".join(bind_addresses or ()) or None,
            "PCSD_SSL_OPTIONS": options,
            "PCSD_SSL_CIPHERS": tls_ciphers or None}
