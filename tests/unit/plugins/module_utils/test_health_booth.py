# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The booth-tickets check of health_booth.py on real crm_mon captures of the geo scenario's sites (fixtures/booth): site A
holding the ticket with booth running, site A holding it with booth stopped (target-role Stopped, captured at once),
site B without the ticket, with booth running and stopped; and the lab's cluster, which is no geo site.

The booth-refused check on booth's journal captured at site B after the scenario's key rotation (geo-b1: the
arbitrator's and site A's messages during the restarts) and a booth list run with a wrong key (geo-b2)."""

from __future__ import annotations

from conftest import fixture_text
from test_health import lab_config, lab_status

from ansible_collections.clusterops.ha.plugins.module_utils import booth
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status import build_status
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_crm_mon import parse_crm_mon
from ansible_collections.clusterops.ha.plugins.module_utils.health import run_checks

CHECK = "booth-tickets"
# A moment after the captures (fixtures/booth/journal-refused.*.txt).
NOW = 1796599100.0


def site(name):
    return build_status(crm_mon=parse_crm_mon(fixture_text("booth", name)))


def result(status, check=CHECK, nodes=None):
    report = run_checks(status, lab_config(), nodes or {}, now=NOW)
    return next(c for c in report["checks"] if c["id"] == check)


def refusals(name):
    return booth.parse_refusals(fixture_text("booth", "journal-refused.%s.txt" % name))


def facts(**refused):
    """Node facts of site B: {node: parse_refusals result or None}."""
    return dict((node.replace("_", "-"), {"booth_refused": value, "refused_packets_window_s": 3600})
                for node, value in refused.items())


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


# --------------------------------------------------------------------------------------------------
# booth-refused


def test_booth_refused_passes_at_a_site_where_booth_refused_nothing():
    c = result(site("crm_mon-site-revoked.xml"), "booth-refused", facts(geo_b1=[], geo_b2=[]))
    assert c["status"] == "pass" and c["message"] == "booth refused no message on geo-b1, geo-b2 in the last 1 h", c


def test_booth_refused_is_not_applicable_on_a_cluster_without_booth():
    c = result(lab_status(), "booth-refused", facts(lab_node1=[]))
    assert c["status"] == "pass" and "not applicable" in c["message"], c


def test_booth_refused_names_members_with_another_key_and_commands_run_with_one():
    c = result(site("crm_mon-site-revoked.xml"), "booth-refused",
               facts(geo_b1=refusals("site-member"), geo_b2=refusals("site-client")))
    assert c["status"] == "fail" and c["severity"] == "warning", c
    assert c["message"] == (
        "in the last 1 h: booth commands run with another key: 3 messages booth on geo-b2 could not authenticate "
        "(another key), first 2026-12-06T23:16:32.154+00:00, last 2026-12-06T23:17:07.301+00:00; "
        "172.31.244.10: 1 message booth on geo-b1 could not authenticate (another key), "
        "first 2026-12-06T23:16:20.090+00:00, last 2026-12-06T23:16:20.090+00:00; "
        "172.31.244.100: 1 message booth on geo-b1 could not authenticate (another key), "
        "first 2026-12-06T23:16:22.988+00:00, last 2026-12-06T23:16:22.988+00:00"), c["message"]
    assert c["objects"] == ["geo-b2", "geo-b1", "172.31.244.10", "172.31.244.100"]
    assert "journalctl -t boothd-site --since -3600s --grep 'client:\\ failed'  # on geo-b2" in c["remedy"], c["remedy"]
    assert "sha256sum /etc/booth/authkey  # on every member" in c["remedy"]


def test_booth_refused_names_a_stranger_and_a_clock_behind():
    found = refusals("arbitrator") + booth.parse_refusals(
        # boothd's format ("%s: packet timestamp older than %d seconds", strings /usr/sbin/boothd): containers share
        # the host's clock, so the lab cannot make a member's clock fall behind.
        "1796599050.5 geo-b1 boothd-site[1305]: [1305]: ERROR: 172.31.244.10: packet timestamp older than 600 seconds")
    c = result(site("crm_mon-site-revoked.xml"), "booth-refused", facts(geo_b1=found, geo_b2=None))
    assert "172.31.244.12: 1 message booth on geo-b1 refused from a sender that is no member of booth.conf" in c["message"]
    assert ("172.31.244.10: 1 message booth on geo-b1 refused as older than maxtimeskew (600 s) (the sender's clock is "
            "behind)") in c["message"], c["message"]
    assert c["message"].endswith("(unknown on geo-b2)"), c["message"]
    assert "timedatectl; chronyc tracking  # on 172.31.244.10 and on geo-b1" in "\n".join(c["remedy"].splitlines())
    assert "# 172.31.244.12 is no member of booth.conf: find who it is" in c["remedy"]


REORDERED = ("1796599050.5 geo-b1 boothd-site[1305]: [1305]: ERROR: 172.31.244.100: packet timestamp older than "
             "previous one")


def test_booth_refused_notes_messages_out_of_order_and_passes():
    """Seen on the lab during converges under load: 1, then 3 within 30 s, from a member's address."""
    c = result(site("crm_mon-site-revoked.xml"), "booth-refused",
               facts(geo_b1=booth.parse_refusals("\n".join([REORDERED] * 3)), geo_b2=[]))
    assert c["status"] == "pass", c
    assert c["message"] == ("booth refused no message on geo-b1, geo-b2 in the last 1 h; noted: 172.31.244.100: "
                            "3 messages booth on geo-b1 refused as older than the sender's previous one (out of order, "
                            "as on a loaded host, or replayed)"), c["message"]


def test_booth_refused_notes_them_beside_a_real_refusal():
    c = result(site("crm_mon-site-revoked.xml"), "booth-refused",
               facts(geo_b1=refusals("site-member") + booth.parse_refusals(REORDERED), geo_b2=[]))
    assert c["status"] == "fail" and "could not authenticate (another key)" in c["message"], c
    assert "; noted: 172.31.244.100: 1 message booth on geo-b1 refused as older than" in c["message"], c
    assert "older than the sender's previous message" not in c["message"], c


def test_booth_refused_skips_when_no_journal_could_be_read():
    c = result(site("crm_mon-site-revoked.xml"), "booth-refused", facts(geo_b1=None, geo_b2=None))
    assert c["status"] == "skip" and "booth's journal" in c["message"], c
