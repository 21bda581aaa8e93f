# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pacemaker's own option metadata (captured from 2.1.5 and 3.0.0, see fixtures/metadata/README.md)."""

from __future__ import annotations

import pytest

from conftest import fixture_text
from ansible_collections.clusterops.ha.plugins.module_utils.pcmk_metadata import (
    OP_ATTRIBUTES,
    PACEMAKER_MAINTAINED,
    RESOURCE_META,
    check_options,
    cluster_options,
    op_attributes,
    parse_metadata,
    resource_meta,
)

DAEMONS = ("pacemaker-schedulerd", "pacemaker-controld", "pacemaker-fenced", "pacemaker-based")


def meta(name):
    return fixture_text("metadata", name)


def daemons(version):
    return [meta("%s.%s.xml" % (d, version)) for d in DAEMONS]


V215 = cluster_options(daemons("2.1.5"))
V300 = cluster_options(daemons("3.0.0"))
V300_LIST = cluster_options(daemons("3.0.0") + [meta("crm_attribute.list-options-cluster-all.3.0.0.xml")])
ALL = {"2.1.5": V215, "3.0.0": V300, "3.0.0+list": V300_LIST}


# --- parsing ------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", sorted(ALL))
def test_both_versions_parse_with_the_known_options(version):
    options = ALL[version]
    for name in ("stonith-enabled", "no-quorum-policy", "placement-strategy", "cluster-recheck-interval",
                 "dc-deadtime", "stonith-timeout", "symmetric-cluster", "maintenance-mode", "cluster-name",
                 "enable-acl", "cluster-ipc-limit", "stonith-watchdog-timeout", "load-threshold"):
        assert name in options, name
    assert len(options) == 47 + 1  # 47 in the metadata, plus last-lrm-refresh
    assert set(options["stonith-enabled"]) >= {"type", "default", "values", "deprecated", "advanced",
                                               "required", "obsoletes", "unique", "shortdesc", "generated"}


@pytest.mark.parametrize("version", sorted(ALL))
def test_types_and_defaults(version):
    options = ALL[version]
    assert options["stonith-enabled"]["type"] == "boolean"
    assert options["stonith-enabled"]["default"] == "true"
    assert options["dc-deadtime"]["default"] == "20s"
    assert options["dc-deadtime"]["type"] in ("time", "duration")
    assert options["load-threshold"] == dict(options["load-threshold"], type="percentage", default="80%")
    assert options["enable-acl"]["type"] == "boolean"
    assert options["cluster-name"]["default"] is None


def test_allowed_values_come_out():
    assert V215["no-quorum-policy"]["values"] == ["stop", "freeze", "ignore", "demote", "suicide"]
    assert V300["no-quorum-policy"]["values"] == ["stop", "freeze", "ignore", "demote", "fence", "suicide"]
    for options in ALL.values():
        assert options["placement-strategy"]["values"] == ["default", "utilization", "minimal", "balanced"]
        assert options["node-health-strategy"]["values"] == [
            "none", "migrate-on-red", "only-green", "progressive", "custom"]
        assert options["no-quorum-policy"]["default"] == "stop"


def test_allowed_values_from_the_longdesc_when_there_are_no_option_elements():
    xml = ('<resource-agent name="pacemaker-schedulerd" version="2.0.5"><parameters>'
           '<parameter name="no-quorum-policy"><longdesc lang="en">What to do when the cluster does not'
           ' have quorum  Allowed values: stop, freeze, ignore, demote, suicide</longdesc>'
           '<shortdesc lang="en">What to do</shortdesc><content type="select" default="stop"/></parameter>'
           '</parameters></resource-agent>')
    assert parse_metadata(xml)["no-quorum-policy"]["values"] == ["stop", "freeze", "ignore", "demote", "suicide"]


def test_the_2_1_5_selects_have_both_forms_and_they_agree():
    import xml.etree.ElementTree as ET
    root = ET.fromstring(meta("pacemaker-schedulerd.2.1.5.xml"))
    for p in root.iter("parameter"):
        if p.find("content").get("type") == "select":
            prose = p.find("longdesc").text.split("Allowed values:")[1]
            assert [v.strip() for v in prose.split(",")] == [o.get("value") for o in p.iter("option")]


def test_3_0_0_daemon_texts_are_folded():
    info = V300["no-quorum-policy"]
    assert info["shortdesc"] == "What to do when the cluster does not have quorum"
    assert V300["concurrent-fencing"]["shortdesc"] == "Allow performing fencing operations in parallel"


def test_advanced_deprecated_and_generated_flags():
    assert V215["stonith-enabled"]["advanced"] and V300_LIST["stonith-enabled"]["advanced"]
    assert V215["election-timeout"]["advanced"] and V215["election-timeout"]["shortdesc"]
    assert not V215["no-quorum-policy"]["advanced"]
    assert V215["remove-after-stop"]["deprecated"]
    assert V300["concurrent-fencing"]["deprecated"] and V300_LIST["concurrent-fencing"]["deprecated"]
    assert not V215["concurrent-fencing"]["deprecated"]
    raw = parse_metadata(meta("crm_attribute.list-options-cluster-all.3.0.0.xml"))
    assert sorted(n for n, i in raw.items() if i["generated"]) == ["cluster-infrastructure", "dc-version", "have-watchdog"]
    assert not any(i["generated"] for i in parse_metadata(meta("pacemaker-controld.2.1.5.xml")).values())
    for options in ALL.values():
        for name in PACEMAKER_MAINTAINED:
            assert options[name]["generated"], name


def test_the_fencers_device_parameters_are_not_cluster_options():
    for version in ("2.1.5", "3.0.0"):
        fenced = parse_metadata(meta("pacemaker-fenced.%s.xml" % version))
        assert len(fenced) == 25 and "pcmk_host_list" in fenced
        assert not any(name.startswith("pcmk_") for name in ALL[version])
        assert cluster_options([meta("pacemaker-fenced.%s.xml" % version)]) == {}
    listed = parse_metadata(meta("crm_resource.list-options-fencing.3.0.0.xml"))
    assert set(listed) == set(parse_metadata(meta("pacemaker-fenced.3.0.0.xml")))
    assert listed["pcmk_host_check"]["values"] == ["dynamic-list", "static-list", "status", "none"]


def test_crm_attribute_list_options_wins_over_the_daemons_legacy_types():
    assert V300["cluster-recheck-interval"]["type"] == "time"
    assert V300_LIST["cluster-recheck-interval"]["type"] == "duration"
    assert V300_LIST["node-health-red"]["type"] == "score"
    assert V300_LIST["dc-version"]["type"] == "version"
    # Daemons first or last: the list still wins.
    reordered = cluster_options([meta("crm_attribute.list-options-cluster-all.3.0.0.xml")] + daemons("3.0.0"))
    assert reordered == V300_LIST


def test_2_1_5_has_no_list_options():
    assert "Unknown option --list-options" in meta("crm_attribute.list-options.2.1.5.stderr.txt")
    assert "Unknown option --list-options" in meta("crm_resource.list-options.2.1.5.stderr.txt")


def test_version_differences():
    assert set(V215) - set(V300_LIST) == {"remove-after-stop"}
    assert set(V300_LIST) - set(V215) == {"node-pending-timeout"}
    assert V215["stonith-action"]["values"] == ["reboot", "off", "poweroff"]
    assert V300_LIST["stonith-action"]["values"] == ["reboot", "off"]
    assert V215["fence-reaction"]["type"] == "string" and V215["fence-reaction"]["values"] is None
    assert V300_LIST["fence-reaction"]["values"] == ["stop", "panic"]
    assert (V215["concurrent-fencing"]["default"], V300_LIST["concurrent-fencing"]["default"]) == ("false", "true")
    assert V215["stonith-timeout"]["advanced"] and not V300_LIST["stonith-timeout"]["advanced"]


def test_agent_metadata_flags():
    # The flags the cib module's agent check reads (cib_verify.check_params), from the one metadata parser.
    fenced = parse_metadata(fixture_text("metadata", "pacemaker-fenced.2.1.5.xml"))
    assert not [n for n, info in fenced.items() if info["required"]]
    docker = parse_metadata(meta("stonith_admin.metadata.fence_docker.2.1.5.xml"))
    assert docker["ipaddr"]["required"] and docker["ipaddr"]["deprecated"]
    assert docker["ip"]["obsoletes"] == "ipaddr" and docker["ip"]["required"]


def test_3_0_2_aliases_are_deprecated_with_their_replacement():
    # The form 3.0.2 prints for an alias (lib/common/options_display.c, tag Pacemaker-3.0.2); not captured.
    xml = ('<pacemaker-result><resource-agent name="cluster-options" version="3.0.2"><parameters>'
           '<parameter name="fencing-enabled" advanced="1" generated="0"><longdesc lang="en">x</longdesc>'
           '<shortdesc lang="en">Whether nodes may be fenced</shortdesc><content type="boolean" default="true"/>'
           '</parameter>'
           '<parameter name="stonith-enabled" advanced="1" generated="0"><deprecated>'
           '<replaced-with name="fencing-enabled"/></deprecated>'
           '<shortdesc lang="en">Deprecated alias for fencing-enabled</shortdesc>'
           '<content type="boolean" default="true"/></parameter>'
           '</parameters></resource-agent></pacemaker-result>')
    options = cluster_options([xml])
    assert options["stonith-enabled"]["replaced_with"] == "fencing-enabled"
    errors, warnings = check_options({"stonith-enabled": False, "fencing-enabled": "no"}, options, "properties")
    assert errors == []
    assert warnings == ["properties.stonith-enabled: is deprecated; use fencing-enabled instead"]


# --- checking names -----------------------------------------------------------------------------

@pytest.mark.parametrize("version", sorted(ALL))
def test_a_misspelt_name_gets_a_suggestion(version):
    errors, warnings = check_options({"stonith-enabeld": False}, ALL[version], "properties")
    assert len(errors) == 1 and warnings == []
    assert errors[0].startswith("properties.stonith-enabeld: unknown cluster option; did you mean stonith-enabled")
    assert errors[0].endswith("?")
    errors = check_options({"no-quorum-polcy": "stop"}, ALL[version], "properties")[0]
    assert errors == ["properties.no-quorum-polcy: unknown cluster option; did you mean no-quorum-policy?"]


def test_an_unknown_name_without_a_close_match():
    errors = check_options({"frobnicate": "1"}, V215, "properties")[0]
    assert errors == ["properties.frobnicate: unknown cluster option (see pacemaker-schedulerd metadata)"]


def test_a_name_from_the_other_version_is_unknown():
    assert check_options({"node-pending-timeout": "10m"}, V215, "properties")[0]
    assert check_options({"node-pending-timeout": "10m"}, V300_LIST, "properties") == ([], [])
    assert check_options({"remove-after-stop": "false"}, V300_LIST, "properties")[0]
    errors, warnings = check_options({"remove-after-stop": "false"}, V215, "properties")
    assert errors == [] and warnings == ["properties.remove-after-stop: is deprecated"]


@pytest.mark.parametrize("name", ["dc-version", "cluster-infrastructure", "have-watchdog", "last-lrm-refresh"])
def test_options_pacemaker_maintains_are_refused(name):
    for options in ALL.values():
        errors = check_options({name: "x"}, options, "properties")[0]
        assert errors == ["properties.%s: is maintained by Pacemaker itself and cannot be set" % name]


def test_deprecated_is_a_warning_not_an_error():
    errors, warnings = check_options({"concurrent-fencing": True}, V300_LIST, "properties")
    assert errors == [] and warnings == ["properties.concurrent-fencing: is deprecated"]
    assert check_options({"concurrent-fencing": True}, V215, "properties") == ([], [])


# --- checking values ----------------------------------------------------------------------------

GOOD = {
    "stonith-enabled": ["true", "false", "YES", "no", "On", "off", "y", "N", "1", "0", True, False, 1, 0],
    "no-quorum-policy": ["stop", "freeze", "ignore", "demote", "suicide", "Stop"],
    "placement-strategy": ["default", "utilization", "minimal", "balanced", "BALANCED"],
    "cluster-recheck-interval": ["15min", "15m", "900", "900s", "900 sec", "1h", "2hr", "500ms", "500msec",
                                 "10us", "10usec", "PT15M", "PT1H30M", "P1D", "P1DT2H", 900, 0, "0"],
    "batch-limit": ["0", "30", "-1", 30, "INFINITY", "-INFINITY", "+5"],
    "load-threshold": ["80%", "0%", "150%"],
    "cluster-name": ["anything at all", "lab", 5],
    "stonith-watchdog-timeout": ["0", "-1", "10s", "-10s", 0],
}
BAD = {
    "stonith-enabled": (["ture", "maybe", "2", "", 2, -1, 0.5], "is not a boolean"),
    "no-quorum-policy": (["sometimes", "", True], "is not one of stop, freeze, ignore, demote, suicide"),
    "placement-strategy": (["balance", "round-robin"], "is not one of default, utilization, minimal, balanced"),
    "cluster-recheck-interval": (["15 minutes", "fast", "-5s", "1.5h", "15 m s", "P", "PT", "pt15m", "", True,
                                  -1, 1.5], "is not a duration ("),
    "batch-limit": (["many", "1.5", "3x", "", True, 1.5, "INFINITYx"], "is not an integer"),
    "load-threshold": (["80", "eighty%", "-5%", "80 %x", 80, True], "is not a percentage"),
    "stonith-watchdog-timeout": (["soon", "--1"], "is not a duration"),
}


@pytest.mark.parametrize("name,value", [(n, v) for n, vs in GOOD.items() for v in vs])
def test_good_values(name, value):
    assert check_options({name: value}, V215, "properties") == ([], [])


@pytest.mark.parametrize("name,value", [(n, v) for n, (vs, _words) in BAD.items() for v in vs])
def test_bad_values(name, value):
    errors, warnings = check_options({name: value}, V215, "properties")
    assert len(errors) == 1 and warnings == [], errors
    assert errors[0].startswith("properties.%s: %r %s" % (name, value, BAD[name][1])), errors


def test_messages_in_full():
    errors = check_options({"no-quorum-policy": "sometimes", "cluster-recheck-interval": "15 minutes"},
                           V215, "properties")[0]
    assert errors == [
        "properties.cluster-recheck-interval: '15 minutes' is not a duration (a whole number with an optional"
        " unit ms, msec, us, usec, s, sec, m, min, h or hr, or an ISO 8601 duration such as PT5M; no decimals,"
        " at most about 49 days)",
        "properties.no-quorum-policy: 'sometimes' is not one of stop, freeze, ignore, demote, suicide",
    ]


def test_3_0_0_types_are_checked():
    assert check_options({"no-quorum-policy": "fence"}, V300_LIST, "properties") == ([], [])
    assert check_options({"no-quorum-policy": "fence"}, V215, "properties")[0]
    assert check_options({"stonith-action": "poweroff"}, V215, "properties") == ([], [])
    assert check_options({"stonith-action": "poweroff"}, V300_LIST, "properties")[0] == [
        "properties.stonith-action: 'poweroff' is not one of reboot, off"]
    assert check_options({"fence-reaction": "panic"}, V300_LIST, "properties") == ([], [])
    assert check_options({"fence-reaction": "explode"}, V300_LIST, "properties")[0]
    assert check_options({"fence-reaction": "explode"}, V215, "properties") == ([], [])  # a string there
    for value in ("INFINITY", "-INFINITY", "+INFINITY", "-100", 100):
        assert check_options({"node-health-red": value}, V300_LIST, "properties") == ([], []), value
    assert check_options({"node-health-red": "red-ish"}, V300_LIST, "properties")[0] == [
        "properties.node-health-red: 'red-ish' is not a score (an integer, INFINITY, +INFINITY, -INFINITY, "
        "or red/yellow/green)"]
    assert check_options({"cluster-ipc-limit": "500"}, V300_LIST, "properties") == ([], [])
    assert check_options({"cluster-ipc-limit": "-1"}, V300_LIST, "properties")[0] == [
        "properties.cluster-ipc-limit: '-1' is not an integer from 0 to 2147483647"]


def test_several_problems_are_all_reported_and_nothing_raises():
    values = {"stonith-enabeld": False, "no-quorum-policy": "sometimes", "dc-version": "2", "batch-limit": [1],
              "maintenance-mode": {"a": 1}, "cluster-name": None}
    errors, warnings = check_options(values, V215, "properties")
    assert len(errors) == 5 and warnings == []
    assert "properties.batch-limit: [1] is not an integer from -2147483648 to 2147483647" in errors
    assert check_options(None, V215, "properties") == ([], [])
    assert check_options({"x": 1}, None, "properties")[0]
    assert check_options("not a dict", V215, "properties")[0]
    assert check_options({1: 2}, V215, "properties")[0] == ["properties.1: unknown cluster option (see pacemaker-schedulerd metadata)"]


# --- resource meta-attributes and operation attributes --------------------------------------------

def test_the_hand_list_matches_3_0_0_primitive_metadata():
    listed = parse_metadata(meta("crm_resource.list-options-primitive.3.0.0.xml"))
    assert len(listed) == 18
    assert set(listed) <= set(RESOURCE_META)
    for name, info in listed.items():
        assert RESOURCE_META[name]["type"] == info["type"], name
        assert RESOURCE_META[name]["values"] == info["values"], name
    for name in ("globally-unique", "clone-max", "clone-node-max", "clone-min", "notify", "ordered", "interleave",
                 "promotable", "promoted-max", "promoted-node-max", "master-max", "master-node-max"):
        assert name in RESOURCE_META, name
    assert all(info.get("source") for info in RESOURCE_META.values())
    assert all(info.get("source") for info in OP_ATTRIBUTES.values())


def test_resource_meta_from_metadata_keeps_the_clone_names():
    table = resource_meta(meta("crm_resource.list-options-primitive.3.0.0.xml"), version="3.0.0")
    assert table["priority"]["source"] == "crm_resource --list-options=primitive"
    assert table["target-role"]["deprecated_values"] == ["Slave", "Master"]
    assert "interleave" in table and "clone-max" in table
    assert resource_meta() == RESOURCE_META


def test_rsc_defaults():
    good = {"resource-stickiness": 100, "migration-threshold": "INFINITY", "failure-timeout": "600s",
            "target-role": "Started", "is-managed": True, "multiple-active": "stop_unexpected",
            "requires": "fencing", "remote-port": 3121, "clone-max": 2, "priority": -10}
    assert check_options(good, RESOURCE_META, "rsc_defaults") == ([], [])
    errors, warnings = check_options({"resource-stikiness": 1, "migration-threshold": "many",
                                      "target-role": "Running", "remote-port": 70000, "clone-max": -1},
                                     RESOURCE_META, "rsc_defaults")
    assert errors == [
        "rsc_defaults.clone-max: -1 is not an integer from 0 to 2147483647",
        "rsc_defaults.migration-threshold: 'many' is not a score (an integer, INFINITY, +INFINITY, -INFINITY, "
        "or red/yellow/green)",
        "rsc_defaults.remote-port: 70000 is not a port (an integer from 1 to 65535)",
        "rsc_defaults.resource-stikiness: unknown resource meta-attribute; did you mean resource-stickiness?",
        "rsc_defaults.target-role: 'Running' is not one of Stopped, Started, Unpromoted, Promoted",
    ]


def test_legacy_roles_and_aliases_warn():
    errors, warnings = check_options({"target-role": "Master", "master-max": 1}, RESOURCE_META, "rsc_defaults")
    assert errors == []
    assert warnings == [
        "rsc_defaults.master-max: is deprecated; use promoted-max instead",
        "rsc_defaults.target-role: 'Master' is a deprecated value (use one of Stopped, Started, Unpromoted, Promoted)",
    ]


def test_op_defaults():
    good = {"timeout": "60s", "interval": "0", "on-fail": "restart", "enabled": "false", "role": "Promoted",
            "start-delay": "PT1M", "interval-origin": "2026-12-03 02:00:00", "record-pending": True}
    assert check_options(good, op_attributes("2.1.5"), "op_defaults") == ([], [])
    errors, warnings = check_options(good, op_attributes("3.0.0"), "op_defaults")
    assert errors == [] and warnings == ["op_defaults.record-pending: is deprecated"]
    errors = check_options({"timout": "30s", "timeout": "fast", "on-fail": "panic", "interval-origin": "2am"},
                           OP_ATTRIBUTES, "op_defaults")[0]
    assert errors == [
        "op_defaults.interval-origin: '2am' is not an ISO 8601 date and time that exists (YYYY-MM-DD, YYYY-DDD or"
        " YYYY-Www-D, optionally followed by T or a space and HH:MM[:SS] with an optional Z or +HH:MM offset)",
        "op_defaults.on-fail: 'panic' is not one of ignore, block, stop, demote, restart, fence, standby,"
        " restart-container",
        "op_defaults.timeout: 'fast' is not a duration (a whole number with an optional unit ms, msec, us, usec, s,"
        " sec, m, min, h or hr, or an ISO 8601 duration such as PT5M; no decimals, at most about 49 days)",
        "op_defaults.timout: unknown operation attribute; did you mean timeout?",
    ]
    assert "requires" not in OP_ATTRIBUTES
