"""Writes of the CRM and the placement desk (style §1, §6): keyword-only, atomic, validated.

Placement transitions follow one table; each move is a compare-and-set update plus a history row.
The "hired" step opens a draft contract through ``contracts.services.contract_create``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.choices import Role
from alternance.models import Apprentice, Programme, User
from companies.choices import OPEN_PLACEMENT_STATUSES, InteractionKind, InteractionOutcome, OfferStatus, PlacementStatus
from companies.models import Company, CompanyContact, Interaction, Offer, Placement, PlacementEvent

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
    occurred_at: datetime | None = None,
) -> Interaction:
    """Record an exchange with a company (call, e-mail, meeting…), with an optional follow-up date."""
    interaction = Interaction(
        company=company, author=author, kind=kind, outcome=outcome, summary=(summary or "").strip(),
        next_follow_up=next_follow_up, contact=contact, apprentice=apprentice, occurred_at=occurred_at or timezone.now(),
    )
    interaction.full_clean()
    interaction.save()
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
    return len(moved)


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


@transaction.atomic
def placement_move(*, placement: Placement, to: str, by: User, today: date, comment: str = "") -> Placement:
    """Move a placement one step (table ``PLACEMENT_TRANSITIONS``) with a compare-and-set update and a
    history row. "Hired" opens a draft contract; if its data is incomplete (e.g. dates), the
    placement is still hired and ``placement.contract_error`` says what is missing."""
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
    for name, value in fields.items():
        setattr(placement, name, value)
    placement.contract_error = ""
    if to == P.HIRED:
        try:
            with transaction.atomic():
                contract = contract_create(by=by, **_contract_fields(placement, today=today))
        except ValidationError as error:
            placement.contract_error = " ".join(error.messages)
        else:
            placement.contract = contract
            Placement.objects.filter(pk=placement.pk).update(contract=contract)
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
