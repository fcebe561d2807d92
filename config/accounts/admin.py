"""The office sees failed logins and lockouts, clears them, and reads the login record.

Only the office (and superusers) see these pages: they show who tried to log in from
where. Leaders and raters do not, whatever model permissions they hold. Each office sees
its own jurisdiction's people, and the usernames that are nobody's (guesses and typos,
which an office needs to see to clear a lockout of its address); a superuser sees all.
"""

from __future__ import annotations

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from config.accounts.models import LoginLockout, LoginRecord
from departments import roles
from departments.admin import ObjectNotFoundMixin


def scope_to_office(queryset: QuerySet, user) -> QuerySet:
    """The records of the user's jurisdiction's people and of usernames that are nobody's."""
    if user.is_superuser:
        return queryset
    jurisdiction = roles.user_jurisdiction(user)
    if jurisdiction is None:
        return queryset.none()
    users = get_user_model().objects
    own = users.filter(profile__jurisdiction=jurisdiction, is_superuser=False).values("username")
    return queryset.filter(Q(username__in=own) | Q(username__isnull=True) | ~Q(username__in=users.values("username")))


class OfficeOnlyMixin(ObjectNotFoundMixin):
    """Visible to the office, read-only except for clearing (deleting) records."""

    def get_queryset(self, request):
        return scope_to_office(super().get_queryset(request), request.user)

    def has_module_permission(self, request) -> bool:
        return roles.is_office(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.is_office(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # axes' field names are English and it has no Chinese catalogue: the columns are named here.
    @admin.display(description=gettext_lazy("用户名"), ordering="username")
    def username_column(self, obj) -> str:
        return obj.username or ""

    @admin.display(description=gettext_lazy("IP 地址"), ordering="ip_address")
    def address_column(self, obj) -> str:
        return obj.ip_address or ""

    @admin.display(description=gettext_lazy("浏览器"))
    def browser_column(self, obj) -> str:
        return obj.user_agent


def _recent():
    """The failures that still count: axes forgets a row a cool-off after its last failure."""
    cool_off = get_cool_off()
    return Q(attempt_time__gte=timezone.now() - cool_off) if cool_off else Q()


def _total(**match) -> Coalesce:
    same = AccessAttempt.objects.filter(_recent(), **match).order_by().values(*match).annotate(
        total=Sum("failures_since_start")).values("total")
    return Coalesce(Subquery(same, output_field=IntegerField()), Value(0))


class LockedFilter(admin.SimpleListFilter):
    title = gettext_lazy("状态")
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return (("yes", gettext_lazy("已锁定")), ("no", gettext_lazy("未锁定")))

    def queryset(self, request, queryset):
        locked = Q(failures__gte=settings.AXES_FAILURE_LIMIT) | Q(
            address_failures__gte=settings.LOGIN_ADDRESS_FAILURE_LIMIT)
        if self.value() == "yes":
            return queryset.filter(locked)
        if self.value() == "no":
            return queryset.exclude(locked)
        return queryset


@admin.register(LoginLockout)
class LoginLockoutAdmin(OfficeOnlyMixin, admin.ModelAdmin):
    list_display = ("username_column", "address_column", "failures_column", "time_column", "status_column",
                    "browser_column")
    list_display_links = None
    list_filter = (LockedFilter,)
    search_fields = ("username", "ip_address")
    actions = ("unlock", "unlock_addresses")

    def get_queryset(self, request):
        # One row per (username, address, browser): a person's lockout counts every browser's
        # failures, an address's every username's.
        return super().get_queryset(request).annotate(
            failures=_total(username=OuterRef("username"), ip_address=OuterRef("ip_address")),
            address_failures=_total(ip_address=OuterRef("ip_address")),
        )

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.is_office(request.user)  # deleting the records is what clears a lockout

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # the two unlock actions say what they do
        return actions

    @admin.display(description=gettext_lazy("最后一次失败"), ordering="attempt_time")
    def time_column(self, obj):
        return obj.attempt_time

    @admin.display(description=gettext_lazy("失败次数"), ordering="failures")
    def failures_column(self, obj) -> int:
        return obj.failures

    @admin.display(description=gettext_lazy("状态"))
    def status_column(self, obj) -> str:
        cool_off = get_cool_off()
        until = timezone.localtime(obj.attempt_time + cool_off).strftime("%H:%M") if cool_off else ""
        if obj.failures >= settings.AXES_FAILURE_LIMIT:
            return gettext("已锁定，至 %(time)s") % {"time": until} if until else gettext("已锁定")
        if obj.address_failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return gettext("该地址已整体锁定")
        return gettext("未锁定")

    def _clear(self, request, cleared: QuerySet) -> None:
        cleared = LoginLockout.objects.filter(pk__in=list(cleared.values_list("pk", flat=True)))
        people = cleared.values_list("username", "ip_address").distinct().count()
        self.log_deletions(request, cleared)
        cleared.delete()
        self.message_user(request, ngettext(
            "已清除 %(count)d 人的失败记录，可以立即重新登录。",
            "已清除 %(count)d 人的失败记录，可以立即重新登录。",
            people,
        ) % {"count": people}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("解除锁定（所选用户在该地址的失败记录）"), permissions=("delete",))
    def unlock(self, request, queryset):
        people = Q(pk__in=[])
        for username, address in queryset.values_list("username", "ip_address").distinct():
            people |= Q(username=username, ip_address=address)
        self._clear(request, self.get_queryset(request).filter(people))

    @admin.action(description=gettext_lazy("解除地址锁定（所选地址的全部失败记录）"), permissions=("delete",))
    def unlock_addresses(self, request, queryset):
        addresses = queryset.values_list("ip_address", flat=True).distinct()
        # Only the rows this office may see: another jurisdiction's people stay as they are.
        self._clear(request, self.get_queryset(request).filter(ip_address__in=list(addresses)))


@admin.register(LoginRecord)
class LoginRecordAdmin(OfficeOnlyMixin, admin.ModelAdmin):
    list_display = ("username_column", "address_column", "time_column", "logout_column", "browser_column")
    list_display_links = None
    search_fields = ("username", "ip_address")

    @admin.display(description=gettext_lazy("登录时间"), ordering="attempt_time")
    def time_column(self, obj):
        return obj.attempt_time

    @admin.display(description=gettext_lazy("退出时间"), ordering="logout_time")
    def logout_column(self, obj):
        return obj.logout_time

