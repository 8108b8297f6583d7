"""Demo: the employer's part of the visit grid (issue 6, part 4), filled on past visits of the demo
employer account's company, so that ``employeur@demo.test`` finds evaluations already sent and
others still to fill, and the tutor sees the employer's answers on the visit page and the report.

Deterministic (no random draw: the scores follow the tutor's own grid of the visit) and idempotent
(only visits whose employer part is empty are filled). Bulk writes, like the rest of the demo (see
``alternance.demo``): the answers are built with ``grid_answers_clean``, the service's own check.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from alternance import access
from alternance.models import User, Visit
from alternance.tutoring.evaluations import employer_criteria, employer_criteria_install_standard
from alternance.tutoring.services import GridAnswer, grid_answers_clean

DEMO_EMPLOYER_EMAIL = "employeur@demo.test"
# Visits done in the last days stay "to fill": the employer answers a few days after the visit.
LEAVE_RECENT_DAYS = 10
PARIS = ZoneInfo("Europe/Paris")
COMMENTS = {
    1: "Des difficultés à tenir les consignes : nous en parlons chaque semaine.",
    2: "Des progrès, à confirmer sur les prochaines semaines.",
    3: "Apprenti·e sérieux·se et bien intégré·e dans l'équipe.",
    4: "Très bonne progression, l'équipe est ravie.",
}


def _level(visit: Visit) -> int:
    """The tutor's grid average rounded (3 when the grid is empty), on the 1–4 scale."""
    scores = [a.get("score") for a in (visit.grid_answers or {}).values() if isinstance(a, dict) and isinstance(a.get("score"), int)]
    if not scores:
        return 3
    return max(1, min(4, round(sum(scores) / len(scores))))


@transaction.atomic
def seed_evaluations(*, today: date) -> int:
    """Fill the employer's part of the demo employer's past visits (done more than
    ``LEAVE_RECENT_DAYS`` ago, on the contracts it sees). Returns the number of visits filled."""
    employer_criteria_install_standard()
    criteria = employer_criteria()
    employer = User.objects.filter(email=DEMO_EMPLOYER_EMAIL).first()
    if employer is None or not criteria:
        return 0
    # The visits of the contracts the account sees on the extranet (access policy: its company's
    # contracts from signature to the end, not the ended or broken ones).
    visits = list(
        access.visible(employer, Visit).filter(
            done_date__lt=today - timedelta(days=LEAVE_RECENT_DAYS), employer_submitted_at__isnull=True,
        ).order_by("done_date", "pk")
    )
    for visit in visits:
        level = _level(visit)
        answers = {
            # The attendance criterion one notch above the rest when things go well: a simple, plausible spread.
            criterion.code: GridAnswer(score=min(criterion.scale_max, level + (index == 2 and level >= 3)), comment="")
            for index, criterion in enumerate(criteria)
        }
        visit.employer_grid_answers = grid_answers_clean(answers, criteria)
        visit.employer_comment = COMMENTS[level]
        answered = min(visit.done_date + timedelta(days=3), today)
        visit.employer_submitted_at = datetime.combine(answered, time(18, 0), tzinfo=PARIS)
        visit.employer_submitted_by = employer
    Visit.objects.bulk_update(
        visits, ["employer_grid_answers", "employer_comment", "employer_submitted_at", "employer_submitted_by"], batch_size=500
    )
    return len(visits)
