"""Storing documents: SHA-256, size, versions of generated documents, integrity check."""

import hashlib

import pytest

from contracts.choices import DocumentKind
from contracts.documents import document_is_intact, document_read, document_store

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_stored_document_keeps_its_sha256_size_and_content(contract):
    document = document_store(content=b"%PDF-1.7 cerfa", filename="cerfa.pdf", kind=DocumentKind.CERFA, title="Cerfa", contract=contract)

    document.refresh_from_db()
    assert document.sha256 == hashlib.sha256(b"%PDF-1.7 cerfa").hexdigest()
    assert (document.size, document.apprentice_id, document.version) == (14, contract.apprentice_id, 1)
    assert document_read(document) == b"%PDF-1.7 cerfa"
    assert document_is_intact(document)


def test_generated_documents_are_versioned_per_contract_and_kind(contract):
    first = document_store(content=b"v1", filename="cerfa.pdf", kind=DocumentKind.CERFA, title="Cerfa", contract=contract, generated=True)
    second = document_store(content=b"v2", filename="cerfa.pdf", kind=DocumentKind.CERFA, title="Cerfa", contract=contract, generated=True)
    other_kind = document_store(content=b"c", filename="convention.pdf", kind=DocumentKind.CONVENTION, title="Convention", contract=contract, generated=True)

    assert (first.version, second.version, other_kind.version) == (1, 2, 1)
    assert first.file.name != second.file.name


def test_a_file_changed_on_disk_is_detected(contract):
    document = document_store(content=b"original", filename="convention.pdf", kind=DocumentKind.CONVENTION, title="Convention", contract=contract)
    with open(document.file.path, "wb") as handle:
        handle.write(b"tampered")

    assert not document_is_intact(document)
