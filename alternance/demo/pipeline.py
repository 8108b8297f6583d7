"""The placement desk of the demo (issue 14 §9): company offers (open, filled, closed) and learners
proposed to companies at every step of the pipeline (``companies.services.PLACEMENT_TRANSITIONS``),
each with its history — among them a hire by the CRE whose draft contract was handed to the
administrative team (their home page's « Embauches confiées par les CRE »).

Offers, placements and their steps are written directly, dated on working days before ``today``
(the services would date them now); the handed-over draft goes through ``contract_create`` (no
email), like the hire a CRE records. Learners and companies are picked by their order in the
database, never by drawing random numbers: the rest of the demo stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from alternance.choices import ApprenticeStatus, Role
from alternance.demo.admissions import working_days_before
from alternance.demo.contract_history import at, keeping_timestamps
from alternance.demo.dates import add_months, working_day_on_or_after
from alternance.models import Apprentice, User
from companies.choices import OfferStatus, PlacementStatus
from companies.models import Company, Offer, Placement, PlacementEvent
from companies.services import _contract_fields
from contracts.choices import ContractStatus
from contracts.models import Contract, ContractSettings, ContractStatusChange
from contracts.selectors import master_loads_for
from contracts.services import contract_create

P = PlacementStatus
DESCRIPTIONS = (
    "Accueil de la clientèle, mise en rayon et participation aux inventaires ; équipe de huit personnes.",
    "Développement d'applications web internes (Python, JavaScript) au sein d'une équipe de quatre développeurs.",
    "Support aux utilisateurs et gestion du parc informatique d'une PME de 40 salarié·es.",
    "Participation à la vente, à l'animation commerciale et à la gestion des stocks du magasin.",
    "Intégration de maquettes et maintenance des sites des clients de l'agence.",
)


@dataclass(frozen=True)
class DemoOffer:
    status: str
    places: int
    company: int  # index among the CRE's companies
    programme: int  # index among the programmes of the learners seeking a company
    start_in_days: int  # relative to today (negative: in the past)
    created_days_ago: int  # working days


@dataclass(frozen=True)
class DemoPlacement:
    status: str
    learner: int  # index among the learners seeking a company
    company: int
    offer: int | None  # index in OFFERS
    days: tuple[int, ...]  # working days ago: proposed, then each later step
    notes: str = ""
    comment: str = ""


OFFERS = (
    DemoOffer(OfferStatus.OPEN, 2, 0, 0, 30, 6),
    DemoOffer(OfferStatus.OPEN, 1, 1, 1, 45, 12),
    DemoOffer(OfferStatus.OPEN, 1, 2, 2, 60, 3),
    DemoOffer(OfferStatus.CLOSED, 1, 3, 0, -20, 40),
)
# Steps after « proposed » follow PLACEMENT_TRANSITIONS (proposed → interview → hired / refused;
# an open one may be withdrawn).
PLACEMENTS = (
    DemoPlacement(P.PROPOSED, 0, 0, 0, (2,), "CV transmis au responsable du magasin."),
    DemoPlacement(P.PROPOSED, 1, 4, None, (4,), "Candidature spontanée relayée par la CRE."),
    DemoPlacement(P.INTERVIEW, 2, 1, 1, (10, 5), "Profil correspondant aux missions.", "Entretien fixé avec le maître d'apprentissage."),
    DemoPlacement(P.INTERVIEW, 3, 5, None, (8, 2), "", "Entretien sur site."),
    DemoPlacement(P.REFUSED, 4, 0, 0, (20, 15, 12), "", "L'entreprise a retenu une autre candidature."),
    DemoPlacement(P.WITHDRAWN, 5, 2, 2, (18, 14), "", "L'apprenti·e préfère une entreprise plus proche de son domicile."),
    DemoPlacement(P.HIRED, 6, 6, None, (15, 10, 6), "Entreprise rencontrée au salon de l'alternance.",
                  "Embauche confirmée par l'employeur : contrat à préparer."),
)


def _with_a_master_who_has_room(contract: Contract) -> Contract:
    """The hire's draft goes to a maître d'apprentissage of the company who may take one more
    apprentice (R6223-6: two, ContractSettings): the company's first master may already have two,
    and the demo must pass its own pre-flight. When none has room, the employer names a colleague
    of the first one, with the same qualification, as the hire's maître d'apprentissage."""
    limit = ContractSettings.load().ma_max_apprentices
    masters = list(contract.company.contacts.filter(is_master=True, active=True).order_by("last_name", "first_name", "pk"))
    for master in masters:
        contract.master = master
        if master_loads_for(contract)[master.pk].apprentices < limit:
            Contract.objects.filter(pk=contract.pk).update(master=master)
            return contract
    if not masters:  # no master at all: the administrative team names one (the draft says so)
        return contract
    colleague = masters[0]
    colleague.pk, colleague.user, colleague.first_name = None, None, "Camille"
    colleague.email = f"camille.{colleague.email}" if colleague.email else ""
    colleague.is_employer_representative = False
    colleague.save()
    Contract.objects.filter(pk=contract.pk).update(master=colleague)
    contract.master = colleague
    return contract

def _companies(cre: User) -> list[Company]:
    return list(Company.objects.filter(owner_cre=cre).order_by("pk")[:10])


def _seekers(today: date) -> list[Apprentice]:
    """Learners seeking a company in a cohort still running for months, with no contract in preparation."""
    return list(
        Apprentice.objects.filter(status__in=(ApprenticeStatus.SEEKING, ApprenticeStatus.RUPTURANT),
                                  cohort__start_date__lte=today, cohort__end_date__gt=today + timedelta(days=240))
        .exclude(contracts__status__in=(ContractStatus.DRAFT, ContractStatus.AWAITING_SIGNATURES))
        .select_related("cohort__programme").order_by("pk")[:len(PLACEMENTS)]
    )


def seed_pipeline(*, today: date) -> tuple[int, int]:
    """Offers and placements of the demo; returns (offers, placements) written."""
    cre = User.objects.filter(role=Role.CRE).order_by("pk").first()  # cre@demo.test, the documented login
    if cre is None:
        return 0, 0
    companies, seekers = _companies(cre), _seekers(today)
    if len(companies) < 8 or len(seekers) < len(PLACEMENTS):
        return 0, 0
    programmes = [learner.cohort.programme for learner in seekers]
    offers: list[Offer] = []
    for index, spec in enumerate(OFFERS):
        start = working_day_on_or_after(today + timedelta(days=spec.start_in_days))
        offers.append(Offer(
            company=companies[spec.company], programme=programmes[spec.programme], places=spec.places, start_date=start,
            end_date=add_months(start, 24) - timedelta(days=1), status=spec.status,
            description=DESCRIPTIONS[index % len(DESCRIPTIONS)], created_by=cre,
            created_at=at(working_days_before(today, spec.created_days_ago), 10),
        ))
    # A filled offer: the one a learner under contract was hired on (its placement, hired, below).
    hired_contract = (
        Contract.objects.filter(company__owner_cre=cre, status=ContractStatus.IN_PROGRESS, signature_date__lt=today - timedelta(days=30))
        .select_related("apprentice", "company", "programme").order_by("-start_date", "pk").first()
    )
    if hired_contract is not None:
        offers.append(Offer(
            company=hired_contract.company, programme=hired_contract.programme, places=1,
            start_date=hired_contract.start_date, end_date=hired_contract.end_date, status=OfferStatus.FILLED,
            description=DESCRIPTIONS[len(offers) % len(DESCRIPTIONS)], created_by=cre,
            created_at=at(working_day_on_or_after(hired_contract.signature_date - timedelta(days=45)), 10),
        ))
    for offer in offers:
        offer.full_clean(exclude=["company", "programme", "created_by"])
    with keeping_timestamps(Offer, "created_at"):
        offers = Offer.objects.bulk_create(offers)

    placements: list[Placement] = []
    steps: list[list[tuple[str, date, str]]] = []
    for spec in PLACEMENTS:
        days = [working_days_before(today, n) for n in spec.days]
        placement = Placement(
            apprentice=seekers[spec.learner], company=companies[spec.company],
            offer=offers[spec.offer] if spec.offer is not None else None, status=spec.status, proposed_on=days[0],
            notes=spec.notes, created_by=cre, created_at=at(days[0], 11),
        )
        path = [P.PROPOSED]
        if spec.status in (P.INTERVIEW, P.HIRED) or (spec.status == P.REFUSED and len(days) == 3):
            path.append(P.INTERVIEW)
            placement.interview_on = days[1]
        if spec.status not in (P.PROPOSED, P.INTERVIEW):
            path.append(spec.status)
            placement.decided_on = days[-1]
        placements.append(placement)
        steps.append([(status, days[i], spec.notes if i == 0 else (spec.comment if i == len(path) - 1 else ""))
                      for i, status in enumerate(path)])
    if hired_contract is not None:
        signed = hired_contract.signature_date
        days = [working_day_on_or_after(signed - timedelta(days=n)) for n in (35, 25)] + [signed]
        days = [min(day, signed) for day in days]
        placements.append(Placement(
            apprentice=hired_contract.apprentice, company=hired_contract.company, offer=offers[-1], status=P.HIRED,
            proposed_on=days[0], interview_on=days[1], decided_on=days[2], contract=hired_contract, created_by=cre,
            created_at=at(days[0], 11),
        ))
        steps.append([(P.PROPOSED, days[0], ""), (P.INTERVIEW, days[1], ""), (P.HIRED, days[2], "Contrat signé le jour même.")])
    for placement in placements:
        placement.full_clean(exclude=["apprentice", "company", "offer", "contract", "created_by", "contract_handed_over_by"],
                             validate_constraints=False)
    with keeping_timestamps(Placement, "created_at"):
        placements = Placement.objects.bulk_create(placements)

    # The CRE's hire: a draft contract from the placement's data, handed to the administrative team.
    handed = next(p for p in placements if p.status == P.HIRED and p.contract_id is None)
    hired_day = handed.decided_on
    contract = _with_a_master_who_has_room(contract_create(by=cre, **_contract_fields(handed, today=hired_day)))
    ContractStatusChange.objects.filter(contract=contract).update(changed_at=at(hired_day, 16))
    Placement.objects.filter(pk=handed.pk).update(contract=contract, contract_handed_over_at=at(hired_day, 16),
                                                  contract_handed_over_by=cre)

    events = []
    for placement, path in zip(placements, steps, strict=True):
        previous = ""
        for step, (status, day, comment) in enumerate(path):
            events.append(PlacementEvent(placement=placement, from_status=previous, to_status=status, by=cre,
                                         at=at(day, 11 + 2 * step), comment=comment))
            previous = status
    with keeping_timestamps(PlacementEvent, "at"):
        PlacementEvent.objects.bulk_create(events)
    return len(offers), len(placements)
