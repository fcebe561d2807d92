"""The Atom feed of editions: every revision as it is published, a correction included,
so that a government portal or a newspaper can pick the board up without scraping."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from boards import selectors
from boards.links import board_reverse, edition_kwargs
from boards.render import day_label
from boards.models import Edition
from departments.models import Jurisdiction
from boards.templatetags.board_tags import month_label
from boards.views import _place


@dataclass(frozen=True)
class FeedSource:
    place: Jurisdiction
    jkw: dict[str, str]
    request: HttpRequest


class EditionsFeed(Feed):
    """One instance serves every request: per-request state lives in ``FeedSource`` and
    on the items, never on ``self``."""

    feed_type = Atom1Feed

    def __call__(self, request: HttpRequest, *args, **kwargs):
        # Feeds are documents like the editions: always in the publication language.
        with translation.override(settings.BOARD_LANGUAGE):
            response = super().__call__(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    def get_object(self, request: HttpRequest, jurisdiction: str | None = None) -> FeedSource:
        place, jkw = _place(jurisdiction)
        return FeedSource(place=place, jkw=jkw, request=request)

    def title(self, obj: FeedSource) -> str:
        return _("%(name)s效能亮榜") % {"name": obj.place.name}

    def subtitle(self, obj: FeedSource) -> str:
        return _("每月的红旗榜和亮灯榜，含更正版本")

    def link(self, obj: FeedSource) -> str:
        return board_reverse("home", obj.jkw)

    def feed_url(self, obj: FeedSource) -> str:
        return board_reverse("feed", obj.jkw)

    def author_name(self, obj: FeedSource) -> str:
        return _("%(name)s效能办") % {"name": obj.place.name}

    def items(self, obj: FeedSource) -> list[Edition]:
        items = list(selectors.editions_for_feed(jurisdiction=obj.place))
        for item in items:
            kwargs = edition_kwargs(item.year, item.month, item.revision)
            item.feed_link = board_reverse("edition_revision", obj.jkw, **kwargs)
            item.feed_guid = obj.request.build_absolute_uri(item.feed_link)
            item.feed_pdf = obj.request.build_absolute_uri(board_reverse("edition_pdf", obj.jkw, **kwargs))
        return items

    def item_title(self, item: Edition) -> str:
        title = _("%(month)s效能亮榜") % {"month": month_label(item)}
        if item.is_notice:
            title += _("（公示稿·公示期至 %(date)s）") % {"date": day_label(item.notice_until)}
        elif item.revision > 1 and item.supersedes.is_notice and not item.correction_note:
            title += _("（第 %(revision)d 版·正式版）") % {"revision": item.revision}
        elif item.revision > 1:
            title += _("（第 %(revision)d 版·更正）") % {"revision": item.revision}
        return title

    def item_description(self, item: Edition) -> str:
        # Atom's summary is HTML here: the note (a user's text) is escaped into it.
        summary = format_html(
            "<p>{}</p>",
            _("红旗 %(flags)d 面，红灯 %(reds)d 盏，黄灯 %(yellows)d 盏。")
            % {"flags": item.red_flags, "reds": item.red_lights, "yellows": item.yellow_lights},
        )
        if item.correction_note:
            note = mark_safe(linebreaks(item.correction_note, autoescape=True))  # escaped by linebreaks
            summary += format_html("<p>{}</p>{}", _("更正说明："), note)
        return summary

    def item_link(self, item: Edition) -> str:
        return item.feed_link

    def item_guid(self, item: Edition) -> str:
        return item.feed_guid

    def item_pubdate(self, item: Edition):
        return item.published_at

    def item_updateddate(self, item: Edition):
        return item.published_at

    def item_author_name(self, item: Edition) -> str:
        return item.jurisdiction_name

    def item_enclosures(self, item: Edition) -> list[Enclosure]:
        return [Enclosure(item.feed_pdf, str(item.pdf_size), "application/pdf")]
