"""A streaming .xlsx reader whose cost is bounded by what the caller allows.

openpyxl, even in read-only mode, holds every shared string in full before the first
row is read and builds an object per string: a 0.5 MB workbook whose shared strings
unpack to 190 MB took minutes and over a gigabyte. This reader parses the parts it
needs with expat, fed in chunks from the zip, and counts as it goes:

- the bytes actually unpacked from each part (``Limits.part_bytes``), whatever the
  zip's directory claims;
- the shared strings and the cells parsed (``Limits.strings``, ``Limits.cells``);
- the characters kept per cell (``Limits.cell_chars``): a longer text is not held, it
  becomes ``Overlong(length)``.

It reads what the clerk sees: the first *visible* worksheet (hidden and very hidden
sheets are skipped and named), which rows and columns are hidden (hidden, zero height
or width, filtered away), and numbers as their number format shows them (``Number``
keeps the stored value and the text Excel displays, so that 2020.1 formatted ``0.00``
is known to read "2020.10"). Formulas and error values are returned as such, never
evaluated. No DTD is accepted, so no entity can expand.

Pure Python over the standard library and openpyxl's date helpers; the caller turns
``XlsxError`` codes into messages.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

CHUNK = 64 * 1024

# Spreadsheet ML, transitional and strict; relationships, both.
_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
_RELS_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

# Chinese Excel's built-in date formats (yyyy"年"m"月", m"月"d"日" …): the workbook
# names them by number only, and openpyxl's table of built-ins does not have them.
CJK_DATE_FORMAT_IDS = frozenset({27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58})

_SIMPLE_NUMBER = re.compile(r"^(?P<int>[#0,]*0[#0,]*|#)(?:\.(?P<dec>0+))?(?P<pct>%?)$")
_FORMAT_NOISE = re.compile(r"\[[^\]]*\]|\\.|_.|\*.")  # colours, conditions, escapes, padding


@dataclass(frozen=True)
class Limits:
    part_bytes: int  # unpacked bytes read from any one part of the workbook
    cells: int  # cell elements parsed in the worksheet
    elements: int  # XML elements parsed in any one part (what each costs, cell or not)
    strings: int  # shared strings parsed
    cell_chars: int  # characters kept of one cell's text
    columns: int  # cells past this column are folded into column ``columns + 1``


class XlsxError(Exception):
    """Why the workbook cannot be read: ``code`` and its details for the message.

    Codes: ``unreadable`` (not a workbook, or damaged), ``no_sheet``, ``part_too_big``
    (part, limit), ``too_complex`` (part, limit: elements), ``too_many_strings`` (limit),
    ``too_many_cells`` (limit, row)."""

    def __init__(self, code: str, **details: Any):
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Formula:
    text: str  # as Excel shows it in the formula bar, starting with "="


@dataclass(frozen=True)
class ErrorValue:
    text: str  # #N/A, #DIV/0! …


@dataclass(frozen=True)
class Overlong:
    """A text longer than ``Limits.cell_chars``; only its length was kept."""

    length: int


@dataclass(frozen=True)
class Number:
    """A number, and the text its number format shows (``shown``); ``shown`` is None
    when the format is one this reader does not render."""

    value: int | float
    shown: str | None
    format: str


@dataclass(frozen=True)
class Invisible:
    """A value whose number format shows nothing (;;;): the clerk sees an empty cell."""

    value: Any


@dataclass(frozen=True)
class Row:
    number: int  # as Excel numbers it, from 1
    cells: list[Any]  # by column from A; None for an empty cell
    hidden: bool


@dataclass
class Sheet:
    name: str
    skipped_hidden: list[str]  # hidden sheets before the one read
    others: list[str]  # every other sheet, in order
    rows: Iterator[Row]  # the rows holding something; empty rows are left out
    # Known once ``rows`` is exhausted (they are stored after the cells):
    merged: list[str] = field(default_factory=list)  # "C2:C3"
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)  # (first, last), from 1

    def column_hidden(self, column: int) -> bool:
        return any(first <= column <= last for first, last in self.hidden_columns)


# Parts ---------------------------------------------------------------------------------


def _open_part(archive: zipfile.ZipFile, name: str, limits: Limits) -> Iterator[bytes]:
    """The part's bytes in chunks, refused once more than ``limits.part_bytes`` came out."""
    try:
        handle: IO[bytes] = archive.open(name)
    except KeyError:
        raise XlsxError("unreadable") from None
    read = 0
    with handle:
        while True:
            try:
                chunk = handle.read(CHUNK)
            except Exception as exc:  # zlib.error, a bad CRC, a truncated member …
                raise XlsxError("unreadable") from exc
            if not chunk:
                break
            read += len(chunk)
            if read > limits.part_bytes:
                raise XlsxError("part_too_big", part=name, limit=limits.part_bytes)
            yield chunk


def _parser(start: Callable, end: Callable | None, text: Callable | None, *, part: str,
            limits: Limits) -> expat.XMLParserType:
    """An expat parser for one part; every element counts against ``limits.elements``
    (a part of a million empty rows or runs costs what a million cells would)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    left = [limits.elements]

    def counted(tag: str, attrs: dict[str, str]) -> None:
        left[0] -= 1
        if left[0] < 0:
            raise XlsxError("too_complex", part=part, limit=limits.elements)
        start(tag, attrs)

    parser.buffer_text = True
    parser.buffer_size = CHUNK

    def no_dtd(*_args: Any) -> None:
        raise XlsxError("unreadable")

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = counted
    if end:
        parser.EndElementHandler = end
    if text:
        parser.CharacterDataHandler = text
    return parser


def _feed(parser: expat.XMLParserType, chunks: Iterator[bytes]) -> Iterator[None]:
    """Feed the parser chunk by chunk, yielding after each so a caller can stream."""
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            yield
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise XlsxError("unreadable") from exc
    yield


def _parse(parser: expat.XMLParserType, chunks: Iterator[bytes]) -> None:
    for _step in _feed(parser, chunks):
        pass


def _local(name: str, namespaces: tuple[str, ...] = _MAIN) -> str | None:
    """The element's local name if it is in one of ``namespaces`` (or has none)."""
    uri, _, local = name.rpartition(" ")
    return local if not uri or uri in namespaces else None


def _relationships(archive: zipfile.ZipFile, name: str, limits: Limits) -> dict[str, tuple[str, str]]:
    """Id → (type's last word, target path inside the zip) of a .rels part."""
    base = posixpath.dirname(posixpath.dirname(name))  # xl/_rels/workbook.xml.rels → xl
    found: dict[str, tuple[str, str]] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag, (_PACKAGE_RELS,)) == "Relationship" and attrs.get("TargetMode") != "External":
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
            found[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], path)

    if name in archive.NameToInfo:
        _parse(_parser(start, None, None, part=name, limits=limits), _open_part(archive, name, limits))
    return found


def _rels_name(part: str) -> str:
    folder, _, leaf = part.rpartition("/")
    return f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels"


@dataclass
class _Book:
    sheets: list[tuple[str, str, str]]  # (name, state, part path); worksheets only
    epoch: datetime
    styles: str | None
    strings: str | None


def _book(archive: zipfile.ZipFile, limits: Limits) -> _Book:
    workbook = next((path for kind, path in _relationships(archive, "_rels/.rels", limits).values()
                     if kind == "officeDocument"), "xl/workbook.xml")
    rels = _relationships(archive, _rels_name(workbook), limits)
    declared: list[tuple[str, str, str]] = []
    epoch = [CALENDAR_WINDOWS_1900]

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local == "sheet":
            rid = next((value for key, value in attrs.items() if _local(key, _RELS_NS) == "id" and " " in key), "")
            declared.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
        elif local == "workbookPr" and attrs.get("date1904") in ("1", "true"):
            epoch[0] = CALENDAR_MAC_1904

    _parse(_parser(start, None, None, part=workbook, limits=limits), _open_part(archive, workbook, limits))
    sheets = [(name, state, rels[rid][1]) for name, state, rid in declared
              if rid in rels and rels[rid][0] == "worksheet" and rels[rid][1] in archive.NameToInfo]
    by_kind = {kind: path for kind, path in rels.values() if path in archive.NameToInfo}
    return _Book(sheets, epoch[0], by_kind.get("styles"), by_kind.get("sharedStrings"))


def _styles(archive: zipfile.ZipFile, name: str | None, limits: Limits) -> list[str]:
    """The number format code of each cell style (cellXfs), by style index."""
    if not name:
        return []
    custom: dict[int, str] = {}
    formats: list[str] = []
    where: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        local = _local(tag)
        if local in ("cellXfs", "cellStyleXfs", "numFmts"):
            where.append(local)
        elif local == "numFmt" and where and where[-1] == "numFmts":
            custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
        elif local == "xf" and where and where[-1] == "cellXfs":
            if len(formats) >= limits.cells:
                raise XlsxError("too_many_cells", limit=limits.cells)
            formats.append(attrs.get("numFmtId", "0"))

    def end(tag: str) -> None:
        if where and _local(tag) == where[-1]:
            where.pop()

    _parse(_parser(start, end, None, part=name, limits=limits), _open_part(archive, name, limits))
    codes = []
    for format_id in formats:
        number = _int(format_id)
        if number in custom:
            codes.append(custom[number])
        elif number in CJK_DATE_FORMAT_IDS:
            codes.append('yyyy"年"m"月"')
        else:
            codes.append(BUILTIN_FORMATS.get(number, "General"))
    return codes


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(text or "")
    except ValueError:
        return default


class _Text:
    """Collects one text up to the character limit, then only counts."""

    __slots__ = ("parts", "length", "limit")

    def __init__(self, limit: int):
        self.parts: list[str] = []
        self.length = 0
        self.limit = limit

    def add(self, data: str) -> None:
        if self.length + len(data) <= self.limit:
            self.parts.append(data)
        elif self.length < self.limit:
            self.parts = []  # over the limit: nothing of it is kept
        self.length += len(data)

    def value(self) -> str | Overlong:
        return "".join(self.parts) if self.length <= self.limit else Overlong(self.length)


class _StringsParser:
    """The shared strings: each <si>'s text runs (<t>, not the phonetic <rPh>), joined."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.strings: list[str | Overlong] = []
        self.text: _Text | None = None
        self.target: _Text | None = None
        self.phonetic = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _STRING_NAMES.get(tag)
        if local == "si":
            if len(self.strings) >= self.limits.strings:
                raise XlsxError("too_many_strings", limit=self.limits.strings)
            self.text = _Text(self.limits.cell_chars)
        elif local == "t":
            if not self.phonetic:
                self.target = self.text
        elif local == "rPh":  # phonetic guide (furigana): not part of the text
            self.phonetic += 1

    def end(self, tag: str) -> None:
        local = _STRING_NAMES.get(tag)
        if local == "t":
            self.target = None
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "si" and self.text is not None:
            self.strings.append(self.text.value())
            self.text = None

    def add(self, data: str) -> None:
        if self.target is not None:
            self.target.add(data)


def _shared_strings(archive: zipfile.ZipFile, name: str | None, limits: Limits) -> list[str | Overlong]:
    if not name:
        return []
    parser = _StringsParser(limits)
    _parse(_parser(parser.start, parser.end, parser.add, part=name, limits=limits), _open_part(archive, name, limits))
    return parser.strings


# Numbers as their format shows them ----------------------------------------------------


def _sections(code: str) -> list[str]:
    sections, current, quoted = [], [], False
    for char in code:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            sections.append("".join(current))
            current = []
        else:
            current.append(char)
    sections.append("".join(current))
    return sections


def hides_content(value: Any, code: str) -> bool:
    """Whether the format shows nothing of this value: ``;;;`` hides everything, ``;;``
    numbers only, ``0;;`` a negative number or zero. The sections are positive;
    negative; zero; text, and a section left empty shows nothing."""
    if ";" not in code:
        return False
    sections = _sections(code)
    if isinstance(value, str):
        section = sections[3] if len(sections) >= 4 else "@"
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    elif value < 0 and len(sections) >= 2:
        section = sections[1]
    elif value == 0 and len(sections) >= 3:
        section = sections[2]
    else:
        section = sections[0]
    return _FORMAT_NOISE.sub("", section).strip() == ""


def shown_number(value: int | float, code: str) -> str | None:
    """The text a simple number format shows (General, 0, 0.00, 000, #,##0.0, 0%);
    None for formats this reader does not render (currency, fractions, text …)."""
    if code in ("General", "", "@"):
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return format(value, ".15g") if isinstance(value, float) else str(value)
    sections = _sections(code)
    section = sections[1] if value < 0 and len(sections) > 1 and sections[1] else sections[0]
    pattern = _SIMPLE_NUMBER.match(_FORMAT_NOISE.sub("", section).replace('"', "").strip())
    if not pattern:
        return None
    number = abs(value) * (100 if pattern["pct"] else 1)
    decimals = len(pattern["dec"] or "")
    text = f"{number:,.{decimals}f}" if "," in pattern["int"] else f"{number:.{decimals}f}"
    whole, dot, fraction = text.partition(".")
    width = pattern["int"].count("0")
    if len(whole.replace(",", "")) < width and "," not in pattern["int"]:
        whole = whole.zfill(width)
    if whole == "0" and pattern["int"] == "#":
        whole = ""
    sign = "-" if value < 0 and len(sections) < 2 and number != 0 else ""
    return f"{sign}{whole}{dot}{fraction}{pattern['pct']}"


# The worksheet ---------------------------------------------------------------------------


def _column_number(letters: str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def _names(*locals_: str) -> dict[str, str]:
    """expat's "namespace local" names (and bare ones) → local name, for a dict lookup per event."""
    names = {local: local for local in locals_}
    names.update({f"{uri} {local}": local for uri in _MAIN for local in locals_})
    return names


_STRING_NAMES = _names("si", "t", "rPh")
_SHEET_NAMES = _names("c", "v", "f", "is", "t", "rPh", "row", "col", "mergeCell", "sheetFormatPr")
_DIGITS = "0123456789"


@dataclass(frozen=True)
class _Style:
    code: str
    is_date: bool
    sections: bool  # the format has sections, some of which may show nothing


def _style(code: str) -> _Style:
    return _Style(code, code not in ("General", "@") and is_date_format(code), ";" in code)


class _SheetParser:
    """The worksheet part, row by row: expat pushes, ``take()`` hands over what is complete.

    The handlers run once per XML event (several per cell), so they are kept lean: one
    dict lookup for the element's name, styles resolved once per style, not per cell."""

    def __init__(self, sheet: Sheet, strings: list, formats: list[str], epoch: datetime, limits: Limits):
        self.sheet, self.strings, self.epoch, self.limits = sheet, strings, epoch, limits
        by_code: dict[str, _Style] = {}
        self.styles = [by_code.setdefault(code, _style(code)) for code in formats]
        self.general = _style("General")
        self.columns: dict[str, int] = {}
        self.done: list[Row] = []
        self.cells_left = limits.cells
        self.row_number = 0
        self.row_hidden = False
        self.values: dict[int, Any] = {}
        self.column = 0
        self.cell: dict[str, str] | None = None
        self.formula: _Text | None = None
        self.value: _Text | None = None
        self.inline: _Text | None = None
        self.target: _Text | None = None
        self.phonetic = 0
        self.zero_height = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = _SHEET_NAMES.get(tag)
        if local is None:
            return
        if local == "c":
            self.cells_left -= 1
            if self.cells_left < 0:
                raise XlsxError("too_many_cells", limit=self.limits.cells, row=self.row_number)
            self.cell = attrs
            letters = attrs.get("r", "").rstrip(_DIGITS).lstrip("$").rstrip("$")
            if letters:
                column = self.columns.get(letters)
                if column is None:
                    column = self.columns[letters] = _column_number(letters) if letters.isalpha() else 0
                self.column = column or self.column + 1
            else:
                self.column += 1
            self.formula = self.value = self.inline = None
        elif self.cell is not None:
            if local == "v":
                self.value = self.target = _Text(self.limits.cell_chars)
            elif local == "f":
                self.formula = self.target = _Text(self.limits.cell_chars)
            elif local == "is":
                self.inline = _Text(self.limits.cell_chars)
            elif local == "t" and self.inline is not None and not self.phonetic:
                self.target = self.inline
            elif local == "rPh":
                self.phonetic += 1
        elif local == "row":
            number = _int(attrs.get("r"), self.row_number + 1)
            if number <= self.row_number:
                raise XlsxError("unreadable")  # rows out of order
            self.row_number = number
            height = attrs.get("ht")
            self.row_hidden = (
                attrs.get("hidden") in ("1", "true")
                or (height is not None and _float(height) == 0)
                or (self.zero_height and attrs.get("customHeight") not in ("1", "true"))
            )
            self.values = {}
            self.column = 0
        elif local == "col":
            width = attrs.get("width")
            if attrs.get("hidden") in ("1", "true") or (width is not None and _float(width) == 0):
                first = _int(attrs.get("min"), 1)
                self.sheet.hidden_columns.append((first, _int(attrs.get("max"), first)))
        elif local == "mergeCell" and attrs.get("ref"):
            self.sheet.merged.append(attrs["ref"])
        elif local == "sheetFormatPr":
            self.zero_height = attrs.get("zeroHeight") in ("1", "true")

    def end(self, tag: str) -> None:
        local = _SHEET_NAMES.get(tag)
        if local is None:
            return
        if local == "c":
            if self.cell is not None:
                value = self._cell_value(self.cell)
                if value is not None and value != "":
                    self.values[min(self.column, self.limits.columns + 1)] = value
                self.cell = None
        elif local in ("v", "f", "t"):
            self.target = None
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "row":
            values = self.values
            if values:  # an empty row says nothing (and costs nothing more)
                width = max(values)
                self.done.append(Row(self.row_number, [values.get(c) for c in range(1, width + 1)], self.row_hidden))

    def text(self, data: str) -> None:
        if self.target is not None:
            self.target.add(data)

    def _cell_value(self, attrs: dict[str, str]) -> Any:
        if self.formula is not None:
            text = self.formula.value()
            return Formula("=" + text if isinstance(text, str) else "=…")
        kind = attrs.get("t", "n")
        index = attrs.get("s")
        style = self.general
        if index is not None:
            number = _int(index, -1)
            if 0 <= number < len(self.styles):
                style = self.styles[number]
        if kind == "inlineStr":
            value: Any = self.inline.value() if self.inline else ""
        elif self.value is None:
            return None
        else:
            raw = self.value.value()
            if isinstance(raw, Overlong):
                return raw
            value = self._typed(kind, raw, style)
        if style.sections and value is not None and value != "":
            shown = value.value if isinstance(value, Number) else value
            if hides_content(shown, style.code):
                return Invisible(value)
        return value

    def _typed(self, kind: str, raw: str, style: _Style) -> Any:
        if kind == "s":
            index = _int(raw, -1)
            if not 0 <= index < len(self.strings):
                raise XlsxError("unreadable")
            return self.strings[index]
        if kind in ("str", "inlineStr"):
            return raw
        if kind == "e":
            return ErrorValue(raw)
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            try:
                return from_ISO8601(raw.strip())
            except ValueError:
                raise XlsxError("unreadable") from None
        text = raw.strip()
        if not text:
            return None
        try:
            number: int | float = int(text) if not any(c in text for c in ".eE") else float(text)
        except ValueError:
            raise XlsxError("unreadable") from None
        if style.is_date:
            try:
                moment = from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return Number(number, shown_number(number, "General"), style.code)
            if isinstance(moment, timedelta):
                return Number(number, None, style.code)
            return moment
        return Number(number, shown_number(number, style.code), style.code)

    def take(self) -> list[Row]:
        done, self.done = self.done, []
        return done


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return -1.0


def read(content: bytes | IO[bytes], limits: Limits) -> Sheet:
    """The first visible worksheet of a workbook; rows stream as ``Sheet.rows`` is read.

    Raises XlsxError for a file that is not a readable workbook or exceeds ``limits``.
    The zip stays open until the rows are exhausted (or the generator is closed)."""
    import io

    try:
        archive = zipfile.ZipFile(io.BytesIO(content) if isinstance(content, bytes) else content)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise XlsxError("unreadable") from exc
    try:
        book = _book(archive, limits)
        visible = [entry for entry in book.sheets if entry[1] == "visible"]
        if not visible:
            raise XlsxError("no_sheet")
        name, _state, part = visible[0]
        index = book.sheets.index(visible[0])
        skipped = [entry[0] for entry in book.sheets[:index]]
        others = [entry[0] for entry in book.sheets if entry is not visible[0]]
        formats = _styles(archive, book.styles, limits)
        strings = _shared_strings(archive, book.strings, limits)
    except XlsxError:
        archive.close()
        raise
    except Exception as exc:  # whatever a damaged archive makes zipfile raise
        archive.close()
        raise XlsxError("unreadable") from exc

    sheet = Sheet(name=name, skipped_hidden=skipped, others=others, rows=iter(()))

    def rows() -> Iterator[Row]:
        parser = _SheetParser(sheet, strings, formats, book.epoch, limits)
        expat_parser = _parser(parser.start, parser.end, parser.text, part=part, limits=limits)
        try:
            for _step in _feed(expat_parser, _open_part(archive, part, limits)):
                yield from parser.take()
        except XlsxError:
            # The rows completed before the fault come first: a caller that stops at its
            # row limit never hears of damage past it.
            yield from parser.take()
            raise
        except Exception as exc:  # a damaged part can trip a handler anywhere
            yield from parser.take()
            raise XlsxError("unreadable") from exc
        finally:
            archive.close()

    sheet.rows = rows()
    return sheet
