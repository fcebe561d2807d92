"""The unit's side of review, on its desk: file a request for one of its approved
lights, follow it, read the decision. Thin: the rules are in reviews.rules, the
writing in reviews.services."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from departments.roles import is_unit_staff, user_unit
from lib.downloads import protected_file_response
from lib.uploads import display_name
from ratings.models import Rating
from reviews import selectors, services
from reviews.forms import FilingForm
from reviews.models import ReviewAttachment, ReviewRequest


def _own_rating(request: HttpRequest, rating_id: int) -> Rating:
    """One of the user's unit's approved ratings; anything else does not exist (404)."""
    unit = user_unit(request.user) if is_unit_staff(request.user) else None
    if unit is None:
        raise Http404
    return get_object_or_404(
        Rating.objects.select_related("period", "department", "criterion", "unit"),
        pk=rating_id, unit=unit, status=Rating.Status.APPROVED,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_file(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = _own_rating(request, rating_id)
    existing = ReviewRequest.objects.filter(rating=rating).first()
    if existing is not None:
        return redirect("reviews:detail", existing.pk)
    state = selectors.filing_state(user=request.user, rating=rating)
    form = FilingForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and state.may_file and form.is_valid():
        try:
            review = services.review_file(
                rating=rating, by=request.user, reason=form.cleaned_data["reason"], files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            form.add_error(None, "；".join(exc.messages))
        else:
            messages.success(request, _("复核申请已提交，效能办作出决定后会通知你"))
            return redirect("reviews:detail", review.pk)
    return render(request, "reviews/file.html", {"rating": rating, "state": state, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_safe
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        selectors.requests_visible_to(user=request.user).select_related("rating__period", "rating__criterion", "unit",
                                                                         "department"),
        pk=pk,
    )
    if not is_unit_staff(request.user):
        return redirect("admin:reviews_reviewrequest_change", review.pk)
    return render(request, "reviews/detail.html", {
        "review": review,
        "rating": review.rating,
        "attachments": list(review.attachments.all()),
        "ripple_lines": services.ripple_lines(review),
    })


@login_required
@require_safe
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A request's file, for those who may see the request; to anyone else it does not exist."""
    attachment = get_object_or_404(ReviewAttachment.objects.select_related("request"), pk=pk)
    if not selectors.request_is_visible(user=request.user, request=attachment.request):
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    name = display_name(attachment.original_name) or os.path.basename(attachment.file.name)
    return protected_file_response(handle, name=name, stored_name=attachment.file.name)
