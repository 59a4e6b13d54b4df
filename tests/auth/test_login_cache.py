"""The cache of verified logins: what it honours during an outage, and what drops an entry at once."""

from __future__ import annotations

import time
from datetime import timedelta

from copilot.auth.cache import VerifiedCache
from copilot.store import clock


def test_a_login_verified_shortly_before_an_outage_is_honoured_during_it() -> None:
    cache: VerifiedCache[str] = VerifiedCache(ttl=60)
    cache.put("session:a", "xiaomei", user="xiaomei", expires_at=clock.now() + timedelta(hours=1))
    outage_began = time.monotonic() + 30  # verified 30 s before the outage: within the TTL
    assert cache.get_during_outage("session:a", outage_began) == "xiaomei"
    assert cache.get_during_outage("session:a", time.monotonic() + 61) is None  # verified too long before


def test_an_expired_session_is_not_honoured_even_during_an_outage() -> None:
    cache: VerifiedCache[str] = VerifiedCache(ttl=60)
    cache.put("session:a", "xiaomei", user="xiaomei", expires_at=clock.now() - timedelta(seconds=1))
    assert cache.get_during_outage("session:a", time.monotonic()) is None


def test_revoking_logging_out_or_changing_the_user_drops_entries_at_once() -> None:
    cache: VerifiedCache[str] = VerifiedCache(ttl=60)
    cache.put("token:1", "lily", user="lily", token_id=1)
    cache.put("token:2", "lily", user="lily", token_id=2)
    cache.put("session:x", "xiaomei", user="xiaomei")
    cache.forget_token(1)
    cache.forget("session:x")
    now = time.monotonic()
    assert cache.get_during_outage("token:1", now) is None and cache.get_during_outage("session:x", now) is None
    assert cache.get_during_outage("token:2", now) == "lily"
    cache.forget_user("lily")
    assert cache.get_during_outage("token:2", now) is None


def test_a_zero_ttl_keeps_nothing() -> None:
    cache: VerifiedCache[str] = VerifiedCache(ttl=0)
    cache.put("token:1", "lily", user="lily")
    assert cache.get_during_outage("token:1", time.monotonic()) is None
