"""Bad input to the drills fails before any fault: the real playbook against the cluster the drills ran on,
one bad variable each; the run must fail with a message naming the field, and the cluster must be as it
was (the CIB's epochs, every node online, nothing in standby, each VIP where it was)."""

import os
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "_shared"))
from playbook_run import docker, run_playbook  # noqa: E402  pylint: disable=wrong-import-position

NODES = ["fo-node1", "fo-node2", "fo-node3"]
testinfra_hosts = ["ansible://fo-node1"]

CASES = [
    # (id, extra vars, text the error must contain)
    ("unknown-drill", {"failover_drill_drills": [{"type": "explode"}]},
     "failover_drill_drills[0].type: unknown drill type 'explode' (known: crash, hang, kill_process, move, partition, standby)"),
    ("unknown-drill-key", {"failover_drill_drills": [{"type": "move", "servcie": "site-vip"}]},
     "failover_drill_drills[0]: unknown drill key 'servcie'; did you mean service?"),
    ("negative-interval", {"failover_drill_interval": -1}, "failover_drill_interval: -1 is not a number from 0.1 to 60"),
    ("unknown-method", {"failover_drill_crash_method": "meteor"}, "failover_drill_crash_method must be one of"),
    ("partition-without-commands", {"failover_drill_drills": [{"type": "partition"}]},
     "a partition drill needs failover_drill_partition_command and failover_drill_heal_command"),
    ("threshold-below-1", {"failover_drill_threshold": 0.5}, "failover_drill_threshold: 0.5 is not a number from 1.0 to 100"),
    ("probe-url", {"failover_drill_probes": [{"service": "site-vip", "url": "ftp://x"}]}, "failover_drill_probes"),
    # A database writer (postgresql://USER@HOST/DB?table=T): the table is required; a password in the URL is refused
    # without being printed (the probe item's no_log password is the place for it).
    ("probe-db-without-table", {"failover_drill_probes": [{"service": "site-vip", "url": "postgresql://app@172.31.234.100/app",
                                                           "password": "hunter2-probe"}]},
     "failover_drill_probes[postgresql://].table[0]: '' is not an id"),
    ("probe-db-password-in-url", {"failover_drill_probes": [{"service": "site-vip",
                                                             "url": "postgresql://app:hunter2-url@172.31.234.100/app?table=t"}]},
     "failover_drill_probes[postgresql://].user[0]: 'app:*** (not in the URL: give the probe item a password)'"),
    ("unknown-service", {"failover_drill_drills": [{"type": "move", "service": "nope"}]},
     "is not a service of this cluster; services: app-clone, lb-haproxy-clone, lb-vip, site-vip"),
    ("unknown-node", {"failover_drill_drills": [{"type": "crash", "node": "fo-node9"}]},
     "is not a node of this cluster; nodes: fo-node1, fo-node2, fo-node3"),
    ("move-to-itself", {"failover_drill_drills": [{"type": "move", "service": "site-vip", "to": "nowhere"}]}, "drills[0].to"),
]


def _state():
    cib = ET.fromstring(docker("fo-node1", "cibadmin", "--query"))
    mon = ET.fromstring(docker("fo-node1", "crm_mon", "--output-as=xml"))
    nodes = sorted((n.get("name"), n.get("online"), n.get("standby")) for n in mon.iter("node")
                   if n.get("name") in NODES and n.get("online") is not None)
    vips = dict((n, " 172.31.234.100/" in docker(n, "ip", "-o", "-4", "addr", "show")) for n in NODES)
    return (cib.get("admin_epoch"), cib.get("epoch")), nodes, vips


@pytest.mark.parametrize("case_id,extra,needle", CASES, ids=[c[0] for c in CASES])
def test_bad_drill_input_fails_before_any_fault(host, case_id, extra, needle):
    before = _state()
    rc, out = run_playbook("failover_drill.yml", dict(extra, config_snapshot_audit=False))
    assert rc != 0, out[-3000:]
    assert needle in " ".join(out.split()), "%s: message does not name %r:\n%s" % (case_id, needle, out[-3000:])
    assert "Fault |" not in out, "%s reached a fault task" % case_id
    assert "hunter2" not in out, "%s printed a probe's password" % case_id
    assert _state() == before, "%s changed the cluster" % case_id
