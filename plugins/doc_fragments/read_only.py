# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """The attributes of the collection's modules that only read."""

    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: The module only reads, so it behaves the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
"""
