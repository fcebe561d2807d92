"""The chapters of the user manual, one per role, and who may read them.

A chapter's body is a Chinese document in ``templates/manual/chapters/<slug>.html``,
written for the people of that role; only its title and the frame around it follow
the reader's language. A later capability adds its chapter here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PUBLIC = "public"  # anyone, without an account
STAFF = "staff"  # anyone with an account in the admin, whatever the role


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
        slug="departments", title=_("职能管理部门：填报与提交认定"), role=_("职能管理部门"), audience=STAFF,
        summary=_("填报红旗、黄灯、红灯，上传佐证材料，提交审核，修改被退回的认定，关账通知"),
    ),
    Chapter(
        slug="leaders", title=_("领导：数据看板"), role=_("领导"), audience=STAFF,
        summary=_("总体情况、各月趋势、单位类别比较、加减分排行、亮灯全景和重点关注"),
    ),
    Chapter(
        slug="public", title=_("公众：查看效能亮榜"), role=_("公众"), audience=PUBLIC,
        summary=_("最新亮榜、往期、单位、大屏、PDF、年度考核结果和开放数据"),
    ),
)


def may_read(user, chapter: Chapter) -> bool:
    """The public chapter is everyone's; the others are for the people who work in the
    admin (every account of the product is staff, whatever its role)."""
    if chapter.audience == PUBLIC:
        return True
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def chapters_for(user) -> list[Chapter]:
    return [chapter for chapter in CHAPTERS if may_read(user, chapter)]


def chapter_by_slug(slug: str) -> Chapter | None:
    return next((chapter for chapter in CHAPTERS if chapter.slug == slug), None)
