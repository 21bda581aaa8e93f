# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the status read through the command seam (module_utils/cluster_status_collect.py), the seam
faked with outputs captured on a real cluster.
"""

from __future__ import annotations

import pytest

from status_lab import runner_for, status_fixture

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_collect import collect
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_wait import CONDITIONS, condition_reasons, evaluate_conditions
from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError, CommandNotFound


# --------------------------------------------------------------------------------------------- collect


class TestCollect:
    def test_healthy(self):
        r = runner_for()
        st = collect(r)
        assert evaluate_conditions(st) == dict.fromkeys(CONDITIONS, True)
        argvs = [c["argv"] for c in r.calls]
        assert ["corosync-quorumtool", "-s"] in argvs
        assert ["corosync-cfgtool", "-s"] in argvs
        assert ["crm_mon", "--output-as=xml", "--fence-history=3"] in argvs
        assert ["crmadmin", "-S", "lab-node3", "-t", "5000", "--output-as=xml"] in argvs
        assert not any(a[0] == "crm_node" for a in argvs)  # quorumtool named the local node
        assert st["notes"] == []
        assert st["local_node"] == "lab-node1"
        assert len(st["links"]) == 3

    def test_no_quorum_rc2(self):
        st = collect(runner_for(crm="no-quorum", quorum="no-quorum", quorum_rc=2, cfg="no-quorum"))
        assert st["quorum"]["quorate"] is False
        assert st["cluster"]["with_quorum"] is False
        assert st["stack"]["corosync"] is True

    def test_pacemaker_down(self):
        r = runner_for(crm="pacemaker-down", state=False)
        st = collect(r)
        assert st["stack"] == {"corosync": True, "pacemaker": False}
        assert not any(c["argv"][0] == "crmadmin" for c in r.calls)

    def test_pacemaker_down_without_xml(self):
        r = runner_for(crm="pacemaker-down", state=False)
        r.add(["crm_mon"], rc=102, stdout="", stderr="crm_mon: Connection to cluster failed: Connection refused")
        st = collect(r)
        assert st["stack"]["pacemaker"] is False
        assert "Connection refused" in condition_reasons(st)["pacemaker"]

    def test_corosync_down(self):
        r = runner_for(crm="pacemaker-down", quorum=None, cfg=None, state=False)
        st = collect(r)
        assert st["stack"] == {"corosync": False, "pacemaker": False}
        assert st["links"] == []
        assert st["quorum"]["quorate"] is None
        assert not any(c["argv"][0] == "corosync-cfgtool" for c in r.calls)
        assert any("Cannot initialize CMAP service" in n for n in st["notes"])
        assert condition_reasons(st)["quorate"] == "corosync not running"

    def test_cfgtool_down_is_tolerated(self):
        st = collect(runner_for(cfg=None))
        assert st["links"] == []
        assert any(n.startswith("corosync-cfgtool -s: rc=1") for n in st["notes"])

    def test_crmadmin_timeout_leaves_settled_unknown(self):
        r = runner_for(state=False)
        r.add(["crmadmin", "-S"], rc=124, stdout="", stderr="crmadmin: Timeout")
        st = collect(r)
        assert st["settled"] is None
        assert condition_reasons(st)["settled"] == "state of DC lab-node3 unknown"
        assert any(n.startswith("crmadmin -S lab-node3: rc=124") for n in st["notes"])

    def test_local_node_from_crm_node_when_quorumtool_silent(self):
        r = runner_for()
        text = status_fixture("quorumtool.3nodes.txt").replace(" (local)", "")
        r.add(["corosync-quorumtool", "-s"], rc=0, stdout=text)
        r.add(["crm_node", "-n"], rc=0, stdout="lab-node1\n")
        assert collect(r)["local_node"] == "lab-node1"

    def test_local_node_unknown_is_tolerated(self):
        r = runner_for()
        text = status_fixture("quorumtool.3nodes.txt").replace(" (local)", "")
        r.add(["corosync-quorumtool", "-s"], rc=0, stdout=text)
        st = collect(r)  # no crm_node answer: CommandNotFound is swallowed
        assert st["local_node"] is None

    def test_unexpected_rc_raises_command_error(self):
        r = runner_for(crm_rc=1)
        with pytest.raises(CommandError) as e:
            collect(r)
        assert e.value.argv[0] == "crm_mon"

    def test_missing_tool_raises(self):
        r = runner_for()
        del r.answers[("crm_mon",)]
        with pytest.raises(CommandNotFound):
            collect(r)

    def test_malformed_output_raises_typed_error(self):
        r = runner_for()
        r.add(["crm_mon"], rc=0, stdout="<pacemaker-result><summary>")
        with pytest.raises(StatusParseError) as e:
            collect(r)
        assert e.value.tool == "crm_mon"
