"""Thin views of the survey (docs/satisfaction.md).

* ``link_rate``: the link of the survey mail, ``portal/rate/link/<token>/``. A GET never
  records anything (mail scanners and link previews open links): it shows the choice
  the customer clicked, pre-selected, with an optional comment and one button; the POST of
  that button records it. The token alone admits (no sign-in); a forged, expired or
  foreign token gets 404 and changes nothing.
* ``portal_rate``: the rating form on the portal's request page (signed in, own requests
  only: another customer's request is 404).
* ``report`` and ``report_csv``: the managers' report under desk/satisfaction/.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import customer_required, manager_required
from supportdesk.common.spreadsheets import CSV_BOM, CSV_DELIMITER, cell_text
from supportdesk.tickets.models import Ticket
from supportdesk.tickets.selectors import ticket_get_for_user

from . import charts
from .forms import CommentForm, PeriodForm, RatingForm
from .models import Rating
from .selectors import rating_for_ticket, satisfaction_report
from .services import may_rate, rating_comment_add, rating_record
from .tokens import rate_token_read


def _already_rated(request: HttpRequest) -> None:
    messages.info(request, _("This request was already rated: thank you. Nothing was "
                             "changed."))


# ----------------------------------------------------------------------------- the mail link


def _link_subject(request: HttpRequest, token: str) -> tuple[Ticket, object]:
    """The request and the rater a token names, or 404 (forged, expired, a rater no longer
    the request's customer's, or a signed-in visitor of another customer or of staff)."""
    read = rate_token_read(token)
    if read is None:
        raise Http404("bad or expired rating token")
    ticket = Ticket.objects.select_related("customer").filter(pk=read.ticket_id).first()
    rater = get_user_model().objects.filter(pk=read.user_id).first()
    if ticket is None or not may_rate(rater, ticket):
        raise Http404("rating token of nobody who may rate")
    visitor = request.user
    if visitor.is_authenticated and not may_rate(visitor, ticket):
        raise Http404("another customer's rating link")
    return ticket, rater


@require_http_methods(["GET", "POST"])
def link_rate(request: HttpRequest, token: str) -> HttpResponse:
    ticket, rater = _link_subject(request, token)
    rating = rating_for_ticket(ticket)
    status = 200
    form = None
    comment_form = None
    if request.method == "POST" and request.POST.get("action") == "comment":
        comment_form = CommentForm(request.POST)
        if rating is not None and comment_form.is_valid():
            try:
                added = rating_comment_add(rating=rating, by=rater,
                                           comment=comment_form.cleaned_data["comment"])
            except ApplicationError as exc:
                comment_form.add_error("comment", exc.message)
                status = 400
            else:
                if added:
                    messages.success(request, _("Thank you for your comment."))
                else:
                    _already_rated(request)
                comment_form = None
        else:
            status = 400
    elif request.method == "POST":
        form = RatingForm(request.POST)
        if rating is not None:
            _already_rated(request)
            form = None
        elif form.is_valid():
            try:
                rating, created = rating_record(
                    ticket=ticket, by=rater, score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"], via=Rating.Via.MAIL)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                if created:
                    messages.success(request, _("Thank you: your rating was recorded."))
                else:
                    _already_rated(request)
                form = None
        else:
            status = 400
    elif rating is None:
        score = request.GET.get("score")
        form = RatingForm(initial={"score": score if score in Rating.Score.values else None})
    else:
        _already_rated(request)
    if rating is not None and not rating.comment and comment_form is None:
        comment_form = CommentForm()
    return render(request, "satisfaction/rate_link.html", {
        "ticket": ticket, "rating": rating, "form": form, "comment_form": comment_form,
        "can_rate": ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED),
    }, status=status)


# ----------------------------------------------------------------------------- the portal


@customer_required
@require_POST
def portal_rate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id)
    rating = rating_for_ticket(ticket)
    if request.POST.get("action") == "comment" and rating is not None:
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                added = rating_comment_add(rating=rating, by=request.user,
                                           comment=form.cleaned_data["comment"])
            except ApplicationError as exc:
                form.add_error("comment", exc.message)
            else:
                if added:
                    messages.success(request, _("Thank you for your comment."))
                else:
                    _already_rated(request)
                return redirect("portal:ticket", ticket_id=ticket.pk)
        return render(request, "satisfaction/rate_page.html",
                      {"ticket": ticket, "rating": rating, "comment_form": form}, status=400)
    form = RatingForm(request.POST)
    if rating is not None:
        _already_rated(request)
        return redirect("portal:ticket", ticket_id=ticket.pk)
    if form.is_valid():
        try:
            _rating, created = rating_record(
                ticket=ticket, by=request.user, score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"], via=Rating.Via.PORTAL)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            if created:
                messages.success(request, _("Thank you: your rating was recorded."))
            else:
                _already_rated(request)
            return redirect("portal:ticket", ticket_id=ticket.pk)
    # Refused: the form again as typed, with the reason (it changes nothing).
    return render(request, "satisfaction/rate_page.html",
                  {"ticket": ticket, "rating": None, "form": form}, status=400)


def portal_panel(*, ticket: Ticket, user) -> dict:
    """What the portal's request page shows (``satisfaction/_portal_rating.html``): the
    rating given, or the form when the request is resolved."""
    rating = rating_for_ticket(ticket)
    resolved = ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)
    return {
        "rating": rating,
        "rating_form": RatingForm() if rating is None and resolved else None,
        "rating_comment_form": CommentForm() if rating is not None and not rating.comment
        else None,
    }


# ----------------------------------------------------------------------------- the report


def _period(request: HttpRequest) -> tuple[PeriodForm, object, object, bool]:
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"], True
    start, end = today - timedelta(days=364), today
    if request.GET:
        return form, start, end, False  # the form keeps what was typed, with its errors
    return PeriodForm(initial={"start": start, "end": end}), start, end, True


@manager_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    form, start, end, valid = _period(request)
    data = satisfaction_report(start=start, end=end)
    return render(request, "satisfaction/report.html", {
        "form": form, "data": data, "query": request.GET.urlencode(),
        "sections": [(cross, charts.share_chart(cross)) for cross in data.crosses],
    }, status=200 if valid else 400)


@manager_required
@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    _form, start, end, valid = _period(request)
    if not valid:
        return HttpResponse(_("Choose a valid period."), status=400,
                            content_type="text/plain; charset=utf-8")
    data = satisfaction_report(start=start, end=end)
    out = io.StringIO()
    out.write(CSV_BOM)
    writer = csv.writer(out, delimiter=CSV_DELIMITER)
    writer.writerow([_("Cross"), _("Group"), _("Ratings"), _("Good"), _("Poor"),
                     _("Good share (%)"), _("Billed minutes")])
    for cross in [*data.crosses]:
        for group in cross.groups:
            writer.writerow([cell_text(cross.title), cell_text(group.label), group.ratings,
                             group.good, group.poor,
                             "" if group.good_share is None else str(group.good_share),
                             group.billed_minutes])
    total = data.total
    writer.writerow([_("Total"), cell_text(total.label), total.ratings, total.good, total.poor,
                     "" if total.good_share is None else str(total.good_share),
                     total.billed_minutes])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"satisfaction-{start:%Y%m%d}-{end:%Y%m%d}.csv")
    return response
