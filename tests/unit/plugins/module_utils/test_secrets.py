# -*- coding: utf-8 -*-
"""secrets: the one rule for what is a secret, and every writer that prints parameters keeps to it."""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import cib, cib_compare, cib_export, cluster_doc, secrets, snapshot
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl

# Every secret-looking parameter name the writers disagreed on, and the usual ones.
SECRET_NAMES = ("password", "passwd", "PASSWORD", "snmp_community", "community", "api_token", "secret", "auth",
                "auth_key", "authkey", "sslkey", "ssh_key", "private_key", "credentials", "cookie",
                "hexadecimal_kg", "kg", "KG", "ipmi_kg")
# Names that only name a file, a path or a script (or are not secret at all).
PUBLIC_NAMES = ("ip", "username", "passwd_script", "password_script", "identity_file", "secret_file", "keyfile",
                "key_file", "ssl_insecure", "cidr_netmask", "configfile", "pcmk_host_list", "ipport",
                "kg_file", "hexadecimal_kg_path", "pkg", "kgs")


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

    status = build_status(
        crm_mon=parse_crm_mon(doc("crm_mon.healthy.xml")),
        quorum=parse_quorumtool(doc("quorumtool.healthy.txt")),
        cfgtool=parse_cfgtool(doc("cfgtool-s.healthy.txt")),
        dc_state=parse_crmadmin_state(doc("crmadmin-S.healthy.xml")))
    documented = cluster_doc.document(status, cib_export.export(cib.parse(old_xml)),
                                      cmap=parse_cmapctl(doc("cmapctl.healthy.txt")), versions={})
    written["document"] = repr(documented)
    # 3. The cib module's diff (a changed password).
    _changes, diff = cib_compare.compare(cib_export.export(cib.parse(old_xml)), cib_export.export(cib.parse(new_xml)))
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


# ---------------------------------------------------------------------------------------------
# Values that carry credentials whatever the parameter's name: URLs.

URLS = (
    # value, as every writer shows it, the parts hidden (what module_entry masks)
    ("https://user:pw@host.example.com/", "https://host.example.com/(redacted)", ["user:pw", "pw"]),
    ("https://admin:S3cret@bmc.example.com:8443/redfish/v1", "https://bmc.example.com:8443/(redacted)",
     ["admin:S3cret", "S3cret", "redfish/v1"]),
    ("https://hooks.example.com/services/T0/B0/XYZ", "https://hooks.example.com/(redacted)", ["services/T0/B0/XYZ"]),
    ("https://alerts.example.com/?token=abc123", "https://alerts.example.com/(redacted)", ["?token=abc123"]),
    ("http://10.0.0.1:9000?key=k", "http://10.0.0.1:9000/(redacted)", ["?key=k"]),
    ("https://[2001:db8::1]/hook#frag", "https://[2001:db8::1]/(redacted)", ["hook#frag"]),
    ("snmp://public@192.0.2.9", "snmp://192.0.2.9/(redacted)", ["public"]),
    # A password with an unescaped "/": the authority is no host, so all of it is hidden.
    ("https://user:pa/ss@host/", "https://(redacted)", ["user:pa/ss@host/"]),
)
UNCHANGED = ("https://hooks.example.com", "https://hooks.example.com/", "http://192.0.2.9:8080/", "/var/log/pcmk_alert.log",
             "admin@example.com", "mailto:ops@example.com", "192.0.2.7", "lanplus", "not a url: https://x/y", "", None, 623)


@pytest.mark.parametrize("value, shown, hidden", URLS)
def test_urls_keep_only_scheme_host_and_port(value, shown, hidden):
    assert secrets.redact_value("url", value) == shown
    assert secrets.redact_params({"url": value, "ip": "192.0.2.7"}) == {"url": shown, "ip": "192.0.2.7"}
    assert secrets.hidden_parts("url", value) == hidden
    assert not any(h in shown for h in hidden)


@pytest.mark.parametrize("value", UNCHANGED)
def test_other_values_are_unchanged(value):
    assert secrets.redact_value("url", value) == value
    assert secrets.hidden_parts("url", value) == []


def test_a_resource_url_with_only_a_path_is_shown():
    # Not a webhook: apache's statusurl, nginx's status10url keep their path (a restore needs no secret).
    for name in ("statusurl", "status10url", "testurl"):
        assert secrets.redact_value(name, "http://localhost/server-status") == "http://localhost/server-status"
        assert secrets.hidden_parts(name, "http://localhost/server-status") == []
    # ... but user information or a query hides it, whatever the name.
    assert secrets.redact_value("statusurl", "http://u:p@localhost/s") == "http://localhost/(redacted)"
    assert secrets.redact_value("statusurl", "http://localhost/s?token=t") == "http://localhost/(redacted)"
    assert secrets.redact_value("webhook_endpoint", "https://h/services/T0") == "https://h/(redacted)"


def test_a_secret_name_hides_the_whole_value_and_not_secret_names_show_theirs():
    assert secrets.redact_value("hexadecimal_kg", "abcd1234") == "(redacted)"
    assert secrets.redact_value("passwd", "https://u:p@h/x") == "(redacted)"
    assert secrets.hidden_parts("passwd", "https://u:p@h/x") == ["https://u:p@h/x"]
    for name in ("passwd_script", "identity_file", "key_file", "ssl_insecure", "tlskey"):
        assert secrets.redact_value(name, "/etc/cluster/%s" % name) == "/etc/cluster/%s" % name
    # ... but a URL is a URL, whatever the name.
    assert secrets.redact_value("key_file", "https://u:p@h/k") == "https://h/(redacted)"


def test_a_function_gives_the_text_of_the_whole_value():
    def shown(value):
        return "fp(%s)" % len(value)

    url = "https://hooks.example.com/services/T0/B0/XYZ"
    assert secrets.redact_value("value", url, shown) == "https://hooks.example.com/fp(%d)" % len(url)
    assert secrets.redact_value("passwd", "S3cret", shown) == "fp(6)"


def test_alerts_recipients_and_every_nvpair_set_of_the_model():
    hook = "https://hooks.example.com/services/T0/B0/TOKEN"
    model = {
        "alerts": [{"id": "a", "path": "/x", "params": {"api_key": "k1", "url": hook},
                    "recipients": [{"value": hook, "params": {"secret": "s1"}}, {"value": "/var/log/alerts.log"}]}],
        "primitives": [{"id": "f", "params": {"ip": "1"}, "meta": {"cookie": "c"},
                        "operations": [{"name": "monitor", "params": {"token": "t"}}]}],
        "nodes": [{"name": "n1", "attributes": {"auth": "a1"}}],
        "properties": {"private-key": "p", "stonith-enabled": "true"},
    }
    kept = copy.deepcopy(model)
    out = secrets.redact_model(model)
    alert = out["alerts"][0]
    assert alert["params"] == {"api_key": "(redacted)", "url": "https://hooks.example.com/(redacted)"}
    assert alert["recipients"] == [{"value": "https://hooks.example.com/(redacted)", "params": {"secret": "(redacted)"}},
                                   {"value": "/var/log/alerts.log"}]
    assert out["primitives"][0]["meta"] == {"cookie": "(redacted)"}
    assert out["primitives"][0]["operations"][0]["params"] == {"token": "(redacted)"}
    assert out["nodes"][0]["attributes"] == {"auth": "(redacted)"}
    assert out["properties"] == {"private-key": "(redacted)", "stonith-enabled": "true"}
    assert model == kept
    assert secrets.secret_values(model) == {"k1", "services/T0/B0/TOKEN", "s1", "c", "t", "a1", "p"}


def test_the_diff_says_a_hidden_url_changed():
    old = {"alerts": [{"id": "a", "path": "/x", "recipients": [{"value": "https://hooks.example.com/services/OLD"},
                                                               {"value": "https://other.example.com/same"}]}]}
    new = {"alerts": [{"id": "a", "path": "/x", "recipients": [{"value": "https://hooks.example.com/services/NEW"},
                                                               {"value": "https://other.example.com/same"}]}]}
    redacted = secrets.redact_diff({"before": old, "after": new})
    assert redacted["before"]["alerts"][0]["recipients"] == [{"value": "https://hooks.example.com/(redacted)"},
                                                             {"value": "https://other.example.com/(redacted)"}]
    assert redacted["after"]["alerts"][0]["recipients"] == [{"value": "https://hooks.example.com/(redacted, changed)"},
                                                            {"value": "https://other.example.com/(redacted)"}]
    assert "OLD" not in repr(redacted) and "NEW" not in repr(redacted) and "same" not in repr(redacted)


def test_the_same_name_in_params_and_meta_is_marked_on_its_own():
    old = {"primitives": [{"id": "f", "params": {"token": "a"}, "meta": {"token": "m"}}]}
    new = {"primitives": [{"id": "f", "params": {"token": "b"}, "meta": {"token": "m"}}]}
    after = secrets.redact_diff({"before": old, "after": new})["after"]["primitives"][0]
    assert after["params"] == {"token": "(redacted, changed)"} and after["meta"] == {"token": "(redacted)"}


def _cib_with_alert(recipient):
    root = ET.fromstring(fixture_text("document", "cib.healthy.xml"))
    config = root.find("configuration")
    alerts = config.find("alerts")
    if alerts is None:
        alerts = ET.SubElement(config, "alerts")
    alert = ET.SubElement(alerts, "alert", {"id": "hook", "path": "/usr/share/pacemaker/alerts/alert_webhook.sh"})
    ET.SubElement(alert, "recipient", {"id": "hook-recipient-1", "value": recipient})
    return ET.tostring(root, encoding="unicode")


def test_snapshots_fingerprint_urls_stably_and_restore_them():
    hook = "https://hooks.example.com/services/T0/B0/TOKEN123"
    xml = _cib_with_alert(hook)
    text, found = snapshot.normalize_cib(xml, "salt")
    assert "TOKEN123" not in text and "services" not in text
    shown = "https://hooks.example.com/" + snapshot.fingerprint("salt", hook)
    assert 'value="%s"' % shown in text
    assert found == [{"path": "hook-recipient-1.value", "name": "value", "value": hook}]
    # Idempotent: the same value gives the same text, and a snapshot of the snapshot changes nothing.
    assert snapshot.normalize_cib(xml, "salt")[0] == text
    assert snapshot.normalize_cib(text, "salt") == (text, [])
    # A changed token shows as a changed secret, and the restore takes the live value back.
    other = snapshot.normalize_cib(_cib_with_alert(hook.replace("123", "456")), "salt")[0]
    assert any("(secret)" in line for line in snapshot.describe_cib(text, other))
    config = cib_export.export(cib.parse(text))
    live = cib_export.export(cib.parse(xml))
    filled, used, missing = snapshot.fill_secrets(config, live, "salt")
    assert missing == [] and [u["source"] for u in used] == ["live"]
    assert [a for a in filled["alerts"] if a["id"] == "hook"][0]["recipients"][0]["value"] == hook


@pytest.mark.parametrize("value, shown, hidden", [
    ("rw,vers=3.0,username=bob,password=hunter2,uid=2001", "rw,vers=3.0,username=bob,password=(redacted),uid=2001", ["hunter2"]),
    ("x=1;secret=zz pass=p2", "x=1;secret=(redacted) pass=(redacted)", ["zz", "p2"]),
    ("credentials=/etc/samba/cred,sec=ntlmssp", "credentials=(redacted),sec=ntlmssp", ["/etc/samba/cred"]),
    ("noatime,nodiratime", "noatime,nodiratime", []),
    ("uid=2001,gid=9700", "uid=2001,gid=9700", []),
])
def test_a_secret_item_of_an_option_list_is_hidden_whatever_the_parameters_name(value, shown, hidden):
    # A Filesystem resource's mount options (a CIFS mount's password), in the documentation, the snapshots, the diff.
    assert secrets.redact_value("options", value) == shown
    assert secrets.hidden_parts("options", value) == hidden
    assert secrets.secret_values({"params": {"options": value}}) == set(hidden)
