"""A client that keeps asking the cluster's services and writes down every answer and every failure.

Usage: service_probe.py OUTFILE MAX_SECONDS NAME=URL [NAME=URL ...]
URL is http(s)://... (a GET must answer 2xx/3xx), tcp://HOST:PORT (a connection must open), or
postgresql://USER@HOST[:PORT]/DBNAME?table=TABLE (a writer: each request is one INSERT of a numbered row,
acknowledged only when its COMMIT returned; the rows are read back when the probe stops).
A writer's password comes from the environment variable CLUSTEROPS_PROBE_PASSWORDS, JSON {NAME: password},
never from the command line. A writer needs pg8000 (pure Python); the others the standard library only.
Every 0.2 s it asks each URL (timeout 5 s, a patient but ordinary client) and appends one JSON line per request:
{"t": unix time, "name": NAME, "ok": bool, "node": the node the page names or null, "error": text or null};
a writer's lines also have "write": the row's id when it was acknowledged, else null.
It stops when OUTFILE.stop appears or after MAX_SECONDS, then writes OUTFILE.summary.json:
per NAME the number of requests, failures (with their times), the longest gap between two successful
answers, and the nodes that answered in order with how often the answering node changed; a writer's
entry also has "writes": {acknowledged, found, lost, lost_ids (the first 20), without_writes_s, error}
from reading its rows back through the same address (tried for up to 60 s while no primary answers).
The pages of roles/web end with "served by <node>".
"""

import json
import os
import re
import socket
import sys
import time
import urllib.parse
import urllib.request
import uuid

INTERVAL = 0.2
TIMEOUT = 5.0
READ_BACK_S = 60.0
LOST_SHOWN = 20
PASSWORDS_ENV = "CLUSTEROPS_PROBE_PASSWORDS"
# What the role's preflight lets through (validate.cib_id): the name is double-quoted in every statement.
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,62}")


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


def parse_postgresql(url):
    """postgresql://USER@HOST[:PORT]/DBNAME?table=TABLE -> {user, host, port, database, table}; ValueError."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qs(parts.query)
    out = {"user": parts.username, "host": parts.hostname, "port": parts.port or 5432,
           "database": parts.path.lstrip("/"), "table": (query.get("table") or [""])[0]}
    if parts.scheme != "postgresql" or not out["user"] or not out["host"] or not out["database"]:
        raise ValueError("%s is not postgresql://USER@HOST[:PORT]/DBNAME?table=TABLE" % url)
    if not _IDENT.fullmatch(out["table"]):
        raise ValueError("%s: the table %r is not a table name (a letter or _, then letters, digits, _, . or -)" % (url, out["table"]))
    return out


def _quoted(ident):
    return '"%s"' % ident


def _error(e):
    return "%s: %s" % (type(e).__name__, e)


class Writer:
    """One probe that writes: a kept connection (a new one after an error), one numbered row per request."""

    def __init__(self, url, password, run, connect=None):
        self.target = parse_postgresql(url)
        self.password = password
        self.run = run
        self.next_id = 1
        self.acknowledged = []
        self.conn = None
        self.created = False
        self._connect = connect or self._pg8000

    def _pg8000(self):
        import pg8000.native  # pylint: disable=import-outside-toplevel
        t = self.target
        return pg8000.native.Connection(t["user"], host=t["host"], port=t["port"], database=t["database"],
                                        password=self.password, timeout=TIMEOUT)

    def _close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # pylint: disable=broad-except
                pass
        self.conn = None

    def ask(self):
        """One INSERT in its own transaction: (ok, node, error, id when the COMMIT returned)."""
        row_id = self.next_id
        self.next_id += 1
        table = _quoted(self.target["table"])
        try:
            if self.conn is None:
                self.conn = self._connect()
            if not self.created:
                self.conn.run("CREATE TABLE IF NOT EXISTS %s (run text, id integer, at timestamptz DEFAULT now(), "
                              "PRIMARY KEY (run, id))" % table)
                self.created = True
            self.conn.run("BEGIN")
            self.conn.run("INSERT INTO %s (run, id) VALUES (:run, :id)" % table, run=self.run, id=row_id)
            self.conn.run("COMMIT")
        except Exception as e:  # pylint: disable=broad-except
            self._close()
            return False, None, _error(e), None
        self.acknowledged.append(row_id)
        return True, None, None, row_id

    def read_back(self, deadline_s=READ_BACK_S, clock=time.time, sleep=time.sleep):
        """The ids of this run's rows found now ([ids], None), tried until deadline_s passed: (None, last error)."""
        self._close()
        start = clock()
        error = None
        while True:
            try:
                self.conn = self._connect()
                rows = self.conn.run("SELECT id FROM %s WHERE run = :run" % _quoted(self.target["table"]), run=self.run)
                self._close()
                return sorted(r[0] for r in rows), None
            except Exception as e:  # pylint: disable=broad-except
                self._close()
                error = _error(e)
            if clock() - start >= deadline_s:
                return None, error
            sleep(2.0)


def without_writes(rows):
    """The longest time without an acknowledged write, in seconds: between two of them, and from the first
    request to the first, and from the last to the last request (all of it when none was acknowledged)."""
    times = sorted(r["t"] for r in rows)
    if not times:
        return None
    acked = sorted(r["t"] for r in rows if r.get("ok") and r.get("write") is not None)
    points = [times[0]] + acked + [times[-1]]
    return round(max(b - a for a, b in zip(points, points[1:])) if len(points) > 1 else 0.0, 2)


def lost_writes(acknowledged, found, rows, error=None):
    """A writer's summary: {acknowledged, found, lost, lost_ids (the first LOST_SHOWN), without_writes_s, error};
    found and lost are None when the read-back failed (found None), never 0 lost for unknown."""
    out = {"acknowledged": len(acknowledged), "found": None, "lost": None, "lost_ids": [],
           "without_writes_s": without_writes(rows), "error": error}
    if found is not None:
        have = set(found)
        lost = [i for i in acknowledged if i not in have]
        out.update(found=len(have), lost=len(lost), lost_ids=lost[:LOST_SHOWN], error=None)
    return out


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


def _write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2)
    os.rename(tmp, path)  # the role waits for the file: it appears whole


def main(argv, environ=None):
    environ = os.environ if environ is None else environ
    outfile, max_seconds = argv[1], float(argv[2])
    targets = [a.split("=", 1) for a in argv[3:]]
    passwords = json.loads(environ.get(PASSWORDS_ENV) or "{}")
    run = "%s-%s" % (os.path.basename(outfile).split(".", 1)[0], uuid.uuid4().hex[:12])
    writers = dict((name, Writer(url, passwords.get(name), run)) for name, url in targets if url.startswith("postgresql://"))
    rows = []
    start = time.time()
    for leftover in (outfile + ".stop", outfile + ".summary.json"):  # of an interrupted run (as molecule/_shared/sampler.py)
        if os.path.exists(leftover):
            os.remove(leftover)
    with open(outfile, "a", encoding="utf-8") as f:
        while time.time() - start < max_seconds and not os.path.exists(outfile + ".stop"):
            for name, url in targets:
                if name in writers:
                    ok, node, error, row_id = writers[name].ask()
                else:
                    (ok, node, error), row_id = ask(url), None
                row = {"t": round(time.time(), 3), "name": name, "ok": ok, "node": node, "error": error}
                if name in writers:
                    row["write"] = row_id
                rows.append(row)
                f.write(json.dumps(row) + "\n")
                f.flush()
            time.sleep(INTERVAL)
    summary = summarise(rows, [n for n, _u in targets])
    for name, writer in writers.items():
        found, error = writer.read_back()
        summary[name]["run"] = run
        summary[name]["writes"] = lost_writes(writer.acknowledged, found, [r for r in rows if r["name"] == name], error)
    _write_json(outfile + ".summary.json", summary)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
