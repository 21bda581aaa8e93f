# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one base class of the errors the collection raises on purpose.

Every engine's error (CommandError, CibError, StatusParseError, ValidationError, ...) derives from
ClusterOpsError, so a module catches them once: module_entry.guard turns any that the module did not handle
itself into fail_json with the error's own message (and CommandError's argv, rc, stdout and stderr).
Failed is the error a module raises in its own code with the keys to return beside the message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ClusterOpsError(Exception):
    """An error with a message for the operator. extra: result keys to return with it (none by default)."""

    extra = {}

    def result(self):
        """The keys fail_json returns beside msg."""
        as_dict = getattr(self, "as_dict", None)
        keys = dict(as_dict() if callable(as_dict) else self.extra or {})
        keys.pop("msg", None)
        return keys


class Failed(ClusterOpsError):
    """A module's own failure: the message, and the result keys to return with it."""

    def __init__(self, msg, **extra):
        super(Failed, self).__init__(msg)
        self.extra = extra
