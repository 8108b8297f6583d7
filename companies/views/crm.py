"""The CREs' company CRM: list with filters and exports, company page, inline contact log,
follow-ups due, sensitivity flag, portfolio reassignment."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from alternance import access
from alternance.exports import EXPORT_CHUNK_ROWS
from alternance.history.selectors import history_for
from alternance.search.fields import cre_filter_form
from alternance.views.mixins import (
    StaffListView,
    drop_invalid_params,
    int_param,
    local_next_url,
    staff_only,
    warn_ignored,
)
from companies import selectors, services
from companies.choices import Opco
from companies.forms import ArchiveForm, InteractionLogForm, ReassignForm, SensitiveForm
from companies.models import Interaction


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


UNOWNED = "none"  # the owner filter's value for the companies without a CRE


def owner_param(value: str) -> int | str | None:
    """The CRE filter of the company lists: a CRE's pk, ``UNOWNED``, or None when malformed."""
    return UNOWNED if value == UNOWNED else int_param(value)


class CompanyListView(StaffListView):
    template_name = "companies/company_list.html"
    context_object_name = "companies"
    filter_names = ("q", "mine", "sensitive", "sector", "opco", "city", "owner", "owner__q", "unowned", "offers", "apprentices",
                    "archived", "sort")
    typed_filters = {"owner": (owner_param, gettext_lazy("CRE référent·e"))}

    def list_filter_form(self):
        # The CRE is a searchable field (146 CREs at 20 000 learners: a select of every one was
        # heavy and hard to use); « Sans référent·e » is a box of its own. ``owner=none`` — that
        # select's old value, still in bookmarks and links — keeps meaning the box.
        data = {**self.filters, "owner": "" if self.filters["owner"] == UNOWNED else self.filters["owner"]}
        return cre_filter_form(data, self.request.user)

    def unowned(self) -> bool:
        return self.filters["unowned"] == "1" or self.filters["owner"] == UNOWNED

    export_name = "entreprises"
    export_header = (gettext_lazy("Raison sociale"), gettext_lazy("SIRET"), gettext_lazy("Code NAF"), gettext_lazy("Code postal"),
                     gettext_lazy("Commune"), gettext_lazy("OPCO"), gettext_lazy("CRE référent·e"), gettext_lazy("Sensible"),
                     gettext_lazy("Contrats actifs"), gettext_lazy("Offres ouvertes"))

    def export_row(self, c) -> tuple:
        return (c.name, c.siret, c.naf_code, c.postal_code, c.city, c.opco, c.owner_cre.get_full_name() if c.owner_cre else "",
                _("oui") if c.sensitive else _("non"), c.active_contracts, c.open_offers)

    def get_queryset(self, counts: bool = False):
        """The filtered list; the page's 25 rows get their counts in ``paginate_queryset``."""
        f = self.filters
        return selectors.company_list(
            self.request.user,
            sort=f["sort"],
            counts=counts,
            filters=selectors.CompanyFilters(
                q=f["q"], mine=f["mine"] == "1", sensitive=f["sensitive"] == "1", sector=f["sector"], opco=f["opco"],
                city=f["city"], owner_id=self.chosen["owner"], unowned=self.unowned(),
                open_offers=f["offers"] == "1", with_apprentices=f["apprentices"] == "1",
                archived=f["archived"] == "1",
            ),
        )

    def export_rows(self):
        return (self.export_row(c) for c in self.get_queryset(counts=True).iterator(chunk_size=EXPORT_CHUNK_ROWS))

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        page.object_list = selectors.company_counts_fill(list(rows))
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            opco_choices=Opco.choices, unowned=self.unowned(),
            can_create=access.can_create_company(self.request.user),
            can_place=access.can_use_placement_desk(self.request.user),
        )
        return context


def _detail_context(request: HttpRequest, company, *, log_form=None, sensitive_form=None, archive_form=None) -> dict:
    user = request.user
    return {
        "company": company,
        **selectors.company_related(user, company, today=timezone.localdate()),
        "can_log": access.can_log_interaction(user, company),
        "can_flag": access.can_flag_company_sensitive(user, company),
        "can_manage_offers": access.can_manage_offer(user, company) and not company.is_archived,
        "can_edit": access.can_edit_company(user, company),
        "can_archive": access.can_archive_company(user, company),
        "can_manage_contacts": access.can_manage_contacts(user, company),
        "can_merge": access.can_merge_records(user),
        "can_place": access.can_use_placement_desk(user),
        "log_form": log_form or InteractionLogForm(user=user, company=company, follow_up=int_param(request.GET.get("relance", ""))),
        "sensitive_form": sensitive_form or SensitiveForm(initial={"sensitive": company.sensitive, "reason": company.sensitive_reason}),
        "archive_form": archive_form or ArchiveForm(),
        # Who changed what on the company and its contacts (staff only).
        "history": history_for(user, company),
    }


def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    company = selectors.company_get(request.user, pk)
    return render(request, "companies/company_detail.html", _detail_context(request, company))


@require_POST
def interaction_log(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an exchange. With htmx: returns a fresh form and the new entry (out-of-band, on top of
    the timeline); without JavaScript: redirects to the company page, or shows it with the errors."""
    staff_only(request.user)
    company = selectors.company_get(request.user, pk)
    access.require(access.can_log_interaction(request.user, company))
    form = InteractionLogForm(request.POST, user=request.user, company=company)
    interaction = None
    if form.is_valid():
        try:
            interaction = services.interaction_log(company=company, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
    if request.htmx:
        context = {
            "company": company,
            "log_form": form if interaction is None else InteractionLogForm(user=request.user, company=company),
            "new_interaction": interaction,
            # The answered follow-up's entry is refreshed in place ("faite") when the timeline shows it:
            # an out-of-band swap whose target is missing is an htmx error in the console.
            "answered": interaction.answers_follow_up if interaction and selectors.interaction_in_timeline(
                request.user, company, interaction.answers_follow_up_id) else None,
        }
        return render(request, "companies/includes/interaction_log_response.html", context)
    if interaction is not None:
        messages.success(request, _("Échange enregistré."))
        return redirect("companies:company_detail", pk=company.pk)
    return render(request, "companies/company_detail.html", _detail_context(request, company, log_form=form))


@require_POST
def company_sensitive(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    company = selectors.company_get(request.user, pk)
    access.require(access.can_flag_company_sensitive(request.user, company))
    form = SensitiveForm(request.POST)
    if form.is_valid():
        try:
            services.company_set_sensitive(
                company=company, by=request.user, sensitive=form.cleaned_data["sensitive"], reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Signalement mis à jour."))
            return redirect("companies:company_detail", pk=company.pk)
    return render(request, "companies/company_detail.html", _detail_context(request, company, sensitive_form=form))


class FollowUpListView(StaffListView):
    """My follow-ups due: my exchanges whose follow-up date has come and that are not done."""

    template_name = "companies/follow_up_list.html"
    context_object_name = "follow_ups"
    filter_names = ()

    def get_queryset(self):
        return selectors.follow_ups_due(self.request.user, today=timezone.localdate())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "today": timezone.localdate()}


@require_POST
def follow_up_done(request: HttpRequest, pk: int) -> HttpResponse:
    staff_only(request.user)
    interaction = access.get_visible_or_404(request.user, Interaction.objects.select_related("company"), pk=pk)
    access.require(access.can_edit_interaction(request.user, interaction))
    try:
        services.interaction_follow_up_done(interaction=interaction, by=request.user)
    except ValidationError as error:
        if request.htmx:
            return HttpResponse(f'<li class="list-group-item text-danger">{" ".join(error.messages)}</li>')
        messages.error(request, " ".join(error.messages))
    else:
        if request.htmx:
            return HttpResponse("")  # the row disappears
        messages.success(request, _("Relance marquée comme faite."))
    return redirect(local_next_url(request, reverse("companies:follow_ups")))


def portfolio_reassign(request: HttpRequest) -> HttpResponse:
    """The coordinator moves companies from one CRE's portfolio to another's."""
    staff_only(request.user)
    access.require(access.can_reassign_portfolios(request.user))
    values = {"owner": request.GET.get("from", "").strip()}
    ignored = drop_invalid_params(values, {"owner": (owner_param, _("Portefeuille de"))})
    owner = values["owner"]
    companies_qs = selectors.reassignable_companies(request.user, owner_id=int_param(owner), unowned=owner == UNOWNED)
    form = ReassignForm(request.POST or None, user=request.user, companies_qs=companies_qs)
    if request.method == "POST" and form.is_valid():
        companies = form.cleaned_data["companies"]
        access.require(all(access.can_reassign_company(request.user, c) for c in companies))
        try:
            moved = services.portfolio_reassign(companies=companies, to_cre=form.cleaned_data["to_cre"], by=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, ngettext("%(count)s entreprise réaffectée à %(cre)s.", "%(count)s entreprises réaffectées à %(cre)s.", moved)
                             % {"count": moved, "cre": form.cleaned_data["to_cre"].get_full_name()})
            return redirect(request.get_full_path())
    warn_ignored(request, ignored)
    return render(request, "companies/portfolio_reassign.html", {
        "form": form, "owner": owner, "cres": list(selectors.cre_choices(request.user)), "companies": list(companies_qs),
    })
