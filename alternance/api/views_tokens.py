"""The staff's API keys page (``/api/cles/``): list one's own keys, create one (its clear value is
shown once, in the answer to the creation, and never stored) and revoke one.

Normal pages of the application: a session login (``LoginRequiredMiddleware``), the OF's staff only
(``access.can_use_api``), and only one's own keys (``access.visible(user, ApiToken)``: another
person's key → 404).
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from alternance import access
from alternance.api.services import api_token_create, api_token_revoke
from alternance.models import ApiToken


class ApiTokenForm(forms.Form):
    label = forms.CharField(
        label=gettext_lazy("Nom de la clé"), max_length=100,
        help_text=gettext_lazy("Pour la reconnaître plus tard : l'outil qui l'utilisera, par exemple « Tableau de bord Metabase »."),
        error_messages={
            "required": gettext_lazy("Donnez un nom à la clé, par exemple celui de l'outil qui l'utilisera."),
            "max_length": gettext_lazy("Nom trop long : 100 caractères au plus."),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


def _my_tokens(user):
    return access.visible(user, ApiToken).order_by("-created_at", "-pk")


@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    access.require(access.can_use_api(request.user))
    form = ApiTokenForm(request.POST or None)
    created = clear_token = None
    if request.method == "POST" and form.is_valid():
        created, clear_token = api_token_create(user=request.user, label=form.cleaned_data["label"])
        form = ApiTokenForm()
    response = render(request, "alternance/api/token_list.html", {
        "form": form,
        "tokens": _my_tokens(request.user),
        "created": created,
        # Only in this answer: the database keeps the SHA-256, nothing can show the key again.
        "clear_token": clear_token,
    })
    # Never cached (the answer to a creation carries the clear key).
    patch_cache_control(response, no_store=True, private=True)
    return response


@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    access.require(access.can_use_api(request.user))
    token = access.get_visible_or_404(request.user, ApiToken, pk=pk)
    if api_token_revoke(token=token):
        messages.success(request, _(
            "Clé « %(label)s » révoquée : les outils qui l'utilisent reçoivent désormais une erreur 401."
        ) % {"label": token.label})
    else:
        messages.info(request, _("La clé « %(label)s » était déjà révoquée.") % {"label": token.label})
    return redirect("api:token_list")
