"""An id in an address: the row it names, or nothing.

An address names a row by its primary key written exactly as the site writes it
(``str(pk)``: ``12``). Anything else names nothing, and is refused before a query is
built: a number no column can hold (SQLite raises ``OverflowError`` past 2**63-1,
PostgreSQL ``NumericValueOutOfRange`` past the column's range), letters, ``1.5``, a NUL
byte (which PostgreSQL cannot take in a query), more digits than ``int()`` reads, and
the spellings ``int()`` would accept for another row's id: full-width digits from a
Chinese input method (``１２``), ``012``, ``+12``, `` 12``.

The admin's pages go through ``departments.admin.ObjectNotFoundMixin.get_object``, the
history pages through ``ScopedHistoryMixin``; a view that reads an id from its path
calls ``pk_from_path`` (or ``value_from_path`` for another field) and answers 404 when
it gives ``None``.

Ids reach queries other ways too: a list's filters (``?unit__id__exact=…``), the ids a
list action or an export posts, a form's choices. Django already lets an integer beyond
the column's range match nothing in ``exact``, ``lt``, ``gt``… on an integer field; the
lookups below (``register_range_checks``, from ``DepartmentsConfig.ready``) do the same
for ``in`` and for a foreign key's ``exact`` and ``in``, where SQLite would raise
``OverflowError`` binding the value.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldError, ValidationError
from django.db import connections, models, router
from django.db.models.fields.related import ForeignObject
from django.db.models.fields.related_lookups import RelatedExact, RelatedIn
from django.db.models.lookups import In

# A 64-bit integer column, for an integer type the database backend does not list.
BIGINT_RANGE = (-(2**63), 2**63 - 1)


def value_from_path(field: models.Field, text: Any, *, model: type[models.Model] | None = None) -> Any:
    """The value of ``field`` that ``text`` (from an address, already unquoted) writes,
    or ``None`` when it writes none the way the site would."""
    if not isinstance(text, str) or not text or "\x00" in text:
        return None
    target = getattr(field, "target_field", None) if field.is_relation else field
    if target is None:
        return None
    model = model or field.model
    try:
        value = target.to_python(text)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return None
    if value is None:
        return None
    if isinstance(target, models.IntegerField):
        if str(value) != text:  # １２, 012, +12, " 12": not how the site writes an id
            return None
        low, high = _integer_range(target, model)
        return value if low <= value <= high else None
    if isinstance(value, uuid.UUID):
        return value if str(value) == text.lower() else None
    max_length = getattr(target, "max_length", None)
    if max_length is not None and len(value) > max_length:
        return None
    return value


def pk_from_path(model: type[models.Model], text: Any) -> Any:
    """The primary key of ``model`` that ``text`` names, or ``None``."""
    return value_from_path(model._meta.pk, text, model=model)


def _integer_range(field: models.IntegerField, model: type[models.Model]) -> tuple[int, int]:
    connection = connections[router.db_for_read(model)]
    try:
        low, high = connection.ops.integer_field_range(field.get_internal_type())
    except KeyError:
        return BIGINT_RANGE
    return (BIGINT_RANGE[0] if low is None else low, BIGINT_RANGE[1] if high is None else high)


# Lookups: an integer beyond the column's range matches no row ------------------------------


class OutOfRangeMatchesNothing:
    """For a lookup on an integer column (or a foreign key to one): a value the column
    cannot hold is dropped, and with nothing left the lookup matches no row."""

    def _column_range(self, connection) -> tuple[int, int] | None:
        field = self.lhs.output_field
        if field.is_relation:
            try:
                field = field.target_field
            except (AttributeError, FieldError):  # a multi-column relation
                return None
        if not isinstance(field, models.IntegerField):
            return None
        try:
            low, high = connection.ops.integer_field_range(field.get_internal_type())
        except KeyError:
            low, high = BIGINT_RANGE
        return (BIGINT_RANGE[0] if low is None else low, BIGINT_RANGE[1] if high is None else high)

    def _fits(self, value, bounds: tuple[int, int]) -> bool:
        return not isinstance(value, int) or bounds[0] <= value <= bounds[1]

    def process_rhs(self, compiler, connection):
        bounds = self._column_range(connection) if self.rhs_is_direct_value() else None
        if bounds is not None:
            if isinstance(self.rhs, (list, tuple, set, frozenset)):
                kept = [value for value in self.rhs if self._fits(value, bounds)]
                if not kept and self.rhs:
                    raise EmptyResultSet
                self.rhs = kept
            elif not self._fits(self.rhs, bounds):
                raise EmptyResultSet
        return super().process_rhs(compiler, connection)


class IntegerFieldIn(OutOfRangeMatchesNothing, In):
    pass


class RelatedExactInRange(OutOfRangeMatchesNothing, RelatedExact):
    pass


class RelatedInInRange(OutOfRangeMatchesNothing, RelatedIn):
    pass


def register_range_checks() -> None:
    models.IntegerField.register_lookup(IntegerFieldIn)
    ForeignObject.register_lookup(RelatedExactInRange)
    ForeignObject.register_lookup(RelatedInInRange)
