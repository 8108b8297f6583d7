"""Due dates of the tutors' follow-up (alternance.tutoring), on hand-built dates with known answers."""

from datetime import date

import pytest

from alternance.choices import VisitKind
from alternance.planning.practical import PracticalCalendar
from alternance.tutoring.rules import (
    DueState,
    add_months,
    end_review_due,
    first_visit_due,
    mid_term_date,
    mid_term_review_due,
    next_visit_due,
    suggested_visit,
)
from contracts.choices import ContractKind

CYCLE = date(2026, 9, 1)
CALENDAR = PracticalCalendar(pattern="CCEEE", cohort_start=CYCLE, cohort_end=date(2028, 6, 30))


def test_first_visit_due_counts_company_days_only_and_skips_a_public_holiday():
    # CCEEE: Monday and Tuesday at the OF, Wednesday to Friday in the company. From Monday
    # 9 Nov 2026: Wed 11 Nov is Armistice day, so the company days are Thu 12, Fri 13, Wed 18.
    assert first_visit_due(date(2026, 11, 9), 3, CALENDAR) == date(2026, 11, 18)


def test_first_visit_due_is_the_45th_company_day_from_the_practical_start():
    # From Wed 28 Oct 2026, 3 company days a week, minus 11 Nov, 25 Dec and 1 Jan (holidays on
    # company days): the 45th company day is Friday 12 February 2027.
    assert first_visit_due(date(2026, 10, 28), 45, CALENDAR) == date(2027, 2, 12)


def test_first_visit_due_follows_the_closures_of_the_real_calendar():
    # The OF closed on Mon 2 and Tue 3 Nov 2026: two more company days, the 45th comes two company
    # days earlier than Friday 12 February 2027 — Wednesday 10 February.
    closed = PracticalCalendar(pattern="CCEEE", cohort_start=CYCLE, cohort_end=date(2028, 6, 30),
                               closures=((date(2026, 11, 2), date(2026, 11, 3)),))
    assert first_visit_due(date(2026, 10, 28), 45, closed) == date(2027, 2, 10)


def _next(today, last_visit_done=None, **overrides):
    values = {
        "today": today, "practical_start": date(2026, 10, 28), "last_visit_done": last_visit_done,
        "interval_days": 180, "free_period_days": 45, "warning_days": 10, "calendar": CALENDAR,
    }
    values.update(overrides)
    return next_visit_due(**values)


def test_first_visit_is_upcoming_then_due_in_the_warning_window_then_overdue():
    assert _next(date(2027, 2, 1)).state == DueState.UPCOMING
    due = _next(date(2027, 2, 2))
    assert (due.kind, due.due_date, due.opens_on, due.state) == (VisitKind.FIRST, date(2027, 2, 12), date(2027, 2, 2), DueState.DUE)
    assert _next(date(2027, 2, 12)).state == DueState.DUE
    assert _next(date(2027, 2, 13)).state == DueState.OVERDUE


def test_after_a_visit_the_next_one_is_due_the_interval_after_the_last_visit_done():
    due = _next(date(2027, 3, 1), last_visit_done=date(2027, 1, 20))
    assert (due.kind, due.due_date, due.state) == (VisitKind.FOLLOW_UP, date(2027, 7, 19), DueState.UPCOMING)
    assert _next(date(2027, 7, 20), last_visit_done=date(2027, 1, 20)).state == DueState.OVERDUE
    assert _next(date(2027, 3, 1), last_visit_done=date(2027, 1, 20), interval_days=30).due_date == date(2027, 2, 19)


def test_mid_term_review_is_due_half_way_through_the_contract():
    # 730 days from 01/09/2026 to 31/08/2028 (29/02/2028 included): the mid-point is day 365.
    assert mid_term_date(date(2026, 9, 1), date(2028, 8, 31)) == date(2027, 9, 1)
    assert mid_term_date(date(2027, 1, 1), date(2027, 1, 4)) == date(2027, 1, 2)
    review = mid_term_review_due(today=date(2027, 8, 2), start=date(2026, 9, 1), end=date(2028, 8, 31), done=False)
    assert (review.kind, review.due_date, review.opens_on, review.state) == (
        VisitKind.MID_TERM_REVIEW, date(2027, 9, 1), date(2027, 8, 2), DueState.DUE,
    )
    assert mid_term_review_due(today=date(2027, 8, 1), start=date(2026, 9, 1), end=date(2028, 8, 31), done=False).state == DueState.UPCOMING
    assert mid_term_review_due(today=date(2027, 9, 2), start=date(2026, 9, 1), end=date(2028, 8, 31), done=False).state == DueState.OVERDUE
    assert mid_term_review_due(today=date(2027, 9, 2), start=date(2026, 9, 1), end=date(2028, 8, 31), done=True).state == DueState.DONE


def test_end_review_opens_two_months_before_the_end_of_the_contract():
    # Two months before 31 August is 30 June (no 31 June).
    assert end_review_due(today=date(2028, 6, 29), end=date(2028, 8, 31), done=False).state == DueState.UPCOMING
    review = end_review_due(today=date(2028, 6, 30), end=date(2028, 8, 31), done=False)
    assert (review.kind, review.opens_on, review.due_date, review.state) == (
        VisitKind.END_REVIEW, date(2028, 6, 30), date(2028, 8, 31), DueState.DUE,
    )
    assert end_review_due(today=date(2028, 9, 1), end=date(2028, 8, 31), done=False).state == DueState.OVERDUE


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2028, 4, 30), -2) == date(2028, 2, 29)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    assert add_months(date(2027, 1, 15), -13) == date(2025, 12, 15)


def test_the_suggested_visit_is_the_most_urgent_pending_item():
    today = date(2027, 8, 20)
    next_visit = _next(today, last_visit_done=date(2027, 3, 1))  # due on 28/08/2027, window open
    mid_term = mid_term_review_due(today=today, start=date(2026, 9, 1), end=date(2028, 8, 31), done=False)  # due on 01/09
    end_review = end_review_due(today=today, end=date(2028, 8, 31), done=False)
    assert suggested_visit(next_visit=next_visit, mid_term=mid_term, end_review=end_review) == next_visit
    overdue_mid = mid_term_review_due(today=date(2027, 9, 2), start=date(2026, 9, 1), end=date(2028, 8, 31), done=False)
    assert suggested_visit(next_visit=next_visit, mid_term=overdue_mid, end_review=end_review) == overdue_mid


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "due"), [
    # A 12-month CDD contrat pro from 7 September 2026: one month of trial period, last day 6 October.
    (ContractKind.PROFESSIONALISATION, date(2026, 10, 6)),
    # The same dates as an apprenticeship: the 45th company day of the cohort's rhythm.
    (ContractKind.APPRENTICESHIP, None),
])
def test_the_workspace_dates_the_first_visit_as_the_alert_does(kind, due):
    """Issue 15 §5: a contrat pro's first visit falls by the end of its trial period, in the tutor's
    workspace as in the ``visits_overdue`` alert — never at the apprenticeship's 45th company day."""
    from alerts.rules import RULES
    from alternance.tutoring.selectors import tutor_workspace
    from tests.alerts.conftest import context, under_contract

    contract = under_contract(kind=kind, end_date=date(2027, 9, 6))
    tutor = contract.apprentice.cohort.referent_tutor
    today = date(2026, 12, 31)  # both first visits are overdue: the alert states its date

    row = tutor_workspace(tutor, tutor=tutor, today=today)[0]
    finding = next(f for f in RULES["visits_overdue"](context(today)) if f.subject_id == contract.pk)
    alert_due = date.fromisoformat(finding.facts.get("trial_period_end") or finding.facts["free_period_end"])

    assert row.next_visit.due_date == alert_due
    if due is not None:
        assert row.next_visit.due_date == due
    else:
        assert row.next_visit.due_date > date(2026, 10, 6)
