# -*- coding: utf-8 -*-
"""validate: typed values the way Pacemaker and Corosync read them (examples and properties)."""

from __future__ import annotations

import datetime
import os

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.clusterops.ha.plugins.module_utils import validate
from ansible_collections.clusterops.ha.plugins.module_utils.validate import (
    DURATION_MAX_MS,
    TYPES,
    ValidationError,
    absolute_path,
    address,
    address_on_host,
    boolean,
    by_type,
    check_values,
    choice,
    cib_id,
    collect,
    date_range,
    date_spec,
    duration,
    duration_ms,
    epoch_time,
    git_ref,
    integer,
    is_host_name,
    is_ip_literal,
    iso8601_datetime,
    name,
    node_name,
    nonnegative_integer,
    number,
    percentage,
    port,
    positive_integer,
    role,
    score,
    string,
    suggest,
    systemd_timespan,
    system_user,
    url,
    version,
)

FIELD = "locations loc1.score"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def refused(fn, value, *args, **kw):
    """The ValidationError fn raises for value; checks the common message shape."""
    with pytest.raises(ValidationError) as info:
        fn(value, FIELD, *args, **kw)
    err = info.value
    assert err.field == FIELD
    assert err.value is value or err.value == value
    assert str(err) == "%s: %s" % (FIELD, err.message)
    assert repr(value) in err.message
    return err


# --------------------------------------------------------------------------------------------------
# examples
# --------------------------------------------------------------------------------------------------

def test_error_object_and_format():
    err = refused(score, "abc")
    assert str(err) == ("locations loc1.score: 'abc' is not a score "
                        "(an integer, INFINITY, +INFINITY, -INFINITY, or red/yellow/green)")
    assert err.message.startswith("'abc' is not ")
    assert isinstance(err, ValueError)


@pytest.mark.parametrize("value, expected", [
    (100, "100"), (-5, "-5"), (0, "0"), ("100", "100"), ("+100", "100"), ("-0", "0"), ("007", "7"),
    (" 42 ", "42"), ("INFINITY", "INFINITY"), ("+INFINITY", "INFINITY"), ("-INFINITY", "-INFINITY"),
    ("red", "red"), ("Yellow", "yellow"), ("GREEN", "green"),
    (2000000, "2000000"),
])
def test_score_good(value, expected):
    assert score(value, FIELD) == expected


@pytest.mark.parametrize("value", [
    "abc", "1.5", "", " ", "inf", "-inf", "INF", "100abc", "1e3", "++1", "- 1", "INFINITY1", "blue",
    None, True, False, 1.0, 1.5, [], ["100"], {}, {"a": 1}, "١٢", "1" * 40,
])
def test_score_bad(value):
    refused(score, value)


@pytest.mark.parametrize("value, expected_ms", [
    (0, 0), (30, 30000), ("30", 30000), ("30s", 30000), ("30 s", 30000), ("30sec", 30000), ("30SEC", 30000),
    ("500ms", 500), ("500 msec", 500), ("1500us", 1), ("1500usec", 1), ("2m", 120000), ("2min", 120000),
    ("1h", 3600000), ("1hr", 3600000), (" 10s ", 10000), ("PT5M", 300000), ("P1D", 86400000),
    ("P1W", 7 * 86400000), ("P1DT2H3M4S", 93784000), ("PT0S", 0), ("P1M", 30 * 86400000),
    ("PT1193H2M47S", DURATION_MAX_MS - 295), (DURATION_MAX_MS // 1000, DURATION_MAX_MS // 1000 * 1000),
])
def test_duration_good(value, expected_ms):
    text = duration(value, FIELD)
    assert text == (str(value).strip() if not isinstance(value, int) else str(value))
    assert duration_ms(value, FIELD) == expected_ms


@pytest.mark.parametrize("value", [
    "-1", -1, "10 seconds", "5 mins", "1.5s", "1.5", "3.1.4 ms", "", " ", "s", "ms", "10 d", "10days", "P", "PT",
    "P1DT", "p1d", "PT1.5S", "P-1D", "PT5M1H", "P1Y", "PT1193H2M48S", "10 s x", None, True, 1.5, [], {},
    "P1D extra", "٣s",
])
def test_duration_bad(value):
    err = refused(duration, value)
    assert "a duration" in err.message
    refused(duration_ms, value)


def test_duration_zero():
    assert duration("0", FIELD) == "0"
    err = refused(duration, "0s", allow_zero=False)
    assert err.message == "'0s' is not a duration greater than zero"
    refused(duration_ms, "PT0S", allow_zero=False)
    assert duration("1ms", FIELD, allow_zero=False) == "1ms"


@pytest.mark.parametrize("value", [
    "2026-12-03", "20261203", "2026-12-03 02:00:00", "2026-12-03T02:00:00", "2026-12-03T02:00", "2026-12-03T02:00:00Z",
    "2026-12-03T02:00:00+01:00", "2026-12-03 02:00:00-0530", "2026-12-03T02:00+02", "2024-02-29", "2024-366",
    "2026-001", "2026-W01-1", "2026-W53-7", "2020-W53-1", " 2026-12-03 ", "0001-01-01", "9999-12-31T23:59:59",
])
def test_iso8601_good(value):
    assert iso8601_datetime(value, FIELD) == value.strip()


@pytest.mark.parametrize("value", [
    "2026-02-30", "2026-02-29", "2026-13-01", "2026-00-10", "2026-12-00", "2026-12-03 24:00:00", "2026-12-03 23:60",
    "2026-12-03 23:59:60", "2026-366", "2026-000", "2027-W53-1", "2026-W00-1", "2026-W10-8", "2026", "26-12-03",
    "0000-01-01", "2026-12-03 02:00:00 +01:00", "2026-12-03T02:00:00+24:00", "2026-12-03T", "2026-12-03X02:00",
    "2026/12/03", "", "now", None, 20261203, [], {}, 1.5, "2026-12-03T2:00",
])
def test_iso8601_bad(value):
    refused(iso8601_datetime, value)


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (1, True), (0, False), ("true", True), ("TRUE", True), ("yes", True),
    ("on", True), ("y", True), ("1", True), ("false", False), ("No", False), ("off", False), ("n", False),
    ("0", False), (" true ", True),
])
def test_boolean_good(value, expected):
    assert boolean(value, FIELD) is expected


@pytest.mark.parametrize("value", ["ture", "2", "enabled", "", "t", "f", None, 2, -1, 1.0, [], {}])
def test_boolean_bad(value):
    err = refused(boolean, value)
    assert "true/false, yes/no, on/off, y/n, 1/0" in err.message


def test_integers():
    assert integer("-12", FIELD) == -12
    assert integer(" +7 ", FIELD) == 7
    assert integer(5, FIELD, minimum=5, maximum=5) == 5
    for bad in ("1e3", "1.0", 1.0, True, None, "", "0x10", "10abc", [1]):
        refused(integer, bad)
    assert refused(integer, "70000", minimum=1, maximum=65535).message == "'70000' is not an integer from 1 to 65535"
    assert refused(integer, -1, minimum=0).message == "-1 is not an integer of at least 0"
    assert refused(integer, 11, maximum=10).message == "11 is not an integer of at most 10"
    assert nonnegative_integer("0", FIELD) == 0
    refused(nonnegative_integer, -1)
    assert positive_integer(1, FIELD) == 1
    refused(positive_integer, 0)
    assert port("5405", FIELD) == 5405
    assert refused(port, 0).message == "0 is not a port (an integer from 1 to 65535)"
    refused(port, 65536)
    assert epoch_time("1764720000", FIELD) == 1764720000
    refused(epoch_time, -1)


def test_role():
    assert role("started", FIELD) == "Started"
    assert role("PROMOTED", FIELD) == "Promoted"
    assert role("Unpromoted", FIELD, allow_legacy=False) == "Unpromoted"
    assert role("master", FIELD) == "Master"
    assert role("Slave", FIELD) == "Slave"
    err = refused(role, "Master", allow_legacy=False)
    assert "Promoted replaces Master" in err.message
    err = refused(role, "slave", allow_legacy=False)
    assert "Unpromoted replaces Slave" in err.message
    for bad in ("Running", "", None, 1, ["Started"], "Unknown"):
        refused(role, bad)


def test_choice_and_suggest():
    allowed = ["stop", "freeze", "ignore", "demote", "fence"]
    assert choice("freeze", FIELD, allowed) == "freeze"
    assert choice("Freeze", FIELD, allowed) == "freeze"
    assert choice(1, FIELD, ["0", "1"]) == "1"
    err = refused(choice, "stopp", allowed)
    assert err.message == "'stopp' is not one of stop, freeze, ignore, demote, fence; did you mean stop?"
    assert refused(choice, "zzz", allowed).message == "'zzz' is not one of stop, freeze, ignore, demote, fence"
    refused(choice, None, allowed)
    refused(choice, True, ["True"])
    assert suggest("tokn", ["token", "join", "consensus"]) == "; did you mean token?"
    assert suggest("tokens", ["token", "tokem", "join"]) == "; did you mean token or tokem?"
    assert suggest("zzz", ["token"]) == ""


def test_name():
    known = ["token", "consensus", "join", "max_messages"]
    assert name("token", FIELD, known) == "token"
    err = refused(name, "tokn", known)
    assert err.message == "unknown key 'tokn'; did you mean token?"
    err = refused(name, "qqq", known, what="totem option")
    assert err.message == "unknown totem option 'qqq' (known: consensus, join, max_messages, token)"
    many = ["opt%02d" % i for i in range(30)]
    err = refused(name, "zzz", many)
    assert err.message.endswith("opt19, and 10 more)")
    assert refused(name, "x", []).message == "unknown key 'x' (none is known)"
    refused(name, None, known)
    refused(name, ["token"], known)


@pytest.mark.parametrize("value, expected", [
    ("10.0.0.1", "10.0.0.1"), ("172.31.251.11", "172.31.251.11"), ("2001:DB8::1", "2001:db8::1"),
    ("2001:db8:0:0:0:0:0:1", "2001:db8::1"), ("fe80::1%eth0", "fe80::1%eth0"), ("node1", "node1"),
    ("Node1.Example.COM", "node1.example.com"), ("a-b.c", "a-b.c"), ("10.n1", "10.n1"), ("1node", "1node"),
    (" 10.0.0.1 ", "10.0.0.1"), ("::ffff:10.0.0.1", "::ffff:a00:1"),
])
def test_address_good(value, expected):
    assert address(value, FIELD) == expected


@pytest.mark.parametrize("value, why", [
    ("10.0.0.256", "is not an address"), ("10.0.0", "is not an address"), ("010.0.0.1", "is not an address"),
    ("10.0.0.1/24", "is not an address"), ("2001:db8::1/64", "is not an address"), ("", "is not an address"),
    ("-node", "is not an address"), ("node-", "is not an address"), ("no_de", "is not an address"),
    ("a" * 64, "is not an address"), ("a." * 127 + "a", "is not an address"), ("node.", "is not an address"),
    ("1234", "is not an address"), ("n1.10", "is not an address"), ("0.1.2.3", "this network"),
    ("255.255.255.255", "reserved"), ("240.0.0.1", "reserved"), ("10.0.0.1 10.0.0.2", "is not an address"), ("2001:db8::1%eth0", "link-local"),
    ("127.0.0.1", "loopback"), ("127.1.2.3", "loopback"), ("::1", "loopback"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"), ("239.192.0.1", "multicast"), ("ff02::1", "multicast"), ("fe80::1", "link-local"),
    ("169.254.1.1", "link-local"), (["10.0.0.1"], "(a single IPv4 or IPv6 address or a host name)"),
    ({"addr": "10.0.0.1"}, "is not an address"), (None, "is not an address"), (167772161, "is not an address"),
])
def test_address_bad(value, why):
    assert why in refused(address, value).message


def test_address_ip_version_and_special():
    assert address("10.0.0.1", FIELD, ip_version="ipv4") == "10.0.0.1"
    assert "totem.ip_version is ipv4" in refused(address, "2001:db8::1", ip_version="ipv4").message
    assert "totem.ip_version is ipv6" in refused(address, "10.0.0.1", ip_version="ipv6").message
    for version_ in ("ipv4-6", "ipv6-4", None):
        assert address("10.0.0.1", FIELD, ip_version=version_) == "10.0.0.1"
        assert address("2001:db8::1", FIELD, ip_version=version_) == "2001:db8::1"
    assert address("node1", FIELD, ip_version="ipv6") == "node1"
    assert address("127.0.0.1", FIELD, special=True) == "127.0.0.1"
    with pytest.raises(ValueError):
        address("10.0.0.1", FIELD, ip_version="ipv5")
    assert is_ip_literal("10.0.0.1") and is_ip_literal("fe80::1%eth0") and not is_ip_literal("node1")
    assert not is_ip_literal(None) and not is_ip_literal("10.0.0.1/24")
    assert is_host_name("node1.example.com") and not is_host_name("10.0.0") and not is_host_name("")


def test_address_on_host():
    mine = ["172.31.251.11", "10.0.0.5", "fe80::42:acff:fe1f:fb0b", "2001:db8::5"]
    assert address_on_host("10.0.0.5", FIELD, mine) == "10.0.0.5"
    assert address_on_host("2001:DB8:0::5", FIELD, mine) == "2001:db8::5"
    assert address_on_host("fe80::42:acff:fe1f:fb0b%eth0", FIELD, mine) == "fe80::42:acff:fe1f:fb0b%eth0"
    assert address_on_host("node9", FIELD, mine) == "node9"
    err = refused(address_on_host, "10.0.0.9", mine)
    assert str(err) == ("%s: '10.0.0.9' is not an address of this host "
                        "(it has: 172.31.251.11, 10.0.0.5, fe80::42:acff:fe1f:fb0b, 2001:db8::5)" % FIELD)
    assert "(it has: none)" in refused(address_on_host, "10.0.0.9", []).message
    refused(address_on_host, ["10.0.0.5"], mine)


def test_cib_id():
    for good in ("loc1", "_x", "rsc-ip.1_a", "a" * 255):
        assert cib_id(good, FIELD) == good
    for bad in ("1abc", "-a", ".a", "", "a b", "a:b", "a/b", "a" * 256, None, 1, ["a"], "é"):
        refused(cib_id, bad)


def test_date_spec():
    spec = {"id": "ds1", "hours": "9-16", "weekdays": "1-5", "monthdays": 1, "years": "2026-", "weeks": "-10"}
    assert date_spec(spec, FIELD) == {"id": "ds1", "hours": "9-16", "weekdays": "1-5", "monthdays": "1",
                                      "years": "2026-", "weeks": "-10"}
    assert date_spec({"moon": "0-3"}, FIELD) == {"moon": "0-3"}
    with pytest.raises(ValidationError) as info:
        date_spec({"moon": 4}, FIELD, allow_legacy=False)
    assert "unknown date_spec attribute 'moon'" in str(info.value)
    with pytest.raises(ValidationError) as info:
        date_spec({"hour": 4}, FIELD)
    assert str(info.value) == "%s: unknown date_spec attribute 'hour'; did you mean hours?" % FIELD
    with pytest.raises(ValidationError) as info:
        date_spec({"hours": "9-24"}, FIELD)
    assert str(info.value) == "%s.hours: '9-24' is not a number or range (N, N-M, N- or -M) within 0-23" % FIELD
    for bad in ("17-9", "", "-", "a", "1-2-3", "1.5", None, [1], "0", "32"):
        with pytest.raises(ValidationError):
            date_spec({"monthdays": bad}, FIELD)
    with pytest.raises(ValidationError):
        date_spec({"id": "1x"}, FIELD)
    refused(date_spec, ["hours"])
    assert date_range("0-", FIELD) == "0-"


def test_other_types():
    assert percentage("80%", FIELD) == "80%"
    assert percentage(" 0% ", FIELD) == "0%"
    # pcmk__valid_percentage: strtol, then exactly "%"
    for bad in ("-1%", "80%%", "%", "abc", 0.5, None, -1, "80", 80, "12.5%"):
        refused(percentage, bad)
    assert version("2.1.5", FIELD) == "2.1.5"
    assert version("3.0.0-rc1", FIELD) == "3.0.0-rc1"
    assert version(3, FIELD) == "3"
    for bad in ("v3", "", "3 0", 3.1, None):
        refused(version, bad)
    assert string("x", FIELD) == "x"
    assert string(True, FIELD) == "true"
    assert string(5, FIELD) == "5"
    for bad in (None, [], {}):
        refused(string, bad)


@pytest.mark.parametrize("kind, value, expected", [
    ("boolean", "yes", True), ("integer", "-3", -3), ("integer", "INFINITY", "INFINITY"), ("integer", "-INFINITY", "-INFINITY"),
    ("nonnegative_integer", "0", 0), ("score", "+INFINITY", "INFINITY"), ("duration", "5min", "5min"),
    ("timeout", "20s", "20s"), ("time", "PT1M", "PT1M"), ("interval", "0", "0"), ("percentage", "80%", "80%"),
    ("port", "3121", 3121), ("version", "3.0.0", "3.0.0"), ("epoch_time", 0, 0), ("iso8601", "2026-12-03", "2026-12-03"),
    ("id", "a1", "a1"), ("range", "1-5", "1-5"), ("string", "anything", "anything"), ("text", 5, "5"),
    ("no-such-type", "anything", "anything"), (None, "x", "x"), ("BOOLEAN", "off", False), ("select", "x", "x"),
])
def test_by_type(kind, value, expected):
    assert by_type(kind, value, FIELD) == expected


def test_by_type_refuses_and_selects():
    assert by_type("select", "Freeze", FIELD, allowed=["stop", "freeze"]) == "freeze"
    assert by_type("enum", "stop", FIELD, allowed=["stop"]) == "stop"
    with pytest.raises(ValidationError) as info:
        by_type("select", "stopp", FIELD, allowed=["stop", "freeze"])
    assert "did you mean stop?" in str(info.value)
    with pytest.raises(ValidationError):
        by_type("integer", "2147483648", FIELD)
    with pytest.raises(ValidationError):
        by_type("nonnegative_integer", "-1", FIELD)
    with pytest.raises(ValidationError):
        by_type("duration", "1.5s", FIELD)
    with pytest.raises(ValidationError):
        by_type("string", ["a"], FIELD)


def test_collect():
    errors = []
    assert collect(errors, score, "abc", FIELD) is None
    assert collect(errors, integer, "7", FIELD, minimum=1) == 7
    assert collect(errors, boolean, "ture", "b") is None
    assert collect(errors, boolean, False, "b") is False
    assert errors == [
        "%s: 'abc' is not a score (an integer, INFINITY, +INFINITY, -INFINITY, or red/yellow/green)" % FIELD,
        "b: 'ture' is not a boolean (true/false, yes/no, on/off, y/n, 1/0)",
    ]


# --------------------------------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------------------------------

VALIDATORS = {
    "score": score,
    "duration": duration,
    "duration_ms": duration_ms,
    "iso8601_datetime": iso8601_datetime,
    "boolean": boolean,
    "integer": integer,
    "nonnegative_integer": nonnegative_integer,
    "positive_integer": positive_integer,
    "role": role,
    "cib_id": cib_id,
    "address": address,
    "percentage": percentage,
    "version": version,
    "port": port,
    "epoch_time": epoch_time,
    "date_range": date_range,
    "string": string,
    "choice": lambda v, f: choice(v, f, ["stop", "freeze"]),
    "name": lambda v, f: name(v, f, ["token", "join"]),
    "address_on_host": lambda v, f: address_on_host(v, f, ["10.0.0.1"]),
    "date_spec": date_spec,
    "number": number,
    "node_name": node_name,
    "absolute_path": absolute_path,
    "prom_path": lambda v, f: absolute_path(v, f, suffix=".prom"),
    "url": url,
    "systemd_timespan": systemd_timespan,
    "git_branch": git_ref,
    "git_revision": lambda v, f: git_ref(v, f, revision=True),
    "system_user": system_user,
}
# Values no validator takes (except string(), which takes floats).
WRONG_TYPES = st.one_of(
    st.none(), st.floats(allow_nan=True), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.tuples(st.text(max_size=3)),
    st.binary(max_size=5), st.sets(st.integers(), max_size=2),
)
ANYTHING = st.one_of(WRONG_TYPES, st.text(max_size=30), st.integers(), st.booleans(),
                     st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=8), st.integers()), max_size=3))


def outcome(fn, value):
    """"ok" or "error" -- any other exception propagates and fails the property."""
    try:
        fn(value, FIELD)
    except ValidationError as e:
        assert str(e).startswith(FIELD)
        assert repr(e.value) in e.message
        if fn is not date_spec:  # date_spec names the attribute or value at fault, under FIELD.<attribute>
            assert str(e).startswith(FIELD + ": ") and e.value is value
        return "error"
    return "ok"


@SETTINGS
@given(kind=st.sampled_from(sorted(VALIDATORS)), value=ANYTHING)
def test_validators_raise_only_validation_error(kind, value):
    outcome(VALIDATORS[kind], value)


@SETTINGS
@given(kind=st.sampled_from(sorted(set(VALIDATORS) - {"string", "date_spec", "number"})), value=WRONG_TYPES)
def test_wrong_python_types_are_refused(kind, value):
    assert outcome(VALIDATORS[kind], value) == "error"


@SETTINGS
@given(kind=st.sampled_from(sorted(TYPES) + ["unknown"]), value=ANYTHING, allowed=st.one_of(st.none(), st.lists(st.text(max_size=5))))
def test_by_type_raises_only_validation_error(kind, value, allowed):
    try:
        by_type(kind, value, FIELD, allowed=allowed)
    except ValidationError as e:
        assert str(e).startswith(FIELD + ": ")


@SETTINGS
@given(kind=st.sampled_from(sorted(VALIDATORS)), value=ANYTHING)
def test_collect_never_raises(kind, value):
    errors = []
    result = collect(errors, VALIDATORS[kind], value, FIELD)
    assert (result is None and len(errors) == 1) or not errors
    if errors:
        assert errors[0].startswith(FIELD + ": ")


# Text that fits no grammar: letters that are no unit, no word, no role.
NONSENSE = st.text(alphabet="qjkxzQJKXZ!?*#", min_size=1, max_size=12)


@SETTINGS
@given(text=NONSENSE, kind=st.sampled_from(["score", "duration", "iso8601_datetime", "boolean", "integer", "role",
                                            "percentage", "version", "port", "epoch_time", "date_range", "choice"]))
def test_nonsense_text_is_refused(text, kind):
    err = None
    try:
        VALIDATORS[kind](text, FIELD)
    except ValidationError as e:
        err = e
    assert err is not None
    assert repr(text) in err.message


@SETTINGS
@given(n=st.integers(min_value=-10 ** 9, max_value=10 ** 9), sign=st.sampled_from(["", "+"]), pad=st.sampled_from(["", " "]))
def test_score_integers_round_trip(n, sign, pad):
    text = pad + (sign if n >= 0 else "") + str(n) + pad
    assert score(text, FIELD) == str(n)
    assert score(n, FIELD) == str(n)
    assert score(score(text, FIELD), FIELD) == str(n)


@SETTINGS
@given(word=st.sampled_from(["red", "yellow", "green"]), data=st.data())
def test_score_health_words_any_case(word, data):
    flips = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    text = "".join(c.swapcase() if f else c for c, f in zip(word, flips))
    canonical = score(text, FIELD)
    assert canonical == word
    assert score(canonical, FIELD) == canonical


@SETTINGS
@given(word=st.sampled_from(["INFINITY", "+INFINITY", "-INFINITY"]), data=st.data())
def test_score_infinity_only_upper_case(word, data):
    # Pacemaker compares INFINITY case-sensitively: any other spelling would be read as 0.
    flips = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    text = "".join(c.swapcase() if f else c for c, f in zip(word, flips))
    if text == word:
        assert score(text, FIELD) in ("INFINITY", "-INFINITY")
    else:
        with pytest.raises(ValidationError, match="upper case"):
            score(text, FIELD)


UNITS = {"": 1000, "s": 1000, "sec": 1000, "ms": 1, "msec": 1, "m": 60000, "min": 60000, "h": 3600000, "hr": 3600000}


@SETTINGS
@given(n=st.integers(min_value=0, max_value=10 ** 6), unit=st.sampled_from(sorted(UNITS)), space=st.sampled_from(["", " ", "\t"]),
       upper=st.booleans())
def test_plain_durations_round_trip(n, unit, space, upper):
    text = str(n) + (space if unit else "") + (unit.upper() if upper else unit)
    if n * UNITS[unit] > DURATION_MAX_MS:
        refused(duration, text)
        return
    assert duration(text, FIELD) == text
    assert duration_ms(text, FIELD) == n * UNITS[unit]
    assert duration(duration(text, FIELD), FIELD) == text


@SETTINGS
@given(parts=st.tuples(*[st.one_of(st.none(), st.integers(min_value=0, max_value=20)) for _part in range(7)]))
def test_iso_durations_round_trip(parts):
    years, months, weeks, days, hours, minutes, seconds = parts
    date = "".join("%d%s" % (n, u) for n, u in zip((years, months, weeks, days), "YMWD") if n is not None)
    time = "".join("%d%s" % (n, u) for n, u in zip((hours, minutes, seconds), "HMS") if n is not None)
    text = "P" + date + ("T" + time if time else "")
    if text == "P":
        refused(duration, text)
        return
    expected = ((365 * (years or 0) + 30 * (months or 0) + 7 * (weeks or 0) + (days or 0)) * 86400
                + 3600 * (hours or 0) + 60 * (minutes or 0) + (seconds or 0)) * 1000
    if expected > DURATION_MAX_MS:
        refused(duration, text)
        return
    assert duration(text, FIELD) == text
    assert duration_ms(text, FIELD) == expected


@SETTINGS
@given(moment=st.datetimes(min_value=datetime.datetime(1, 1, 1)),
       form=st.sampled_from(["calendar", "compact", "ordinal", "week"]), sep=st.sampled_from(["T", " ", None]),
       seconds=st.booleans(), offset=st.sampled_from(["", "Z", "+01:00", "-0530", "+02"]))
def test_iso8601_datetimes_round_trip(moment, form, sep, seconds, offset):
    if form == "calendar":
        date = moment.strftime("%Y-%m-%d") if moment.year >= 1000 else "%04d-%02d-%02d" % (moment.year, moment.month, moment.day)
    elif form == "compact":
        date = "%04d%02d%02d" % (moment.year, moment.month, moment.day)
    elif form == "ordinal":
        date = "%04d-%03d" % (moment.year, moment.timetuple().tm_yday)
    else:
        year, week, day = moment.isocalendar()
        if not 1 <= year <= 9999:
            return
        date = "%04d-W%02d-%d" % (year, week, day)
    text = date
    if sep:
        text += sep + "%02d:%02d" % (moment.hour, moment.minute) + (":%02d" % moment.second if seconds else "") + offset
    assert iso8601_datetime(text, FIELD) == text


@SETTINGS
@given(year=st.integers(min_value=1, max_value=9999), month=st.integers(min_value=1, max_value=12),
       day=st.integers(min_value=1, max_value=31))
def test_iso8601_calendar_dates_exist(year, month, day):
    text = "%04d-%02d-%02d" % (year, month, day)
    try:
        datetime.date(year, month, day)
        exists = True
    except ValueError:
        exists = False
    assert outcome(iso8601_datetime, text) == ("ok" if exists else "error")


@SETTINGS
@given(word=st.sampled_from(["true", "yes", "on", "y", "1", "false", "no", "off", "n", "0"]), data=st.data())
def test_boolean_words_any_case(word, data):
    flips = data.draw(st.lists(st.booleans(), min_size=len(word), max_size=len(word)))
    text = "".join(c.swapcase() if f else c for c, f in zip(word, flips))
    result = boolean(text, FIELD)
    assert result is (word in ("true", "yes", "on", "y", "1"))
    assert boolean(result, FIELD) is result


@SETTINGS
@given(n=st.integers(min_value=-10 ** 12, max_value=10 ** 12), low=st.one_of(st.none(), st.integers(-100, 100)),
       high=st.one_of(st.none(), st.integers(-100, 100)))
def test_integer_round_trip_and_range(n, low, high):
    inside = (low is None or n >= low) and (high is None or n <= high)
    for value in (n, str(n), " %s " % n):
        if inside:
            assert integer(value, FIELD, low, high) == n
        else:
            refused(integer, value, low, high)


@SETTINGS
@given(r=st.sampled_from(["Started", "Stopped", "Promoted", "Unpromoted"]), data=st.data())
def test_roles_any_case(r, data):
    flips = data.draw(st.lists(st.booleans(), min_size=len(r), max_size=len(r)))
    text = "".join(c.swapcase() if f else c for c, f in zip(r, flips))
    assert role(text, FIELD, allow_legacy=False) == r


@SETTINGS
@given(st.builds(lambda a, rest: a + rest, st.sampled_from("abcXYZ_"),
                 st.text(alphabet="abcdefXYZ0123456789_.-", max_size=40)))
def test_cib_ids_round_trip(text):
    assert cib_id(text, FIELD) == text


@SETTINGS
@given(ip=st.ip_addresses())
def test_ip_literals_round_trip(ip):
    text = str(ip)
    assert is_ip_literal(text)
    special = ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_link_local or (
        ip.version == 4 and (ip.is_reserved or ip.packed[0] == 0))
    if special:
        refused(address, text)
    else:
        assert address(text, FIELD) == ip.compressed
        assert address(text.upper(), FIELD) == ip.compressed
    assert address(text, FIELD, special=True) == ip.compressed
    assert address_on_host(text, FIELD, ["192.0.2.1", text]) == ip.compressed


_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
LABEL = st.one_of(
    st.text(alphabet=_ALNUM, min_size=1, max_size=1),
    st.builds(lambda a, mid, b: a + mid + b, st.sampled_from(_ALNUM), st.text(alphabet=_ALNUM + "-", max_size=20),
              st.sampled_from(_ALNUM)))


@SETTINGS
@given(labels=st.lists(LABEL, min_size=1, max_size=5), upper=st.booleans())
def test_host_names_round_trip(labels, upper):
    text = ".".join(labels)
    if labels[-1].isdigit():
        assert not is_host_name(text)
        if not is_ip_literal(text):
            assert outcome(address, text) == "error"
        return
    given_text = text.upper() if upper else text
    assert address(given_text, FIELD) == text
    assert address_on_host(given_text, FIELD, ["10.0.0.1"]) == given_text


@SETTINGS
@given(key=st.sampled_from(["hours", "minutes", "seconds", "monthdays", "weekdays", "yeardays", "months", "weeks"]),
       data=st.data())
def test_date_spec_ranges_round_trip(key, data):
    bounds = {"hours": (0, 23), "minutes": (0, 59), "seconds": (0, 59), "monthdays": (1, 31), "weekdays": (1, 7),
              "yeardays": (1, 366), "months": (1, 12), "weeks": (1, 53)}[key]
    a = data.draw(st.integers(*bounds))
    b = data.draw(st.integers(a, bounds[1]))
    form = data.draw(st.sampled_from(["%d", "%d-%d", "%d-", "-%d"]))
    text = form % ((a, b) if form == "%d-%d" else (a,))
    assert date_spec({key: text}, FIELD) == {key: text}
    with pytest.raises(ValidationError):
        date_spec({key: "%d" % (bounds[1] + 1)}, FIELD)


@SETTINGS
@given(known=st.lists(st.text(alphabet="abcdefgh_", min_size=1, max_size=10), min_size=1, max_size=30, unique=True),
       data=st.data())
def test_name_known_and_unknown(known, data):
    pick = data.draw(st.sampled_from(known))
    assert name(pick, FIELD, known) == pick
    unknown = pick + "zz"
    if unknown not in known:
        err = refused(name, unknown, known)
        assert err.message.startswith("unknown key %r" % unknown)
        assert ("; did you mean " in err.message) != ("(known: " in err.message)


# --------------------------------------------------------------------------------------------------
# the roles' own value types and check_values
# --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn,good,bad", [
    (node_name, ["node1", "db_1.example.com", "10.0.0.1", "a"], ["mol node2", "-node", "node-", "", "x" * 65, 3]),
    (lambda v, f: absolute_path(v, f, suffix=".prom"), ["/var/lib/x/ha.prom"],
     ["ha.prom", "/var/lib/x/ha.txt", "/var/lib/x/.prom", "/var/../ha.prom", "/x/", "/x\nb.prom"]),
    (url, ["http://hooks.example.com/cluster", "https://[fd00::1]:8443/x?y=1", "http://10.0.0.1:80"],
     ["hooks.example.com/cluster", "ftp://x", "http://", "http://a b", "http://x:99999", "http:/x"]),
    (systemd_timespan, ["30s", "1min", "1h 30min", "2h30min", "45", 45, "1.5s", "500ms"],
     ["often", "0", "0s", "-1s", "30 sekunden", "", "s"]),
    (git_ref, ["main", "snapshots/lab", "release-1.2"], ["cluster snapshots", "a..b", "-x", "x.lock", "x/", "a:b", "@"]),
    (lambda v, f: git_ref(v, f, revision=True), ["HEAD", "HEAD~2", "main^", "4f2a9c1", "v1.0", "HEAD@{1}"],
     ["HEAD 2", "--all", "", "a;b"]),
    (lambda v, f: number(v, f, minimum=0.1, maximum=60), [0.1, 1, "2.5", 60], [-1, 0, "fast", True, 61, float("nan")]),
    (system_user, ["viewer", "ops_1", "a-b", "x" * 32],
     ["root", "hacluster", "Viewer", "1ops", "viewer ALL=(ALL) ALL", "a,b", "", "x" * 33, "v\n", 7]),
])
def test_own_types_examples(fn, good, bad):
    for value in good:
        fn(value, "f")
    for value in bad:
        with pytest.raises(ValidationError) as e:
            fn(value, "f")
        assert str(e.value).startswith("f: ")


def _custom_says_no(value, field):
    raise ValidationError(field, value, "custom says no")


def test_check_values_reports_every_bad_value_in_order():
    errors = check_values([
        {"field": "a_timeout", "value": -5, "type": "int", "args": {"minimum": 1}},
        {"field": "hooks", "value": ["http://ok", "nope"], "type": "url", "elements": True},
        {"field": "good", "value": "30s", "type": "systemd_timespan"},
        {"field": "hosts", "value": "node1", "type": "name", "elements": True, "args": {"known": ["node1"]}},
        {"field": "odd", "value": {"x": 1}, "type": "custom"},
    ], types={"custom": _custom_says_no})
    assert errors == [
        "a_timeout: -5 is not an integer of at least 1",
        "hooks[1]: 'nope' is not a URL (http|https://host[:port][/path])",
        "hosts: 'node1' is not a list",
        "odd: custom says no",
    ]


@pytest.mark.parametrize("spec", [{"field": "x", "value": 1, "type": "no-such-type"}, {"value": 1, "type": "int"}, "int"])
def test_check_values_refuses_a_malformed_spec(spec):
    with pytest.raises(ValueError, match="check_values: each spec needs field and a type"):
        check_values([spec])


# --------------------------------------------------------------------------------------------------
# module parameters, text in data, shapes of data


def test_param_errors_name_what_the_argument_spec_let_through():
    spec = {"path": {"type": "path"}, "name": {"type": "str"}, "n": {"type": "int"}, "f": {"type": "float"},
            "items": {"type": "list", "elements": "dict", "options": {"file": {"type": "path"}}},
            "names": {"type": "list", "elements": "str"}}
    params = {"path": "", "name": "a\x00b", "n": 2 ** 64, "f": float("nan"), "items": [{"file": "x" * 300}],
              "names": ["ok", "tab\tok", "bell\x07"]}
    assert validate.param_errors(spec, params) == [
        "path: must not be empty (a path)",
        "name: must not contain control characters, found '\\x00' at 1",
        "n: 18446744073709551616 is out of range (a 64-bit integer)",
        "f: must be a finite number, got nan",
        "items[0].file: is too long for a path (300 characters; at most 4095, and 255 per name)",
        "names[2]: must not contain control characters, found '\\x07' at 4",
    ]
    assert validate.param_errors(spec, {"path": "/etc/corosync/corosync.conf", "name": "multi\nline", "n": -5,
                                        "f": 1.5, "items": [{"file": "/x"}], "names": []}) == []


def test_text_errors_walk_keys_and_values():
    value = {"params": {"ip": "10.0.0.1", "": "x", "bad\x01": "y", "nested": [{"v": "a\x1bb"}]}}
    assert validate.text_errors(value, "primitives vip") == [
        "primitives vip.params: a name must not be empty, got ''",
        "primitives vip.params.bad\x01 (the name): must not contain control characters, found '\\x01' at 3",
        "primitives vip.params.nested[0].v: must not contain control characters, found '\\x1b' at 1",
    ]


def test_shape_names_every_key_that_does_not_fit():
    schema = {"checks": [{"id": "str", "status": "str", "objects?": ["any"]}], "count?": "int", "by_node?": {"*": "number"}}
    assert validate.shape({"checks": [{"id": "quorum", "status": "pass", "objects": None}], "count": None,
                           "by_node": {"n1": 1, "n2": 2.5}}, schema, "report") == []
    assert validate.shape({"checks": [{"id": 1}, "x"], "count": True, "by_node": {"n1": "fast"}}, schema, "report") == [
        "report.checks[0].id: must be a string, got int 1",
        "report.checks[0]: the key status is missing",
        "report.checks[1]: must be a dictionary, got str 'x'",
        "report.count: must be an integer, got bool True",
        "report.by_node.n1: must be a number, got str 'fast'",
    ]
    assert validate.shape("text", schema, "report") == ["report: must be a dictionary, got str 'text'"]
    assert validate.shape(None, "str?", "x") == [] and validate.shape(None, "str", "x") == ["x: must be a string, got NoneType None"]


# --------------------------------------------------------------------------------------------------
# pg_settings: postgresql_ha_settings (roles/postgresql_ha/tasks/preflight.yml)
# --------------------------------------------------------------------------------------------------

PG_RESERVED = {"synchronous_commit": "postgresql_ha_synchronous", "wal_level": "the role's replica"}


def test_pg_settings_accepts_settings_and_extension_settings():
    value = {"work_mem": "64MB", "max_connections": 200, "log_checkpoints": True, "pg_stat_statements.track": "all",
             "random_page_cost": 1.1}
    assert check_values([{"field": "postgresql_ha_settings", "value": value, "type": "pg_settings",
                          "args": {"reserved": PG_RESERVED}}]) == []


@pytest.mark.parametrize("value,needle", [
    ([], "postgresql_ha_settings: [] is not a mapping of PostgreSQL settings"),
    ({"synchronous_commit": "off"}, "postgresql_ha_settings.synchronous_commit: is set by the role, which the cluster "
                                    "depends on: use postgresql_ha_synchronous"),
    # Upper case would slip past the reserved names (PostgreSQL folds the case).
    ({"WAL_LEVEL": "minimal"}, "postgresql_ha_settings.WAL_LEVEL: 'WAL_LEVEL' is not a PostgreSQL setting's name"),
    ({"a.b.c": 1}, "'a.b.c' is not a PostgreSQL setting's name"),
    ({"work_mem": None}, "postgresql_ha_settings.work_mem: None is not a single string, number or boolean"),
    ({"work_mem": ["1MB"]}, "postgresql_ha_settings.work_mem: ['1MB'] is not a single string"),
    # A line break would write a setting of its own after the role's.
    ({"application_name": "x'\nwal_level = minimal"}, "postgresql_ha_settings.application_name: "),
])
def test_pg_settings_refuses(value, needle):
    errors = check_values([{"field": "postgresql_ha_settings", "value": value, "type": "pg_settings",
                            "args": {"reserved": PG_RESERVED}}])
    assert len(errors) == 1 and needle in errors[0], errors


def test_pg_settings_reserved_names_are_the_ones_the_role_writes():
    """Every name the role's preflight reserves is one its template writes (so none is reserved for nothing)."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "postgresql_ha")
    with open(os.path.join(root, "tasks", "preflight.yml"), encoding="utf-8") as f:
        tasks = yaml.safe_load(f)
    reserved = tasks[0]["vars"]["__pg_reserved"]
    with open(os.path.join(root, "templates", "clusterops-ha.conf.j2"), encoding="utf-8") as f:
        template = f.read()
    written = set(line.split("=", 1)[0].strip() for line in template.splitlines()
                  if "=" in line and not line.startswith(("#", "{")))
    assert set(reserved) - {"data_directory"} <= written, set(reserved) - written
    assert {"wal_level", "synchronous_commit", "synchronous_standby_names", "primary_conninfo"} <= set(reserved)


@pytest.mark.parametrize("value,expected", [
    (True, True), (False, False), ("true", True), ("YES", True), (" on ", True), ("y", True), ("1", True), (1, True),
    ("false", False), ("No", False), ("off", False), ("n", False), ("0", False), (0, False),
    (None, "default"), ("maybe", "default"), ("", "default"), (2, "default")])
def test_flag_reads_what_tools_print_leniently(value, expected):
    """validate.flag: the words boolean() judges, read without an error (cluster_doc_corosync, failover_drill, pcmk_metadata)."""
    assert validate.flag(value, "default") == expected


# --------------------------------------------------------------------------------------------------
# firewall_service: a service the cluster's firewall guards (cluster_firewall_services)
# --------------------------------------------------------------------------------------------------

def test_firewall_service_is_normalized():
    got = validate.firewall_service({"name": "pg", "port": "5432", "sources": [" 10.0.0.0/24 ", "10.0.1.5/32"]}, "s[0]")
    assert got == {"name": "pg", "protocol": "tcp", "ports": ["5432"], "sources": ["10.0.0.0/24", "10.0.1.5"]}
    got = validate.firewall_service({"name": "rtp", "port": [5004, "10000 - 10100"], "protocol": "UDP", "sources": []}, "s")
    assert got["ports"] == ["5004", "10000-10100"] and got["protocol"] == "udp"


@pytest.mark.parametrize("value, needle", [
    ("pg", r"^s: 'pg' is not a mapping with name, port, protocol and sources$"),
    ({"name": "pg", "port": 1, "source": []}, r"^s: unknown key 'source'; did you mean sources"),
    ({"name": "pg", "port": 1}, r"^s: sources is missing"),
    ({"name": "Pg", "port": 1, "sources": []}, r"^s\.name: 'Pg' is not a service name"),
    ({"name": "pg", "port": [], "sources": []}, r"^s\.port: \[\] is not a port"),
    ({"name": "pg", "port": 65536, "sources": []}, r"^s\.port: 65536 is not a port"),
    ({"name": "pg", "port": [80, "90-80"], "sources": []}, r"^s\.port\[1\]: '90-80' is not a port range"),
    ({"name": "pg", "port": 1, "protocol": "sctp", "sources": []}, r"^s\.protocol: 'sctp' is not one of tcp, udp"),
    ({"name": "pg", "port": 1, "sources": "10.0.0.1"}, r"^s\.sources: '10.0.0.1' is not a list"),
    ({"name": "pg", "port": 1, "sources": ["x"]}, r"^s\.sources\[0\]: 'x' is not an IP address or network"),
])
def test_firewall_service_refuses_naming_the_field(value, needle):
    with pytest.raises(validate.ValidationError, match=needle):
        validate.firewall_service(value, "s")


def test_check_values_judges_each_firewall_service():
    services = [{"name": "ok", "port": 80, "sources": []}, {"name": "bad", "port": "x", "sources": []}]
    errors = validate.check_values([{"field": "cluster_firewall_services", "type": "firewall_service", "elements": True,
                                     "value": services}])
    assert errors == ["cluster_firewall_services[1].port: 'x' is not a port (an integer from 1 to 65535)"]
