# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The metrics timer runs the engine without Ansible, from the module_utils files the cluster role copies to
the nodes (roles/cluster/tasks/metrics.yml). Every file they import must be among them: a missing one made
the timer fail on every node with an ImportError and the textfile was never written."""

from __future__ import annotations

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODULE_UTILS = os.path.join(ROOT, "plugins", "module_utils")
IMPORT = re.compile(r"^from ansible_collections\.clusterops\.ha\.plugins\.module_utils(?:\.(\w+))? import (.+)$", re.M)


def copied_files():
    with open(os.path.join(ROOT, "roles", "cluster", "tasks", "metrics.yml")) as f:
        tasks = yaml.safe_load(f)
    found = []

    def walk(items):
        for task in items or []:
            if isinstance(task, dict):
                walk(task.get("block"))
                dest = str((task.get("ansible.builtin.copy") or {}).get("dest", ""))
                if dest.endswith("module_utils/{{ item }}"):
                    found.extend(task["loop"])
    walk(tasks)
    return found


def imports_of(name):
    with open(os.path.join(MODULE_UTILS, name)) as f:
        text = f.read()
    out = set()
    for module, names in IMPORT.findall(text):
        if module:
            out.add(module + ".py")
        else:  # from ...module_utils import cib as cibmod
            out.update(n.split()[0] + ".py" for n in names.strip("()").split(","))
    return out


def test_the_copied_engine_imports_only_what_is_copied():
    copied = copied_files()
    assert "metrics.py" in copied, copied
    for name in copied:
        missing = imports_of(name) - set(copied)
        assert not missing, "%s imports %s, which roles/cluster/tasks/metrics.yml does not copy" % (name, sorted(missing))
