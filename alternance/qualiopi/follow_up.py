"""Collectors of the indicators evidenced by the follow-up of each apprentice: 13 (coordination of
the OF and the company: visits, reviews, documents, meetings), 26 (what was done for the apprentices
with an RQTH, and the référent handicap) and 30 (feedback of the employers and maîtres
d'apprentissage)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Q
from django.utils.translation import gettext as _

from alternance.choices import VisitKind
from alternance.models import Apprentice, Visit, VisitCriterion
from alternance.qualiopi.common import (
    EXAMPLES_LIMIT,
    Details,
    Example,
    company_of,
    grid_average,
    local_day,
    pick_examples,
    referent_note,
)
from alternance.qualiopi.extracts import Extract, person, short
from alternance.qualiopi.sources import (
    EMPLOYER_EVALUATIONS,
    MASTER_FEEDBACK,
    MEETINGS,
    RQTH_AMENDMENTS,
    RQTH_CONTACTS,
    RQTH_VISITS,
    VISITS_DONE,
    Period,
)

# --- 13: coordination of the OF and the company ----------------------------------------------------------

def collect_coordination(period: Period) -> Details:
    visits = list(
        VISITS_DONE.queryset(period).select_related("apprentice__cohort", "contract__company", "contract__master", "tutor")
        .order_by("done_date", "pk")
    )
    meetings = list(MEETINGS.queryset(period).select_related("cohort", "apprentice").order_by("day", "pk"))
    by_kind = Counter(visit.kind for visit in visits)
    details = Details()
    details.counts = [
        (_("… dont %(kind)s") % {"kind": label.lower()}, by_kind.get(kind, 0)) for kind, label in VisitKind.choices
    ]
    details.extracts = [
        Extract(
            "visites-et-bilans.csv", _("Visites en entreprise et bilans réalisés sur la période"),
            (_("Date"), _("Type"), _("Modalité"), _("Apprenti·e"), _("Promotion"), _("Entreprise"), _("Maître d'apprentissage"),
             _("Formateur·rice"), _("Moyenne de la grille"), _("Avis du maître d'apprentissage recueilli"), _("Actions convenues"),
             _("Risque de rupture signalé")),
            [
                [visit.done_date, visit.get_kind_display(), visit.get_mode_display(), visit.apprentice.full_name,
                 visit.apprentice.cohort.name, company_of(visit),
                 visit.contract.master.full_name if visit.contract_id and visit.contract.master_id else "",
                 person(visit.tutor), grid_average(visit.grid_answers), bool(visit.master_feedback.strip()),
                 visit.actions_agreed, visit.at_risk]
                for visit in visits
            ],
        ),
        Extract(
            "reunions-et-bilans-planifies.csv", _("Réunions et bilans des calendriers de promotion"),
            (_("Date"), _("Type"), _("Libellé"), _("Promotion"), _("Apprenti·e"), _("Lieu")),
            [
                [key_date.day, key_date.get_kind_display(), key_date.label, key_date.cohort.name,
                 key_date.apprentice.full_name if key_date.apprentice else _("toute la promotion"), key_date.location]
                for key_date in meetings
            ],
        ),
    ]
    details.examples = pick_examples(
        [
            Example(visit.done_date, _("%(kind)s — %(name)s%(company)s (%(mode)s), par %(tutor)s%(actions)s") % {
                "kind": visit.get_kind_display(), "name": visit.apprentice.full_name,
                "company": f" {_('chez')} {company_of(visit)}" if company_of(visit) else "",
                "mode": visit.get_mode_display().lower(), "tutor": person(visit.tutor),
                "actions": f" — {_('actions')} : {short(visit.actions_agreed, 100)}" if visit.actions_agreed.strip() else "",
            })
            for visit in reversed(visits[-EXAMPLES_LIMIT:])
        ],
        [
            Example(key_date.day, _("%(kind)s « %(label)s » — %(cohort)s") % {
                "kind": key_date.get_kind_display(), "label": key_date.label, "cohort": key_date.cohort.name,
            })
            for key_date in reversed(meetings[-EXAMPLES_LIMIT:])
        ],
    )
    return details


# --- 26: disability ----------------------------------------------------------------------------------------

def collect_disability(period: Period) -> Details:
    visits = list(RQTH_VISITS.queryset(period).select_related("apprentice", "contract__company", "tutor").order_by("done_date", "pk"))
    contacts = list(RQTH_CONTACTS.queryset(period).select_related("company", "contact", "apprentice", "author").order_by("occurred_at", "pk"))
    amendments = list(RQTH_AMENDMENTS.queryset(period).select_related("apprentice", "company").order_by("amendment_day", "pk"))
    learners = list(
        Apprentice.objects.filter(rqth=True, training_start_date__lte=period.end)
        .filter(Q(exclusion_date__isnull=True) | Q(exclusion_date__gte=period.start))
        .select_related("cohort")
        .order_by("last_name", "first_name", "pk")
    )
    # (day, action, apprentice, company, detail): every action of the period, oldest first.
    actions = sorted(
        [
            (visit.done_date, visit.get_kind_display(), visit.apprentice, company_of(visit),
             short(visit.actions_agreed or visit.report, 200))
            for visit in visits
        ]
        + [
            (local_day(interaction.occurred_at), _("Échange (%(kind)s)") % {"kind": interaction.get_kind_display().lower()},
             interaction.apprentice, interaction.company.name, short(interaction.summary, 200))
            for interaction in contacts
        ]
        + [
            (contract.amendment_day, _("Avenant de prolongation (RQTH)"), contract.apprentice, contract.company.name,
             _("Contrat prolongé jusqu'au %(end)s") % {"end": f"{contract.end_date:%d/%m/%Y}"})
            for contract in amendments
        ],
        key=lambda action: (action[0], action[2].pk, str(action[1])),
    )
    visits_per_learner = Counter(visit.apprentice_id for visit in visits)
    contacts_per_learner = Counter(interaction.apprentice_id for interaction in contacts)
    per_learner: dict[int, list] = {}
    for action in actions:
        per_learner.setdefault(action[2].pk, []).append(action)
    details = Details()
    details.counts = [
        (_("Apprenti·es RQTH en formation sur la période"), len(learners)),
        (_("… dont sans action enregistrée sur la période"), sum(1 for learner in learners if learner.pk not in per_learner)),
    ]
    details.notes = [referent_note()]
    details.extracts = [
        Extract(
            "apprentis-rqth.csv", _("Apprenti·es RQTH en formation sur la période et actions menées pour chacun·e"),
            (_("Apprenti·e"), _("Promotion"), _("Date de la RQTH"), _("Statut"), _("Visites sur la période"),
             _("Échanges sur la période"), _("Dernière action")),
            [
                [learner.full_name, learner.cohort.name, learner.rqth_date, learner.get_status_display(),
                 visits_per_learner[learner.pk], contacts_per_learner[learner.pk],
                 per_learner[learner.pk][-1][0] if learner.pk in per_learner else None]
                for learner in learners
            ],
        ),
        Extract(
            "actions-rqth.csv", _("Actions menées pour les apprenti·es RQTH"),
            (_("Date"), _("Action"), _("Apprenti·e"), _("Entreprise"), _("Détail")),
            [[day, action, apprentice.full_name, company, detail] for day, action, apprentice, company, detail in actions],
        ),
    ]
    details.examples = [
        Example(day, f"{action} — {apprentice.full_name}" + (f" ({company})" if company else "") + (f" : {short(detail, 100)}" if detail else ""))
        for day, action, apprentice, company, detail in reversed(actions[-EXAMPLES_LIMIT:])
    ]
    return details


# --- 30: stakeholders' feedback ------------------------------------------------------------------------------

def collect_feedback(period: Period) -> Details:
    labels = dict(VisitCriterion.objects.values_list("code", "label"))
    evaluations = list(
        EMPLOYER_EVALUATIONS.queryset(period).select_related("apprentice", "contract__company", "employer_submitted_by")
        .order_by("employer_submitted_at", "pk")
    )
    feedback = list(
        MASTER_FEEDBACK.queryset(period).select_related("apprentice", "contract__company", "contract__master").order_by("done_date", "pk")
    )

    def answers(visit: Visit) -> str:
        parts = []
        for code, answer in sorted((visit.employer_grid_answers or {}).items()):
            if not isinstance(answer, dict):
                continue
            part = f"{labels.get(code, code)} : {answer.get('score', '—')}"
            if answer.get("comment"):
                part += f" ({short(str(answer['comment']), 80)})"
            parts.append(part)
        return " ; ".join(parts)

    details = Details()
    details.counts = [
        (_("Entreprises distinctes ayant rendu une évaluation"), len({company_of(visit) for visit in evaluations if company_of(visit)})),
    ]
    details.notes = [
        _("Les enquêtes de satisfaction des apprenti·es, des financeurs et des équipes pédagogiques ne sont pas tenues "
          "dans l'application : joignez-les au dossier remis à l'auditeur."),
    ]
    details.extracts = [
        Extract(
            "evaluations-des-employeurs.csv", _("Évaluations remplies par les employeurs (maîtres d'apprentissage) sur l'extranet"),
            (_("Envoyée le"), _("Visite"), _("Date de la visite"), _("Apprenti·e"), _("Entreprise"), _("Remplie par"),
             _("Moyenne"), _("Commentaire de l'employeur"), _("Réponses")),
            [
                [visit.employer_submitted_at, visit.get_kind_display(), visit.done_date or visit.planned_date, visit.apprentice.full_name,
                 company_of(visit), person(visit.employer_submitted_by), grid_average(visit.employer_grid_answers),
                 visit.employer_comment, answers(visit)]
                for visit in evaluations
            ],
        ),
        Extract(
            "avis-des-maitres-d-apprentissage.csv", _("Avis des maîtres d'apprentissage recueillis lors des visites"),
            (_("Date de la visite"), _("Type"), _("Apprenti·e"), _("Entreprise"), _("Maître d'apprentissage"), _("Avis")),
            [
                [visit.done_date, visit.get_kind_display(), visit.apprentice.full_name, company_of(visit),
                 visit.contract.master.full_name if visit.contract_id and visit.contract.master_id else "", visit.master_feedback]
                for visit in feedback
            ],
        ),
    ]
    details.examples = pick_examples(
        [
            Example(local_day(visit.employer_submitted_at), _("Évaluation de l'employeur — %(name)s%(company)s%(comment)s") % {
                "company": f" ({company_of(visit)})" if company_of(visit) else "", "name": visit.apprentice.full_name,
                "comment": f" — « {short(visit.employer_comment, 120)} »" if visit.employer_comment.strip() else "",
            })
            for visit in reversed(evaluations[-EXAMPLES_LIMIT:])
        ],
        [
            Example(visit.done_date, _("Avis du maître d'apprentissage — %(name)s (%(kind)s) : « %(text)s »") % {
                "name": visit.apprentice.full_name, "kind": visit.get_kind_display().lower(), "text": short(visit.master_feedback, 120),
            })
            for visit in reversed(feedback[-EXAMPLES_LIMIT:])
        ],
    )
    return details
