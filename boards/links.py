"""Public addresses of the boards.

With one jurisdiction (the usual case) the board lives at the site root: ``/``,
``/2026/03/``, ``/units/CXJD/``. A deployment that hosts several jurisdictions serves
the default one at the root (``BOARD_DEFAULT_JURISDICTION``, else the first active one)
and every other one under ``/j/<code>/``. Each URL name is registered twice, with and
without the ``jurisdiction`` argument; ``board_reverse`` picks the right one.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from departments.models import Jurisdiction
from departments.selectors import jurisdiction_default


def jurisdiction_kwargs(jurisdiction: Jurisdiction, default: Jurisdiction | None = None) -> dict[str, str]:
    """The URL arguments that select ``jurisdiction`` ({} for the default one)."""
    default = default if default is not None else jurisdiction_default()
    if default is not None and default.pk == jurisdiction.pk:
        return {}
    return {"jurisdiction": jurisdiction.code}


def board_reverse(name: str, jkw: dict[str, str], **kwargs) -> str:
    """``reverse("boards:<name>")`` for the jurisdiction that ``jkw`` selects."""
    return reverse(f"boards:{name}", kwargs={**jkw, **kwargs})


def edition_kwargs(year: int, month: int, revision: int | None = None) -> dict[str, int]:
    kwargs = {"year": year, "month": month}
    if revision is not None:
        kwargs["revision"] = revision
    return kwargs
