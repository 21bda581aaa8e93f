#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_snapshot_info
short_description: Read a cluster node's configuration as a snapshot stores it, with secrets redacted
version_added: 0.3.0
description:
  - Reads the configuration files of the cluster stack on one node (corosync.conf, the stack's
    C(/etc/default) files, alert agents named in the CIB) with their modes and owners, and
    fingerprints of secret files (the authkeys) instead of their content.
  - With O(cib=true), also reads the CIB with C(cibadmin --query) and returns its configuration
    normalised (no status section, no attributes Pacemaker rewrites on every change, stable
    order, indented) with every sensitive parameter (names like password, passwd, secret, key,
    token, community, auth) replaced by a fingerprint, and human-readable dumps made from that
    redacted copy (status kept, volatile properties out) by C(pcs -f FILE config) and
    C(crm configure show) when installed.
  - "A fingerprint is C(redacted:sha256:) and the first 16 hex digits of HMAC-SHA256 keyed with
    O(salt). Equal secrets give equal fingerprints, so a changed key or password is visible, but a
    short password cannot be found by hashing guesses without the salt."
  - Nothing missing is an error; a node where nothing is installed yet returns empty results, and
    a CIB that cannot be read is reported in RV(cib_error).
  - M(clusterops.ha.config_snapshot) writes what this module returns into a git repository.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - clusterops.ha.read_only
options:
  salt:
    description:
      - The key of the fingerprints, kept by M(clusterops.ha.config_snapshot) in the repository's
        C(.git) directory (outside history). Never logged.
    type: str
    required: true
  files:
    description: Configuration files to read (absent ones are skipped).
    type: list
    elements: path
    default: [/etc/corosync/corosync.conf, /etc/default/corosync, /etc/default/pacemaker, /etc/default/pcsd,
              /etc/default/corosync-qdevice, /etc/default/corosync-qnetd, /etc/default/sbd,
              /etc/sysconfig/corosync, /etc/sysconfig/pacemaker, /etc/sysconfig/pcsd, /etc/sysconfig/sbd]
  secret_files:
    description: Files recorded only by fingerprint (absent ones are skipped).
    type: list
    elements: path
    default: [/etc/corosync/authkey, /etc/pacemaker/authkey]
  alert_agents:
    description: Also read the alert agents whose paths the CIB's C(alerts) section names (text files only).
    type: bool
    default: true
  cib:
    description: Read, normalise and redact the CIB, and make the dumps. Run it on one node.
    type: bool
    default: false
  dumps:
    description: Human-readable dumps to make when the tool is installed.
    type: list
    elements: str
    choices: [pcs, crm]
    default: [pcs, crm]
  max_size:
    description: Files larger than this many bytes are recorded by fingerprint only. 1 to 67108864 (64 MiB).
    type: int
    default: 262144
"""

EXAMPLES = r"""
- name: Read this node's configuration (the CIB from the first node only)
  clusterops.ha.config_snapshot_info:
    salt: "{{ prepared.salt }}"
    cib: "{{ inventory_hostname == ansible_play_hosts | first }}"
  register: node_config
"""

RETURN = r"""
files:
  description: Text files read, by absolute path.
  returned: always
  type: dict
  sample: {"/etc/corosync/corosync.conf": {"content": "totem {\n...", "mode": "0644", "owner": "root", "group": "root"}}
fingerprints:
  description: Fingerprints of secret files (and of files too large or not text), by absolute path.
  returned: always
  type: dict
  sample: {"/etc/corosync/authkey": "redacted:sha256:3f2a9c0e51d7b6a4"}
cib:
  description:
    - The normalised, redacted CIB (C(xml)) and the dumps by tool (C(dumps)); null when not asked or not readable.
    - C(last_change) is who changed the CIB last, as Pacemaker records it on the CIB's root (C(update-user),
      C(update-client), C(update-origin), C(cib-last-written)), which C(xml) leaves out; M(clusterops.ha.config_snapshot)
      names it in the commit message when the CIB changed.
  returned: always
  type: dict
  sample: {"xml": "<cib ...>", "dumps": {"pcs": "Cluster Name: lab\n..."},
           "last_change": {"user": "root", "client": "cibadmin", "origin": "lab-node1", "written": "Sat Dec  5 19:31:07 2026"}}
cib_error:
  description: Why the CIB could not be read (Pacemaker not installed or not running).
  returned: when O(cib=true) and the CIB could not be read
  type: str
  sample: "cibadmin is not installed"
redacted:
  description: Where a secret was replaced by its fingerprint (never the value).
  returned: always
  type: list
  elements: str
  sample: ["fence-ipmi.password"]
"""

import grp
import os
import pwd
import shutil
import stat
import tempfile


from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, CommandNotFound, Runner
from ansible_collections.clusterops.ha.plugins.module_utils.snapshot import (
    SnapshotError,
    fingerprint,
    cib_last_change,
    normalize_cib,
    redacted_cib,
    redact_text,
)

import xml.etree.ElementTree as ET

DEFAULT_FILES = ["/etc/corosync/corosync.conf", "/etc/default/corosync", "/etc/default/pacemaker",
                 "/etc/default/pcsd", "/etc/default/corosync-qdevice", "/etc/default/corosync-qnetd",
                 "/etc/default/sbd", "/etc/sysconfig/corosync", "/etc/sysconfig/pacemaker",
                 "/etc/sysconfig/pcsd", "/etc/sysconfig/sbd"]


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


def _name(lookup, ident):
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


MAX_SIZE = 64 * 1024 * 1024  # the file is read into memory once, and its text is returned to the controller


def read_file(path, salt, max_size):
    """('file', {content, mode, owner, group}) or ('fingerprint', fp) or (None, None) when absent."""
    try:
        st = os.stat(path)
    except OSError:
        return None, None
    if not stat.S_ISREG(st.st_mode):
        return None, None
    with open(path, "rb") as f:
        data = f.read(max_size + 1)
    if len(data) > max_size:
        return "fingerprint", fingerprint(salt, data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "fingerprint", fingerprint(salt, data)
    if "\x00" in text:
        return "fingerprint", fingerprint(salt, data)
    return "file", {
        "content": text,
        "mode": "%04o" % stat.S_IMODE(st.st_mode),
        "owner": _name(pwd.getpwuid, st.st_uid),
        "group": _name(grp.getgrgid, st.st_gid),
    }


def alert_paths(runner):
    """Paths of the alert agents the CIB names (empty when the CIB cannot be read)."""
    try:
        res = runner.run(["cibadmin", "--query", "--scope", "alerts"], check=False)
    except CommandNotFound:
        return []
    if res.rc != 0:
        return []
    try:
        root = ET.fromstring(res.stdout)
    except ET.ParseError:
        return []
    return sorted(set(a.get("path") for a in root.iter("alert") if a.get("path")))


def read_cib(runner, salt, dumps, tmpdir):
    """({xml, dumps}, redacted names, error)."""
    try:
        res = runner.run(["cibadmin", "--query"], check=False)
    except CommandNotFound:
        return None, [], "cibadmin is not installed"
    if res.rc != 0:
        detail = (res.stderr.strip() or res.stdout.strip() or "rc=%s" % res.rc).splitlines()[-1]
        return None, [], "cibadmin --query failed: %s" % detail
    try:
        xml, secrets = normalize_cib(res.stdout, salt)
    except (CibError, SnapshotError) as e:
        return None, [], "the CIB could not be read: %s" % e
    values = [s["value"] for s in secrets]
    path = os.path.join(tmpdir, "cib.xml")
    with open(path, "w") as f:
        f.write(redacted_cib(res.stdout, salt))
    out = {}
    for tool in dumps:
        if tool == "pcs":
            argv, env = ["pcs", "-f", path, "config"], None
        else:
            argv, env = ["crm", "configure", "show"], {"CIB_file": path}
        if not runner.which(argv[0]):
            continue
        try:
            r = runner.run(argv, check=False, env=env)
        except CommandNotFound:
            continue
        if r.rc == 0 and r.stdout.strip():
            # The dump is made from the redacted copy; redact again in case a tool prints a value
            # from elsewhere.
            out[tool] = redact_text(r.stdout, values, salt)
    return {"xml": xml, "dumps": out, "last_change": cib_last_change(res.stdout)}, [s["path"] for s in secrets], None


def collect(runner, params, tmpdir):
    salt = params["salt"]
    result = {"changed": False, "files": {}, "fingerprints": {}, "cib": None, "redacted": []}
    paths = list(params["files"])
    if params["alert_agents"]:
        paths.extend(p for p in alert_paths(runner) if p not in paths)
    for path in paths:
        kind, value = read_file(path, salt, params["max_size"])
        if kind == "file":
            result["files"][path] = value
        elif kind == "fingerprint":
            result["fingerprints"][path] = value
    for path in params["secret_files"]:
        try:
            with open(path, "rb") as f:
                result["fingerprints"][path] = fingerprint(salt, f.read())
        except (IOError, OSError):
            continue
    if params["cib"]:
        cib, redacted, error = read_cib(runner, salt, params["dumps"], tmpdir)
        result["cib"] = cib
        result["redacted"] = redacted
        if error:
            result["cib_error"] = error
    return result


def main():
    module = new_module(
        argument_spec=dict(
            salt=dict(type="str", required=True, no_log=True),
            files=dict(type="list", elements="path", default=DEFAULT_FILES),
            secret_files=dict(type="list", elements="path",
                              default=["/etc/corosync/authkey", "/etc/pacemaker/authkey"], no_log=False),
            alert_agents=dict(type="bool", default=True),
            cib=dict(type="bool", default=False),
            dumps=dict(type="list", elements="str", choices=["pcs", "crm"], default=["pcs", "crm"]),
            max_size=dict(type="int", default=262144),
        ),
        supports_check_mode=True,
    )
    with guard(module):
        if not 1 <= module.params["max_size"] <= MAX_SIZE:
            module.fail_json(msg="max_size: %d is not a number of bytes from 1 to %d" % (module.params["max_size"], MAX_SIZE))
        tmpdir = tempfile.mkdtemp(prefix="clusterops-snapshot-")
        try:
            result = collect(make_runner(module), module.params, tmpdir)
        except CommandError as e:
            module.fail_json(msg=str(e), **e.as_dict())
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)
        module.exit_json(**result)


if __name__ == "__main__":
    main()
