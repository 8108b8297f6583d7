"""Pillow's decompression-bomb guard on a proof (issue 17 §14) at its limit, for a PNG and a JPEG:
Pillow refuses to open an image of more than twice ``Image.MAX_IMAGE_PIXELS`` (lowered here to
5 000, so twice is 10 000 pixels). At limit − 1 and at the limit the image opens and the cap
(``min(settings.PROOF_MAX_IMAGE_PIXELS, Image.MAX_IMAGE_PIXELS)``) refuses it with its size; at
limit + 1 it is still recognised from its header (``_image_header_format``) and refused as far too
large, never as an unreadable file. Messages asserted exactly (French thousands separator)."""

from __future__ import annotations

import struct
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from alternance.attendance.services import _read_proof
from tests.alternance.attendance.test_absences_proof_active_content import Upload, png_of_size
from tests.alternance.attendance.test_absences_support import jpeg_bytes

NBSP = "\xa0"  # the thousands separator of Django's French format
PILLOW_LIMIT = 5_000  # Image.MAX_IMAGE_PIXELS for these tests: Pillow refuses to open over 2 × 5 000 pixels
TOO_LARGE = (
    f"L'image est beaucoup trop grande (plus de 5{NBSP}000 pixels) : reprenez la photo en résolution standard ou "
    "réduisez-la, puis déposez-la à nouveau."
)


def measured(width: str, height: str, pixels: str) -> str:
    return (
        f"L'image mesure {width} × {height} pixels, soit {pixels} pixels : au-delà de la limite de 5{NBSP}000 pixels. "
        "Reprenez la photo en résolution standard ou réduisez-la, puis déposez-la à nouveau."
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header (SOF0) declares ``width`` × ``height``: Pillow reads the
    size from that header, no pixel is decoded."""
    content = bytearray(jpeg_bytes())
    frame = content.index(b"\xff\xc0")
    content[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(content)


@pytest.fixture(autouse=True)
def pillow_limit(monkeypatch, settings):
    settings.PROOF_MAX_IMAGE_PIXELS = 40_000_000
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", PILLOW_LIMIT)


def test_jpeg_declaring_keeps_a_jpeg_of_the_size_declared():
    with Image.open(BytesIO(jpeg_declaring(300, 2))) as image:
        assert (image.format, image.size) == ("JPEG", (300, 2))


@pytest.mark.parametrize("make", [png_of_size, jpeg_declaring], ids=["png", "jpeg"])
@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((9_999, 1), measured(f"9{NBSP}999", "1", f"9{NBSP}999")),  # limit − 1: opens, refused by the cap
        (
            (100, 100),
            measured("100", "100", f"10{NBSP}000"),
        ),  # limit (2 × Image.MAX_IMAGE_PIXELS): opens, refused by the cap
        ((10_001, 1), TOO_LARGE),  # limit + 1: Pillow's DecompressionBombError, recognised by its header
    ],
    ids=["limit-1", "limit", "limit+1"],
)
def test_image_max_image_pixels_decompression_bomb_limits(make, size, message):
    """Pillow's ``Image.MAX_IMAGE_PIXELS`` (twice it: ``DecompressionBombError``) under the
    setting ``PROOF_MAX_IMAGE_PIXELS``: the lower of the two is the limit announced."""
    with pytest.raises(ValidationError) as error:
        _read_proof(Upload(make(*size)), max_size_mb=5)

    assert error.value.message_dict == {"proof": [message]}
