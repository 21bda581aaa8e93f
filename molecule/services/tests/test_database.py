"""The database (roles/postgresql_ha under PAF), through a switchover and a crash of the primary's node with a client
counting its acknowledged writes, then the crashed node re-cloned by the role, then a rolling update of every node
with the client on, then a partition of the primary's node and its re-clone (side_effect.yml, database_rejoin.yml,
database_drill.py).

The side effect records the cluster's own view at the end (crm_mon's XML, pg_stat_replication, pg_is_in_recovery on
each node) and runs playbooks/health.yml, before the snapshots' wipe removes the database; these tests read those
records and the files the role left on the nodes."""

import glob
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from drill import output as on, record, short_of_writes  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["svc-node1", "svc-node2", "svc-node3"]


def drill():
    return record("database-drill")


def partition():
    return record("database-partition")


def test_no_acknowledged_write_lost_in_a_switchover_and_a_crash():
    record = drill()
    assert [f["fault"] for f in record["faults"]] == ["switchover", "crash"]
    # Writes acknowledged on both sides of each fault, counted (the machine's pace only makes it longer).
    assert short_of_writes(record) == [], record
    # Synchronous replication: every row the client was told committed is on the new primary.
    assert record["lost"] == [], record
    switchover, crash = record["faults"]
    assert switchover["to"] != switchover["from"] and crash["to"] != crash["node"] == switchover["to"], record


def test_the_crashed_node_streams_again_after_the_role_re_cloned_it():
    record = drill()
    assert record["crashed_node_streams_again"] is True, record
    promoted, vip, online = record["placement_after"]
    assert vip == promoted and online == NODES, record
    # ANY 1 (...): every standby is a quorum member; only the promoted instance is out of recovery.
    assert record["streaming_after"] == {n: "quorum" for n in NODES if n != promoted}, record
    assert record["synchronous_standby_names_after"] == 'ANY 1 ("svc-node1", "svc-node2", "svc-node3")'
    assert record["in_recovery_after"] == {n: ("f" if n == promoted else "t") for n in NODES}, record


def test_no_acknowledged_write_lost_in_a_partition_of_the_primary():
    """The primary's node cut off the network with the writer on: the survivors fenced it and promoted a standby,
    every acknowledged row is on the new primary, and the cut-off node, re-cloned by the role, streams again."""
    record = partition()
    assert [f["fault"] for f in record["faults"]] == ["partition"], record
    cut = record["faults"][0]
    assert cut["to"] != cut["node"] == record["first_primary"] == record["crashed_node"], record
    assert short_of_writes(record) == [] and record["lost"] == [], record
    assert record["crashed_node_streams_again"] is True, record
    promoted, vip, online = record["placement_after"]
    assert (promoted, vip, online) == (cut["to"], cut["to"], NODES), record
    assert record["streaming_after"] == {n: "quorum" for n in NODES if n != promoted}, record
    assert record["in_recovery_after"] == {n: ("f" if n == promoted else "t") for n in NODES}, record


def test_health_checks_of_the_database_agree_with_the_cluster():
    """playbooks/health.yml on this cluster with its database: the five PostgreSQL checks pass and name the primary
    crm_mon showed."""
    report = record("database-health/health")
    checks = {c["id"]: c for c in report["checks"]}
    for cid in ("postgresql-primary", "postgresql-standbys-streaming", "postgresql-sync-standby", "postgresql-promotable",
                "postgresql-lag"):
        assert checks[cid]["status"] == "pass", checks[cid]
    promoted = drill()["placement_after"][0]
    assert promoted in checks["postgresql-primary"]["message"], checks["postgresql-primary"]


def test_rolling_update_services_the_primary_last_by_a_switchover_and_loses_no_write():
    """playbooks/rolling_update.yml with a client writing through the VIP: the run finished, the node that held the
    primary came last in the run's own report, the primary moved, every acknowledged row is there, and both standbys
    stream from the new primary (crm_mon and pg_stat_replication, read by the drill at the end)."""
    rolling = record("database-rolling")
    # Why it failed goes last, where the CI log's tail shows it.
    assert rolling["rc"] == 0, "\n".join([rolling.get("output_failed") or rolling["output_tail"], "WHY:"]
                                         + rolling.get("failure_lines", []))
    assert rolling["acknowledged"] > 100 and rolling["lost"] == [], rolling
    before, after = rolling["primary_before"], rolling["primary_after"]
    assert before != after, rolling
    promoted, vip, online = rolling["placement_after"]
    assert (promoted, vip, online) == (after, after, NODES), rolling
    assert rolling["streaming_after"] == {n: "quorum" for n in NODES if n != after}, rolling
    reports = glob.glob(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "rolling-update", "*.json"))
    assert len(reports) == 1, reports
    with open(reports[0], encoding="utf-8") as f:
        report = json.load(f)
    assert report["verdict"] == "done", report["failure"]
    order = [n["node"] for n in sorted(report["nodes"], key=lambda n: n["order"])]
    assert sorted(order) == NODES and order[-1] == before, order


def test_replication_password_only_in_pgpass():
    for node in NODES:
        assert on(node, "stat", "-c", "%U %a", "/var/lib/postgresql/.pgpass").split() == ["postgres", "600"]
        conf = on(node, "cat", "/etc/postgresql/15/main/conf.d/clusterops-ha.conf")
        assert "molecule-only-replication-secret" not in conf
        assert "application_name=%s" % node in conf
