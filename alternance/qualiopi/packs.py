"""Evidence packs for the Qualiopi auditor: the request (a service) and the build (run by a task).

``evidence_pack_request`` records a pack for a period and sends the task once the request commits;
``evidence_pack_build`` (called by the task) collects every indicator's evidence over the period
(``alternance.qualiopi.indicators``), writes the ZIP — one folder per indicator with its CSV
extracts and its stored documents, the summary PDF and ``index.csv`` at the root — and stores
the PDF and the ZIP on the pack. State: pending → running → done | failed.

File names are deterministic and unique: CSV extracts have fixed names per indicator, a stored
document is named ``<date>-<kind>-<subject>-<document id>.<ext>``. A document whose file is missing
or no longer matches its SHA-256 is left out and named in the summary, never silently shipped.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alternance.choices import JobStatus
from alternance.jobs import failure_text
from alternance.models import EvidencePack, User
from alternance.qualiopi.extracts import csv_bytes
from alternance.qualiopi.indicators import IndicatorEvidence, collect_evidence
from alternance.qualiopi.sources import Period
from alternance.tasks import enqueue
from contracts.documents import document_read
from contracts.models import Document

logger = logging.getLogger(__name__)

INDEX_NAME = "index.csv"
SUBJECT_SLUG_LENGTH = 60
EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")


# --- request ----------------------------------------------------------------------------------------------

def default_period(*, today: date) -> Period:
    """The last 12 months, today included: from the day after the same date a year ago."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return Period(date.fromordinal(year_ago.toordinal() + 1), today)


@transaction.atomic
def evidence_pack_request(*, period_start: date, period_end: date, by: User, today: date) -> EvidencePack:
    """Record a pack for the period and build it in the background once the request commits."""
    errors = {}
    if period_end < period_start:
        errors["period_end"] = _("La période se termine avant de commencer : choisissez une date de fin postérieure ou égale au début.")
    elif period_end > today:
        errors["period_end"] = _("La période ne peut pas finir après aujourd'hui (%(today)s) : choisissez une date de fin passée.") % {
            "today": f"{today:%d/%m/%Y}"
        }
    if errors:
        raise ValidationError(errors)
    pack = EvidencePack(period_start=period_start, period_end=period_end, created_by=by)
    pack.full_clean()
    pack.save()
    # Written with the pack, started once it commits (the outbox: never lost if Redis is down).
    enqueue("alternance.build_evidence_pack", kwargs={"pack_id": pack.pk})
    return pack


# --- names ---------------------------------------------------------------------------------------------

def pdf_name(pack: EvidencePack) -> str:
    return f"synthese-qualiopi-{pack.period_start:%Y%m%d}-{pack.period_end:%Y%m%d}.pdf"


def archive_name(pack: EvidencePack) -> str:
    return f"preuves-qualiopi-{pack.period_start:%Y%m%d}-{pack.period_end:%Y%m%d}-dossier-{pack.pk}.zip"


def document_entry_name(document: Document) -> str:
    """``2026-10-05-compte-rendu-de-visite-dupont-jeanne-42.pdf``: the day the document speaks of
    (``evidence_day``), its kind, whom it concerns, its id (unique) and its file's extension."""
    apprentice = document.apprentice or (document.contract.apprentice if document.contract_id else None)
    if apprentice is not None:
        subject = slugify(f"{apprentice.usage_name or apprentice.last_name} {apprentice.first_name}")
    elif document.cohort_id:
        subject = slugify(document.cohort.name)
    else:
        subject = slugify(document.company.name) if document.company_id else ""
    subject = subject[:SUBJECT_SLUG_LENGTH].strip("-") or "document"
    suffix = PurePosixPath(document.file.name or "").suffix.lower()
    if not EXTENSION.fullmatch(suffix):
        suffix = ".pdf" if document.content_type == "application/pdf" else ".bin"
    day = getattr(document, "evidence_day", None) or timezone.localtime(document.created_at).date()
    return f"{day:%Y-%m-%d}-{slugify(document.get_kind_display())}-{subject}-{document.pk}{suffix}"


# --- the archive -------------------------------------------------------------------------------------------

@dataclass
class Entry:
    name: str
    indicator: str
    description: str
    sha256: str
    size: int


@dataclass
class ArchiveWriter:
    """Writes the ZIP entries, refusing a name twice, and keeps the index of what it wrote."""

    archive: zipfile.ZipFile
    stamp: datetime
    entries: list[Entry] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    def add(self, name: str, content: bytes, *, indicator: str = "", description: str = "") -> None:
        if name in self.names:
            raise ValueError(f"Nom de fichier en double dans l'archive : {name}")
        self.names.add(name)
        info = zipfile.ZipInfo(name, date_time=self.stamp.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        self.archive.writestr(info, content)
        self.entries.append(Entry(name, indicator, description, hashlib.sha256(content).hexdigest(), len(content)))


@dataclass
class Section:
    """One indicator as the PDF and the pack page show it."""

    number: int
    title: str
    folder: str
    shows: str
    counts: list[tuple[str, int]]
    examples: list[tuple[date, str]]
    files: list[str]
    notes: list[str]
    skipped: list[str]

    def as_json(self) -> dict:
        return {
            "number": self.number, "title": self.title, "folder": self.folder, "shows": self.shows,
            "counts": [{"label": label, "value": value} for label, value in self.counts],
            "examples": [{"date": day.isoformat(), "text": text} for day, text in self.examples],
            "files": self.files, "notes": self.notes, "skipped": self.skipped,
        }


def _write_indicator(writer: ArchiveWriter, evidence: IndicatorEvidence) -> Section:
    indicator = evidence.indicator
    label = str(indicator.number)
    files, skipped = [], []
    for extract in evidence.extracts:
        name = f"{indicator.folder}/{extract.name}"
        writer.add(name, extract.content(), indicator=label, description=str(extract.description))
        files.append(name)
    for document in evidence.documents:
        try:
            content = document_read(document)
        except FileNotFoundError:
            skipped.append(_("Fichier introuvable, non joint : %(title)s (document n° %(pk)s)") % {"title": document.title, "pk": document.pk})
            continue
        if hashlib.sha256(content).hexdigest() != document.sha256:
            skipped.append(_("Fichier modifié depuis son archivage, non joint : %(title)s (document n° %(pk)s)") % {
                "title": document.title, "pk": document.pk,
            })
            continue
        name = f"{indicator.folder}/documents/{document_entry_name(document)}"
        writer.add(name, content, indicator=label, description=document.title)
        files.append(name)
    return Section(
        number=indicator.number, title=str(indicator.title), folder=indicator.folder, shows=str(indicator.shows),
        counts=[(str(text), value) for text, value in evidence.counts],
        examples=[(example.day, example.text) for example in evidence.examples],
        files=files, notes=[str(note) for note in evidence.notes], skipped=skipped,
    )


def build_archive(buffer, *, pack: EvidencePack, evidence: list[IndicatorEvidence], today: date, stamp: datetime) -> tuple[dict, bytes]:
    """Write the ZIP into ``buffer``; return the summary (JSON-ready) and the summary PDF."""
    from alternance.qualiopi.pdf import evidence_pack_pdf

    with zipfile.ZipFile(buffer, "w") as archive:
        writer = ArchiveWriter(archive, stamp)
        sections = [_write_indicator(writer, item) for item in evidence]
        summary_pdf_name = pdf_name(pack)
        content = evidence_pack_pdf(pack=pack, sections=sections, today=today, pdf_name=summary_pdf_name, index_name=INDEX_NAME)
        writer.add(summary_pdf_name, content, description=_("Synthèse par indicateur"))
        index = csv_bytes(
            (_("Fichier"), _("Indicateur"), _("Description"), _("Empreinte SHA-256"), _("Taille (octets)")),
            [(entry.name, entry.indicator, entry.description, entry.sha256, entry.size) for entry in writer.entries],
        )
        writer.add(INDEX_NAME, index, description=_("Liste des fichiers de l'archive"))
    summary = {
        "generated_on": today.isoformat(),
        "files": len(writer.entries),
        "indicators": [section.as_json() for section in sections],
    }
    return summary, content


def evidence_pack_build(*, pack: EvidencePack, today: date) -> EvidencePack:
    """Build the pack. Safe to re-run: only a pending (or failed) pack is taken, with a
    compare-and-set, so two workers never build the same pack.

    A failure marks the pack failed with a French message; it is logged, not raised: the same
    input would fail the same way.
    """
    taken = EvidencePack.objects.filter(pk=pack.pk, status__in=(JobStatus.PENDING, JobStatus.FAILED)).update(
        status=JobStatus.RUNNING, error="", finished_at=None, heartbeat_at=timezone.now()
    )
    if not taken:
        logger.info("evidence pack %s already taken", pack.pk)
        pack.refresh_from_db()
        return pack
    try:
        pack.refresh_from_db()
        evidence = collect_evidence(Period(pack.period_start, pack.period_end))
        with tempfile.TemporaryFile() as buffer:
            summary, content = build_archive(buffer, pack=pack, evidence=evidence, today=today, stamp=timezone.localtime())
            buffer.seek(0)
            pack.pdf.save(pdf_name(pack), ContentFile(content), save=False)
            name = archive_name(pack)
            pack.archive.save(name, File(buffer, name=name), save=False)
        pack.summary, pack.status, pack.finished_at = summary, JobStatus.DONE, timezone.now()
        pack.save(update_fields=["summary", "pdf", "archive", "status", "finished_at"])
    except Exception as exc:
        logger.exception("evidence pack %s failed", pack.pk)
        EvidencePack.objects.filter(pk=pack.pk).update(
            status=JobStatus.FAILED, finished_at=timezone.now(),
            error=_("La production du dossier a échoué : %(error)s. Relancez-la ; si l'erreur revient, transmettez ce message "
                    "à l'équipe technique.") % {"error": failure_text(exc)},
        )
        pack.refresh_from_db()
    return pack
