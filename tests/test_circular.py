"""The quarterly circular (季度通报): a quarter worked out by hand, then the PDF, the Word
document and the office's page.

The first quarter of 2026, counted on 31 March (the circular is made on 30 April):

=====  ==========  ==========  ===========================  ==================================
form   lead unit   issued      deadline (5 working days)    what happened
=====  ==========  ==========  ===========================  ==================================
F6     淳溪街道    2025-12-01  2025-12-08                   still open: 76 working days over
F1     淳溪街道    2026-03-02  2026-03-09                   closed 03-06: on time
F2     淳溪街道    2026-03-02  2026-03-09                   closed 03-16: 5 working days late
F3     淳溪街道    2026-03-10  2026-03-17                   acknowledged only: 10 days over
F4     古柏街道    2026-03-16  2026-03-23                   closed as not rectified 03-20
F5     古柏街道    2026-03-02  2026-03-09                   replied, closed 04-10: on 31 March
                                                            it was open, 16 working days over
F7     古柏街道    2026-04-02  2026-04-10                   the second quarter's: not counted
=====  ==========  ==========  ===========================  ==================================

F6's 76 days: 9–31 December 2025 (17), January 2026 (20 weekdays but 1–2 January, plus
Sunday 4 January made up: 21), February (20 weekdays less 16–20 and 23 February, plus the
make-up Saturdays 14 and 28: 16), March (22).

The quarter (F1–F5): 5 issued; closed 3 (F1, F2, F4), one of them on time (F1) and one not
rectified (F4); open 2 (F3, F5), both overdue. On time = 1 ÷ (3 + 2) = 20.0%.
淳溪街道: 3 issued, 2 closed, 1 overdue, on time 1 ÷ 3 = 33.3%. 古柏街道: 2 issued, 1 closed
(not rectified), 1 overdue, on time 0 ÷ 2 = 0.0%.
"""

from __future__ import annotations

import datetime as dt
import io
import types
import zipfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from casework import circular, circular_views, rules, services
from casework.circular import circular_data, circular_docx, circular_pdf
from tests.board_support import pdf_text, response_bytes
from tests.factories import default_jurisdiction, make_user, roles
from tests.test_desk import unit_staff

D = dt.date
MADE_ON = D(2026, 4, 30)
STAFF_NAMES = ("王晓燕", "李建国", "张效能")  # una, cody, alice: none of them is ever in a circular
TITLE = "2026年第一季度作风效能问题交办情况通报"


@pytest.fixture
def una(town):
    user = unit_staff("una", town)
    user.last_name, user.first_name = "王", "晓燕"
    user.save(update_fields=["last_name", "first_name"])
    return user


@pytest.fixture
def cody(town2):
    user = unit_staff("cody", town2)
    user.last_name, user.first_name = "李", "建国"
    user.save(update_fields=["last_name", "first_name"])
    return user


@pytest.fixture
def office(alice):
    alice.last_name, alice.first_name = "张", "效能"
    alice.save(update_fields=["last_name", "first_name"])
    return alice


def issue(office, unit, issued_on, *, title, days=5, problem="群众反映窗口办事需要多次补材料。"):
    return services.form_issue(jurisdiction=default_jurisdiction(), by=office, lead_unit=unit, title=title,
                               problem=problem, requirement="核实情况，限期整改。", days=days, issued_on=issued_on)


def step(form, by, action, text="", *, on):
    services.form_act(form=form, by=by, action=action, text=text, today=on)


@pytest.fixture
def quarter(office, una, cody, town, town2):
    """The forms of the table above, through the real services."""
    f = {}
    f[6] = issue(office, town, D(2025, 12, 1), title="去年交办仍未办结")
    f[1] = issue(office, town, D(2026, 3, 2), title="窗口一次性告知不到位")
    f[2] = issue(office, town, D(2026, 3, 2), title="审批超时限", problem="问" * 400)
    f[3] = issue(office, town, D(2026, 3, 10), title="电话无人接听")
    f[4] = issue(office, town2, D(2026, 3, 16), title="推诿群众诉求")
    f[5] = issue(office, town2, D(2026, 3, 2), title="便民服务中心脱岗")
    f[7] = issue(office, town2, D(2026, 4, 2), title="第二季度的问题")

    step(f[1], una, "acknowledge", on=D(2026, 3, 3))
    step(f[1], una, "reply", "已落实一次性告知。", on=D(2026, 3, 5))
    step(f[1], office, "close", on=D(2026, 3, 6))
    step(f[2], una, "acknowledge", on=D(2026, 3, 3))
    step(f[2], una, "reply", "已压缩审批时限，" + "改" * 400, on=D(2026, 3, 13))
    step(f[2], office, "close", on=D(2026, 3, 16))
    step(f[3], una, "acknowledge", on=D(2026, 3, 11))
    step(f[4], office, "close_not_rectified", "承办单位拒不整改", on=D(2026, 3, 20))
    step(f[5], cody, "acknowledge", on=D(2026, 3, 3))
    step(f[5], cody, "reply", "已建立在岗巡查制度。", on=D(2026, 4, 8))
    step(f[5], office, "close", on=D(2026, 4, 10))
    for form in f.values():
        form.refresh_from_db()
    return f


def made(**kwargs):
    kwargs.setdefault("typical_ids", ())
    kwargs.setdefault("today", MADE_ON)
    return circular_data(jurisdiction=default_jurisdiction(), year=2026, quarter=1, **kwargs)


# The quarters --------------------------------------------------------------------------------


def test_a_quarter_runs_from_its_first_day_to_its_last():
    assert circular.quarter_bounds(2026, 1) == (D(2026, 1, 1), D(2026, 3, 31))
    assert circular.quarter_bounds(2026, 4) == (D(2026, 10, 1), D(2026, 12, 31))
    with pytest.raises(ValueError):
        circular.quarter_bounds(2026, 5)


def test_the_default_is_the_last_finished_quarter():
    assert circular.last_finished_quarter(D(2026, 2, 10)) == (2025, 4)
    assert circular.last_finished_quarter(D(2026, 4, 1)) == (2026, 1)
    assert circular.last_finished_quarter(D(2026, 12, 31)) == (2026, 3)


# The figures -----------------------------------------------------------------------------------


def test_the_totals_count_the_forms_issued_in_the_quarter_as_they_stood_on_its_last_day(quarter):
    c = made()
    assert c.title == TITLE
    assert c.jurisdiction == default_jurisdiction().name
    assert (c.start, c.end, c.as_of) == (D(2026, 1, 1), D(2026, 3, 31), D(2026, 3, 31))
    assert c.as_of_label == "2026年3月31日"
    assert c.totals == rules.Rates(issued=5, open=2, closed=3, closed_on_time=1, not_rectified=1, open_overdue=2)
    assert c.totals.on_time_rate == Decimal("20.0")
    assert c.on_time_label == "20.0%"
    assert "共交办问题 5 件" in c.summary and "按时办结率为 20.0%" in c.summary


def test_the_on_time_rate_is_honest_a_form_not_rectified_or_left_overdue_counts_against_it(quarter):
    c = made()
    # Of the forms closed as rectified (F1, F2) one was on time: a rate over those alone would
    # be 50%. F4, closed as not rectified, and F3 and F5, open past their deadlines, count too.
    assert c.totals.on_time_rate == Decimal("20.0")
    # 古柏街道 closed nothing late, yet its rate is nil: F4 not rectified, F5 overdue.
    assert (c.rows[1].unit, c.rows[1].on_time_rate) == ("古柏街道", Decimal("0.0"))
    assert "未整改办结的计入已办结，不计为按时办结" in c.rate_note


def test_each_lead_unit_has_its_row_in_the_order_of_the_unit_codes(quarter):
    rows = [(r.unit_code, r.unit, r.issued, r.closed, r.open_overdue, r.not_rectified, r.on_time_label)
            for r in made().rows]
    assert rows == [("T01", "淳溪街道", 3, 2, 1, 0, "33.3%"), ("T02", "古柏街道", 2, 1, 1, 1, "0.0%")]


def test_the_overdue_forms_are_named_older_ones_included_and_the_most_overdue_first(quarter):
    overdue = made().overdue
    assert [(o.number, o.lead_unit, o.days_overdue, o.carried_over) for o in overdue] == [
        (quarter[6].number, "淳溪街道", 76, True),
        (quarter[5].number, "古柏街道", 16, False),
        (quarter[3].number, "淳溪街道", 10, False),
    ]
    f5 = overdue[1]
    assert (f5.title, f5.due, f5.due_label, f5.timing) == ("便民服务中心脱岗", D(2026, 3, 9), "2026年3月9日",
                                                          "已超期 16 个工作日")
    assert "其中 1 件为以前季度交办" in made().overdue_intro


def test_a_circular_made_while_the_quarter_runs_counts_up_to_today(quarter):
    c = made(today=D(2026, 3, 12))
    assert c.as_of == D(2026, 3, 12)
    # Issued by 12 March: F1 (closed on time), F2 (closed on 16 March: open then, 3 days
    # over), F3 (not yet due), F5 (3 days over). F4 was issued on 16 March.
    assert c.totals == rules.Rates(issued=4, open=3, closed=1, closed_on_time=1, not_rectified=0, open_overdue=2)
    assert c.totals.on_time_rate == Decimal("33.3")
    # F6: 76 working days by 31 March, less the 13 from 13 to 31 March.
    assert [(o.number, o.days_overdue) for o in c.overdue] == [
        (quarter[6].number, 63), (quarter[2].number, 3), (quarter[5].number, 3)]


def test_a_typical_case_is_in_the_circular_only_when_ticked(quarter):
    assert made().typical == ()
    c = made(typical_ids=[quarter[2].pk, str(quarter[5].pk), quarter[7].pk, quarter[6].pk, "x"])
    # F7 (the next quarter's) and F6 (last year's) are not the quarter's: ignored, as "x" is.
    assert [t.number for t in c.typical] == [quarter[2].number, quarter[5].number]
    f2, f5 = c.typical
    assert (f2.title, f2.lead_unit, f2.state) == ("审批超时限", "淳溪街道", "已销号")
    assert f2.problem == "问" * 300 + "……"
    assert f2.reply.startswith("已压缩审批时限，") and len(f2.reply) == 300 + len("……")
    assert f2.heading == f"（一）{quarter[2].number} 审批超时限"
    # F5 was closed after the quarter: on 31 March it stood replied.
    assert (f5.state, f5.reply) == ("已报送整改情况", "已建立在岗巡查制度。")


def test_another_jurisdictions_forms_are_not_in_the_circular(quarter, town):
    from tests.factories import JurisdictionFactory, OrganisationFactory

    other = JurisdictionFactory(code="j2", name="另一辖区")
    olga = make_user("olga", roles.OFFICE, jurisdiction=other)
    unit = OrganisationFactory(jurisdiction=other, code="X01", name="外区街道")
    theirs = services.form_issue(jurisdiction=other, by=olga, lead_unit=unit, title="外区的问题", problem="外区",
                                 requirement="整改", days=5, issued_on=D(2026, 3, 2))
    c = made(typical_ids=[theirs.pk])
    assert c.totals.issued == 5 and c.typical == ()
    assert "外区街道" not in [r.unit for r in c.rows] + [o.lead_unit for o in c.overdue]


def test_the_figures_cost_the_same_queries_for_3_forms_as_for_30(office, una, town, town2):
    jurisdiction = default_jurisdiction()

    def count(typical) -> int:
        with CaptureQueriesContext(connection) as queries:
            circular_data(jurisdiction=jurisdiction, year=2026, quarter=1, typical_ids=typical, today=MADE_ON)
        return len(queries)

    forms = [issue(office, town if n % 2 else town2, D(2026, 3, 2), title=f"问题{n}") for n in range(3)]
    step(forms[1], una, "acknowledge", on=D(2026, 3, 3))
    few = count([forms[1].pk])
    for n in range(27):
        form = issue(office, town if n % 2 else town2, D(2026, 2, 2) + dt.timedelta(days=n), title=f"更多{n}")
        if n % 2:
            step(form, una, "acknowledge", on=D(2026, 3, 3))
        if n % 4 == 0:
            step(form, office, "close_not_rectified", "不整改", on=D(2026, 3, 20))
    assert few == 4  # the forms, their pauses, the calendar of 2026, the typical case's steps
    assert count([forms[1].pk]) == few


# The PDF and the Word document ---------------------------------------------------------------


def test_the_pdf_names_units_and_overdue_forms_and_no_staff(quarter):
    data = circular_pdf(made(typical_ids=[quarter[2].pk]))
    assert data.startswith(b"%PDF-")
    text = pdf_text(data).replace(" ", "").replace("\n", "")
    assert TITLE in text
    assert "淳溪街道" in text and "古柏街道" in text
    assert quarter[5].number in text and quarter[6].number in text
    assert "20.0%" in text and "2026年3月31日" in text
    assert "审批超时限" in text  # the typical case
    assert "第1页，共3页" in text and "第3页，共3页" in text  # each page numbered at its foot
    for name in STAFF_NAMES + ("una", "cody", "alice"):
        assert name not in text


def test_the_pdf_says_its_language_and_title_and_embeds_its_fonts(quarter):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(circular_pdf(made())))
    assert reader.trailer["/Root"]["/Lang"] == "zh-CN"
    assert reader.metadata.title == TITLE
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add(str(font["/BaseFont"]))
    # The body in the serif (仿宋's stand-in), the headings in the sans-serif (黑体's).
    assert any("Noto-Serif-CJK-SC" in name for name in fonts), fonts
    assert any("Noto-Sans-CJK-SC" in name for name in fonts), fonts


def docx_text(data: bytes):
    import docx

    document = docx.Document(io.BytesIO(data))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    return document, paragraphs


def test_the_word_document_holds_the_same_and_its_table_has_a_row_per_unit(quarter):
    data = circular_docx(made(typical_ids=[quarter[2].pk]))
    document, text = docx_text(data)
    assert TITLE in text
    assert "按时办结率为 20.0%" in text
    assert "审批超时限" in text and "已压缩审批时限" in text
    units, overdue = document.tables
    assert [[cell.text for cell in row.cells] for row in units.rows] == [
        ["序号", "承办单位", "交办件数", "已办结", "超期未办结", "未整改办结", "按时办结率"],
        ["1", "淳溪街道", "3", "2", "1", "0", "33.3%"],
        ["2", "古柏街道", "2", "1", "1", "1", "0.0%"],
        ["", "合计", "5", "3", "2", "1", "20.0%"],
    ]
    assert [row.cells[1].text for row in overdue.rows[1:]] == [quarter[6].number, quarter[5].number, quarter[3].number]
    assert overdue.rows[2].cells[4].text == "2026年3月9日"
    # No staff name anywhere in the package: the text, the properties, the styles.
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        everything = "".join(package.read(name).decode("utf-8", "replace") for name in package.namelist())
    for name in STAFF_NAMES + ("una", "cody", "alice", "python-docx"):
        assert name not in everything


def test_the_word_document_is_a4_in_chinese_fonts_with_its_title_and_language(quarter):
    from docx.oxml.ns import qn

    document, _ = docx_text(circular_docx(made()))
    section = document.sections[0]
    # A4, to the twip Word stores (11906 × 16838 twips).
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    fonts = {name: document.styles[name].element.rPr.rFonts.get(qn("w:eastAsia"))
             for name in ("Normal", "Heading 1", "Heading 2")}
    assert fonts == {"Normal": "仿宋", "Heading 1": "黑体", "Heading 2": "黑体"}
    assert document.styles["Heading 1"].element.rPr.rFonts.get(qn("w:eastAsiaTheme")) is None
    assert document.core_properties.title == TITLE
    assert document.core_properties.language == "zh-CN"


# The office's page ---------------------------------------------------------------------------


@pytest.fixture
def april(monkeypatch):
    """The page's clock on 30 April 2026: the last finished quarter is the first."""
    monkeypatch.setattr(circular_views, "timezone", types.SimpleNamespace(localdate=lambda: MADE_ON))


URL = "admin:casework_assignmentform_circular"


def test_the_office_chooses_the_last_finished_quarter_and_ticks_among_its_forms(client, quarter, office, april):
    client.force_login(office)
    page = client.get(reverse(URL))
    assert page.status_code == 200
    assert (page.context["year"], page.context["quarter"]) == (2026, 1)
    body = page.content.decode()
    for n in (1, 2, 3, 4, 5):
        assert f'name="typical" value="{quarter[n].pk}"' in body
    for n in (6, 7):  # last year's and the next quarter's
        assert f'name="typical" value="{quarter[n].pk}"' not in body
    assert "下载PDF" in body and "下载Word" in body


def test_the_office_downloads_the_pdf_with_its_chinese_name(client, quarter, office, april):
    client.force_login(office)
    response = client.get(reverse(URL), {"year": 2026, "quarter": 1, "format": "pdf", "typical": [quarter[2].pk]})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''2026%E5%B9%B4" in response["Content-Disposition"]  # 2026年…
    assert response["Content-Disposition"].endswith(".pdf")
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    assert response["X-Content-Type-Options"] == "nosniff"
    text = pdf_text(response_bytes(response)).replace(" ", "").replace("\n", "")
    assert TITLE in text and "审批超时限" in text


def test_the_office_downloads_the_word_document(client, quarter, office, april):
    client.force_login(office)
    response = client.get(reverse(URL), {"year": "2026", "quarter": "1", "format": "docx",
                                         "typical": [quarter[5].pk, quarter[7].pk, "junk"]})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].endswith(".docx")
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}
    _, text = docx_text(response_bytes(response))
    assert "便民服务中心脱岗" in text and "第二季度的问题" not in text


def test_a_rater_may_not_make_the_circular(client, quarter, dept_a, april):
    client.force_login(make_user("bob", roles.RATER, department=dept_a))
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse(URL), {"year": 2026, "quarter": 1, "format": "pdf"}).status_code == 403


def test_unit_staff_are_sent_to_log_in(client, una, april):
    client.force_login(una)
    assert client.get(reverse(URL), {"format": "pdf"}).status_code == 302


@pytest.mark.parametrize("params, words", [
    ({"year": 2026, "quarter": 5}, "季度“5”不正确"),
    ({"year": 2026, "quarter": "abc", "format": "pdf"}, "季度“abc”不正确"),
    ({"year": "20x6", "quarter": 1, "format": "docx"}, "年度“20x6”不正确"),
    ({"year": 2026, "quarter": 3, "format": "pdf"}, "2026年第三季度还没有开始"),
    ({"year": 2026, "quarter": 1, "format": "xls"}, "没有“xls”这种格式"),
])
def test_a_bad_choice_is_a_400_that_says_what_is_wrong(client, office, april, params, words):
    client.force_login(office)
    response = client.get(reverse(URL), params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert words in response.content.decode()

