"""How a PDF proof is read before its active content is judged (issue 17 §14, ``pdf_active_content``):
a PDF protected by an owner password only (the usual « protected » export: anyone may open it) is
opened with the empty user password and accepted when plain; a PDF whose cross-reference offset is
slightly wrong (common from scanners) is read leniently (pypdf's ``strict=False``), never refused
as unreadable. The stored bytes are the uploaded ones."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfWriter

from alternance.attendance.services import PDF, _read_proof, pdf_active_content
from tests.alternance.attendance.test_absences_proof_active_content import Upload


def plain_pdf(*, owner_password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if owner_password is not None:
        writer.encrypt(user_password="", owner_password=owner_password, algorithm="RC4-128")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def with_wrong_startxref(content: bytes) -> bytes:
    """The same PDF whose ``startxref`` points 7 bytes too far: lenient readers find the table anyway."""
    head, tail = content.rsplit(b"startxref", 1)
    offset = int(tail.split()[0])
    return head + b"startxref\n" + str(offset + 7).encode() + b"\n%%EOF\n"


@pytest.mark.parametrize(
    "content",
    [
        plain_pdf(),
        plain_pdf(owner_password="proprietaire"),  # encrypted, empty user password
        with_wrong_startxref(plain_pdf()),
    ],
    ids=["plain", "owner-password-only", "wrong-startxref"],
)
def test_a_plain_pdf_read_leniently_is_accepted_as_uploaded(content):
    assert pdf_active_content(content) is None
    assert _read_proof(Upload(content), max_size_mb=1) == (content, PDF)
