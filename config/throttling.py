"""DRF's throttles, made to let requests through while Redis is down. A module of its own:
DRF imports the throttle classes named in its settings while ``rest_framework.views`` is still
loading, so this module must not import any view."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from redis.exceptions import RedisError
from rest_framework import throttling

if TYPE_CHECKING:  # rest_framework.views is still loading when DRF imports this module
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)


class FailOpenThrottle(throttling.SimpleRateThrottle):
    """Throttles count requests in the cache (Redis in production). When it does not answer, the
    request goes through, with a warning, instead of failing: throttling is a cost control, and
    an outage of Redis must not take the API down. Password guessing stays limited by
    django-axes, which counts in the database; share codes by their size, life and single use
    (docs/operations.md)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError as error:
            logger.warning(
                "throttle %s let a request through: the cache did not answer (%s)",
                self.scope or type(self).__name__,
                type(error).__name__,
            )
            return True


class AnonRateThrottle(FailOpenThrottle, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FailOpenThrottle, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(FailOpenThrottle, throttling.ScopedRateThrottle):
    pass
