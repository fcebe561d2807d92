"""The quarterly circular (季度通报) of problem assignment forms, as a PDF and as a Word
document: the quarter's totals and honest on-time rate, each lead unit's figures, the
forms still open past their deadline, and the typical cases the office picked.

The circular speaks of the quarter's last day (or today, while the quarter runs): a form
closed after that day is counted as open on it, so a circular made again later says
what it said when it was first made. Only units are named, never their staff.

The figures are worked out in ``circular_data`` (a fixed number of queries, one call to
``casework.selectors.form_timings``); ``circular_pdf`` and ``circular_docx`` only lay
them out, in the publication language (``settings.BOARD_LANGUAGE``), as the boards are.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework import rules
from casework.models import FORM_LABELS, AssignmentForm, FormEvent
from casework.selectors import form_timings, timing_text
from departments.models import Jurisdiction

PDF_STYLESHEETS = ("casework/circular.css",)
EXCERPT = 300  # characters of a typical case's problem and reply

QUARTER_NAMES = {
    1: gettext_lazy("第一季度"),
    2: gettext_lazy("第二季度"),
    3: gettext_lazy("第三季度"),
    4: gettext_lazy("第四季度"),
}


# Quarters (pure) -------------------------------------------------------------------------


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a quarter; ValueError for a quarter that is not 1 to 4."""
    if quarter not in QUARTER_NAMES:
        raise ValueError(f"quarter {quarter!r} is not 1 to 4")
    first_month = 3 * (quarter - 1) + 1
    start = dt.date(year, first_month, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, first_month + 3, 1)
    return start, end - dt.timedelta(days=1)


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def last_finished_quarter(today: dt.date) -> tuple[int, int]:
    """The quarter before the one ``today`` is in (the circular is made after it ends)."""
    year, quarter = quarter_of(today)
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[:limit] + "……"


def _cn_ordinal(n: int) -> str:
    """一, 二, … 九十九 for the typical cases' （一）（二）; digits past that or outside Chinese."""
    if not (translation.get_language() or "").startswith("zh") or not 1 <= n <= 99:
        return str(n)
    digits = "零一二三四五六七八九"
    tens, ones = divmod(n, 10)
    return (("" if tens == 1 else digits[tens]) + "十" if tens else "") + (digits[ones] if ones else "")


def date_label(day: dt.date) -> str:
    """2026年3月31日 (the date as the publication language writes it)."""
    return formats.date_format(day, "DATE_FORMAT")


def rate_label(rate: Decimal | None) -> str:
    return "—" if rate is None else f"{rate}%"


# The circular's figures --------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    unit_code: str
    unit: str
    issued: int
    closed: int
    open_overdue: int
    not_rectified: int
    on_time_rate: Decimal | None
    on_time_label: str


@dataclass(frozen=True)
class OverdueForm:
    number: str
    title: str
    lead_unit: str
    issued_on: dt.date
    due: dt.date
    due_label: str
    days_overdue: int
    timing: str  # 已超期 16 个工作日
    carried_over: bool  # issued before the quarter


@dataclass(frozen=True)
class TypicalCase:
    form_id: int
    heading: str  # （一）镇效交〔2026〕3号 标题
    number: str
    title: str
    lead_unit: str
    problem: str
    state: str  # the state's label on the circular's day
    reply: str  # the lead unit's last reply (整改情况), "" when none


@dataclass(frozen=True)
class Circular:
    title: str  # 2026年第一季度作风效能问题交办情况通报
    jurisdiction: str
    office: str  # the sign-off (the jurisdiction's issuing office)
    year: int
    quarter: int
    quarter_label: str
    start: dt.date
    end: dt.date
    as_of: dt.date  # the quarter's last day, or today while the quarter runs
    made_on: dt.date
    start_label: str
    end_label: str
    as_of_label: str
    made_on_label: str
    totals: rules.Rates
    on_time_label: str
    intro: str
    summary: str  # the totals in one paragraph
    rate_note: str  # how the rate is counted
    rows: tuple[UnitRow, ...]
    overdue_intro: str
    overdue: tuple[OverdueForm, ...]
    typical: tuple[TypicalCase, ...]

    @property
    def file_name(self) -> str:
        """The title, without characters a file name may not carry."""
        return "".join(ch for ch in self.title if ch not in '\\/:*?"<>|') or "circular"


def _publication_language():
    return translation.override(getattr(settings, "BOARD_LANGUAGE", settings.LANGUAGE_CODE))


def form_ids(values: Iterable) -> set[int]:
    """The ids among ``values`` (the ticked boxes, as the browser sent them)."""
    ids = set()
    for value in values:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue  # a tampered id is ignored, as an id of another quarter is
    return ids


def _as_of(form: AssignmentForm, as_of: dt.date) -> AssignmentForm:
    """The form as it stood on ``as_of``: one closed later was still open then (its open
    state is not kept; any open state counts the same for timing and rates)."""
    if form.closed_on is None or form.closed_on <= as_of:
        return form
    then = copy.copy(form)
    then.state, then.closed_on = rules.REPLIED, None
    return then


def _state_before_closing(events: list[tuple[str, str, str]], fallback: str) -> str:
    """The state a form was in before its closing step, from its steps in order."""
    before = fallback
    for _action, state_after, _text in events:
        if state_after not in rules.OPEN_STATES:
            return before
        before = state_after
    return before


def _summary(totals: rules.Rates, *, quarter: str, as_of: str) -> str:
    words = {"quarter": quarter, "as_of": as_of, "issued": totals.issued, "closed": totals.closed,
             "on_time": totals.closed_on_time, "not_rectified": totals.not_rectified, "open": totals.open,
             "overdue": totals.open_overdue}
    if not totals.issued:
        return _("%(quarter)s未交办问题。") % words
    text = _("%(quarter)s共交办问题 %(issued)d 件。截至%(as_of)s，已办结 %(closed)d 件，其中按时办结 %(on_time)d 件、"
             "未整改办结 %(not_rectified)d 件；未办结 %(open)d 件，其中超期未办结 %(overdue)d 件。") % words
    rate = totals.on_time_rate
    if rate is None:
        return text + _("尚无已办结或超期未办结的交办单，按时办结率暂不计算。")
    return text + _("按时办结率为 %(rate)s。") % {"rate": rate_label(rate)}


def circular_data(*, jurisdiction: Jurisdiction, year: int, quarter: int, typical_ids: Iterable = (),
                  today: dt.date | None = None) -> Circular:
    """The quarter's circular for ``jurisdiction``, as things stood on the quarter's last
    day (or ``today``, while it runs). Forms "of the quarter" are those issued in it by
    then; the overdue list also names older forms still open and overdue on that day; the
    typical cases are the forms of the quarter among ``typical_ids`` (any other id is
    ignored). Queries: the forms, their pauses, the calendar once a year, and the typical
    cases' steps when there are any."""
    start, end = quarter_bounds(year, quarter)
    today = today or timezone.localdate()
    as_of = min(end, today)
    with _publication_language():
        forms = list(
            AssignmentForm.objects.filter(jurisdiction=jurisdiction, issued_on__lte=end)
            .filter(Q(issued_on__gte=start) | Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))
            .select_related("lead_unit", FORM_LABELS).order_by("issued_on", "year", "seq")
        )
        then = [_as_of(f, as_of) for f in forms]
        timings = form_timings(then, today=as_of)
        # A form dated after the circular's day is not yet the quarter's.
        of_quarter = [f for f in then if start <= f.issued_on <= as_of]

        totals = rules.rates((f.state, timings[f.pk]) for f in of_quarter)
        by_unit: dict[int, list[AssignmentForm]] = defaultdict(list)
        for form in of_quarter:
            by_unit[form.lead_unit_id].append(form)
        rows = []
        for unit_forms in sorted(by_unit.values(), key=lambda fs: (fs[0].lead_unit.code, fs[0].lead_unit_id)):
            unit = unit_forms[0].lead_unit
            counted = rules.rates((f.state, timings[f.pk]) for f in unit_forms)
            rows.append(UnitRow(unit.code, unit.name, counted.issued, counted.closed, counted.open_overdue,
                                counted.not_rectified, counted.on_time_rate, rate_label(counted.on_time_rate)))

        late = [f for f in then if f.is_open and f.issued_on <= as_of and timings[f.pk].overdue]
        late.sort(key=lambda f: (-timings[f.pk].days_overdue, f.year, f.seq))
        overdue = tuple(
            OverdueForm(f.number, f.title, f.lead_unit.name, f.issued_on, timings[f.pk].due,
                        date_label(timings[f.pk].due), timings[f.pk].days_overdue, timing_text(f, timings[f.pk]),
                        f.issued_on < start)
            for f in late
        )

        picked = form_ids(typical_ids)
        chosen = [f for f in of_quarter if f.pk in picked]
        chosen.sort(key=lambda f: (f.year, f.seq))
        steps: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        if chosen:
            for form_id, action, state_after, text in (
                    FormEvent.objects.filter(form_id__in=[f.pk for f in chosen]).order_by("at", "pk")
                    .values_list("form_id", "action", "state_after", "text")):
                steps[form_id].append((action, state_after, text))
        original = {f.pk: f for f in forms}
        typical = []
        for n, form in enumerate(chosen, start=1):
            mine = steps[form.pk]
            state = form.state
            if original[form.pk].state != form.state:  # closed after the circular's day
                state = _state_before_closing(mine, form.state)
            replies = [text for action, _state, text in mine if action == rules.REPLY]
            typical.append(TypicalCase(
                form_id=form.pk,
                heading=_("（%(n)s）%(number)s %(title)s") % {"n": _cn_ordinal(n), "number": form.number,
                                                              "title": form.title},
                number=form.number, title=form.title, lead_unit=form.lead_unit.name, problem=excerpt(form.problem),
                state=str(AssignmentForm.State(state).label), reply=excerpt(replies[-1] if replies else ""),
            ))

        quarter_label = str(QUARTER_NAMES[quarter])
        title = _("%(year)d年%(quarter)s作风效能问题交办情况通报") % {"year": year, "quarter": quarter_label}
        labels = {"start": date_label(start), "end": date_label(end), "as_of": date_label(as_of)}
        carried = sum(o.carried_over for o in overdue)
        if overdue:
            overdue_intro = _("截至%(as_of)s，以下 %(count)d 件交办单超期未办结：") % {**labels, "count": len(overdue)}
            if carried:
                overdue_intro += _("（其中 %(carried)d 件为以前季度交办）") % {"carried": carried}
        else:
            overdue_intro = _("截至%(as_of)s，没有超期未办结的交办单。") % labels
        return Circular(
            title=title, jurisdiction=jurisdiction.name,
            office=jurisdiction.issuing_office or _("%(name)s效能办") % {"name": jurisdiction.name},
            year=year, quarter=quarter, quarter_label=quarter_label, start=start, end=end, as_of=as_of,
            made_on=today, start_label=labels["start"], end_label=labels["end"], as_of_label=labels["as_of"],
            made_on_label=date_label(today), totals=totals, on_time_label=rate_label(totals.on_time_rate),
            intro=_("现将%(start)s至%(end)s作风效能问题交办单办理情况通报如下。") % labels,
            summary=_summary(totals, quarter=_("本季度"), as_of=labels["as_of"]),
            rate_note=_("按时办结率＝按时办结件数÷（已办结件数＋超期未办结件数）；以未整改办结的计入已办结，不计为按时办结。"),
            rows=tuple(rows), overdue_intro=overdue_intro, overdue=overdue, typical=tuple(typical),
        )


# Headings shared by the PDF and the Word document -------------------------------------------


def _headings() -> dict[str, str]:
    return {
        "summary": _("一、总体情况"),
        "units": _("二、各单位办理情况"),
        "overdue": _("三、超期未办结问题"),
        "typical": _("四、典型案例"),
        "no_forms": _("本季度没有交办单。"),
    }


def _unit_columns() -> list[str]:
    return [_("序号"), _("承办单位"), _("交办件数"), _("已办结"), _("超期未办结"), _("未整改办结"), _("按时办结率")]


def _overdue_columns() -> list[str]:
    return [_("序号"), _("文号"), _("标题"), _("承办单位"), _("办理期限"), _("超期情况")]


def _unit_cells(n: int, row: UnitRow) -> list[str]:
    return [str(n), row.unit, str(row.issued), str(row.closed), str(row.open_overdue), str(row.not_rectified),
            row.on_time_label]


def _overdue_cells(n: int, form: OverdueForm) -> list[str]:
    return [str(n), form.number, form.title, form.lead_unit, form.due_label, form.timing]


def _total_cells(circular: Circular) -> list[str]:
    t = circular.totals
    return ["", _("合计"), str(t.issued), str(t.closed), str(t.open_overdue), str(t.not_rectified),
            circular.on_time_label]


def _case_lines(case: TypicalCase) -> list[tuple[str, str]]:
    return [(_("承办单位："), case.lead_unit), (_("反映问题："), case.problem), (_("办理状态："), case.state),
            (_("整改情况："), case.reply or _("承办单位尚未报送整改情况。"))]


# The PDF ---------------------------------------------------------------------------------------


def _html_lang(code: str) -> str:
    return {"zh-hans": "zh-CN", "zh-hant": "zh-TW"}.get(code, code)


def circular_html(circular: Circular) -> str:
    with _publication_language():
        return render_to_string("casework/circular.html", {
            "c": circular, "h": _headings(), "lang": _html_lang(translation.get_language()),
            "unit_columns": _unit_columns(), "overdue_columns": _overdue_columns(),
            "unit_rows": [_unit_cells(n, r) for n, r in enumerate(circular.rows, start=1)],
            "total_row": _total_cells(circular),
            "overdue_rows": [_overdue_cells(n, f) for n, f in enumerate(circular.overdue, start=1)],
            "cases": [(case, _case_lines(case)) for case in circular.typical],
        })


def _page_css() -> str:
    """Each page's number at its foot, "第 1 页，共 3 页", as the boards' PDF numbers its pages."""
    from boards.render import page_counter_css

    with _publication_language():
        return f"@page {{ @bottom-center {{ content: {page_counter_css()}; }} }}"


def circular_pdf(circular: Circular) -> bytes:
    """The circular as a tagged A4 PDF (lib.pdf), its CJK fonts embedded. It loads nothing:
    no protocol is allowed, so no text in it can make the renderer reach out."""
    from weasyprint.urls import URLFetcher

    from lib.pdf import render_pdf

    return render_pdf(circular_html(circular), stylesheet_names=PDF_STYLESHEETS, css=_page_css(),
                      url_fetcher=URLFetcher(allowed_protocols=()))


# The Word document -------------------------------------------------------------------------------

BODY_FONT = "仿宋"  # 仿宋_GB2312 on many office machines; 仿宋 is on every Chinese Windows
HEADING_FONT = "黑体"
TITLE_FONT = "宋体"  # 方正小标宋 is not on every machine: 宋体 bold stands in
LATIN_FONT = "Times New Roman"


def _set_fonts(rpr, *, east_asia: str, latin: str = LATIN_FONT) -> None:
    """The rFonts of a style's (or docDefaults') rPr: the East Asian font named, the theme
    fonts removed (a theme attribute wins over a named font in Word)."""
    from docx.oxml.ns import qn

    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _set_language(rpr, lang: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    found = rpr.find(qn("w:lang"))
    if found is None:
        found = OxmlElement("w:lang")
        rpr.append(found)
    found.set(qn("w:val"), lang)
    found.set(qn("w:eastAsia"), lang)


def _styles(document, lang: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(defaults, east_asia=BODY_FONT)
    _set_language(defaults, lang)

    normal = document.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), east_asia=BODY_FONT)
    _set_language(normal.element.get_or_add_rPr(), lang)
    normal.font.size = Pt(14)  # 四号: readable on paper, as circulars are read
    normal.paragraph_format.line_spacing = 1.5
    normal.paragraph_format.space_after = Pt(0)

    title = document.styles["Title"]
    title_ppr = title.element.get_or_add_pPr()
    border = title_ppr.find(qn("w:pBdr"))
    if border is not None:
        title_ppr.remove(border)  # the template's blue rule: the red one is the document's own
    _set_fonts(title.element.get_or_add_rPr(), east_asia=TITLE_FONT)
    title.font.size = Pt(22)  # 二号
    title.font.bold = True
    title.font.color.rgb = RGBColor(0, 0, 0)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(12)
    title.paragraph_format.space_after = Pt(18)

    # The linked character styles (Word's "Heading 1 Char"…) name the same fonts.
    for name, east_asia in (("Title Char", TITLE_FONT), ("Heading 1 Char", HEADING_FONT),
                            ("Heading 2 Char", HEADING_FONT)):
        if name in document.styles:
            _set_fonts(document.styles[name].element.get_or_add_rPr(), east_asia=east_asia)

    for name, size in (("Heading 1", 16), ("Heading 2", 14)):
        style = document.styles[name]
        _set_fonts(style.element.get_or_add_rPr(), east_asia=HEADING_FONT)
        style.font.size = Pt(size)
        style.font.bold = name == "Heading 2"
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(6)


def _table(document, header: list[str], rows: list[list[str]], *, widths_mm: list[float]):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    head = table.rows[0]
    flag = OxmlElement("w:tblHeader")  # the header row repeats on every page
    flag.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(flag)
    for cell, text in zip(head.cells, header):
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values):
            cell.text = text
    for column, width in zip(table.columns, widths_mm):
        column.width = Mm(width)  # the grid, which LibreOffice and WPS follow
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm):  # each cell's width, which Word follows
            cell.width = Mm(width)
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.line_spacing = 1.15
                for run in paragraph.runs:
                    run.font.size = Pt(11)
    return table


def _drop_thumbnail(document) -> None:
    """python-docx's template carries the picture of an empty page as the file's preview:
    a file manager would show it for the circular."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    rels = document.part.package.rels
    for r_id in [r_id for r_id, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        del rels[r_id]


def circular_docx(circular: Circular) -> bytes:
    """The circular as a Word document (.docx): A4 with the margins of an official
    document (GB/T 9704), 仿宋 body, 黑体 headings, bordered tables."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    with _publication_language():
        lang = _html_lang(translation.get_language())
        headings = _headings()
        document = docx.Document()
        _styles(document, lang)
        section = document.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)

        # The issuing office in red over a red rule, as a 红头 circular begins.
        issuer = document.add_paragraph()
        rule = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "6"), ("w:color", "C00000")):
            bottom.set(qn(key), value)
        rule.append(bottom)
        issuer._p.get_or_add_pPr().append(rule)  # first: the schema puts pBdr before jc
        issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = issuer.add_run(circular.office)
        run.bold = True
        run.font.size = Pt(26)
        run.font.color.rgb = RGBColor(0xC0, 0, 0)
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), TITLE_FONT)

        document.add_heading(circular.title, level=0)
        intro = document.add_paragraph(circular.intro)
        intro.paragraph_format.first_line_indent = Pt(28)

        document.add_heading(headings["summary"], level=1)
        for text in (circular.summary, circular.rate_note):
            paragraph = document.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(28)

        document.add_heading(headings["units"], level=1)
        if circular.rows:
            _table(document, _unit_columns(),
                   [_unit_cells(n, r) for n, r in enumerate(circular.rows, start=1)] + [_total_cells(circular)],
                   widths_mm=[11, 38, 19, 16, 24, 24, 24])  # 156 mm: the text's width
        else:
            document.add_paragraph(headings["no_forms"])

        document.add_heading(headings["overdue"], level=1)
        paragraph = document.add_paragraph(circular.overdue_intro)
        paragraph.paragraph_format.first_line_indent = Pt(28)
        if circular.overdue:
            _table(document, _overdue_columns(),
                   [_overdue_cells(n, f) for n, f in enumerate(circular.overdue, start=1)],
                   widths_mm=[10, 30, 38, 24, 26, 28])

        if circular.typical:
            document.add_heading(headings["typical"], level=1)
            for case in circular.typical:
                document.add_heading(case.heading, level=2)
                for label, text in _case_lines(case):
                    paragraph = document.add_paragraph()
                    paragraph.paragraph_format.first_line_indent = Pt(28)
                    paragraph.add_run(label).bold = True
                    paragraph.add_run(text)

        signoff = document.add_paragraph()
        signoff.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signoff.paragraph_format.space_before = Pt(36)
        signoff.paragraph_format.right_indent = Pt(56)  # four characters from the right, as GB/T 9704 says
        signoff.add_run(circular.office)
        signoff.add_run().add_break()
        signoff.add_run(circular.made_on_label)

        properties = document.core_properties
        properties.title = circular.title
        properties.language = lang
        properties.author = circular.office
        properties.last_modified_by = circular.office
        properties.comments = ""
        properties.subject = circular.jurisdiction
        properties.keywords = ""
        made = dt.datetime.combine(circular.made_on, dt.time(), tzinfo=dt.timezone.utc)
        properties.created = properties.modified = made
        properties.revision = 1

        _drop_thumbnail(document)
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()
