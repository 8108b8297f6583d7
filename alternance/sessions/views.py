"""Staff screens of the training sessions (issue 19 §1): a cohort's sessions by month, « Générer
les séances », create, edit (moving is editing the date and times), split, cancel, restore.

Who: the coordinator, admin staff and the cohort's referent tutor (``access.can_manage_sessions``).
The cohort and the session come through the access policy (outside the scope → 404, e.g. another
cohort's session for a tutor); in scope but not allowed → 403 (a CRE); extranet accounts → 403.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access
from alternance.models import Cohort, TrainingSession
from alternance.planning import calendar as planning
from alternance.sessions import selectors, services
from alternance.sessions.forms import CancelForm, GenerateForm, SessionForm, SplitForm
from alternance.views.mixins import PAGE_SIZE, staff_only


def _cohort(request: HttpRequest, pk: int) -> Cohort:
    """The cohort through the access policy, then the predicate: extranet 403, out of scope 404, CRE 403."""
    staff_only(request.user)
    cohort = access.get_visible_or_404(request.user, Cohort.objects.select_related("programme", "referent_tutor"), pk=pk)
    access.require(access.can_manage_sessions(request.user, cohort))
    return cohort


def _session(request: HttpRequest, pk: int, session_pk: int) -> tuple[Cohort, TrainingSession]:
    cohort = _cohort(request, pk)
    return cohort, selectors.session_get(request.user, cohort, session_pk)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _list_url(cohort: Cohort, session: TrainingSession | None = None) -> str:
    url = reverse("sessions:session_list", args=[cohort.pk])
    return f"{url}?mois={session.day:%Y-%m}" if session is not None else url


@require_GET
def session_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The cohort's sessions of the month ``?mois=AAAA-MM`` (all months with ``?mois=tous``), cancelled ones greyed."""
    cohort = _cohort(request, pk)
    today = timezone.localdate()
    value = request.GET.get("mois")
    every_month = value == "tous"
    year = month = None
    if not every_month:
        if value and planning.month_param(value) is None:
            messages.warning(request, planning.MONTH_IGNORED)
        year, month = planning.parse_month(value, default=today)
    page = Paginator(selectors.session_list(request.user, cohort, year=year, month=month), PAGE_SIZE).get_page(
        request.GET.get("page"))
    current = today.replace(day=1) if every_month else date(year, month, 1)
    template = "alternance/sessions/_list.html" if request.htmx else "alternance/sessions/list.html"
    return render(request, template, {
        "cohort": cohort,
        "sessions": page.object_list,
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "every_month": every_month,
        "month_title": "" if every_month else planning.month_title(year, month),
        "month_param": "" if every_month else f"{year:04d}-{month:02d}",
        "prev_month": f"{planning.add_months(current, -1):%Y-%m}",
        "next_month": f"{planning.add_months(current, 1):%Y-%m}",
        "today": today,
    })


@require_http_methods(["GET", "POST"])
def session_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """« Générer les séances » over a period (default: from today to the cohort's end) and the figures."""
    cohort = _cohort(request, pk)
    start, end = selectors.default_generation_period(cohort, timezone.localdate())
    form = GenerateForm(request.POST or None, initial={"start": start, "end": end})
    report = None
    if request.method == "POST" and form.is_valid():
        report = services.sessions_generate(
            cohort=cohort, start=form.cleaned_data["start"], end=form.cleaned_data["end"], created_by=request.user)
        messages.success(request, ngettext(
            "%(count)d séance créée.", "%(count)d séances créées.", report.created_count) % {"count": report.created_count})
    return render(request, "alternance/sessions/generate.html", {"cohort": cohort, "form": form, "report": report},
                  status=400 if form.is_bound and form.errors else 200)


def _session_form_page(request: HttpRequest, cohort: Cohort, session: TrainingSession | None) -> HttpResponse:
    initial = {}
    if session is not None:
        initial = {name: getattr(session, name) for name in services.EDITABLE_FIELDS}
    form = SessionForm(request.POST or None, initial=initial, user=request.user, cohort=cohort, session=session)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if session is None:
                saved = services.session_create(cohort=cohort, created_by=request.user, **data)
            else:
                saved = services.session_update(session=session, by=request.user, **data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Séance du %(day)s de %(time)s enregistrée.") % {
                "day": f"{saved.day:%d/%m/%Y}", "time": saved.time_display})
            return redirect(_list_url(cohort, saved))
    return render(request, "alternance/sessions/form.html", {"cohort": cohort, "session": session, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    return _session_form_page(request, _cohort(request, pk), None)


@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    cohort, session = _session(request, pk, session_pk)
    if session.is_cancelled:
        messages.error(request, _("Cette séance est annulée : rétablissez-la avant de la modifier."))
        return redirect(_list_url(cohort, session))
    return _session_form_page(request, cohort, session)


@require_http_methods(["GET", "POST"])
def session_split(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    cohort, session = _session(request, pk, session_pk)
    form = SplitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            first, second = services.session_split(session=session, at=form.cleaned_data["at"], by=request.user)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Séance scindée : %(first)s et %(second)s.") % {
                "first": first.time_display, "second": second.time_display})
            return redirect(_list_url(cohort, first))
    return render(request, "alternance/sessions/split.html", {"cohort": cohort, "session": session, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


@require_http_methods(["GET", "POST"])
def session_cancel(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    cohort, session = _session(request, pk, session_pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(session=session, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Séance du %(day)s annulée.") % {"day": f"{session.day:%d/%m/%Y}"})
            return redirect(_list_url(cohort, session))
    return render(request, "alternance/sessions/cancel.html", {"cohort": cohort, "session": session, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


@require_POST
def session_restore(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    cohort, session = _session(request, pk, session_pk)
    try:
        services.session_restore(session=session, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Séance du %(day)s rétablie.") % {"day": f"{session.day:%d/%m/%Y}"})
    return redirect(_list_url(cohort, session))
