"""Tutors' follow-up rules: when visits and reviews are due (pure functions, explicit ``today``).

No legal frequency of company visits was found (domain §3): the OF sets its own, and the
product follows the usual practice, made settings:

- the **first visit** before the end of the free rupture period, i.e. by the 45th day of
  practical training in the company counted from the contract's practical start (company days
  only, on the apprentice's real calendar: OF days, weekends and public holidays don't count, OF
  closures and the apprentice's exceptions do — L6222-18 al. 1, domain §3, ``alternance.planning.practical``;
  ``ContractSettings.free_period_company_days``). The alert rule ``visits_overdue`` uses the same date;
- then a **follow-up visit** at most ``RuleSettings.visit_interval_days`` after the last visit done;
- the **mid-term review** around the middle of the contract (window opening
  ``MID_TERM_OPENS_DAYS`` before the mid-point, due on the mid-point);
- the **end review** in the last ``END_REVIEW_MONTHS`` months of the contract, due by its end
  (RuleSettings.contract_end_notice_days also warns 60 days before the end: "bilan de fin").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from alternance.choices import VisitKind
from alternance.planning.practical import PracticalCalendar, free_period_end

MID_TERM_OPENS_DAYS = 30  # OF's choice: the mid-term review can be held a month before the mid-point
END_REVIEW_MONTHS = 2  # issue 5: "end review (last 2 months)"


class DueState(models.TextChoices):
    DONE = "done", _("Fait")
    UPCOMING = "upcoming", _("À venir")
    DUE = "due", _("À faire")
    OVERDUE = "overdue", _("En retard")


# Order of urgency, for sorting and for "what is due" filters.
URGENCY = {DueState.OVERDUE: 0, DueState.DUE: 1, DueState.UPCOMING: 2, DueState.DONE: 3}


@dataclass(frozen=True)
class Due:
    """Something a tutor has to do for an apprentice: its kind, by when, and where it stands today."""

    kind: str  # a VisitKind value
    due_date: date | None
    state: str  # a DueState value
    opens_on: date | None = None

    @property
    def kind_label(self) -> str:
        return VisitKind(self.kind).label

    @property
    def state_label(self) -> str:
        return DueState(self.state).label

    @property
    def is_pending(self) -> bool:
        return self.state in (DueState.DUE, DueState.OVERDUE)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (negative allowed), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def first_visit_due(practical_start: date, free_period_days: int, calendar: PracticalCalendar) -> date | None:
    """The last day for the first visit: the end of the free rupture period, the
    ``free_period_days``-th company day from the practical start on the apprentice's real calendar
    (L6222-18 al. 1: 45 days of practical training in the company, consecutive or not)."""
    return free_period_end(practical_start, free_period_days, calendar=calendar)


def state_on(*, today: date, due_date: date | None, opens_on: date | None = None, done: bool = False) -> str:
    """Where a due item stands on ``today``: done, overdue (after its date), due (its window is
    open), or upcoming."""
    if done:
        return DueState.DONE
    if due_date is None:
        return DueState.UPCOMING
    if today > due_date:
        return DueState.OVERDUE
    if opens_on is None or today >= opens_on:
        return DueState.DUE
    return DueState.UPCOMING


def next_visit_due(
    *,
    today: date,
    practical_start: date,
    last_visit_done: date | None,
    interval_days: int,
    free_period_days: int,
    warning_days: int,
    calendar: PracticalCalendar,
    trial_period_end: date | None = None,
) -> Due:
    """The next company visit: the first one by the end of the free period while no visit was
    done, then ``interval_days`` after the last visit done. The item is "due" ``warning_days``
    before its date (RuleSettings.first_visit_warning_days), overdue after it. A contrat pro has no
    45-day free period (L6222-18 is an apprenticeship rule): its first visit falls by the end of its
    trial period (``trial_period_end``), as in the ``visits_overdue`` alert."""
    if last_visit_done is None:
        due_date = trial_period_end or first_visit_due(practical_start, free_period_days, calendar)
        kind = VisitKind.FIRST
    else:
        due_date = last_visit_done + timedelta(days=interval_days)
        kind = VisitKind.FOLLOW_UP
    opens_on = due_date - timedelta(days=warning_days) if due_date else None
    return Due(kind=kind, due_date=due_date, opens_on=opens_on, state=state_on(today=today, due_date=due_date, opens_on=opens_on))


def mid_term_date(start: date, end: date) -> date:
    """The middle of the contract (the earlier day when the contract has an even number of days)."""
    return start + timedelta(days=(end - start).days // 2)


def mid_term_review_due(*, today: date, start: date, end: date, done: bool) -> Due:
    """The mid-term review: due on the contract's mid-point, open ``MID_TERM_OPENS_DAYS`` before."""
    due_date = mid_term_date(start, end)
    opens_on = due_date - timedelta(days=MID_TERM_OPENS_DAYS)
    return Due(
        kind=VisitKind.MID_TERM_REVIEW, due_date=due_date, opens_on=opens_on,
        state=state_on(today=today, due_date=due_date, opens_on=opens_on, done=done),
    )


def end_review_due(*, today: date, end: date, done: bool) -> Due:
    """The end review: in the last ``END_REVIEW_MONTHS`` months of the contract, by its end."""
    opens_on = add_months(end, -END_REVIEW_MONTHS)
    return Due(
        kind=VisitKind.END_REVIEW, due_date=end, opens_on=opens_on,
        state=state_on(today=today, due_date=end, opens_on=opens_on, done=done),
    )


def suggested_visit(*, next_visit: Due | None, mid_term: Due | None, end_review: Due | None) -> Due | None:
    """What to plan next: the most urgent pending item, else the nearest upcoming one."""
    candidates = [item for item in (next_visit, mid_term, end_review) if item is not None and item.state != DueState.DONE]
    if not candidates:
        return None
    return min(candidates, key=lambda item: (URGENCY[item.state], item.due_date or date.max))
