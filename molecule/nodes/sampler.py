"""Sample a node's crm_mon every 0.5 s: quorum and the running instances of the clone `probe`.

Usage: sampler.py NODE OUTFILE MAX_SECONDS. Writes one JSON object a line; stops when OUTFILE.stop
appears or after MAX_SECONDS. Runs on the controller (docker exec into the node).
"""

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET


def sample(node):
    try:
        out = subprocess.run(["docker", "exec", node, "crm_mon", "--output-as=xml"], capture_output=True,
                             text=True, timeout=10, check=False).stdout
        root = ET.fromstring(out)
    except (subprocess.SubprocessError, ET.ParseError) as exc:
        return {"error": str(exc)}
    dc = root.find("summary/current_dc")
    running = [n.get("name") for r in root.iter("resource") if r.get("id") == "probe" and r.get("role") == "Started"
               for n in r.findall("node")]
    return {"quorate": dc is not None and dc.get("with_quorum") == "true", "probe_on": sorted(running),
            "online": sorted(n.get("name") for n in root.findall("nodes/node") if n.get("online") == "true")}


def main():
    node, outfile, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
    stop = outfile + ".stop"
    if os.path.exists(stop):
        os.remove(stop)
    end = time.time() + limit
    with open(outfile, "w", encoding="utf-8") as f:
        while time.time() < end and not os.path.exists(stop):
            row = sample(node)
            row["t"] = round(time.time(), 2)
            f.write(json.dumps(row) + "\n")
            f.flush()
            time.sleep(0.5)


if __name__ == "__main__":
    main()
