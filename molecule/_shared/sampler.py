"""Sample the cluster every 0.5 s from the controller: quorum as each node's corosync sees it, and
where the resource `probe` runs, from the first reachable node's crm_mon.

Usage: sampler.py NODE[,NODE...] OUTFILE MAX_SECONDS. Writes one JSON object a line; stops when
OUTFILE.stop appears or after MAX_SECONDS. Used by the nodes and tuning scenarios.
"""

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET


def _run(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)


def corosync_quorate(node):
    """True/False from `corosync-quorumtool -s` on node (rc 0 quorate, 2 not), None when it does not answer."""
    try:
        rc = _run(["docker", "exec", node, "corosync-quorumtool", "-s"]).returncode
    except subprocess.SubprocessError:
        return None
    return {0: True, 2: False}.get(rc)


def sample(nodes):
    row = {"quorate_by_node": dict((n, corosync_quorate(n)) for n in nodes)}
    for node in nodes:
        try:
            root = ET.fromstring(_run(["docker", "exec", node, "crm_mon", "--output-as=xml"]).stdout)
        except (subprocess.SubprocessError, ET.ParseError):
            continue
        if root.find("summary/current_dc") is None:
            continue
        dc = root.find("summary/current_dc")
        running = [n.get("name") for r in root.iter("resource") if r.get("id") == "probe"
                   and r.get("role") == "Started" for n in r.findall("node")]
        row.update(seen_from=node, quorate=dc.get("with_quorum") == "true", probe_on=sorted(running),
                   online=sorted(n.get("name") for n in root.findall("nodes/node") if n.get("online") == "true"))
        return row
    row["error"] = "no node answered crm_mon"
    return row


def main():
    nodes, outfile, limit = sys.argv[1].split(","), sys.argv[2], float(sys.argv[3])
    stop = outfile + ".stop"
    if os.path.exists(stop):
        os.remove(stop)
    end = time.time() + limit
    with open(outfile, "w", encoding="utf-8") as f:
        while time.time() < end and not os.path.exists(stop):
            row = sample(nodes)
            row["t"] = round(time.time(), 2)
            f.write(json.dumps(row) + "\n")
            f.flush()
            time.sleep(0.5)


if __name__ == "__main__":
    main()
