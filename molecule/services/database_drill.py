"""The database under faults, with a client that counts every write it was told succeeded.

Run on the test machine (Molecule's side effect, or by hand against the lab):
    python database_drill.py RECORD.json NODE1 NODE2 NODE3 --vip ADDRESS [--faults switchover,crash|partition]
    python database_drill.py RECORD.json NODE1 NODE2 NODE3 --vip ADDRESS --rolling ansible-playbook ... rolling_update.yml

A client on this machine (pg8000) inserts numbered rows through the writable VIP, one transaction per row,
reconnecting after an error, and logs each row PostgreSQL acknowledged (the COMMIT returned). Meanwhile: a
switchover (the promoted role banned from its node, so Pacemaker demotes it and PAF promotes the most
advanced standby), then a crash of the new primary's node (its container killed; Pacemaker fences it and
promotes a standby) or a partition of it (cut off the lab's network, --network; fenced, it comes back still cut off
and is connected again once the survivors took over). Afterwards every acknowledged row is looked up on the primary. The record holds, per
fault, how long the writer saw no acknowledged write, and overall the rows acknowledged, found and lost,
and whether the crashed node's instance came back as a streaming standby.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

import pg8000.native

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "_shared"))
from drill import Writer, crm_mon, longest_gap, on, online, running_on, wait  # noqa: E402  pylint: disable=wrong-import-position

CLONE = "pgsqld-clone"
VIP = "pgsql-vip"
APP_PASSWORD = "molecule-only-app-secret"


def psql(node, sql, db="postgres"):
    return on(node, "runuser", "-u", "postgres", "--", "psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-d", db,
              "-c", sql).stdout.strip()


def placement(nodes):
    """(promoted node or None, the VIP's node or None, online nodes) from crm_mon on the first node that answers."""
    root = crm_mon(nodes)
    if root is None:
        return None, None, []
    return running_on(root, "pgsqld", "Promoted"), running_on(root, VIP), online(root)


def promotable(nodes, standbys):
    """True when PAF's monitor on the primary gave every standby a positive promotion score (master-<id>):
    until then, after a promotion, no standby can be promoted if the new primary fails."""
    root = crm_mon(nodes[:1], "-A")
    if root is None:
        return False
    scores = {n.get("name"): int(a.get("value")) for n in root.iter("node") for a in n.findall("attribute")
              if a.get("name") == "master-pgsqld" and a.get("value", "").lstrip("-").isdigit()}
    return all(scores.get(n, -1) > 0 for n in standbys)


def streaming(primary):
    """The application_names streaming from primary, and their sync states."""
    out = psql(primary, "SELECT application_name, sync_state FROM pg_stat_replication WHERE state = 'streaming'")
    return dict(line.split("|") for line in out.splitlines() if line)


def settled(nodes, want_primary=None, standbys=2):
    promoted, vip, _members = placement(nodes)
    if not promoted or vip != promoted or (want_primary and promoted != want_primary):
        return None
    try:
        if len(streaming(promoted)) < standbys:
            return None
    except subprocess.SubprocessError:
        return None
    return promoted


class RowWriter(Writer):
    """Numbered rows through the VIP, one transaction each: acknowledged when the COMMIT returned."""

    def __init__(self, vip, table="drill"):
        super().__init__()
        self.vip = vip
        self.table = table
        self.conn = None

    def write(self, n):
        if self.conn is None:
            self.conn = pg8000.native.Connection("app", host=self.vip, database="app", password=APP_PASSWORD, timeout=5)
        self.conn.run("INSERT INTO %s (id) VALUES (:row)" % self.table, row=n)

    def reset(self):
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()


FAULTS = ("switchover", "crash", "partition")


def switchover(nodes, first, writer, record):
    """The promoted role banned from its node; Pacemaker demotes it, PAF promotes the standby that has the most WAL.
    The ban is cleared once the new primary has both standbys. Returns the new primary."""
    start = time.time()
    on(nodes[0], "crm_resource", "--ban", "--resource", CLONE, "--node", first, "--promoted")

    def elsewhere():
        primary = settled(nodes, standbys=1)
        return primary if primary != first else None

    target = wait("the switchover away from " + first, elsewhere)
    taken = time.time()
    on(nodes[0], "crm_resource", "--clear", "--resource", CLONE)
    wait("both standbys streaming from " + target, lambda: settled(nodes, want_primary=target))
    wait("both standbys promotable", lambda: promotable(nodes, [n for n in nodes if n != target]), timeout=60)
    after = writer.resumed("acknowledged rows after the switchover", taken)
    record["faults"].append({"fault": "switchover", "from": first, "to": target,
                             "acknowledged_before": writer.count(0, start), "acknowledged_after": after,
                             "seconds_without_acknowledged_write": longest_gap(writer.acked, start, time.time())})
    return target


def lose(fault, nodes, target, writer, record, network):
    """The primary's node lost: crashed (its container killed) or partitioned (cut off the lab's network). The
    survivors fence it (fence_docker starts it again; a partitioned one comes back still cut off, and is connected
    again once the survivors took over) and promote a standby. Returns the new primary."""
    start = time.time()
    if fault == "crash":
        subprocess.run(["docker", "kill", target], check=True, capture_output=True, timeout=60)
    else:
        address = subprocess.run(["docker", "inspect", "-f", '{{ (index .NetworkSettings.Networks "%s").IPAddress }}' % network,
                                  target], check=True, capture_output=True, text=True, timeout=60).stdout.strip()
        subprocess.run(["docker", "network", "disconnect", network, target], check=True, capture_output=True, timeout=60)
    survivors = [n for n in nodes if n != target]

    def promoted_elsewhere():
        # Until they notice, the survivors' crm_mon still shows the lost node promoted (and a partitioned one still
        # answers psql through docker exec).
        primary = settled(survivors, standbys=1)
        return primary if primary in survivors else None

    new = wait("a new primary after the %s of %s" % (fault, target), promoted_elsewhere, timeout=120)
    after = writer.resumed("acknowledged writes through the new primary", time.time())
    record["faults"].append({"fault": fault, "node": target, "to": new,
                             "acknowledged_before": writer.count(0, start), "acknowledged_after": after,
                             "seconds_without_acknowledged_write": longest_gap(writer.acked, start, time.time())})
    if fault == "partition":
        # Pacemaker promoted only after the fencing succeeded: the container was already killed and started again.
        subprocess.run(["docker", "network", "connect", "--ip", address, network, target], check=True,
                       capture_output=True, timeout=60)
    return new


def failed_part(stdout, limit=6000):
    """What a failed playbook run said where it failed: from its first "fatal:" or "FAILED!" line on (limit
    characters), '' when there is none."""
    at = min([i for i in (stdout.find("fatal:"), stdout.find("FAILED!")) if i >= 0] or [-1])
    return "" if at < 0 else stdout[max(0, stdout.rfind("\n", 0, max(0, at - 400)) + 1):][:limit]


def failure_lines(stdout, limit=8):
    """The lines of a failed playbook run that say why (its fatal lines and the role's "did not pass" and "stopped at"
    reasons, colours removed), at most limit: the test puts them last, where a CI log's tail shows them."""
    keys = ("fatal:", "FAILED!", "did not pass", "stopped at", "ERROR!")
    plain = (re.sub(r"\x1b\[[0-9;]*m", "", line).strip() for line in stdout.splitlines())
    return [line[:600] for line in plain if any(k in line for k in keys)][:limit]


def rolling(path, nodes, vip, command):
    """The rolling update (command: ansible-playbook playbooks/rolling_update.yml ...) with the writer on: every node
    serviced in turn, the primary's node last by a switchover. Records the primaries before and after, the rows
    acknowledged, found and lost, the longest time without an acknowledged write, and the standbys streaming after."""
    first = wait("a promoted instance with its VIP and two streaming standbys", lambda: settled(nodes))
    psql(first, "DROP TABLE IF EXISTS rolling; CREATE TABLE rolling (id integer PRIMARY KEY, at timestamptz DEFAULT now());"
                "ALTER TABLE rolling OWNER TO app", db="app")
    writer = RowWriter(vip, table="rolling")
    writer.start()
    writer.resumed("the writer's first acknowledged rows", 0)
    start = time.time()
    run = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    end = time.time()
    writer.stop.set()
    writer.join(30)
    primary = wait("a settled cluster with two streaming standbys", lambda: settled(nodes), timeout=180)
    found = set(int(x) for x in psql(primary, "SELECT id FROM rolling", db="app").split())
    rows = writer.acked
    record = {"rc": run.returncode, "output_tail": run.stdout[-3000:], "output_failed": failed_part(run.stdout),
              "failure_lines": failure_lines(run.stdout) if run.returncode else [],
              "primary_before": first, "primary_after": primary,
              "acknowledged": len(rows), "found": len(found), "lost": sorted(set(r for r, _t in rows) - found),
              "write_errors": writer.errors, "seconds": round(end - start, 1),
              "seconds_without_acknowledged_write": longest_gap(rows, start, end),
              "placement_after": placement(nodes), "streaming_after": streaming(primary)}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
    with open(path + ".out", "w", encoding="utf-8") as f:  # the whole run, to read after a failure
        f.write(run.stdout)
    print(json.dumps(dict((k, v) for k, v in record.items() if k != "output_tail")))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("record")
    ap.add_argument("nodes", nargs="+")
    ap.add_argument("--vip", required=True)
    ap.add_argument("--faults", default="switchover,crash",
                    help="in order, of %s; a crash or a partition only last (default switchover,crash)" % ", ".join(FAULTS))
    ap.add_argument("--network", default="clusterops-lab", help="the lab's docker network (a partition cuts a node off it)")
    ap.add_argument("--rejoin", action="store_true",
                    help="only wait for the crashed node of RECORD to stream again (after the role re-cloned it), "
                         "then clean up the failed actions the fault left (recorded first)")
    ap.add_argument("--rolling", nargs=argparse.REMAINDER,
                    help="the rest of the line is the rolling update's command: run it with the writer on (rolling())")
    args = ap.parse_args()
    nodes = args.nodes
    if args.rejoin:
        return rejoin(args.record, nodes)
    if args.rolling:
        return rolling(args.record, nodes, args.vip, args.rolling)
    faults = args.faults.split(",")
    if not faults or any(f not in FAULTS for f in faults) or any(f != "switchover" for f in faults[:-1]):
        ap.error("--faults: %r: a list of %s, a crash or a partition only last" % (args.faults, ", ".join(FAULTS)))
    record = {"faults": []}

    first = wait("a promoted instance with its VIP and two streaming standbys", lambda: settled(nodes))
    record["first_primary"] = first
    psql(first, "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN "
                "CREATE ROLE app LOGIN PASSWORD '%s'; END IF; END $$" % APP_PASSWORD)
    if psql(first, "SELECT count(*) FROM pg_database WHERE datname = 'app'") == "0":
        psql(first, "CREATE DATABASE app OWNER app")
    psql(first, "DROP TABLE IF EXISTS drill; CREATE TABLE drill (id integer PRIMARY KEY, at timestamptz DEFAULT now());"
                "ALTER TABLE drill OWNER TO app", db="app")

    writer = RowWriter(args.vip)
    writer.start()
    writer.resumed("the writer's first acknowledged rows", 0)

    primary, fenced = first, []
    for fault in faults:
        if fault == "switchover":
            primary = switchover(nodes, primary, writer, record)
        else:
            fenced.append(primary)
            primary = lose(fault, nodes, primary, writer, record, args.network)

    writer.stop.set()
    writer.join(30)
    rows = writer.acked
    found = set(int(x) for x in psql(primary, "SELECT id FROM drill", db="app").split())
    lost = sorted(set(r for r, _t in rows) - found)
    record.update(acknowledged=len(rows), found=len(found), lost=lost, primary_after=primary, write_errors=writer.errors,
                  fenced_nodes=fenced, crashed_node=(fenced or [None])[-1])
    # Fenced, its container started again: back in the cluster after the lab's boot delay (20 s). Only a member
    # can be re-cloned (the role bans the instance there first).
    for node in fenced:
        wait(node + " back in the cluster", lambda n=node: n in placement(nodes)[2], timeout=180)
    # The fenced node's instance: PAF does not start a crashed primary again ("controldata indicates a
    # running primary instance"); it stays out until re-cloned (postgresql_ha_reclone). The others go on.
    record["placement_after_crash"] = placement(nodes)
    with open(args.record, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
    print(json.dumps(record))
    return 0


def no_failure(nodes):
    """True when crm_mon (from the first node that answers) shows no failed action."""
    root = crm_mon(nodes)
    return root is not None and not list(root.iter("failure"))


def rejoin(path, nodes):
    with open(path, encoding="utf-8") as f:
        record = json.load(f)
    crashed = record["crashed_node"]
    primary = wait("a settled cluster with two streaming standbys", lambda: settled(nodes), timeout=180)
    record["crashed_node_streams_again"] = crashed in streaming(primary)
    # As an operator after a failover (and as the failover_drill role's restore): the failures the fault left are
    # recorded, then cleaned up. PAF's election leaves one when Pacemaker first picked a standby that was behind
    # ("... is the best candidate to promote, aborting current promotion"), and the rolling update's gate refuses
    # a cluster with failed actions.
    root = crm_mon(nodes)
    record["failures_cleaned_up"] = [dict(f.attrib) for f in root.iter("failure")] if root is not None else None
    on(nodes[0], "crm_resource", "--cleanup", "--resource", CLONE)
    wait("no failed action left", lambda: no_failure(nodes), timeout=60)
    primary = wait("a settled cluster with two streaming standbys", lambda: settled(nodes), timeout=180)
    # PAF's monitor on the primary gives the re-cloned standby its promotion score (health: postgresql-promotable).
    wait("both standbys promotable", lambda: promotable(nodes, [n for n in nodes if n != primary]), timeout=60)
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
