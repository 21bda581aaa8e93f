# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/failover_drill_judge.py: evaluate() of the observed drills, their writes and invariants
(the drill lab's captures, fixtures/drill: drill_lab.py)."""

from __future__ import annotations

from drill_lab import (
    LB_VIP,
    NODES,
    SITE_VIP,
    T,
    WATCH,
    crash_drill,
    crash_fences,
    crash_samples,
    crm,
    drill,
    evaluate,
    lab_expected,
    lab_plan,
    lab_services,
    site_on,
    status_of,
)

from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_judge as drill_judge
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_observe as drill_observe
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon


def smp(t, node, rsc=None, online=None, up=True, quorate=True, vips=(), fail=None):
    """A sample as sample() returns it."""
    return {"t": t, "node": node, "up": up, "quorate": quorate if up else None,
            "online": list(online if online is not None else NODES) if up else [],
            "rsc": dict(rsc or {}) if up else {}, "fail": dict(fail or {}), "vips": sorted(vips)}


def inv(result, inv_id):
    return dict((i["id"], i) for i in result["invariants"])[inv_id]


def test_evaluate_a_crash_that_recovers_after_fencing():
    d = crash_drill()
    result = evaluate(d, crash_samples(), fences=crash_fences())
    assert result["verdict"] == "pass"
    rows = dict((r["service"], r) for r in result["services"])
    site = rows["site-vip"]
    assert site["cluster_s"] == 10.2
    assert site["measured_s"] == 10.2
    assert site["client_s"] is None and site["client_failures"] == 0
    assert (site["expected_s"], site["bound_s"], site["limit_s"]) == (19.8, 149.03, 29.7)
    assert (site["verdict"], site["why"]) == ("pass", "within 1.5 x expected")
    assert rows["app-clone"]["cluster_s"] == 0.0 and rows["app-clone"]["verdict"] == "pass"
    assert rows["lb-haproxy-clone"]["verdict"] == "pass"
    assert [i["id"] for i in result["invariants"]] == ["one-node-per-service", "vip-on-one-node",
                                                       "quorate-side-runs-services", "no-service-without-quorum",
                                                       "victim-fenced-or-stopped"]
    assert all(i["ok"] is True for i in result["invariants"]), result["invariants"]
    victim = inv(result, "victim-fenced-or-stopped")
    assert victim["detail"][0] == "fenced 9.2 s after the fault"
    assert "no samples from it after the fault (down or frozen)" in victim["detail"]
    assert result["samples"] == 16
    assert result["nodes_sampled"] == ["fx-node1", "fx-node3"]


def test_evaluate_ignores_samples_outside_the_drill_and_the_victims_own():
    d = crash_drill()
    samples = crash_samples()
    # The victim's last samples before it died, and one of the survivors' long after the drill.
    samples.append(drill_observe.sample(T - 0.4, "fx-node2", crm("hang-undetected"), [SITE_VIP], WATCH))
    samples.append(drill_observe.sample(T + 99, "fx-node1", crm("not-connected"), [], WATCH))
    result = evaluate(d, samples, fences=crash_fences(), t_end=T + 20)
    assert result["verdict"] == "pass"
    assert result["samples"] == 16
    assert result["nodes_sampled"] == ["fx-node1", "fx-node3"]


def test_evaluate_takes_each_observer_s_last_sample_after_the_settling():
    # The 06-hang drill of a slow CI run: the driver saw site-vip running again on fx-node1 and settled at
    # +12.8 s; the observers' samples showing it came later, the last one begun after the stop request.
    (d,) = lab_plan([{"type": "hang"}])
    d["expected"] = lab_expected(d)
    survivors = ["fx-node1", "fx-node3"]
    fences = [{"target": "fx-node2", "status": "success", "completed": T + 9.0}]
    samples = [smp(T + 1, "fx-node2", site_on("fx-node2"), vips=[SITE_VIP])]
    for dt in (2, 5, 8, 11, 12.5):
        samples.append(smp(T + dt, "fx-node1", site_on("fx-node2"), online=survivors))
        samples.append(smp(T + dt + 0.1, "fx-node3", site_on("fx-node2"), online=survivors))
    samples.append(smp(T + 13.1, "fx-node1", site_on("fx-node1"), online=survivors, vips=[SITE_VIP]))
    samples.append(smp(T + 14.0, "fx-node3", site_on("fx-node1"), online=survivors))
    last = [smp(T + 13.9, "fx-node1", site_on("fx-node1"), online=survivors, vips=[SITE_VIP]),
            smp(T + 14.6, "fx-node3", site_on("fx-node1"), online=survivors)]
    # Long after: fx-node2 thawed holding the VIP, saw the stop request and marked its sample the last; a
    # survivor's sample written after its own last one.
    late = [smp(T + 40, "fx-node2", site_on("fx-node2"), vips=[SITE_VIP]),
            smp(T + 41, "fx-node1", site_on("fx-node2"), online=NODES)]
    late[0]["last"] = True
    for s in last:
        s["last"] = True
    # Unmarked, the samples after the settling are not the drill's: the recovery was not seen.
    result = evaluate(d, samples + late, fences=fences, t_end=T + 12.8)
    assert result["verdict"] == "fail"
    assert dict((r["service"], r["cluster_s"]) for r in result["services"])["site-vip"] is None
    assert inv(result, "quorate-side-runs-services")["ok"] is False
    result = evaluate(d, samples + last + late, fences=fences, t_end=T + 12.8)
    assert dict((r["service"], r["cluster_s"]) for r in result["services"])["site-vip"] == 13.1
    assert all(i["ok"] is True for i in result["invariants"]), result["invariants"]
    assert result["verdict"] == "pass"
    assert result["samples"] == 15  # the victim's one before the freeze, the survivors' 14 to their last


def test_evaluate_split_brain_fails():
    # A partition of fx-node2 where the cut-off node keeps the VIP while fx-node1 takes it over.
    (d,) = lab_plan([{"type": "partition"}])
    d["expected"] = lab_expected(d)
    alone, survivors = ["fx-node2"], ["fx-node1", "fx-node3"]
    samples = [smp(T + 1, "fx-node1", site_on("fx-node2")), smp(T + 1.1, "fx-node2", site_on("fx-node2"), vips=[SITE_VIP])]
    for dt in (9.5, 10.5, 11.5):
        samples.append(smp(T + dt, "fx-node2", site_on("fx-node2"), online=alone, quorate=False, vips=[SITE_VIP]))
    for dt in (10, 11, 12):
        samples.append(smp(T + dt, "fx-node1", site_on("fx-node1"), online=survivors, vips=[SITE_VIP]))
    result = evaluate(d, samples, fences=[], grace_s=15)
    vip = inv(result, "vip-on-one-node")
    assert vip["ok"] is False
    assert len(vip["detail"]) == 1
    assert SITE_VIP in vip["detail"][0] and "fx-node1" in vip["detail"][0] and "fx-node2" in vip["detail"][0]
    assert "from +10.0 s to +11.5 s" in vip["detail"][0]
    assert result["verdict"] == "fail"
    # The same takeover after the cut-off node dropped the VIP: no overlap.
    for s in samples:
        if s["node"] == "fx-node2" and s["t"] > T + 9:
            s["vips"] = []
    vip = inv(evaluate(d, samples, fences=[], grace_s=15), "vip-on-one-node")
    assert vip["ok"] is True
    assert vip["detail"] == ["%s, %s checked on 2 nodes" % (SITE_VIP, LB_VIP)]


def test_evaluate_a_stale_sample_holds_no_vip():
    (d,) = lab_plan([{"type": "hang"}])
    d["expected"] = lab_expected(d)
    survivors = ["fx-node1", "fx-node3"]
    # fx-node2 froze after its sample at +2 s and thawed at +8 s, the VIP still on its interface; fx-node1 held
    # the VIP from +4 s to +7 s. The frozen node's last sample says nothing about +4..+7 s.
    samples = [smp(T + 1, "fx-node2", site_on("fx-node2"), vips=[SITE_VIP]),
               smp(T + 2, "fx-node2", site_on("fx-node2"), vips=[SITE_VIP]),
               smp(T + 8, "fx-node2", site_on("fx-node1"), online=NODES, vips=[SITE_VIP])]
    samples += [smp(T + dt, "fx-node1", site_on("fx-node1"), online=survivors, vips=[SITE_VIP]) for dt in (4, 5, 6, 7)]
    fences = [{"target": "fx-node2", "status": "success", "completed": T + 3.5}]
    result = evaluate(d, samples, fences=fences)
    assert inv(result, "vip-on-one-node")["ok"] is True
    # Samples no more than STALE_S apart make one stretch: fx-node2 held it from +1 s to +8 s, over fx-node1's.
    samples += [smp(T + dt, "fx-node2", site_on("fx-node2"), vips=[SITE_VIP]) for dt in (2 + drill_observe.STALE_S - 0.5, 6.5)]
    result = evaluate(d, samples, fences=fences)
    assert inv(result, "vip-on-one-node")["ok"] is False


def test_evaluate_a_node_without_quorum_must_let_go_within_the_grace():
    (d,) = lab_plan([{"type": "partition"}])
    d["expected"] = lab_expected(d)
    alone = ["fx-node2"]
    survivors = ["fx-node1", "fx-node3"]
    samples = [smp(T + 1, "fx-node1", site_on("fx-node2")), smp(T + 1.2, "fx-node2", site_on("fx-node2"), vips=[SITE_VIP])]
    # fx-node2 loses quorum at +8 s and still runs site-vip and site-nginx at +30 s (grace 15 s).
    for dt in range(8, 31, 2):
        samples.append(smp(T + dt, "fx-node2", site_on("fx-node2"), online=alone, quorate=False))
    samples.append(smp(T + 31, "fx-node1", {}, online=survivors))
    result = evaluate(d, samples, fences=[], grace_s=15, t_end=T + 40)
    nsq = inv(result, "no-service-without-quorum")
    assert nsq["ok"] is False
    assert nsq["detail"][0].startswith("+24.0 s: fx-node2 without quorum for 16.0 s still holds site-nginx, site-vip")
    assert result["verdict"] == "fail"
    # Letting go in time (and a node whose Pacemaker is down holds nothing but its addresses).
    samples = samples[:2] + [smp(T + 8, "fx-node2", site_on("fx-node2"), online=alone, quorate=False),
                             smp(T + 12, "fx-node2", {}, online=alone, quorate=False),
                             smp(T + 13, "fx-node1", site_on("fx-node1"), online=survivors, vips=[SITE_VIP]),
                             smp(T + 30, "fx-node2", up=False)]
    result = evaluate(d, samples, fences=[], grace_s=15, t_end=T + 40)
    nsq = inv(result, "no-service-without-quorum")
    assert nsq["ok"] is True
    assert nsq["detail"] == ["fx-node2 without quorum let go within 15.0 s"]
    # Its own samples show it let go after +8 s, before the takeover at +13 s: no fencing needed.
    victim = inv(result, "victim-fenced-or-stopped")
    assert victim["ok"] is True
    assert victim["detail"] == ["no fencing of fx-node2 recorded",
                                "its own samples: 4, the last holding a resource or VIP 8.0 s after the fault",
                                "first takeover 13.0 s after the fault"]
    assert result["services"][0]["cluster_s"] == 13.0


def test_evaluate_the_grace_defaults_to_stale_s():
    (d,) = lab_plan([{"type": "partition"}])
    d["expected"] = lab_expected(d)
    samples = [smp(T + 8, "fx-node2", site_on("fx-node2"), online=["fx-node2"], quorate=False),
               smp(T + 8 + drill_observe.STALE_S + 0.5, "fx-node2", site_on("fx-node2"), online=["fx-node2"], quorate=False)]
    assert inv(evaluate(d, samples), "no-service-without-quorum")["ok"] is False
    assert inv(evaluate(d, samples, grace_s=10), "no-service-without-quorum")["ok"] is True


def test_evaluate_a_takeover_before_the_fencing_completed():
    d = crash_drill()
    samples = [smp(T + 1, "fx-node1", site_on("fx-node2")),
               smp(T + 10, "fx-node1", site_on("fx-node1"), online=["fx-node1", "fx-node3"], vips=[SITE_VIP])]
    late = [{"target": "fx-node2", "action": "reboot", "status": "success", "executioner": "fx-node3", "completed": T + 14}]
    result = evaluate(d, samples, fences=late)
    victim = inv(result, "victim-fenced-or-stopped")
    assert victim["ok"] is False
    assert victim["detail"] == ["fenced 14.0 s after the fault", "no samples from it after the fault (down or frozen)",
                                "first takeover 10.0 s after the fault"]
    assert result["verdict"] == "fail"
    # The same fencing one second earlier than the takeover: fine. A failed one or another node's does not count.
    ok = [dict(late[0], completed=T + 9)]
    assert inv(evaluate(d, samples, fences=ok), "victim-fenced-or-stopped")["ok"] is True
    others = [dict(late[0], completed=T + 9, status="failed"), dict(late[0], completed=T + 9, target="fx-node3")]
    assert inv(evaluate(d, samples, fences=others), "victim-fenced-or-stopped")["ok"] is False


def test_evaluate_a_crash_without_fencing_is_unverified():
    d = crash_drill()
    samples = [smp(T + 1, "fx-node1", site_on("fx-node2")),
               smp(T + 10, "fx-node1", site_on("fx-node1"), online=["fx-node1", "fx-node3"], vips=[SITE_VIP])]
    result = evaluate(d, samples, fences=[], fencing_enabled=False)
    victim = inv(result, "victim-fenced-or-stopped")
    assert victim["ok"] is None
    assert victim["detail"][0] == "no fencing of fx-node2 recorded"
    assert victim["detail"][-1] == "no fence device: nothing but the crash itself stopped its resources"
    # Unverified does not fail the drill.
    assert result["verdict"] == "pass"
    # With a fence device, a takeover without any fencing is a failure.
    assert inv(evaluate(d, samples, fences=[]), "victim-fenced-or-stopped")["ok"] is False


def probe_rows(fail_from, fail_to, ok_after=None, step=0.2):
    rows = [{"t": T - 1.0, "ok": True}]
    t = fail_from
    while t <= fail_to + 1e-9:
        rows.append({"t": round(T + t, 3), "ok": False})
        t += step
    if ok_after is not None:
        rows += [{"t": T + ok_after, "ok": True}, {"t": T + ok_after + 0.2, "ok": True}]
    return rows


def test_evaluate_client_recovery_is_measured_from_the_fault():
    d = crash_drill()
    result = evaluate(d, crash_samples(), probes={"site-vip": probe_rows(0.2, 9.8, ok_after=10.9)}, fences=crash_fences())
    site = result["services"][0]
    assert site["service"] == "site-vip"
    assert site["client_s"] == 10.9
    assert site["client_failures"] == 49
    assert site["measured_s"] == 10.9  # the longer of the cluster's 10.2 s and the client's
    assert site["verdict"] == "pass"


def test_evaluate_client_without_failures_and_client_never_answered_again():
    d = crash_drill()
    result = evaluate(d, crash_samples(), probes={"site-vip": [{"t": T + 1, "ok": True}, {"t": T + 2, "ok": True}]},
                      fences=crash_fences())
    site = result["services"][0]
    assert (site["client_s"], site["client_failures"], site["measured_s"]) == (0.0, 0, 10.2)
    result = evaluate(d, crash_samples(), probes={"site-vip": probe_rows(0.2, 20)}, fences=crash_fences())
    site = result["services"][0]
    assert site["client_s"] is None and site["measured_s"] is None
    assert (site["verdict"], site["why"]) == ("fail", "did not run again before the cluster settled")
    assert result["verdict"] == "fail"


def test_evaluate_over_the_threshold_fails():
    d = crash_drill()
    result = evaluate(d, crash_samples(), probes={"site-vip": probe_rows(0.2, 31, ok_after=31.5)}, fences=crash_fences())
    site = result["services"][0]
    assert site["client_s"] == 31.5
    assert site["limit_s"] == 29.7
    assert (site["verdict"], site["why"]) == ("fail", "31.5 s is over 1.5 x the expected 19.8 s")
    assert result["verdict"] == "fail"
    # A higher threshold lets it pass.
    result = evaluate(d, crash_samples(), probes={"site-vip": probe_rows(0.2, 31, ok_after=31.5)}, fences=crash_fences(),
                      threshold=2)
    assert result["services"][0]["verdict"] == "pass"
    assert result["services"][0]["why"] == "within 2 x expected"


def test_evaluate_a_service_that_never_came_back():
    d = crash_drill()
    samples = [s for s in crash_samples() if s["t"] < T + 9]
    result = evaluate(d, samples, fences=crash_fences())
    site = result["services"][0]
    assert site["cluster_s"] is None and site["verdict"] == "fail"
    assert inv(result, "quorate-side-runs-services")["ok"] is False
    assert "site-vip" in inv(result, "quorate-side-runs-services")["detail"][0]
    # Without any quorate view at all.
    result = evaluate(d, [], fences=crash_fences())
    assert inv(result, "quorate-side-runs-services")["ok"] is False
    assert inv(result, "quorate-side-runs-services")["detail"] == ["no node with quorum was observed"]


def test_evaluate_a_move_recovers_on_its_target_only():
    (d,) = lab_plan([{"type": "move", "to": "fx-node3"}])
    d["expected"] = lab_expected(d)
    samples = [smp(T + 1, "fx-node1", site_on("fx-node2")), smp(T + 2, "fx-node1", site_on("fx-node1")),
               smp(T + 3, "fx-node1", site_on("fx-node3"))]
    result = evaluate(d, samples)
    assert result["services"][0]["cluster_s"] == 3.0
    assert [i["id"] for i in result["invariants"]] == ["one-node-per-service", "vip-on-one-node",
                                                       "quorate-side-runs-services", "no-service-without-quorum"]


def test_evaluate_one_node_per_service():
    (d,) = lab_plan([{"type": "standby"}])
    d["expected"] = lab_expected(d)
    both = dict(site_on("fx-node2"), **{"site-vip": ["fx-node2", "fx-node1"]})
    samples = [smp(T + 1, "fx-node3", both), smp(T + 2, "fx-node3", site_on("fx-node1"))]
    result = evaluate(d, samples)
    one = inv(result, "one-node-per-service")
    assert one["ok"] is False
    assert one["detail"] == ["+1.0 s: fx-node3 saw site-vip active on fx-node2, fx-node1"]
    assert result["verdict"] == "fail"
    result = evaluate(d, samples[1:])
    assert inv(result, "one-node-per-service") == {"id": "one-node-per-service", "ok": True,
                                                   "title": "Pacemaker never saw an active-passive resource on two nodes",
                                                   "detail": ["1 samples checked"]}
    assert result["services"][0]["cluster_s"] == 2.0


def test_evaluate_kill_process_recovers_only_after_the_fail_count_rose():
    (d,) = lab_plan([{"type": "kill_process"}])
    d["expected"] = lab_expected(d)
    samples = [smp(T + 1, "fx-node1", site_on("fx-node2")),
               smp(T + 5, "fx-node1", site_on("fx-node2")),
               smp(T + 11.5, "fx-node1", site_on("fx-node2"), fail={"site-nginx": 1})]
    result = evaluate(d, samples, fail_before={"site-nginx": 0})
    assert result["services"][0]["cluster_s"] == 11.5
    assert result["verdict"] == "pass"
    # A fail count that was already 1 before the fault: no new failure seen, not recovered.
    result = evaluate(d, samples, fail_before={"site-nginx": 1})
    assert result["services"][0]["cluster_s"] is None
    assert result["verdict"] == "fail"
    # No victim invariant for a service drill.
    assert "victim-fenced-or-stopped" not in [i["id"] for i in result["invariants"]]


def test_evaluate_kill_process_from_the_captured_failure():
    (d,) = lab_plan([{"type": "kill_process"}], status=status_of("kill-process-failed"))
    assert (d["node"], d["resource"]) == ("fx-node1", "site-nginx")
    d["expected"] = lab_expected(d)
    before = drill("crm_mon.kill-process-failed.xml")
    before = before[:before.index("<node_history>")] + before[before.index("</node_history>") + len("</node_history>"):]
    samples = [drill_observe.sample(T + 1, "fx-node3", parse_crm_mon(before), [], WATCH),
               drill_observe.sample(T + 3.2, "fx-node1", crm("kill-process-failed"), [SITE_VIP], WATCH)]
    assert samples[0]["fail"] == {}
    result = evaluate(d, samples, fail_before={})
    assert result["services"][0]["cluster_s"] == 3.2
    assert result["verdict"] == "pass"


def test_evaluate_kill_process_a_failed_resource_has_not_recovered_yet():
    # Right after the failed monitor the fail count is already 1 while the resource is still FAILED
    # (crm_mon: failed="true", its stop pending) - the restart has not happened yet. It recovers with the
    # restart, as in the captured view at +3.2 s.
    (d,) = lab_plan([{"type": "kill_process"}], status=status_of("kill-process-failed"))
    d["expected"] = lab_expected(d)
    captured = drill("crm_mon.kill-process-failed.xml")
    failed = captured.replace('failed="false" failure_ignored="false" nodes_running_on="1" pending="Monitoring"',
                              'failed="true" failure_ignored="false" nodes_running_on="1" pending="Stopping"', 1)
    assert failed != captured
    samples = [drill_observe.sample(T + 1.0, "fx-node1", parse_crm_mon(failed), [SITE_VIP], WATCH),
               drill_observe.sample(T + 3.2, "fx-node1", parse_crm_mon(captured), [SITE_VIP], WATCH)]
    result = evaluate(d, samples, fail_before={})
    assert result["services"][0]["cluster_s"] == 3.2


def test_evaluate_active_active_zero_span():
    (d,) = lab_plan([{"type": "standby", "node": "fx-node1"}])
    d["expected"] = lab_expected(d)
    assert d["affected"] == ["app-clone", "lb-haproxy-clone"]
    none = dict(site_on("fx-node2"), **{"app-nginx": []})
    samples = [smp(T + 1, "fx-node3", site_on("fx-node2")), smp(T + 2, "fx-node3", none),
               smp(T + 3.5, "fx-node3", none), smp(T + 4, "fx-node3", site_on("fx-node2"))]
    rows = dict((r["service"], r) for r in evaluate(d, samples)["services"])
    assert rows["app-clone"]["cluster_s"] == 1.5
    assert rows["app-clone"]["verdict"] == "fail"  # expected 0: any gap is over
    assert rows["lb-haproxy-clone"]["cluster_s"] == 0.0
    assert rows["lb-haproxy-clone"]["verdict"] == "pass"


# ---------------------------------------------------------------------------------------------
# a database writer


def writer_rows(acked_until, again_at, step=0.2):
    """A writer's lines: acknowledged writes from T - 1 to T + acked_until, failures until T + again_at, then more."""
    out, t, i = [], -1.0, 0
    while t <= again_at + 1.0 + 1e-9:
        ok = t <= acked_until + 1e-9 or t >= again_at - 1e-9
        i += 1
        out.append({"t": round(T + t, 3), "ok": ok, "write": i if ok else None, "name": "db"})
        t += step
    return out


def test_evaluate_counts_a_writer_s_writes_and_none_lost():
    d = crash_drill()
    lines = writer_rows(0.4, 10.8)
    acked = len([r for r in lines if r["ok"]])
    writes = drill_judge.probe_writes({"db": {"writes": {"acknowledged": acked, "found": acked, "lost": 0, "lost_ids": [],
                                                         "without_writes_s": 10.4, "error": None}}}, {"db": "site-vip"})
    result = evaluate(d, crash_samples(), probes={"site-vip": lines}, fences=crash_fences(), writes=writes)
    site = result["services"][0]
    assert site["writes"] == {"acknowledged": acked, "found": acked, "lost": 0, "lost_ids": [], "without_writes_s": 10.4,
                              "error": None}
    assert result["services"][1]["writes"] is None  # no writer for the clone
    lost = inv(result, "no-acknowledged-write-lost")
    assert lost["ok"] is True and lost["detail"] == ["site-vip: %d acknowledged, %d found, 0 lost" % (acked, acked)]
    assert result["verdict"] == "pass"


def test_evaluate_a_lost_acknowledged_write_fails_the_drill():
    d = crash_drill()
    lines = writer_rows(0.4, 10.8)
    writes = {"site-vip": {"acknowledged": 60, "found": 57, "lost": 3, "lost_ids": [7, 8, 9], "error": None}}
    result = evaluate(d, crash_samples(), probes={"site-vip": lines}, fences=crash_fences(), writes=writes)
    lost = inv(result, "no-acknowledged-write-lost")
    assert lost["ok"] is False
    assert lost["detail"] == ["site-vip: 60 acknowledged, 57 found, 3 lost (ids 7, 8, 9); asynchronous replication loses "
                              "what the promoted standby had not received"]
    assert result["services"][0]["verdict"] == "pass"  # it recovered in time, and yet
    assert result["verdict"] == "fail"
    writes["site-vip"].update(lost=25, lost_ids=list(range(20)))
    assert "19, ...)" in inv(evaluate(d, crash_samples(), probes={"site-vip": lines}, fences=crash_fences(), writes=writes),
                             "no-acknowledged-write-lost")["detail"][0]


def test_evaluate_a_writer_without_read_back_is_unknown_never_0_lost():
    d = crash_drill()
    lines = writer_rows(0.4, 10.8)
    # No summary at all (the client did not finish), and a read-back that found no primary within its minute.
    for writes, why in ((None, "no read-back: the client wrote no summary"),
                        ({"site-vip": {"acknowledged": 60, "found": None, "lost": None, "lost_ids": [],
                                       "error": "ConnectionRefusedError: no primary"}}, "ConnectionRefusedError: no primary")):
        result = evaluate(d, crash_samples(), probes={"site-vip": lines}, fences=crash_fences(), writes=writes)
        site = result["services"][0]["writes"]
        assert (site["found"], site["lost"], site["error"]) == (None, None, why)
        assert site["acknowledged"] == len([r for r in lines if r["ok"]])
        lost = inv(result, "no-acknowledged-write-lost")
        assert lost["ok"] is None and "found and lost unknown (%s)" % why in lost["detail"][0]
        assert result["verdict"] == "pass"  # unverified, as for the fencing
    # A reader, not a writer: no writes, no invariant.
    result = evaluate(d, crash_samples(), probes={"site-vip": [{"t": T + 1, "ok": True}]}, fences=crash_fences())
    assert result["services"][0]["writes"] is None
    assert "no-acknowledged-write-lost" not in [i["id"] for i in result["invariants"]]


def test_without_writes_is_the_longest_time_between_acknowledged_writes():
    assert drill_judge.without_writes_s(writer_rows(0.4, 10.8)) == 10.4
    assert drill_judge.without_writes_s([{"t": 1.0, "ok": True, "write": 1}, {"t": 2.0, "ok": False, "write": None},
                                         {"t": 9.5, "ok": False, "write": None}]) == 8.5  # never again: to the last request
    assert drill_judge.without_writes_s([]) is None


def test_probe_writes_of_the_summary():
    summary = {"db": {"requests": 9, "writes": {"acknowledged": 9, "found": 9, "lost": 0, "lost_ids": [], "error": None}},
               "db2": {"writes": {"acknowledged": 3, "found": None, "lost": None, "lost_ids": [], "error": "x"}},
               "site": {"requests": 9}, "unmapped": {"writes": {"acknowledged": 1}}}
    assert drill_judge.probe_writes(summary, {"db": "pg", "site": "site-vip"}) == {
        "pg": {"acknowledged": 9, "found": 9, "lost": 0, "lost_ids": [], "error": None}}
    # Two writers of one service add up; unknown when either is.
    both = drill_judge.probe_writes(summary, {"db": "pg", "db2": "pg"})["pg"]
    assert (both["acknowledged"], both["found"], both["lost"], both["error"]) == (12, None, None, "x")
    assert drill_judge.probe_writes(None, {"db": "pg"}) == {}
    assert drill_judge.probe_writes({"db": "cut short"}, {"db": "pg"}) == {}


# ---------------------------------------------------------------------------------------------
# the wait's question, and the client's lines per service


def test_recovered_after_the_crash_and_not_before():
    d = crash_drill()
    services = lab_services()
    assert drill_judge.recovered(d, services, status_of("crash-recovered"), {}) is True
    assert drill_judge.recovered(d, services, status_of("hang-undetected"), {}) is False  # still on fx-node2


def test_recovered_after_a_kill_needs_the_fail_count_to_rise():
    (d,) = lab_plan([{"type": "kill_process"}], status=status_of("hang-undetected"))
    services = lab_services()
    status = status_of("hang-undetected")
    assert drill_judge.recovered(d, services, status, {}) is False
    status["fail_counts"] = [{"resource": "site-nginx", "node": "fx-node2", "fail_count": 1}]
    assert drill_judge.recovered(d, services, status, {}) is True
    assert drill_judge.recovered(d, services, status, {"site-nginx": 1}) is False


def test_probe_rows_per_service():
    rows = [{"name": "web", "t": 1.0, "ok": True}, {"name": "db", "t": 1.2, "ok": False},
            {"name": "other", "t": 1.4, "ok": True}, {"t": 1.6, "ok": True}, {"name": "web", "t": 1.8, "ok": False}]
    assert drill_judge.probe_rows(rows, {"web": "site-vip", "db": "pgsql-vip"}) == {
        "site-vip": [rows[0], rows[4]], "pgsql-vip": [rows[1]]}
    assert drill_judge.probe_rows(rows, {}) == {}
    assert drill_judge.probe_rows([], {"web": "site-vip"}) == {}
