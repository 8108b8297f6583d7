"""Reads of the apprentice records screens: who may already be this person (duplicates), the record
to edit, and the extranet user's own contact rows."""

from __future__ import annotations

import unicodedata
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


def name_key(value: str) -> str:
    """A name as people may type it: case, accents, hyphens and spaces do not tell two people apart
    (« LEFÈVRE », « Lefevre »; « Jean-Marc », « jean marc »)."""
    decomposed = unicodedata.normalize("NFKD", value or "")
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(letters.casefold().replace("-", " ").replace("'", " ").split())


def find_duplicates(
    *, ine: str, last_name: str, first_name: str, birth_date: date | None,
    exclude_pk: int | None = None, exclude_apprentice_pk: int | None = None,
) -> Duplicates:
    """Candidates and apprentices that are probably the same person: same INE, or same name and
    birth date (names compared without case nor accents, in Python: the database's case folding
    may be ASCII-only; the birth date narrows the rows to a handful). Unscoped: the callers
    (coordinator, admin staff) see every row. ``exclude_pk`` leaves out a candidate (the one being
    checked), ``exclude_apprentice_pk`` an apprentice (the record being edited)."""
    ine = normalize_ine(ine)
    condition = Q(birth_date=birth_date) if birth_date else Q(pk__in=[])
    if ine:
        condition |= Q(ine=ine)
    wanted = (name_key(last_name), name_key(first_name))

    def same_person(row) -> bool:
        return bool(ine and row.ine == ine) or (
            row.birth_date == birth_date and (name_key(row.last_name), name_key(row.first_name)) == wanted
        )

    candidates = Candidate.objects.filter(condition).select_related("programme").order_by("pk")
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    apprentices = Apprentice.objects.filter(condition).select_related("cohort").order_by("pk")
    if exclude_apprentice_pk:
        apprentices = apprentices.exclude(pk=exclude_apprentice_pk)
    apprentices = [row for row in apprentices if same_person(row)]
    same_ine = tuple(row for row in apprentices if ine and row.ine == ine)
    return Duplicates(candidates=[row for row in candidates if same_person(row)], apprentices=apprentices, same_ine=same_ine)


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
