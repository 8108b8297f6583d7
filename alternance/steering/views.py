"""The coordinator's steering dashboard, the weekly meeting page and the indicators' exports.

Who: the coordinator and the administrative team (they see the whole activity). A CRE or a tutor
gets 403: their home pages already show their own portfolio / cohorts, and the dashboard's rates
and loads only make sense over the whole OF. Apprentice and employer accounts get 403 like every
back-office page; anonymous users are sent to the login page by ``LoginRequiredMiddleware``.
"""

from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from alternance import access
from alternance.admissions import selectors as admissions
from alternance.exports import XLSX_CONTENT_TYPE, SafeCsvWriter, export_response, xlsx_bytes
from alternance.qualiopi import kept_evidence_freshness
from alternance.steering import indicators, snapshot
from alternance.views.mixins import date_param, drop_invalid_params, staff_only, warn_ignored

EXPORT_FORMATS = ("csv", "xlsx", "pdf")  # the indicators table
LIST_EXPORT_FORMATS = ("csv", "xlsx")  # the cohorts and loads lists


def dashboard_allowed(user) -> None:
    """Coordinator and admin staff only (403 otherwise)."""
    staff_only(user)
    access.require(access.can_view_dashboard(user))


def dashboard_context(user, *, today: date, summary: snapshot.Figures) -> dict:
    pipeline = admissions.pipeline(user)
    return {
        "today": today,
        "computed_at": summary.computed_at,
        "indicators": summary["indicators"],
        # Candidates per programme and stage (issue 13 §1): each figure links to the same list.
        "admissions": pipeline,
        "admissions_totals": admissions.pipeline_totals(pipeline),
        "admission_stages": admissions.STAGES,
        "charts": [indicators.bar_chart(series) for series in summary["series"]],
        "cre_loads": summary["cre_top"],
        "cre_states": summary["cre_states"],
        "cre_total": summary["cre_total"],
        "tutor_loads": summary["tutor_top"],
        "tutor_total": summary["tutor_total"],
        "cohorts": summary["cohorts_top"],
        "cohorts_total": summary["cohorts_total"],
        "programmes": summary["programmes"],
        # Which Qualiopi indicators lack recent evidence (issue 7, part 4): a 90-day look back that
        # moves by the day, kept for an hour (the same figures as the Qualiopi page's).
        "qualiopi_freshness": kept_evidence_freshness(today=today, now=timezone.now()).items,
    }


def _figures(today: date) -> snapshot.Figures:
    return snapshot.dashboard_figures(today=today, now=timezone.now())


def _summary(today: date) -> snapshot.Figures:
    return snapshot.dashboard_summary(today=today, now=timezone.now())


def dashboard(request: HttpRequest) -> HttpResponse:
    """The figures kept for the whole organisation (``steering.snapshot``), with when they were
    computed; the exports give the same figures as the page."""
    dashboard_allowed(request.user)
    today = timezone.localdate()
    summary = _summary(today)
    export = request.GET.get("format", "")
    if export in EXPORT_FORMATS:
        return {"csv": export_csv, "xlsx": export_xlsx, "pdf": export_pdf}[export](summary["indicators"], today=today)
    return render(request, "alternance/dashboard/dashboard.html", dashboard_context(request.user, today=today, summary=summary))


@require_POST
def dashboard_refresh(request: HttpRequest) -> HttpResponse:
    """« Actualiser les chiffres »: computed at once (about a second at 20 000 learners), then the page."""
    dashboard_allowed(request.user)
    snapshot.snapshot_refresh(today=timezone.localdate(), now=timezone.now())
    messages.success(request, _("Chiffres actualisés."))
    return redirect(_safe_next(request) or reverse("dashboard"))


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/tableau-de-bord/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None) else ""


COHORT_PAGE_SIZE = 50
COHORT_SORT_LABELS = (
    ("sans-entreprise", _lazy("apprenti·es sans entreprise")), ("assiduite", _lazy("assiduité la plus basse")),
    ("inscrits", _lazy("effectif")), ("nom", _lazy("nom")),
)
COHORT_EXPORT_HEADER = (
    "Promotion", "Inscrit·es", "Sous contrat", "En recherche", "Rupturant·es", "Demi-journées relevées (30 j)", "Assiduité 30 j (%)",
)


def dashboard_cohorts(request: HttpRequest) -> HttpResponse:
    """The full per-cohort breakdown behind the dashboard's "cohorts needing attention": every
    current or coming cohort, sortable, paginated, exportable (CSV/XLSX): the rows of the dashboard's
    figures (``steering.snapshot``), so that its count and this list agree."""
    dashboard_allowed(request.user)
    today = timezone.localdate()
    figures = _figures(today)
    rows = figures["cohorts"]
    sort = request.GET.get("tri", "sans-entreprise")
    if sort not in indicators.COHORT_SORTS:
        sort = "sans-entreprise"
    rows = sorted(rows, key=indicators.COHORT_SORTS[sort])
    export = request.GET.get("export", "")
    if export in LIST_EXPORT_FORMATS:
        return export_response(
            export, name=f"promotions-{today:%Y-%m-%d}", header=COHORT_EXPORT_HEADER,
            rows=(
                (r.name, r.apprentices, r.under_contract, r.seeking, r.rupturants, r.recorded,
                 float(r.attendance) if r.attendance is not None else "")
                for r in rows
            ),
        )
    page = Paginator(rows, COHORT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alternance/dashboard/cohorts.html", {
        "today": today, "computed_at": figures.computed_at, "page_obj": page, "paginator": page.paginator, "is_paginated": page.has_other_pages(),
        "cohorts": page.object_list, "sort": sort, "sort_labels": COHORT_SORT_LABELS,
    })


LOAD_LISTS = {
    "cre": (_lazy("CRE"), ("CRE", "Contrats actifs du portefeuille", "Cible basse", "Cible haute")),
    "formateurs": (_lazy("Formateur·rices référent·es"), ("Formateur·rice", "Promotions", "Inscrit·es", "Sous contrat")),
}


def dashboard_loads(request: HttpRequest) -> HttpResponse:
    """The load of every CRE (active contracts of its portfolio against the target) or of every
    tutor (``?liste=formateurs``): paginated, exportable, behind the dashboard's ten most loaded —
    the rows of the dashboard's figures (``steering.snapshot``)."""
    dashboard_allowed(request.user)
    today = timezone.localdate()
    figures = _figures(today)
    kind = request.GET.get("liste", "cre")
    if kind not in LOAD_LISTS:
        kind = "cre"
    if kind == "cre":
        rows = figures["cre_loads"]
        export_rows = ((r.name, r.value, r.low if r.low is not None else "", r.high if r.high is not None else "") for r in rows)
    else:
        rows = figures["tutor_loads"]
        export_rows = ((r.name, r.extra["cohorts"], r.extra["enrolled"], r.value) for r in rows)
    export = request.GET.get("export", "")
    if export in LIST_EXPORT_FORMATS:
        return export_response(export, name=f"charges-{kind}-{today:%Y-%m-%d}", header=LOAD_LISTS[kind][1], rows=export_rows)
    page = Paginator(rows, COHORT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alternance/dashboard/loads.html", {
        "today": today, "computed_at": figures.computed_at, "kind": kind, "lists": [(key, label) for key, (label, _header) in LOAD_LISTS.items()],
        "rows": page.object_list, "page_obj": page, "paginator": page.paginator, "is_paginated": page.has_other_pages(),
        "states": indicators.load_states(rows) if kind == "cre" else None,
    })


def weekly_meeting(request: HttpRequest) -> HttpResponse:
    dashboard_allowed(request.user)
    today = timezone.localdate()
    values = {"semaine": request.GET.get("semaine", "").strip()}
    warn_ignored(request, drop_invalid_params(values, {"semaine": (date_param, _("Semaine"))}))
    start = _week_start(values["semaine"], today=today)
    # A week that ended yesterday (the default) shows today's late OPCO items: the dashboard's figure.
    opco_late_today = None
    if start + timedelta(days=7) >= today:
        opco_late_today = next(item for item in _summary(today)["indicators"] if item.key == "opco_late")
    context = indicators.weekly_meeting(request.user, start=start, today=today, opco_late_today=opco_late_today)
    context.update(
        today=today,
        previous_week=(start - timedelta(days=7)).isoformat(),
        # A following week is offered only once it is over.
        next_week=(start + timedelta(days=7)).isoformat() if start + timedelta(days=13) < today else None,
    )
    return render(request, "alternance/dashboard/weekly_meeting.html", context)


def _week_start(value: str, *, today: date) -> date:
    """``?semaine=YYYY-MM-DD`` (not after today), else the 7 days before today."""
    start = date_param(value)
    return today - timedelta(days=7) if start is None else min(start, today)


# --- exports -------------------------------------------------------------------------------------------

def export_rows(items: list[indicators.Indicator]) -> list[tuple]:
    """One row per indicator then one per detail: (label, value, unit, target, previous)."""
    rows = []
    for item in items:
        rows.append((str(item.label), item.value, item.unit, item.target_label, item.previous))
        for detail in item.details:
            rows.append((f"{item.label} — {detail.label}", detail.value, "", "", None))
    return rows


def export_header() -> list[str]:
    return [_("Indicateur"), _("Valeur"), _("Unité"), _("Cible"), _("Valeur 4 semaines plus tôt")]


def _unit(unit: str) -> str:
    return "%" if unit == "percent" else ""


def _number(value) -> str:
    if value is None:
        return ""
    return number_format(value, use_l10n=True, force_grouping=False)


def _filename(today: date, extension: str) -> str:
    return f"indicateurs-{today:%Y-%m-%d}.{extension}"


def export_csv(items, *, today: date) -> HttpResponse:
    """CSV for Excel in French: UTF-8 with a BOM, ``;`` separator, decimal comma."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(today, "csv")}"'
    response.write("\ufeff")
    writer = SafeCsvWriter(response, delimiter=";")
    writer.writerow(export_header())
    for label, value, unit, target, previous in export_rows(items):
        writer.writerow([label, _number(value), _unit(unit), target, _number(previous)])
    return response


def export_xlsx(items, *, today: date) -> HttpResponse:
    """XLSX with a bold header row and numeric values."""
    content = xlsx_bytes(
        title=str(_("Indicateurs")), header=export_header(),
        rows=([label, value, _unit(unit), target, previous] for label, value, unit, target, previous in export_rows(items)),
        widths=(70, 12, 8, 14, 26),
    )
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(today, "xlsx")}"'
    return response


def export_pdf(items, *, today: date) -> HttpResponse:
    """The indicators table as an A4 PDF (style §13: contracts.pdf.render_pdf, WeasyPrint)."""
    from contracts.pdf import render_pdf

    pdf = render_pdf(
        "alternance/pdf/indicators.html",
        {"document_title": _("Indicateurs de pilotage"), "today": today, "indicators": items},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(today, "pdf")}"'
    return response
