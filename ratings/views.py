"""Views outside the admin screens: the protected evidence download."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from ratings.models import Evidence
from ratings.selectors import evidence_is_visible
from ratings.uploads import display_name

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


@require_safe
@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve one evidence file to someone who may see its rating; to anyone else it
    does not exist (404, so ids reveal nothing)."""
    evidence = get_object_or_404(Evidence.objects.select_related("rating__period"), pk=pk)
    if not evidence_is_visible(user=request.user, evidence=evidence):
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    # Cleaned again here: a name stored before the upload checks existed is a header too.
    name = display_name(evidence.original_name) or os.path.basename(evidence.file.name)
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Content-Type"] = evidence_content_type(evidence.file.name)
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser show it anyway, it runs nothing and loads nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
