"""The Qualiopi evidence pack (issue 7, part 4): choose a period, build the pack in the background,
follow it (htmx polling), download its PDF summary and its ZIP of evidence; the freshness of the
evidence per indicator.

Who: the coordinator and admin staff (``access.can_build_evidence_pack``). Every other role gets
403 on every URL; a pack is fetched through the access policy (outside the scope → 404).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access, jobs
from alternance.choices import JobStatus
from alternance.models import EvidencePack
from alternance.qualiopi import INDICATORS, kept_evidence_freshness
from alternance.qualiopi.packs import default_period, evidence_pack_request
from alternance.views.mixins import staff_only

HISTORY_LENGTH = 20


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class EvidencePackForm(forms.Form):
    period_start = forms.DateField(
        label=gettext_lazy("Du"), widget=_date_input(),
        error_messages={"required": gettext_lazy("Indiquez le premier jour de la période auditée."),
                        "invalid": gettext_lazy("Saisissez une date valide, par exemple 01/09/2025.")},
    )
    period_end = forms.DateField(
        label=gettext_lazy("Au"), widget=_date_input(),
        error_messages={"required": gettext_lazy("Indiquez le dernier jour de la période auditée."),
                        "invalid": gettext_lazy("Saisissez une date valide, par exemple 31/08/2026.")},
    )


def _allowed(user) -> None:
    """Coordinator and admin staff only: 403 for every other role (extranet accounts included)."""
    staff_only(user)
    access.require(access.can_build_evidence_pack(user))


def _pack(request: HttpRequest, pk: int) -> EvidencePack:
    _allowed(request.user)
    return access.get_visible_or_404(request.user, EvidencePack.objects.select_related("created_by"), pk=pk)


@require_http_methods(["GET", "POST"])
def qualiopi_packs(request: HttpRequest) -> HttpResponse:
    """The period form (last 12 months by default), the freshness of each indicator and the packs built."""
    _allowed(request.user)
    today = timezone.localdate()
    period = default_period(today=today)
    form = EvidencePackForm(
        request.POST if request.method == "POST" else None,
        initial={"period_start": period.start, "period_end": period.end},
    )
    if request.method == "POST" and form.is_valid():
        try:
            pack = evidence_pack_request(
                period_start=form.cleaned_data["period_start"], period_end=form.cleaned_data["period_end"],
                by=request.user, today=today,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                for message in field_errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("La préparation du dossier de preuves a commencé ; cette page suit son avancement."))
            return redirect("qualiopi_pack_detail", pk=pack.pk)
    context = {
        "form": form,
        "indicators": INDICATORS,
        "freshness": (kept := kept_evidence_freshness(today=today, now=timezone.now())).items,
        "freshness_computed_at": kept.computed_at,
        "packs": list(access.visible(request.user, EvidencePack).select_related("created_by").order_by("-created_at", "-pk")[:HISTORY_LENGTH]),
    }
    return render(request, "alternance/qualiopi/packs.html", context, status=400 if request.method == "POST" else 200)


def _display_summary(summary: dict) -> list[dict]:
    """The stored summary with its example dates turned back into dates for the template."""
    sections = []
    for section in (summary or {}).get("indicators", []):
        examples = []
        for example in section.get("examples", []):
            try:
                day = date.fromisoformat(example.get("date", ""))
            except ValueError:
                day = None
            examples.append({"date": day, "text": example.get("text", "")})
        sections.append({**section, "examples": examples})
    return sections


def _detail_context(request: HttpRequest, pack: EvidencePack) -> dict:
    jobs.job_reap_if_dead(pack)  # a worker that died shows as a failure to retry, not « en cours » for ever
    return {
        "pack": pack,
        "polling": pack.status in (JobStatus.PENDING, JobStatus.RUNNING),
        "waiting_for_broker": jobs.task_is_waiting(pack),
        "can_retry": pack.status == JobStatus.FAILED and access.can_retry_job(request.user, pack),
        "sections": _display_summary(pack.summary) if pack.status == JobStatus.DONE else [],
    }


@require_GET
def qualiopi_pack_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _pack(request, pk)
    return render(request, "alternance/qualiopi/pack_detail.html", _detail_context(request, pack))


@require_GET
def qualiopi_pack_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status partial that the pack page polls every 2 seconds while the pack is being built."""
    pack = _pack(request, pk)
    return render(request, "alternance/qualiopi/_pack_status.html", _detail_context(request, pack))


@require_POST
def qualiopi_pack_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """« Relancer » a failed pack (its owner): the same pack is built again, its files written once."""
    pack = _pack(request, pk)
    access.require(access.can_retry_job(request.user, pack))
    try:
        jobs.job_retry(job=pack, by=request.user)
    except jobs.JobStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("La préparation du dossier est relancée ; cette page suit son avancement."))
    return redirect("qualiopi_pack_detail", pk=pack.pk)


def _file_response(field_file, *, content_type: str) -> FileResponse:
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Le fichier de ce dossier est introuvable : produisez le dossier à nouveau.")) from None
    response = FileResponse(handle, as_attachment=True, filename=field_file.name.rsplit("/", 1)[-1], content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def qualiopi_pack_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _pack(request, pk)
    if pack.status != JobStatus.DONE or not pack.pdf:
        raise Http404(_("La synthèse de ce dossier n'est pas disponible."))
    return _file_response(pack.pdf, content_type="application/pdf")


@require_GET
def qualiopi_pack_archive(request: HttpRequest, pk: int) -> HttpResponse:
    pack = _pack(request, pk)
    if pack.status != JobStatus.DONE or not pack.archive:
        raise Http404(_("L'archive de ce dossier n'est pas disponible."))
    return _file_response(pack.archive, content_type="application/zip")
