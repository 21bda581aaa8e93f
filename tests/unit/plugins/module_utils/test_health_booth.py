# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The booth-tickets check of health.py on real crm_mon captures of the geo scenario's sites (fixtures/booth): site A
holding the ticket with booth running, site A holding it with booth stopped (target-role Stopped, captured at once),
site B without the ticket, with booth running and stopped; and the lab's cluster, which is no geo site."""

from __future__ import annotations

from conftest import fixture_text
from test_health import lab_config, lab_status

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status, parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.health import run_checks

CHECK = "booth-tickets"


def site(name):
    return build_status(crm_mon=parse_crm_mon(fixture_text("booth", name)))


def result(status):
    report = run_checks(status, lab_config(), {})
    return next(c for c in report["checks"] if c["id"] == CHECK)


def test_the_holder_with_booth_running_passes():
    c = result(site("crm_mon-site-granted.xml"))
    assert c["status"] == "pass" and c["message"] == "booth runs on geo-a1; geo-web granted here", c


def test_a_site_without_the_ticket_with_booth_running_passes():
    c = result(site("crm_mon-site-revoked.xml"))
    assert c["status"] == "pass" and c["message"] == "booth runs on geo-b1; no ticket granted here", c


def test_the_holder_without_booth_is_critical():
    c = result(site("crm_mon-site-granted-booth-stopped.xml"))
    assert c["status"] == "fail" and c["severity"] == "critical", c
    assert c["message"].startswith("geo-web granted here but booth does not run here"), c
    assert c["objects"] == ["booth-site", "geo-web"]
    assert "crm_resource --cleanup -r booth-site" in c["remedy"]


def test_a_site_without_the_ticket_and_without_booth_is_a_warning():
    c = result(site("crm_mon-site-booth-stopped.xml"))
    assert c["status"] == "fail" and c["severity"] == "warning", c
    assert c["message"] == "booth does not run here (booth-site stopped): this site can take no ticket", c


def test_a_cluster_that_is_no_geo_site_passes_as_not_applicable():
    c = result(lab_status())
    assert c["status"] == "pass" and "not applicable" in c["message"], c


def test_pacemaker_down_skips_it():
    c = result(build_status(crm_mon=None, quorum=None))
    assert c["status"] == "skip", c
