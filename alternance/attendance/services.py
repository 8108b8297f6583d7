"""Absences (issue 6): the justification workflow, the employer's email on an unjustified absence,
the monthly attendance statement and the absence settings — services (writes) and selectors (reads).

- An apprentice justifies its own absence or lateness with a proof (PDF, JPEG or PNG, checked by
  its content) within the OF's deadline; staff who may record its attendance accept or refuse it
  (compare-and-set on "pending": two reviewers never both decide); the apprentice is emailed the
  decision.
- An absence entered by the register or the individual entry is reported once to the company's
  contacts (maître d'apprentissage, HR) of the contract covering that day. No legal deadline
  exists for that report (domain §3): the OF switches it on or off in ``AttendanceSettings``.
- Proofs are stored as documents of the apprentice without contract (``contract=None``), so an
  employer never sees them (a proof is often medical); the access policy serves them.
"""

from __future__ import annotations

import math
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alerts.triggers import facts_changed
from alternance import access
from alternance.choices import AttendanceStatus, JustificationStatus, Role, SessionStatus, SigninState
from alternance.history.services import record_bulk, record_change
from alternance.models import Apprentice, AttendanceRecord, AttendanceSettings, Cohort, SessionSignature, User
from alternance.outbox import email_queue, email_queue_many
from companies.models import CompanyContact
from contracts.choices import ACTIVE_CONTRACT_STATUSES, ContractStatus, DocumentKind
from contracts.documents import document_delete, document_store
from contracts.models import Contract, Document, DocumentAccess

MEGABYTE = 1024 * 1024
# Bounds of the settings page (the model's database constraint holds the size bounds too).
PROOF_MAX_SIZE_BOUNDS = (1, 20)
DEADLINE_DAYS_BOUNDS = (0, 60)
# The lateness tolerance of the sign-in (issue 19 §2), in minutes after a session's start.
SIGNIN_TOLERANCE_BOUNDS = (0, 60)
JUSTIFIABLE_STATUSES = (AttendanceStatus.ABSENT, AttendanceStatus.LATE)
# Contracts printed on a statement: those under which the apprentice worked (not drafts, not awaiting
# signatures, not refused by the OPCO).
PERFORMED_CONTRACT_STATUSES = (*ACTIVE_CONTRACT_STATUSES, ContractStatus.ENDED, ContractStatus.BROKEN)

# --- proof files: the type is read from the content ------------------------------------------------


@dataclass(frozen=True)
class ProofFormat:
    label: str
    content_type: str
    extension: str


PDF = ProofFormat("PDF", "application/pdf", "pdf")
JPEG = ProofFormat("JPEG", "image/jpeg", "jpg")
PNG = ProofFormat("PNG", "image/png", "png")


def _readable_pdf(content: bytes) -> bool:
    from pypdf import PdfReader

    try:
        reader = PdfReader(BytesIO(content), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")  # owner-password-only PDFs open with an empty user password
        return len(reader.pages) > 0
    except Exception:  # noqa: BLE001 — any parsing failure means "not a readable PDF"
        return False


_STRICT_DECODING_LOCK = threading.Lock()


@contextmanager
def _strict_image_decoding():
    """Pillow reads a truncated image, and skips the checksums of a PNG's ancillary chunks, when its
    process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES`` is set — and importing WeasyPrint (any PDF made
    in the same process) sets it for good. An uploaded proof is judged with it off whatever ran
    before; the previous value is put back for WeasyPrint, whose own images are ours. The lock keeps
    two threads' save and restore in order."""
    from PIL import ImageFile

    with _STRICT_DECODING_LOCK:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _image_format(content: bytes) -> ProofFormat | None:
    """JPEG or PNG by Pillow's reading of the header and its structure check (``verify``: chunk
    checksums, no pixel decoded — a huge image is refused by ``_clean_image`` before decoding)."""
    from PIL import Image

    formats = {"JPEG": JPEG, "PNG": PNG}
    try:
        with warnings.catch_warnings(), _strict_image_decoding():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the size is judged later
            with Image.open(BytesIO(content), formats=tuple(formats)) as image:
                found = image.format
                image.verify()
    except Image.DecompressionBombError:
        return formats.get(_image_header_format(content))  # recognised, refused by its size later
    except Exception:  # noqa: BLE001 — unreadable image
        return None
    return formats.get(found)


def _image_header_format(content: bytes) -> str | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if content.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    return None


def proof_format(content: bytes) -> ProofFormat | None:
    """The format of a proof read from its bytes (never its name, extension or the browser's
    content type): a PDF that starts with ``%PDF-`` and that pypdf reads, or a JPEG or PNG image
    whose structure Pillow checks. Anything else → None. What the content holds (active content,
    pixels) is judged by ``proof_clean``."""
    if content.startswith(b"%PDF-"):
        return PDF if _readable_pdf(content) else None
    return _image_format(content)


# --- active content and decompression bombs (issue 17 §14) -------------------------------------------


class ProofRefused(ValueError):
    """A proof refused for what it holds, with a French message saying what to do instead."""


# Dictionary keys that make a PDF run something or carry other files: JavaScript (the document's
# name tree ``/JavaScript``, an action's ``/JS``), additional actions run on events (``/AA``: on
# opening a page, on focusing a field…), embedded files (the ``/EmbeddedFiles`` name tree, a file
# specification's ``/EF``). ``/OpenAction`` itself is harmless when it only opens a page; the action
# it names is caught by its ``/S`` (below) or its ``/JS``.
PDF_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF"})
# Action types (``/S``) that run code or open another program or file.
PDF_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/RichMediaExecute"})
# A proof is a few scanned pages (a few dozen objects each): far more is refused rather than walked.
PDF_MAX_OBJECTS = 200_000


def pdf_active_content(content: bytes) -> str | None:
    """What makes a PDF active — ``"/JavaScript"``, ``"/Launch"``, ``"/AA"``, ``"/EmbeddedFiles"``…
    — or None for a plain document. Every object reachable from the trailer is walked (pypdf
    resolves indirect objects, object streams and name escapes such as ``/J#61vaScript``), so an
    action hidden in a page, an annotation, a form field or the catalogue's ``/OpenAction`` is
    found. An unreadable or oversized object graph counts as active (refused, never half-checked)."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    try:
        reader = PdfReader(BytesIO(content), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        stack: list = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        walked = 0
        while stack:
            item = stack.pop()
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) in seen:
                    continue
                seen.add((item.idnum, item.generation))
                item = item.get_object()
            walked += 1
            if walked > PDF_MAX_OBJECTS:
                return "/ObjectCount"
            if isinstance(item, DictionaryObject):  # streams too (their dictionary)
                for key, value in item.items():
                    if key in PDF_ACTIVE_KEYS:
                        return str(key)
                    if key == "/S":
                        action = value.get_object() if isinstance(value, IndirectObject) else value
                        if action in PDF_ACTIVE_ACTIONS:
                            return str(action)
                    stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(item)
    except Exception:  # noqa: BLE001 — a graph pypdf cannot walk is not vouched for
        return "/Unreadable"
    return None


def _active_pdf_error() -> str:
    return _(
        "Ce PDF contient du JavaScript, des actions automatiques ou des fichiers joints : il est refusé pour "
        "la sécurité de tous. Enregistrez-le à nouveau en PDF simple (« Imprimer » puis « Enregistrer au format "
        "PDF ») ou prenez une photo du document, puis déposez-le."
    )


def _pixels_error(size: tuple[int, int] | None, limit: int) -> str:
    if size is None:
        return _(
            "L'image est beaucoup trop grande (plus de %(limit)s pixels) : reprenez la photo en résolution "
            "standard ou réduisez-la, puis déposez-la à nouveau."
        ) % {"limit": number_format(limit, force_grouping=True)}
    width, height = size
    return _(
        "L'image mesure %(width)s × %(height)s pixels, soit %(pixels)s pixels : au-delà de la limite de "
        "%(limit)s pixels. Reprenez la photo en résolution standard ou réduisez-la, puis déposez-la à nouveau."
    ) % {
        "width": number_format(width, force_grouping=True), "height": number_format(height, force_grouping=True),
        "pixels": number_format(width * height, force_grouping=True), "limit": number_format(limit, force_grouping=True),
    }


def _clean_image(content: bytes, found: ProofFormat, *, max_pixels: int) -> bytes:
    """The image decoded and encoded again — what is stored is never the uploaded bytes: no
    metadata (EXIF with GPS position, ICC profile, text chunks), nothing hidden after the image
    data. The photo is turned upright first (its EXIF orientation, dropped with the rest).

    Refused before any pixel is decoded: more than ``max_pixels`` (``settings.PROOF_MAX_IMAGE_PIXELS``)
    or than Pillow's own decompression-bomb limit (``Image.MAX_IMAGE_PIXELS``)."""
    from PIL import Image, ImageOps

    pillow_format = "JPEG" if found is JPEG else "PNG"
    limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    with _strict_image_decoding():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # judged just below
                image = Image.open(BytesIO(content), formats=(pillow_format,))
        except Image.DecompressionBombError:
            raise ProofRefused(_pixels_error(None, limit)) from None
        except Exception:  # noqa: BLE001
            raise ProofRefused(_type_error()) from None
        with image:
            width, height = image.size
            if width * height > limit:
                raise ProofRefused(_pixels_error((width, height), limit))
            try:
                image.load()
                upright = ImageOps.exif_transpose(image)
            except Exception:  # noqa: BLE001 — truncated or corrupt pixel data
                raise ProofRefused(_type_error()) from None
    output = BytesIO()
    if found is JPEG:
        if upright.mode not in ("L", "RGB"):
            upright = upright.convert("RGB")
        upright.info = {}
        upright.save(output, "JPEG", quality=90)
    else:
        options = {}
        if "transparency" in upright.info:  # the palette's transparent colour is part of the picture
            options["transparency"] = upright.info["transparency"]
        upright.info = {}
        upright.save(output, "PNG", **options)
    return output.getvalue()


def proof_clean(content: bytes, found: ProofFormat, *, max_pixels: int | None = None) -> bytes:
    """The bytes to store for a proof of format ``found``: a PDF as uploaded once it holds no active
    content (``pdf_active_content``), an image re-encoded (``_clean_image``). ``ProofRefused``
    otherwise."""
    if found is PDF:
        if pdf_active_content(content) is not None:
            raise ProofRefused(_active_pdf_error())
        return content
    return _clean_image(content, found, max_pixels=settings.PROOF_MAX_IMAGE_PIXELS if max_pixels is None else max_pixels)


def _megabytes(size: int) -> str:
    """A size in Mo with one decimal, rounded up (5 Mo and 1 byte reads "5,1 Mo", never "5,0")."""
    return f"{math.ceil(size * 10 / MEGABYTE) / 10:.1f}".replace(".", ",")


# --- justification: deadline and what blocks a submission ---------------------------------------


def justification_deadline(record: AttendanceRecord, *, deadline_days: int) -> date:
    """Last day on which the apprentice may justify ``record`` online: the half-day's date plus the
    OF's deadline (calendar days, ``AttendanceSettings.justification_deadline_days``). After a
    refusal, the apprentice gets the same number of days from the refusal to send a new proof."""
    deadline = record.day + timedelta(days=deadline_days)
    if record.justification == JustificationStatus.REFUSED and record.justification_reviewed_at:
        deadline = max(deadline, timezone.localdate(record.justification_reviewed_at) + timedelta(days=deadline_days))
    return deadline


def _tutor_name(record: AttendanceRecord) -> str:
    tutor = record.apprentice.cohort.referent_tutor
    return tutor.get_full_name() or tutor.email


def justification_blocker(record: AttendanceRecord, *, today: date, deadline_days: int) -> str | None:
    """Why ``record`` cannot be justified online today (a French sentence saying what to do), or None."""
    if record.status not in JUSTIFIABLE_STATUSES:
        return _("Une présence n'a pas à être justifiée.")
    if record.justification == JustificationStatus.ACCEPTED:
        if record.status == AttendanceStatus.LATE:
            return _("Ce retard est déjà justifié : vous n'avez rien à déposer.")
        return _("Cette absence est déjà justifiée : vous n'avez rien à déposer.")
    deadline = justification_deadline(record, deadline_days=deadline_days)
    if today > deadline:
        return _(
            "Le délai pour justifier en ligne a pris fin le %(deadline)s : contactez votre formateur·rice "
            "référent·e (%(tutor)s) pour régulariser cette demi-journée."
        ) % {"deadline": f"{deadline:%d/%m/%Y}", "tutor": _tutor_name(record)}
    return None


def _type_error() -> str:
    return _(
        "Ce fichier n'est pas un justificatif lisible : seuls les formats PDF, JPEG et PNG sont acceptés. "
        "Déposez un PDF ou une photo (JPEG ou PNG) de votre justificatif."
    )


def _read_proof(file, *, max_size_mb: int) -> tuple[bytes, ProofFormat]:
    """The bytes to store and the format of a proof, or a ValidationError on ``proof``: size first
    (an oversized file is refused before it is read), then the format read from the content, then
    what it holds (``proof_clean``: no active PDF, no oversized image; images re-encoded)."""
    size = getattr(file, "size", None)
    limit = max_size_mb * MEGABYTE
    if size is not None and size > limit:
        raise ValidationError({"proof": _size_error(size, max_size_mb)})
    file.seek(0)
    content = file.read(limit + 1)
    if len(content) > limit:
        raise ValidationError({"proof": _size_error(size or len(content), max_size_mb)})
    if not content:
        raise ValidationError({"proof": _("Le fichier est vide : déposez votre justificatif (PDF, JPEG ou PNG).")})
    found = proof_format(content)
    if found is None:
        raise ValidationError({"proof": _type_error()})
    try:
        stored = proof_clean(content, found)
    except ProofRefused as refusal:
        raise ValidationError({"proof": str(refusal)}) from None
    return stored, found


def _size_error(size: int, max_size_mb: int) -> str:
    return _(
        "Le fichier pèse %(size)s Mo, au-delà de la limite de %(limit)s Mo : réduisez sa taille "
        "(photo moins lourde, PDF compressé) puis déposez-le à nouveau."
    ) % {"size": _megabytes(size), "limit": max_size_mb}


def _proof_filename(record: AttendanceRecord, found: ProofFormat) -> str:
    apprentice = record.apprentice
    name = slugify(f"{apprentice.usage_name or apprentice.last_name} {apprentice.first_name}") or "apprenti"
    return f"justificatif-{name}-{record.day:%Y%m%d}-{record.half}.{found.extension}"


@transaction.atomic
def justification_submit(
    *, record: AttendanceRecord, by: User, file, reason: str, today: date | None = None
) -> AttendanceRecord:
    """The apprentice justifies an absence or a lateness: checks the half-day (absent or late, not
    already justified), the deadline, the reason, the proof's size and its type read from its
    content; stores the proof as a document of the apprentice (no contract: employers never see
    it) and puts the justification in "pending". A refused or pending justification may be
    replaced by a new proof. Nothing is written when a check fails.

    The caller checks ``access.can_justify_absence`` (the apprentice itself)."""
    today = today or timezone.localdate()
    row = AttendanceSettings.load()
    record = (
        AttendanceRecord.objects.select_for_update(of=("self",))
        .select_related("apprentice__cohort__referent_tutor")
        .get(pk=record.pk)
    )
    blocker = justification_blocker(record, today=today, deadline_days=row.justification_deadline_days)
    if blocker:
        raise ValidationError(blocker)
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Indiquez le motif (par exemple : rendez-vous médical, panne de transport).")
    if file is None:
        errors["proof"] = _("Joignez votre justificatif : un PDF ou une photo (JPEG ou PNG).")
    if errors:
        raise ValidationError(errors)
    content, found = _read_proof(file, max_size_mb=row.proof_max_size_mb)
    previous = record.justification
    replaced_id = record.proof_id  # a proof being replaced (pending or refused): deleted with its file
    record.justification = JustificationStatus.PENDING
    record.reason = reason
    record.justification_submitted_at = timezone.now()
    record.justification_reviewed_by = None
    record.justification_reviewed_at = None
    record.review_comment = ""
    record.full_clean(exclude=["apprentice", "recorded_by", "proof", "justification_reviewed_by"], validate_unique=False)
    document = document_store(
        content=content,
        filename=_proof_filename(record, found),
        kind=DocumentKind.ABSENCE_PROOF,
        title=_("Justificatif — %(status)s du %(day)s (%(half)s) — %(name)s") % {
            "status": record.get_status_display().lower(), "day": f"{record.day:%d/%m/%Y}",
            "half": record.get_half_display().lower(), "name": record.apprentice.full_name,
        },
        apprentice=record.apprentice,
        contract=None,
        by=by,
        content_type=found.content_type,
        period_start=record.day,
        period_end=record.day,
    )
    record.proof = document
    # Compare-and-set: the row is locked above (PostgreSQL); the state checked is the state written over.
    updated = AttendanceRecord.objects.filter(pk=record.pk, justification=previous, status__in=JUSTIFIABLE_STATUSES).update(
        justification=record.justification, reason=record.reason, proof=document,
        justification_submitted_at=record.justification_submitted_at, justification_reviewed_by=None,
        justification_reviewed_at=None, review_comment="",
    )
    if not updated:
        document.file.delete(save=False)  # the row goes with the rollback; the file would stay behind
        raise ValidationError(_("Cette demi-journée vient d'être modifiée par l'équipe : rechargez la page pour voir son état."))
    # A replaced proof is health data without a purpose any more (issue 17 §5): row now, file on commit.
    replaced = Document.objects.filter(pk=replaced_id).first() if replaced_id else None
    if replaced is not None:
        document_delete(document=replaced)
    # Compare-and-set: no signal, the history of changes is written here (issue 13 §4).
    record_change(record, changes={"justification": (previous, record.justification), "proof": (None, document)}, actor=by)
    facts_changed("attendance_changed", apprentice_ids=[record.apprentice_id])  # pending counts as justified
    return record


# --- review by staff -----------------------------------------------------------------------------


def _already_reviewed(record_pk: int) -> ValidationError:
    current = AttendanceRecord.objects.select_related("justification_reviewed_by").filter(pk=record_pk).first()
    if current is not None and current.justification_reviewed_at and current.justification_reviewed_by:
        reviewer = current.justification_reviewed_by
        return ValidationError(
            _("Ce justificatif a déjà été examiné par %(who)s le %(when)s (%(state)s) : la liste est à jour après rechargement.")
            % {
                "who": reviewer.get_full_name() or reviewer.email,
                "when": timezone.localtime(current.justification_reviewed_at).strftime("%d/%m/%Y à %H:%M"),
                "state": current.get_justification_display().lower(),
            }
        )
    return ValidationError(_("Ce justificatif n'est plus en attente d'examen : rechargez la liste pour voir son état."))


def _decide(*, records: list[AttendanceRecord], by: User, decision: str, comment: str) -> list[AttendanceRecord]:
    """Record one decision on pending justifications, one or many at once, with a query count that
    does not grow with their number: one compare-and-set UPDATE, one history INSERT, one re-read,
    the emails and the alert re-evaluation on commit. The caller holds the transaction: if any of
    them is no longer pending (another reviewer was faster), nothing is decided."""
    if not records:
        return []
    now = timezone.now()
    for record in records:
        record.justification, record.justification_reviewed_at, record.review_comment = decision, now, comment
        record.justification_reviewed_by = by
        # The database holds the constraints; validating them here would cost a query per row.
        record.full_clean(
            exclude=["apprentice", "recorded_by", "proof", "justification_reviewed_by"], validate_unique=False, validate_constraints=False,
        )
    pks = [record.pk for record in records]
    # Compare-and-set on "pending" (rows locked first, to name the one another reviewer decided):
    # of two reviewers deciding at the same time, the second one changes nothing.
    still_pending = set(
        AttendanceRecord.objects.select_for_update().filter(pk__in=pks, justification=JustificationStatus.PENDING).values_list("pk", flat=True)
    )
    stale = [pk for pk in pks if pk not in still_pending]
    if stale:
        raise _already_reviewed(stale[0])
    updated = AttendanceRecord.objects.filter(pk__in=pks, justification=JustificationStatus.PENDING).update(
        justification=decision, justification_reviewed_by=by, justification_reviewed_at=now, review_comment=comment,
    )
    if updated != len(pks):  # only without row locks (SQLite serialises writers anyway)
        raise _already_reviewed(pks[0])
    record_bulk(
        ((record, {"justification": (JustificationStatus.PENDING, decision), "review_comment": ("", comment)}) for record in records),
        actor=by,
    )
    decided = list(
        AttendanceRecord.objects.select_related("apprentice__user", "apprentice__cohort__referent_tutor").filter(pk__in=pks).order_by("pk")
    )
    deadline_days = AttendanceSettings.load().justification_deadline_days
    # One INSERT for all the apprentices' e-mails (the outbox), sent once the decision commits.
    email_queue_many([email for record in decided if (email := _email_decision(record, deadline_days=deadline_days))])
    facts_changed("attendance_changed", apprentice_ids=[record.apprentice_id for record in decided])
    return decided


@transaction.atomic
def justification_accept(*, record: AttendanceRecord, by: User, comment: str = "") -> AttendanceRecord:
    """Accept a pending proof: the half-day becomes justified. Only from "pending" (compare-and-set:
    a second reviewer gets a message saying who decided). The apprentice is emailed.

    The caller checks ``access.can_review_justification``."""
    return justification_accept_many(records=[record], by=by, comment=comment)[0]


@transaction.atomic
def justification_accept_many(*, records: list[AttendanceRecord], by: User, comment: str = "") -> list[AttendanceRecord]:
    """Accept several pending proofs at once ("Accepter la sélection"), all or none, through the same
    decision as a single accept (``justification_accept`` is this service with one record).

    The caller passes only records the user may review (``access.can_review_justification``)."""
    unique = list({record.pk: record for record in records}.values())
    return _decide(records=unique, by=by, decision=JustificationStatus.ACCEPTED, comment=(comment or "").strip())


@transaction.atomic
def justification_refuse(*, record: AttendanceRecord, by: User, comment: str) -> AttendanceRecord:
    """Refuse a pending proof with a comment (required: the apprentice reads it and may send a new
    proof). Compare-and-set on "pending" like ``justification_accept``; the apprentice is emailed."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _(
            "Indiquez pourquoi le justificatif est refusé : l'apprenti·e reçoit ce commentaire et peut en déposer un nouveau."
        )})
    if len(comment) > AttendanceRecord._meta.get_field("review_comment").max_length:
        raise ValidationError({"comment": _("Le commentaire est trop long : 255 caractères au plus.")})
    return _decide(records=[record], by=by, decision=JustificationStatus.REFUSED, comment=comment)[0]


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _email_decision(record: AttendanceRecord, *, deadline_days: int) -> dict | None:
    """The apprentice's email after a decision (None without an address), for the outbox."""
    apprentice = record.apprentice
    to = [apprentice.user.email] if apprentice.user_id and apprentice.user.email else ([apprentice.email] if apprentice.email else [])
    if not to:
        return None
    accepted = record.justification == JustificationStatus.ACCEPTED
    context = {
        "record": record,
        "apprentice": apprentice,
        "accepted": accepted,
        "day_label": date_format(record.day, "l j F Y"),
        "half_label": record.get_half_display().lower(),
        "deadline": justification_deadline(record, deadline_days=deadline_days),
        "justify_url": _site_url(reverse("absence_justify", args=[record.pk])),
        "my_absences_url": _site_url(reverse("my_absences")),
        "tutor_name": _tutor_name(record),
        "organisation": settings.ORGANISATION,
    }
    subject = (
        _("Justificatif accepté — %(day)s") if accepted else _("Justificatif refusé — %(day)s")
    ) % {"day": f"{record.day:%d/%m/%Y}"}
    body = loader.render_to_string("alternance/emails/absence_decision.txt", context)
    return {"subject": subject, "body": body, "to": to}


# --- the employer's email on an unjustified absence -------------------------------------------------


def contract_covering(apprentice_id: int, day: date) -> Contract | None:
    """The apprentice's contract in force on ``day``: signed and not ended nor broken
    (``ACTIVE_CONTRACT_STATUSES``), ``day`` between its start and its end."""
    return (
        Contract.objects.filter(
            apprentice_id=apprentice_id, status__in=ACTIVE_CONTRACT_STATUSES, start_date__lte=day, end_date__gte=day
        )
        .select_related("company", "master", "second_master")
        .order_by("-start_date", "-pk")
        .first()
    )


def employer_recipients(contract: Contract) -> list[str]:
    """Who hears of an absence at the company: the contract's maître(s) d'apprentissage and the
    company's HR contacts, active and with an email, each address once (case-insensitive)."""
    contacts = [master for master in (contract.master, contract.second_master) if master is not None and master.active]
    contacts += list(
        CompanyContact.objects.filter(company_id=contract.company_id, is_hr=True, active=True)
        .exclude(email="")
        .order_by("last_name", "first_name", "pk")
    )
    seen: set[str] = set()
    recipients = []
    for contact in contacts:
        email = (contact.email or "").strip()
        if email and email.lower() not in seen:
            seen.add(email.lower())
            recipients.append(email)
    return recipients


@transaction.atomic
def absence_employer_notify(*, record_id: int) -> list[str]:
    """Email the company's contacts about one unjustified absence, once (``employer_notified_at``,
    set by compare-and-set). Nothing is sent when the setting is off, when the half-day is no
    longer an absence or is justified, when no contract covers the day, or when the company has
    no contact with an email. Returns the recipients (empty when nothing was sent)."""
    if not AttendanceSettings.load().notify_employer_on_unjustified:
        return []
    record = AttendanceRecord.objects.select_related("apprentice__cohort__programme").filter(pk=record_id).first()
    if (
        record is None
        or record.status != AttendanceStatus.ABSENT
        or record.justification == JustificationStatus.ACCEPTED
        or record.employer_notified_at is not None
    ):
        return []
    contract = contract_covering(record.apprentice_id, record.day)
    if contract is None:
        return []
    recipients = employer_recipients(contract)
    if not recipients:
        return []
    now = timezone.now()
    if not AttendanceRecord.objects.filter(pk=record.pk, employer_notified_at__isnull=True).update(employer_notified_at=now):
        return []  # another run notified it meanwhile
    record_change(record, changes={"employer_notified_at": (None, now)})
    apprentice = record.apprentice
    context = {
        "record": record,
        "apprentice": apprentice,
        "company": contract.company,
        "day_label": date_format(record.day, "l j F Y"),
        "half_label": record.get_half_display().lower(),
        "apprentice_url": _site_url(reverse("apprentice_detail", args=[apprentice.pk])),
        "statement_url": _site_url(reverse("attendance_statement_pdf", args=[apprentice.pk, record.day.year, record.day.month])),
        "organisation": settings.ORGANISATION,
    }
    subject = _("Absence de %(name)s le %(day)s (%(half)s)") % {
        "name": apprentice.full_name, "day": f"{record.day:%d/%m/%Y}", "half": context["half_label"],
    }
    body = loader.render_to_string("alternance/emails/absence_employer.txt", context)
    email_queue(subject=subject, body=body, to=recipients)  # the outbox: sent once the absence commits
    return recipients


# --- settings ---------------------------------------------------------------------------------------


@transaction.atomic
def attendance_settings_update(
    *, by: User, justification_deadline_days: int, notify_employer_on_unjustified: bool, proof_max_size_mb: int,
    signin_late_tolerance_minutes: int | None = None,
) -> AttendanceSettings:
    """Change the OF's absence rules (the caller checks ``access.can_manage_attendance_settings``);
    a tolerance left to None keeps its value."""
    errors = {}
    low, high = DEADLINE_DAYS_BOUNDS
    if not low <= justification_deadline_days <= high:
        errors["justification_deadline_days"] = _("Choisissez un délai de %(low)s à %(high)s jours.") % {"low": low, "high": high}
    low, high = PROOF_MAX_SIZE_BOUNDS
    if not low <= proof_max_size_mb <= high:
        errors["proof_max_size_mb"] = _("Choisissez une taille de %(low)s à %(high)s Mo.") % {"low": low, "high": high}
    low, high = SIGNIN_TOLERANCE_BOUNDS
    if signin_late_tolerance_minutes is not None and not low <= signin_late_tolerance_minutes <= high:
        errors["signin_late_tolerance_minutes"] = _("Choisissez une tolérance de %(low)s à %(high)s minutes.") % {"low": low, "high": high}
    if errors:
        raise ValidationError(errors)
    row = AttendanceSettings.objects.select_for_update().get(pk=AttendanceSettings.load().pk)
    row.justification_deadline_days = justification_deadline_days
    row.notify_employer_on_unjustified = notify_employer_on_unjustified
    row.proof_max_size_mb = proof_max_size_mb
    if signin_late_tolerance_minutes is not None:
        row.signin_late_tolerance_minutes = signin_late_tolerance_minutes
    row.full_clean()
    row.save()
    return row


# --- selectors ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyAbsence:
    """One of the apprentice's absences or lateness, with what it can do about it."""

    record: AttendanceRecord
    deadline: date
    blocker: str | None

    @property
    def can_justify(self) -> bool:
        return self.blocker is None


def my_absences(user: User) -> QuerySet:
    """The apprentice's own absences and lateness, latest first, with their proof and the referent
    tutor a late one's message names (one query)."""
    return (
        access.visible(user, AttendanceRecord)
        .filter(apprentice__user=user, status__in=JUSTIFIABLE_STATUSES)
        .select_related("proof", "apprentice__cohort__referent_tutor")
        .order_by("-day", "-half", "-pk")
    )


def my_absence_rows(records, *, today: date, deadline_days: int) -> list[MyAbsence]:
    return [
        MyAbsence(
            record=record,
            deadline=justification_deadline(record, deadline_days=deadline_days),
            blocker=justification_blocker(record, today=today, deadline_days=deadline_days),
        )
        for record in records
    ]


def can_use_justification_queue(user: User) -> bool:
    """The queue is for those who review justifications (``access.can_review_justification``):
    the coordinator, admin staff and tutors (their cohorts)."""
    return access.can_review_justifications(user)


def justification_queue(user: User, *, cohort_id: int | None = None) -> QuerySet:
    """Pending justifications the user may review, oldest submission first: every one for the
    coordinator and admin staff, those of its cohorts for a tutor, none for anyone else."""
    if not can_use_justification_queue(user):
        return AttendanceRecord.objects.none()
    # The attendance scope is the review scope for these roles: all for the coordinator and admin
    # staff, the cohorts it refers for a tutor (``access.can_review_justification``).
    qs = access.visible(user, AttendanceRecord).filter(justification=JustificationStatus.PENDING)
    if cohort_id:
        qs = qs.filter(apprentice__cohort_id=cohort_id)
    return qs.select_related("apprentice__cohort", "proof").order_by(
        "justification_submitted_at", "day", "pk"
    )


def queue_cohorts(user: User) -> QuerySet:
    """The cohorts the justification queue may be narrowed to (a tutor: those it is the referent of)."""
    qs = access.visible(user, Cohort)
    if user.role == Role.TUTOR:
        qs = qs.filter(referent_tutor=user)
    return qs.order_by("name")


def queue_record_get(user: User, pk: int) -> AttendanceRecord:
    """A record to review: 404 outside the user's attendance scope, 403 when in scope but the user
    may not review it (an employer, a CRE)."""
    record = access.get_visible_or_404(
        user, AttendanceRecord.objects.select_related("apprentice__cohort", "proof", "justification_reviewed_by"), pk=pk
    )
    access.require(access.can_review_justification(user, record))
    return record


def absence_get(user: User, pk: int) -> AttendanceRecord:
    """An absence for its page or its proof: 404 outside the user's attendance scope."""
    return access.get_visible_or_404(
        user,
        AttendanceRecord.objects.select_related(
            "apprentice__cohort__referent_tutor", "proof__apprentice__cohort", "justification_reviewed_by", "recorded_by"
        ),
        pk=pk,
    )


def proof_accesses(user: User, record: AttendanceRecord) -> list[DocumentAccess]:
    """Who consulted the proof of ``record``, and when, latest first (« Consulté par … le … »), as
    far as the user may see that log (``access.visible``: staff who may read the proof)."""
    if record.proof_id is None:
        return []
    return list(access.visible(user, DocumentAccess).filter(document_id=record.proof_id).order_by("-accessed_at", "-pk"))


# --- the monthly attendance statement --------------------------------------------------------------


@dataclass
class StatementTotals:
    recorded: int = 0
    present: int = 0
    absent_justified: int = 0
    absent_unjustified: int = 0
    absent_pending: int = 0
    late: int = 0
    late_minutes: int = 0

    @property
    def absent(self) -> int:
        return self.absent_justified + self.absent_unjustified + self.absent_pending

    @property
    def rate(self) -> Decimal | None:
        """Share of the recorded half-days attended, in % to one decimal; a late arrival counts as
        attended (as on the attendance certificate of ``contracts.pdf``)."""
        if not self.recorded:
            return None
        return (Decimal(100) * (self.present + self.late) / self.recorded).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def rate_display(self) -> str:
        rate = self.rate
        return "—" if rate is None else f"{rate}".replace(".", ",") + "\u00a0%"


@dataclass
class AttendanceStatement:
    apprentice: Apprentice
    month: date  # first day of the month
    records: list[AttendanceRecord]
    contracts: list[Contract]
    totals: StatementTotals = field(default_factory=StatementTotals)
    restricted_to_contract: bool = False
    # The sessions the apprentice signed this month (issue 19 §3), from the sheets its trainers closed
    # and signed, on the days of ``records`` only (an employer's statement: its contract's days).
    signatures: list[SessionSignature] = field(default_factory=list)

    @property
    def signed_minutes(self) -> int:
        return sum(signature.session.duration_minutes for signature in self.signatures)

    @property
    def signed_hours_display(self) -> str:
        hours, minutes = divmod(self.signed_minutes, 60)
        return f"{hours}\u00a0h\u00a0{minutes:02d}"

    @property
    def month_label(self) -> str:
        return date_format(self.month, "F Y")


def month_bounds(year: int, month: int) -> tuple[date, date] | None:
    """First and last day of a month, or None when it does not exist (month 13, year 0…)."""
    try:
        first = date(year, month, 1)
    except (ValueError, OverflowError):
        return None
    last = date(year, 12, 31) if month == 12 else date(year, month + 1, 1) - timedelta(days=1)
    return first, last


def statement_totals(records: list[AttendanceRecord]) -> StatementTotals:
    """Totals of a list of half-day records: an absence is justified when its proof was accepted,
    pending while a proof awaits review, unjustified otherwise (none or refused)."""
    totals = StatementTotals()
    for record in records:
        totals.recorded += 1
        if record.status == AttendanceStatus.PRESENT:
            totals.present += 1
        elif record.status == AttendanceStatus.LATE:
            totals.late += 1
            totals.late_minutes += record.minutes_late
        elif record.justification == JustificationStatus.ACCEPTED:
            totals.absent_justified += 1
        elif record.justification == JustificationStatus.PENDING:
            totals.absent_pending += 1
        else:
            totals.absent_unjustified += 1
    return totals


def attendance_statement(user: User, apprentice: Apprentice, *, first: date, last: date) -> AttendanceStatement:
    """The half-days of ``apprentice`` recorded from ``first`` to ``last`` that the user sees
    (``access.visible``: an employer gets only the days of its own contract), with their totals."""
    records = list(
        access.visible(user, AttendanceRecord).filter(apprentice=apprentice, day__gte=first, day__lte=last).order_by("day", "half")
    )
    contracts = list(
        access.visible(user, Contract)
        .filter(apprentice=apprentice, start_date__lte=last, end_date__gte=first)
        .filter(status__in=PERFORMED_CONTRACT_STATUSES)
        .select_related("company")
        .order_by("start_date")
    )
    days = {record.day for record in records}
    signatures = [
        signature for signature in SessionSignature.objects.filter(
            apprentice=apprentice, session__day__gte=first, session__day__lte=last,
            session__status=SessionStatus.PLANNED, session__signin_state=SigninState.CLOSED,
        ).select_related("session__trainer").order_by("session__day", "session__start_time", "session_id")
        if signature.session.day in days
    ]
    return AttendanceStatement(
        apprentice=apprentice, month=first, records=records, contracts=contracts, totals=statement_totals(records),
        restricted_to_contract=user.role == Role.EMPLOYER, signatures=signatures,
    )


@dataclass(frozen=True)
class StatementMonth:
    apprentice_id: int
    month: date  # first day of the month

    @property
    def label(self) -> str:
        return date_format(self.month, "F Y")

    @property
    def url(self) -> str:
        return reverse("attendance_statement_pdf", args=[self.apprentice_id, self.month.year, self.month.month])


def attendance_statement_months(user: User, apprentice: Apprentice) -> list[StatementMonth]:
    """The months in which ``apprentice`` has half-days the user sees, latest first (one query):
    for the statement links on the apprentice's pages."""
    months = access.visible(user, AttendanceRecord).filter(apprentice=apprentice).dates("day", "month", order="DESC")
    return [StatementMonth(apprentice_id=apprentice.pk, month=month) for month in months]


def pending_count(user: User) -> int:
    """Pending justifications the user may review (a badge for the navigation)."""
    return justification_queue(user).count()


