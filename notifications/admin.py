"""The office's view of the notification mail: every delivery with its status, read-only,
filtered by status; "重新发送" queues failed ones again once the mail settings or an
address are mended. Notifications themselves are not in the admin: each person reads
their own in the product, and nobody else reads them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from departments import roles
from departments.admin import ObjectNotFoundMixin, scope_to_jurisdiction
from notifications import services
from notifications.models import Delivery


class OfficeReadOnlyAdmin(ObjectNotFoundMixin, admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return roles.is_office(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return roles.is_office(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(OfficeReadOnlyAdmin):
    list_display = ("created_at", "recipient", "title", "channel_label", "address", "status", "attempts", "last_error")
    list_filter = ("status",)  # one channel today; its code is not for people
    search_fields = ("address", "notification__title")
    list_select_related = ("notification__recipient",)
    actions = ["resend"]
    fields = ("notification", "channel_label", "address", "status", "attempts", "last_error", "created_at", "sent_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return scope_to_jurisdiction(super().get_queryset(request), request.user,
                                     "notification__recipient__profile__jurisdiction_id")

    @admin.display(description=gettext_lazy("接收人"), ordering="notification__recipient__username")
    def recipient(self, delivery: Delivery) -> str:
        user = delivery.notification.recipient
        return user.get_full_name() or user.get_username()

    @admin.display(description=gettext_lazy("标题"))
    def title(self, delivery: Delivery) -> str:
        return delivery.notification.title

    @admin.display(description=gettext_lazy("渠道"), ordering="channel")
    def channel_label(self, delivery: Delivery) -> str:
        from notifications.channels import _CHANNELS

        channel = _CHANNELS.get(delivery.channel)
        return str(channel.label) if channel else delivery.channel

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("重新发送所选的失败邮件"))
    def resend(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = services.deliveries_resend(deliveries=queryset)
        if count:
            self.message_user(request, ngettext("已重新排队 %(count)s 封邮件", "已重新排队 %(count)s 封邮件", count)
                              % {"count": count}, messages.SUCCESS)
        else:
            self.message_user(request, _("所选记录中没有发送失败的邮件"), messages.WARNING)
