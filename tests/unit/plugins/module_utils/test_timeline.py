# -*- coding: utf-8 -*-
"""Unit tests for the timeline renderer (module_utils/timeline.py): the data is checked, every lane and
mark is drawn where its time says, and the SVG is well-formed XML whatever the names hold."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import xml.etree.ElementTree as ET

import pytest

from ansible_collections.clusterops.ha.plugins.module_utils import timeline as tl
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError

NS = {"s": "http://www.w3.org/2000/svg"}


def sample_timeline():
    return {
        "title": "01-crash: crash node2", "t0": 1796234089.1, "start_s": -5.0, "end_s": 35.0,
        "lanes": [
            {"group": "service", "name": "site", "spans": [
                {"from": -5.0, "to": 8.0, "kind": "runs", "label": "node2"},
                {"from": 8.0, "to": 10.5, "kind": "stopped"},
                {"from": 10.5, "to": 30.0, "kind": "runs", "label": "node1"}]},
            {"group": "node", "name": "node1", "spans": [{"from": -5.0, "to": 30.0, "kind": "quorate"}]},
            {"group": "node", "name": "node2", "spans": [
                {"from": -5.0, "to": 0.5, "kind": "quorate"}, {"from": 0.5, "to": 30.0, "kind": "silent"},
                {"from": 8.0, "to": 30.0, "kind": "out", "band": True}]},
            {"group": "client", "name": "client of site", "spans": [
                {"from": -5.0, "to": 1.0, "kind": "answered"}, {"from": 1.0, "to": 11.0, "kind": "refused"},
                {"from": 11.0, "to": 30.0, "kind": "answered"}]},
        ],
        "marks": [{"s": 0.0, "kind": "fault", "label": "fault: crash node2"},
                  {"s": 8.0, "kind": "noticed", "label": "the quorate side counts node2 out"},
                  {"s": 19.8, "kind": "expected", "label": "expected 19.8 s"},
                  {"s": 29.7, "kind": "limit", "label": "limit 29.7 s"}],
    }


def parse(svg):
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(svg.split("\n", 1)[1])


def test_every_lane_drawn_in_group_order():
    root = parse(tl.render_svg(sample_timeline()))
    lanes = [(g.get("data-group"), g.get("data-name")) for g in root.iter("{%s}g" % NS["s"]) if g.get("class") == "lane"]
    assert lanes == [("node", "node1"), ("node", "node2"), ("service", "site"), ("client", "client of site")]
    texts = [t.text for t in root.iter("{%s}text" % NS["s"])]
    assert "Nodes" in texts and "Services" in texts and "Clients" in texts


def test_marks_at_their_time():
    t = sample_timeline()
    root = parse(tl.render_svg(t))
    marks = dict((g.get("data-kind"), g) for g in root.iter("{%s}g" % NS["s"]) if g.get("class") == "mark")
    assert sorted(marks) == ["expected", "fault", "limit", "noticed"]
    fault_x = float(marks["fault"].find("s:line", NS).get("x1"))
    # -5 .. 35 s over 190 .. 980 px: the fault (0 s) at 190 + 5/40 * 790
    assert fault_x == tl.x_of(t, 0.0) == pytest.approx(190 + 5 / 40.0 * 790, abs=0.1)
    assert float(marks["expected"].find("s:line", NS).get("x1")) == pytest.approx(tl.x_of(t, 19.8))
    assert marks["limit"].find("s:line", NS).get("stroke-dasharray") == "6 4"
    # numbered in time order, and explained in the legend
    nums = [g.find("s:text", NS).text for g in root.iter("{%s}g" % NS["s"]) if g.get("class") == "mark"]
    assert nums == ["1", "2", "3", "4"]
    legend = "".join("".join(t.itertext()) for t in root.iter("{%s}text" % NS["s"]) if t.get("class") == "legend")
    assert "+19.80 s  expected 19.8 s" in legend and "+0.00 s  fault: crash node2" in legend


def test_spans_placed_and_band_at_the_bottom():
    t = sample_timeline()
    root = parse(tl.render_svg(t))
    rects = [r for r in root.iter("{%s}rect" % NS["s"]) if (r.get("class") or "").startswith("span ")]
    silent = [r for r in rects if r.get("class") == "span silent"][0]
    assert float(silent.get("x")) == tl.x_of(t, 0.5)
    assert float(silent.get("height")) == tl.LANE_H
    out = [r for r in rects if r.get("class") == "span out"][0]
    assert float(out.get("height")) == tl.BAND_H
    assert float(out.get("y")) == float(silent.get("y")) + tl.LANE_H - tl.BAND_H
    assert out.find("s:title", NS).text == "out +8.00 s to +30.00 s"
    ticks = [t.text for t in root.iter("{%s}text" % NS["s"]) if t.get("class") == "tick"]
    assert ticks == ["-5 s", "+0 s", "+5 s", "+10 s", "+15 s", "+20 s", "+25 s", "+30 s", "+35 s"]


def test_names_are_escaped():
    t = sample_timeline()
    t["title"] = "a <b> & 'c'"
    t["lanes"][0]["name"] = "svc\"<x>"
    t["marks"][0]["label"] = "</svg><script>alert(1)</script>"
    svg = tl.render_svg(t)
    root = parse(svg)
    assert "<script>" not in svg
    assert root.find("s:text", NS).text == "a <b> & 'c'"


@pytest.mark.parametrize("change,message", [
    (lambda t: t.update(end_s=-10.0), "timeline.end_s: -10.0 is not after start_s -5.0"),
    (lambda t: t["lanes"][0]["spans"][0].update(kind="purple"), "timeline.lanes[0].spans[0].kind: 'purple' is not one of"),
    (lambda t: t["marks"][0].update(kind="boom"), "timeline.marks[0].kind: 'boom' is not one of"),
    (lambda t: t.pop("lanes"), "timeline: the key lanes is missing"),
    (lambda t: t["marks"][0].update(s="soon"), "timeline.marks[0].s: must be a number"),
])
def test_bad_data_is_named(change, message):
    t = sample_timeline()
    change(t)
    assert any(e.startswith(message) for e in tl.errors(t)), tl.errors(t)
    with pytest.raises(ValidationError):
        tl.render_svg(t)


def test_spans_merge_equal_neighbours_and_leave_gaps():
    pts = [(0.0, "runs", "n1"), (0.5, "runs", "n1"), (1.0, None, None), (2.0, "runs", "n2"), (2.5, "runs", "n2")]
    assert tl.spans(pts, 3.0) == [{"from": 0.0, "to": 1.0, "kind": "runs", "label": "n1"},
                                  {"from": 2.0, "to": 3.0, "kind": "runs", "label": "n2"}]
    assert tl.spans([], 3.0) == []


@pytest.mark.parametrize("length,step", [(10, 1), (40, 5), (100, 10), (600, 60), (3000, 300), (5, 0.5)])
def test_tick_steps(length, step):
    assert tl.tick_step(length) == step
