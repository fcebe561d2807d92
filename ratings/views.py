"""Views outside the admin screens: the protected evidence download, and the same file
shown in the browser (查看) when it is a PDF or an image."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from ratings.models import Evidence
from ratings.selectors import evidence_is_visible
from ratings.uploads import display_name, inline_content_type

# Content types a browser may show inline-safely; everything else is a plain download.
# Nothing here is ever text/html, image/svg+xml or script.
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
}
FALLBACK_CONTENT_TYPE = "application/octet-stream"


def evidence_content_type(filename: str) -> str:
    ext = os.path.splitext(filename)[1].lower().lstrip(".")
    return SAFE_CONTENT_TYPES.get(ext, FALLBACK_CONTENT_TYPE)


# Should a browser show a download anyway, it runs nothing and loads nothing.
SANDBOX_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"
# A PDF shown in a tab: browsers' PDF viewers refuse to run in a sandboxed document
# (Chromium shows "blocked", Safari a blank page), so it is left out; the bytes were
# checked to be a PDF without markup and go out as application/pdf with nosniff.
PDF_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


@require_safe
@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve one evidence file to someone who may see its rating; to anyone else it
    does not exist (404, so ids reveal nothing)."""
    return _evidence_response(request, pk, inline=False)


@require_safe
@login_required
def evidence_view(request: HttpRequest, pk: int) -> FileResponse:
    """查看: the same file for the same people, shown in the browser when its bytes are a
    PDF, PNG or JPEG (ratings.uploads.inline_content_type); anything else downloads."""
    return _evidence_response(request, pk, inline=True)


def _evidence_response(request: HttpRequest, pk: int, *, inline: bool) -> FileResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("rating__period"), pk=pk)
    if not evidence_is_visible(user=request.user, evidence=evidence):
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    shown_as = inline_content_type(evidence.file.name, handle) if inline else None
    # Cleaned again here: a name stored before the upload checks existed is a header too.
    name = display_name(evidence.original_name) or os.path.basename(evidence.file.name)
    response = FileResponse(handle, as_attachment=shown_as is None, filename=name)
    response["Content-Type"] = shown_as or evidence_content_type(evidence.file.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = PDF_CSP if shown_as == "application/pdf" else SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
