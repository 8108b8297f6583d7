"""The search pages (issue 13 §3): the results page (works without JavaScript), the live
drop-down under the navigation box, and the options of the searchable selects."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from alternance import access
from alternance.search import selectors
from alternance.search.sources import SOURCES, suggestions

DROPDOWN_LIMIT = 5  # per kind under the box; the results page shows selectors.GROUP_LIMIT


@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """All kinds, each capped, with « voir tout » to one kind's paginated list (``?type=``)."""
    user = request.user
    access.require(access.can_use_search(user))
    q = request.GET.get("q", "")
    kind = request.GET.get("type", "")
    context = {"q": q, "nav_search_q": q, "query": selectors.parse_query(q)}
    if kind in selectors.KINDS_BY_SLUG and selectors.KINDS_BY_SLUG[kind].allowed(user):
        page = Paginator(selectors.search_kind(user, q, kind), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(kind=selectors.KINDS_BY_SLUG[kind], page=page, hits=selectors.hits_of(user, kind, page.object_list),
                       all_url=selectors.search_url(q), page_obj=page, paginator=page.paginator, is_paginated=page.has_other_pages())
    else:
        context["groups"] = selectors.search(user, q)
    return render(request, "search/results.html", context)


@require_GET
def dropdown(request: HttpRequest) -> HttpResponse:
    """The live list under the navigation box (htmx): the first results of each kind as options."""
    user = request.user
    access.require(access.can_use_search(user))
    q = request.GET.get("q", "")
    groups = selectors.search(user, q, limit=DROPDOWN_LIMIT)
    return render(request, "search/partials/dropdown.html",
                  {"q": q, "groups": groups, "all_url": selectors.search_url(q), "query": selectors.parse_query(q)})


@require_GET
def choices(request: HttpRequest, source: str) -> HttpResponse:
    """Options of a searchable select: the rows of ``source`` in the user's scope matching the text."""
    user = request.user
    access.require(access.can_use_back_office(user) and source in SOURCES)
    text = request.GET.get("q") or next((value for key, value in request.GET.items() if key.endswith("__q")), "")
    options = suggestions(user, source, text, request.GET)
    return render(request, "search/partials/choices.html", {"options": options, "text": text})
