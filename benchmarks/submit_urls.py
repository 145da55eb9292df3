"""The product's URLs plus the baseline of ``benchmarks/submit.py``: a bare DRF view behind the
same token authentication (and the same default permission and throttles) that inserts the
request body as one row. Benchmark only: ``benchmarks/submit_settings.py`` points at it."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.urls import path
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns

TABLE = "bench_submit_row"
CREATE = {
    "postgresql": f"""CREATE TABLE {TABLE} (
        id bigserial PRIMARY KEY, user_id bigint NOT NULL, client_id uuid NOT NULL,
        body jsonb NOT NULL, created_at timestamptz NOT NULL, UNIQUE (user_id, client_id))""",
    "sqlite": f"""CREATE TABLE {TABLE} (
        id integer PRIMARY KEY AUTOINCREMENT, user_id integer NOT NULL, client_id text NOT NULL,
        body text NOT NULL, created_at text NOT NULL, UNIQUE (user_id, client_id))""",
}


class BaselineView(APIView):
    # DRF's defaults, as the product's views have them: the project's token authentication
    # first, then the session; IsAuthenticated; the same throttles.
    def post(self, request: Request) -> Response:
        body: dict[str, Any] = request.data
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (user_id, client_id, body, created_at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s)",
                [request.user.pk, str(body["client_id"]), json.dumps(body), timezone.now()],
            )
        return Response({"client_id": body["client_id"]}, status=201)


urlpatterns = [
    path("bench/baseline/", BaselineView.as_view()),
    *product_urlpatterns,
]
