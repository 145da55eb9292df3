"""Writing many rows at once: PostgreSQL ``COPY`` where the database is PostgreSQL, Django's
``bulk_create`` elsewhere (SQLite in development and tests).

Rows are plain tuples in the order of a :class:`Table`'s fields, with their primary keys
already chosen (:meth:`BulkWriter.ids`), so that rows of one table can point at rows of
another written in the same batch without reading anything back. Used by ``seed_cohort``
(``symptoms.reports.cohort``) and its benchmark; not a general-purpose loader.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models


@dataclass(frozen=True)
class Table:
    """A model and the fields (attnames, e.g. ``patient_id``) every row gives, in order."""

    model: type[models.Model]
    fields: tuple[str, ...]

    def missing_fields(self) -> set[str]:
        """Concrete fields the rows leave out: must stay empty (a test keeps it so)."""
        return {field.attname for field in self.model._meta.concrete_fields} - set(self.fields)

    @property
    def columns(self) -> list[str]:
        by_attname = {
            field.attname: str(field.column) for field in self.model._meta.concrete_fields
        }
        return [by_attname[attname] for attname in self.fields]

    @property
    def json_positions(self) -> tuple[int, ...]:
        json_fields = {
            field.attname
            for field in self.model._meta.concrete_fields
            if isinstance(field, models.JSONField)
        }
        return tuple(position for position, name in enumerate(self.fields) if name in json_fields)


class BulkWriter:
    """Chooses primary keys and writes rows, through ``COPY`` on PostgreSQL."""

    def __init__(self) -> None:
        self.copies = connection.vendor == "postgresql"
        self._next_id: dict[type[models.Model], int] = {}
        self._locked: set[type[models.Model]] = set()

    def ids(self, model: type[models.Model], count: int) -> list[int]:
        """``count`` new primary keys for ``model``: a block taken from its sequence on
        PostgreSQL, under a table lock held to the end of the transaction (others' inserts into
        the table wait); elsewhere counted on from the largest id, which is safe because the
        caller holds the transaction (SQLite writes one at a time)."""
        if count == 0:
            return []
        table = model._meta.db_table
        pk = next(str(field.column) for field in model._meta.concrete_fields if field.primary_key)
        with connection.cursor() as cursor:
            if self.copies:
                if model not in self._locked:
                    # Others' inserts wait until we commit, so nobody takes a number from the
                    # sequence between our nextval and setval: the block is ours alone.
                    cursor.execute(
                        f"LOCK TABLE {connection.ops.quote_name(table)} IN SHARE ROW EXCLUSIVE MODE"
                    )
                    self._locked.add(model)
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence(%s, %s), "
                    "nextval(pg_get_serial_sequence(%s, %s)) + %s - 1)",
                    [connection.ops.quote_name(table), pk] * 2 + [count],
                )
                high = cursor.fetchone()[0]
                return list(range(high - count + 1, high + 1))
            if model not in self._next_id:
                cursor.execute(
                    f"SELECT COALESCE(MAX({connection.ops.quote_name(pk)}), 0) + 1 "  # noqa: S608 - names from the model
                    f"FROM {connection.ops.quote_name(table)}"
                )
                self._next_id[model] = cursor.fetchone()[0]
        first = self._next_id[model]
        self._next_id[model] = first + count
        return list(range(first, first + count))

    def write(self, table: Table, rows: Sequence[tuple[Any, ...]]) -> int:
        if not rows:
            return 0
        if self.copies:
            self._copy(table, rows)
        else:
            table.model._default_manager.bulk_create(
                (table.model(**dict(zip(table.fields, row, strict=True))) for row in rows),
                batch_size=2000,
            )
        return len(rows)

    def _copy(self, table: Table, rows: Iterable[tuple[Any, ...]]) -> None:
        quote = connection.ops.quote_name
        json_positions = table.json_positions
        sql = (
            f"COPY {quote(table.model._meta.db_table)} "
            f"({', '.join(quote(column) for column in table.columns)}) FROM STDIN"
        )
        dumped: dict[int, str] = {}  # one dump per shared object (scores of equal answers)
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                if json_positions:
                    values = list(row)
                    for position in json_positions:
                        value = values[position]
                        text = dumped.get(id(value))
                        if text is None:
                            text = json.dumps(value)
                            if isinstance(value, dict | list) and value:
                                dumped[id(value)] = text
                        values[position] = text
                    copy.write_row(values)
                else:
                    copy.write_row(row)
