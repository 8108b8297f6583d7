"""Evidence sources: one kind of record that proves an indicator, dated, counted in aggregate —
and the sources of the indicators (which records count, see ``indicators`` for the overview).

A ``Source`` names a model, the date that places one of its rows in time (a field, or an annotation
declared in ``ANNOTATIONS``) and the condition that makes the row evidence. ``source_stats`` counts
the rows of many sources over a period — and finds the last one up to a day — with **one aggregate
query per model**, whatever the number of sources or rows: the freshness panel of the dashboard
and the evidence pack read the same definitions.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.db import models
from django.db.models import Count, DateField, Exists, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy

from alerts.choices import AlertStatus
from alerts.models import Alert
from alternance.choices import KeyDateKind
from alternance.models import Apprentice, AttendanceRecord, KeyDate, Visit
from companies.models import Interaction, Offer, Placement
from contracts.choices import ContractStatus, ContractType, DocumentKind
from contracts.models import Contract, Document

# Dates computed in the database, per model, that sources may use as their ``date``.
ANNOTATIONS: dict[type[models.Model], dict[str, models.Expression]] = {
    # A document speaks of the end of the period it covers (a visit report: the visit's day; an
    # attendance certificate: the last day certified); otherwise of the day it was stored.
    Document: {"evidence_day": Coalesce("period_end", TruncDate("created_at"), output_field=DateField())},
    # An amendment takes effect on its effective date, else on its signature.
    Contract: {"amendment_day": Coalesce("amendment_effective_date", "signature_date", output_field=DateField())},
}


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("La période se termine avant de commencer.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def local_midnight(day: date) -> datetime:
    """The first instant of ``day`` in the site's time zone (Europe/Paris)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def annotated(model: type[models.Model]) -> QuerySet:
    return model._default_manager.annotate(**ANNOTATIONS.get(model, {}))


@dataclass(frozen=True)
class Source:
    """One kind of evidence: rows of ``model`` satisfying ``condition``, dated by ``date``."""

    key: str
    label: str
    model: type[models.Model]
    date: str
    condition: Q = field(default_factory=Q)
    is_datetime: bool = False

    def in_range(self, period: Period) -> Q:
        """Rows dated inside the period (local days for a date-time)."""
        if self.is_datetime:
            return Q(**{f"{self.date}__gte": local_midnight(period.start), f"{self.date}__lt": local_midnight(period.end + timedelta(days=1))})
        return Q(**{f"{self.date}__gte": period.start, f"{self.date}__lte": period.end})

    def up_to(self, day: date) -> Q:
        """Rows dated on or before ``day`` (a key date planned for next month proves nothing yet)."""
        if self.is_datetime:
            return Q(**{f"{self.date}__lt": local_midnight(day + timedelta(days=1))})
        return Q(**{f"{self.date}__lte": day})

    def queryset(self, period: Period) -> QuerySet:
        """The evidence rows of the period."""
        return annotated(self.model).filter(self.condition, self.in_range(period))

    def as_day(self, value: date | datetime | None) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            return timezone.localtime(value).date()
        return value


@dataclass(frozen=True)
class SourceStats:
    count: int
    last: date | None


def source_stats(sources: Iterable[Source], *, period: Period, last_up_to: date | None = None) -> dict[str, SourceStats]:
    """For each source, the number of its rows in ``period`` and (with ``last_up_to``) the date of
    its last row on or before that day. One aggregate query per model: the number of queries
    depends on the definitions only, never on the data."""
    by_model: dict[type[models.Model], list[Source]] = defaultdict(list)
    for source in sources:
        by_model[source.model].append(source)
    stats: dict[str, SourceStats] = {}
    for model, group in by_model.items():
        aggregates = {}
        for source in group:
            aggregates[f"{source.key}__count"] = Count("pk", filter=source.condition & source.in_range(period))
            if last_up_to is not None:
                aggregates[f"{source.key}__last"] = Max(source.date, filter=source.condition & source.up_to(last_up_to))
        # Only the rows some source of the model may count: a WHERE the planner can serve from an
        # index (e.g. the few absences reported to an employer among the whole register).
        conditions = [source.condition for source in group]
        rows = annotated(model)
        if all(conditions):
            rows = rows.filter(reduce(operator.or_, conditions))
        row = rows.aggregate(**aggregates)
        for source in group:
            stats[source.key] = SourceStats(
                count=row[f"{source.key}__count"] or 0,
                last=source.as_day(row.get(f"{source.key}__last")),
            )
    return stats

# --- the sources of the indicators ------------------------------------------------------------------------

CLOSED_ALERT_STATUSES = (AlertStatus.RESOLVED, AlertStatus.DISMISSED)
FIRST_AMENDMENT_TYPE = 31  # Cerfa: 11–23 contracts, 31–38 amendments


def _broke_before_proposal() -> Exists:
    """The learner's contract had broken on or before the day it was proposed to a company."""
    return Exists(
        Contract.objects.filter(apprentice=OuterRef("apprentice"), rupture_date__isnull=False, rupture_date__lte=OuterRef("proposed_on"))
    )


ALERTS_RAISED = Source("alerts_raised", gettext_lazy("Alertes levées (risques détectés)"), Alert, "raised_at", is_datetime=True)
ALERTS_HANDLED = Source(
    "alerts_handled", gettext_lazy("Alertes traitées et closes par l'équipe"), Alert, "resolved_at",
    Q(status__in=CLOSED_ALERT_STATUSES, auto_resolved=False), is_datetime=True,
)
RISK_VISITS = Source("risk_visits", gettext_lazy("Visites signalant un risque de rupture"), Visit, "done_date", Q(at_risk=True))
FOLLOW_UP_CONTACTS = Source(
    "follow_up_contacts", gettext_lazy("Échanges avec les entreprises au sujet d'un·e apprenti·e"), Interaction, "occurred_at",
    Q(apprentice__isnull=False), is_datetime=True,
)
ABSENCES_REPORTED = Source(
    "absences_reported", gettext_lazy("Absences signalées à l'employeur"), AttendanceRecord, "employer_notified_at",
    Q(employer_notified_at__isnull=False), is_datetime=True,
)
RUPTURANT_PLACEMENTS = Source(
    "rupturant_placements", gettext_lazy("Mises en relation de rupturant·es avec une entreprise"), Placement, "proposed_on",
    Q(_broke_before_proposal()),
)

VISITS_DONE = Source("visits_done", gettext_lazy("Visites en entreprise et bilans réalisés"), Visit, "done_date", Q(done_date__isnull=False))
VISIT_REPORTS = Source(
    "visit_reports", gettext_lazy("Comptes rendus de visite archivés"), Document, "evidence_day", Q(kind=DocumentKind.VISIT_REPORT)
)
LIAISON_DOCUMENTS = Source(
    "liaison_documents", gettext_lazy("Évaluations et documents d'assiduité archivés"), Document, "evidence_day",
    Q(kind__in=(DocumentKind.EVALUATION, DocumentKind.ATTENDANCE_STATEMENT, DocumentKind.ATTENDANCE_CERTIFICATE)),
)
# The monthly signed attendance sheets of each cohort (issue 19 §3): every session closed and signed
# by its trainer, each apprentice's signature time. The apprentices' own monthly sheets repeat them.
SIGNIN_SHEETS = Source(
    "signin_sheets", gettext_lazy("Feuilles d'émargement mensuelles des promotions"), Document, "evidence_day",
    Q(kind=DocumentKind.MONTHLY_SIGNIN_SHEET, cohort__isnull=False),
)
MEETINGS = Source(
    "meetings", gettext_lazy("Réunions et bilans inscrits au calendrier des promotions"), KeyDate, "day",
    Q(kind__in=(KeyDateKind.MEETING, KeyDateKind.MID_TERM_REVIEW, KeyDateKind.END_REVIEW)),
)

RQTH_VISITS = Source(
    "rqth_visits", gettext_lazy("Visites et bilans d'apprenti·es RQTH"), Visit, "done_date",
    Q(apprentice__rqth=True, done_date__isnull=False),
)
RQTH_CONTACTS = Source(
    "rqth_contacts", gettext_lazy("Échanges avec les employeurs au sujet d'apprenti·es RQTH"), Interaction, "occurred_at",
    Q(apprentice__rqth=True), is_datetime=True,
)
RQTH_AMENDMENTS = Source(
    "rqth_amendments", gettext_lazy("Avenants de prolongation liés à la RQTH"), Contract, "amendment_day",
    Q(contract_type=ContractType.AMEND_EXTENSION_RQTH),
)
RQTH_DOCUMENTS = Source(
    "rqth_documents", gettext_lazy("Documents archivés d'apprenti·es RQTH (comptes rendus, évaluations, avenants)"), Document,
    "evidence_day",
    Q(kind__in=(DocumentKind.VISIT_REPORT, DocumentKind.EVALUATION, DocumentKind.AMENDMENT), apprentice__rqth=True),
)

COMPANY_CONTACTS = Source("company_contacts", gettext_lazy("Échanges avec les entreprises (CRM)"), Interaction, "occurred_at", is_datetime=True)
OFFERS = Source("offers", gettext_lazy("Offres de places reçues des entreprises"), Offer, "created_at", is_datetime=True)
CONTRACTS_SIGNED = Source(
    "contracts_signed", gettext_lazy("Contrats conclus avec une entreprise d'accueil"), Contract, "signature_date",
    Q(signature_date__isnull=False, contract_type__lt=FIRST_AMENDMENT_TYPE) & ~Q(status=ContractStatus.DRAFT),
)
AGREEMENTS = Source(
    "agreements", gettext_lazy("Conventions de formation et documents signés archivés"), Document, "evidence_day",
    Q(kind__in=(DocumentKind.CONVENTION, DocumentKind.SIGNED)),
)

EMPLOYER_EVALUATIONS = Source(
    "employer_evaluations", gettext_lazy("Évaluations remplies par les employeurs sur l'extranet"), Visit, "employer_submitted_at",
    Q(employer_submitted_at__isnull=False), is_datetime=True,
)
MASTER_FEEDBACK = Source(
    "master_feedback", gettext_lazy("Avis des maîtres d'apprentissage recueillis en visite"), Visit, "done_date",
    Q(done_date__isnull=False) & ~Q(master_feedback=""),
)

RUPTURES = Source("ruptures", gettext_lazy("Ruptures de contrat analysées"), Contract, "rupture_date", Q(rupture_date__isnull=False))
DROPOUTS = Source("dropouts", gettext_lazy("Abandons et exclusions"), Apprentice, "exclusion_date", Q(exclusion_date__isnull=False))
RUPTURE_NOTICES = Source(
    "rupture_notices", gettext_lazy("Notifications de rupture archivées"), Document, "evidence_day", Q(kind=DocumentKind.RUPTURE)
)

