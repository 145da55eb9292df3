"""What the tests of "Your data" share."""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.http import HttpResponseBase


def body(response: HttpResponseBase) -> bytes:
    """A response's bytes, streamed (the downloads) or not (their errors)."""
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined,no-any-return]


def body_json(response: HttpResponseBase) -> Any:
    return json.loads(body(response))


def queries_of(client: Any, url: str) -> list[str]:
    """The SQL a download runs, streaming included (a request empties connection.queries, so
    CaptureQueriesContext cannot count it)."""
    queries: list[str] = []

    def count(execute: Any, sql: str, *args: Any) -> Any:
        queries.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        body(client.get(url))
    return queries
