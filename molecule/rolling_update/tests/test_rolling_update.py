"""Issue 6 on a real cluster: what side_effect.yml recorded, and the cluster's own view afterwards."""

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

NODES = ["ru-node1", "ru-node2", "ru-node3"]
MARKER = "clusterops-rolling-update"
testinfra_hosts = ["ansible://ru-node1"]
EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
# "No longer than one failover": the site's longest gap in the rolling update against the one move
# Pacemaker made of it, from the nodes' journals: from the request to stop its first resource on the
# old node to the result of starting its last one on the new node. The allowance is the probe's own
# resolution (a request every 0.2 s, the one in flight, the journal's and the probe's clocks).
GAP_ALLOWANCE_S = 1.0
# A crashed node: detection (token + consensus, about 8 s), fencing, the service started elsewhere.
CRASH_FAILOVER_MAX_S = 60.0


def load(name):
    with open(os.path.join(EPHEMERAL, name), encoding="utf-8") as f:
        return json.load(f)


def text(name):
    with open(os.path.join(EPHEMERAL, name), encoding="utf-8") as f:
        return f.read()


def probe(name):
    return load("probe-%s.jsonl.summary.json" % name)


def probe_rows(name):
    with open(os.path.join(EPHEMERAL, "probe-%s.jsonl" % name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def on(node, *argv, check=True):
    return subprocess.run(["docker", "exec", node] + list(argv), capture_output=True, text=True,
                          check=check, timeout=120)


def crm_mon(host):
    return ET.fromstring(host.check_output("crm_mon --output-as=xml"))


def test_every_node_had_real_updates_pending():
    before = load("rolling-before.json")
    for node in NODES:
        assert int(before["pending"][node]) > 0, "%s had nothing pending: %s" % (node, before["pending"])


def test_no_node_has_updates_pending_now():
    for node in NODES:
        out = on(node, "apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade").stdout
        inst = [line for line in out.splitlines() if line.startswith("Inst ")]
        assert inst == [], "%s still has %d pending: %s" % (node, len(inst), inst[:5])


def test_packages_on_hold_kept_their_version():
    before = load("rolling-before.json")
    for node in NODES:
        held = before["held"][node]
        assert "perl-base" in held and "libpq5" in held, "%s: the lab's holds are missing: %s" % (node, sorted(held)[:10])
        out = on(node, "dpkg-query", "-W", "-f", "${Package} ${Version}\\n", *sorted(held)).stdout
        now = dict(line.split(" ", 1) for line in out.splitlines() if line)
        moved = dict((p, (v, now.get(p))) for p, v in held.items() if now.get(p) != v)
        assert moved == {}, "%s: held packages upgraded (before, after): %s" % (node, moved)


def test_every_node_online_no_standby_no_marker(host):
    root = crm_mon(host)
    nodes = {n.get("name"): n for n in root.iter("node") if n.get("name") in NODES and n.get("online") is not None}
    assert sorted(nodes) == NODES
    for name, n in nodes.items():
        assert n.get("online") == "true", name
        assert n.get("standby") == "false", name
        assert n.get("maintenance") == "false", name
    for node in NODES:
        standby = host.run("crm_attribute --node %s --name standby --query --quiet" % node)
        assert standby.rc != 0 or standby.stdout.strip() in ("", "off"), (node, standby.stdout)
        marker = host.run("crm_attribute --node %s --name %s --query --quiet" % (node, MARKER))
        assert marker.rc != 0 and marker.stdout.strip() == "", (node, marker.stdout)
    # No move constraint left behind (cli-prefer-/cli-ban-).
    constraints = host.check_output("cibadmin --query --scope constraints")
    assert "cli-prefer-" not in constraints and "cli-ban-" not in constraints


def test_haproxy_path_had_zero_failed_requests():
    lb = probe("main")["lb"]
    assert lb["requests"] > 100, lb["requests"]
    assert lb["failures"] == [], lb["failures"]


def site_move_window():
    """(first stop requested, last start done) of the site's resources in the rolling update, and the
    number of starts of site-vip (one per move)."""
    journal = load("rolling-main.json")["journal"]
    stops, starts, vip_starts = [], [], 0
    for line in journal:
        t = float(line.split()[0])
        if re.search(r"Requesting local execution of stop operation for site-(vip|nginx) ", line):
            stops.append(t)
        if re.search(r"Result of start operation for site-(vip|nginx) on \S+: ok", line):
            starts.append(t)
        if re.search(r"Result of start operation for site-vip on \S+: ok", line):
            vip_starts += 1
    assert stops and starts, journal
    return min(stops), max(starts), vip_starts


def test_site_moved_exactly_once_and_its_gap_is_one_failover_at_most():
    site = probe("main")["site"]
    assert site["changes_of_node"] == 1, site["nodes_in_order"]
    begin, end, vip_starts = site_move_window()
    assert vip_starts == 1, "site-vip started %d times during the run" % vip_starts
    assert site["longest_gap_s"] <= (end - begin) + GAP_ALLOWANCE_S, (site["longest_gap_s"], end - begin)
    # Every failed request fell inside that one move.
    for f in site["failures"]:
        assert begin - GAP_ALLOWANCE_S <= f["t"] <= end + GAP_ALLOWANCE_S, (f, begin, end)


def test_the_node_hosting_the_active_service_was_updated_last():
    before = load("rolling-before.json")
    main = load("rolling-main.json")
    site_host = [n for n, r in before["roles"].items() if "site-vip" in r["active"]]
    assert len(site_host) == 1
    order = [step["node"] for step in main["plan"]["order"]]
    assert sorted(order) == NODES, order
    assert order[-1] == site_host[0], (order, site_host)
    # And so it happened: the last upgrade in each node's apt history, in time.
    started = {}
    for node in NODES:
        history = on(node, "cat", "/var/log/apt/history.log").stdout
        dates = re.findall(r"^Start-Date: (.+)$", history, re.M)
        assert dates, node
        started[node] = " ".join(dates[-1].split())
    assert sorted(NODES, key=lambda n: started[n]) == order, started
    # The probe saw the site answer from the node it ran on, then from one other node only.
    nodes_in_order = probe("main")["site"]["nodes_in_order"]
    assert nodes_in_order[0] == site_host[0], nodes_in_order


def test_the_fault_stopped_the_run_with_the_roles_message():
    fault = load("rolling-fault.json")
    kill = load("rolling-kill.json")
    log = text("rolling-fault.log")
    assert int(fault["fault_rc"]) != 0
    assert kill["killed"] == fault["victim"] and kill["on"].endswith("(after %s)" % fault["first"]), kill
    assert fault["victim"] not in (fault["first"], fault["driver"])
    # It stopped at a gate: the one after the first node (the victim died while it gathered facts),
    # or, if the victim still answered there, the one before the next node.
    stopped = re.findall(r"The rolling update stopped at (\S+) \(Gate \| must pass", log)
    assert stopped and stopped[0] in fault["order"][:2] and stopped[0] != fault["victim"], \
        re.findall(r"The rolling update stopped at [^.]*", log)
    if stopped[0] == fault["first"]:
        assert "%s was finished (its marker is deleted)" % fault["first"] in log
    # Nothing went on past the gate: only the first node was put in standby.
    standbys = re.findall(r"TASK \[clusterops\.ha\.rolling_update : Drain \| standby\][^\n]*\n[^\n]*?(ru-node\d)", log)
    assert set(standbys) <= {fault["first"]}, standbys


def test_the_services_stayed_up_through_the_fault():
    fault = load("rolling-fault.json")
    kill = load("rolling-kill.json")
    summary = probe("fault")
    rows = probe_rows("fault")
    for name in ("site", "lb"):
        mine = [r for r in rows if r["name"] == name]
        assert summary[name]["longest_gap_s"] <= CRASH_FAILOVER_MAX_S, (name, summary[name]["longest_gap_s"])
        # No failure before the kill, and the service answered after it (before the node was back).
        assert not [r for r in mine if not r["ok"] and r["t"] < kill["t"]], name
        assert [r for r in mine if r["ok"] and kill["t"] < r["t"] < float(fault["whole_again"])], name
        assert mine[-1]["ok"], name


def test_the_rerun_after_the_fault_completed_and_rebooted_the_node_that_asked():
    fault = load("rolling-fault.json")
    log = text("rolling-rerun.log")
    assert int(fault["rerun_rc"]) == 0
    assert "Rolling update done." in log
    # rolling_update_reboot auto: only the victim has /var/run/reboot-required, so only it reboots
    reboots = re.findall(r"TASK \[clusterops\.ha\.rolling_update : Reboot \| the controller's command[^\n]*\n"
                         r"(?:\s*\n)*(?:changed|ok): \[([^\] ]+)", log)
    assert reboots == [fault["victim"]], reboots


# Issue 21: each run's report on the controller (rolling_update_report_dir), checked against what the
# run itself recorded (rolling-main.json, rolling-fault.json).
SVG_NS = "{http://www.w3.org/2000/svg}"


def run_report(run):
    """The one report of a run: {ext: path} for .md, .svg, .html, .json and .events.jsonl."""
    folder = os.path.join(EPHEMERAL, "ru-reports", run)
    names = sorted(os.listdir(folder))
    bases = sorted(set(n.split(".", 1)[0] for n in names))
    assert len(bases) == 1, names
    files = dict((n[len(bases[0]) + 1:], os.path.join(folder, n)) for n in names)
    assert sorted(files) == ["events.jsonl", "html", "json", "md", "svg"], names
    return files


def test_the_rolling_update_wrote_its_report():
    files = run_report("main")
    report = load(os.path.join("ru-reports", "main", os.path.basename(files["json"])))
    main = load("rolling-main.json")
    assert report["verdict"] == "done"
    assert [n["node"] for n in report["nodes"]] == [s["node"] for s in main["plan"]["order"]]
    assert all(n["done"] and n["drain_s"] is not None and n["update_s"] is not None for n in report["nodes"])
    # the run's own wall time contains the report's
    assert 0 < report["total_s"] <= float(main["seconds"])
    root = ET.fromstring(text(os.path.join("ru-reports", "main", os.path.basename(files["svg"]))).split("\n", 1)[1])
    lanes = [(g.get("data-group"), g.get("data-name")) for g in root.iter(SVG_NS + "g") if g.get("class") == "lane"]
    assert [name for group, name in lanes if group == "node"] == [n["node"] for n in report["nodes"]]
    assert ("service", "site-vip") in lanes and ("service", "app-clone") in lanes
    # the site's lane moves where the cluster's own journal says site-vip started in the run, and only there
    journal = load("rolling-main.json")["journal"]
    started_on = [m.group(1) for m in (re.search(r"Result of start operation for site-vip on (\S+): ok", ln)
                                       for ln in journal) if m]
    site = next(ln for ln in report["timeline"]["lanes"] if ln["name"] == "site-vip")
    where = [sp.get("label") for sp in site["spans"]]
    assert len(started_on) == 1 and where[-1] == started_on[0], (started_on, site["spans"])
    assert where[0] == [n for n, r in load("rolling-before.json")["roles"].items() if "site-vip" in r["active"]][0]
    md = text(os.path.join("ru-reports", "main", os.path.basename(files["md"])))
    assert "verdict **done**" in md and "![timeline of the rolling update](%s)" % os.path.basename(files["svg"]) in md
    page = text(os.path.join("ru-reports", "main", os.path.basename(files["html"])))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg ") == 1 and "<script" not in page


def test_the_stopped_run_wrote_its_report_so_far():
    files = run_report("fault")
    report = load(os.path.join("ru-reports", "fault", os.path.basename(files["json"])))
    fault = load("rolling-fault.json")
    assert report["verdict"] == "stopped"
    assert "Gate | must pass" in report["failure"], report["failure"]
    assert report["nodes"][0]["node"] == fault["first"] and report["nodes"][-1]["failed"] is True
    marks = [m["kind"] for m in report["timeline"]["marks"]]
    assert "fault" in marks and "settled" not in marks


def test_the_rerun_report_shows_every_stack_stopped():
    report = load(os.path.join("ru-reports", "rerun", os.path.basename(run_report("rerun")["json"])))
    assert report["verdict"] == "done"
    assert [n["stack_stopped"] for n in report["nodes"]] == [True, True, True]
    for lane in (ln for ln in report["timeline"]["lanes"] if ln["group"] == "node"):
        assert "stack-down" in [sp["kind"] for sp in lane["spans"]], lane
