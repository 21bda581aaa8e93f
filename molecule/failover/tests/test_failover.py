"""Issue 8 on a real cluster: the drills' report, checked against the cluster's own records (crm_mon,
stonith_admin, the nodes' addresses) and the client's own records (the probe's lines)."""

import glob
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zlib

NODES = ["fo-node1", "fo-node2", "fo-node3"]
DRILLS = ["standby", "move", "kill_process", "crash", "partition", "hang"]
SITE_VIP = "172.31.234.100"
LB_VIP = "172.31.234.101"
testinfra_hosts = ["ansible://fo-node1"]
EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")


def files():
    """The report's files (.html, .json, .md, one .svg per drill), as side_effect.yml recorded them."""
    with open(os.path.join(EPHEMERAL, "failover-report.json"), encoding="utf-8") as f:
        return json.load(f)["files"]


def report_file(ext):
    return next(p for p in files() if p.endswith(ext))


def report():
    with open(report_file(".json"), encoding="utf-8") as f:
        return json.load(f)


def run_dir():
    """The raw records: <report dir>/<report name>/."""
    return report_file(".json")[:-len(".json")]


def drill(kind):
    return next(d for d in report()["drills"] if d["type"] == kind)


def on(node, *argv, check=True):
    return subprocess.run(["docker", "exec", node] + list(argv), capture_output=True, text=True,
                          check=check, timeout=120)


def probe_rows(d):
    with open(os.path.join(run_dir(), "%s-probe.jsonl" % d["id"]), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_every_drill_ran_and_passed():
    rep = report()
    assert [d["type"] for d in rep["drills"]] == DRILLS
    for d in rep["drills"]:
        assert d["error"] == "", (d["id"], d["error"])
        assert d["result"]["verdict"] == "pass", (d["id"], d["result"])
    assert rep["verdict"] == "pass"


def test_every_affected_service_recovered_within_its_limit():
    for d in report()["drills"]:
        rows = d["result"]["services"]
        assert rows, "%s affected no service" % d["id"]
        for r in rows:
            assert r["measured_s"] is not None, (d["id"], r)
            assert r["measured_s"] <= r["limit_s"], (d["id"], r)
            assert r["limit_s"] == round(r["expected_s"] * report()["threshold"], 2)


def test_every_invariant_held():
    for d in report()["drills"]:
        for inv in d["result"]["invariants"]:
            assert inv["ok"] is True, (d["id"], inv)
        ids = [i["id"] for i in d["result"]["invariants"]]
        assert {"one-node-per-service", "vip-on-one-node", "quorate-side-runs-services",
                "no-service-without-quorum"} <= set(ids)
        if d["type"] in ("crash", "partition", "hang"):
            assert "victim-fenced-or-stopped" in ids


def samples(d):
    """The observers' own records of a drill (each node's crm_mon view and its own addresses)."""
    rows = []
    for path in glob.glob(os.path.join(run_dir(), "%s-fo-node*.jsonl" % d["id"])):
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except ValueError:
                    pass  # the last line of a node that was killed mid-write
    return sorted(rows, key=lambda r: r["t"])


def test_the_site_moved_away_from_the_victim_of_node_drills():
    # From the nodes' own addresses, not from the evaluation: the victim held the site's VIP before the
    # fault, and once the drill saw the service back, another node (one only) held it.
    for kind in ("standby", "crash", "partition", "hang"):
        d = drill(kind)
        rows = samples(d)
        before = [r for r in rows if r["t"] < d["fault_at"] and SITE_VIP in r["vips"]]
        assert before and {r["node"] for r in before} == {d["node"]}, (kind, d["node"], before[-1:])
        after = [r for r in rows if r["t"] >= d["fault_at"] + d["recovered_s"] and SITE_VIP in r["vips"]]
        assert after and {r["node"] for r in after} == {after[-1]["node"]} and after[-1]["node"] != d["node"], (kind, after[-1:])


def test_expected_recovery_uses_the_clusters_own_timers():
    rep = report()
    token = int(on("fo-node1", "corosync-cmapctl", "-g", "runtime.config.totem.token").stdout.split()[-1])
    consensus = int(on("fo-node1", "corosync-cmapctl", "-g", "runtime.config.totem.consensus").stdout.split()[-1])
    assert rep["timing"] == {"token_ms": token, "consensus_ms": consensus}
    crash = drill("crash")
    terms = [t["term"] for exp in crash["expected"].values() for t in exp["terms"]]
    assert any(("%d ms" % token) in t for t in terms), terms
    assert any("fence action" in t for t in terms), terms
    kill = drill("kill_process")
    assert any("monitor interval of site-nginx" in t["term"] and t["s"] == 10.0
               for t in kill["expected"]["site-vip"]["terms"])


def test_the_client_saw_the_unplanned_failovers_and_recovered():
    for kind in ("crash", "kill_process"):
        d = drill(kind)
        site = next(r for r in d["result"]["services"] if r["service"] == "site-vip")
        assert site["client_failures"] > 0, (kind, site)
        assert site["client_s"] is not None and site["client_s"] > 0
        rows = [r for r in probe_rows(d) if r["name"] == "site-vip"]
        assert rows[-1]["ok"], (kind, rows[-3:])


def test_fencing_records_the_victims():
    out = on("fo-node1", "stonith_admin", "--history", "*", "--output-as=xml").stdout
    root = ET.fromstring(out)
    fenced = [e.get("target") for e in root.iter("fence_event") if e.get("status") == "success"]
    for kind in ("crash", "hang"):
        assert drill(kind)["node"] in fenced, (kind, fenced)
    for kind in ("crash", "hang"):
        assert drill(kind)["fences"], kind


def test_the_report_has_log_lines_for_each_failover():
    for d in report()["drills"]:
        assert d["log_lines"], d["id"]
    with open(report_file(".md"), encoding="utf-8") as f:
        md = f.read()
    for kind in DRILLS:
        assert drill(kind)["id"] in md
    assert "| drill | service | expected s |" in md
    # Times for people (issue 21): each drill's fault in ISO 8601 with the zone, log lines relative to it,
    # never a raw epoch at the start of a line.
    assert md.count("Fault at ") == len(report()["drills"]) and "+00:00" in md
    assert not re.search(r"^1[0-9]{9}\.[0-9]+ ", md, re.M)
    assert re.search(r"^[+-][0-9]+\.[0-9]{2} s 20[0-9-]{8}T[0-9:.]{12}\+00:00 ", md, re.M)


SVG = "{http://www.w3.org/2000/svg}"


def svg_root(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert text.startswith("<?xml")
    return ET.fromstring(text.split("\n", 1)[1])


def test_each_drill_has_a_timeline():
    """Issue 21: an SVG per drill, a lane per node and affected service, the fault and the limit marked, and
    the node faults show their victim falling silent or losing quorum, and the cluster noticing."""
    rep = report()
    for d in rep["drills"]:
        path = report_file("-%s.svg" % d["id"])
        root = svg_root(path)
        lanes = dict(((g.get("data-group"), g.get("data-name")), g) for g in root.iter(SVG + "g")
                     if g.get("class") == "lane")
        assert set(("node", n) for n in NODES) <= set(lanes), (d["id"], sorted(lanes))
        for name in d["affected"]:
            assert ("service", name) in lanes, (d["id"], name)
        marks = [(g.get("data-kind"), float(g.get("data-s"))) for g in root.iter(SVG + "g") if g.get("class") == "mark"]
        assert ("fault", 0.0) in marks, (d["id"], marks)
        assert "limit" in [k for k, _s in marks] and "settled" in [k for k, _s in marks], (d["id"], marks)
        tl = d["result"]["timeline"]
        assert tl["t0"] == d["fault_at"]
        if d["type"] in ("crash", "partition", "hang"):
            assert "noticed" in [k for k, _s in marks], (d["id"], marks)
            victim = next(ln for ln in tl["lanes"] if ln["group"] == "node" and ln["name"] == d["node"])
            # What the victim was after the fault: a span that reaches past it (its silence may begin at its
            # last answer, a sample before the fault).
            after = [sp["kind"] for sp in victim["spans"] if sp["to"] > 0 and not sp.get("band")]
            assert set(after) & {"silent", "no-quorum", "stack-down"}, (d["id"], victim["spans"])
            assert any(sp["kind"] == "out" for sp in victim["spans"] if sp.get("band")), (d["id"], victim["spans"])
        site = next((ln for ln in tl["lanes"] if ln["group"] == "service" and ln["name"] == "site-vip"), None)
        if site is not None and d["type"] != "kill_process":
            where = [sp.get("label") for sp in site["spans"] if sp["kind"] == "runs"]
            assert where[0] == d["node"] and where[-1] != d["node"], (d["id"], site["spans"])
    with open(report_file(".md"), encoding="utf-8") as f:
        md = f.read()
    for d in rep["drills"]:
        assert "![timeline of %s](%s)" % (d["id"], os.path.basename(report_file("-%s.svg" % d["id"]))) in md


def test_the_html_page_is_self_contained():
    with open(report_file(".html"), encoding="utf-8") as f:
        page = f.read()
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and not re.search(r"(?:src|href)=[\"']?(?:https?:)?//", page)
    assert page.count("<svg ") == len(report()["drills"])
    for d in report()["drills"]:
        assert "<h2>%s: " % d["id"] in page


def png_pixels(path):
    """A PNG (8-bit RGB or RGBA, as Chromium writes them) -> (width, height, rows of (r, g, b) tuples)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = head[:4]
    assert depth == 8 and colour in (2, 6), head
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def near(p, q):
    """Two colours within 12 of each other in every channel (anti-aliasing, colour management)."""
    return all(abs(a - b) <= 12 for a, b in zip(p, q))


def test_the_html_page_renders_in_a_browser():
    """Issue 21: open the drills' page in headless Chromium (Debian's package, make tools installs it) and
    look at the screenshot: not blank, the timelines' colours on it."""
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed: make tools installs Debian's package"
    work = tempfile.mkdtemp(prefix="drill-shot-")
    try:
        shot = os.path.join(work, "page.png")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--hide-scrollbars", "--user-data-dir=" + os.path.join(work, "profile"),
                        "--window-size=1100,1600", "--screenshot=" + shot, "file://" + report_file(".html")],
                       capture_output=True, text=True, timeout=120, check=False)
        assert os.path.exists(shot), "chromium wrote no screenshot"
        width, height, rows = png_pixels(shot)
        assert (width, height) == (1100, 1600)
        pixels = [p for row in rows[::4] for p in row[::4]]
        white = sum(1 for p in pixels if p == (255, 255, 255))
        assert white < 0.97 * len(pixels), "the page looks blank"
        assert len(set(pixels)) > 50
        # the node lanes' green (quorate) and the services' blue (runs), as timeline.STYLES draws them
        assert any(near(p, (0x6c, 0xc0, 0x70)) for p in pixels), "no node lane on the page"
        assert any(near(p, (0x3c, 0x78, 0xb4)) for p in pixels), "no service lane on the page"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_raw_records_are_kept():
    run = run_dir()
    for d in report()["drills"]:
        assert len(glob.glob(os.path.join(run, "%s-fo-node*.jsonl" % d["id"]))) >= 2, d["id"]
        assert os.path.exists(os.path.join(run, "%s-probe.jsonl" % d["id"]))


def test_cluster_healthy_at_the_end(host):
    root = ET.fromstring(host.check_output("crm_mon --output-as=xml"))
    nodes = {n.get("name"): n for n in root.iter("node") if n.get("name") in NODES and n.get("online") is not None}
    assert sorted(nodes) == NODES
    for name, n in nodes.items():
        assert n.get("online") == "true" and n.get("standby") == "false" and n.get("unclean") == "false", name
    assert root.find("summary/current_dc").get("with_quorum") == "true"
    failures = root.find("failures")
    assert failures is None or len(failures) == 0, ET.tostring(failures)
    constraints = host.check_output("cibadmin --query --scope constraints")
    assert "cli-prefer-" not in constraints and "cli-ban-" not in constraints


def test_each_vip_on_exactly_one_node_now():
    for vip in (SITE_VIP, LB_VIP):
        holders = [n for n in NODES if (" %s/" % vip) in on(n, "ip", "-o", "-4", "addr", "show").stdout]
        assert len(holders) == 1, (vip, holders)


def test_no_observer_left_on_the_nodes():
    for n in NODES:
        assert on(n, "sh", "-c", "ls -A /var/lib/clusterops/drills 2>/dev/null; true").stdout.strip() == "", n
        assert "failover_drill" not in on(n, "ps", "-eo", "args").stdout, n
