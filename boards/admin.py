"""The office's side of publishing, in the admin.

- 月度发布 (BoardMonth, the months): each month with its approved flags and lights and
  its published revision; "发布…" opens a confirmation page (what would be published,
  whether it differs from the published revision, the correction note), then a progress
  page that follows the run until it is done. A list action publishes several months.
- 已发布的亮榜 (Edition): the editions, read-only, with links to the public pages.
- 发布任务 (PublishRun): the runs, read-only, each linking to its progress page.
- 已发布的年度考核结果 (PublishedYear): publishes the year-end table from the roll-up.

Thin: everything is done by ``boards.services``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from boards import previews, services
from boards.links import board_reverse, edition_kwargs, jurisdiction_kwargs
from boards.models import BoardMonth, Edition, PublishedYear, PublishRun, Stage
from boards.render import day_label, html_lang
from config.queue import QueueUnavailable
from departments import roles
from departments.admin import JurisdictionScopedAdmin, ObjectNotFoundMixin, jurisdiction_is_fixed, scope_to_jurisdiction
from departments.models import Jurisdiction
from ratings import rules
from ratings.models import Period, Rating

STEP_LABELS = {
    "": gettext_lazy("等待开始"),
    services.STEP_COLLECT: gettext_lazy("汇总已审核通过的认定"),
    services.STEP_RENDER: gettext_lazy("生成网页、大屏页面和 PDF"),
    services.STEP_SAVE: gettext_lazy("保存并标记为已发布"),
    services.STEP_DONE: gettext_lazy("完成"),
}


def _refusal(exc: Exception) -> str:
    return "；".join(getattr(exc, "messages", None) or [str(exc)])


class ReadOnlyAdmin(JurisdictionScopedAdmin):
    """Published records and runs are written by the services only."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _public_link(url: str, text: str) -> str:
    return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, text)


# Months --------------------------------------------------------------------------------------


class PublishForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("更正说明"), required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("已发布的月份再次发布且内容有变化时必填，公开显示在新版本上，例如：“经复核，撤销对某街道的黄灯认定。”"),
    )

    def __init__(self, *args, needs_note: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = needs_note


@admin.register(BoardMonth)
class BoardMonthAdmin(ReadOnlyAdmin):
    list_display = ("label_column", "status_column", "stage_column", "flags_column", "yellows_column", "reds_column",
                    "edition_column", "publish_column")
    list_display_links = None
    list_filter = ("status", "year")
    ordering = ("-year", "-month")
    actions = ("publish_selected",)
    change_list_template = "boards/admin/boardmonth_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        approved = Q(ratings__status=Rating.Status.APPROVED)
        current = Edition.objects.filter(
            jurisdiction_id=OuterRef("jurisdiction_id"), year=OuterRef("year"), month=OuterRef("month"),
            superseded_by__isnull=True,
        )
        return super().get_queryset(request).annotate(
            flag_count=Count("ratings", filter=approved & Q(ratings__outcome=rules.RED_FLAG)),
            yellow_count=Count("ratings", filter=approved & Q(ratings__outcome=rules.YELLOW_LIGHT)),
            red_count=Count("ratings", filter=approved & Q(ratings__outcome=rules.RED_LIGHT)),
            revision=Subquery(current.values("revision")[:1]),
            published_at=Subquery(current.values("published_at")[:1]),
            stage=Subquery(current.values("stage")[:1]),
            notice_until=Subquery(current.values("notice_until")[:1]),
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "schedule_url": _schedule_url(request), "title": _("月度发布")}
        return super().changelist_view(request, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not roles.is_office(request.user):
            actions.pop("publish_selected", None)
        return actions

    @admin.display(description=gettext_lazy("月份"), ordering="year")
    def label_column(self, obj: Period) -> str:
        return obj.label

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_column(self, obj: Period) -> str:
        return format_html('<span class="lb-status lb-period-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=gettext_lazy("公示"))
    def stage_column(self, obj) -> str:
        if obj.stage is None:
            return "—"
        if obj.stage != Stage.NOTICE:
            return _("正式版")
        if timezone.localdate() <= obj.notice_until:
            text = _("公示中（至 %(date)s）") % {"date": obj.notice_until.strftime("%Y-%m-%d")}
        else:
            text = _("公示期满，待发布正式版")
        return format_html('<span class="lb-status lb-stage-notice">{}</span>', text)

    @admin.display(description=gettext_lazy("红旗"), ordering="flag_count")
    def flags_column(self, obj) -> int:
        return obj.flag_count

    @admin.display(description=gettext_lazy("黄灯"), ordering="yellow_count")
    def yellows_column(self, obj) -> int:
        return obj.yellow_count

    @admin.display(description=gettext_lazy("红灯"), ordering="red_count")
    def reds_column(self, obj) -> int:
        return obj.red_count

    @admin.display(description=gettext_lazy("已发布版本"), ordering="published_at")
    def edition_column(self, obj) -> str:
        if obj.revision is None:
            return "—"
        url = board_reverse("edition", jurisdiction_kwargs(obj.jurisdiction), **edition_kwargs(obj.year, obj.month))
        text = _("第 %(revision)d 版（%(date)s）") % {
            "revision": obj.revision, "date": timezone.localtime(obj.published_at).strftime("%Y-%m-%d"),
        }
        return _public_link(url, text)

    @admin.display(description=gettext_lazy("发布"))
    def publish_column(self, obj) -> str:
        if obj.status == Period.Status.OPEN:
            return _("关账后可发布")
        url = reverse("admin:boards_boardmonth_publish", args=[obj.pk])
        button = format_html('<a class="button" href="{}">{}</a>', url, _("发布…") if obj.revision is None else _("重新发布…"))
        if obj.stage == Stage.NOTICE and timezone.localdate() > obj.notice_until:
            final_url = reverse("admin:boards_boardmonth_finalise", args=[obj.pk])
            button = format_html('<a class="button default" href="{}">{}</a> {}', final_url, _("发布正式版…"), button)
        return button

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:period_id>/publish/", view(self.publish_view), name="boards_boardmonth_publish"),
            path("<int:period_id>/finalise/", view(self.finalise_view), name="boards_boardmonth_finalise"),
            path("<int:period_id>/preview/", view(self.preview_view), name="boards_boardmonth_preview"),
            path("<int:period_id>/preview/pdf/", view(self.preview_pdf_view), name="boards_boardmonth_preview_pdf"),
            path("runs/<int:run_id>/", view(self.progress_view), name="boards_publishrun_progress"),
            path("runs/<int:run_id>/status/", view(self.status_view), name="boards_publishrun_status"),
        ] + super().get_urls()

    def _require_office(self, request: HttpRequest) -> None:
        if not roles.is_office(request.user):
            raise PermissionDenied

    def finalise_view(self, request: HttpRequest, period_id: int) -> HttpResponse:
        """发布正式版: the 公示稿's notice period has ended; the same page as 发布."""
        return self.publish_view(request, period_id, final=True)

    def publish_view(self, request: HttpRequest, period_id: int, final: bool = False) -> HttpResponse:
        """发布: what would be published, the correction note, then the run."""
        self._require_office(request)
        period = get_object_or_404(self.get_queryset(request).select_related("jurisdiction"), pk=period_id)
        try:
            preview = services.edition_preview(period=period, final=final)
        except ValidationError as exc:
            self.message_user(request, _refusal(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:boards_boardmonth_changelist"))
        # A correction's note may come drafted (from a review decision: ?note=…).
        initial = {"note": request.GET.get("note", "")[:2000]} if request.method == "GET" else None
        form = PublishForm(request.POST or None, initial=initial, needs_note=preview.needs_note)
        if request.method == "POST" and form.is_valid():
            try:
                run = services.publish_run_start(period=period, by=request.user, note=form.cleaned_data["note"],
                                                 final=final)
            except services.PublishInProgress as exc:
                # A second click, or a colleague was first: follow the run already under way.
                self.message_user(request, _refusal(exc), messages.WARNING)
                return HttpResponseRedirect(reverse("admin:boards_publishrun_progress", args=[exc.run.pk]))
            except (ValidationError, PermissionDenied, QueueUnavailable) as exc:
                form.add_error(None, _refusal(exc))
            else:
                return HttpResponseRedirect(reverse("admin:boards_publishrun_progress", args=[run.pk]))
        try:
            board = previews.board_preview(period=period, final=final)
        except ValidationError as exc:  # the notice period is running again (a clock): say so
            self.message_user(request, _refusal(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:boards_boardmonth_changelist"))
        query = "?final=1" if final else ""
        title = _("发布 %(period)s 效能亮榜正式版") if final else _("发布 %(period)s 效能亮榜")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title % {"period": period.label},
            "period": period,
            "preview": preview,
            "board": board,
            "diff": previews.diff_shown(board.diff),
            "preview_url": reverse("admin:boards_boardmonth_preview", args=[period.pk]) + query,
            "preview_pdf_url": reverse("admin:boards_boardmonth_preview_pdf", args=[period.pk]) + query,
            "form": form,
            "notice_until_label": day_label(preview.notice_until) if preview.notice_until else "",
            "current_notice_until_label": day_label(preview.current.notice_until)
            if preview.current is not None and preview.current.notice_until else "",
            "public_url": board_reverse("edition", jurisdiction_kwargs(period.jurisdiction),
                                        **edition_kwargs(period.year, period.month)) if preview.current else "",
        }
        return TemplateResponse(request, "boards/admin/publish_form.html", context)

    def _preview_or_redirect(self, request: HttpRequest, period_id: int) -> previews.BoardPreview | HttpResponse:
        self._require_office(request)
        period = get_object_or_404(self.get_queryset(request).select_related("jurisdiction"), pk=period_id)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])  # a preview only reads
        try:
            return previews.board_preview(period=period, final=request.GET.get("final") == "1")
        except ValidationError as exc:
            self.message_user(request, _refusal(exc), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:boards_boardmonth_changelist"))

    def preview_view(self, request: HttpRequest, period_id: int) -> HttpResponse:
        """预览（未发布）: the page publishing would make, for the office only. The page
        is shown in a frame of the publish page, and nothing else may frame it."""
        board = self._preview_or_redirect(request, period_id)
        if isinstance(board, HttpResponse):
            return board
        pdf_url = reverse("admin:boards_boardmonth_preview_pdf", args=[period_id]) + ("?final=1" if board.final else "")
        response = HttpResponse(previews.preview_page(board, pdf_url=pdf_url), content_type="text/html; charset=utf-8")
        response["Content-Language"] = html_lang(settings.BOARD_LANGUAGE)
        # The page's own policy (django-csp leaves it alone): no script, and framed by this site only.
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'self'"
        )
        response["X-Frame-Options"] = "SAMEORIGIN"
        _not_for_keeping(response)
        return response

    def preview_pdf_view(self, request: HttpRequest, period_id: int) -> HttpResponse:
        """The PDF publishing would make, marked 预览（未发布）, as a download (headers as
        the evidence downloads': it runs nothing and is kept nowhere)."""
        board = self._preview_or_redirect(request, period_id)
        if isinstance(board, HttpResponse):
            return board
        response = HttpResponse(previews.preview_pdf(board), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, previews.preview_pdf_filename(board))
        response["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
        response["Cross-Origin-Resource-Policy"] = "same-origin"
        _not_for_keeping(response)
        return response

    def _run_or_404(self, request: HttpRequest, run_id: int) -> PublishRun:
        if not self.has_view_permission(request):
            raise PermissionDenied
        runs = scope_to_jurisdiction(PublishRun.objects.select_related("period", "edition"), request.user)
        return get_object_or_404(runs, pk=run_id)

    def progress_view(self, request: HttpRequest, run_id: int) -> HttpResponse:
        run = self._run_or_404(request, run_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("发布进度"),
            "run": run,
            "status": run_status(run),
        }
        return TemplateResponse(request, "boards/admin/publish_progress.html", context)

    def status_view(self, request: HttpRequest, run_id: int) -> JsonResponse:
        """What the progress page polls for."""
        response = JsonResponse(run_status(self._run_or_404(request, run_id)))
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=gettext_lazy("发布所选月份的亮榜"))
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        self._require_office(request)
        started, problems = [], []
        for period in queryset.select_related("jurisdiction").order_by("year", "month"):
            try:
                started.append(services.publish_run_start(period=period, by=request.user))
            except (ValidationError, PermissionDenied, QueueUnavailable) as exc:
                problems.append(f"{period.label}：{_refusal(exc)}")
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)
        if len(started) == 1:
            return HttpResponseRedirect(reverse("admin:boards_publishrun_progress", args=[started[0].pk]))
        if started:
            self.message_user(
                request, _("已开始发布 %(count)d 个月份，进度见“发布任务”。") % {"count": len(started)}, messages.SUCCESS,
            )
        return None


def _not_for_keeping(response: HttpResponse) -> None:
    """A preview is nobody's to keep: not a cache's, not a search engine's."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"


def _schedule_url(request: HttpRequest) -> str:
    """The periodic task that publishes closed months, for those who may edit it."""
    from django_celery_beat.models import PeriodicTask

    if not (request.user.has_perm("django_celery_beat.change_periodictask") and schedules_editable_by(request)):
        return ""
    task = PeriodicTask.objects.filter(task="boards.tasks.publish_pending_task").first()
    if task is None:
        return reverse("admin:django_celery_beat_periodictask_changelist")
    return reverse("admin:django_celery_beat_periodictask_change", args=[task.pk])


def run_status(run: PublishRun) -> dict:
    """A run as the progress page shows it."""
    run.refresh_from_db()
    edition = run.edition
    if run.status == PublishRun.Status.QUEUED:
        message = _("已排队，等待开始…")
    elif run.status == PublishRun.Status.RUNNING:
        message = _("正在%(step)s…") % {"step": STEP_LABELS.get(run.step, run.step)}
    elif run.status == PublishRun.Status.DONE and run.created_edition and edition.is_notice:
        message = _("已发布 %(period)s 第 %(revision)d 版（公示稿，公示期至 %(date)s）") % {
            "period": run.period.label, "revision": edition.revision, "date": day_label(edition.notice_until)}
    elif run.status == PublishRun.Status.DONE and run.created_edition and run.final:
        message = _("已发布 %(period)s 第 %(revision)d 版（正式版）") % {"period": run.period.label, "revision": edition.revision}
    elif run.status == PublishRun.Status.DONE and run.created_edition:
        message = _("已发布 %(period)s 第 %(revision)d 版") % {"period": run.period.label, "revision": edition.revision}
    elif run.status == PublishRun.Status.DONE:
        message = _("%(period)s 的内容与已发布的第 %(revision)d 版相同，未产生新版本") % {
            "period": run.period.label, "revision": edition.revision if edition else 0,
        }
    else:
        message = _("发布失败：%(error)s") % {"error": run.error or _("未知错误")}
    links = {}
    if edition is not None:
        jkw = jurisdiction_kwargs(Jurisdiction.objects.get(pk=edition.jurisdiction_id))
        kwargs = edition_kwargs(edition.year, edition.month, edition.revision)
        links = {
            "page": board_reverse("edition_revision", jkw, **kwargs),
            "pdf": board_reverse("edition_pdf", jkw, **kwargs),
            "lobby": board_reverse("lobby", jkw),
        }
    return {
        "id": run.pk,
        "period": run.period.label,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "step": str(STEP_LABELS.get(run.step, run.step)),
        "message": str(message),
        "percent": 100 if run.status == PublishRun.Status.DONE else run.percent,
        "finished": run.is_finished,
        "failed": run.status == PublishRun.Status.FAILED,
        "links": links,
    }


# Editions and runs -------------------------------------------------------------------------------


@admin.register(Edition)
class EditionAdmin(ReadOnlyAdmin):
    list_display = ("label_column", "revision", "stage", "notice_until", "published_at", "published_by", "red_flags",
                    "yellow_lights", "red_lights", "superseded_column", "links_column")
    list_filter = ("year",)
    ordering = ("-year", "-month", "-revision")
    list_select_related = ("published_by", "superseded_by", "jurisdiction")
    fields = ("jurisdiction", "period", "revision", "stage", "notice_until", "supersedes", "correction_note",
              "jurisdiction_name",
              "red_flags", "yellow_lights", "red_lights", "published_at", "published_by", "pdf_size",
              "html_sha256", "pdf_sha256", "content_sha256", "links_column")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("html", "lobby_html")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=gettext_lazy("月份"), ordering="year")
    def label_column(self, obj: Edition) -> str:
        return obj.label

    @admin.display(description=gettext_lazy("状态"), boolean=False)
    def superseded_column(self, obj: Edition) -> str:
        return _("已被更正") if obj.is_superseded else _("现行版本")

    @admin.display(description=gettext_lazy("公开页面"))
    def links_column(self, obj: Edition) -> str:
        jkw = jurisdiction_kwargs(obj.jurisdiction)
        kwargs = edition_kwargs(obj.year, obj.month, obj.revision)
        return format_html_join(" · ", "{}", (
            (_public_link(board_reverse(name, jkw, **kwargs), text),)
            for name, text in (("edition_revision", _("网页")), ("edition_pdf", "PDF"),
                               ("edition_json", "JSON"), ("edition_csv", "CSV"))
        ))


@admin.register(PublishRun)
class PublishRunAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "period", "status_column", "percent", "created_edition", "created_by", "finished_at")
    list_filter = ("status",)
    list_display_links = None
    ordering = ("-created_at", "-pk")
    list_select_related = ("period", "created_by")
    exclude = ("step",)  # a code for the progress page ("done"); the status says it in words

    @admin.display(description=gettext_lazy("状态"), ordering="status")
    def status_column(self, obj: PublishRun) -> str:
        url = reverse("admin:boards_publishrun_progress", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.get_status_display())


# The year-end table ---------------------------------------------------------------------------------


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    note = forms.CharField(
        label=gettext_lazy("更正说明"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=gettext_lazy("已发布的年度再次发布且结果有变化时必填，公开显示"),
    )
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("辖区"), queryset=Jurisdiction.objects.none())

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if jurisdiction_is_fixed(user):
            del self.fields["jurisdiction"]
        else:
            self.fields["jurisdiction"].queryset = scope_to_jurisdiction(Jurisdiction.objects.all(), user, "pk")


@admin.register(PublishedYear)
class PublishedYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "revision", "published_at", "published_by", "superseded_column", "link_column")
    list_filter = ("year",)
    ordering = ("-year", "-revision")
    list_display_links = None
    change_list_template = "boards/admin/publishedyear_change_list.html"
    exclude = ("html", "rows")  # the page's source and its data, not text to read: the list links the page

    def get_queryset(self, request):
        return super().get_queryset(request).defer("html", "rows").select_related("jurisdiction", "superseded_by")

    @admin.display(description=gettext_lazy("状态"))
    def superseded_column(self, obj: PublishedYear) -> str:
        return _("已被更正") if obj.is_superseded else _("现行版本")

    @admin.display(description=gettext_lazy("公开页面"))
    def link_column(self, obj: PublishedYear) -> str:
        url = board_reverse("year_revision", jurisdiction_kwargs(obj.jurisdiction), year=obj.year, revision=obj.revision)
        return _public_link(url, _("网页"))

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_publish": roles.is_office(request.user)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [path("publish/", view(self.publish_view), name="boards_publishedyear_publish")] + super().get_urls()

    def publish_view(self, request: HttpRequest) -> HttpResponse:
        """发布年度考核结果: the year's roll-up, once it covers the whole year."""
        if not roles.is_office(request.user):
            raise PermissionDenied
        form = YearForm(request.POST or None, user=request.user, initial={"year": timezone.localdate().year - 1})
        if request.method == "POST" and form.is_valid():
            jurisdiction = form.cleaned_data.get("jurisdiction") or roles.user_jurisdiction(request.user)
            try:
                result = services.year_publish(
                    jurisdiction=jurisdiction, year=form.cleaned_data["year"], by=request.user,
                    note=form.cleaned_data["note"],
                )
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _refusal(exc))
            else:
                if result.created:
                    self.message_user(request, _("已发布 %(year)d 年度考核结果第 %(revision)d 版。") % {
                        "year": result.table.year, "revision": result.table.revision}, messages.SUCCESS)
                else:
                    self.message_user(request, _("结果与已发布的第 %(revision)d 版相同，未产生新版本。") % {
                        "revision": result.table.revision}, messages.INFO)
                return HttpResponseRedirect(reverse("admin:boards_publishedyear_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("发布年度考核结果"),
            "form": form,
        }
        return TemplateResponse(request, "boards/admin/year_form.html", context)


# The schedules (django-celery-beat) -------------------------------------------------------------
#
# A periodic task runs any registered Celery task with any arguments, at once with the
# library's "run selected tasks" action: in anyone's hands but a superuser's, that is a
# management command over HTTP. So the library's admin is held to the product's rules:
# the office sees the scheduled publication the product ships with, switches it on or off
# and picks its day; it creates, deletes and runs nothing, and cannot change what a task
# does. The scheduled publication publishes the closed months of every jurisdiction, so
# when several jurisdictions share the installation, its schedule is the superuser's.

from django_celery_beat.admin import ClockedScheduleAdmin as BeatClockedScheduleAdmin  # noqa: E402
from django_celery_beat.admin import CrontabScheduleAdmin as BeatCrontabScheduleAdmin  # noqa: E402
from django_celery_beat.admin import IntervalScheduleAdmin as BeatIntervalScheduleAdmin  # noqa: E402
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin  # noqa: E402
from django_celery_beat.admin import SolarScheduleAdmin as BeatSolarScheduleAdmin  # noqa: E402
from django_celery_beat.models import (  # noqa: E402
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

OFFICE_SCHEDULED_TASKS = ("boards.tasks.publish_pending_task",)


def schedules_editable_by(request: HttpRequest) -> bool:
    """May this person change the product's schedules (beyond the model permissions)?"""
    if request.user.is_superuser:
        return True
    return roles.is_office(request.user) and Jurisdiction.objects.count() <= 1


class OfficePeriodicTaskForm(forms.ModelForm):
    """What the office may change of a scheduled task: whether it runs, and when."""

    class Meta:
        model = PeriodicTask
        fields = ("enabled", "crontab", "description")


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(ObjectNotFoundMixin, BeatPeriodicTaskAdmin):
    OFFICE_FIELDS = ("name", "task", "enabled", "description", "crontab", "crontab_translation", "last_run_at")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(task__in=OFFICE_SCHEDULED_TASKS)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return schedules_editable_by(request) and super().has_change_permission(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if not request.user.is_superuser:
            kwargs["form"] = OfficePeriodicTaskForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_fieldsets(request, obj)
        return ((None, {"fields": self.OFFICE_FIELDS}),)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("name", "task", "crontab_translation", "last_run_at")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("run_tasks", None)
        if not self.has_change_permission(request):
            for name in ("enable_tasks", "disable_tasks", "toggle_tasks"):
                actions.pop(name, None)
        return actions


admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class CrontabScheduleAdmin(ObjectNotFoundMixin, BeatCrontabScheduleAdmin):
    def has_add_permission(self, request) -> bool:
        return schedules_editable_by(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return schedules_editable_by(request) and super().has_change_permission(request, obj)


# The library's other schedules are a superuser's, as the library has them; an id that
# names nothing is a 404 there too, as on every page of the admin.
for _model, _library_admin in ((ClockedSchedule, BeatClockedScheduleAdmin), (SolarSchedule, BeatSolarScheduleAdmin),
                               (IntervalSchedule, BeatIntervalScheduleAdmin)):
    admin.site.unregister(_model)
    admin.site.register(_model, type(_library_admin.__name__, (ObjectNotFoundMixin, _library_admin),
                                     {"__module__": __name__}))
