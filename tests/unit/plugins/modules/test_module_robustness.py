# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module, every option, wrong values: the module answers, it never crashes.

A module that raises instead of calling fail_json reaches the operator as "Module result
deserialization failed" with a traceback on stderr, and the play does not say which option was wrong.
This test drives each module's main() from a call that succeeds (a "base", on outputs captured from the
lab) and then changes one value at a time:

- every option of the argument spec gets values of the wrong type, out-of-set choices, empty, NUL,
  multi-line and very long strings, and the elements of lists of dictionaries get the same, one level
  down and more;
- options that carry free-form data (a drill, a health report, a corosync configuration, collected
  files) get each of their keys, at any depth, replaced with None, a string, a number, a list or a
  dictionary, or removed.

For every such call it asserts:

1. main() ends in exit_json or fail_json, never another exception;
2. what exit_json would print is JSON;
3. fail_json's message is a non-empty string that names the option or the key that was changed. The base
   call succeeded with the same commands answering the same way, so the changed value is the cause, and
   an operator must be able to find it from the message alone;
4. the failure comes from a check of the module's own (the argument spec, module_entry.new_module, the
   engine's validators and shapes), not from module_entry.guard, the backstop for what no check foresaw;
5. no process is signalled and no wait goes on (the clock is fake: a call that sleeps 2000 times or a day
   has hung).

The calls are enumerated, not random: a failure names its case and reruns the same way.
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
import traceback

import pytest

from conftest import ExitJson, FailJson, FakeRunner, fixture_text, health_lab_runner, patch_module_args

from ansible.module_utils import basic
from ansible_collections.clusterops.ha.plugins.module_utils import failover_drill_judge as drill_judge
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.cib_export import export
from ansible_collections.clusterops.ha.plugins.modules import (
    cib,
    cib_info,
    cluster_document,
    cluster_health,
    cluster_info,
    cluster_metrics,
    cluster_node_facts,
    config_snapshot,
    config_snapshot_info,
    corosync_config,
    failover_drill,
    rolling_update,
)

# ---------------------------------------------------------------------------------------------
# The wrong values


LONG = "x" * 5000
STRINGS = [{"k": "v"}, ["a", "b"], "", " ", "\x00", "a\nb", "-rf", "é€", LONG]
WRONG = {
    "str": STRINGS,
    "path": STRINGS,
    "int": ["ten", "1.5", 1.5, -1, 0, 2 ** 63 - 1, 2 ** 64, True, [], {"k": 1}],
    "float": ["fast", "nan", "inf", "-inf", -1.0, 0, 1e308, [], {"k": 1}],
    "bool": ["perhaps", 2, [], {"k": 1}],
    "list": ["a,b", {"k": "v"}, [None], [{"k": "v"}], [[]], [""], [-1]],
    "dict": ["text", ["a"], 7, {"": ""}, {"k": None}, {"k": {"deep": [1]}}, {"k": ["x"]}],
    "raw": ["text", ["a"], 7, None, {"k": None}],
}
# What a key of free-form data becomes.
SWAPS = [None, "garbage", -1, 1e308, [], {}, [None], {"k": None}, "\x00"]
MAX_DEPTH = 4


class Hung(BaseException):
    """Raised by the fake clock when a call keeps waiting: a BaseException, so no module swallows it."""


class FakeClock:
    """time.time/monotonic/sleep for modules that wait: sleeping advances the clock and returns.

    More than MAX_SLEEPS sleeps in one call, or more than a day of waiting, is a hang.
    """

    MAX_SLEEPS = 2000

    def __init__(self):
        self.start = self.now = 1795580000.0
        self.sleeps = 0

    def reset(self):
        self.start, self.sleeps = self.now, 0

    def time(self):
        return self.now

    def sleep(self, seconds):
        seconds = float(seconds)
        if math.isnan(seconds):  # as time.sleep does
            raise ValueError("Invalid value NaN (not a number)")
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        if math.isinf(seconds):
            raise Hung("sleep(inf)")
        self.sleeps += 1
        self.now += max(seconds, 0.001)
        if self.sleeps > self.MAX_SLEEPS or self.now - self.start > 86400:
            raise Hung("still waiting after %d sleeps, %.0f s" % (self.sleeps, self.now - self.start))


def option_type(opt):
    return opt.get("type", "str")


def wrong_values(opt):
    values = list(WRONG.get(option_type(opt), WRONG["raw"]))
    if opt.get("choices"):
        values.append("not-one-of-the-choices")
    if option_type(opt) == "list" and opt.get("elements") in ("int", "float", "bool"):
        values.append(["ten"])
    return values


def replace(args, path, value, delete=False):
    """A deep copy of args with the value at path replaced (or removed)."""
    out = copy.deepcopy(args)
    node = out
    for key in path[:-1]:
        node = node[key]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def get(args, path):
    node = args
    for key in path:
        node = node[key]
    return node


def free_form(value, path, depth=0):
    """Every key (and the first element of every list) of free-form data, swapped or removed."""
    if depth >= MAX_DEPTH:
        return
    if isinstance(value, dict):
        for key in sorted(value, key=str)[:40]:
            for swap in SWAPS:
                if value[key] != swap:
                    yield path + (key,), swap, False
            yield path + (key,), None, True
            yield from free_form(value[key], path + (key,), depth + 1)
    elif isinstance(value, list) and value:
        for swap in SWAPS:
            yield path + (0,), swap, False
        yield from free_form(value[0], path + (0,), depth + 1)


def mutations(spec, args, path=()):
    """(path, value, delete) for every option of spec under path, as placed in args."""
    here = get(args, path) if path else args
    for name in sorted(spec):
        opt = spec[name]
        for value in wrong_values(opt):
            yield path + (name,), value, False
        present = isinstance(here, dict) and here.get(name) is not None
        if not present:
            continue
        typ = option_type(opt)
        if opt.get("options") and typ == "dict":
            yield from mutations(opt["options"], args, path + (name,))
        elif opt.get("options") and typ == "list" and here[name]:
            yield from mutations(opt["options"], args, path + (name, 0))
        elif typ in ("dict", "raw", "list") and not opt.get("options"):
            yield from free_form(here[name], path + (name,))


def describe(path, value, delete):
    where = ".".join(str(p) for p in path)
    if delete:
        return "%s removed" % where
    shown = repr(value)
    return "%s=%s" % (where, shown if len(shown) < 40 else shown[:37] + "...")


def jsonable(result):
    def default(o):
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        raise TypeError("%r is not JSON" % (o,))
    json.dumps(result, default=default)


# ---------------------------------------------------------------------------------------------
# The modules and their bases


def capture_spec(module, monkeypatch):
    """The argument spec main() builds, captured from AnsibleModule."""
    seen = {}

    class Stop(Exception):
        pass

    def init(self, argument_spec, **kwargs):
        seen["spec"] = argument_spec
        raise Stop()

    with monkeypatch.context() as m:
        m.setattr(basic.AnsibleModule, "__init__", init)
        with patch_module_args({}):
            with pytest.raises(Stop):
                module.main()
    return seen["spec"]


def drill_lab_runner(crm_mon="crm_mon.hang-undetected.xml"):
    from test_failover_drill_module import drill_lab_runner as runner
    return runner(crm_mon=crm_mon)


def recovered_runner():
    """The drill lab after the crash drill: the site runs again on fx-node1, the DC is idle."""
    runner = drill_lab_runner("crm_mon.crash-recovered.xml")
    runner.add(["stonith_admin"], stdout=fixture_text("drill", "stonith_admin-history.xml"))
    return runner


def drill_plan(monkeypatch):
    """A crash drill planned on the drill lab, as the role passes it on."""
    from test_failover_drill_module import plan
    result = plan(monkeypatch, [{"type": "crash"}])
    return result["drills"][0], result["services"]


def cib_runner():
    from test_cib_module import FakeCluster
    return FakeCluster().runner


def snapshot_base(tmp_path):
    from test_config_snapshot import collected
    repo = str(tmp_path / "snapshots")
    with patch_module_args({"step": "prepare", "repo": repo}):
        with pytest.raises(ExitJson):
            config_snapshot.main()
    nodes, cib_data = collected("salt")
    return {"step": "commit", "repo": repo, "nodes": nodes, "cib": cib_data, "cluster_name": "lab",
            "reason": "robustness", "who": "tester"}


def corosync_base(tmp_path):
    from test_corosync_config import CONFIG
    return {"config": copy.deepcopy(CONFIG), "path": str(tmp_path / "corosync.conf"),
            "_ansible_tmpdir": str(tmp_path)}


def snapshot_info_runner():
    runner = FakeRunner()
    runner.add(["cibadmin", "--query", "--scope", "alerts"], 0, "<alerts/>")
    runner.add(["cibadmin", "--query"], 0, fixture_text("snapshot", "cib.lab.xml"))
    runner.add(["pcs"], 0, fixture_text("snapshot", "pcs-config.lab.txt"))
    return runner


def node_facts_runner():
    from test_cluster_node_facts import node_runner
    return node_runner()


def document_runner():
    from test_cluster_document import lab_runner
    return lab_runner()


def metrics_runner():
    from test_cluster_metrics import lab_runner
    return lab_runner()


def rolling_report():
    from test_rolling_update_module import lab_report
    return lab_report()


def drill_report(monkeypatch):
    from test_failover_drill_module import T
    d, services = drill_plan(monkeypatch)
    d["result"] = drill_judge.evaluate(d, services, [], None, [], T, T + 30, d["expected"], 1.5)
    d["settled_s"] = 30.0
    return {"cluster": "lab", "started": "2026-11-25T04:29:50Z", "threshold": 1.5, "verdict": d["result"]["verdict"],
            "drills": [d]}


def observe_runner(stop):
    runner = FakeRunner()

    def crm_mon(argv, data):
        with open(stop, "w"):
            pass
        return 0, fixture_text("drill", "crm_mon.crash-recovered.xml"), ""

    runner.answers[("crm_mon",)] = crm_mon
    runner.add(["ip"], stdout=fixture_text("drill", "ip-addr.vip-holder.txt"))
    return runner


def bases(name, monkeypatch, tmp_path):
    """(label, args, runner factory) of calls to the module that succeed on the captured lab."""
    from test_failover_drill_module import NODES as DRILL_NODES, T, WATCH
    lab = ["lab-node1", "lab-node2", "lab-node3"]
    if name == "cib":
        return [("export", export(parse(fixture_text("cib", "pcs_full.xml"))), cib_runner)]
    if name == "cib_info":
        return [("all", {"kinds": ["primitives", "locations"]}, cib_runner)]
    if name == "cluster_document":
        return [("lab", {"generated_at": "2026-12-03T00:00:00Z"}, document_runner)]
    if name == "cluster_health":
        facts = json.loads(fixture_text("health", "node_facts.lab.json"))
        return [("lab", {"node_facts": facts, "expected_nodes": lab, "expected_token_ms": 3650,
                         "skip": {"stonith": "the lab has no fencing"}}, health_lab_runner)]
    if name == "cluster_info":
        return [("wait", {"wait_for": ["pacemaker", "quorate"], "expected_nodes": lab, "timeout": 5, "interval": 1},
                 health_lab_runner)]
    if name == "cluster_metrics":
        return [("file", {"path": str(tmp_path / "ha_cluster.prom")}, metrics_runner)]
    if name == "cluster_node_facts":
        return [("files", {"corosync_conf": str(tmp_path / "corosync.conf"),
                           "corosync_authkey": str(tmp_path / "authkey"),
                           "pacemaker_authkey": str(tmp_path / "pcmk-authkey")}, node_facts_runner)]
    if name == "config_snapshot":
        return [("commit", snapshot_base(tmp_path), lambda: None)]  # real git
    if name == "config_snapshot_info":
        conf = tmp_path / "corosync.conf"
        conf.write_text(fixture_text("snapshot", "corosync.lab.conf"))
        key = tmp_path / "authkey"
        key.write_bytes(b"\x01" * 256)
        return [("files", {"salt": "salt", "files": [str(conf)], "secret_files": [str(key)], "cib": True,
                           "dumps": ["pcs"], "max_size": 65536}, snapshot_info_runner)]
    if name == "corosync_config":
        return [("write", corosync_base(tmp_path), lambda: FakeRunner({("corosync", "-c"): (0, "", "")}))]
    if name == "failover_drill":
        d, services = drill_plan(monkeypatch)
        report = drill_report(monkeypatch)
        monkeypatch.setattr(failover_drill, "POLL_SECONDS", 1.0)  # as shipped (plan() of the drill tests set 0)
        stop = str(tmp_path / "observe.jsonl.stop")
        systemctl = FakeRunner({("systemctl", "kill"): (0, "", "")})
        journal = FakeRunner({("journalctl",): (0, fixture_text("drill", "journal.crash.txt"), "")})
        return [
            ("plan", {"action": "plan", "nodes": DRILL_NODES, "drills": [{"type": "crash"}]}, drill_lab_runner),
            ("observe", {"action": "observe", "path": str(tmp_path / "observe.jsonl"), "node": "fx-node2",
                         "watch": WATCH, "interval": 0.1, "duration": 5}, lambda: observe_runner(stop)),
            ("kill", {"action": "kill", "process": "unit:haproxy"}, lambda: systemctl),
            ("wait", {"action": "wait", "drill": d, "services": services, "since": T, "duration": 5},
             recovered_runner),
            ("log", {"action": "log", "drill": d, "services": services, "since": T - 1, "until": T + 20},
             lambda: journal),
            ("evaluate", {"action": "evaluate", "drill": d, "services": services, "samples": [], "fences": [],
                          "fault_at": T, "settled_at": T + 30}, drill_lab_runner),
            ("report", {"action": "report", "report": report,
                        "report_dir": str(tmp_path / "reports")}, FakeRunner),
        ]
    if name == "rolling_update":
        return [
            ("plan", {"action": "plan", "nodes": lab}, health_lab_runner),
            ("gate", {"action": "gate", "health_report": rolling_report(), "expected_nodes": lab}, health_lab_runner),
            ("drained", {"action": "drained", "node": "lab-node1", "timeout": 5}, health_lab_runner),
            ("pending", {"action": "pending", "packages": ["nginx"]},
             lambda: FakeRunner({("apt-get",): (0, fixture_text("rolling_update", "apt-get-s-dist-upgrade.security.txt"), "")})),
        ]
    raise AssertionError(name)


MODULES = {
    "cib": cib, "cib_info": cib_info, "cluster_document": cluster_document, "cluster_health": cluster_health,
    "cluster_info": cluster_info, "cluster_metrics": cluster_metrics, "cluster_node_facts": cluster_node_facts,
    "config_snapshot": config_snapshot, "config_snapshot_info": config_snapshot_info,
    "corosync_config": corosync_config, "failover_drill": failover_drill, "rolling_update": rolling_update,
}


# ---------------------------------------------------------------------------------------------
# The run


def call(module, args, runner, clock):
    """main() with args: ('exit'|'fail'|'crash'|'hung', result or traceback)."""
    clock.reset()
    if runner is not None:
        module.make_runner = lambda m: runner
    try:
        with patch_module_args(args):
            module.main()
    except ExitJson as e:
        return "exit", e.args[0]
    except FailJson as e:
        return "fail", e.args[0]
    except Hung as e:
        return "hung", str(e)
    except SystemExit as e:  # AnsibleModule's own exit for some errors; the trap should have seen it
        return "crash", "SystemExit(%r)" % (e.code,)
    except Exception:  # pylint: disable=broad-except
        return "crash", traceback.format_exc(limit=-4)
    return "crash", "main() returned without exit_json or fail_json"


def names_the_change(msg, path):
    words = [str(p) for p in path if not isinstance(p, int)]
    low = msg.lower()
    return any(w.lower() in low for w in words if w)


@pytest.fixture
def safe(monkeypatch):
    """No real process is seen or signalled, and no real time passes."""
    clock = FakeClock()
    monkeypatch.setattr(time, "time", clock.time)
    monkeypatch.setattr(time, "monotonic", clock.time)
    monkeypatch.setattr(time, "sleep", clock.sleep)
    killed = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: killed.append((pid, sig)))
    # The kill action reads /proc: it sees no process here, so that what runs on this machine (an `rm -rf` of
    # another job matching the pattern '-rf') cannot change a result. Blank patterns are refused before /proc is
    # read (test_failover_drill_module covers that).
    monkeypatch.setattr(failover_drill, "os", _NoProcesses())
    return clock, killed


class _NoProcesses:
    """The os module, except that /proc lists no process."""

    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def listdir(path="."):
        return [] if str(path) == "/proc" else os.listdir(path)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_wrong_values_never_crash_and_failures_name_the_option(name, monkeypatch, tmp_path, safe):
    module = MODULES[name]
    monkeypatch.chdir(tmp_path)  # relative paths among the wrong values land here
    spec = capture_spec(module, monkeypatch)
    clock, killed = safe
    crashes, hangs, unnamed, not_json, signalled, backstops = [], [], [], [], [], []
    total = 0
    monkeypatch.setattr(module, "make_runner", module.make_runner)  # restored after call() replaces it
    for label, base, runner_factory in bases(name, monkeypatch, tmp_path):
        outcome, result = call(module, base, runner_factory(), clock)
        assert outcome == "exit", "%s: the base call %r must succeed: %s" % (name, label, result)
        cases = list(mutations(spec, base))
        assert cases, "%s %s: nothing to change" % (name, label)
        for path, value, delete in cases:
            total += 1
            args = replace(base, path, value, delete)
            case = "%s %s: %s" % (name, label, describe(path, value, delete))
            del killed[:]
            outcome, result = call(module, args, runner_factory(), clock)
            if killed:
                signalled.append("%s: %d processes" % (case, len(killed)))
            if outcome == "crash":
                crashes.append("%s\n%s" % (case, result))
                continue
            if outcome == "hung":
                hangs.append("%s: %s" % (case, result))
                continue
            try:
                jsonable(result)
            except (TypeError, ValueError) as e:
                not_json.append("%s: %s" % (case, e))
            if outcome == "fail" and "data_options" in result:
                # The backstop of module_entry.guard: the module did not fail with a traceback, but no check of its
                # own named the value either.
                backstops.append("%s\n%s\n%s" % (case, result["msg"], result.get("exception")))
                continue
            if outcome == "fail":
                msg = result.get("msg")
                if not isinstance(msg, str) or not msg.strip() or not names_the_change(msg, path):
                    unnamed.append("%s -> %r" % (case, msg if not isinstance(msg, str) else msg[:300]))
    report = []
    for title, items in (("crashed", crashes), ("kept waiting", hangs), ("signalled processes of this machine", signalled),
                         ("returned what is not JSON", not_json), ("failed without naming the option", unnamed),
                         ("were stopped only by module_entry.guard, not by a check that names the value", backstops)):
        if items:
            report.append("%d of %d calls %s:\n%s" % (len(items), total, title, "\n".join(items[:25])))
    assert not report, "\n\n".join(report)
