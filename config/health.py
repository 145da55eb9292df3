"""``/healthz``: is the database reachable, is the broker reachable.

The database is required (503 and ``"status": "error"`` without it); a broker that is down makes
the answer ``"status": "degraded"`` with 200, because the web app still serves and saves reports
while the broker recovers.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means "down" here
        logger.warning("healthz: database unreachable", exc_info=True)
        return "error"
    return "ok"


def broker_status() -> str:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # kombu raises transport-specific errors
        logger.warning("healthz: broker unreachable", exc_info=True)
        return "error"
    return "ok"


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    database = database_status()
    broker = broker_status()
    if database != "ok":
        overall, code = "error", 503
    elif broker != "ok":
        # Pages and the API still serve and save; queued work waits for the broker.
        overall, code = "degraded", 200
    else:
        overall, code = "ok", 200
    return JsonResponse({"status": overall, "database": database, "broker": broker}, status=code)
