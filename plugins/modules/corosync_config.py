#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: corosync_config
short_description: Manage corosync.conf as data
version_added: 0.1.0
author:
  - clusterops.ha developers (!UNKNOWN)
description:
  - Renders a corosync.conf from a nested dictionary, compares it semantically with the file in
    place (comments, whitespace and order do not matter) and installs it atomically when the meaning
    differs.
  - The rendered file is canonical, so every node given the same O(config) gets a byte-identical file.
  - Classifies each change as reloadable with C(corosync-cfgtool -R) or needing a restart of corosync,
    following the corosync 3.1.x source, and returns that decision in RV(reload_required) and
    RV(restart_required).
  - The module never reloads or restarts corosync itself; the caller decides (a reload, or a rolling
    restart node by node).
options:
  config:
    description:
      - "The whole corosync configuration. A dictionary value is a section, a list of dictionaries
        repeated sections of the same name, a scalar is C(key: value) and a list of scalars a repeated key."
      - C(nodelist.node), C(totem.interface) and C(logging.logger_subsys) may be given as a list or
        a single dictionary.
      - Booleans are written as C(1)/C(0) for the votequorum flags (C(two_node), C(wait_for_all),
        C(last_man_standing), C(auto_tie_breaker), C(allow_downscale), C(expected_votes_tracking)),
        as C(on)/C(off) for the logging switches that only accept those (C(timestamp), C(fileline),
        C(function_name), C(blackbox), C(debug)), and as C(yes)/C(no) elsewhere.
      - Keys with a null value are left out.
    type: dict
    required: true
  path:
    description:
      - The corosync configuration file.
    type: path
    default: /etc/corosync/corosync.conf
  backup:
    description:
      - Keep a timestamped copy of the file being replaced next to it.
    type: bool
    default: true
  validate:
    description:
      - Before installing, write the candidate to a temporary file and check it with
        C(corosync -c <file> -t) when the C(corosync) program is installed. A non-zero exit fails the
        task with corosync's message and nothing is written.
      - C(corosync -t) also checks that this host is in the node list.
    type: bool
    default: true
  allow_low_consensus:
    description:
      - Accept a C(totem.consensus) below 1.2 x the effective token with a warning instead of refusing it.
      - The module runs the same validation as the C(cluster) role (types and values, unknown keys with a
        suggestion, node addresses and their family against C(totem.ip_version), timing, quorum and quorum
        device rules), so it refuses what the role refuses.
    type: bool
    default: false
  allow_replace_unmanaged:
    description:
      - Allow replacing a file that was not written by this collection (for example the distribution's
        default corosync.conf).
      - When V(false) and the file in place lacks the collection's header and differs in meaning, the task
        fails without touching it.
    type: bool
    default: true
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
notes:
  - An existing file that cannot be parsed is not an error; it is reported in RV(existing_parse_error)
    and replaced, and every change is classified as needing a restart.
  - Crypto changes are classified as reloadable, which needs corosync built against libknet 1.17 or
    later. Token changes are classified as needing a restart unless every link sets
    C(knet_ping_interval) and C(knet_ping_timeout), because corosync up to 3.1.10 keeps knet ping timers
    computed from the old token after a reload.
seealso:
  - name: corosync.conf(5)
    description: The corosync configuration file format.
    link: https://manpages.debian.org/bookworm/corosync/corosync.conf.5.en.html
  - name: votequorum(5)
    description: The votequorum options and which of them change at run time.
    link: https://manpages.debian.org/bookworm/corosync/votequorum.5.en.html
"""

EXAMPLES = r"""
- name: Install the cluster's corosync.conf
  clusterops.ha.corosync_config:
    config:
      totem:
        version: 2
        cluster_name: prod
        transport: knet
        crypto_cipher: aes256
        crypto_hash: sha256
        token: 3000
        interface:
          - linknumber: 0
            knet_ping_interval: 750
            knet_ping_timeout: 1500
      nodelist:
        node:
          - {name: n1, nodeid: 1, ring0_addr: 10.0.0.1}
          - {name: n2, nodeid: 2, ring0_addr: 10.0.0.2}
      quorum:
        provider: corosync_votequorum
        two_node: 1
      logging:
        to_syslog: true
        to_logfile: true
        logfile: /var/log/corosync/corosync.log
        timestamp: "on"
  register: corosync_conf

- name: Reload corosync when the changes allow it
  ansible.builtin.command: corosync-cfgtool -R
  run_once: true
  when:
    - corosync_conf.reload_required
    - not corosync_conf.restart_required
  changed_when: true
"""

RETURN = r"""
changes:
  description:
    - The semantic changes from the file in place to the desired configuration, in canonical order.
    - Each C(path) is dotted, with list items named by their key, for example C(totem.token),
      C(nodelist.node[nodeid=2].ring0_addr), C(nodelist.node[nodeid=4]) (a whole node) or
      C(logging.logger_subsys[subsys=QUORUM].debug).
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: Where the change is.
      type: str
      returned: always
      sample: totem.token
    before:
      description: The value in place (a string, list or dictionary), null when absent.
      type: raw
      returned: always
      sample: "3000"
    after:
      description: The desired value, null when it is removed.
      type: raw
      returned: always
      sample: "5000"
    action:
      description: V(reload) when C(corosync-cfgtool -R) applies it, V(restart) when corosync must restart.
      type: str
      returned: always
      sample: reload
    reason:
      description: Why, with a reference to the corosync source.
      type: str
      returned: always
      sample: re-read on reload by totem_volatile_config_read() (exec/totemconfig.c)
reload_required:
  description: At least one change can be applied with C(corosync-cfgtool -R).
  returned: always
  type: bool
  sample: true
restart_required:
  description:
    - At least one change needs corosync to restart (node by node); a restart also applies the
      reloadable ones.
  returned: always
  type: bool
  sample: false
config:
  description: The desired configuration in normalized form (all values strings, lists sorted).
  returned: always
  type: dict
  sample: {"totem": {"version": "2", "cluster_name": "prod"}}
checksum:
  description: SHA-1 of the rendered file.
  returned: always
  type: str
  sample: 2c5e0b3b0e1b4c3f9d0e8b1b7f0a3d2c1b0a9f8e
backup_file:
  description: The backup of the replaced file.
  returned: when a backup was made
  type: str
  sample: /etc/corosync/corosync.conf.12345.2024-01-01@12:00:00~
existing_parse_error:
  description: Why the file in place could not be parsed.
  returned: when the file in place could not be parsed
  type: str
  sample: "parser error: /etc/corosync/corosync.conf:12: Missing closing brace"
existing_managed:
  description: Whether the file in place carries this collection's header.
  returned: always
  type: bool
  sample: true
validated:
  description:
    - Whether the candidate was checked with C(corosync -t).
    - In check mode an encrypted candidate whose key file does not exist yet (a node about to join) is
      not checked, with a warning.
  returned: always
  type: bool
  sample: true
"""

import hashlib
import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.command import (
    CommandError,
    Runner,
)
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import CorosyncConfError, normalize
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_diff import diff, summarize
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_reload import RESTART
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_render import is_managed, render
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_tuning import validate_tuning

ARGUMENT_SPEC = dict(
    config=dict(type="dict", required=True),
    path=dict(type="path", default="/etc/corosync/corosync.conf"),
    backup=dict(type="bool", default=True),
    validate=dict(type="bool", default=True),
    allow_low_consensus=dict(type="bool", default=False),
    allow_replace_unmanaged=dict(type="bool", default=True),
)


def make_runner(module):
    """The command seam; unit tests replace this."""
    return Runner(module)


def read_existing(path):
    """(exists, text) of the file in place."""
    if not os.path.exists(path):
        return False, ""
    with open(path, "rb") as f:
        return True, to_text(f.read(), errors="surrogate_then_replace")


DEFAULT_KEYFILE = "/etc/corosync/authkey"


def missing_keyfile(config):
    """The key file an encrypted configuration needs, when it does not exist; else None."""
    totem = config.get("totem") or {}
    if isinstance(totem, list):
        totem = totem[0] if totem else {}
    cipher = str(totem.get("crypto_cipher", "none"))
    digest = str(totem.get("crypto_hash", "none"))
    if cipher == "none" and digest == "none":
        return None
    keyfile = str(totem.get("keyfile") or DEFAULT_KEYFILE)
    return None if os.path.exists(keyfile) else keyfile


def check_with_corosync(module, runner, text):
    """Run `corosync -c <candidate> -t`. Returns True when it ran, fails the module when it rejects."""
    if not runner.which("corosync"):
        return False
    fd, tmp = tempfile.mkstemp(prefix="corosync.conf.candidate.", dir=module.tmpdir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(to_bytes(text))
        try:
            result = runner.run(["corosync", "-c", tmp, "-t"], check=False)
        except CommandError as e:
            module.fail_json(msg="could not run corosync to check the candidate: %s" % to_native(e), **e.as_dict())
        if result.rc != 0:
            detail = (result.stderr.strip() or result.stdout.strip() or "no output, see corosync's log")
            module.fail_json(
                msg="corosync rejected the candidate configuration (rc=%d): %s" % (result.rc, detail),
                rc=result.rc, stdout=result.stdout, stderr=result.stderr, cmd=result.argv)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return True


def write_atomically(module, path, text):
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        module.fail_json(msg="directory %s does not exist (is corosync installed?)" % directory)
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(to_bytes(text))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.rename(tmp, path)
    except (IOError, OSError) as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        module.fail_json(msg="could not write %s: %s" % (path, to_native(e)))
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def run_module(module):
    params = module.params
    path = params["path"]
    desired = params["config"]

    errors, warnings = validate_tuning(desired, params["allow_low_consensus"])
    if errors:
        module.fail_json(msg="invalid corosync configuration: %s" % "; ".join(errors), errors=errors)
    for warning in warnings:
        module.warn(warning)

    try:
        wanted = normalize(desired)
        text = render(wanted)
    except CorosyncConfError as e:  # validate_tuning() should have caught it
        module.fail_json(msg="invalid corosync configuration: %s" % to_native(e))
    checksum = hashlib.sha1(to_bytes(text)).hexdigest()

    if os.path.isdir(path):
        module.fail_json(msg="%s is a directory" % path)
    try:
        exists, old_text = read_existing(path)
    except (IOError, OSError, UnicodeError) as e:
        module.fail_json(msg="could not read %s: %s" % (path, to_native(e)))

    result = dict(changed=False, config=wanted, checksum=checksum, existing_managed=is_managed(old_text),
                  validated=False)
    parse_error = None
    current = {}
    if exists:
        try:
            current = normalize(parse(old_text, source=path))
        except CorosyncConfError as e:
            parse_error = to_native(e)
            result["existing_parse_error"] = parse_error
            current = {}

    changes = diff(current, wanted)
    if parse_error:
        for change in changes:
            change["action"] = RESTART
            change["reason"] = "the file in place could not be parsed: restart to be safe"
    changed = bool(changes) or parse_error is not None
    reload_required, restart_required = summarize(changes)
    if parse_error and not changes:  # pragma: no cover - an empty desired config is refused by validate()
        restart_required = True
    result.update(changes=changes, reload_required=reload_required, restart_required=restart_required)

    if not changed:
        module.exit_json(**result)

    if exists and not result["existing_managed"] and not params["allow_replace_unmanaged"]:
        module.fail_json(msg="%s was not written by clusterops.ha and allow_replace_unmanaged is false; "
                             "it was left untouched" % path, **result)

    if params["validate"]:
        keyfile = missing_keyfile(wanted)
        if module.check_mode and keyfile:
            # corosync -t refuses an encrypted configuration whose key does not exist yet; in check
            # mode on a node about to join, the key is simply not there: nothing can be tested.
            module.warn("check mode: %s does not exist yet, the candidate was not tested with corosync -t" % keyfile)
        else:
            result["validated"] = check_with_corosync(module, make_runner(module), text)

    result["changed"] = True
    if module._diff:
        result["diff"] = dict(before=old_text, after=text, before_header=path, after_header=path)

    if not module.check_mode:
        if exists and params["backup"]:
            result["backup_file"] = module.backup_local(path)
        write_atomically(module, path, text)

    module.exit_json(**result)


def main():
    module = new_module(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with guard(module):
        run_module(module)


if __name__ == "__main__":
    main()
