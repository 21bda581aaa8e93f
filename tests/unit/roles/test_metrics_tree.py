# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metrics timer runs the engine without Ansible, from the one launcher the cluster role writes on the
nodes (roles/cluster/tasks/metrics.yml, templates/clusterops-metrics.py.j2), which carries the module_utils
files listed in __cluster_metrics_engine. Every file they import must be among them: a missing one made the
timer fail on every node with an ImportError and the textfile was never written. The launcher is rendered
here as the template module would and run outside this checkout, in isolated mode."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys

import jinja2
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(ROOT, "roles", "cluster")
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
IMPORT = re.compile(r"^from ansible_collections\.clusterops\.ha\.plugins\.module_utils(?:\.(\w+))? import (.+)$", re.M)


def engine():
    """__cluster_metrics_engine, from the Metrics block's vars."""
    with open(os.path.join(ROLE, "tasks", "metrics.yml")) as f:
        tasks = yaml.safe_load(f)
    for task in tasks:
        names = (task.get("vars") or {}).get("__cluster_metrics_engine")
        if names:
            return names
    raise AssertionError("roles/cluster/tasks/metrics.yml has no __cluster_metrics_engine")


def imports_of(name):
    with open(os.path.join(MODULE_UTILS, name + ".py")) as f:
        text = f.read()
    out = set()
    for module, names in IMPORT.findall(text):
        if module:
            out.add(module)
        else:  # from ...module_utils import cib as cibmod
            out.update(n.split()[0] for n in names.strip("()").split(","))
    return out


def render_launcher():
    """templates/clusterops-metrics.py.j2 with the role's variables, the file lookup and b64encode."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.join(ROLE, "templates")),
                             trim_blocks=True, keep_trailing_newline=True)
    env.filters["b64encode"] = lambda s: base64.b64encode(s.encode("utf-8")).decode("ascii")

    def lookup(plugin, path, rstrip=True):
        assert plugin == "ansible.builtin.file", plugin
        with open(path, encoding="utf-8") as f:
            text = f.read()
        return text.rstrip() if rstrip else text

    return env.get_template("clusterops-metrics.py.j2").render(
        __cluster_metrics_engine=engine(), role_path=ROLE, ansible_managed="Ansible managed", lookup=lookup)


def test_the_carried_engine_imports_only_what_is_carried():
    names = engine()
    assert "metrics" in names, names
    for name in names:
        missing = imports_of(name) - set(names)
        assert not missing, "%s imports %s, which __cluster_metrics_engine does not carry" % (name, sorted(missing))


def test_the_launcher_carries_each_module_unchanged():
    text = render_launcher()
    for name in engine():
        with open(os.path.join(MODULE_UTILS, name + ".py"), "rb") as f:
            assert base64.b64encode(f.read()).decode("ascii") in text, name


def test_the_launcher_runs_alone(tmp_path):
    """Rendered, copied away from this checkout and run isolated (-I: no PYTHONPATH, no user site): it
    imports the whole engine from itself and writes a textfile saying what it could not read (no cluster
    tools here), exit 0, as on a node whose stack is down."""
    launcher = tmp_path / "metrics"
    launcher.write_text(render_launcher())
    prom = tmp_path / "ha_cluster.prom"
    env = {"PATH": "/nonexistent", "LC_ALL": "C"}
    out = subprocess.run([sys.executable, "-I", "-B", str(launcher), "--help"], capture_output=True, text=True,
                         check=False, cwd=str(tmp_path), env=env, timeout=60)
    assert out.returncode == 0 and "--textfile" in out.stdout, out.stderr
    out = subprocess.run([sys.executable, "-I", "-B", str(launcher), "--textfile", str(prom), "--timeout", "5"],
                         capture_output=True, text=True, check=False, cwd=str(tmp_path), env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    text = prom.read_text()
    assert "ha_cluster_clusterops_scrape_success" in text, text[:2000]
    assert not list(tmp_path.glob("**/__pycache__"))


def test_the_launcher_runs_the_carried_engine_isolated():
    with open(os.path.join(ROLE, "tasks", "metrics.yml")) as f:
        text = f.read()
    assert 'dest: "{{ __cluster_metrics_launcher }}.py"' in text
    assert 'exec /usr/bin/python3 -I -B {{ __cluster_metrics_launcher }}.py "$@"' in text
