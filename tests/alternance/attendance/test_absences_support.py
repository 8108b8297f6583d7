"""Helpers shared by the absences tests (no test here): real proof files built in memory, the
frozen "today" of the tests and a few records on the two-sided world of ``tests.factories.web``."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from alternance.demo.absences import proof_pdf

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 10, 30, tzinfo=PARIS)
RECENT_DAY = date(2026, 11, 26)  # within the default 7-day deadline on TODAY


def pdf_bytes(text: str = "Certificat médical") -> bytes:
    return proof_pdf([text, "Consultation du 26/11/2026"])


def png_bytes(size: tuple[int, int] = (32, 16)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


# A Windows executable's header (the "MZ" DOS stub and the PE signature), padded.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"\x80\x00\x00\x00" + b"\x00" * 64 + b"PE\x00\x00"


def upload(content: bytes, name: str = "justificatif.pdf", content_type: str = "application/pdf") -> SimpleUploadedFile:
    """An uploaded file as the view receives it: the name and content type are the browser's claim."""
    return SimpleUploadedFile(name, content, content_type=content_type)
