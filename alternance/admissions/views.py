"""Admissions (issue 13 §1): the public application pages (no login, mobile-first), and for the
staff the candidates' list (the queue of new applications is its first stage), a candidate's page
with its pipeline actions, the staff's entry form, enrolment and the CV download.

Objects are fetched through the access policy (outside the scope → 404) and actions checked with
its predicates (in scope, not allowed → 403); ``admissions.services`` writes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access
from alternance.admissions import selectors, services
from alternance.admissions.forms import (
    CandidateForm,
    DecisionForm,
    EnrolForm,
    PositioningForm,
    PublicApplicationForm,
    WithdrawForm,
)
from alternance.choices import CandidateStatus
from alternance.exports import EXPORT_FORMATS, export_response
from alternance.history.selectors import history_for
from alternance.models import Programme
from alternance.views.mixins import PAGE_SIZE, client_ip, drop_invalid_params, int_param, staff_only, warn_ignored


def _form_errors(form, error: ValidationError) -> None:
    """A service's validation errors on the form: on the fields it has, else on the whole form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


# --- public pages ---------------------------------------------------------------------------------------


@login_not_required
@require_GET
def apply_index(request: HttpRequest) -> HttpResponse:
    """The programmes open to applications, each with its application page."""
    return render(request, "alternance/admissions/public_index.html", {"programmes": selectors.open_programmes()})


@login_not_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """The public application page of one open programme (a closed or unknown one: 404)."""
    programme = get_object_or_404(selectors.open_programmes(), pk=pk)
    form = PublicApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_spam():
            # A robot filled the hidden field: answer as for a success, store nothing.
            return redirect("admissions_apply_done", pk=programme.pk)
        if form.is_valid():
            try:
                services.candidate_apply(
                    programme=programme, data=form.identity(), cv=form.cleaned_data["cv"].read(),
                    client_ip=client_ip(request), now=timezone.now(),
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                return redirect("admissions_apply_done", pk=programme.pk)
    context = {"programme": programme, "form": form, "cv_max_mb": settings.ADMISSIONS_CV_MAX_MB}
    # The form again with its errors: 200, like the login and invitation pages.
    return render(request, "alternance/admissions/apply.html", context)


@login_not_required
@require_GET
def apply_done(request: HttpRequest, pk: int) -> HttpResponse:
    programme = get_object_or_404(selectors.open_programmes(), pk=pk)
    return render(request, "alternance/admissions/apply_done.html", {"programme": programme})


# --- staff pages -------------------------------------------------------------------------------------------


def _viewers_only(request: HttpRequest) -> None:
    staff_only(request.user)
    access.require(access.can_view_candidates(request.user))


EXPORT_HEADER = (
    gettext_lazy("Nom"), gettext_lazy("Prénom"), gettext_lazy("Date de naissance"), gettext_lazy("E-mail"), gettext_lazy("Téléphone"), gettext_lazy("Code postal"), gettext_lazy("Commune"),
    gettext_lazy("Dernier diplôme"), gettext_lazy("Formation"), gettext_lazy("Étape"), gettext_lazy("Depuis le"), gettext_lazy("Promotion"), gettext_lazy("Origine"), gettext_lazy("Reçue le"),
)


@require_GET
def candidate_list(request: HttpRequest) -> HttpResponse:
    """Candidates by stage and programme (the "Reçues" stage is the queue of new applications)."""
    _viewers_only(request)
    filters = {
        "etape": request.GET.get("etape", "") if request.GET.get("etape", "") in CandidateStatus.values else "",
        "formation": request.GET.get("formation", "").strip(),
        "q": request.GET.get("q", "").strip(),
    }
    ignored = drop_invalid_params(filters, {"formation": (int_param, _("Formation"))})
    qs = selectors.candidates(request.user, status=filters["etape"], programme_id=int_param(filters["formation"]), q=filters["q"])
    export = request.GET.get("export", "")
    if export in EXPORT_FORMATS:
        # The whole filtered list (same scope and filters as the page), for the admissions committee.
        return export_response(export, name=f"candidatures-{timezone.localdate():%Y-%m-%d}", header=[str(h) for h in EXPORT_HEADER], rows=(
            (c.last_name, c.first_name, c.birth_date, c.email, c.phone, c.postal_code, c.city, c.get_last_diploma_display(),
             c.programme.title, c.get_status_display(), c.status_since, c.cohort.name if c.cohort else "",
             c.get_source_display(), timezone.localtime(c.submitted_at).date())
            for c in qs.iterator(chunk_size=2000)
        ))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    warn_ignored(request, ignored)
    context = {
        "candidates": page.object_list,
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": page.has_other_pages(),
        "filters": filters,
        "is_filtered": any(filters.values()),
        "stages": CandidateStatus.choices,
        "programmes": selectors.programme_choices(request.user),
        "can_manage": access.can_manage_candidates(request.user),
    }
    return render(request, "alternance/admissions/candidate_list.html", context)


@require_http_methods(["GET", "POST"])
def candidate_create(request: HttpRequest) -> HttpResponse:
    _viewers_only(request)
    access.require(access.can_manage_candidates(request.user))
    form = CandidateForm(request.POST or None, request.FILES or None, programmes=selectors.new_candidate_programmes(request.user))
    duplicates = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("cv")
        try:
            candidate = services.candidate_create(
                programme=form.cleaned_data["programme"], source=form.cleaned_data["source"], data=form.identity(),
                by=request.user, now=timezone.now(), cv=upload.read() if upload else None,
            )
        except services.DuplicateCandidate as error:
            duplicates = error.duplicates
            form.add_error(None, error.messages)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Candidature de %(name)s enregistrée.") % {"name": candidate.full_name})
            return redirect("candidate_detail", pk=candidate.pk)
    return render(request, "alternance/admissions/candidate_form.html", {"form": form, "duplicates": duplicates},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def candidate_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a candidate's record (identity, contact, programme, source, CV)."""
    candidate = _managed(request, pk)
    form = CandidateForm(request.POST or None, request.FILES or None, instance=candidate,
                         programmes=selectors.programme_choices(request.user))
    duplicates = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("cv")
        try:
            candidate = services.candidate_update(
                candidate=candidate, programme=form.cleaned_data["programme"], source=form.cleaned_data["source"],
                data=form.identity(), by=request.user, now=timezone.now(), cv=upload.read() if upload else None,
            )
        except services.DuplicateCandidate as error:
            duplicates = error.duplicates
            form.add_error(None, error.messages)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Fiche de %(name)s enregistrée.") % {"name": candidate.full_name})
            return redirect("candidate_detail", pk=candidate.pk)
    context = {"form": form, "duplicates": duplicates, "candidate": selectors.candidate_get(request.user, pk)}
    return render(request, "alternance/admissions/candidate_form.html", context,
                  status=400 if request.method == "POST" else 200)


def _detail(request: HttpRequest, candidate, *, status: int = 200, **forms) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "candidate": candidate,
        "events": list(candidate.events.all()),
        "can_manage": access.can_manage_candidates(request.user),
        "can_position": services.can_move(candidate, CandidateStatus.POSITIONING),
        "can_decide": services.can_move(candidate, CandidateStatus.ADMITTED) or services.can_move(candidate, CandidateStatus.REFUSED),
        "can_withdraw": services.can_move(candidate, CandidateStatus.WITHDRAWN),
        "can_enrol": services.can_move(candidate, CandidateStatus.ENROLLED),
        "positioning_form": forms.get("positioning_form") or PositioningForm(initial={"day": today}),
        "decision_form": forms.get("decision_form") or DecisionForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "horizon": services.seeking_horizon(candidate.apprentice) if candidate.apprentice else None,
        "history": history_for(request.user, candidate),
    }
    return render(request, "alternance/admissions/candidate_detail.html", context, status=status)


@require_GET
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _viewers_only(request)
    return _detail(request, selectors.candidate_get(request.user, pk))


def _managed(request: HttpRequest, pk: int):
    _viewers_only(request)
    candidate = selectors.candidate_get(request.user, pk)
    access.require(access.can_manage_candidates(request.user))
    return candidate


@require_POST
def candidate_position(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _managed(request, pk)
    form = PositioningForm(request.POST)
    if form.is_valid():
        try:
            services.candidate_position(candidate=candidate, kind=form.cleaned_data["kind"], day=form.cleaned_data["day"],
                                        comment=form.cleaned_data["comment"], by=request.user, now=timezone.now())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Positionnement enregistré."))
            return redirect("candidate_detail", pk=pk)
    return _detail(request, selectors.candidate_get(request.user, pk), status=400, positioning_form=form)


DECIDE = {"admit": services.candidate_admit, "wait": services.candidate_wait_list, "refuse": services.candidate_refuse}

@require_POST
def candidate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _managed(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            moved = DECIDE[form.cleaned_data["decision"]](
                candidate=candidate, result=form.cleaned_data["result"], comment=form.cleaned_data["comment"],
                by=request.user, now=timezone.now(),
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Décision enregistrée : %(status)s.") % {"status": moved.get_status_display()})
            return redirect("candidate_detail", pk=pk)
    return _detail(request, selectors.candidate_get(request.user, pk), status=400, decision_form=form)


@require_POST
def candidate_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _managed(request, pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.candidate_withdraw(candidate=candidate, comment=form.cleaned_data["comment"], by=request.user, now=timezone.now())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Désistement enregistré."))
            return redirect("candidate_detail", pk=pk)
    return _detail(request, selectors.candidate_get(request.user, pk), status=400, withdraw_form=form)


@require_http_methods(["GET", "POST"])
def candidate_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol an admitted candidate in a cohort of its programme: its apprentice record is created."""
    candidate = _managed(request, pk)
    access.require(access.can_enrol_candidate(request.user, candidate))
    if not services.can_move(candidate, CandidateStatus.ENROLLED):
        messages.error(request, _("Seul·e un·e candidat·e admis·e peut être inscrit·e en promotion."))
        return redirect("candidate_detail", pk=pk)
    form = EnrolForm(request.POST or None, cohorts=selectors.enrolment_cohorts(request.user, candidate))
    show_over_capacity = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        cohort = data.pop("cohort")
        over_capacity = data.pop("over_capacity")
        show_over_capacity = over_capacity
        try:
            apprentice = services.candidate_enrol(candidate=candidate, cohort=cohort, legal_representative=data,
                                                  by=request.user, now=timezone.now(), over_capacity=over_capacity)
        except services.CohortFull as error:
            # A warning the user confirms: the checkbox appears with the reason.
            show_over_capacity = True
            _form_errors(form, error)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("%(name)s est inscrit·e en promotion %(cohort)s, en recherche d'entreprise.") % {
                "name": apprentice.full_name, "cohort": cohort.name})
            return redirect("candidate_detail", pk=pk)
    return render(request, "alternance/admissions/enrol.html", {"candidate": candidate, "form": form, "show_over_capacity": show_over_capacity},
                  status=400 if request.method == "POST" else 200)


@require_GET
def candidate_cv(request: HttpRequest, pk: int) -> FileResponse:
    _viewers_only(request)
    candidate = selectors.candidate_get(request.user, pk)
    access.require(access.can_download_candidate_cv(request.user, candidate))
    if not candidate.cv:
        raise Http404(_("Pas de CV pour cette candidature."))
    return FileResponse(candidate.cv.open("rb"), as_attachment=True, filename=f"cv-{candidate.last_name}-{candidate.first_name}.pdf",
                        content_type="application/pdf")


@require_http_methods(["GET", "POST"])
def programme_admissions(request: HttpRequest) -> HttpResponse:
    """Which programmes take applications on the public page: the staff who manage candidates open
    and close them here (the Django admin is not a user's path)."""
    _viewers_only(request)
    can_manage = access.can_manage_candidates(request.user)
    if request.method == "POST":
        access.require(can_manage)
        programme = access.get_visible_or_404(request.user, Programme.objects.all(), pk=int_param(request.POST.get("programme")) or 0)
        open_ = request.POST.get("ouvrir") == "1"
        try:
            services.programme_admissions_set(programme=programme, open_=open_, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("programme_admissions")
        message = _("Les candidatures en ligne sont ouvertes pour « %(title)s ».") if open_ else _(
            "Les candidatures en ligne sont fermées pour « %(title)s » ; celles déjà reçues restent à traiter.")
        messages.success(request, message % {"title": programme.title})
        return redirect("programme_admissions")
    # Archived programmes are closed for good (until restored from the catalogue): not listed here.
    page = Paginator(selectors.new_candidate_programmes(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "programmes": page.object_list, "page_obj": page, "paginator": page.paginator, "is_paginated": page.has_other_pages(),
        "can_manage": can_manage, "public_url": request.build_absolute_uri(reverse("admissions_apply_index")),
    }
    return render(request, "alternance/admissions/programmes.html", context)
