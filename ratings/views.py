"""Views outside the admin screens: the protected evidence download, and the same file
shown in the browser (查看) when it is a PDF or an image."""

from __future__ import annotations

import os

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from lib.downloads import protected_file_response
from lib.uploads import display_name, inline_content_type
from ratings.models import Evidence
from ratings.selectors import evidence_is_visible


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
    PDF, PNG or JPEG (lib.uploads.inline_content_type); anything else downloads."""
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
    return protected_file_response(handle, name=name, stored_name=evidence.file.name, shown_as=shown_as)
