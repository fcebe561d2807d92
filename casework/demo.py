"""The demo district's casework (called by ``seed_demo`` through the app registry), in
the seeds' proportions: about 95 items a year (Siming: 55 transfers from the city and 39
visits, calls and letters; with the web form, the 办不成事 window, 政企通 and the social
supervisors), 32 assignment forms a year (Zhenjiang), most closed on time, some late,
two not rectified; 14 social supervisors (Zhenjiang's 140, for a district a tenth of its
size); 12345 work orders at a tenth of Gaochun's 43,199 a year, 94% satisfied. This year
runs up to today, with forms open, one due soon and one overdue on 东坝街道's desk."""

from __future__ import annotations

import datetime as dt
import random
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from casework import rules, services
from casework.models import (
    CaseworkSettings, CaseworkYear, Commendation, Followup, Report, Supervisor, SupervisorTask, WorkOrder,
)
from departments.models import Organisation
from workdays.selectors import Calendar, CalendarUnknownYear

SEED = 13
FORMS_A_YEAR = 32
ITEMS_A_YEAR = {rules.HOTLINE: 30, rules.VISIT: 12, rules.CALL: 14, rules.LETTER: 8, rules.WEB: 16,
                rules.WINDOW: 6, rules.FIRM: 4, rules.SUPERVISOR: 3, rules.LEADER: 2}
WORK_ORDERS_A_YEAR = 4320

PROBLEMS = (
    ("不动产登记窗口一次性告知不到位", "群众反映办理不动产登记三次被要求补充材料，每次要求不一样。", "ZWB"),
    ("施工许可审批超过承诺时限", "企业反映施工许可申请提交后20个工作日仍未办结，超过承诺时限。", "ZJJ"),
    ("社区窗口工作时间无人值守", "上午10点社区便民服务窗口无人，电话无人接听。", None),
    ("12345工单多次退回", "关于小区路灯损坏的工单被多次退回，问题一直没有解决。", None),
    ("市场监管投诉处理慢", "消费者投诉商家虚假宣传，一个月没有答复。", "SCJGJ"),
    ("社保待遇核定推诿", "退休人员反映养老金核定在街道和社保中心之间来回跑。", "SBZX"),
    ("道路施工围挡长期不撤", "道路修复完工后围挡两个月没有撤除，影响通行。", "CGJ"),
    ("企业用工备案要求重复提交", "企业反映同一份用工备案材料被要求在两个系统分别提交。", "RSJ"),
    ("农村生活污水设施不运行", "村里的污水处理设施建成后一直没有运行。", "SLJ"),
    ("学校周边交通秩序差", "上下学时段学校门口车辆乱停，无人管理。", "JTYSJ"),
)
TOWNS = ("CXJD", "GBJD", "QQJD", "GCJD", "DBJD", "YXJD", "YJZ", "ZQZ", "KFQ")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def _moment(rng: random.Random, day: date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8 + rng.randrange(9), rng.randrange(60))))


def _working(calendar: Calendar, day: date) -> date:
    while not calendar.is_working(day):
        day += dt.timedelta(days=1)
    return day


def demo_extend(*, jurisdiction, users: dict, today: date) -> None:
    office = users.get("xiaonengban")
    if office is None:
        return
    rng = random.Random(SEED)
    calendar = Calendar()
    units = {o.code: o for o in Organisation.objects.filter(jurisdiction=jurisdiction)}
    towns = [units[c] for c in TOWNS if c in units]
    departments = [o for o in units.values() if o.is_department and o.is_active]
    CaseworkSettings.objects.update_or_create(jurisdiction=jurisdiction, defaults={
        "number_prefix": "高效交", "default_days": 10, "remind_days": 2})
    for year in (today.year - 1, today.year):
        CaseworkYear.objects.update_or_create(jurisdiction=jurisdiction, year=year, defaults={
            "overdue_points": Decimal("0.5"), "not_rectified_points": Decimal("1"), "rectification_days": 20})
    with transaction.atomic():
        supervisors = _supervisors(jurisdiction, departments, rng, today)
        for year in (today.year - 1, today.year):
            try:
                _year(jurisdiction, year, today, office, users, units, towns, supervisors, rng, calendar)
            except CalendarUnknownYear:
                continue  # a year the calendar does not know: no casework made up for it
        _work_orders(jurisdiction, today, towns + departments, rng)
        services.deductions_recompute(jurisdiction=jurisdiction, year=today.year - 1, today=today)
        services.deductions_recompute(jurisdiction=jurisdiction, year=today.year, today=today)


def _supervisors(jurisdiction, departments, rng: random.Random, today: date) -> list[Supervisor]:
    affiliations = ("人大代表", "政协委员", "企业代表", "退休干部", "社区居民代表", "个体工商户", "律师")
    made = []
    for n in range(14):
        supervisor = Supervisor.objects.create(
            jurisdiction=jurisdiction, name=SURNAMES[n] + ("建国", "秀英", "志强", "海燕", "文华", "小红", "国平")[n % 7],
            phone=f"139{rng.randrange(10**8):08d}", affiliation=affiliations[n % len(affiliations)],
            appointed_on=date(today.year - 1, 3, 1),
        )
        supervisor.departments.set(rng.sample(departments, k=min(2, len(departments))))
        made.append(supervisor)
    SupervisorTask.objects.create(supervisor=made[0], title="暗访政务服务中心窗口", detail="上午、下午各一次，记录等候时间",
                                  assigned_on=date(today.year - 1, 5, 6), due_on=date(today.year - 1, 5, 20),
                                  done_on=date(today.year - 1, 5, 18), result="反映窗口空岗1次，已录入来件")
    SupervisorTask.objects.create(supervisor=made[1], title="走访企业了解审批服务", assigned_on=today - dt.timedelta(days=10),
                                  due_on=today + dt.timedelta(days=20))
    Commendation.objects.create(supervisor=made[0], decided_on=date(today.year - 1, 12, 20),
                                reason="全年反映问题6件，均经核实，推动整改到位")
    last = made[-1]
    last.state, last.dismissed_on, last.dismissal_reason = Supervisor.State.DISMISSED, date(today.year - 1, 11, 1), \
        "连续六个月未履行监督职责"
    last.save()
    return made[:-1]


def _year(jurisdiction, year: int, today: date, office, users, units, towns, supervisors, rng, calendar) -> None:
    last_day = today if year == today.year else date(year, 12, 31)
    fraction = (last_day - date(year, 1, 1)).days / 365
    items: list[Report] = []
    for channel, count in ITEMS_A_YEAR.items():
        for _n in range(round(count * fraction)):
            day = date(year, 1, 1) + dt.timedelta(days=rng.randrange(max(1, (last_day - date(year, 1, 1)).days)))
            title, text, unit_code = PROBLEMS[rng.randrange(len(PROBLEMS))]
            unit = units.get(unit_code) if unit_code else None
            if unit is None or not (unit.is_unit and unit.is_active):
                unit = rng.choice(towns)
            contact = channel in (rules.WEB, rules.WINDOW, rules.CALL) and rng.random() < 0.7
            items.append(services.report_submit(
                jurisdiction=jurisdiction, channel=channel, title=title, description=text, unit=unit,
                location=unit.name if unit else "", by=None if channel == rules.WEB else office,
                reporter_name=(rng.choice(SURNAMES) + "先生") if contact else "",
                reporter_phone=f"138{rng.randrange(10**8):08d}" if contact else "",
                external_ref=f"GD{year}{len(items):05d}" if channel == rules.HOTLINE else "",
                received_at=_moment(rng, day), supervisor=rng.choice(supervisors) if channel == rules.SUPERVISOR else None,
            ))
    items.sort(key=lambda r: r.received_at)
    forms_wanted = round(FORMS_A_YEAR * fraction)
    handed = 0
    for n, item in enumerate(items):
        received = timezone.localtime(item.received_at).date()
        if received >= today - dt.timedelta(days=3) and year == today.year:
            continue  # the last few days' items wait for the office (待处理)
        roll = rng.random()
        if handed < forms_wanted and roll < 0.45:
            handed += 1
            _form(item, office, users, units, towns, rng, calendar, today, late=handed % 6 == 0,
                  not_rectified=handed in (9, 23), returned=handed % 5 == 0)
        elif roll < 0.70:
            services.report_answer(report=item, by=office, text="已联系反映人，核实后向有关单位了解情况并作出说明，反映人表示认可。")
        elif roll < 0.80 and n > 0 and Report.objects.get(pk=items[n - 1].pk).state in (
                Report.State.ASSIGNED, Report.State.ANSWERED):
            services.report_merge(report=item, into=items[n - 1], by=office)  # the same problem again
        else:
            services.report_reject(report=item, by=office, reason="反映的问题不属于作风效能问题，已告知反映渠道。")
    # 东坝街道's desk today: a form due soon, one overdue (this year only).
    if year == today.year and "DBJD" in units:
        dongba = units["DBJD"]
        soon = _working(calendar, today - dt.timedelta(days=12))
        services.form_issue(jurisdiction=jurisdiction, by=office, lead_unit=dongba, channel=rules.HOTLINE, days=10,
                            title="食品摊点占道经营反复回潮", problem="12345多次转办：东坝老街早市食品摊点占道经营，整治后反复回潮。",
                            requirement="建立长效管理机制，10个工作日内报送整改情况。", issued_on=soon)
        late = _working(calendar, today - dt.timedelta(days=30))
        services.form_issue(jurisdiction=jurisdiction, by=office, lead_unit=dongba, co_units=[units.get("SCJGJ")] if units.get("SCJGJ") else [],
                            channel=rules.FIRM, days=10, priority=rules.URGENT, title="企业开办“一件事”材料重复提交",
                            problem="政企通反映：企业开办时街道窗口要求重复提交市场监管已收取的材料。",
                            requirement="核实整改，落实材料共享，10个工作日内报送整改情况。", issued_on=late)


def _clerk(lead: Organisation, users: dict):
    """Who acts for the lead unit: its demo account, or an inactive clerk's account (it
    cannot log in and is never notified) so that every step goes through the services."""
    from django.contrib.auth.models import Group, User

    from departments import roles
    from departments.models import Profile

    found = next((u for u in users.values() if getattr(getattr(u, "profile", None), "unit_id", None) == lead.pk), None)
    if found is not None:
        return found
    clerk, created = User.objects.get_or_create(username=f"clerk-{lead.jurisdiction.code}-{lead.code}".lower()[:150], defaults={
        "first_name": f"{lead.name}经办人", "is_active": False, "is_staff": False})
    if created:
        clerk.set_unusable_password()
        clerk.save()
        clerk.groups.add(Group.objects.get(name=roles.UNIT_STAFF))
        Profile.objects.create(user=clerk, jurisdiction=lead.jurisdiction, unit=lead)
    clerk = User.objects.select_related("profile").get(pk=clerk.pk)  # no role read before the group was added
    users[clerk.username] = clerk
    return clerk


def _form(item: Report, office, users, units, towns, rng, calendar, today, *, late: bool, not_rectified: bool,
          returned: bool) -> None:
    """A form's life as far as today reaches: issued a day or three after the item,
    acknowledged the next working day, answered within its ten days (or late), returned
    once now and then, closed the working day after the last reply."""
    received = timezone.localtime(item.received_at).date()
    issued_on = _working(calendar, received + dt.timedelta(days=1 + rng.randrange(3)))
    if issued_on > today:
        return
    lead = item.unit if item.unit and item.unit.is_unit else rng.choice(towns)
    form = services.form_issue(
        jurisdiction=item.jurisdiction, by=office, lead_unit=lead, title=item.title, problem=item.description,
        requirement="核实情况，落实整改，10个工作日内报送整改情况和佐证材料。", days=10, reports=[item], issued_on=issued_on,
    )
    clerk = _clerk(lead, users)
    day = calendar.add_working_days(issued_on, 1)
    steps = [(clerk, rules.ACKNOWLEDGE, "")]
    reply = "已核实情况并落实整改，建立工作台账，举一反三开展自查。"
    steps.append((clerk, rules.REPLY, reply))
    if returned:
        steps += [(office, rules.RETURN, "整改措施不具体，请补充长效机制和佐证材料"), (clerk, rules.REPLY, reply + "已补充长效机制。")]
    steps.append((office, rules.CLOSE_NOT_RECTIFIED, "整改不到位，群众仍有反映") if not_rectified
                 else (office, rules.CLOSE, ""))
    gaps = {rules.ACKNOWLEDGE: 0, rules.REPLY: 12 if late else 2 + rng.randrange(5), rules.RETURN: 1,
            rules.CLOSE: 1, rules.CLOSE_NOT_RECTIFIED: 1}
    for who, action, text in steps:
        day = calendar.add_working_days(day, gaps[action]) if gaps[action] else day
        if day > today:
            return
        services.form_act(form=form, by=who, action=action, text=text, today=day)
    _answer(form, rng)


def _answer(form, rng: random.Random) -> None:
    for followup in Followup.objects.filter(report__form=form, answered_at__isnull=True):
        if not followup.report.reporter_phone or rng.random() < 0.3:
            continue  # not every reporter answers
        answer = rng.choices(["satisfied", "partly", "not_satisfied"], weights=[85, 10, 5])[0]
        if form.state == rules.NOT_RECTIFIED:
            answer = "not_satisfied"
        services.followup_answer(followup=followup, answer=answer)


def _work_orders(jurisdiction, today: date, units, rng: random.Random) -> None:
    """A tenth of Gaochun's year of 12345 work orders, last year and this year so far."""
    orders = []
    for year in (today.year - 1, today.year):
        last_day = today if year == today.year else date(year, 12, 31)
        count = round(WORK_ORDERS_A_YEAR * (last_day - date(year, 1, 1)).days / 365)
        for n in range(count):
            received = _moment(rng, date(year, 1, 1) + dt.timedelta(days=rng.randrange(max(1, (last_day - date(year, 1, 1)).days))))
            due = received + dt.timedelta(days=5)
            closed = received + dt.timedelta(hours=rng.randrange(8, 24 * (9 if rng.random() < 0.08 else 5)))
            if closed > timezone.now():
                closed = None
            satisfaction = "" if closed is None or rng.random() < 0.2 else rng.choices(
                ["satisfied", "basic", "not_satisfied"], weights=[86, 8, 6])[0]
            orders.append(WorkOrder(jurisdiction=jurisdiction, number=f"{year}{n + 1:06d}", content="群众来电诉求",
                                    unit=rng.choice(units), received_at=received, due_at=due, closed_at=closed,
                                    satisfaction=satisfaction))
    WorkOrder.objects.bulk_create(orders, batch_size=500)
