"""Pages of the sign-in (issue 19 §2).

Staff (``access.can_run_signin``): « Émargement » lists today's sessions; a session's sign-in page
opens it, shows the rotating QR code and short code (htmx refreshes them, and the list of lines, every
few seconds; a full-screen view for the room's projector), notes who cannot sign, strikes a line,
closes and signs the sheet; the office reopens it with a reason.

Apprentices: « Émarger » takes the code typed; the QR code leads to ``/emargement/<séance>/<code>/``,
whose page signs with one tap (a GET never signs: a link preview or a prefetch must not). The login
page keeps that address as its target. Every refusal is the service's French message.
"""

from __future__ import annotations

from datetime import date

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access
from alternance.choices import Role, SignatureMethod
from alternance.history.selectors import history_for
from alternance.models import Apprentice, Cohort, SessionSignature, TrainingSession
from alternance.planning import calendar as planning
from alternance.signin import codes, selectors, services, sheets
from alternance.signin.forms import CloseForm, CodeForm, MarkForm, ReopenForm, StrikeForm
from alternance.views.mixins import PAGE_SIZE, client_ip, staff_only
from contracts.choices import DocumentKind
from contracts.models import Document

# How often the trainer's page asks for the code and the lines (seconds): the code rotates every 30.
POLL_SECONDS = 5


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def _page_url(session) -> str:
    return reverse("signin:session", args=[session.pk])


def _session(request: HttpRequest, pk: int):
    """The session whose sign-in the user runs: extranet 403, outside the scope 404, not allowed 403."""
    staff_only(request.user)
    return selectors.signin_session_get(request.user, pk)


# --- staff -----------------------------------------------------------------------------------------


@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """Today's sessions whose sign-in I run, with their state."""
    staff_only(request.user)
    day = timezone.localdate()
    page = Paginator(selectors.sessions_to_run(request.user, day), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alternance/signin/today.html", {
        "day": day, "sessions": page.object_list, "page_obj": page, "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
    })


def _qr_context(request: HttpRequest, session) -> dict:
    if not session.signin_open:
        return {}
    now = timezone.now()
    current = codes.current_code(session, now)
    url = request.build_absolute_uri(reverse("signin:scan", args=[session.pk, current.code]))
    return {
        "code": current,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=1, omitsize=True, title=_("QR code d'émargement")),
        "seconds_left": max(0, int((current.expires_at - now).total_seconds())),
    }


def _session_context(request: HttpRequest, session) -> dict:
    lines = services.sheet_lines(session)
    return {
        **_sheet_context(session),
        "session": session, "lines": lines, "signed_count": sum(1 for line in lines if line.signed),
        "poll_seconds": POLL_SECONDS, "can_reopen": access.can_reopen_signin(request.user),
        "can_manage_sessions": access.can_manage_sessions(request.user, session.cohort),
        "close_form": CloseForm(), "reopen_form": ReopenForm(), **_qr_context(request, session),
    }


@never_cache
@require_GET
def session_page(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    return render(request, "alternance/signin/session.html", {
        **_session_context(request, session), "history": history_for(request.user, session)})


@never_cache
@require_GET
def session_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code and the short code of the moment (htmx, every few seconds)."""
    session = _session(request, pk)
    return render(request, "alternance/signin/_code.html", {"session": session, **_qr_context(request, session)})


@never_cache
@require_GET
def session_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """The lines of the sheet as they fill in (htmx, every few seconds)."""
    session = _session(request, pk)
    return render(request, "alternance/signin/_lines.html", _session_context(request, session))


@never_cache
@require_GET
def session_projection(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code and the code alone, full screen, for the room's projector."""
    session = _session(request, pk)
    return render(request, "alternance/signin/projection.html", {"session": session, "poll_seconds": POLL_SECONDS,
                                                                  **_qr_context(request, session)})


def _act(request: HttpRequest, session, action, success: str) -> HttpResponse:
    try:
        action()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(_page_url(session))


@require_POST
def session_open(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    return _act(request, session, lambda: services.signin_open(session=session, by=request.user, now=timezone.now()),
                _("Émargement ouvert : affichez le QR code à la salle."))


@require_POST
def session_mark(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_page_url(session))
    apprentice = access.get_visible_or_404(
        request.user, Apprentice.objects.select_related("cohort"), pk=form.cleaned_data["apprentice"], cohort=session.cohort)
    return _act(request, session, lambda: services.signin_mark(
        session=session, apprentice=apprentice, reason=form.cleaned_data["reason"], minutes=form.cleaned_data["minutes"],
        by=request.user, now=timezone.now()), _("Présence de %(name)s notée.") % {"name": apprentice.full_name})


@require_POST
def session_strike(request: HttpRequest, pk: int, signature_pk: int) -> HttpResponse:
    session = _session(request, pk)
    signature = SessionSignature.objects.select_related("apprentice", "session__cohort").filter(
        session=session, pk=signature_pk).first()
    if signature is None:
        messages.error(request, _("Cette signature n'existe plus : la liste a été mise à jour."))
        return redirect(_page_url(session))
    form = StrikeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect(_page_url(session))
    return _act(request, session, lambda: services.signin_strike(signature=signature, reason=form.cleaned_data["reason"],
                                                                 by=request.user),
                _("Signature de %(name)s retirée.") % {"name": signature.apprentice.full_name})


@require_POST
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["attest"]))
        return redirect(_page_url(session))
    return _act(request, session, lambda: services.signin_close(
        session=session, by=request.user, ip=client_ip(request), user_agent=_user_agent(request), now=timezone.now()),
        _("Feuille d'émargement signée et close : les absences sont enregistrées."))


@require_POST
def session_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    access.require(access.can_reopen_signin(request.user))
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect(_page_url(session))
    return _act(request, session, lambda: services.signin_reopen(
        session=session, reason=form.cleaned_data["reason"], by=request.user, now=timezone.now()),
        _("Émargement rouvert : le motif est consigné dans l'historique de la séance."))


# --- the signed sheets (issue 19 §3) ------------------------------------------------------------------


def _sheet_context(session) -> dict:
    """The signed sheet of a closed session (rendered in the background after the closing) and its
    earlier versions (before a reopening)."""
    if not session.signin_closed:
        return {}
    current = sheets.current_session_sheet(session)
    earlier = Document.objects.filter(training_session=session, kind=DocumentKind.SIGNIN_SHEET).order_by("-version")
    preparing = current is None and session.pk in sheets.sheets_in_preparation([session.pk], now=timezone.now())
    return {"sheet": current, "sheet_preparing": preparing,
            "earlier_sheets": [d for d in earlier if current is None or d.pk != current.pk]}


@never_cache
@require_http_methods(["GET", "POST"])
def session_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the sheet's block (htmx polls it while the sheet is being rendered). POST: render it
    again (a worker that was down: the task is safe to run twice)."""
    session = _session(request, pk)
    if request.method == "POST":
        if session.signin_closed:
            services.sheet_request(session=session)
            messages.success(request, _("La feuille d'émargement est en préparation ; elle apparaît ici dans un instant."))
        return redirect(_page_url(session))
    return render(request, "alternance/signin/_sheet.html", {"session": session, "poll_seconds": POLL_SECONDS,
                                                             **_sheet_context(session)})


@require_http_methods(["GET", "POST"])
def cohort_sheets(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed sheets of a cohort for a month (``?mois=AAAA-MM``): each closed session's sheet,
    the monthly sheets (the cohort's and each apprentice's, latest version first) and the button that
    renders them in the background."""
    cohort = access.get_visible_or_404(request.user, Cohort.objects.select_related("programme"), pk=pk)
    access.require(access.can_manage_sessions(request.user, cohort))
    today = timezone.localdate()
    value = request.POST.get("mois") if request.method == "POST" else request.GET.get("mois")
    if value and planning.month_param(value) is None:
        messages.warning(request, planning.MONTH_IGNORED)
    year, month = planning.parse_month(value, default=today)
    first = date(year, month, 1)
    context = selectors.cohort_month_sheets(cohort, first)
    if request.method == "POST":
        if request.POST.get("action") == "missing":
            for session in context["missing_sheets"]:
                services.sheet_request(session=session)
            messages.success(request, _("Les feuilles manquantes des séances sont en préparation."))
        else:
            services.monthly_sheets_request(cohort=cohort, year=year, month=month, by=request.user)
            messages.success(request, _("Les feuilles mensuelles sont en préparation : elles apparaîtront sur cette page dans "
                                        "quelques instants."))
        return redirect(f"{reverse('signin:cohort_sheets', args=[cohort.pk])}?mois={year:04d}-{month:02d}")
    return render(request, "alternance/signin/cohort_sheets.html", {
        "cohort": cohort, **context,
        "month_title": planning.month_title(year, month), "month_param": f"{year:04d}-{month:02d}",
        "prev_month": f"{planning.add_months(first, -1):%Y-%m}", "next_month": f"{planning.add_months(first, 1):%Y-%m}",
    })


# --- apprentices -------------------------------------------------------------------------------------


def _apprentice_only(request: HttpRequest) -> None:
    if getattr(request.user, "role", None) != Role.APPRENTICE:
        raise PermissionDenied


def _signed_message(signature: SessionSignature) -> str:
    time = f"{timezone.localtime(signature.signed_at):%H:%M}"
    if signature.minutes_late:
        return _("Présence enregistrée à %(time)s, avec %(minutes)d minutes de retard.") % {
            "time": time, "minutes": signature.minutes_late}
    return _("Présence enregistrée à %(time)s. Bonne séance !") % {"time": time}


@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest) -> HttpResponse:
    """« Émarger »: the code shown in the room, typed."""
    _apprentice_only(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signature = services.signin_sign_by_code(
                user=request.user, code=form.cleaned_data["code"], ip=client_ip(request), user_agent=_user_agent(request),
                now=timezone.now())
        except ValidationError as error:
            form.add_error("code", error.messages)
        else:
            messages.success(request, _signed_message(signature))
            return redirect("signin:sign")
    apprentice = selectors.apprentice_of(request.user)
    return render(request, "alternance/signin/sign.html", {
        "form": form,
        "open_sessions": selectors.open_sessions_for(apprentice, timezone.localdate()) if apprentice else [],
    })


@never_cache
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The QR code's address: a page with one button « Je signe ma présence » (the POST signs)."""
    _apprentice_only(request)
    error = None
    if request.method == "POST":
        try:
            signature = services.signin_sign(
                session_pk=pk, user=request.user, code=code, method=SignatureMethod.QR, ip=client_ip(request),
                user_agent=_user_agent(request), now=timezone.now())
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(request, _signed_message(signature))
            return redirect("signin:sign")
    # The session is named only to the apprentices who see it (their cohort's); the others learn why
    # they cannot sign when they tap.
    session = access.visible(request.user, TrainingSession).filter(pk=pk).select_related("trainer").first()
    return render(request, "alternance/signin/scan.html", {"error": error, "code": code, "pk": pk, "session": session})
