# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the cluster role's filters (plugins/filter/cluster.py) that read the survey's registered results."""

from __future__ import annotations

import pytest

from conftest import fixture_text

from ansible.errors import AnsibleFilterError
from ansible_collections.clusterops.ha.plugins.filter.cluster import (
    cluster_cib_secrets,
    cluster_cib_secrets_reregister,
    cluster_key_plans,
    cluster_password_hash,
    cluster_rotation_check,
    cluster_rotation_plan,
    qnetd_firewall_rules,
)

HOSTS = ["lab-node1", "lab-node2", "lab-node3"]


def survey(checksums, quorumtool, running=None):
    """hostvars as the survey leaves them: the key stats, the running services and corosync-quorumtool -s."""
    out = {}
    for h in HOSTS:
        text, rc = quorumtool.get(h, (None, None))
        out[h] = {
            "__cluster_key_stat": {"results": [{"stat": {"exists": checksums[h] is not None, "checksum": checksums[h]}}]},
            "__cluster_running": (running or {}).get(h, ["corosync", "pacemaker"] if text else []),
            "__cluster_quorum_now": {"stdout": text, "rc": rc} if text else {"skipped": True},
        }
    return out


def test_the_majority_key_is_kept_and_the_odd_member_restarted():
    """lab-node3 restarted with another key (captured on the lab): alone and not quorate (rc 2); lab-node1 and
    lab-node2 quorate together."""
    alone = (fixture_text("status", "quorumtool.wrong-key-alone.txt"), 2)
    majority = (fixture_text("status", "quorumtool.wrong-key-majority.txt"), 0)
    hv = survey({"lab-node1": "k", "lab-node2": "k", "lab-node3": "odd"},
                {"lab-node1": majority, "lab-node2": majority, "lab-node3": alone})
    plan = cluster_key_plans(HOSTS, hv, HOSTS)[0]
    assert plan == {"source": "lab-node1", "generate": False, "targets": ["lab-node3"], "restart": ["lab-node3"]}
    # The Pacemaker key's plan (index 1 in the role) never restarts: only remote connections read that key.
    for h in HOSTS:
        hv[h]["__cluster_key_stat"]["results"].append(hv[h]["__cluster_key_stat"]["results"][0])
    assert cluster_key_plans(HOSTS, hv, HOSTS)[1]["restart"] == []


def test_node_names_map_to_hosts():
    majority = (fixture_text("status", "quorumtool.wrong-key-majority.txt"), 0)
    hv = survey({"lab-node1": "k", "lab-node2": "k", "lab-node3": "k"},
                {"lab-node1": majority, "lab-node2": majority})
    for h in HOSTS:
        hv[h]["cluster_node_name"] = h  # the names corosync prints are the hosts' cluster_node_name
    assert cluster_key_plans(HOSTS, hv, HOSTS)[0]["targets"] == []


def test_a_tie_is_refused_with_the_nodes_of_each_key():
    hv = survey({"lab-node1": "a", "lab-node2": "b", "lab-node3": None}, {})
    with pytest.raises(AnsibleFilterError) as exc:
        cluster_key_plans(HOSTS, hv, ["lab-node1", "lab-node2"])
    assert "key 1 on lab-node1; key 2 on lab-node2" in str(exc.value)


def test_an_unreadable_quorumtool_answer_counts_as_outside_the_membership():
    hv = survey({"lab-node1": "k", "lab-node2": "k", "lab-node3": "odd"},
                {"lab-node3": ("Cannot initialize QUORUM service\n", 1)})
    hv["lab-node3"]["__cluster_quorum_now"] = {"stdout": "", "rc": 1}
    plan = cluster_key_plans(HOSTS, hv, HOSTS)[0]
    assert plan["targets"] == ["lab-node3"] and plan["restart"] == ["lab-node3"]
    # Where corosync does not run, there is nothing to restart: the start phase starts it with the new key.
    hv["lab-node3"]["__cluster_running"] = []
    assert cluster_key_plans(HOSTS, hv, HOSTS)[0]["restart"] == []


def test_every_key_is_planned_and_a_short_survey_is_refused():
    hv = survey({"lab-node1": "k", "lab-node2": None, "lab-node3": None}, {})
    for h in HOSTS:
        hv[h]["__cluster_key_stat"]["results"].append({"stat": {"exists": False}})
    corosync, pacemaker = cluster_key_plans(HOSTS, hv, [])
    assert corosync["source"] == "lab-node1" and corosync["targets"] == ["lab-node2", "lab-node3"]
    # nobody holds the Pacemaker key: made on the first host, copied to the others
    assert pacemaker == {"source": "lab-node1", "generate": True, "targets": ["lab-node2", "lab-node3"], "restart": []}
    hv["lab-node3"]["__cluster_key_stat"]["results"].pop()
    with pytest.raises(AnsibleFilterError, match="differ in length"):
        cluster_key_plans(HOSTS, hv, [])


def test_cluster_pcsd_settings_lists_each_line_sorted_by_name():
    from ansible_collections.clusterops.ha.plugins.filter.cluster import cluster_pcsd_settings
    assert cluster_pcsd_settings(["10.0.0.1"], "TLSv1.2", "") == [
        {"name": "PCSD_BIND_ADDR", "value": "10.0.0.1"},
        {"name": "PCSD_SSL_CIPHERS", "value": None},
        {"name": "PCSD_SSL_OPTIONS", "value": None}]
    with pytest.raises(AnsibleFilterError, match="tls_min_version"):
        cluster_pcsd_settings([], "SSLv3", "")


def test_the_rotation_plan_and_check_read_the_survey_and_cmapctl():
    whole = (fixture_text("status", "quorumtool.3nodes.txt"), 0)
    hv = survey(dict((h, "k") for h in HOSTS), dict((h, whole) for h in HOSTS))
    for h in HOSTS:
        hv[h]["__cluster_rotate_conf"] = {"stat": {"exists": True, "checksum": "c" * 64}}
    rotation = cluster_rotation_plan(HOSTS, hv, ["corosync", "pacemaker"], fixture_text("status", "cmapctl.crypto.txt"))
    assert rotation["reload"] and rotation["ring_id"] == "1.12" and rotation["members"] == HOSTS
    for h in HOSTS:
        hv[h]["__cluster_reload_status"] = {"rc": 0, "stdout": fixture_text("status", "cmapctl.config-reloaded.txt")}
    assert cluster_rotation_check(rotation, hv) == {"restore": False, "problems": []}
    # corosync stopped on lab-node3 after the reload: cmapctl cannot ask it (rc 1), and it is not running
    hv["lab-node3"]["__cluster_reload_status"] = {"rc": 1, "stdout": ""}
    hv["lab-node3"]["__cluster_running"] = []
    assert cluster_rotation_check(rotation, hv)["problems"][0].startswith("lab-node3: corosync could not be asked there")
    # lab-node2 without corosync.conf: the files differ
    hv["lab-node2"]["__cluster_rotate_conf"] = {"stat": {"exists": False}}
    with pytest.raises(AnsibleFilterError, match="corosync.conf differs between the members"):
        cluster_rotation_plan(HOSTS, hv, ["corosync"], fixture_text("status", "cmapctl.crypto.txt"))


def test_the_rotation_plan_refusal_is_a_filter_error():
    hv = survey(dict((h, "k") for h in HOSTS), {})
    with pytest.raises(AnsibleFilterError, match="lab-node1: corosync does not run"):
        cluster_rotation_plan(HOSTS, hv, ["corosync"], "")
    with pytest.raises(AnsibleFilterError, match="corosync's crypto settings: corosync-cmapctl: unexpected line"):
        cluster_rotation_plan(HOSTS, hv, ["corosync"], "Failed to initialize the cmap API. Error CS_ERR_LIBRARY\n")


# The lab's generated password that made fixtures/node/getent-shadow.hacluster.pcs.bookworm.txt (a throwaway lab).
LAB_PASSWORD = "0pPasOzUfuaCBkEHibWHJz8"


def test_password_hash_keeps_the_hash_in_place_while_the_password_matches():
    shadow = fixture_text("node", "getent-shadow.hacluster.pcs.bookworm.txt")
    current = shadow.split(":")[1]
    assert cluster_password_hash(LAB_PASSWORD, shadow) == current
    assert cluster_password_hash(LAB_PASSWORD, shadow, ["unrelated-salt"]) == current


def test_password_hash_gets_a_new_random_salt_otherwise():
    shadow = fixture_text("node", "getent-shadow.hacluster.pcs.bookworm.txt")
    current = shadow.split(":")[1]
    salt = current.split("$")[3]
    cases = {
        "another password": ("Another-Password-2026", shadow, []),
        "a salt to avoid": (LAB_PASSWORD, shadow, [salt]),
        "no password yet": (LAB_PASSWORD, fixture_text("node", "getent-shadow.hacluster.new.bookworm.txt"), []),
        "yescrypt by passwd": (LAB_PASSWORD, fixture_text("node", "getent-shadow.hacluster.passwd-yescrypt.bookworm.txt"), []),
        "unreadable": (LAB_PASSWORD, "", []),
    }
    for name, (password, text, avoid) in cases.items():
        first = cluster_password_hash(password, text, avoid)
        second = cluster_password_hash(password, text, avoid)
        assert first.startswith("$6$rounds=") and first != current, name
        assert first.split("$")[3] != second.split("$")[3], name  # random salt, not derived from anything
        assert cluster_password_hash(password, "hacluster:%s:20792::::::" % first) == first, name  # then kept


def test_qnetd_firewall_rules_gives_the_preflight_every_message_and_refuses_with_the_same():
    """The qnetd role's preflight (errors=true) and the rules task (default) say the same, in one place."""
    bad = (["10.0.0.1", "qd-node1"], "x")
    messages = qnetd_firewall_rules(*bad, errors=True)
    assert [m.split(":")[0] for m in messages] == ["qnetd_firewall_sources[1]", "qnetd_port"]
    with pytest.raises(AnsibleFilterError) as e:
        qnetd_firewall_rules(*bad)
    assert str(e.value) == "; ".join(messages)
    assert qnetd_firewall_rules([], 5403, errors=True, enabled=False) == []
    assert qnetd_firewall_rules([], 5403, errors=True) == [
        "qnetd_firewall_sources: no address or network; list the addresses the cluster nodes reach corosync-qnetd "
        "from, or qnetd_firewall_enabled: false"]
    assert "tcp dport 5403 counter drop" in qnetd_firewall_rules(["10.0.0.1"], 5403)


def test_cib_secrets_gives_the_plan_its_messages_then_the_split_and_refuses_with_the_same():
    fence = {"id": "f1", "agent": "stonith:fence_ipmilan", "params": {"ip": "10.0.0.1", "password": "pw"}}
    assert cluster_cib_secrets([fence], "fence", True) == []
    out = cluster_cib_secrets([fence], "fence")
    assert out["primitives"][0]["params"] == {"ip": "10.0.0.1", "password": "lrm://"}
    assert [f["path"] for f in out["files"]] == ["/var/lib/pacemaker/lrm/secrets/f1/password",
                                                 "/var/lib/pacemaker/lrm/secrets/f1/password.sign"]
    assert out["directories"] == ["/var/lib/pacemaker/lrm/secrets", "/var/lib/pacemaker/lrm/secrets/f1"]
    assert cluster_cib_secrets_reregister([out["files"][0]["path"]], out["entries"]) == ["f1"]
    assert cluster_cib_secrets([fence], "none")["directories"] == []
    bad = dict(fence, params={"password": "pw "})
    msgs = cluster_cib_secrets([bad], "fence", True)
    assert len(msgs) == 1 and "cluster_primitives[0] (f1).params.password" in msgs[0]
    with pytest.raises(AnsibleFilterError) as e:
        cluster_cib_secrets([bad], "fence")
    assert str(e.value) == "The CIB input is invalid; nothing was changed: " + msgs[0]
