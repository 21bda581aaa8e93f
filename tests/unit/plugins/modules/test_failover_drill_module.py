# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the failover_drill module: main() on outputs captured from the drill lab (fixtures/drill).

The drill lab's captures have no corosync-quorumtool, corosync-cfgtool or crmadmin output. Those come from
the health lab (fixtures/health: same Debian, corosync and Pacemaker, three nodes with ids 1-3, read on node 1,
DC node 3 in S_IDLE, as in the drill lab's crm_mon.hang-undetected.xml) with the node names and the subnet of
the drill lab put in.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, health_lab_runner, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_judge as drill_judge
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_observe as drill_observe
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_report as drill_report
from ansible_collections.clusterops.ha.plugins.module_utils import site_drill, timeline
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.modules import failover_drill

NODES = ["fx-node1", "fx-node2", "fx-node3"]
SITE_VIP = "172.31.235.100"
LB_VIP = "172.31.235.101"
WATCH = [SITE_VIP, LB_VIP]
T = 1795580991.8  # the crash drill's fault (docker kill fx-node2)


def drill(name):
    return fixture_text("drill", name)


def as_drill_lab(text):
    return text.replace("lab-node", "fx-node").replace("172.31.250.", "172.31.235.")


def drill_lab_runner(crm_mon="crm_mon.hang-undetected.xml", quorum=("health", "quorumtool.lab.txt"),
                     cfgtool=("health", "cfgtool-s.lab.txt"), quorum_rc=0):
    runner = FakeRunner()
    runner.add(["corosync-quorumtool", "-s"], rc=quorum_rc, stdout=as_drill_lab(fixture_text(*quorum)))
    runner.add(["corosync-cfgtool", "-s"], stdout=as_drill_lab(fixture_text(*cfgtool)))
    runner.add(["crm_mon"], stdout=drill(crm_mon))
    runner.add(["crmadmin", "-S"], stdout=as_drill_lab(fixture_text("health", "crmadmin-S.lab.xml")))
    runner.add(["cibadmin", "--query"], stdout=drill("cib.healthy.xml"))
    runner.add(["corosync-cmapctl"], stdout=drill("cmapctl.full.txt"))
    return runner


def run(monkeypatch, args, runner=None, expect=ExitJson):
    monkeypatch.setattr(failover_drill, "make_runner", lambda module: runner if runner is not None else FakeRunner())
    monkeypatch.setattr(failover_drill, "POLL_SECONDS", 0)
    with patch_module_args(args):
        with pytest.raises(expect) as exc:
            failover_drill.main()
    return exc.value.args[0]


def plan(monkeypatch, drills, runner=None, **kwargs):
    args = dict({"action": "plan", "nodes": NODES, "drills": drills}, **kwargs)
    return run(monkeypatch, args, runner or drill_lab_runner())


# ---------------------------------------------------------------------------------------------
# plan


def test_plan_resolves_the_drills_on_the_lab(monkeypatch):
    runner = drill_lab_runner()
    result = plan(monkeypatch, [{"type": "standby"}, {"type": "kill_process"}, {"type": "crash"},
                                {"type": "standby", "node": "fx-node3", "id": "dc-standby"}], runner)
    assert result["changed"] is False
    assert result["cluster"] == "lab"
    assert result["timing"] == {"token_ms": 3650, "consensus_ms": 4380}
    assert [s["name"] for s in result["services"]] == ["site-vip", "lb-vip", "app-clone", "lb-haproxy-clone"]
    assert result["fail_counts"] == {}
    standby, kill, crash, dc = result["drills"]
    assert [d["id"] for d in result["drills"]] == ["01-standby", "02-kill-process", "03-crash", "dc-standby"]
    assert (standby["node"], crash["node"], kill["node"], dc["node"]) == ("fx-node2", "fx-node2", "fx-node2", "fx-node3")
    # The DC drives, unless it is the victim.
    assert (standby["driver"], kill["driver"], crash["driver"]) == ("fx-node3", "fx-node3", "fx-node3")
    assert dc["driver"] == "fx-node1"
    for d in result["drills"]:
        assert d["driver"] != d["node"]
        assert d["fencing_enabled"] is True
        assert d["grace_s"] == 15.03
    assert crash["expected"]["site-vip"]["expected_s"] == 19.8
    assert crash["expected"]["site-vip"]["bound_s"] == 149.03
    assert crash["expected"]["app-clone"]["expected_s"] == 0.0
    assert standby["expected"]["site-vip"]["expected_s"] == 6.77  # every stop on fx-node2 counts
    assert kill["expected"]["site-vip"]["expected_s"] == 12.83
    # stop 1 (no record) + the stops of the 2 other resources on fx-node3 + start 0.191 + 1 + 0.5
    assert dc["expected"]["lb-vip"]["expected_s"] == 4.69
    assert result["lines"][2] == ("03-crash: crash fx-node2; expected recovery: app-clone 0.0 s, lb-haproxy-clone 0.0 s, "
                                  "site-vip 19.8 s; restore: start fx-node2 again if fencing did not, wait until it "
                                  "rejoins, clean up")
    # It reads the live cluster and nothing else.
    argvs = [c["argv"] for c in runner.calls]
    assert ["cibadmin", "--query"] in argvs and ["corosync-cmapctl"] in argvs
    assert not any(a[0] in ("crm_resource", "crm_attribute", "cibadmin") and a != ["cibadmin", "--query"] for a in argvs)


def test_plan_kills_only_the_site_s_nginx(monkeypatch):
    result = plan(monkeypatch, [{"type": "kill_process"}, {"type": "kill_process", "process": "nginx: worker"}])
    auto, given = result["drills"]
    # The site's nginx by its configfile, not the cloned app nginx beside it.
    pattern = re.compile(auto["process"])
    assert pattern.search("nginx: master process /usr/sbin/nginx -c /etc/nginx/clusterops-site.conf")
    assert not pattern.search("nginx: master process /usr/sbin/nginx -c /etc/nginx/clusterops-app.conf")
    assert given["process"] == "nginx: worker"


def test_plan_a_systemd_member_is_killed_by_its_unit(monkeypatch):
    # The health lab (all its own captures): group lb = lb-vip + lb-haproxy (systemd:haproxy) on lab-node3.
    runner = health_lab_runner()
    runner.add(["corosync-cmapctl"], stdout=fixture_text("node", "cmap.token.txt"))
    result = run(monkeypatch, {"action": "plan", "nodes": ["lab-node1", "lab-node2", "lab-node3"],
                               "drills": [{"type": "kill_process", "service": "lb"}]}, runner)
    (d,) = result["drills"]
    assert (d["node"], d["resource"], d["process"]) == ("lab-node3", "lb-haproxy", "unit:haproxy")
    assert d["driver"] != "lab-node3"
    assert result["timing"] == {"token_ms": 3650, "consensus_ms": 4380}
    lb = [s for s in result["services"] if s["name"] == "lb"][0]
    assert lb["resources"] == ["lb-vip", "lb-haproxy"]


def test_plan_reports_the_fail_counts(monkeypatch):
    result = plan(monkeypatch, [{"type": "kill_process"}], drill_lab_runner(crm_mon="crm_mon.kill-process-failed.xml"))
    assert result["fail_counts"] == {"site-nginx": 1}
    assert result["drills"][0]["node"] == "fx-node1"


def test_plan_rejects_a_bad_drill_type_by_its_argument_spec(monkeypatch):
    result = run(monkeypatch, {"action": "plan", "nodes": NODES, "drills": [{"type": "reboot"}]}, drill_lab_runner(),
                 expect=FailJson)
    # "value of type must be one of: standby, move, ..., got: reboot found in drills"
    assert "value of type must be one of: standby, move, kill_process, crash, partition, hang, got: reboot" in result["msg"]
    assert "drills" in result["msg"]


def test_plan_errors_of_the_engine_name_the_drill_and_list_the_services(monkeypatch):
    result = run(monkeypatch, {"action": "plan", "nodes": NODES, "drills": [{"type": "move", "service": "web"}]},
                 drill_lab_runner(), expect=FailJson)
    assert result["msg"] == ("drills[0].service: 'web' is not a service of this cluster; services: app-clone, "
                             "lb-haproxy-clone, lb-vip, site-vip")
    assert [s["name"] for s in result["services"]] == ["site-vip", "lb-vip", "app-clone", "lb-haproxy-clone"]


def test_plan_needs_pacemaker(monkeypatch):
    runner = drill_lab_runner(crm_mon="crm_mon.not-connected.xml")
    runner.add(["crm_mon"], rc=102, stdout=drill("crm_mon.not-connected.xml"))
    result = run(monkeypatch, {"action": "plan", "nodes": NODES, "drills": [{"type": "crash"}]}, runner, expect=FailJson)
    assert result["msg"] == "Pacemaker is not running on fx-node1: no drill can be planned"


def test_plan_without_another_online_node_to_drive_the_drill_fails_cleanly(monkeypatch):
    # The view on the cut-off fx-node1 in the partition drill: it is alone (and its own DC), the others UNCLEAN.
    # site-vip runs there; nothing else is online to drive a drill from: the module must say so, not crash.
    runner = drill_lab_runner(crm_mon="crm_mon.partition-no-quorum.xml", quorum=("status", "quorumtool.no-quorum.txt"),
                              cfgtool=("status", "cfgtool-s.no-quorum.txt"), quorum_rc=2)
    runner.add(["crmadmin", "-S"], stdout=as_drill_lab(fixture_text("health", "crmadmin-S.lab.xml")).replace(
        "fx-node3", "fx-node1"))
    result = run(monkeypatch, {"action": "plan", "nodes": NODES, "drills": [{"type": "kill_process"}]}, runner,
                 expect=FailJson)
    assert result["failed"] is True


def test_plan_needs_its_fields(monkeypatch):
    result = run(monkeypatch, {"action": "plan", "drills": [{"type": "crash"}]}, drill_lab_runner(), expect=FailJson)
    assert "nodes" in result["msg"]
    result = run(monkeypatch, {"action": "evaluate"}, drill_lab_runner(), expect=FailJson)
    assert all(k in result["msg"] for k in ("drill", "services", "fault_at", "settled_at"))


@pytest.mark.parametrize("key,value,message", [
    ("threshold", 0.5, "threshold: 0.5 is not a number from 1.0 to 100"),
    ("interval", 0.05, "interval: 0.05 is not a number from 0.1 to 60"),
    ("duration", 0, "duration: 0 is not a number from 1 to 604800"),
    ("fence_action_seconds", -1, "fence_action_seconds: -1.0 is not a number from 0 to 3600"),
    ("interval", 1e308, "interval: 1e+308 is not a number from 0.1 to 60"),
    ("report_name", "../x", "report_name: '../x' is not a file name (1-100 letters, digits, '.', '-' or '_', not "
                            "beginning with '.')"),
    ("report_dir", "reports", "report_dir: 'reports' is not an absolute path of a file (beginning with '/')"),
    ("process", " ", "process: ' ' would match every process: give a pattern of the process's command line or "
                     "unit:<name>"),
])
def test_numbers_out_of_range_and_unusable_names_are_rejected(monkeypatch, key, value, message):
    runner = drill_lab_runner()
    result = run(monkeypatch, {"action": "plan", "nodes": NODES, "drills": [{"type": "crash"}], key: value}, runner,
                 expect=FailJson)
    assert result["msg"] == message
    assert runner.calls == []


# ---------------------------------------------------------------------------------------------
# kill


def _state(pid):
    """The process state letter, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def _children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    return out


def _gone(pid):
    return _state(pid) in (None, "Z", "X")


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")[:-1]
    except OSError:
        return None


def _until(check, seconds=10):
    """Poll (a real process needs a moment to exec) until check() is true."""
    deadline = time.time() + seconds
    while not check() and time.time() < deadline:
        time.sleep(0.01)
    return check()


def test_kill_sends_sigkill_to_the_matching_process_and_its_children(monkeypatch):
    marker = "drill-unit-%s" % uuid.uuid4().hex
    # The parent's command line carries the marker; its child (a sleep) does not.
    parent = subprocess.Popen(["sh", "-c", "sleep 301.5 & wait", marker])
    try:
        assert _until(lambda: len(_children(parent.pid)) == 1)
        (child,) = _children(parent.pid)
        assert _until(lambda: _cmdline(child) == [b"sleep", b"301.5"])
        assert marker.encode() in _cmdline(parent.pid)
        result = run(monkeypatch, {"action": "kill", "process": re.escape(marker)})
        assert result["changed"] is True
        assert result["killed"] == sorted([parent.pid, child])
        assert abs(result["at"] - time.time()) < 60
        assert parent.wait(timeout=10) == -signal.SIGKILL
        assert _until(lambda: _gone(child))
    finally:
        for pid in [parent.pid] + _children(parent.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        parent.wait(timeout=10)


def test_kill_in_check_mode_kills_nothing(monkeypatch):
    unique = "0.%d" % (uuid.uuid4().int % 10 ** 12)
    proc = subprocess.Popen(["sleep", "302.5", unique])
    try:
        assert _until(lambda: _cmdline(proc.pid) == [b"sleep", b"302.5", unique.encode()])
        result = run(monkeypatch, {"action": "kill", "process": r"^sleep 302\.5 %s$" % re.escape(unique),
                                   "_ansible_check_mode": True})
        assert result["killed"] == [proc.pid]
        assert proc.poll() is None and not _gone(proc.pid)
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_kill_of_nothing_fails_with_a_message(monkeypatch):
    pattern = "no-such-process-%s" % uuid.uuid4().hex
    result = run(monkeypatch, {"action": "kill", "process": pattern}, expect=FailJson)
    assert result["msg"] == "process: no process matches %r on this node: nothing to kill" % pattern


def test_kill_with_a_bad_pattern_fails_with_a_message(monkeypatch):
    result = run(monkeypatch, {"action": "kill", "process": "nginx(["}, expect=FailJson)
    assert result["msg"].startswith("process: not a regular expression (")
    assert result["msg"].endswith("): nginx([")


def test_kill_a_unit_through_systemctl(monkeypatch):
    runner = FakeRunner()
    runner.add(["systemctl", "kill"])
    result = run(monkeypatch, {"action": "kill", "process": "unit:haproxy"}, runner)
    assert runner.calls[0]["argv"] == ["systemctl", "kill", "--signal=SIGKILL", "haproxy"]
    assert (result["changed"], result["killed"], result["unit"]) == (True, [], "haproxy")
    runner = FakeRunner()
    result = run(monkeypatch, {"action": "kill", "process": "unit:haproxy", "_ansible_check_mode": True}, runner)
    assert runner.calls == [] and result["killed"] == []


# ---------------------------------------------------------------------------------------------
# evaluate


def crash_plan(monkeypatch):
    result = plan(monkeypatch, [{"type": "crash"}])
    return result["drills"][0], result["services"]


def write_jsonl(path, rows, truncated=None):
    with open(str(path), "w") as f:
        for r in rows:
            f.write(json.dumps(r, sort_keys=True) + "\n")
        if truncated:
            f.write(truncated)
    return str(path)


def crash_records(tmp_path):
    """The observers' files of the crash drill: the survivors' from the captured views, and the victim's,
    cut off in the middle of a line when it died."""
    crm = dict((n, parse_crm_mon(drill("crm_mon.%s.xml" % n))) for n in ("hang-undetected", "crash-unclean", "crash-recovered"))
    plain = drill_observe.parse_addresses(drill("ip-addr.plain.txt"))
    node1, node3 = [], []
    for dt in (0.5, 2.5, 4.5, 6.5):
        node1.append(drill_observe.sample(T + dt, "fx-node1", crm["hang-undetected"], plain, WATCH))
        node3.append(drill_observe.sample(T + dt + 0.1, "fx-node3", crm["hang-undetected"], [LB_VIP], WATCH))
    node1.append(drill_observe.sample(T + 8.3, "fx-node1", crm["crash-unclean"], plain, WATCH))
    node3.append(drill_observe.sample(T + 8.4, "fx-node3", crm["crash-unclean"], [LB_VIP], WATCH))
    for dt in (10.2, 12.2, 16.2):
        node1.append(drill_observe.sample(T + dt, "fx-node1", crm["crash-recovered"], plain + [SITE_VIP], WATCH))
        node3.append(drill_observe.sample(T + dt + 0.1, "fx-node3", crm["crash-recovered"], [LB_VIP], WATCH))
    holder = drill_observe.parse_addresses(drill("ip-addr.vip-holder.txt"))
    node2 = [drill_observe.sample(T - 2.0, "fx-node2", crm["hang-undetected"], holder, WATCH),
             drill_observe.sample(T - 1.0, "fx-node2", crm["hang-undetected"], holder, WATCH)]
    last = json.dumps(drill_observe.sample(T - 0.1, "fx-node2", crm["hang-undetected"], holder, WATCH), sort_keys=True)
    return [write_jsonl(tmp_path / "03-crash-fx-node1.jsonl", node1),
            write_jsonl(tmp_path / "03-crash-fx-node2.jsonl", node2, truncated=last[:len(last) // 2]),
            write_jsonl(tmp_path / "03-crash-fx-node3.jsonl", node3)]


def probe_file(tmp_path, ok_again=10.6):
    rows = [{"t": round(T - 1 + i * 0.2, 3), "name": "site", "ok": True, "node": "fx-node2", "error": None} for i in range(5)]
    t = 0.2
    while t < ok_again - 0.1:
        rows.append({"t": round(T + t, 3), "name": "site", "ok": False, "node": None, "error": "URLError: timed out"})
        t += 0.2
    rows += [{"t": round(T + ok_again + i * 0.2, 3), "name": "site", "ok": True, "node": "fx-node1", "error": None}
             for i in range(5)]
    # Another service's probe the drill does not map.
    rows.append({"t": T + 1, "name": "other", "ok": False, "node": None, "error": "x"})
    return write_jsonl(tmp_path / "03-crash-probe.jsonl", rows)


def test_evaluate_reads_the_samples_of_every_node(monkeypatch, tmp_path):
    d, services = crash_plan(monkeypatch)
    samples = crash_records(tmp_path) + [str(tmp_path / "03-crash-fx-node9.jsonl")]  # a node that wrote nothing
    args = {"action": "evaluate", "drill": d, "services": services, "samples": samples,
            "fences": drill_observe.parse_fence_history(drill("stonith_admin-history.xml")), "fault_at": T, "settled_at": T + 30,
            "probe": probe_file(tmp_path), "probe_services": {"site": "site-vip"}}
    result = run(monkeypatch, args)
    assert result["changed"] is False
    res = result["result"]
    assert res["verdict"] == "pass", res
    assert res["samples"] == 16
    assert res["nodes_sampled"] == ["fx-node1", "fx-node3"]
    site = res["services"][0]
    assert (site["service"], site["cluster_s"], site["client_s"], site["measured_s"]) == ("site-vip", 10.2, 10.6, 10.6)
    assert site["client_failures"] == 52
    assert (site["expected_s"], site["limit_s"]) == (19.8, 29.7)
    assert all(i["ok"] is True for i in res["invariants"])
    victim = [i for i in res["invariants"] if i["id"] == "victim-fenced-or-stopped"][0]
    assert victim["detail"][0] == "fenced 9.2 s after the fault"


def test_evaluate_judges_with_the_threshold_and_the_grace(monkeypatch, tmp_path):
    d, services = crash_plan(monkeypatch)
    d["expected"]["site-vip"]["expected_s"] = 5.0
    args = {"action": "evaluate", "drill": d, "services": services, "samples": crash_records(tmp_path),
            "fences": drill_observe.parse_fence_history(drill("stonith_admin-history.xml")), "fault_at": T, "settled_at": T + 30}
    res = run(monkeypatch, args)["result"]
    assert res["verdict"] == "fail"
    assert res["services"][0]["why"] == "10.2 s is over 1.5 x the expected 5.0 s"
    res = run(monkeypatch, dict(args, threshold=3))["result"]
    assert res["verdict"] == "pass"
    # Without the fence history, the takeover is unproven: a failure (with a fence device) or unverified (without).
    res = run(monkeypatch, dict(args, threshold=3, fences=[]))["result"]
    assert res["verdict"] == "fail"
    res = run(monkeypatch, dict(args, threshold=3, fences=[], fencing_enabled=False))["result"]
    assert res["verdict"] == "pass"
    assert [i["ok"] for i in res["invariants"] if i["id"] == "victim-fenced-or-stopped"] == [None]


def test_evaluate_of_a_probe_that_never_answered_again(monkeypatch, tmp_path):
    d, services = crash_plan(monkeypatch)
    args = {"action": "evaluate", "drill": d, "services": services, "samples": crash_records(tmp_path),
            "fences": drill_observe.parse_fence_history(drill("stonith_admin-history.xml")), "fault_at": T, "settled_at": T + 30,
            "probe": probe_file(tmp_path, ok_again=45), "probe_services": {"site": "site-vip"}}
    res = run(monkeypatch, args)["result"]
    # It answered again at +45 s, after the drill had settled at +30 s: still measured, over the limit.
    assert res["services"][0]["client_s"] == 45.0
    assert res["verdict"] == "fail"
    # A probe file that is not there: no client view.
    res = run(monkeypatch, dict(args, probe=str(tmp_path / "missing.jsonl")))["result"]
    assert res["services"][0]["client_s"] is None and res["verdict"] == "pass"


def writer_file(tmp_path, summary=True, lost_ids=()):
    """A database writer's lines (acknowledged until +0.4 s, again from +10.8 s) and, with summary, its summary file."""
    rows, t, i = [], -1.0, 0
    while t < 12.0:
        ok = t <= 0.41 or t >= 10.79
        i += 1
        rows.append({"t": round(T + t, 3), "name": "db", "ok": ok, "node": None, "error": None if ok else "OSError: x",
                     "write": i if ok else None})
        t += 0.2
    path = write_jsonl(tmp_path / "03-crash-probe.jsonl", rows)
    acked = [r["write"] for r in rows if r["ok"]]
    if summary:
        with open(path + ".summary.json", "w") as f:
            json.dump({"db": {"requests": len(rows), "writes": {
                "acknowledged": len(acked), "found": len(acked) - len(lost_ids), "lost": len(lost_ids),
                "lost_ids": list(lost_ids), "without_writes_s": 10.4, "error": None}}}, f)
    return path, len(acked)


def test_evaluate_reads_the_writer_s_summary_beside_the_probe(monkeypatch, tmp_path):
    d, services = crash_plan(monkeypatch)
    path, acked = writer_file(tmp_path)
    args = {"action": "evaluate", "drill": d, "services": services, "samples": crash_records(tmp_path),
            "fences": drill_observe.parse_fence_history(drill("stonith_admin-history.xml")), "fault_at": T, "settled_at": T + 30,
            "probe": path, "probe_services": {"db": "site-vip"}}
    res = run(monkeypatch, args)["result"]
    site = res["services"][0]
    assert site["writes"] == {"acknowledged": acked, "found": acked, "lost": 0, "lost_ids": [], "without_writes_s": 10.4,
                              "error": None}
    lost = [i for i in res["invariants"] if i["id"] == "no-acknowledged-write-lost"][0]
    assert lost["ok"] is True and res["verdict"] == "pass"
    # Acknowledged writes the promoted standby never had: the drill fails.
    path, acked = writer_file(tmp_path, lost_ids=[2, 3])
    res = run(monkeypatch, args)["result"]
    assert (res["services"][0]["writes"]["lost"], res["services"][0]["writes"]["lost_ids"]) == (2, [2, 3])
    assert res["verdict"] == "fail"
    # No summary (the client never finished its read-back): unknown, not 0 lost.
    os.unlink(path + ".summary.json")
    path, acked = writer_file(tmp_path, summary=False)
    res = run(monkeypatch, args)["result"]
    assert (res["services"][0]["writes"]["found"], res["services"][0]["writes"]["lost"]) == (None, None)
    assert [i["ok"] for i in res["invariants"] if i["id"] == "no-acknowledged-write-lost"] == [None]
    # A summary cut short reads as none.
    with open(path + ".summary.json", "w") as f:
        f.write('{"db": {"writes": ')
    res = run(monkeypatch, args)["result"]
    assert res["services"][0]["writes"]["lost"] is None


# ---------------------------------------------------------------------------------------------
# report


def report_of(monkeypatch, tmp_path):
    d, services = crash_plan(monkeypatch)
    d["result"] = drill_judge.evaluate(d, services, [], None, [], T, T + 30, d["expected"], 1.5)
    d["settled_s"] = 30.0
    d["log_lines"] = drill_observe.relevant_lines(drill("journal.crash.txt").splitlines(), ["site-vip", "site-nginx"], "fx-node2")
    return {"cluster": "lab", "started": "2026-11-25T04:29:50Z", "threshold": 1.5, "verdict": d["result"]["verdict"],
            "drills": [d]}


def test_report_writes_json_and_markdown(monkeypatch, tmp_path):
    rep = report_of(monkeypatch, tmp_path)
    out = tmp_path / "reports" / "run-1"
    result = run(monkeypatch, {"action": "report", "report": rep, "report_dir": str(out), "report_name": "drills"})
    assert result["changed"] is True
    names = ["drills-01-crash.svg", "drills.html", "drills.json", "drills.md"]
    assert result["files"] == [str(out / n) for n in names]
    assert sorted(os.listdir(str(out))) == names  # no temporary file left behind
    for f in result["files"]:
        assert os.stat(f).st_mode & 0o777 == 0o644
    with open(str(out / "drills.json")) as f:
        assert json.load(f) == json.loads(json.dumps(rep))
    with open(str(out / "drills.md")) as f:
        md = f.read()
    assert md == result["markdown"] == drill_report.render_markdown(json.loads(json.dumps(rep)), {"01-crash": "drills-01-crash.svg"})
    assert md.startswith("# Failover drills: lab\n")
    assert "![timeline of 01-crash](drills-01-crash.svg)" in md.splitlines()
    with open(str(out / "drills-01-crash.svg")) as f:
        assert f.read() == timeline.render_svg(rep["drills"][0]["result"]["timeline"])
    with open(str(out / "drills.html")) as f:
        page = f.read()
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg ") == 1 and "<script" not in page
    assert "| 01-crash | site-vip | 19.8 | 29.7 | - | - | 0 | fail |" in md.splitlines()


def test_report_default_name_and_check_mode(monkeypatch, tmp_path):
    rep = report_of(monkeypatch, tmp_path)
    out = tmp_path / "checked"
    result = run(monkeypatch, {"action": "report", "report": rep, "report_dir": str(out), "_ansible_check_mode": True})
    assert result["changed"] is True
    names = ("failover-drills-01-crash.svg", "failover-drills.html", "failover-drills.json", "failover-drills.md")
    assert result["files"] == [str(out / n) for n in names]
    assert not out.exists()
    out.mkdir()
    run(monkeypatch, {"action": "report", "report": rep, "report_dir": str(out), "_ansible_check_mode": True})
    assert os.listdir(str(out)) == []


# ---------------------------------------------------------------------------------------------
# observe


def test_observe_writes_one_json_line_per_sample(monkeypatch, tmp_path):
    path = tmp_path / "drills" / "03-crash.jsonl"
    stop = str(path) + ".stop"
    runner = FakeRunner()

    def crm_mon(argv, data):
        # One sample, then the role says stop.
        with open(stop, "w"):
            pass
        return 0, drill("crm_mon.crash-recovered.xml"), ""

    runner.answers[("crm_mon",)] = crm_mon
    runner.add(["ip"], stdout=drill("ip-addr.vip-holder.txt"))
    os.makedirs(str(path.parent))
    with open(stop, "w"):
        pass  # left over from an earlier drill: removed before sampling
    before = time.time()
    result = run(monkeypatch, {"action": "observe", "path": str(path), "node": "fx-node2", "watch": WATCH,
                               "interval": 0.1, "duration": 60}, runner)
    # the stop came during the first sample: one more sample, begun after it, then the observer ends
    assert (result["changed"], result["samples"], result["path"]) == (False, 2, str(path))
    with open(str(path)) as f:
        (line, last) = f.read().splitlines()
    s, last = json.loads(line), json.loads(last)
    assert last["t"] >= s["t"]
    assert last["last"] is True and "last" not in s  # the one begun after the stop request is marked
    assert before <= s["t"] <= time.time()
    assert s == drill_observe.sample(s["t"], "fx-node2", parse_crm_mon(drill("crm_mon.crash-recovered.xml")),
                                     drill_observe.parse_addresses(drill("ip-addr.vip-holder.txt")), WATCH)
    assert s["vips"] == [SITE_VIP]
    assert [c["argv"] for c in runner.calls] == [["crm_mon", "--output-as=xml"], ["ip", "-o", "-4", "addr", "show"]] * 2


def observe_booth_member(monkeypatch, tmp_path, node, answers, last):
    """One site drill observer's first sample: answers {argv prefix: fixture}; the command `last` (the one sampled
    last before the addresses) asks the observer to stop, as the role does. Returns (sample, the commands run)."""
    path = tmp_path / (node + ".jsonl")
    runner = FakeRunner()
    for prefix, name in answers.items():
        runner.add(list(prefix), stdout=fixture_text(name))
    text = fixture_text(answers[last])

    def stop_after(argv, data):
        with open(str(path) + ".stop", "w"):
            pass
        return 0, text, ""

    runner.answers[last] = stop_after
    runner.add(["ip"], stdout="")
    run(monkeypatch, {"action": "observe", "path": str(path), "node": node, "tickets": {"geo-web": ["geo-service"]},
                      "booth_config": "/etc/booth/booth.conf", "interval": 0.1, "duration": 60}, runner)
    return json.loads(path.read_text().splitlines()[0]), [c["argv"] for c in runner.calls]


def test_observe_for_a_site_drill_samples_the_ticket_and_booth_s_own_view(monkeypatch, tmp_path):
    """A site node: crm_mon with the ticket granted and its service running, booth list of its own booth."""
    answers = {("crm_mon",): "booth/crm_mon-site-granted.xml", ("booth", "list"): "booth/list-1.0-granted.txt"}
    s, calls = observe_booth_member(monkeypatch, tmp_path, "geo-a1", answers, ("booth", "list"))
    assert s["ticket"] == {"geo-web": {"granted": True, "on": ["geo-a1"], "all": True}}
    assert s["booth"] == {"leaders": {"geo-web": "172.31.244.100"}, "multiple": []}
    assert ["booth", "list", "-c", "/etc/booth/booth.conf"] in calls


def test_observe_stamps_the_cluster_when_read_and_booth_when_it_answered(monkeypatch, tmp_path):
    """booth list can take its whole timeout (a member cut off the WAN): it is asked after the cluster and the
    addresses were read, which give the sample its time t; booth's view has its own, booth_t."""
    path = tmp_path / "geo-b2.jsonl"
    runner = FakeRunner()
    runner.add(["crm_mon"], stdout=fixture_text("booth/crm_mon-site-granted.xml"))
    runner.add(["ip"], stdout="")

    def slow_booth(argv, data):
        time.sleep(0.3)
        with open(str(path) + ".stop", "w"):
            pass
        return 0, fixture_text("booth/list-1.0-granted.txt"), ""

    runner.answers[("booth", "list")] = slow_booth
    run(monkeypatch, {"action": "observe", "path": str(path), "node": "geo-b2", "tickets": {"geo-web": ["geo-service"]},
                      "booth_config": "/etc/booth/booth.conf", "interval": 0.1, "duration": 60}, runner)
    s = json.loads(path.read_text().splitlines()[0])
    # Both times are rounded to the millisecond.
    assert s["booth_t"] - s["t"] >= 0.29 and s["ticket"]["geo-web"]["granted"] is True
    assert [c["argv"][0] for c in runner.calls][:3] == ["crm_mon", "ip", "booth"]


def test_observe_on_an_arbitrator_samples_booth_only(monkeypatch, tmp_path):
    """No crm_mon on an arbitrator: not asked for; booth's view is the sample."""
    answers = {("booth", "list"): "booth/list-1.0-revoked.txt"}
    s, calls = observe_booth_member(monkeypatch, tmp_path, "geo-arb", answers, ("booth", "list"))
    assert s["up"] is False and s["booth"]["leaders"] == {"geo-web": None}
    assert "crm_mon" not in [argv[0] for argv in calls]


def test_evaluate_site_judges_the_fetched_samples_and_returns_the_report(monkeypatch, tmp_path):
    granted = fixture_text("booth/crm_mon-site-granted.xml")
    revoked = fixture_text("booth/crm_mon-site-revoked.xml")
    tickets = {"geo-web": ["geo-service"]}
    lines = {"geo-a1": [], "geo-b1": []}
    for i in range(60):
        t = 1000.0 + i
        if t < 1010:
            a = drill_observe.sample(t, "geo-a1", parse_crm_mon(granted), [], ())
            a["ticket"] = site_drill.ticket_sample(parse_crm_mon(granted), tickets)
            lines["geo-a1"].append(a)
        crm = parse_crm_mon(granted if t >= 1035 else revoked)
        b = drill_observe.sample(t + 0.5, "geo-b1", crm, [], ())
        b["ticket"] = site_drill.ticket_sample(crm, tickets)
        lines["geo-b1"].append(b)
    paths = []
    for node, samples in lines.items():
        paths.append(str(tmp_path / (node + ".jsonl")))
        with open(paths[-1], "w") as f:
            f.write("".join(json.dumps(x) + "\n" for x in samples) + '{"t": 10')  # the last line cut short
    plan_ = {"ticket": "geo-web", "lost": "site-a", "survivors": ["site-b"], "fault": "crash", "with_arbitrators": False,
             "sites": {"site-a": ["geo-a1", "geo-a2"], "site-b": ["geo-b1", "geo-b2"]}, "takeover_expected": True,
             "addresses": {"site-a": "172.31.244.100", "site-b": "172.31.244.200"}, "resources": ["geo-service"],
             "expected": {"lease_left_min_s": 15.0, "bound_s": 38}}
    out = run(monkeypatch, {"action": "evaluate_site", "site_drill": plan_, "samples": paths + [str(tmp_path / "gone.jsonl")],
                            "fault_at": 1010.0, "settled_at": 1060.0})
    assert out["changed"] is False and out["site_result"]["verdict"] == "pass", out["site_result"]["invariants"]
    assert out["site_result"]["measured"]["granted_s"] == 25.5
    assert "| Granted at | site-b after 25.5 s |" in out["markdown"]
    bad = dict(plan_, lost="site-c")
    out = run(monkeypatch, {"action": "evaluate_site", "site_drill": bad, "fault_at": 1010.0, "settled_at": 1060.0}, expect=FailJson)
    assert "site_drill.lost: 'site-c' is not one of the sites (site-a, site-b)" in out["msg"]


def test_observe_in_check_mode_writes_nothing(monkeypatch, tmp_path):
    path = tmp_path / "x.jsonl"
    result = run(monkeypatch, {"action": "observe", "path": str(path), "_ansible_check_mode": True})
    assert result["samples"] == 0
    assert not path.exists()


# ---------------------------------------------------------------------------------------------
# log


def test_log_keeps_this_node_s_lines_about_the_drill(monkeypatch):
    (d,) = plan(monkeypatch, [{"type": "crash"}])["drills"]
    services = plan(monkeypatch, [{"type": "crash"}])["services"]
    runner = FakeRunner()
    runner.add(["journalctl"], stdout=drill("journal.crash.txt"))
    out = run(monkeypatch, {"action": "log", "drill": d, "services": services, "since": 1795580990.5,
                            "until": 1795581010.2}, runner)
    argv = runner.calls[0]["argv"]
    assert argv[argv.index("--since") + 1] == "@1795580988" and argv[argv.index("--until") + 1] == "@1795581012"
    assert out["changed"] is False and out["log"]
    assert any("site-nginx" in ln for ln in out["log"])
    assert all(ln in drill("journal.crash.txt").splitlines() or "lines left out" in ln for ln in out["log"])


def test_report_with_a_broken_timeline_is_refused(monkeypatch, tmp_path):
    rep = report_of(monkeypatch, tmp_path)
    rep["drills"][0]["result"]["timeline"]["marks"][0]["kind"] = "boom"
    out = tmp_path / "broken"
    result = run(monkeypatch, {"action": "report", "report": rep, "report_dir": str(out)}, expect=FailJson)
    assert "report.drills[0].result.timeline.marks[0].kind: 'boom' is not one of" in result["msg"]
    assert not out.exists()
