"""Bad input fails before any node is touched.

Each case runs the real site playbook against the built cluster with one bad variable, expects it to
fail with a message naming the field, and proves from the nodes that nothing changed: the CIB's
admin_epoch/epoch and the sha256 of corosync.conf on every node are the same before and after.
Runs from the controller (this file is collected once, not per host). The audit snapshots are off
here (they only read the nodes, and the snapshot scenario tests them): 18 runs, each 2 snapshots shorter.
"""

import os
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "_shared"))
from playbook_run import docker, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["mol-node1", "mol-node2", "mol-node3"]
testinfra_hosts = ["ansible://mol-node1"]

CASES = [
    # (id, extra vars, text the error must contain)
    ("duplicate-ids", {"cluster_node_id": 1}, "cluster_node_id 1 is used twice"),
    ("duplicate-addresses", {"cluster_node_addresses": ["172.31.251.11"]}, "is used twice"),
    ("too-many-links", {"cluster_node_addresses": ["10.9.0.%d" % i for i in range(9)]}, "at most 8 links"),
    ("bad-cluster-name", {"cluster_name": "bad name!"}, "cluster_name"),
    ("bad-choice", {"cluster_admin_interface": "webui"}, "cluster_admin_interface"),
    ("crypto-without-knet", {"cluster_transport": "udpu"}, "cluster_transport"),
    ("two-node-with-three", {"cluster_quorum": {"two_node": 1}}, "two_node"),
    ("negative-token", {"cluster_totem": {"token": -5}}, "totem.token"),
    ("text-token", {"cluster_totem": {"token": "fast"}}, "totem.token"),
    ("qdevice-without-host", {"cluster_qdevice": {"algorithm": "ffsplit"}}, "cluster_qdevice"),
    ("consensus-below-1.2-token", {"cluster_totem": {"token": 5000, "consensus": 5000}},
     "totem.consensus: '5000' is below 1.2 x the effective token"),
    ("consensus-below-join", {"cluster_totem": {"consensus": 40, "join": 50}}, "is below totem.join"),
    ("lms-without-wait-for-all", {"cluster_quorum": {"last_man_standing": 1}}, "quorum.last_man_standing"),
    ("ffsplit-odd-nodes", {"cluster_qdevice": {"host": "172.31.251.99", "algorithm": "ffsplit"}},
     "quorum.device.net.algorithm: 'ffsplit' is for even node counts"),
    ("tie-breaker-with-qdevice", {"cluster_qdevice": {"host": "172.31.251.99", "algorithm": "lms"},
                                  "cluster_quorum": {"auto_tie_breaker": 1}},
     "quorum.auto_tie_breaker: '1' cannot be used together with quorum.device"),
    ("unknown-key", {"cluster_totem": {"tokn": 5000}}, "totem.tokn: unknown key; did you mean token?"),
    ("unknown-profile", {"cluster_totem_profile": "moon"}, "cluster_totem_profile"),
    ("link-without-address", {"cluster_links": [{"linknumber": 3}]}, "cluster_links names link 3"),
]


def _state():
    state = {}
    for node in NODES:
        cib = ET.fromstring(docker(node, "cibadmin", "--query", "--local"))
        conf = docker(node, "sha256sum", "/etc/corosync/corosync.conf").split()[0]
        state[node] = (cib.get("admin_epoch"), cib.get("epoch"), conf)
    return state


@pytest.mark.parametrize("case_id,extra,needle", CASES, ids=[c[0] for c in CASES])
def test_bad_input_fails_before_any_change(host, case_id, extra, needle):
    before = _state()
    rc, out = run_playbook("site.yml", dict(extra, config_snapshot_audit=False))
    assert rc != 0, out[-3000:]
    assert needle in out, "%s: message does not name %r:\n%s" % (case_id, needle, out[-3000:])
    assert _state() == before, "%s changed the cluster" % case_id
