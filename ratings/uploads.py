"""What an evidence file may be: its type (by extension *and* by content), its size, and
the name it is shown and downloaded under.

Plain Python (the standard library and Pillow): it takes a name, a size and a binary
stream, and answers with a ``Problem`` code or a cleaned name. ``ratings.forms`` turns
the codes into messages; the admin's evidence inline uses that form.

Why the content is checked as well as the extension: a file is evidence a clerk opens on
the office's machines. An HTML page renamed ``.pdf``, an SVG or a script renamed ``.png``,
a "Word" file that is not one, or a real image with a web page glued into its first
bytes (a polyglot, the kind a browser's content sniffing would run) are refused. The
download (``ratings.views.evidence_download``) is an attachment with ``nosniff`` and a
sandboxing CSP anyway; this keeps such files out in the first place.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from enum import Enum
from typing import BinaryIO

# How much of the start of a file is read for signatures and for web markup: more than
# browsers look at when they sniff a type (the WHATWG "resource header" is 1,445 bytes).
HEAD_BYTES = 4096
# The longest name kept for display and download (the stored name is random anyway).
MAX_NAME_CHARS = 120


class Problem(str, Enum):
    EXTENSION = "extension"  # the extension is not an allowed type
    EMPTY = "empty"
    SIZE = "size"  # over the size limit
    CONTENT = "content"  # the bytes are not a file of the type the extension names
    MARKUP = "markup"  # web markup (HTML, SVG, script) inside the file


# Tags a browser would render or run; a real PDF, image, Office file or note has none of
# them in its first bytes (XMP metadata in images and PDFs is ``<?xpacket``/``<x:xmpmeta``).
MARKUP_RE = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frame|frameset|svg|img|object|embed|meta|link|style"
    rb"|form|base|math|xml-stylesheet|\?xml-stylesheet)[\s/>]",
    re.IGNORECASE,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PDF_MAGIC = b"%PDF-"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .doc / .xls
ZIP_MAGIC = b"PK\x03\x04"


def extension(name: str) -> str:
    """The lower-case extension without the dot ("" when there is none)."""
    base = re.split(r"[/\\]", name or "")[-1]
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem.strip(". ") else ""


def _is_pdf(stream: BinaryIO, head: bytes) -> bool:
    return head.startswith(PDF_MAGIC)


def _image_of_format(expected: str) -> Callable[[BinaryIO, bytes], bool]:
    magic = {"PNG": PNG_MAGIC, "JPEG": JPEG_MAGIC}[expected]

    def check(stream: BinaryIO, head: bytes) -> bool:
        if not head.startswith(magic):
            return False
        from PIL import Image

        try:
            stream.seek(0)
            with Image.open(stream) as image:
                if image.format != expected:
                    return False
                image.verify()  # structure and checksums, without decoding the pixels
        except Exception:  # Pillow raises many kinds of errors for a broken file
            return False
        return True

    return check


def _is_ole2(stream: BinaryIO, head: bytes) -> bool:
    return head.startswith(OLE2_MAGIC)


def _zip_with(predicate: Callable[[list[str]], bool]) -> Callable[[BinaryIO, bytes], bool]:
    """An Office Open XML or OFD package: a zip (from its first byte: not a page with a
    zip glued to its end) holding the parts of that kind of document."""

    def check(stream: BinaryIO, head: bytes) -> bool:
        if not head.startswith(ZIP_MAGIC):
            return False
        try:
            stream.seek(0)
            with zipfile.ZipFile(stream) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return False
        return predicate(names)

    return check


def _ooxml(folder: str) -> Callable[[list[str]], bool]:
    return lambda names: "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)


def _ofd(names: list[str]) -> bool:
    return "OFD.xml" in names


TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f"}


def text_decode(data: bytes) -> str | None:
    """A note as text: UTF-8 (with or without BOM), UTF-16 with a BOM (Notepad's
    "Unicode"), or GB18030 (older Chinese Windows); None for anything binary."""
    encodings = ("utf-16",) if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else TEXT_ENCODINGS
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(c) == "Cc" and c not in ALLOWED_CONTROLS for c in text):
            return None
        return text
    return None


def _is_text(stream: BinaryIO, head: bytes) -> bool:
    stream.seek(0)
    return text_decode(stream.read()) is not None


# The types that can be checked. settings.EVIDENCE_EXTENSIONS chooses among them; an
# extension listed there without a check here is not accepted (see ``allowed_extensions``).
CHECKS: dict[str, Callable[[BinaryIO, bytes], bool]] = {
    "pdf": _is_pdf,
    "jpg": _image_of_format("JPEG"),
    "jpeg": _image_of_format("JPEG"),
    "png": _image_of_format("PNG"),
    "doc": _is_ole2,
    "xls": _is_ole2,
    "docx": _zip_with(_ooxml("word/")),
    "xlsx": _zip_with(_ooxml("xl/")),
    "ofd": _zip_with(_ofd),
    "txt": _is_text,
}


def allowed_extensions(configured: Iterable[str]) -> list[str]:
    """The configured extensions this module can check, lower-case, in their order."""
    seen: list[str] = []
    for ext in configured:
        ext = ext.lower().lstrip(".")
        if ext in CHECKS and ext not in seen:
            seen.append(ext)
    return seen


def has_markup(data: bytes) -> bool:
    return MARKUP_RE.search(data) is not None


def evidence_problem(
    *, name: str, size: int, stream: BinaryIO, allowed: Iterable[str], max_bytes: int
) -> Problem | None:
    """Why this file may not be evidence, or None when it may. Cheap checks first: the
    extension and the size are known without reading the file."""
    ext = extension(name)
    if ext not in allowed_extensions(allowed):
        return Problem.EXTENSION
    if size <= 0:
        return Problem.EMPTY
    if size > max_bytes:
        return Problem.SIZE
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    if not head:
        return Problem.EMPTY
    try:
        if not CHECKS[ext](stream, head):
            return Problem.CONTENT
        if ext == "txt":
            stream.seek(0)
            text = text_decode(stream.read()) or ""
            if has_markup(text.encode("utf-8")):
                return Problem.MARKUP
        elif has_markup(head):
            return Problem.MARKUP
    finally:
        stream.seek(0)
    return None


# Shown in the browser (查看) ------------------------------------------------------------------

# The types a browser may show in a tab rather than download, once the bytes are one.
INLINE_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}


def may_show_inline(name: str) -> bool:
    """Whether a file of this name is offered for viewing (查看): a PDF or an image."""
    return extension(name) in INLINE_TYPES


def inline_content_type(name: str, stream: BinaryIO) -> str | None:
    """The type to show a stored file under in the browser, or None to download it: only
    a PDF, PNG or JPEG whose bytes are one (the upload's own checks, run again on what is
    stored now), with no web markup in its first bytes."""
    ext = extension(name)
    if ext not in INLINE_TYPES:
        return None
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    try:
        if not head or has_markup(head) or not CHECKS[ext](stream, head):
            return None
    finally:
        stream.seek(0)
    return INLINE_TYPES[ext]


# Names -------------------------------------------------------------------------------------

# Characters Windows does not allow in a file name, and quotes that would need escaping in
# a header: replaced, so that the name downloads as shown.
_RESERVED_RE = re.compile(r'[<>:"/\\|?*;]')
_SPACES_RE = re.compile(r"\s+")


def display_name(name: str) -> str:
    """The name a file is shown and downloaded under: the last part of whatever path the
    browser sent, without control or direction-changing characters (U+202E can make
    "exe.pdf" read as "fdp.exe"), reserved characters replaced, no leading dots, at most
    ``MAX_NAME_CHARS`` characters with the extension kept. "" when nothing is left."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = _SPACES_RE.sub(" ", base)  # tabs and line breaks become spaces
    base = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn"))
    base = _RESERVED_RE.sub("_", base).strip(" .")
    if not base.strip("_ "):
        return ""
    if len(base) > MAX_NAME_CHARS:
        stem, dot, ext = base.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            base = stem[: MAX_NAME_CHARS - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            base = base[:MAX_NAME_CHARS]
    return base


def stored_extension(name: str) -> str:
    """The extension a stored file gets: the checked one (letters and digits only), or
    "bin" for a name that has none that could have passed the checks."""
    ext = extension(name)
    return ext if ext in CHECKS else "bin"
