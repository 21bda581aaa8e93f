# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for module_utils/corosync_conf_parse.py on real captured corosync.conf files."""

from __future__ import annotations

import pytest

from conftest import fixture_text

from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf import CorosyncConfError
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_parse import parse


def test_parse_debian_default_with_comments_and_subsection():
    conf = parse(fixture_text("corosync", "debian-default.corosync.conf"))
    assert conf["totem"] == {"version": "2", "cluster_name": "debian", "crypto_cipher": "none",
                             "crypto_hash": "none"}
    # commented-out keys (#timestamp, #ring1_addr) are not there
    assert "timestamp" not in conf["logging"]
    assert conf["logging"]["logger_subsys"] == [{"subsys": "QUORUM", "debug": "off"}]
    assert conf["logging"]["to_stderr"] == "yes"
    assert conf["quorum"] == {"provider": "corosync_votequorum"}
    assert conf["nodelist"] == {"node": [{"name": "node1", "nodeid": "1", "ring0_addr": "127.0.0.1"}]}


def test_parse_pcs_three_nodes():
    conf = parse(fixture_text("corosync", "pcs-0.11.corosync.conf"))
    assert conf["totem"]["cluster_uuid"] == "10e93af1337744eea650f5e48d3407b2"
    assert [n["nodeid"] for n in conf["nodelist"]["node"]] == ["1", "2", "3"]
    assert conf["nodelist"]["node"][1] == {"ring0_addr": "172.31.250.12", "name": "lab-node2", "nodeid": "2"}
    assert conf["logging"]["timestamp"] == "on"


def test_parse_always_lists_even_for_one_item():
    conf = parse("totem {\n interface {\n linknumber: 0\n }\n}\nnodelist {\n node {\n nodeid: 1\n }\n}\n")
    assert conf["totem"]["interface"] == [{"linknumber": "0"}]
    assert conf["nodelist"]["node"] == [{"nodeid": "1"}]


def test_parse_repeated_keys_and_sections_become_lists():
    conf = parse("a {\n k: 1\n k: 2\n s {\n x: 1\n }\n s {\n x: 2\n }\n}\n")
    assert conf == {"a": {"k": ["1", "2"], "s": [{"x": "1"}, {"x": "2"}]}}


def test_parse_value_keeps_colons_and_no_trailing_comments():
    conf = parse("nodelist {\n\tnode {\n\t\tring0_addr:  fd00::1  \n\t\tname: a # not a comment\n\t}\n}\n")
    node = conf["nodelist"]["node"][0]
    assert node["ring0_addr"] == "fd00::1"
    assert node["name"] == "a # not a comment"


def test_parse_crlf_and_missing_final_newline():
    assert parse("totem {\r\n version: 2\r\n}") == {"totem": {"version": "2"}}


def test_parse_empty_section_and_empty_value():
    assert parse("quorum {\n}\nlogging {\n logfile:\n}\n") == {"quorum": {}, "logging": {"logfile": ""}}


@pytest.mark.parametrize("text,line,problem", [
    ("totem {\n version: 2\n}\nlogging { to_syslog: yes\n}\n", 4, "Extra characters after opening bracket '{'"),
    ("totem {\n}\n}\n", 3, "Unexpected closing brace"),
    ("totem {\n version: 2\n\n", 3, "Missing closing brace"),  # corosync names the last line
    ("totem {\n version 2\n}\n", 2, "Line is not opening or closing section or key value"),
    ("totem {\n : 2\n}\n", 2, "Empty key"),
    ("{\n}\n", 1, "Missing section name"),
    ("totem {\n } x\n}\n", 2, "Extra characters before or after closing bracket '}'"),
    ("totem {\n k: " + "x" * 600 + "\n}\n", 2, "Line too long"),
    ("totem {\n k: 1\n k {\n }\n}\n", 3, "both"),
])
def test_parse_errors_name_the_line(text, line, problem):
    with pytest.raises(CorosyncConfError) as e:
        parse(text, source="/etc/corosync/corosync.conf")
    assert e.value.line == line
    assert problem in e.value.problem
    assert str(e.value).startswith("parser error: /etc/corosync/corosync.conf:%d: " % line)


def test_parse_missing_brace_names_the_open_section():
    with pytest.raises(CorosyncConfError) as e:
        parse("totem {\n interface {\n linknumber: 0\n}\n")
    assert "totem' opened at line 1" in str(e.value)
