"""Staff accounts screens (issue 13): the team list, an account's page with what it holds, create
and edit (role included), deactivate / reactivate, resend the invitation, and hand a departed
account's companies, open alerts and cohorts over to active colleagues.

The coordinator manages; admin staff read the list and the pages (``access.can_view_staff``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from alternance import access
from alternance.extranet.invitations import invitation_pending_for
from alternance.history.selectors import history_for
from alternance.models import User
from alternance.staff import selectors, services
from alternance.staff.forms import (
    STAFF_ROLE_CHOICES,
    AlertsReassignForm,
    CohortsReassignForm,
    CompaniesReassignForm,
    StaffMemberForm,
)
from alternance.views.mixins import StaffListView, staff_only
from companies import services as company_services

DETAIL_TEMPLATE = "alternance/staff/detail.html"
FORM_TEMPLATE = "alternance/staff/form.html"


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _can_view(user) -> None:
    staff_only(user)
    access.require(access.can_view_staff(user))


def _member(request: HttpRequest, pk: int) -> User:
    """The account of the URL for someone who may open the team screens (else 403; not a staff
    account → 404)."""
    _can_view(request.user)
    return selectors.staff_member_get(request.user, pk)


def _managed_member(request: HttpRequest, pk: int) -> User:
    member = _member(request, pk)
    access.require(access.can_manage_staff(request.user))
    return member


def _detail_url(member: User, anchor: str = "") -> str:
    url = reverse("staff:staff_detail", args=[member.pk])
    return f"{url}#{anchor}" if anchor else url


class StaffMemberListView(StaffListView):
    template_name = "alternance/staff/list.html"
    context_object_name = "members"
    filter_names = ("q", "role", "status")

    def dispatch(self, request, *args, **kwargs):
        _can_view(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        f = self.filters
        return selectors.staff_list(self.request.user, today=timezone.localdate(), q=f["q"], role=f["role"], status=f["status"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            role_choices=STAFF_ROLE_CHOICES, can_manage=access.can_manage_staff(self.request.user),
            status_choices=[(selectors.ACTIVE, _("Actifs")), (selectors.INACTIVE, _("Désactivés"))],
        )
        return context


def _reassign_forms(request: HttpRequest, member: User, holdings: selectors.Holdings, bound: dict) -> dict:
    """The three hand-over forms (only for what the account holds and for who may manage)."""
    if not access.can_manage_staff(request.user):
        return {}
    user, today = request.user, timezone.localdate()
    forms = {}
    if holdings.companies or "companies_form" in bound:
        forms["companies_form"] = bound.get("companies_form") or CompaniesReassignForm(
            rows=selectors.member_companies(user, member), targets=selectors.cre_successors(user, member))
    if holdings.alerts or "alerts_form" in bound:
        forms["alerts_form"] = bound.get("alerts_form") or AlertsReassignForm(
            rows=selectors.member_open_alerts(user, member), targets=selectors.alert_successors(user, member))
    if holdings.cohorts or "cohorts_form" in bound:
        forms["cohorts_form"] = bound.get("cohorts_form") or CohortsReassignForm(
            rows=selectors.member_cohorts(user, member, today=today), targets=selectors.tutor_successors(user, member))
    return forms


def _checked(form, field: str) -> set[str]:
    """The rows ticked in a hand-over form: all of them at first, the user's choice after an error."""
    if form is None:
        return set()
    value = form[field].value() or []
    return {str(v) for v in value}


def _detail_context(request: HttpRequest, member: User, **bound) -> dict:
    holdings = selectors.staff_holdings(request.user, member, today=timezone.localdate())
    forms = _reassign_forms(request, member, holdings, bound)
    user = request.user
    return {
        "member": member,
        "holdings": holdings,
        **forms,
        "checked_companies": _checked(forms.get("companies_form"), "companies"),
        "checked_alerts": _checked(forms.get("alerts_form"), "alerts"),
        "checked_cohorts": _checked(forms.get("cohorts_form"), "cohorts"),
        "can_manage": access.can_manage_staff(user),
        "can_set_active": access.can_set_staff_active(user, member),
        "password_set": member.has_usable_password(),
        "invitation": _pending_invitation(member),
        "is_self": member.pk == user.pk,
        "history": history_for(user, member),
    }


def _pending_invitation(member: User):
    return None if member.has_usable_password() else invitation_pending_for(member)


def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = _member(request, pk)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, member))


def _form_data(form: StaffMemberForm) -> dict:
    return {name: form.cleaned_data[name] for name in services.STAFF_FIELDS}


def _existing_account(request: HttpRequest, form: StaffMemberForm, exclude_pk: int | None = None) -> User | None:
    """The staff account that already uses the typed address, to offer a link to it."""
    if "email" not in form.errors:
        return None
    existing = services.email_owner(form.data.get("email", ""), exclude_pk=exclude_pk)
    if existing is None or not selectors.staff_accounts(request.user).filter(pk=existing.pk).exists():
        return None
    return existing


def staff_create(request: HttpRequest) -> HttpResponse:
    _can_view(request.user)
    access.require(access.can_manage_staff(request.user))
    form = StaffMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_member_create(by=request.user, **_form_data(form))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _(
                "Compte de %(name)s créé. Un e-mail part à %(email)s avec le lien pour choisir son mot de passe."
            ) % {"name": member.get_full_name(), "email": member.email})
            return redirect(_detail_url(member))
    return render(request, FORM_TEMPLATE, {"form": form, "member": None, "existing": _existing_account(request, form)})


def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_member(request, pk)
    form = StaffMemberForm(request.POST or None, initial=StaffMemberForm.initial_of(member))
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.staff_member_update(member=member, by=request.user, today=timezone.localdate(), **_form_data(form))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("Compte de %(name)s enregistré.") % {"name": updated.get_full_name()})
            return redirect(_detail_url(member))
    return render(request, FORM_TEMPLATE, {
        "form": form, "member": member, "existing": _existing_account(request, form, exclude_pk=member.pk),
        "is_self": member.pk == request.user.pk,
    })


@require_POST
def staff_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_member(request, pk)
    access.require(access.can_set_staff_active(request.user, member))
    try:
        services.staff_member_deactivate(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(_detail_url(member))
    holdings = selectors.staff_holdings(request.user, member, today=timezone.localdate())
    if holdings.is_empty:
        messages.success(request, _("Compte de %(name)s désactivé : il ne peut plus se connecter.") % {"name": member.get_full_name()})
    else:
        messages.warning(request, _(
            "Compte de %(name)s désactivé : il ne peut plus se connecter. Réaffectez ci-dessous ce qu'il suivait encore."
        ) % {"name": member.get_full_name()})
    return redirect(_detail_url(member, "a-reaffecter"))


@require_POST
def staff_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_member(request, pk)
    access.require(access.can_set_staff_active(request.user, member))
    try:
        services.staff_member_reactivate(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Compte de %(name)s réactivé : il peut de nouveau se connecter.") % {"name": member.get_full_name()})
    return redirect(_detail_url(member))


@require_POST
def staff_invite(request: HttpRequest, pk: int) -> HttpResponse:
    member = _managed_member(request, pk)
    try:
        services.staff_member_invite(member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation renvoyée à %(email)s : le lien précédent ne fonctionne plus.") % {"email": member.email})
    return redirect(_detail_url(member))


def _reassign(request: HttpRequest, pk: int, *, key: str, anchor: str, form_class, rows, targets, call, done) -> HttpResponse:
    """Validate a hand-over form, call its service, redirect to the section; on error, the account's
    page again with the form as typed (ticked rows and chosen person kept)."""
    member = _managed_member(request, pk)
    user = request.user
    form = form_class(request.POST, rows=rows(user, member), targets=targets(user, member))
    if form.is_valid():
        try:
            moved = call(form.cleaned_data, user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, done(moved, form.cleaned_data))
            return redirect(_detail_url(member, anchor))
    return render(request, DETAIL_TEMPLATE, _detail_context(request, member, **{f"{key}_form": form}))


def _name(account: User) -> str:
    return account.get_full_name() or account.email


@require_POST
def staff_reassign_companies(request: HttpRequest, pk: int) -> HttpResponse:
    return _reassign(
        request, pk, form_class=CompaniesReassignForm, rows=selectors.member_companies, targets=selectors.cre_successors,
        call=lambda data, user: company_services.portfolio_reassign(companies=data["companies"], to_cre=data["to_cre"], by=user),
        key="companies", anchor="entreprises",
        done=lambda n, data: ngettext(
            "%(count)s entreprise réaffectée à %(name)s.", "%(count)s entreprises réaffectées à %(name)s.", n
        ) % {"count": n, "name": _name(data["to_cre"])},
    )


@require_POST
def staff_reassign_alerts(request: HttpRequest, pk: int) -> HttpResponse:
    return _reassign(
        request, pk, form_class=AlertsReassignForm, rows=selectors.member_open_alerts, targets=selectors.alert_successors,
        call=lambda data, user: services.staff_alerts_reassign(alerts=data["alerts"], assignee=data["assignee"], by=user),
        key="alerts", anchor="alertes",
        done=lambda n, data: ngettext(
            "%(count)s alerte attribuée à %(name)s.", "%(count)s alertes attribuées à %(name)s.", n
        ) % {"count": n, "name": _name(data["assignee"])},
    )


@require_POST
def staff_reassign_cohorts(request: HttpRequest, pk: int) -> HttpResponse:
    return _reassign(
        request, pk, form_class=CohortsReassignForm,
        rows=lambda user, member: selectors.member_cohorts(user, member, today=timezone.localdate()),
        targets=selectors.tutor_successors,
        call=lambda data, user: services.cohorts_reassign_referent(cohorts=data["cohorts"], to_tutor=data["to_tutor"], by=user),
        key="cohorts", anchor="promotions",
        done=lambda n, data: ngettext(
            "%(count)s promotion confiée à %(name)s.", "%(count)s promotions confiées à %(name)s.", n
        ) % {"count": n, "name": _name(data["to_tutor"])},
    )

