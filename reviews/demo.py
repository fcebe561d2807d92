"""The demo district's review requests (called by ``seed_demo`` through the app registry):
东坝街道 contests last month's yellow light (pending), and 砖墙镇 contested the red light
its second yellow light in a row made, which the office upheld."""

from __future__ import annotations

from datetime import date

from ratings.models import Rating
from reviews import services


def demo_extend(*, jurisdiction, users: dict, today: date) -> None:
    office, dongba, zhuanqiang = users.get("xiaonengban"), users.get("dongba"), users.get("zhuanqiang")
    if office is None:
        return
    approved = Rating.objects.filter(period__jurisdiction=jurisdiction, status=Rating.Status.APPROVED)
    yellow = approved.filter(unit__code="DBJD", kind="yellow_light").order_by("-period__year", "-period__month").first()
    if dongba is not None and yellow is not None:
        services.review_file(
            rating=yellow, by=dongba,
            reason="3件食品安全隐患交办单中，2件已于当月25日前整改到位并报送了整改报告，"
                   "仅1件因商户停业无法复查，申请复核。",
        )
    red = approved.filter(unit__code="ZQZ", outcome="red_light").order_by("-period__year", "-period__month").first()
    if zhuanqiang is not None and red is not None:
        review = services.review_file(
            rating=red, by=zhuanqiang,
            reason="退单的5件工单中有2件不属于本镇职责范围，已按规定申请改派，不应计入随意退单。",
        )
        services.review_decide(
            request=review, by=office, upheld=True,
            reason="经调阅工单流转记录，5件工单均经指挥中心协调后明确由本镇承办，仍被退回，维持原认定。",
        )
