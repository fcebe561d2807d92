"""Small real files of every evidence type, and files that only pretend to be one.

Built in memory with the standard library, Pillow and openpyxl, so that the upload tests
(tests/test_evidence.py, tests/test_evidence_uploads.py) check real signatures.
"""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook
from PIL import Image, PngImagePlugin

SCRIPT = b"<script>alert(1)</script>"
PAGE = b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the header block of a .doc / .xls


def image(fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, fmt, **options)
    return buffer.getvalue()


def png_with_text(text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    return image("PNG", pnginfo=info)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx() -> bytes:
    return zip_of({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": '<?xml version="1.0"?><w:document><w:body>整改通知书</w:body></w:document>'.encode(),
    })


def xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active["A1"] = "工单号"
    workbook.save(buffer)
    return buffer.getvalue()


def ofd() -> bytes:
    return zip_of({"OFD.xml": b'<?xml version="1.0"?><ofd:OFD/>', "Doc_0/Document.xml": b"<ofd:Document/>"})


PNG = image("PNG")
JPEG = image("JPEG")
TXT = "整改情况说明：已于 3 月 5 日完成。\n".encode()

# A real file of each allowed type, by extension.
VALID = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "doc": OLE2,
    "xls": OLE2,
    "docx": docx(),
    "xlsx": xlsx(),
    "ofd": ofd(),
    "txt": TXT,
}
