"""Whether a generated document still shows the current data (issue 14 §4).

A generated Cerfa sheet, convention or remuneration schedule records, when it is rendered, the
values it printed (``Document.source_values``, by French label) and the SHA-256 of their canonical
JSON (``Document.source_fingerprint``). The same function computes those values from the current
data; a document whose stored fingerprint differs is « périmé » and the labels whose values differ
say what changed. The values are stored, not only the hash, so that the page can tell what changed
(a few kilobytes per document).

What counts is what the template prints: the contract, the apprentice, the company, the masters,
the programme, the cohort and training place, the OF settings and the remuneration computed from
the SMIC and grid in force (for the remuneration schedule, the SMIC in force at each period's
start: a new SMIC value that applies to a period makes the schedule stale). Not counted: the date printed as « établi le », and the Cerfa's frame
reserved to the OPCO (filled by the OPCO after the file is sent: its decision is no reason to send
the sheet again). Attendance and completion certificates are not followed: they state a period of
the attendance register, which is their own subject, not the contract's record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contracts.choices import DocumentKind, SignatureRequestStatus
from contracts.models import Contract, Document, OpcoFile, SignatureRequest
from contracts.pdf import (
    Remuneration,
    TrainingPlace,
    contract_training_hours,
    mask_nir,
    previous_contract_number,
    remuneration_for,
    remuneration_schedule_for,
    training_place,
)

# The kinds whose source data is followed, and the two the OPCO receives.
FOLLOWED_KINDS = (DocumentKind.CERFA, DocumentKind.CONVENTION, DocumentKind.REMUNERATION_SCHEDULE)
OPCO_KINDS = (DocumentKind.CERFA, DocumentKind.CONVENTION)
OPCO_DOCUMENT_NAMES = {DocumentKind.CERFA: gettext_lazy("La fiche Cerfa"), DocumentKind.CONVENTION: gettext_lazy("La convention de formation")}

COMPANY_CERFA = ("is_public", "name", "siret", "address", "postal_code", "city", "phone", "email", "employer_type",
                 "specific_employer", "naf_code", "headcount", "idcc", "opco")
APPRENTICE_CERFA = ("last_name", "usage_name", "first_name", "birth_date", "sex", "birth_department", "birth_commune",
                    "nationality", "social_regime", "address", "postal_code", "city", "phone", "email", "top_athlete", "rqth",
                    "rqth_date", "business_project", "situation_before_contract", "last_diploma_prepared", "last_class",
                    "last_diploma_title", "highest_diploma", "emancipated", "legal_representative_name", "legal_representative_address",
                    "legal_representative_email", "legal_representative_phone")
MASTER_CERFA = ("last_name", "first_name", "birth_date", "email", "job_title", "highest_diploma", "diploma_level", "eligibility_statement")
CONTRACT_CERFA = ("kind", "contract_type", "derogation_type", "previous_contract_number", "signature_date", "start_date",
                  "practical_training_start_date", "amendment_effective_date", "end_date", "weekly_hours", "dangerous_work",
                  "gross_monthly_salary", "pension_fund", "benefit_food", "benefit_housing", "benefit_other",
                  "training_start_date", "exams_end_date", "remote_training_hours", "public_unemployment_insurance",
                  "employer_holds_documents", "signature_place")
PROGRAMME_CERFA = ("diploma_code", "title", "cfd_code", "rncp_code")


@dataclass(frozen=True)
class Sources:
    """Everything a followed document prints, read once for a contract."""

    contract: Contract
    opco_file: OpcoFile | None
    remuneration: Remuneration
    schedule: Remuneration  # the remuneration schedule's periods, each with the SMIC in force at its start
    place: TrainingPlace
    organisation: dict
    previous_number: str = ""  # the Cerfa's number of the previous or amended contract (pdf.previous_contract_number)


@dataclass(frozen=True)
class Freshness:
    """A followed document compared with the current data: ``changed`` lists the French labels
    whose values differ (empty when the document is up to date)."""

    document: Document
    changed: tuple[str, ...]

    @property
    def outdated(self) -> bool:
        return bool(self.changed)


def contract_sources(contract: Contract) -> Sources:
    """The current data of ``contract``'s documents: a constant number of queries (OPCO file,
    SMIC and grid in force, the cohort's site when not already loaded)."""
    return Sources(
        contract=contract,
        opco_file=OpcoFile.objects.filter(contract=contract).first(),
        remuneration=remuneration_for(contract),
        schedule=remuneration_schedule_for(contract),
        place=training_place(contract),
        organisation=settings.ORGANISATION,
        previous_number=previous_contract_number(contract),
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return str(value)


def _fields(values: dict, prefix: str, obj, names) -> None:
    for name in names:
        label = f"{prefix} : {obj._meta.get_field(name).verbose_name}"
        values[label] = _text(getattr(obj, name))


def _remuneration(values: dict, remuneration: Remuneration) -> None:
    values[_("Rémunération : SMIC de référence")] = _text(remuneration.smic_monthly)
    values[_("Rémunération : SMIC en vigueur au")] = _text(remuneration.smic_valid_from)
    values[_("Rémunération : salaire minimum conventionnel")] = _text(remuneration.smc_monthly)
    values[_("Rémunération : périodes et montants minimaux")] = "; ".join(
        f"{row.label} {row.start:%Y-%m-%d} {row.end:%Y-%m-%d} {row.age_band} {row.rate} {row.base} {_text(row.amount)}"
        for row in remuneration.rows
    )


def _schedule(values: dict, schedule: Remuneration) -> None:
    """The schedule's periods with the SMIC each uses and its date: entering a new SMIC value that
    applies to a period changes them, so the schedule goes stale (issue 15 §8)."""
    values[_("Rémunération : SMIC de référence")] = _text(schedule.smic_monthly)
    values[_("Rémunération : SMIC en vigueur au")] = _text(schedule.smic_valid_from)
    values[_("Rémunération : salaire minimum conventionnel")] = _text(schedule.smc_monthly)
    values[_("Rémunération : périodes, SMIC en vigueur et montants minimaux")] = "; ".join(
        f"{row.label} {row.start:%Y-%m-%d} {row.end:%Y-%m-%d} {row.age_band} {row.rate} {row.base} "
        f"{_text(row.smic_monthly)} {_text(row.smic_valid_from)} {_text(row.amount)}"
        for row in schedule.rows
    )


def _organisation(values: dict, organisation: dict) -> None:
    values[_("Organisme de formation : dénomination")] = organisation.get("name", "")
    values[_("Organisme de formation : UAI")] = organisation.get("uai", "")
    values[_("Organisme de formation : SIRET")] = organisation.get("siret", "")


def _place(values: dict, place: TrainingPlace, *, siret: bool) -> None:
    values[_("Lieu de formation : dénomination")] = place.name
    values[_("Lieu de formation : UAI")] = place.uai
    if siret:
        values[_("Lieu de formation : SIRET")] = place.siret
    values[_("Lieu de formation : adresse")] = place.address


def _parties(values: dict, contract: Contract) -> None:
    """What ``_parties.html`` prints (remuneration schedule)."""
    _fields(values, _("Apprenti·e"), contract.apprentice, ("last_name", "usage_name", "first_name", "birth_date"))
    _fields(values, _("Employeur"), contract.company, ("name", "siret"))
    _fields(values, _("Formation"), contract.programme, ("title", "rncp_code"))
    _fields(values, _("Contrat"), contract, ("kind", "start_date", "end_date"))


def document_source_values(kind: str, sources: Sources) -> dict[str, str]:
    """The values a document of ``kind`` prints, by French label; empty for a kind not followed."""
    contract = sources.contract
    values: dict[str, str] = {}
    if kind == DocumentKind.CERFA:
        _fields(values, _("Employeur"), contract.company, COMPANY_CERFA)
        _fields(values, _("Apprenti·e"), contract.apprentice, APPRENTICE_CERFA)
        values[_("Apprenti·e : NIR (4 derniers caractères)")] = mask_nir(contract.apprentice.get_nir())
        for index, master in enumerate((contract.master, contract.second_master), 1):
            if master is not None:
                _fields(values, _("Maître d'apprentissage n° %(number)s") % {"number": index}, master, MASTER_CERFA)
        _fields(values, _("Contrat"), contract, CONTRACT_CERFA)
        values[_("Contrat : numéro du contrat précédent ou du contrat sur lequel porte l'avenant")] = sources.previous_number
        values[_("Formation : durée en heures")] = _text(contract_training_hours(contract))
        _fields(values, _("Formation"), contract.programme, PROGRAMME_CERFA)
        _organisation(values, sources.organisation)
        values[_("Organisme de formation : adresse")] = sources.organisation.get("address", "")
        values[_("Promotion : rythme")] = _text(contract.apprentice.cohort.rhythm_label)
        _place(values, sources.place, siret=True)
        _remuneration(values, sources.remuneration)
    elif kind == DocumentKind.CONVENTION:
        _fields(values, _("Employeur"), contract.company, ("name", "siret", "address", "postal_code", "city"))
        _fields(values, _("Apprenti·e"), contract.apprentice,
                ("last_name", "usage_name", "first_name", "birth_date", "address", "postal_code", "city", "legal_representative_name"))
        _fields(values, _("Contrat"), contract, ("kind", "start_date", "end_date", "training_start_date", "exams_end_date", "weekly_hours"))
        for index, master in enumerate((contract.master, contract.second_master), 1):
            values[_("Maître d'apprentissage n° %(number)s") % {"number": index}] = master.full_name if master else ""
        values[_("Formation : durée en heures")] = _text(contract_training_hours(contract))
        _fields(values, _("Formation"), contract.programme, ("title", "diploma_code", "level", "rncp_code", "cfd_code"))
        cohort = contract.apprentice.cohort
        values[_("Promotion : nom")] = cohort.name
        values[_("Promotion : rythme")] = _text(cohort.rhythm_label)
        values[_("Prise en charge OPCO (NPEC)")] = _text(sources.opco_file.npec_amount if sources.opco_file else None)
        _organisation(values, sources.organisation)
        _place(values, sources.place, siret=False)
    elif kind == DocumentKind.REMUNERATION_SCHEDULE:
        _parties(values, contract)
        _schedule(values, sources.schedule)
    return values


def values_fingerprint(values: dict[str, str]) -> str:
    """SHA-256 of the canonical JSON of ``values`` (keys sorted, no whitespace, UTF-8)."""
    canonical = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def changed_labels(stored: dict, current: dict) -> tuple[str, ...]:
    """Labels whose value differs between what a document printed and the current data, in the
    order the document prints them (then those that appeared since)."""
    labels = [label for label in stored if stored.get(label) != current.get(label)]
    labels += [label for label in current if label not in stored]
    return tuple(labels)


def documents_freshness(contract: Contract, documents, *, sources: Sources | None = None) -> dict[int, Freshness]:
    """The followed documents among ``documents`` (of ``contract``), by pk, compared with the
    current data. The current values are computed once per kind: no query per document."""
    followed = [d for d in documents if d.kind in FOLLOWED_KINDS and d.is_generated and d.source_fingerprint]
    if not followed:
        return {}
    sources = sources or contract_sources(contract)
    current: dict[str, tuple[dict, str]] = {}
    result = {}
    for document in followed:
        if document.kind not in current:
            values = document_source_values(document.kind, sources)
            current[document.kind] = (values, values_fingerprint(values))
        values, fingerprint = current[document.kind]
        changed = () if fingerprint == document.source_fingerprint else changed_labels(document.source_values, values)
        if fingerprint != document.source_fingerprint and not changed:
            changed = (_("Données du document"),)  # same values under another fingerprint: still outdated
        result[document.pk] = Freshness(document=document, changed=changed)
    return result


def latest_generated(contract: Contract, kinds=OPCO_KINDS) -> dict[str, Document]:
    """The latest generated version of each of ``kinds`` for ``contract`` (one query)."""
    latest: dict[str, Document] = {}
    for document in Document.objects.filter(contract=contract, kind__in=kinds, is_generated=True).order_by("kind", "-version", "-pk"):
        latest.setdefault(document.kind, document)
    return latest


def document_preflight_problems(contract: Contract, *, stage: str) -> list[tuple[str, str]]:
    """(code, French message) of the documents that block ``stage``.

    Before the OPCO: the latest Cerfa sheet and convention must exist and show the current data.
    Before signature: a pending signature request must not be on an outdated document (its signers
    would sign data that is no longer the contract's)."""
    problems: list[tuple[str, str]] = []
    if stage == "opco":
        # A public employer deposits its contract with the DDETS instead (D6224-1).
        before = _("avant l'envoi à l'OPCO") if contract.goes_through_opco else _("avant le dépôt auprès de la DDETS")
        latest = latest_generated(contract)
        freshness = documents_freshness(contract, latest.values())
        for kind in OPCO_KINDS:
            name = OPCO_DOCUMENT_NAMES[kind]
            document = latest.get(kind)
            if document is None:
                problems.append((
                    f"document.missing.{kind}",
                    _("%(name)s n'a pas été générée : générez-la dans le panneau « Documents » du contrat %(before)s.")
                    % {"name": name, "before": before},
                ))
            elif document.pk in freshness and freshness[document.pk].outdated:
                problems.append((
                    f"document.outdated.{kind}",
                    _("%(name)s (version %(version)s) est périmée : des données ont changé depuis sa génération (%(changed)s). "
                      "Régénérez-la dans le panneau « Documents » du contrat %(before)s.")
                    % {"name": name, "version": document.version, "changed": ", ".join(freshness[document.pk].changed), "before": before},
                ))
    elif stage == "signature":
        pending = list(
            SignatureRequest.objects.filter(document__contract=contract, status=SignatureRequestStatus.PENDING).select_related("document")
        )
        documents = [request.document for request in pending]
        freshness = documents_freshness(contract, documents)
        for document in documents:
            if document.pk in freshness and freshness[document.pk].outdated:
                problems.append((
                    f"document.signature_outdated.{document.kind}",
                    _("La demande de signature en cours porte sur un document périmé, « %(title)s » (version %(version)s) : des données "
                      "ont changé depuis sa génération (%(changed)s). Annulez la demande, régénérez le document et demandez à nouveau "
                      "les signatures.")
                    % {"title": document.title, "version": document.version, "changed": ", ".join(freshness[document.pk].changed)},
                ))
    return problems
