"""Publishing a month: what the board reads, editions, idempotence, revisions."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from boards import services
from boards.models import Edition, EditionEntry, ImmutableRecord
from ratings import publication, rules
from ratings.models import Period
from tests.board_support import _board_cache, approved, close, draft, fast_pdf, reopen, submitted  # noqa: F401
from tests.factories import OrganisationFactory, PeriodFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_january(january, alice, bob, dept_a, dept_b, town, town2):
    """January 2026: a red flag for 淳溪街道 and a yellow light for 古柏街道, both approved;
    a submitted-then-returned and a draft rating that must never show."""
    approved(january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件，满意率98.6%", office=alice)
    approved(january, dept_b, town2, rules.YELLOW_LIGHT, "随意退单6件", office=alice)
    draft(january, dept_a, town2, rules.YELLOW_LIGHT, "草稿：不应出现", by=bob)
    return close(january, alice)


# What the board reads -------------------------------------------------------------------------


def test_a_months_board_holds_its_approved_ratings_by_board(closed_january):
    board = publication.month_board(period=closed_january)
    assert [(row.unit_name, row.outcome) for row in board.honour] == [("淳溪街道", rules.RED_FLAG)]
    assert [(row.unit_name, row.outcome) for row in board.warning] == [("古柏街道", rules.YELLOW_LIGHT)]
    assert all("草稿" not in row.reason for row in board.rows)


def test_an_open_month_has_no_board(january):
    with pytest.raises(publication.MonthNotClosed):
        publication.month_board(period=january)


def test_red_lights_come_first_on_the_warning_board_and_say_why(alice, dept_a, dept_b, town, town2, january, february):
    approved(january, dept_a, town, rules.YELLOW_LIGHT, "一月黄灯", office=alice)
    close(january, alice)
    approved(february, dept_b, town2, rules.YELLOW_LIGHT, "二月普通黄灯", office=alice)
    approved(february, dept_b, town, rules.YELLOW_LIGHT, "二月连续黄灯", office=alice)
    other = OrganisationFactory(name="东坝街道")
    approved(february, dept_a, other, rules.YELLOW_LIGHT, "围挡倒塌，交通中断", office=alice, serious=True)
    close(february, alice)

    warning = publication.month_board(period=february).warning
    assert [row.outcome for row in warning] == [rules.RED_LIGHT, rules.RED_LIGHT, rules.YELLOW_LIGHT]
    by_unit = {row.unit_name: row for row in warning}
    assert by_unit["淳溪街道"].escalation == rules.ESCALATED_CONSECUTIVE
    assert by_unit["淳溪街道"].escalated_after == "2026-01"
    assert by_unit["淳溪街道"].entered_kind == rules.YELLOW_LIGHT
    assert by_unit["东坝街道"].escalation == rules.ESCALATED_SERIOUS


# Publishing -----------------------------------------------------------------------------------------


def test_publishing_a_closed_month_makes_an_edition_and_marks_the_month_published(closed_january, alice, fast_pdf):
    result = services.edition_publish(period=closed_january, by=alice)

    edition = result.edition
    assert result.created
    assert (edition.year, edition.month, edition.revision) == (2026, 1, 1)
    assert (edition.red_flags, edition.yellow_lights, edition.red_lights) == (1, 1, 0)
    assert edition.published_by == alice
    assert "淳溪街道" in edition.html and "古柏街道" in edition.lobby_html
    assert edition.pdf.read().startswith(b"%PDF")
    assert len(edition.html_sha256) == len(edition.pdf_sha256) == len(edition.content_sha256) == 64
    assert EditionEntry.objects.filter(edition=edition).count() == 2
    closed_january.refresh_from_db()
    assert closed_january.status == Period.Status.PUBLISHED


def test_the_stored_checksums_are_those_of_the_stored_page_and_pdf(closed_january, alice):
    import hashlib

    edition = services.edition_publish(period=closed_january, by=alice).edition
    assert hashlib.sha256(edition.html.encode()).hexdigest() == edition.html_sha256
    assert hashlib.sha256(edition.pdf.read()).hexdigest() == edition.pdf_sha256
    assert edition.pdf_size == edition.pdf.size


def test_publishing_twice_yields_one_edition(closed_january, alice, fast_pdf):
    first = services.edition_publish(period=closed_january, by=alice)
    second = services.edition_publish(period=closed_january, by=alice)
    third = services.edition_publish(period=closed_january, by=None, note="没有变化也写了说明")

    assert first.created and not second.created and not third.created
    assert second.edition.pk == third.edition.pk == first.edition.pk
    assert Edition.objects.count() == 1


def test_an_open_month_cannot_be_published(january, alice, fast_pdf):
    with pytest.raises(ValidationError) as refused:
        services.edition_publish(period=january, by=alice)
    assert "尚未关账" in refused.value.messages[0]
    assert not Edition.objects.exists()


def test_a_month_with_ratings_awaiting_review_is_not_closed_so_not_published(january, alice, bob, dept_a, town):
    submitted(january, dept_a, town, rules.RED_FLAG, "待审核", by=bob)
    with pytest.raises(ValidationError):
        close(january, alice)
    with pytest.raises(ValidationError):
        services.edition_publish(period=january, by=alice)


def test_only_the_office_publishes(closed_january, bob, leo, fast_pdf):
    for person in (bob, leo):
        with pytest.raises(PermissionDenied):
            services.edition_publish(period=closed_january, by=person)
    assert not Edition.objects.exists()


def test_an_empty_closed_month_publishes_an_empty_board(alice, fast_pdf):
    period = close(PeriodFactory(year=2026, month=5), alice)
    edition = services.edition_publish(period=period, by=alice).edition
    assert edition.total == 0
    assert "本月没有单位获得红旗" in edition.html


# Corrections ----------------------------------------------------------------------------------------


def _correct(period, alice, dept_b, town2):
    """The office reopens the published month, withdraws the yellow light, closes it again."""
    reopen(period, alice)
    rating = period.ratings.get(unit=town2, status="approved")
    from ratings import services as rating_services

    rating_services.rating_return(rating=rating, by=alice, reason="经复核不成立")
    rating_services.rating_delete(rating=rating, by=alice)
    return close(period, alice)


def test_a_correction_is_a_new_revision_with_its_note_and_the_first_is_superseded(
    closed_january, alice, dept_b, town2, fast_pdf
):
    first = services.edition_publish(period=closed_january, by=alice).edition
    period = _correct(closed_january, alice, dept_b, town2)

    second = services.edition_publish(period=period, by=alice, note="经复核，撤销对古柏街道的黄灯认定。").edition

    assert second.revision == 2
    assert second.supersedes == first
    assert second.correction_note == "经复核，撤销对古柏街道的黄灯认定。"
    assert "经复核，撤销对古柏街道的黄灯认定。" in second.html
    assert (second.red_flags, second.yellow_lights) == (1, 0)
    first.refresh_from_db()
    assert first.is_superseded and not second.is_superseded
    assert "古柏街道" in first.html  # the first revision stays exactly as it was published
    assert Edition.objects.filter(year=2026, month=1).count() == 2


def test_a_changed_board_is_not_republished_without_a_correction_note(closed_january, alice, dept_b, town2, fast_pdf):
    services.edition_publish(period=closed_january, by=alice)
    period = _correct(closed_january, alice, dept_b, town2)

    with pytest.raises(services.NoteRequired) as refused:
        services.edition_publish(period=period, by=alice)
    assert "更正说明" in refused.value.messages[0]
    assert Edition.objects.count() == 1


def test_a_reopened_published_month_keeps_its_edition_public_until_republished(
    closed_january, alice, dept_b, town2, fast_pdf
):
    edition = services.edition_publish(period=closed_january, by=alice).edition
    reopen(closed_january, alice)
    with pytest.raises(ValidationError):
        services.edition_publish(period=closed_january, by=alice)
    assert Edition.objects.get() == edition


def test_an_edition_cannot_be_changed_once_made(closed_january, alice, fast_pdf):
    edition = services.edition_publish(period=closed_january, by=alice).edition
    edition.correction_note = "事后改动"
    with pytest.raises(ImmutableRecord):
        edition.save()
    entry = edition.entries.first()
    entry.reason = "事后改动"
    with pytest.raises(ImmutableRecord):
        entry.save()


def test_the_scheduled_publication_publishes_every_closed_month_and_leaves_corrections_to_the_office(
    closed_january, alice, dept_b, town2, fast_pdf
):
    february = close(PeriodFactory(year=2026, month=2), alice)
    services.edition_publish(period=closed_january, by=alice)
    _correct(closed_january, alice, dept_b, town2)  # changed since publication: needs a note

    outcomes = {o.period.label: o for o in services.editions_publish_pending()}

    assert outcomes["2026-02"].created
    assert outcomes["2026-01"].edition is None and "更正说明" in outcomes["2026-01"].problem
    february.refresh_from_db()
    assert february.status == Period.Status.PUBLISHED
    assert Edition.objects.filter(month=1).count() == 1


def test_a_preview_says_whether_publishing_would_change_anything(closed_january, alice, dept_b, town2, fast_pdf):
    assert services.edition_preview(period=closed_january).changed
    services.edition_publish(period=closed_january, by=alice)
    preview = services.edition_preview(period=closed_january)
    assert not preview.changed and not preview.needs_note
    period = _correct(closed_january, alice, dept_b, town2)
    assert services.edition_preview(period=period).needs_note


def test_re_entering_an_identical_rating_does_not_make_a_new_revision(closed_january, alice, dept_a, town, fast_pdf):
    services.edition_publish(period=closed_january, by=alice)
    reopen(closed_january, alice)
    from ratings import services as rating_services

    old = closed_january.ratings.get(unit=town)
    rating_services.rating_return(rating=old, by=alice, reason="重新录入")
    rating_services.rating_delete(rating=old, by=alice)
    approved(closed_january, dept_a, town, rules.RED_FLAG, "主动承办疑难工单9件，满意率98.6%", office=alice)
    close(closed_january, alice)

    assert not services.edition_publish(period=closed_january, by=alice).created


def test_an_edition_is_a_chinese_document_whatever_the_offices_interface_language(closed_january, alice, fast_pdf):
    from django.utils import translation

    with translation.override("en"):
        edition = services.edition_publish(period=closed_january, by=alice).edition
    assert '<html lang="zh-CN"' in edition.html and "红旗榜" in edition.html
    assert '<html lang="zh-CN"' in edition.lobby_html
