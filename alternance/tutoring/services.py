"""Writes of the tutors' workspace: visits (planning, the standard grid, the record of a visit).

Services are keyword-only, atomic, and validate with the models' rules before writing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from alerts.triggers import facts_changed
from alternance.choices import Role, VisitMode
from alternance.models import Apprentice, User, Visit, VisitCriterion
from alternance.models.visits import GRID_SCALE_MIN
from contracts.choices import ACTIVE_CONTRACT_STATUSES
from contracts.models import Contract

# --- visits -----------------------------------------------------------------------------------------


def _current_contract(apprentice: Apprentice) -> Contract | None:
    return (
        Contract.objects.filter(apprentice=apprentice, status__in=ACTIVE_CONTRACT_STATUSES).order_by("-start_date", "-pk").first()
    )


@transaction.atomic
def visit_plan(
    *,
    apprentice: Apprentice,
    kind: str,
    planned_date: date,
    by: User,
    mode: str = VisitMode.ON_SITE,
    contract: Contract | None = None,
) -> Visit:
    """Plan a visit or a review of ``apprentice`` (with its current contract unless given).

    The visit is the tutor's: the planner when it is a tutor, else the cohort's referent tutor."""
    tutor = by if by.role == Role.TUTOR else apprentice.cohort.referent_tutor
    if contract is None:
        contract = _current_contract(apprentice)
    elif contract.apprentice_id != apprentice.pk:
        raise ValidationError({"contract": _("Ce contrat n'est pas celui de l'apprenti·e.")})
    visit = Visit(apprentice=apprentice, contract=contract, tutor=tutor, kind=kind, mode=mode, planned_date=planned_date)
    visit.full_clean()
    visit.save()
    return visit


# The standard grid (issue 5, part 4), also installed by migration 0003. Scale 1 = worst … 4 = best
# for every criterion, the risk of rupture included (4 = no risk), so that the grid average feeds
# the rupture-risk rule (RuleSettings.low_grid_score).
STANDARD_CRITERIA = [
    ("integration", "Intégration dans l'entreprise",
     "Accueil, place dans l'équipe, respect des règles de l'entreprise. 1 = très difficile, 4 = excellente."),
    ("skills_progress", "Progression des compétences",
     "Missions confiées en lien avec le référentiel, autonomie gagnée. 1 = aucune progression, 4 = très bonne progression."),
    ("master_relationship", "Relation avec le maître d'apprentissage",
     "Disponibilité, échanges, suivi des missions. 1 = conflictuelle, 4 = très bonne."),
    ("attendance", "Assiduité et ponctualité",
     "Au centre et en entreprise. 1 = absences ou retards fréquents, 4 = irréprochable."),
    ("rupture_risk", "Risque de rupture",
     "Appréciation globale du maintien du contrat. 1 = risque élevé, 4 = aucun risque identifié."),
]


@transaction.atomic
def visit_criteria_install_standard() -> list[VisitCriterion]:
    """Create the standard criteria that are missing (existing ones, possibly reworded, are kept).
    For a database emptied after the migrations (tests, demo resets)."""
    criteria = []
    for order, (code, label, help_text) in enumerate(STANDARD_CRITERIA, start=1):
        criterion, _created = VisitCriterion.objects.get_or_create(
            code=code, defaults={"label": label, "help_text": help_text, "scale_max": 4, "order": order * 10}
        )
        criteria.append(criterion)
    return criteria


@dataclass(frozen=True)
class GridAnswer:
    score: int | None
    comment: str = ""


def grid_answers_clean(answers: dict[str, GridAnswer], criteria: list[VisitCriterion]) -> dict:
    """The ``grid_answers`` JSON of a visit ({code: {"score": n, "comment": str}}) from the answers
    given, checked against the criteria: a known code, a score on the criterion's scale (1 to
    ``scale_max``). Unanswered criteria are left out. French errors keyed ``score_<code>``."""
    by_code = {criterion.code: criterion for criterion in criteria}
    errors: dict[str, str] = {}
    grid: dict[str, dict] = {}
    for code, answer in answers.items():
        criterion = by_code.get(code)
        if criterion is None:
            errors["__all__"] = _("Le critère « %(code)s » ne fait pas partie de la grille.") % {"code": code}
            continue
        comment = (answer.comment or "").strip()
        if answer.score is None:
            if comment:
                grid[code] = {"score": None, "comment": comment}
            continue
        if isinstance(answer.score, bool) or not isinstance(answer.score, int) or not GRID_SCALE_MIN <= answer.score <= criterion.scale_max:
            errors[f"score_{code}"] = _("« %(label)s » : choisissez une note de %(min)s à %(max)s.") % {
                "label": criterion.label, "min": GRID_SCALE_MIN, "max": criterion.scale_max,
            }
            continue
        grid[code] = {"score": answer.score, "comment": comment}
    if errors:
        raise ValidationError(errors)
    return grid


@transaction.atomic
def visit_record(
    *,
    visit: Visit,
    answers: dict[str, GridAnswer],
    done_date: date,
    today: date,
    by: User,
    master_feedback: str = "",
    actions_agreed: str = "",
    at_risk: bool = False,
    risk_comment: str = "",
    report: str = "",
    mode: str | None = None,
) -> Visit:
    """Record what happened at a visit: the standard grid, the maître d'apprentissage's view, the
    actions agreed, the risk flag (its reason is required: model constraint) and the report.

    A visit flagged at risk, or whose grid average is low, is picked up by the rupture-risk rule
    (alerts.rules.rupture_risk) right after the commit, like the first visit that closes the
    « Première visite à faire » alert (alerts.triggers)."""
    criteria = list(VisitCriterion.objects.order_by("order", "pk"))
    grid = grid_answers_clean(answers, criteria)
    if done_date > today:
        raise ValidationError({"done_date": _("La date de réalisation ne peut pas être dans le futur.")})
    visit = Visit.objects.select_for_update().select_related("tutor").get(pk=visit.pk)
    visit.grid_answers = grid
    visit.done_date = done_date
    visit.master_feedback = master_feedback.strip()
    visit.actions_agreed = actions_agreed.strip()
    visit.at_risk = at_risk
    visit.risk_comment = risk_comment.strip()
    visit.report = report.strip()
    if mode:
        visit.mode = mode
    visit.full_clean()
    visit.save()
    facts_changed("visit_recorded", contract_ids=[visit.contract_id], apprentice_ids=[visit.apprentice_id])
    return visit
