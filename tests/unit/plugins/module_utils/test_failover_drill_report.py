# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/failover_drill_report.py: the report for people
(the drill lab's captures, fixtures/drill: drill_lab.py)."""

from __future__ import annotations

import json
import re

from drill_lab import T, crash_drill, crash_fences, crash_journal, crash_samples, evaluate

from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_observe as drill_observe
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_report as drill_report
from ansible_collections.clusterops.ha.plugins.module_utils import report_html
from ansible_collections.clusterops.ha.plugins.module_utils.timeline import iso_time


# ---------------------------------------------------------------------------------------------
# report


def lab_report():
    d = crash_drill()
    d["result"] = evaluate(d, crash_samples(), fences=crash_fences())
    d["settled_s"] = 21.3
    d["fault_at"] = T
    d["log_lines"] = drill_observe.relevant_lines(crash_journal(), ["site-vip", "site-nginx"], "fx-node2", limit=10) + [
        "a line with ``` inside"]
    return {"cluster": "lab", "started": "2026-11-25T04:29:50Z", "threshold": 1.5, "verdict": d["result"]["verdict"],
            "drills": [d]}


def test_render_markdown_of_a_crash_drill():
    report = lab_report()
    md = drill_report.render_markdown(report)
    lines = md.splitlines()
    assert lines[0] == "# Failover drills: lab"
    assert "Run 2026-11-25T04:29:50Z; threshold 1.5 x expected; verdict **pass**." in lines
    header = "| drill | service | expected s | limit s | cluster s | client s | client failures | verdict |"
    i = lines.index(header)
    assert lines[i + 1] == "|---|---|---:|---:|---:|---:|---:|---|"
    assert lines[i + 2] == "| 01-crash | site-vip | 19.8 | 29.7 | 10.2 | - | 0 | pass |"
    assert lines[i + 3] == "| 01-crash | app-clone | 0.0 | 0.0 | 0.0 | - | 0 | pass |"
    assert lines[i + 4] == "| 01-crash | lb-haproxy-clone | 0.0 | 0.0 | 0.0 | - | 0 | pass |"
    assert lines[i + 5] == ""
    assert "## 01-crash: crash fx-node2" in lines
    assert "Verdict **pass**. Settled 21.3 s after the fault; restore: start fx-node2 again if fencing did not, wait until it rejoins, clean up." in lines
    assert "| invariant | holds | detail |" in lines
    assert any(ln.startswith("| The cut-off node was fenced or stopped its resources before a takeover | yes | fenced 9.2 s")
               for ln in lines)
    assert "Expected for site-vip: 19.8 s (worst case 149.0 s)" in lines
    assert "- token (effective, 3650 ms): 3.65 s" in lines
    assert "- fence action of fence-docker (failover_drill_fence_action_seconds): 10 s" in lines
    # The log lines in a code block, the fence of the block itself defused.
    start = lines.index("```")
    end = lines.index("```", start + 1)
    assert lines[start - 2] == "Log lines (seconds after the fault, then the time in UTC):"
    shown = lines[start + 1:end]
    assert shown[-1] == "a line with ''' inside"
    # No raw epoch: each journal line says when relative to the fault, then in ISO 8601 with the zone.
    raw = report["drills"][0]["log_lines"][:-1]
    assert len(shown) == len(raw) + 1
    for mine, orig in zip(shown, raw):
        if orig.startswith("..."):
            assert mine == orig
            continue
        epoch, rest = orig.split(" ", 1)
        assert mine == drill_report.readable_log_line(orig, T) and mine.endswith(" " + rest)
        assert not re.search(r"\b1[0-9]{9}\.", mine), mine
    assert "Fault at 2026-11-25T04:29:51.800+00:00." in lines
    assert md.endswith("```\n")


def test_log_lines_for_people():
    line = "1795580993.412414 fx-node1 corosync[842]:   [KNET  ] link: host: 2 link: 0 is down"
    assert iso_time(1795580993.412414) == "2026-11-25T04:29:53.412+00:00"
    assert drill_report.readable_log_line(line, 1795580991.8) == (
        "+1.61 s 2026-11-25T04:29:53.412+00:00 fx-node1 corosync[842]:   [KNET  ] link: host: 2 link: 0 is down")
    # before the fault: a minus sign; without a fault time: the absolute time only
    assert drill_report.readable_log_line(line, 1795580994.0).startswith("-0.59 s 2026-11-25T04:29:53.412+00:00 fx-node1")
    assert drill_report.readable_log_line(line).startswith("2026-11-25T04:29:53.412+00:00 fx-node1 corosync[842]")
    # not a short-unix line: as it is
    for other in ("... 3 lines left out ...", "a line with ``` inside", "", "12 fx-node1 short"):
        assert drill_report.readable_log_line(other, 1795580991.8) == other


def test_render_markdown_invariant_states_and_escaping():
    report = {"cluster": "a|b", "threshold": 2, "verdict": "fail", "drills": [{
        "id": "x|1", "description": "kill | all", "restore": "r", "settled_s": None,
        "expected": {}, "result": {"verdict": "fail", "services": [
            {"service": "svc|1", "expected_s": 1.0, "limit_s": 2.0, "cluster_s": None, "client_s": 3.5,
             "client_failures": 4, "verdict": "fail"}],
            "invariants": [{"title": "holds", "ok": True, "detail": ["a"]},
                           {"title": "broken|one", "ok": False, "detail": ["b|c", "d\ne"]},
                           {"title": "unknown", "ok": None, "detail": []}]}}]}
    lines = drill_report.render_markdown(report).splitlines()
    assert lines[0] == "# Failover drills: a\\|b"
    assert "Run -; threshold 2 x expected; verdict **fail**." in lines
    assert "| x\\|1 | svc\\|1 | 1.0 | 2.0 | - | 3.5 | 4 | fail |" in lines
    assert "## x\\|1: kill \\| all" in lines
    assert "Verdict **fail**. Settled - s after the fault; restore: r." in lines
    assert "| holds | yes | a |" in lines
    assert "| broken\\|one | **no** | b\\|c; d e |" in lines
    assert "| unknown | unverified |  |" in lines
    assert "Log lines:" not in lines


def test_render_markdown_of_a_drill_without_result():
    report = {"drills": [{"id": "01-hang", "description": "hang fx-node2", "restore": "resume"}]}
    lines = drill_report.render_markdown(report).splitlines()
    assert lines[0] == "# Failover drills: cluster"
    assert "| 01-hang | - | - | - | - | - | - | - |" in lines
    assert "Verdict **-**. Settled - s after the fault; restore: resume." in lines


def test_render_markdown_shows_the_writes_per_drill():
    ok = {"acknowledged": 120, "found": 120, "lost": 0, "lost_ids": [], "without_writes_s": 5.43, "error": None}
    lost = {"acknowledged": 80, "found": 78, "lost": 2, "lost_ids": [41, 42], "without_writes_s": 12.0, "error": None}
    unknown = {"acknowledged": 10, "found": None, "lost": None, "lost_ids": [], "without_writes_s": 3.0,
               "error": "no read-back: the client wrote no summary"}
    report = {"threshold": 1.5, "drills": [
        {"id": "01-move", "result": {"services": [{"service": "pgsql-vip", "writes": ok}, {"service": "app-clone", "writes": None}]}},
        {"id": "02-crash", "result": {"services": [{"service": "pgsql-vip", "writes": lost}]}},
        {"id": "03-hang", "result": {"services": [{"service": "pgsql-vip", "writes": unknown}]}}]}
    lines = drill_report.render_markdown(report).splitlines()
    i = lines.index("| drill | service | acknowledged | found | lost | without writes s |")
    assert lines[i + 2:i + 5] == ["| 01-move | pgsql-vip | 120 | 120 | 0 | 5.4 |", "| 02-crash | pgsql-vip | 80 | 78 | **2** | 12.0 |",
                                  "| 03-hang | pgsql-vip | 10 | unknown | unknown | 3.0 |"]
    assert "Writes to pgsql-vip: 120 acknowledged, 120 found afterwards, 0 lost; 5.4 s without an acknowledged write " \
           "(no writable primary)." in lines
    assert "Writes to pgsql-vip: 80 acknowledged, 78 found afterwards, **2** lost (ids 41, 42); 12.0 s without an " \
           "acknowledged write (no writable primary)." in lines
    assert "Writes to pgsql-vip: 10 acknowledged, found and lost unknown (no read-back: the client wrote no summary); " \
           "3.0 s without an acknowledged write (no writable primary)." in lines
    # Without a writer, no writes table.
    assert "| drill | service | acknowledged | found | lost | without writes s |" not in drill_report.render_markdown(lab_report())


def test_report_texts_are_every_file_of_the_report():
    report = lab_report()
    texts, markdown = drill_report.report_texts(report, "drills")
    assert sorted(texts) == ["drills-01-crash.svg", "drills.html", "drills.json", "drills.md"]
    assert texts["drills.md"] == markdown == drill_report.render_markdown(report, {"01-crash": "drills-01-crash.svg"})
    assert json.loads(texts["drills.json"]) == json.loads(json.dumps(report)) and texts["drills.json"].endswith("}\n")
    assert texts["drills-01-crash.svg"] == drill_report.timeline_files(report, "drills")["drills-01-crash.svg"]
    assert texts["drills.html"] == report_html.page("Failover drills: lab", markdown, {
        "drills-01-crash.svg": texts["drills-01-crash.svg"]})
    # A drill without a timeline has no picture, and the Markdown does not point at one.
    del report["drills"][0]["result"]["timeline"]
    texts, markdown = drill_report.report_texts(report, "drills")
    assert sorted(texts) == ["drills.html", "drills.json", "drills.md"]
    assert "![timeline" not in markdown
