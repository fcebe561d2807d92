"""What an uploaded file may be: its type (by extension *and* by content), its size, and
the name it is shown and downloaded under; and a photo without what its camera recorded.

Shared by every place a person hands the office a file: a rating's evidence
(``ratings``), a unit's review attachments (``reviews``) and the problem reports a
citizen's phone sends to casework (photos, video, audio). Plain Python (the standard
library and Pillow): it takes a name, a size and a binary stream, and answers with a
``Problem`` code or a cleaned name; each app turns the codes into its own messages
(``ratings.forms`` for evidence, which the admin's evidence inline and the review filing
form use).

Why the content is checked as well as the extension: a file is something a clerk opens
on the office's machines. An HTML page renamed ``.pdf``, an SVG or a script renamed
``.png``, a "Word" file that is not one, a "video" that is a zip, or a real file with a
web page glued into its first bytes (a polyglot, the kind a browser's content sniffing
would run) are refused. The download (``ratings.views.evidence_download``) is an
attachment with ``nosniff`` and a sandboxing CSP anyway; this keeps such files out in
the first place. The media checks read the container's own structure (ISO base media
boxes, the EBML header, RIFF chunks, ID3 and MPEG/ADTS frame headers, AMR frames) in the
first bytes: enough to tell a recording from something renamed, without decoding it.

Why photos are re-encoded (``photo_without_metadata``): a phone's photo carries where it
was taken (EXIF GPS), the phone's make and model, the time, and sometimes XMP/IPTC
notes. A citizen's report is shown to clerks and may be passed on; the picture is what
is needed, not where the citizen lives.
"""

from __future__ import annotations

import codecs
import io
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


# Pillow's name for a JPEG that holds more than one picture (CIPA "Multi-Picture Format"):
# an Ultra HDR photo from a recent Android phone (the picture plus its gain map) opens as
# MPO. Its first picture is an ordinary JPEG, and browsers show it as one.
_FORMATS = {"PNG": ("PNG",), "JPEG": ("JPEG", "MPO")}


def _image_of_format(expected: str) -> Callable[[BinaryIO, bytes], bool]:
    magic = {"PNG": PNG_MAGIC, "JPEG": JPEG_MAGIC}[expected]

    def check(stream: BinaryIO, head: bytes) -> bool:
        if not head.startswith(magic):
            return False
        from PIL import Image

        try:
            stream.seek(0)
            with Image.open(stream) as image:
                if image.format not in _FORMATS[expected]:
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


# Video and audio --------------------------------------------------------------------------
#
# Each check reads the container's own framing at the start of the file: the structure a
# player relies on, which a renamed file (a page, a zip, another type) does not have.

_FOURCC_RE = re.compile(rb"[\x20-\x7e]{4}")  # a box or chunk type: four printable ASCII bytes
# A ``ftyp`` box is 16 bytes plus 4 per compatible brand: a few dozen bytes in practice.
MAX_FTYP_BYTES = 512
ID3_MAGIC = b"ID3"
EBML_MAGIC = b"\x1a\x45\xdf\xa3"
EBML_DOCTYPE_ID = 0x4282
MATROSKA_SEGMENT_ID = b"\x18\x53\x80\x67"
# The EBML header is a handful of short elements (version, lengths, DocType): tens of bytes.
MAX_EBML_HEADER_BYTES = 256
AMR_NB_MAGIC = b"#!AMR\n"
AMR_WB_MAGIC = b"#!AMR-WB\n"
# Zero bytes some taggers leave between an ID3v2 tag and the first audio frame.
MAX_AUDIO_PADDING = 4096

# ISO base media brands (the ``ftyp`` major and compatible brands) each extension may carry.
_3GP_BRANDS = frozenset({
    "3gp4", "3gp5", "3gp6", "3gp7", "3gp8", "3gp9", "3gg6", "3gg9", "3ge6", "3ge7", "3ge9",
    "3gr6", "3gr9", "3gs6", "3gs7", "3gs9", "3gh9", "3gm9", "3gt9",
})
_MP4_BRANDS = frozenset({
    "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "MSNV", "dash",
}) | _3GP_BRANDS
_MOV_BRANDS = frozenset({"qt  "})
_M4A_BRANDS = frozenset({"M4A ", "M4B ", "mp42", "isom"})

# Bytes per AMR frame (its one-byte header included), by frame type (RFC 4867, section 5.3;
# 3GPP TS 26.101 and 26.201); None for the reserved types, which no encoder writes.
_AMR_NB_FRAME_BYTES = (13, 14, 16, 18, 20, 21, 27, 32, 6, None, None, None, None, None, None, 1)
_AMR_WB_FRAME_BYTES = (18, 24, 33, 37, 41, 47, 51, 59, 61, 6, None, None, None, None, 1, 1)


def _u32be(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 4], "big")


def _u16le(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 2], "little")


def _u32le(data: bytes, offset: int) -> int:
    return int.from_bytes(data[offset:offset + 4], "little")


def _stream_size(stream: BinaryIO) -> int | None:
    """The length of the whole file, or None for a stream that cannot tell."""
    try:
        size = stream.seek(0, io.SEEK_END)
    except (OSError, ValueError):
        return None
    finally:
        try:
            stream.seek(0)
        except (OSError, ValueError):
            pass
    return size if isinstance(size, int) else None


def _read_at(stream: BinaryIO, offset: int, count: int) -> bytes:
    stream.seek(offset)
    return stream.read(count)


def _iso_brands(stream: BinaryIO, head: bytes) -> set[str] | None:
    """The brands of an ISO base media file (MP4, MOV, 3GP, M4A), or None when its first
    bytes are not one: a ``ftyp`` box first, of a sane size, and top-level boxes (at
    least one more) whose sizes chain up to the next box header without running past
    the end of the file."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    ftyp_size = _u32be(head, 0)
    if not 16 <= ftyp_size <= min(len(head), MAX_FTYP_BYTES) or (ftyp_size - 16) % 4:
        return None
    file_size = _stream_size(stream)
    offset: int | None = 0
    boxes = 0
    while offset is not None and offset + 8 <= len(head):
        size, kind = _u32be(head, offset), head[offset + 4:offset + 8]
        if not _FOURCC_RE.fullmatch(kind):
            return None
        header = 8
        if size == 1:  # a 64-bit size follows the type
            if offset + 16 > len(head):
                if file_size is not None and offset + 16 > file_size:
                    return None  # the file ends inside the box's header
                boxes += 1  # its header runs past what was read: the walk ends here
                break
            size, header = int.from_bytes(head[offset + 8:offset + 16], "big"), 16
        elif size == 0:  # the box runs to the end of the file, so it is the last one
            boxes += 1
            offset = None
            break
        if size < header:
            return None
        boxes += 1
        offset += size
        if file_size is not None and offset > file_size:
            return None  # a box longer than the file: truncated, or not boxes at all
    if offset is not None and file_size is not None and offset < file_size < offset + 8:
        return None  # a few stray bytes after the last box
    if boxes < 2:
        return None  # a ``ftyp`` box alone holds no media
    brands = {head[8:12].decode("latin-1")}
    brands.update(head[i:i + 4].decode("latin-1") for i in range(16, ftyp_size, 4))
    return brands


def _iso_media(allowed: frozenset[str]) -> Callable[[BinaryIO, bytes], bool]:
    """An ISO base media file carrying one of these brands (as its major brand or as a
    compatible one, which is what a player goes by)."""

    def check(stream: BinaryIO, head: bytes) -> bool:
        brands = _iso_brands(stream, head)
        return brands is not None and not brands.isdisjoint(allowed)

    return check


def _ebml_vint(data: bytes, offset: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``offset``: (value, offset after it), or None.
    Element IDs keep their length marker bit, sizes do not."""
    if offset >= len(data) or data[offset] == 0:
        return None
    length = 9 - data[offset].bit_length()
    if offset + length > len(data):
        return None
    value = int.from_bytes(data[offset:offset + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
    return value, offset + length


def _is_webm(stream: BinaryIO, head: bytes) -> bool:
    """An EBML header whose elements chain up exactly, with DocType "webm" (a Matroska
    .mkv says "matroska"), followed by the Segment that holds the media."""
    if not head.startswith(EBML_MAGIC):
        return False
    parsed = _ebml_vint(head, len(EBML_MAGIC), keep_marker=False)
    if parsed is None:
        return False
    size, offset = parsed
    end = offset + size
    if size > MAX_EBML_HEADER_BYTES or end > len(head):
        return False
    doc_type = None
    while offset < end:
        element = _ebml_vint(head, offset, keep_marker=True)
        if element is None or element[1] - offset > 4:  # an element ID is 1 to 4 bytes
            return False
        element_id, offset = element
        length = _ebml_vint(head, offset, keep_marker=False)
        if length is None or length[1] + length[0] > end:
            return False
        size, offset = length
        if element_id == EBML_DOCTYPE_ID:
            doc_type = head[offset:offset + size].rstrip(b"\x00")  # EBML strings may be zero-padded
        offset += size
    return doc_type == b"webm" and head[end:end + 4] == MATROSKA_SEGMENT_ID


def _audio_start(stream: BinaryIO, head: bytes) -> int | None:
    """Where the audio frames start: after an ID3v2 tag (0 without one), or None for a
    tag header that is broken (a wrong version, undefined flags, a size that is not
    synchsafe)."""
    if not head.startswith(ID3_MAGIC):
        return 0
    if len(head) < 10:
        return None
    major, revision, flags = head[3], head[4], head[5]
    undefined_flags = {2: 0x3F, 3: 0x1F, 4: 0x0F}.get(major)
    if undefined_flags is None or revision == 0xFF or flags & undefined_flags:
        return None
    size_bytes = head[6:10]
    if any(b & 0x80 for b in size_bytes):  # synchsafe: seven bits a byte
        return None
    size = (size_bytes[0] << 21) | (size_bytes[1] << 14) | (size_bytes[2] << 7) | size_bytes[3]
    footer = 10 if major == 4 and flags & 0x10 else 0
    return 10 + size + footer


def _frames_block(stream: BinaryIO, head: bytes) -> bytes | None:
    """The first bytes of the audio frames (after an ID3v2 tag and the zero padding some
    taggers leave after it), or None when the tag is broken."""
    start = _audio_start(stream, head)
    if start is None:
        return None
    if start == 0:
        return head  # no tag: the first frame is the first byte
    block = _read_at(stream, start, MAX_AUDIO_PADDING + HEAD_BYTES)  # "" for a tag longer than the file
    stripped = block.lstrip(b"\x00")
    if len(block) - len(stripped) > MAX_AUDIO_PADDING:
        return None
    return stripped[:HEAD_BYTES]


def _mpeg_audio_frame_header(header: bytes) -> bool:
    """Whether these four bytes are an MPEG audio Layer III frame header: 11 sync bits,
    a version that is not the reserved one, Layer III, a bitrate index that is neither
    "free" nor "bad", a sample rate that is not reserved, and no reserved emphasis."""
    if len(header) < 4:
        return False
    b0, b1, b2, b3 = header[:4]
    if b0 != 0xFF or b1 & 0xE0 != 0xE0:
        return False
    version = (b1 >> 3) & 0b11  # 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
    layer = (b1 >> 1) & 0b11  # 1: Layer III (0 is reserved; 2 and 3 are Layers II and I)
    bitrate = b2 >> 4
    sample_rate = (b2 >> 2) & 0b11
    emphasis = b3 & 0b11
    return version != 1 and layer == 1 and bitrate not in (0, 15) and sample_rate != 3 and emphasis != 2


def _is_mp3(stream: BinaryIO, head: bytes) -> bool:
    block = _frames_block(stream, head)
    return block is not None and _mpeg_audio_frame_header(block)


def _adts_frame_length(data: bytes, offset: int = 0) -> int | None:
    """The length of the ADTS (raw AAC) frame at ``offset``, or None when no frame header
    is there: 12 sync bits, layer 0, a sampling frequency index that is defined, and a
    frame length longer than its own header."""
    h = data[offset:offset + 7]
    if len(h) < 7 or h[0] != 0xFF or h[1] & 0xF6 != 0xF0:
        return None
    if (h[2] >> 2) & 0x0F > 12:  # 13 and 14 are reserved, 15 is not allowed in ADTS
        return None
    length = ((h[3] & 0x03) << 11) | (h[4] << 3) | (h[5] >> 5)
    header = 7 if h[1] & 0x01 else 9  # protection_absent=0: a CRC follows the header
    return length if length > header else None


def _is_aac(stream: BinaryIO, head: bytes) -> bool:
    """ADTS frames one after another, each header where the one before it ends (an
    ID3v1 tag may end a short file)."""
    block = _frames_block(stream, head)
    if not block:
        return False
    offset = frames = 0
    while offset + 7 <= len(block):
        if frames and block.startswith(b"TAG", offset):
            break
        length = _adts_frame_length(block, offset)
        if length is None:
            return False
        frames += 1
        offset += length
    return frames > 0


def _is_wav(stream: BinaryIO, head: bytes) -> bool:
    """RIFF....WAVE whose chunks chain up to a ``fmt `` chunk describing real audio (a
    format tag, at least one channel, a sample rate, a block size)."""
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return False
    if _u32le(head, 4) < 4 + 8 + 16:  # "WAVE" and at least a fmt chunk
        return False
    offset = 12
    while offset + 8 <= len(head):
        chunk_id, size = head[offset:offset + 4], _u32le(head, offset + 4)
        if not _FOURCC_RE.fullmatch(chunk_id):
            return False
        if chunk_id == b"fmt ":
            fmt = head[offset + 8:offset + 8 + size]
            if size < 16 or len(fmt) < 16:
                return False
            format_tag, channels, sample_rate, block_align = (
                _u16le(fmt, 0), _u16le(fmt, 2), _u32le(fmt, 4), _u16le(fmt, 12)
            )
            return format_tag != 0 and channels > 0 and sample_rate > 0 and block_align > 0
        offset += 8 + size + (size & 1)  # chunks are padded to an even length
    return False


def _is_amr(stream: BinaryIO, head: bytes) -> bool:
    """The AMR (narrow- or wideband) storage magic, then frames whose one-byte headers
    (padding bits zero, a frame type that is not reserved) chain up by their lengths."""
    if head.startswith(AMR_NB_MAGIC):
        offset, frame_bytes = len(AMR_NB_MAGIC), _AMR_NB_FRAME_BYTES
    elif head.startswith(AMR_WB_MAGIC):
        offset, frame_bytes = len(AMR_WB_MAGIC), _AMR_WB_FRAME_BYTES
    else:
        return False
    frames = 0
    while offset < len(head):
        header = head[offset]
        if header & 0x83:  # the first bit and the last two are padding, always zero
            return False
        length = frame_bytes[(header >> 3) & 0x0F]
        if length is None:
            return False
        frames += 1
        offset += length
    return frames > 0


# The types that can be checked. Each use's setting chooses among them (for evidence and
# review attachments, settings.EVIDENCE_EXTENSIONS); an extension listed there without a
# check here is not accepted (see ``allowed_extensions``).
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
    # What a citizen's phone records with a problem report.
    "mp4": _iso_media(_MP4_BRANDS),
    "mov": _iso_media(_MOV_BRANDS),
    "3gp": _iso_media(_3GP_BRANDS),
    "webm": _is_webm,
    "mp3": _is_mp3,
    "m4a": _iso_media(_M4A_BRANDS),
    "wav": _is_wav,
    "amr": _is_amr,
    "aac": _is_aac,
}

PHOTO_EXTENSIONS = ("jpg", "jpeg", "png")
VIDEO_EXTENSIONS = ("mp4", "mov", "3gp", "webm")
AUDIO_EXTENSIONS = ("mp3", "m4a", "wav", "amr", "aac")


def media_kind(name: str) -> str:
    """What a name is, by its extension: "photo", "video" or "audio", and "document" for
    the rest (the other checked types, and names no check knows, which are refused
    anyway)."""
    ext = extension(name)
    if ext in PHOTO_EXTENSIONS:
        return "photo"
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    return "document"


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


# Photos without their metadata -------------------------------------------------------------

PHOTO_JPEG_QUALITY = 90
# The modes a JPEG is written in as they are; anything else becomes RGB.
_JPEG_MODES = ("L", "RGB", "CMYK")


def photo_without_metadata(stream: BinaryIO, name: str) -> bytes:
    """The photo as a new JPEG or PNG (the format its extension names) holding the
    picture and nothing its camera or editor recorded: no EXIF (GPS position, make and
    model, dates), no XMP, IPTC or comments, no PNG text or eXIf chunks. The EXIF
    orientation is applied first, so the picture stays upright without it; the ICC
    colour profile is kept (colours would shift without it), and so is a PNG's palette
    and transparency. Only the first picture of a multi-picture JPEG is kept.

    Raises ValueError for anything that is not a JPEG or PNG passing its upload check,
    and for a picture of more pixels than ``PIL.Image.MAX_IMAGE_PIXELS`` allows (a
    decompression bomb: a small file that decodes to gigabytes)."""
    from PIL import Image, ImageOps

    ext = extension(name)
    if ext not in PHOTO_EXTENSIONS:
        raise ValueError(f"not a photo type: {ext or 'no extension'}")
    output_format = "PNG" if ext == "png" else "JPEG"
    try:
        stream.seek(0)
        head = stream.read(HEAD_BYTES)
        if not head or not CHECKS[ext](stream, head):
            raise ValueError(f"the content is not a {output_format} image")
        stream.seek(0)
        with Image.open(stream) as image:
            icc_profile = image.info.get("icc_profile")
            transparency = image.info.get("transparency")
            upright = ImageOps.exif_transpose(image)  # loads the pixels; a new image
    except Image.DecompressionBombError as error:
        raise ValueError("the picture has too many pixels") from error
    except ValueError:
        raise
    except Exception as error:  # Pillow raises many kinds of errors for a broken file
        raise ValueError("the picture cannot be read") from error
    finally:
        stream.seek(0)

    # Everything Pillow read besides the pixels (exif, xmp, comment, text chunks, dpi …)
    # is in ``info``, and the writers take comments and profiles from it: start empty and
    # pass only what is kept.
    upright.info = {}
    options: dict[str, object] = {}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if output_format == "JPEG":
        if upright.mode not in _JPEG_MODES:
            upright = upright.convert("RGB")
        options["quality"] = PHOTO_JPEG_QUALITY
    elif transparency is not None:
        options["transparency"] = transparency
    out = io.BytesIO()
    upright.save(out, output_format, **options)
    return out.getvalue()


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
