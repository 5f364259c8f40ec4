"""Signing in: one key lookup and one count of wrong keys, shared by the API and the dashboard."""

from __future__ import annotations

import time

import pytest

from zorgstraf.auth import SignInGuard, SignInThrottled, find_key
from zorgstraf.settings import parse_api_keys

KEYS = parse_api_keys("lees-1:lezer,voorz-2:voorzitter")


def test_the_right_key_is_found_and_a_wrong_one_is_not():
    assert find_key(KEYS, "voorz-2") is KEYS[1]
    assert find_key(KEYS, "voorz-") is None and find_key(KEYS, "") is None


def test_wrong_keys_count_per_address_and_the_window_moves_on():
    guard = SignInGuard("2 per 1 second")
    for _ in range(5):
        assert guard.sign_in(KEYS, "lees-1", "10.0.0.1") is KEYS[0]  # right keys are not counted
    assert guard.sign_in(KEYS, "fout", "10.0.0.1") is None
    assert guard.sign_in(KEYS, "fout", "10.0.0.1") is None
    with pytest.raises(SignInThrottled) as refused:
        guard.sign_in(KEYS, "lees-1", "10.0.0.1")
    assert refused.value.retry_after == 1
    assert guard.sign_in(KEYS, "lees-1", "10.0.0.2") is KEYS[0]  # another address is not affected
    time.sleep(1.1)
    assert guard.sign_in(KEYS, "lees-1", "10.0.0.1") is KEYS[0]
