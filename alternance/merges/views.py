"""The merge screens, for the coordinator: pick the duplicate (plausible ones first, then any record
by search), read the preview, confirm. Both records are fetched through the access policy
(outside the scope → 404), the predicate ``can_merge_records`` says who may merge (→ 403)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from alternance import access
from alternance.merges import selectors, services
from alternance.merges.forms import MergeForm
from alternance.models import Apprentice
from alternance.views.mixins import staff_only
from companies.models import Company


@dataclass(frozen=True)
class Kind:
    model: type[models.Model]
    queryset: Callable[[], models.QuerySet]
    title: str
    detail: str  # URL name of the record's page
    pick: str
    preview: str
    duplicates: Callable
    search: Callable
    merge: Callable


KINDS = {
    "company": Kind(
        model=Company, queryset=lambda: Company.objects.select_related("owner_cre"), title=gettext_lazy("entreprise"),
        detail="companies:company_detail", pick="merges:company_pick", preview="merges:company_preview",
        duplicates=selectors.company_duplicates, search=selectors.company_search, merge=services.company_merge,
    ),
    "apprentice": Kind(
        model=Apprentice, queryset=lambda: Apprentice.objects.select_related("cohort", "user"), title=gettext_lazy("apprenti·e"),
        detail="apprentice_detail", pick="merges:apprentice_pick", preview="merges:apprentice_preview",
        duplicates=selectors.apprentice_duplicates, search=selectors.apprentice_search, merge=services.apprentice_merge,
    ),
}


def _record(request: HttpRequest, kind: Kind, pk: int) -> models.Model:
    staff_only(request.user)
    record = access.get_visible_or_404(request.user, kind.queryset(), pk=pk)
    access.require(access.can_merge_records(request.user))
    return record


def merge_pick(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Step 1: the plausible duplicates of the record, and a search over every record of its kind."""
    spec = KINDS[kind]
    record = _record(request, spec, pk)
    q = request.GET.get("q", "").strip()
    return render(request, "alternance/merges/pick.html", {
        "kind": kind, "spec": spec, "record": record, "q": q,
        "duplicates": spec.duplicates(request.user, record),
        "results": list(spec.search(request.user, q, exclude=record)) if q else None,
    })


def merge_preview(request: HttpRequest, pk: int, other: int, kind: str) -> HttpResponse:
    """Step 2: what the merge moves and keeps; the confirmation (POST) merges."""
    spec = KINDS[kind]
    kept = _record(request, spec, pk)
    merged = access.get_visible_or_404(request.user, spec.queryset(), pk=other)
    plan = services.merge_plan(kept=kept, merged=merged)
    form = MergeForm(request.POST or None, plan=plan)
    refusals = plan.refusals
    if request.method == "POST" and form.is_valid():
        plan = services.merge_plan(kept=kept, merged=merged, choices=form.choices())
        try:
            moved = spec.merge(kept=kept, merged=merged, by=request.user, today=timezone.localdate(), choices=form.choices())
        except services.MergeRefused as error:
            refusals = error.messages
        else:
            total = sum(moved.values())
            messages.success(request, ngettext(
                "Fiches fusionnées : %(count)s élément rattaché à la fiche en double a été déplacé ici.",
                "Fiches fusionnées : %(count)s éléments rattachés à la fiche en double ont été déplacés ici.",
                total,
            ) % {"count": total})
            return redirect(spec.detail, pk=kept.pk)
    return render(request, "alternance/merges/preview.html", {
        "kind": kind, "spec": spec, "kept": kept, "merged": merged, "plan": plan, "form": form, "refusals": refusals,
        "swap_url": reverse(spec.preview, args=[merged.pk, kept.pk]),
        "status_label": _("fiche conservée"),
    }, status=400 if request.method == "POST" else 200)
