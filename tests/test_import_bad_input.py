"""Bad input to the imports changes nothing, and says where and why.

Every bad file below goes through both doors a clerk has, the management command
(``import_org`` / ``import_ratings``) and the admin's upload (the preview), and each
time: the message names the row as Excel numbers it (header = row 1) and the column
by its header, the command fails with a non-zero exit code, the preview offers no
confirmation, and the database is exactly as it was (rows, history, admin log).

The second table holds files that look odd but mean something clear (a 备注 column,
a GBK file, a month Excel turned into a date): they import as the clerk meant.
"""

from __future__ import annotations

import random
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from departments.importing import result_errors
from departments.models import Category, Organisation
from ratings.models import Criterion, Period, Rating, RuleBook
from tests.factories import DepartmentFactory, OrganisationFactory, PeriodFactory
from tests.import_helpers import (
    ORG_HEADERS, RATING_HEADERS, big_xlsx, csv_bytes, run, with_builtin_date_format, xlsx_bytes,
)

ORG = ORG_HEADERS
RAT = RATING_HEADERS
ORG_ROWS = [["T10", "漆桥街道", "街道", "被考核单位"], ["D10", "区发改委", "区级机关部门", "职能管理部门"]]
RATING_ROWS = [
    ["2026-03", "ZJJ", "T01", "红旗", "H01", "老旧小区改造提前完成", ""],
    ["2026-03", "区市场监管局", "古柏街道", "黄灯", "Y01", "食品安全专项整治推进迟缓", "否"],
]
COMMAND = {"org": "import_org", "ratings": "import_ratings"}
ADMIN = {"org": "admin:departments_organisation_import", "ratings": "admin:ratings_rating_import"}


def rating(**changes: Any) -> list[Any]:
    """A third rating for the file (row 4), with some columns changed, by header."""
    values = dict(zip(RAT, ["2026-03", "ZJJ", "T02", "红旗", "H01", "汛期值守到位，险情处置及时", ""]))
    values.update(changes)
    return [values[h] for h in RAT]


def hundred_thousand(kind: str, row: list[str]) -> list[list[str]]:
    # A hundred distinct texts: the workbook's shared strings stay small, as in a real list.
    return [[*row[:-2], f"{row[-2]} {n % 100}", row[-1]] if kind == "ratings" else
            [f"X{n % 100}", f"单位{n % 100}", *row[2:]] for n in range(100_000)]


_BIG: dict[tuple[str, str], bytes] = {}


def big(kind: str, fmt: str) -> bytes:
    """100,000 rows, built once per test run."""
    if (kind, fmt) not in _BIG:
        headers, row = (RAT, RATING_ROWS[0]) if kind == "ratings" else (ORG, ORG_ROWS[0])
        rows = hundred_thousand(kind, row)
        _BIG[(kind, fmt)] = big_xlsx(headers, rows) if fmt == "xlsx" else csv_bytes(headers, rows)
    return _BIG[(kind, fmt)]


def zip_of(**members: bytes) -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@dataclass(frozen=True)
class Bad:
    """A bad file: its name and bytes, and the message that must name the problem."""

    id: str
    kind: str  # "org" or "ratings"
    name: str
    content: Callable[[], bytes]
    message: str  # as the command prints it: 第 N 行「列」：…, or a message about the whole file
    settings: dict[str, Any] = field(default_factory=dict)
    prepare: Callable[[Path], None] | None = None  # given a directory to work in
    read_only: bool = False  # refused while reading the file, before any database work

    @property
    def shown(self) -> str:
        """What the admin page shows verbatim: a row's message sits in its column's cell."""
        row_message = re.match(r"^第 \d+ 行(?:「[^」]*」)?：(.*)$", self.message, flags=re.S)
        return row_message.group(1) if row_message else self.message


def org_csv(rows, headers=ORG, **kw) -> Callable[[], bytes]:
    return lambda: csv_bytes(headers, rows, **kw)


def org_xlsx(rows, headers=ORG, **kw) -> Callable[[], bytes]:
    return lambda: xlsx_bytes(headers, rows, **kw)


def rat_csv(rows, headers=RAT, **kw) -> Callable[[], bytes]:
    return lambda: csv_bytes(headers, [*RATING_ROWS, *rows], **kw)


def rat_xlsx(rows, headers=RAT, **kw) -> Callable[[], bytes]:
    return lambda: xlsx_bytes(headers, [*RATING_ROWS, *rows], **kw)


def second_unit_named_gubai(directory: Path) -> None:
    OrganisationFactory(code="T05", name="古柏街道")


def t02_already_rated(directory: Path) -> None:
    yellow = rating(较大影响="否", 类型="黄灯", 认定条目="Y01")
    run("import_ratings", _write(directory / "before.csv", csv_bytes(RAT, [yellow])))


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


HYPERLINK = '=HYPERLINK("http://example.invalid/","点我")'
NOT_A_TABLE = "无法读取这个 .csv 文件，它可能不是文本表格"

BAD = [
    # --- organisations: the header row
    Bad("org: wrong headers", "org", "orgs.csv", org_csv(ORG_ROWS, ["代码", "单位名", "分类", "性质"]),
        "第 1 行应为表头（编码、名称、类别、角色），但一列也没有找到；第 1 行是：代码、单位名、分类、性质", read_only=True),
    Bad("org: a title row above the header", "org", "orgs.xlsx",
        lambda: xlsx_bytes(["2026 年单位名录"], [ORG, *ORG_ROWS]), "如果表头上面还有标题行，请删去标题行",
        read_only=True),
    Bad("org: a missing header", "org", "orgs.csv", org_csv([r[:2] + r[3:] for r in ORG_ROWS], ["编码", "名称", "角色"]),
        "第 1 行「类别」：缺少这一列，表头应为：编码、名称、类别、角色", read_only=True),
    Bad("org: a header twice", "org", "orgs.xlsx", org_xlsx([r + ["x"] for r in ORG_ROWS], ORG + ["名称"]),
        "第 1 行「名称」：这一列出现了 2 次", read_only=True),
    Bad("org: an empty first row", "org", "orgs.csv", lambda: b"\r\n" + csv_bytes(ORG, ORG_ROWS, encoding="utf-8"),
        "第 1 行应为表头，但它是空的", read_only=True),
    # --- organisations: the rows
    Bad("org: an unknown role", "org", "orgs.xlsx", org_xlsx([ORG_ROWS[0], ["D10", "区发改委", "区级机关部门", "部门"]]),
        "第 3 行「角色」：“部门”不是有效的角色，应为 职能管理部门、被考核单位 或 两者"),
    Bad("org: a bad row after blank rows keeps its number", "org", "orgs.xlsx",
        org_xlsx([ORG_ROWS[0], [None] * 4, [None] * 4, ["D10", "区发改委", "区级机关部门", "部门"]]),
        "第 5 行「角色」：“部门”不是有效的角色"),
    Bad("org: an empty code", "org", "orgs.csv", org_csv([["", "漆桥街道", "街道", "被考核单位"]]), "第 2 行「编码」：不能为空"),
    Bad("org: a code twice in the file", "org", "orgs.csv",
        org_csv([*ORG_ROWS, ["T10", "另一个街道", "街道", "被考核单位"]]), "第 4 行「编码」：编码“T10”与第 2 行重复"),
    Bad("org: a name twice in the file", "org", "orgs.csv",
        org_csv([ORG_ROWS[0], ["T11", "漆桥街道", "街道", "被考核单位"]]), "第 3 行「名称」：名称“漆桥街道”与第 2 行重复"),
    Bad("org: an existing organisation's name under a new code", "org", "orgs.csv",
        org_csv([ORG_ROWS[0], ["ZJJ2", "区住建局", "区级机关部门", "两者"]]),
        "第 3 行「名称」：“区住建局”已是编码为“ZJJ”的单位的名称"),
    Bad("org: a change to a retired organisation", "org", "orgs.csv",
        org_csv([["T09", "撤并的镇（恢复）", "镇", "被考核单位"]]), "第 2 行「编码」：“撤并的镇”（编码 T09）已停用"),
    Bad("org: a name that reads as a formula", "org", "orgs.csv",
        org_csv([["T11", HYPERLINK, "街道", "被考核单位"]]), "第 2 行「名称」：不能以“=”开头：电子表格会把它当作公式"),
    Bad("org: a category that reads as a formula", "org", "orgs.csv",
        org_csv([["T11", "漆桥街道", "+街道", "被考核单位"]]), "第 2 行「类别」：不能以“+”开头"),
    Bad("org: a code that reads as a formula", "org", "orgs.csv",
        org_csv([["@T11", "漆桥街道", "街道", "被考核单位"]]), "第 2 行「编码」：不能以“@”开头"),
    Bad("org: a formula cell", "org", "orgs.xlsx", org_xlsx([["T11", HYPERLINK, "街道", "被考核单位"]]),
        f"第 2 行「名称」：是公式（{HYPERLINK[:29]}…）；导入时不计算公式", read_only=True),
    Bad("org: a formula without a stored result", "org", "orgs.xlsx",
        org_xlsx([ORG_ROWS[0], ["D10", "区发改委", "=1+1", "职能管理部门"]]), "第 3 行「类别」：是公式（=1+1）", read_only=True),
    Bad("org: an error value", "org", "orgs.xlsx", org_xlsx([["#N/A", "漆桥街道", "街道", "被考核单位"]]),
        "第 2 行「编码」：是错误值 #N/A", read_only=True),
    Bad("org: merged cells", "org", "orgs.xlsx", org_xlsx([*ORG_ROWS], merged=("C2:C3",)),
        "第 2 行「类别」：C2:C3 是合并单元格：合并后只有第一格有值", read_only=True),
    Bad("org: a name over two lines", "org", "orgs.xlsx", org_xlsx([["T11", "漆桥\n街道", "街道", "被考核单位"]]),
        "第 2 行「名称」：不能有换行或制表符"),
    Bad("org: a code longer than the field", "org", "orgs.csv", org_csv([["X" * 40, "漆桥街道", "街道", "被考核单位"]]),
        "第 2 行「编码」：确保该变量包含不超过 32 字符"),
    # --- organisations: the file
    Bad("org: an empty file", "org", "orgs.csv", lambda: b"", "文件是空的", read_only=True),
    Bad("org: blank lines only", "org", "orgs.csv", lambda: b"\r\n , \r\n\r\n", "文件是空的", read_only=True),
    Bad("org: a workbook with an empty sheet", "org", "orgs.xlsx", lambda: xlsx_bytes([], []), "文件是空的", read_only=True),
    Bad("org: only the header", "org", "orgs.xlsx", org_xlsx([[None] * 4, [None] * 4]),
        "文件中只有表头，没有数据（从第 2 行开始填写）", read_only=True),
    Bad("org: a PNG renamed .xlsx", "org", "orgs.xlsx", lambda: PNG, "这是一个 PNG 图片，不是电子表格", read_only=True),
    Bad("org: a zip renamed .xlsx", "org", "orgs.xlsx", lambda: zip_of(**{"readme.txt": b"not a workbook"}),
        "无法读取这个 .xlsx 文件，它可能不是 Excel 工作簿或已损坏", read_only=True),
    Bad("org: random bytes renamed .csv", "org", "orgs.csv", lambda: random.Random(7).randbytes(4096),
        "无法识别 CSV 文件的编码，它可能不是文本表格", read_only=True),
    Bad("org: binary bytes renamed .csv", "org", "orgs.csv", lambda: b"\x00\x01\x02\x03" * 64, NOT_A_TABLE,
        read_only=True),
    Bad("org: an old .xls renamed .xlsx", "org", "orgs.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        "这是旧版 Excel（.xls）文件或设置了打开密码的工作簿", read_only=True),
    Bad("org: a workbook renamed .csv", "org", "orgs.csv", org_xlsx(ORG_ROWS),
        "这个文件其实是 Excel 工作簿（.xlsx）；请把文件扩展名改为 .xlsx", read_only=True),
    Bad("org: a CSV in an unknown encoding", "org", "orgs.csv",
        lambda: csv_bytes(ORG, ORG_ROWS, encoding="utf-8") + b"\xff\xfe\xff", "无法识别 CSV 文件的编码", read_only=True),
    Bad("org: a CSV with an unclosed quote", "org", "orgs.csv",
        lambda: csv_bytes(ORG, ORG_ROWS, encoding="utf-8") + b'T11,"' + b"x" * 140_000,
        "第 4 行：有一个单元格超过 131072 个字符，请检查引号是否成对", read_only=True),
    Bad("org: another kind of file", "org", "orgs.txt", org_csv(ORG_ROWS), "只能导入 .xlsx 或 .csv 文件，“orgs.txt”不是",
        read_only=True),
    Bad("org: a file over the size limit", "org", "orgs.csv", org_csv(ORG_ROWS * 20),
        "上限为 1 KB", settings={"IMPORT_MAX_BYTES": 1024}, read_only=True),
    Bad("org: a workbook that unpacks too large", "org", "orgs.xlsx",
        lambda: zip_of(**{"xl/sharedStrings.xml": b" " * 2_000_000}),
        "这个 .xlsx 文件解压后太大（1.9 MB，上限为 977 KB）", settings={"IMPORT_MAX_BYTES": 100_000}, read_only=True),
    Bad("org: content past the last column", "org", "orgs.csv", org_csv([ORG_ROWS[0] + [""] * 96 + ["x"]]),
        "第 2 行：CV 列之后还有内容；一个文件最多 100 列", read_only=True),
    Bad("org: one row over the row limit", "org", "orgs.csv", org_csv([*ORG_ROWS, ["T11", "东坝街道", "街道", "被考核单位"]]),
        "第 4 行：一个文件最多导入 2 行数据（第 2 行至第 3 行）", settings={"IMPORT_MAX_ROWS": 2}, read_only=True),
    Bad("org: 100,000 rows (.csv)", "org", "orgs.csv", lambda: big("org", "csv"),
        "第 60002 行：一个文件最多导入 60,000 行数据（第 2 行至第 60,001 行），这个文件更长", read_only=True),
    Bad("org: 100,000 rows (.xlsx)", "org", "orgs.xlsx", lambda: big("org", "xlsx"),
        "第 60002 行：一个文件最多导入 60,000 行数据", read_only=True),
    # --- ratings: the header row
    Bad("ratings: a missing header", "ratings", "march.csv", lambda: csv_bytes(RAT[:-1], [r[:-1] for r in RATING_ROWS]),
        "第 1 行「较大影响」：缺少这一列，表头应为：月份、职能管理部门、被考核单位、类型、认定条目、事由、较大影响", read_only=True),
    Bad("ratings: a misspelt header", "ratings", "march.csv", rat_csv([], ["月分", *RAT[1:]]),
        "第 1 行「月份」：缺少这一列", read_only=True),
    Bad("ratings: the organisation list instead", "ratings", "march.csv", org_csv(ORG_ROWS),
        "但一列也没有找到；第 1 行是：编码、名称、类别、角色", read_only=True),
    # --- ratings: the rows
    Bad("ratings: an unknown unit", "ratings", "march.xlsx", rat_xlsx([rating(被考核单位="T99")]),
        "第 4 行「被考核单位」：本辖区没有编码或名称为“T99”的被考核单位"),
    Bad("ratings: an unknown department", "ratings", "march.xlsx", rat_xlsx([rating(职能管理部门="区教育局")]),
        "第 4 行「职能管理部门」：本辖区没有编码或名称为“区教育局”的职能管理部门"),
    Bad("ratings: a retired unit", "ratings", "march.xlsx", rat_xlsx([rating(被考核单位="T09")]),
        "第 4 行「被考核单位」：“撤并的镇”已停用，不能再认定"),
    Bad("ratings: a retired department", "ratings", "march.xlsx", rat_xlsx([rating(职能管理部门="D09")]),
        "第 4 行「职能管理部门」：“区撤并局”已停用，不能再填报认定"),
    Bad("ratings: a name two units share", "ratings", "march.xlsx", rat_xlsx([rating(被考核单位="古柏街道")]),
        "第 3 行「被考核单位」：名称为“古柏街道”的单位不止一个，请改填编码", prepare=second_unit_named_gubai),
    Bad("ratings: the same rating twice in the file", "ratings", "march.csv", rat_csv([RATING_ROWS[0]]),
        "第 4 行：与第 2 行重复（月份、职能管理部门、被考核单位、类型、认定条目、事由都相同）"),
    Bad("ratings: a recorded rating with another serious impact", "ratings", "march.csv",
        rat_csv([rating(较大影响="是", 类型="黄灯", 认定条目="Y01")]),
        "第 4 行「较大影响」：已有一条相同的认定，但“较大影响”不同", prepare=t02_already_rated),
    Bad("ratings: month 2026-13", "ratings", "march.csv", rat_csv([rating(月份="2026-13")]),
        "第 4 行「月份」：“2026-13”不是有效的月份，应写成 YYYY-MM，例如 2026-03"),
    Bad("ratings: month 2026年13月", "ratings", "march.csv", rat_csv([rating(月份="2026年13月")]),
        "第 4 行「月份」：“2026年13月”不是有效的月份"),
    Bad("ratings: month abc", "ratings", "march.csv", rat_csv([rating(月份="abc")]), "第 4 行「月份」：“abc”不是有效的月份"),
    Bad("ratings: an Excel date that is not a month", "ratings", "march.xlsx",
        rat_xlsx([rating(月份=datetime(2026, 3, 15))]), "第 4 行「月份」：“2026-03-15”不是有效的月份"),
    Bad("ratings: an empty month", "ratings", "march.xlsx", rat_xlsx([rating(月份=None)]), "第 4 行「月份」：不能为空"),
    Bad("ratings: a closed month", "ratings", "march.xlsx", rat_xlsx([rating(月份="2026-01")]),
        "第 4 行「月份」：2026-01 已关账，不能再导入认定"),
    Bad("ratings: a month of a year without a rule book", "ratings", "march.xlsx", rat_xlsx([rating(月份="2025-01")]),
        "第 4 行「月份」：2025 年度还没有认定细则，不能导入这一年的认定"),
    Bad("ratings: a formula in the reason", "ratings", "march.xlsx", rat_xlsx([rating(事由='=A2&"，整改到位"')]),
        '第 4 行「事由」：是公式（=A2&"，整改到位"）', read_only=True),
    Bad("ratings: a formula in the month", "ratings", "march.xlsx",
        rat_xlsx([rating(月份='=TEXT(TODAY(),"yyyy-mm")')]), "第 4 行「月份」：是公式", read_only=True),
    Bad("ratings: an error value in the unit", "ratings", "march.xlsx", rat_xlsx([rating(被考核单位="#REF!")]),
        "第 4 行「被考核单位」：是错误值 #REF!", read_only=True),
    Bad("ratings: merged month cells", "ratings", "march.xlsx", rat_xlsx([], merged=("A2:A3",)),
        "第 2 行「月份」：A2:A3 是合并单元格", read_only=True),
    # --- ratings: the file
    Bad("ratings: an empty file", "ratings", "march.xlsx", lambda: b"", "文件是空的", read_only=True),
    Bad("ratings: only the header", "ratings", "march.csv", lambda: csv_bytes(RAT, []),
        "文件中只有表头，没有数据", read_only=True),
    Bad("ratings: a PNG renamed .csv", "ratings", "march.csv", lambda: PNG, "这是一个 PNG 图片，不是电子表格",
        read_only=True),
    Bad("ratings: 100,000 rows (.csv)", "ratings", "march.csv", lambda: big("ratings", "csv"),
        "第 60002 行：一个文件最多导入 60,000 行数据", read_only=True),
    Bad("ratings: 100,000 rows (.xlsx)", "ratings", "march.xlsx", lambda: big("ratings", "xlsx"),
        "第 60002 行：一个文件最多导入 60,000 行数据", read_only=True),
]


@pytest.fixture
def world(dept_a, dept_b, town, town2, flag_criterion, yellow_criterion, alice):
    """The jurisdiction a clerk imports into: two departments (ZJJ, SCJ), two towns
    (T01, T02), a retired town (T09) and department (D09), the 2026 rule book, and
    January 2026 closed."""
    OrganisationFactory(code="T09", name="撤并的镇", is_active=False)
    DepartmentFactory(code="D09", name="区撤并局", is_active=False)
    PeriodFactory(year=2026, month=1, status=Period.Status.CLOSED)
    return alice


def snapshot() -> dict[str, Any]:
    """Everything an import could touch, row by row, with the history and the admin log."""
    models = [Organisation, Category, Rating, Period, Criterion, RuleBook]
    state: dict[str, Any] = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    for model in (Organisation, Rating, Period, Criterion, RuleBook):
        state[f"{model.__name__} history"] = model.history.count()
    state["admin log"] = LogEntry.objects.count()
    return state


def arrange(case: Bad, settings, directory: Path) -> None:
    for name, value in case.settings.items():
        setattr(settings, name, value)
    if case.prepare:
        case.prepare(directory)


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_the_command_refuses_a_bad_file_names_row_and_column_and_changes_nothing(world, case, tmp_path, settings):
    arrange(case, settings, tmp_path)
    path = _write(tmp_path / case.name, case.content())
    before = snapshot()

    with CaptureQueriesContext(connection) as queries, pytest.raises(CommandError) as refused:
        run(COMMAND[case.kind], path)

    assert case.message in str(refused.value)
    assert str(refused.value).startswith("导入失败，没有写入任何数据")
    assert refused.value.returncode == 1  # manage.py exits with it
    assert snapshot() == before
    if case.read_only:  # refused while reading: the database was never asked
        assert [query["sql"] for query in queries.captured_queries] == []


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_the_admin_preview_shows_the_problem_offers_no_confirmation_and_changes_nothing(
    world, case, client, tmp_path, settings
):
    arrange(case, settings, tmp_path)
    client.force_login(world)
    before = snapshot()

    shown = client.post(reverse(ADMIN[case.kind]), {
        "import_file": _upload(case.name, case.content()), "format": "0", "resource": "0",
    })

    assert shown.status_code == 200
    assert shown.context.get("confirm_form") is None
    assert case.message in "\n".join(problems(shown))
    assert escape(case.shown) in shown.content.decode()
    assert snapshot() == before


def problems(response) -> list[str]:
    """What the preview page reports: the upload form's errors and the rows' errors."""
    form = response.context.get("form")
    found = [str(e) for e in form.errors.get("import_file", [])] if form is not None else []
    result = response.context.get("result")
    if result is not None:
        found += [str(e) for e in result_errors(result)]
    return found


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


# Reading stops at the limit --------------------------------------------------------


def test_a_long_workbook_is_not_read_past_the_row_limit(world, tmp_path, settings):
    """The file is broken after row 12: a reader that went on would say so."""
    settings.IMPORT_MAX_ROWS = 10
    rows = [[f"X{n}", f"单位{n}", "街道", "被考核单位"] for n in range(11)]
    path = _write(tmp_path / "orgs.xlsx", big_xlsx(ORG, rows, tail="<row r=\"13\"><c r=\"A13\"><<<broken"))

    with pytest.raises(CommandError) as refused:
        run("import_org", path)

    assert "第 12 行：一个文件最多导入 10 行数据" in str(refused.value)


def test_a_long_csv_is_not_read_past_the_row_limit(world, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 10
    rows = [[f"X{n}", f"单位{n}", "街道", "被考核单位"] for n in range(11)]
    path = _write(tmp_path / "orgs.csv", csv_bytes(ORG, rows) + b'X99,"' + b"x" * 140_000)

    with pytest.raises(CommandError) as refused:
        run("import_org", path)

    assert "第 12 行：一个文件最多导入 10 行数据" in str(refused.value)


def test_as_many_rows_as_the_limit_import_and_trailing_blank_rows_do_not_count(world, tmp_path, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = [[f"X{n}", f"单位{n}", "街道", "被考核单位"] for n in range(3)] + [["", "", "", ""]] * 20

    out = run("import_org", _write(tmp_path / "orgs.csv", csv_bytes(ORG, rows)))

    assert "新增 3" in out


def test_the_real_command_line_exits_non_zero_without_a_database(tmp_path):
    """``manage.py import_org`` on a bad file: exit code 1, the message on stderr, and
    the database file is never even opened."""
    import os
    import subprocess
    import sys

    path = _write(tmp_path / "orgs.csv", b"\x89PNG\r\n\x1a\n")
    database = tmp_path / "never.sqlite3"
    env = {k: v for k, v in os.environ.items() if k != "LIANGBANG_TEST_DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.test", LIANGBANG_SQLITE_PATH=str(database))

    done = subprocess.run([sys.executable, "manage.py", "import_org", str(path)], cwd=Path(__file__).parents[1],
                          env=env, capture_output=True, text=True, timeout=120)

    assert done.returncode == 1
    assert "这是一个 PNG 图片，不是电子表格" in done.stderr
    assert not database.exists()


# Odd files that mean something clear ------------------------------------------------


@dataclass(frozen=True)
class Odd:
    """A file that looks unusual but is read as the clerk meant; ``check`` asserts the
    result, ``note`` is what the clerk is told about what was left out."""

    id: str
    kind: str
    name: str
    content: Callable[[], bytes]
    check: Callable[[], None]
    note: str = ""
    prepare: Callable[[Path], None] | None = None


def orgs_imported(*codes: str) -> Callable[[], None]:
    def check() -> None:
        for code in codes:
            assert Organisation.objects.filter(code=code, is_active=True).exists(), code
        assert Organisation.objects.get(code="T10").name == "漆桥街道"

    return check


def march_ratings(count: int = 2, **expected: Any) -> Callable[[], None]:
    def check() -> None:
        ratings = Rating.objects.filter(period__year=2026, period__month=3)
        assert ratings.count() == count
        for field_name, value in expected.items():
            assert ratings.filter(**{field_name: value}).exists(), (field_name, value)

    return check


def gbk_only_rows() -> list[list[str]]:
    # 䶮 is in GB18030 but not in GBK.
    return [["T10", "漆桥街道", "街道", "被考核单位"], ["D10", "区发改委䶮", "区级机关部门", "职能管理部门"]]


def ratings_already_recorded(directory: Path) -> None:
    run("import_ratings", _write(directory / "before.csv", csv_bytes(RAT, RATING_ROWS)))


def retired_t09_as_is() -> list[list[str]]:
    category = Organisation.objects.get(code="T09").category.name
    return [ORG_ROWS[0], ["T09", "撤并的镇", category, "被考核单位"]]


ODD = [
    Odd("org: a 备注 column", "org", "orgs.xlsx", org_xlsx([r + ["新设"] for r in ORG_ROWS], ORG + ["备注"]),
        orgs_imported("T10", "D10"), "以下列不在导入格式中，没有导入：备注（E 列）"),
    Odd("org: a note in a column without a header", "org", "orgs.csv", org_csv([ORG_ROWS[0] + ["", "已核"], ORG_ROWS[1]]),
        orgs_imported("T10", "D10"), "以下列没有表头，没有导入：F 列"),
    Odd("org: headers with spaces, line breaks and full-width forms", "org", "orgs.xlsx",
        org_xlsx(ORG_ROWS, [" 编码 ", "名\u3000称", "类别\n", "\ufeff角 色"]), orgs_imported("T10", "D10")),
    Odd("org: blank rows between and after", "org", "orgs.xlsx",
        org_xlsx([ORG_ROWS[0], [None] * 4, ["", " ", "", ""], ORG_ROWS[1], [None] * 4, [None] * 4]),
        orgs_imported("T10", "D10")),
    Odd("org: GBK", "org", "orgs.csv", org_csv(ORG_ROWS, encoding="gbk"), orgs_imported("T10", "D10")),
    Odd("org: GB18030", "org", "orgs.csv", lambda: csv_bytes(ORG, gbk_only_rows(), encoding="gb18030"),
        lambda: Organisation.objects.get(code="D10", name="区发改委䶮")),
    Odd("org: UTF-8 with BOM", "org", "orgs.csv", org_csv(ORG_ROWS, encoding="utf-8-sig"), orgs_imported("T10", "D10")),
    Odd("org: UTF-8 without BOM", "org", "orgs.csv", org_csv(ORG_ROWS, encoding="utf-8"), orgs_imported("T10", "D10")),
    Odd("org: Excel's Unicode text (UTF-16, tabs)", "org", "orgs.csv",
        org_csv(ORG_ROWS, encoding="utf-16", delimiter="\t"), orgs_imported("T10", "D10")),
    Odd("org: several worksheets", "org", "orgs.xlsx",
        org_xlsx(ORG_ROWS, sheets={"说明": [["请在第一个工作表填写"]], "旧名录": [ORG, ["OLD", "旧单位", "", "两者"]]}),
        orgs_imported("T10", "D10"), "只读取了第一个工作表“Sheet”，没有读取：“说明”、“旧名录”"),
    Odd("org: invisible characters around a code", "org", "orgs.csv",
        org_csv([["\u200bT10\u00a0", "漆桥街道\u3000", "街道", "被考核单位"], ORG_ROWS[1]]), orgs_imported("T10", "D10")),
    Odd("org: a retired organisation as it is", "org", "orgs.csv", lambda: csv_bytes(ORG, retired_t09_as_is()),
        lambda: (orgs_imported("T10")(), Organisation.objects.get(code="T09", is_active=False)),
        "第 3 行是已停用的单位，保持停用，没有改动"),
    Odd("ratings: a month Excel turned into a date", "ratings", "march.xlsx",
        lambda: xlsx_bytes(RAT, [[datetime(2026, 3, 1), *RATING_ROWS[0][1:]], RATING_ROWS[1]]), march_ratings()),
    Odd("ratings: a month in Chinese Excel's built-in date format", "ratings", "march.xlsx",
        lambda: with_builtin_date_format(xlsx_bytes(RAT, [[datetime(2026, 3, 1), *RATING_ROWS[0][1:]], RATING_ROWS[1]],
                                                    formats={"A2": 'yyyy"年"m"月"'}), 57), march_ratings()),
    Odd("ratings: months written 2026年3月 and in full-width digits", "ratings", "march.csv",
        lambda: csv_bytes(RAT, [["2026年3月", *RATING_ROWS[0][1:]], ["２０２６－０３", *RATING_ROWS[1][1:]]]),
        march_ratings()),
    Odd("ratings: a reason that starts with = is text", "ratings", "march.csv",
        lambda: csv_bytes(RAT, [RATING_ROWS[0][:5] + ["=1+1 件工单超时"] + [""], RATING_ROWS[1]]),
        march_ratings(reason="=1+1 件工单超时")),
    Odd("ratings: a 备注 column and a second sheet", "ratings", "march.xlsx",
        lambda: xlsx_bytes([*RAT, "备注"], [r + ["=1+1"] for r in RATING_ROWS], sheets={"2月": [RAT]}),
        march_ratings(), "以下列不在导入格式中，没有导入：备注（H 列）"),
    Odd("ratings: rows already recorded", "ratings", "march.csv", rat_csv([]), march_ratings(),
        "第 2、3 行与已有的认定相同（待审核），没有重复导入", prepare=ratings_already_recorded),
]


@pytest.mark.parametrize("case", ODD, ids=[case.id for case in ODD])
def test_the_command_reads_an_odd_file_as_meant_and_says_what_it_left_out(world, case, tmp_path):
    if case.prepare:
        case.prepare(tmp_path)

    out = run(COMMAND[case.kind], _write(tmp_path / case.name, case.content()))

    case.check()
    if case.note:
        assert f"注意：{case.note}" in out


@pytest.mark.parametrize("case", ODD, ids=[case.id for case in ODD])
def test_the_admin_previews_an_odd_file_with_its_notes_then_imports_it(world, case, client, tmp_path):
    if case.prepare:
        case.prepare(tmp_path)
    client.force_login(world)

    shown = client.post(reverse(ADMIN[case.kind]), {
        "import_file": _upload(case.name, case.content()), "format": "0", "resource": "0",
    })

    assert shown.status_code == 200
    assert problems(shown) == []
    if case.note:
        assert escape(case.note) in shown.content.decode()
    model = "departments_organisation" if case.kind == "org" else "ratings_rating"
    done = client.post(reverse(f"admin:{model}_process_import"), shown.context["confirm_form"].initial)
    assert done.status_code == 302
    case.check()
