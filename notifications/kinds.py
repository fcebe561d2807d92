"""The kinds of notification: a registry in plain Python.

Each app that notifies registers its kinds here (``register``); the settings page lists
every registered kind with its e-mail checkbox, and a person's choice for a kind is kept
only where it differs from the kind's default (``email_default``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # a lazy translation
    email_default: bool
    description: str = ""
    # Kinds that are about mail itself are never mailed (a failing mail would mail again).
    in_app_only: bool = False


_REGISTRY: dict[str, Kind] = {}


class UnknownKind(LookupError):
    pass


def register(kind: Kind) -> Kind:
    """Add a kind; registering the same code again replaces it (a module imported twice)."""
    _REGISTRY[kind.code] = kind
    return kind


def kind_for(code: str) -> Kind:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownKind(code) from None


def all_kinds() -> list[Kind]:
    return list(_REGISTRY.values())


RATING_APPROVED = register(Kind(
    "rating_approved", _("认定通过"), True, _("效能办审核通过了对本单位的一条认定"),
))
RATING_RETURNED = register(Kind(
    "rating_returned", _("认定退回"), True, _("效能办退回了本部门报送的认定，需要修改后重新报送"),
))
RATINGS_SUBMITTED = register(Kind(
    "ratings_submitted", _("认定待审核汇总"), True, _("职能管理部门报送了认定，等待效能办审核（同一月份汇总为一条）"),
))
REVIEW_FILED = register(Kind(
    "review_filed", _("收到复核申请"), True, _("被考核单位对一条认定提出了复核申请"),
))
REVIEW_DECIDED = register(Kind(
    "review_decided", _("复核决定"), True, _("复核申请有了决定"),
))
DEADLINE_REMINDER = register(Kind(
    "deadline_reminder", _("报送截止提醒"), True, _("本月认定即将到达报送截止日期"),
))
CORRECTION_PUBLISHED = register(Kind(
    "correction_published", _("更正发布"), True, _("已发布的亮榜发布了更正，涉及本单位的记录"),
))
DELIVERY_FAILED = register(Kind(
    "delivery_failed", _("邮件发送失败"), False, _("一封通知邮件多次重试后仍未发出，只在站内通知效能办"),
    in_app_only=True,
))
REPORT_RECEIVED = register(Kind(
    "report_received", _("新来件"), True, _("群众举报或其他系统报送了新的来件，等待效能办处理（汇总为一条）"),
))
FORM_ISSUED = register(Kind(
    "form_issued", _("收到问题交办单"), True, _("效能办向本单位交办了问题，需要签收并在时限内报送整改情况"),
))
FORM_REPLIED = register(Kind(
    "form_replied", _("交办单已报送整改情况"), True, _("承办单位报送了整改情况，等待效能办核实销号"),
))
FORM_RETURNED = register(Kind(
    "form_returned", _("交办单退回重办"), True, _("效能办认为整改不到位，退回重办"),
))
FORM_CLOSED = register(Kind(
    "form_closed", _("交办单办结"), True, _("交办单已销号，或以未整改办结"),
))
FORM_DUE = register(Kind(
    "form_due", _("交办单到期提醒"), True, _("交办单即将到期或已经超期，每份交办单每天至多提醒一次"),
))
EVALUATION_OPENED = register(Kind(
    "evaluation_opened", _("评议开始"), True, _("效能办开始了一轮评议，请在截止日期前填写并提交评议表"),
))
EVALUATION_DUE = register(Kind(
    "evaluation_due", _("评议提醒"), True, _("本轮评议表尚未提交，每隔几天提醒一次，直至提交或截止"),
))
EVALUATION_CLOSED = register(Kind(
    "evaluation_closed", _("评议结果"), True, _("一轮评议结束，本单位的评议结果可以查看"),
))
DAILY_EVALUATION = register(Kind(
    "daily_evaluation", _("收到日常评议"), True, _("评议员对本单位作出了日常评议，请及时答复"),
))
DAILY_REPLIED = register(Kind(
    "daily_replied", _("日常评议已答复"), True, _("被评议单位答复了您的日常评议"),
))
