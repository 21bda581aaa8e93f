"""The database (roles/postgresql_ha under PAF): its state as the cluster and PostgreSQL see it, and what the
side effect's client saw through a switchover and a crash of the primary's node (database_drill.py)."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "_shared"))
from playbook_run import run_playbook  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["svc-node1", "svc-node2", "svc-node3"]
EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")


def on(node, *argv):
    return subprocess.run(["docker", "exec", node] + list(argv), capture_output=True, text=True, check=True,
                          timeout=60).stdout


def psql(node, sql):
    return on(node, "runuser", "-u", "postgres", "--", "psql", "-X", "-qAt", "-c", sql).strip()


def drill():
    with open(os.path.join(EPHEMERAL, "database-drill.json"), encoding="utf-8") as f:
        return json.load(f)


def placement():
    root = ET.fromstring(on(NODES[0], "crm_mon", "--output-as=xml"))
    roles = {}
    vip = []
    for r in root.iter("resource"):
        names = [n.get("name") for n in r.findall("node")]
        if r.get("id") == "pgsqld":
            for name in names:
                roles[name] = r.get("role")
        if r.get("id") == "pgsql-vip" and r.get("role") == "Started":
            vip = names
    return roles, vip


def test_one_promoted_instance_with_the_writable_vip():
    roles, vip = placement()
    promoted = [n for n, role in roles.items() if role == "Promoted"]
    assert len(promoted) == 1, roles
    assert sorted(n for n, role in roles.items() if role == "Unpromoted") == sorted(set(NODES) - set(promoted))
    assert vip == promoted
    assert psql(promoted[0], "SELECT pg_is_in_recovery()") == "f"
    for node in set(NODES) - set(promoted):
        assert psql(node, "SELECT pg_is_in_recovery()") == "t", node


def test_every_standby_streams_and_one_confirms_each_commit():
    roles, _vip = placement()
    primary = [n for n, role in roles.items() if role == "Promoted"][0]
    rows = dict(line.split("|", 1) for line in psql(
        primary, "SELECT application_name, state || ' ' || sync_state FROM pg_stat_replication").splitlines())
    # ANY 1 (...): every standby is a quorum member.
    assert rows == {n: "streaming quorum" for n in NODES if n != primary}
    assert psql(primary, "SHOW synchronous_standby_names") == 'ANY 1 ("svc-node1", "svc-node2", "svc-node3")'


def test_replication_password_only_in_pgpass():
    for node in NODES:
        assert on(node, "stat", "-c", "%U %a", "/var/lib/postgresql/.pgpass").split() == ["postgres", "600"]
        conf = on(node, "cat", "/etc/postgresql/15/main/conf.d/clusterops-ha.conf")
        assert "molecule-only-replication-secret" not in conf
        assert "application_name=%s" % node in conf


def test_no_acknowledged_write_lost_in_a_switchover_and_a_crash():
    record = drill()
    assert [f["fault"] for f in record["faults"]] == ["switchover", "crash"]
    assert record["acknowledged"] > 100, record
    # Synchronous replication: every row the client was told committed is on the new primary.
    assert record["lost"] == [], record
    for fault in record["faults"]:
        assert fault["to"] != fault.get("from", fault.get("node")), fault
    # The crashed node's instance came back as a standby of the new primary.
    assert record["crashed_node_streams_again"] is True, record


def test_health_checks_of_the_database_agree_with_the_cluster(tmp_path):
    """playbooks/health.yml on this cluster: the four PostgreSQL checks pass, and what they name is what crm_mon and
    pg_stat_replication say."""
    rc, out = run_playbook("health.yml", {"health_report_dir": str(tmp_path), "health_fail_on_critical": False},
                           timeout=300, cwd=str(tmp_path))
    assert rc == 0, out[-3000:]
    with open(str(tmp_path / "health.json"), encoding="utf-8") as f:
        report = json.load(f)
    checks = {c["id"]: c for c in report["checks"]}
    for cid in ("postgresql-primary", "postgresql-standbys-streaming", "postgresql-sync-standby", "postgresql-lag"):
        assert checks[cid]["status"] == "pass", checks[cid]
    roles, _vip = placement()
    primary = [n for n, role in roles.items() if role == "Promoted"][0]
    assert primary in checks["postgresql-primary"]["message"], checks["postgresql-primary"]
