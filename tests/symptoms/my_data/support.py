"""What the tests of "Your data" share."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponseBase


def body(response: HttpResponseBase) -> bytes:
    """A response's bytes, streamed (the downloads) or not (their errors)."""
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined,no-any-return]


def body_json(response: HttpResponseBase) -> Any:
    return json.loads(body(response))
