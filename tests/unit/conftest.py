# -*- coding: utf-8 -*-
"""Shared helpers for the unit tests: captured fixtures and a fake command seam."""

from __future__ import annotations

import contextlib
import datetime
import importlib.util
import json
import os
import sys

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(HERE, "fixtures")

# Make `ansible_collections.clusterops.ha` importable from the repository checkout.
_COLL = os.path.join(ROOT, ".build", "collections")
if not os.path.isdir(os.path.join(_COLL, "ansible_collections", "clusterops", "ha")):
    os.makedirs(os.path.join(_COLL, "ansible_collections", "clusterops"), exist_ok=True)
    link = os.path.join(_COLL, "ansible_collections", "clusterops", "ha")
    if not os.path.lexists(link):
        os.symlink(ROOT, link)
if _COLL not in sys.path:
    sys.path.insert(0, _COLL)

from ansible.module_utils import basic  # noqa: E402

from ansible_collections.clusterops.ha.plugins.module_utils.command import (  # noqa: E402
    CommandError,
    CommandNotFound,
    Result,
)


def check_docs_example(folder, files):
    """docs/examples/<folder>/ must hold exactly `files` (name -> text), as the code writes them now.
    REGEN_DOC_EXAMPLES=1 writes them first (then commit the result)."""
    path = os.path.join(ROOT, "docs", "examples", folder)
    if os.environ.get("REGEN_DOC_EXAMPLES") == "1":
        os.makedirs(path, exist_ok=True)
        for name, text in files.items():
            with open(os.path.join(path, name), "w", encoding="utf-8") as f:
                f.write(text)
    assert sorted(os.listdir(path)) == sorted(files)
    for name, text in files.items():
        with open(os.path.join(path, name), encoding="utf-8") as f:
            assert f.read() == text, "docs/examples/%s/%s is out of date: REGEN_DOC_EXAMPLES=1 writes it again" % (
                folder, name)


def load_file(path, name):
    """A Python file that is not a module of the collection (a script a role ships, a lab hook), loaded as a
    module called name."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fixture_text(*parts):
    """The text of a captured fixture, e.g. fixture_text('status', 'crm_mon.healthy.xml')."""
    with open(os.path.join(FIXTURES, *parts), encoding="utf-8") as f:
        return f.read()


class FakeRunner:
    """Answers commands from a table instead of running them.

    answers maps a tuple prefix of argv to (rc, stdout, stderr) or to a callable(argv, data)
    returning that triple. The longest matching prefix wins. Every call is recorded in .calls.
    A command with no answer raises CommandNotFound, as a missing program would.
    """

    def __init__(self, answers=None):
        self.answers = dict(answers or {})
        self.calls = []

    def add(self, prefix, rc=0, stdout="", stderr=""):
        self.answers[tuple(prefix)] = (rc, stdout, stderr)

    def which(self, program):
        return "/usr/sbin/" + program if any(k and k[0] == program for k in self.answers) else None

    def run(self, argv, ok_rcs=(0,), data=None, check=True, env=None, timeout=None):
        argv = [str(a) for a in argv]
        self.calls.append({"argv": argv, "data": data, "env": env, "timeout": timeout})
        best = None
        for prefix in self.answers:
            if tuple(argv[: len(prefix)]) == tuple(prefix) and (best is None or len(prefix) > len(best)):
                best = prefix
        if best is None:
            raise CommandNotFound(argv)
        answer = self.answers[best]
        rc, out, err = answer(argv, data) if callable(answer) else answer
        if check and rc not in ok_rcs:
            raise CommandError(argv, rc, out, err)
        return Result(argv, rc, out, err)


def health_lab_runner(crm_mon="crm_mon.lab.xml", cib="cib.lab.xml"):
    """A FakeRunner that answers as the healthy lab does (fixtures/health): status tools and the CIB."""
    runner = FakeRunner()
    runner.add(["crm_mon"], stdout=fixture_text("health", crm_mon))
    runner.add(["corosync-quorumtool", "-s"], stdout=fixture_text("health", "quorumtool.lab.txt"))
    runner.add(["corosync-cfgtool", "-s"], stdout=fixture_text("health", "cfgtool-s.lab.txt"))
    runner.add(["crmadmin", "-S"], stdout=fixture_text("health", "crmadmin-S.lab.xml"))
    runner.add(["cibadmin", "--query"], stdout=fixture_text("health", cib))
    return runner


@pytest.fixture
def fake_runner():
    return FakeRunner()


# Driving a module's main(): its arguments, and exit_json/fail_json turned into exceptions.
try:
    from ansible.module_utils.testing import patch_module_args  # pylint: disable=unused-import
except ImportError:  # ansible-core < 2.19
    from ansible.module_utils.common.text.converters import to_bytes

    @contextlib.contextmanager
    def patch_module_args(args=None):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = to_bytes(json.dumps({"ANSIBLE_MODULE_ARGS": args or {}}))
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class ExitJson(BaseException):
    """exit_json, as a BaseException like the SystemExit it stands for: a module's `except Exception` does not catch it."""


class FailJson(BaseException):
    """fail_json, as a BaseException like the SystemExit it stands for."""


@pytest.fixture(autouse=True)
def trap_exits(monkeypatch):
    def exit_json(self, **kwargs):
        raise ExitJson(kwargs)

    def fail_json(self, **kwargs):
        kwargs["failed"] = True
        raise FailJson(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", fail_json)


# A CA for the pcsd_ca tests (its key is made, not kept in fixtures), and their clock.
CA_NOW = datetime.datetime(2026, 12, 6, 16, 0, tzinfo=datetime.timezone.utc)


def make_test_ca(ca=True, days=3650, key_cert_sign=True, start=None):
    """A test CA made here (EC P-256): (certificate PEM, key PEM); ca=None leaves basicConstraints out."""
    start = start or CA_NOW
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "operator CA")])
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start - datetime.timedelta(days=1))
               .not_valid_after(start + datetime.timedelta(days=days)))
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    builder = builder.add_extension(x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=key_cert_sign, crl_sign=key_cert_sign, encipher_only=False,
        decipher_only=False), critical=True)
    cert = builder.sign(key, hashes.SHA256())
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())
