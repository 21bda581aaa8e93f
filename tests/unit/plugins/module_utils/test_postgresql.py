# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for postgresql: psql's real outputs (fixtures/postgresql, README there), the CIB reading, the seam."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

import pytest

from conftest import FIXTURES, FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils import postgresql as pg

# The CIB the postgresql_ha role writes (resource ids are the operator's choice), inside the lab's CIB.
PAF_RESOURCES = """
<resources>
  <clone id="pgsqld-clone">
    <meta_attributes id="pgsqld-clone-meta">
      <nvpair id="pgsqld-clone-promotable" name="promotable" value="true"/>
      <nvpair id="pgsqld-clone-notify" name="notify" value="true"/>
    </meta_attributes>
    <primitive id="pgsqld" class="ocf" provider="heartbeat" type="pgsqlms">
      <instance_attributes id="pgsqld-params">
        <nvpair id="pgsqld-bindir" name="bindir" value="/usr/lib/postgresql/15/bin"/>
        <nvpair id="pgsqld-pgdata" name="pgdata" value="/etc/postgresql/15/main"/>
        <nvpair id="pgsqld-datadir" name="datadir" value="/var/lib/postgresql/15/main"/>
        <nvpair id="pgsqld-pghost" name="pghost" value="/var/run/postgresql"/>
      </instance_attributes>
    </primitive>
  </clone>
  <primitive id="pgsql-vip" class="ocf" provider="heartbeat" type="IPaddr2">
    <instance_attributes id="pgsql-vip-params"><nvpair id="pgsql-vip-ip" name="ip" value="172.18.0.100"/></instance_attributes>
  </primitive>
</resources>
"""
PAF_CONSTRAINTS = """
<constraints>
  <rsc_colocation id="vip-with-primary" rsc="pgsql-vip" with-rsc="pgsqld-clone" with-rsc-role="Promoted" score="INFINITY"/>
  <rsc_order id="vip-after-promote" first="pgsqld-clone" first-action="promote" then="pgsql-vip" then-action="start"/>
</constraints>
"""


def paf_cib(base="cib.lab.xml"):
    """The lab's CIB (fixtures/health) with the PAF resources and constraints added."""
    root = ET.fromstring(fixture_text("health", base))
    config = root.find("configuration")
    for section, text in (("resources", PAF_RESOURCES), ("constraints", PAF_CONSTRAINTS)):
        target = config.find(section)
        for el in ET.fromstring(text):
            target.append(el)
    return root


def out(name):
    return fixture_text("postgresql", "state.%s.stdout" % name)


def err(name):
    return fixture_text("postgresql", "state.%s.stderr" % name)


INSTANCE = pg.instances(paf_cib())[0]


def psql_runner(rc=0, stdout="", stderr=""):
    runner = FakeRunner()
    runner.add(["runuser"], rc=rc, stdout=stdout, stderr=stderr)
    return runner


def fact(name, rc=0):
    """read_instance of INSTANCE answered by a captured output."""
    path = os.path.join(FIXTURES, "postgresql", "state.%s.stdout" % name)
    stdout = out(name) if os.path.exists(path) else ""
    path = os.path.join(FIXTURES, "postgresql", "state.%s.stderr" % name)
    stderr = err(name) if os.path.exists(path) else ""
    return pg.read_instance(psql_runner(rc, stdout, stderr), INSTANCE)


class TestInstances:
    def test_found_by_agent_with_pafs_defaults(self):
        assert pg.instances(paf_cib()) == [{
            "id": "pgsqld", "clone": "pgsqld-clone", "promotable": True, "system_user": "postgres",
            "bindir": "/usr/lib/postgresql/15/bin", "pgdata": "/etc/postgresql/15/main",
            "datadir": "/var/lib/postgresql/15/main", "pghost": "/var/run/postgresql", "pgport": 5432, "maxlag": 0}]

    def test_defaults_of_paf_2_3_and_empty_values(self):
        root = ET.fromstring('<cib><configuration><resources><primitive id="db" class="ocf" provider="heartbeat" '
                             'type="pgsqlms"><instance_attributes id="a"><nvpair id="b" name="pghost" value=""/>'
                             '<nvpair id="c" name="pgport" value="5433"/><nvpair id="d" name="maxlag" value="1048576"/>'
                             '</instance_attributes></primitive></resources></configuration></cib>')
        (i,) = pg.instances(root)
        assert (i["clone"], i["promotable"], i["pghost"], i["pgport"], i["maxlag"], i["bindir"], i["datadir"]) == (
            None, False, "/var/run/postgresql", 5433, 1048576, "/usr/bin", "/var/lib/pgsql/data")

    def test_none_in_the_lab_or_without_a_cib(self):
        assert pg.instances(ET.fromstring(fixture_text("health", "cib.lab.xml"))) == []
        assert pg.instances(None) == []

    def test_the_writable_vip_either_way_round(self):
        root = paf_cib()
        assert pg.writable_vips(root, INSTANCE) == ["pgsql-vip"]
        c = root.find("configuration/constraints/rsc_colocation[@id='vip-with-primary']")
        c.attrib.clear()
        c.attrib.update({"id": "x", "rsc": "pgsqld-clone", "rsc-role": "Master", "with-rsc": "pgsql-vip", "score": "+INFINITY"})
        assert pg.writable_vips(root, INSTANCE) == ["pgsql-vip"]
        c.set("score", "500")
        assert pg.writable_vips(root, INSTANCE) == []

    def test_read_cib_falls_back_to_the_file(self, tmp_path):
        path = tmp_path / "cib.xml"
        path.write_text(ET.tostring(paf_cib(), encoding="unicode"))
        down = FakeRunner()
        down.add(["cibadmin"], rc=102, stderr="Could not connect to the CIB: Transport endpoint is not connected\n")
        assert [i["id"] for i in pg.instances(pg.read_cib(down, str(path)))] == ["pgsqld"]
        assert pg.read_cib(down, str(tmp_path / "none.xml")) is None


class TestParseState:
    def test_primary_with_an_async_standby(self):
        s = pg.parse_state(out("primary-async"))
        assert s == {"server_version_num": 150018, "in_recovery": False, "synchronous_standby_names": "",
                     "wal_receiver": None,
                     "replication": [{"application_name": "pgcap2", "client_addr": "172.18.0.3", "state": "streaming",
                                      "sync_state": "async", "sync_priority": 0, "lag_bytes": 0,
                                      "replay_lag_s": 0.023229}]}

    def test_standby(self):
        s = pg.parse_state(out("standby"))
        assert s["in_recovery"] is True and s["replication"] == []
        assert s["wal_receiver"] == {"status": "streaming", "sender_host": "pgcap1", "sender_port": 5432, "slot_name": None}

    def test_sync_and_quorum(self):
        assert pg.parse_state(out("primary-sync"))["replication"][0]["sync_state"] == "sync"
        q = pg.parse_state(out("primary-quorum"))
        assert q["synchronous_standby_names"] == "ANY 1 (pgcap2, pgcap3)"
        assert q["replication"][0]["sync_state"] == "quorum" and q["replication"][0]["replay_lag_s"] is None

    def test_lagging(self):
        (r,) = pg.parse_state(out("primary-lagging"))["replication"]
        assert (r["lag_bytes"], r["replay_lag_s"]) == (51599872, 28.382626)
        assert isinstance(r["lag_bytes"], int)

    def test_no_standby_and_no_receiver(self):
        assert pg.parse_state(out("primary-sync-standby-stopped"))["replication"] == []
        s = pg.parse_state(out("standby-primary-down"))
        assert s["in_recovery"] is True and s["wal_receiver"] is None

    @pytest.mark.parametrize("text", ["", "\n", "not json\n", "[1]\n", '{"in_recovery": "t"}\n',
                                      '{"in_recovery": false, "replication": [{"lag_bytes": "x"}]}\n',
                                      '{"in_recovery": false}\n{"in_recovery": true}\n'])
    def test_anything_else_is_refused(self, text):
        with pytest.raises(pg.PostgresqlParseError):
            pg.parse_state(text)


class TestParsePsqlError:
    def test_stopped(self):
        state, message = pg.parse_psql_error(2, err("stopped"))
        assert state == "stopped"
        assert message == ('psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
                           'No such file or directory')

    def test_a_wrong_socket_directory_looks_stopped_and_says_where(self):
        state, message = pg.parse_psql_error(2, err("wrong-host"))
        assert state == "stopped" and '"/tmp/.s.PGSQL.5432"' in message

    def test_no_psql_or_no_user_is_absent(self):
        assert pg.parse_psql_error(1, err("no-psql")) == (
            "absent", "runuser: failed to execute /usr/lib/postgresql/14/bin/psql: No such file or directory")
        assert pg.parse_psql_error(1, err("no-user"))[0] == "absent"

    def test_anything_else_is_an_error(self):
        assert pg.parse_psql_error(2, 'psql: error: connection to server on socket "/x/.s.PGSQL.5432" failed: FATAL:  '
                                      'role "postgres" does not exist\n')[0] == "error"
        assert pg.parse_psql_error(1, "") == ("error", "psql ended with rc=1 and no message")


class TestSyncNames:
    @pytest.mark.parametrize("text,expected", [
        ("", None), ("  ", None),
        ("FIRST 1 (pgcap2, pgcap3)", {"method": "first", "num": 1, "names": ["pgcap2", "pgcap3"]}),
        ("ANY 2 (a, \"B\")", {"method": "any", "num": 2, "names": ["a", "B"]}),
        ("2 (a, b, c)", {"method": "first", "num": 2, "names": ["a", "b", "c"]}),
        ("Node2, node3", {"method": "first", "num": 1, "names": ["node2", "node3"]}),
        ("*", {"method": "first", "num": 1, "names": ["*"]}),
    ])
    def test_as_postgresql_reads_it(self, text, expected):
        assert pg.parse_sync_names(text) == expected

    def test_matches(self):
        assert pg.sync_name_matches("*", "x") and pg.sync_name_matches("node2", "Node2")
        assert not pg.sync_name_matches("B", "b")


class TestReadLocal:
    def test_the_one_call(self):
        runner = psql_runner(stdout=out("primary-async"))
        facts = pg.read_local(runner, paf_cib())
        (call,) = runner.calls
        assert call["argv"][:5] == ["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/psql"]
        assert call["argv"][5:18] == ["-X", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1", "-h", "/var/run/postgresql",
                                      "-p", "5432", "-d", "postgres", "-c"]
        assert call["argv"][18] == pg.STATE_QUERY
        assert call["env"]["PGCONNECT_TIMEOUT"] == "5" and call["timeout"] == pg.CALL_TIMEOUT_S
        assert facts["pgsqld"]["state"] == "running" and facts["pgsqld"]["in_recovery"] is False
        assert facts["pgsqld"]["pghost"] == "/var/run/postgresql" and facts["pgsqld"]["error"] is None

    def test_a_stopped_instance_is_a_fact(self):
        f = fact("stopped", rc=2)
        assert f["state"] == "stopped" and f["in_recovery"] is None and f["replication"] is None
        assert f["error"].startswith("psql: error: connection to server on socket")

    def test_no_postgresql_on_the_node(self):
        assert fact("no-psql", rc=1)["state"] == "absent"
        assert pg.read_instance(FakeRunner(), INSTANCE)["state"] == "absent"  # no runuser at all

    def test_output_it_cannot_read_is_an_error(self):
        f = pg.read_instance(psql_runner(stdout="garbage\n"), INSTANCE)
        assert f["state"] == "error" and "not JSON" in f["error"]

    def test_nothing_without_pgsqlms(self):
        runner = FakeRunner()
        runner.add(["cibadmin", "--query"], stdout=fixture_text("health", "cib.lab.xml"))
        assert pg.read_local(runner) is None
        assert [c["argv"][0] for c in runner.calls] == ["cibadmin"]


class TestReadingTheFacts:
    """The readers health_postgresql.py's checks and cluster_doc_storage.py's storage section share."""

    def test_primaries_and_the_standby_row(self):
        primary, standby = fact("primary-async"), fact("standby")
        assert pg.primaries({"n2": standby, "n1": primary, "n3": fact("stopped", rc=2)}) == ["n1"]
        assert pg.standby_row(primary, "PGCAP2")["state"] == "streaming"
        assert pg.standby_row(primary, "pgcap3") is None and pg.standby_row(standby, "pgcap2") is None

    def test_why_not_streaming(self):
        assert pg.why_not_streaming(fact("stopped", rc=2)) == "stopped"
        assert pg.why_not_streaming(fact("primary-async")) == "a primary itself"
        assert pg.why_not_streaming(fact("standby-primary-down")) == (
            "in recovery with no WAL receiver (it cannot reach the primary)")

    def test_sizes_and_lag(self):
        assert [pg.size_text(v) for v in (None, 0, 1023, 1024, 51599872)] == [
            "an unknown amount", "0 B", "1023 B", "1.0 KiB", "49.2 MiB"]
        row = fact("primary-lagging")["replication"][0]
        assert pg.lag_text(row) == "49.2 MiB / 28.4 s"
        assert pg.lag_text({"lag_bytes": 0, "replay_lag_s": None}) == "0 B"

    def test_behind_and_the_documentation_s_summary(self):
        lagging = fact("primary-lagging")["replication"][0]
        assert pg.behind(lagging) is True and pg.lag_summary(lagging) == "49.2 MiB / 28.4 s"
        for row in ({"lag_bytes": 0, "replay_lag_s": None}, {"lag_bytes": 904, "replay_lag_s": 0.002},
                    {"lag_bytes": pg.LAG_BYTES, "replay_lag_s": pg.LAG_S}):
            assert pg.behind(row) is False and pg.lag_summary(row) == "under 16.0 MiB / 30 s", row
        # Over in seconds alone is behind; unknown bytes are said, not hidden under "under".
        assert pg.behind({"lag_bytes": 0, "replay_lag_s": 31.0}) is True
        assert pg.lag_summary({"lag_bytes": None, "replay_lag_s": None}) == "an unknown amount"
