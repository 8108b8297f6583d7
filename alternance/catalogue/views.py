"""The catalogue's pages (issue 13 §2): programmes with their competence blocks, training sites and
cohorts — lists filtered on the archive flag, pages, create, edit, archive and restore.

Everyone of the OF's staff reads them (a tutor: its own cohorts, ``scope_cohorts``); the
coordinator and admin staff manage them (``access.can_manage_catalogue``); extranet accounts get
403. Objects are fetched through the selectors (outside the scope → 404); the services write.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from alternance import access
from alternance.catalogue import selectors, services
from alternance.catalogue.forms import CohortForm, CompetenceBlockForm, ProgrammeForm, SiteForm
from alternance.history.selectors import history_for
from alternance.models import Cohort, Programme, Site
from alternance.views.mixins import StaffListView, int_param, staff_only


def _viewer(request: HttpRequest) -> None:
    staff_only(request.user)
    access.require(access.can_view_catalogue(request.user))


def _manager(request: HttpRequest) -> None:
    _viewer(request)
    access.require(access.can_manage_catalogue(request.user))


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _with_occupancy(cohorts) -> list[Cohort]:
    cohorts = list(cohorts)
    for cohort in cohorts:
        cohort.occupancy = selectors.occupancy(cohort.enrolled, cohort.capacity)
        cohort.is_full = cohort.capacity is not None and cohort.enrolled >= cohort.capacity
    return cohorts


class _CatalogueList(StaffListView):
    filter_names = ("q", "status")
    state_labels: tuple = ()

    def dispatch(self, request, *args, **kwargs):
        _viewer(request)
        return super().dispatch(request, *args, **kwargs)

    @property
    def state(self) -> str:
        return self.filters["status"] if self.filters["status"] in selectors.STATES else selectors.CURRENT

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = access.can_manage_catalogue(self.request.user)
        context["state_choices"] = [(value, label) for value, label in zip(selectors.STATES, self.state_labels, strict=True)]
        return context


def _form_page(request: HttpRequest, template: str, context: dict, *, invalid: bool) -> HttpResponse:
    return render(request, template, context, status=400 if invalid else 200)


def _refusal(error: ValidationError, link: str, link_label: str) -> dict:
    """An archive refused: why (with the count), and a link to the learners or applications that
    keep the record in use — shown on the record's page."""
    return {"message": " ".join(error.messages), "link": link, "label": link_label}


# --- programmes ------------------------------------------------------------------------------------


class ProgrammeListView(_CatalogueList):
    template_name = "alternance/catalogue/programme_list.html"
    context_object_name = "programmes"
    state_labels = (gettext_lazy("En cours"), gettext_lazy("Archivées"), gettext_lazy("Toutes"))

    def get_queryset(self):
        return selectors.programme_list(self.request.user, state=self.state, q=self.filters["q"])


def _programme_context(request: HttpRequest, programme: Programme, **extra) -> dict:
    return {
        "programme": programme,
        "blocks": list(programme.competence_blocks.all()),
        "cohorts": _with_occupancy(programme.visible_cohorts),
        "can_manage": access.can_manage_catalogue(request.user),
        "block_form": extra.pop("block_form", None) or CompetenceBlockForm(programme=programme),
        "history": history_for(request.user, programme),
        **extra,
    }


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer(request)
    programme = selectors.programme_get(request.user, pk)
    return render(request, "alternance/catalogue/programme_detail.html", _programme_context(request, programme))


@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return _programme_form(request, None)


@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    return _programme_form(request, selectors.programme_get(request.user, pk))


def _programme_form(request: HttpRequest, programme: Programme | None) -> HttpResponse:
    form = ProgrammeForm(request.POST or None, instance=programme)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            if programme is None:
                saved = services.programme_create(by=request.user, data=form.data_for_service())
            else:
                saved = services.programme_update(programme=programme, by=request.user, data=form.data_for_service())
        except services.Conflict as error:
            existing = error.existing
            _add_errors(form, error)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Formation « %(title)s » enregistrée.") % {"title": saved.title})
            return redirect("catalogue:programme_detail", pk=saved.pk)
    return _form_page(request, "alternance/catalogue/programme_form.html", {
        "form": form, "programme": programme, "existing": existing,
        "existing_url": reverse("catalogue:programme_detail", args=[existing.pk]) if existing else "",
    }, invalid=request.method == "POST")


@require_POST
def programme_archive(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    programme = selectors.programme_get(request.user, pk)
    try:
        services.programme_archive(programme=programme, by=request.user)
    except ValidationError as error:
        if error.code == "open_candidates":
            link = f"{reverse('candidate_list')}?{urlencode({'formation': programme.pk})}"
            refusal = _refusal(error, link, _("Voir les candidatures à cette formation"))
        else:
            link = f"{reverse('catalogue:cohort_list')}?{urlencode({'programme': programme.pk})}"
            refusal = _refusal(error, link, _("Voir les promotions de cette formation et leurs apprenti·es"))
        return render(request, "alternance/catalogue/programme_detail.html",
                      _programme_context(request, programme, refusal=refusal), status=400)
    else:
        messages.success(request, _(
            "Formation « %(title)s » archivée : elle n'est plus proposée pour une nouvelle promotion ni une candidature."
        ) % {"title": programme.title})
    return redirect("catalogue:programme_detail", pk=pk)


@require_POST
def programme_restore(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    programme = selectors.programme_get(request.user, pk)
    try:
        services.programme_restore(programme=programme, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Formation « %(title)s » restaurée.") % {"title": programme.title})
    return redirect("catalogue:programme_detail", pk=pk)


# --- competence blocks (managed on the programme's page; htmx swaps the blocks' section) ----------------


def _blocks_response(request: HttpRequest, programme: Programme, *, block_form=None, status: int = 200) -> HttpResponse:
    programme = selectors.programme_get(request.user, programme.pk)
    context = _programme_context(request, programme, block_form=block_form)
    if request.htmx:
        return render(request, "alternance/catalogue/_blocks.html", context)
    return render(request, "alternance/catalogue/programme_detail.html", context, status=status)


@require_POST
def block_create(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    programme = selectors.programme_get(request.user, pk)
    form = CompetenceBlockForm(request.POST, programme=programme)
    if form.is_valid():
        try:
            block = services.block_create(programme=programme, by=request.user, data=form.data_for_service())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Bloc %(code)s ajouté.") % {"code": block.code})
            if request.htmx:
                return _blocks_response(request, programme)
            return redirect(f"{reverse('catalogue:programme_detail', args=[pk])}#blocs")
    return _blocks_response(request, programme, block_form=form, status=400)


@require_http_methods(["GET", "POST"])
def block_edit(request: HttpRequest, pk: int, block_pk: int) -> HttpResponse:
    _manager(request)
    programme = selectors.programme_get(request.user, pk)
    block = selectors.block_get(request.user, programme, block_pk)
    form = CompetenceBlockForm(request.POST or None, instance=block, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.block_update(block=block, by=request.user, data=form.data_for_service())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Bloc %(code)s enregistré.") % {"code": block.code})
            return redirect(f"{reverse('catalogue:programme_detail', args=[pk])}#blocs")
    return _form_page(request, "alternance/catalogue/block_form.html", {"form": form, "programme": programme, "block": block},
                      invalid=request.method == "POST")


@require_POST
def block_delete(request: HttpRequest, pk: int, block_pk: int) -> HttpResponse:
    _manager(request)
    programme = selectors.programme_get(request.user, pk)
    block = selectors.block_get(request.user, programme, block_pk)
    services.block_delete(block=block, by=request.user)
    messages.success(request, _("Bloc %(code)s retiré de la formation.") % {"code": block.code})
    if request.htmx:
        return _blocks_response(request, programme)
    return redirect(f"{reverse('catalogue:programme_detail', args=[pk])}#blocs")


# --- sites -----------------------------------------------------------------------------------------


class SiteListView(_CatalogueList):
    template_name = "alternance/catalogue/site_list.html"
    context_object_name = "sites"
    state_labels = (gettext_lazy("En service"), gettext_lazy("Archivés"), gettext_lazy("Tous"))

    def get_queryset(self):
        return selectors.site_list(self.request.user, state=self.state, q=self.filters["q"])


def _site_page(request: HttpRequest, site: Site, *, refusal: dict | None = None) -> HttpResponse:
    return render(request, "alternance/catalogue/site_detail.html", {
        "site": site, "cohorts": _with_occupancy(site.visible_cohorts), "can_manage": access.can_manage_catalogue(request.user),
        "refusal": refusal, "history": history_for(request.user, site),
    }, status=400 if refusal else 200)


def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer(request)
    return _site_page(request, selectors.site_get(request.user, pk))


@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return _site_form(request, None)


@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    return _site_form(request, selectors.site_get(request.user, pk))


def _site_form(request: HttpRequest, site: Site | None) -> HttpResponse:
    form = SiteForm(request.POST or None, instance=site)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            if site is None:
                saved = services.site_create(by=request.user, data=form.data_for_service())
            else:
                saved = services.site_update(site=site, by=request.user, data=form.data_for_service())
        except services.Conflict as error:
            existing = error.existing
            _add_errors(form, error)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Site « %(name)s » enregistré.") % {"name": saved.name})
            return redirect("catalogue:site_detail", pk=saved.pk)
    return _form_page(request, "alternance/catalogue/site_form.html", {
        "form": form, "site": site, "existing": existing,
        "existing_url": reverse("catalogue:site_detail", args=[existing.pk]) if existing else "",
    }, invalid=request.method == "POST")


@require_POST
def site_archive(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    site = selectors.site_get(request.user, pk)
    try:
        services.site_archive(site=site, by=request.user)
    except ValidationError as error:
        link = f"{reverse('catalogue:cohort_list')}?{urlencode({'site': site.pk})}"
        return _site_page(request, site, refusal=_refusal(error, link, _("Voir les promotions de ce site et leurs apprenti·es")))
    else:
        messages.success(request, _("Site « %(name)s » archivé : il n'est plus proposé pour une nouvelle promotion.") % {"name": site.name})
    return redirect("catalogue:site_detail", pk=pk)


@require_POST
def site_restore(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    site = selectors.site_get(request.user, pk)
    try:
        services.site_restore(site=site, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Site « %(name)s » restauré.") % {"name": site.name})
    return redirect("catalogue:site_detail", pk=pk)


# --- cohorts ---------------------------------------------------------------------------------------


class CohortListView(_CatalogueList):
    template_name = "alternance/catalogue/cohort_list.html"
    context_object_name = "cohorts"
    filter_names = ("q", "status", "programme", "site")
    typed_filters = {"programme": (int_param, gettext_lazy("Formation")), "site": (int_param, gettext_lazy("Site"))}
    state_labels = (gettext_lazy("En cours"), gettext_lazy("Archivées"), gettext_lazy("Toutes"))

    def get_queryset(self):
        f = self.filters
        return selectors.cohort_list(self.request.user, state=self.state, q=f["q"], programme_id=int_param(f["programme"]),
                                     site_id=int_param(f["site"]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cohorts"] = _with_occupancy(context["cohorts"])
        user = self.request.user
        context["programmes"] = access.visible(user, Programme).only("pk", "title").order_by("title")
        context["sites"] = access.visible(user, Site).only("pk", "name").order_by("name")
        return context


def cohort_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _viewer(request)
    return _cohort_page(request, selectors.cohort_get(request.user, pk))


def _cohort_page(request: HttpRequest, cohort: Cohort, *, refusal: dict | None = None) -> HttpResponse:
    user = request.user
    return render(request, "alternance/catalogue/cohort_detail.html", {
        "cohort": cohort,
        "occupancy": selectors.occupancy(cohort.enrolled, cohort.capacity),
        "is_full": cohort.capacity is not None and cohort.enrolled >= cohort.capacity,
        "can_manage": access.can_manage_catalogue(user),
        "can_record_attendance": access.can_record_cohort_attendance(user, cohort),
        "can_manage_sessions": access.can_manage_sessions(user, cohort),
        "apprentices_url": f"{reverse('apprentice_list')}?{urlencode({'cohort': cohort.pk})}",
        "refusal": refusal,
        "history": history_for(user, cohort),
    }, status=400 if refusal else 200)


@require_http_methods(["GET", "POST"])
def cohort_create(request: HttpRequest) -> HttpResponse:
    _manager(request)
    return _cohort_form(request, None)


@require_http_methods(["GET", "POST"])
def cohort_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    return _cohort_form(request, selectors.cohort_get(request.user, pk))


def _cohort_form(request: HttpRequest, cohort: Cohort | None) -> HttpResponse:
    initial = {}
    if cohort is None:
        # « Nouvelle promotion » from a programme's or a site's page: that programme or site preselected.
        initial = {"programme": int_param(request.GET.get("programme")), "site": int_param(request.GET.get("site"))}
    form = CohortForm(request.POST or None, instance=cohort, user=request.user, cohort=cohort, initial=initial)
    existing = None
    if request.method == "POST" and form.is_valid():
        try:
            if cohort is None:
                saved = services.cohort_create(by=request.user, data=form.data_for_service())
            else:
                saved = services.cohort_update(cohort=cohort, by=request.user, data=form.data_for_service())
        except services.Conflict as error:
            existing = error.existing
            _add_errors(form, error)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Promotion « %(name)s » enregistrée.") % {"name": saved.name})
            return redirect("catalogue:cohort_detail", pk=saved.pk)
    return _form_page(request, "alternance/catalogue/cohort_form.html", {
        "form": form, "cohort": cohort, "existing": existing,
        "existing_url": reverse("catalogue:cohort_detail", args=[existing.pk]) if existing else "",
    }, invalid=request.method == "POST")


@require_POST
def cohort_archive(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    cohort = selectors.cohort_get(request.user, pk)
    try:
        services.cohort_archive(cohort=cohort, by=request.user)
    except ValidationError as error:
        link = f"{reverse('apprentice_list')}?{urlencode({'cohort': cohort.pk})}"
        return _cohort_page(request, cohort, refusal=_refusal(error, link, _("Voir les apprenti·es de cette promotion")))
    else:
        messages.success(request, _(
            "Promotion « %(name)s » archivée : elle n'est plus proposée pour une inscription."
        ) % {"name": cohort.name})
    return redirect("catalogue:cohort_detail", pk=pk)


@require_POST
def cohort_restore(request: HttpRequest, pk: int) -> HttpResponse:
    _manager(request)
    cohort = selectors.cohort_get(request.user, pk)
    try:
        services.cohort_restore(cohort=cohort, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Promotion « %(name)s » restaurée.") % {"name": cohort.name})
    return redirect("catalogue:cohort_detail", pk=pk)
