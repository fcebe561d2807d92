"""The chapters of the user manual, one per role, and who may read them.

Who reads what: the public chapter is everyone's; the staff chapters are for the
accounts that work in the admin (the office, raters, leaders); the units' chapter is
for the rated units' staff, who have no admin, and for every admin account too (the
office answers the units' questions from it).

A chapter's body is a Chinese document in ``templates/manual/chapters/<slug>.html``,
written for the people of that role; only its title and the frame around it follow
the reader's language. A later capability adds its chapter here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from departments.roles import is_evaluator, is_unit_staff

PUBLIC = "public"  # anyone, without an account
STAFF = "staff"  # anyone with an account in the admin, whatever the role
UNITS = "units"  # the rated units' staff (no admin, only their desk), and every admin account
# Evaluators without the admin (评议员), the rated units (their highlights), every admin account.
EVALUATORS = "evaluators"


@dataclass(frozen=True)
class Chapter:
    slug: str
    title: Promise
    role: Promise  # who the chapter is written for, as the README's table names them
    summary: Promise
    audience: str

    @property
    def template(self) -> str:
        return f"manual/chapters/{self.slug}.html"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        slug="office", title=_("效能办：审核、关账与发布"), role=_("效能办"), audience=STAFF,
        summary=_("认定细则、审核与退回、关账（结转或撤回）、重新开放、发布月度亮榜和年度考核结果"),
    ),
    Chapter(
        slug="scorecard", title=_("效能办：年度综合考核方案与计分"), role=_("效能办"), audience=STAFF,
        summary=_("考核方案的指标体系与导入、六种计分方式、未承担任务的单位、导入考核结果、计算年度得分与得分明细、"
                  "等次与例外晋级、冻结与复制到下一年度，附手算示例"),
    ),
    Chapter(
        slug="casework", title=_("效能办：问题受理、交办与销号"), role=_("效能办"), audience=STAFF,
        summary=_("来件的来源（网上举报、录入、Open311 接口、12345工单导入）、交办答复合并与不予受理、公开答复与个人信息、"
                  "开具问题交办单、签收报送退回与销号、暂停计时与超期、到期提醒、办结回访、交办扣分与转为黄灯、问责、"
                  "季度通报、社会监督员和统计"),
    ),
    Chapter(
        slug="evaluations", title=_("评议：分阶段评议与满意度测评"), role=_("评议人"), audience=EVALUATORS,
        summary=_("评议人组与分管单位、评议轮次的设置与权重、自动生成评议安排并手工调整、评议表与工作亮点、附页、"
                  "评议结束前的保密、评议结果与计入年度考核、日常评议与答复、满意度测评的邀请码、匿名答卷、结果与意见建议转办"),
    ),
    Chapter(
        slug="departments", title=_("职能管理部门：填报与提交认定"), role=_("职能管理部门"), audience=STAFF,
        summary=_("填报红旗、黄灯、红灯，上传佐证材料，提交审核，修改被退回的认定，关账通知"),
    ),
    Chapter(
        slug="leaders", title=_("领导：数据看板"), role=_("领导"), audience=STAFF,
        summary=_("总体情况、各月趋势、单位类别比较、加减分排行、亮灯全景和重点关注"),
    ),
    Chapter(
        slug="units", title=_("被考核单位：工作台、通知与复核申请"), role=_("被考核单位"), audience=UNITS,
        summary=_("在手机上登录，查看本单位的认定、共享的佐证材料和加减分排名，申请复核并查看决定，通知与邮件设置，更正版，"
                  "签收问题交办单并报送整改情况"),
    ),
    Chapter(
        slug="public", title=_("公众：查看效能亮榜"), role=_("公众"), audience=PUBLIC,
        summary=_("最新亮榜、往期、单位、大屏、PDF、年度考核结果和开放数据，举报作风效能问题、查询办理进度和公开统计"),
    ),
)


def may_read(user, chapter: Chapter) -> bool:
    """The public chapter is everyone's; the staff chapters are for the people who work
    in the admin; the units' chapter for the rated units' staff as well; the evaluations
    chapter for the evaluators without the admin and the rated units too."""
    if chapter.audience == PUBLIC:
        return True
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if user.is_staff:
        return True
    if chapter.audience == EVALUATORS:
        return is_evaluator(user) or is_unit_staff(user)
    return chapter.audience == UNITS and is_unit_staff(user)


def chapters_for(user) -> list[Chapter]:
    return [chapter for chapter in CHAPTERS if may_read(user, chapter)]


def chapter_by_slug(slug: str) -> Chapter | None:
    return next((chapter for chapter in CHAPTERS if chapter.slug == slug), None)
