"""Rupture risk: an explainable score per apprentice under contract, from signals that each add a weight."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from alerts.choices import ConcernedRole, Severity
from alerts.rules.common import APPRENTICE, full_name
from alerts.rules.registry import Finding, RuleContext, rule
from alternance.models import AttendanceRecord, Visit
from alternance.planning import practical
from companies.choices import InteractionOutcome
from companies.models import Interaction
from contracts.choices import ContractKind, ContractStatus
from contracts.models import Contract

from .absences import UNJUSTIFIED

# Weights of the signals (the score is their sum). A visit where the tutor flagged a risk is enough
# on its own; the other signals raise an alert when they come together.
WEIGHTS = {
    "visit_at_risk": 3,
    "low_grid_score": 2,
    "absence_trend": 2,
    "negative_interaction": 2,
    "sensitive_company": 1,
    "no_visit_free_period": 1,
    "several_signals": 1,  # bonus when two signals or more come together
}
TREND_DAYS = 30
EMPLOYED = (ContractStatus.IN_PROGRESS, ContractStatus.ACCEPTED, ContractStatus.SENT_TO_OPCO, ContractStatus.SIGNED)


def grid_average(grid_answers: dict) -> float | None:
    """Mean of the scores of a visit grid ({criterion: {"score": n}}), None if it has no score."""
    scores = [answer.get("score") for answer in (grid_answers or {}).values() if isinstance(answer, dict)]
    scores = [score for score in scores if isinstance(score, int | float)]
    return round(sum(scores) / len(scores), 2) if scores else None


def score(factors: list[dict]) -> int:
    """The score: the sum of the factors' weights (the "several signals" bonus is one factor)."""
    return sum(factor["weight"] for factor in factors)


@rule(
    code="rupture_risk",
    subject_model=APPRENTICE,
    scoped=True,
    title="Risque de rupture",
    severity=Severity.WARNING,
    role=ConcernedRole.TUTOR,
    source="Qualiopi indicateur 12 (prévention des ruptures) ; période de rupture libre L6222-18 (domaine §3, §8).",
)
def check(context: RuleContext) -> list[Finding]:
    """Score per apprentice under contract from: a visit flagged at risk or a low visit grid, a rising
    number of unjustified absences, a negative CRE interaction, a "sensitive" company, no visit yet
    while the 45-day free rupture period runs, and a bonus when signals come together. An alert when
    the score reaches the threshold; the factors are listed in the facts. Seven queries."""
    s, cs, today = context.settings, context.contract_settings, context.today
    since = today - timedelta(days=s.rupture_risk_lookback_days)
    # 1. contracts in force and what the rule needs about them
    in_force = context.only(Contract.objects.filter(status__in=EMPLOYED, start_date__lte=today, end_date__gte=today), "apprentice_id")
    contracts = list(
        in_force.order_by("apprentice_id", "-start_date", "-pk")
        .values(
            "pk", "apprentice_id", "company_id", "company__name", "company__sensitive", "company__sensitive_reason",
            "start_date", "practical_training_start_date", "apprentice__first_name", "apprentice__last_name",
            "apprentice__usage_name", "apprentice__cohort__referent_tutor_id", "apprentice__cohort__rhythm_pattern",
            "apprentice__cohort__start_date", "apprentice__cohort__end_date", "apprentice__cohort_id", "kind",
        )
    )
    by_apprentice: dict[int, dict] = {}
    for row in contracts:
        by_apprentice.setdefault(row["apprentice_id"], row)
    if not by_apprentice:
        return []
    calendars = practical.calendars_for_rows(by_apprentice.values())  # the real calendar (L6222-18 al. 1)
    employed = AttendanceRecord.objects.filter(apprentice_id__in=in_force.values("apprentice_id"))
    # 2. unjustified absences: last 30 days against the 30 before
    trend = {
        row["apprentice_id"]: row
        for row in employed.filter(UNJUSTIFIED, day__gt=today - timedelta(days=2 * TREND_DAYS), day__lte=today)
        .values("apprentice_id").annotate(
            recent=Count("pk", filter=Q(day__gt=today - timedelta(days=TREND_DAYS))),
            before=Count("pk", filter=Q(day__lte=today - timedelta(days=TREND_DAYS))),
        )
    }
    # 3. visits done: the latest recent one per apprentice, and which contracts had one at all
    latest_visit: dict[int, dict] = {}
    visited_contracts: set[int] = set()
    for visit in (
        context.only(Visit.objects.filter(done_date__isnull=False, done_date__lte=today, contract__status__in=EMPLOYED, contract__end_date__gte=today),
                     "apprentice_id")
        .order_by("apprentice_id", "-done_date", "-pk")
        .values("apprentice_id", "contract_id", "done_date", "at_risk", "risk_comment", "grid_answers")
    ):
        visited_contracts.add(visit["contract_id"])
        if visit["done_date"] >= since:
            latest_visit.setdefault(visit["apprentice_id"], visit)
    # 4. negative exchanges with the employer (about the apprentice, or the company as a whole)
    negative_by_company: dict[int, list[dict]] = defaultdict(list)
    interactions = Interaction.objects.filter(outcome=InteractionOutcome.NEGATIVE, occurred_at__date__gte=since, occurred_at__date__lte=today)
    if context.subject_ids is not None:  # only the employers of the subjects
        interactions = interactions.filter(company_id__in=sorted({c["company_id"] for c in by_apprentice.values()}))
    for row in (
        interactions
        .order_by("-occurred_at").values("company_id", "apprentice_id", "occurred_at", "summary")
    ):
        negative_by_company[row["company_id"]].append(row)

    findings = []
    for apprentice_id, c in by_apprentice.items():
        factors: list[dict] = []
        visit = latest_visit.get(apprentice_id)
        if visit and visit["at_risk"]:
            factors.append({"code": "visit_at_risk", "weight": WEIGHTS["visit_at_risk"],
                            "label": f"Visite du {visit['done_date']:%d/%m/%Y} : risque signalé — {visit['risk_comment']}",
                            "date": visit["done_date"].isoformat()})
        if visit and (average := grid_average(visit["grid_answers"])) is not None and average <= float(s.low_grid_score):
            factors.append({"code": "low_grid_score", "weight": WEIGHTS["low_grid_score"],
                            "label": f"Grille de visite du {visit['done_date']:%d/%m/%Y} : moyenne {average} / 4",
                            "average": average, "date": visit["done_date"].isoformat()})
        absences = trend.get(apprentice_id)
        if absences and absences["recent"] >= 2 and absences["recent"] > absences["before"]:
            factors.append({"code": "absence_trend", "weight": WEIGHTS["absence_trend"],
                            "label": f"Absences non justifiées en hausse : {absences['recent']} sur 30 jours contre {absences['before']} avant",
                            "recent": absences["recent"], "before": absences["before"]})
        negatives = [n for n in negative_by_company.get(c["company_id"], []) if n["apprentice_id"] in (None, apprentice_id)]
        if negatives:
            last = negatives[0]
            occurred_on = timezone.localtime(last["occurred_at"]).date()  # the day in Paris, not in UTC
            factors.append({"code": "negative_interaction", "weight": WEIGHTS["negative_interaction"],
                            "label": f"Échange négatif avec l'employeur le {occurred_on:%d/%m/%Y} : {last['summary'][:120]}",
                            "count": len(negatives), "date": occurred_on.isoformat()})
        if c["company__sensitive"]:
            factors.append({"code": "sensitive_company", "weight": WEIGHTS["sensitive_company"],
                            "label": f"Entreprise signalée sensible : {c['company__sensitive_reason']}"})
        practical_start = practical.practical_start(practical_training_start_date=c["practical_training_start_date"], start_date=c["start_date"])
        # The free rupture period is an apprenticeship rule (L6222-18): a contrat pro has none.
        if c["pk"] not in visited_contracts and practical_start <= today and c["kind"] != ContractKind.PROFESSIONALISATION:
            calendar = calendars[apprentice_id]
            end = practical.free_period_end(practical_start, cs.free_period_company_days, calendar=calendar)
            done = practical.company_days(practical_start, today, calendar=calendar)
            if end is None or today <= end:
                factors.append({"code": "no_visit_free_period", "weight": WEIGHTS["no_visit_free_period"],
                                "label": f"Aucune visite alors que la période de rupture libre court ({done} / {cs.free_period_company_days} jours en entreprise)",
                                "company_days": done})
        if len(factors) >= 2:
            factors.append({"code": "several_signals", "weight": WEIGHTS["several_signals"], "label": f"{len(factors)} signaux ensemble"})
        total = score(factors)
        if total < s.rupture_risk_threshold:
            continue
        label = full_name(c["apprentice__first_name"], c["apprentice__last_name"], c["apprentice__usage_name"])
        findings.append(Finding(
            subject_model=APPRENTICE, subject_id=apprentice_id, label=label,
            title=f"Risque de rupture (score {total}) chez {c['company__name']}",
            severity=Severity.CRITICAL if total >= s.rupture_risk_critical else Severity.WARNING,
            stage="critical" if total >= s.rupture_risk_critical else "warning",
            facts={"score": total, "threshold": s.rupture_risk_threshold, "factors": factors, "employer": c["company__name"]},
            recommended_action=(
                "Organiser rapidement un point tripartite (apprenti·e, maître d'apprentissage, formateur·rice), "
                "en informer le ou la CRE et tracer les mesures de prévention (Qualiopi 12)."
            ),
            concerned_role=ConcernedRole.TUTOR, apprentice_id=apprentice_id, company_id=c["company_id"], contract_id=c["pk"],
            suggested_assignee_id=c["apprentice__cohort__referent_tutor_id"],
        ))
    return findings
