"""Verify the default scenario from the cluster's own view, on every node.

Nothing here reads what the collection returned: crm_mon XML, corosync-cmapctl and the files on the
nodes are the evidence.
"""

import hashlib
import xml.etree.ElementTree as ET

import pytest

NODES = ["mol-node1", "mol-node2", "mol-node3"]
testinfra_hosts = ["ansible://" + n for n in NODES]


def crm_mon(host):
    out = host.check_output("crm_mon --output-as=xml")
    return ET.fromstring(out)


def test_three_nodes_online_and_quorate(host):
    root = crm_mon(host)
    dc = root.find("summary/current_dc")
    assert dc is not None and dc.get("present") == "true"
    assert dc.get("with_quorum") == "true"
    nodes = {n.get("name"): n for n in root.findall("nodes/node")}
    assert sorted(nodes) == NODES
    for name, node in nodes.items():
        assert node.get("online") == "true", name
        assert node.get("standby") == "false", name
        assert node.get("unclean") == "false", name


def test_corosync_quorum_from_quorumtool(host):
    out = host.run("corosync-quorumtool -s")
    assert out.rc == 0, out.stderr
    lines = dict(l.split(":", 1) for l in out.stdout.splitlines() if ":" in l)
    assert lines["Quorate"].strip() == "Yes"
    assert lines["Total votes"].strip() == "3"


def test_crypto_active_in_cmap(host):
    cipher = host.check_output("corosync-cmapctl -g totem.crypto_cipher")
    hashed = host.check_output("corosync-cmapctl -g totem.crypto_hash")
    assert cipher.strip().endswith("= aes256")
    assert hashed.strip().endswith("= sha256")


@pytest.mark.parametrize("path,owner,group", [
    ("/etc/corosync/authkey", "root", "root"),
    ("/etc/pacemaker/authkey", "hacluster", "haclient"),
])
def test_authkeys_0400(host, path, owner, group):
    f = host.file(path)
    assert f.exists
    assert f.mode == 0o400
    assert f.user == owner
    assert f.group == group
    assert f.size == 256


def _sha(host, path):
    return hashlib.sha256(host.file(path).content).hexdigest()


def test_files_identical_on_every_node(host):
    import testinfra

    others = [testinfra.get_host("ansible://" + n, ansible_inventory=host.backend.ansible_inventory)
              for n in NODES]
    for path in ("/etc/corosync/corosync.conf", "/etc/corosync/authkey", "/etc/pacemaker/authkey"):
        sums = {_sha(h, path) for h in others}
        assert len(sums) == 1, path


def test_no_phantom_nodes_from_the_default_config(host):
    out = host.check_output("crm_node -l")
    names = sorted(line.split()[1] for line in out.splitlines() if line.strip())
    assert names == NODES


def test_crm_verify_clean(host):
    out = host.run("crm_verify -L -V")
    assert out.rc == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "" and out.stderr.strip() == ""


def test_pcs_knows_every_node(host):
    out = host.check_output("pcs status pcsd")
    for n in NODES:
        assert "%s: Online" % n in out


def test_services_enabled_and_running(host):
    for svc in ("corosync", "pacemaker", "pcsd"):
        s = host.service(svc)
        assert s.is_running, svc
        assert s.is_enabled, svc


# cluster_cib_secrets: all (molecule.yml): the canary's passwd lives in Pacemaker's secret store on every node.
CANARY_SECRET = "molecule-only-canary-secret"
STORE = "/var/lib/pacemaker/lrm/secrets"


def test_the_canary_secret_is_in_the_store_of_every_node_and_not_in_the_cib(host):
    assert host.check_output("crm_resource --resource canary --get-parameter passwd").strip() == "lrm://"
    assert CANARY_SECRET not in host.check_output("cibadmin --query")
    for path, mode in ((STORE, 0o700), (STORE + "/canary", 0o700), (STORE + "/canary/passwd", 0o600),
                       (STORE + "/canary/passwd.sign", 0o600)):
        f = host.file(path)
        assert f.exists and f.user == "root" and f.mode == mode, path
    assert host.file(STORE + "/canary/passwd").content_string == CANARY_SECRET + "\n"
    assert host.file(STORE + "/canary/passwd.sign").content_string.strip() == hashlib.md5(CANARY_SECRET.encode()).hexdigest()


def test_the_fence_devices_password_is_in_the_store_too(host):
    assert host.check_output("crm_resource --resource fence-canary --get-parameter password").strip() == "lrm://"
    assert "molecule-only-fence-secret" not in host.check_output("cibadmin --query")
    f = host.file(STORE + "/fence-canary/password")
    assert f.exists and f.user == "root" and f.mode == 0o600 and f.content_string == "molecule-only-fence-secret\n"


def test_the_canary_agent_got_the_secret_from_the_store(host):
    """Pacemaker's executor replaced lrm:// with the file's value: Dummy's envfile (its environment at every action)
    on the node that runs it shows the real value, never lrm://."""
    import testinfra

    runs = [r.get("name") for r in crm_mon(host).findall("resources/resource[@id='canary']/node")]
    assert len(runs) == 1, runs
    there = testinfra.get_host("ansible://" + runs[0], ansible_inventory=host.backend.ansible_inventory)
    env = there.file("/run/canary.env").content_string
    assert "OCF_RESKEY_passwd=%s\n" % CANARY_SECRET in env
    assert "OCF_RESKEY_passwd=lrm://" not in env
