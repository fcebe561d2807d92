"""Ways a notification leaves the product. A channel is a class registered by its code:
e-mail is the first; SMS or government messaging (政务微信 / 钉钉) would be another class
with the same two methods, turned on in ``LIANGBANG_NOTIFICATION_CHANNELS``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

if TYPE_CHECKING:
    from notifications.models import Delivery

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


class Channel:
    code: str = ""
    label: str = ""

    def address_for(self, user) -> str:
        """Where this person is reached on this channel; "" when they cannot be."""
        raise NotImplementedError

    def send(self, delivery: Delivery) -> None:
        """Send one delivery; raise on any failure (the task retries)."""
        raise NotImplementedError


_CHANNELS: dict[str, type[Channel]] = {}


def register(channel: type[Channel]) -> type[Channel]:
    _CHANNELS[channel.code] = channel
    return channel


def channel_for(code: str) -> Channel:
    try:
        return _CHANNELS[code]()
    except KeyError:
        raise ImproperlyConfigured(f"Unknown notification channel {code!r}; known: {sorted(_CHANNELS)}") from None


def channels_enabled() -> list[Channel]:
    codes = getattr(settings, "LIANGBANG_NOTIFICATION_CHANNELS", ["email"])
    return [channel_for(code) for code in codes]


def absolute_link(link: str) -> str:
    """The product path ``link`` as an address a mail reader can open."""
    if not link:
        return ""
    base = getattr(settings, "LIANGBANG_SITE_URL", DEFAULT_SITE_URL).rstrip("/")
    return base + "/" + link.lstrip("/")


@register
class EmailChannel(Channel):
    code = "email"
    label = gettext_lazy("邮件")

    def address_for(self, user) -> str:
        return (getattr(user, "email", "") or "").strip()

    def send(self, delivery: Delivery) -> None:
        notification = delivery.notification
        # Mail is read outside the product, in the product's first language.
        with override(settings.LANGUAGE_CODE):
            subject = _("【效能亮榜】") + notification.title
            lines = [notification.title, ""]
            if notification.body:
                lines += [notification.body, ""]
            link = absolute_link(notification.link)
            if link:
                lines += [_("查看详情：%(link)s") % {"link": link}, ""]
            lines += ["—", _("这是效能亮榜自动发送的通知邮件。如不想接收此类邮件，请登录后在“通知设置”中取消。")]
        # Header injection: a subject is one line.
        subject = " ".join(subject.split())
        EmailMessage(subject=subject, body="\n".join(lines), to=[delivery.address]).send(fail_silently=False)
