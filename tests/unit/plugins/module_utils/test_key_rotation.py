# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""key_rotation: when the authkeys can be rotated live, and whether every member took the new key. Views are
parsed from corosync-quorumtool -s and cmapctl outputs captured on the lab."""

from __future__ import annotations

import pytest

from conftest import fixture_text
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import parse_cmapctl
from ansible_collections.clusterops.ha.plugins.module_utils.key_rotation import RotationError, check, plan

HOSTS = ["lab-node1", "lab-node2", "lab-node3"]
CRYPTO = parse_cmapctl(fixture_text("status", "cmapctl.crypto.txt"))


def view(name):
    q = parse_quorumtool(fixture_text("status", name))
    return {"quorate": q["quorate"], "members": [m["name"] for m in q["members"]], "ring_id": q["ring_id"]}


def whole():
    return dict((h, view("quorumtool.3nodes.txt")) for h in HOSTS)


def test_a_whole_quorate_cluster_rotates_corosync_first():
    rotation = plan(HOSTS, whole(), ["pacemaker", "corosync"], CRYPTO)
    assert rotation == {"source": "lab-node1", "key_names": ["corosync", "pacemaker"], "reload": True,
                        "members": HOSTS, "ring_id": "1.12"}
    assert plan(HOSTS, whole(), ["pacemaker"], {})["reload"] is False


def test_a_member_outside_the_membership_is_refused_with_every_reason():
    """lab-node3 restarted with another key (captured): alone, not quorate, another ring id."""
    views = dict((h, view("quorumtool.wrong-key-majority.txt")) for h in HOSTS[:2])
    views["lab-node3"] = view("quorumtool.wrong-key-alone.txt")
    with pytest.raises(RotationError) as exc:
        plan(HOSTS, views, ["corosync"], CRYPTO)
    text = str(exc.value)
    assert text.startswith("the keys cannot be rotated live now; nothing was written")
    assert "lab-node3: not quorate" in text
    assert "lab-node1: its membership lacks lab-node3" in text
    assert "lab-node3: its membership lacks lab-node1, lab-node2" in text
    assert "different memberships" in text


def test_a_stopped_node_and_a_partial_play_are_refused():
    views = whole()
    del views["lab-node2"]
    with pytest.raises(RotationError, match="lab-node2: corosync does not run"):
        plan(HOSTS, views, ["corosync"], CRYPTO)
    # corosync down on the first host, where the crypto settings are read: only that reason, not "without crypto"
    del views["lab-node1"]
    with pytest.raises(RotationError) as exc:
        plan(HOSTS, views, ["corosync"], {})
    assert "lab-node1: corosync does not run" in str(exc.value) and "without crypto" not in str(exc.value)
    # --limit to two hosts: the third member would be cut off by the reload
    with pytest.raises(RotationError, match="which this play does not .*cut them off"):
        plan(HOSTS[:2], whole(), ["corosync"], CRYPTO)


def test_corosync_without_crypto_keeps_its_unused_key():
    for crypto in ({}, None, {"totem.crypto_cipher": "none", "totem.crypto_hash": "none"}):
        with pytest.raises(RotationError, match="cluster_rotate_keys: \\[pacemaker\\]"):
            plan(HOSTS, whole(), ["corosync"], crypto)
    assert plan(HOSTS, whole(), ["pacemaker"], None)["key_names"] == ["pacemaker"]


@pytest.mark.parametrize("keys", [[], ["booth"], ["corosync", "ssh"]])
def test_unknown_key_names_are_refused(keys):
    with pytest.raises(RotationError, match="cluster_rotate_keys must name one or more of corosync, pacemaker"):
        plan(HOSTS, whole(), keys, CRYPTO)


def test_members_with_different_corosync_conf_files_are_refused():
    """A member whose reload fails while the others switch is cut off: one file everywhere first."""
    same = dict((h, "a" * 64) for h in HOSTS)
    assert plan(HOSTS, whole(), ["corosync"], CRYPTO, same)["reload"]
    other = dict(same, **{"lab-node3": "b" * 64})
    with pytest.raises(RotationError, match="corosync.conf differs between the members \\(one file on lab-node1, "
                                            "lab-node2; one file on lab-node3\\).*run site.yml first"):
        plan(HOSTS, whole(), ["corosync"], CRYPTO, other)
    # Pacemaker's key alone reloads nothing
    assert plan(HOSTS, whole(), ["pacemaker"], CRYPTO, other)["key_names"] == ["pacemaker"]


def test_every_member_reloaded_in_the_same_membership():
    rotation = plan(HOSTS, whole(), ["corosync"], CRYPTO)
    ok = parse_cmapctl(fixture_text("status", "cmapctl.config-reloaded.txt"))["config.reload_status"]
    assert check(rotation, whole(), dict((h, ok) for h in HOSTS)) == {"restore": False, "problems": []}


def test_a_failed_reload_on_one_member_is_named_with_its_remedy():
    """Captured: lab-node3's key file unreadable; cfgtool -R on lab-node1 still said Done, lab-node3's status 7.
    The others switched: lab-node3 is cut off, and its old file must not come back."""
    rotation = plan(HOSTS, whole(), ["corosync"], CRYPTO)
    failed = parse_cmapctl(fixture_text("status", "cmapctl.config-reload-failed.txt"))["config.reload_status"]
    result = check(rotation, whole(), {"lab-node1": 1, "lab-node2": 1, "lab-node3": failed})
    assert result["restore"] is False and len(result["problems"]) == 1
    assert result["problems"][0].startswith("lab-node3: corosync failed to reload there (config.reload_status 7)")
    assert "restart corosync on lab-node3 alone" in result["problems"][0]
    # the status the rotation set before the reload: the reload never ran there
    never = check(rotation, whole(), {"lab-node1": 1, "lab-node2": 1, "lab-node3": 0})["problems"][0]
    assert never.startswith("lab-node3: corosync did not reload (its file unreadable, or the request never came) there (config.reload_status 0)")


def test_no_member_took_the_key_so_the_old_files_go_back():
    rotation = plan(HOSTS, whole(), ["corosync"], CRYPTO)
    for statuses in ({"lab-node1": 0, "lab-node2": 0, "lab-node3": 0}, {"lab-node1": 7, "lab-node2": 7},
                     {}):
        result = check(rotation, whole(), statuses)
        assert result["restore"] is True
        assert result["problems"][0].startswith("no member took the new key")
        assert "every node gets its old key file back" in result["problems"][0]


def test_a_member_lost_or_a_new_ring_after_the_reload():
    rotation = plan(HOSTS, whole(), ["corosync"], CRYPTO)
    after = dict((h, view("quorumtool.wrong-key-majority.txt")) for h in HOSTS[:2])
    problems = check(rotation, after, dict((h, 1) for h in HOSTS))["problems"]
    assert problems[0].startswith("lab-node1: no longer in the membership of lab-node1, lab-node2, lab-node3")
    assert problems[2].startswith("lab-node3: no longer in the membership")
    moved = whole()
    moved["lab-node2"] = dict(moved["lab-node2"], ring_id="2.14")
    assert check(rotation, moved, dict((h, 1) for h in HOSTS))["problems"] == [
        "lab-node2: the membership changed during the reload (ring id 2.14, was 1.12); every member is back, "
        "check the journals for what happened"]
