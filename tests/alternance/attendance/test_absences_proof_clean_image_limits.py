"""A proof image is stored decoded and encoded again (issue 17 §14, ``proof_clean``): each JPEG mode
Pillow reads — grey (``L``) kept, colour (``RGB``) kept, printer colours (``CMYK``) turned into
``RGB`` — at quality 90; an image that is not of the format announced, or whose pixel data is
truncated, is refused with the exact French message of an unreadable proof."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageFile

from alternance.attendance.services import JPEG, PNG, ProofRefused, _read_proof, proof_clean, proof_format
from tests.alternance.attendance.test_absences_proof_active_content import Upload
from tests.alternance.attendance.test_absences_support import jpeg_bytes, png_bytes

TYPE_ERROR = (
    "Ce fichier n'est pas un justificatif lisible : seuls les formats PDF, JPEG et PNG sont acceptés. "
    "Déposez un PDF ou une photo (JPEG ou PNG) de votre justificatif."
)


def jpeg_of_mode(mode: str, *, quality: int = 75) -> bytes:
    """A 64 × 64 JPEG with a gradient (real scan data, a few kilobytes) in ``mode``."""
    grey = Image.linear_gradient("L").resize((64, 64))
    image = grey if mode == "L" else Image.merge("RGB", (grey, grey.rotate(90), grey.rotate(180))).convert(mode)
    out = BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def stored_image(content: bytes) -> Image.Image:
    stored, found = _read_proof(Upload(content), max_size_mb=1)
    assert found is JPEG
    image = Image.open(BytesIO(stored))
    assert image.format == "JPEG"
    return image


@pytest.mark.parametrize(
    ("mode", "stored_mode"),
    [
        ("L", "L"),  # grey: kept grey
        ("RGB", "RGB"),
        ("CMYK", "RGB"),  # printer colours: JPEG viewers differ on CMYK, stored as RGB
    ],
)
def test_a_jpeg_proof_is_stored_in_grey_or_rgb(mode, stored_mode):
    content = jpeg_of_mode(mode)
    assert Image.open(BytesIO(content)).mode == mode

    image = stored_image(content)

    assert (image.mode, image.size) == (stored_mode, (64, 64))


def test_a_jpeg_proof_is_re_encoded_at_quality_90():
    """Quality 90: the quantisation tables of Pillow's quality 90, not its default 75."""
    reference = Image.open(BytesIO(jpeg_of_mode("RGB", quality=90)))

    image = stored_image(jpeg_of_mode("RGB", quality=75))

    assert image.quantization == reference.quantization


@pytest.mark.parametrize(
    ("content", "announced"),
    [
        (png_bytes(), JPEG),
        (jpeg_bytes(), PNG),
    ],
    ids=["png-as-jpeg", "jpeg-as-png"],
)
def test_an_image_not_of_the_format_announced_is_refused(content, announced):
    """``proof_clean`` opens the image with the format found only (never another one Pillow knows)."""
    with pytest.raises(ProofRefused) as error:
        proof_clean(content, announced)

    assert str(error.value) == TYPE_ERROR


@pytest.fixture(params=[False, True], ids=["pillow-default", "after-weasyprint"])
def pillow_truncated_flag(request, monkeypatch):
    """Pillow's process-wide ``LOAD_TRUNCATED_IMAGES`` as the test finds it: off (Pillow's default) or
    on, as importing WeasyPrint leaves it in every process that made a PDF (CI failed on this order)."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", request.param)
    return request.param


def test_a_jpeg_with_truncated_pixel_data_is_refused_as_unreadable(pillow_truncated_flag):
    content = jpeg_of_mode("RGB")
    scan = content.index(b"\xff\xda")  # start of scan: every header before it is kept
    truncated = content[: scan + 40]
    with Image.open(BytesIO(truncated)) as image:
        assert (image.format, image.size) == ("JPEG", (64, 64))  # the header reads: only the pixels are missing

    with pytest.raises(ValidationError) as error:
        _read_proof(Upload(truncated), max_size_mb=1)

    assert error.value.message_dict == {"proof": [TYPE_ERROR]}
    assert ImageFile.LOAD_TRUNCATED_IMAGES is pillow_truncated_flag  # put back for WeasyPrint's own images


def test_a_png_cut_in_its_pixel_data_is_refused_as_unreadable(pillow_truncated_flag):
    content = png_bytes()
    data = content.index(b"IDAT")
    truncated = content[: data + 10]  # the IDAT chunk's length and type, then 6 bytes of its data

    with pytest.raises(ValidationError) as error:
        _read_proof(Upload(truncated), max_size_mb=1)

    assert error.value.message_dict == {"proof": [TYPE_ERROR]}
    assert ImageFile.LOAD_TRUNCATED_IMAGES is pillow_truncated_flag


def test_a_png_whose_ancillary_chunk_checksum_is_wrong_is_not_a_proof(pillow_truncated_flag):
    """With the flag on, Pillow skips the checksum of ancillary chunks (lower-case first letter)."""
    image = Image.new("RGB", (8, 4), (10, 20, 30))
    out = BytesIO()
    image.save(out, "PNG", pnginfo=_text_chunk("Comment", "scan"))
    content = bytearray(out.getvalue())
    chunk = content.index(b"tEXt")
    length = int.from_bytes(content[chunk - 4 : chunk], "big")
    content[chunk + 4 + length] ^= 0xFF  # first byte of the chunk's CRC

    assert proof_format(bytes(content)) is None
    assert ImageFile.LOAD_TRUNCATED_IMAGES is pillow_truncated_flag


def test_weasyprint_imported_does_not_let_a_truncated_jpeg_through():
    import weasyprint  # noqa: F401 — the import sets Pillow's flag for the whole process

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    content = jpeg_of_mode("RGB")
    truncated = content[: content.index(b"\xff\xda") + 40]

    with pytest.raises(ProofRefused) as error:
        proof_clean(truncated, JPEG)

    assert str(error.value) == TYPE_ERROR
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def _text_chunk(key: str, value: str):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text(key, value)
    return info


def png_with_transparency(mode: str, transparency) -> bytes:
    """A small PNG whose ``tRNS`` chunk names one transparent colour (a palette index, a grey
    level or an RGB colour); None: no ``tRNS`` chunk."""
    image = Image.new(mode, (8, 4), 0 if mode != "RGB" else (0, 0, 0))
    if mode == "P":
        image.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    out = BytesIO()
    image.save(out, "PNG", **({} if transparency is None else {"transparency": transparency}))
    return out.getvalue()


@pytest.mark.parametrize(
    ("mode", "transparency"),
    [
        ("P", 0),  # a palette's transparent index (a scanned form's background, a logo)
        ("P", 1),
        ("L", 255),  # a grey level
        ("RGB", (200, 30, 30)),  # one RGB colour
        ("P", None),  # no transparent colour: none added
    ],
)
def test_a_png_proof_keeps_its_transparent_colour(mode, transparency):
    """The transparent colour is part of the picture (issue 17 §14): it is the one piece of the PNG's
    ancillary data kept when it is re-encoded."""
    content = png_with_transparency(mode, transparency)

    stored, found = _read_proof(Upload(content), max_size_mb=1)

    image = Image.open(BytesIO(stored))
    assert (found, image.format, image.mode, image.size) == (PNG, "PNG", mode, (8, 4))
    assert image.info.get("transparency") == transparency
