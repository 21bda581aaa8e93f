# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_entry: new_module's checks and guard's message (every module is driven through them
by tests/unit/plugins/modules/test_module_robustness.py)."""

from __future__ import annotations

import importlib
import inspect
import os

import pytest

from conftest import ExitJson, FailJson, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils import module_entry
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError, Failed

SPEC = {
    "secret": {"type": "str", "no_log": True},
    "items": {"type": "list", "elements": "dict", "options": {
        "name": {"type": "str", "required": True},
        "sub": {"type": "dict", "options": {"x": {"type": "int"}}},
    }},
    "label": {"type": "str"},
    "data": {"type": "dict"},
}


def fail_of(args):
    with patch_module_args(args):
        with pytest.raises(FailJson) as e:
            module_entry.new_module(argument_spec=SPEC, supports_check_mode=True)
    return e.value.args[0]


def test_shapes_are_refused_by_name_and_secrets_stay_masked():
    result = fail_of({"secret": "Lab-S3cret-pw", "items": ["a", {"name": "b", "sub": "not a dict"}], "label": ["x"]})
    assert result["errors"] == [
        "items[0]: must be a dictionary (of name, sub), got str 'a'",
        "items[1].sub: must be a dictionary (of x), got str 'not a dict'",
        "label: must be a single value (a string), got list ['x']",
    ]
    assert "Lab-S3cret-pw" not in repr(result)


def test_json_and_key_value_text_still_count_as_dictionaries():
    with patch_module_args({"items": ['{"name": "a"}', "name=b"]}):
        module = module_entry.new_module(argument_spec=SPEC)
    assert [i["name"] for i in module.params["items"]] == ["a", "b"]


def test_values_nothing_here_can_use_are_refused():
    assert fail_of({"label": "a\x00b"})["msg"] == "label: must not contain control characters, found '\\x00' at 1"


def test_guard_turns_an_unexpected_exception_into_a_message():
    with patch_module_args({"data": {"k": 1}}):
        module = module_entry.new_module(argument_spec=SPEC)
    with pytest.raises(FailJson) as e:
        with module_entry.guard(module):
            raise KeyError("affected")
    result = e.value.args[0]
    assert result["msg"].startswith("The module could not use its input (KeyError: 'affected'). Check the data in data:")
    assert result["data_options"] == ["data"] and "Traceback" in result["exception"]
    # exit_json and fail_json pass through.
    with pytest.raises(ExitJson):
        with module_entry.guard(module):
            module.exit_json(changed=False)


def test_errors_raised_on_purpose_are_caught_once_with_their_own_message():
    with patch_module_args({}):
        module = module_entry.new_module(argument_spec=SPEC)
    with pytest.raises(FailJson) as e:
        with module_entry.guard(module):
            raise CommandError(["crm_mon", "--output-as=xml"], 102, "", "crm_mon: Error: cluster is not available")
    assert e.value.args[0]["msg"].startswith("command 'crm_mon --output-as=xml' failed with rc=102")
    assert e.value.args[0]["rc"] == 102 and "data_options" not in e.value.args[0]
    with pytest.raises(FailJson) as e:
        with module_entry.guard(module):
            raise Failed("nothing was pushed", attempts=3)
    assert e.value.args[0]["msg"] == "nothing was pushed" and e.value.args[0]["attempts"] == 3


def test_every_error_of_the_engines_derives_from_the_one_base():
    root = os.path.dirname(module_entry.__file__)
    found = []
    for name in sorted(os.listdir(root)):
        if not name.endswith(".py") or name == "__init__.py":
            continue
        mod = importlib.import_module("ansible_collections.clusterops.ha.plugins.module_utils." + name[:-3])
        for attr, value in vars(mod).items():
            if inspect.isclass(value) and issubclass(value, Exception) and value.__module__ == mod.__name__:
                found.append(attr)
                assert issubclass(value, ClusterOpsError), "%s.%s does not derive from ClusterOpsError" % (name, attr)
    assert {"CommandError", "CibError", "StatusParseError", "ValidationError", "DrillError", "Failed"} <= set(found)
