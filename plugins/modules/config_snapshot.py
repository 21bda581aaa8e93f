#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: config_snapshot
short_description: Keep a cluster's configuration in a git repository, one commit per real change
version_added: 0.3.0
description:
  - Manages the snapshot repository of one cluster, normally on the controller (C(delegate_to) localhost).
  - O(step=prepare) creates the repository when it is missing (directory mode 0700, branch O(branch))
    and returns the salt of the fingerprints, kept in C(.git/clusterops-salt) outside history.
  - O(step=commit) lays out what M(clusterops.ha.config_snapshot_info) returned on every node (a file
    equal on every node once, else per node under C(hosts/NODE/) and reported as drift; the CIB under
    C(cib/); modes, owners and secret fingerprints in C(manifest.json)), compares it with the last
    commit and commits only when something differs, with a message saying what changed in words (and, when the
    CIB changed, who changed it last as Pacemaker recorded it, with the user, the tool, the node and the time), who
    ran it and why. With O(record_run=true), a run that changed nothing is recorded too, by an empty commit
    whose subject is C(run, no configuration change). With O(remote) the branch is then pushed; when the push
    fails the task fails with the reason and the local commit stays.
  - O(step=show) reads a commit back for a restore - the CIB configuration in the input format of
    M(clusterops.ha.cib) and corosync.conf as data - and, given the live configuration, puts the
    real values back in place of the fingerprints (the live value whose fingerprint matches, else one
    from O(secrets)); it fails naming every secret it cannot fill. Given O(hosts), it also refuses a commit
    that cannot rebuild the cluster O(cluster_name) on exactly those hosts (no CIB, no corosync.conf common to all
    nodes, another cluster's name, other node names), naming every reason - the check before a reassembly.
  - O(step=compare) lays out what the nodes returned as O(step=commit) does and compares it with O(commit) instead
    of the branch's last commit, writing nothing - the verification after a reassembly. RV(differences) lists
    every difference, split into RV(expected) (key files with a new fingerprint - a snapshot never holds a key, so
    a rebuilt cluster has new ones) and RV(unexpected).
  - O(step=history) reads the last O(limit) commits of O(branch), newest first, each with what its message says
    (the changes, who, why, who changed the CIB last) - the audit trail that C(playbooks/document.yml) puts in
    the cluster's documentation. A missing repository gives an empty history. It changes nothing.
  - Every git command runs with C(LC_ALL=C), no terminal prompt and ssh in batch mode.
author:
  - clusterops.ha developers (!UNKNOWN)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - O(step=prepare) creates nothing and returns a throw-away salt; O(step=commit) returns the changes and the message
        and writes nothing.
      - O(step=show), O(step=compare) and O(step=history) only read.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  step:
    description: What to do.
    type: str
    choices: [prepare, commit, show, compare, history]
    default: commit
  repo:
    description: The repository's directory (created with its parents when missing).
    type: path
    required: true
  branch:
    description: The branch snapshots are committed to.
    type: str
    default: main
  nodes:
    description:
      - With O(step=commit) or O(step=compare), what M(clusterops.ha.config_snapshot_info) returned per node
        (C(files) and C(fingerprints) are used), keyed by node name.
    type: dict
    default: {}
  cib:
    description:
      - With O(step=commit) or O(step=compare), the RV(clusterops.ha.config_snapshot_info#module:cib) of the node that
        read the CIB; null when none could.
    type: dict
  cluster_name:
    description:
      - The cluster's name, written into the manifest and the message. With O(step=show) and O(hosts), the name
        the commit must be a snapshot of.
    type: str
  hosts:
    description:
      - With O(step=show), the hosts a reassembly rebuilds the cluster on (inventory names). The commit must name
        exactly these nodes and the cluster O(cluster_name), and hold a CIB and a corosync.conf common to all nodes.
    type: list
    elements: str
  reason:
    description: "Why the snapshot is taken (for example the playbook and the moment, V(site.yml: before))."
    type: str
    default: snapshot
  who:
    description: Who takes it; default the controller's user and host name.
    type: str
  author_name:
    description: Name of the commits' author and committer.
    type: str
    default: clusterops.ha
  author_email:
    description: E-mail of the commits' author and committer.
    type: str
    default: clusterops@localhost
  remote:
    description:
      - A remote to push the branch to after a commit (a path or an ssh URL of a bare repository).
        Also pushed when an earlier push failed and the remote is behind. Empty means no push.
    type: str
    default: ""
  remote_name:
    description: The name the remote gets in the repository.
    type: str
    default: snapshots
  record_run:
    description:
      - With O(step=commit), record the run even when the configuration did not change, by an empty commit
        (subject C(run, no configuration change), then who and why). For the runs that act on a cluster without
        changing its configuration, such as a failover drill or a rolling update.
    type: bool
    default: false
  limit:
    description: With O(step=history), the most commits to read. 1 to 1000.
    type: int
    default: 20
  commit:
    description: With O(step=show) or O(step=compare), the commit to read (anything C(git rev-parse) understands).
    type: str
    default: HEAD
  live_config:
    description:
      - With O(step=show), the live configuration as M(clusterops.ha.cib_info) returns it. Secrets whose
        live value has the fingerprint recorded in the snapshot are taken from it.
    type: dict
  secrets:
    description:
      - With O(step=show), values for secrets the live configuration cannot give, keyed by the name
        RV(redacted) lists (for example C(fence-ipmi.params.password)) or by the fingerprint.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: The repository and the fingerprints' salt
  clusterops.ha.config_snapshot:
    step: prepare
    repo: "{{ inventory_dir }}/snapshots/{{ cluster_name }}"
  delegate_to: localhost
  run_once: true
  no_log: true
  register: prepared

- name: Commit what the nodes returned when it differs from the last snapshot
  clusterops.ha.config_snapshot:
    repo: "{{ inventory_dir }}/snapshots/{{ cluster_name }}"
    nodes: "{{ dict(ansible_play_hosts | zip(ansible_play_hosts | map('extract', hostvars, 'node_config'))) }}"
    cib: "{{ hostvars[ansible_play_hosts | first].node_config.cib }}"
    reason: "before the kernel update"
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
salt:
  description: With O(step=prepare), the key of the fingerprints. Register the task with C(no_log).
  returned: when O(step=prepare)
  type: str
changes:
  description: What differs from the last commit, in words.
  returned: when O(step=commit)
  type: list
  elements: str
  sample: ["cib: resource web meta target-role Started -> Stopped", "corosync: totem.token 3000 -> 5000"]
message:
  description: The commit message (also in check mode, when a commit would be made).
  returned: when O(step=commit) and something changed
  type: str
committed:
  description: Whether a commit was made.
  returned: when O(step=commit)
  type: bool
commit:
  description: The commit the branch points to afterwards (with O(step=show), the commit read).
  returned: when the repository has a commit
  type: str
  sample: 3c1e0b8a4d2f9e7c6b5a4d3c2b1a0f9e8d7c6b5a
pushed:
  description: Whether the branch was pushed to O(remote).
  returned: when O(step=commit)
  type: bool
drift:
  description: Files that differ between nodes, with the groups of nodes holding the same content.
  returned: when O(step=commit) or O(step=compare)
  type: list
  elements: dict
  sample: [{"path": "/etc/corosync/corosync.conf", "groups": [["node1", "node2"], ["node3"]]}]
config:
  description:
    - With O(step=show), the commit's CIB configuration in the input format of M(clusterops.ha.cib),
      with secrets filled when O(live_config) was given (register with C(no_log)). Null when the
      commit has no CIB.
  returned: when O(step=show)
  type: dict
redacted:
  description: With O(step=show), the names of the secrets the commit holds only as fingerprints.
  returned: when O(step=show)
  type: list
  elements: str
secrets_used:
  description: With O(step=show) and O(live_config), where each secret's value came from (C(live) or C(given)).
  returned: when O(step=show) and O(live_config) is given
  type: list
  elements: dict
corosync_conf:
  description: With O(step=show), the commit's corosync.conf as data (null when absent or different per node).
  returned: when O(step=show)
  type: dict
manifest:
  description: With O(step=show), the cluster and the nodes the commit is a snapshot of (from its C(manifest.json)).
  returned: when O(step=show)
  type: dict
  sample: {"cluster": "site-a", "nodes": ["geo-a1", "geo-a2"]}
problems:
  description: With O(step=show) and O(hosts), every reason the commit cannot rebuild the cluster (the task fails).
  returned: on failure
  type: list
  elements: str
differences:
  description: With O(step=compare), every difference between O(commit) and what the nodes hold now, in words.
  returned: when O(step=compare)
  type: list
  elements: str
  sample: ["secret /etc/corosync/authkey: changed (fingerprint differs)"]
expected:
  description: With O(step=compare), the differences a rebuild makes by design (key files with a new fingerprint).
  returned: when O(step=compare)
  type: list
  elements: str
unexpected:
  description: With O(step=compare), every other difference (the rebuilt cluster is not what the commit holds).
  returned: when O(step=compare)
  type: list
  elements: str
history:
  description:
    - With O(step=history), the commits of O(branch), newest first, as their messages say (keys null when a
      message lacks them, for example one written by hand).
  returned: when O(step=history)
  type: list
  elements: dict
  contains:
    commit:
      description: The commit's hash.
      type: str
    date:
      description: When it was committed, ISO 8601 with the zone.
      type: str
      sample: "2026-12-06T02:41:07+00:00"
    subject:
      description: The message's first line.
      type: str
    changes:
      description: What changed, in words (empty for a recorded run).
      type: list
      elements: str
    run:
      description: Whether the commit records a run that changed nothing (O(record_run)).
      type: bool
    cluster:
      description: The cluster's name.
      type: str
    who:
      description: Who took the snapshot.
      type: str
    why:
      description: Why (the playbook and the moment).
      type: str
    cib_changed_last:
      description: Who changed the CIB last as Pacemaker recorded it, when the commit changed the CIB.
      type: str
"""

import fcntl
import getpass
import os
import secrets as pysecrets
import socket


from ansible_collections.clusterops.ha.plugins.module_utils import cib as cibmod
from ansible_collections.clusterops.ha.plugins.module_utils import cib_export
from ansible_collections.clusterops.ha.plugins.module_utils import corosync_conf, corosync_conf_parse
from ansible_collections.clusterops.ha.plugins.module_utils.errors import Failed
from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, CommandNotFound, Runner
from ansible_collections.clusterops.ha.plugins.module_utils.snapshot import (
    CIB_PATH,
    COROSYNC_CONF,
    build_tree,
    collected_errors,
    commit_message,
    describe,
    fill_secrets,
    HISTORY_FORMAT,
    manifest_of,
    MANIFEST_PATH,
    parse_history,
    reassembly_differences,
    reassembly_problems,
    secret_name,
    _walk,
)

SALT_FILE = "clusterops-salt"
GIT_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o ConnectTimeout=10",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def make_runner(module):
    """The command seam this module uses (unit tests replace it)."""
    return Runner(module)


class Git:
    """git in one repository, through the command seam."""

    def __init__(self, runner, repo, author_name="clusterops.ha", author_email="clusterops@localhost"):
        self.runner = runner
        self.repo = repo
        self.env = dict(GIT_ENV)
        self.env.update({"GIT_AUTHOR_NAME": author_name, "GIT_AUTHOR_EMAIL": author_email,
                         "GIT_COMMITTER_NAME": author_name, "GIT_COMMITTER_EMAIL": author_email})

    def __call__(self, *args, **kw):
        argv = ["git", "-C", self.repo, "-c", "core.quotepath=off", "-c", "commit.gpgsign=false"] + list(args)
        return self.runner.run(argv, env=self.env, **kw)

    def head(self):
        res = self("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False)
        return res.stdout.strip() if res.rc == 0 else None

    def tree(self, rev):
        """{path: text} of a commit."""
        names = [n for n in self("ls-tree", "-r", "-z", "--name-only", rev).stdout.split("\0") if n]
        if not names:
            return {}
        data = "".join("%s:%s\n" % (rev, n) for n in names)
        out = self("cat-file", "--batch", data=data).stdout
        files = {}
        pos = 0
        for name in names:
            header_end = out.index("\n", pos)
            header = out[pos:header_end].split(" ")
            size = int(header[2])
            start = header_end + 1
            # Sizes are in bytes; the texts are UTF-8.
            blob = out[start:].encode("utf-8")[:size].decode("utf-8", "replace")
            files[name] = blob
            pos = start + len(blob) + 1
        return files

    def show(self, rev, path):
        res = self("show", "%s:%s" % (rev, path), check=False)
        return res.stdout if res.rc == 0 else None


def _salt_path(repo):
    return os.path.join(repo, ".git", SALT_FILE)


def _who(given):
    if given:
        return given
    try:
        user = getpass.getuser()
    except Exception:  # pylint: disable=broad-except
        user = "unknown"
    return "%s@%s" % (user, socket.gethostname())


def require_git(runner):
    if not runner.which("git"):
        raise Failed("git is not installed on the host that keeps the snapshot repository (the controller "
                     "by default): install git there, or set config_snapshot_enabled: false")


def prepare(runner, params, check_mode):
    require_git(runner)
    repo = params["repo"]
    result = {"changed": False, "repo": repo}
    gitdir = os.path.join(repo, ".git")
    if os.path.exists(repo) and not os.path.isdir(gitdir):
        if os.listdir(repo):
            raise Failed("%s exists and is not a git repository: choose another config_snapshot_repo" % repo)
    if not os.path.isdir(gitdir):
        result["changed"] = True
        if check_mode:
            result["salt"] = pysecrets.token_hex(16)
            result["created"] = True
            return result
        old = os.umask(0o077)
        try:
            os.makedirs(repo, mode=0o700, exist_ok=True)
            git = Git(runner, repo)
            git("init", "--quiet")
            git("symbolic-ref", "HEAD", "refs/heads/%s" % params["branch"])
        finally:
            os.umask(old)
        result["created"] = True
    if (os.stat(repo).st_mode & 0o777) != 0o700:
        result["changed"] = True
        if not check_mode:
            os.chmod(repo, 0o700)
    salt_file = _salt_path(repo)
    if os.path.exists(salt_file):
        with open(salt_file) as f:
            result["salt"] = f.read().strip()
    else:
        result["changed"] = True
        result["salt"] = pysecrets.token_hex(16)
        if not check_mode:
            fd = os.open(salt_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(result["salt"] + "\n")
    head = Git(runner, repo).head() if os.path.isdir(gitdir) else None
    if head:
        result["commit"] = head
    return result


def _walk_tree(repo):
    found = set()
    for base, dirs, files in os.walk(repo):
        if base == repo and ".git" in dirs:
            dirs.remove(".git")
        for name in files:
            found.add(os.path.relpath(os.path.join(base, name), repo))
    return found


def write_tree(repo, files):
    old = os.umask(0o077)
    try:
        for path in _walk_tree(repo) - set(files):
            os.remove(os.path.join(repo, path))
        for path, text in files.items():
            full = os.path.join(repo, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        for base, dirs, names in os.walk(repo, topdown=False):
            if base != repo and not dirs and not names and not base.startswith(os.path.join(repo, ".git")):
                os.rmdir(base)
    finally:
        os.umask(old)


def _ensure_remote(git, name, url):
    res = git("remote", "get-url", name, check=False)
    if res.rc != 0:
        git("remote", "add", name, url)
    elif res.stdout.strip() != url:
        git("remote", "set-url", name, url)


def push(git, params, head):
    """None when pushed, else the reason it failed."""
    name, branch = params["remote_name"], params["branch"]
    _ensure_remote(git, name, params["remote"])
    res = git("push", "--quiet", name, "HEAD:refs/heads/%s" % branch, check=False)
    if res.rc != 0:
        lines = [ln for ln in (res.stderr.strip() or res.stdout.strip()).splitlines() if ln.strip()]
        return " ".join(lines[-2:]).rstrip(".") or "rc=%s" % res.rc
    git("update-ref", "refs/remotes/%s/%s" % (name, branch), head)
    return None


def commit(runner, params, check_mode):
    require_git(runner)
    repo = params["repo"]
    git = Git(runner, repo, params["author_name"], params["author_email"])
    exists = os.path.isdir(os.path.join(repo, ".git"))
    if not exists and not check_mode:
        raise Failed("%s is not a snapshot repository yet: run step=prepare first" % repo)
    errors = collected_errors(params["nodes"] or {}, params["cib"])
    if errors:
        raise Failed("Nothing was written: the collected data is not what config_snapshot_info returns: "
                     + "; ".join(errors), errors=errors)
    nodes = dict((k, v or {}) for k, v in (params["nodes"] or {}).items())
    files, drift = build_tree(nodes, params["cib"], params["cluster_name"])
    head = git.head() if exists else None
    old = git.tree(head) if head else {}
    result = {"changed": False, "committed": False, "pushed": False, "drift": drift, "changes": [],
              "files": sorted(files)}
    if head:
        result["commit"] = head
    if files == old and head and params["record_run"]:
        message = commit_message([], _who(params["who"]), params["reason"], params["cluster_name"], run=True)
        result.update(changed=True, message=message)
        if check_mode:
            return result
        git("commit", "--quiet", "--no-verify", "--allow-empty", "-F", "-", data=message)
        result["committed"] = True
        head = git.head()
        result["commit"] = head
    elif files != old:
        changes = describe(old, files) if old else ["first snapshot: " + ", ".join(sorted(files))]
        cib_change = None
        if files.get(CIB_PATH) is not None and files.get(CIB_PATH) != old.get(CIB_PATH):
            cib_change = (params["cib"] or {}).get("last_change") or {}
        message = commit_message(changes, _who(params["who"]), params["reason"], params["cluster_name"],
                                 cib_change=cib_change)
        result.update(changed=True, changes=changes, message=message)
        if check_mode:
            return result
        write_tree(repo, files)
        git("add", "--all", ".")
        staged = git("diff", "--cached", "--quiet", check=False)
        if staged.rc != 0 or not head:
            git("commit", "--quiet", "--no-verify", "-F", "-", data=message)
            result["committed"] = True
            head = git.head()
            result["commit"] = head
    if params["remote"] and head and not check_mode:
        tracking = git("rev-parse", "--verify", "--quiet",
                       "refs/remotes/%s/%s" % (params["remote_name"], params["branch"]), check=False)
        if result["committed"] or tracking.stdout.strip() != head:
            error = push(git, params, head)
            if error:
                msg = ("The snapshot was committed locally as %s, but the push to remote %s failed: %s. The local "
                       "commit is kept; the next snapshot pushes it again." % (head[:12], params["remote"], error))
                raise Failed(msg, **dict(result, push_error=error))
            result.update(changed=True, pushed=True)
    return result


def open_commit(runner, params):
    """(git, the full hash of params["commit"]) of an existing snapshot repository; Failed otherwise."""
    require_git(runner)
    repo = params["repo"]
    if not os.path.isdir(os.path.join(repo, ".git")):
        raise Failed("%s is not a snapshot repository" % repo)
    git = Git(runner, repo)
    res = git("rev-parse", "--verify", "--quiet", "%s^{commit}" % params["commit"], check=False)
    if res.rc != 0:
        raise Failed("%s has no commit %s" % (repo, params["commit"]))
    return git, res.stdout.strip()


def show(runner, params):
    git, rev = open_commit(runner, params)
    repo = params["repo"]
    result = {"changed": False, "commit": rev, "config": None, "redacted": [], "corosync_conf": None,
              "manifest": manifest_of(git.show(rev, MANIFEST_PATH))}
    subject = git("log", "-1", "--format=%s%n%ci", rev).stdout.splitlines()
    result["subject"], result["date"] = (subject + ["", ""])[:2]
    xml = git.show(rev, CIB_PATH)
    if xml is not None:
        try:
            config = cib_export.export(cibmod.parse(xml))
        except cibmod.CibError as e:
            raise Failed("%s in commit %s cannot be read: %s" % (CIB_PATH, rev[:12], e))
        result["redacted"] = [secret_name(config, p) for p in _walk(config, (), [])]
        result["config"] = config
        if params["live_config"] is not None:
            salt_file = _salt_path(repo)
            salt = open(salt_file).read().strip() if os.path.exists(salt_file) else ""
            filled, used, missing = fill_secrets(config, params["live_config"], salt, params["secrets"])
            if missing:
                raise Failed("The snapshot holds these secrets only as fingerprints and neither the live "
                             "configuration nor the given secrets (snapshot_restore_secrets) have them: %s. "
                             "Nothing was changed." % ", ".join(missing), missing=missing, commit=rev)
            result["config"] = filled
            result["secrets_used"] = used
    text = git.show(rev, COROSYNC_CONF.lstrip("/"))
    if text is not None:
        try:
            result["corosync_conf"] = corosync_conf_parse.parse(text)
        except corosync_conf.CorosyncConfError as e:
            result["corosync_error"] = str(e)
    else:
        result["corosync_error"] = "the commit has no corosync.conf common to all nodes"
    if params["hosts"] is not None:
        problems = reassembly_problems(rev, xml is not None, result.get("corosync_error"), result["manifest"],
                                       params["hosts"], params["cluster_name"])
        if problems:
            raise Failed("This commit cannot rebuild the cluster; nothing was changed: " + "; ".join(problems),
                         problems=problems, commit=rev)
    return result


def compare(runner, params):
    """What differs between commit and what the nodes hold now (the verification after a reassembly); writes nothing."""
    errors = collected_errors(params["nodes"] or {}, params["cib"])
    if errors:
        raise Failed("Nothing was compared: the collected data is not what config_snapshot_info returns: "
                     + "; ".join(errors), errors=errors)
    git, rev = open_commit(runner, params)
    nodes = dict((k, v or {}) for k, v in (params["nodes"] or {}).items())
    files, drift = build_tree(nodes, params["cib"], params["cluster_name"])
    differences = describe(git.tree(rev), files)
    result = {"changed": False, "commit": rev, "differences": differences, "drift": drift}
    result.update(reassembly_differences(differences))
    return result


def history(runner, params):
    """The last commits of the branch as their messages say; an empty list when there is no repository or commit."""
    repo = params["repo"]
    if not 1 <= params["limit"] <= 1000:
        raise Failed("limit: %r is not from 1 to 1000" % params["limit"])
    result = {"changed": False, "repo": repo, "history": []}
    if not os.path.isdir(os.path.join(repo, ".git")):
        return result
    require_git(runner)
    git = Git(runner, repo)
    ref = "refs/heads/%s" % params["branch"]
    if git("rev-parse", "--verify", "--quiet", ref, check=False).rc != 0:
        return result
    out = git("log", "-n", str(params["limit"]), "--format=" + HISTORY_FORMAT, ref).stdout
    result["history"] = parse_history(out)
    return result


def locked(repo, func, *args):
    """Run func holding .git/clusterops.lock, so that two plays on one repository take turns."""
    lock_path = os.path.join(repo, ".git", "clusterops.lock")
    if not os.path.isdir(os.path.dirname(lock_path)):
        return func(*args)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return func(*args)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


ARGUMENT_SPEC = dict(
    step=dict(type="str", choices=["prepare", "commit", "show", "compare", "history"], default="commit"),
    repo=dict(type="path", required=True),
    branch=dict(type="str", default="main"),
    nodes=dict(type="dict", default={}),
    cib=dict(type="dict"),
    cluster_name=dict(type="str"),
    hosts=dict(type="list", elements="str"),
    reason=dict(type="str", default="snapshot"),
    who=dict(type="str"),
    author_name=dict(type="str", default="clusterops.ha"),
    author_email=dict(type="str", default="clusterops@localhost"),
    remote=dict(type="str", default=""),
    remote_name=dict(type="str", default="snapshots"),
    record_run=dict(type="bool", default=False),
    limit=dict(type="int", default=20),
    commit=dict(type="str", default="HEAD"),
    # Not no_log here: Ansible would then mask every value of these dicts wherever it appears in the
    # result, including the restored configuration. The role registers the task with no_log.
    live_config=dict(type="dict", no_log=False),
    secrets=dict(type="dict", default={}, no_log=False),
)


def main():
    module = new_module(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    with guard(module):
        runner = make_runner(module)
        step = module.params["step"]
        try:
            if step == "prepare":
                result = prepare(runner, module.params, module.check_mode)
            elif step == "commit":
                result = locked(module.params["repo"], commit, runner, module.params, module.check_mode)
            elif step == "history":
                result = history(runner, module.params)
            elif step == "compare":
                result = compare(runner, module.params)
            else:
                result = show(runner, module.params)
        except Failed as e:
            module.fail_json(msg=str(e), **e.extra)
        except CommandNotFound:
            module.fail_json(msg="git is not installed on the host that keeps the snapshot repository")
        except CommandError as e:
            module.fail_json(msg=str(e), **e.as_dict())
        module.exit_json(**result)


if __name__ == "__main__":
    main()
