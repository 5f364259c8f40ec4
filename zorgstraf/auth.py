"""Signing in with an API key, once for the API and the dashboard: the key lookup in constant time
and the throttling of wrong keys per client address (moving window, `limits` library)."""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import Iterable

from limits import parse, storage, strategies

from .errors import ZorgstrafError
from .settings import ApiKey


class SignInThrottled(ZorgstrafError):
    """Too many wrong keys from one address; `retry_after` says how many seconds to wait."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"te veel onjuiste sleutels vanaf dit adres; probeer het over {retry_after} seconden opnieuw")


def find_key(keys: Iterable[ApiKey], token: str) -> ApiKey | None:
    """The key equal to `token`, compared with every key so timing does not tell which one matched."""
    match = None
    for key in keys:
        if hmac.compare_digest(key.key.encode(), token.encode()):
            match = key
    return match


class SignInGuard:
    """Wrong keys per client address within a moving window. Over the limit, every attempt from that
    address is refused until the window has moved on, the right key included: otherwise a guesser
    would still learn which key is right. Memory only, so each process counts for itself."""

    def __init__(self, rate: str):
        self.item = parse(rate)  # e.g. "30 per minute"; settings checked it when they were read
        self.limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def sign_in(self, keys: Iterable[ApiKey], token: str, client: str | None) -> ApiKey | None:
        """The matching key, or None for a wrong key (which is counted). Raises SignInThrottled."""
        address = client or "lokaal"
        if not self.limiter.test(self.item, "aanmelden", address):
            reset_time = self.limiter.get_window_stats(self.item, "aanmelden", address).reset_time
            raise SignInThrottled(max(1, math.ceil(reset_time - time.time())))
        match = find_key(keys, token)
        if match is None:
            self.limiter.hit(self.item, "aanmelden", address)
        return match
