"""Writing casework: items come in and are triaged; forms are issued and move through
their life. Every write is one transaction: when any part is refused, nothing is kept.
Other apps are read through their selectors; notifications go through ``notifications``."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import rules
from casework.selectors import form_timings
from casework.selectors import timing_text as selectors_timing_text
from casework.models import (
    AssignmentForm, CaseworkSettings, CaseworkYear, Channel, Deduction, EventFile, Followup, FormEvent, FormPause,
    Reply, Report, ReportFile, Supervisor,
)
from departments import roles
from departments.models import Jurisdiction, Organisation
from departments.selectors import people_in
from lib import uploads
from notifications.services import in_site_language, notify
from workdays.selectors import Calendar


def _text(value: str, *, required: str, max_length: int = rules.TEXT_MAX_LENGTH, field: str | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: required} if field else required, code="required")
    if len(value) > max_length:
        message = _("不能超过 %(max)d 个字（现有 %(count)d 个字）") % {"max": max_length, "count": len(value)}
        raise ValidationError({field: message} if field else message, code="too_long")
    return value


def settings_for(jurisdiction: Jurisdiction) -> CaseworkSettings:
    found = CaseworkSettings.objects.filter(jurisdiction=jurisdiction).first()
    return found or CaseworkSettings(jurisdiction=jurisdiction)


# Files --------------------------------------------------------------------------------------

TYPE_LABELS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "pdf": "PDF", "mp4": "MP4", "mov": "MOV",
               "m4a": "M4A", "mp3": "MP3", "amr": "AMR", "wav": "WAV", "aac": "AAC", "3gp": "3GP", "webm": "WebM"}


def report_extensions() -> list[str]:
    return uploads.allowed_extensions(settings.CASEWORK_EXTENSIONS)


def _max_bytes(ext: str) -> int:
    if uploads.media_kind(f"x.{ext}") == "photo":
        return settings.CASEWORK_PHOTO_MAX_BYTES
    return settings.CASEWORK_MEDIA_MAX_BYTES


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: str
    content: bytes


def report_file_check(upload) -> CheckedFile:
    """A reporter's file: an allowed type by its extension and its content, within its
    size limit; a photo comes back re-encoded without EXIF location and camera data."""
    name = uploads.display_name(getattr(upload, "name", "") or "")
    ext = uploads.extension(name)
    name = name or _("附件")
    allowed = report_extensions()
    limit = _max_bytes(ext)
    problem = uploads.evidence_problem(name=name, size=upload.size or 0, stream=upload, allowed=allowed, max_bytes=limit)
    if problem is not None:
        messages = {
            uploads.Problem.EXTENSION: _("“%(name)s”：不支持的文件类型“%(ext)s”，只能上传：%(allowed)s"),
            uploads.Problem.EMPTY: _("“%(name)s”是空文件，请选择有内容的文件"),
            uploads.Problem.SIZE: _("“%(name)s”文件过大（%(size)s），这类文件不能超过 %(max)s"),
            uploads.Problem.CONTENT: _(
                "“%(name)s”的内容不是 %(type)s 文件，与扩展名“%(ext)s”不符；请上传原始文件，不要只改扩展名"
            ),
            uploads.Problem.MARKUP: _("“%(name)s”中含有网页代码（HTML、SVG 或脚本），不能上传"),
        }
        raise ValidationError(messages[problem] % {
            "name": name, "ext": ext or _("无扩展名"), "allowed": "、".join(allowed),
            "type": TYPE_LABELS.get(ext, ext.upper()), "size": filesizeformat(upload.size or 0),
            "max": filesizeformat(limit),
        }, code=problem.value)
    kind = uploads.media_kind(name)
    upload.seek(0)
    if kind == "photo":
        try:
            content = uploads.photo_without_metadata(upload, name)
        except ValueError:
            raise ValidationError(_("“%(name)s”无法作为照片读取，请换一张照片") % {"name": name}, code="content") from None
    else:
        content = upload.read()
    return CheckedFile(name=name[:255], kind=kind, content=content)


def _files_check(files: Sequence) -> list[CheckedFile]:
    files = [f for f in files if f]
    if len(files) > settings.CASEWORK_MAX_FILES:
        raise ValidationError(
            _("最多上传 %(max)d 个附件（选择了 %(count)d 个）") % {"max": settings.CASEWORK_MAX_FILES, "count": len(files)},
            code="too_many_files",
        )
    return [report_file_check(f) for f in files]


# Items (来件) -------------------------------------------------------------------------------


def _unit_of(jurisdiction: Jurisdiction, unit: Organisation | None) -> Organisation | None:
    if unit is None:
        return None
    if unit.jurisdiction_id != jurisdiction.pk or not unit.is_unit or not unit.is_active:
        raise ValidationError({"unit": _("请选择本辖区在用的被考核单位")}, code="unit")
    return unit


def _new_code() -> str:
    for _attempt in range(10):
        code = rules.tracking_code_new()
        if not Report.objects.filter(code=code).exists():
            return code
    raise RuntimeError("no free tracking code after 10 tries")  # 31**10 codes: never in practice


def report_submit(*, jurisdiction: Jurisdiction, channel: str, title: str, description: str, location: str = "",
                  unit: Organisation | None = None, reporter_name: str = "", reporter_phone: str = "",
                  reporter_email: str = "", files: Sequence = (), by=None, external_ref: str = "",
                  received_at: dt.datetime | None = None, supervisor=None) -> Report:
    """An item comes in: from the public form (``by`` is None), another system, or the
    office's own entry. Everything is checked before anything is stored."""
    if channel not in rules.CHANNELS:
        raise ValidationError({"channel": _("请选择来源渠道")}, code="channel")
    if by is not None and not roles.is_office(by):
        raise PermissionDenied(_("来件由效能办录入"))
    if supervisor is not None and (supervisor.jurisdiction_id != jurisdiction.pk or channel != rules.SUPERVISOR):
        raise ValidationError({"supervisor": _("社会监督员只能用于本辖区“社会监督员”渠道的来件")}, code="supervisor")
    report = Report(
        jurisdiction=jurisdiction, channel=channel, external_ref=(external_ref or "").strip()[:64],
        title=_text(title, required=_("请用一句话概括反映的问题"), max_length=100, field="title"),
        description=_text(description, required=_("请写明反映的问题"), field="description"),
        location=(location or "").strip()[:200], unit=_unit_of(jurisdiction, unit),
        reporter_name=(reporter_name or "").strip()[:50], reporter_phone=(reporter_phone or "").strip()[:30],
        reporter_email=(reporter_email or "").strip(), entered_by=by, received_at=received_at or timezone.now(),
        supervisor=supervisor,
    )
    report.full_clean(exclude=["code", "jurisdiction", "unit", "merged_into", "form", "entered_by", "triaged_by",
                               "supervisor"])
    checked = _files_check(files)
    with transaction.atomic():
        report.code = _new_code()
        report._history_user = by
        report._change_reason = _("收到来件")
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            raise ValidationError({"external_ref": _("外部编号“%(ref)s”已有来件") % {"ref": report.external_ref}},
                                  code="duplicate") from None
        for item in checked:
            stored = ReportFile(report=report, kind=item.kind, original_name=item.name, size=len(item.content))
            stored.file.save(item.name, ContentFile(item.content), save=False)
            stored.save()
        _notify_received(report)
    return report


def is_office_of(user, jurisdiction_id: int) -> bool:
    """The office of this jurisdiction (a superuser is the office of every one)."""
    if getattr(user, "is_superuser", False):
        return True
    jurisdiction = roles.user_jurisdiction(user)
    return roles.is_office(user) and jurisdiction is not None and jurisdiction.pk == jurisdiction_id


def _office_of(by, jurisdiction_id: int) -> None:
    if not is_office_of(by, jurisdiction_id):
        raise PermissionDenied(_("来件由效能办处理"))


TRIAGE_MESSAGES = {
    rules.TriageRefusal.NOT_NEW: gettext_lazy("这件来件已经处理过（%(state)s）"),
    rules.TriageRefusal.NOT_REJECTED: gettext_lazy("只有不予受理的来件可以恢复（现在是：%(state)s）"),
    rules.TriageRefusal.SELF: gettext_lazy("不能把来件合并到它自己"),
    rules.TriageRefusal.TARGET_MERGED: gettext_lazy("目标来件已合并到其他来件，请合并到最终的那一件"),
    rules.TriageRefusal.OTHER_JURISDICTION: gettext_lazy("只能合并本辖区的来件"),
    rules.TriageRefusal.TARGET_REJECTED: gettext_lazy("目标来件已不予受理；重复的来件请单独作出处理"),
}


def _triage_locked(report: Report, by, action: str) -> Report:
    report = Report.objects.select_for_update().get(pk=report.pk)
    _office_of(by, report.jurisdiction_id)
    refusal = rules.triage_refusal(action=action, state=report.state)
    if refusal is not None:
        raise ValidationError(str(TRIAGE_MESSAGES[refusal]) % {"state": report.get_state_display()}, code=refusal.value)
    return report


def _triaged(report: Report, by, state: str, reason: str) -> None:
    report.state = state
    report.triaged_by = by
    report.triaged_at = timezone.now()
    report._history_user = by
    report._change_reason = reason
    report.save()


def report_reject(*, report: Report, by, reason: str) -> Report:
    """不予受理, with a reason the reporter sees. The item and its files are kept."""
    reason = _text(reason, required=_("请填写不予受理的理由，反映人会看到"), max_length=rules.REASON_MAX_LENGTH)
    _public_text_check(reason)
    with transaction.atomic():
        report = _triage_locked(report, by, "reject")
        report.reject_reason = reason
        _triaged(report, by, Report.State.REJECTED, _("不予受理"))
    return report


def report_restore(*, report: Report, by) -> Report:
    """Undo a rejection: the item is new again, as it came in."""
    with transaction.atomic():
        report = _triage_locked(report, by, "restore")
        report.reject_reason = ""
        _triaged(report, by, Report.State.NEW, _("恢复受理"))
    return report


def report_merge(*, report: Report, into: Report, by) -> Report:
    """A duplicate joins the item it repeats: it follows that item's state from now on."""
    with transaction.atomic():
        report = _triage_locked(report, by, "merge")
        into = Report.objects.select_for_update().get(pk=into.pk)
        refusal = rules.merge_refusal(item_id=report.pk, target_id=into.pk, target_state=into.state,
                                      same_jurisdiction=into.jurisdiction_id == report.jurisdiction_id)
        if refusal is not None:
            raise ValidationError(str(TRIAGE_MESSAGES[refusal]), code=refusal.value)
        report.merged_into = into
        report.form = into.form
        _triaged(report, by, Report.State.MERGED, _("合并到 %(code)s") % {"code": into.code_display})
    return report


def _public_text_check(text: str) -> None:
    found = rules.personal_data_found(text)
    if found:
        raise ValidationError(
            _("公开的内容中似乎有个人信息（%(found)s），请删去或打码后再公开") % {
                "found": "、".join(rules.redacted(f) for f in found),
            },
            code="personal_data",
        )


def reply_write(*, report: Report, by, text: str, publish: bool) -> Reply:
    """The office answers an item; a published answer shows on the tracking page, and is
    refused while it looks like it carries a phone number, an ID number or an e-mail."""
    _office_of(by, report.jurisdiction_id)
    text = _text(text, required=_("请填写答复内容"), max_length=rules.REASON_MAX_LENGTH)
    if publish:
        _public_text_check(text)
    with transaction.atomic():
        reply = Reply(report=report, text=text, written_by=by, published_at=timezone.now() if publish else None)
        reply._history_user = by
        reply.save()
    return reply


def reply_publish(*, reply: Reply, by) -> Reply:
    _office_of(by, reply.report.jurisdiction_id)
    if reply.published_at is not None:
        return reply
    _public_text_check(reply.text)
    reply.published_at = timezone.now()
    reply._history_user = by
    reply.save(update_fields=["published_at"])
    return reply


def report_answer(*, report: Report, by, text: str) -> Report:
    """答复: the item is settled with a public answer and no form."""
    text = _text(text, required=_("请填写答复内容"), max_length=rules.REASON_MAX_LENGTH)
    _public_text_check(text)
    with transaction.atomic():
        report = _triage_locked(report, by, "answer")
        Reply.objects.create(report=report, text=text, written_by=by, published_at=timezone.now())
        _triaged(report, by, Report.State.ANSWERED, _("答复办结"))
    return report


# Forms (问题交办单) ---------------------------------------------------------------------------


def _form_link(form: AssignmentForm, *, for_unit: bool) -> str:
    if for_unit:
        return reverse("desk:form", args=[form.pk])
    return reverse("admin:casework_assignmentform_change", args=[form.pk])


def form_issue(*, jurisdiction: Jurisdiction, by, lead_unit: Organisation, title: str, problem: str,
               requirement: str, days: int | None = None, co_units: Iterable[Organisation] = (),
               priority: str = rules.NORMAL, channel: str | None = None, reports: Sequence[Report] = (),
               issued_on: dt.date | None = None, source_rating=None) -> AssignmentForm:
    """交办: the office hands a problem to a lead unit (and co-units) with a deadline in
    working days; the items it comes from are marked as handed on. ``by`` None is the
    product itself (a rectification form opened for an approved light)."""
    if by is not None:
        _office_of(by, jurisdiction.pk)
    setting = settings_for(jurisdiction)
    days = setting.default_days if days in (None, "") else int(days)
    if not 1 <= days <= rules.MAX_DEADLINE_DAYS:
        raise ValidationError({"days": _("办理时限应为 1 到 %(max)d 个工作日") % {"max": rules.MAX_DEADLINE_DAYS}},
                              code="days")
    lead_unit = _unit_of(jurisdiction, lead_unit)
    if lead_unit is None:
        raise ValidationError({"lead_unit": _("请选择承办单位")}, code="lead_unit")
    co_units = [u for u in co_units if u.pk != lead_unit.pk]
    for unit in co_units:
        _unit_of(jurisdiction, unit)
    if priority not in rules.PRIORITIES:
        raise ValidationError({"priority": _("请选择紧急程度")}, code="priority")
    title = _text(title, required=_("请填写标题"), max_length=100, field="title")
    problem = _text(problem, required=_("请写明问题"), field="problem")
    requirement = _text(requirement, required=_("请写明办理要求"), max_length=rules.REASON_MAX_LENGTH, field="requirement")
    issued_on = issued_on or timezone.localdate()
    Calendar().add_working_days(issued_on, days)  # a year nobody knows is refused now, not at the first look
    with transaction.atomic():
        locked = [Report.objects.select_for_update().get(pk=r.pk) for r in reports]
        for report in locked:
            if report.jurisdiction_id != jurisdiction.pk:
                raise ValidationError(str(TRIAGE_MESSAGES[rules.TriageRefusal.OTHER_JURISDICTION]), code="jurisdiction")
            refusal = rules.triage_refusal(action="assign", state=report.state)
            if refusal is not None:
                raise ValidationError(str(TRIAGE_MESSAGES[refusal]) % {"state": report.get_state_display()},
                                      code=refusal.value)
        if channel is None:
            channel = locked[0].channel if locked else Channel.LEADER
        if setting.pk is None:
            setting.save()
        CaseworkSettings.objects.select_for_update().get(pk=setting.pk)  # numbers are given one at a time
        year = issued_on.year
        seq = (AssignmentForm.objects.filter(jurisdiction=jurisdiction, year=year).aggregate(m=Max("seq"))["m"] or 0) + 1
        form = AssignmentForm(
            jurisdiction=jurisdiction, year=year, seq=seq, number=rules.form_number(setting.number_prefix, year, seq),
            channel=channel, lead_unit=lead_unit, title=title, problem=problem, requirement=requirement,
            priority=priority, issued_on=issued_on, days=days, issued_by=by, source_rating=source_rating,
        )
        form._history_user = by
        form._change_reason = _("交办")
        form.save()
        form.co_units.set(co_units)
        FormEvent.objects.create(form=form, action=FormEvent.Action.ISSUE, state_after=form.state,
                                 text=requirement, by=by)
        for report in locked:
            report.form = form
            _triaged(report, by, Report.State.ASSIGNED, _("交办 %(number)s") % {"number": form.number})
            Report.objects.filter(merged_into=report).update(form=form)
        _notify_issued(form)
    return form


def actor_of(user, form: AssignmentForm) -> str:
    """Who ``user`` is to this form: the office of its jurisdiction, the lead unit's or a
    co-unit's staff, or nobody."""
    if is_office_of(user, form.jurisdiction_id):
        return rules.OFFICE
    if roles.is_unit_staff(user):
        unit = roles.user_unit(user)
        if unit.pk == form.lead_unit_id:
            return rules.LEAD
        if form.co_units.filter(pk=unit.pk).exists():
            return rules.CO
    return rules.OTHER


REFUSAL_MESSAGES = {
    rules.FormRefusal.NOT_ALLOWED: gettext_lazy("你不能对这份交办单执行“%(action)s”"),
    rules.FormRefusal.WRONG_STATE: gettext_lazy("这份交办单现在是“%(state)s”，不能%(action)s"),
    rules.FormRefusal.PAUSED: gettext_lazy("计时已经暂停，请先恢复计时"),
    rules.FormRefusal.NOT_PAUSED: gettext_lazy("计时没有暂停"),
    rules.FormRefusal.OVERDUE: gettext_lazy("这份交办单已经超期，不能再暂停计时"),
    rules.FormRefusal.TEXT_REQUIRED: gettext_lazy("请填写%(action)s的内容或理由"),
    rules.FormRefusal.UNKNOWN_ACTION: gettext_lazy("没有这个操作"),
}


def form_act(*, form: AssignmentForm, by, action: str, text: str = "", files: Sequence = (),
             today: dt.date | None = None) -> FormEvent:
    """One step in a form's life, checked against ``rules.TRANSITIONS``: the unit
    acknowledges and replies (with evidence), the office returns, closes, pauses and
    resumes; either may add a note. Refused steps change nothing."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if len(text) > rules.TEXT_MAX_LENGTH:
        raise ValidationError(_("不能超过 %(max)d 个字（现有 %(count)d 个字）") % {
            "max": rules.TEXT_MAX_LENGTH, "count": len(text)}, code="too_long")
    checked = _files_check(files) if action == rules.REPLY else []
    with transaction.atomic():
        form = AssignmentForm.objects.select_for_update().get(pk=form.pk)
        actor = actor_of(by, form)
        open_pause = form.pauses.filter(end__isnull=True).first()
        overdue = action == rules.PAUSE and form_timings([form], today=today)[form.pk].overdue
        refusal = rules.form_refusal(action=action, actor=actor, state=form.state, paused=open_pause is not None,
                                     text=text, overdue=overdue)
        if refusal is not None:
            label = FormEvent.Action(action).label if action in FormEvent.Action.values else action
            raise ValidationError(str(REFUSAL_MESSAGES[refusal]) % {"action": label, "state": form.get_state_display()},
                                  code=refusal.value)
        if action == rules.PAUSE:
            FormPause.objects.create(form=form, start=today, reason=text)
        elif action == rules.RESUME:
            if open_pause.start > today:
                raise ValidationError(_("恢复日期不能早于暂停日期"), code="resume_before_pause")
            open_pause.end = today
            open_pause.save(update_fields=["end"])
        form.state = rules.next_state(action, form.state)
        if form.state not in rules.OPEN_STATES:
            form.closed_on = today
            if open_pause is not None:
                FormPause.objects.filter(pk=open_pause.pk).update(end=today)
        form._history_user = by
        form._change_reason = FormEvent.Action(action).label
        form.save()
        event = FormEvent.objects.create(
            form=form, action=action, state_after=form.state, text=text, by=by,
            by_unit=roles.user_unit(by) if actor in (rules.LEAD, rules.CO) else None,
        )
        for item in checked:
            stored = EventFile(event=event, original_name=item.name)
            stored.file.save(item.name, ContentFile(item.content), save=False)
            stored.save()
        if form.state not in rules.OPEN_STATES:
            followups_open(form=form)
        _notify_step(form, event)
    return event


# Notifications --------------------------------------------------------------------------------


def _unit_staff(form: AssignmentForm, *, co: bool = True):
    ids = [form.lead_unit_id] + (list(form.co_units.values_list("pk", flat=True)) if co else [])
    return people_in(jurisdiction_id=form.jurisdiction_id, groups=[roles.UNIT_STAFF], unit_ids=ids)


def _office_staff(jurisdiction_id: int):
    return people_in(jurisdiction_id=jurisdiction_id, groups=[roles.OFFICE])


@in_site_language
def _notify_received(report: Report) -> None:
    if report.entered_by is not None:
        return  # the office entered it itself
    count = Report.objects.filter(jurisdiction_id=report.jurisdiction_id, state=Report.State.NEW).count()
    notify(recipients=_office_staff(report.jurisdiction_id), kind="report_received",
           title=_("有 %(count)d 件来件待处理") % {"count": count},
           body=_("最新：%(title)s（%(channel)s）") % {"title": report.title, "channel": report.get_channel_display()},
           link=reverse("admin:casework_report_changelist") + "?state__exact=new",
           group_key=f"reports:{report.jurisdiction_id}")


@in_site_language
def _notify_issued(form: AssignmentForm) -> None:
    notify(recipients=_unit_staff(form), kind="form_issued",
           title=_("收到问题交办单 %(number)s：%(title)s") % {"number": form.number, "title": form.title},
           body=_("请在 %(days)d 个工作日内办理并报送整改情况。") % {"days": form.days},
           link=_form_link(form, for_unit=True))


@in_site_language
def _notify_step(form: AssignmentForm, event: FormEvent) -> None:
    words = {"number": form.number, "title": form.title}
    if event.action == rules.REPLY:
        notify(recipients=_office_staff(form.jurisdiction_id), kind="form_replied",
               title=_("%(number)s 已报送整改情况：%(title)s") % words, body=event.text[:200],
               link=_form_link(form, for_unit=False))
    elif event.action == rules.RETURN:
        notify(recipients=_unit_staff(form, co=False), kind="form_returned",
               title=_("%(number)s 被退回重办：%(title)s") % words, body=event.text[:200],
               link=_form_link(form, for_unit=True))
    elif event.action in (rules.CLOSE, rules.CLOSE_NOT_RECTIFIED):
        notify(recipients=_unit_staff(form), kind="form_closed",
               title=_("%(number)s %(state)s：%(title)s") % {**words, "state": form.get_state_display()},
               body=event.text[:200], link=_form_link(form, for_unit=True))


# Lights and forms -------------------------------------------------------------------------------


def form_to_rating(*, form: AssignmentForm, by, department: Organisation, reason: str, criterion=None,
                   today: dt.date | None = None):
    """转为黄灯: the office turns a form into a yellow light for its lead unit, in the open
    month, citing a criterion; it is submitted for approval as any rating, and the form
    and the light point at each other."""
    from ratings import services as rating_services
    from ratings.models import Kind

    _office_of(by, form.jurisdiction_id)
    reason = _text(reason, required=_("请填写认定事由"), max_length=rules.REASON_MAX_LENGTH)
    today = today or timezone.localdate()
    with transaction.atomic():
        form = AssignmentForm.objects.select_for_update().get(pk=form.pk)
        if form.rating_id is not None:
            raise ValidationError(_("这份交办单已经转为认定（%(rating)s）") % {"rating": form.rating}, code="rated")
        period = rating_services.period_get_or_open(jurisdiction=form.jurisdiction, year=today.year, month=today.month,
                                                    today=today)
        rating = rating_services.rating_record(
            period=period, department=department, unit=form.lead_unit, kind=Kind.YELLOW_LIGHT, criterion=criterion,
            reason=reason, by=by, submit=True,
        )
        form.rating = rating
        form._history_user = by
        form._change_reason = _("转为黄灯")
        form.save(update_fields=["rating"])
        FormEvent.objects.create(form=form, action=FormEvent.Action.NOTE, state_after=form.state, by=by,
                                 text=_("转为黄灯认定：%(rating)s（待审核）") % {"rating": rating})
    return rating


def casework_year(jurisdiction_id: int, year: int) -> CaseworkYear:
    found = CaseworkYear.objects.filter(jurisdiction_id=jurisdiction_id, year=year).first()
    return found or CaseworkYear(jurisdiction_id=jurisdiction_id, year=year)


def rectification_forms_open(*, jurisdiction: Jurisdiction, year: int, today: dt.date | None = None) -> list[AssignmentForm]:
    """整改: every approved yellow or red light of the year gets a rectification form for
    its unit, when the year's rules say so; a light that has one is left alone, so running
    this again opens nothing twice."""
    from ratings.selectors import approved_lights

    setting = casework_year(jurisdiction.pk, year)
    if not setting.rectification_forms:
        return []
    today = today or timezone.localdate()
    opened = []
    followed = set(AssignmentForm.objects.filter(source_rating__isnull=False, jurisdiction=jurisdiction)
                   .values_list("source_rating_id", flat=True))
    for rating in approved_lights(jurisdiction_id=jurisdiction.pk, year=year):
        if rating.pk in followed:
            continue
        words = {"month": _("%(year)d年%(month)d月") % {"year": rating.period.year, "month": rating.period.month},
                 "department": rating.department.name, "kind": rating.get_effective_kind_display()}
        with transaction.atomic():
            form = form_issue(
                jurisdiction=jurisdiction, by=None, lead_unit=rating.unit, channel=Channel.LIGHT,
                title=(_("亮灯整改：%(month)s %(department)s %(kind)s") % words)[:100],
                problem=rating.reason or str(rating), days=setting.rectification_days, issued_on=today,
                requirement=_("针对%(department)s认定的%(kind)s，查找原因，落实整改，按时报送整改情况和佐证材料。") % words,
                source_rating=rating,
            )
        opened.append(form)
    return opened


# The deduction ledger ---------------------------------------------------------------------------


def deductions_recompute(*, jurisdiction: Jurisdiction, year: int, today: dt.date | None = None) -> list[Deduction]:
    """The year's ledger, worked out again from the forms issued that year and the year's
    settings: one line per form that costs its lead unit points, with its explanation."""
    setting = casework_year(jurisdiction.pk, year)
    forms = list(AssignmentForm.objects.filter(jurisdiction=jurisdiction, year=year).select_related("lead_unit"))
    timings = form_timings(forms, today=today)
    by_id = {f.pk: f for f in forms}
    lines = rules.deductions(((f.pk, f.lead_unit_id, f.state, timings[f.pk]) for f in forms),
                             overdue_points=setting.overdue_points, not_rectified_points=setting.not_rectified_points)
    now = timezone.now()
    rows = []
    for line in lines:
        form = by_id[line.form_id]
        points = f"{line.points.normalize():f}"  # 0.5, not 0.50
        if line.reason == rules.DEDUCT_NOT_RECTIFIED:
            explanation = _("%(number)s 以未整改办结，扣 %(points)s 分") % {"number": form.number, "points": points}
        elif form.is_open:
            explanation = _("%(number)s 已超期 %(days)d 个工作日仍未办结，扣 %(points)s 分") % {
                "number": form.number, "days": line.days_late, "points": points}
        else:
            explanation = _("%(number)s 超期 %(days)d 个工作日办结，扣 %(points)s 分") % {
                "number": form.number, "days": line.days_late, "points": points}
        rows.append(Deduction(jurisdiction=jurisdiction, year=year, form=form, unit_id=line.unit_id,
                              reason=line.reason, points=line.points, explanation=explanation[:300], computed_at=now))
    with transaction.atomic():
        Deduction.objects.filter(jurisdiction=jurisdiction, year=year).delete()
        Deduction.objects.bulk_create(rows)
    return rows


# Reminders and follow-ups ------------------------------------------------------------------------


@in_site_language
def form_reminders_send(*, today: dt.date | None = None) -> int:
    """到期提醒: each open, running form with its reminder window reached, or past its
    deadline, reminds its lead unit's staff, at most once a day per form (an unread
    reminder is brought up to date instead of adding another). Returns the forms reminded."""
    today = today or timezone.localdate()
    forms = list(AssignmentForm.objects.filter(state__in=rules.OPEN_STATES).select_related("lead_unit"))
    timings = form_timings(forms, today=today)
    remind = {s.jurisdiction_id: s.remind_days for s in CaseworkSettings.objects.all()}
    default = CaseworkSettings._meta.get_field("remind_days").default
    reminded = 0
    for form in forms:
        timing = timings[form.pk]
        if not (timing.overdue or rules.due_soon(timing, remind_days=remind.get(form.jurisdiction_id, default))):
            continue
        words = {"number": form.number, "title": form.title, "due": f"{timing.due:%Y-%m-%d}"}
        title = (_("%(number)s 已超期：%(title)s") if timing.overdue else _("%(number)s 将于 %(due)s 到期：%(title)s")) % words
        notify(recipients=_unit_staff(form, co=False), kind="form_due", title=title,
               body=selectors_timing_text(form, timing), link=_form_link(form, for_unit=True),
               group_key=f"form_due:{form.pk}:{today:%Y%m%d}")
        reminded += 1
    return reminded


def supervisor_link_make(*, supervisor: Supervisor) -> str:
    """A new reporting link for a supervisor in office; the old one stops working."""
    if supervisor.state != Supervisor.State.ACTIVE:
        raise ValidationError(_("已解聘的监督员没有举报链接"), code="dismissed")
    supervisor.report_token = _followup_token()
    supervisor.save(update_fields=["report_token"])
    return supervisor.report_token


def supervisor_for_link(token: str) -> Supervisor | None:
    """The supervisor in office whose reporting link this is, or None."""
    if not rules.link_token_ok(token):
        return None
    return Supervisor.objects.select_related("jurisdiction").filter(
        report_token=token, state=Supervisor.State.ACTIVE).first()


def _followup_token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


def followups_open(*, form: AssignmentForm) -> list[Followup]:
    """"Is it fixed?": each item of a closed form (and each merged into them) gets a
    question; a reporter who left an e-mail address is sent its link."""
    reports = list(Report.objects.filter(form=form).exclude(followup__isnull=False))
    made = []
    for report in reports:
        followup = Followup.objects.create(report=report, token=_followup_token())
        made.append(followup)
        if report.reporter_email:
            transaction.on_commit(lambda f=followup: _followup_mail(f))
    return made


@in_site_language
def _followup_mail(followup: Followup) -> None:
    from django.core.mail import send_mail

    link = settings.LIANGBANG_SITE_URL.rstrip("/") + reverse("casework:followup", args=[followup.token])
    code = followup.report.code_display
    try:
        send_mail(
            subject=_("你反映的问题已办结，请评价是否解决（%(code)s）") % {"code": code},
            message=_("你好！你反映的问题（查询码 %(code)s）已经办结。问题解决了吗？请打开下面的链接评价：\n%(link)s\n\n"
                      "效能办") % {"code": code, "link": link},
            from_email=None, recipient_list=[followup.report.reporter_email],
        )
    except Exception:  # a mail server down does not undo the closing; the office can call instead
        import logging

        logging.getLogger(__name__).exception("follow-up mail for %s not sent", code)


def followup_answer(*, followup: Followup, answer: str, comment: str = "") -> Followup:
    """The reporter's answer, once: a second answer is refused and changes nothing."""
    if answer not in Followup.Answer.values:
        raise ValidationError(_("请选择问题是否解决"), code="answer")
    comment = (comment or "").strip()
    if len(comment) > rules.REASON_MAX_LENGTH:
        raise ValidationError(_("不能超过 %(max)d 个字（现有 %(count)d 个字）") % {
            "max": rules.REASON_MAX_LENGTH, "count": len(comment)}, code="too_long")
    with transaction.atomic():
        followup = Followup.objects.select_for_update().get(pk=followup.pk)
        if followup.answered_at is not None:
            raise ValidationError(_("已经评价过了，谢谢！"), code="answered")
        followup.answer, followup.comment, followup.answered_at = answer, comment, timezone.now()
        followup.save(update_fields=["answer", "comment", "answered_at"])
    return followup


# Discipline and accountability (the office's screens only) -------------------------------------


def _date(value, *, field_label: str, required: bool) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    value = (value or "").strip()
    if not value:
        if required:
            raise ValidationError(_("请填写%(field)s") % {"field": field_label}, code="required")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("%(field)s“%(value)s”不是日期，请写成 2026-03-05") % {
            "field": field_label, "value": value}, code="date") from None


def form_transfer(*, form: AssignmentForm, by, sent_on, outcome: str = "", outcome_on=None) -> AssignmentForm:
    """移送纪委监委: the day the clues went, and the outcome when it comes back."""
    _office_of(by, form.jurisdiction_id)
    sent = _date(sent_on, field_label=_("移送日期"), required=True)
    back = _date(outcome_on, field_label=_("处理结果日期"), required=False)
    outcome = (outcome or "").strip()[:rules.REASON_MAX_LENGTH]
    if back and back < sent:
        raise ValidationError(_("处理结果日期不能早于移送日期"), code="dates")
    if back and not outcome:
        raise ValidationError(_("有处理结果日期时请填写处理结果"), code="outcome")
    with transaction.atomic():
        form = AssignmentForm.objects.select_for_update().get(pk=form.pk)
        form.transferred_on, form.transfer_outcome, form.transfer_outcome_on = sent, outcome, back
        form._history_user = by
        form._change_reason = _("移送纪委监委")
        form.save(update_fields=["transferred_on", "transfer_outcome", "transfer_outcome_on"])
    return form


def accountability_record(*, form: AssignmentForm, by, person: str, measure: str, decided_on, position: str = "",
                          note: str = ""):
    """问责: a measure against a named person, kept on the office's screens only."""
    from casework.models import Accountability

    _office_of(by, form.jurisdiction_id)
    person = _text(person, required=_("请填写责任人姓名"), max_length=50)
    if measure not in Accountability.Measure.values:
        raise ValidationError(_("请选择问责方式"), code="measure")
    record = Accountability(form=form, person=person, position=(position or "").strip()[:100], measure=measure,
                            decided_on=_date(decided_on, field_label=_("决定日期"), required=True),
                            note=(note or "").strip()[:rules.REASON_MAX_LENGTH])
    record._history_user = by
    record.save()
    return record
