"""« Mon compte », the second factor (enrolment, code at login, removal), the coordinator's
« Sécurité des connexions » screen and the throttled password reset (issue 17 §9)."""

import base64

import django_otp
import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from alternance import access
from alternance.accounts import selectors, services
from alternance.accounts.forms import CodeForm, SecuritySettingsForm
from alternance.accounts.middleware import remember_second_factor
from alternance.views.mixins import PAGE_SIZE, KeysFirstPaginator, client_ip


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    from django.urls import reverse

    return reverse(default)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def account(request: HttpRequest) -> HttpResponse:
    """« Mon compte »: who I am, my password, my second factor (staff)."""
    user = request.user
    return render(request, "alternance/accounts/account.html", {
        "offers_second_factor": user.is_staff_member,
        "has_second_factor": selectors.has_second_factor(user),
        "second_factor_required": selectors.second_factor_required(user),
        "form": CodeForm(),
    })


def second_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Scan the QR code (or type the key) in an authenticator application, confirm with a code."""
    user = request.user
    access.require(user.is_staff_member)
    if selectors.has_second_factor(user):
        messages.info(request, _("La double authentification est déjà activée sur ce compte."))
        return redirect("account")
    device = services.second_factor_enrol_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.second_factor_enrol_confirm(user=user, code=form.cleaned_data["code"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            # This session has just proven the code: it counts as verified.
            django_otp.login(request, device)
            remember_second_factor(request, user, True)
            messages.success(request, _("Double authentification activée : chaque connexion vous demandera désormais un code."))
            return HttpResponseRedirect(_safe_next(request, "account"))
    return render(request, "alternance/accounts/enrol.html", {
        "form": form,
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=5, title=_("QR code à scanner")),
        "secret": base64.b32encode(device.bin_key).decode(),
        "next": request.GET.get("next", "") or request.POST.get("next", ""),
        "required": selectors.second_factor_required(user),
    })


@require_POST
def second_factor_disable(request: HttpRequest) -> HttpResponse:
    access.require(request.user.is_staff_member)
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            services.second_factor_disable(user=request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            remember_second_factor(request, request.user, False)
            messages.success(request, _("Double authentification désactivée : la connexion ne demande plus que le mot de passe."))
            return redirect("account")
    for error in form.errors.values():
        for message in error:
            messages.error(request, message)
    return redirect("account")


def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login: the code of the application (after the password)."""
    user = request.user
    access.require(user.is_staff_member)  # extranet accounts never have a second factor
    # A device removed meanwhile (``reset_second_factor``): the session learns it, no code is asked.
    if user.is_verified() or not remember_second_factor(request, user):
        return HttpResponseRedirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, details = device.verify_is_allowed()
        if not allowed:
            wait = max(1, int(((details or {}).get("locked_until") or timezone.now()).timestamp() - timezone.now().timestamp()))
            form.add_error("code", _("Trop de codes erronés : attendez %(n)s secondes avant de réessayer.") % {"n": wait})
        elif device.verify_token(form.cleaned_data["code"]):
            django_otp.login(request, device)
            return HttpResponseRedirect(_safe_next(request))
        else:
            form.add_error("code", services.BAD_CODE)
    return render(request, "alternance/accounts/verify.html", {"form": form, "next": request.GET.get("next", "") or request.POST.get("next", "")}, status=200)


def security_settings(request: HttpRequest) -> HttpResponse:
    """« Sécurité des connexions »: the coordinator requires a second factor of staff roles."""
    access.require(access.can_manage_staff(request.user))
    form = SecuritySettingsForm(request.POST or None, initial={"second_factor_roles": list(selectors.second_factor_roles())})
    if request.method == "POST" and form.is_valid():
        try:
            services.security_settings_update(second_factor_roles=form.cleaned_data["second_factor_roles"], by=request.user, now=timezone.now())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Règle de connexion enregistrée."))
            return redirect("security_settings")
    members = selectors.staff_second_factor_overview()
    page = KeysFirstPaginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "alternance/accounts/security_settings.html", {
        "form": form, "members": page.object_list, "totals": selectors.second_factor_totals(members),
        "page_obj": page, "paginator": page.paginator, "is_paginated": page.has_other_pages(),
    })


@login_not_required
def password_reset(request: HttpRequest) -> HttpResponse:
    """Django's reset page, throttled: a request over the e-mail's hourly cap gets the same « e-mail
    envoyé » page and no e-mail; a client address over its cap gets a French message (429)."""
    from alternance.forms import QueuedPasswordResetForm

    view = auth_views.PasswordResetView.as_view(
        form_class=QueuedPasswordResetForm,
        email_template_name="registration/password_reset_email.txt",
        subject_template_name="registration/password_reset_subject.txt",
    )
    if request.method == "POST":
        form = QueuedPasswordResetForm(request.POST)
        if form.is_valid():
            try:
                may_mail = services.password_reset_request(email=form.cleaned_data["email"], ip_address=client_ip(request), now=timezone.now())
            except services.TooManyResetRequests:
                form.add_error(None, _(
                    "Trop de demandes de réinitialisation depuis votre connexion : réessayez dans une heure. "
                    "Si le problème persiste, contactez l'équipe alternance de votre centre de formation."
                ))
                return render(request, "registration/password_reset_form.html", {"form": form}, status=429)
            if not may_mail:
                return redirect("password_reset_done")
    return view(request)
