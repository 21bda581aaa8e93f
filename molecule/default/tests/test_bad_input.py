"""Bad input fails before any node is touched (issue 14): every entry point, against the one built cluster.

The cases live in ../vars/bad_input_cases.yml (one file, read here and by ../bad_input_cib.yml):

- run_cases: one real `ansible-playbook` run each, or per group (playbooks/site.yml with a bad cluster-role
  variable, some for one host only through an inventory overlay; rolling_update.yml, failover_drill.yml;
  restore.yml in check mode; snapshot.yml and health.yml in a temporary directory). Cases of one group
  (cases that one validator reports together: the argument spec, check_values, the corosync.conf check, the
  CIB input check) share a run with their variables merged; each case is still judged by its own needles.
  Each run must exit non-zero, print every needle of each of its cases, and report changed=0 for every host
  in its PLAY RECAP. site.yml, rolling_update.yml, rotate_keys.yml and
  failover_drill.yml judge their input in plays of their own first: the test stops such a run when it
  reaches the next play (STOP_AT), so that input the validation wrongly accepts fails its case in seconds
  and acts on nothing, instead of converging the cluster for minutes. They run BAD_INPUT_PARALLEL (default 2) at a time;
  the nodes are read after each such wave, so a change is pinned to a wave (to one run with
  BAD_INPUT_PARALLEL=1). The nodes' facts are gathered once, before the first run, into a fact cache the runs read
  (BAD_INPUT_FACT_CACHE=0: every run gathers them itself).
- cib_cases: the cib module called directly, all in ONE run of bad_input_cib.yml (with the scenarios' strategy,
  Mitogen, not the verifier's linear one), dealt out over the nodes, each call for real in block/rescue; per case
  the call must have failed, its msg must hold every needle, and it must not report a change. The nodes are read
  after the batch (test_cib_batch_changed_nothing).

"Nothing changed" is read from the nodes (../../_shared/node_state.py), against ONE capture before the
suite: on every node the CIB's admin_epoch and epoch and the sha256 of its <configuration>, the sha256 of
corosync.conf and both authkeys, and the PIDs of corosync and pacemakerd. When a case did change the CIB,
the suite puts the configuration it found back at the end (the epoch moves on), so that the cluster is
usable and the suite can run again; the failing tests say what changed.

The run cases go first, the module batch last (a wrongly accepted module call is the likeliest change).
Audit snapshots are off (config_snapshot_audit: false): they only read the nodes, the services scenario
tests them.

Size and cost (2-CPU machine): 97 run cases (62 site.yml in 37 runs, 14 rolling_update.yml, 6 failover_drill.yml,
5 snapshot.yml, 4 restore.yml, 4 health.yml, 1 rotate_keys.yml, 1 document.yml) and 91 cib module cases. A site.yml run stopped in its
preflight costs about 6 s, one that reaches the survey of the nodes and the plan about 15-20 s (lab, 2 at a
time); the other playbooks' runs about 2 s. Grouping took site.yml from 42 runs to 26.
Each run and the batch are timed into $MOLECULE_EPHEMERAL_DIRECTORY/bad_input_timings.json.

Rerun just this suite against the default scenario's cluster (after `molecule create/converge -s default`):
  MOLECULE_EPHEMERAL_DIRECTORY=$(ls -d ~/.ansible/tmp/molecule.*.default) \
    .venv/bin/python -m pytest -q molecule/default/tests/test_bad_input.py
(-k CASE_ID for some cases; BAD_INPUT_PARALLEL=1 to pin every change to one run.)
"""

import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SCENARIO, "..", "_shared"))
import node_state  # noqa: E402  pylint: disable=wrong-import-position
from playbook_run import recap, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["mol-node1", "mol-node2", "mol-node3"]
CASES_FILE = os.path.join(SCENARIO, "vars", "bad_input_cases.yml")
with open(CASES_FILE) as _f:
    CASES = yaml.safe_load(_f)
RUN_CASES = CASES["run_cases"]
CIB_CASES = CASES["cib_cases"]


def _merge(into, more, where):
    """more's variables into a copy of into: a dict's keys from several cases, never one key with two values."""
    out = dict(into)
    for key, value in more.items():
        if key not in out:
            out[key] = value
        elif isinstance(out[key], dict) and isinstance(value, dict):
            out[key] = _merge(out[key], value, "%s.%s" % (where, key))
        elif out[key] != value:
            raise ValueError("%s.%s: two cases of one group give it different values" % (where, key))
    return out


def _runs(cases):
    """The playbook runs: [(run id, [case, ...], extra, host_vars)], one per case or per group, in file order."""
    runs, by_group = [], {}
    for case in cases:
        group = case.get("group")
        if group in by_group:
            by_group[group][1].append(case)
            continue
        run = [group or case["id"], [case]]
        runs.append(run)
        if group:
            by_group[group] = run
    out = []
    for run_id, members in runs:
        for key in ("playbook", "check", "tmp"):
            values = set(repr(c.get(key)) for c in members)
            if len(values) > 1:
                raise ValueError("group %s: its cases differ in %s" % (run_id, key))
        extra, host_vars = {}, {}
        for c in members:
            extra = _merge(extra, c.get("extra") or {}, run_id + ": extra")
            for host, variables in (c.get("host_vars") or {}).items():
                host_vars[host] = _merge(host_vars.get(host, {}), variables, "%s: host_vars.%s" % (run_id, host))
        out.append((run_id, members, extra, host_vars or None))
    return out


RUNS = _runs(RUN_CASES)
PARALLEL = max(1, int(os.environ.get("BAD_INPUT_PARALLEL", "2")))
# The nodes' facts are gathered once for the suite (a jsonfile fact cache, gathering "smart"): the runs then read them
# instead of gathering on every node in every run. The cluster does not change between runs, so neither do its
# facts. BAD_INPUT_FACT_CACHE=0 gathers in every run, as an operator's run does.
FACT_CACHE = os.environ.get("BAD_INPUT_FACT_CACHE", "1") != "0"
# The first play after the validation plays of the playbooks that have them: reaching it means the input
# passed every check, and nothing has acted yet.
STOP_AT = {
    "site.yml": r"^PLAY \[Configuration snapshot before\]",
    "rolling_update.yml": r"^PLAY \[Configuration snapshot before\]",
    "failover_drill.yml": r"^PLAY \[Configuration snapshot before\]",
    "rotate_keys.yml": r"^PLAY \[Configuration snapshot before\]",
}


def _flat(text):
    """Whitespace collapsed: the yaml callback folds long messages over lines."""
    return " ".join(str(text).split())


def _missing(needles, text):
    flat = _flat(text)
    return [n for n in needles if _flat(n) not in flat]


def _tail(out, size=4000):
    return out[-size:]


class Suite:
    """The ONE capture of the nodes before any case, and what each later capture showed."""

    def __init__(self):
        self.baseline = node_state.capture(NODES)
        self.configuration = node_state.configuration(NODES[0])
        self.last = self.baseline
        self.first_change = None  # the group after which the nodes first differed from the baseline
        self.timings = {}

    def check(self, group):
        """Capture now; (differences from the baseline, differences from the previous capture)."""
        now = node_state.capture(NODES)
        since_baseline = node_state.diff(self.baseline, now)
        since_last = node_state.diff(self.last, now)
        if since_baseline and self.first_change is None:
            self.first_change = group
        self.last = now
        return since_baseline, since_last

    def explain(self, since_baseline, since_last, group):
        if since_last:
            return "%s changed the nodes:\n  %s" % (group, "\n  ".join(since_last))
        return ("the nodes differ from the suite's baseline since %s (not by %s):\n  %s"
                % (self.first_change, group, "\n  ".join(since_baseline)))

    def repair(self):
        """Put the baseline's CIB configuration back when a case changed it (the epoch moves on)."""
        now = node_state.capture(NODES)
        field = "cib.configuration.sha256"
        if any(now[n].get(field) != self.baseline[n].get(field) for n in NODES):
            node_state.restore_configuration(NODES[0], self.configuration)
            sys.stderr.write("test_bad_input: the CIB configuration was put back as it was before the suite\n")


@pytest.fixture(scope="module")
def suite():
    s = Suite()
    started = time.time()
    yield s
    s.repair()
    s.timings["total_seconds"] = round(time.time() - started, 1)
    # What the suite cost, next to the scenario's inventory (not under bench/).
    folder = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY")
    if folder and os.path.isdir(folder):
        with open(os.path.join(folder, "bad_input_timings.json"), "w") as f:
            json.dump(s.timings, f, indent=1, sort_keys=True)


def _fact_cache():
    """A fact cache filled with every node's facts (all of them: every playbook of the suite finds what it reads),
    and the environment that makes a run use it; {} when BAD_INPUT_FACT_CACHE=0."""
    if not FACT_CACHE:
        return None, {}
    folder = tempfile.mkdtemp(prefix="bad-input-facts-")
    env = {"ANSIBLE_GATHERING": "smart", "ANSIBLE_CACHE_PLUGIN": "ansible.builtin.jsonfile",
           "ANSIBLE_CACHE_PLUGIN_CONNECTION": folder, "ANSIBLE_CACHE_PLUGIN_TIMEOUT": "86400"}
    play = os.path.join(folder, "gather.yml")
    with open(play, "w") as f:
        f.write("- hosts: cluster\n  gather_facts: true\n  tasks: []\n")
    rc, out = run_playbook(play, {}, extra_env=env)
    assert rc == 0, "gathering the nodes' facts for the suite failed:\n" + out[-3000:]
    return folder, env


def _run(run, extra_env=None):
    run_id, members, extra, host_vars = run
    case = members[0]
    tmp = tempfile.mkdtemp(prefix="bad-input-") if case.get("tmp") else None
    extra = yaml.safe_load(yaml.safe_dump(extra).replace("@TMP@", tmp or "@TMP@"))
    extra.setdefault("config_snapshot_audit", False)
    started = time.time()
    try:
        rc, out = run_playbook(case["playbook"], extra, host_vars=host_vars, check=bool(case.get("check")), cwd=tmp,
                               stop_at=STOP_AT.get(case["playbook"]), extra_env=extra_env)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return {"rc": rc, "out": out, "seconds": round(time.time() - started, 1),
            "run": run_id if len(members) > 1 else None}


@pytest.fixture(scope="module")
def run_results(suite):
    """Every run (a case, or a group of cases), PARALLEL at a time; the nodes are read after each wave."""
    results = {}
    started = time.time()
    cache, env = _fact_cache()
    suite.timings["fact_cache_seconds"] = round(time.time() - started, 1) if cache else None
    try:
        _waves(suite, results, env)
    finally:
        if cache:
            shutil.rmtree(cache, ignore_errors=True)
    suite.timings["run_cases"] = {"count": len(RUN_CASES), "runs": len(RUNS), "parallel": PARALLEL,
                                  "fact_cache": bool(cache), "seconds": round(time.time() - started, 1),
                                  "per_run": dict((r[0], results[r[1][0]["id"]]["seconds"]) for r in RUNS)}
    return results


def _waves(suite, results, env):
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for start in range(0, len(RUNS), PARALLEL):
            wave = RUNS[start:start + PARALLEL]
            outcomes = list(pool.map(lambda run: _run(run, env), wave))
            group = ("run " if len(wave) == 1 else "the wave of runs ") + ", ".join(r[0] for r in wave)
            since_baseline, since_last = suite.check(group)
            for run, outcome in zip(wave, outcomes):
                for case in run[1]:
                    results[case["id"]] = dict(outcome, group=group, since_baseline=since_baseline,
                                               since_last=since_last)


@pytest.fixture(scope="module")
def cib_results(suite):
    """One run of bad_input_cib.yml (every cib case), then the nodes read once."""
    folder = tempfile.mkdtemp(prefix="bad-input-cib-")
    path = os.path.join(folder, "results.json")
    started = time.time()
    try:
        # One run of some ninety tasks on the three nodes: Mitogen's one interpreter per node pays here (the
        # scenario's verifier runs the short playbook runs above with Ansible's linear strategy, see molecule.yml).
        strategy = os.environ.get("CLUSTEROPS_MOLECULE_STRATEGY", "clusterops_mitogen")
        rc, out = run_playbook(os.path.join(SCENARIO, "bad_input_cib.yml"),
                               {"bad_input_results_file": path}, timeout=900, extra_env={"ANSIBLE_STRATEGY": strategy})
        records = {}
        if os.path.exists(path):
            with open(path) as f:
                records = yaml.safe_load(f) or {}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    since_baseline, since_last = suite.check("the batch of cib cases")
    suite.timings["cib_cases"] = {"count": len(CIB_CASES), "seconds": round(time.time() - started, 1)}
    return {"rc": rc, "out": out, "records": records, "since_baseline": since_baseline, "since_last": since_last}


def test_case_file_is_well_formed():
    for kind, cases in (("cib_cases", CIB_CASES), ("run_cases", RUN_CASES)):
        ids = [c["id"] for c in cases]
        assert len(ids) == len(set(ids)), "%s: an id is given twice" % kind
        for case in cases:
            assert case.get("needle") and all(isinstance(n, str) and n for n in case["needle"]), case["id"]
    assert len(CIB_CASES) >= 50 and len(CIB_CASES) + len(RUN_CASES) >= 80


def test_a_group_is_one_playbook_and_never_gives_a_variable_two_values():
    """_runs() (which built RUNS when this file was loaded) merges a group's variables key by key and refuses
    a group that would have to drop one of its cases' values or mix playbooks."""
    def case(i, extra, playbook="site.yml"):
        return {"id": i, "group": "g", "playbook": playbook, "extra": extra, "needle": [i]}
    [(run_id, members, extra, _hv)] = _runs([case("a", {"q": {"x": 1}}), case("b", {"q": {"y": 2}, "z": 3})])
    assert (run_id, [c["id"] for c in members], extra) == ("g", ["a", "b"], {"q": {"x": 1, "y": 2}, "z": 3})
    with pytest.raises(ValueError, match="g: extra.q.x: two cases of one group give it different values"):
        _runs([case("a", {"q": {"x": 1}}), case("b", {"q": {"x": 2}})])
    with pytest.raises(ValueError, match="group g: its cases differ in playbook"):
        _runs([case("a", {}), case("b", {}, "health.yml")])


@pytest.mark.parametrize("case", RUN_CASES, ids=[c["id"] for c in RUN_CASES])
def test_bad_input_run_fails_before_any_change(suite, run_results, case):
    r = run_results[case["id"]]
    where = "%s (%s%s%s, %.1f s)" % (case["id"], case["playbook"], ", check mode" if case.get("check") else "",
                                     ", in the run of group " + r["run"] if r["run"] else "", r["seconds"])
    assert r["rc"] is not None, "%s: the input passed every validation play; the test stopped the run at " \
        "the next play, before anything acted:\n%s" % (where, _tail(r["out"]))
    assert r["rc"] != 0, "%s: the run succeeded:\n%s" % (where, _tail(r["out"]))
    missing = _missing(case["needle"], r["out"])
    assert not missing, "%s: the output does not say %s:\n%s" % (where, missing, _tail(r["out"]))
    counts = recap(r["out"])
    assert counts, "%s: no PLAY RECAP:\n%s" % (where, _tail(r["out"]))
    changed = dict((h, c["changed"]) for h, c in counts.items() if c["changed"])
    assert not changed, "%s: tasks reported changed %s:\n%s" % (where, changed, _tail(r["out"]))
    assert not r["since_baseline"], "%s: %s" % (where, suite.explain(r["since_baseline"], r["since_last"], r["group"]))


@pytest.mark.parametrize("case", CIB_CASES, ids=["cib-" + c["id"] for c in CIB_CASES])
def test_bad_cib_input_refused(cib_results, case):
    record = cib_results["records"].get(case["id"])
    assert record is not None, "%s: no record (bad_input_cib.yml rc=%s):\n%s" % (
        case["id"], cib_results["rc"], _tail(cib_results["out"]))
    assert record["failed"], "%s: the module call succeeded (changed=%s, epoch %s -> %s, changes %s)" % (
        case["id"], record["changed"], record["epoch_before"], record["epoch_after"], record["changes"])
    missing = _missing(case["needle"], record["msg"])
    assert not missing, "%s: the message does not say %s: %s" % (case["id"], missing, record["msg"])
    assert not record["changed"], "%s: the failed call reported changed: %s" % (case["id"], record["msg"])


def test_cib_batch_changed_nothing(suite, cib_results):
    accepted = sorted(i for i, r in cib_results["records"].items() if not r["failed"])
    assert cib_results["records"], "no records (rc=%s):\n%s" % (cib_results["rc"], _tail(cib_results["out"]))
    assert not cib_results["since_baseline"], "%s\ncases whose call succeeded: %s" % (
        suite.explain(cib_results["since_baseline"], cib_results["since_last"], "the batch of cib cases"),
        ", ".join(accepted) or "none")


def test_cib_batch_ran_every_case(cib_results):
    missing = [c["id"] for c in CIB_CASES if c["id"] not in cib_results["records"]]
    assert not missing and cib_results["rc"] == 0, "rc=%s, no record for %s:\n%s" % (
        cib_results["rc"], missing, _tail(cib_results["out"]))
