"""Electronic signatures: the signatures panel of the contract page, the staff actions (request,
cancel), the "Documents à signer" page, a signer's signature page and the files of a request.

Every object is fetched through the access policy (outside the scope → 404) and every action
checked with its predicate (in scope but not allowed → 403). The writes are in
``contracts.signatures``.
"""

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alternance import access
from alternance.choices import Role
from alternance.models import User
from alternance.views.mixins import client_ip
from contracts import selectors
from contracts.choices import DocumentAccessChannel, DocumentKind, SignatureRequestStatus
from contracts.freshness import documents_freshness
from contracts.models import Contract, Document, SignatureRequest
from contracts.signatures import (
    SignatureError,
    signature_request_cancel,
    signature_request_create,
    signature_request_get,
    signature_request_verify,
    signature_requests_for_contract,
    signature_sign,
    signatures_to_sign,
    signer_get,
)
from contracts.views.documents import stored_document_response

# --- forms (input only; their choices come from the access policy) -------------------------------


class SignatureRequestForm(forms.Form):
    document = forms.ModelChoiceField(
        label=gettext_lazy("Document à faire signer"),
        queryset=Document.objects.none(),
        empty_label=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        error_messages={
            "required": gettext_lazy("Choisissez le document à faire signer."),
            "invalid_choice": gettext_lazy("Ce document n'est pas un document de ce contrat : choisissez-en un dans la liste."),
        },
    )
    organisation_signer = forms.ModelChoiceField(
        label=gettext_lazy("Signataire pour l'organisme de formation"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Moi-même"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        error_messages={"invalid_choice": gettext_lazy("Choisissez le ou la signataire de l'organisme dans la liste.")},
    )

    def __init__(self, *args, user: User, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = (
            access.visible(user, Document)
            .filter(contract=contract, content_type="application/pdf")
            .exclude(kind=DocumentKind.SIGNED)
            .order_by("kind", "-version", "-created_at")
        )
        self.fields["document"].label_from_instance = lambda d: f"{d.get_kind_display()} — {d.title} (v{d.version})"
        self.fields["organisation_signer"].queryset = (
            access.visible(user, User).filter(role__in=(Role.COORDINATOR, Role.ADMIN_STAFF), is_active=True).exclude(pk=user.pk)
        )
        self.fields["organisation_signer"].label_from_instance = lambda u: u.get_full_name() or u.email


class SignatureCancelForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Motif de l'annulation"),
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        error_messages={"required": gettext_lazy("Indiquez le motif de l'annulation.")},
    )


class SignForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("J'ai lu le document et je le signe électroniquement"),
        error_messages={"required": gettext_lazy("Cochez la case pour confirmer que vous avez lu le document et que vous le signez.")},
    )


def _form_errors(form: forms.Form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _can_request_on(user: User, contract: Contract) -> bool:
    # The predicate takes a document; any document of this contract answers the same.
    return access.can_request_signature(user, Document(contract=contract))


# --- the panel of the contract page ---------------------------------------------------------------


def panel_context(request: HttpRequest, contract: Contract) -> dict:
    user = request.user
    requests = list(signature_requests_for_contract(user, contract))
    for signature_request in requests:
        if signature_request.status in (SignatureRequestStatus.PENDING, SignatureRequestStatus.COMPLETED):
            # A pending request whose document changed becomes "invalidated" here.
            signature_request.is_intact = signature_request_verify(signature_request)
        signature_request.can_cancel = access.can_cancel_signature_request(user, signature_request)
        for signer in signature_request.signers.all():
            signer.can_sign = access.can_sign(user, signer)
    # A pending request on a document whose data changed since it was generated is flagged (the
    # file is intact, so the request stays valid; staff decide whether to cancel it and regenerate).
    pending = [r for r in requests if r.status == SignatureRequestStatus.PENDING]
    freshness = documents_freshness(contract, [r.document for r in pending]) if pending else {}
    for signature_request in requests:
        state = freshness.get(signature_request.document_id) if signature_request.status == SignatureRequestStatus.PENDING else None
        signature_request.outdated_fields = state.changed if state else ()
    can_request = _can_request_on(user, contract)
    return {
        "signature_requests": requests,
        "signature_request_form": SignatureRequestForm(user=user, contract=contract) if can_request else None,
        "signature_cancel_form": SignatureCancelForm(),
    }


# --- staff actions ---------------------------------------------------------------------------------


@require_POST
def signature_request_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    contract = selectors.contract_get(request.user, pk)
    access.require(_can_request_on(request.user, contract))
    form = SignatureRequestForm(request.POST, user=request.user, contract=contract)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("contracts:contract_detail", pk=contract.pk)
    document = form.cleaned_data["document"]
    access.require(access.can_request_signature(request.user, document))
    try:
        signature_request_create(
            document=document,
            by=request.user,
            organisation_signer=form.cleaned_data["organisation_signer"],
            site_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except SignatureError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Demande de signature envoyée : chaque signataire a reçu un e-mail avec le lien pour signer."))
    return redirect("contracts:contract_detail", pk=contract.pk)


@require_POST
def signature_request_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    signature_request = signature_request_get(request.user, pk)
    access.require(access.can_cancel_signature_request(request.user, signature_request))
    contract_pk = signature_request.document.contract_id
    form = SignatureCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("contracts:contract_detail", pk=contract_pk)
    try:
        signature_request_cancel(request=signature_request, by=request.user, reason=form.cleaned_data["reason"])
    except SignatureError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("La demande de signature est annulée."))
    return redirect("contracts:contract_detail", pk=contract_pk)


# --- signers' pages ---------------------------------------------------------------------------------

# A signer keeps its line only while the document is in its scope. The signature-request scope of
# an apprentice or an employer contact is "the requests I am a signer of"; the document scope also
# requires the employer's contact to be active and the contract to be one the portal shows. Without
# this, a maître d'apprentissage who left the company (contact deactivated), or whose contract
# ended or broke, still read the contract's documents and signed for the company.


def _signable(user: User) -> QuerySet:
    """The user's signatures awaited, on documents still in its scope."""
    return signatures_to_sign(user).filter(request__document__in=access.visible(user, Document))


def _require_document_in_scope(user: User, signature_request: SignatureRequest) -> None:
    """404 when the request's document is outside the user's scope (see above)."""
    if not access.visible(user, Document).filter(pk=signature_request.document_id).exists():
        raise Http404


@require_GET
def signatures_to_sign_view(request: HttpRequest) -> HttpResponse:
    """"Documents à signer": what waits for the current user's signature (any role)."""
    return render(request, "contracts/signatures/to_sign.html", {"signers": list(_signable(request.user))})


@require_http_methods(["GET", "POST"])
def signature_sign_view(request: HttpRequest, pk: int) -> HttpResponse:
    signer = signer_get(request.user, pk)
    _require_document_in_scope(request.user, signer.request)
    access.require(access.can_sign(request.user, signer))
    signature_request = signer.request
    if request.method == "GET" and not signature_request_verify(signature_request):
        messages.error(request, _("Le document a été modifié après la demande : une nouvelle demande est nécessaire."))
        return redirect("contracts:signatures_to_sign")
    form = SignForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            signature_sign(
                signer=signer,
                by=request.user,
                ip_address=client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                confirmed=form.cleaned_data["confirm"],
            )
        except SignatureError as error:
            messages.error(request, str(error))
            return redirect("contracts:signatures_to_sign")
        signature_request.refresh_from_db()
        if signature_request.status == SignatureRequestStatus.COMPLETED:
            messages.success(request, _("Votre signature est enregistrée. Tout le monde a signé : le document signé est disponible."))
        else:
            messages.success(request, _("Votre signature est enregistrée. Merci !"))
        return redirect("contracts:signatures_to_sign")
    others = [other for other in signature_request.signers.select_related("user").order_by("pk") if other.pk != signer.pk]
    return render(
        request,
        "contracts/signatures/sign.html",
        {"signer": signer, "signature_request": signature_request, "document": signature_request.document, "others": others, "form": form},
    )


def _pdf_response(request: HttpRequest, document: Document, *, as_attachment: bool) -> HttpResponse:
    return stored_document_response(
        request, document, as_attachment=as_attachment, filename=f"{slugify(document.title) or 'document'}.pdf",
        channel=DocumentAccessChannel.SIGNATURE,
    )


@require_GET
def signature_document_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The document submitted for signature, for its signers and the staff who see the request."""
    signature_request = signature_request_get(request.user, pk)
    _require_document_in_scope(request.user, signature_request)
    return _pdf_response(request, signature_request.document, as_attachment=request.GET.get("telecharger") == "1")


@require_GET
def signature_signed_document_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed PDF (original + certificate), for everyone who sees the request."""
    signature_request = signature_request_get(request.user, pk)
    _require_document_in_scope(request.user, signature_request)
    if signature_request.signed_document is None:
        raise Http404(_("Ce document n'est pas encore signé par tous."))
    return _pdf_response(request, signature_request.signed_document, as_attachment=request.GET.get("telecharger") == "1")


urlpatterns = [
    path("<int:pk>/signatures/demander/", signature_request_create_view, name="signature_request_create"),
    path("signatures/a-signer/", signatures_to_sign_view, name="signatures_to_sign"),
    path("signatures/signataire/<int:pk>/", signature_sign_view, name="signature_sign"),
    path("signatures/<int:pk>/annuler/", signature_request_cancel_view, name="signature_request_cancel"),
    path("signatures/<int:pk>/document/", signature_document_view, name="signature_document"),
    path("signatures/<int:pk>/document-signe/", signature_signed_document_view, name="signature_signed_document"),
]
