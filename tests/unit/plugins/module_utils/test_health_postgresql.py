# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PostgreSQL checks of health_postgresql.py on the lab (fixtures/health) with PAF's resources added to its CIB
(test_postgresql.paf_cib) and each node's instance as cluster_node_facts reads it from psql's real outputs
(fixtures/postgresql, captured on pgcap1/pgcap2: the standby's application_name is renamed to the lab's node)."""

from __future__ import annotations

import copy

import pytest

from test_health import NOW, lab_config, lab_facts, lab_root, lab_status
from test_postgresql import fact, paf_cib

from ansible_collections.clusterops.ha.plugins.module_utils import postgresql
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.module_utils.health import node_facts_errors, run_checks
from ansible_collections.clusterops.ha.plugins.module_utils.rolling_update import gate

PG_CHECKS = ("postgresql-primary", "postgresql-standbys-streaming", "postgresql-sync-standby", "postgresql-lag",
             "postgresql-promotable")


def primary(name="primary-async"):
    f = fact(name)
    for r in f["replication"]:
        r["application_name"] = r["application_name"].replace("pgcap2", "lab-node2")
    return f


def promoted_status(promoted=("lab-node1",), vip=("lab-node1",)):
    """The lab's status with pgsqld promoted on `promoted`, unpromoted elsewhere, and pgsql-vip running on `vip`."""
    status = lab_status()
    status["resources_by_id"]["pgsqld"] = {
        "running_on": ["lab-node1", "lab-node2"], "promoted_on": list(promoted),
        "unpromoted_on": [n for n in ("lab-node1", "lab-node2") if n not in promoted], "agent": "ocf:heartbeat:pgsqlms",
        "clone": "pgsqld-clone", "promotable": True}
    status["resources_by_id"]["pgsql-vip"] = {"running_on": list(vip), "agent": "ocf:heartbeat:IPaddr2"}
    # PAF's promotion scores as crm_mon showed them on the lab with PostgreSQL (fixtures/rolling_update/crm_mon.paf-*).
    status["node_attributes"] = {"lab-node1": {"master-pgsqld": "1001"}, "lab-node2": {"master-pgsqld": "1000"}}
    return status


def pg_facts(node1=None, node2=None, node3=None):
    """The lab's facts with PostgreSQL: lab-node1 the primary, lab-node2 its standby, no PostgreSQL on lab-node3."""
    nodes = lab_facts()
    nodes["lab-node1"]["postgresql"] = {"pgsqld": node1 or primary()}
    nodes["lab-node2"]["postgresql"] = {"pgsqld": node2 or fact("standby")}
    nodes["lab-node3"]["postgresql"] = {"pgsqld": node3 or fact("no-psql", rc=1)}
    return nodes


def run(status=None, nodes=None, root=None):
    root = paf_cib() if root is None else root
    return run_checks(status or promoted_status(), export(root), nodes or pg_facts(), {"token_ms": 3650}, cib_root=root,
                      now=NOW)


def check(report, check_id):
    return next(c for c in report["checks"] if c["id"] == check_id)


def test_the_facts_fit_node_facts_shape():
    assert node_facts_errors(pg_facts()) == []
    bad = pg_facts()
    bad["lab-node1"]["postgresql"]["pgsqld"]["replication"][0]["lag_bytes"] = "many"
    assert node_facts_errors(bad) == ["node_facts.lab-node1.postgresql.pgsqld.replication[0].lag_bytes: must be an "
                                      "integer or null, got str 'many'"]


def test_a_healthy_paf_cluster():
    report = run()
    assert report["verdict"] == "healthy"
    assert check(report, "postgresql-primary")["message"] == (
        "pgsqld: primary on lab-node1, promoted there by Pacemaker, pgsql-vip there; standbys on lab-node2")
    assert check(report, "postgresql-standbys-streaming")["message"] == "pgsqld: lab-node2 (async) streams from lab-node1"
    assert check(report, "postgresql-sync-standby")["message"] == (
        "pgsqld: asynchronous replication on lab-node1 (synchronous_standby_names empty): not applicable")
    assert check(report, "postgresql-lag")["message"] == (
        "pgsqld: lab-node2 0 B / 0.0 s behind lab-node1 (thresholds 16.0 MiB, 30 s)")
    assert check(report, "postgresql-promotable")["message"] == "pgsqld: lab-node2 promotable (lab-node2 1000)"


@pytest.mark.parametrize("with_xml", [True, False])
def test_not_applicable_without_pgsqlms(with_xml):
    # without the CIB's XML (a caller that gives only the exported configuration) the configuration tells
    root = lab_root() if with_xml else None
    report = run_checks(lab_status(), lab_config(), lab_facts(), {"token_ms": 3650}, cib_root=root, now=NOW)
    for cid in PG_CHECKS:
        c = check(report, cid)
        assert c["status"] == "pass"
        assert c["message"] == "no PostgreSQL resource (ocf:heartbeat:pgsqlms) in the configuration: not applicable"


def test_skipped_without_the_cib_or_the_facts():
    report = run_checks(lab_status(), None, pg_facts(), {}, cib_root=None, now=NOW)
    assert all(check(report, c)["status"] == "skip" for c in PG_CHECKS)
    report = run(nodes=lab_facts())
    assert check(report, "postgresql-primary")["message"] == "no node reported its PostgreSQL instances (cluster_node_facts)"


def test_no_primary():
    report = run(nodes=pg_facts(node1=fact("stopped", rc=2)), status=promoted_status(promoted=(), vip=()))
    c = check(report, "postgresql-primary")
    assert c["status"] == "fail" and c["severity"] == "critical"
    assert c["message"] == "pgsqld has no primary: stopped on lab-node1, in recovery on lab-node2, absent on lab-node3"
    assert c["objects"] == ["pgsqld-clone"]
    assert "crm_resource --why -r pgsqld-clone" in c["remedy"]
    for cid in PG_CHECKS[1:]:
        assert check(report, cid)["status"] == "skip"
        assert check(report, cid)["message"] == "pgsqld has no primary (see postgresql-primary)"
    assert any(r.startswith("postgresql-primary failed") for r in gate(promoted_status(), report))


def test_two_primaries_is_split_brain():
    report = run(nodes=pg_facts(node2=primary()))
    c = check(report, "postgresql-primary")
    assert c["message"] == ("pgsqld runs as a primary on lab-node1, lab-node2: 2 databases accept writes and diverge "
                            "(split brain)")
    assert c["objects"] == ["pgsqld-clone", "lab-node1", "lab-node2"]
    assert c["remedy"].splitlines()[0] == ("runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "
                                           "/etc/postgresql/15/main stop -m fast  # on lab-node2: the primary Pacemaker did "
                                           "not promote")


def test_primary_where_pacemaker_did_not_promote_it_and_a_vip_elsewhere():
    report = run(status=promoted_status(promoted=("lab-node2",), vip=("lab-node2",)))
    c = check(report, "postgresql-primary")
    assert c["message"] == ("the primary of pgsqld is on lab-node1 but Pacemaker promoted it on lab-node2; pgsql-vip "
                            "(colocated with the Promoted role of pgsqld-clone) runs on lab-node2, not on the primary lab-node1")
    assert c["objects"] == ["pgsqld-clone", "lab-node1", "pgsql-vip"]
    report = run(status=promoted_status(vip=()))
    assert check(report, "postgresql-primary")["message"].startswith("pgsql-vip (colocated with the Promoted role of "
                                                                     "pgsqld-clone) runs nowhere")


def test_a_stopped_standby_is_named():
    report = run(nodes=pg_facts(node1=primary("primary-sync-standby-stopped"), node2=fact("stopped", rc=2)))
    c = check(report, "postgresql-standbys-streaming")
    assert c["status"] == "fail" and c["severity"] == "warning"
    assert c["message"] == "pgsqld: not streaming from the primary lab-node1: lab-node2 not connected: stopped"
    assert c["objects"] == ["lab-node2"]
    assert c["remedy"].splitlines()[0].startswith("crm_resource --cleanup -r pgsqld-clone -N lab-node2")
    # synchronous_standby_names FIRST 1 (pgcap2, pgcap3) and nobody to confirm: writes hang
    s = check(report, "postgresql-sync-standby")
    assert s["status"] == "fail" and s["severity"] == "critical"
    assert s["message"] == ("pgsqld: synchronous_standby_names 'FIRST 1 (pgcap2, pgcap3)' on lab-node1 wants 1 "
                            "synchronous standby(s), 0 streams as one: every commit on lab-node1 waits; no node of the "
                            "cluster is named pgcap2, pgcap3")
    assert "ALTER SYSTEM SET synchronous_standby_names = '\\'''\\''" in s["remedy"]
    assert check(report, "postgresql-lag")["message"] == (
        "pgsqld: no standby connected to lab-node1 (see postgresql-standbys-streaming)")


def test_a_standby_whose_receiver_is_gone():
    report = run(nodes=pg_facts(node1=primary("primary-sync-standby-stopped"), node2=fact("standby-primary-down")))
    assert check(report, "postgresql-standbys-streaming")["message"].endswith(
        "lab-node2 not connected: in recovery with no WAL receiver (it cannot reach the primary)")


@pytest.mark.parametrize("name,sync_state", [("primary-sync", "sync"), ("primary-quorum", "quorum")])
def test_synchronous_standby_present(name, sync_state):
    node1 = primary(name)
    node1["synchronous_standby_names"] = node1["synchronous_standby_names"].replace("pgcap2", "lab-node2")
    c = check(run(nodes=pg_facts(node1=node1)), "postgresql-sync-standby")
    assert c["status"] == "pass"
    assert c["message"].endswith("on lab-node1: lab-node2 %s" % sync_state)


def test_lag_in_bytes():
    c = check(run(nodes=pg_facts(node1=primary("primary-lagging"), node2=fact("standby-paused"))), "postgresql-lag")
    assert c["status"] == "fail" and c["severity"] == "warning"
    assert c["message"] == "pgsqld: lab-node2 49.2 MiB / 28.4 s behind the primary lab-node1 (thresholds 16.0 MiB, 30 s)"
    assert c["objects"] == ["lab-node2"]


def test_lag_in_seconds(monkeypatch):
    monkeypatch.setattr(postgresql, "LAG_S", 5)
    c = check(run(nodes=pg_facts(node1=primary("primary-after-lag"))), "postgresql-lag")
    assert c["status"] == "fail"
    assert c["message"] == "pgsqld: lab-node2 0 B / 7.2 s behind the primary lab-node1 (thresholds 16.0 MiB, 5 s)"


def test_lag_above_pafs_maxlag():
    root = paf_cib()
    params = root.find(".//primitive[@id='pgsqld']/instance_attributes")
    params.append(params[0].__class__("nvpair", {"id": "pgsqld-maxlag", "name": "maxlag", "value": "1048576"}))
    c = check(run(root=root, nodes=pg_facts(node1=primary("primary-lagging"))), "postgresql-lag")
    assert "(above maxlag 1048576: PAF will not promote it)" in c["message"]


def test_the_facts_are_not_changed():
    nodes = pg_facts()
    before = copy.deepcopy(nodes)
    run(nodes=nodes)
    assert nodes == before


@pytest.mark.parametrize("attributes, shown", [
    ({}, "lab-node2 without a score"),
    ({"master-pgsqld": "-1"}, "lab-node2 at -1"),
    ({"master-pgsqld": "-INFINITY"}, "lab-node2 at -1000000"),
])
def test_a_standby_without_a_positive_promotion_score(attributes, shown):
    """Right after a promotion, until PAF's monitor on the new primary ran, or a standby that does not stream."""
    status = promoted_status()
    status["node_attributes"]["lab-node2"] = attributes
    c = check(run(status=status), "postgresql-promotable")
    assert (c["status"], c["severity"]) == ("fail", "warning")
    assert c["message"] == ("pgsqld: lab-node2 cannot be promoted (%s); if the primary lab-node1 fails now, no instance is "
                            "promoted" % shown)
    assert c["objects"] == ["pgsqld-clone", "lab-node2"]
    assert c["remedy"].splitlines()[0].startswith("crm_mon -1 -A  # master-pgsqld per node")


def test_promotable_is_unknown_without_pacemaker():
    status = promoted_status()
    status["stack"]["pacemaker"] = False
    c = check(run(status=status), "postgresql-promotable")
    assert c["status"] == "skip"


def test_promotion_score_reads_numbers_and_infinity():
    from ansible_collections.clusterops.ha.plugins.module_utils.postgresql import promotion_score
    assert promotion_score({"master-pgsqld": "1001"}, "pgsqld") == 1001
    assert promotion_score({"master-pgsqld": "+INFINITY"}, "pgsqld") == 1000000
    assert promotion_score({"master-pgsqld": "-1"}, "pgsqld") == -1
    assert promotion_score({"master-other": "5"}, "pgsqld") is None
    assert promotion_score({"master-pgsqld": "high"}, "pgsqld") is None
