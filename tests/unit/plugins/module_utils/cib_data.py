# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the unit tests of the CIB engine (test_cib*.py) share: the captured CIB they load and the primitive VIP."""

from __future__ import annotations

from conftest import fixture_text
from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse


def load(name="pcs_full.xml"):
    return parse(fixture_text("cib", name))


def by_key(items, value, key="id"):
    found = [o for o in items if o.get(key) == value]
    assert len(found) == 1, "%s=%s: %r" % (key, value, items)
    return found[0]


def ids(items):
    return [o["id"] for o in items]


VIP = {
    "id": "vip", "agent": "ocf:heartbeat:IPaddr2",
    "params": {"cidr_netmask": "24", "ip": "172.31.250.100"},
    "meta": {"target-role": "Stopped"},
    "operations": [
        {"name": "monitor", "interval": "10s"},
        {"name": "start", "interval": "0s", "timeout": "20s"},
        {"name": "stop", "interval": "0s", "timeout": "20s"},
    ],
}
