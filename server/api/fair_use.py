"""Fair use: token buckets per seat and per client address, and a cap on WebSocket connections per
address. Limits and the on/off switch are in `Settings` (`TTX_RATE_LIMITS`, `TTX_LIMIT_*`).

The bucket arithmetic is pyrate-limiter's `TokenBucket` (GCRA: one integer per key, the time the
bucket would next be full, in microseconds, so a burst of N is exactly N and the wait comes out in
closed form). We call its pure `step(rates, state, now, weight)` and keep the per-key states here,
rather than use its `Limiter`: the `Limiter` routes keys through a bucket factory with a background
leak thread and locks, none of which a single event loop needs, and it reads its own clock, where
ours is given (tests move time by moving the clock, never by sleeping).

A refused request costs nothing from the bucket; `Retry-After` is the whole seconds until the
request would be admitted, rounded up.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import time
from collections import OrderedDict
from typing import Any, Callable

from pyrate_limiter import Rate, TokenBucket

from ..settings import Settings, parse_rate
from .errors import ApiError

Clock = Callable[[], float]  # seconds, monotonic
MAX_KEYS = 65_536  # per limit; the least recently used key goes first (a fresh bucket is a full one)
_ALGORITHM = TokenBucket()

# limit name -> (setting, what the 429 says is limited)
LIMITS = {
    "seat_commands": ("limit_seat_commands", "commands from this seat"),
    "address_commands": ("limit_address_commands", "commands from this address"),
    "failed_auth": ("limit_failed_auth", "failed authentications from this address"),
    "scenarios": ("limit_scenarios", "scenario listings from this address"),
    "qr": ("limit_qr", "QR codes from this address"),
    "create": ("limit_create", "exercises created from this address"),
    "import": ("limit_import", "imports from this address"),
}


class RateLimited(ApiError):
    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(429, "rate_limited", f"Too many {what}; nothing was done. Retry in {retry_after} s.",
                         headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class Buckets:
    """Token buckets of one limit, by key, on a clock you give."""

    def __init__(self, spec: str, clock: Clock, *, max_keys: int = MAX_KEYS) -> None:
        count, period, burst = parse_rate(spec)
        self.rates = [Rate(count, max(1, round(period * 1000)), burst=burst)]
        self.clock = clock
        self.max_keys = max_keys
        self._states: OrderedDict[str, Any] = OrderedDict()

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def _step(self, key: str, weight: int) -> tuple[Any, float | None]:
        weight = max(1, min(weight, self.rates[0].burst))  # a request never costs more than a full bucket
        state = self._states.get(key) or _ALGORITHM.initial(self.rates)
        new, decision = _ALGORITHM.step(self.rates, state, self._now_ms(), weight)
        if decision.allowed:
            return new, None
        return state, (decision.retry_after_ms or 1) / 1000

    def take(self, key: str, weight: int = 1) -> float | None:
        """Spend `weight` tokens: None when admitted, else the seconds until it would be."""
        state, wait = self._step(key, weight)
        if wait is None:
            self._states[key] = state
            self._states.move_to_end(key)
            while len(self._states) > self.max_keys:
                self._states.popitem(last=False)
        return wait

    def peek(self, key: str, weight: int = 1) -> float | None:
        """What `take` would answer, spending nothing."""
        return self._step(key, weight)[1]


class FairUse:
    """Every limit of one server process. `enabled=False` (TTX_RATE_LIMITS=false) admits everything."""

    def __init__(self, settings: Settings, clock: Clock = time.monotonic) -> None:
        self.enabled = settings.rate_limits
        self.buckets = {name: Buckets(getattr(settings, setting), clock) for name, (setting, _) in LIMITS.items()}
        self.ws_cap = settings.ws_max_per_address
        self._ws: dict[str, int] = {}

    def check(self, name: str, key: str, weight: int = 1, *, spend: bool = True) -> None:
        """Raise `RateLimited` if the bucket `name` of `key` cannot admit `weight` now."""
        if not self.enabled:
            return
        bucket = self.buckets[name]
        wait = bucket.take(key, weight) if spend else bucket.peek(key, weight)
        if wait is not None:
            raise RateLimited(LIMITS[name][1], max(1, math.ceil(wait)))

    def failed_auth(self, address: str) -> None:
        """Count a failed authentication (spends a token; never raises: the caller's own error stands)."""
        if self.enabled:
            self.buckets["failed_auth"].take(address)

    def ws_opened(self, address: str) -> bool:
        """Count a new WebSocket connection; False (and not counted) when the address is at its cap."""
        if not self.enabled:
            return True
        n = self._ws.get(address, 0)
        if n >= self.ws_cap:
            return False
        self._ws[address] = n + 1
        return True

    def ws_closed(self, address: str) -> None:
        if not self.enabled:
            return
        n = self._ws.get(address, 0) - 1
        if n > 0:
            self._ws[address] = n
        else:
            self._ws.pop(address, None)


def address_of(scope: dict[str, Any]) -> str:
    """The client address a limit counts by: the IP of the connection (as uvicorn reports it, after
    its trusted-proxy handling), IPv6 by its /64, which one subscriber usually holds whole."""
    client = scope.get("client")
    return _address(client[0] if client else "")


@functools.lru_cache(maxsize=4096)
def _address(host: str) -> str:
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
    return str(ip)
