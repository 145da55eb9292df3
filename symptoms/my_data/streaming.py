"""Write JSON and CSV a piece at a time, so a download's memory does not grow with its length.

``json_chunks`` writes an object whose values may be ``Array``s: iterators written item by item,
each item encoded as it comes. The bytes are those DRF's ``JSONRenderer`` writes for the same
object built whole (compact separators, UTF-8 rather than ``\\u`` escapes, U+2028 and U+2029
escaped), so a streamed download and a whole one cannot be told apart. ``buffered`` gathers the
small pieces into blocks of about ``BLOCK_CHARS``: one write per block, not one per row.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from rest_framework.utils.encoders import JSONEncoder

BLOCK_CHARS = 64 * 1024


@dataclass(frozen=True)
class Array:
    """A JSON array written item by item from ``items`` (read once)."""

    items: Iterable[Any]


class Raw(str):
    """JSON already written (a template filled in where encoding a dict per row is too slow):
    an ``Array`` item written as it is."""

    __slots__ = ()


def dumps(value: Any) -> str:
    """One value as DRF's ``JSONRenderer`` writes it (its settings: compact, unicode, strict)."""
    text = json.dumps(
        value, cls=JSONEncoder, ensure_ascii=False, allow_nan=False, separators=(",", ":")
    )
    # As DRF does: these two are valid JSON but end a line in JavaScript.
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def json_chunks(fields: Iterable[tuple[str, Any]]) -> Iterator[str]:
    """The JSON object of ``fields`` (key, value) in order; ``Array`` values are streamed."""
    yield "{"
    for n, (key, value) in enumerate(fields):
        yield f"{',' if n else ''}{dumps(key)}:"
        if isinstance(value, Array):
            yield "["
            for m, item in enumerate(value.items):
                text = item if isinstance(item, Raw) else dumps(item)
                yield f",{text}" if m else text
            yield "]"
        else:
            yield dumps(value)
    yield "}"


class Echo:
    """A file-like target for ``csv.writer`` that hands back what it was given to write."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(rows: Iterable[Iterable[Any]], *, delimiter: str = ",") -> Iterator[str]:
    """``rows`` as CSV lines (``\\r\\n`` ends, as spreadsheets and RFC 4180 expect)."""
    writer = csv.writer(Echo(), delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        yield writer.writerow(row)


def in_language(blocks: Iterable[bytes], language: str) -> Iterator[bytes]:
    """``blocks`` made with ``language`` active: a streamed response is written after its view
    has returned, when the request's language may no longer be the active one. (Once per
    block, not per row: switching the language costs a few microseconds.)"""
    iterator = iter(blocks)
    while True:
        with translation.override(language):
            block = next(iterator, None)
        if block is None:
            return
        yield block


def buffered(chunks: Iterable[str], *, encoding: str = "utf-8") -> Iterator[bytes]:
    """``chunks`` joined into blocks of at least ``BLOCK_CHARS`` characters (the last shorter)."""
    block: list[str] = []
    length = 0
    for chunk in chunks:
        block.append(chunk)
        length += len(chunk)
        if length >= BLOCK_CHARS:
            yield "".join(block).encode(encoding)
            block, length = [], 0
    if block:
        yield "".join(block).encode(encoding)
