"""Storing documents: one service for uploaded and generated files (SHA-256, size, version).

Files are written under MEDIA_ROOT (outside the web root) and only ever served by views that
fetch the ``Document`` through the access policy.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from alternance.models import Apprentice, User
from companies.models import Company
from contracts.choices import ACCESS_LOGGED_KINDS, DocumentKind
from contracts.models import Contract, Document, DocumentAccess, OpcoInstalment


@transaction.atomic
def document_store(
    *,
    content: bytes,
    filename: str,
    kind: str,
    title: str,
    contract: Contract | None = None,
    apprentice: Apprentice | None = None,
    company: Company | None = None,
    by: User | None = None,
    generated: bool = False,
    content_type: str = "application/pdf",
    period_start: date | None = None,
    period_end: date | None = None,
    instalment: OpcoInstalment | None = None,
    source_values: dict | None = None,
    source_fingerprint: str = "",
    signature_boxes: list | None = None,
    training_session=None,
    cohort=None,
) -> Document:
    """Store ``content`` as a new Document. A generated document gets the next version number of
    its (contract or apprentice or session or cohort, kind) so that earlier versions stay available
    and traceable; a monthly sheet counts its versions per month (``period_start``)."""
    if contract is not None and apprentice is None:
        apprentice = contract.apprentice
    version = 1
    if generated:
        same = Document.objects.select_for_update().filter(
            kind=kind, is_generated=True, contract=contract, apprentice=apprentice, training_session=training_session, cohort=cohort)
        if kind == DocumentKind.MONTHLY_SIGNIN_SHEET:
            same = same.filter(period_start=period_start)
        version = (same.aggregate(latest=Max("version"))["latest"] or 0) + 1
    document = Document(
        kind=kind, title=title, contract=contract, apprentice=apprentice, company=company, uploaded_by=by,
        training_session=training_session, cohort=cohort,
        is_generated=generated, version=version, content_type=content_type,
        period_start=period_start, period_end=period_end, instalment=instalment,
        sha256=hashlib.sha256(content).hexdigest(), size=len(content),
        source_values=source_values or {}, source_fingerprint=source_fingerprint, signature_boxes=signature_boxes or [],
    )
    document.file.save(filename, ContentFile(content), save=False)
    # If validation or the insert fails, the transaction rolls back but the file stays: remove it.
    try:
        document.full_clean()
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Delete a document that no longer has a purpose (a replaced absence proof, issue 17 §5): the
    row now, its file once the deletion is committed (a rollback keeps both)."""
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def document_read(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


def document_is_intact(document: Document) -> bool:
    """Whether the stored file still has the SHA-256 recorded when it was stored."""
    return hashlib.sha256(document_read(document)).hexdigest() == document.sha256


# --- the log of sensitive downloads (issue 17 §6) ---------------------------------------------------


def document_is_access_logged(document: Document) -> bool:
    """Whether every download of ``document`` is logged: an absence proof (health data) or a
    document printing the apprentice's NIR — the Cerfa, and the signed PDF made from a Cerfa."""
    if document.kind in ACCESS_LOGGED_KINDS:
        return True
    if document.kind == DocumentKind.SIGNED:
        return Document.objects.filter(signature_requests__signed_document=document, kind__in=ACCESS_LOGGED_KINDS).exists()
    return False


def _user_name(user: User) -> str:
    return (user.get_full_name() or user.email or str(user.pk))[:255]


@transaction.atomic
def document_access_log(
    *, documents: Iterable[Document], user: User, channel: str, now: datetime | None = None
) -> list[DocumentAccess]:
    """Log that ``user`` received ``documents`` (who, when, how); those whose downloads are not
    logged (``document_is_access_logged``) are skipped. One INSERT whatever their number."""
    now = now or timezone.now()
    rows = [
        DocumentAccess(document=document, user=user, user_name=_user_name(user), accessed_at=now, channel=channel)
        for document in documents
        if document_is_access_logged(document)
    ]
    for row in rows:
        row.full_clean(exclude=["document", "user"])
    return DocumentAccess.objects.bulk_create(rows)


def document_accesses(documents: QuerySet | Iterable[Document]) -> dict[int, list[DocumentAccess]]:
    """The downloads logged on each document, latest first (one query): for « Consulté par … le … ».
    The caller passes documents the user may see (``access.visible``)."""
    ids = [document.pk for document in documents]
    by_document: dict[int, list[DocumentAccess]] = defaultdict(list)
    for row in DocumentAccess.objects.filter(document_id__in=ids).order_by("-accessed_at", "-pk"):
        by_document[row.document_id].append(row)
    return dict(by_document)
