"""The API's JSON parser, with the two limits that keep bad input a clear 4xx instead of a 500:
a body larger than API_MAX_BODY_BYTES is refused with 413 before it is read whole, and JSON
nested deeper than API_MAX_JSON_DEPTH is refused with 400 (Python's parser would otherwise
fail with a RecursionError, or later code would)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = _("The request is too large.")


class TooDeep(exceptions.ParseError):
    default_code = "too_deeply_nested"


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` deep (iterative: a deep
    value cannot exhaust the stack here)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise RequestTooLarge()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding)) if raw else None
        except RecursionError:
            raise TooDeep(self._too_deep_message()) from None
        except (ValueError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None
        if json_depth_exceeds(data, settings.API_MAX_JSON_DEPTH):
            raise TooDeep(self._too_deep_message())
        return data

    @staticmethod
    def _too_deep_message() -> str:
        return f"The JSON is nested more than {settings.API_MAX_JSON_DEPTH} levels deep."
