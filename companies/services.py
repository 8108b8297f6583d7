"""Writes of the CRM and the placement desk (style §1, §6): keyword-only, atomic, validated.

Placement transitions follow one table; each move is a compare-and-set update plus a history row.
The "hired" step opens a draft contract through ``contracts.services.contract_create``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alternance.choices import Role
from alternance.history.services import changes_between, record_bulk, record_update
from alternance.models import Apprentice, Programme, User
from alternance.validators import normalize_siret
from companies.choices import OPEN_PLACEMENT_STATUSES, InteractionKind, InteractionOutcome, OfferStatus, PlacementStatus
from companies.models import Company, CompanyContact, Interaction, Offer, Placement, PlacementEvent
from contracts.choices import ACTIVE_CONTRACT_STATUSES, PENDING_CONTRACT_STATUSES

P = PlacementStatus

# proposed → interview → hired / refused; an open placement may also be withdrawn.
PLACEMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    P.PROPOSED: (P.INTERVIEW, P.REFUSED, P.WITHDRAWN),
    P.INTERVIEW: (P.HIRED, P.REFUSED, P.WITHDRAWN),
    P.HIRED: (),
    P.REFUSED: (),
    P.WITHDRAWN: (),
}


class PlacementError(Exception):
    """A refused placement move; ``str()`` is the French message."""


# --- CRM -------------------------------------------------------------------------------------------

@transaction.atomic
def interaction_log(
    *, company: Company, author: User, kind: str, summary: str, outcome: str = InteractionOutcome.NEUTRAL,
    next_follow_up: date | None = None, contact: CompanyContact | None = None, apprentice: Apprentice | None = None,
    occurred_at: datetime | None = None, answers_follow_up: Interaction | None = None,
) -> Interaction:
    """Record an exchange with a company (call, e-mail, meeting…), with an optional follow-up date,
    the contact person reached and the open follow-up it answers.

    The answered follow-up is marked done in the same transaction, by compare-and-set: if someone
    closed it meanwhile, nothing is recorded and the caller is told to choose again.
    """
    already_closed = ValidationError({"answers_follow_up": _(
        "Cette relance a été marquée comme faite entre-temps : rechargez la page et choisissez une autre relance, ou aucune."
    )})
    if answers_follow_up is not None and not Interaction.objects.select_for_update().filter(
        pk=answers_follow_up.pk, follow_up_done=False
    ).exists():
        raise already_closed
    interaction = Interaction(
        company=company, author=author, kind=kind, outcome=outcome, summary=(summary or "").strip(),
        next_follow_up=next_follow_up, contact=contact, apprentice=apprentice, occurred_at=occurred_at or timezone.now(),
        answers_follow_up=answers_follow_up,
    )
    interaction.full_clean()
    interaction.save()
    if answers_follow_up is not None:
        if not Interaction.objects.filter(pk=answers_follow_up.pk, follow_up_done=False).update(follow_up_done=True):
            raise already_closed  # rolls the new exchange back with the transaction
        answers_follow_up.follow_up_done = True
    return interaction


@transaction.atomic
def interaction_follow_up_done(*, interaction: Interaction, by: User) -> Interaction:
    """Mark a follow-up as done (compare-and-set: done twice is refused as "already done")."""
    if not interaction.next_follow_up:
        raise ValidationError(_("Cet échange ne prévoit pas de relance."))
    if not Interaction.objects.filter(pk=interaction.pk, follow_up_done=False).update(follow_up_done=True):
        raise ValidationError(_("Cette relance est déjà marquée comme faite."))
    interaction.follow_up_done = True
    return interaction


@transaction.atomic
def company_set_sensitive(*, company: Company, by: User, sensitive: bool, reason: str) -> Company:
    """Flag (or unflag) a company as sensitive; the reason is required when flagged (model check)."""
    locked = Company.objects.select_for_update().get(pk=company.pk)
    locked.sensitive = sensitive
    locked.sensitive_reason = (reason or "").strip() if sensitive else ""
    locked.full_clean()
    locked.save(update_fields=["sensitive", "sensitive_reason", "opco", "updated_at"])
    return locked


@transaction.atomic
def portfolio_reassign(*, companies: Iterable[Company], to_cre: User, by: User) -> int:
    """Move companies to another CRE's portfolio; each change is noted in the company's timeline."""
    if to_cre.role != Role.CRE or not to_cre.is_active:
        raise ValidationError({"to_cre": _("Choisissez un compte CRE actif.")})
    moved = [c for c in Company.objects.select_for_update(of=("self",)).select_related("owner_cre").filter(pk__in=[c.pk for c in companies])
             if c.owner_cre_id != to_cre.pk]
    if not moved:
        return 0
    now = timezone.now()
    notes = []
    for company in moved:
        before = company.owner_cre.get_full_name() if company.owner_cre else _("aucun·e")
        notes.append(Interaction(
            company=company, author=by, kind=InteractionKind.OTHER, outcome=InteractionOutcome.NEUTRAL, occurred_at=now,
            summary=_("Portefeuille réaffecté : %(before)s → %(after)s.") % {"before": before, "after": to_cre.get_full_name()},
        ))
    Company.objects.filter(pk__in=[c.pk for c in moved]).update(owner_cre=to_cre, updated_at=now)
    Interaction.objects.bulk_create(notes)
    record_bulk(((company, {"owner_cre": (company.owner_cre_id, to_cre.pk)}) for company in moved), actor=by)
    return len(moved)


# --- companies and their contacts --------------------------------------------------------------------

COMPANY_FIELDS = (
    "siret", "name", "is_public", "employer_type", "specific_employer", "naf_code", "idcc", "opco_overridden", "opco",
    "headcount", "address", "postal_code", "city", "phone", "email",
)
CONTACT_FIELDS = (
    "last_name", "first_name", "email", "phone", "job_title", "is_employer_representative", "is_master", "is_hr",
    "birth_date", "highest_diploma", "diploma_level", "experience_years", "master_training", "eligibility_statement",
)


def _check_fields(fields: dict, allowed: tuple[str, ...]) -> None:
    for name in fields:
        if name not in allowed:
            raise TypeError(f"Champ inattendu : {name}")


def company_with_siret(siret: str, *, exclude_pk: int | None = None) -> Company | None:
    """The company already recorded with this SIRET (typed with or without spaces), if any."""
    qs = Company.objects.filter(siret=normalize_siret(siret))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _duplicate_siret_error(existing: Company) -> ValidationError:
    return ValidationError({"siret": ValidationError(
        _("Ce SIRET est déjà enregistré pour « %(name)s » (%(city)s) : ouvrez sa fiche plutôt que d'en créer une seconde.")
        % {"name": existing.name, "city": existing.city},
        code="duplicate",
    )})


@transaction.atomic
def company_create(*, by: User, owner_cre: User | None = None, **fields) -> Company:
    """Record a company (an establishment, by its SIRET). It joins the portfolio of the CRE who
    creates it unless ``owner_cre`` names another CRE (the coordinator's call); a SIRET already
    recorded is refused with the name of the existing company."""
    _check_fields(fields, COMPANY_FIELDS)
    if owner_cre is None and by.role == Role.CRE:
        owner_cre = by
    existing = company_with_siret(fields.get("siret", ""))
    if existing is not None:
        raise _duplicate_siret_error(existing)
    company = Company(owner_cre=owner_cre, **fields)
    company.full_clean()
    try:
        with transaction.atomic():
            company.save()
    except IntegrityError:
        # Someone recorded the same SIRET between the check and the insert.
        existing = company_with_siret(company.siret)
        if existing is None:
            raise
        raise _duplicate_siret_error(existing) from None
    return company


@transaction.atomic
def company_update(*, company: Company, by: User, **fields) -> Company:
    """Edit a company's record; the OPCO is derived again from the IDCC unless it is imposed."""
    _check_fields(fields, (*COMPANY_FIELDS, "owner_cre"))
    locked = Company.objects.select_for_update(of=("self",)).select_related("owner_cre").get(pk=company.pk)
    before = locked.owner_cre
    for name, value in fields.items():
        setattr(locked, name, value)
    if not locked.opco_overridden:
        locked.opco = ""
    existing = company_with_siret(locked.siret, exclude_pk=locked.pk)
    if existing is not None:
        raise _duplicate_siret_error(existing)
    locked.full_clean()
    locked.save()
    if locked.owner_cre_id != (before.pk if before else None):
        # As with ``portfolio_reassign``: the change of CRE is noted in the company's timeline.
        Interaction.objects.create(
            company=locked, author=by, kind=InteractionKind.OTHER, outcome=InteractionOutcome.NEUTRAL, occurred_at=timezone.now(),
            summary=_("Portefeuille réaffecté : %(before)s → %(after)s.") % {
                "before": before.get_full_name() if before else _("aucun·e"),
                "after": locked.owner_cre.get_full_name() if locked.owner_cre else _("aucun·e"),
            },
        )
    return locked


@transaction.atomic
def company_archive(*, company: Company, by: User, reason: str, now: datetime | None = None) -> Company:
    """Archive a company instead of deleting it (its contracts, documents and log stay). Refused
    while it has a contract in force or in preparation, an open offer or a learner proposed to it."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez pourquoi l'entreprise est archivée (fermeture, doublon, plus de besoin…).")})
    locked = Company.objects.select_for_update().get(pk=company.pk)
    if locked.archived_at is not None:
        raise ValidationError(_("Cette entreprise est déjà archivée : rechargez la page."))
    contracts = locked.contracts.filter(status__in=(*ACTIVE_CONTRACT_STATUSES, *PENDING_CONTRACT_STATUSES)).count()
    if contracts:
        raise ValidationError(ngettext(
            "L'entreprise a %(count)s contrat en cours ou en préparation : archivez-la quand il est terminé, rompu ou abandonné.",
            "L'entreprise a %(count)s contrats en cours ou en préparation : archivez-la quand ils sont terminés, rompus ou abandonnés.",
            contracts,
        ) % {"count": contracts})
    if locked.offers.filter(status=OfferStatus.OPEN).exists():
        raise ValidationError(_("L'entreprise a des offres ouvertes : fermez-les avant de l'archiver."))
    if locked.placements.filter(status__in=OPEN_PLACEMENT_STATUSES).exists():
        raise ValidationError(_("Des apprenti·es sont proposé·es à cette entreprise : clôturez ces mises en relation avant de l'archiver."))
    locked.archived_at = now or timezone.now()
    locked.archived_by = by
    locked.archived_reason = reason
    locked.full_clean()
    locked.save(update_fields=["archived_at", "archived_by", "archived_reason", "opco", "updated_at"])
    return locked


@transaction.atomic
def company_restore(*, company: Company, by: User) -> Company:
    """Bring an archived company back into the lists and pickers (compare-and-set)."""
    values = {"archived_at": None, "archived_by": None, "archived_reason": ""}
    if not Company.objects.filter(pk=company.pk, archived_at__isnull=False).update(updated_at=timezone.now(), **values):
        raise ValidationError(_("Cette entreprise n'est pas archivée : rechargez la page."))
    record_update(company, values, actor=by)  # compare-and-set: no signal (history of changes)
    company.refresh_from_db()
    return company


def same_email_contact(company: Company, email: str, *, exclude_pk: int | None = None) -> CompanyContact | None:
    if not (email or "").strip():
        return None
    qs = CompanyContact.objects.filter(company=company, email__iexact=email.strip())
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _duplicate_contact_error(existing: CompanyContact) -> ValidationError:
    return ValidationError({"email": ValidationError(
        _("Cette adresse est déjà celle de %(name)s dans cette entreprise : modifiez sa fiche plutôt que d'en créer une seconde.")
        % {"name": existing.full_name},
        code="duplicate",
    )})


@transaction.atomic
def contact_create(*, company: Company, by: User, **fields) -> CompanyContact:
    """Add a person to a company (maître d'apprentissage, HR, employer representative); one e-mail
    address names one person per company."""
    _check_fields(fields, CONTACT_FIELDS)
    existing = same_email_contact(company, fields.get("email", ""))
    if existing is not None:
        raise _duplicate_contact_error(existing)
    contact = CompanyContact(company=company, **fields)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, contact: CompanyContact, by: User, **fields) -> CompanyContact:
    _check_fields(fields, CONTACT_FIELDS)
    locked = CompanyContact.objects.select_for_update().select_related("company").get(pk=contact.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    existing = same_email_contact(locked.company, locked.email, exclude_pk=locked.pk)
    if existing is not None:
        raise _duplicate_contact_error(existing)
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def contact_set_active(*, contact: CompanyContact, by: User, active: bool) -> CompanyContact:
    """Deactivate a contact who left the company (its extranet access to the company closes with
    it, see ``access``), or reactivate it; compare-and-set."""
    if not CompanyContact.objects.filter(pk=contact.pk, active=not active).update(active=active):
        raise ValidationError(
            _("Ce contact est déjà actif : rechargez la page.") if active else _("Ce contact est déjà désactivé : rechargez la page.")
        )
    record_update(contact, {"active": active}, actor=by)  # compare-and-set: no signal (history of changes)
    contact.active = active
    return contact


# --- offers ----------------------------------------------------------------------------------------

OFFER_FIELDS = ("programme", "places", "start_date", "end_date", "description")


@transaction.atomic
def offer_create(*, company: Company, by: User, programme: Programme, places: int, start_date: date, end_date: date,
                 description: str = "") -> Offer:
    offer = Offer(company=company, programme=programme, places=places, start_date=start_date, end_date=end_date,
                  description=description, created_by=by)
    offer.full_clean()
    offer.save()
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, by: User, **fields) -> Offer:
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    for name, value in fields.items():
        if name not in OFFER_FIELDS:
            raise TypeError(f"Champ inattendu : {name}")
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def offer_close(*, offer: Offer, by: User) -> Offer:
    """Close an open offer (no more proposals on it)."""
    if not Offer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(status=OfferStatus.CLOSED):
        raise ValidationError(_("Cette offre n'est plus ouverte : elle a été modifiée entre-temps."))
    offer.status = OfferStatus.CLOSED
    return offer


# --- placement pipeline -----------------------------------------------------------------------------

@transaction.atomic
def placement_propose(*, apprentice: Apprentice, company: Company, by: User, today: date, offer: Offer | None = None,
                      notes: str = "") -> Placement:
    """Propose a learner to a company (optionally on one of its open offers): the pipeline's first step."""
    if offer is not None and offer.status != OfferStatus.OPEN:
        raise ValidationError({"offer": _("Cette offre n'est plus ouverte : choisissez-en une autre ou aucune.")})
    placement = Placement(apprentice=apprentice, company=company, offer=offer, status=P.PROPOSED, proposed_on=today,
                          notes=(notes or "").strip(), created_by=by)
    placement.full_clean()
    placement.save()
    PlacementEvent.objects.create(placement=placement, from_status="", to_status=P.PROPOSED, by=by, comment=placement.notes)
    return placement


def first_master(company: Company) -> CompanyContact | None:
    """The company's first active maître d'apprentissage (by name), if any."""
    return company.contacts.filter(is_master=True, active=True).order_by("last_name", "first_name", "pk").first()


def _contract_fields(placement: Placement, *, today: date) -> dict:
    """The draft contract's data: the offer's programme and dates, otherwise the cohort's; the
    training data from the cohort (as the contract form does when opened from an apprentice)."""
    apprentice, offer = placement.apprentice, placement.offer
    cohort = apprentice.cohort
    return {
        "apprentice": apprentice,
        "company": placement.company,
        "programme": offer.programme if offer else cohort.programme,
        "start_date": offer.start_date if offer else max(today, cohort.start_date),
        "end_date": offer.end_date if offer else cohort.end_date,
        "training_start_date": cohort.start_date,
        "exams_end_date": cohort.exams_end_date,
        "training_hours": (offer.programme if offer else cohort.programme).training_hours,
        "master": first_master(placement.company),
    }


def learner_contract(apprentice: Apprentice, company: Company):
    """The learner's contract in preparation (draft, awaiting signatures) or in force that a hire
    must open instead of creating a second one: the most recent with this company, otherwise the
    most recent with another one (or None)."""
    from contracts.models import Contract

    rows = list(
        Contract.objects.filter(apprentice=apprentice, status__in=(*PENDING_CONTRACT_STATUSES, *ACTIVE_CONTRACT_STATUSES))
        .select_related("company").order_by("-created_at", "-pk")
    )
    same = [c for c in rows if c.company_id == company.pk]
    return (same or rows or [None])[0]


@transaction.atomic
def placement_move(
    *, placement: Placement, to: str, by: User, today: date, comment: str = "", hand_over_contract: bool = False,
) -> Placement:
    """Move a placement one step (table ``PLACEMENT_TRANSITIONS``) with a compare-and-set update and a
    history row.

    "Hired" opens the learner's contract: its draft or contract in force if it has one (never a
    second one: ``placement.existing_contract``), otherwise a new draft from the placement's data;
    if that data is incomplete (e.g. dates), the placement is still hired and
    ``placement.contract_error`` says what is missing. ``hand_over_contract`` (the mover may not
    edit contracts, e.g. a CRE): the contract still to prepare is handed to the administrative
    team — listed on their home page until it leaves the draft (``placement.handed_over``)."""
    from contracts.choices import ContractStatus
    from contracts.services import contract_create

    current = placement.status
    if to not in PLACEMENT_TRANSITIONS.get(current, ()):
        allowed = ", ".join(str(P(s).label) for s in PLACEMENT_TRANSITIONS.get(current, ())) or _("aucune")
        raise PlacementError(
            _("Impossible de passer de « %(from)s » à « %(to)s ». Étapes possibles : %(allowed)s.")
            % {"from": P(current).label, "to": P(to).label if to in P.values else to, "allowed": allowed}
        )
    fields: dict = {"status": to}
    if to == P.INTERVIEW:
        fields["interview_on"] = today
    else:
        fields["decided_on"] = today
    if not Placement.objects.filter(pk=placement.pk, status=current).update(**fields):
        raise PlacementError(_("Cette mise en relation a été modifiée entre-temps : rechargez la page."))
    record_update(placement, fields, actor=by)  # compare-and-set: no signal (history of changes)
    for name, value in fields.items():
        setattr(placement, name, value)
    placement.contract_error = ""
    placement.existing_contract = None
    placement.handed_over = False
    if to == P.HIRED:
        existing = learner_contract(placement.apprentice, placement.company)
        contract = None
        if existing is not None:
            placement.existing_contract = existing
            if existing.company_id == placement.company_id:
                contract = existing
        else:
            try:
                with transaction.atomic():
                    contract = contract_create(by=by, **_contract_fields(placement, today=today))
            except ValidationError as error:
                placement.contract_error = " ".join(error.messages)
        updates: dict = {}
        if contract is not None:
            placement.contract = contract
            updates["contract"] = contract
        still_to_prepare = existing is None or existing.status == ContractStatus.DRAFT
        if hand_over_contract and still_to_prepare:
            placement.handed_over = True
            placement.contract_handed_over_at, placement.contract_handed_over_by = timezone.now(), by
            updates.update(contract_handed_over_at=placement.contract_handed_over_at, contract_handed_over_by=by)
        if updates:
            Placement.objects.filter(pk=placement.pk).update(**updates)
            record_update(placement, updates, actor=by)  # a queryset update: no signal (history of changes)
        _after_hiring(placement, by=by, today=today)
    PlacementEvent.objects.create(placement=placement, from_status=current, to_status=to, by=by, comment=(comment or "").strip())
    return placement


def _after_hiring(placement: Placement, *, by: User, today: date) -> None:
    """A hired learner's other open proposals are withdrawn; a fully taken offer becomes filled."""
    others = list(Placement.objects.filter(apprentice=placement.apprentice, status__in=OPEN_PLACEMENT_STATUSES).exclude(pk=placement.pk))
    if others:
        Placement.objects.filter(pk__in=[o.pk for o in others], status__in=OPEN_PLACEMENT_STATUSES).update(
            status=P.WITHDRAWN, decided_on=today
        )
        record_bulk(((o, changes_between(o, {"status": P.WITHDRAWN, "decided_on": today})) for o in others), actor=by)
        PlacementEvent.objects.bulk_create([
            PlacementEvent(placement=o, from_status=o.status, to_status=P.WITHDRAWN, by=by,
                           comment=_("Embauché·e par %(company)s.") % {"company": placement.company.name})
            for o in others
        ])
    offer = placement.offer
    if offer is not None and offer.status == OfferStatus.OPEN:
        hired = Placement.objects.filter(offer=offer, status=P.HIRED).count()
        if hired >= offer.places:
            Offer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(status=OfferStatus.FILLED)
            offer.status = OfferStatus.FILLED
