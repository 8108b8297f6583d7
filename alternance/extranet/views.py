"""The extranet (issue 6): the invitations that open it (part 1: the staff's POST buttons, the public
page where an invited person sets its password), the employer's page of one apprentice and the
employer's evaluations (parts 3 and 4: its part of the visit grid and of the reviews). The
apprentice's and the employer's home pages are the role home pages (``alternance.views.home``), fed
by ``extranet.selectors``.

Objects are fetched through the access policy (outside the scope → 404: another company's
apprentice or visit is not reachable by changing a URL) and actions checked with its predicates
(in scope but not allowed → 403). Staff opening the employer's page of an apprentice are sent to
the staff record of that apprentice (which applies their own scope).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access
from alternance.choices import Role
from alternance.extranet import invitations
from alternance.extranet import selectors as selectors_extranet
from alternance.extranet.forms import EmployerEvaluationForm, InvitationPasswordForm
from alternance.models import Apprentice
from alternance.planning import calendar as planning
from alternance.tutoring import evaluations
from companies.models import CompanyContact


def _require_employer(user) -> None:
    """Pages of the employer's space: employer contacts only (apprentices get 403)."""
    if user.role != Role.EMPLOYER:
        raise PermissionDenied


@require_GET
def employer_apprentice(request: HttpRequest, pk: int) -> HttpResponse:
    """One apprentice as its employer follows it: calendar, absences, documents, evaluations, contacts."""
    user = request.user
    if access.can_use_back_office(user):
        # Staff have the full record; it applies their own scope (404 outside it).
        return redirect("apprentice_detail", pk=pk)
    _require_employer(user)
    apprentice = selectors_extranet.employer_apprentice_get(user, pk)
    today = timezone.localdate()
    value = request.GET.get("mois")
    if value and planning.month_param(value) is None:
        messages.warning(request, planning.MONTH_IGNORED)
    year, month = planning.parse_month(value, default=today)
    context = selectors_extranet.employer_apprentice_page(user, apprentice, today=today, year=year, month=month)
    context["today"] = today
    return render(request, "alternance/extranet/employer_apprentice.html", context)


@require_GET
def employer_evaluations(request: HttpRequest) -> HttpResponse:
    """The visits and reviews of my contracts: those awaiting my part, then those I sent."""
    _require_employer(request.user)
    done = Paginator(selectors_extranet.employer_evaluations_done(request.user), selectors_extranet.DONE_EVALUATIONS_PAGE)
    page = done.get_page(request.GET.get("page"))
    context = {
        "to_fill": selectors_extranet.employer_evaluations_to_fill(request.user),
        "done_page": page,
        "done": page.object_list,
        "today": timezone.localdate(),
    }
    return render(request, "alternance/extranet/employer_evaluations.html", context)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@require_http_methods(["GET", "POST"])
def employer_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the employer's part of a visit's grid (once); read it back afterwards."""
    visit = selectors_extranet.employer_visit_get(request.user, pk)
    access.require(access.can_fill_employer_evaluation(request.user, visit))
    context = {"visit": visit}
    if visit.employer_submitted_at is not None:
        if request.method == "POST":
            messages.error(request, _(
                "Cette évaluation a déjà été envoyée le %(day)s : elle ne peut plus être modifiée. "
                "Pour la corriger, écrivez au formateur ou à la formatrice référent·e."
            ) % {"day": f"{timezone.localtime(visit.employer_submitted_at):%d/%m/%Y}"})
            return redirect("employer_evaluation", pk=visit.pk)
        return render(request, "alternance/extranet/employer_evaluation.html", {**context, "form": None})
    form = EmployerEvaluationForm(request.POST or None, criteria=evaluations.employer_criteria())
    if request.method == "POST" and form.is_valid():
        try:
            evaluations.employer_evaluation_submit(
                visit=visit, by=request.user, answers=form.answers(), comment=form.cleaned_data["comment"]
            )
        except ValidationError as error:
            if getattr(error, "code", None) == "already_submitted":
                messages.error(request, error.messages[0])
                return redirect("employer_evaluation", pk=visit.pk)
            _form_errors(form, error)
        else:
            messages.success(request, _("Merci : votre évaluation est envoyée au formateur ou à la formatrice référent·e."))
            return redirect("employer_evaluation", pk=visit.pk)
    return render(request, "alternance/extranet/employer_evaluation.html", {**context, "form": form})


# --- invitations (issue 6, part 1): the staff's POST buttons and the public page where an invited
# person sets its password ---------------------------------------------------------------------------


def _invite(request: HttpRequest, service, **kwargs) -> None:
    try:
        invitation = service(by=request.user, **kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if invitation is None:
            # The record now opens the person's existing account: nothing to send (issue 17 §15).
            person = kwargs.get("apprentice") or kwargs.get("contact")
            messages.info(request, str(invitations.LINKED_TO_ACTIVE_MESSAGE) % {"email": person.user.email})
            return
        messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": invitation.user.email})


@require_POST
def apprentice_invite(request: HttpRequest, pk: int) -> HttpResponse:
    apprentice = access.get_visible_or_404(request.user, Apprentice.objects.select_related("user"), pk=pk)
    access.require(access.can_invite_extranet_user(request.user))
    _invite(request, invitations.invite_apprentice, apprentice=apprentice)
    return redirect("apprentice_detail", pk=apprentice.pk)


@require_POST
def contact_invite(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access.get_visible_or_404(request.user, CompanyContact.objects.select_related("user", "company"), pk=pk)
    access.require(access.can_invite_company_contact(request.user, contact))
    _invite(request, invitations.invite_company_contact, contact=contact)
    return redirect("companies:company_detail", pk=contact.company_id)


@login_not_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the invited person is not logged in yet. Unknown link → 404; used, revoked or
    expired → 410 with what to do."""
    try:
        invitation = invitations.invitation_get_usable(token)
    except invitations.InvitationNotFound:
        return render(request, "alternance/invitations/invalid.html", {"message": _(
            "Ce lien d'invitation n'existe pas. Vérifiez qu'il a été copié en entier, ou demandez une nouvelle "
            "invitation à l'équipe alternance de votre centre de formation."
        )}, status=404)
    except invitations.InvitationGone as gone:
        return render(request, "alternance/invitations/invalid.html", {"message": gone.message}, status=410)

    form = InvitationPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_accept(token=token, **form.cleaned_data)
        except invitations.InvitationGone as gone:
            return render(request, "alternance/invitations/invalid.html", {"message": gone.message}, status=410)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Bienvenue ! Votre mot de passe est enregistré et vous êtes connecté·e."))
            return redirect("home")
    return render(request, "alternance/invitations/accept.html", {"form": form, "invited": invitation.user})
