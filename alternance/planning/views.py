"""Alternance calendars (issue 6, part 2): month views, printable school years, OF closures, a
cohort's key dates, one apprentice's exceptions (inline with htmx), private ICS feeds.

Every object comes through the access policy (outside the scope → 404) and every write is checked
with its predicate (in scope, not allowed → 403): ``can_override_calendar``,
``can_edit_cohort_calendar``, ``can_manage_closures``, ``can_subscribe_calendar_feed``. The
services of ``planning.services`` write; the computation is in ``planning.calendar``.

Pages: ``calendar_mine`` (each role's entry point), ``apprentice_calendar`` (+ ``_pdf``, the
exception form ``apprentice_calendar_override`` and its ``_delete``), ``cohort_calendar`` (+
``_pdf``, ``key_date_create`` / ``_edit`` / ``_delete``), ``closure_list`` (+ ``closure_create`` /
``_edit`` / ``_delete``), ``calendar_feed_manage`` and the public ``calendar_feed``.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from alternance import access
from alternance.choices import Role
from alternance.models import Apprentice, CalendarOverride, ClosurePeriod, Cohort, KeyDate
from alternance.planning import calendar as planning
from alternance.planning import ics
from alternance.planning import services as planning_services
from alternance.planning.forms import CalendarOverrideForm, ClosureForm, KeyDateForm
from alternance.planning.pdf import apprentice_calendar_pdf as render_apprentice_pdf
from alternance.planning.pdf import cohort_calendar_pdf as render_cohort_pdf
from alternance.planning.pdf import pdf_filename
from alternance.selectors import name_search
from alternance.views.mixins import PAGE_SIZE, KeysFirstPaginator, date_param, staff_only

MONTH_INCLUDE = "alternance/calendar/includes/month.html"


def _form_errors(form, error: ValidationError) -> None:
    """Put a service's validation errors on the form (fields it has, else the whole form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _apprentice(request: HttpRequest, pk: int) -> Apprentice:
    qs = Apprentice.objects.select_related("cohort__programme", "cohort__referent_tutor")
    return access.get_visible_or_404(request.user, qs, pk=pk)


def _cohort(request: HttpRequest, pk: int) -> Cohort:
    return access.get_visible_or_404(request.user, Cohort.objects.select_related("programme", "referent_tutor"), pk=pk)


def _month(request: HttpRequest, today: date) -> tuple[int, int]:
    """The month ``?mois=AAAA-MM``; a malformed one shows the current month and says so."""
    value = request.GET.get("mois")
    if value and planning.month_param(value) is None:
        messages.warning(request, planning.MONTH_IGNORED)
    return planning.parse_month(value, default=today)


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- my calendar (each role's entry point) ----------------------------------------------------------------

@require_GET
def calendar_mine(request: HttpRequest) -> HttpResponse:
    """The apprentice's own month; an employer contact's apprentices (its month when there is one);
    a tutor's cohorts; the other staff's cohort chooser (current cohorts, ``?toutes=1`` for all)."""
    user = request.user
    today = timezone.localdate()
    context: dict = {"today": today, "can_manage_closures": access.can_manage_closures(user)}
    if user.role == Role.APPRENTICE:
        # Its name and its cohort (rhythm, dates): the month reads no more of an apprentice row.
        apprentice = access.visible(user, Apprentice).select_related("cohort").only(*Apprentice.NAME_FIELDS, "cohort").first()
        if apprentice is not None:
            year, month = _month(request, today)
            context["apprentice"] = apprentice
            context["month"] = planning.apprentice_month(
                apprentice, year, month, user=user, today=today, link=reverse("calendar_mine")
            )
        return render(request, "alternance/calendar/mine_apprentice.html", context)
    if user.role == Role.EMPLOYER:
        apprentices = list(
            access.visible(user, Apprentice).select_related("cohort").order_by("last_name", "first_name", "pk")
        )
        context["apprentices"] = apprentices
        if len(apprentices) == 1:
            year, month = _month(request, today)
            context["month"] = planning.apprentice_month(
                apprentices[0], year, month, user=user, today=today, link=reverse("calendar_mine")
            )
        return render(request, "alternance/calendar/mine_employer.html", context)
    staff_only(user)
    # The learners counted by a subquery, for the page's rows only (issue 18 §2: the page listed and
    # counted all 541 cohorts at 20 000 learners, 335 KB); searchable by name or programme, paginated.
    cohorts = access.visible(user, Cohort).select_related("programme", "referent_tutor").annotate(
        apprentice_count=Coalesce(Subquery(
            Apprentice.objects.filter(cohort=OuterRef("pk")).order_by().values("cohort").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField()), 0),
    )
    show_all = request.GET.get("toutes") == "1"
    if user.role == Role.TUTOR:
        cohorts = cohorts.filter(referent_tutor=user)
    elif not show_all:
        cohorts = cohorts.filter(end_date__gte=today)
    query = request.GET.get("q", "").strip()
    cohorts = name_search(cohorts, query, ("name", "programme__title", "programme__short_title"))
    page = KeysFirstPaginator(cohorts.order_by("-start_date", "name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for cohort in page.object_list:
        cohort.can_manage_sessions = access.can_manage_sessions(user, cohort)
    context.update(cohorts=page.object_list, page_obj=page, paginator=page.paginator, is_paginated=page.has_other_pages(),
                   query=query, show_all=show_all,
                   is_tutor=user.role == Role.TUTOR, school_year=f"{planning.school_year_of(today)}-{planning.school_year_of(today) + 1}")
    return render(request, "alternance/calendar/mine_staff.html", context)


# --- an apprentice's calendar ----------------------------------------------------------------------------

@require_GET
def apprentice_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The month ``?mois=YYYY-MM`` of one apprentice, for anyone who sees it (employers included:
    only the days of their contracts). Staff who may override get the inline exception form."""
    apprentice = _apprentice(request, pk)
    today = timezone.localdate()
    year, month = _month(request, today)
    calendar = planning.apprentice_month(apprentice, year, month, user=request.user, today=today)
    return render(request, "alternance/calendar/apprentice.html", {
        "apprentice": apprentice,
        "month": calendar,
        "is_staff": access.can_use_back_office(request.user),
    })


@require_GET
def apprentice_calendar_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The school year ``?annee=YYYY-YYYY`` (September → August) as a printable A4 PDF."""
    apprentice = _apprentice(request, pk)
    today = timezone.localdate()
    start_year = planning.parse_school_year(request.GET.get("annee"), default=today)
    content = render_apprentice_pdf(apprentice, start_year, user=request.user, today=today)
    return _pdf_response(content, pdf_filename(apprentice.full_name, start_year))


def _month_response(request: HttpRequest, apprentice: Apprentice, day: date, notice: str) -> HttpResponse:
    """After an exception is saved or removed: the refreshed month with the notice in its panel
    for htmx, else a message and back to the page (post/redirect/get)."""
    if request.htmx:
        calendar = planning.apprentice_month(apprentice, day.year, day.month, user=request.user)
        return render(request, MONTH_INCLUDE, {"month": calendar, "notice": notice})
    messages.success(request, notice)
    return redirect(f"{reverse('apprentice_calendar', args=[apprentice.pk])}?mois={day:%Y-%m}")


@require_http_methods(["GET", "POST"])
def apprentice_calendar_override(request: HttpRequest, pk: int) -> HttpResponse:
    """Add or change the apprentice's exception for one day (``?jour=YYYY-MM-DD``). With htmx the
    form opens under the month and a valid post swaps the refreshed month in."""
    apprentice = _apprentice(request, pk)
    access.require(access.can_override_calendar(request.user, apprentice))
    today = timezone.localdate()
    if request.method == "POST":
        form = CalendarOverrideForm(request.POST)
    else:
        day = date_param(request.GET.get("jour")) or today
        existing = CalendarOverride.objects.filter(apprentice=apprentice, day=day).first()
        initial = {"day": day}
        if existing is not None:
            initial.update(place=existing.place, reason=existing.reason)
        form = CalendarOverrideForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            planning_services.calendar_override_set(
                apprentice=apprentice, day=data["day"], place=data["place"], reason=data["reason"], by=request.user
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            notice = _("Exception enregistrée pour le %(day)s.") % {"day": f"{data['day']:%d/%m/%Y}"}
            return _month_response(request, apprentice, data["day"], notice)
    day = form.cleaned_data.get("day") if form.is_bound else form.initial.get("day")
    context = {
        "apprentice": apprentice,
        "form": form,
        "day": day,
        "computed": planning.place_without_override(apprentice, day) if day else None,
        "override": CalendarOverride.objects.filter(apprentice=apprentice, day=day).first() if day else None,
        "dom_id": f"calendrier-apprenti-{apprentice.pk}",
        "back_url": f"{reverse('apprentice_calendar', args=[apprentice.pk])}?mois={(day or today):%Y-%m}",
    }
    if request.htmx:
        # 200 even with errors: htmx does not swap 4xx answers. The month stays in place and the
        # form comes back, with its errors, in its panel under the month.
        response = render(request, "alternance/calendar/_override_form.html", context)
        return reswap(retarget(response, f"#{context['dom_id']}-exception"), "innerHTML")
    return render(request, "alternance/calendar/override_form.html", context, status=400 if form.is_bound else 200)


@require_POST
def apprentice_calendar_override_delete(request: HttpRequest, pk: int, override_pk: int) -> HttpResponse:
    apprentice = _apprentice(request, pk)
    access.require(access.can_override_calendar(request.user, apprentice))
    override = access.get_visible_or_404(request.user, CalendarOverride.objects.filter(apprentice=apprentice), pk=override_pk)
    day = override.day
    planning_services.calendar_override_delete(override=override)
    notice = _("L'exception du %(day)s est supprimée : le jour suit de nouveau le calendrier.") % {"day": f"{day:%d/%m/%Y}"}
    return _month_response(request, apprentice, day, notice)


# --- a cohort's calendar and key dates -----------------------------------------------------------------------

@require_GET
def cohort_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The month of a cohort (rhythm, holidays, closures, key dates, visits), for anyone who sees the
    cohort; the key dates of the cohort with their management for who may edit them; links to the
    calendars of the cohort's apprentices the user sees (where exceptions are entered)."""
    cohort = _cohort(request, pk)
    today = timezone.localdate()
    year, month = _month(request, today)
    calendar = planning.cohort_month(cohort, year, month, user=request.user, today=today)
    key_dates = (
        access.visible(request.user, KeyDate).filter(cohort=cohort).select_related("apprentice").order_by("day", "start_time", "pk")
    )
    apprentices = access.visible(request.user, Apprentice).filter(cohort=cohort).order_by("last_name", "first_name", "pk")
    return render(request, "alternance/calendar/cohort.html", {
        "cohort": cohort,
        "month": calendar,
        "key_dates": list(key_dates),
        "apprentices": list(apprentices.only("pk", "first_name", "last_name", "usage_name", "status")),
        "can_edit": access.can_edit_cohort_calendar(request.user, cohort),
        "is_staff": access.can_use_back_office(request.user),
    })


@require_GET
def cohort_calendar_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    today = timezone.localdate()
    start_year = planning.parse_school_year(request.GET.get("annee"), default=today)
    content = render_cohort_pdf(cohort, start_year, user=request.user, today=today)
    return _pdf_response(content, pdf_filename(cohort.name, start_year))


def _key_date_form_page(request: HttpRequest, cohort: Cohort, key_date: KeyDate | None) -> HttpResponse:
    initial = {}
    if key_date is not None:
        initial = {name: getattr(key_date, name) for name in ("kind", "label", "day", "start_time", "end_time", "location")}
        initial["apprentice"] = key_date.apprentice_id
    elif day := date_param(request.GET.get("jour")):
        initial["day"] = day
    form = KeyDateForm(request.POST or None, initial=initial, cohort=cohort, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in ("kind", "label", "day", "apprentice", "start_time", "end_time", "location")}
        try:
            if key_date is None:
                saved = planning_services.key_date_create(cohort=cohort, **fields)
            else:
                saved = planning_services.key_date_update(key_date=key_date, **fields)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Date clé « %(label)s » enregistrée pour le %(day)s.")
                             % {"label": saved.label, "day": f"{saved.day:%d/%m/%Y}"})
            return redirect(f"{reverse('cohort_calendar', args=[cohort.pk])}?mois={saved.day:%Y-%m}")
    return render(request, "alternance/calendar/key_date_form.html", {"cohort": cohort, "form": form, "key_date": key_date},
                  status=400 if form.is_bound and form.errors else 200)


@require_http_methods(["GET", "POST"])
def key_date_create(request: HttpRequest, pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    access.require(access.can_edit_cohort_calendar(request.user, cohort))
    return _key_date_form_page(request, cohort, None)


@require_http_methods(["GET", "POST"])
def key_date_edit(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    key_date = access.get_visible_or_404(request.user, KeyDate.objects.filter(cohort=cohort), pk=key_pk)
    access.require(access.can_edit_cohort_calendar(request.user, cohort))
    return _key_date_form_page(request, cohort, key_date)


@require_POST
def key_date_delete(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    cohort = _cohort(request, pk)
    key_date = access.get_visible_or_404(request.user, KeyDate.objects.filter(cohort=cohort), pk=key_pk)
    access.require(access.can_edit_cohort_calendar(request.user, cohort))
    label, day = key_date.label, key_date.day
    planning_services.key_date_delete(key_date=key_date)
    messages.success(request, _("Date clé « %(label)s » supprimée.") % {"label": label})
    return redirect(f"{reverse('cohort_calendar', args=[cohort.pk])}?mois={day:%Y-%m}")


# --- OF closures ---------------------------------------------------------------------------------------------

@require_GET
def closure_list(request: HttpRequest) -> HttpResponse:
    """Closures of the OF and of cohorts, upcoming first (``?passees=1`` adds the past ones).
    Staff read them; the coordinator and admin staff manage them."""
    staff_only(request.user)
    today = timezone.localdate()
    show_past = request.GET.get("passees") == "1"
    closures = access.visible(request.user, ClosurePeriod).select_related("cohort")
    if not show_past:
        closures = closures.filter(end_date__gte=today)
    page = Paginator(closures.order_by("start_date", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alternance/calendar/closure_list.html", {
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "closures": page.object_list,
        "show_past": show_past,
        "can_manage": access.can_manage_closures(request.user),
        "today": today,
    })


def _closure_form_page(request: HttpRequest, closure: ClosurePeriod | None) -> HttpResponse:
    initial = {}
    if closure is not None:
        initial = {"label": closure.label, "start_date": closure.start_date, "end_date": closure.end_date,
                   "cohort": closure.cohort_id}
    form = ClosureForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if closure is None:
                saved = planning_services.closure_create(**data)
            else:
                saved = planning_services.closure_update(closure=closure, **data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Fermeture « %(label)s » enregistrée.") % {"label": saved.label})
            return redirect("closure_list")
    return render(request, "alternance/calendar/closure_form.html", {"form": form, "closure": closure},
                  status=400 if form.is_bound and form.errors else 200)


def _closures_allowed(request: HttpRequest) -> None:
    staff_only(request.user)
    access.require(access.can_manage_closures(request.user))


@require_http_methods(["GET", "POST"])
def closure_create(request: HttpRequest) -> HttpResponse:
    _closures_allowed(request)
    return _closure_form_page(request, None)


@require_http_methods(["GET", "POST"])
def closure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _closures_allowed(request)
    closure = access.get_visible_or_404(request.user, ClosurePeriod.objects.select_related("cohort"), pk=pk)
    return _closure_form_page(request, closure)


@require_POST
def closure_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _closures_allowed(request)
    closure = access.get_visible_or_404(request.user, ClosurePeriod, pk=pk)
    label = closure.label
    planning_services.closure_delete(closure=closure)
    messages.success(request, _("Fermeture « %(label)s » supprimée.") % {"label": label})
    return redirect("closure_list")


# --- private ICS feed --------------------------------------------------------------------------------------------

def _feed_urls(request: HttpRequest, token: str) -> dict:
    url = request.build_absolute_uri(reverse("calendar_feed", args=[token]))
    return {"feed_url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


@never_cache
@require_http_methods(["GET", "POST"])
def calendar_feed_manage(request: HttpRequest) -> HttpResponse:
    """Whether the account has a live feed; POST ``action=create`` makes a new one (revoking the
    previous) and shows its full URL once; POST ``action=revoke`` cuts it."""
    access.require(access.can_subscribe_calendar_feed(request.user))
    context: dict = {}
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            created = planning_services.calendar_feed_create(user=request.user)
            context.update(_feed_urls(request, created.token), created=created.feed)
        elif action == "revoke":
            if planning_services.calendar_feed_revoke(user=request.user):
                messages.success(request, _("Votre abonnement est révoqué : l'ancienne adresse ne fonctionne plus."))
            else:
                messages.info(request, _("Vous n'aviez pas d'abonnement actif."))
            return redirect("calendar_feed_manage")
        else:
            messages.error(request, _("Action inconnue : utilisez les boutons de la page."))
            return redirect("calendar_feed_manage")
    context["feed"] = planning.calendar_feed_live(request.user)
    return render(request, "alternance/calendar/feed_manage.html", context)


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Public (calendar apps don't log in): the secret in the URL is the key. Unknown or revoked
    token, or deactivated account → 404. The last use is recorded at most once an hour."""
    feed = planning.calendar_feed_lookup(token)
    if feed is None:
        raise Http404
    now = timezone.now()
    planning_services.calendar_feed_touch(feed=feed, now=now)
    response = HttpResponse(ics.feed_for_user(feed.user, now=now), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="alternance.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
