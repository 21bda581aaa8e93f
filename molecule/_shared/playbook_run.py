"""Run one of the collection's playbooks against a scenario's cluster from a test, as an operator would.

Used by the scenarios' bad-input tests: run_playbook(name, extra) runs playbooks/<name> with the extra
variables (JSON) against the scenario's inventory, with this checkout's collection, and returns
(return code, stdout + stderr). docker(node, *argv) runs a command on a node and returns its stdout.
"""

import json
import os
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def inventory():
    inv = os.environ.get("MOLECULE_INVENTORY_FILE")
    if inv and os.path.exists(inv):
        return inv
    return os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")


def docker(node, *argv):
    return subprocess.run(["docker", "exec", node] + list(argv), capture_output=True, text=True,
                          check=True, timeout=60).stdout


def run_playbook(name, extra, timeout=300):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".build", "collections"),
               ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(["ansible-playbook", "-i", inventory(), os.path.join(ROOT, "playbooks", name),
                           "-e", json.dumps(extra)],
                          capture_output=True, text=True, env=env, timeout=timeout, check=False)
    return proc.returncode, proc.stdout + proc.stderr
