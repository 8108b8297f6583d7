"""The employer's evaluations (issue 6, part 4): the employer's part of the visit grid and of the
reviews (first visit, follow-up, mid-term and end reviews).

The maître d'apprentissage (or any active contact of the contract's company) scores the criteria
marked ``for_employer`` on the extranet, with a comment per criterion and a general comment. The
answers live on the visit (``Visit.employer_grid_answers``, same format as the tutor's grid:
{code: {"score": n, "comment": str}}) and are sent once: a submitted evaluation is read-only
(compare-and-set on ``employer_submitted_at IS NULL``). The tutor reads them on the visit page and
in the visit report PDF. The tutor's own grid never shows these criteria.

Domain §5 asks for "a standardised company-visit grid"; Qualiopi indicator 13 asks for the
coordination of the OF and the company (dialogue with the maîtres d'apprentissage, visit reports):
the employer's own view, dated and signed by its login, is part of that evidence.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance import access
from alternance.models import User, Visit, VisitCriterion
from alternance.tutoring.services import GridAnswer, grid_answers_clean

logger = logging.getLogger(__name__)

# The employer's criteria, also installed by migration 0006 (kept equal by a test). Scale 1 = worst
# … 4 = best, like the tutor's grid.
EMPLOYER_CRITERIA = [
    ("employer_behaviour", "Savoir-être et intégration (vu par le maître d'apprentissage)",
     "Attitude, respect des consignes et des règles, relations avec l'équipe et la clientèle. "
     "1 = très insuffisant, 4 = excellent."),
    ("employer_skills", "Progression des compétences en entreprise",
     "Gestes et savoir-faire du métier acquis depuis le dernier point, autonomie sur les missions confiées. "
     "1 = aucune progression, 4 = très bonne progression."),
    ("employer_attendance", "Assiduité et ponctualité en entreprise",
     "Présence aux horaires prévus, absences prévenues et justifiées. 1 = absences ou retards fréquents, 4 = irréprochable."),
]
FIRST_ORDER = 110  # after the tutor's criteria (10 … 50)
COMMENT_MAX_LENGTH = 4000


@transaction.atomic
def employer_criteria_install_standard() -> list[VisitCriterion]:
    """Create the employer's criteria that are missing (existing ones, possibly reworded, are kept).
    For a database emptied after the migrations (tests, demo resets)."""
    criteria = []
    for index, (code, label, help_text) in enumerate(EMPLOYER_CRITERIA):
        criterion, _created = VisitCriterion.objects.get_or_create(
            code=code,
            defaults={"label": label, "help_text": help_text, "scale_max": 4, "order": FIRST_ORDER + 10 * index,
                      "for_employer": True},
        )
        criteria.append(criterion)
    return criteria


def employer_criteria() -> list[VisitCriterion]:
    """The criteria the employer scores today (configured data, not user-scoped: one query)."""
    return list(VisitCriterion.objects.filter(active=True, for_employer=True).order_by("order", "pk"))


def employer_grid_rows(visit: Visit, criteria: list[VisitCriterion] | None = None) -> list[dict]:
    """The employer's part as printed: one row per employer criterion answered or still active, then
    any answer whose criterion no longer exists (shown by its code)."""
    if criteria is None:
        criteria = list(VisitCriterion.objects.filter(for_employer=True).order_by("order", "pk"))
    answers = visit.employer_grid_answers or {}
    known = {criterion.code for criterion in criteria}
    rows = [
        {"code": c.code, "label": c.label, "scale_max": c.scale_max, "score": None, "comment": "", **(answers.get(c.code) or {})}
        for c in criteria
        if c.active or c.code in answers
    ]
    rows += [
        {"code": code, "label": code, "scale_max": None, "score": None, "comment": "", **(answer if isinstance(answer, dict) else {})}
        for code, answer in answers.items()
        if code not in known
    ]
    return rows


def _already_submitted(visit: Visit) -> ValidationError:
    day = timezone.localtime(visit.employer_submitted_at) if visit.employer_submitted_at else None
    message = _(
        "Cette évaluation a déjà été envoyée%(when)s : elle ne peut plus être modifiée. "
        "Pour la corriger, écrivez au formateur ou à la formatrice référent·e."
    ) % {"when": _(" le %(day)s") % {"day": f"{day:%d/%m/%Y}"} if day else ""}
    return ValidationError(message, code="already_submitted")


@transaction.atomic
def employer_evaluation_submit(*, visit: Visit, by: User, answers: dict[str, GridAnswer], comment: str) -> Visit:
    """Record the employer's part of a visit's grid, once.

    Every active employer criterion needs a score on its scale (1 to ``scale_max``, checked like the
    tutor's grid); the comments are optional. A second submission — or a submission racing another
    one — is refused: the write is a compare-and-set on ``employer_submitted_at IS NULL``. The visit's
    tutor is told by email after the commit."""
    if not access.can_fill_employer_evaluation(by, visit):
        raise PermissionDenied(_("Seul un contact de l'entreprise du contrat peut remplir cette évaluation."))
    criteria = employer_criteria()
    if not criteria:
        raise ValidationError(_("Aucun critère employeur n'est configuré : l'équipe alternance doit d'abord en activer."))
    grid = grid_answers_clean(answers, criteria)
    missing = {
        f"score_{c.code}": _("« %(label)s » : choisissez une note de 1 à %(max)s.") % {"label": c.label, "max": c.scale_max}
        for c in criteria
        if not isinstance((grid.get(c.code) or {}).get("score"), int)
    }
    if missing:
        raise ValidationError(missing)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError({"comment": _("Le commentaire dépasse %(max)s caractères : raccourcissez-le.") % {"max": COMMENT_MAX_LENGTH}})
    current = Visit.objects.select_related("tutor", "apprentice").get(pk=visit.pk)
    if current.employer_submitted_at is not None:
        raise _already_submitted(current)
    now = timezone.now()
    current.employer_grid_answers, current.employer_comment = grid, comment
    current.employer_submitted_at, current.employer_submitted_by = now, by
    current.full_clean()
    # Compare-and-set: of two submissions racing each other, only the first writes.
    written = Visit.objects.filter(pk=visit.pk, employer_submitted_at__isnull=True).update(
        employer_grid_answers=grid, employer_comment=comment, employer_submitted_at=now, employer_submitted_by=by,
        updated_at=now,
    )
    if written == 0:
        raise _already_submitted(Visit.objects.get(pk=visit.pk))
    _notify_tutor(current, by)
    return current


def _notify_tutor(visit: Visit, by: User) -> None:
    from alternance.outbox import email_queue

    if not visit.tutor.email:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("visit_detail", args=[visit.pk])
    subject = _("Évaluation de l'entreprise reçue — %(name)s") % {"name": visit.apprentice.full_name}
    body = _(
        "Bonjour,\n\n%(who)s a rempli la partie entreprise de la grille (%(kind)s) de %(name)s.\n"
        "Vous la retrouvez sur la page de la visite : %(url)s\n"
    ) % {"who": by.get_full_name() or by.email, "kind": visit.get_kind_display().lower(), "name": visit.apprentice.full_name, "url": url}
    to = [visit.tutor.email]
    email_queue(subject=subject, body=body, to=to)  # the outbox: sent once the evaluation commits


def employer_pending_filter() -> Q:
    """Visits whose employer part is still to fill."""
    return Q(employer_submitted_at__isnull=True)
