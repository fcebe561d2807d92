"""Publishing the boards. Every write of ``boards`` goes through here; the admin, the
command and the tasks call these functions.

- ``edition_publish``: a closed month becomes an immutable edition (page, lobby screen,
  PDF, checksums) and the month is marked published. Same content as the current
  revision: nothing new is made. Changed content (the office reopened the month and
  corrected it): a new revision, which must say what was corrected.
- 公示 (notice stage): when the year's rule book has ``publish_as_notice``, a month's
  first edition is a 公示稿 (``Stage.NOTICE``) whose notice period ends
  ``notice_period_days`` working days after its publication day (``notice_until``).
  Corrections during the notice stay 公示稿 with the same end. Once the period has
  ended the office publishes the 正式版 (``final=True``): a new revision that replaces
  the 公示稿; its note is required only if the content changed meanwhile. After the
  正式版, publications are corrections as without the setting. The 公示稿 is the month's
  first publication (the month is 已发布; review requests count from it).
- ``publish_run_*``: the same, as a run the office watches in the admin.
- ``editions_publish_pending``: what the scheduled task does each month.
- ``year_publish``: the year-end table, once the roll-up covers the whole year.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from boards import selectors
from boards.links import board_reverse, edition_kwargs, jurisdiction_kwargs
from boards.models import Board, Edition, EditionEntry, PublishedYear, PublishRun, Stage, edition_pdf_path
from boards.render import BoardContent, EditionInfo, day_label, edition_render, sha256
from boards.snapshots import generation_bump
from config.queue import QueueUnavailable, enqueue
from departments.models import Jurisdiction
from departments.roles import is_office
from assessment import selectors as assessment_selectors
from ratings import publication, rules
from ratings.models import Period, RuleBook
from notifications.services import in_site_language
from ratings.services import period_mark_published, when, who
from workdays.selectors import CalendarUnknownYear, working_day_add

logger = logging.getLogger(__name__)

Progress = Callable[[str, int], None]

# Steps of a publication, as the office's progress page names them (see boards.admin).
STEP_COLLECT = "collect"
STEP_RENDER = "render"
STEP_SAVE = "save"
STEP_DONE = "done"

ATTEMPTS = 3  # the month changed while we rendered: try again, then give up


class NoteRequired(ValidationError):
    """The month's board differs from its published revision: a correction needs a note."""


class PublishInProgress(ValidationError):
    """Someone started publishing the month already and it has not finished: ``run`` is
    that run, whose progress the second person is sent to."""

    def __init__(self, message: str, run: PublishRun):
        super().__init__(message, code="publish_in_progress")
        self.run = run


# A run that has not finished after this long was lost (its worker died and the broker
# gave its message up: Redis' visibility timeout is 30 minutes); it no longer holds the
# month, and the next run records it as failed.
RUN_ABANDONED_AFTER = timedelta(minutes=30)


@dataclass(frozen=True)
class PublishResult:
    edition: Edition
    created: bool  # False: the content was already published as this edition


def _require_office(by, jurisdiction_id: int) -> None:
    """``by=None`` is a command or a scheduled task acting for the office."""
    if by is None:
        return
    profile = getattr(by, "profile", None)
    same = profile.jurisdiction_id == jurisdiction_id if profile else bool(getattr(by, "is_superuser", False))
    if not (is_office(by) and same):
        raise PermissionDenied(_("只有效能办可以发布亮榜"))


def _no_progress(step: str, percent: int) -> None:
    return None


# Content ---------------------------------------------------------------------------------


def board_digest(board: publication.MonthBoard) -> str:
    """The checksum of what the public would read: names, kinds, escalations, reasons,
    in board order. Internal ids are left out, so re-entering an identical rating does
    not make a new revision."""
    rows = [
        {k: v for k, v in asdict(row).items() if k not in ("rating_id", "unit_id")}
        for row in board.rows
    ]
    payload = {"jurisdiction": board.jurisdiction_name, "year": board.year, "month": board.month, "rows": rows}
    return sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")))


def board_entries(board: publication.MonthBoard) -> tuple[list[EditionEntry], list[EditionEntry]]:
    """The board's lines as (unsaved) entries: the templates render these, and they are
    what the edition stores."""

    def entry(row: publication.BoardRow, position: int) -> EditionEntry:
        return EditionEntry(
            board=Board.HONOUR if row.board == publication.HONOUR else Board.WARNING,
            position=position,
            rating_id=row.rating_id,
            unit_id=row.unit_id,
            unit_code=row.unit_code,
            unit_name=row.unit_name,
            category=row.category,
            department_code=row.department_code,
            department_name=row.department_name,
            outcome=row.outcome,
            entered_kind=row.entered_kind,
            escalation=row.escalation,
            escalated_after=row.escalated_after,
            criterion_code=row.criterion_code,
            criterion_text=row.criterion_text,
            reason=row.reason,
        )

    honour = [entry(row, i) for i, row in enumerate(board.honour, start=1)]
    warning = [entry(row, i) for i, row in enumerate(board.warning, start=1)]
    return honour, warning


@dataclass(frozen=True)
class Preview:
    """What publishing a month now would do, for the office's confirmation page."""

    period: Period
    current: Edition | None
    changed: bool  # differs from the current revision (or nothing is published yet)
    red_flags: int
    yellow_lights: int
    red_lights: int
    final: bool = False  # publishing the 正式版 that replaces the 公示稿
    stage: str = Stage.FINAL  # what the new revision would be
    notice_until: date | None = None
    problem: str = ""  # why publishing would be refused now (a calendar not known)

    @property
    def needs_note(self) -> bool:
        return self.current is not None and self.changed

    @property
    def makes_revision(self) -> bool:
        return self.changed or self.final


def edition_preview(*, period: Period, final: bool = False, now: datetime | None = None) -> Preview:
    """Raises ValidationError for an open month and for a 正式版 that may not be
    published yet; a notice period the calendar cannot count is ``problem``."""
    board = _board_or_error(period)
    current = selectors.edition_get(jurisdiction=period.jurisdiction, year=period.year, month=period.month)
    counts = _counts(board)
    problem = ""
    try:
        plan = stage_plan(period=period, current=current, published_at=now or timezone.now(), final=final)
    except CalendarUnknownYear as exc:
        plan, problem = StagePlan(stage=Stage.NOTICE, notice_until=None), _refusal_text(exc)
    return Preview(
        period=period, current=current, changed=current is None or current.content_sha256 != board_digest(board),
        red_flags=counts[rules.RED_FLAG], yellow_lights=counts[rules.YELLOW_LIGHT], red_lights=counts[rules.RED_LIGHT],
        final=final, stage=plan.stage, notice_until=plan.notice_until, problem=problem,
    )


def _refusal_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


# The notice stage (公示) -----------------------------------------------------------------------


@dataclass(frozen=True)
class StagePlan:
    """What the next revision of a month would be: 公示稿 (until when) or 正式版."""

    stage: str
    notice_until: date | None = None


def notice_setting(*, jurisdiction_id: int, year: int) -> tuple[bool, int]:
    """(publish as 公示稿 first?, the notice period in working days) from the year's rule book."""
    book = (
        RuleBook.objects.filter(jurisdiction_id=jurisdiction_id, year=year)
        .only("publish_as_notice", "notice_period_days").first()
    )
    if book is None:
        return False, RuleBook._meta.get_field("notice_period_days").default
    return book.publish_as_notice, book.notice_period_days


def notice_end(*, published_on: date, days: int) -> date:
    """The last day of a notice period that starts on ``published_on`` (not counted).
    Raises ``CalendarUnknownYear`` for a year whose working days nobody knows."""
    return working_day_add(start=published_on, days=days)


def stage_plan(*, period: Period, current: Edition | None, published_at: datetime, final: bool) -> StagePlan:
    """The stage of the revision publishing ``period`` at ``published_at`` would make.

    ``final``: the 正式版 replacing the month's 公示稿, refused (with the date) while the
    notice period runs, and when there is no 公示稿 to replace."""
    today = timezone.localdate(published_at)
    if final:
        if current is None or not current.is_notice:
            if current is None:
                message = _("%(period)s 尚未发布公示稿，不能发布正式版") % {"period": period.label}
            else:
                message = _("%(period)s 已发布正式版（第 %(revision)d 版），如需更正请重新发布") % {
                    "period": period.label, "revision": current.revision}
            raise ValidationError(message, code="no_notice")
        if today <= current.notice_until:
            raise ValidationError(
                _("%(period)s 的公示期至 %(date)s，公示期满后方可发布正式版") % {
                    "period": period.label, "date": day_label(current.notice_until)},
                code="notice_running",
            )
        return StagePlan(stage=Stage.FINAL)
    if current is not None:
        # A correction of the 公示稿 during its notice period keeps the period's end.
        return StagePlan(stage=current.stage, notice_until=current.notice_until if current.is_notice else None)
    as_notice, days = notice_setting(jurisdiction_id=period.jurisdiction_id, year=period.year)
    if not as_notice:
        return StagePlan(stage=Stage.FINAL)
    return StagePlan(stage=Stage.NOTICE, notice_until=notice_end(published_on=today, days=days))


def _counts(board: publication.MonthBoard) -> dict[str, int]:
    counts = {rules.RED_FLAG: 0, rules.YELLOW_LIGHT: 0, rules.RED_LIGHT: 0}
    for row in board.rows:
        counts[row.outcome] += 1
    return counts


def _open_month_error(period: Period) -> ValidationError:
    return ValidationError(
        _("%(period)s 尚未关账，不能发布；请先审核完该月的认定并关账") % {"period": period.label},
        code="period_open",
    )


def _board_or_error(period: Period) -> publication.MonthBoard:
    try:
        return publication.month_board(period=period)
    except publication.MonthNotClosed:
        raise _open_month_error(period) from None


# Publishing a month ------------------------------------------------------------------------


def edition_publish(
    *, period: Period, by=None, note: str = "", now: datetime | None = None, progress: Progress | None = None,
    final: bool = False,
) -> PublishResult:
    """Publish a closed month's 红旗榜 and 亮灯榜 (see the module's docstring); ``final``:
    the 正式版 that replaces the month's 公示稿 once its notice period has ended."""
    progress = progress or _no_progress
    note = (note or "").strip()
    _require_office(by, period.jurisdiction_id)
    jurisdiction = Jurisdiction.objects.get(pk=period.jurisdiction_id)
    for _attempt in range(ATTEMPTS):
        progress(STEP_COLLECT, 5)
        board = _board_or_error(period)
        digest = board_digest(board)
        current = selectors.edition_get(jurisdiction=jurisdiction, year=board.year, month=board.month)
        published_at = now or timezone.now()
        plan = stage_plan(period=period, current=current, published_at=published_at, final=final)
        changed = current is None or current.content_sha256 != digest
        if not changed and not final:
            _mark_published(period, by, current)
            progress(STEP_DONE, 100)
            return PublishResult(edition=current, created=False)
        if current is not None and changed and not note:
            raise NoteRequired(
                _("%(period)s 已发布第 %(revision)d 版，现在的内容与之不同：发布更正版本须填写更正说明")
                % {"period": period.label, "revision": current.revision},
                code="note_required",
            )
        if not changed:
            note = ""  # the 正式版 of an unchanged 公示稿 corrects nothing

        revision = current.revision + 1 if current else 1
        honour, warning = board_entries(board)
        counts = _counts(board)
        info = EditionInfo(
            jurisdiction_name=board.jurisdiction_name, year=board.year, month=board.month, revision=revision,
            published_at=published_at, correction_note=note if current else "",
            supersedes_revision=current.revision if current else None,
            red_flags=counts[rules.RED_FLAG], yellow_lights=counts[rules.YELLOW_LIGHT],
            red_lights=counts[rules.RED_LIGHT], issuing_office=jurisdiction.issuing_office,
            stage=plan.stage, notice_until=plan.notice_until, supersedes_stage=current.stage if current else "",
        )
        progress(STEP_RENDER, 20)
        rendered = edition_render(
            BoardContent(info=info, honour=honour, warning=warning, jkw=jurisdiction_kwargs(jurisdiction),
                         content_sha256=digest),
            lobby_key=lobby_key(board.year, board.month, revision),
        )
        progress(STEP_SAVE, 85)
        edition = _edition_store(period, current, digest, info, rendered, honour + warning, by)
        if edition is not None:
            if current is not None:
                _notify_corrected(before=current, after=edition, note=note)
            progress(STEP_DONE, 100)
            logger.info("published %s %s revision %s", jurisdiction.code, period.label, revision)
            return PublishResult(edition=edition, created=True)
    raise ValidationError(_("发布过程中该月的认定又有变化，请稍后再试"), code="changed_meanwhile")


def _entry_key(entry: EditionEntry) -> tuple:
    return (entry.board, entry.rating_id, entry.outcome, entry.entered_kind, entry.escalation, entry.criterion_code,
            entry.reason, entry.department_code)


@in_site_language
def _notify_corrected(*, before: Edition, after: Edition, note: str) -> None:
    """更正发布: tell the staff of each unit whose lines differ between the two revisions."""
    from django.contrib.auth import get_user_model

    from departments import roles
    from notifications import services as notifications

    lines: dict[int, list[set]] = {}
    for index, edition in enumerate((before, after)):
        for entry in EditionEntry.objects.filter(edition=edition):
            lines.setdefault(entry.unit_id, [set(), set()])[index].add(_entry_key(entry))
    units = [unit_id for unit_id, (old, new) in lines.items() if old != new]
    if not units:
        return
    month = _("%(year)d年%(month)d月") % {"year": after.year, "month": after.month}
    link = board_reverse("edition_revision", jurisdiction_kwargs(after.jurisdiction),
                         **edition_kwargs(after.year, after.month, after.revision))
    staff = get_user_model().objects.filter(
        is_active=True, groups__name=roles.UNIT_STAFF, profile__unit_id__in=units,
    ).distinct()
    notifications.notify(
        recipients=staff, kind="correction_published",
        title=_("%(month)s效能亮榜发布更正版（第 %(revision)d 版），涉及本单位") % {"month": month, "revision": after.revision},
        body=note, link=link,
    )


def lobby_key(year: int, month: int, revision: int) -> str:
    """What the lobby screen compares with the latest edition to know it must reload."""
    return f"{year}-{month:02d}-r{revision}"


def _edition_store(
    period: Period, current: Edition | None, digest: str, info: EditionInfo, rendered, entries: list[EditionEntry], by,
) -> Edition | None:
    """Save the edition if the month is still what was rendered; None to render again."""
    with transaction.atomic():
        locked = Period.objects.select_for_update().get(pk=period.pk)
        if locked.status not in publication.PUBLISHABLE:
            raise _open_month_error(locked)  # reopened meanwhile
        if board_digest(publication.month_board(period=locked)) != digest:
            return None
        latest = selectors.edition_get(jurisdiction=locked.jurisdiction, year=locked.year, month=locked.month)
        if (latest.pk if latest else None) != (current.pk if current else None):
            return None  # someone else published meanwhile
        edition = Edition(
            jurisdiction_id=locked.jurisdiction_id, period=locked, year=locked.year, month=locked.month,
            revision=info.revision, supersedes=current, correction_note=info.correction_note,
            stage=info.stage, notice_until=info.notice_until,
            jurisdiction_name=info.jurisdiction_name, red_flags=info.red_flags, yellow_lights=info.yellow_lights,
            red_lights=info.red_lights, html=rendered.html, lobby_html=rendered.lobby_html,
            pdf_size=len(rendered.pdf), html_sha256=rendered.html_sha256, pdf_sha256=rendered.pdf_sha256,
            content_sha256=digest, published_at=info.published_at, published_by=by,
        )
        _unheld_pdfs_remove(edition)
        edition.pdf.save("board.pdf", ContentFile(rendered.pdf), save=False)
        try:
            edition.save()
            for entry in entries:
                entry.edition = edition
            EditionEntry.objects.bulk_create(entries, batch_size=500)
            _mark_published(locked, by, edition)
            transaction.on_commit(generation_bump)
        except BaseException:
            edition.pdf.storage.delete(edition.pdf.name)
            raise
    return edition


def _unheld_pdfs_remove(edition: Edition) -> None:
    """A worker killed between saving an edition's PDF and committing leaves the file
    without its edition; the task, delivered again, would add a second one. Under the
    month's lock no other attempt is half-way, so PDFs of this month and revision that
    no edition holds are such leftovers: remove them."""
    storage = Edition._meta.get_field("pdf").storage
    folder, _slash, own = edition_pdf_path(edition, "board.pdf").rpartition("/")
    prefix = own.removesuffix(f"{edition.pdf_sha256[:12]}.pdf")
    try:
        names = storage.listdir(folder)[1]
    except FileNotFoundError:
        return
    held = set(Edition.objects.filter(pdf__startswith=f"{folder}/{prefix}").values_list("pdf", flat=True))
    for name in names:
        if name.startswith(prefix) and f"{folder}/{name}" not in held:
            logger.warning("removing %s/%s, left by a publication that did not finish", folder, name)
            storage.delete(f"{folder}/{name}")


def _mark_published(period: Period, by, edition: Edition) -> None:
    if period.status != Period.Status.PUBLISHED:
        period_mark_published(
            period=period, by=by, note=_("发布第 %(revision)d 版") % {"revision": edition.revision}
        )


@dataclass(frozen=True)
class PendingOutcome:
    period: Period
    edition: Edition | None
    created: bool
    problem: str = ""


def editions_publish_pending(*, now: datetime | None = None) -> list[PendingOutcome]:
    """Publish every closed month that is not (or no longer) published. A month whose
    content differs from its published revision needs the office's correction note, so
    it is left for the office and reported."""
    outcomes = []
    for period in publication.periods_awaiting_publication():
        try:
            result = edition_publish(period=period, by=None, now=now)
        except ValidationError as exc:
            problem = "；".join(exc.messages)
            logger.warning("scheduled publication skipped %s: %s", period.label, problem)
            outcomes.append(PendingOutcome(period=period, edition=None, created=False, problem=problem))
        else:
            outcomes.append(PendingOutcome(period=period, edition=result.edition, created=result.created))
    return outcomes


# Runs the office watches -------------------------------------------------------------------


def publish_run_start(*, period: Period, by, note: str = "", final: bool = False) -> PublishRun:
    """Check what can be checked at once, record the run, and queue the publication
    (``final``: the 正式版 replacing the 公示稿).

    One run per month at a time: a second click, or a colleague publishing the same month,
    is refused with ``PublishInProgress`` while the first has not finished. (A run that
    finds the month already published with the same content makes no new edition.)"""
    _require_office(by, period.jurisdiction_id)
    note = (note or "").strip()
    preview = edition_preview(period=period, final=final)
    if preview.problem:
        raise ValidationError(preview.problem, code="calendar_unknown_year")
    if preview.needs_note and not note:
        raise NoteRequired(
            _("%(period)s 已发布第 %(revision)d 版，现在的内容与之不同：发布更正版本须填写更正说明")
            % {"period": period.label, "revision": preview.current.revision},
            code="note_required",
        )
    from boards.tasks import publish_run_task

    with transaction.atomic():
        # The month's lock makes two starts at once take turns: the second sees the first's run.
        Period.objects.select_for_update().filter(pk=period.pk).values_list("pk", flat=True).get()
        unfinished = PublishRun.objects.filter(
            period_id=period.pk, status__in=(PublishRun.Status.QUEUED, PublishRun.Status.RUNNING),
        ).select_related("created_by").order_by("created_at", "pk")
        now = timezone.now()
        for other in unfinished:
            if other.created_at >= now - RUN_ABANDONED_AFTER:
                raise PublishInProgress(
                    _("%(period)s 正在发布中（%(who)s 于 %(when)s 发起），请等待该次发布完成，无需重复操作")
                    % {"period": period.label, "who": who(other.created_by), "when": when(other.created_at)},
                    run=other,
                )
            publish_run_fail(run_id=other.pk, error=_("超过 %(minutes)d 分钟未完成，视为中断，已由新的发布任务取代") % {
                "minutes": RUN_ABANDONED_AFTER.seconds // 60})
        run = PublishRun.objects.create(
            jurisdiction_id=period.jurisdiction_id, period=period, note=note, final=final, created_by=by,
        )
        transaction.on_commit(lambda: _queue(run.pk, publish_run_task))
    return run


def _queue(run_id: int, task) -> None:
    # With the broker down the run is marked failed with the reason and the caller is
    # told (QueueUnavailable), rather than left queued for a task that was never sent.
    try:
        result = enqueue(task, args=[run_id])
    except QueueUnavailable as exc:
        publish_run_fail(run_id=run_id, error=str(exc))
        raise
    # Eager tasks have finished by now; a worker's run records its id for the admin.
    PublishRun.objects.filter(pk=run_id, task_id="").update(task_id=str(getattr(result, "id", "") or ""))


def publish_run_execute(*, run_id: int) -> PublishRun:
    run = PublishRun.objects.select_related("period", "created_by").get(pk=run_id)
    if run.is_finished:
        return run
    PublishRun.objects.filter(pk=run.pk).update(status=PublishRun.Status.RUNNING, started_at=timezone.now(), error="")

    def progress(step: str, percent: int) -> None:
        PublishRun.objects.filter(pk=run.pk).update(step=step, percent=percent)

    result = edition_publish(period=run.period, by=run.created_by, note=run.note, progress=progress, final=run.final)
    PublishRun.objects.filter(pk=run.pk).update(
        status=PublishRun.Status.DONE, step=STEP_DONE, percent=100, edition=result.edition,
        created_edition=result.created, finished_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def publish_run_fail(*, run_id: int, error: str) -> None:
    PublishRun.objects.filter(pk=run_id).update(
        status=PublishRun.Status.FAILED, error=error[:2000], finished_at=timezone.now()
    )


# The year-end table --------------------------------------------------------------------------


@dataclass(frozen=True)
class YearPublishResult:
    table: PublishedYear
    created: bool


def composite_sections(rows) -> list[str]:
    """The section names of a year table with a composite result (its columns), or []."""
    for row in rows:
        composite = row.composite if hasattr(row, "composite") else row.get("composite")
        if composite:
            return [section["name"] for section in composite["sections"]]
    return []


def year_publish(
    *, jurisdiction: Jurisdiction, year: int, by=None, note: str = "", now: datetime | None = None,
) -> YearPublishResult:
    """Publish the year's roll-up (年终考核加减分) as a table on the public site.

    Only a roll-up of the whole year, made after every month of the year was published
    (and after the last correction), goes out: the table must not tell the public more
    than the monthly boards did."""
    _require_office(by, jurisdiction.pk)
    note = (note or "").strip()
    with translation.override(settings.BOARD_LANGUAGE):  # the grades' words are part of the snapshot
        table = assessment_selectors.year_table(jurisdiction=jurisdiction, year=year)
    if not table.rows:
        raise ValidationError(_("%(year)d 年度还没有计算年度得分") % {"year": year}, code="no_scores")
    if not table.complete:
        raise ValidationError(
            _("%(year)d 年度得分是年度累计（未满全年），请在 12 月关账并发布后重新计算全年得分") % {"year": year},
            code="year_to_date",
        )
    statuses = publication.period_statuses(jurisdiction=jurisdiction, year=year)
    missing = [m for m in range(1, 13) if statuses.get(m) != Period.Status.PUBLISHED]
    if missing:
        months = "、".join(_("%(month)d月") % {"month": m} for m in missing)
        raise ValidationError(
            _("%(year)d 年度还有月份未发布亮榜：%(months)s") % {"year": year, "months": months}, code="months_missing"
        )
    last = Edition.objects.filter(jurisdiction=jurisdiction, year=year).order_by("-published_at").first()
    if last is not None and table.computed_at is not None and last.published_at > table.computed_at:
        raise ValidationError(
            _("年度得分计算之后又发布了 %(period)s 的亮榜，请重新计算年度得分后再发布") % {"period": last.label},
            code="rollup_stale",
        )
    revised = assessment_selectors.year_scores_revised_after(jurisdiction=jurisdiction, year=year)
    if revised:
        raise ValidationError(
            _("年度得分计算之后，%(months)s 有认定经复核变更，请重新计算年度得分后再发布")
            % {"months": "、".join(_("%(month)d月") % {"month": p.month} for p in revised)},
            code="rollup_revised",
        )

    rows = [asdict(row) for row in table.rows]
    for row in rows:
        row.pop("unit_id")
        if row["composite"] is None:  # a year without a scorecard publishes what it always did
            row.pop("composite")
    payload = {"jurisdiction": jurisdiction.name, "year": year, "rows": rows}
    digest = sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")))
    with transaction.atomic():
        current = selectors.year_published(jurisdiction=jurisdiction, year=year)
        if current is not None and current.content_sha256 == digest:
            return YearPublishResult(table=current, created=False)
        if current is not None and not note:
            raise NoteRequired(
                _("%(year)d 年度考核结果已发布第 %(revision)d 版，现在的结果与之不同：发布更正版本须填写更正说明")
                % {"year": year, "revision": current.revision},
                code="note_required",
            )
        revision = current.revision + 1 if current else 1
        published_at = now or timezone.now()
        jkw = jurisdiction_kwargs(jurisdiction)
        with translation.override(settings.BOARD_LANGUAGE):
            html = render_to_string("boards/year.html", {
                "jkw": jkw, "jurisdiction_name": jurisdiction.name, "year": year, "rows": table.rows,
                "sections": composite_sections(table.rows),
                "revision": revision, "published_at": published_at, "correction_note": note if current else "",
                "supersedes_revision": current.revision if current else None, "page_title": str(year),
            })
        published = PublishedYear(
            jurisdiction=jurisdiction, year=year, revision=revision, supersedes=current,
            correction_note=note if current else "", jurisdiction_name=jurisdiction.name, rows=rows, html=html,
            html_sha256=sha256(html), content_sha256=digest, computed_at=table.computed_at,
            published_at=published_at, published_by=by,
        )
        published.save()
        transaction.on_commit(generation_bump)
    return YearPublishResult(table=published, created=True)

