"""A believable demo district for `python manage.py seed_demo`.

Gaochun district (南京市高淳区) as the 2022 Nanjing Daily report describes it: the
functional management departments that rate (12345 hotline, social insurance centre,
commerce bureau …), the streets, towns, bureaus and state firms they rate, a rule book
per year, and a year of approved ratings in the report's proportions (2021: 332 red
flags, 82 yellow lights, 2 red lights), here at about half that scale because the demo
has fewer units than the real district.

Every rating goes through ``ratings.services``, so escalation is computed by the real
code. The random generator is seeded: the same day always builds the same district.
"""

from __future__ import annotations

import io
import random
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from departments import roles
from departments.models import Category, Jurisdiction, Organisation, Profile
from ratings import rules, services
from ratings.models import Criterion, Period, Rating, RuleBook

JURISDICTION_NAME = "南京市高淳区"
SEED = 2016  # the year Gaochun started 效能亮榜

# A full year at demo scale: about half of Gaochun's 2021 figures (332 : 82 : 2).
# The red lights are not drawn at random: they come from the planned escalations below.
FLAGS_PER_YEAR = 166
YELLOWS_PER_YEAR = 41

# Fewer red flags around the Spring Festival, more at year end.
FLAG_SEASON = (0.7, 0.6, 1.0, 1.0, 1.0, 1.1, 1.0, 0.9, 1.0, 1.0, 1.1, 1.3)
YELLOW_SEASON = (0.8, 0.7, 1.0, 1.1, 1.0, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0)

# Categories of assessed units, in display order.
DEPARTMENT_CATEGORY = "区级机关部门"
STREET = "街道"
TOWN = "镇"
PARK = "开发园区"
STATE_FIRM = "国有企业"
CATEGORIES = (DEPARTMENT_CATEGORY, STREET, TOWN, PARK, STATE_FIRM)
TOWNSHIPS = (STREET, TOWN)  # 镇街


@dataclass(frozen=True)
class Org:
    code: str
    name: str
    category: str
    rates: bool = False  # 职能管理部门
    rated: bool = True  # 被考核单位
    flag_weight: float = 1.0  # how often the unit earns a red flag, relative to the others
    yellow_weight: float = 1.0


ORGS: tuple[Org, ...] = (
    # Departments that only rate.
    Org("RX12345", "区12345热线办", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("SBZX", "区社会保险管理中心", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("CZJ", "区财政局", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("TJJ", "区统计局", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("SJJ", "区审计局", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("XFJ", "区信访局", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("ZWB", "区政务服务管理办公室", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("SWUJ", "区税务局", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("SJU", "区数据局", DEPARTMENT_CATEGORY, rates=True, rated=False),
    Org("XFDD", "区消防救援大队", DEPARTMENT_CATEGORY, rates=True, rated=False),
    # Departments that rate and are rated (两者).
    Org("FGW", "区发改委", DEPARTMENT_CATEGORY, rates=True),
    Org("ZJJ", "区住建局", DEPARTMENT_CATEGORY, rates=True),
    Org("SCJGJ", "区市场监管局", DEPARTMENT_CATEGORY, rates=True),
    Org("RSJ", "区人社局", DEPARTMENT_CATEGORY, rates=True),
    Org("SWJ", "区商务局", DEPARTMENT_CATEGORY, rates=True, flag_weight=1.6),
    Org("STHJJ", "区生态环境局", DEPARTMENT_CATEGORY, rates=True),
    Org("JTYSJ", "区交通运输局", DEPARTMENT_CATEGORY, rates=True, yellow_weight=1.3),
    Org("SLJ", "区水务局", DEPARTMENT_CATEGORY, rates=True),
    Org("NYNCJ", "区农业农村局", DEPARTMENT_CATEGORY, rates=True),
    Org("CGJ", "区城管局", DEPARTMENT_CATEGORY, rates=True, yellow_weight=1.5),
    Org("YJGLJ", "区应急管理局", DEPARTMENT_CATEGORY, rates=True),
    Org("GXJ", "区工信局", DEPARTMENT_CATEGORY, rates=True),
    Org("KJJ", "区科技局", DEPARTMENT_CATEGORY, rates=True),
    Org("GHZY", "区规划资源分局", DEPARTMENT_CATEGORY, rates=True),
    # Bureaus that are only rated.
    Org("JYJ", "区教育局", DEPARTMENT_CATEGORY),
    Org("WJW", "区卫健委", DEPARTMENT_CATEGORY),
    Org("MZJ", "区民政局", DEPARTMENT_CATEGORY),
    Org("WLJ", "区文旅局", DEPARTMENT_CATEGORY),
    Org("SFJ", "区司法局", DEPARTMENT_CATEGORY),
    Org("TYJR", "区退役军人事务局", DEPARTMENT_CATEGORY),
    # Streets and towns.
    Org("CXJD", "淳溪街道", STREET, flag_weight=1.2),
    Org("GBJD", "古柏街道", STREET, flag_weight=1.3),
    Org("QQJD", "漆桥街道", STREET),
    Org("GCJD", "固城街道", STREET),
    Org("DBJD", "东坝街道", STREET, yellow_weight=1.2),
    Org("YXJD", "桠溪街道", STREET),
    Org("YJZ", "阳江镇", TOWN, flag_weight=2.0, yellow_weight=0.5),
    Org("ZQZ", "砖墙镇", TOWN, yellow_weight=1.8),
    Org("KFQ", "高淳经济开发区", PARK, flag_weight=1.3),
    # State-owned firms.
    Org("CJJT", "区城建集团", STATE_FIRM, yellow_weight=1.4),
    Org("GZJT", "区国资集团", STATE_FIRM),
    Org("JTJT", "区交通集团", STATE_FIRM),
    Org("WLJT", "区文旅集团", STATE_FIRM),
    Org("SWJT", "区水务集团", STATE_FIRM),
)

# Merged into 区城建集团 at the start of the current year: retired, history kept.
RETIRED_AT_NEW_YEAR = "JTJT"
# Joined the board with this year's rule book (the report: 12 departments at first, 23 by 2022).
JOINED_THIS_YEAR = ("SJU", "XFDD")


@dataclass(frozen=True)
class CriterionSpec:
    code: str
    text: str
    kind: str
    new_this_year: bool = False


CRITERIA: tuple[CriterionSpec, ...] = (
    CriterionSpec("HQ-01", "积极承办多次流转、职责不清、职能交叉的12345疑难复杂诉求，工单办理质效突出", rules.RED_FLAG),
    CriterionSpec("HQ-02", "城乡居民养老保险等民生征缴任务按月量化、超序时完成", rules.RED_FLAG),
    CriterionSpec("HQ-03", "省市区重大项目推进有力，开工、投资等节点任务超序时完成", rules.RED_FLAG),
    CriterionSpec("HQ-04", "招商引资成效突出，亿元以上项目签约、落地数量居全区前列", rules.RED_FLAG),
    CriterionSpec("HQ-05", "深化“放管服”改革、优化营商环境举措有力，企业群众获得感强", rules.RED_FLAG),
    CriterionSpec("HQ-06", "急难险重任务中主动担当、攻坚克难，表现突出", rules.RED_FLAG),
    CriterionSpec("HQ-07", "民生实事项目按期保质完成，群众满意度高", rules.RED_FLAG),
    CriterionSpec("HQ-08", "创新工作方法，经验做法获市级以上肯定或推广", rules.RED_FLAG),
    CriterionSpec("HQ-09", "安全生产、生态环境、食品安全等底线工作落实到位，督查考核排名靠前", rules.RED_FLAG),
    CriterionSpec("HQ-10", "数据报送及时准确，省市监测系统报送率100%", rules.RED_FLAG, new_this_year=True),
    CriterionSpec("HD-01", "12345工单随意退单、反复退单，或不接受指定派单", rules.YELLOW_LIGHT),
    CriterionSpec("HD-02", "12345工单超时办结、答复敷衍，群众不满意率偏高", rules.YELLOW_LIGHT),
    CriterionSpec("HD-03", "重点工作未按序时进度推进，明显滞后且无正当理由", rules.YELLOW_LIGHT),
    CriterionSpec("HD-04", "推诿扯皮，职责交叉事项互相推诿、久拖不决", rules.YELLOW_LIGHT),
    CriterionSpec("HD-05", "不作为、慢作为、乱作为，企业群众反映强烈", rules.YELLOW_LIGHT),
    CriterionSpec("HD-06", "材料、数据迟报、漏报、错报", rules.YELLOW_LIGHT),
    CriterionSpec("HD-07", "“门好进、脸好看、事难办”，服务窗口办事不规范", rules.YELLOW_LIGHT),
    CriterionSpec("HD-08", "上级交办、督办事项逾期未办结或整改不到位", rules.YELLOW_LIGHT),
    CriterionSpec("HD-09", "涉企检查随意、重复，干扰企业正常生产经营", rules.YELLOW_LIGHT, new_this_year=True),
)

ALL_CATEGORIES = CATEGORIES
# Who each department rates: categories of units, plus single units by code.
Scope = tuple[str, ...]


@dataclass(frozen=True)
class Line:
    """One department's line of work: whom it rates, how often, and what it writes."""

    department: str
    scope: Scope
    weight: float
    flags: tuple[tuple[str, str], ...]  # (criterion code, reason template)
    yellows: tuple[tuple[str, str], ...]


# Reason templates take {month} and the numbers drawn in _numbers().
LINES: tuple[Line, ...] = (
    Line("RX12345", ALL_CATEGORIES, 4.0,
         flags=(("HQ-01", "主动承办多次流转、职责交叉的疑难工单{n}件，当月工单办理满意率{sat}%"),
                ("HQ-01", "牵头办结跨部门疑难诉求{m}件，群众回访满意，做法在全区通报推广")),
         yellows=(("HD-01", "{month}月随意退单{n}件，其中{m}件经指挥中心协调后仍不接受指定派单"),
                  ("HD-02", "{month}月{n}件工单超时办结，回访不满意{m}件"))),
    Line("SBZX", TOWNSHIPS, 2.5,
         flags=(("HQ-02", "城乡居民养老保险征缴进度{ahead_pct}%，超序时进度{ahead}个百分点，工作人员下沉村组上门服务"),
                ("HQ-02", "按月量化征缴任务，当月新增参保缴费{big}0人，避免年底集中排队缴费")),
         yellows=(("HD-03", "城乡居民养老保险征缴进度{behind_pct}%，低于序时进度{behind}个百分点"),)),
    Line("SWJ", TOWNSHIPS + (PARK,), 2.5,
         flags=(("HQ-04", "新签约亿元以上项目{m}个，协议投资{amount}亿元"),
                ("HQ-04", "招商引资“百日竞赛”成效突出，{m}个亿元以上项目当月开工")),
         yellows=(("HD-06", "招商引资在谈项目台账未按时报送，{m}个项目进展情况不清"),
                  ("HD-03", "签约项目开工率低于序时进度{behind}个百分点"))),
    Line("FGW", TOWNSHIPS + (PARK, STATE_FIRM), 2.0,
         flags=(("HQ-03", "{m}个省市重大项目按序时开工，完成年度投资计划{ahead_pct}%"),
                ("HQ-03", "全社会固定资产投资增速连续{m}个月全区领先")),
         yellows=(("HD-03", "重大项目前期手续推进滞后，{m}个项目未按节点开工"),)),
    Line("ZJJ", TOWNSHIPS + (STATE_FIRM,), 1.5,
         flags=(("HQ-07", "老旧小区改造{m}个片区按期完工，居民满意率{sat}%"),
                ("HQ-06", "汛期连夜排查危房{big}处，及时转移群众，未发生安全事故")),
         yellows=(("HD-08", "在建工地扬尘管控问题经督查{m}次仍未整改到位"),
                  ("HD-03", "保障性住房项目进度滞后序时{behind}个百分点"))),
    Line("SCJGJ", TOWNSHIPS, 1.5,
         flags=(("HQ-09", "食品安全“两个责任”督导任务全部完成，抽检合格率{sat}%"),
                ("HQ-05", "个体工商户登记“一件事”改革落实到位，办结时限压缩{ahead}0%")),
         yellows=(("HD-08", "食品安全隐患交办单{m}件逾期未整改"),
                  ("HD-09", "对同一企业{month}月重复检查{m}次，企业反映强烈"))),
    Line("RSJ", TOWNSHIPS + (PARK, STATE_FIRM), 1.5,
         flags=(("HQ-07", "新增城镇就业{big}0人，超序时完成年度目标"),
                ("HQ-06", "根治欠薪冬季专项行动中为{big}名农民工追回工资")),
         yellows=(("HD-08", "欠薪线索交办件{m}件逾期未办结"),)),
    Line("STHJJ", TOWNSHIPS + (PARK, STATE_FIRM), 1.3,
         flags=(("HQ-09", "固城湖、石臼湖入湖河道水质稳定达标，断面考核全市前列"),
                ("HQ-06", "突击完成环保督察交办件{m}件整改，全部销号")),
         yellows=(("HD-08", "环保督察交办件整改不到位，{m}件被市级通报"),)),
    Line("JTYSJ", TOWNSHIPS + (STATE_FIRM,), 1.0,
         flags=(("HQ-03", "农村公路提档升级{n}公里按期完工"),),
         yellows=(("HD-03", "农村公路养护工程进度滞后序时{behind}个百分点"),)),
    Line("SLJ", TOWNSHIPS + (STATE_FIRM,), 1.0,
         flags=(("HQ-06", "防汛抗旱期间{big}小时值守，及时处置险情{m}处"),
                ("HQ-07", "农村供水管网改造按期通水，惠及{big}00户")),
         yellows=(("HD-08", "河湖长制巡河记录缺失，交办问题{m}件未整改"),)),
    Line("NYNCJ", TOWNSHIPS, 1.0,
         flags=(("HQ-07", "高标准农田建设{big}00亩按期完成验收"),
                ("HQ-08", "螃蟹产业“合作社+农户”模式获市级推广")),
         yellows=(("HD-06", "农业统计数据迟报{m}次"),)),
    Line("CGJ", (STREET, STATE_FIRM), 1.0,
         flags=(("HQ-07", "垃圾分类示范小区创建{m}个，居民参与率{sat}%"),),
         yellows=(("HD-05", "沿街占道经营问题群众反复投诉，{m}周内未见整改"),)),
    Line("YJGLJ", TOWNSHIPS + (PARK, STATE_FIRM), 1.3,
         flags=(("HQ-09", "安全生产专项整治排查隐患{big}处，整改率100%"),),
         yellows=(("HD-08", "安全隐患交办单{m}件逾期未整改到位"),)),
    Line("GXJ", TOWNSHIPS + (PARK,), 1.0,
         flags=(("HQ-10", "省级中小微企业监测系统报送率100%，数据质量全市前列"),
                ("HQ-05", "帮助{m}家企业申报省级专精特新，全部通过")),
         yellows=(("HD-06", "工业企业运行监测数据迟报{m}次"),)),
    Line("KJJ", TOWNSHIPS + (PARK,), 0.8,
         flags=(("HQ-03", "超序时完成新增授权发明专利任务目标"),),
         yellows=(("HD-03", "高新技术企业培育入库数低于序时进度{behind}个百分点"),)),
    Line("GHZY", TOWNSHIPS + (STATE_FIRM,), 1.0,
         flags=(("HQ-05", "重点项目用地报批提前{m}周完成，保障项目按期开工"),),
         yellows=(("HD-04", "项目用地红线调整与相关部门互相推诿，拖延{m}周"),)),
    Line("CZJ", (DEPARTMENT_CATEGORY, STATE_FIRM), 0.8,
         flags=(("HQ-03", "预算执行进度{ahead_pct}%，超序时{ahead}个百分点"),),
         yellows=(("HD-06", "部门决算报表迟报，经催报{m}次才报送"),)),
    Line("TJJ", TOWNSHIPS + (DEPARTMENT_CATEGORY,), 0.8,
         flags=(("HQ-10", "统计数据报送及时准确，联网直报率100%"),),
         yellows=(("HD-06", "统计数据错报{m}处，影响全区数据质量"),)),
    Line("SJJ", (DEPARTMENT_CATEGORY, STATE_FIRM), 0.6,
         flags=(("HQ-06", "审计发现问题{n}项按期整改销号"),),
         yellows=(("HD-08", "审计发现问题整改不到位，{m}项未按期销号"),)),
    Line("XFJ", TOWNSHIPS + (DEPARTMENT_CATEGORY,), 1.0,
         flags=(("HQ-06", "化解信访积案{m}件，息诉罢访"),),
         yellows=(("HD-04", "信访事项与相关单位互相推诿，信访人重复来访{m}次"),)),
    Line("ZWB", (DEPARTMENT_CATEGORY, STREET, TOWN), 1.2,
         flags=(("HQ-05", "“一件事一次办”事项{n}项全部上线，群众办事“最多跑一次”"),
                ("HQ-08", "“办不成事”反映窗口协调解决企业群众难题{m}件")),
         yellows=(("HD-07", "窗口人员办事不规范，群众{m}次投诉“事难办”"),)),
    Line("SWUJ", TOWNSHIPS + (PARK,), 0.8,
         flags=(("HQ-05", "协税护税成效明显，组织入库税款超序时{ahead}个百分点"),),
         yellows=(("HD-06", "涉税信息交换迟报{m}次"),)),
    Line("SJU", (DEPARTMENT_CATEGORY,), 0.6,
         flags=(("HQ-10", "政务数据共享目录按时更新，数据归集率100%"),),
         yellows=(("HD-06", "政务数据归集不及时，{m}类数据逾期未更新"),)),
    Line("XFDD", TOWNSHIPS + (STATE_FIRM,), 0.8,
         flags=(("HQ-09", "消防安全专项整治排查“九小场所”{big}家，整改到位"),),
         yellows=(("HD-08", "火灾隐患交办单{m}件逾期未整改"),)),
)


@dataclass(frozen=True)
class Persona:
    username: str
    display_name: str
    group: str | None  # None: the superuser
    department: str | None = None
    unit: str | None = None  # unit staff: the rated unit's code


PERSONAS: tuple[Persona, ...] = (
    Persona("admin", "系统管理员", None),
    Persona("xiaonengban", "区效能办", roles.OFFICE),
    Persona("rexian", "区12345热线办", roles.RATER, "RX12345"),
    Persona("shebao", "区社会保险管理中心", roles.RATER, "SBZX"),
    Persona("zhujian", "区住建局", roles.RATER, "ZJJ"),
    Persona("shangwu", "区商务局", roles.RATER, "SWJ"),
    Persona("lingdao", "区领导", roles.LEADER),
    Persona("dongba", "东坝街道", roles.UNIT_STAFF, unit="DBJD"),
    Persona("zhuanqiang", "砖墙镇", roles.UNIT_STAFF, unit="ZQZ"),
    Persona("pingyi", "作风效能评议员", roles.EVALUATOR),
)
OFFICE_USERNAME = "xiaonengban"


@dataclass(frozen=True)
class Login:
    username: str
    role: str  # a group name, or "" for the superuser
    department: str  # the rater's department name, else ""


@dataclass
class Summary:
    created: bool
    departments: int = 0
    units: int = 0
    rulebooks: int = 0
    approved: Counter = field(default_factory=Counter)  # outcome -> count
    pending: int = 0  # submitted ratings awaiting review in the open month
    drafts: int = 0
    logins: list[Login] = field(default_factory=list)


# The planned part of the story -------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A rating the demo needs regardless of the dice: escalations, the open month."""

    position: int  # index into the months list (closed months, then the open month)
    department: str
    unit: str
    kind: str
    criterion: str
    reason: str
    serious_impact: bool = False
    status: str = Rating.Status.APPROVED  # for the open month: draft, submitted or returned
    return_reason: str = ""


def _planned(closed: int) -> list[Planned]:
    """``closed`` is the number of closed months (at least 12); position ``closed`` is
    the open month. Two red lights a year, as in 2021, plus a yellow light awaiting
    review in the open month that completes a chain when the office approves it."""
    Y, F = rules.YELLOW_LIGHT, rules.RED_FLAG
    S, D, R = Rating.Status.SUBMITTED, Rating.Status.DRAFT, Rating.Status.RETURNED
    now = closed
    return [
        # Last year: 区城管局 gets yellow lights from two departments in a row → red;
        # the third one starts a new chain and stays yellow.
        Planned(4, "RX12345", "CGJ", Y, "HD-01", "随意退单7件，其中占道经营类工单3件经指挥中心协调后仍拒不接受指定派单"),
        Planned(5, "XFJ", "CGJ", Y, "HD-04", "沿街商铺油烟扰民信访事项与街道互相推诿，信访人重复来访4次"),
        Planned(6, "RX12345", "CGJ", Y, "HD-02", "12件工单超时办结，回访不满意3件"),
        # Last year: a yellow-level failure that caused serious impact.
        Planned(8, "ZJJ", "CJJT", Y, "HD-05", "在建安置房项目工地围挡倒塌，造成宝塔路交通中断半天，群众反映强烈并被媒体曝光",
                serious_impact=True),
        # This year (or late last year, early in January): 砖墙镇, two months running.
        Planned(now - 6, "SBZX", "ZQZ", Y, "HD-03", "城乡居民养老保险征缴进度低于序时进度9个百分点，村民集中到月底排队缴费"),
        Planned(now - 5, "RX12345", "ZQZ", Y, "HD-01", "随意退单5件，其中2件经指挥中心协调后仍不接受指定派单"),
        Planned(now - 3, "RX12345", "JTYSJ", Y, "HD-04",
                "对群众反映的双高路路面塌陷诉求推诿扯皮，工单流转20余天未处置，引发网络舆情", serious_impact=True),
        # Last closed month: 东坝街道 is lit yellow …
        Planned(now - 1, "SCJGJ", "DBJD", Y, "HD-08", "食品安全隐患交办单3件逾期未整改"),
        # … and the open month: the office has work waiting.
        Planned(now, "RX12345", "DBJD", Y, "HD-01", "随意退单6件，其中3件经协调后仍拒不接受指定派单", status=S),
        Planned(now, "RX12345", "GBJD", F, "HQ-01", "主动承办多次流转的疑难工单9件，当月工单办理满意率98.6%", status=S),
        Planned(now, "RX12345", "RSJ", F, "HQ-01", "牵头办结欠薪类跨部门疑难诉求4件，群众回访满意", status=D),
        Planned(now, "SBZX", "YJZ", F, "HQ-02", "城乡居民养老保险征缴进度已达全年任务，全区率先完成", status=S),
        Planned(now, "SBZX", "CXJD", F, "HQ-02", "工作人员下沉社区、村组上门服务，当月新增参保缴费2100人", status=S),
        Planned(now, "SBZX", "QQJD", Y, "HD-03", "城乡居民养老保险征缴进度低于序时进度7个百分点", status=D),
        Planned(now, "ZJJ", "CJJT", F, "HQ-07", "老旧小区改造3个片区提前完工，居民满意率97%", status=S),
        Planned(now, "ZJJ", "GCJD", Y, "HD-08", "在建工地扬尘管控问题经督查2次仍未整改到位", status=D),
        Planned(now, "SWJ", "KFQ", F, "HQ-04", "新签约亿元以上项目3个，协议投资21.5亿元", status=S),
        Planned(now, "SWJ", "YJZ", F, "HQ-04", "招商引资“百日竞赛”中2个亿元以上项目当月开工", status=S),
        Planned(now, "FGW", "YXJD", F, "HQ-03", "国际慢城文旅项目按序时开工，完成年度投资计划92%", status=S),
        Planned(now, "YJGLJ", "SWJT", Y, "HD-08", "安全隐患交办单2件逾期未整改到位", status=S),
        Planned(now, "SCJGJ", "ZQZ", F, "HQ-09", "食品安全“两个责任”督导任务全部完成", status=R,
                return_reason="佐证材料不全，请补充督导记录后重新提交"),
    ]


# Building ---------------------------------------------------------------------------


def demo_present(jurisdiction: Jurisdiction) -> bool:
    """The demo only goes into an empty jurisdiction; it never mixes with real data."""
    return Organisation.objects.filter(jurisdiction=jurisdiction).exists()


def default_jurisdiction() -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.filter(code="default").first() or Jurisdiction.objects.order_by("pk").first()
    if jurisdiction is None:
        jurisdiction = Jurisdiction.objects.create(code="default", name=JURISDICTION_NAME)
    return jurisdiction


def months_to_seed(today: date) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """The closed months (all of last year, then this year up to last month) and the open month."""
    closed = [(today.year - 1, month) for month in range(1, 13)]
    closed += [(today.year, month) for month in range(1, today.month)]
    return closed, (today.year, today.month)


def seed_demo(
    *, password: str, today: date | None = None, jurisdiction: Jurisdiction | None = None, publish: bool = True
) -> Summary:
    """Build the demo district once, and (every time) set up the demo accounts with ``password``.

    ``publish``: the boards of the closed months are published before the year-end
    roll-up, as the office does it, so that last year's table can be published as it is
    (a roll-up older than the boards it counts is refused as stale)."""
    today = today or services.today()
    with transaction.atomic():
        jurisdiction = jurisdiction or default_jurisdiction()
        summary = Summary(created=not demo_present(jurisdiction))
        if summary.created:
            jurisdiction.name = JURISDICTION_NAME
            jurisdiction.save(update_fields=["name"])
            orgs = _organisations_create(jurisdiction)
            books = _rulebooks_create(jurisdiction, today.year)
        users = _personas_ensure(jurisdiction, password)
        if summary.created:
            _ratings_create(jurisdiction, orgs, books, users, today, random.Random(SEED))
            if publish:
                _boards_publish(jurisdiction)
            _extensions(jurisdiction=jurisdiction, users=users, today=today)
        _summarise(summary, jurisdiction, users)
    return summary


def _extensions(*, jurisdiction: Jurisdiction, users: dict[str, User], today: date) -> None:
    """The later apps' part of the story (review requests …): each app's ``demo.py`` with a
    ``demo_extend(jurisdiction=, users=, today=)``, found through the app registry, so
    that ``ratings`` imports none of the apps built on it."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if config.name == "ratings" or find_spec(name) is None:
            continue
        extend = getattr(import_module(name), "demo_extend", None)
        if extend is not None:
            extend(jurisdiction=jurisdiction, users=users, today=today)


def _boards_publish(jurisdiction: Jurisdiction) -> None:
    """Publish each closed month's 红旗榜 and 亮灯榜 (web page and PDF), oldest first.

    Through the board's own command, as ``make run`` and the office's schedule do:
    ``ratings`` does not import ``boards``. A refusal stops the demo (CommandError)."""
    months = Period.objects.filter(jurisdiction=jurisdiction, status=Period.Status.CLOSED).order_by("year", "month")
    for period in months:
        call_command("publish_board", period.label, jurisdiction=jurisdiction.code, stdout=io.StringIO())


def _organisations_create(jurisdiction: Jurisdiction) -> dict[str, Organisation]:
    categories = {
        name: Category.objects.get_or_create(jurisdiction=jurisdiction, name=name, defaults={"order": order})[0]
        for order, name in enumerate(CATEGORIES, start=1)
    }
    return {
        org.code: Organisation.objects.create(
            jurisdiction=jurisdiction, code=org.code, name=org.name, category=categories[org.category],
            is_department=org.rates, is_unit=org.rated,
        )
        for org in ORGS
    }


def _rulebooks_create(jurisdiction: Jurisdiction, year: int) -> dict[int, dict[str, Criterion]]:
    books: dict[int, dict[str, Criterion]] = {}
    for book_year in (year - 1, year):
        book = RuleBook.objects.create(
            jurisdiction=jurisdiction, year=book_year, title=f"{book_year}年度“效能亮榜”专项行动认定细则"
        )
        books[book_year] = {
            spec.code: Criterion.objects.create(rulebook=book, code=spec.code, text=spec.text, kind=spec.kind)
            for spec in CRITERIA
            if book_year == year or not spec.new_this_year
        }
    return books


def _personas_ensure(jurisdiction: Jurisdiction, password: str) -> dict[str, User]:
    """Create or repair the demo accounts; all get ``password`` (hashed once: hashing is slow)."""
    hashed = make_password(password)
    groups = {group.name: group for group in Group.objects.filter(name__in=roles.ALL_GROUPS)}
    users: dict[str, User] = {}
    for persona in PERSONAS:
        department = None
        if persona.department:
            department = Organisation.objects.filter(
                jurisdiction=jurisdiction, code=persona.department, is_department=True
            ).first()
            if department is None:
                continue  # real data without this department: no demo rater for it
        unit = None
        if persona.unit:
            unit = Organisation.objects.filter(jurisdiction=jurisdiction, code=persona.unit, is_unit=True).first()
            if unit is None:
                continue
        user, _created = User.objects.get_or_create(username=persona.username)
        user.first_name = persona.display_name
        user.password = hashed
        user.is_active = True
        # Unit staff have the desk, evaluators their sheets: neither has the admin.
        user.is_staff = persona.group not in (roles.UNIT_STAFF, roles.EVALUATOR)
        user.is_superuser = persona.group is None
        user.save()
        user.groups.set([groups[persona.group]] if persona.group else [])
        Profile.objects.update_or_create(
            user=user, defaults={"jurisdiction": jurisdiction, "department": department, "unit": unit}
        )
        users[persona.username] = User.objects.select_related("profile").get(pk=user.pk)
    return users


def _numbers(rng: random.Random, month: int) -> dict[str, object]:
    """The numbers a reason template may quote, plausible for the month."""
    expected = month * 100 / 12  # 序时进度: where a yearly task should be by the end of the month
    ahead = rng.randint(3, 12)
    behind = rng.randint(5, 15)
    return {
        "month": month,
        "n": rng.randint(6, 12),  # "n 件，其中 m 件": m stays below n
        "m": rng.randint(2, 5),
        "big": rng.randint(12, 48),
        "sat": f"{rng.uniform(94.4, 99.6):.1f}",
        "amount": f"{rng.uniform(2.0, 18.0):.1f}",
        "ahead": ahead,
        "behind": behind,
        "ahead_pct": f"{min(100.0, expected + ahead):.1f}",
        "behind_pct": f"{max(2.0, expected - behind):.1f}",
    }


def _counts(rng: random.Random, month: int) -> tuple[int, int]:
    """How many red flags and yellow lights a month gets, around the yearly rate."""
    flags = FLAGS_PER_YEAR * FLAG_SEASON[month - 1] / sum(FLAG_SEASON)
    yellows = YELLOWS_PER_YEAR * YELLOW_SEASON[month - 1] / sum(YELLOW_SEASON)
    return max(0, round(flags + rng.uniform(-2, 2))), max(0, round(yellows + rng.uniform(-1, 1)))


class _Board:
    """What has been placed so far, to keep the random part from spoiling the story:
    no unplanned consecutive yellow lights, no duplicate ratings."""

    def __init__(self) -> None:
        self.yellow_at: dict[str, set[int]] = defaultdict(set)
        self.given: set[tuple[int, str, str, str]] = set()

    def place(self, position: int, department: str, unit: str, kind: str) -> None:
        self.given.add((position, department, unit, kind))
        if kind != rules.RED_FLAG:
            self.yellow_at[unit].add(position)

    def allows(self, position: int, department: str, unit: str, kind: str) -> bool:
        if (position, department, unit, kind) in self.given:
            return False
        if kind == rules.RED_FLAG:
            return True
        near = self.yellow_at[unit]
        return not ({position - 1, position, position + 1} & near)


def _ratings_create(
    jurisdiction: Jurisdiction,
    orgs: dict[str, Organisation],
    books: dict[int, dict[str, Criterion]],
    users: dict[str, User],
    today: date,
    rng: random.Random,
) -> None:
    office = users[OFFICE_USERNAME]
    rater_of = {user.profile.department.code: user for user in users.values() if user.profile.department_id}
    closed, open_month = months_to_seed(today)
    months = closed + [open_month]
    planned = _planned(len(closed))
    board = _Board()
    for item in planned:
        board.place(item.position, item.department, item.unit, item.kind)
    specs = {org.code: org for org in ORGS}
    stamps: list[tuple[Rating, datetime, datetime]] = []

    def record(period: Period, department: str, unit: str, kind: str, criterion: str, reason: str,
               serious: bool = False, submit: bool = True) -> Rating:
        return services.rating_record(
            period=period, department=orgs[department], unit=orgs[unit], kind=kind,
            criterion=books[period.year][criterion], reason=reason, serious_impact=serious,
            by=rater_of.get(department), submit=submit,
        )

    for position, (year, month) in enumerate(months):
        if position == 12:
            _retire(orgs[RETIRED_AT_NEW_YEAR], date(year, 1, 1))
        period = services.period_get_or_open(jurisdiction=jurisdiction, year=year, month=month, today=today)
        is_open = (year, month) == open_month
        ratings: list[Rating] = []
        for item in (p for p in planned if p.position == position):
            if is_open:
                rating = record(period, item.department, item.unit, item.kind, item.criterion, item.reason,
                                item.serious_impact, submit=item.status != Rating.Status.DRAFT)
                if item.status == Rating.Status.RETURNED:
                    services.rating_return(rating=rating, by=office, reason=item.return_reason)
            else:
                ratings.append(record(period, item.department, item.unit, item.kind, item.criterion,
                                      f"{month}月{item.reason}", item.serious_impact))
        if is_open:
            break
        flags, yellows = _counts(rng, month)
        lines = [line for line in LINES if year == today.year or line.department not in JOINED_THIS_YEAR]
        for kind, count in ((rules.RED_FLAG, flags), (rules.YELLOW_LIGHT, yellows)):
            for _ in range(count):
                choice = _draw(rng, lines, orgs, specs, books[year], board, position, kind)
                if choice is None:
                    continue
                line, unit, (code, template) = choice
                board.place(position, line.department, unit, kind)
                ratings.append(record(period, line.department, unit, kind, code,
                                      template.format(**_numbers(rng, month))))
        for rating in ratings:
            services.rating_approve(rating=rating, by=office)
            created = _moment(rng, year, month)
            stamps.append((rating, created, created + timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 5))))
        services.period_close(period=period, by=office, today=today)
    _backdate(stamps, jurisdiction, months[: len(closed)])


def _draw(rng: random.Random, lines: list[Line], orgs: dict[str, Organisation], specs: dict[str, Org],
          criteria: dict[str, Criterion], board: _Board, position: int, kind: str):
    """Pick a department (by weight), one of its units (by the unit's form) and a reason."""
    for _attempt in range(20):
        line = rng.choices(lines, weights=[line.weight for line in lines])[0]
        templates = [t for t in (line.flags if kind == rules.RED_FLAG else line.yellows) if t[0] in criteria]
        if not templates:
            continue
        units = [
            code for code, org in orgs.items()
            if org.is_unit and org.is_active and code != line.department
            and (org.category.name in line.scope or code in line.scope)
            and board.allows(position, line.department, code, kind)
        ]
        if not units:
            continue
        weight = (lambda c: specs[c].flag_weight) if kind == rules.RED_FLAG else (lambda c: specs[c].yellow_weight)
        unit = rng.choices(units, weights=[weight(code) for code in units])[0]
        return line, unit, rng.choice(templates)
    return None


def _retire(unit: Organisation, on: date) -> None:
    unit.is_active = False
    unit.retired_on = on
    unit._change_reason = "并入区城建集团"
    unit.save()


def _moment(rng: random.Random, year: int, month: int) -> datetime:
    """When a department filled in a month's rating: the last week of the month or the first days after."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    day = first_of_next - timedelta(days=rng.randint(-3, 7))
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))


def _backdate(stamps: list[tuple[Rating, datetime, datetime]], jurisdiction: Jurisdiction,
              closed: Iterable[tuple[int, int]]) -> None:
    """Give past months past dates (the services stamp ``now``), history included, so
    that the audit trail reads like a year of work. Nothing lands in the future."""
    latest = timezone.now() - timedelta(minutes=5)
    by_rating: dict[int, tuple[datetime, datetime]] = {}
    for rating, created, reviewed in stamps:
        created, reviewed = min(created, latest), min(reviewed, latest)
        rating.created_at = rating.submitted_at = created
        rating.reviewed_at = reviewed
        by_rating[rating.pk] = (created, reviewed)
    Rating.objects.bulk_update([s[0] for s in stamps], ["created_at", "submitted_at", "reviewed_at"], batch_size=500)

    HistoricalRating = Rating.history.model
    rating_history = list(HistoricalRating.objects.filter(id__in=by_rating))
    for row in rating_history:
        created, reviewed = by_rating[row.id]
        row.history_date = created if row.status == Rating.Status.SUBMITTED else reviewed
    HistoricalRating.objects.bulk_update(rating_history, ["history_date"], batch_size=500)

    periods = []
    for year, month in closed:
        period = Period.objects.get(jurisdiction=jurisdiction, year=year, month=month)
        period.closed_at = min(timezone.make_aware(datetime(year + month // 12, month % 12 + 1, 8, 16, 30)), latest)
        periods.append(period)
    Period.objects.bulk_update(periods, ["closed_at"])
    closed_at = {period.pk: period.closed_at for period in periods}
    HistoricalPeriod = Period.history.model
    period_history = list(HistoricalPeriod.objects.filter(id__in=closed_at))
    for row in period_history:
        if row.status == Period.Status.CLOSED:
            row.history_date = closed_at[row.id]
        else:  # opened: the first of the month
            row.history_date = min(closed_at[row.id], timezone.make_aware(datetime(row.year, row.month, 1, 9)))
    HistoricalPeriod.objects.bulk_update(period_history, ["history_date"], batch_size=500)


def _summarise(summary: Summary, jurisdiction: Jurisdiction, users: dict[str, User]) -> None:
    orgs = Organisation.objects.filter(jurisdiction=jurisdiction)
    summary.departments = orgs.filter(is_department=True).count()
    summary.units = orgs.filter(is_unit=True).count()
    summary.rulebooks = RuleBook.objects.filter(jurisdiction=jurisdiction).count()
    ratings = Rating.objects.filter(period__jurisdiction=jurisdiction)
    summary.approved = Counter(ratings.filter(status=Rating.Status.APPROVED).values_list("outcome", flat=True))
    summary.pending = ratings.filter(status=Rating.Status.SUBMITTED).count()
    summary.drafts = ratings.filter(status__in=[Rating.Status.DRAFT, Rating.Status.RETURNED]).count()
    for persona in PERSONAS:
        user = users.get(persona.username)
        if user is None:
            continue
        organisation = user.profile.department or user.profile.unit
        summary.logins.append(Login(persona.username, persona.group or "", organisation.name if organisation else ""))
