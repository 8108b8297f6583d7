"""The tutors' workspace (issue 5, part 4): what is due, visits and their grid, the visit report,
the register of a cohort session and one apprentice's half-day.

Objects are fetched through the access policy (outside the scope → 404) and actions checked with
its predicates (in scope, not allowed → 403). The services write; the views redirect with a message.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access
from alternance.attendance import register
from alternance.choices import HalfDay, SessionStatus
from alternance.exports import EXPORT_FORMATS, export_response
from alternance.models import Apprentice, Cohort, TrainingSession
from alternance.planning import calendar as planning
from alternance.planning.rhythm import CENTRE
from alternance.signin.services import session_half
from alternance.tutoring import selectors as selectors_tutor
from alternance.tutoring import services
from alternance.tutoring.forms import (
    AttendanceRecordForm,
    RegisterForm,
    RegisterSessionForm,
    VisitGridForm,
    VisitPlanForm,
)
from alternance.tutoring.pdf import visit_report_generate, visit_report_internal_filename, visit_report_pdf
from alternance.views.mixins import PAGE_SIZE, drop_invalid_params, int_param, staff_only, warn_ignored


def _form_errors(form, error: ValidationError) -> None:
    """Put a service's validation errors on the form (fields it has, else the whole form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- the workspace --------------------------------------------------------------------------------


def tutor_workspace(request: HttpRequest) -> HttpResponse:
    """My cohorts and apprentices with what is due; the coordinator views any tutor's (?tuteur=)."""
    staff_only(request.user)
    today = timezone.localdate()
    filters = {name: request.GET.get(name, "").strip() for name in ("tuteur", "promotion", "q", "a_faire", "sort")}
    ignored = drop_invalid_params(filters, {"tuteur": (int_param, _("Formateur·rice référent·e")), "promotion": (int_param, _("Promotion"))})
    context = {"today": today, "filters": filters, "is_coordinator": request.user.role == "coordinator"}
    tutor_id = int_param(filters["tuteur"])
    if context["is_coordinator"]:
        context["tutors"] = selectors_tutor.tutor_choices(request.user)
        if tutor_id is None:
            warn_ignored(request, ignored)
            return render(request, "alternance/tutor/workspace.html", {**context, "tutor": None})
    tutor = selectors_tutor.workspace_tutor(request.user, tutor_id)
    rows = selectors_tutor.tutor_workspace(
        request.user, tutor=tutor, today=today, q=filters["q"], cohort_id=int_param(filters["promotion"]),
        only_due=bool(filters["a_faire"]), sort=filters["sort"],
    )
    export = request.GET.get("format", "")
    if export in EXPORT_FORMATS:
        return export_response(
            export, name=f"suivi-{tutor.pk}-{today:%Y%m%d}", header=_export_header(), rows=(_export_values(row) for row in rows)
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    warn_ignored(request, ignored)
    context.update(
        tutor=tutor,
        cohorts=selectors_tutor.tutor_cohorts(request.user, tutor),
        page_obj=page,
        paginator=page.paginator,
        is_paginated=page.has_other_pages(),
        rows=page.object_list,
        is_filtered=any(filters[name] for name in ("promotion", "q", "a_faire")),
    )
    template = "alternance/tutor/_workspace_rows.html" if request.headers.get("HX-Request") else "alternance/tutor/workspace.html"
    return render(request, template, context)


def _export_header() -> list[str]:
    return [
        _("Apprenti·e"), _("Promotion"), _("Entreprise"), _("Prochaine visite"), _("Échéance"), _("État"),
        _("Visite planifiée le"), _("Bilan de mi-parcours"), _("État mi-parcours"), _("Bilan de fin"), _("État bilan de fin"),
        _("Absences à justifier"),
    ]


def _export_values(row: selectors_tutor.WorkspaceRow) -> list:
    def due(item, attr):
        return getattr(item, attr) if item else None

    return [
        row.apprentice.full_name,
        row.apprentice.cohort.name,
        row.contract.company.name if row.contract else "",
        due(row.next_visit, "kind_label") or "",
        due(row.next_visit, "due_date"),
        due(row.next_visit, "state_label") or "",
        row.planned_visit["planned_date"] if row.planned_visit else None,
        due(row.mid_term, "due_date"),
        due(row.mid_term, "state_label") or "",
        due(row.end_review, "due_date"),
        due(row.end_review, "state_label") or "",
        row.absences_to_justify,
    ]


# --- visits -------------------------------------------------------------------------------------------


def _apprentice(request: HttpRequest, pk: int) -> Apprentice:
    qs = Apprentice.objects.select_related("cohort__programme", "cohort__referent_tutor")
    return access.get_visible_or_404(request.user, qs, pk=pk)


@require_http_methods(["GET", "POST"])
def visit_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Plan a visit or a review; the kind and date suggested are what is due next."""
    apprentice = _apprentice(request, pk)
    access.require(access.can_plan_visit(request.user, apprentice))
    today = timezone.localdate()
    row = selectors_tutor.apprentice_next_due(request.user, apprentice, today=today)
    suggestion = row.suggestion
    initial = {}
    if suggestion is not None:
        initial = {"kind": suggestion.kind, "planned_date": suggestion.due_date if suggestion.due_date and suggestion.due_date >= today else today}
    form = VisitPlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_plan(
                apprentice=apprentice, kind=form.cleaned_data["kind"], planned_date=form.cleaned_data["planned_date"],
                mode=form.cleaned_data["mode"], by=request.user,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Visite planifiée le %(day)s.") % {"day": f"{visit.planned_date:%d/%m/%Y}"})
            return redirect("visit_detail", pk=visit.pk)
    return render(request, "alternance/tutor/visit_plan.html", {"apprentice": apprentice, "form": form, "row": row, "today": today})


def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    visit = selectors_tutor.visit_get(request.user, pk)
    context = {
        "visit": visit,
        "rows": selectors_tutor.visit_grid_rows(visit),
        "reports": selectors_tutor.visit_reports(request.user, visit),
        "can_edit": access.can_edit_visit(request.user, visit),
        "can_read_confidential": access.can_read_visit_confidential(request.user, visit),
    }
    return render(request, "alternance/tutor/visit_detail.html", context)


@require_http_methods(["GET", "POST"])
def visit_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the standard grid of a visit and record it as done."""
    visit = selectors_tutor.visit_get(request.user, pk)
    access.require(access.can_edit_visit(request.user, visit))
    today = timezone.localdate()
    criteria = selectors_tutor.active_criteria()
    initial = {} if visit.done_date else {"done_date": visit.planned_date if visit.planned_date and visit.planned_date <= today else today}
    form = VisitGridForm(request.POST or None, criteria=criteria, visit=visit, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.visit_record(
                visit=visit, answers=form.answers(), done_date=data["done_date"], today=today, by=request.user,
                master_feedback=data["master_feedback"], actions_agreed=data["actions_agreed"], at_risk=data["at_risk"],
                risk_comment=data["risk_comment"], report=data["report"], mode=data["mode"],
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("La visite est enregistrée."))
            return redirect("visit_detail", pk=visit.pk)
    return render(request, "alternance/tutor/visit_grid.html", {"visit": visit, "form": form})


@require_POST
def visit_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Render the visit report PDF, store it, and offer it for download."""
    visit = selectors_tutor.visit_get(request.user, pk)
    access.require(access.can_edit_visit(request.user, visit))
    if visit.done_date is None:
        messages.error(request, _("Remplissez d'abord la grille : le compte rendu porte sur une visite réalisée."))
        return redirect("visit_detail", pk=visit.pk)
    document = visit_report_generate(visit=visit, by=request.user, today=timezone.localdate())
    messages.success(request, _(
        "Le compte rendu (version %(version)s) est prêt. C'est la version partagée avec l'entreprise et l'apprenti·e : "
        "elle ne contient pas l'appréciation du risque de rupture, qui reste dans la version interne."
    ) % {"version": document.version})
    return redirect("visit_detail", pk=visit.pk)


@require_GET
def visit_report_internal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full report of a visit, with the tutor's confidential rupture-risk assessment (issue 17
    §7): rendered on demand for the OF's staff, never stored — the stored report, which the
    company and the apprentice download, is the shared version without it."""
    visit = selectors_tutor.visit_get(request.user, pk)  # 404 outside the scope, before any 403
    staff_only(request.user)
    access.require(access.can_read_visit_confidential(request.user, visit))
    if visit.done_date is None:
        raise Http404(_("Le compte rendu porte sur une visite réalisée : remplissez d'abord la grille."))
    content = visit_report_pdf(visit, today=timezone.localdate(), confidential=True)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{visit_report_internal_filename(visit)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- attendance ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def attendance_register(request: HttpRequest, cohort_pk: int) -> HttpResponse:
    """The register of one cohort session: every apprentice present, absent or late, saved at once."""
    cohort = access.get_visible_or_404(request.user, Cohort.objects.select_related("programme"), pk=cohort_pk)
    access.require(access.can_record_cohort_attendance(request.user, cohort))
    today = timezone.localdate()
    source = request.POST if request.method == "POST" else request.GET
    session = RegisterSessionForm(
        {"day": source.get("day") or today.isoformat(), "half": source.get("half") or HalfDay.MORNING}, today=today
    )
    if not session.is_valid():
        return render(request, "alternance/tutor/register.html", {"cohort": cohort, "session": session, "form": None}, status=400)
    day, half = session.cleaned_data["day"], session.cleaned_data["half"]
    context = {"cohort": cohort, "session": session, "form": None, "day": day, "half": half}
    # The register opens only on the cohort's centre days (rhythm, public holidays, closures):
    # any other day says why and points to the sessions around it.
    cohort_place = planning.cohort_days(cohort, day, day)[day]
    if cohort_place.place != CENTRE:
        context.update(
            closed=cohort_place,
            next_session=planning.next_centre_day(cohort, day),
            last_session=planning.previous_centre_day(cohort, min(today, day - timedelta(days=1))),
            today=today,
        )
        return render(request, "alternance/tutor/register.html", context, status=400 if request.method == "POST" else 200)
    # The register is a view of the day's sessions (issue 19 §2): their sign-in, and a note when a
    # closed sheet wrote this half-day.
    day_sessions = [
        (s, session_half(s)) for s in access.visible(request.user, TrainingSession)
        .filter(cohort=cohort, day=day, status=SessionStatus.PLANNED).select_related("cohort").order_by("start_time", "pk")
    ]
    context.update(day_sessions=day_sessions, today_date=today,
                   signed_here=any(s.signin_closed and s_half == half for s, s_half in day_sessions))
    people = selectors_tutor.register_apprentices(cohort, day)
    apprentices = people.at_centre
    existing = selectors_tutor.register_existing([a.pk for a in apprentices], day, half)
    form = RegisterForm(
        request.POST if request.method == "POST" else None, apprentices=apprentices, existing=existing, today=today,
        initial={"day": day, "half": half},
    )
    context.update(form=form, elsewhere=people.elsewhere)
    if request.method == "POST" and form.is_valid():
        try:
            records = register.attendance_register_save(cohort=cohort, day=day, half=half, entries=form.entries(), by=request.user)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, ngettext(
                "Registre enregistré : %(count)s apprenti·e pour le %(day)s (%(half)s).",
                "Registre enregistré : %(count)s apprenti·es pour le %(day)s (%(half)s).",
                len(records),
            ) % {"count": len(records), "day": f"{day:%d/%m/%Y}", "half": HalfDay(half).label.lower()})
            return redirect(f"{reverse('attendance_register', args=[cohort.pk])}?day={day.isoformat()}&half={half}")
    return render(request, "alternance/tutor/register.html", context)


@require_http_methods(["GET", "POST"])
def attendance_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One apprentice's half-day (an absence or a lateness noticed outside the register)."""
    apprentice = _apprentice(request, pk)
    access.require(access.can_record_attendance(request.user, apprentice))
    today = timezone.localdate()
    form = AttendanceRecordForm(request.POST or None, today=today, initial={"day": today, "half": HalfDay.MORNING, "status": "absent"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            register.attendance_record(
                apprentice=apprentice, day=data["day"], half=data["half"], status=data["status"],
                minutes_late=data["minutes_late"] or 0, reason=data["reason"], by=request.user,
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Présence enregistrée pour %(name)s.") % {"name": apprentice.full_name})
            return redirect("apprentice_detail", pk=apprentice.pk)
    return render(request, "alternance/tutor/attendance_record.html", {"apprentice": apprentice, "form": form})
