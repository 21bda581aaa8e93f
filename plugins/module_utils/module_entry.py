# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How every module of the collection starts and how it fails: the one entry seam.

``new_module(argument_spec, **kwargs)`` builds the AnsibleModule after two checks Ansible does not make
well: a dictionary option (or an element of a list of dictionaries) that is not a dictionary, and a list or
dictionary given to a text option, are refused with the option's name (raw_errors), and
values the argument spec lets through but nothing here can use (control characters, empty or over-long
paths, ints beyond 64 bits, NaN or infinite floats) are refused by validate.param_errors. Both fail before
the module reads or changes anything.

``with guard(module):`` around a module's work catches, once, every error the engines raise on purpose
(errors.ClusterOpsError: fail_json with its own message) and turns any other exception into fail_json with a
message, instead of a traceback the controller reports as "Module result
deserialization failed". The message names the options that carry data from an earlier step (free-form
dictionaries and lists), since a value of the wrong shape there is the usual cause, and the traceback goes
into ``exception`` (shown with -vvv).

Secrets inside the options' data: a fence device's password sits in a free-form dictionary (a primitive's
``params``, an alert's or a recipient's, an operation's) that the argument spec cannot mark ``no_log``, and a
webhook's token sits in a recipient's URL. new_module builds a module that finds them by the one rule
(secrets.secret_values) and adds them to ``no_log_values`` before Ansible logs the invocation, so the node's
journal line ("Invoked with ..."), ``invocation`` (-vvv) and the whole result (diff included) show ``********``
instead. An option the spec marks ``no_log=False`` explicitly is left out: its module hands its values back on
purpose (config_snapshot's ``live_config`` and ``secrets`` give the restored configuration, and the role
registers that task with ``no_log``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import traceback

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.secrets import secret_values
from ansible_collections.clusterops.ha.plugins.module_utils.validate import param_errors, what

UNEXPECTED = "could not use its input"
# Ansible masks a no_log value wherever it appears in the log line and the result, as a substring: a value of
# one or two characters ("1", "on") would blank digits and common words everywhere, so shorter ones are not
# masked. Nor are the words a secret-named parameter holds that are no secret (fence_ipmilan's auth=none, a
# boolean), which would blank those words in every message.
MIN_MASKED_LENGTH = 3
NOT_MASKED = frozenset(("true", "false", "yes", "no", "on", "off", "none", "null"))


def _dict_spec_options(opt):
    """The sub-options of a dict or list-of-dict option, or None when it is free-form or not a dict."""
    if opt.get("options") and (opt.get("type") == "dict" or (opt.get("type") == "list" and opt.get("elements") == "dict")):
        return opt["options"]
    return None


def _as_dict(value):
    """value as Ansible's check_type_dict would take it (a dict, JSON text or k=v text), or None."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            return check_type_dict(value)
        except (TypeError, ValueError):
            return None
    return None


def raw_errors(spec, params, prefix=""):
    """Messages for raw parameters, before Ansible's argument spec sees them, that it would take wrongly:

    - a dictionary option (or an element of a list of dictionaries) that is not a dictionary: Ansible's own
      message is "dictionary requested, could not parse JSON or key=value", without the option's name; this one
      names it: "primitives[1]: must be a dictionary, got str 'a'";
    - a list or a dictionary given to a text option (or as an element of a list of texts): Ansible turns it
      into its Python text ("['a', 'b']") with a warning, and that text is not what anyone meant (as a process
      pattern it even matches).
    """
    errors = []
    if not isinstance(params, dict):
        return errors
    for key, opt in spec.items():
        options = _dict_spec_options(opt)
        names = [key] + list(opt.get("aliases") or [])
        value = next((params[n] for n in names if params.get(n) is not None), None)
        field = prefix + key
        if value is None:
            continue
        kind = opt.get("type", "str")
        if kind in ("str", "path") and isinstance(value, (list, dict)):
            errors.append("%s: must be a single value (a string), got %s" % (field, what(value)))
            continue
        if kind == "list" and opt.get("elements") in ("str", "path") and isinstance(value, list):
            errors.extend("%s[%d]: must be a single value (a string), got %s" % (field, i, what(item))
                          for i, item in enumerate(value) if isinstance(item, (list, dict)))
            continue
        if options is None:
            continue
        if opt.get("type") == "dict":
            items = [(field, value)]
        else:
            if isinstance(value, str):
                value = value.split(",")
            if not isinstance(value, list):
                errors.append("%s: must be a list of dictionaries, got %s" % (field, what(value)))
                continue
            items = [("%s[%d]" % (field, i), v) for i, v in enumerate(value)]
        for where, item in items:
            as_dict = _as_dict(item)
            if as_dict is None:
                errors.append("%s: must be a dictionary (of %s), got %s"
                              % (where, ", ".join(sorted(options)), what(item)))
                continue
            errors.extend(raw_errors(options, as_dict, where + "."))
    return errors


def _decoded(value):
    """value with every text Ansible would take as a dictionary (JSON or k=v text) turned into one, as Ansible
    will take it after the raw parameters are logged or refused."""
    if isinstance(value, dict):
        return dict((k, _decoded(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, str) and ("=" in value or value.lstrip().startswith("{")):
        as_dict = _as_dict(value)
        if as_dict is not None:
            return _decoded(as_dict)
    return value


def masked_values(argument_spec, params):
    """The secrets in params (raw or validated) that Ansible must mask: secrets.secret_values of every option but
    those the spec marks no_log=False, in the forms the log line and the result print them."""
    unmasked = set()
    for name, opt in argument_spec.items():
        if isinstance(opt, dict) and opt.get("no_log") is False:
            unmasked.update([name] + list(opt.get("aliases") or []))
    data = dict((k, v) for k, v in (params or {}).items() if k not in unmasked and not str(k).startswith("_ansible_"))
    found = set()
    for value in secret_values(data) | secret_values(_decoded(data)):
        if len(value) < MIN_MASKED_LENGTH or value.lower() in NOT_MASKED:
            continue
        found.add(value)
        # The log line prints a dictionary option as Python's text of it, where a quote or a backslash is escaped.
        found.add(repr(value)[1:-1])
    return found


class MaskingModule(AnsibleModule):
    """An AnsibleModule that adds the secrets inside its options' data to no_log_values: from the raw parameters
    as soon as they are read (a validation failure's result shows them), and again from the validated ones just
    before AnsibleModule.__init__ logs the invocation (a JSON or k=v text has become a dictionary)."""

    def _load_params(self):
        super(MaskingModule, self)._load_params()
        self.no_log_values.update(masked_values(self.argument_spec, self.params))

    def _log_invocation(self):
        self.no_log_values.update(masked_values(self.argument_spec, self.params))
        super(MaskingModule, self)._log_invocation()


def _raw_params():
    try:
        params = basic._load_params()  # pylint: disable=protected-access
    except Exception:  # pylint: disable=broad-except
        return {}
    return params if isinstance(params, dict) else {}


def new_module(argument_spec, **kwargs):
    """An AnsibleModule whose parameters have been checked beyond the argument spec (see the docstring)."""
    errors = raw_errors(argument_spec, _raw_params())
    if errors:
        # Report through a module that takes every option as it is, so the message is ours and secrets stay masked.
        # no_log as the spec says it (also an explicit False: masked_values leaves those options out here too).
        relaxed = dict((name, dict(type="raw", aliases=opt.get("aliases") or [],
                                   **({"no_log": opt["no_log"]} if "no_log" in opt else {})))
                       for name, opt in argument_spec.items())
        module = MaskingModule(argument_spec=relaxed, supports_check_mode=True)
        module.fail_json(msg="; ".join(errors), errors=errors)
    module = MaskingModule(argument_spec=argument_spec, **kwargs)
    # Also when the task is no_log (no invocation is logged then): the result is still masked.
    module.no_log_values.update(masked_values(module.argument_spec, module.params))
    errors = param_errors(argument_spec, module.params)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    return module


def data_options(module):
    """The options given to this call that carry free-form data (dictionaries and lists without sub-options)."""
    names = []
    for name, opt in sorted(module.argument_spec.items()):
        free = opt.get("type") in ("dict", "raw") or (opt.get("type") == "list" and opt.get("elements") in ("dict", "raw"))
        if free and not opt.get("options") and module.params.get(name):
            names.append(name)
    return names


@contextlib.contextmanager
def guard(module):
    """Fail with a message, never a traceback, on an exception the module's own handlers did not expect."""
    try:
        yield
    except ClusterOpsError as e:  # an error raised on purpose, with its own message: caught here once
        module.fail_json(msg=str(e), **e.result())
    except Exception as e:  # pylint: disable=broad-except
        given = data_options(module)
        cause = "%s: %s" % (type(e).__name__, e)
        if given:
            msg = ("The module %s (%s). Check the data in %s: it must be passed on unchanged from the step that produced it. "
                   "Nothing more was done." % (UNEXPECTED, cause, ", ".join(given)))
        else:
            msg = "The module %s (%s). This is a bug in clusterops.ha: please report it with this message. Nothing more was done." \
                % (UNEXPECTED, cause)
        module.fail_json(msg=msg, exception=traceback.format_exc(), data_options=given)
