"""Signed attendance sheets (feuilles d'émargement, issue 19 §3): the sheet of a closed session, and
the monthly sheets of a cohort and of an apprentice, rendered as PDFs and stored as documents with
their SHA-256 (an altered file is refused on download, like every stored document).

One reading serves the three sheets (``closed_session_rows``): the closed sessions of a period with,
for each, the apprentices its closing wrote in the register (the half-day's records) and those who
signed. The sheet of a session is rendered by a task started when the trainer closes it (the
outbox keeps the intent with the closing); a reopened then closed again session gets a new version,
the earlier one stays in its documents.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alternance.choices import (
    AttendanceStatus,
    JustificationStatus,
    OutboxStatus,
    SessionStatus,
    SignatureMethod,
    SigninState,
)
from alternance.models import Apprentice, AttendanceRecord, Cohort, SessionSignature, TaskIntent, TrainingSession
from alternance.outbox import intent_key
from alternance.signin.services import MONTHLY_TASK, SHEET_TASK, session_half
from contracts.choices import DocumentKind
from contracts.documents import document_store
from contracts.freshness import values_fingerprint
from contracts.models import Document
from contracts.pdf import render_pdf

__all__ = ["MONTHLY_TASK", "SHEET_TASK"]  # the tasks' names, kept with the services that start them


def signature_reference(signature: SessionSignature) -> str:
    """A short fingerprint of a signature's whole evidence (session, apprentice, time, method, code,
    IP address, browser): printed on the sheet instead of the IP and browser themselves, it lets the
    OF show that a line matches the record it keeps."""
    evidence = "|".join(str(value) for value in (
        signature.session_id, signature.apprentice_id, signature.signed_at.isoformat(), signature.method,
        signature.code_used, signature.ip_address or "", signature.user_agent, signature.manual_reason,
    ))
    return hashlib.sha256(evidence.encode()).hexdigest()[:12].upper()


def hours_label(minutes: int) -> str:
    """« 3 h 30 », « 7 h » — the way the sheets print a duration."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


@dataclass
class SheetRow:
    """One apprentice on one session's sheet: its signature, or its half-day's record when it did not sign."""

    apprentice: Apprentice
    signature: SessionSignature | None = None
    record: AttendanceRecord | None = None

    @property
    def signed(self) -> bool:
        return self.signature is not None

    @property
    def reference(self) -> str:
        return signature_reference(self.signature) if self.signature else ""

    @property
    def status_label(self) -> str:
        signature = self.signature
        if signature is not None:
            at = f"{timezone.localtime(signature.signed_at):%H:%M:%S}"
            if signature.method == SignatureMethod.MANUAL:
                who = signature.recorded_by.get_full_name() if signature.recorded_by else _("le formateur·rice")
                text = _("Noté·e présent·e par %(who)s à %(at)s — %(reason)s") % {"who": who, "at": at, "reason": signature.manual_reason}
            elif signature.method == SignatureMethod.QR:
                text = _("Signé à %(at)s (QR code)") % {"at": at}
            else:
                text = _("Signé à %(at)s (code saisi)") % {"at": at}
            if signature.minutes_late:
                text += " — " + ngettext("retard de %(n)d minute", "retard de %(n)d minutes", signature.minutes_late) % {
                    "n": signature.minutes_late}
            return text
        if self.record is not None and self.record.status != AttendanceStatus.ABSENT:
            # The register was corrected by hand after the closing: say so rather than invent a signature.
            return _("Non signé — %(status)s selon le registre") % {"status": self.record.get_status_display().lower()}
        if self.record is not None and self.record.justification == JustificationStatus.ACCEPTED:
            return _("Absent·e — absence justifiée")
        if self.record is not None and self.record.justification == JustificationStatus.PENDING:
            return _("Absent·e — justificatif en cours d'examen")
        return _("Absent·e — non justifiée")


@dataclass
class SessionSheet:
    session: TrainingSession
    rows: list[SheetRow] = field(default_factory=list)

    @property
    def signed_count(self) -> int:
        return sum(1 for row in self.rows if row.signed)

    @property
    def late_count(self) -> int:
        return sum(1 for row in self.rows if row.signed and row.signature.minutes_late)

    @property
    def absent_count(self) -> int:
        return len(self.rows) - self.signed_count

    @property
    def duration_label(self) -> str:
        return hours_label(self.session.duration_minutes)


def _closed_sessions(cohort: Cohort, first: date, last: date) -> QuerySet:
    return (
        TrainingSession.objects.filter(
            cohort=cohort, day__gte=first, day__lte=last, status=SessionStatus.PLANNED, signin_state=SigninState.CLOSED)
        .select_related("cohort__programme", "trainer", "closed_by", "competence_block")
        .order_by("day", "start_time", "pk")
    )


def closed_session_rows(sessions: list[TrainingSession], *, apprentice: Apprentice | None = None) -> list[SessionSheet]:
    """The sheets of closed ``sessions`` (all of one cohort), three queries whatever their number: for
    each, whoever signed it and whoever its closing wrote in the register for its half-day (the
    expected apprentices), by name; ``apprentice`` keeps only its own line (sessions where it was
    neither expected nor signed are dropped)."""
    if not sessions:
        return []
    days = {s.day for s in sessions}
    signatures = SessionSignature.objects.filter(session__in=sessions).select_related("apprentice", "recorded_by")
    whose = {"apprentice": apprentice} if apprentice is not None else {"apprentice__cohort_id": sessions[0].cohort_id}
    records = AttendanceRecord.objects.filter(day__gte=min(days), day__lte=max(days), **whose).select_related("apprentice")
    if apprentice is not None:
        signatures = signatures.filter(apprentice=apprentice)
    by_session: dict[int, dict[int, SheetRow]] = {s.pk: {} for s in sessions}
    for signature in signatures:
        by_session[signature.session_id][signature.apprentice_id] = SheetRow(signature.apprentice, signature=signature)
    records_by_half: dict[tuple[date, str], list[AttendanceRecord]] = {}
    for record in records:
        records_by_half.setdefault((record.day, record.half), []).append(record)
    sheets = []
    for session in sessions:
        rows = by_session[session.pk]
        for record in records_by_half.get((session.day, session_half(session)), []):
            row = rows.setdefault(record.apprentice_id, SheetRow(record.apprentice))
            row.record = record
        ordered = sorted(rows.values(), key=lambda r: (
            (r.apprentice.usage_name or r.apprentice.last_name).lower(), r.apprentice.first_name.lower(), r.apprentice.pk))
        if apprentice is None or ordered:
            sheets.append(SessionSheet(session, ordered))
    return sheets


# --- the sheet of one session -------------------------------------------------------------------------


def session_sheet_pdf(session: TrainingSession, *, generated_at: datetime) -> bytes:
    """The sheet of a closed session: the session, one line per expected apprentice with its
    signature (time, how, lateness, evidence reference) or its absence, and the trainer's signature."""
    sheet = closed_session_rows([session])[0]
    return render_pdf("alternance/pdf/signin_sheet.html", {
        "sheet": sheet,
        "session": session,
        "cohort": session.cohort,
        "today": timezone.localdate(generated_at),
        "generated_at": generated_at,
        "document_title": _("Feuille d'émargement"),
    })


def session_sheet_filename(session: TrainingSession) -> str:
    return f"feuille-emargement-{slugify(session.cohort.name) or 'promotion'}-{session.day:%Y%m%d}-{session.start_time:%Hh%M}.pdf"


def _closing_values(session: TrainingSession) -> dict:
    """What identifies the closing a sheet was rendered for (kept on the document as its source)."""
    return {
        _("Feuille close et signée le"): timezone.localtime(session.closed_at).isoformat(),
        _("Signée par"): session.closed_by.get_full_name() if session.closed_by else "",
    }


def sheet_fingerprint(session: TrainingSession) -> str:
    """The source fingerprint of the sheet of the session's present closing."""
    return values_fingerprint(_closing_values(session))


def current_session_sheet(session: TrainingSession) -> Document | None:
    """The sheet of the session's present closing, or None while it is being rendered or when the
    session is not closed (a sheet of an earlier closing, before a reopening, is not current)."""
    if session.signin_state != SigninState.CLOSED or session.closed_at is None:
        return None
    return (
        Document.objects.filter(
            training_session=session, kind=DocumentKind.SIGNIN_SHEET, source_fingerprint=sheet_fingerprint(session))
        .order_by("-version").first()
    )


@transaction.atomic
def session_sheet_store(*, session_id: int, now: datetime | None = None) -> Document | None:
    """Render and store the sheet of a closed session (the task started by its closing). Safe to run
    twice: a sheet already stored for this closing is returned as is; a session reopened since has no
    sheet to render (its next closing starts the task again)."""
    session = (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("cohort__programme", "trainer", "closed_by", "competence_block").filter(pk=session_id).first()
    )
    if session is None or session.signin_state != SigninState.CLOSED:
        return None
    existing = current_session_sheet(session)
    if existing is not None:
        return existing
    now = now or timezone.now()
    title = _("Feuille d'émargement — %(cohort)s — %(day)s, %(start)s–%(end)s") % {
        "cohort": session.cohort.name, "day": date_format(session.day, "l j F Y"),
        "start": f"{session.start_time:%H:%M}", "end": f"{session.end_time:%H:%M}",
    }
    return document_store(
        content=session_sheet_pdf(session, generated_at=now), filename=session_sheet_filename(session),
        kind=DocumentKind.SIGNIN_SHEET, title=title, training_session=session, by=session.closed_by,
        generated=True, period_start=session.day, period_end=session.day,
        source_values=_closing_values(session), source_fingerprint=sheet_fingerprint(session),
    )


# How long a sheet's task handed to the broker may take before the page stops saying « en préparation »
# and offers to render it again (a sheet renders in about a second: its worker was lost).
PREPARATION_MINUTES = 10


def sheets_in_preparation(session_ids, *, now: datetime) -> set[int]:
    """The sessions among ``session_ids`` whose sheet's task is waiting for the broker, or was handed
    to it less than ``PREPARATION_MINUTES`` ago (one query)."""
    keys = {intent_key(SHEET_TASK, {"session_id": pk}): pk for pk in session_ids}
    if not keys:
        return set()
    rows = TaskIntent.objects.filter(key__in=keys).filter(
        Q(status=OutboxStatus.QUEUED) | Q(status=OutboxStatus.SENT, sent_at__gte=now - timedelta(minutes=PREPARATION_MINUTES)))
    return {keys[key] for key in rows.values_list("key", flat=True)}


# --- the monthly sheets -----------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


@dataclass
class ApprenticeMonth:
    """An apprentice's closed sessions of a month, with its totals."""

    apprentice: Apprentice
    sheets: list[SessionSheet]

    @property
    def rows(self) -> list[tuple[SessionSheet, SheetRow]]:
        return [(sheet, sheet.rows[0]) for sheet in self.sheets]

    @property
    def expected(self) -> int:
        return len(self.sheets)

    @property
    def signed(self) -> int:
        return sum(1 for sheet in self.sheets if sheet.rows[0].signed)

    @property
    def late(self) -> int:
        return sum(1 for sheet in self.sheets if sheet.rows[0].signed and sheet.rows[0].signature.minutes_late)

    @property
    def absent(self) -> int:
        return self.expected - self.signed

    @property
    def signed_hours_label(self) -> str:
        return hours_label(sum(sheet.session.duration_minutes for sheet in self.sheets if sheet.rows[0].signed))

    @property
    def expected_hours_label(self) -> str:
        return hours_label(sum(sheet.session.duration_minutes for sheet in self.sheets))


def _month_label(month: date) -> str:
    return date_format(month, "F Y")


def monthly_cohort_sheet_pdf(cohort: Cohort, month: date, sheets: list[SessionSheet], *, generated_at: datetime) -> bytes:
    first = month.replace(day=1)
    return render_pdf("alternance/pdf/signin_month_cohort.html", {
        "cohort": cohort, "sheets": sheets, "month_label": _month_label(first), "today": timezone.localdate(generated_at),
        "generated_at": generated_at,
        "document_title": _("Feuille d'émargement mensuelle — %(month)s") % {"month": _month_label(first)},
    })


def monthly_apprentice_sheet_pdf(month_sheet: ApprenticeMonth, month: date, *, cohort: Cohort, generated_at: datetime) -> bytes:
    return render_pdf("alternance/pdf/signin_month_apprentice.html", {
        "apprentice": month_sheet.apprentice, "cohort": cohort, "month_sheet": month_sheet,
        "month_label": _month_label(month), "today": timezone.localdate(generated_at), "generated_at": generated_at,
        "document_title": _("Feuille d'émargement mensuelle — %(month)s") % {"month": _month_label(month)},
    })


@transaction.atomic
def monthly_sheets_store(*, cohort_id: int, year: int, month: int, by=None, now: datetime | None = None) -> list[Document]:
    """The monthly sheets of a cohort for a month (the task started from the cohort's sheets page):
    the cohort's sheet, and one per apprentice expected at one of the month's closed sessions. Each
    run stores new versions (the earlier ones stay): the month may have changed since (a reopened
    session, a justified absence)."""
    cohort = Cohort.objects.select_related("programme").get(pk=cohort_id)
    first, last = month_bounds(date(year, month, 1))
    now = now or timezone.now()
    sessions = list(_closed_sessions(cohort, first, last))
    sheets = closed_session_rows(sessions)
    label = _month_label(first)
    documents = [document_store(
        content=monthly_cohort_sheet_pdf(cohort, first, sheets, generated_at=now),
        filename=f"emargement-{slugify(cohort.name) or 'promotion'}-{first:%Y-%m}.pdf",
        kind=DocumentKind.MONTHLY_SIGNIN_SHEET, title=_("Feuille d'émargement mensuelle — %(cohort)s — %(month)s") % {
            "cohort": cohort.name, "month": label},
        cohort=cohort, by=by, generated=True, period_start=first, period_end=last,
    )]
    apprentices: dict[int, Apprentice] = {}
    for sheet in sheets:
        for row in sheet.rows:
            apprentices.setdefault(row.apprentice.pk, row.apprentice)
    for apprentice in sorted(apprentices.values(), key=lambda a: ((a.usage_name or a.last_name).lower(), a.first_name.lower(), a.pk)):
        own = [SessionSheet(sheet.session, [row for row in sheet.rows if row.apprentice.pk == apprentice.pk]) for sheet in sheets]
        month_sheet = ApprenticeMonth(apprentice, [sheet for sheet in own if sheet.rows])
        documents.append(document_store(
            content=monthly_apprentice_sheet_pdf(month_sheet, first, cohort=cohort, generated_at=now),
            filename=f"emargement-{slugify(apprentice.full_name) or 'apprenti'}-{first:%Y-%m}.pdf",
            kind=DocumentKind.MONTHLY_SIGNIN_SHEET, title=_("Feuille d'émargement mensuelle — %(name)s — %(month)s") % {
                "name": apprentice.full_name, "month": label},
            apprentice=apprentice, by=by, generated=True, period_start=first, period_end=last,
        ))
    return documents
