"""The seam's per-call timeout: a tool whose own timeout does not hold is killed (rc 124)."""

import time

from conftest import health_lab_runner

from ansible_collections.clusterops.ha.plugins.module_utils import cluster_status_collect
from ansible_collections.clusterops.ha.plugins.module_utils.command import TIMEOUT_RC, Runner


class RecordingModule:
    """Just enough of AnsibleModule for Runner: finds programs, records what it would run."""

    def __init__(self):
        self.ran = []

    def get_bin_path(self, program, required=False):
        return "/usr/bin/" + program

    def run_command(self, argv, **kwargs):
        self.ran.append(argv)
        return 0, "", ""


def test_without_a_module_a_command_past_its_timeout_is_killed_with_rc_124():
    start = time.monotonic()
    res = Runner().run(["sleep", "30"], check=False, timeout=0.5)
    assert res.rc == TIMEOUT_RC
    assert "timed out" in res.stderr
    assert time.monotonic() - start < 10


def test_under_a_module_the_command_goes_through_coreutils_timeout():
    module = RecordingModule()
    res = Runner(module).run(["crmadmin", "-S", "node3", "-t", "5000"], timeout=10)
    assert module.ran == [["/usr/bin/timeout", "-k", "2", "10", "/usr/bin/crmadmin", "-S", "node3", "-t", "5000"]]
    # The result names the command the caller asked for, not the wrapper.
    assert res.argv == ["crmadmin", "-S", "node3", "-t", "5000"]


def test_without_a_timeout_nothing_wraps_the_command():
    module = RecordingModule()
    Runner(module).run(["crm_mon", "--output-as=xml"])
    assert module.ran == [["/usr/bin/crm_mon", "--output-as=xml"]]


def test_collect_asks_the_dc_with_a_timeout_the_seam_enforces():
    runner = health_lab_runner()
    cluster_status_collect.collect(runner, crmadmin_timeout_ms=5000)
    crmadmin = [c for c in runner.calls if c["argv"][0] == "crmadmin"]
    assert crmadmin, runner.calls
    for call in crmadmin:
        assert call["timeout"] == 5000 / 1000.0 + cluster_status_collect.CRMADMIN_GRACE_S


def test_a_dc_that_never_answers_leaves_the_state_unknown_with_a_note():
    runner = health_lab_runner()
    runner.add(["crmadmin", "-S"], rc=TIMEOUT_RC, stderr="")
    status = cluster_status_collect.collect(runner)
    assert status["dc_state"] is None
    assert any(n.startswith("crmadmin -S") and "rc=124" in n for n in status["notes"])
