"""Reads of the published boards. Everything here starts from ``Edition`` (or
``PublishedYear``): a row exists only once the office has published it, so nothing
unpublished can come out of these functions."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet

from boards.models import Edition, EditionEntry, PublishedYear
from config.ids import value_from_path
from departments.models import Jurisdiction, Organisation
from ratings import rules

# What a page that serves a stored snapshot needs, and nothing more (the snapshots are large).
SNAPSHOT_FIELDS = ("id", "jurisdiction_id", "year", "month", "revision", "published_at", "html_sha256", "stage")


def editions_current(*, jurisdiction: Jurisdiction) -> QuerySet[Edition]:
    """Each month's latest revision."""
    return Edition.objects.filter(jurisdiction=jurisdiction, superseded_by__isnull=True)


def edition_latest(*, jurisdiction: Jurisdiction, fields: tuple[str, ...] | None = None) -> Edition | None:
    """The newest month's current revision: the home page and the lobby screen."""
    qs = editions_current(jurisdiction=jurisdiction).order_by("-year", "-month", "-revision")
    if fields:
        qs = qs.only(*fields)
    return qs.first()


def edition_get(
    *, jurisdiction: Jurisdiction, year: int, month: int, revision: int | None = None,
    fields: tuple[str, ...] | None = None,
) -> Edition | None:
    """A month's given revision, or its current one."""
    qs = Edition.objects.filter(jurisdiction=jurisdiction, year=year, month=month)
    qs = qs.filter(revision=revision) if revision is not None else qs.filter(superseded_by__isnull=True)
    if fields:
        qs = qs.only(*fields)
    return qs.first()


def edition_for_snapshot(
    *, jurisdiction: Jurisdiction, year: int | None = None, month: int | None = None, revision: int | None = None,
    body: str = "html",
) -> Edition | None:
    """What serving a stored page needs, in one query: a month's revision (or its current
    one; without a month, the latest month's), its stored ``body`` ("html" or
    "lobby_html") and the revision that replaced it, if any."""
    qs = Edition.objects.filter(jurisdiction=jurisdiction)
    if year is None:
        qs = qs.filter(superseded_by__isnull=True).order_by("-year", "-month", "-revision")
    else:
        qs = qs.filter(year=year, month=month)
        qs = qs.filter(revision=revision) if revision is not None else qs.filter(superseded_by__isnull=True)
    newer_fields = tuple(f"superseded_by__{name}" for name in SNAPSHOT_FIELDS)
    return qs.select_related("superseded_by").only(*SNAPSHOT_FIELDS, body, *newer_fields).first()


def edition_newer_loaded(edition: Edition) -> Edition | None:
    """The newer revision, if the query that loaded ``edition`` found one (without a query
    when it was loaded by ``edition_for_snapshot``; the latest edition has none)."""
    try:
        return edition.superseded_by
    except Edition.DoesNotExist:
        return None


def edition_newer(*, edition: Edition) -> Edition | None:
    """The revision that replaced this one, if any."""
    return Edition.objects.filter(supersedes_id=edition.pk).only(*SNAPSHOT_FIELDS).first()


def edition_entries(*, edition: Edition) -> QuerySet[EditionEntry]:
    return edition.entries.order_by("board", "position")


def edition_last_modified(*, jurisdiction: Jurisdiction):
    """When anything public of this jurisdiction last changed (for conditional GETs)."""
    times = [
        Edition.objects.filter(jurisdiction=jurisdiction).aggregate(at=Max("published_at"))["at"],
        PublishedYear.objects.filter(jurisdiction=jurisdiction).aggregate(at=Max("published_at"))["at"],
    ]
    times = [t for t in times if t is not None]
    return max(times) if times else None


# The archive ---------------------------------------------------------------------------


@dataclass
class ArchiveMonth:
    year: int
    month: int
    current: Edition
    earlier: list[Edition] = field(default_factory=list)  # superseded revisions, newest first


@dataclass
class ArchiveYear:
    year: int
    months: list[ArchiveMonth]
    table: PublishedYear | None = None

    @property
    def red_flags(self) -> int:
        return sum(m.current.red_flags for m in self.months)

    @property
    def yellow_lights(self) -> int:
        return sum(m.current.yellow_lights for m in self.months)

    @property
    def red_lights(self) -> int:
        return sum(m.current.red_lights for m in self.months)


def archive(*, jurisdiction: Jurisdiction, year: int | None = None) -> list[ArchiveYear]:
    """Every published month (newest first), each with its current revision and the
    superseded ones, grouped by year, with the year's published table if any."""
    qs = (
        Edition.objects.filter(jurisdiction=jurisdiction)
        .defer("html", "lobby_html")
        .select_related("superseded_by")
        .order_by("-year", "-month", "-revision")
    )
    if year is not None:
        qs = qs.filter(year=year)
    months: dict[tuple[int, int], ArchiveMonth] = {}
    for edition in qs:
        key = (edition.year, edition.month)
        if key not in months:
            months[key] = ArchiveMonth(edition.year, edition.month, current=edition)
        else:
            months[key].earlier.append(edition)
    tables = {t.year: t for t in years_published(jurisdiction=jurisdiction)}
    years: dict[int, ArchiveYear] = {}
    for (y, _m), item in months.items():
        years.setdefault(y, ArchiveYear(y, [], tables.get(y))).months.append(item)
    for y, table in tables.items():
        if (year is None or y == year) and y not in years:
            years[y] = ArchiveYear(y, [], table)
    return [years[y] for y in sorted(years, reverse=True)]


def editions_for_feed(*, jurisdiction: Jurisdiction, limit: int = 50) -> QuerySet[Edition]:
    """Every revision, newest publication first (a correction is news too)."""
    return (
        Edition.objects.filter(jurisdiction=jurisdiction)
        .defer("html", "lobby_html")
        .select_related("supersedes")
        .order_by("-published_at", "-pk")[:limit]
    )


def editions_index(*, jurisdiction: Jurisdiction) -> QuerySet[Edition]:
    """All revisions for the open-data index, newest month first."""
    return (
        Edition.objects.filter(jurisdiction=jurisdiction)
        .defer("html", "lobby_html")
        .select_related("superseded_by", "supersedes")
        .order_by("-year", "-month", "-revision")
    )


# Units ---------------------------------------------------------------------------------


def unit_public(*, jurisdiction: Jurisdiction, code: str) -> Organisation | None:
    # A code from the address that no organisation can have (a NUL byte, which PostgreSQL
    # refuses in a query; longer than the column) names none.
    if value_from_path(Organisation._meta.get_field("code"), code) is None:
        return None
    return Organisation.objects.filter(jurisdiction=jurisdiction, code=code, is_unit=True).first()


@dataclass
class UnitMonth:
    edition: Edition
    entries: list[EditionEntry]


@dataclass
class UnitHistory:
    unit: Organisation
    months: list[UnitMonth]
    red_flags: int = 0
    yellow_lights: int = 0
    red_lights: int = 0


def unit_history(*, unit: Organisation) -> UnitHistory:
    """A unit's published flags and lights, month by month (current revisions only)."""
    entries = (
        EditionEntry.objects.filter(unit=unit, edition__superseded_by__isnull=True)
        .select_related("edition")
        .defer("edition__html", "edition__lobby_html")
        .order_by("-edition__year", "-edition__month", "board", "position")
    )
    months: dict[int, UnitMonth] = {}
    history = UnitHistory(unit=unit, months=[])
    for entry in entries:
        months.setdefault(entry.edition_id, UnitMonth(entry.edition, [])).entries.append(entry)
        if entry.outcome == rules.RED_FLAG:
            history.red_flags += 1
        elif entry.outcome == rules.YELLOW_LIGHT:
            history.yellow_lights += 1
        else:
            history.red_lights += 1
    history.months = list(months.values())
    return history


@dataclass(frozen=True)
class UnitSummary:
    unit_id: int
    code: str
    name: str
    category: str
    red_flags: int
    yellow_lights: int
    red_lights: int


def units_published(*, jurisdiction: Jurisdiction) -> list[UnitSummary]:
    """Every unit that appears on a current edition, with its totals, by category and code."""
    rows = (
        EditionEntry.objects.filter(edition__jurisdiction=jurisdiction, edition__superseded_by__isnull=True)
        .values("unit_id", "unit__code", "unit__name", "unit__category__name", "unit__category__order")
        .annotate(
            red_flags=Count("pk", filter=Q(outcome=rules.RED_FLAG)),
            yellow_lights=Count("pk", filter=Q(outcome=rules.YELLOW_LIGHT)),
            red_lights=Count("pk", filter=Q(outcome=rules.RED_LIGHT)),
        )
        .order_by("unit__category__order", "unit__code")
    )
    return [
        UnitSummary(
            unit_id=row["unit_id"], code=row["unit__code"], name=row["unit__name"],
            category=row["unit__category__name"] or "", red_flags=row["red_flags"],
            yellow_lights=row["yellow_lights"], red_lights=row["red_lights"],
        )
        for row in rows
    ]


def units_by_category(summaries: list[UnitSummary]) -> list[tuple[str, list[UnitSummary]]]:
    groups: dict[str, list[UnitSummary]] = defaultdict(list)
    for summary in summaries:
        groups[summary.category].append(summary)
    return list(groups.items())


# The year-end table ----------------------------------------------------------------------


def years_published(*, jurisdiction: Jurisdiction) -> QuerySet[PublishedYear]:
    return (
        PublishedYear.objects.filter(jurisdiction=jurisdiction, superseded_by__isnull=True)
        .defer("html", "rows")
        .order_by("-year")
    )


def year_published(*, jurisdiction: Jurisdiction, year: int, revision: int | None = None) -> PublishedYear | None:
    qs = PublishedYear.objects.filter(jurisdiction=jurisdiction, year=year)
    qs = qs.filter(revision=revision) if revision is not None else qs.filter(superseded_by__isnull=True)
    return qs.first()


def year_newer(*, table: PublishedYear) -> PublishedYear | None:
    return PublishedYear.objects.filter(supersedes_id=table.pk).defer("html", "rows").first()
