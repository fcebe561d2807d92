"""Serving a stored upload: the headers every protected download carries (evidence,
review attachments, casework files), so a file someone uploaded never runs as a page."""

from __future__ import annotations

import os

from django.http import FileResponse

# Content types by checked extension; nothing here is ever text/html, image/svg+xml or script.
SAFE_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "txt": "text/plain; charset=utf-8",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ofd": "application/ofd",
    "mp4": "video/mp4",
    "mov": "video/quicktime",
    "3gp": "video/3gpp",
    "webm": "video/webm",
    "m4a": "audio/mp4",
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "amr": "audio/amr",
    "aac": "audio/aac",
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"

# Should a browser show a download anyway, it runs nothing and loads nothing.
SANDBOX_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
# A PDF shown in a tab: browsers' PDF viewers refuse to run in a sandboxed document
# (Chromium shows "blocked", Safari a blank page), so it is left out; the bytes were
# checked to be a PDF without markup and go out as application/pdf with nosniff.
PDF_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def content_type_for(filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower().lstrip(".")
    return SAFE_CONTENT_TYPES.get(ext, FALLBACK_CONTENT_TYPE)


def protected_file_response(handle, *, name: str, stored_name: str, shown_as: str | None = None) -> FileResponse:
    """A stored file for someone allowed to see it: downloaded (or, with ``shown_as``,
    shown in the browser) under ``name``, never sniffed, never cached, never embedded."""
    response = FileResponse(handle, as_attachment=shown_as is None, filename=name)
    response["Content-Type"] = shown_as or content_type_for(stored_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PDF_CSP if shown_as == "application/pdf" else SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
