"""Storing documents: one service for uploaded and generated files (SHA-256, size, version).

Files are written under MEDIA_ROOT (outside the web root) and only ever served by views that
fetch the ``Document`` through the access policy.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max

from alternance.models import Apprentice, User
from companies.models import Company
from contracts.models import Contract, Document, OpcoInstalment


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
) -> Document:
    """Store ``content`` as a new Document. A generated document gets the next version number of
    its (contract or apprentice, kind) so that earlier versions stay available and traceable."""
    if contract is not None and apprentice is None:
        apprentice = contract.apprentice
    version = 1
    if generated:
        same = Document.objects.select_for_update().filter(kind=kind, is_generated=True, contract=contract, apprentice=apprentice)
        version = (same.aggregate(latest=Max("version"))["latest"] or 0) + 1
    document = Document(
        kind=kind, title=title, contract=contract, apprentice=apprentice, company=company, uploaded_by=by,
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
