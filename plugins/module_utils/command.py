# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The single command seam of clusterops.ha.

Every cluster tool the collection calls (cibadmin, crm_mon, corosync-cfgtool, systemctl, git, ...)
goes through a Runner. A Runner always runs with LC_ALL=C so that parsers see one language, never
goes through a shell, and turns failures into typed errors that name the command.

Modules build a Runner from their AnsibleModule; unit tests pass a FakeRunner (tests/unit) that
answers from captured outputs. Nothing here imports anything outside the standard library.
Python 3.8 syntax at most: this runs on managed nodes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess

from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError

C_LOCALE = {"LC_ALL": "C", "LANG": "C", "LANGUAGE": "C"}
# The return code of a command killed for running longer than its timeout (as coreutils timeout(1)).
TIMEOUT_RC = 124


class CommandError(ClusterOpsError):
    """A command ran and ended with a return code its caller did not accept."""

    def __init__(self, argv, rc, stdout, stderr, hint=None):
        self.argv = list(argv)
        self.rc = rc
        self.stdout = stdout or ""
        self.stderr = stderr or ""
        self.hint = hint
        detail = (self.stderr.strip() or self.stdout.strip()).splitlines()
        tail = detail[-1] if detail else "no output"
        msg = "command '%s' failed with rc=%s: %s" % (" ".join(self.argv), rc, tail)
        if hint:
            msg += " (%s)" % hint
        super(CommandError, self).__init__(msg)

    def as_dict(self):
        return {"cmd": self.argv, "rc": self.rc, "stdout": self.stdout, "stderr": self.stderr}


class CommandNotFound(CommandError):
    """The program is not installed (or not on PATH) on this host."""

    def __init__(self, argv):
        super(CommandNotFound, self).__init__(
            argv, 127, "", "%s: not found" % argv[0],
            hint="is the package that ships '%s' installed?" % argv[0])


class Result:
    """What a command printed and returned."""

    __slots__ = ("argv", "rc", "stdout", "stderr")

    def __init__(self, argv, rc, stdout, stderr):
        self.argv = list(argv)
        self.rc = rc
        self.stdout = stdout or ""
        self.stderr = stderr or ""

    def __repr__(self):
        return "Result(%r, rc=%r)" % (self.argv, self.rc)


class Runner:
    """Runs commands through AnsibleModule.run_command, or subprocess when no module is given.

    run(argv, ok_rcs=(0,), data=None, check=True) returns a Result. With check=True a return code
    outside ok_rcs raises CommandError; a missing program raises CommandNotFound either way.
    run(..., timeout=seconds) kills a command that runs longer, for tools whose own timeout does not
    hold (crmadmin -S -t waits for ever on a DC that has just died): the result then has rc
    TIMEOUT_RC (124). Under AnsibleModule this goes through coreutils timeout(1) when it is installed.
    """

    def __init__(self, module=None, timeout=None):
        self.module = module
        self.timeout = timeout

    def which(self, program):
        if self.module is not None:
            return self.module.get_bin_path(program, required=False)
        for d in os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(os.pathsep) + ["/usr/sbin", "/sbin"]:
            p = os.path.join(d, program)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return p
        return None

    def run(self, argv, ok_rcs=(0,), data=None, check=True, env=None, timeout=None):
        argv = [str(a) for a in argv]
        path = argv[0] if os.path.isabs(argv[0]) else self.which(argv[0])
        if not path:
            raise CommandNotFound(argv)
        full = [path] + argv[1:]
        environ = dict(C_LOCALE)
        if env:
            environ.update(env)
        if self.module is not None:
            killer = self.which("timeout") if timeout else None
            if killer:
                full = [killer, "-k", "2", "%g" % timeout] + full
            rc, out, err = self.module.run_command(full, data=data, environ_update=environ,
                                                   check_rc=False, binary_data=True)
        else:
            merged = dict(os.environ)
            merged.update(environ)
            try:
                proc = subprocess.run(full, input=data, capture_output=True, text=True, env=merged,
                                      timeout=timeout or self.timeout, check=False)
                rc, out, err = proc.returncode, proc.stdout, proc.stderr
            except subprocess.TimeoutExpired:
                rc, out, err = TIMEOUT_RC, "", "timed out after %g s" % (timeout or self.timeout)
        result = Result(argv, rc, out, err)
        if check and rc not in ok_rcs:
            raise CommandError(argv, rc, out, err)
        return result


def journal_grep(runner, selectors, window_s, now, pattern, max_lines):
    """(the journal lines matching pattern since now - window_s, -o short-unix, the newest max_lines at most;
    truncated) through runner; (None, False) when the journal cannot be read. selectors: journalctl's own, such as
    ["--unit", "corosync"] or ["-t", "boothd-site"]. truncated: max_lines such lines or more matched (only the newest
    were read). The one reader of the journal for the logs that are the only record of something (refused packets,
    refused booth messages)."""
    argv = (["journalctl"] + list(selectors)
            + ["--since", "@%d" % int(now - window_s), "--output", "short-unix", "--no-pager", "--quiet",
               "--lines", str(max_lines), "--grep", pattern])
    try:
        res = runner.run(argv, check=False)
    except CommandError:
        return None, False
    # journalctl --grep ends with 1 when nothing matched (and prints nothing, or "-- No entries --").
    if res.rc not in (0, 1) or (res.rc == 1 and res.stdout.strip() not in ("", "-- No entries --")):
        return None, False
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    return ("" if res.rc == 1 else res.stdout), len(lines) >= max_lines
