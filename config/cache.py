"""The Redis cache, failing open: while Redis is unreachable it answers like an empty cache.

What this project keeps in the cache only saves work or limits cost: DRF's throttles, allauth's
rate limits (sign-up, email confirmation, password reset), when an API token was last noted,
and drawn charts. None of it may take a page or the API down with it (issue 14), so every call
that cannot reach Redis is logged (the error's class, never keys or values) and answered as a
miss: nothing found, nothing stored. Passwords stay limited through a Redis outage by
django-axes, which counts in the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
T = TypeVar("T")


def _or(default: T, call: Callable[[], T]) -> T:
    try:
        return call()
    except UNREACHABLE as error:
        logger.warning("cache unavailable (%s): answered as a miss", type(error).__name__)
        return default


class FailOpenRedisCache(RedisCache):
    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return _or(True, lambda: super(FailOpenRedisCache, self).add(key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return _or(default, lambda: super(FailOpenRedisCache, self).get(key, default, version))

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        _or(None, lambda: super(FailOpenRedisCache, self).set(key, value, timeout, version))

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return _or(False, lambda: super(FailOpenRedisCache, self).touch(key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return _or(False, lambda: super(FailOpenRedisCache, self).delete(key, version))

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return _or({}, lambda: super(FailOpenRedisCache, self).get_many(keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return _or(False, lambda: super(FailOpenRedisCache, self).has_key(key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return _or(delta, lambda: super(FailOpenRedisCache, self).incr(key, delta, version))

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return _or([], lambda: super(FailOpenRedisCache, self).set_many(data, timeout, version))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        _or(None, lambda: super(FailOpenRedisCache, self).delete_many(keys, version))

    def clear(self) -> None:
        _or(None, lambda: super(FailOpenRedisCache, self).clear())
