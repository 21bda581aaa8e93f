# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CIB engine's compare: object-level changes between two exports."""

from __future__ import annotations

from ansible_collections.clusterops.ha.plugins.module_utils.cib_compare import compare


def test_compare_only_changed_objects():
    before = {"primitives": [{"id": "a", "agent": "x"}, {"id": "b", "agent": "y"}, {"id": "gone", "agent": "y"}],
              "properties": {"k": "1", "j": "2", "old": "1"}}
    after = {"primitives": [{"id": "a", "agent": "x"}, {"id": "b", "agent": "z"}, {"id": "c", "agent": "x"}],
             "properties": {"k": "1", "j": "3", "new": "1"}}
    changes, diff = compare(before, after)
    assert changes == [
        {"kind": "primitives", "id": "b", "action": "updated"},
        {"kind": "primitives", "id": "c", "action": "created"},
        {"kind": "primitives", "id": "gone", "action": "deleted"},
        {"kind": "properties", "id": "j", "action": "updated"},
        {"kind": "properties", "id": "new", "action": "created"},
        {"kind": "properties", "id": "old", "action": "deleted"},
    ]
    assert diff == {
        "before": {"primitives": [{"id": "b", "agent": "y"}, {"id": "gone", "agent": "y"}],
                   "properties": {"j": "2", "old": "1"}},
        "after": {"primitives": [{"id": "b", "agent": "z"}, {"id": "c", "agent": "x"}],
                  "properties": {"j": "3", "new": "1"}},
    }


def test_compare_ignores_operation_order():
    ops = [{"name": "start", "interval": "0s"}, {"name": "monitor", "interval": "10s"}]
    before = {"primitives": [{"id": "a", "agent": "x", "operations": ops}]}
    after = {"primitives": [{"id": "a", "agent": "x", "operations": list(reversed(ops))}]}
    assert compare(before, after) == ([], {"before": {}, "after": {}})


def test_compare_nodes_and_fencing_levels_by_key():
    before = {"nodes": [{"name": "n1"}], "fencing_levels": [{"target": "n1", "index": "1", "devices": ["a"]}]}
    after = {"nodes": [{"name": "n1", "attributes": {"x": "1"}}],
             "fencing_levels": [{"target": "n1", "index": "1", "devices": ["a"]}]}
    changes, diff = compare(before, after)
    assert changes == [{"kind": "nodes", "id": "n1", "action": "updated"}]
    assert diff["after"] == {"nodes": [{"name": "n1", "attributes": {"x": "1"}}]}
