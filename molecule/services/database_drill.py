"""The database under faults, with a client that counts every write it was told succeeded.

Run on the test machine (Molecule's side effect, or by hand against the lab):
    python database_drill.py RECORD.json NODE1 NODE2 NODE3 --vip ADDRESS

A client on this machine (pg8000) inserts numbered rows through the writable VIP, one transaction per row,
reconnecting after an error, and logs each row PostgreSQL acknowledged (the COMMIT returned). Meanwhile: a
switchover (the promoted role banned from its node, so Pacemaker demotes it and PAF promotes the most
advanced standby), then a crash of the new primary's node (its container killed; Pacemaker fences it and
promotes a standby). Afterwards every acknowledged row is looked up on the primary. The record holds, per
fault, how long the writer saw no acknowledged write, and overall the rows acknowledged, found and lost,
and whether the crashed node's instance came back as a streaming standby.
"""

import argparse
import json
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET

import pg8000.native

CLONE = "pgsqld-clone"
VIP = "pgsql-vip"
APP_PASSWORD = "molecule-only-app-secret"


def on(node, *argv, check=True, stdin=None, timeout=60):
    return subprocess.run(["docker", "exec", "-i", node] + list(argv), input=stdin, capture_output=True,
                          text=True, check=check, timeout=timeout)


def psql(node, sql, db="postgres"):
    return on(node, "runuser", "-u", "postgres", "--", "psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", db,
              "-c", sql).stdout.strip()


def placement(nodes):
    """(promoted node or None, the VIP's node or None, online nodes) from crm_mon on the first node that answers."""
    for node in nodes:
        try:
            root = ET.fromstring(on(node, "crm_mon", "--output-as=xml", timeout=20).stdout)
        except (subprocess.SubprocessError, ET.ParseError):
            continue
        promoted = vip = None
        for r in root.iter("resource"):
            names = [n.get("name") for n in r.findall("node")]
            if r.get("id") == "pgsqld" and r.get("role") == "Promoted" and names:
                promoted = names[0]
            if r.get("id") == VIP and r.get("role") == "Started" and names:
                vip = names[0]
        online = sorted(n.get("name") for n in root.iter("node") if n.get("online") == "true" and n.get("name"))
        return promoted, vip, online
    return None, None, []


def wait(what, predicate, timeout=180, interval=0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise SystemExit("database_drill: timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


def promotable(nodes, standbys):
    """True when PAF's monitor on the primary gave every standby a positive promotion score (master-<id>):
    until then, after a promotion, no standby can be promoted if the new primary fails."""
    root = ET.fromstring(on(nodes[0], "crm_mon", "-A", "--output-as=xml", timeout=20).stdout)
    scores = {n.get("name"): int(a.get("value")) for n in root.iter("node") for a in n.findall("attribute")
              if a.get("name") == "master-pgsqld" and a.get("value", "").lstrip("-").isdigit()}
    return all(scores.get(n, -1) > 0 for n in standbys)


def streaming(primary):
    """The application_names streaming from primary, and their sync states."""
    out = psql(primary, "SELECT application_name, sync_state FROM pg_stat_replication WHERE state = 'streaming'")
    return dict(line.split("|") for line in out.splitlines() if line)


def settled(nodes, want_primary=None, standbys=2):
    promoted, vip, online = placement(nodes)
    if not promoted or vip != promoted or (want_primary and promoted != want_primary):
        return None
    try:
        if len(streaming(promoted)) < standbys:
            return None
    except subprocess.SubprocessError:
        return None
    return promoted


class Writer(threading.Thread):
    """Numbered rows through the VIP; acked holds (row, time) of each commit that returned."""

    def __init__(self, vip):
        super().__init__(daemon=True)
        self.vip = vip
        self.acked = []
        self.errors = 0
        self.stop = threading.Event()

    def run(self):
        conn = None
        row = 0
        while not self.stop.is_set():
            row += 1
            try:
                if conn is None:
                    conn = pg8000.native.Connection("app", host=self.vip, database="app", password=APP_PASSWORD,
                                                    timeout=5)
                conn.run("INSERT INTO drill (id) VALUES (:row)", row=row)
                self.acked.append((row, time.time()))
            except Exception:  # pylint: disable=broad-except  # any failure: not acknowledged, reconnect
                self.errors += 1
                try:
                    if conn is not None:
                        conn.close()
                except Exception:  # pylint: disable=broad-except
                    pass
                conn = None
                time.sleep(0.1)

    def last(self):
        return self.acked[-1][1] if self.acked else 0.0


def longest_gap(rows, start, end):
    """The longest time in [start, end] without an acknowledged write."""
    times = [start] + sorted(t for _row, t in rows if start <= t <= end) + [end]
    return round(max(b - a for a, b in zip(times, times[1:])), 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("record")
    ap.add_argument("nodes", nargs="+")
    ap.add_argument("--vip", required=True)
    ap.add_argument("--rejoin", action="store_true",
                    help="only wait for the crashed node of RECORD to stream again (after the role re-cloned it)")
    args = ap.parse_args()
    nodes = args.nodes
    if args.rejoin:
        return rejoin(args.record, nodes)
    record = {"faults": []}

    first = wait("a promoted instance with its VIP and two streaming standbys", lambda: settled(nodes))
    record["first_primary"] = first
    psql(first, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN "
                "CREATE ROLE app LOGIN PASSWORD '%s'; END IF; END $$" % APP_PASSWORD)
    if psql(first, "SELECT count(*) FROM pg_database WHERE datname = 'app'") == "0":
        psql(first, "CREATE DATABASE app OWNER app")
    psql(first, "DROP TABLE IF EXISTS drill; CREATE TABLE drill (id integer PRIMARY KEY, at timestamptz DEFAULT now());"
                "ALTER TABLE drill OWNER TO app", db="app")

    writer = Writer(args.vip)
    writer.start()
    wait("the writer's first acknowledged rows", lambda: len(writer.acked) >= 20, timeout=60)

    # Switchover: the promoted role banned from its node; Pacemaker demotes it, PAF promotes the standby
    # that has the most WAL. The ban is cleared once the new primary has both standbys.
    start = time.time()
    on(nodes[0], "crm_resource", "--ban", "--resource", CLONE, "--node", first, "--promoted")

    def elsewhere():
        primary = settled(nodes, standbys=1)
        return primary if primary != first else None

    target = wait("the switchover away from " + first, elsewhere)
    on(nodes[0], "crm_resource", "--clear", "--resource", CLONE)
    wait("both standbys streaming from " + target, lambda: settled(nodes, want_primary=target))
    wait("both standbys promotable", lambda: promotable(nodes, [n for n in nodes if n != target]), timeout=60)
    wait("acknowledged rows after the switchover", lambda: writer.last() > time.time() - 2, timeout=30)
    end = time.time()
    record["faults"].append({"fault": "switchover", "from": first, "to": target,
                             "seconds_without_acknowledged_write": longest_gap(writer.acked, start, end)})

    # Crash of the primary's node: its container is killed; the survivors fence it (fence_docker starts
    # it again) and promote a standby.
    start = time.time()
    subprocess.run(["docker", "kill", target], check=True, capture_output=True, timeout=60)
    survivors = [n for n in nodes if n != target]
    new = wait("a new primary after the crash of " + target, lambda: settled(survivors, standbys=1), timeout=120)
    wait("acknowledged writes through the new primary", lambda: writer.last() > time.time() - 2, timeout=60)
    end = time.time()
    record["faults"].append({"fault": "crash", "node": target, "to": new,
                             "seconds_without_acknowledged_write": longest_gap(writer.acked, start, end)})

    writer.stop.set()
    writer.join(30)
    rows = writer.acked
    found = set(int(x) for x in psql(new, "SELECT id FROM drill", db="app").split())
    lost = sorted(set(r for r, _t in rows) - found)
    record.update(acknowledged=len(rows), found=len(found), lost=lost, primary_after=new, write_errors=writer.errors)

    record["crashed_node"] = target
    # Fenced, its container started again: back in the cluster after the lab's boot delay (20 s). Only a member
    # can be re-cloned (the role bans the instance there first).
    wait(target + " back in the cluster", lambda: target in placement(nodes)[2], timeout=180)
    # The crashed node's instance: PAF does not start a crashed primary again ("controldata indicates a
    # running primary instance"); it stays out until re-cloned (postgresql_ha_reclone). The others go on.
    record["placement_after_crash"] = placement(nodes)
    with open(args.record, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
    print(json.dumps(record))
    return 0


def rejoin(path, nodes):
    with open(path, encoding="utf-8") as f:
        record = json.load(f)
    crashed = record["crashed_node"]
    primary = wait("a settled cluster with two streaming standbys", lambda: settled(nodes), timeout=180)
    record["crashed_node_streams_again"] = crashed in streaming(primary)
    record["placement_after"] = placement(nodes)
    record["streaming_after"] = streaming(primary)
    record["synchronous_standby_names_after"] = psql(primary, "SHOW synchronous_standby_names")
    record["in_recovery_after"] = dict((n, psql(n, "SELECT pg_is_in_recovery()")) for n in nodes)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
