"""pcsd's TLS as the role set it (issue 17), seen from the nodes themselves: the socket pcsd listens on, the
certificate a peer is served and verifies against the test CA, the TLS versions pcsd accepts, and pcs still
talking to every node's pcsd through it."""

import hashlib
import os
import ssl

NODES = {"tu-node1": "172.31.249.11", "tu-node2": "172.31.249.12", "tu-node3": "172.31.249.13"}
testinfra_hosts = ["ansible://" + n for n in NODES]
TLS = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "pcsd-tls")
CA_ON_NODE = "/tmp/clusterops-test-ca.crt"


def name_of(host):
    return host.check_output("hostname")


def peer_of(host):
    names = sorted(NODES)
    return names[(names.index(name_of(host)) + 1) % len(names)]


def s_client(host, address, *args):
    return host.run("openssl s_client -connect %s:2224 %s </dev/null 2>&1" % (address, " ".join(args)))


def test_pcsd_listens_on_the_cluster_address_only(host):
    sockets = host.check_output("ss -ltnH 'sport = :2224'").split()
    local = [w for w in sockets if w.endswith(":2224")]
    assert local == ["%s:2224" % NODES[name_of(host)]]
    assert host.run("timeout 5 bash -c '</dev/tcp/127.0.0.1/2224'").rc != 0


def test_the_certificate_served_verifies_against_the_ca_and_is_the_one_given_or_issued(host):
    """From this node, the next node's pcsd: the chain verifies against the test CA for that address (and for the
    node's name). tu-node1's certificate is byte for byte the one the controller gave (its SHA-256 fingerprint); the
    others' were issued by the role from the CA (cluster_pcsd_tls_ca_certificate): not the files the test CA script
    wrote, and named after the node and its address."""
    host.ansible("copy", "src=%s dest=%s mode=0644" % (os.path.join(TLS, "ca.crt"), CA_ON_NODE), check=False)
    peer = peer_of(host)
    out = s_client(host, NODES[peer], "-CAfile", CA_ON_NODE, "-verify_return_error", "-verify_ip", NODES[peer])
    assert out.rc == 0, out.stdout
    assert "Verify return code: 0 (ok)" in out.stdout
    by_name = s_client(host, NODES[peer], "-CAfile", CA_ON_NODE, "-verify_return_error", "-verify_hostname", peer)
    assert by_name.rc == 0, by_name.stdout
    served = host.check_output("openssl s_client -connect %s:2224 </dev/null 2>/dev/null | openssl x509 -outform DER "
                               "| sha256sum" % NODES[peer]).split()[0]
    with open(os.path.join(TLS, peer + ".crt"), encoding="ascii") as f:
        given = hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()
    if peer == "tu-node1":
        assert served == given
        return
    assert served != given
    text = host.check_output("openssl s_client -connect %s:2224 </dev/null 2>/dev/null | openssl x509 -noout -subject "
                             "-issuer -ext subjectAltName,extendedKeyUsage" % NODES[peer])
    assert "subject=CN = %s" % peer in text and "issuer=O = clusterops molecule, CN = clusterops molecule CA" in text
    assert "DNS:%s, IP Address:%s" % (peer, NODES[peer]) in text, text
    assert "TLS Web Server Authentication" in text, text


def test_tls_1_2_is_refused_and_1_3_accepted(host):
    address = NODES[peer_of(host)]
    assert s_client(host, address, "-tls1_2").rc != 0
    accepted = s_client(host, address, "-tls1_3")
    assert accepted.rc == 0 and "TLSv1.3" in accepted.stdout


def test_the_key_is_root_only_and_the_settings_are_in_pcsds_file(host):
    key = host.file("/var/lib/pcsd/pcsd.key")
    assert (key.user, key.group, key.mode) == ("root", "root", 0o600)
    settings = host.file("/etc/default/pcsd").content_string
    assert "PCSD_BIND_ADDR='%s'" % NODES[name_of(host)] in settings.splitlines()
    assert "PCSD_SSL_CIPHERS='HIGH:!aNULL:!MD5'" in settings.splitlines()
    assert any(line.startswith("PCSD_SSL_OPTIONS='") and line.endswith(",OP_NO_TLSv1_2'")
               for line in settings.splitlines())


def test_pcs_still_reaches_every_pcsd(host):
    out = host.check_output("pcs status pcsd")
    for name in NODES:
        assert "%s: Online" % name in out, out
