# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the failover drills' client (roles/failover_drill/files/service_probe.py): the database writer's
URL, its numbered rows acknowledged only after the COMMIT, its read-back and what it counts as lost, with a fake
connection in place of pg8000."""

from __future__ import annotations

import json
import os

import pytest

from conftest import ROOT, load_file

PROBE = os.path.join(ROOT, "roles", "failover_drill", "files", "service_probe.py")
URL = "postgresql://app@172.31.250.102/app?table=clusterops_drill"


@pytest.fixture
def probe():
    return load_file(PROBE, "service_probe")


class FakeDatabase:
    """Rows by (run, id); fail_next: the statements that raise next (a connection cut, a read-only standby)."""

    def __init__(self):
        self.rows = set()
        self.fail_on = []
        self.statements = []
        self.connections = 0
        self.refuse_connections = 0

    def connect(self):
        if self.refuse_connections:
            self.refuse_connections -= 1
            raise ConnectionRefusedError("no primary")
        self.connections += 1
        return FakeConnection(self)


class FakeConnection:
    def __init__(self, db):
        self.db = db
        self.pending = []

    def run(self, sql, **params):
        self.db.statements.append(sql)
        for word in list(self.db.fail_on):
            if sql.startswith(word):
                self.db.fail_on.remove(word)
                raise OSError("connection lost at %s" % word)
        if sql.startswith("INSERT"):
            self.pending.append((params["run"], params["id"]))
        elif sql == "COMMIT":
            self.db.rows.update(self.pending)
            self.pending = []
        elif sql.startswith("SELECT"):
            return [[i] for r, i in sorted(self.db.rows) if r == params["run"]]
        return []

    def close(self):
        pass


def test_the_url_of_a_writer(probe):
    assert probe.parse_postgresql(URL) == {"user": "app", "host": "172.31.250.102", "port": 5432, "database": "app",
                                           "table": "clusterops_drill"}
    assert probe.parse_postgresql("postgresql://u@h:5433/d?x=1&table=t")["port"] == 5433
    for bad in ("postgresql://h/app?table=t", "postgresql://u@h/?table=t", "postgresql://u@h/app",
                "postgresql://u@h/app?table=t;drop", "postgresql://u@h/app?table=a%20b"):
        with pytest.raises(ValueError):
            probe.parse_postgresql(bad)


def test_a_write_is_acknowledged_only_when_its_commit_returned(probe):
    db = FakeDatabase()
    w = probe.Writer(URL, "secret", "run1", connect=db.connect)
    assert w.ask() == (True, None, None, 1)
    assert db.statements[0] == ('CREATE TABLE IF NOT EXISTS "clusterops_drill" (run text, id integer, '
                                'at timestamptz DEFAULT now(), PRIMARY KEY (run, id))')
    assert db.statements[1:] == ["BEGIN", 'INSERT INTO "clusterops_drill" (run, id) VALUES (:run, :id)', "COMMIT"]
    db.fail_on = ["COMMIT"]  # the primary died under the COMMIT: not acknowledged, and a new connection next
    ok, node, error, row_id = w.ask()
    assert (ok, node, row_id) == (False, None, None) and error == "OSError: connection lost at COMMIT"
    assert w.ask() == (True, None, None, 3)
    assert db.connections == 2
    assert w.acknowledged == [1, 3]
    db.fail_on = ["BEGIN"]
    db.refuse_connections = 1
    assert w.ask()[0] is False  # the connection is lost
    assert w.ask()[2] == "ConnectionRefusedError: no primary"  # no new one yet
    assert w.ask() == (True, None, None, 6)
    assert w.acknowledged == [1, 3, 6]


def test_the_read_back_finds_the_rows_and_tries_again_while_no_primary_answers(probe):
    db = FakeDatabase()
    w = probe.Writer(URL, None, "run1", connect=db.connect)
    for _i in range(3):
        w.ask()
    db.rows.discard(("run1", 2))  # the promoted standby never received it
    db.rows.add(("other-run", 1))
    clock = [0.0]
    db.refuse_connections = 2
    found, error = w.read_back(clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    assert (found, error) == ([1, 3], None)
    assert clock[0] == 4.0
    # No primary within the minute: unknown, with the last error.
    db.refuse_connections = 100
    found, error = w.read_back(clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    assert found is None and error == "ConnectionRefusedError: no primary"


def rows(times_acked):
    return [{"t": t, "name": "db", "ok": ok, "write": i if ok else None} for i, (t, ok) in enumerate(times_acked, 1)]


def test_lost_writes_and_the_time_without_writes(probe):
    lines = rows([(10.0, True), (10.2, True), (10.4, False), (16.6, False), (16.8, True), (17.0, True)])
    out = probe.lost_writes([1, 2, 5, 6], [1, 5, 6, 7], lines)
    assert out == {"acknowledged": 4, "found": 4, "lost": 1, "lost_ids": [2], "without_writes_s": 6.6, "error": None}
    # The read-back failed: unknown, never 0 lost.
    out = probe.lost_writes([1, 2, 5, 6], None, lines, "ConnectionRefusedError: no primary")
    assert (out["found"], out["lost"], out["lost_ids"], out["error"]) == (None, None, [], "ConnectionRefusedError: no primary")
    # Only the first 20 lost ids are listed.
    out = probe.lost_writes(list(range(1, 31)), [], lines)
    assert out["lost"] == 30 and out["lost_ids"] == list(range(1, 21))
    # Writes that never came back: the time without writes runs to the last request.
    assert probe.without_writes(rows([(1.0, True), (2.0, False), (9.5, False)])) == 8.5
    assert probe.without_writes(rows([(1.0, False), (3.0, False)])) == 2.0
    assert probe.without_writes([]) is None


def test_main_writes_the_summary_with_the_read_back(probe, tmp_path, monkeypatch):
    db = FakeDatabase()
    real = probe.Writer

    def writer(url, password, run):
        assert password == "secret"  # from the environment, not from argv
        return real(url, password, run, connect=db.connect)

    monkeypatch.setattr(probe, "Writer", writer)
    monkeypatch.setattr(probe, "INTERVAL", 0.0)
    out = str(tmp_path / "01-move-probe.jsonl")
    calls = []

    def stop_after_five(path):
        if path == out + ".stop":
            calls.append(1)
            return len(calls) > 6  # the first look is for a stop file left over
        return os.path.lexists(path)

    monkeypatch.setattr(probe.os.path, "exists", stop_after_five)
    assert probe.main(["service_probe.py", out, "60", "db=" + URL], environ={probe.PASSWORDS_ENV: json.dumps({"db": "secret"})}) == 0
    lines = [json.loads(ln) for ln in open(out)]
    assert [ln["write"] for ln in lines] == [1, 2, 3, 4, 5]
    summary = json.load(open(out + ".summary.json"))
    assert summary["db"]["requests"] == 5
    assert summary["db"]["run"].startswith("01-move-probe-")
    assert summary["db"]["writes"]["acknowledged"] == 5
    assert (summary["db"]["writes"]["found"], summary["db"]["writes"]["lost"]) == (5, 0)
    assert not os.path.exists(out + ".summary.json.tmp")
