"""Many rows into one table in a few prepared statements.

Django's ``bulk_create`` prepares every value of every row through its field and, on
SQLite, splits the rows into statements of 999 parameters (about 50 ratings a
statement). These inserts take the values as they are, except dates, times and the
other types the database's adapter must turn into what the backend stores; rows go in
many to a statement (up to ``MAX_PARAMETERS`` values), or, when their ids are not
needed, through one ``executemany`` of one prepared INSERT; on PostgreSQL through one
``COPY``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from operator import attrgetter

from django.db import connection, models

# Values one statement carries: under SQLite's limit (32,766 since 3.32, read from the
# connection when it says) and PostgreSQL's (65,535).
MAX_PARAMETERS = 30_000

NEEDS_PREPARING = (models.DateField, models.TimeField, models.DecimalField, models.JSONField, models.UUIDField)


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _getter(fields: list[models.Field]):
    """A function from an object to the tuple of its ``fields``' values, prepared for the
    database where its adapter needs it (``attrgetter`` reads them in one C call)."""
    get = attrgetter(*[field.attname for field in fields])
    one = len(fields) == 1
    prepared = [(i, field) for i, field in enumerate(fields) if isinstance(field, NEEDS_PREPARING)]
    if not prepared:
        return (lambda obj: (get(obj),)) if one else get

    done: dict[tuple[int, object], object] = {}  # rows of a batch share their times: each prepared once

    def values(obj) -> tuple:
        row = [get(obj)] if one else list(get(obj))
        for i, field in prepared:
            value = row[i]
            if value is not None:  # NULL as it is, whatever the type
                try:
                    row[i] = done[i, value]
                except (KeyError, TypeError):  # not seen yet, or not hashable (JSON)
                    row[i] = field.get_db_prep_save(value, connection)
                    if len(done) < 10_000:
                        try:
                            done[i, value] = row[i]
                        except TypeError:
                            pass
        return tuple(row)

    return values


def _rows(fields: list[models.Field], objects: Sequence[models.Model]) -> list[tuple]:
    # ``auto_now_add``: the moment of the insert, one for all its rows.
    for field in fields:
        if getattr(field, "auto_now_add", False) and objects:
            now = field.pre_save(objects[0], add=True)
            for obj in objects[1:]:
                setattr(obj, field.attname, now)
    return [*map(_getter(fields), objects)]


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
    if connection.vendor == "postgresql":
        return _copy_postgresql(model, fields, objects, rows, returning_ids=returning_ids)
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


def insert_derived(model: type[models.Model], sources: Sequence[object], *, fixed: dict[str, object]) -> int:
    """Insert one row of ``model`` per object of ``sources`` without making instances:
    each column takes the source's attribute of the same name, or the value ``fixed``
    gives it (the same in every row). E.g. a history record of each of many rows, in
    one ``executemany``. Returns how many rows."""
    if not sources:
        return 0
    fields = _columns(model)
    varying = [field for field in fields if field.attname not in fixed]
    constant = [field for field in fields if field.attname in fixed]
    missing = set(fixed) - {field.attname for field in constant}
    if missing:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(missing))}")
    same = tuple(field.get_db_prep_save(fixed[field.attname], connection) if isinstance(field, NEEDS_PREPARING)
                 else fixed[field.attname] for field in constant)
    values = _getter(varying)
    rows = [values(source) + same for source in sources]
    if connection.vendor == "postgresql":
        return _copy_postgresql(model, varying + constant, sources, rows, returning_ids=False)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in varying + constant)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})", rows)
    return len(rows)


def _copy_postgresql(model: type[models.Model], fields: list[models.Field], objects: Sequence[object],
                     rows: list[tuple], *, returning_ids: bool) -> int:
    """The rows through one ``COPY`` (psycopg formats them in C). With ``returning_ids``
    the ids are taken from the table's sequence first, in one query, in order, and
    written with the rows: COPY returns nothing, and a statement of tens of thousands of
    placeholders costs more to parse on the client than the insert does."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [quote(field.column) for field in fields]
    with connection.cursor() as cursor:
        if returning_ids:
            pk = model._meta.pk.column
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
                           [model._meta.db_table, pk, len(rows)])
            ids = [new_id for (new_id,) in cursor.fetchall()]
            columns.insert(0, quote(pk))
            rows = [(new_id, *row) for new_id, row in zip(ids, rows, strict=True)]
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    if returning_ids:
        for obj, new_id in zip(objects, ids, strict=True):
            obj.pk = new_id
            obj._state.adding = False
            obj._state.db = connection.alias
    return len(rows)
