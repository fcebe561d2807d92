"""Alice of the efficiency office imports last year's scorecard in the admin and reads its
tree; 阳江镇, the lead unit of 招商引资, enters the undertaking units' percentages on a
phone; the roll-up scores every unit, and alice reads 砖墙镇's composite line by line."""

from __future__ import annotations

from django.contrib.auth.models import Group
from playwright.sync_api import expect

from assessment.services import year_rollup
from departments import roles
from tests.browser.conftest import journey, log_in, password_of, screenshot
from tests.factories import default_jurisdiction, make_user

pytestmark = journey

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}

SCORECARD = """编码,名称,上级编码,分值,计分方式,适用类别,牵头单位,基础分
1,省对市目标任务,,150,,,,
1.1,地区生产总值增速,1,60,排名,镇,,
1.2,招商引资,1,50,赋分,,YJZ,
1.3,重点项目建设,1,40,完成率,,,
2,效能建设,,100,,,,
2.1,效能亮榜,2,100,效能亮榜,,,90
3,党建工作,,50,,,,
3.1,党建工作考核,3,50,直接引用,,,
"""
RESULTS = """指标编码,被考核单位,排名,得分,完成数,任务数
1.1,YJZ,2,,,
1.1,ZQZ,5,,,
1.1,GCZ,9,,,
1.1,QQZ,12,,,
1.2,YJZ,4,,,
1.3,YJZ,,,5,5
1.3,ZQZ,,,4,5
1.3,CXJD,,,3,4
1.3,GBJD,,,4,4
3.1,YJZ,,46,,
3.1,ZQZ,,44.5,,
3.1,CXJD,,47,,
3.1,GBJD,,45,,
3.1,CCJT,,43,,
"""


def test_the_office_imports_a_scorecard_a_lead_unit_scores_on_a_phone_and_each_point_explains_itself(
    open_context, district, tmp_path, watch,
):
    year = district.past_year
    card_file, results_file = tmp_path / "考核方案.csv", tmp_path / "考核结果.csv"
    card_file.write_text(SCORECARD, encoding="utf-8")
    results_file.write_text(RESULTS, encoding="utf-8")

    office = open_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(office, district.alice, next_url="/admin/assessment/scorecard/")
    office.get_by_role("link", name="导入考核方案或结果").click()
    office.get_by_label("年度").fill(str(year))
    office.get_by_label("考核方案（编码").check()
    office.get_by_label("文件").set_input_files(str(card_file))
    office.get_by_role("button", name="导入").click()
    expect(office.get_by_text(f"{year} 年度考核方案：新建 8 项")).to_be_visible()
    office.get_by_role("link", name=f"{year}年度综合考核方案").click()
    tree = office.locator("table.lb-tree")
    expect(tree.get_by_role("cell", name="招商引资")).to_be_visible()
    expect(tree.get_by_role("cell", name="阳江镇")).to_be_visible()
    screenshot(office, "office-scorecard-tree")

    office.goto("/admin/assessment/scorecard/import/")
    office.get_by_label("年度").fill(str(year))
    office.get_by_label("考核结果（指标编码").check()
    office.get_by_label("文件").set_input_files(str(results_file))
    office.get_by_role("button", name="导入").click()
    expect(office.get_by_text(f"{year} 年度考核结果：新增 14 条")).to_be_visible()

    # 阳江镇's staff member scores the other units on 招商引资, on a phone.
    yang = make_user("yang")
    yang.is_staff = False
    yang.save(update_fields=["is_staff"])
    yang.groups.add(Group.objects.get(name=roles.UNIT_STAFF))
    yang.profile.unit = district.units["阳江镇"]
    yang.profile.save(update_fields=["unit"])
    phone = open_context(**PHONE).new_page()
    phone.goto("/login/")
    phone.get_by_label("用户名").fill(yang.username)
    phone.get_by_label("密码").fill(password_of(yang))
    phone.get_by_role("button", name="登录").tap()
    phone.get_by_role("link", name="录入结果").tap()
    phone.get_by_role("link", name=f"{year} · 1.2 招商引资").tap()
    expect(phone.get_by_label("阳江镇 得分")).to_have_count(0)  # 牵头单位不给自己赋分
    for name, percent in (("砖墙镇", "85"), ("固城镇", "70"), ("区城建集团", "75"), ("淳溪街道", "140")):
        phone.get_by_label(f"{name} 得分").fill(percent)
    phone.get_by_role("button", name="保存").tap()
    expect(phone.get_by_role("alert").filter(has_text="赋分是百分比，应在 0 到 100 之间")).to_be_visible()
    phone.get_by_label("淳溪街道 得分").fill("90")
    phone.get_by_role("button", name="保存").tap()
    expect(phone.get_by_text("已保存，4 个单位的结果有变化")).to_be_visible()
    screenshot(phone, "unit-lead-entry-phone")

    year_rollup(jurisdiction=default_jurisdiction(), year=year)
    office.goto(f"/admin/assessment/yearscore/?year={year}&q=砖墙镇")
    office.get_by_role("link", name="ZQZ").click()
    detail = office.locator("table.lb-composite")
    expect(detail.get_by_text("全省第5名：90% × 60分 = 54.00分")).to_be_visible()
    expect(detail.get_by_text("牵头单位赋分：85% × 50分 = 42.50分")).to_be_visible()
    screenshot(office, "office-scorecard-unit")
