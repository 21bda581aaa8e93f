# -*- coding: utf-8 -*-
"""secrets: the one rule for what is a secret, and every writer that prints parameters keeps to it."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import cib, cluster_doc, cluster_status, secrets, snapshot
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl

# Every secret-looking parameter name the writers disagreed on, and the usual ones.
SECRET_NAMES = ("password", "passwd", "PASSWORD", "snmp_community", "community", "api_token", "secret", "auth",
                "auth_key", "authkey", "sslkey", "ssh_key", "private_key", "credentials", "cookie")
# Names that only name a file, a path or a script (or are not secret at all).
PUBLIC_NAMES = ("ip", "username", "passwd_script", "password_script", "identity_file", "secret_file", "keyfile",
                "key_file", "ssl_insecure", "cidr_netmask", "configfile", "pcmk_host_list", "ipport")


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names(name):
    assert secrets.is_secret(name)


@pytest.mark.parametrize("name", PUBLIC_NAMES + (None, ""))
def test_public_names(name):
    assert not secrets.is_secret(name)


def _values(names, tag):
    return dict((n, "%s-%s-value" % (tag, n.lower())) for n in names)


def _cib_with(params):
    """The document fixture's healthy CIB with params set on its fence device."""
    root = ET.fromstring(fixture_text("document", "cib.healthy.xml"))
    prim = [p for p in root.iter("primitive") if p.get("id") == "fence-docker"][0]
    attrs = prim.find("instance_attributes")
    for name, value in params.items():
        ET.SubElement(attrs, "nvpair", {"id": "fence-docker-instance_attributes-" + name, "name": name, "value": value})
    return ET.tostring(root, encoding="unicode")


def test_every_writer_hides_every_secret_and_shows_the_rest():
    secret = _values(SECRET_NAMES, "secret")
    public = _values(PUBLIC_NAMES, "public")
    old_xml = _cib_with(dict(secret, **public))
    changed = dict(secret, password="secret-password-NEW")
    new_xml = _cib_with(dict(changed, **public))

    written = {}
    # 1. The configuration snapshot (normalised CIB, secrets as salted fingerprints).
    written["snapshot"], _found = snapshot.normalize_cib(old_xml, "salt")
    # 2. The living documentation.

    def doc(name):
        return fixture_text("document", name)

    status = cluster_status.build_status(
        crm_mon=cluster_status.parse_crm_mon(doc("crm_mon.healthy.xml")),
        quorum=cluster_status.parse_quorumtool(doc("quorumtool.healthy.txt")),
        cfgtool=cluster_status.parse_cfgtool(doc("cfgtool-s.healthy.txt")),
        dc_state=cluster_status.parse_crmadmin_state(doc("crmadmin-S.healthy.xml")))
    documented = cluster_doc.document(status, cib.export(cib.parse(old_xml)),
                                      cmap=parse_cmapctl(doc("cmapctl.healthy.txt")), versions={})
    written["document"] = repr(documented)
    # 3. The cib module's diff (a changed password).
    _changes, diff = cib.compare(cib.export(cib.parse(old_xml)), cib.export(cib.parse(new_xml)))
    redacted = secrets.redact_diff(diff)
    written["cib diff"] = repr(redacted)

    for writer, text in written.items():
        leaked = sorted(n for n, v in list(secret.items()) + [("password (new)", "secret-password-NEW")] if v in text)
        assert not leaked, "%s prints the secret values of %s" % (writer, leaked)
    for writer in ("snapshot", "document"):
        hidden = sorted(n for n, v in public.items() if v not in written[writer])
        assert not hidden, "%s hides public parameters %s" % (writer, hidden)
    after = [p for p in redacted["after"]["primitives"] if p["id"] == "fence-docker"][0]["params"]
    before = [p for p in redacted["before"]["primitives"] if p["id"] == "fence-docker"][0]["params"]
    assert after["password"] == "(redacted, changed)" and before["password"] == "(redacted)"
    assert after["community"] == "(redacted)" and after["ipport"] == public["ipport"]


def test_redact_model_leaves_the_input_alone():
    model = {"primitives": [{"id": "f", "params": {"password": "x", "ip": "1"}}], "alerts": [{"id": "a", "params": {}}]}
    kept = copy.deepcopy(model)
    assert secrets.redact_model(model)["primitives"][0]["params"] == {"password": "(redacted)", "ip": "1"}
    assert model == kept


def test_empty_secrets_stay_empty():
    assert secrets.redact_params({"password": "", "passwd": None}) == {"password": "", "passwd": None}
