"""The demo district's evaluations (called by ``seed_demo`` through the app registry), in
Chuzhou's shape and the seeds' proportions: last year's rounds closed (the district's
leaders in September, the towns' and streets' representatives in October, the daily
evaluators' year), last year's public satisfaction survey closed (invitation codes, about
620 residents and firms, their suggestions sent to casework); this year's leaders' round
open, with the units' highlights in, some sheets in and 区领导 (``lingdao``)'s still to
fill. Every leader rates 20–25 units and every unit gets 8–9 leaders, as the product
proposes it."""

from __future__ import annotations

import datetime as dt
import random
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from departments import roles
from departments.models import Organisation, Profile
from evaluations import services, surveys
from evaluations.models import Assignment, DailyEvaluation, EvaluatorGroup, Member, Round, Survey

SEED = 2019
LEADER_TITLES = ("区委书记", "区长", "区委副书记", "常务副区长", "区委常委、组织部长", "区委常委、宣传部长",
                 "区委常委、纪委书记", "区委常委、政法委书记", "副区长", "副区长", "副区长", "区人大常委会副主任",
                 "区政协副主席", "区委秘书长")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
HIGHLIGHTS = {
    "CXJD": "推行“一件事一次办”，便民服务中心平均办理时间压缩60%；老旧小区改造12个，惠及居民4300户。",
    "GBJD": "12345工单按期办结率99.2%，“网格+热线”联动，群众诉求当天响应。",
    "DBJD": "盘活闲置厂房8处，新引进项目5个，总投资6.2亿元。",
    "YJZ": "高标准农田建设1.2万亩，村级集体经济收入全部超过80万元。",
    "ZQZ": "农村人居环境整治全区第一，建成美丽乡村示范村4个。",
    "ZJJ": "施工许可“拿地即开工”，审批时限由20个工作日压缩到5个。",
    "SCJGJ": "消费投诉按期办结率100%，开展“放心消费”示范创建120家。",
    "RSJ": "城镇新增就业5600人，“家门口”就业服务站覆盖所有社区。",
}
DAILY_TEXTS = (
    ("窗口服务热情，一次性告知到位。", ""),
    ("工作人员业务熟练，办理速度快。", "建议增加午间延时服务。"),
    ("电话咨询无人接听，等候时间较长。", "建议公布值班电话并落实首问负责。"),
    ("现场办事指引不清楚，群众找不到窗口。", "建议完善导办标识。"),
    ("整改反馈及时，群众满意。", ""),
)
SUGGESTIONS = ("办事指南不清楚，希望在网上公布材料清单。", "窗口中午不办理业务，上班族很不方便。",
               "希望推广“帮办代办”服务。", "电话经常打不通，建议增加接听人员。", "政策解读要通俗易懂。")


def _people(jurisdiction, count: int, prefix: str, group_name: str) -> list:
    User = get_user_model()
    role = Group.objects.get(name=group_name)
    made = []
    for n in range(count):
        user, created = User.objects.get_or_create(username=f"{prefix}{n + 1:02d}", defaults={
            "first_name": SURNAMES[n % len(SURNAMES)] + ("明", "华", "强", "芳", "军", "丽", "伟")[n % 7],
            "is_staff": group_name == roles.LEADER})
        if created:
            user.set_unusable_password()  # demo evaluators who never log in
            user.save(update_fields=["password"])
            user.groups.add(role)
            Profile.objects.create(user=user, jurisdiction=jurisdiction)
        made.append(user)
    return made


def _grade(rng: random.Random, bias: float) -> int:
    """Mostly 好 and 较好, a unit's bias moving it towards 一般 and 差."""
    roll = rng.random() + bias
    return 0 if roll < 0.55 else 1 if roll < 0.92 else 2 if roll < 1.1 else 3


def demo_extend(*, jurisdiction, users: dict, today: date) -> None:
    if "xiaonengban" not in users:
        return
    rng = random.Random(SEED)
    units = list(Organisation.objects.filter(jurisdiction=jurisdiction, is_unit=True, is_active=True).order_by("code"))
    if len(units) < 20:
        return  # a jurisdiction too small for the leaders' numbers
    bias = {u.pk: rng.uniform(-0.2, 0.35) for u in units}
    last = today.year - 1
    with transaction.atomic():
        leaders = EvaluatorGroup.objects.create(jurisdiction=jurisdiction, name="区领导")
        people = ([users["lingdao"]] if "lingdao" in users else []) + _people(jurisdiction, 13, "leader", roles.LEADER)
        for person, title in zip(people, LEADER_TITLES):
            member = Member.objects.create(group=leaders, user=person, title=title)
            member.responsible.set(rng.sample(units, 4))
        towns = EvaluatorGroup.objects.create(jurisdiction=jurisdiction, name="镇街代表")
        for person in _people(jurisdiction, 10, "zhenjie", roles.EVALUATOR):
            Member.objects.create(group=towns, user=person, title="镇街代表")
        daily = EvaluatorGroup.objects.create(jurisdiction=jurisdiction, name="作风效能评议员")
        evaluators = ([users["pingyi"]] if "pingyi" in users else []) + _people(jurisdiction, 5, "pingyi",
                                                                                roles.EVALUATOR)
        for person in evaluators:
            Member.objects.create(group=daily, user=person, title="作风效能评议员")

        _daily(daily, units, bias, rng, last, today)
        _round(leaders, "区领导评议", last, date(last, 9, 1), date(last, 9, 30), bias, rng, weight=50,
               bounds=(20, 25, 8, 9))
        _round(towns, "镇街评议", last, date(last, 10, 8), date(last, 10, 31), bias, rng, weight=20,
               bounds=(20, 30, 5, 9), min_answers=5)
        daily_round = Round.objects.create(
            jurisdiction=jurisdiction, year=last, name="日常评议", group=daily, source=Round.Source.DAILY,
            opens_on=date(last, 1, 1), closes_on=date(last, 12, 20), min_answers=3, weight=10)
        services.round_open(round_=daily_round)
        services.round_close(round_=daily_round, now=_at(date(last, 12, 21)))
        _survey(jurisdiction, units, bias, rng, last)
        _this_year(leaders, units, bias, rng, today)


def _at(day: date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(17, 30)))


def _round(group, name: str, year: int, opens: date, closes: date, bias, rng, *, weight: int,
           bounds: tuple[int, int, int, int], min_answers: int = 8) -> Round:
    low, high, unit_low, unit_high = bounds
    round_ = Round.objects.create(jurisdiction=group.jurisdiction, year=year, name=name, group=group, opens_on=opens,
                                  closes_on=closes, evaluator_min=low, evaluator_max=high, unit_min=unit_low,
                                  unit_max=unit_high, min_answers=min_answers, weight=weight)
    services.assignment_propose(round_=round_)
    services.round_open(round_=round_, now=_at(opens))
    for member in services.round_members(round_):
        entries = {a.unit_id: services.Entry(grade=str(_grade(rng, bias[a.unit_id])))
                   for a in Assignment.objects.filter(round=round_, member=member)}
        services.sheet_save(round_=round_, member=member, entries=entries, submit=True, today=closes - dt.timedelta(days=3),
                            now=_at(closes - dt.timedelta(days=3)))
    services.round_close(round_=round_, now=_at(closes + dt.timedelta(days=1)))
    return round_


def _daily(group, units, bias, rng, last: int, today: date) -> None:
    members = list(group.members.all())
    rows = []
    for year, count in ((last, 60), (today.year, max(4, 60 * today.timetuple().tm_yday // 366))):
        end = date(year, 12, 20) if year == last else today
        for _n in range(count):
            unit = rng.choice(units)
            on = date(year, 1, 2) + dt.timedelta(days=rng.randrange(max(1, (end - date(year, 1, 2)).days)))
            grade = _grade(rng, bias[unit.pk])
            text, suggestion = DAILY_TEXTS[min(grade * 2 + rng.randrange(2), len(DAILY_TEXTS) - 1)]
            replied = year == last or rng.random() < 0.6
            rows.append(DailyEvaluation(
                member=rng.choice(members), unit=unit, on=on, grade=grade, text=text, suggestion=suggestion,
                reply="已收悉，认真研究整改。" if replied else "",
                replied_at=_at(on + dt.timedelta(days=3)) if replied else None))
    dongba = next((u for u in units if u.code == "DBJD"), None)
    if dongba is not None:  # something on 东坝街道's desk to answer
        rows.append(DailyEvaluation(member=members[0], unit=dongba, on=today, grade=2,
                                    text="便民服务中心导办台无人，办事群众排队找窗口。", suggestion="建议完善导办标识，高峰时段增派人员。"))
    DailyEvaluation.objects.bulk_create(rows)


def _survey(jurisdiction, units, bias, rng, last: int) -> None:
    survey = Survey.objects.create(
        jurisdiction=jurisdiction, year=last, name=f"{last}年度机关作风满意度测评", opens_on=date(last, 11, 1),
        closes_on=date(last, 11, 30), min_responses=30, weight=20,
        intro="本次测评由区效能办组织，匿名填写，约需3分钟。您的意见建议将转交有关单位研究答复。")
    survey.agencies.set(units)
    codes = surveys.codes_issue(survey=survey, count=800)
    surveys.survey_open(survey=survey)
    for n, code in enumerate(codes[:620]):
        rated = rng.sample(units, rng.randint(3, 9))
        levels = {u.pk: min(4, max(0, _grade(rng, bias[u.pk]) + (1 if rng.random() < 0.1 else 0))) for u in rated}
        suggestion = [(rated[0].pk, SUGGESTIONS[n % len(SUGGESTIONS)])] if n % 20 == 0 else []
        surveys.response_submit(survey=survey, levels=levels, code=code, suggestions=suggestion,
                                today=date(last, 11, 15))
    surveys.survey_close(survey=survey, now=_at(date(last, 12, 1)))


def _this_year(leaders, units, bias, rng, today: date) -> None:
    round_ = Round.objects.create(
        jurisdiction=leaders.jurisdiction, year=today.year, name="区领导评议", group=leaders,
        opens_on=today - dt.timedelta(days=5), closes_on=today + dt.timedelta(days=20), evaluator_min=20,
        evaluator_max=25, unit_min=8, unit_max=9, min_answers=8, weight=50)
    by_code = {u.code: u for u in units}
    for code, text in HIGHLIGHTS.items():
        if code in by_code:
            services.highlight_save(round_=round_, unit=by_code[code], text=text)
    services.assignment_propose(round_=round_)
    services.round_open(round_=round_, now=_at(today - dt.timedelta(days=5)))
    for member in services.round_members(round_)[1:6]:  # five sheets in; 区领导's is still to fill
        entries = {a.unit_id: services.Entry(grade=str(_grade(rng, bias[a.unit_id])))
                   for a in Assignment.objects.filter(round=round_, member=member)}
        services.sheet_save(round_=round_, member=member, entries=entries, submit=True, today=today)

