"""Run one of the collection's playbooks against a scenario's cluster from a test, as an operator would.

Used by the scenarios' bad-input tests: run_playbook(name, extra) runs playbooks/<name> with the extra
variables (JSON) against the scenario's inventory, with this checkout's collection, and returns
(return code, stdout + stderr). docker(node, *argv) runs a command on a node and returns its stdout.

Optional arguments of run_playbook: host_vars={host: {var: value}} adds a second inventory source with
those variables for those hosts only (-e would apply to every host; the overlay's host_vars/ wins over the
scenario's own, being the later source), check=True runs in check mode, cwd= runs there (PWD too, which
playbooks read for their default report directories), stop_at=REGEX stops the run (SIGINT to its process
group, then SIGKILL) as soon as an output line matches and returns None as its return code; extra_env=
adds variables to the run's environment. A bad-input test stops a playbook when it reaches the first play
after its validation plays, so that input the validation wrongly accepted costs seconds and changes
nothing instead of running the whole playbook.
recap(out) reads the PLAY RECAP's counters.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))
from ansible_collections.clusterops.ha.plugins.module_utils.fleet import parse_recap  # noqa: E402 pylint: disable=wrong-import-position


def inventory():
    inv = os.environ.get("MOLECULE_INVENTORY_FILE")
    if inv and os.path.exists(inv):
        return inv
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")


def docker(node, *argv):
    return subprocess.run(["docker", "exec", node] + list(argv), capture_output=True, text=True,
                          check=True, timeout=60).stdout


def _overlay(host_vars):
    """A temporary inventory directory naming the hosts, with their variables in host_vars/."""
    folder = tempfile.mkdtemp(prefix="clusterops-inventory-")
    os.mkdir(os.path.join(folder, "host_vars"))
    with open(os.path.join(folder, "hosts.json"), "w") as f:
        json.dump({"all": {"hosts": dict((h, None) for h in host_vars)}}, f)
    for host, variables in host_vars.items():
        with open(os.path.join(folder, "host_vars", host + ".json"), "w") as f:
            json.dump(variables, f)
    return folder


def run_playbook(name, extra, timeout=300, host_vars=None, check=False, cwd=None, stop_at=None, diff=False,
                 extra_env=None):
    """playbooks/<name> (or an absolute path) against the scenario's inventory: (rc, stdout + stderr);
    rc is None when stop_at matched a line (the output then ends with a line saying so). extra_env= adds to
    the run's environment (ANSIBLE_STRATEGY, a fact cache)."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"),
               ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.update(extra_env or {})
    # Molecule run from a terminal exports ANSIBLE_FORCE_COLOR, which beats ANSIBLE_NOCOLOR: the PLAY RECAP would
    # come with colour codes that its reader (fleet.parse_recap) does not expect.
    env.pop("ANSIBLE_FORCE_COLOR", None)
    if cwd:
        env["PWD"] = cwd
    argv = ["ansible-playbook", "-i", inventory()]
    overlay = _overlay(host_vars) if host_vars else None
    if overlay:
        argv += ["-i", overlay]
    argv += [os.path.join(ROOT, "playbooks", name), "-e", json.dumps(extra)]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    try:
        if stop_at is None:
            proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, check=False,
                                  cwd=cwd)
            return proc.returncode, proc.stdout + proc.stderr
        # Line by line as Ansible prints them: the stop must come before the next play's first task.
        env["PYTHONUNBUFFERED"] = "1"
        return _run_until(argv, env, cwd, timeout, re.compile(stop_at))
    finally:
        if overlay:
            shutil.rmtree(overlay, ignore_errors=True)


def _run_until(argv, env, cwd, timeout, pattern):
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd,
                            start_new_session=True)
    lines = []
    timer = threading.Timer(timeout, _stop, (proc,))
    timer.start()
    try:
        for line in proc.stdout:
            lines.append(line)
            if pattern.search(line):
                _stop(proc)
                lines.append("[stopped by the test at this line: %s]\n" % line.strip())
                return None, "".join(lines)
        return proc.wait(), "".join(lines)
    finally:
        timer.cancel()
        if proc.poll() is None:
            _stop(proc)
        proc.stdout.close()


def _stop(proc):
    """SIGINT to the run's process group (Ansible's own interrupt), SIGKILL when it is still there after 15 s."""
    for sig, grace in ((signal.SIGINT, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def recap(out):
    """{host: {"ok", "changed", "unreachable", "failed", "skipped", "rescued", "ignored"}} from the PLAY RECAP of a
    run's output: the collection's one reader of it (module_utils/fleet.py, which playbooks/fleet.yml uses)."""
    return parse_recap(out)
