"""Demo calendar data: OF closures (Christmas, summer), the key dates of every cohort, and one
exception for the demo apprentice — so that every calendar page, PDF and ICS feed of the demo
shows real situations.

Like the rest of the demo, rows are checked with ``full_clean()`` and written with
``bulk_create`` (see the package docstring for why the demo bypasses the services). Deterministic
(no randomness: dates follow the cohorts and ``today``) and safe to run twice: rows already there
are not created again.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from django.db import transaction

from alternance.choices import KeyDateKind
from alternance.demo.dates import working_day_on_or_after, working_day_on_or_before
from alternance.models import Apprentice, AttendanceRecord, CalendarOverride, ClosurePeriod, Cohort, KeyDate
from alternance.planning import calendar as planning
from alternance.planning.rhythm import CENTRE

DEMO_APPRENTICE_EMAIL = "apprenti@demo.test"
CENTRE_ROOM = "Centre de formation — salle 12"
AMPHITHEATRE = "Centre de formation — amphithéâtre"


def christmas_closure(start_year: int) -> tuple[str, date, date]:
    """Two weeks from the Saturday before the week of Christmas (e.g. 19 Dec 2026 → 3 Jan 2027)."""
    christmas = date(start_year, 12, 25)
    start = christmas - timedelta(days=christmas.weekday()) - timedelta(days=2)
    return "Vacances de Noël", start, start + timedelta(days=15)


def summer_closure(start_year: int) -> tuple[str, date, date]:
    """Three weeks of August from the first Monday (e.g. 2 → 22 Aug 2027), at the end of the school year."""
    first = date(start_year + 1, 8, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    return "Fermeture estivale", monday, monday + timedelta(days=20)


def cohort_key_dates(cohort: Cohort) -> list[KeyDate]:
    """The usual milestones of a cohort, placed on working days inside its dates: the start-of-year
    meeting, an employers' meeting two months in, a mock exam, the mid-term reviews, the written
    and oral exams before the end of the exams, the end-of-training reviews."""
    start, end = cohort.start_date, cohort.end_date
    exams_end = min(cohort.exams_end_date or end, end)
    span = (end - start).days
    plan = [
        (KeyDateKind.MEETING, "Réunion de rentrée (apprenti·es et entreprises)", start, time(9, 30), time(12, 0), AMPHITHEATRE),
        (KeyDateKind.MEETING, "Réunion des maîtres d'apprentissage", planning.add_months(start, 2), time(17, 30), time(19, 0),
         AMPHITHEATRE),
        (KeyDateKind.MID_TERM_REVIEW, "Bilans de mi-parcours", start + timedelta(days=span // 2), None, None, ""),
        (KeyDateKind.EXAM, "Examen blanc", start + timedelta(days=span * 2 // 3), time(9, 0), time(12, 0), CENTRE_ROOM),
        (KeyDateKind.EXAM, "Épreuves écrites", exams_end - timedelta(days=14), time(9, 0), time(12, 0), CENTRE_ROOM),
        (KeyDateKind.EXAM, "Épreuve orale (soutenance)", exams_end - timedelta(days=3), time(14, 0), time(17, 0), CENTRE_ROOM),
        (KeyDateKind.END_REVIEW, "Bilans de fin de formation", end - timedelta(days=10), None, None, ""),
    ]
    rows = []
    for kind, label, day, start_time, end_time, location in plan:
        day = working_day_on_or_after(day) if day <= start + timedelta(days=span // 2) else working_day_on_or_before(day)
        if not start <= day <= end:
            continue
        rows.append(KeyDate(cohort=cohort, kind=kind, label=label, day=day, start_time=start_time, end_time=end_time,
                            location=location))
    return rows


def _demo_exception(today: date) -> CalendarOverride | None:
    """The demo apprentice spends its next centre day (within a month) at its company, agreed with
    its employer: the calendar shows an exception."""
    apprentice = Apprentice.objects.select_related("cohort").filter(user__email=DEMO_APPRENTICE_EMAIL).first()
    if apprentice is None or CalendarOverride.objects.filter(apprentice=apprentice).exists():
        return None  # absent, or its exception is already there (a second run adds nothing)
    days = planning.apprentice_days(apprentice, today + timedelta(days=1), today + timedelta(days=30))
    day = next((d for d, place in sorted(days.items()) if place.place == CENTRE and place.source == planning.SOURCE_RHYTHM), None)
    if day is None:
        return None
    return CalendarOverride(apprentice=apprentice, day=day, place="E",
                            reason="Salon professionnel avec l'entreprise (accord de l'employeur)")


@transaction.atomic
def seed_calendar(*, today: date) -> dict[str, int]:
    """Closures of the previous, current and next school years, the key dates of every cohort and
    the demo apprentice's exception. Returns the number of rows created per kind."""
    current = planning.school_year_of(today)
    existing_closures = set(ClosurePeriod.objects.filter(cohort__isnull=True).values_list("label", "start_date"))
    closures = []
    for start_year in (current - 1, current, current + 1):
        for label, start, end in (christmas_closure(start_year), summer_closure(start_year)):
            if (label, start) not in existing_closures:
                closures.append(ClosurePeriod(label=label, start_date=start, end_date=end))
    existing_dates = set(KeyDate.objects.values_list("cohort_id", "label", "day"))
    key_dates = [
        key_date
        for cohort in Cohort.objects.order_by("start_date", "pk")
        for key_date in cohort_key_dates(cohort)
        if (cohort.pk, key_date.label, key_date.day) not in existing_dates
    ]
    for row in (*closures, *key_dates):
        row.full_clean()
    ClosurePeriod.objects.bulk_create(closures)
    # The register was written from the rhythm before the closures existed: a closed day is not a
    # centre day, so no presence or absence may stay recorded on it (the register's own rule).
    for closure in closures:
        AttendanceRecord.objects.filter(day__range=(closure.start_date, closure.end_date)).delete()
    KeyDate.objects.bulk_create(key_dates)
    exception = _demo_exception(today)
    if exception is not None:
        exception.full_clean()
        exception.save()
    return {
        str(ClosurePeriod._meta.verbose_name_plural): len(closures),
        str(KeyDate._meta.verbose_name_plural): len(key_dates),
        str(CalendarOverride._meta.verbose_name_plural): int(exception is not None),
    }
