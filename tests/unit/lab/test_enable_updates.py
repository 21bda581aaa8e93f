"""lab/enable_updates.yml: lab_update_hold is refused before any host is touched when it is not a list of patterns."""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")
PLAYBOOK = os.path.join(ROOT, "lab", "enable_updates.yml")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


# Each case is a real ansible-playbook run (about 5 s): a string, and a list with an option where a pattern goes.
@pytest.mark.parametrize("value", ["perl*", ["perl*", "-o foo"]], ids=["string", "option"])
def test_a_bad_lab_update_hold_stops_before_the_first_host_task(value):
    proc = subprocess.run(
        [ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", "-e", "lab_update_hosts=localhost",
         "-e", json.dumps({"lab_update_hold": value}), PLAYBOOK],
        capture_output=True, text=True, timeout=120, check=False,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-2000:]
    assert "lab_update_hold must be a list of package name patterns" in out, out[-2000:]
    assert "TASK [Lab | the suites' sources]" not in out, out[-2000:]
