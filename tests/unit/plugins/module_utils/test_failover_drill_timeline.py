# -*- coding: utf-8 -*-
"""The drills' timelines and report page, made from one whole drill run recorded on the lab
(fixtures/drill/run: the role's report and every node's samples and the client's probes, unedited).
docs/examples/failover-drill/ is what this code makes of that run (REGEN_DOC_EXAMPLES=1 writes it again)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import xml.etree.ElementTree as ET

import pytest

from conftest import FIXTURES, check_docs_example

from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_judge as drill_judge
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_report as drill_report
from ansible_collections.clusterops.ha.plugins.module_utils import report_html
from ansible_collections.clusterops.ha.plugins.module_utils import timeline as tl

RUN = os.path.join(FIXTURES, "drill", "run")
NODES = ["lab-node1", "lab-node2", "lab-node3"]
SVG = "{http://www.w3.org/2000/svg}"


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def recorded():
    with open(os.path.join(RUN, "report.json"), encoding="utf-8") as f:
        return json.load(f)


def records(d):
    samples = []
    for path in sorted(glob.glob(os.path.join(RUN, "%s-lab-node*.jsonl" % d["id"]))):
        samples.extend(jsonl(path))
    probes = {}
    for row in jsonl(os.path.join(RUN, "%s-probe.jsonl" % d["id"])):
        probes.setdefault(row["name"], []).append(row)
    return samples, probes


def evaluated(d, services):
    """evaluate() again, as the role calls it, on the run's own records."""
    samples, probes = records(d)
    return drill_judge.evaluate(d, services, samples, probes, d["fences"], d["fault_at"], d["fault_at"] + d["settled_s"],
                                d["expected"], 1.5, grace_s=d.get("grace_s"), fencing_enabled=d["fencing_enabled"])


def report_now():
    """The recorded report with each drill's result made again by today's engine."""
    rep = recorded()
    for d in rep["drills"]:
        d["result"] = evaluated(d, rep["services"])
    return rep


def drill_of(rep, kind):
    return next(d for d in rep["drills"] if d["type"] == kind)


def lane(timeline, group, name):
    return next(ln for ln in timeline["lanes"] if ln["group"] == group and ln["name"] == name)


def test_the_run_evaluates_as_it_did():
    rep = recorded()
    for d in rep["drills"]:
        result = evaluated(d, rep["services"])
        assert result["verdict"] == d["result"]["verdict"] == "pass", d["id"]
        assert [r["cluster_s"] for r in result["services"]] == [r["cluster_s"] for r in d["result"]["services"]]
        assert tl.errors(result["timeline"]) == []


def test_the_crash_timeline_tells_the_story():
    rep = report_now()
    d = drill_of(rep, "crash")
    t = d["result"]["timeline"]
    assert t["t0"] == d["fault_at"] and t["start_s"] < 0 < t["end_s"]
    assert [ln["name"] for ln in t["lanes"] if ln["group"] == "node"] == NODES
    # the victim: quorate until the fault, then silent; the quorate side counts it out from +8.93 s
    victim = lane(t, "node", "lab-node2")
    main = [sp for sp in victim["spans"] if not sp.get("band")]
    assert main[0]["kind"] == "quorate" and main[0]["to"] == pytest.approx(0.18, abs=0.6)
    assert main[-1]["kind"] == "silent"
    band = [sp for sp in victim["spans"] if sp.get("band")]
    assert band and band[0]["kind"] == "out" and band[0]["from"] == 8.93
    # the survivors stay quorate throughout
    for n in ("lab-node1", "lab-node3"):
        assert [sp["kind"] for sp in lane(t, "node", n)["spans"]] == ["quorate"]
    # the site: on lab-node2, then nowhere, then on lab-node1 from the recovery the report measured
    site = lane(t, "service", "site-vip")["spans"]
    assert [(sp["kind"], sp.get("label")) for sp in site] == [("runs", "lab-node2"), ("stopped", None),
                                                              ("runs", "lab-node1")]
    row = next(r for r in d["result"]["services"] if r["service"] == "site-vip")
    assert site[2]["from"] == row["cluster_s"]
    # the clones lose their third instance when the node goes
    assert [sp["kind"] for sp in lane(t, "service", "app-clone")["spans"]] == ["runs", "degraded"]
    # the client: answered by lab-node2, refused from the fault, answered by lab-node1 at client_s
    client = lane(t, "client", "client of site-vip")["spans"]
    assert (client[0]["kind"], client[0]["label"]) == ("answered", "lab-node2")
    refused = [sp for sp in client if sp["kind"] == "refused"]
    assert refused[0]["from"] >= 0 and refused[-1]["to"] == row["client_s"]
    assert (client[-1]["kind"], client[-1]["label"]) == ("answered", "lab-node1")
    marks = [(m["kind"], m["s"]) for m in t["marks"]]
    assert ("fault", 0.0) in marks and ("noticed", 8.93) in marks
    assert ("fence", 9.58) in marks and ("recovered", row["cluster_s"]) in marks
    assert ("expected", row["expected_s"]) in marks and ("limit", row["limit_s"]) in marks
    assert ("settled", d["settled_s"]) in marks
    # a clone's "recovery" is a length of time, not a moment: no mark
    assert not [m for m in t["marks"] if "clone" in m["label"]]


def test_planned_drills_have_no_victim_noticed():
    rep = report_now()
    for kind in ("standby", "move", "kill_process"):
        t = drill_of(rep, kind)["result"]["timeline"]
        assert "noticed" not in [m["kind"] for m in t["marks"]], kind
        assert all(sp["kind"] == "quorate" for n in NODES for sp in lane(t, "node", n)["spans"]), kind


def test_every_svg_is_drawn_from_the_run():
    rep = report_now()
    files = drill_report.timeline_files(rep, "lab")
    assert sorted(files) == ["lab-%s.svg" % d["id"] for d in rep["drills"]]
    for d in rep["drills"]:
        root = ET.fromstring(files["lab-%s.svg" % d["id"]].split("\n", 1)[1])
        names = [g.get("data-name") for g in root.iter(SVG + "g") if g.get("class") == "lane"]
        assert names[:3] == NODES and set(d["affected"]) <= set(names), d["id"]
        fault = [g for g in root.iter(SVG + "g") if g.get("data-kind") == "fault"][0]
        assert float(fault.find(SVG + "line").get("x1")) == tl.x_of(d["result"]["timeline"], 0.0)


# docs/examples/failover-drill/: the report of the recorded run as the code writes it now.
def example_files():
    rep = report_now()
    svgs = drill_report.timeline_files(rep, "lab")
    pictures = dict((d["id"], "lab-%s.svg" % d["id"]) for d in rep["drills"])
    md = drill_report.render_markdown(rep, pictures)
    out = dict(svgs)
    out["lab.md"] = md
    out["lab.html"] = report_html.page("Failover drills: %s" % rep["cluster"], md, svgs)
    return out


def test_the_docs_example_is_what_the_code_writes():
    files = example_files()
    check_docs_example("failover-drill", files)
