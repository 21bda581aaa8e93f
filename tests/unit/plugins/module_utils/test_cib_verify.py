# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""crm_verify's lines explained, and a primitive's params checked against its agent's captured metadata."""

from __future__ import annotations

from conftest import fixture_text
from ansible_collections.clusterops.ha.plugins.module_utils.cib_verify import check_params, explain_verify
from ansible_collections.clusterops.ha.plugins.module_utils.pcmk_metadata import parse_metadata


def flags(info):
    return dict((k, info[k]) for k in ("required", "deprecated", "obsoletes"))


def test_parse_metadata_ipaddr2():
    params = parse_metadata(fixture_text("cib", "metadata.IPaddr2.xml"))
    assert flags(params["ip"]) == {"required": True, "deprecated": False, "obsoletes": None}
    assert params["cidr_netmask"]["required"] is False
    assert [n for n, p in params.items() if p["required"]] == ["ip"]
    assert {"nic", "broadcast", "arp_interval"} <= set(params)


def test_parse_metadata_dummy():
    params = parse_metadata(fixture_text("cib", "metadata.Dummy.xml"))
    assert sorted(params) == ["envfile", "fail_start_on", "fake", "op_sleep", "passwd", "state"]
    assert not [n for n, p in params.items() if p["required"] or p["deprecated"]]


def test_parse_metadata_fence_docker():
    params = parse_metadata(fixture_text("cib", "metadata.fence_docker.xml"))
    assert flags(params["ip"]) == {"required": True, "deprecated": False, "obsoletes": "ipaddr"}
    assert flags(params["ipaddr"]) == {"required": True, "deprecated": True, "obsoletes": None}
    assert params["plug"]["obsoletes"] == "port"
    assert params["port"]["deprecated"] is True


def metadata(name):
    return parse_metadata(fixture_text("cib", "metadata.%s.xml" % name))


def test_check_params_missing_required():
    assert check_params("vip", "ocf:heartbeat:IPaddr2", {"cidr_netmask": "24"}, metadata("IPaddr2")) == [
        "primitives vip: agent ocf:heartbeat:IPaddr2 requires parameter ip"]


def test_check_params_unknown_lists_allowed():
    problems = check_params("vip", "ocf:heartbeat:IPaddr2", {"ip": "192.0.2.1", "netmask": "24"},
                            metadata("IPaddr2"))
    assert len(problems) == 1
    assert problems[0].startswith("primitives vip: agent ocf:heartbeat:IPaddr2 has no parameter netmask (it takes: ")
    taken = problems[0].split("(it takes: ")[1].rstrip(")").split(", ")
    assert taken == sorted(metadata("IPaddr2"))
    assert "cidr_netmask" in taken


def test_check_params_good():
    assert check_params("vip", "ocf:heartbeat:IPaddr2", {"ip": "192.0.2.1", "cidr_netmask": 24},
                        metadata("IPaddr2")) == []
    assert check_params("d", "ocf:pacemaker:Dummy", {}, metadata("Dummy")) == []


def test_check_params_fence_docker():
    md = metadata("fence_docker")
    # The fencer's own parameters are fine for a stonith device; ipaddr is not needed with ip.
    assert check_params("f", "stonith:fence_docker",
                        {"ip": "192.0.2.1", "pcmk_host_list": "lab-node1 lab-node2", "priority": "1"}, md) == []
    # The deprecated name still satisfies the requirement.
    assert check_params("f", "stonith:fence_docker", {"ipaddr": "192.0.2.1"}, md) == []
    assert check_params("f", "stonith:fence_docker", {}, md) == [
        "primitives f: agent stonith:fence_docker requires parameter ip"]


def test_check_params_fencer_params_only_for_stonith():
    problems = check_params("d", "ocf:pacemaker:Dummy", {"pcmk_host_list": "x"}, metadata("Dummy"))
    assert problems == ["primitives d: agent ocf:pacemaker:Dummy has no parameter pcmk_host_list "
                        "(it takes: envfile, fail_start_on, fake, op_sleep, passwd, state)"]


def test_explain_verify_names_the_object_of_each_line():
    # crm_verify -V on a candidate with a location whose score is 'abc' (captured on the lab).
    lines = [ln for ln in fixture_text("cib", "crm_verify.schema-score.stderr.txt").splitlines() if ln.strip()]
    explained = explain_verify(lines, fixture_text("cib", "candidate.schema-score.xml"))
    assert explained[0].startswith("locations l1: candidate.xml:126: element rsc_location"), explained[0]
    assert explained[3].startswith("colocations "), explained[3]
    assert explained[-1] == "crm_verify: Errors found during check: config not valid"
    option = explain_verify(fixture_text("cib", "crm_verify.invalid-option.stderr.txt").splitlines()[:1], "<cib/>")
    assert option[0].startswith("properties.no-quorum-policy: ")
