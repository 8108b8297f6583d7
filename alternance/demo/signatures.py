"""Signature requests of the demo (issue 14 §9), in every state, on documents of the demo
apprentice's contract (the only learner and employer of the demo with an extranet account):

- the Cerfa, signed by all three parties, with its signed PDF (original + certificate page);
- the training agreement, partly signed (the OF and the apprentice; the employer still to sign);
- the remuneration schedule, nobody signed yet: « À signer » of the apprentice, the employer and
  the administrative staff account each show a document;
- an earlier schedule whose request was cancelled by staff, and an earlier agreement whose
  request was invalidated because the file changed after the request.

Every file is a small real PDF stored through ``document_store`` (SHA-256, versions), as the
absence proofs of the demo. Rows are written directly: the services would email the demo people
and date everything now.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

from pypdf import PdfReader, PdfWriter

from alternance.choices import Role
from alternance.demo.absences import DEMO_APPRENTICE_EMAIL, proof_pdf
from alternance.demo.admissions import working_days_before
from alternance.demo.contract_history import at, keeping_timestamps
from alternance.demo.dates import working_day_on_or_before
from alternance.models import User
from contracts.choices import DocumentKind, SignatureRequestStatus, SignerRole
from contracts.documents import document_store
from contracts.models import Contract, Document, SignatureRequest, Signer

Status = SignatureRequestStatus
DEMO_IP = "192.0.2.{}"  # TEST-NET-1 (RFC 5737): documentation addresses
DEMO_BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


def _document_pdf(contract: Contract, title: str, lines: list[str]) -> bytes:
    return proof_pdf([title, *lines, f"Apprenti·e : {contract.apprentice.full_name}", f"Employeur : {contract.company.name}"])


def _signed_pdf(original: bytes, certificate: list[str]) -> bytes:
    """The original pages followed by a certificate page, as ``contracts.signatures`` produces."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(original)))
    writer.append(PdfReader(io.BytesIO(proof_pdf(certificate))))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _document(contract: Contract, kind: str, title: str, content: bytes, *, by: User | None, when) -> Document:
    document = document_store(
        content=content, filename=f"{kind}-demo-{contract.pk}.pdf", kind=kind, title=title, contract=contract, by=by,
        generated=True,
    )
    Document.objects.filter(pk=document.pk).update(created_at=when)
    return document


def seed_signatures(*, today: date) -> int:
    """Signature requests on the demo apprentice's contract; returns how many were written."""
    contract = (
        Contract.objects.filter(apprentice__email=DEMO_APPRENTICE_EMAIL, master__user__isnull=False)
        .select_related("apprentice__user", "company", "master__user").order_by("-start_date", "pk").first()
    )
    admin = User.objects.filter(role=Role.ADMIN_STAFF).order_by("pk").first()  # administratif@demo.test
    if contract is None or admin is None or contract.apprentice.user is None:
        return 0
    signers = {SignerRole.APPRENTICE: contract.apprentice.user, SignerRole.EMPLOYER: contract.master.user,
               SignerRole.ORGANISATION: admin}
    signed_on = contract.signature_date or working_days_before(today, 30)
    cerfa_day = working_day_on_or_before(signed_on - timedelta(days=2))
    title = f"du contrat de {contract.apprentice.full_name}"
    plan = [
        # (kind, title, requested on, status, roles signed, closing reason)
        (DocumentKind.CERFA, f"Cerfa {title}", cerfa_day, Status.COMPLETED, tuple(signers), ""),
        (DocumentKind.CONVENTION, f"Convention de formation {title}", working_days_before(today, 25), Status.INVALIDATED,
         (SignerRole.ORGANISATION,), "Le document a été modifié après la demande : une nouvelle demande est nécessaire."),
        (DocumentKind.CONVENTION, f"Convention de formation {title}", working_days_before(today, 8), Status.PENDING,
         (SignerRole.ORGANISATION, SignerRole.APPRENTICE), ""),
        (DocumentKind.REMUNERATION_SCHEDULE, f"Échéancier de rémunération {title}", working_days_before(today, 12),
         Status.CANCELLED, (), "Taux de la deuxième année erroné : échéancier régénéré."),
        (DocumentKind.REMUNERATION_SCHEDULE, f"Échéancier de rémunération {title}", working_days_before(today, 3),
         Status.PENDING, (), ""),
    ]
    requests, rows = [], []
    for index, (kind, doc_title, day, status, signed_roles, reason) in enumerate(plan):
        original = _document_pdf(contract, doc_title, [f"Version du {day:%d/%m/%Y}"])
        document = _document(contract, kind, doc_title, original, by=admin, when=at(day, 9))
        digest = document.sha256
        if status == Status.INVALIDATED:  # the file recorded at request time was not the one stored now
            digest = hashlib.sha256(f"{doc_title} — version remplacée".encode()).hexdigest()
        closed_day = day + timedelta(days=2) if status in (Status.CANCELLED, Status.INVALIDATED) else None
        request = SignatureRequest(
            document=document, document_sha256=digest, status=status, requested_by=admin, requested_at=at(day, 10),
            closed_by=admin if status == Status.CANCELLED else None, close_reason=reason,
            closed_at=at(min(closed_day, today), 15) if closed_day else None,
        )
        lines = []
        for order, (role, user) in enumerate(signers.items()):
            signer = Signer(role=role, user=user)
            if role in signed_roles:
                signer.signed_at = at(min(day + timedelta(days=order), today), 18, 5 * order)
                signer.ip_address, signer.user_agent, signer.signed_sha256 = DEMO_IP.format(10 + index * 3 + order), DEMO_BROWSER, digest
                lines.append(f"{signer.get_role_display()} : {user.get_full_name()}, signé le {signer.signed_at:%d/%m/%Y à %H:%M}")
            rows.append((request, signer))
        if status == Status.COMPLETED:
            last = max(s.signed_at for r, s in rows if r is request)
            request.closed_at = last
            certificate = ["Certificat de signature électronique simple", doc_title, f"Empreinte SHA-256 : {digest}", *lines]
            request.signed_document = _document(
                contract, DocumentKind.SIGNED, f"{doc_title} (signé)", _signed_pdf(original, certificate), by=None, when=last,
            )
        requests.append(request)
    with keeping_timestamps(SignatureRequest, "requested_at"):
        SignatureRequest.objects.bulk_create(requests)
    for request, signer in rows:
        signer.request = request
    Signer.objects.bulk_create([signer for _request, signer in rows])
    return len(requests)
