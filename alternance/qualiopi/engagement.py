"""Collectors of the indicators about dropouts: 12 (engagement and prevention: alerts and how they
were handled, risk flagged at visits, follow-up exchanges, absences reported, learners helped after
a rupture) and 32 (improvement from the analysis of the ruptures and abandonments)."""

from __future__ import annotations

from collections import Counter

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from alerts.choices import AlertStatus
from alerts.models import Alert, AlertEvent
from alternance.qualiopi.common import (
    EXAMPLES_LIMIT,
    INTERACTION_HEADER,
    Details,
    Example,
    company_of,
    datetime_range,
    interaction_row,
    local_day,
    pick_examples,
)
from alternance.qualiopi.extracts import Extract, person, short
from alternance.qualiopi.sources import (
    ABSENCES_REPORTED,
    ALERTS_HANDLED,
    DROPOUTS,
    FOLLOW_UP_CONTACTS,
    RISK_VISITS,
    RUPTURANT_PLACEMENTS,
    RUPTURES,
    Period,
)
from companies.choices import PlacementStatus
from companies.models import Placement
from contracts.models import Contract

# --- 12: engagement and dropout prevention --------------------------------------------------------------

def collect_engagement(period: Period) -> Details:
    from alerts.selectors import rule_titles  # the alerts app builds on the core app, not the reverse

    rules = rule_titles()
    alerts = list(
        Alert.objects.filter(datetime_range("raised_at", period) | datetime_range("resolved_at", period))
        .select_related("apprentice", "company", "assignee", "closed_by")
        .order_by("raised_at", "pk")
    )
    events = list(
        AlertEvent.objects.filter(alert__in=[alert.pk for alert in alerts]).select_related("author").order_by("alert_id", "created_at", "pk")
    )
    handled = list(ALERTS_HANDLED.queryset(period).select_related("apprentice", "closed_by").order_by("-resolved_at", "-pk")[:EXAMPLES_LIMIT])
    auto_closed = sum(
        1 for alert in alerts
        if alert.auto_resolved and alert.resolved_at and period.start <= local_day(alert.resolved_at) <= period.end
    )
    risk_visits = list(RISK_VISITS.queryset(period).select_related("apprentice__cohort", "contract__company", "tutor").order_by("done_date", "pk"))
    contacts = list(
        FOLLOW_UP_CONTACTS.queryset(period).select_related("company", "contact", "apprentice", "author").order_by("occurred_at", "pk")
    )
    absences = list(ABSENCES_REPORTED.queryset(period).select_related("apprentice").order_by("employer_notified_at", "pk"))
    last_rupture = Contract.objects.filter(
        apprentice=OuterRef("apprentice"), rupture_date__isnull=False, rupture_date__lte=OuterRef("proposed_on")
    ).order_by("-rupture_date").values("rupture_date")[:1]
    placements = list(
        RUPTURANT_PLACEMENTS.queryset(period)
        .annotate(rupture_day=Subquery(last_rupture))
        .select_related("apprentice", "company")
        .prefetch_related("events")
        .order_by("proposed_on", "pk")
    )

    status_label = dict(AlertStatus.choices)
    details = Details()
    details.counts = [
        (_("Alertes closes automatiquement (situation rétablie)"), auto_closed),
        (_("Apprenti·es accompagné·es après une rupture"), len({p.apprentice_id for p in placements})),
        (_("… dont embauché·es par une entreprise proposée"), len({p.apprentice_id for p in placements if p.status == PlacementStatus.HIRED})),
    ]
    details.extracts = [
        Extract(
            "alertes.csv", _("Alertes levées ou closes sur la période, avec leur motif de clôture"),
            (_("N°"), _("Règle"), _("Intitulé"), _("Gravité"), _("Apprenti·e"), _("Entreprise"), _("Levée le"), _("État"),
             _("Attribuée à"), _("Close le"), _("Close par"), _("Close automatiquement"), _("Motif de clôture"), _("Action recommandée")),
            [
                [alert.pk, rules.get(alert.rule_code, alert.rule_code), alert.title, alert.get_severity_display(),
                 alert.apprentice.full_name if alert.apprentice else "", alert.company.name if alert.company else "",
                 alert.raised_at, alert.get_status_display(), person(alert.assignee), alert.resolved_at, person(alert.closed_by),
                 alert.auto_resolved, alert.resolution_reason, alert.recommended_action]
                for alert in alerts
            ],
        ),
        Extract(
            "alertes-historique.csv", _("Historique de ces alertes : chaque changement d'état et chaque commentaire"),
            (_("Alerte n°"), _("Date"), _("De"), _("Vers"), _("Auteur"), _("Commentaire")),
            [
                [event.alert_id, event.created_at, status_label.get(event.from_status, ""), status_label.get(event.to_status, ""),
                 person(event.author) or _("vérification nocturne"), event.comment]
                for event in events
            ],
        ),
        Extract(
            "visites-risque-de-rupture.csv", _("Visites où le risque de rupture a été signalé, avec les actions convenues"),
            (_("Date"), _("Type"), _("Apprenti·e"), _("Promotion"), _("Entreprise"), _("Formateur·rice"), _("Motif du risque"),
             _("Actions convenues")),
            [
                [visit.done_date, visit.get_kind_display(), visit.apprentice.full_name, visit.apprentice.cohort.name, company_of(visit),
                 person(visit.tutor), visit.risk_comment, visit.actions_agreed]
                for visit in risk_visits
            ],
        ),
        Extract("echanges-de-suivi.csv", _("Échanges avec les entreprises au sujet d'un·e apprenti·e"), INTERACTION_HEADER,
                [interaction_row(interaction) for interaction in contacts]),
        Extract(
            "absences-signalees-a-l-employeur.csv", _("Absences signalées à l'employeur"),
            (_("Date de l'absence"), _("Demi-journée"), _("Apprenti·e"), _("Présence"), _("Justification"), _("Employeur prévenu le")),
            [
                [record.day, record.get_half_display(), record.apprentice.full_name, record.get_status_display(),
                 record.get_justification_display(), record.employer_notified_at]
                for record in absences
            ],
        ),
        Extract(
            "accompagnement-apres-rupture.csv", _("Rupturant·es proposé·es à une entreprise et suite donnée"),
            (_("Apprenti·e"), _("Rupture du"), _("Entreprise proposée"), _("Proposé·e le"), _("Étape"), _("Entretien le"),
             _("Décision le"), _("Historique")),
            [
                [placement.apprentice.full_name, placement.rupture_day, placement.company.name, placement.proposed_on,
                 placement.get_status_display(), placement.interview_on, placement.decided_on, _placement_history(placement)]
                for placement in placements
            ],
        ),
    ]
    details.examples = pick_examples(
        [
            Example(local_day(alert.resolved_at), _("Alerte « %(title)s » (%(subject)s) : %(status)s par %(who)s — %(reason)s") % {
                "title": alert.title, "subject": alert.apprentice.full_name if alert.apprentice else alert.subject_label,
                "status": alert.get_status_display().lower(), "who": person(alert.closed_by) or _("l'équipe"),
                "reason": short(alert.resolution_reason, 120) or _("sans motif indiqué"),
            })
            for alert in handled
        ],
        [
            Example(placement.proposed_on, _("%(name)s (rupture du %(rupture)s) proposé·e à %(company)s — %(status)s") % {
                "name": placement.apprentice.full_name, "rupture": f"{placement.rupture_day:%d/%m/%Y}",
                "company": placement.company.name, "status": placement.get_status_display().lower(),
            })
            for placement in reversed(placements[-EXAMPLES_LIMIT:])
        ],
        [
            Example(visit.done_date, _("%(kind)s — %(name)s : risque de rupture signalé — %(why)s") % {
                "kind": visit.get_kind_display(), "name": visit.apprentice.full_name, "why": short(visit.risk_comment, 120),
            })
            for visit in reversed(risk_visits[-EXAMPLES_LIMIT:])
        ],
        [
            Example(local_day(interaction.occurred_at), _("Échange (%(kind)s) avec %(company)s — %(name)s : %(summary)s") % {
                "kind": interaction.get_kind_display().lower(), "company": interaction.company.name,
                "name": interaction.apprentice.full_name, "summary": short(interaction.summary, 120),
            })
            for interaction in reversed(contacts[-EXAMPLES_LIMIT:])
        ],
        [
            Example(local_day(record.employer_notified_at), _("Absence du %(day)s signalée à l'employeur — %(name)s") % {
                "name": record.apprentice.full_name, "day": f"{record.day:%d/%m/%Y}",
            })
            for record in reversed(absences[-EXAMPLES_LIMIT:])
        ],
    )
    return details


def _placement_history(placement: Placement) -> str:
    status_label = dict(PlacementStatus.choices)
    steps = []
    for event in placement.events.all():
        step = f"{local_day(event.at):%d/%m/%Y} : {status_label.get(event.to_status, event.to_status)}"
        if event.comment:
            step += f" ({short(event.comment, 80)})"
        steps.append(step)
    return " ; ".join(steps)


# --- 32: improvement from the analysis of dropouts ---------------------------------------------------------

def collect_dropouts(period: Period) -> Details:
    ruptures = list(RUPTURES.queryset(period).select_related("apprentice__cohort", "company").order_by("rupture_date", "pk"))
    dropouts = list(DROPOUTS.queryset(period).select_related("cohort").order_by("exclusion_date", "pk"))
    causes = Counter((contract.get_rupture_kind_display(), contract.get_rupture_initiative_display()) for contract in ruptures)
    kinds = Counter(contract.get_rupture_kind_display() for contract in ruptures)
    initiatives = Counter(contract.get_rupture_initiative_display() or _("non renseignée") for contract in ruptures)
    details = Details()
    details.counts = [
        *[(_("… dont %(kind)s") % {"kind": kind[:1].lower() + kind[1:]}, n) for kind, n in sorted(kinds.items(), key=lambda i: (-i[1], i[0]))],
        *[(_("… à l'initiative : %(who)s") % {"who": who.lower()}, n) for who, n in sorted(initiatives.items(), key=lambda i: (-i[1], i[0]))],
    ]
    details.extracts = [
        Extract(
            "ruptures.csv", _("Contrats rompus sur la période : type, initiative et cause"),
            (_("Apprenti·e"), _("Promotion"), _("Entreprise"), _("Début du contrat"), _("Date de rupture"), _("Jours de contrat"),
             _("Type de rupture"), _("Initiative"), _("Cause"), _("Motif du licenciement"), _("Médiateur saisi le")),
            [
                [contract.apprentice.full_name, contract.apprentice.cohort.name, contract.company.name, contract.start_date,
                 contract.rupture_date, (contract.rupture_date - contract.start_date).days + 1, contract.get_rupture_kind_display(),
                 contract.get_rupture_initiative_display(), contract.rupture_cause, contract.get_dismissal_ground_display(),
                 contract.mediator_referral_date]
                for contract in ruptures
            ],
        ),
        Extract(
            "causes-de-rupture.csv", _("Analyse : ruptures par type et par initiative"),
            (_("Type de rupture"), _("Initiative"), _("Nombre")),
            [[kind, who, n] for (kind, who), n in sorted(causes.items(), key=lambda i: (-i[1], i[0]))],
        ),
        Extract(
            "abandons.csv", _("Apprenti·es sorti·es de formation (abandon, exclusion) sur la période"),
            (_("Apprenti·e"), _("Promotion"), _("Date d'abandon ou d'exclusion"), _("Statut")),
            [[learner.full_name, learner.cohort.name, learner.exclusion_date, learner.get_status_display()] for learner in dropouts],
        ),
    ]
    details.examples = [
        Example(contract.rupture_date, _("%(name)s chez %(company)s : %(kind)s, initiative %(who)s%(cause)s") % {
            "name": contract.apprentice.full_name, "company": contract.company.name,
            "kind": contract.get_rupture_kind_display().lower(),
            "who": (contract.get_rupture_initiative_display() or _("non renseignée")).lower(),
            "cause": f" — {short(contract.rupture_cause, 100)}" if contract.rupture_cause.strip() else "",
        })
        for contract in reversed(ruptures[-EXAMPLES_LIMIT:])
    ]
    return details
