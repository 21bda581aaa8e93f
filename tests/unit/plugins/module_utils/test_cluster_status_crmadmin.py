# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for the parsers of crmadmin's answers (module_utils/cluster_status_crmadmin.py).
"""

from __future__ import annotations

import pytest

from status_lab import idle_dc, status_fixture

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crmadmin import parse_crmadmin_dc, parse_crmadmin_state
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError


# --------------------------------------------------------------------------------------------- crmadmin


class TestParseCrmadmin:
    def test_state(self):
        s = idle_dc()
        assert s["node"] == "lab-node3"
        assert s["state"] == "S_IDLE"
        assert s["result"] == "ok"
        assert s["code"] == 0

    def test_dc(self):
        # Shape from Pacemaker's crmadmin API schema (element <dc node_name=...>), wrapped like the -S capture.
        text = status_fixture("crmadmin-S.dc.xml").replace(
            '<crmd node_name="lab-node3" state="S_IDLE" result="ok"/>', '<dc node_name="lab-node3"/>')
        assert parse_crmadmin_dc(text) == "lab-node3"
        assert parse_crmadmin_dc(status_fixture("crmadmin-S.dc.xml")) is None

    def test_timeout_document(self):
        text = ('<pacemaker-result api-version="2.25" request="crmadmin -S lab-node3 -t 5000 --output-as=xml">'
                '<status code="124" message="Timeout occurred"/></pacemaker-result>')
        s = parse_crmadmin_state(text)
        assert s["state"] is None and s["code"] == 124

    @pytest.mark.parametrize("text", ["", "<pacemaker-result>", "<crm_mon/>"])
    def test_malformed(self, text):
        with pytest.raises(StatusParseError) as e:
            parse_crmadmin_state(text)
        assert e.value.tool == "crmadmin"
        with pytest.raises(StatusParseError):
            parse_crmadmin_dc(text)
