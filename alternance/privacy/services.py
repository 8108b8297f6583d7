"""Writes of the GDPR feature: request and build a subject access export, anonymise a record whose
retention period is over. Tasks are started by name (``alternance.tasks.enqueue``)."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import date, datetime
from decimal import Decimal

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from alternance.choices import JobStatus
from alternance.models import Apprentice, AttendanceRecord, PersonalDataExport, TrainingSession, User, Visit
from alternance.privacy import selectors
from alternance.tasks import enqueue
from companies.models import CompanyContact, Interaction
from contracts import opco_board
from contracts.choices import DocumentKind
from contracts.models import Document, SignatureRequest

logger = logging.getLogger(__name__)

# Fields never exported: internal keys and technical columns, not information about the person.
SKIPPED_FIELDS = {"id", "search_text", "phone_key", "nir_encrypted", "password", "source_values", "source_fingerprint", "signature_boxes"}


# --- Subject access export ----------------------------------------------------------------------------


@transaction.atomic
def personal_data_export_request(*, by: User, apprentice: Apprentice | None = None, contact: CompanyContact | None = None) -> PersonalDataExport:
    """Record the request (the row is the log: who, when, about whom) and start the build after commit."""
    if (apprentice is None) == (contact is None):
        raise ValidationError(_("Choisissez une seule personne : un·e apprenti·e ou un contact entreprise."))
    if (apprentice or contact).anonymised_at:
        raise ValidationError(_("Ce dossier a été anonymisé : il n'y a plus de données personnelles à exporter."))
    export = PersonalDataExport(apprentice=apprentice, contact=contact, created_by=by)
    export.full_clean()
    export.save()
    logger.info("personal data export requested", extra={"export": export.pk, "by": by.pk})
    transaction.on_commit(lambda: enqueue("alternance.build_personal_data_export", kwargs={"export_id": export.pk}))
    return export


def _value(value):
    """A field value as JSON (dates ISO 8601, decimals as strings)."""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _display(obj: models.Model, field: models.Field) -> str:
    """A field value as a person reads it (French labels of choices, dates in French)."""
    if field.choices:
        return str(getattr(obj, f"get_{field.name}_display")())
    value = getattr(obj, field.name)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "d/m/Y H:i")
    if isinstance(value, date):
        return date_format(value, "d/m/Y")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _fields(model: type[models.Model]) -> list[models.Field]:
    return [
        f for f in model._meta.concrete_fields
        if f.name not in SKIPPED_FIELDS and not isinstance(f, models.FileField)
    ]


def _record(obj: models.Model) -> tuple[dict, list[tuple[str, str]]]:
    """(JSON of the row, [(French label, readable value)]); foreign keys as the related object's name."""
    data, readable = {}, []
    for field in _fields(type(obj)):
        if field.is_relation:
            related = getattr(obj, field.name)
            value = display = str(related) if related is not None else ""
        else:
            value, display = _value(getattr(obj, field.attname)), _display(obj, field)
        data[field.name] = value
        readable.append((str(field.verbose_name).capitalize(), display))
    return data, readable


def _masked_nir(apprentice: Apprentice) -> str:
    """The NIR is shown masked (first digit and key): the archive may travel by e-mail (issue 17 §5)."""
    if not apprentice.has_nir:
        return ""
    nir = apprentice.get_nir() or ""
    return f"{nir[:1]} ••• •• •• ••• ••• {nir[-2:]}" if len(nir) >= 3 else "•••"


def _section(key: str, title: str, rows) -> dict:
    records = [_record(row) for row in rows]
    return {"key": key, "title": title, "data": [r[0] for r in records], "readable": [r[1] for r in records]}


def _document_name(document: Document) -> str:
    return f"documents/{document.pk}-{get_valid_filename(document.file.name.rsplit('/', 1)[-1])}"


def export_content(export: PersonalDataExport, *, now: datetime) -> tuple[dict, list[dict], list[tuple[str, Document]]]:
    """What the ZIP holds: the JSON document, the sections for the readable HTML, the files."""
    if export.apprentice_id:
        subject = export.apprentice
        records = selectors.apprentice_records(subject)
        identity = _record(subject)
        identity[0]["nir"] = _masked_nir(subject)
        identity[1].append((_("NIR (masqué)"), identity[0]["nir"]))
        sections = [
            _section("contracts", _("Contrats"), records["contracts"]),
            _section("attendance", _("Présences et absences"), records["attendance"]),
            _section("visits", _("Visites et évaluations"), records["visits"]),
        ]
        documents = list(records["documents"])
        kind = "apprentice"
    else:
        subject = export.contact
        records = selectors.contact_records(subject)
        identity = _record(subject)
        sections = [
            _section("contracts", _("Contrats suivis comme maître d'apprentissage"), records["contracts"]),
            _section("interactions", _("Échanges avec le centre de formation"), records["interactions"]),
            _section("visits", _("Évaluations remplies"), records["visits"]),
        ]
        documents = []
        kind = "contact"
    user = subject.user
    if user is not None:
        sections.insert(0, {
            "key": "account", "title": _("Compte extranet"),
            "data": [{"email": user.email, "is_active": user.is_active,
                      "date_joined": _value(user.date_joined), "last_login": _value(user.last_login)}],
            "readable": [[(_("Identifiant (e-mail)"), user.email), (_("Actif"), _("oui") if user.is_active else _("non")),
                          (_("Créé le"), date_format(timezone.localtime(user.date_joined), "d/m/Y H:i")),
                          (_("Dernière connexion"), date_format(timezone.localtime(user.last_login), "d/m/Y H:i") if user.last_login else "")]],
        })
    files = [(_document_name(d), d) for d in documents]
    document_section = {
        "key": "documents", "title": _("Documents"),
        "data": [{"file": name, "kind": d.kind, "title": d.title, "created_at": _value(d.created_at), "size": d.size, "sha256": d.sha256}
                 for name, d in files],
        "readable": [[(_("Fichier"), name), (_("Type"), d.get_kind_display()), (_("Titre"), d.title),
                      (_("Déposé le"), date_format(timezone.localtime(d.created_at), "d/m/Y H:i")), (_("Empreinte SHA-256"), d.sha256)]
                     for name, d in files],
    }
    sections.append(document_section)
    data = {
        "export": {"id": export.pk, "generated_at": _value(now), "requested_by": str(export.created_by), "subject": kind},
        "identity": identity[0],
        **{s["key"]: s["data"] for s in sections},
    }
    return data, [{"title": _("Identité"), "readable": [identity[1]]}, *sections], files


def personal_data_export_build(*, export: PersonalDataExport, now: datetime) -> PersonalDataExport:
    """Build the ZIP (``donnees.json``, ``donnees.html``, ``documents/``). Safe to re-run: only a
    pending (or, after a crash, running) export is built, and the row moves to RUNNING first."""
    if export.status == JobStatus.DONE:
        return export
    PersonalDataExport.objects.filter(pk=export.pk).update(status=JobStatus.RUNNING)
    try:
        data, sections, files = export_content(export, now=now)
        buffer = io.BytesIO()
        missing = []
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
            archive.writestr("donnees.html", render_to_string(
                "alternance/privacy/export/donnees.html", {"sections": sections, "generated_at": now, "export": export}
            ))
            for name, document in files:
                try:
                    with document.file.open("rb") as handle:
                        archive.writestr(name, handle.read())
                except FileNotFoundError:
                    missing.append(name)
        if missing:
            raise FileNotFoundError(_("Fichier introuvable sur le disque : %(name)s.") % {"name": missing[0]})
        stamp = timezone.localtime(now)
        export.archive.save(f"donnees-personnelles-{export.pk}-{stamp:%Y%m%d-%H%M%S}.zip", ContentFile(buffer.getvalue()), save=False)
        export.status, export.files_included, export.finished_at, export.error = JobStatus.DONE, len(files), now, ""
        export.save(update_fields=["archive", "status", "files_included", "finished_at", "error"])
    except Exception as error:
        logger.exception("personal data export %s failed", export.pk)
        export.status, export.finished_at = JobStatus.FAILED, now
        export.error = _("L'export n'a pas pu être produit (%(error)s). Relancez-le ; si l'erreur revient, prévenez l'administrateur.") % {"error": error}
        export.save(update_fields=["status", "finished_at", "error"])
    return export


# --- Anonymisation ----------------------------------------------------------------------------------

# What an interaction's summary becomes once the person it was about is anonymised (the row stays:
# the company's follow-up counts do not change).
ERASED_SUMMARY = "(contenu effacé : données personnelles anonymisées)"


def _anonymised_birth_date(day: date | None) -> date | None:
    """Only the year is kept (age bands of the statistics): 1 January of the birth year."""
    return day.replace(month=1, day=1) if day else None


def _coarse_postal_code(code: str) -> str:
    """Only the département is kept (statistics by territory): 75011 → 75000, 2A004 → 2A000."""
    return (code[:2] + "000") if code else ""


def _forget_history(model: type[models.Model], pks) -> None:
    """The history of changes holds the former values (names, addresses): it goes with them."""
    content_type = ContentType.objects.get_for_model(model)
    LogEntry.objects.filter(content_type=content_type, object_pk__in=[str(pk) for pk in pks]).delete()


def _anonymise_user(user: User | None, *, label: str) -> None:
    if user is None:
        return
    User.objects.filter(pk=user.pk).update(
        first_name="", last_name=label, email=f"anonyme-{user.pk}@anonymise.invalid", phone="", is_active=False, password="!",
    )
    _forget_history(User, [user.pk])


def _delete_documents(documents) -> int:
    """Delete documents and their files; signature requests on them (and their signers) go first."""
    documents = list(documents)
    SignatureRequest.objects.filter(Q(document__in=documents) | Q(signed_document__in=documents)).delete()
    AttendanceRecord.objects.filter(proof__in=documents).update(proof=None)
    for document in documents:
        document.file.delete(save=False)
    Document.objects.filter(pk__in=[d.pk for d in documents]).delete()
    return len(documents)


@transaction.atomic
def apprentice_anonymise(*, apprentice: Apprentice, now: datetime) -> int:
    """Erase the identity of an apprentice whose retention period is over (issue 17 §8).

    Names, contact details, NIR, INE, birth place, address, legal representative are replaced or
    cleared; the birth date keeps its year, the postal code its département; free texts about the
    person (absence reasons, visit notes) are cleared; their documents are deleted with their files;
    their extranet account is closed and anonymised; their history of changes is deleted. Kept as they
    were: the rows themselves (contracts with dates, status, company, diploma, OPCO files and amounts,
    attendance, visits), so every count and statistic stays the same. Returns the documents deleted.
    """
    if Apprentice.objects.filter(pk=apprentice.pk, anonymised_at__isnull=False).exists():
        return 0
    label = _("Anonyme")
    Apprentice.objects.filter(pk=apprentice.pk).update(
        last_name=label, usage_name="", first_name=f"n° {apprentice.pk}",
        birth_date=_anonymised_birth_date(apprentice.birth_date), birth_department="", birth_commune="",
        nir_encrypted="", has_nir=False, ine="",
        address="", postal_code=_coarse_postal_code(apprentice.postal_code), city="", phone="",
        email=f"anonyme-{apprentice.pk}@anonymise.invalid",
        rqth_date=None, legal_representative_name="", legal_representative_address="",
        legal_representative_email="", legal_representative_phone="", last_diploma_title="",
        search_text="", phone_key="", anonymised_at=now,
    )
    opco_board.changed(apprentice_ids=[apprentice.pk])  # its lines on the OPCO board carry its name
    selectors.due_lists_changed()
    records = selectors.apprentice_records(apprentice)
    deleted = _delete_documents(records["documents"])
    attendance = AttendanceRecord.objects.filter(apprentice=apprentice)
    # The signed attendance sheets printing its name (issue 19 §3) belong to a session or a cohort:
    # those of the sessions it signed or was expected at, and its cohort's monthly sheets, go too.
    # They are rendered again on demand from the records, with the anonymised name.
    sessions = TrainingSession.objects.filter(
        Q(signatures__apprentice=apprentice) | Q(cohort_id=apprentice.cohort_id, day__in=attendance.values("day")))
    deleted += _delete_documents(Document.objects.filter(
        Q(kind=DocumentKind.SIGNIN_SHEET, training_session__in=sessions)
        | Q(kind=DocumentKind.MONTHLY_SIGNIN_SHEET, cohort_id=apprentice.cohort_id)
    ).distinct())
    attendance_pks = list(attendance.values_list("pk", flat=True))
    attendance.update(reason="", review_comment="")
    Visit.objects.filter(apprentice=apprentice).update(master_feedback="", actions_agreed="", risk_comment="", report="", employer_comment="")
    Interaction.objects.filter(apprentice=apprentice).update(summary=ERASED_SUMMARY)
    _anonymise_user(apprentice.user, label=label)
    _forget_history(Apprentice, [apprentice.pk])
    _forget_history(AttendanceRecord, attendance_pks)
    PersonalDataExport.objects.filter(apprentice=apprentice).delete()  # their ZIPs hold the erased data
    return deleted


@transaction.atomic
def contact_anonymise(*, contact: CompanyContact, now: datetime) -> int:
    """Erase the identity of a company contact whose retention period is over: names, e-mail, phone
    and the free texts of their interactions; the birth date keeps its year (the maître
    d'apprentissage's age condition); roles, diploma level, experience and the contracts they
    supervised stay (statistics). Their extranet account is closed, their history deleted."""
    if CompanyContact.objects.filter(pk=contact.pk, anonymised_at__isnull=False).exists():
        return 0
    label = _("Anonyme")
    CompanyContact.objects.filter(pk=contact.pk).update(
        last_name=label, first_name=f"n° {contact.pk}", email="", phone="",
        birth_date=_anonymised_birth_date(contact.birth_date), master_training="",
        active=False, search_text="", phone_key="", anonymised_at=now,
    )
    selectors.due_lists_changed()
    Interaction.objects.filter(contact=contact).update(summary=ERASED_SUMMARY)
    _anonymise_user(contact.user, label=label)
    _forget_history(CompanyContact, [contact.pk])
    PersonalDataExport.objects.filter(contact=contact).delete()
    return 0


def anonymise_due_records(*, today: date, now: datetime, by: User | None = None) -> dict[str, int]:
    """Anonymise every record whose retention is over: those ``by`` sees, all of them for the nightly task."""
    counts = {"apprentices": 0, "contacts": 0}
    for record in selectors.apprentices_due(today=today, user=by):
        apprentice_anonymise(apprentice=record.subject, now=now)
        counts["apprentices"] += 1
    for record in selectors.contacts_due(today=today, user=by):
        contact_anonymise(contact=record.subject, now=now)
        counts["contacts"] += 1
    logger.info("records anonymised", extra=counts)
    return counts
