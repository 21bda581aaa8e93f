# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cib-secrets (health_security.check_cib_secrets): the lab's CIB with its fence device's parameter and a Dummy's
passwd kept in Pacemaker's secret store (lrm://, what cluster_cib_secrets writes), against the nodes' stores as
cluster_node_facts reports them (cib_secrets.read_local)."""

from __future__ import annotations

import copy

# fixture_base is test_health's fixture `base`, used here by name.
from test_health import check, fixture_base, run  # noqa: F401  pylint: disable=unused-import

from ansible_collections.clusterops.ha.plugins.module_utils.cib import parse
from ansible_collections.clusterops.ha.plugins.module_utils.rolling_update import gate

from conftest import fixture_text

NODES = ["lab-node1", "lab-node2", "lab-node3"]
SECRET_CIB = fixture_text("health", "cib.lab.xml").replace(
    '<nvpair id="fence-docker-instance_attributes-api_version" name="api_version" value="1.41"/>',
    '<nvpair id="fence-docker-instance_attributes-api_version" name="api_version" value="1.41"/>'
    '<nvpair id="fence-docker-instance_attributes-password" name="password" value="lrm://"/>')
assert "lrm://" in SECRET_CIB


def stores(**changes):
    """Every node's store as the facts give it, all intact and the same, then changes {node: {key: entry}}."""
    out = {n: {"fence-docker/password": {"state": "ok", "digest": "3f7c0a9e1b2d4c5e"}} for n in NODES}
    for node, entries in changes.items():
        out[node].update(entries)
    return out


def with_stores(base, per_node):
    status, config, nodes, expected = base
    nodes = copy.deepcopy(nodes)
    for n in NODES:
        nodes[n]["cib_secrets"] = per_node.get(n)
    return status, config, nodes, expected


def test_nothing_in_the_store_passes_as_not_applicable(base):
    c = check(run(base), "cib-secrets")
    assert c["status"] == "pass" and c["message"] == "no parameter is kept in Pacemaker's secret store (cluster_cib_secrets)"


def test_intact_and_the_same_everywhere_passes_naming_the_parameter(base):
    c = check(run(with_stores(base, stores()), cib_root=parse(SECRET_CIB)), "cib-secrets")
    assert c["status"] == "pass", c
    assert c["message"] == ("1 parameter kept in Pacemaker's secret store (fence-docker's password), intact and the "
                            "same on lab-node1, lab-node2, lab-node3")


def test_a_missing_file_on_a_node_is_critical_for_a_fence_device_and_blocks_a_rolling_update(base):
    per_node = stores(**{"lab-node3": {"fence-docker/password": {"state": "missing", "digest": None}}})
    report = run(with_stores(base, per_node), cib_root=parse(SECRET_CIB))
    c = check(report, "cib-secrets")
    assert c["status"] == "fail" and c["severity"] == "critical" and c["objects"] == ["fence-docker"]
    assert c["message"] == "Pacemaker's secret store differs from the CIB: fence-docker's password: missing on lab-node3"
    assert [ln for ln in c["remedy"].splitlines() if ln.startswith("cibsecret")] == [
        "cibsecret check fence-docker password  # on lab-node3"]
    assert any(r.startswith("cib-secrets failed") for r in gate({"nodes_online": NODES, "settled": True}, report, NODES))


def test_a_node_that_missed_a_change_holds_another_value(base):
    per_node = stores(**{"lab-node2": {"fence-docker/password": {"state": "ok", "digest": "0000000000000000"}}})
    c = check(run(with_stores(base, per_node), cib_root=parse(SECRET_CIB)), "cib-secrets")
    assert c["status"] == "fail"
    assert c["message"].endswith("fence-docker's password: another value on lab-node2 than on lab-node1, lab-node3")
    # Neither digest reaches the report.
    assert "0000000000000000" not in str(c) and "3f7c0a9e1b2d4c5e" not in str(c)


def test_a_broken_sign_and_a_primitive_only_is_a_warning(base):
    cib = SECRET_CIB.replace('name="password" value="lrm://"', 'name="password" value="in-the-cib"').replace(
        '<primitive id="site-vip"', '<primitive id="canary" class="ocf" provider="pacemaker" type="Dummy">'
        '<instance_attributes id="canary-ia"><nvpair id="canary-ia-passwd" name="passwd" value="lrm://"/>'
        '</instance_attributes></primitive><primitive id="site-vip"', 1)
    per_node = {n: {"canary/passwd": {"state": "ok", "digest": "aa"}} for n in NODES}
    per_node["lab-node1"]["canary/passwd"] = {"state": "mismatch", "digest": "bb"}
    c = check(run(with_stores(base, per_node), cib_root=parse(cib)), "cib-secrets")
    assert c["status"] == "fail" and c["severity"] == "warning" and c["objects"] == ["canary"]
    assert c["message"].endswith("canary's passwd: not matching its .sign on lab-node1")


def test_no_majority_names_each_group(base):
    per_node = stores(**{"lab-node2": {"fence-docker/password": {"state": "ok", "digest": "b"}},
                         "lab-node3": {"fence-docker/password": {"state": "ok", "digest": "c"}}})
    c = check(run(with_stores(base, per_node), cib_root=parse(SECRET_CIB)), "cib-secrets")
    assert "no value held by a majority: one on lab-node1; one on lab-node2; one on lab-node3" in c["message"]


def test_without_facts_or_cib_it_cannot_be_checked(base):
    assert check(run(with_stores(base, {}), cib_root=parse(SECRET_CIB)), "cib-secrets")["status"] == "skip"
    assert check(run(base, cib_root=None), "cib-secrets")["status"] == "skip"


def test_a_value_left_behind_by_a_deleted_resource_is_a_warning_naming_it_without_its_value(base):
    # old-fence was deleted from the CIB; its password stays on two nodes' stores until someone removes it.
    per_node = stores(**{n: {"old-fence/password": {"state": "left"}} for n in ("lab-node1", "lab-node3")})
    c = check(run(with_stores(base, per_node), cib_root=parse(SECRET_CIB)), "cib-secrets")
    assert c["status"] == "fail" and c["severity"] == "warning" and c["objects"] == ["old-fence"], c
    assert c["message"] == ("Pacemaker's secret store differs from the CIB: left in the store, though the CIB no longer "
                            "keeps them there (nothing reads them; delete them): old-fence's password on lab-node1, "
                            "lab-node3")
    assert c["remedy"].splitlines()[-1] == ("rm -f /var/lib/pacemaker/lrm/secrets/old-fence/password "
                                            "/var/lib/pacemaker/lrm/secrets/old-fence/password.sign  # on lab-node1, "
                                            "lab-node3")
    assert "cibsecret check" not in c["remedy"]


def test_a_value_left_behind_counts_when_the_cib_keeps_nothing_in_the_store(base):
    per_node = {n: {"old-fence/password": {"state": "left"}} for n in NODES}
    c = check(run(with_stores(base, per_node)), "cib-secrets")
    assert c["status"] == "fail" and "old-fence's password on lab-node1, lab-node2, lab-node3" in c["message"], c
