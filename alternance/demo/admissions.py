"""Admissions of the demo (issue 13 §1): candidates at every stage of the pipeline, so that the
queue, a candidate's page, the dashboard's figures and enrolment all show something after
``seed_demo``.

Unlike the bulk-written organisation, candidates go through the admissions services (they send no
email): each has its history rows, its CV stored like a real one, and the enrolled one its apprentice
record "seeking a company" since its enrolment day. Every date is a working day counted back from
``today``; names and birth dates are fixed (birth dates relative to ``today``), so the demo is the
same for every seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from alternance.admissions import services
from alternance.choices import CandidateSource, CandidateStatus, DiplomaCode, PositioningKind, Role
from alternance.demo.absences import proof_pdf
from alternance.demo.dates import is_working_day
from alternance.models import Candidate, Cohort, Programme, User


def working_days_before(today: date, count: int) -> date:
    """The working day ``count`` working days before ``today`` (0: today, or the last working day)."""
    day = today
    while not is_working_day(day):
        day -= timedelta(days=1)
    for _ in range(count):
        day -= timedelta(days=1)
        while not is_working_day(day):
            day -= timedelta(days=1)
    return day


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@dataclass(frozen=True)
class DemoCandidate:
    last_name: str
    first_name: str
    sex: str
    age: int  # on today
    source: str
    stage: str
    received: int  # working days ago
    programme_index: int


# One or more candidates at each stage; received ones form the queue (website, with a CV).
CANDIDATES = (
    DemoCandidate("Aubert", "Maël", "M", 18, CandidateSource.WEBSITE, CandidateStatus.RECEIVED, 1, 0),
    DemoCandidate("Benali", "Yasmine", "F", 19, CandidateSource.WEBSITE, CandidateStatus.RECEIVED, 2, 1),
    DemoCandidate("Charpentier", "Noé", "M", 17, CandidateSource.WEBSITE, CandidateStatus.RECEIVED, 3, 2),
    DemoCandidate("Delmas", "Chloé", "F", 20, CandidateSource.PARCOURSUP, CandidateStatus.POSITIONING, 12, 0),
    DemoCandidate("Eymard", "Lucas", "M", 18, CandidateSource.SCHOOL_FAIR, CandidateStatus.POSITIONING, 9, 1),
    DemoCandidate("Fournier", "Léna", "F", 21, CandidateSource.EMPLOYER, CandidateStatus.ADMITTED, 25, 0),
    DemoCandidate("Gauthier", "Adam", "M", 19, CandidateSource.WEBSITE, CandidateStatus.ADMITTED, 20, 2),
    DemoCandidate("Hamon", "Jade", "F", 18, CandidateSource.PARCOURSUP, CandidateStatus.WAITING_LIST, 22, 1),
    DemoCandidate("Izard", "Hugo", "M", 22, CandidateSource.OTHER, CandidateStatus.REFUSED, 30, 0),
    DemoCandidate("Joly", "Manon", "F", 19, CandidateSource.SCHOOL_FAIR, CandidateStatus.WITHDRAWN, 28, 2),
    DemoCandidate("Kerboul", "Enzo", "M", 20, CandidateSource.WEBSITE, CandidateStatus.ENROLLED, 35, 0),
)
PATHS = {
    CandidateStatus.RECEIVED: (),
    CandidateStatus.POSITIONING: ("position",),
    CandidateStatus.ADMITTED: ("position", "admit"),
    CandidateStatus.WAITING_LIST: ("position", "wait"),
    CandidateStatus.REFUSED: ("position", "refuse"),
    CandidateStatus.WITHDRAWN: ("withdraw",),
    CandidateStatus.ENROLLED: ("position", "admit", "enrol"),
}


def _identity(plan: DemoCandidate, *, index: int, today: date) -> dict:
    birth = date(today.year - plan.age - 1, 3 + index % 9, 1 + index)  # birthday passed: ``age`` on today
    return {
        "last_name": plan.last_name, "first_name": plan.first_name, "sex": plan.sex, "birth_date": birth,
        "birth_department": "69", "birth_commune": "Lyon", "ine": "",
        "email": f"{plan.first_name.lower()}.{plan.last_name.lower()}@candidat.demo.test".replace("ë", "e").replace("é", "e"),
        "phone": f"06 12 34 56 {index:02d}", "address": f"{index + 3} rue de la République", "postal_code": "69002",
        "city": "Lyon", "last_diploma": DiplomaCode.BAC_PRO if plan.age < 20 else DiplomaCode.BTS,
    }


def _enrolment_cohort(programme: Programme, day: date) -> Cohort | None:
    return Cohort.objects.filter(programme=programme, start_date__lte=day, end_date__gt=day).order_by("start_date", "pk").first()


def seed_admissions(*, today: date) -> int:
    """Candidates at every stage, placed on working days before ``today``. Returns how many."""
    admin = User.objects.filter(role=Role.ADMIN_STAFF).order_by("email").first()
    # Programmes with a running cohort (the enrolled candidate needs one), opened to applications.
    programmes = [p for p in Programme.objects.order_by("title") if _enrolment_cohort(p, today)]
    Programme.objects.filter(pk__in=[p.pk for p in programmes]).update(admissions_open=True)
    for programme in programmes:
        programme.admissions_open = True
    for index, plan in enumerate(CANDIDATES):
        programme = programmes[plan.programme_index % len(programmes)]
        received = working_days_before(today, plan.received)
        data = _identity(plan, index=index, today=today)
        if plan.source == CandidateSource.WEBSITE:
            candidate = services.candidate_apply(
                programme=programme, data=data, cv=proof_pdf([f"{plan.first_name} {plan.last_name}", "Curriculum vitae"]),
                client_ip=None, now=_at(received, 9),
            )
        else:
            candidate = services.candidate_create(programme=programme, source=plan.source, data=data, by=admin, now=_at(received, 9))
        step = plan.received
        for action in PATHS[plan.stage]:
            step = max(step - 3, 0)
            now = _at(working_days_before(today, step), 14)
            if action == "position":
                services.candidate_position(candidate=candidate, kind=PositioningKind.INTERVIEW if index % 2 else PositioningKind.TEST,
                                            day=now.date(), by=admin, now=now)
            elif action == "admit":
                services.candidate_admit(candidate=candidate, result="Avis favorable", by=admin, now=now)
            elif action == "wait":
                services.candidate_wait_list(candidate=candidate, result="12/20", comment="Promotion complète", by=admin, now=now)
            elif action == "refuse":
                services.candidate_refuse(candidate=candidate, result="7/20", comment="Prérequis non acquis", by=admin, now=now)
            elif action == "withdraw":
                services.candidate_withdraw(candidate=candidate, comment="A choisi une autre formation", by=admin, now=now)
            elif action == "enrol":
                services.candidate_enrol(candidate=candidate, cohort=_enrolment_cohort(programme, now.date()), by=admin, now=now)
    return Candidate.objects.count()
