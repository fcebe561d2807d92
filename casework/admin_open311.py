"""Open311 interface keys (接口密钥) in the admin: the office names the system a key is for,
the product makes the key and shows it once; the office may revoke (停用) a key, never
delete it (the record of who posted with which key stays)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import ngettext

from casework import apikeys
from casework.models import ApiKey
from departments import roles
from departments.admin import ObjectNotFoundMixin, scope_to_jurisdiction


@admin.register(ApiKey)
class ApiKeyAdmin(ObjectNotFoundMixin, admin.ModelAdmin):
    list_display = ("name", "prefix_column", "created_at", "created_by", "last_used_at", "revoked_column")
    list_select_related = ("created_by",)
    search_fields = ("name", "prefix")
    actions = ["revoke_keys"]
    readonly_fields = ("prefix_column", "created_at", "created_by", "last_used_at", "revoked_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name",)  # the rest is the product's: the key, its prefix, the times
        return ("name", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_add_permission(self, request) -> bool:
        # A key goes to the office's own jurisdiction: a user without one makes none.
        return super().has_add_permission(request) and roles.user_jurisdiction(request.user) is not None

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, never deleted

    @admin.display(description=gettext_lazy("密钥前缀"), ordering="prefix")
    def prefix_column(self, obj: ApiKey) -> str:
        return f"{obj.prefix}…"

    @admin.display(description=gettext_lazy("停用时间"), ordering="revoked_at")
    def revoked_column(self, obj: ApiKey):
        return obj.revoked_at or _("在用")

    def save_model(self, request, obj: ApiKey, form, change) -> None:
        if not change:
            obj.jurisdiction = roles.user_jurisdiction(request.user)
            obj.created_by = request.user
            # The whole key lives only in this request: it is shown once, in the message below.
            request._open311_key = apikeys.key_assign(obj)
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj: ApiKey, post_url_continue=None):
        raw = getattr(request, "_open311_key", "")
        self.message_user(request, _(
            "已为“%(name)s”生成接口密钥：%(key)s 。密钥只显示这一次，请立即复制并交给使用方；"
            "遗失后只能停用并重新生成。"
        ) % {"name": obj.name, "key": raw}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:casework_apikey_changelist"))

    @admin.action(description=gettext_lazy("停用"), permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet) -> None:
        keys = list(queryset.filter(revoked_at__isnull=True))
        count = apikeys.keys_revoke(queryset.filter(pk__in=[k.pk for k in keys]))
        for key in keys:
            self.log_change(request, key, _("停用"))
        self.message_user(request, ngettext("已停用 %(count)d 个接口密钥", "已停用 %(count)d 个接口密钥", count) % {
            "count": count}, messages.SUCCESS)
