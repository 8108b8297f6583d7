"""Edges of a proof's reading (issue 16, the functions of ``alternance/attendance/services.py`` its
mutation run reached last): a PDF without a page is no proof; a graph pypdf cannot walk is
« /Unreadable »; an explicit pixel limit is the one applied (limit − 1, limit, limit + 1); a file
object that does not say its size is measured by reading it."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image
from pypdf import PdfWriter

from alternance.attendance.services import (
    JPEG,
    PDF,
    ProofRefused,
    _read_proof,
    pdf_active_content,
    proof_clean,
    proof_format,
)
from tests.alternance.attendance.test_absences_support import pdf_bytes

TYPE_ERROR = (
    "Ce fichier n'est pas un justificatif lisible : seuls les formats PDF, JPEG et PNG sont acceptés. "
    "Déposez un PDF ou une photo (JPEG ou PNG) de votre justificatif."
)


def test_a_pdf_without_any_page_is_not_a_proof():
    empty = BytesIO()
    PdfWriter().write(empty)  # a valid file with an empty page tree
    one_page = BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.write(one_page)

    assert proof_format(empty.getvalue()) is None
    assert proof_format(one_page.getvalue()) is PDF


def test_a_pdf_whose_graph_cannot_be_walked_is_unreadable(monkeypatch):
    import pypdf

    def broken_reader(*args, **kwargs):
        raise pypdf.errors.PdfReadError("xref table broken")

    monkeypatch.setattr(pypdf, "PdfReader", broken_reader)

    assert pdf_active_content(pdf_bytes()) == "/Unreadable"


def square_jpeg(side: int) -> bytes:
    out = BytesIO()
    Image.new("RGB", (side, side), (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(("max_pixels", "refused"), [(4095, True), (4096, False), (4097, False)],
                         ids=["limit-1", "limit", "limit+1"])
def test_an_explicit_pixel_limit_is_the_one_applied(settings, max_pixels, refused):
    """A 64 × 64 photo (4 096 pixels) against a limit given by the caller, the site's own being far above."""
    settings.PROOF_MAX_IMAGE_PIXELS = 40_000_000
    content = square_jpeg(64)

    if refused:
        with pytest.raises(ProofRefused) as error:
            proof_clean(content, JPEG, max_pixels=max_pixels)
        assert "64 × 64 pixels" in str(error.value)
    else:
        with Image.open(BytesIO(proof_clean(content, JPEG, max_pixels=max_pixels))) as stored:
            assert stored.size == (64, 64)


def test_a_file_that_does_not_say_its_size_is_measured_by_reading_it():
    small = pdf_bytes()
    assert _read_proof(BytesIO(small), max_size_mb=1) == (small, PDF)  # a plain BytesIO has no ``size``

    too_big = small + b"%" + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as error:
        _read_proof(BytesIO(too_big), max_size_mb=1)

    assert "au-delà de la limite de 1 Mo" in error.value.message_dict["proof"][0]


class EndlessStream:
    """A file object without a size whose content never ends (a client streaming forever): what was
    asked of it is recorded; reading it to its end is a failure."""

    def __init__(self):
        self.requested: list[int] = []

    def seek(self, offset: int) -> None:
        assert offset == 0

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and size >= 0, "read to the end of an endless stream"
        self.requested.append(size)
        return b"%PDF-1.7\n" + b"0" * (size - 9)


def test_a_stream_without_a_size_is_read_one_byte_past_the_limit_at_most():
    stream = EndlessStream()

    with pytest.raises(ValidationError) as error:
        _read_proof(stream, max_size_mb=1)

    assert stream.requested == [1024 * 1024 + 1]  # the limit and one byte: enough to know it is over
    assert "au-delà de la limite de 1 Mo" in error.value.message_dict["proof"][0]
