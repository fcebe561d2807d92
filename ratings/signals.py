"""What the ratings tell the readers above them.

``figures_changed`` is sent once the transaction that made it commits, with the
``jurisdiction_ids`` whose figures of closed months may have moved: a month closed or
published, a rating changed on review, a year rolled up (a province's roll-up sends
all its districts at once). Readers that keep what they computed from closed months
(the dashboard) compute it again then, instead of making the next reader wait. A
receiver's failure is logged and never undoes the change.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

figures_changed = Signal()


def figures_changed_on_commit(*, jurisdiction_ids: Iterable[int]) -> None:
    ids = tuple(jurisdiction_ids)
    transaction.on_commit(lambda: figures_changed.send_robust(sender=None, jurisdiction_ids=ids), robust=True)
