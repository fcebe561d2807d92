"""The office's preview of a publication: the board a month would publish now, rendered
from the edition templates and marked 预览（未发布）, and what it changes compared with
the revision the public reads.

Reads only. A preview makes no edition, stores no file, touches no cache: the admin
serves it to the office and forgets it (``boards.admin``, office staff only).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from boards import render, rules, selectors, services
from boards.links import jurisdiction_kwargs
from boards.models import Edition, EditionEntry, Stage
from boards.render import BoardContent, EditionInfo
from departments.models import Jurisdiction
from ratings import publication
from ratings import rules as rating_rules
from ratings.models import Kind, Period, Rating
from workdays.selectors import CalendarUnknownYear


@dataclass(frozen=True)
class BoardPreview:
    period: Period
    content: BoardContent  # what the templates render, as publishing now would
    current: Edition | None  # the revision the public reads, if any
    changed: bool  # the content differs from the revision the public reads
    diff: rules.BoardDiff
    final: bool = False  # the 正式版 replacing the 公示稿 (a new revision even if unchanged)

    @property
    def makes_revision(self) -> bool:
        return self.changed or self.final

    @property
    def info(self) -> EditionInfo:
        return self.content.info


def line_from_row(row: publication.BoardRow) -> rules.Line:
    return rules.Line(
        rating_id=row.rating_id, unit_code=row.unit_code, department_code=row.department_code, kind=row.outcome,
        reason=row.reason, unit_name=row.unit_name, category=row.category, department_name=row.department_name,
        entered_kind=row.entered_kind, escalation=row.escalation, escalated_after=row.escalated_after,
        criterion_code=row.criterion_code, criterion_text=row.criterion_text,
    )


def line_from_entry(entry: EditionEntry) -> rules.Line:
    return rules.Line(
        rating_id=entry.rating_id, unit_code=entry.unit_code, department_code=entry.department_code,
        kind=entry.outcome, reason=entry.reason, unit_name=entry.unit_name, category=entry.category,
        department_name=entry.department_name, entered_kind=entry.entered_kind, escalation=entry.escalation,
        escalated_after=entry.escalated_after, criterion_code=entry.criterion_code,
        criterion_text=entry.criterion_text,
    )


def board_preview(*, period: Period, now: datetime | None = None, final: bool = False) -> BoardPreview:
    """What publishing ``period`` at ``now`` would publish (ValidationError for an open month,
    and for a 正式版 that may not be published yet; ``final``: the 正式版).

    A board that differs from the published revision is shown as the next revision,
    its correction note standing in for the one the office will write; a board that
    does not is shown as the revision the public already reads. The 正式版 is always
    the next revision. A 公示稿 whose end the calendar cannot count shows no end."""
    try:
        board = publication.month_board(period=period)
    except publication.MonthNotClosed:
        raise ValidationError(
            _("%(period)s 尚未关账，不能发布；请先审核完该月的认定并关账") % {"period": period.label},
            code="period_open",
        ) from None
    jurisdiction = Jurisdiction.objects.get(pk=board.jurisdiction_id)
    current = selectors.edition_get(jurisdiction=jurisdiction, year=board.year, month=board.month)
    digest = services.board_digest(board)
    changed = current is None or current.content_sha256 != digest
    counts = {kind: 0 for kind in rating_rules.KINDS}
    for row in board.rows:
        counts[row.outcome] += 1
    if changed or final:
        revision = current.revision + 1 if current else 1
        published_at = now or timezone.now()
        note = _("（此处将显示发布时填写的更正说明）") if current and changed else ""
        supersedes = current.revision if current else None
        try:
            plan = services.stage_plan(period=period, current=current, published_at=published_at, final=final)
        except CalendarUnknownYear:
            plan = services.StagePlan(stage=Stage.NOTICE, notice_until=None)
        stage, notice_until, supersedes_stage = plan.stage, plan.notice_until, current.stage if current else ""
    else:
        revision, published_at, note = current.revision, current.published_at, current.correction_note
        supersedes = current.supersedes.revision if current.supersedes_id else None
        stage, notice_until = current.stage, current.notice_until
        supersedes_stage = current.supersedes.stage if current.supersedes_id else ""
    info = EditionInfo(
        jurisdiction_name=board.jurisdiction_name, year=board.year, month=board.month, revision=revision,
        published_at=published_at, correction_note=note, supersedes_revision=supersedes,
        red_flags=counts[rating_rules.RED_FLAG], yellow_lights=counts[rating_rules.YELLOW_LIGHT],
        red_lights=counts[rating_rules.RED_LIGHT], stage=stage, notice_until=notice_until,
        supersedes_stage=supersedes_stage,
    )
    honour, warning = services.board_entries(board)
    content = BoardContent(info=info, honour=honour, warning=warning, jkw=jurisdiction_kwargs(jurisdiction),
                           content_sha256=digest)
    published = [line_from_entry(e) for e in selectors.edition_entries(edition=current)] if current else None
    diff = rules.board_diff(published=published, proposed=[line_from_row(row) for row in board.rows])
    return BoardPreview(period=period, content=content, current=current, changed=changed, diff=diff, final=final)


# Rendering ---------------------------------------------------------------------------------


def _mark(template: str, preview: BoardPreview) -> str:
    with translation.override(settings.BOARD_LANGUAGE):
        return render_to_string(template, {"edition": preview.info, "changed": preview.makes_revision})


def preview_pdf(preview: BoardPreview) -> bytes:
    """The edition's PDF, with 预览（未发布） across every page."""
    return render.edition_preview_pdf(preview.content, mark=_mark("boards/admin/preview_mark_pdf.html", preview))


def preview_page(preview: BoardPreview, *, pdf_url: str) -> str:
    """The edition's web page under a 预览（未发布） banner; its PDF link is ``pdf_url``."""
    return render.edition_preview_page(
        preview.content, mark=_mark("boards/admin/preview_mark_page.html", preview), pdf=preview_pdf(preview),
        pdf_url=pdf_url,
    )


def preview_pdf_filename(preview: BoardPreview) -> str:
    # The document is Chinese, and so is its name, as the published PDF's (boards.views).
    info = preview.info
    stage = "-公示稿" if info.is_notice else ""
    return f"{info.jurisdiction_name}-{info.year}年{info.month:02d}月效能亮榜-第{info.revision}版{stage}-预览（未发布）.pdf"


# What the publish page lists ------------------------------------------------------------------


@dataclass(frozen=True)
class ShownLine:
    unit: str
    department: str
    kind: str
    criterion: str
    reason: str


@dataclass(frozen=True)
class ShownChange:
    unit: str
    department: str
    fields: list[tuple[str, str, str]]  # (what, before, after)


def _field_labels() -> dict[str, str]:
    return {
        rules.KIND: _("认定"),
        rules.ENTERED_KIND: _("部门认定"),
        rules.ESCALATION: _("升级原因"),
        rules.ESCALATED_AFTER: _("连续黄灯的上一次（月份）"),
        rules.CRITERION: _("认定条目"),
        rules.REASON: _("事由"),
        rules.UNIT_NAME: _("单位名称"),
        rules.CATEGORY: _("单位类别"),
        rules.DEPARTMENT_NAME: _("职能管理部门"),
    }


def _kind(value: str) -> str:
    return str(Kind(value).label) if value in Kind.values else value


def _value(line: rules.Line, name: str) -> str:
    if name in (rules.KIND, rules.ENTERED_KIND):
        return _kind(getattr(line, name))
    if name == rules.ESCALATION:
        known = line.escalation in Rating.Escalation.values
        return str(Rating.Escalation(line.escalation).label) if known else line.escalation
    if name == rules.CRITERION:
        return _criterion(line)
    return getattr(line, name) or "—"


def _criterion(line: rules.Line) -> str:
    return " ".join(part for part in line.criterion if part) or "—"


def _unit(line: rules.Line) -> str:
    return f"{line.unit_name}（{line.unit_code}）"


def _shown(line: rules.Line) -> ShownLine:
    return ShownLine(unit=_unit(line), department=line.department_name, kind=_kind(line.kind),
                     criterion=_criterion(line), reason=line.reason)


@dataclass(frozen=True)
class ShownDiff:
    first: bool
    same: bool
    added: list[ShownLine]
    removed: list[ShownLine]
    changed: list[ShownChange]


def diff_shown(diff: rules.BoardDiff) -> ShownDiff:
    """The comparison in the office's words, for the publish page."""
    labels = _field_labels()
    return ShownDiff(
        first=diff.first, same=diff.same,
        added=[_shown(line) for line in diff.added],
        removed=[_shown(line) for line in diff.removed],
        changed=[
            ShownChange(
                unit=_unit(change.after), department=change.after.department_name,
                fields=[(labels[name], _value(change.before, name), _value(change.after, name))
                        for name in change.fields],
            )
            for change in diff.changed
        ],
    )
