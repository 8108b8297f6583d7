"""Reads of the apprentice records screens: who may already be this person (duplicates), the record
to edit, and the extranet user's own contact rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.http import Http404

from alternance import access
from alternance.models import Apprentice, Candidate, User
from companies.models import CompanyContact


@dataclass(frozen=True)
class Duplicates:
    """Records that are probably the same person as the one being keyed in."""

    candidates: list[Candidate]
    apprentices: list[Apprentice]
    # The apprentices holding the very INE typed (the INE is unique: those block the creation).
    same_ine: tuple[Apprentice, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.candidates or self.apprentices)


def normalize_ine(ine: str) -> str:
    return (ine or "").upper().replace(" ", "")


def find_duplicates(
    *, ine: str, last_name: str, first_name: str, birth_date: date | None,
    exclude_pk: int | None = None, exclude_apprentice_pk: int | None = None,
) -> Duplicates:
    """Candidates and apprentices that are probably the same person: same INE, or same name and
    birth date (case-insensitive). Unscoped: the callers (coordinator, admin staff) see every row.
    ``exclude_pk`` leaves out a candidate (the one being checked), ``exclude_apprentice_pk`` an
    apprentice (the record being edited)."""
    ine = normalize_ine(ine)
    same_identity = Q(last_name__iexact=(last_name or "").strip(), first_name__iexact=(first_name or "").strip(), birth_date=birth_date)
    condition = same_identity | Q(ine=ine) if ine else same_identity
    candidates = Candidate.objects.filter(condition).select_related("programme").order_by("pk")
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    apprentices = Apprentice.objects.filter(condition).select_related("cohort").order_by("pk")
    if exclude_apprentice_pk:
        apprentices = apprentices.exclude(pk=exclude_apprentice_pk)
    apprentices = list(apprentices)
    same_ine = tuple(a for a in apprentices if ine and a.ine == ine)
    return Duplicates(candidates=list(candidates), apprentices=apprentices, same_ine=same_ine)


def apprentice_for_edit(user: User, pk: int) -> Apprentice:
    """The record an edit page shows, or 404 outside the user's scope."""
    qs = Apprentice.objects.select_related("cohort__programme", "cohort__referent_tutor")
    return access.get_visible_or_404(user, qs, pk=pk)


def own_apprentice(user: User) -> Apprentice:
    """The extranet apprentice's own record (404 when the account has none)."""
    record = access.visible(user, Apprentice).select_related("cohort").filter(user=user).first()
    if record is None:
        raise Http404
    return record


def own_contacts(user: User) -> list[CompanyContact]:
    """The active contact rows of an employer account (one per establishment it represents)."""
    return list(
        access.visible(user, CompanyContact).filter(user=user, active=True).select_related("company").order_by("company__name", "pk")
    )
