"""Simple electronic signature of a contract's documents: requests, signatures, the signed PDF.

A *simple* electronic signature (règlement (UE) n° 910/2014 « eIDAS », art. 3 10° and 25 §1;
Code civil art. 1366–1367): the signer is identified by its extranet login, gives an explicit
consent (a checkbox), and the evidence of each signature is kept (date-time, IP address, browser,
SHA-256 of the document signed). Integrity rests on the SHA-256 of the document recorded when
the signatures are requested: a document changed afterwards no longer matches, which
invalidates the request and any signature already given on it.

When everybody has signed, the signed PDF is the original pages, each signer's line (name, role,
date and time in Paris time) stamped in its signature box, followed by a signature certificate
page, stored as a new generated ``Document`` of kind ``signed``. The stamp is an overlay merged
over the original pages at the box positions recorded when the document was rendered: the
original is not rendered again (its data may have changed since), and the evidence and the
certificate keep referring to the SHA-256 of the original document, the one that was signed.

Writes raise ``SignatureError`` with a French message that says what to do.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Collection, Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alternance import access
from alternance.choices import Role
from alternance.models import User
from companies.models import CompanyContact
from contracts.choices import DocumentKind, SignatureRequestStatus, SignerRole
from contracts.documents import document_is_intact, document_read, document_store
from contracts.models import Contract, Document, SignatureRequest, Signer

logger = logging.getLogger(__name__)
PARIS = ZoneInfo("Europe/Paris")

Status = SignatureRequestStatus

# Roles that may sign on behalf of the training organisation: those who may request signatures.
ORGANISATION_SIGNER_ROLES = (Role.COORDINATOR, Role.ADMIN_STAFF)
USER_AGENT_MAX_LENGTH = Signer._meta.get_field("user_agent").max_length


class SignatureError(Exception):
    """A refused signature operation; ``str()`` is the French message shown to the user."""


def _invalidated_message() -> str:
    return _("Le document a été modifié après la demande : une nouvelle demande est nécessaire.")


def _sha256_of_stored_file(document: Document) -> str | None:
    """SHA-256 of the file as stored now; None when the file can no longer be read."""
    try:
        return hashlib.sha256(document_read(document)).hexdigest()
    except (OSError, ValueError):
        logger.warning("signature: stored file unreadable", extra={"document": document.pk})
        return None


def _display_name(user: User) -> str:
    return user.get_full_name() or user.email


def _send(*, subject: str, body: str, to: Iterable[str]) -> None:
    """Queue one email after the commit (never for a rolled-back write)."""
    from alternance.outbox import email_queue

    recipients = [address for address in to if address]
    if recipients:
        email_queue(subject=subject, body=body, to=recipients)  # written with the write, sent once it commits


# --- who signs -----------------------------------------------------------------------------------

def _apprentice_signer(contract: Contract) -> User:
    user = contract.apprentice.user
    if user is None or not user.is_active:
        raise SignatureError(
            _("L'apprenti·e %(name)s n'a pas de compte extranet actif : invitez-le ou invitez-la d'abord à l'extranet, "
              "puis demandez les signatures.") % {"name": contract.apprentice.full_name}
        )
    return user


def _employer_signer(contract: Contract) -> User:
    """The maître d'apprentissage when it has an active extranet account, else an active employer
    representative of the company with an account (the one created first)."""
    master = contract.master
    if master is not None and master.active and master.user_id and master.user.is_active:
        return master.user
    representative = (
        CompanyContact.objects.filter(
            company_id=contract.company_id, is_employer_representative=True, active=True, user__isnull=False, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if representative is None:
        raise SignatureError(
            _("L'entreprise %(company)s n'a aucun compte extranet pour signer : invitez à l'extranet le maître "
              "d'apprentissage ou un représentant de l'employeur, puis demandez les signatures.")
            % {"company": contract.company.name}
        )
    return representative.user


def _organisation_signer(document: Document, by: User, organisation_signer: User | None) -> User:
    user = organisation_signer or by
    if not user.is_active or user.role not in ORGANISATION_SIGNER_ROLES or not access.can_view(user, document):
        raise SignatureError(
            _("%(name)s ne peut pas signer pour l'organisme de formation : choisissez un ou une responsable "
              "alternance ou un membre de l'équipe administrative.") % {"name": _display_name(user)}
        )
    return user


# --- services (writes) ---------------------------------------------------------------------------

@transaction.atomic
def signature_request_create(
    *, document: Document, by: User, organisation_signer: User | None = None, site_url: str = ""
) -> SignatureRequest:
    """Ask the apprentice, the employer and the training organisation to sign ``document``.

    Records the document's SHA-256 at this moment (the stored file must still match the digest
    recorded when it was stored) and emails each signer the link to its signature page.
    ``site_url`` (scheme and host, e.g. ``https://alternance.example.org``) prefixes the links.
    """
    if document.contract_id is None:
        raise SignatureError(_("Seuls les documents d'un contrat peuvent être soumis à signature."))
    if document.kind == DocumentKind.SIGNED:
        raise SignatureError(_("Ce document est déjà un document signé : demandez la signature du document d'origine."))
    contract = Contract.objects.select_related("apprentice__user", "company", "master__user").get(pk=document.contract_id)
    # Locks the document's pending request, if any, against a concurrent request (PostgreSQL).
    if SignatureRequest.objects.select_for_update().filter(document=document, status=Status.PENDING).exists():
        raise SignatureError(
            _("Une demande de signature est déjà en cours pour ce document : attendez les signatures ou annulez-la d'abord.")
        )
    from contracts.freshness import documents_freshness

    state = documents_freshness(contract, [document]).get(document.pk)
    if state is not None and state.outdated:
        raise SignatureError(
            _("Ce document est périmé : des données ont changé depuis sa génération (%(changed)s). Régénérez-le dans le "
              "panneau « Documents », puis demandez les signatures sur la nouvelle version.") % {"changed": ", ".join(state.changed)}
        )
    content = document_read(document)
    if hashlib.sha256(content).hexdigest() != document.sha256:
        raise SignatureError(
            _("Le fichier enregistré ne correspond plus à son empreinte : il a été altéré. Régénérez ou déposez "
              "à nouveau le document avant de demander les signatures.")
        )
    if not _is_readable_pdf(content):
        raise SignatureError(_("Seul un document PDF lisible peut être signé électroniquement : déposez le document au format PDF."))

    signers = {
        SignerRole.APPRENTICE: _apprentice_signer(contract),
        SignerRole.EMPLOYER: _employer_signer(contract),
        SignerRole.ORGANISATION: _organisation_signer(document, by, organisation_signer),
    }
    signature_request = SignatureRequest(document=document, document_sha256=document.sha256, requested_by=by)
    # The constraint "one pending request per document" is checked above; full_clean would only
    # repeat it with a generic message, and the insert below catches the race.
    signature_request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            signature_request.save()
    except IntegrityError:
        raise SignatureError(
            _("Une demande de signature vient d'être créée pour ce document par quelqu'un d'autre : rechargez la page.")
        ) from None
    created = []
    for role, user in signers.items():
        signer = Signer(request=signature_request, role=role, user=user)
        signer.full_clean()
        signer.save()
        created.append(signer)

    requester = _display_name(by)
    for signer in created:
        link = (site_url or settings.SITE_URL).rstrip("/") + reverse("contracts:signature_sign", kwargs={"pk": signer.pk})
        body = render_to_string(
            "contracts/signatures/email_request.txt",
            {"signer": signer, "document": document, "contract": contract, "requester": requester, "link": link},
        )
        _send(subject=_("Document à signer : %(title)s") % {"title": document.title}, body=body, to=[signer.user.email])
    return signature_request


def _is_readable_pdf(content: bytes) -> bool:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(content)).pages) > 0
    except (PdfReadError, ValueError, OSError, KeyError, TypeError):
        return False


def _invalidate(signature_request: SignatureRequest, *, by: User | None) -> bool:
    """Close a pending request whose document changed (compare-and-set); tell the requester."""
    now = timezone.now()
    updated = SignatureRequest.objects.filter(pk=signature_request.pk, status=Status.PENDING).update(
        status=Status.INVALIDATED, closed_at=now, closed_by=by, close_reason=_invalidated_message()
    )
    if updated:
        signature_request.status, signature_request.closed_at = Status.INVALIDATED, now
        signature_request.closed_by, signature_request.close_reason = by, _invalidated_message()
        if signature_request.requested_by_id:
            requester = User.objects.get(pk=signature_request.requested_by_id)
            body = render_to_string(
                "contracts/signatures/email_invalidated.txt",
                {"signature_request": signature_request, "document": signature_request.document},
            )
            _send(
                subject=_("Demande de signature invalidée : %(title)s") % {"title": signature_request.document.title},
                body=body, to=[requester.email],
            )
    return bool(updated)


def signature_sign(*, signer: Signer, by: User, ip_address: str | None, user_agent: str, confirmed: bool) -> Signer:
    """Record ``by``'s signature on its line of a pending request, with the evidence.

    The stored file is read again and its SHA-256 compared with the one recorded at request time:
    a changed document invalidates the request (and the signatures already given) and the
    signature is refused. The signer row is updated with a compare-and-set (``signed_at IS NULL``)
    so a double submission never signs twice. The last signature produces the signed PDF.

    Not atomic as a whole on purpose: when the document changed, the invalidation is committed
    before the refusal is raised (an exception inside the block would roll it back).
    """
    if not confirmed:
        raise SignatureError(_("Cochez la case « J'ai lu le document et je le signe électroniquement » pour signer."))
    if not access.can_sign(by, signer):
        raise SignatureError(_("Vous ne pouvez pas signer ce document : il n'attend plus votre signature."))
    invalidated = False
    with transaction.atomic():
        # Serialises the signers of one request (PostgreSQL): the last one produces the signed PDF once.
        signature_request = SignatureRequest.objects.select_for_update().select_related("document").get(pk=signer.request_id)
        if signature_request.status != Status.PENDING:
            raise SignatureError(_("Cette demande de signature n'est plus en cours (%(status)s).") % {"status": signature_request.get_status_display()})
        digest = _sha256_of_stored_file(signature_request.document)
        if digest != signature_request.document_sha256:
            _invalidate(signature_request, by=by)
            invalidated = True
        else:
            evidence = Signer.objects.get(pk=signer.pk)
            evidence.signed_at = timezone.now()
            evidence.ip_address = ip_address or None
            evidence.user_agent = (user_agent or "")[:USER_AGENT_MAX_LENGTH]
            evidence.signed_sha256 = digest
            try:
                evidence.full_clean()
            except ValidationError as error:  # no or a malformed IP address: the evidence would be unusable
                raise SignatureError(
                    _("Votre adresse IP n'a pas pu être relevée : la signature ne peut pas être enregistrée. Réessayez "
                      "ou contactez l'équipe alternance.")
                ) from error
            updated = Signer.objects.filter(pk=signer.pk, signed_at__isnull=True).update(
                signed_at=evidence.signed_at, ip_address=evidence.ip_address, user_agent=evidence.user_agent,
                signed_sha256=evidence.signed_sha256,
            )
            if not updated:
                raise SignatureError(_("Votre signature a déjà été enregistrée pour ce document."))
            signer.refresh_from_db()
            if not signature_request.signers.filter(signed_at__isnull=True).exists():
                _complete(signature_request)
    if invalidated:
        raise SignatureError(_invalidated_message())
    return signer


def _complete(signature_request: SignatureRequest) -> None:
    """Every signer has signed: store the signed PDF, close the request, tell the requester."""
    document = signature_request.document
    signers = list(signature_request.signers.select_related("user").order_by("pk"))
    content = _signed_pdf(signature_request, signers, original=document_read(document))
    signed = document_store(
        content=content,
        filename=f"{slugify(document.title) or 'document'}-signe.pdf",
        kind=DocumentKind.SIGNED,
        title=_("%(title)s (signé)") % {"title": document.title},
        contract=document.contract,
        generated=True,
    )
    now = timezone.now()
    updated = SignatureRequest.objects.filter(pk=signature_request.pk, status=Status.PENDING).update(
        status=Status.COMPLETED, signed_document=signed, closed_at=now
    )
    if not updated:
        raise SignatureError(_("La demande de signature a été modifiée entre-temps : rechargez la page."))
    signature_request.status, signature_request.signed_document, signature_request.closed_at = Status.COMPLETED, signed, now
    if signature_request.requested_by_id:
        requester = User.objects.get(pk=signature_request.requested_by_id)
        body = render_to_string(
            "contracts/signatures/email_completed.txt",
            {"signature_request": signature_request, "document": document, "signers": signers},
        )
        _send(subject=_("Document signé par tous : %(title)s") % {"title": document.title}, body=body, to=[requester.email])


def _signed_pdf(signature_request: SignatureRequest, signers: list[Signer], *, original: bytes) -> bytes:
    """The original pages followed by the signature certificate page (WeasyPrint + pypdf)."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML  # slow to import: only when a PDF is produced

    contract = signature_request.document.contract
    html = render_to_string(
        "contracts/pdf/signature_certificate.html",
        {
            "signature_request": signature_request,
            "document": signature_request.document,
            "contract": contract,
            "signers": signers,
            "organisation": settings.ORGANISATION,
            "generated_at": timezone.now(),
        },
    )
    certificate = HTML(string=html).write_pdf()
    writer = PdfWriter()
    writer.append(stamp_signatures(original, signature_request.document.signature_boxes, signers))
    writer.append(PdfReader(io.BytesIO(certificate)))
    writer.add_metadata({"/Title": signature_request.document.title, "/Subject": "Signature électronique simple"})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def signature_line(signer: Signer) -> str:
    """« Signé électroniquement par Name (role) le dd/mm/yyyy à hh:mm (heure de Paris) »."""
    signed_at = timezone.localtime(signer.signed_at, PARIS)
    return _("Signé électroniquement par %(name)s (%(role)s) le %(date)s à %(time)s (heure de Paris)") % {
        "name": _display_name(signer.user), "role": signer.get_role_display().lower(),
        "date": f"{signed_at:%d/%m/%Y}", "time": f"{signed_at:%H:%M}",
    }


def stamp_signatures(original: bytes, boxes: list[dict], signers: list[Signer]):
    """The original PDF with each signer's line stamped in the signature box of its role.

    ``boxes`` are the positions WeasyPrint laid out when the document was generated
    (``Document.signature_boxes``); each stamp is a transparent page of the same size rendered
    with WeasyPrint and merged over the original page (pypdf), so the original content is kept
    as it was hashed. A signer whose role has no box (an uploaded document, the Cerfa sheet) is
    only on the certificate page. Returns a ``PdfReader`` over the stamped pages."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    reader = PdfReader(io.BytesIO(original))
    by_role = {signer.role: signer for signer in signers if signer.signed_at}
    stamps: dict[int, list[tuple[dict, str]]] = {}
    for box in boxes or []:
        signer = by_role.get(box.get("role"))
        if signer is not None and 0 <= box.get("page", -1) < len(reader.pages):
            stamps.setdefault(box["page"], []).append((box, signature_line(signer)))
    if not stamps:
        return reader
    writer = PdfWriter(clone_from=reader)
    for index, page in enumerate(writer.pages):
        if index in stamps:
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            html = render_to_string(
                "contracts/pdf/signature_stamp.html",
                {"width": width, "height": height,
                 "stamps": [{"left": box["x"], "top": height - box["y"] - box["height"], "width": box["width"],
                             "height": box["height"], "text": text} for box, text in stamps[index]]},
            )
            overlay = PdfReader(io.BytesIO(HTML(string=html).write_pdf())).pages[0]
            page.merge_page(overlay)
    output = io.BytesIO()
    writer.write(output)
    return PdfReader(io.BytesIO(output.getvalue()))


@transaction.atomic
def signature_request_cancel(*, request: SignatureRequest, by: User, reason: str) -> SignatureRequest:
    """Staff cancel a pending request themselves, with a reason (compare-and-set on the status)."""
    if not access.can_cancel_signature_request(by, request):
        raise SignatureError(_("Seule l'équipe alternance peut annuler une demande de signature en cours."))
    reason = (reason or "").strip()
    if not reason:
        raise SignatureError(_("Indiquez le motif de l'annulation."))
    now = timezone.now()
    updated = SignatureRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
        status=Status.CANCELLED, closed_at=now, closed_by=by, close_reason=reason
    )
    if not updated:
        raise SignatureError(_("La demande n'est plus en cours (signée, annulée ou invalidée entre-temps) : rechargez la page."))
    request.refresh_from_db()
    return request


def signature_request_verify(request: SignatureRequest) -> bool:
    """Whether the request's document still matches the SHA-256 recorded at request time (and,
    for a completed request, whether the signed PDF is intact).

    A pending request whose document changed is invalidated here (a changed document voids the
    signatures already given). Cancelled and invalidated requests are not valid.
    """
    if request.status not in (Status.PENDING, Status.COMPLETED):
        return False
    matches = _sha256_of_stored_file(request.document) == request.document_sha256
    if request.status == Status.PENDING:
        if not matches:
            with transaction.atomic():
                _invalidate(request, by=None)
            return False
        return True
    signed = request.signed_document
    if signed is None:
        return False
    try:
        return matches and document_is_intact(signed)
    except (OSError, ValueError):
        return False


# --- reads of this concern -----------------------------------------------------------------------

def signatures_to_sign(user: User) -> QuerySet:
    """The user's signatures still awaited, on pending requests, with what the page shows."""
    return (
        access.visible(user, Signer)
        .filter(user=user, signed_at__isnull=True, request__status=Status.PENDING)
        .select_related("request__document__contract__company", "request__document__contract__apprentice", "request__requested_by")
        .prefetch_related(Prefetch("request__signers", queryset=Signer.objects.select_related("user").order_by("pk")))
        .order_by("request__requested_at", "pk")
    )


def own_pending_signature_documents(user: User) -> list[int]:
    """The documents of the user's own signatures still awaited, one id per signature (along the
    signer's user index; nearly always none). Whether the user still sees them is the caller's."""
    return list(
        Signer.objects.filter(user=user, signed_at__isnull=True, request__status=Status.PENDING)
        .values_list("request__document_id", flat=True)
    )


def signatures_to_sign_count(
    user: User, *, visible_documents: Collection[int] | None = None, pending: list[int] | None = None,
) -> int:
    """How many of ``signatures_to_sign`` wait: the count of that very list, in at most two short
    queries. That list's scope (``access.scope_signature_requests``) keeps a request the user signs,
    on a document the user still sees; its rows are the user's own signers, so the first part always
    holds and the count is: the user's own pending signatures (along the signer's user index; nearly
    always none) whose document ``access.visible`` keeps. Counting the scoped list itself nests the
    documents' and the contracts' scopes in the requests': 3 ms of an extranet home at 20 000
    learners, against 1,5 ms (issue 18 §2).

    ``visible_documents``: the ids of the documents ``access.visible`` gives the user among those
    of ``pending`` (``own_pending_signature_documents``), when the page has just read them (the
    extranet homes): neither query is then run again."""
    documents = own_pending_signature_documents(user) if pending is None else pending
    if not documents:
        return 0
    if visible_documents is None:
        visible_documents = set(access.visible(user, Document).filter(pk__in=documents).values_list("pk", flat=True))
    return sum(1 for document in documents if document in visible_documents)


def signature_requests_for_contract(user: User, contract: Contract) -> QuerySet:
    """The signature requests on the contract's documents that the user may see, newest first."""
    return (
        access.visible(user, SignatureRequest)
        .filter(document__contract=contract)
        .select_related("document", "requested_by", "signed_document", "closed_by")
        .prefetch_related(Prefetch("signers", queryset=Signer.objects.select_related("user").order_by("pk")))
        .order_by("-requested_at", "-pk")
    )


def signer_get(user: User, pk: int) -> Signer:
    """A signer row for its signature page (404 outside the user's scope)."""
    qs = Signer.objects.select_related(
        "user", "request__document__contract__company", "request__document__contract__apprentice", "request__requested_by"
    )
    return access.get_visible_or_404(user, qs, pk=pk)


def signature_request_get(user: User, pk: int) -> SignatureRequest:
    """A signature request for its files (404 outside the user's scope)."""
    qs = SignatureRequest.objects.select_related("document__contract", "signed_document")
    return access.get_visible_or_404(user, qs, pk=pk)
