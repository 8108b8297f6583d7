"""Absences at the OF: unjustified half-days over a rolling window, consecutive days, monthly rate."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from alerts.choices import ConcernedRole, Severity
from alerts.rules.common import (
    APPRENTICE,
    FOLLOWED_STATUSES,
    apprentices_info,
    current_contracts,
    fr,
    fr_month,
    fr_number,
)
from alerts.rules.registry import Finding, RuleContext, rule
from alternance.choices import AttendanceStatus, JustificationStatus
from alternance.models import AttendanceRecord

# An absence is unjustified while no proof was accepted: none given, or refused. A proof waiting
# for validation is given the benefit of the doubt (the alert would vanish the next day).
UNJUSTIFIED = Q(status=AttendanceStatus.ABSENT, justification__in=(JustificationStatus.NONE, JustificationStatus.REFUSED))
ATTENDED = Q(status__in=(AttendanceStatus.PRESENT, AttendanceStatus.LATE))


def _first_of_previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def longest_streak(days: list[tuple[date, bool]]) -> tuple[int, date | None, date | None]:
    """Longest run of consecutive *recorded* OF days that were wholly unjustified absences.

    ``days`` is the apprentice's register in date order: (day, every recorded half-day of it is
    an unjustified absence). Company days are not in the register, so a Monday after a Friday
    at the OF follows it. Returns (length, first day, last day).
    """
    best, best_span, run, run_start = 0, (None, None), 0, None
    for day, absent in days:
        if absent:
            run, run_start = run + 1, run_start or day
            if run > best:
                best, best_span = run, (run_start, day)
        else:
            run, run_start = 0, None
    return best, best_span[0], best_span[1]


@rule(
    code="absences",
    subject_model=APPRENTICE,
    scoped=True,
    title="Absences répétées",
    severity=Severity.WARNING,
    role=ConcernedRole.TUTOR,
    source="Temps au CFA = temps de travail ; l'OF signale les absences à l'employeur (domaine §3). Seuils : choix de l'OF.",
)
def check(context: RuleContext) -> list[Finding]:
    """Unjustified half-day absences over a rolling window (default 3 in 30 days), consecutive days of
    absence at the OF (default 3), and a monthly attendance rate under the threshold (default 80 %).
    Four queries whatever the number of learners."""
    s, today = context.settings, context.today
    window_start = today - timedelta(days=s.absence_window_days - 1)
    months_start = _first_of_previous_month(today)
    followed = context.only(AttendanceRecord.objects.filter(
        apprentice__status__in=FOLLOWED_STATUSES, apprentice__exclusion_date__isnull=True, day__lte=today
    ), "apprentice_id")
    # 1. unjustified half-days in the window
    unjustified = dict(
        followed.filter(UNJUSTIFIED, day__gte=window_start).values("apprentice_id").annotate(n=Count("pk")).values_list("apprentice_id", "n")
    )
    # 2. the register day by day in the window, for the learners with at least one unjustified absence
    streak_rows = (
        followed.filter(day__gte=window_start, apprentice_id__in=followed.filter(UNJUSTIFIED, day__gte=window_start).values("apprentice_id"))
        .values("apprentice_id", "day").annotate(halves=Count("pk"), absent=Count("pk", filter=UNJUSTIFIED)).order_by("apprentice_id", "day")
    )
    registers: dict[int, list[tuple[date, bool]]] = defaultdict(list)
    for row in streak_rows:
        registers[row["apprentice_id"]].append((row["day"], row["absent"] == row["halves"]))
    # 3. monthly rate, current and previous calendar month
    monthly = (
        followed.filter(day__gte=months_start).annotate(month=TruncMonth("day"))
        .values("apprentice_id", "month").annotate(recorded=Count("pk"), attended=Count("pk", filter=ATTENDED))
    )
    low_months: dict[int, list[dict]] = defaultdict(list)
    for row in monthly:
        if row["recorded"] < s.attendance_min_records:
            continue
        rate = round(100 * row["attended"] / row["recorded"], 1)
        if rate < s.attendance_min_rate:
            # TruncMonth of a DateField is a date on every database (Django converts it).
            low_months[row["apprentice_id"]].append(
                {"month": row["month"].strftime("%Y-%m"), "rate": rate, "attended": row["attended"], "recorded": row["recorded"]}
            )

    signals: dict[int, list[dict]] = defaultdict(list)
    for apprentice_id, count in unjustified.items():
        if count >= s.absence_max_unjustified:
            signals[apprentice_id].append({
                "code": "unjustified", "label": f"{count} demi-journées non justifiées du {fr(window_start)} au {fr(today)}",
                "count": count, "threshold": s.absence_max_unjustified, "window_days": s.absence_window_days,
            })
    for apprentice_id, register in registers.items():
        length, first, last = longest_streak(register)
        if length >= s.absence_consecutive_days:
            signals[apprentice_id].append({
                "code": "consecutive", "label": f"{length} jours de centre consécutifs d'absence ({fr(first)} – {fr(last)})",
                "days": length, "threshold": s.absence_consecutive_days, "from": first.isoformat(), "to": last.isoformat(),
            })
    for apprentice_id, months in low_months.items():
        for month in sorted(months, key=lambda m: m["month"]):
            signals[apprentice_id].append({
                "code": "monthly_rate", "label": (
                    f"Assiduité de {fr_number(month['rate'], 1)} % en {fr_month(date.fromisoformat(month['month'] + '-01'))} "
                    f"(minimum {fr_number(s.attendance_min_rate)} %)"
                ),
                **month, "threshold": s.attendance_min_rate,
            })
    if not signals:
        return []
    # 4–5. names, tutors and current employers of the flagged learners
    info = apprentices_info(signals)
    contracts = current_contracts(signals, today)
    findings = []
    for apprentice_id, found in sorted(signals.items()):
        if apprentice_id not in info:
            continue
        who, contract = info[apprentice_id], contracts.get(apprentice_id)
        severity = Severity.CRITICAL if len(found) >= 2 else Severity.WARNING
        others = len(found) - 1
        findings.append(Finding(
            subject_model=APPRENTICE, subject_id=apprentice_id, label=who["label"],
            title=f"Absences : {found[0]['label']}" + ("" if not others else (
                " (+1 autre signal)" if others == 1 else f" (+{others} autres signaux)"
            )),
            severity=severity, stage=",".join(sorted({signal["code"] for signal in found})),
            facts={
                "signals": found, "unjustified_in_window": unjustified.get(apprentice_id, 0), "cohort": who["cohort"],
                "employer": contract["company__name"] if contract else None,
            },
            recommended_action=(
                "Appeler l'apprenti·e pour comprendre les absences, demander les justificatifs, "
                "prévenir l'employeur de chaque absence non justifiée et noter l'échange."
            ),
            concerned_role=ConcernedRole.TUTOR, apprentice_id=apprentice_id,
            company_id=contract["company_id"] if contract else None, contract_id=contract["pk"] if contract else None,
            suggested_assignee_id=who["tutor_id"],
        ))
    return findings
