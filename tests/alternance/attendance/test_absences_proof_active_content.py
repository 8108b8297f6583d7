"""Active content is refused as a proof, images are capped in pixels and stored re-encoded (issue 17
§14): a PDF that runs JavaScript or carries files, and an 11 000 × 11 000 PNG of a few kilobytes,
used to be accepted and stored as uploaded."""

from __future__ import annotations

import html
import struct
import zlib
from io import BytesIO

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from alternance.attendance.services import (
    JPEG,
    PDF,
    PNG,
    ProofRefused,
    _read_proof,
    pdf_active_content,
    proof_clean,
)
from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import AttendanceRecord
from contracts.documents import document_read
from contracts.models import Document
from tests.alternance.attendance.test_absences_support import NOW, RECENT_DAY, pdf_bytes, upload
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.web import make_world

ACTIVE_PDF = (
    "Ce PDF contient du JavaScript, des actions automatiques ou des fichiers joints : il est refusé pour la sécurité "
    "de tous. Enregistrez-le à nouveau en PDF simple (« Imprimer » puis « Enregistrer au format PDF ») ou prenez une "
    "photo du document, puis déposez-le."
)
NBSP = "\xa0"  # the thousands separator of Django's French format


# --- crafted files ------------------------------------------------------------------------------------


def _rewritten(edit) -> bytes:
    """A real proof PDF with ``edit(writer)`` applied, written back."""
    writer = PdfWriter(clone_from=BytesIO(pdf_bytes()))
    edit(writer)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _open_action_javascript(writer):
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('ouvert');"),
    })


def _document_javascript(writer):
    writer.add_open_action(JavaScript("this.print({bUI:false,bSilent:true});"))


def _page_additional_action(writer):
    writer.pages[0][NameObject("/AA")] = DictionaryObject({
        NameObject("/O"): DictionaryObject({NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://example.test")}),
    })


def _embedded_file(writer):
    writer.add_attachment("facture.exe", b"MZ\x90\x00")


def _link(action: DictionaryObject):
    def edit(writer):
        annotation = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(10), FloatObject(10), FloatObject(100), FloatObject(40)]),
            NameObject("/A"): action,
        })
        writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    return edit


LAUNCH = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
URI = DictionaryObject({NameObject("/S"): NameObject("/URI"), NameObject("/URI"): TextStringObject("https://www.ameli.fr")})
# A destination only (open on page 1): an /OpenAction that runs nothing.
OPEN_ON_FIRST_PAGE = ArrayObject([NameObject("/Fit")])


def png_of_size(width: int, height: int) -> bytes:
    """A valid 1-bit black PNG of ``width`` × ``height``, compressed row by row: a few kilobytes on
    disk and in memory whatever its size (never decoded here)."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def small_png(width: int, height: int) -> bytes:
    out = BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


class Upload(BytesIO):
    def __init__(self, content: bytes):
        super().__init__(content)
        self.size = len(content)


# --- PDFs ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("edit", "found"), [
    (_open_action_javascript, "/JavaScript"),  # the brief's case: JavaScript run on opening (/OpenAction)
    (_document_javascript, "/JavaScript"),  # document-level JavaScript (the name tree)
    (_page_additional_action, "/AA"),  # an action run when a page opens
    (_embedded_file, "/EmbeddedFiles"),
    (_link(LAUNCH), "/Launch"),  # a link that starts a program
], ids=["open-action-js", "document-js", "page-aa", "embedded-file", "launch"])
def test_a_pdf_with_active_content_is_refused_with_a_french_message(edit, found):
    content = _rewritten(edit)

    assert pdf_active_content(content) == found
    with pytest.raises(ValidationError) as error:
        _read_proof(Upload(content), max_size_mb=5)
    assert error.value.message_dict == {"proof": [ACTIVE_PDF]}


def test_javascript_hidden_behind_an_indirect_object_or_a_name_escape_is_found():
    # The action dictionary as an indirect object, its type written /J#61vaScript (legal PDF syntax).
    def edit(writer):
        action = writer._add_object(DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)"),
        }))
        writer._root_object[NameObject("/OpenAction")] = action

    content = _rewritten(edit)
    escaped = content.replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")

    assert b"/JavaScript" not in escaped
    assert pdf_active_content(content) is not None
    assert pdf_active_content(escaped) is not None
    with pytest.raises(ProofRefused):
        proof_clean(escaped, PDF)


@pytest.mark.parametrize("edit", [
    lambda writer: None,
    _link(URI),  # a plain web link is not active content
    lambda writer: writer._root_object.__setitem__(NameObject("/OpenAction"), OPEN_ON_FIRST_PAGE),
], ids=["plain", "uri-link", "open-on-a-page"])
def test_a_plain_pdf_is_accepted_and_stored_as_uploaded(edit):
    content = _rewritten(edit)

    assert pdf_active_content(content) is None
    assert _read_proof(Upload(content), max_size_mb=5) == (content, PDF)


# --- images: pixels --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "accepted"), [
    ((99, 1), True),  # limit − 1
    ((10, 10), True),  # limit: PROOF_MAX_IMAGE_PIXELS = 100
    ((101, 1), False),  # limit + 1
], ids=["limit-1", "limit", "limit+1"])
def test_proof_max_image_pixels_limits(settings, size, accepted):
    settings.PROOF_MAX_IMAGE_PIXELS = 100
    content = small_png(*size)

    if accepted:
        stored, found = _read_proof(Upload(content), max_size_mb=1)
        assert found is PNG
        assert Image.open(BytesIO(stored)).size == size
    else:
        with pytest.raises(ValidationError) as error:
            _read_proof(Upload(content), max_size_mb=1)
        assert error.value.message_dict == {"proof": [
            "L'image mesure 101 × 1 pixels, soit 101 pixels : au-delà de la limite de 100 pixels. "
            "Reprenez la photo en résolution standard ou réduisez-la, puis déposez-la à nouveau."
        ]}


def test_the_default_cap_is_40_megapixels():
    assert django_settings.PROOF_MAX_IMAGE_PIXELS == 40_000_000


def test_an_11000_by_11000_png_is_refused_before_any_pixel_is_decoded():
    content = png_of_size(11_000, 11_000)
    assert len(content) < 100_000  # a few kilobytes: what the attacker sent

    with pytest.raises(ValidationError) as error:
        _read_proof(Upload(content), max_size_mb=5)

    assert error.value.message_dict == {"proof": [
        f"L'image mesure 11{NBSP}000 × 11{NBSP}000 pixels, soit 121{NBSP}000{NBSP}000 pixels : au-delà de la limite de "
        f"40{NBSP}000{NBSP}000 pixels. Reprenez la photo en résolution standard ou réduisez-la, puis déposez-la à nouveau."
    ]}


@pytest.mark.parametrize(("size", "accepted"), [
    ((8000, 5000), True),  # exactly 40 megapixels (decoded and re-encoded: 1 bit per pixel)
    ((8000, 5001), False),  # 8 000 pixels more
], ids=["limit", "limit+1-row"])
def test_the_default_cap_at_its_limit(size, accepted):
    content = png_of_size(*size)

    if accepted:
        stored, found = _read_proof(Upload(content), max_size_mb=5)
        assert (found, Image.open(BytesIO(stored)).size) == (PNG, size)
    else:
        with pytest.raises(ValidationError):
            _read_proof(Upload(content), max_size_mb=5)


def test_pillows_decompression_bomb_guard_holds_even_when_the_setting_is_raised(settings):
    """Raising the setting never lifts Pillow's own guard (``Image.MAX_IMAGE_PIXELS``)."""
    settings.PROOF_MAX_IMAGE_PIXELS = 10**10
    over_pillows = png_of_size(10_000, Image.MAX_IMAGE_PIXELS // 10_000 + 1)  # just over its warning
    far_over = png_of_size(20_000, 20_000)  # over twice its limit: Pillow refuses to open it at all

    with pytest.raises(ProofRefused) as error:
        proof_clean(over_pillows, PNG)
    assert str(error.value).startswith(f"L'image mesure 10{NBSP}000 × ")
    with pytest.raises(ValidationError) as error:
        _read_proof(Upload(far_over), max_size_mb=5)
    assert error.value.message_dict["proof"][0].startswith("L'image est beaucoup trop grande (plus de ")


# --- images: what is stored is not what was uploaded ------------------------------------------------


def test_a_photo_is_stored_upright_re_encoded_without_its_metadata():
    image = Image.new("RGB", (60, 40), (10, 120, 200))
    exif = image.getexif()
    exif[0x0112] = 6  # orientation: rotated 90° (a phone held upright)
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825)[2] = (48.0, 51.0, 24.0)  # GPS latitude: where the apprentice lives
    out = BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), icc_profile=b"\x00" * 128, comment=b"secret")
    uploaded = out.getvalue() + b"<script>trailing bytes</script>"

    stored, found = _read_proof(Upload(uploaded), max_size_mb=1)

    assert found is JPEG
    assert stored != uploaded
    assert b"trailing bytes" not in stored and b"PhoneMaker" not in stored
    reread = Image.open(BytesIO(stored))
    assert reread.size == (40, 60)  # turned upright
    assert dict(reread.getexif()) == {}
    assert "icc_profile" not in reread.info and "comment" not in reread.info


def test_a_png_is_stored_re_encoded_without_its_text_chunks_nor_what_follows_it():
    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    picture = Image.new("RGBA", (20, 10), (255, 0, 0, 0))  # transparent, with one opaque pixel
    picture.putpixel((3, 4), (0, 128, 0, 255))
    out = BytesIO()
    picture.save(out, "PNG", pnginfo=info)
    uploaded = out.getvalue() + b"PK\x03\x04 a zip appended"

    stored, found = _read_proof(Upload(uploaded), max_size_mb=1)

    assert found is PNG
    assert b"<script>" not in stored and b"PK\x03\x04" not in stored
    reread = Image.open(BytesIO(stored))
    assert (reread.size, reread.mode, reread.text) == ((20, 10), "RGBA", {})
    assert reread.tobytes() == picture.tobytes()  # the same picture, transparency included


# --- through the apprentice's form: a clear message, nothing written -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "name", "content_type", "message"), [
    (_rewritten(_open_action_javascript), "certificat.pdf", "application/pdf", ACTIVE_PDF),
    (png_of_size(11_000, 11_000), "photo.png", "image/png", f"L'image mesure 11{NBSP}000 × 11{NBSP}000 pixels"),
], ids=["pdf-javascript", "png-11000"])
def test_the_form_refuses_it_and_nothing_is_written(client, settings, tmp_path, time_machine, content, name, content_type, message):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)
    world = make_world()
    record = AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)
    client.force_login(world.a.apprentice_user)

    response = client.post(reverse("absence_justify", args=[record.pk]), {"reason": "Rendez-vous médical", "proof": upload(content, name, content_type)})

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    assert Document.objects.count() == 0
    assert list(tmp_path.rglob("*.*")) == []
    saved = AttendanceRecord.objects.get(pk=record.pk)
    assert (saved.justification, saved.proof_id, saved.reason) == (JustificationStatus.NONE, None, "")


@pytest.mark.django_db
def test_an_accepted_photo_is_stored_re_encoded(client, settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)
    world = make_world()
    record = AttendanceRecordFactory(apprentice=world.a.apprentice, day=RECENT_DAY, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)
    client.force_login(world.a.apprentice_user)
    info = PngInfo()
    info.add_text("Author", "Alice Martin, 12 rue des Lilas")
    out = BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(out, "PNG", pnginfo=info)

    response = client.post(reverse("absence_justify", args=[record.pk]), {"reason": "Grève", "proof": upload(out.getvalue(), "photo.png", "image/png")})

    assert response.status_code == 302
    document = Document.objects.get()
    stored = document_read(document)
    assert stored != out.getvalue() and b"rue des Lilas" not in stored
    assert (document.content_type, document.size, Image.open(BytesIO(stored)).size) == ("image/png", len(stored), (30, 20))
