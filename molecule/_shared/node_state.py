"""What a bad-input test proves did not change on a scenario's nodes, read from the nodes themselves.

capture(nodes) reads every node with one `docker exec` each (the nodes in parallel) and returns
{node: {field: value}}: the CIB's admin_epoch and epoch, the sha256 of its <configuration> section,
the sha256 of corosync.conf and of both authkeys, and the PIDs of corosync and pacemakerd.
diff(before, after) returns one readable line per field that differs ([] when nothing did).
"""

import hashlib
import subprocess
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

FILES = ("/etc/corosync/corosync.conf", "/etc/corosync/authkey", "/etc/pacemaker/authkey")
DAEMONS = ("corosync", "pacemakerd")
MARK = "@@clusterops-node-state@@"

# One shell per node: the CIB, then each file's sha256 (or "missing"), then each daemon's PIDs.
_SCRIPT = "; ".join(
    ["cibadmin --query --local 2>/dev/null || echo 'no-cib'", "echo %s" % MARK]
    + ["(sha256sum %s 2>/dev/null | cut -d' ' -f1 | grep . || echo missing); echo %s" % (f, MARK) for f in FILES]
    + ["(pidof %s || echo none); echo %s" % (d, MARK) for d in DAEMONS]
)


def _read(node):
    proc = subprocess.run(["docker", "exec", node, "sh", "-c", _SCRIPT], capture_output=True, text=True,
                          check=False, timeout=60)
    if proc.returncode != 0 and MARK not in proc.stdout:
        return {"unreadable": "docker exec rc=%d: %s" % (proc.returncode, proc.stderr.strip())}
    parts = [p.strip() for p in proc.stdout.split(MARK)]
    state = {}
    try:
        cib = ET.fromstring(parts[0])
        state["cib.admin_epoch"] = cib.get("admin_epoch")
        state["cib.epoch"] = cib.get("epoch")
        conf = cib.find("configuration")
        text = ET.tostring(conf, encoding="utf-8") if conf is not None else b""
        state["cib.configuration.sha256"] = hashlib.sha256(text).hexdigest()
    except ET.ParseError:
        state["cib"] = "unreadable: %s" % parts[0][:200]
    for i, path in enumerate(FILES, 1):
        state["sha256 " + path] = parts[i] if i < len(parts) else "unread"
    for i, daemon in enumerate(DAEMONS, 1 + len(FILES)):
        state["pid " + daemon] = parts[i] if i < len(parts) else "unread"
    return state


def capture(nodes):
    """{node: {field: value}} for every node, read at (nearly) the same moment."""
    nodes = list(nodes)
    with ThreadPoolExecutor(max_workers=max(1, len(nodes))) as pool:
        return dict(zip(nodes, pool.map(_read, nodes)))


def diff(before, after):
    """One line per node and field whose value differs, e.g. 'mol-node2: cib.epoch 12 -> 13'."""
    lines = []
    for node in sorted(set(before) | set(after)):
        b, a = before.get(node, {}), after.get(node, {})
        for field in sorted(set(b) | set(a)):
            if b.get(field) != a.get(field):
                lines.append("%s: %s %s -> %s" % (node, field, b.get(field), a.get(field)))
    return lines


def configuration(node):
    """The CIB's <configuration> section on node, as XML text (to put it back with restore_configuration)."""
    out = subprocess.run(["docker", "exec", node, "cibadmin", "--query", "--scope", "configuration"],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    return out


def restore_configuration(node, xml_text):
    """Replace the CIB's <configuration> section with xml_text (a test's clean-up after a case that wrongly
    changed the CIB; the epoch moves on, the content is as before)."""
    subprocess.run(["docker", "exec", "-i", node, "cibadmin", "--replace", "--scope", "configuration",
                    "--xml-pipe"], input=xml_text, capture_output=True, text=True, check=True, timeout=60)
