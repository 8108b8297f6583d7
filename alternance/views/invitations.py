"""Extranet invitations (issue 6, part 1): the staff's POST buttons and the public page where an
invited person sets its password."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from alternance import access, invitations
from alternance.models import Apprentice
from companies.models import CompanyContact


class InvitationPasswordForm(forms.Form):
    """Input only: the password rules are applied by ``invitations.invitation_accept``."""

    password1 = forms.CharField(
        label=gettext_lazy("Mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "autofocus": True}),
        help_text=gettext_lazy("Au moins 10 caractères, pas uniquement des chiffres, ni trop courant ni proche de votre nom ou e-mail."),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Confirmation du mot de passe"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def _invite(request: HttpRequest, service, **kwargs) -> None:
    try:
        invitation = service(by=request.user, **kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": invitation.user.email})


@require_POST
def apprentice_invite(request: HttpRequest, pk: int) -> HttpResponse:
    apprentice = access.get_visible_or_404(request.user, Apprentice.objects.select_related("user"), pk=pk)
    access.require(access.can_invite_extranet_user(request.user))
    _invite(request, invitations.invite_apprentice, apprentice=apprentice)
    return redirect("apprentice_detail", pk=apprentice.pk)


@require_POST
def contact_invite(request: HttpRequest, pk: int) -> HttpResponse:
    contact = access.get_visible_or_404(request.user, CompanyContact.objects.select_related("user"), pk=pk)
    access.require(access.can_invite_extranet_user(request.user))
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
