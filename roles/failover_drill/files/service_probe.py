"""A client that keeps asking the cluster's services and writes down every answer and every failure.

Usage: service_probe.py OUTFILE MAX_SECONDS NAME=URL [NAME=URL ...]
URL is http(s)://... (a GET must answer 2xx/3xx) or tcp://HOST:PORT (a connection must open).
Every 0.2 s it asks each URL (timeout 5 s, a patient but ordinary client) and appends one JSON line per request:
{"t": unix time, "name": NAME, "ok": bool, "node": the node the page names or null, "error": text or null}.
It stops when OUTFILE.stop appears or after MAX_SECONDS, then writes OUTFILE.summary.json:
per NAME the number of requests, failures (with their times), the longest gap between two successful
answers, and the nodes that answered in order with how often the answering node changed.
The pages of roles/web end with "served by <node>". Standard library only.
"""

import json
import os
import socket
import sys
import time
import urllib.request

INTERVAL = 0.2
TIMEOUT = 5.0


def ask(url):
    if url.startswith("tcp://"):
        host, _sep, port = url[len("tcp://"):].rstrip("/").rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=TIMEOUT):
                return True, None, None
        except Exception as e:  # pylint: disable=broad-except
            return False, None, "%s: %s" % (type(e).__name__, e)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            body = resp.read().decode("utf-8", "replace").strip()
            node = body.rsplit("served by ", 1)[1].split()[0] if "served by " in body else None
            return True, node, None
    except Exception as e:  # pylint: disable=broad-except
        return False, None, "%s: %s" % (type(e).__name__, e)


def summarise(rows, names):
    out = {}
    for name in names:
        mine = [r for r in rows if r["name"] == name]
        oks = [r["t"] for r in mine if r["ok"]]
        gap = 0.0
        for a, b in zip(oks, oks[1:]):
            gap = max(gap, b - a)
        nodes = []
        for r in mine:
            if r["ok"] and r["node"] and (not nodes or nodes[-1] != r["node"]):
                nodes.append(r["node"])
        out[name] = {
            "requests": len(mine),
            "failures": [{"t": r["t"], "error": r["error"]} for r in mine if not r["ok"]],
            "longest_gap_s": round(gap, 2),
            "nodes_in_order": nodes,
            "changes_of_node": max(0, len(nodes) - 1),
            "first": mine[0]["t"] if mine else None,
            "last": mine[-1]["t"] if mine else None,
        }
    return out


def main(argv):
    outfile, max_seconds = argv[1], float(argv[2])
    targets = [a.split("=", 1) for a in argv[3:]]
    rows = []
    start = time.time()
    if os.path.exists(outfile + ".stop"):  # left over from an interrupted run (as molecule/_shared/sampler.py)
        os.remove(outfile + ".stop")
    with open(outfile, "a", encoding="utf-8") as f:
        while time.time() - start < max_seconds and not os.path.exists(outfile + ".stop"):
            for name, url in targets:
                ok, node, error = ask(url)
                row = {"t": round(time.time(), 3), "name": name, "ok": ok, "node": node, "error": error}
                rows.append(row)
                f.write(json.dumps(row) + "\n")
                f.flush()
            time.sleep(INTERVAL)
    with open(outfile + ".summary.json", "w", encoding="utf-8") as f:
        json.dump(summarise(rows, [n for n, _u in targets]), f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
