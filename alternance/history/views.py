"""The full history of a record (the « voir tout l'historique » link of its page)."""

from django.apps import apps
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from alternance import access
from alternance.history import selectors


def history_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    label = selectors.HISTORY_KINDS.get(kind)
    if label is None:
        raise Http404
    obj = access.get_visible_or_404(request.user, apps.get_model(label), pk=pk)
    access.require(access.can_view_history(request.user, obj))
    page, entries = selectors.history_page(request.user, obj, page_number=request.GET.get("page"))
    context = {
        "obj": obj, "back_url": selectors.record_url(obj),
        "entries": entries, "page_obj": page, "paginator": page.paginator, "is_paginated": page.has_other_pages(),
        "verbose_name": obj._meta.verbose_name,
    }
    return render(request, "alternance/history/history_page.html", context)
