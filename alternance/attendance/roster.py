"""Who a cohort's register (and a session's sign-in sheet) lists on a day: the rule of the register,
shared by the register page (tutoring) and the sign-in of the training sessions (issue 19 §2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from alternance.choices import ApprenticeStatus
from alternance.models import Apprentice, Cohort
from alternance.planning import calendar as planning
from alternance.planning.calendar import DayPlace
from alternance.planning.rhythm import CENTRE


@dataclass(frozen=True)
class RegisterPeople:
    """Who the register of a day lists: the apprentices at the centre, and those of the cohort
    who are elsewhere that day by their own exception (named apart, not taken)."""

    at_centre: list[Apprentice]
    elsewhere: list[tuple[Apprentice, DayPlace]]


def register_apprentices(cohort: Cohort, day: date) -> RegisterPeople:
    """The apprentices expected at the OF on ``day``: in the cohort, already in training, not yet
    excluded, and at the centre that day by the alternance calendar (their exceptions, closures
    and holidays included). Three queries."""
    apprentices = list(
        Apprentice.objects.filter(cohort=cohort, training_start_date__lte=day)
        .exclude(exclusion_date__lt=day)
        .exclude(status=ApprenticeStatus.COMPLETED)
        .select_related("cohort")
        .order_by("last_name", "first_name", "pk")
    )
    places = planning.places_on(apprentices, day)
    return RegisterPeople(
        at_centre=[a for a in apprentices if places[a.pk].place == CENTRE],
        elsewhere=[(a, places[a.pk]) for a in apprentices if places[a.pk].place != CENTRE],
    )
