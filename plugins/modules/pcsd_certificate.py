#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pcsd_certificate
short_description: Issue pcsd's certificate for a node from the operator's CA, when the node's current one will not do
version_added: 0.15.0
description:
  - "Runs on the controller (C(delegate_to: localhost)), where the CA's private key stays; it never reaches a node."
  - Judges the node's current pcsd certificate (O(current_certificate), read from the node) against the CA - issued
    by it (the signature verifies with the CA's key), the names (subjectAltName - the node's name and each of its
    addresses), and the time left (more than O(renew_days), unless a new one would not last longer because the
    CA itself ends by then, which a warning says) - and keeps it when all hold.
  - Otherwise issues a new ECDSA P-256 key and a certificate signed by the CA (CN and DNS name the node's name, an IP
    name per address, serverAuth and clientAuth, valid O(days) days and never beyond the CA's own end), and returns
    both; the cluster role writes them to the node and restarts its pcsd.
  - Nothing changes on the controller or the node, so check mode issues too, and the preview shows the real
    certificate; the key is only in RV(private_key), so register the task with C(no_log).
  - Refuses a CA that is no CA, has ended, may not sign certificates, or whose key is not its own, naming the option.
author:
  - clusterops.ha developers (!UNKNOWN)
attributes:
  check_mode:
    support: full
    details: Issues in check mode as well (it changes nothing anywhere), so the preview shows what would be written.
  diff_mode:
    support: full
    details: The current and the new certificate's subject, issuer, serial, end and names; never the key.
  platform:
    platforms: posix
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
requirements:
  - the Python package cryptography on the controller (ansible-core depends on it)
options:
  ca_certificate:
    description: The CA's certificate, PEM.
    type: str
    required: true
  ca_private_key:
    description: The CA's private key, PEM, unencrypted. Keep it in a vault.
    type: str
    required: true
  name:
    description: The node's name, as pcs addresses it (the certificate's CN and DNS name).
    type: str
    required: true
  addresses:
    description: The node's addresses pcs and pcsd reach it on (an IP name each).
    type: list
    elements: str
    default: []
  current_certificate:
    description: The node's current pcsd certificate, PEM; empty when it has none.
    type: str
    default: ""
  days:
    description: How long a new certificate is valid, in days (1 to 3650), at most until the CA ends.
    type: int
    default: 365
  renew_days:
    description: A current certificate that ends within this many days is replaced (0 to 3649, below O(days)).
    type: int
    default: 30
  issue:
    description:
      - When false, only judge - the CA and the options are checked and RV(reasons) says whether the current
        certificate would be replaced, but nothing is issued (RV(certificate) and RV(private_key) stay empty), so the
        task needs no C(no_log) and its errors show. The cluster role's preflight runs it so.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: pcsd's current certificate on the node
  ansible.builtin.slurp:
    src: /var/lib/pcsd/pcsd.crt
  register: current
  failed_when: false

- name: A certificate from the CA when the current one will not do (the key stays under no_log)
  clusterops.ha.pcsd_certificate:
    ca_certificate: "{{ lookup('ansible.builtin.file', 'pki/ca.crt') }}"
    ca_private_key: "{{ vault_pcsd_ca_key }}"
    name: "{{ inventory_hostname }}"
    addresses: ["{{ ansible_default_ipv4.address }}"]
    current_certificate: "{{ current.content | default('') | b64decode }}"
  delegate_to: localhost
  register: issued
  no_log: true

- name: Why (nothing secret)
  ansible.builtin.debug:
    msg: "{{ issued.reasons }} -> {{ issued.issued }}"
"""

RETURN = r"""
reasons:
  description: Why the current certificate is replaced; empty when it is kept.
  returned: always
  type: list
  elements: str
  sample: ["its names DNS:node1 are not DNS:node1, IP:192.0.2.11"]
certificate:
  description: The new certificate, PEM; empty when the current one is kept.
  returned: always
  type: str
private_key:
  description: The new certificate's private key, PEM; empty when the current one is kept. Register the task with no_log.
  returned: always
  type: str
current:
  description: What the current certificate says (subject, issuer, serial, not_after, names); null without one.
  returned: always
  type: dict
issued:
  description: What the new certificate says (subject, issuer, serial, not_after, names); null when none was issued.
  returned: always
  type: dict
  sample: {subject: CN=node1, issuer: "CN=Example CA", serial: 3f0a, not_after: "2027-12-06T16:00:00Z",
           names: ["DNS:node1", "IP:192.0.2.11"]}
"""

import datetime

from ansible_collections.clusterops.ha.plugins.module_utils import pcsd_ca
from ansible_collections.clusterops.ha.plugins.module_utils.module_entry import guard, new_module
from ansible_collections.clusterops.ha.plugins.module_utils.validate import check_values


def now_utc():
    """The clock this module judges with (unit tests replace it)."""
    return datetime.datetime.now(datetime.timezone.utc)


def main():
    module = new_module(
        argument_spec=dict(
            ca_certificate=dict(type="str", required=True),
            ca_private_key=dict(type="str", required=True, no_log=True),
            name=dict(type="str", required=True),
            addresses=dict(type="list", elements="str", default=[]),
            current_certificate=dict(type="str", default=""),
            days=dict(type="int", default=365),
            renew_days=dict(type="int", default=30),
            issue=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    with guard(module):
        p = module.params
        errors = check_values([
            {"field": "name", "value": p["name"], "type": "node_name"},
            {"field": "addresses", "value": p["addresses"], "type": "address", "elements": True},
            {"field": "days", "value": p["days"], "type": "int", "args": {"minimum": 1, "maximum": 3650}},
            {"field": "renew_days", "value": p["renew_days"], "type": "int",
             "args": {"minimum": 0, "maximum": max(0, p["days"] - 1)}},
        ])
        if errors:
            module.fail_json(msg="; ".join(errors))
        now = now_utc()
        ca, ca_key = pcsd_ca.load_ca(p["ca_certificate"], p["ca_private_key"], now)
        reasons = pcsd_ca.judge(p["current_certificate"], ca, p["name"], p["addresses"], now, p["renew_days"], p["days"])
        ending = pcsd_ca.ca_ending(ca, now, p["renew_days"])
        if ending:
            module.warn(ending)
        current = pcsd_ca.describe(p["current_certificate"])
        certificate, key, issued = "", "", None
        if reasons and p["issue"]:
            certificate, key = pcsd_ca.issue(ca, ca_key, p["name"], p["addresses"], now, p["days"])
            issued = pcsd_ca.describe(certificate)
        result = dict(changed=bool(reasons) and p["issue"], reasons=reasons, certificate=certificate, private_key=key,
                      current=current, issued=issued)
        if module._diff:
            result["diff"] = {"before": current or {}, "after": issued or current or {}}
        module.exit_json(**result)


if __name__ == "__main__":
    main()
