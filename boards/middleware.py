"""The board's hottest pages without the rest of the stack.

An edition page, ``/`` or the lobby screen that a view has already answered from its
stored snapshot (``boards.snapshots``) is answered again from the kept snapshot here,
before sessions, CSRF, authentication, messages, history and the URL resolver run: none
of them has anything to do for a published page, which is the same for everyone. The
response is the one the view sends (ETag, Last-Modified, a 304 for a client that holds
it) with the ``Vary: Accept-Language`` and ``Content-Length`` the locale and common
middleware add on the way out. An
address not answered before, an edition a publication replaced, or a cache that is off
or down takes the usual way, through the view.

Placed just after WhiteNoise: the security headers' middleware before it still run.
"""

from __future__ import annotations

from django.utils.cache import patch_vary_headers

from boards.snapshots import snapshot_for_path


class KeptPageMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            snapshot = snapshot_for_path(request.path_info)
            if snapshot is not None:
                from boards.views import snapshot_response

                response = snapshot_response(request, snapshot)
                patch_vary_headers(response, ("Accept-Language",))  # as LocaleMiddleware
                if not response.has_header("Content-Length"):  # as CommonMiddleware
                    response["Content-Length"] = str(len(response.content))
                return response
        return self.get_response(request)
