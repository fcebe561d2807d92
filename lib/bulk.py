"""Many rows into one table in a few prepared statements.

Django's ``bulk_create`` prepares every value of every row through its field and, on
SQLite, splits the rows into statements of 999 parameters (about 50 ratings a
statement). These inserts take the values as they are, except dates, times and the
other types the database's adapter must turn into what the backend stores; rows go in
many to a statement (up to ``MAX_PARAMETERS`` values), or, when their ids are not
needed, through one ``executemany`` of one prepared INSERT."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from django.db import connection, models

# Values one statement carries: under SQLite's limit (32,766 since 3.32, read from the
# connection when it says) and PostgreSQL's (65,535).
MAX_PARAMETERS = 30_000

NEEDS_PREPARING = (models.DateField, models.TimeField, models.DecimalField, models.JSONField, models.UUIDField)


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _rows(fields: list[models.Field], objects: Sequence[models.Model]) -> list[tuple]:
    prepared = [
        (lambda value, field=field: field.get_db_prep_save(value, connection)) if isinstance(field, NEEDS_PREPARING)
        else None
        for field in fields
    ]
    stamped = [field for field in fields if getattr(field, "auto_now_add", False)]
    rows = []
    for obj in objects:
        for field in stamped:
            field.pre_save(obj, add=True)
        rows.append(tuple(
            getattr(obj, field.attname) if prepare is None else prepare(getattr(obj, field.attname))
            for field, prepare in zip(fields, prepared)
        ))
    return rows


def _parameters_per_statement() -> int:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return min(MAX_PARAMETERS, limit)
    return MAX_PARAMETERS


def insert_rows(model: type[models.Model], objects: Sequence[models.Model], *, returning_ids: bool = False) -> int:
    """Insert ``objects`` (unsaved instances of ``model``); ``auto_now_add`` fields are
    stamped. With ``returning_ids`` each object gets its new id, in order, as
    ``bulk_create`` gives it (RETURNING, on PostgreSQL and SQLite ≥ 3.35). Returns how
    many rows."""
    fields = _columns(model)
    rows = _rows(fields, objects)
    if not rows:
        return 0
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    row_marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        if not returning_ids:
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES {row_marks}", rows)
            return len(rows)
        pk = quote(model._meta.pk.column)
        per_statement = max(1, _parameters_per_statement() // len(fields))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_marks] * len(chunk))} RETURNING {pk}",
                [value for row in chunk for value in row],
            )
            for obj, (new_id,) in zip(objects[start:start + per_statement], cursor.fetchall(), strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = connection.alias
    return len(rows)
