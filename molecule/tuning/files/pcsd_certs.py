# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test CA and one pcsd certificate per node, for the tuning scenario (test-only material).

    python3 pcsd_certs.py OUTDIR NAME=IP [NAME=IP ...]

Writes OUTDIR/ca.crt + ca.key (the CA the cluster role issues from: cluster_pcsd_tls_ca_certificate) and
OUTDIR/NAME.crt + NAME.key (subjectAltName: the name and the address; a node given its certificate as is), each
key 0600.
Existing files are kept, so a second converge installs the same certificates. Uses the cryptography package
that ansible-core depends on (no openssl binary needed on the controller)."""

import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def write(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def main(outdir, pairs):
    os.makedirs(outdir, exist_ok=True)
    if os.path.exists(os.path.join(outdir, "ca.crt")):
        return 0
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "clusterops molecule"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "clusterops molecule CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    for pair in pairs:
        name, address = pair.split("=", 1)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
                .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=20))
                .add_extension(x509.SubjectAlternativeName(
                    [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address(address))]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        write(os.path.join(outdir, name + ".key"), key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), 0o600)
        write(os.path.join(outdir, name + ".crt"), cert.public_bytes(serialization.Encoding.PEM), 0o644)
    write(os.path.join(outdir, "ca.key"), ca_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()), 0o600)
    write(os.path.join(outdir, "ca.crt"), ca.public_bytes(serialization.Encoding.PEM), 0o644)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
