# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_entry: new_module's checks, its masking of the secrets inside options' data, and guard's
message (every module is driven through them by tests/unit/plugins/modules/test_module_robustness.py)."""

from __future__ import annotations

import importlib
import inspect
import json
import os

import pytest
from ansible.module_utils import basic

from conftest import ExitJson, FailJson, patch_module_args

from ansible_collections.clusterops.ha.plugins.module_utils import module_entry
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError, Failed
from ansible_collections.clusterops.ha.plugins.modules import cib as cib_plugin

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


# ---------------------------------------------------------------------------------------------
# Secrets inside free-form options are masked in the log line, the invocation and the result.

# Taken before conftest's trap_exits replaces it: the real exit_json prints the (masked) result.
REAL_EXIT_JSON = basic.AnsibleModule.exit_json
FENCE_PW, KG_KEY, WEBHOOK = "S3cretPw", "abcd1234", "https://hooks.example.com/services/T0/B0/TOKEN123"
CIB_ARGS = {
    "primitives": [{"id": "f", "agent": "stonith:fence_ipmilan",
                    "params": {"passwd": FENCE_PW, "hexadecimal_kg": KG_KEY, "ip": "192.0.2.7", "lanplus": "1"},
                    "operations": [{"name": "monitor", "interval": "60s", "params": {"auth_token": "Op-T0ken-9"}}]}],
    "alerts": [{"id": "hook", "path": "/usr/share/pacemaker/alerts/alert_webhook.sh",
                "params": {"api_key": "Alert-K3y-5"},
                "recipients": [{"value": WEBHOOK, "params": {"secret": "Recipient-S3cret"}}]}],
}
SECRET_TEXTS = (FENCE_PW, KG_KEY, "TOKEN123", "services/T0/B0", "Op-T0ken-9", "Alert-K3y-5", "Recipient-S3cret")


@pytest.fixture
def journal(monkeypatch):
    """What AnsibleModule writes to the node's log (syslog here), and the fields it would give the journal."""
    lines = []
    real_log = basic.AnsibleModule.log

    def log(self, msg, log_args=None):
        lines.append(repr(log_args))
        real_log(self, msg, log_args=log_args)

    def to_syslog(self, msg):
        lines.append(msg)

    monkeypatch.setattr(basic, "has_journal", False)
    monkeypatch.setattr(basic.AnsibleModule, "log", log)
    monkeypatch.setattr(basic.AnsibleModule, "_log_to_syslog", to_syslog)
    return lines


def cib_module(args):
    """A module built as the cib module builds itself, with its argument spec."""
    with patch_module_args(args):
        return module_entry.new_module(argument_spec=cib_plugin.ARGUMENT_SPEC, supports_check_mode=True)


def printed_result(module, capsys, **result):
    """The result as the real exit_json prints it for the controller (patch_module_args sets its JSON profile)."""
    capsys.readouterr()
    with patch_module_args({}):
        with pytest.raises(SystemExit):
            REAL_EXIT_JSON(module, **result)
    return capsys.readouterr().out


def test_secrets_in_free_form_options_never_reach_the_log_or_the_result(journal, capsys):
    module = cib_module(CIB_ARGS)
    assert module.params["primitives"][0]["params"]["passwd"] == FENCE_PW  # the module itself still has them
    logged = "\n".join(journal)
    assert "Invoked with" in logged
    leaked = [s for s in SECRET_TEXTS if s in logged]
    assert not leaked, "the log line shows %s" % leaked
    # What is no secret is still logged: the rule hides the secrets, not the parameters.
    assert "192.0.2.7" in logged and "https://hooks.example.com/" in logged and "lanplus" in logged
    # The invocation (-vvv) and the whole result, diff included, are masked by Ansible itself.
    out = printed_result(module, capsys, changed=True, diff={"after": CIB_ARGS}, echo=[FENCE_PW, WEBHOOK])
    leaked = [s for s in SECRET_TEXTS if s in out]
    assert not leaked, "the result shows %s" % leaked
    result = json.loads(out)
    assert result["invocation"]["module_args"]["primitives"][0]["params"]["ip"] == "192.0.2.7"
    assert result["invocation"]["module_args"]["alerts"][0]["recipients"][0]["value"] == "https://hooks.example.com/********"


def test_secrets_given_as_json_or_key_value_text_are_masked_too(journal, capsys):
    args = {"primitives": [json.dumps({"id": "f", "params": {"passwd": FENCE_PW}})],
            "alerts": [{"id": "hook", "path": "/bin/true", "params": "api_key=%s" % KG_KEY}]}
    module = cib_module(args)
    assert module.params["alerts"][0]["params"] == {"api_key": KG_KEY}
    out = printed_result(module, capsys, changed=False)
    assert FENCE_PW not in out and KG_KEY not in out
    assert FENCE_PW not in "\n".join(journal) and KG_KEY not in "\n".join(journal)


def test_a_refused_input_and_a_task_with_no_log_are_masked_as_well(capsys):
    # Refused before Ansible's own checks: the relaxed module masks the same secrets.
    seen = []

    def fail_json(self, **kwargs):
        seen.append(self)
        raise FailJson(kwargs)

    with patch_module_args({"data": {"params": {"password": FENCE_PW}}, "items": ["a"]}):
        with pytest.raises(FailJson):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(basic.AnsibleModule, "fail_json", fail_json)
                module_entry.new_module(argument_spec=SPEC)
    assert FENCE_PW in seen[0].no_log_values
    assert FENCE_PW not in printed_result(seen[0], capsys, failed=True, msg="refused")
    # A task with no_log logs no invocation; its result is masked all the same.
    module = cib_module(dict(CIB_ARGS, _ansible_no_log=True))
    assert {FENCE_PW, KG_KEY, "services/T0/B0/TOKEN123"} <= module.no_log_values
    assert FENCE_PW not in printed_result(module, capsys, changed=False, echo=FENCE_PW)


def test_what_is_masked_follows_the_one_rule():
    spec = {"primitives": {"type": "list", "elements": "dict"}, "nodes": {"type": "dict"},
            "live_config": {"type": "dict", "no_log": False}, "remote": {"type": "str"}}
    params = {
        "primitives": [{"id": "f", "params": {
            "passwd": "o'Brien\\pw", "auth": "none", "password": "on", "password_script": "/usr/local/bin/pw",
            "url": "https://u:Pa55@h/x"}}],
        # A secret-looking key outside an nvpair set (corosync's totem.token, a timing) is no secret.
        "nodes": {"totem": {"token": "3000"}},
        # Handed back on purpose (config_snapshot's restored configuration): not masked.
        "live_config": {"primitives": [{"id": "f", "params": {"passwd": "Live-Pw-1"}}]},
        # A declared text option is the module's own to mark no_log.
        "remote": "https://user:Remote-Pw@git.example.com/snapshots.git",
    }
    assert module_entry.masked_values(spec, params) == {
        "o'Brien\\pw", "o'Brien\\\\pw",  # as given, and as the log line's Python text of a dictionary shows it
        "u:Pa55", "Pa55",  # "x" (shorter than 3), "none" and "on" (common words) are not masked
    }
