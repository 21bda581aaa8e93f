# -*- coding: utf-8 -*-
# Copyright: clusterops.ha developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests for validate.password: the hacluster password policy the cluster role's preflight applies."""

from __future__ import annotations

import pytest

from ansible_collections.clusterops.ha.plugins.module_utils.validate import (
    PASSWORD_MIN_LENGTH, WEAK_PASSWORD_WORDS, ValidationError, check_values, password)

F = "cluster_hacluster_password"


def reasons(value, **kw):
    with pytest.raises(ValidationError) as e:
        password(value, F, **kw)
    assert e.value.field == F
    return str(e.value)


@pytest.mark.parametrize("value", ["correct horse battery staple", "molecule-only-secret", "kQ3v9Zr2pL8w"])
def test_long_enough_and_not_a_known_word_is_taken(value):
    assert password(value, F) == value


@pytest.mark.parametrize("value", ["", None, 12345678901234, ["a-long-enough-one"]])
def test_empty_or_not_text_is_refused(value):
    assert reasons(value) == F + ": is empty: set it (keep it in a vault)"


def test_too_short_says_how_long_it_is_and_must_be():
    msg = reasons("Tr0ub4dor&3")
    assert "has 11 characters, fewer than %d" % PASSWORD_MIN_LENGTH in msg


def test_the_minimum_is_the_callers():
    assert password("Tr0ub4dor&3", F, min_length=8) == "Tr0ub4dor&3"
    assert "fewer than 16" in reasons("kQ3v9Zr2pL8w", min_length=16)


def test_too_few_different_characters():
    assert "fewer than 5 different characters" in reasons("abababababababab")


@pytest.mark.parametrize("value", ["hacluster", "HACLUSTER", "Hacluster2024!", "2024changeme", "!!Password!!"])
def test_a_known_word_with_digits_and_punctuation_around_it_is_refused(value):
    assert "a word attackers try first" in reasons(value, min_length=1)


def test_the_callers_words_too_any_case():
    assert "a word attackers try first" in reasons("Production-2026", min_length=1, words=["production", None])
    assert password("Production-2026", F, min_length=1) == "Production-2026"


def test_every_reason_at_once_and_the_value_never_shown():
    msg = reasons("hacluster")
    assert "has 9 characters" in msg and "a word attackers try first" in msg
    assert "hacluster" not in msg.replace(F, "")
    # the message depends on the value's length only: one text for every known word
    assert len(set(reasons(word + "2026!", min_length=1) for word in WEAK_PASSWORD_WORDS)) == 1


def test_check_values_knows_the_type():
    assert check_values([{"field": F, "value": "changeme", "type": "password", "args": {"min_length": 8}}]) == [
        F + ": is weak: it is a word attackers try first (a default, the cluster's software, its name or a host's); "
        "choose another (a passphrase of several words will do)"]
