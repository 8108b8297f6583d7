"""The proof's size limit (``AttendanceSettings.proof_max_size_mb``) at limit − 1, limit and
limit + 1 byte, with and without the size the upload announces, and the size written in the
refusal (one decimal, rounded up): pure checks, no database."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError

from alternance.attendance.services import MEGABYTE, PDF, PNG, _megabytes, _read_proof
from tests.alternance.attendance.test_absences_support import pdf_bytes, png_bytes


class Upload(BytesIO):
    """A file as a form hands it over; ``size`` is what the browser announced (None: unknown)."""

    def __init__(self, content: bytes, size: int | None = None):
        super().__init__(content)
        if size is not None:
            self.size = size


def padded_pdf(length: int) -> bytes:
    content = pdf_bytes()
    return content + b"%" * (length - len(content))


def refusal(size_text: str, limit: int = 1) -> dict:
    return {"proof": [
        f"Le fichier pèse {size_text} Mo, au-delà de la limite de {limit} Mo : réduisez sa taille "
        "(photo moins lourde, PDF compressé) puis déposez-le à nouveau."
    ]}


@pytest.mark.parametrize(("size", "text"), [
    (0, "0,0"),
    (1, "0,1"),
    (MEGABYTE, "1,0"),
    (MEGABYTE + 1, "1,1"),
    (5 * MEGABYTE, "5,0"),
    (5 * MEGABYTE + 1, "5,1"),
    (MEGABYTE * 3 // 2, "1,5"),
])
def test_megabytes_one_decimal_rounded_up(size, text):
    assert _megabytes(size) == text


@pytest.mark.parametrize("announced", [True, False], ids=["size-announced", "size-unknown"])
@pytest.mark.parametrize(("length", "accepted"), [
    (MEGABYTE - 1, True),  # limit − 1
    (MEGABYTE, True),  # limit: proof_max_size_mb = 1
    (MEGABYTE + 1, False),  # limit + 1
], ids=["limit-1", "limit", "limit+1"])
def test_proof_max_size_mb_limits(length, accepted, announced):
    content = padded_pdf(length)
    upload = Upload(content, size=length if announced else None)

    if accepted:
        assert _read_proof(upload, max_size_mb=1) == (content, PDF)
    else:
        with pytest.raises(ValidationError) as error:
            _read_proof(upload, max_size_mb=1)
        assert error.value.message_dict == refusal("1,1")


def test_an_announced_size_over_the_limit_is_refused_before_reading():
    upload = Upload(png_bytes(), size=2 * MEGABYTE + 1)

    with pytest.raises(ValidationError) as error:
        _read_proof(upload, max_size_mb=2)

    assert error.value.message_dict == refusal("2,1", limit=2)
    assert upload.tell() == 0  # nothing read


def test_an_announced_size_under_the_truth_is_caught_by_reading():
    """The size announced says 10 bytes; the bytes read over the limit are what counts."""
    content = padded_pdf(MEGABYTE + 1)

    with pytest.raises(ValidationError) as error:
        _read_proof(Upload(content, size=10), max_size_mb=1)

    assert error.value.message_dict == refusal("0,1")


def test_the_proof_is_read_from_its_start():
    upload = Upload(png_bytes())
    upload.seek(0, 2)  # a file already read to its end by the form

    assert _read_proof(upload, max_size_mb=1) == (png_bytes(), PNG)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "Le fichier est vide : déposez votre justificatif (PDF, JPEG ou PNG)."),
    (b"MZ not a proof", "Ce fichier n'est pas un justificatif lisible : seuls les formats PDF, JPEG et PNG sont acceptés. "
                        "Déposez un PDF ou une photo (JPEG ou PNG) de votre justificatif."),
])
def test_an_empty_or_unreadable_proof_is_refused(content, message):
    with pytest.raises(ValidationError) as error:
        _read_proof(Upload(content, size=len(content)), max_size_mb=1)

    assert error.value.message_dict == {"proof": [message]}
