"""Desk views of canned replies and macros: the page that keeps them, and applying a macro
to one request. Inserting a reply into the reply box is a plain GET of the ticket page
(``?canned=ID``), so it works without JavaScript and never posts anything."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportdesk.common.exceptions import ApplicationError
from supportdesk.common.permissions import staff_required
from supportdesk.tickets import selectors as ticket_selectors

from . import selectors
from .forms import CannedReplyForm, MacroForm
from .models import CannedReply, Macro
from .placeholders import PLACEHOLDERS
from .services import (
    canned_reply_delete,
    canned_reply_save,
    macro_apply,
    macro_delete,
    macro_save,
)
from .views import _done, _refused


def _page(request: HttpRequest, *, reply_form=None, macro_form=None, editing=None,
          status: int = 200) -> HttpResponse:
    user = request.user
    return render(request, "desk/replies.html", {
        "replies": selectors.canned_replies_for(user=user),
        "macros": selectors.macros_for(user=user),
        "reply_form": reply_form or CannedReplyForm(),
        "macro_form": macro_form or MacroForm(user=user),
        "placeholders": PLACEHOLDERS.items(),
        "editing": editing,
    }, status=status)


def _back() -> HttpResponse:
    response = HttpResponseRedirect(reverse("desk:replies"))
    response.status_code = 303
    return response


@staff_required
@require_GET
def replies(request: HttpRequest) -> HttpResponse:
    editing = None
    reply_form = macro_form = None
    if "reply" in request.GET:
        editing = selectors.canned_reply_get_for(user=request.user,
                                                 reply_id=request.GET["reply"])
        if editing is None:
            raise Http404
        reply_form = CannedReplyForm(instance=editing,
                                     initial={"shared": editing.owner_id is None})
    elif "macro" in request.GET:
        editing = selectors.macro_get_for(user=request.user, macro_id=request.GET["macro"])
        if editing is None:
            raise Http404
        macro_form = MacroForm(instance=editing, user=request.user,
                               initial={"shared": editing.owner_id is None})
    return _page(request, reply_form=reply_form, macro_form=macro_form, editing=editing)


@staff_required
@require_POST
def reply_save(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk is not None:
        instance = selectors.canned_reply_get_for(user=request.user, reply_id=pk)
        if instance is None:
            raise Http404
    form = CannedReplyForm(request.POST, instance=instance or CannedReply())
    if form.is_valid():
        try:
            canned_reply_save(reply=form.instance, by=request.user,
                              shared=form.cleaned_data["shared"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Reply saved."))
            return _back()
    return _page(request, reply_form=form, editing=instance, status=400)


@staff_required
@require_POST
def reply_delete(request: HttpRequest, pk: int) -> HttpResponse:
    instance = selectors.canned_reply_get_for(user=request.user, reply_id=pk)
    if instance is None:
        raise Http404
    try:
        canned_reply_delete(reply=instance, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _page(request, status=400)
    messages.success(request, _("Reply deleted."))
    return _back()


@staff_required
@require_POST
def macro_save_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = None
    if pk is not None:
        instance = selectors.macro_get_for(user=request.user, macro_id=pk)
        if instance is None:
            raise Http404
    form = MacroForm(request.POST, instance=instance or Macro(), user=request.user)
    if form.is_valid():
        try:
            macro_save(macro=form.instance, by=request.user,
                       shared=form.cleaned_data["shared"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Macro saved."))
            return _back()
    return _page(request, macro_form=form, editing=instance, status=400)


@staff_required
@require_POST
def macro_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    instance = selectors.macro_get_for(user=request.user, macro_id=pk)
    if instance is None:
        raise Http404
    try:
        macro_delete(macro=instance, by=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _page(request, status=400)
    messages.success(request, _("Macro deleted."))
    return _back()


@staff_required
@require_POST
def ticket_macro(request: HttpRequest, pk: int) -> HttpResponse:
    item = ticket_selectors.ticket_get_for_user(user=request.user, ticket_id=pk)
    macro = selectors.macro_get_for(user=request.user, macro_id=request.POST.get("macro"))
    if macro is None:
        return _refused(request, item, _("Choose a macro."))
    try:
        [result] = macro_apply(macro=macro, tickets=[item], by=request.user)
    except ApplicationError as exc:
        return _refused(request, item, exc.message)
    if not result.ok:
        return _refused(request, item, result.message)
    return _done(request, item, _("Macro “%(name)s” applied.") % {"name": macro.name})
