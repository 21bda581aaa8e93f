# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every module's DOCUMENTATION, EXAMPLES and RETURN is YAML, and documents every option and choice of its
argument_spec. ansible-doc and the sanity test say the same, minutes later; a plain scalar holding ": " (a
sentence like "now: only when") broke a module's documentation once and only sanity caught it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
import yaml

from ansible_collections.clusterops.ha.plugins import modules as modules_pkg

MODULES = sorted(m.name for m in pkgutil.iter_modules(modules_pkg.__path__))


def _spec_of(name, monkeypatch):
    """The argument_spec the module's main() gives AnsibleModule (captured, the module not run)."""
    mod = importlib.import_module("ansible_collections.clusterops.ha.plugins.modules.%s" % name)
    seen = {}

    class Stop(Exception):
        pass

    def capture(*args, **kwargs):
        seen.update(kwargs.get("argument_spec") or (args[0] if args else {}))
        raise Stop()

    for attr in ("new_module", "AnsibleModule"):
        if hasattr(mod, attr):
            monkeypatch.setattr(mod, attr, capture)
    with pytest.raises(Stop):
        mod.main()
    return mod, seen


def _descriptions(node, where):
    """(path, value) of every description in a documentation block, at any depth."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            path = "%s.%s" % (where, key)
            # An option or a returned value may itself be called "description" (it has its own fields).
            if key == "description" and not (isinstance(value, dict) and ("type" in value or "description" in value)):
                out.append((path, value))
            else:
                out.extend(_descriptions(value, path))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_descriptions(value, "%s[%d]" % (where, i)))
    return out


def test_every_module_is_listed():
    assert len(MODULES) >= 12 and "rolling_update" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_documentation_is_yaml_and_matches_the_spec(name, monkeypatch):
    mod, spec = _spec_of(name, monkeypatch)
    doc = yaml.safe_load(mod.DOCUMENTATION)
    assert doc["module"] == name and doc["short_description"] and doc["description"]
    assert isinstance(yaml.safe_load(mod.EXAMPLES), list)
    ret = yaml.safe_load(mod.RETURN)
    assert ret is None or isinstance(ret, dict)
    # A plain YAML scalar with ": " in it becomes a mapping, which ansible-doc cannot render.
    for where, text in _descriptions(doc, "DOCUMENTATION") + _descriptions(ret or {}, "RETURN"):
        assert isinstance(text, str) or (isinstance(text, list) and all(isinstance(t, str) for t in text)), (
            "%s: %s: a description must be text or a list of text, got %r (quote a line with ': ' in it)" % (name, where, text))
    options = doc.get("options") or {}
    assert sorted(options) == sorted(spec), "documented options differ from the argument_spec"
    for key, opt in spec.items():
        if "choices" in opt:
            assert options[key].get("choices") == list(opt["choices"]), key
