# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""corosync's heartbeat timing formulas, in one place.

Every module that needs an effective token, a consensus or a knet ping timer calls these
(corosync_conf.effective_timing, corosync_tuning, cluster_doc_corosync, failover_drill_expected); none computes them
itself. Pure, standard library only, Python 3.8 syntax at most, and it imports nothing of the
collection, so any module_utils may import it without a cycle.

Facts from corosync 3.1.7, exec/totemconfig.c:

- ``totem_volatile_config_read()``: token defaults to TOKEN_TIMEOUT (3000); from 3 nodes on
  (``interfaces[0].member_count > 2``) it grows by ``(nodes - 2) x token_coefficient``
  (TOKEN_COEFFICIENT 650) and the result is what corosync runs (``runtime.config.totem.token``).
  consensus, when unset, is ``(int)(float)(1.2 * token_timeout)`` with token_timeout already the
  EFFECTIVE token; an explicit consensus is used as given, never scaled. A token or consensus of 0
  counts as unset (``totem_volatile_config_set_uint32_value()`` with allow_zero_value 0).
- ``calc_knet_ping_timers()`` runs after that, so it uses the effective token too: a link's
  knet_pong_count, knet_ping_timeout and knet_ping_interval left unset (or 0) become
  KNET_PONG_COUNT (2), ``token / pong_count`` and ``token / (pong_count * 2)``, integer division.

corosync.conf(5) adds a rule corosync itself does not enforce: "The minimum value for consensus
must be 1.2 * token". min_consensus() is the smallest explicit value that meets it (ceil), which is
not always corosync's own default (floor): token 3001 gives a default of 3601, but 3602 to write.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

TOKEN_MS = 3000  # TOKEN_TIMEOUT
TOKEN_COEFFICIENT_MS = 650  # TOKEN_COEFFICIENT
KNET_PONG_COUNT = 2  # KNET_PONG_COUNT


def _or_default(value, default):
    """corosync's reading of a timer: None or 0 means the default."""
    return default if not value else value


def effective_token(token=None, token_coefficient=None, node_count=0):
    """The token corosync runs: token + (nodes - 2) x token_coefficient from 3 nodes on.

    token None/0 and token_coefficient None mean corosync's defaults (3000, 650); an explicit
    token_coefficient of 0 turns the scaling off.
    """
    token = _or_default(token, TOKEN_MS)
    if node_count > 2:
        coefficient = TOKEN_COEFFICIENT_MS if token_coefficient is None else token_coefficient
        return token + (node_count - 2) * coefficient
    return token


def default_consensus(effective):
    """corosync's consensus when totem.consensus is unset: 1.2 x the effective token, truncated.

    corosync computes ``(int)(float)(1.2 * token)``; the exact integer floor here gives the same value
    for every token below 3,495,254 ms (above that the single-precision cast rounds up by 1 ms).
    """
    return effective * 6 // 5


def min_consensus(effective):
    """The smallest integer consensus >= 1.2 x the effective token (ceil; corosync.conf(5)'s rule)."""
    return -(-(effective * 6) // 5)


def knet_ping_timers(effective, pong_count=None):
    """(knet_ping_interval, knet_ping_timeout) corosync derives for a link: token / (pong * 2), token / pong."""
    pong = _or_default(pong_count, KNET_PONG_COUNT)
    return effective // (pong * 2), effective // pong


def link_timing(effective, pong_count=None, ping_interval=None, ping_timeout=None):
    """One knet link's ping timers as corosync runs them: explicit values win, unset or 0 are derived.

    Returns {knet_pong_count, knet_ping_interval, knet_ping_timeout, pinned}; pinned: both timers are
    explicit, so a later token change does not leave them stale (corosync <= 3.1.10 after a reload).
    """
    pong = _or_default(pong_count, KNET_PONG_COUNT)
    interval, timeout = knet_ping_timers(effective, pong)
    return {
        "knet_pong_count": pong,
        "knet_ping_interval": _or_default(ping_interval, interval),
        "knet_ping_timeout": _or_default(ping_timeout, timeout),
        "pinned": bool(ping_interval) and bool(ping_timeout),
    }


def timing(token=None, token_coefficient=None, node_count=0, consensus=None):
    """Effective timing (ms) from the configured values (None: unset) and the node count.

    Returns {nodes, token, token_coefficient, effective_token, consensus, consensus_explicit,
    detection}; token and token_coefficient are the values corosync uses (defaults filled in);
    detection is token + consensus, about when a lost node is declared.
    """
    token = _or_default(token, TOKEN_MS)
    coefficient = TOKEN_COEFFICIENT_MS if token_coefficient is None else token_coefficient
    effective = effective_token(token, coefficient, node_count)
    explicit = bool(consensus)
    value = consensus if explicit else default_consensus(effective)
    return {
        "nodes": node_count,
        "token": token,
        "token_coefficient": coefficient,
        "effective_token": effective,
        "consensus": value,
        "consensus_explicit": explicit,
        "detection": effective + value,
    }
