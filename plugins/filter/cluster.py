# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters the cluster role uses on the controller. Thin wrappers over module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.utils.encrypt import do_encrypt

from ansible_collections.clusterops.ha.plugins.module_utils.cluster_plan import (
    PlanError,
    access_errors,
    apply_plan,
    conf_kind,
    existing_nodeids,
    key_plan,
    nodelist,
    totem_section,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib_secrets import (
    SecretStoreError,
    directories as secret_directories,
    files as secret_files,
    problems as secret_problems,
    reregister as secret_reregister,
    split as secret_split,
)
from ansible_collections.clusterops.ha.plugins.module_utils.cib_validate import Context, check as cib_check
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_corosync import parse_quorumtool
from ansible_collections.clusterops.ha.plugins.module_utils.cluster_status_parse import StatusParseError
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_conf_validate import validate
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_tuning import timing_report
from ansible_collections.clusterops.ha.plugins.module_utils.failover_drill_plan import check_specs as drill_specs
from ansible_collections.clusterops.ha.plugins.module_utils.firewall import (
    FirewallError,
    qnetd_errors,
    qnetd_ruleset,
    ruleset as firewall_ruleset,
)
from ansible_collections.clusterops.ha.plugins.module_utils.health import check_skip
from ansible_collections.clusterops.ha.plugins.module_utils.corosync_runtime import CmapParseError, parse_cmapctl
from ansible_collections.clusterops.ha.plugins.module_utils.key_rotation import (
    RotationError,
    check as rotation_check,
    plan as rotation_plan,
)
from ansible_collections.clusterops.ha.plugins.module_utils.pcsd import daemon_settings, parse_shadow, reusable_salt
from ansible_collections.clusterops.ha.plugins.module_utils.report_html import page as _report_page
from ansible_collections.clusterops.ha.plugins.module_utils.validate import check_values as _check_values

# The types check_values knows besides validate.VALUE_TYPES: the engines' own, for the roles' variables.
_ENGINE_TYPES = {"health_skip": check_skip, "drills": drill_specs}


def cluster_nodelist(hosts, hostvars, existing=None, ip_version=None):
    try:
        return nodelist(hosts, hostvars, existing, ip_version)
    except PlanError as e:
        raise AnsibleFilterError(str(e))


def cluster_totem(base, profile, totem_vars, node_count, link_count, link_vars=None, pin_ping_timers=True):
    try:
        return totem_section(base, profile, totem_vars, int(node_count), int(link_count), link_vars,
                             bool(pin_ping_timers))
    except PlanError as e:
        raise AnsibleFilterError(str(e))


def corosync_nodeids(texts):
    return existing_nodeids(list(texts or []))


def corosync_conf_kind(text, cluster_name):
    return conf_kind(text, cluster_name)


def _corosync_view(hv, names_to_hosts):
    """{quorate, members (hosts), ring_id} from the survey's corosync-quorumtool -s of one host; None where corosync is
    not running. An answer that cannot be read is a view of nothing: such a node is outside every membership,
    so a node given the key restarts (a restart too many moves resources; one too few leaves a cut-off node
    running Pacemaker)."""
    if "corosync" not in (hv.get("__cluster_running") or []):
        return None
    res = hv.get("__cluster_quorum_now") or {}
    try:
        q = parse_quorumtool(res.get("stdout"), res.get("rc"))
    except StatusParseError:
        return {"quorate": None, "members": [], "ring_id": None}
    members = [names_to_hosts.get(m.get("name"), m.get("name")) for m in q.get("members") or []]
    return {"quorate": q.get("quorate") is True, "members": members, "ring_id": q.get("ring_id")}


def _corosync_views(hosts, hostvars):
    """{host: _corosync_view} of the hosts where corosync runs (the survey's facts)."""
    names = dict((str(hostvars[h].get("cluster_node_name") or h), h) for h in hosts)
    views = {}
    for host in hosts:
        view = _corosync_view(hostvars[host], names)
        if view is not None:
            views[host] = view
    return views


def _cmap(text, what):
    try:
        return parse_cmapctl(text)
    except CmapParseError as e:
        raise AnsibleFilterError("%s: %s" % (what, e))


def cluster_rotation_plan(hosts, hostvars, keys, crypto_text=None, conf_var="__cluster_rotate_conf"):
    """key_rotation.plan from the survey's facts (__cluster_running, __cluster_quorum_now), one member's
    ``corosync-cmapctl totem.crypto_`` output and each host's stat of corosync.conf (registered as conf_var)."""
    hosts = list(hosts)
    sums = dict((h, ((hostvars[h].get(conf_var) or {}).get("stat") or {}).get("checksum")) for h in hosts)
    try:
        return rotation_plan(hosts, _corosync_views(hosts, hostvars), list(keys or []),
                             _cmap(crypto_text, "corosync's crypto settings"), sums)
    except RotationError as e:
        raise AnsibleFilterError(str(e))


def cluster_rotation_check(rotation, hostvars, status_var="__cluster_reload_status"):
    """key_rotation.check from the survey's facts read again after the reload and each host's
    ``corosync-cmapctl config.`` (registered as status_var)."""
    hosts = list(rotation["members"])
    status = {}
    for host in hosts:
        res = hostvars[host].get(status_var) or {}
        status[host] = None if res.get("rc") else _cmap(res.get("stdout"), host).get("config.reload_status")
    return rotation_check(rotation, _corosync_views(hosts, hostvars), status)


def cluster_key_plans(hosts, hostvars, members):
    """One key_plan per key of the survey (__cluster_key_stat's loop, in its order)."""
    stats = {}
    for host in hosts:
        try:
            stats[host] = [r["stat"] for r in hostvars[host]["__cluster_key_stat"]["results"]]
        except (KeyError, TypeError):
            raise AnsibleFilterError("%s: no key survey result; run the survey phase first" % host)
    views = _corosync_views(hosts, hostvars)
    counts = set(len(v) for v in stats.values())
    if len(counts) != 1:
        raise AnsibleFilterError("the key surveys of the hosts differ in length: %s" % sorted(counts))
    plans = []
    for index in range(counts.pop()):
        checksums = dict((h, stats[h][index].get("checksum") if stats[h][index].get("exists") else None)
                         for h in hosts)
        try:
            # Only the corosync key (the first) is read by a running daemon: a node given it must restart corosync.
            plans.append(key_plan(list(hosts), checksums, list(members), views, restarts=index == 0))
        except PlanError as e:
            raise AnsibleFilterError(str(e))
    return plans


def cluster_apply_plan(hosts, hostvars, members, result_var="__cluster_corosync_result"):
    """apply_plan from each host's corosync_config result (result_var: the real write, or the plan
    phase's check-mode preview)."""
    running, results = {}, {}
    for host in hosts:
        hv = hostvars[host]
        running[host] = list(hv.get("__cluster_running") or [])
        results[host] = dict(hv.get(result_var) or {})
    return apply_plan(list(hosts), list(members), running, results)


def cluster_cib_nodes(hosts, hostvars):
    """Node attributes and utilization for the cib module from per-host variables."""
    out = []
    for host in hosts:
        hv = hostvars[host]
        attrs = hv.get("cluster_node_attributes") or {}
        util = hv.get("cluster_node_utilization") or {}
        if not attrs and not util:
            continue
        item = {"name": hv.get("cluster_node_name") or host}
        if attrs:
            item["attributes"] = dict(attrs)
        if util:
            item["utilization"] = dict(util)
        out.append(item)
    return out


def cluster_health_inputs(hosts, hostvars, facts_var="health_node_facts", facts_results=None):
    """What the cluster_health module needs from the play: facts per node name (a node whose
    facts were not gathered is unreachable), the nodes expected online, and the token the
    configuration asks for, computed as the cluster role computes it.

    facts_results: the registered result of a loop over the hosts (delegated to each), used instead
    of each host's own facts_var (a play that runs on one host at a time)."""
    staying = [h for h in hosts if (hostvars[h].get("cluster_node_state") or "present") == "present"]
    names = {}
    for host in hosts:
        names[host] = hostvars[host].get("cluster_node_name") or host
    looped = None
    if facts_results is not None:
        looped = dict((r.get("item"), r) for r in (facts_results.get("results") or []))
    node_facts = {}
    for host in staying:
        if looped is not None:
            registered = looped.get(host) or {}
        else:
            registered = hostvars[host].get(facts_var) or {}
        if registered.get("unreachable") or registered.get("failed") or "facts" not in registered:
            node_facts[names[host]] = {"reachable": False}
        else:
            node_facts[names[host]] = dict(registered["facts"], reachable=True)
    expected_token = None
    if staying:
        first = hostvars[staying[0]]
        hv = first
        totem = cluster_totem(
            {"cluster_name": hv.get("cluster_name") or "clusterops"},
            hv.get("cluster_totem_profile") or "lan",
            hv.get("cluster_totem") or {},
            len(staying),
            max(1, len(first.get("cluster_node_addresses") or [])),
            hv.get("cluster_links") or [],
            hv.get("cluster_knet_pin_ping_timers", True),
        )
        timing = timing_report({"totem": totem, "nodelist": {"node": [{"name": names[h]} for h in staying]}})
        expected_token = timing.get("effective_token_ms")
    return {
        "node_facts": node_facts,
        "expected_nodes": [names[h] for h in staying],
        "expected_token_ms": expected_token,
    }


def cluster_node_names(hosts, hostvars):
    """The cluster node name of each host (cluster_node_name, else the inventory name)."""
    return [str((hostvars[h] if h in hostvars else {}).get("cluster_node_name") or h) for h in hosts]


def cluster_cib_check(desired, node_names):
    """Typed fields, names and references of the CIB input, judged on the controller before any node is
    touched. Only what the input itself defines and the planned nodes are known here: references to
    objects that only the live CIB holds are judged by the cib module (the plan phase's preview)."""
    errors, warnings = cib_check(dict(desired or {}), Context(nodes=list(node_names or [])))
    return {"errors": errors, "warnings": warnings}


def cluster_cib_secrets(primitives, scope, errors=False):
    """The primitives for the CIB, their secret parameters in scope (cib_secrets.SCOPES) replaced by "lrm://",
    and the secret store's files and directories for every node: {primitives, files, directories, entries}.
    With errors true, the list of every message about the input instead (no value in it; empty when good)."""
    if errors:
        return secret_problems(list(primitives or []), scope)
    try:
        out, entries = secret_split(list(primitives or []), scope)
    except SecretStoreError as e:
        raise AnsibleFilterError("The CIB input is invalid; nothing was changed: %s" % e)
    return {"primitives": out, "entries": entries, "files": secret_files(entries),
            "directories": secret_directories(entries) if entries else []}


def cluster_cib_secrets_reregister(changed_paths, entries):
    """The fence devices whose secret files changed and that the fencer must register again."""
    return secret_reregister(changed_paths, entries)


def cluster_missing_paths(pair):
    """[{item, host}] of a host's stat results (registered in a loop) whose path does not exist."""
    results, host = pair
    return [{"item": r.get("item"), "host": host} for r in results or []
            if not r.get("skipped") and not (r.get("stat") or {}).get("exists")]


def corosync_validate(config):
    errors, warnings = validate(config)
    return {"errors": list(errors), "warnings": list(warnings)}


def check_values(specs):
    """Every message about the values of specs ([{field, value, type, args?, elements?}]), empty when all
    are good: the one validator per value type (module_utils/validate.py) for the roles' preflights."""
    try:
        return _check_values(specs, _ENGINE_TYPES)
    except ValueError as e:
        raise AnsibleFilterError(str(e))


def cluster_access_errors(readers, acl_system_users, acl_targets, acl_roles):
    """Every message about who may do what (cluster_plan.access_errors), empty when none."""
    return access_errors(readers, acl_system_users, acl_targets, acl_roles)


def cluster_pcsd_settings(bind_addresses, tls_min_version, tls_ciphers):
    """[{name, value}] of the pcsd environment file's lines the role owns (pcsd.daemon_settings); value None: the
    line is removed (pcsd's default)."""
    try:
        settings = daemon_settings(bind_addresses, tls_min_version, tls_ciphers)
    except ValueError as e:
        raise AnsibleFilterError(str(e))
    return [{"name": k, "value": v} for k, v in sorted(settings.items())]


def cluster_firewall_rules(config, pcsd_sources=None, pcsd=True, services=None):
    """The nft -f text of the cluster's table, from the corosync.conf data and the guarded services
    (firewall.ruleset)."""
    try:
        return firewall_ruleset(config, pcsd_sources or [], pcsd, services or [])
    except FirewallError as e:
        raise AnsibleFilterError(str(e))


def qnetd_firewall_rules(sources, port=5403, errors=False, enabled=True):
    """The nft -f text of a quorum device arbitrator's table (firewall.qnetd_ruleset); with errors true, the
    list of every message about the input instead (firewall.qnetd_errors; empty when it is good)."""
    if errors:
        return qnetd_errors(sources, port, enabled=bool(enabled))
    try:
        return qnetd_ruleset(list(sources or []), port)
    except FirewallError as e:
        raise AnsibleFilterError(str(e))


def report_page(markdown, title, images=None, footer=None):
    """A report's Markdown as one self-contained HTML page (module_utils/report_html.page)."""
    if not isinstance(markdown, str) or not isinstance(title, str):
        raise AnsibleFilterError("report_page: the input (Markdown) and title must be strings")
    if images is not None and not (isinstance(images, dict) and all(isinstance(v, str) for v in images.values())):
        raise AnsibleFilterError("report_page: images must map file names to SVG text")
    return _report_page(title, markdown, images, footer)


def cluster_password_hash(password, shadow, avoid_salts=()):
    """The SHA-512 crypt hash to write for ``password``: the hash in place (``shadow``: getent shadow's output)
    when it is of the password, with a salt the role may keep (pcsd.reusable_salt); else one with a new random
    salt."""
    current = parse_shadow(shadow)
    keep = reusable_salt(current, avoid_salts)
    if keep and do_encrypt(password, "sha512_crypt", salt=keep[0], rounds=keep[1]) == current:
        return current
    return do_encrypt(password, "sha512_crypt")


class FilterModule(object):
    def filters(self):
        return {
            "cluster_nodelist": cluster_nodelist,
            "corosync_conf_kind": corosync_conf_kind,
            "corosync_nodeids": corosync_nodeids,
            "cluster_totem": cluster_totem,
            "cluster_key_plans": cluster_key_plans,
            "corosync_validate": corosync_validate,
            "cluster_apply_plan": cluster_apply_plan,
            "cluster_cib_nodes": cluster_cib_nodes,
            "cluster_health_inputs": cluster_health_inputs,
            "cluster_node_names": cluster_node_names,
            "cluster_cib_check": cluster_cib_check,
            "cluster_cib_secrets": cluster_cib_secrets,
            "cluster_cib_secrets_reregister": cluster_cib_secrets_reregister,
            "cluster_missing_paths": cluster_missing_paths,
            "check_values": check_values,
            "report_page": report_page,
            "cluster_access_errors": cluster_access_errors,
            "cluster_pcsd_settings": cluster_pcsd_settings,
            "cluster_firewall_rules": cluster_firewall_rules,
            "cluster_rotation_plan": cluster_rotation_plan,
            "cluster_rotation_check": cluster_rotation_check,
            "qnetd_firewall_rules": qnetd_firewall_rules,
            "cluster_password_hash": cluster_password_hash,
        }
