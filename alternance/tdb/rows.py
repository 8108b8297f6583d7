"""One row per learner per school year, built from our records with two queries in all
(apprentices with their cohort and programme; their contracts with the employer), whatever the
number of learners.

Decisions (the template leaves them to the CFA; README « Tableau de bord de l'apprentissage »):

- **Who is in the school year** (1 September → 31 August): a learner whose training period meets
  the year — entered training on or before 31 August, cohort not ended before 1 September, not
  excluded (or dropped out) before 1 September. Learners under a *contrat de professionnalisation*
  only are left out: the dashboard covers apprenticeship (domain §6).
- **Contracts**: the learner's apprenticeship contracts that are signed or later (signed, sent to
  the OPCO, accepted, in progress, ended, broken — not drafts, pending signatures or OPCO
  refusals) and started on or before the end of the school year, by start date: the template's
  own example reports, in its 2024-2025 row, a contract broken in June 2024, and the dashboard
  derives the day-by-day status (RUPTURANT, then ABANDON after 180 days) from the earlier
  contracts. An amendment (avenant) is the same contract: it is merged into the contract it
  amends (start of the original, end, employer and rupture of the latest version). More than four
  contracts cannot be written in the template: the row is rejected with the list, never cut.
- **annee_formation**: 1 + the whole years elapsed from the entry in training to 31 December of
  the school year's first calendar year (the SIFA census date), or 1 when training starts later.
  A September start gives 1, 2, 3 for the successive school years.
- **date_fin_formation**: end of the cohort; **duree_theorique_formation_mois**: the programme's
  duration; **date_inscription_formation** / **date_entree_formation**: the learner's enrolment and
  entry dates.
- **cause_rupture_contrat**: the rupture type (with the dismissal ground), worded as the
  dashboard's examples, never the free-text note of the contract (an internal comment).
- **dernier_organisme_uai**: our training establishment's UAI when the learner was already in
  training with us before this school year (« si déjà en apprentissage, mettre l'UAI du site de
  formation »); otherwise unknown, left empty.
- Left empty because we hold no such data (all optional): code_postal_de_naissance_apprenant (we
  store the birth département and commune, not a postal code), responsable_apprenant_mail2,
  derniere_situation (a SIFA code, not the Cerfa's situation code), obtention_diplome_formation
  and its date.
- **cause_exclusion_formation**: the reason chosen when the learner left the OF (its label), empty
  for learners who did not leave or left before reasons were recorded.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from alternance import phones
from alternance.choices import ApprenticeStatus, ExitReason
from alternance.models import Apprentice
from alternance.tdb.columns import MAX_CONTRACTS, NAMES, contract_field
from alternance.tdb.config import OrganisationValues
from alternance.tdb.rules import Source, TdbRow
from alternance.tdb.school_year import SchoolYear
from alternance.tdb_status import tdb_dropout_day
from contracts.choices import ContractKind, ContractStatus, DismissalGround, RuptureKind
from contracts.models import Contract

# Contracts that exist for the dashboard: signed or later. Drafts, contracts awaiting signatures
# and contracts refused by the OPCO were never in force.
COUNTED_STATUSES = (
    ContractStatus.SIGNED,
    ContractStatus.SENT_TO_OPCO,
    ContractStatus.ACCEPTED,
    ContractStatus.IN_PROGRESS,
    ContractStatus.ENDED,
    ContractStatus.BROKEN,
)

# cause_rupture_contrat: « nomenclature à fournir ou envoi champ texte libre »; worded like the
# dashboard's own examples (« démission », « résiliation », « force majeure », « faute lourde »,
# « inaptitude constatée par la médecine du travail »).
RUPTURE_CAUSES = {
    RuptureKind.FREE_PERIOD: "rupture pendant les 45 premiers jours de formation pratique en entreprise",
    RuptureKind.MUTUAL_AGREEMENT: "résiliation d'un commun accord",
    RuptureKind.RESIGNATION: "démission de l'apprenti après saisine du médiateur",
    RuptureKind.DISMISSAL: "licenciement",
    RuptureKind.DIPLOMA_OBTAINED: "obtention du diplôme",
    RuptureKind.OTHER: "autre cause",
}
DISMISSAL_CAUSES = {
    DismissalGround.SERIOUS_MISCONDUCT: "licenciement pour faute grave",
    DismissalGround.FORCE_MAJEURE: "force majeure",
    DismissalGround.MEDICAL_INAPTITUDE: "inaptitude constatée par la médecine du travail",
    DismissalGround.EXCLUSION_FROM_CFA: "licenciement après exclusion définitive du CFA",
    DismissalGround.EMPLOYER_DEATH: "décès de l'employeur maître d'apprentissage",
    DismissalGround.LIQUIDATION: "liquidation judiciaire sans maintien d'activité",
}

APPRENTICE_FIELDS = (
    "id", "last_name", "usage_name", "first_name", "sex", "birth_date", "email", "address", "postal_code", "ine", "phone",
    "rqth", "rqth_date", "legal_representative_email", "enrolment_date", "training_start_date", "exclusion_date", "exit_reason",
    "status", "cohort__id", "cohort__name", "cohort__end_date",
    "cohort__site__id", "cohort__site__uai", "cohort__site__siret", "cohort__site__address", "cohort__site__postal_code",
    "cohort__site__city",
    "cohort__programme__id", "cohort__programme__title", "cohort__programme__short_title", "cohort__programme__rncp_code",
    "cohort__programme__cfd_code", "cohort__programme__duration_months", "cohort__programme__training_hours",
)
CONTRACT_FIELDS = (
    "id", "apprentice_id", "kind", "status", "amends_id", "amendment_effective_date", "start_date", "end_date", "rupture_date",
    "rupture_kind", "dismissal_ground", "training_hours", "remote_training_hours", "company__id", "company__name", "company__siret",
)


def cause_of_rupture(contract: Contract) -> str | None:
    if not contract.rupture_date:
        return None
    if contract.dismissal_ground in DISMISSAL_CAUSES:
        return DISMISSAL_CAUSES[contract.dismissal_ground]
    return RUPTURE_CAUSES.get(contract.rupture_kind) or None


def training_year(training_start: date, school_year: SchoolYear) -> int:
    """annee_formation: 1 + whole years from the entry in training to 31 December of the school
    year (SIFA counts learners on that date); 1 when training starts after it."""
    census = max(training_start, date(school_year.first_year, 12, 31))
    elapsed = census.year - training_start.year - ((census.month, census.day) < (training_start.month, training_start.day))
    return elapsed + 1


@dataclass
class ContractChain:
    """A contract and its amendments (avenants): one contract for the dashboard."""

    versions: list[Contract]

    @property
    def root(self) -> Contract:
        return self.versions[0]

    @property
    def latest(self) -> Contract:
        return self.versions[-1]

    @property
    def start_date(self) -> date:
        return self.root.start_date

    @property
    def end_date(self) -> date:
        return self.latest.end_date

    @property
    def ruptured_version(self) -> Contract | None:
        broken = [v for v in self.versions if v.rupture_date or v.status == ContractStatus.BROKEN]
        return broken[-1] if broken else None

    @property
    def rupture_date(self) -> date | None:
        version = self.ruptured_version
        return version.rupture_date if version else None

    @property
    def broken(self) -> bool:
        return self.ruptured_version is not None

    @property
    def effective_end(self) -> date:
        return self.rupture_date or self.end_date

    def describe(self) -> str:
        return _("%(company)s du %(start)s au %(end)s") % {
            "company": self.latest.company.name, "start": f"{self.start_date:%d/%m/%Y}", "end": f"{self.effective_end:%d/%m/%Y}",
        }


def chains_of(contracts: list[Contract]) -> list[ContractChain]:
    """Group amendments with the contract they amend (through any number of avenants), ordered
    by the start of the original contract."""
    by_pk = {contract.pk: contract for contract in contracts}

    def root_of(contract: Contract) -> Contract:
        seen = set()
        while contract.amends_id in by_pk and contract.pk not in seen:
            seen.add(contract.pk)
            contract = by_pk[contract.amends_id]
        return contract

    grouped: dict[int, list[Contract]] = defaultdict(list)
    for contract in contracts:
        grouped[root_of(contract).pk].append(contract)
    chains = []
    for root_pk, versions in grouped.items():
        versions.sort(key=lambda v: (v.pk != root_pk, v.amendment_effective_date or v.start_date, v.pk))
        chains.append(ContractChain(versions))
    chains.sort(key=lambda chain: (chain.start_date, chain.root.pk))
    return chains


def year_apprentices(school_year: SchoolYear) -> QuerySet:
    """The learners in training during the school year (see the module's docstring)."""
    return (
        Apprentice.objects.filter(training_start_date__lte=school_year.end, cohort__end_date__gte=school_year.start)
        .filter(Q(exclusion_date__isnull=True) | Q(exclusion_date__gte=school_year.start))
        # A CQP or branch qualification without RNCP code is prepared in contrat pro only (L6211-1,
        # L6325-1): its learners are not apprentices and the dashboard does not know them.
        .exclude(cohort__programme__rncp_code="")
        .select_related("cohort__programme", "cohort__site")
        .only(*APPRENTICE_FIELDS)
        .order_by("last_name", "first_name", "pk")
    )


def year_contracts(apprentices: QuerySet, school_year: SchoolYear) -> QuerySet:
    """Their contracts that count for the dashboard and started by the end of the year (one query,
    the learners as a sub-query: no list of ids however many learners)."""
    return (
        Contract.objects.filter(
            apprentice__in=apprentices.order_by().values("pk"), status__in=COUNTED_STATUSES, start_date__lte=school_year.end
        )
        .select_related("company")
        .only(*CONTRACT_FIELDS)
        .order_by("apprentice_id", "start_date", "pk")
    )


@dataclass(frozen=True)
class CountedDropout:
    """A learner still looking for a company whom the dashboard counts as a dropout (« abandon »)
    since ``since`` (alternance.tdb_status)."""

    apprentice_id: int
    name: str
    since: date


@dataclass
class YearRows:
    rows: list[TdbRow]
    # Learners in the year under a contrat de professionnalisation only: not reported.
    professionalisation_only: list[tuple[int, str]]
    # Learners without any contract yet, counted as dropouts by the dashboard on ``today``.
    counted_dropouts: list[CountedDropout] = field(default_factory=list)


def build_rows(school_year: SchoolYear, organisation: OrganisationValues, today: date | None = None) -> YearRows:
    apprentices = year_apprentices(school_year)
    contracts_by_apprentice: dict[int, list[Contract]] = defaultdict(list)
    for contract in year_contracts(apprentices, school_year):
        contracts_by_apprentice[contract.apprentice_id].append(contract)
    settings_sources = {column: Source("setting", None, variable) for column, variable in organisation.variables.items()}
    rows, professionalisation_only, counted_dropouts = [], [], []
    for apprentice in apprentices:
        chains = chains_of(contracts_by_apprentice.get(apprentice.pk, []))
        apprenticeship = [chain for chain in chains if chain.root.kind == ContractKind.APPRENTICESHIP]
        if chains and not apprenticeship:
            professionalisation_only.append((apprentice.pk, apprentice.full_name))
            continue
        rows.append(build_row(apprentice, apprenticeship, school_year, organisation, settings_sources))
        # Still without any contract on ``today`` (none started yet), not excluded, and past the
        # dashboard's 90 days: it shows the learner as a dropout.
        started = [chain for chain in apprenticeship if today is not None and chain.start_date <= today]
        if (today is not None and not started and apprentice.exclusion_date is None
                and today >= tdb_dropout_day(apprentice.training_start_date)):
            counted_dropouts.append(CountedDropout(apprentice.pk, apprentice.full_name, tdb_dropout_day(apprentice.training_start_date)))
    return YearRows(rows=rows, professionalisation_only=professionalisation_only, counted_dropouts=counted_dropouts)


def _text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def build_row(
    apprentice: Apprentice, chains: list[ContractChain], school_year: SchoolYear,
    organisation: OrganisationValues, settings_sources: dict[str, Source],
) -> TdbRow:
    cohort, programme = apprentice.cohort, apprentice.cohort.programme
    values: dict[str, object] = dict.fromkeys(NAMES)
    # What the dashboard stores (0 + national number, E.164 overseas); a number it would refuse is
    # written as typed, and the check rejects the row with the dashboard's reason.
    phone = _text(apprentice.phone)
    checked = phones.check_phone(phone) if phone else None
    if checked is not None and checked.ok:
        phone = phones.tdb_form(checked.number)
    values.update(
        nom_apprenant=_text(apprentice.usage_name) or _text(apprentice.last_name),
        prenom_apprenant=_text(apprentice.first_name),
        date_de_naissance_apprenant=apprentice.birth_date,
        sexe_apprenant=apprentice.sex or None,
        email_contact=_text(apprentice.email),
        adresse_apprenant=_text(apprentice.address),
        code_postal_apprenant=_text(apprentice.postal_code),
        ine_apprenant=_text(apprentice.ine.upper().replace(" ", "") if apprentice.ine else None),
        tel_apprenant=phone,
        rqth_apprenant=bool(apprentice.rqth),
        date_rqth_apprenant=apprentice.rqth_date,
        responsable_apprenant_mail1=_text(apprentice.legal_representative_email),
        dernier_organisme_uai=organisation.formateur_uai if apprentice.training_start_date < school_year.start else None,
        annee_scolaire=school_year.label,
        annee_formation=training_year(apprentice.training_start_date, school_year),
        formation_rncp=_text(programme.rncp_code),
        formation_cfd=_text(programme.cfd_code),
        date_inscription_formation=apprentice.enrolment_date,
        date_entree_formation=apprentice.training_start_date,
        date_fin_formation=cohort.end_date,
        duree_theorique_formation_mois=programme.duration_months,
        libelle_court_formation=_text(programme.short_title),
        date_exclusion_formation=apprentice.exclusion_date,
        # The reason chosen when the learner left the OF (« Quitter l'OF »), in words.
        cause_exclusion_formation=str(ExitReason(apprentice.exit_reason).label) if apprentice.exit_reason else None,
    )
    values.update(organisation.values)
    apprentice_source = Source("apprentice", apprentice.pk, apprentice.full_name)
    programme_source = Source("programme", programme.pk, programme.title)
    sources = dict(settings_sources)
    sources["date_fin_formation"] = Source("cohort", cohort.pk, cohort.name)
    if cohort.site is not None:
        # The cohort's training site is the learner's training place (issue 13 §2); the settings
        # (TDB_LIEU_FORMATION_*) stay for cohorts taught at the OF itself.
        site = cohort.site
        values.update(
            etablissement_lieu_de_formation_uai=site.uai, etablissement_lieu_de_formation_siret=site.siret,
            etablissement_lieu_de_formation_adresse=f"{site.address}, {site.city}",
            etablissement_lieu_de_formation_code_postal=site.postal_code,
        )
        for column in ("uai", "siret", "adresse", "code_postal"):
            sources[f"etablissement_lieu_de_formation_{column}"] = Source("cohort", cohort.pk, cohort.name)
    for column in ("formation_rncp", "formation_cfd", "duree_theorique_formation_mois", "libelle_court_formation"):
        sources[column] = programme_source

    ruptured = []
    for number, chain in enumerate(chains[:MAX_CONTRACTS], start=1):
        latest, broken_version = chain.latest, chain.ruptured_version
        company = latest.company
        values[contract_field("contrat_date_debut", number)] = chain.start_date
        values[contract_field("contrat_date_fin", number)] = chain.end_date
        values[contract_field("siret_employeur", number)] = _text(company.siret)
        values[contract_field("contrat_date_rupture", number)] = chain.rupture_date
        values[contract_field("cause_rupture_contrat", number)] = cause_of_rupture(broken_version) if broken_version else None
        sources[contract_field("contrat_date_debut", number)] = _contract_source(chain.root)
        for name in ("contrat_date_fin", "contrat_date_rupture", "cause_rupture_contrat"):
            sources[contract_field(name, number)] = _contract_source(broken_version or latest)
        sources[contract_field("siret_employeur", number)] = Source("company", company.pk, company.name)
        ruptured.append(chain.broken)
    if chains:
        values["formation_presentielle"] = _on_site(chains[-1].latest, programme.training_hours)
    return TdbRow(
        apprentice_id=apprentice.pk,
        name=apprentice.full_name,
        values=values,
        sources=sources,
        default_source=apprentice_source,
        ruptured=tuple(ruptured),
        dropped_out=apprentice.status == ApprenticeStatus.DROPPED_OUT,
        extra_contracts=tuple(chain.describe() for chain in chains[MAX_CONTRACTS:]),
    )


def _contract_source(contract: Contract) -> Source:
    return Source("contract", contract.pk, _("n° %(pk)s (%(company)s)") % {"pk": contract.pk, "company": contract.company.name})


def _on_site(contract: Contract, programme_hours: int | None) -> bool | None:
    """formation_presentielle: « Non si 100 % à distance ». Known only when the contract states
    its forecast remote hours (Cerfa *14); otherwise left empty."""
    if contract.remote_training_hours is None:
        return None
    hours = contract.training_hours or programme_hours
    if not hours:
        return None
    return contract.remote_training_hours < hours
