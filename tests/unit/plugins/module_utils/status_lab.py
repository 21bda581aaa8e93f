# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers of the cluster status engine's unit tests (test_cluster_status*.py): the captures of the lab
(fixtures/status: lab-node1..3) parsed, and a fake seam that answers collect() with them.
"""

from __future__ import annotations

from conftest import FakeRunner, fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_cfgtool, parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_state


def status_fixture(name):
    return fixture_text("status", name)


def crm_mon(name):
    return parse_crm_mon(status_fixture("crm_mon.%s.xml" % name))


def quorumtool(name):
    return parse_quorumtool(status_fixture("quorumtool.%s.txt" % name))


def cfgtool(name):
    return parse_cfgtool(status_fixture("cfgtool-s.%s.txt" % name))


def idle_dc():
    return parse_crmadmin_state(status_fixture("crmadmin-S.dc.xml"))


def runner_for(crm="healthy", quorum="3nodes", quorum_rc=0, cfg="3nodes", cfg_rc=0, crm_rc=None, state=True):
    r = FakeRunner()
    if quorum is None:
        r.add(["corosync-quorumtool"], rc=1, stderr=status_fixture("quorumtool.corosync-down.stderr"))
    else:
        r.add(["corosync-quorumtool", "-s"], rc=quorum_rc, stdout=status_fixture("quorumtool.%s.txt" % quorum))
    if cfg is None:
        r.add(["corosync-cfgtool", "-s"], rc=1, stderr=status_fixture("cfgtool.down.txt"))
    else:
        r.add(["corosync-cfgtool", "-s"], rc=cfg_rc, stdout=status_fixture("cfgtool-s.%s.txt" % cfg))
    if crm == "pacemaker-down":
        r.add(["crm_mon"], rc=102, stdout=status_fixture("crm_mon.pacemaker-down.xml"),
              stderr=status_fixture("crm_mon.pacemaker-down.stderr"))
    else:
        r.add(["crm_mon"], rc=0 if crm_rc is None else crm_rc, stdout=status_fixture("crm_mon.%s.xml" % crm))
    if state:
        r.add(["crmadmin", "-S"], rc=0, stdout=status_fixture("crmadmin-S.dc.xml"))
    return r
