"""Every logged-in person's notification centre: the list, reading one, the settings."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.ids import pk_from_path
from departments import roles
from notifications import selectors, services
from notifications.models import Notification


def login_required(view):
    """Anonymous visitors go to the login page set in settings (the product's own login
    for every role, unit staff included), and come back here."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = selectors.notification_page(user=request.user, page=request.GET.get("page"))
    failed = selectors.failed_deliveries_count(request.user) if roles.is_office(request.user) else 0
    return render(request, "notifications/list.html", {
        "page": page,
        "failed_count": failed,
        "failed_url": reverse("admin:notifications_delivery_changelist") + "?status__exact=failed",
    })


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_id: str) -> HttpResponse:
    pk = pk_from_path(Notification, notification_id)
    try:
        notification = services.mark_read(request.user, pk) if pk is not None else None
    except Notification.DoesNotExist:
        notification = None
    if notification is None:
        raise Http404(_("没有找到这条通知"))
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None) and link.startswith("/"):
        return redirect(link)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    if count:
        messages.success(request, _("已将 %(count)s 条通知标为已读") % {"count": count})
    return redirect("notifications:list")


@require_http_methods(["GET", "POST"])
@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    choices = selectors.email_choices(user=request.user)
    if request.method == "POST":
        # A checkbox posts only when ticked: an unticked kind is "no e-mail".
        ticked = set(request.POST.getlist("email"))
        services.preferences_save(request.user, {kind.code: kind.code in ticked for kind, _wanted in choices})
        messages.success(request, _("通知设置已保存"))
        return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {
        "choices": choices,
        "email": (request.user.email or "").strip(),
    })
