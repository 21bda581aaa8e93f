# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine's core: every file of the engine parses as Python 3.8, and parse refuses what is not a CIB."""

from __future__ import annotations

import ast
import inspect

import pytest

from ansible_collections.clusterops.ha.plugins.module_utils import cib, cib_compare, cib_export, cib_normalize, cib_plan, cib_render, cib_simulate, cib_verify
from ansible_collections.clusterops.ha.plugins.module_utils.cib import CibError, parse


def test_python38_syntax_of_every_file_of_the_engine():
    # The cib module runs on the nodes and AnsiballZ packs every one of these.
    for module in (cib, cib_compare, cib_export, cib_normalize, cib_plan, cib_render, cib_simulate, cib_verify):
        ast.parse(inspect.getsource(module), feature_version=(3, 8))


def test_parse_refuses_what_is_not_a_cib():
    with pytest.raises(CibError, match="not valid XML"):
        parse("<cib><configuration>")
    with pytest.raises(CibError, match="expected a <cib>"):
        parse("<pacemaker-result/>")
