# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster's own firewall: nftables rules computed from the planned corosync.conf that refuse the cluster's
ports to every address that has no business there, and touch nothing else.

- ``knet_ports(config)``: {linknumber: UDP port} of the links the nodelist uses. knet listens on the interface's
  ``mcastport`` for that link, by default 5405 + the link number (so link 1 is 5406, which the usual firewalld
  service forgets).
- ``peers(config)``: the nodelist's addresses (every ringX_addr), IPv4 and IPv6 apart. Host names are refused
  (FirewallError): nft would resolve them once, at load time.
- ``ruleset(config, pcsd_sources, pcsd, services)``: the text for ``nft -f``. One table of its own,
  ``inet clusterops``, replaced atomically (created, deleted and created again in one transaction). Its input
  chain has policy accept and runs before the usual filter chains: it drops packets to the knet ports that do
  not come from a node's address, with pcsd those to TCP 2224 that come from neither a node nor pcsd_sources
  (addresses or networks), and those to each guarded service's ports that come from neither a node nor its
  sources (``guarded_services``: cluster_firewall_services, each judged by validate.firewall_service, then
  together: a name once, no port of the cluster's own). Every other packet goes on to whatever firewall the
  host has: SSH and the ports no service names are never touched, so the rules cannot lock the controller out.
  A counter on each drop rule shows what was refused.
- ``qnetd_ruleset(sources, port)``: the same table on a quorum device arbitrator (the qnetd role): TCP 5403 (the
  given port) refused to every address that is not one of the sources (the cluster nodes' addresses or networks
  that reach it), nothing else filtered.

- ``booth_ruleset(sources, port)``: a geo cluster member's second table, ``inet clusterops_booth`` (the booth role,
  on every site node and arbitrator): booth's port, UDP (between the members) and TCP (its clients: booth list,
  grant, revoke), refused to every address that is not one of the sources, nothing else filtered. A table of its
  own because its writer is another role: nft runs every table's input chain, so a drop in either is final and an
  accept in one lets the packet on to the other.
- ``table_name(name)`` and ``rules_file(name)``: the table and the rules file of the firewall named ``name`` (""
  the cluster's or qnetd's own, "booth" booth's), one naming rule for the common role and the readers.

- ``parse_table(text)``: ``nft list table inet clusterops`` -> {"drops": [{"rule", "packets"}]}: what each drop
  rule's counter refused since the table was loaded, by the rule's comment.
- ``read_table(runner, rules_file)``: the table on this node, through the command seam: {"managed": False} where
  the rules file is not there (the firewall is off here); {"managed": True, "loaded": False, "error"} where it is
  but nft has no such table (deleted by hand, or by ``nft flush ruleset``, which is what restarting
  nftables.service with Debian's /etc/nftables.conf does); {"managed": True, "loaded": True, "drops"} otherwise.

Standard library only, Python 3.8 syntax at most; everything but read_table is pure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import re

from ansible_collections.clusterops.ha.plugins.module_utils.command import CommandError
from ansible_collections.clusterops.ha.plugins.module_utils.errors import ClusterOpsError
from ansible_collections.clusterops.ha.plugins.module_utils.validate import ValidationError, firewall_service, ip_network
from ansible_collections.clusterops.ha.plugins.module_utils.validate import port as validate_port

TABLE = "clusterops"
KNET_BASE_PORT = 5405
PCSD_PORT = 2224
QNETD_PORT = 5403
BOOTH_PORT = 9929
# Where the common role writes the table's rules (roles/common/vars/main.yml: __common_firewall_rules_file).
RULES_FILE = "/etc/clusterops/firewall.nft"
_QNETD_FROM = "the addresses the cluster nodes reach corosync-qnetd from"
_BOOTH_FROM = "the addresses booth's members and clients reach it from"
_DROP = re.compile(r'\bcounter packets (\d+) bytes \d+ drop comment "([^"]*)"')
_RING = re.compile(r"^ring(\d+)_addr$")


class FirewallError(ClusterOpsError):
    """The configuration cannot be turned into rules (a host name in the nodelist, a bad source)."""


def _interfaces(config):
    totem = (config or {}).get("totem") or {}
    found = totem.get("interface") or []
    return [found] if isinstance(found, dict) else list(found)


def _nodes(config):
    nodes = ((config or {}).get("nodelist") or {}).get("node") or []
    return [nodes] if isinstance(nodes, dict) else list(nodes)


def knet_ports(config):
    """{linknumber: port} for every link a node of the nodelist has an address on."""
    links = sorted({int(m.group(1)) for node in _nodes(config) for key in node for m in [_RING.match(key)] if m})
    custom = {}
    for iface in _interfaces(config):
        if iface.get("mcastport") not in (None, ""):
            custom[int(iface.get("linknumber", 0))] = int(iface["mcastport"])
    return dict((link, custom.get(link, KNET_BASE_PORT + link)) for link in links)


def _address(text, field):
    try:
        return ipaddress.ip_address(str(text).strip())
    except ValueError:
        raise FirewallError("%s: %r is not an IP address; the firewall needs the nodelist's addresses as IP "
                            "addresses (cluster_node_addresses), or cluster_firewall_enabled: false" % (field, text))


def _network(text, field):
    """validate.ip_network, the one validator of the type (the role's preflight runs it too)."""
    try:
        return ipaddress.ip_network(ip_network(text, field))
    except ValidationError as e:
        raise FirewallError(str(e))


def peers(config):
    """(IPv4 addresses, IPv6 addresses) of the nodelist, sorted, each once."""
    found = set()
    for node in _nodes(config):
        for key, value in node.items():
            if _RING.match(key):
                found.add(_address(value, "nodelist.node[%s].%s" % (node.get("name", "?"), key)))
    return (sorted(a for a in found if a.version == 4), sorted(a for a in found if a.version == 6))


def _collapsed(networks):
    """The networks merged (nft refuses overlapping intervals in a set), a single address without its prefix."""
    return [str(n.network_address) if n.prefixlen == n.max_prefixlen else str(n)
            for n in ipaddress.collapse_addresses(networks)]


def _set(name, kind, elements):
    body = "        type %s\n" % kind
    if kind.endswith("_addr") and any("/" in e for e in elements):
        body += "        flags interval\n"
    if elements:
        body += "        elements = { %s }\n" % ", ".join(elements)
    return "    set %s {\n%s    }\n" % (name, body)


def _service_rules(proto, ports, v4_set, v6_set, label):
    """Accept from the sets, count and drop from anywhere else. ports: a port, or a list of ports and ranges."""
    if isinstance(ports, (list, tuple)) and len(ports) == 1:
        ports = ports[0]
    dport = "%s dport %s" % (proto, "{ %s }" % ", ".join(map(str, ports)) if isinstance(ports, (list, tuple)) else ports)
    return ("        %s ip saddr @%s accept\n" % (dport, v4_set)
            + "        %s ip6 saddr @%s accept\n" % (dport, v6_set)
            + "        %s counter drop comment \"%s from elsewhere\"\n" % (dport, label))


def table_name(name=""):
    """The nft table of the firewall named ``name``: "clusterops" for the cluster's (or qnetd's) own, else
    "clusterops_<name>"."""
    return TABLE if not name else "%s_%s" % (TABLE, name)


def rules_file(name=""):
    """Where the common role writes the rules of the firewall named ``name`` (RULES_FILE for the unnamed one)."""
    return RULES_FILE if not name else "%s-%s.nft" % (RULES_FILE[:-len(".nft")], name)


def _table(body, managed_by, name=""):
    """The nft -f text of the table: created, deleted and created again in one transaction (an atomic replace),
    with an input chain of policy accept that runs before the usual filter chains and accepts loopback first."""
    table = table_name(name)
    out = ["#!/usr/sbin/nft -f",
           "# Managed by the clusterops.ha %s: the cluster's ports refused to" % managed_by,
           "# every address that has no business there. Nothing else is filtered here. Atomic replace:",
           "table inet %s" % table,
           "delete table inet %s" % table,
           "table inet %s {" % table]
    return "\n".join(out) + "\n" + body + "}\n"


def _chain(rules):
    return ("    chain input {\n"
            "        type filter hook input priority filter - 10; policy accept;\n"
            "        iifname \"lo\" accept\n" + rules + "    }\n")


def _span(text):
    low, _sep, high = str(text).partition("-")
    return int(low), int(high or low)


def guarded_services(value, knet=(), pcsd=True, field="cluster_firewall_services"):
    """The services of cluster_firewall_services, each judged by validate.firewall_service (normalized), then
    together: names once each (they label the drop counters), and no port of the cluster's own (knet's UDP ports,
    pcsd's TCP 2224), which have their own rules. FirewallError with every message."""
    errors, found = [], []
    if not isinstance(value, (list, tuple)):
        raise FirewallError("%s: %r is not a list of services" % (field, value))
    for i, item in enumerate(value):
        try:
            found.append(("%s[%d]" % (field, i), firewall_service(item, "%s[%d]" % (field, i))))
        except ValidationError as e:
            errors.append(str(e))
    own = [("udp", p, "corosync's knet port") for p in knet] + ([("tcp", PCSD_PORT, "pcsd's port")] if pcsd else [])
    seen = set()
    for where, svc in found:
        if svc["name"] in seen:
            errors.append("%s.name: %r is named twice (each service labels its own drop counter)" % (where, svc["name"]))
        seen.add(svc["name"])
        for text in svc["ports"]:
            low, high = _span(text)
            for proto, port_, what in own:
                if proto == svc["protocol"] and low <= port_ <= high:
                    errors.append("%s.port: %s/%s holds %s (%d), which the cluster's own rule already guards"
                                  % (where, text, proto, what, port_))
    if errors:
        raise FirewallError("; ".join(errors))
    return [svc for _where, svc in found]


def ruleset(config, pcsd_sources=(), pcsd=True, services=()):
    """The nft -f text of the cluster's table (see the module's doc). FirewallError when the nodelist has a host
    name, a source is neither an address nor a network, or a service is not one (guarded_services())."""
    v4, v6 = peers(config)
    ports = sorted(set(knet_ports(config).values())) or [KNET_BASE_PORT]
    sources = [_network(s, "cluster_firewall_pcsd_sources[%d]" % i) for i, s in enumerate(pcsd_sources or ())]
    guarded = guarded_services(services if services is not None else [], ports, pcsd)
    nodes = [ipaddress.ip_network(a) for a in v4 + v6]
    body = _set("nodes4", "ipv4_addr", [str(a) for a in v4]) + _set("nodes6", "ipv6_addr", [str(a) for a in v6])
    if pcsd:
        body += _clients(nodes + sources, "pcsd4", "pcsd6")
    rules = _service_rules("udp", ports, "nodes4", "nodes6", "corosync knet")
    if pcsd:
        rules += _service_rules("tcp", PCSD_PORT, "pcsd4", "pcsd6", "pcsd")
    for i, svc in enumerate(guarded):
        body += _clients(nodes + [ipaddress.ip_network(s) for s in svc["sources"]], "svc%d_4" % i, "svc%d_6" % i)
        rules += _service_rules(svc["protocol"], svc["ports"], "svc%d_4" % i, "svc%d_6" % i, "service " + svc["name"])
    return _table(body + _chain(rules), "cluster role (cluster_firewall_enabled)")


def _sources_input(sources, port, enabled, prefix, who):
    """(networks, port, errors): a firewall's sources and port read once, with every message about them, in order
    (errors empty: all good): each source that is neither an address nor a network (validate.ip_network), no
    source at all when the firewall is on (nothing could reach the daemon), a port that is not a port
    (validate.port). Fields are named <prefix>_firewall_sources and <prefix>_port; ``who`` says who
    the sources are."""
    errors, networks = [], []
    if not isinstance(sources, (list, tuple)):
        errors.append("%s_firewall_sources: %r is not a list of addresses or networks" % (prefix, sources))
        sources = ()
    for i, source in enumerate(sources):
        try:
            networks.append(_network(source, "%s_firewall_sources[%d]" % (prefix, i)))
        except FirewallError as e:
            errors.append(str(e))
    if enabled and not sources:
        errors.append("%s_firewall_sources: no address or network; list %s, or %s_firewall_enabled: false"
                      % (prefix, who, prefix))
    try:
        port = validate_port(port, "%s_port" % prefix)
    except ValidationError as e:
        errors.append(str(e))
    return networks, port, errors


def _clients(networks, v4, v6):
    return (_set(v4, "ipv4_addr", _collapsed([n for n in networks if n.version == 4]))
            + _set(v6, "ipv6_addr", _collapsed([n for n in networks if n.version == 6])))


def qnetd_errors(sources, port=QNETD_PORT, enabled=True):
    """Every message about a quorum device arbitrator's firewall input (empty: all good). The qnetd role's
    preflight shows them all at once (the filter qnetd_firewall_rules with errors=true); qnetd_ruleset refuses
    with the same."""
    return _sources_input(sources, port, enabled, "qnetd", _QNETD_FROM)[2]


def qnetd_ruleset(sources, port=QNETD_PORT):
    """The nft -f text of a quorum device arbitrator's table (see the module's doc). FirewallError with every
    message of qnetd_errors when the input has any."""
    networks, port, errors = _sources_input(sources, port, True, "qnetd",
                                            _QNETD_FROM)
    if errors:
        raise FirewallError("; ".join(errors))
    return _table(_clients(networks, "clients4", "clients6")
                  + _chain(_service_rules("tcp", port, "clients4", "clients6", "corosync-qnetd")),
                  "qnetd role (qnetd_firewall_enabled)")


def booth_errors(sources, port=BOOTH_PORT, enabled=True):
    """Every message about a booth member's firewall input (empty: all good); booth_ruleset refuses with the
    same."""
    return _sources_input(sources, port, enabled, "booth", _BOOTH_FROM)[2]


def booth_ruleset(sources, port=BOOTH_PORT):
    """The nft -f text of a geo cluster member's booth table, inet clusterops_booth (see the module's doc).
    FirewallError with every message of booth_errors when the input has any."""
    networks, port, errors = _sources_input(sources, port, True, "booth", _BOOTH_FROM)
    if errors:
        raise FirewallError("; ".join(errors))
    rules = (_service_rules("udp", port, "members4", "members6", "booth")
             + _service_rules("tcp", port, "members4", "members6", "booth client"))
    return _table(_clients(networks, "members4", "members6") + _chain(rules),
                  "booth role (booth_firewall_enabled)", "booth")


def parse_table(text):
    """nft list table inet clusterops -> {"drops": [{"rule": comment, "packets": n}]}, in the table's order."""
    return {"drops": [{"rule": m.group(2), "packets": int(m.group(1))} for m in _DROP.finditer(text or "")]}


def read_table(runner, rules_file=RULES_FILE):
    """The cluster's table as nft holds it on this node (see the module's doc)."""
    if not os.path.exists(rules_file):
        return {"managed": False}
    try:
        res = runner.run(["nft", "list", "table", "inet", TABLE], check=False)
    except CommandError as e:
        return {"managed": True, "loaded": False, "error": str(e)}
    if res.rc != 0:
        first = (res.stderr or res.stdout or "").strip().splitlines()
        return {"managed": True, "loaded": False, "error": first[0] if first else "nft exited %d" % res.rc}
    out = {"managed": True, "loaded": True}
    out.update(parse_table(res.stdout))
    return out
