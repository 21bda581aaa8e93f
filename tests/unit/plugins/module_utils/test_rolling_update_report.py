# -*- coding: utf-8 -*-
"""The rolling update's report from the moments a real run recorded (fixtures/rolling_update/run.events.jsonl):
the numbers per node, the timeline's lanes, the Markdown; and a run that stopped half-way.
docs/examples/rolling-update/ is what this code makes of that run (REGEN_DOC_EXAMPLES=1 writes it again)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import FIXTURES, check_docs_example

from ansible_collections.clusterops.ha.plugins.module_utils import report_html
from ansible_collections.clusterops.ha.plugins.module_utils import rolling_update as ru
from ansible_collections.clusterops.ha.plugins.module_utils import timeline as tl

ORDER = ["lab-node2", "lab-node3", "lab-node1"]


def events():
    with open(os.path.join(FIXTURES, "rolling_update", "run.events.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def stopped_run():
    """The same run, stopped while lab-node3 was updated (as node.yml's rescue records it)."""
    evs = [e for e in events() if e["at"] <= 1796379870.855 + 40 and e["event"] != "finish"]
    evs = [e for e in evs if not (e.get("node") == "lab-node3" and e["event"] in ("updated", "started", "done"))]
    evs.append({"at": 1796379900.5, "event": "failed", "node": "lab-node3", "roles": None,
                "message": "Apply | the updates: E: Sub-process /usr/bin/dpkg returned an error code (1)"})
    return evs


def test_the_recorded_moments_are_readable():
    assert ru.event_errors(events()) == []


@pytest.mark.parametrize("change,message", [
    (lambda e: e[1].update(event="rebooting"), "events[1].event: 'rebooting' is not one of start, node,"),
    (lambda e: e[1].update(node=None), "events[1].node: a node moment names its node"),
    (lambda e: e[2].update(at="soon"), "events[2].at: must be a number"),
    (lambda e: e[0].update(roles={"lab-node1": {"active": "site-vip"}}), "events[0].roles.lab-node1.active: must be a list"),
])
def test_bad_moments_are_named(change, message):
    evs = events()
    change(evs)
    assert any(m.startswith(message) for m in ru.event_errors(evs)), ru.event_errors(evs)


def test_summary_of_the_run():
    info = ru.summarize(events())
    assert info["verdict"] == "done" and info["failure"] is None
    assert info["total_s"] == 167.32
    assert [n["node"] for n in info["nodes"]] == ORDER
    first = info["nodes"][0]
    assert (first["drain_s"], first["update_s"], first["rejoin_s"], first["total_s"]) == (5.68, 32.34, 6.11, 56.69)
    assert all(n["done"] and not n["failed"] and not n["stack_stopped"] for n in info["nodes"])


def test_summary_of_a_stopped_run():
    info = ru.summarize(stopped_run())
    assert info["verdict"] == "stopped"
    assert info["failure"].startswith("Apply | the updates: E: Sub-process")
    assert [n["node"] for n in info["nodes"]] == ["lab-node2", "lab-node3"]
    third = info["nodes"][1]
    assert third["failed"] and not third["done"] and third["update_s"] is None and third["total_s"] is None
    assert ru.summarize(events()[:5])["verdict"] == "incomplete"


def test_timeline_lanes_and_marks():
    t = ru.build_timeline(events(), "lab")
    assert tl.errors(t) == []
    nodes = [ln for ln in t["lanes"] if ln["group"] == "node"]
    assert [ln["name"] for ln in nodes] == ORDER
    first = [(sp["kind"], sp.get("label")) for sp in nodes[0]["spans"]]
    # serving, the gate, standby while its services move away and while updated (stack running), rejoining
    # (still in standby: its stack never stopped), the gate after it, serving again
    assert first == [("quorate", None), ("phase", "gate"), ("standby", "moving services away"), ("standby", "updating"),
                     ("standby", "rejoining"), ("phase", "gate"), ("quorate", None)]
    assert nodes[0]["spans"][2]["from"] == 4.89 and nodes[0]["spans"][3]["from"] == 10.57
    services = dict((ln["name"], ln["spans"]) for ln in t["lanes"] if ln["group"] == "service")
    assert sorted(services) == ["app-clone", "lb-haproxy-clone", "lb-vip", "site-nginx", "site-vip"]
    assert [(sp["kind"], sp.get("label")) for sp in services["site-vip"]] == [("runs", "lab-node1"), ("runs", "lab-node3")]
    # the clone on two of three nodes at each moment that says where it runs while a node is out (this run's
    # done moments carry no placements), on all three at the finish
    assert [(sp["kind"], sp["from"]) for sp in services["app-clone"]] == [
        ("runs", 0.0), ("degraded", 10.57), ("degraded", 70.17), ("degraded", 122.72), ("runs", 167.32)]
    assert services["app-clone"][2]["label"] == "lab-node1, lab-node2"
    assert t["end_s"] == 170.67  # a little after the finish, so that its mark shows
    marks = [(m["kind"], m["s"]) for m in t["marks"]]
    assert marks == [("event", 57.47), ("event", 112.46), ("event", 162.62), ("settled", 167.32)]


def test_timeline_of_a_stopped_run_marks_the_failure():
    t = ru.build_timeline(stopped_run(), "lab")
    fault = [m for m in t["marks"] if m["kind"] == "fault"]
    assert fault and fault[0]["label"].startswith("stopped at lab-node3: Apply | the updates")
    third = next(ln for ln in t["lanes"] if ln["name"] == "lab-node3")
    assert third["spans"][-1]["kind"] == "silent" and third["spans"][-1]["label"] == "stopped here"


def test_with_the_stack_stopped_the_rejoin_is_grey():
    evs = copy.deepcopy(events())
    evs.append({"at": 1796379845.0, "event": "stack-stopped", "node": "lab-node2", "roles": None, "message": None})
    t = ru.build_timeline(evs, "lab")
    first = next(ln for ln in t["lanes"] if ln["name"] == "lab-node2")
    assert [(sp["kind"], sp.get("label")) for sp in first["spans"]][3:6] == [
        ("standby", "updating"), ("stack-down", "updating, stack stopped"), ("stack-down", "rejoining")]
    assert ru.summarize(evs)["nodes"][0]["stack_stopped"] is True


def test_markdown():
    md = ru.render_markdown({"cluster": "lab", "events": events(), "release": ""}, "lab-run.svg")
    lines = md.splitlines()
    assert lines[0] == "# Rolling update: lab"
    assert "Started 2026-12-04T10:23:47.948+00:00; took 167.3 s; verdict **done**." in lines
    assert "| 1 | lab-node2 | 5.7 | 32.3 | 6.1 | 56.7 | no | done |" in lines
    assert "![timeline of the rolling update](lab-run.svg)" in lines
    assert "   +57.47 s 2026-12-04T10:24:45.421+00:00 done lab-node2" in lines
    stopped = ru.render_markdown({"cluster": "lab", "events": stopped_run()})
    assert "verdict **stopped** (Apply | the updates: E: Sub-process /usr/bin/dpkg returned an error code (1))." in stopped
    assert "| 2 | lab-node3 | 6.2 | - | - | - | no | **stopped here** |" in stopped.splitlines()
    # a long failure (a gate's whole table) is cut in the verdict line and given whole below
    evs = stopped_run()
    evs[-1]["message"] = "Gate | must pass (after lab-node3): " + "x" * 300
    long_md = ru.render_markdown({"cluster": "lab", "events": evs}).splitlines()
    verdict = [ln for ln in long_md if ln.startswith("Started ")][0]
    assert verdict.endswith("x...).") and len(verdict) < 220
    assert long_md[long_md.index("Why it stopped:") + 3] == evs[-1]["message"]


# docs/examples/rolling-update/: the report of the recorded run as the code writes it now.
def example_files():
    evs = events()
    svg = tl.render_svg(ru.build_timeline(evs, "lab"))
    md = ru.render_markdown({"cluster": "lab", "events": evs}, "lab.svg")
    return {"lab.md": md, "lab.svg": svg, "lab.html": report_html.page("Rolling update: lab", md, {"lab.svg": svg})}


def test_the_docs_example_is_what_the_code_writes():
    files = example_files()
    check_docs_example("rolling-update", files)
    ET.fromstring(files["lab.svg"].split("\n", 1)[1])
