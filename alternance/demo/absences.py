"""Justifications of the demo (issue 6): a few absences of the demo apprentice and of its cohort
get a proof (a small real PDF) and a state — pending in the reviewers' queue, accepted, refused
with a comment — so that every screen of the workflow shows something after ``seed_demo``.

Written directly (no services): the services would email the fake people of the demo. The proofs
go through ``document_store`` like real ones (SHA-256, apprentice's document without contract).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from alternance.choices import AttendanceStatus, JustificationStatus
from alternance.demo.dates import working_day_on_or_after
from alternance.models import Apprentice, AttendanceRecord, User
from contracts.choices import DocumentKind
from contracts.documents import document_store

DEMO_APPRENTICE_EMAIL = "apprenti@demo.test"
# Pending proofs added for other apprentices of the demo apprentice's cohort (the tutor's queue).
OTHER_PENDING = 3


def _pdf_text(value: str) -> bytes:
    """A PDF literal string in WinAnsi (Latin-1 covers the French accents used here)."""
    escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252", errors="replace") + b")"


def proof_pdf(lines: list[str]) -> bytes:
    """A one-page A4 PDF showing ``lines`` in Helvetica: a small, valid file (pypdf reads it)."""
    content = b"BT /F1 12 Tf 56 780 Td 16 TL " + b" ".join(_pdf_text(line) + b" '" for line in lines) + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


@dataclass(frozen=True)
class DemoJustification:
    state: str
    reason: str
    proof_lines: tuple[str, ...]
    comment: str = ""


# The demo apprentice's latest absences, from the most recent: one left to justify (the button
# shows), one pending, one refused (a new proof can be sent), one accepted.
DEMO_APPRENTICE_PLAN = (
    None,
    DemoJustification(JustificationStatus.PENDING, "Rendez-vous médical", ("Cabinet médical du Parc", "Certificat de présence",
                                                                             "Consultation le {day}")),
    DemoJustification(JustificationStatus.REFUSED, "Panne de transport", ("Attestation de retard", "Réseau de bus urbain"),
                      "Attestation illisible et sans date : déposez la version complète remise par le transporteur."),
    DemoJustification(JustificationStatus.ACCEPTED, "Convocation administrative", ("Préfecture", "Convocation",
                                                                                    "Rendez-vous du {day}")),
)
OTHER_REASONS = ("Rendez-vous médical", "Enfant malade", "Convocation au code de la route")


def _aware(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _record_absent(record: AttendanceRecord) -> None:
    record.status, record.minutes_late = AttendanceStatus.ABSENT, 0


def _justify(record: AttendanceRecord, plan: DemoJustification, *, reviewer: User, today: date) -> None:
    apprentice = record.apprentice
    lines = [line.format(day=f"{record.day:%d/%m/%Y}") for line in plan.proof_lines] + [apprentice.full_name]
    # The proof is sent from the phone the evening of the absence (a day at the centre, before
    # today); staff review it the next working day, never on a weekend or a public holiday.
    submitted = record.day
    reviewed = min(working_day_on_or_after(submitted + timedelta(days=1)), today)
    record.proof = document_store(
        content=proof_pdf(lines),
        filename=f"justificatif-demo-{apprentice.pk}-{record.day:%Y%m%d}-{record.half}.pdf",
        kind=DocumentKind.ABSENCE_PROOF,
        title=f"Justificatif — absence du {record.day:%d/%m/%Y} ({record.get_half_display().lower()}) — {apprentice.full_name}",
        apprentice=apprentice,
        by=apprentice.user,
        period_start=record.day,
        period_end=record.day,
    )
    _record_absent(record)
    record.justification = plan.state
    record.reason = plan.reason
    record.justification_submitted_at = _aware(submitted, 19)
    if plan.state != JustificationStatus.PENDING:
        record.justification_reviewed_by = reviewer
        record.justification_reviewed_at = _aware(reviewed, 9)
        record.review_comment = plan.comment
    record.full_clean(exclude=["apprentice", "recorded_by", "proof", "justification_reviewed_by"], validate_unique=False)
    record.save()


@transaction.atomic
def seed_absences(*, today: date) -> int:
    """Add the demo's justifications to the attendance already seeded; returns the half-days changed.
    Does nothing when the demo apprentice is missing or a proof was already attached (run twice)."""
    apprentice = Apprentice.objects.select_related("cohort__referent_tutor", "user").filter(email=DEMO_APPRENTICE_EMAIL).first()
    if apprentice is None or AttendanceRecord.objects.filter(proof__isnull=False).exists():
        return 0
    reviewer = apprentice.cohort.referent_tutor
    # The demo apprentice's latest half-days (the register has mostly presences): turned into the
    # absences of the plan, unless they already are absences.
    latest, days = [], set()
    for record in AttendanceRecord.objects.filter(apprentice=apprentice, day__lte=today).select_related("apprentice").order_by("-day", "half"):
        if record.day not in days:  # one half-day (the morning) per day
            days.add(record.day)
            latest.append(record)
        if len(latest) == len(DEMO_APPRENTICE_PLAN):
            break
    changed = 0
    for record, plan in zip(latest, DEMO_APPRENTICE_PLAN, strict=False):
        if plan is None:
            _record_absent(record)
            record.justification, record.reason, record.proof = JustificationStatus.NONE, "", None
            record.full_clean(exclude=["apprentice", "recorded_by", "proof", "justification_reviewed_by"], validate_unique=False)
            record.save()
        else:
            _justify(record, plan, reviewer=reviewer, today=today)
        changed += 1
    # A few pending proofs of the cohort's other apprentices with an extranet account or not.
    others = list(
        AttendanceRecord.objects.filter(
            apprentice__cohort=apprentice.cohort, status=AttendanceStatus.ABSENT,
            justification__in=(JustificationStatus.NONE, JustificationStatus.PENDING), day__lte=today,
        )
        .exclude(apprentice=apprentice)
        .select_related("apprentice__user")
        .order_by("-day", "apprentice_id", "half")[:OTHER_PENDING]
    )
    for index, record in enumerate(others):
        reason = OTHER_REASONS[index % len(OTHER_REASONS)]
        _justify(record, DemoJustification(JustificationStatus.PENDING, reason, (reason, "Justificatif du {day}")),
                 reviewer=reviewer, today=today)
        changed += 1
    return changed

