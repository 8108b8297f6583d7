"""The Qualiopi indicators the application's records evidence (domain.md §8), and what counts.

For each indicator: its number, its French title, what the OF shows the auditor, the dated
sources that count as evidence (``Source``, counted with one aggregate query per model), and a
collector that, for a period, gives the representative examples, the CSV extracts of the records
and the extra figures (learners followed, companies active…). The stored documents of an
indicator are the rows of its ``Document`` sources.

What counts, in short (every record dated inside the period, days included):

- **12 — engagement and dropout prevention**: alerts raised (risk detected) and handled by the
  team (resolved or dismissed by a person, with the reason and the whole history), visits where
  the tutor flagged a risk of rupture, CRM exchanges about a learner, absences reported to the
  employer, and learners helped after a rupture (placements proposed after their contract broke);
- **13 — coordination of the OF and the company (alternance)**: visits and reviews done (by
  kind), visit reports, evaluations and attendance documents stored, meetings and reviews in the
  cohorts' calendars;
- **26 — disability**: what was done for the apprentices with an RQTH (visits, exchanges with
  their employer, RQTH extensions), the documents about them, and the OF's référent handicap
  (a setting: no record names that person);
- **28 — partner network for work-based training**: CRM exchanges with companies, offers of places
  received, contracts concluded, conventions and signed documents; the list of partner companies
  active over the period (hosting an apprentice, contacted or offering places);
- **30 — stakeholders' feedback**: employers' evaluations filled on the extranet and the maîtres
  d'apprentissage's views collected at visits;
- **32 — improvement from the analysis of dropouts**: contracts broken (type, initiative, cause),
  abandonments, rupture notices. No freshness is tracked for 32: a quarter without any rupture is
  no lack of evidence.

Layout: ``sources`` (the dated sources and their aggregate counting), ``engagement`` (collectors of
12 and 32), ``follow_up`` (13, 26, 30), ``network`` (28), ``common`` (examples, helpers, référent
handicap); this module ties them into ``INDICATORS``, collects a period's evidence and computes the
freshness.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alternance.qualiopi.common import Details, Example, referent_handicap
from alternance.qualiopi.engagement import collect_dropouts, collect_engagement
from alternance.qualiopi.extracts import Extract
from alternance.qualiopi.follow_up import collect_coordination, collect_disability, collect_feedback
from alternance.qualiopi.network import collect_network
from alternance.qualiopi.sources import (
    ABSENCES_REPORTED,
    AGREEMENTS,
    ALERTS_HANDLED,
    ALERTS_RAISED,
    COMPANY_CONTACTS,
    CONTRACTS_SIGNED,
    DROPOUTS,
    EMPLOYER_EVALUATIONS,
    FOLLOW_UP_CONTACTS,
    LIAISON_DOCUMENTS,
    MASTER_FEEDBACK,
    MEETINGS,
    OFFERS,
    RISK_VISITS,
    RQTH_AMENDMENTS,
    RQTH_CONTACTS,
    RQTH_DOCUMENTS,
    RQTH_VISITS,
    RUPTURANT_PLACEMENTS,
    RUPTURE_NOTICES,
    RUPTURES,
    SIGNIN_SHEETS,
    VISIT_REPORTS,
    VISITS_DONE,
    Period,
    Source,
    annotated,
    source_stats,
)
from contracts.models import Document


@dataclass(frozen=True)
class Indicator:
    number: int
    slug: str
    title: str
    shows: str
    sources: tuple[Source, ...]
    collect: Callable[[Period], Details]
    tracks_freshness: bool = True

    @property
    def folder(self) -> str:
        """The indicator's folder in the ZIP, e.g. ``12-engagement-et-prevention-des-abandons``."""
        return f"{self.number:02d}-{self.slug}"

    @property
    def document_sources(self) -> tuple[Source, ...]:
        return tuple(source for source in self.sources if source.model is Document)


@dataclass
class IndicatorEvidence:
    """Everything the pack shows for one indicator over a period."""

    indicator: Indicator
    counts: list[tuple[str, int]]
    examples: list[Example]
    extracts: list[Extract]
    documents: list[Document]
    notes: list[str]


# --- the indicators --------------------------------------------------------------------------------------

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        12, "engagement-et-prevention-des-abandons", gettext_lazy("Engagement des bénéficiaires et prévention des abandons"),
        gettext_lazy(
            "Les signaux de risque détectés chaque nuit (absences, visites inquiétantes, fin de contrat sans suite…) et leur "
            "traitement par l'équipe, les échanges avec les entreprises au sujet des apprenti·es, les absences signalées aux "
            "employeurs et l'accompagnement des apprenti·es dont le contrat a été rompu vers une nouvelle entreprise."
        ),
        (ALERTS_RAISED, ALERTS_HANDLED, RISK_VISITS, FOLLOW_UP_CONTACTS, ABSENCES_REPORTED, RUPTURANT_PLACEMENTS),
        collect_engagement,
    ),
    Indicator(
        13, "coordination-centre-entreprise", gettext_lazy("Coordination des apprentissages entre le centre et l'entreprise"),
        gettext_lazy(
            "Les visites en entreprise et les bilans (première visite, suivi, mi-parcours, fin de formation) avec leur grille "
            "standard, les comptes rendus remis, les évaluations et relevés d'assiduité partagés, les feuilles d'émargement "
            "signées des séances, et les réunions inscrites aux calendriers d'alternance des promotions."
        ),
        (VISITS_DONE, VISIT_REPORTS, LIAISON_DOCUMENTS, SIGNIN_SHEETS, MEETINGS),
        collect_coordination,
    ),
    Indicator(
        26, "accueil-des-publics-en-situation-de-handicap", gettext_lazy("Accueil et accompagnement des publics en situation de handicap"),
        gettext_lazy(
            "Le référent handicap de l'organisme, les apprenti·es bénéficiant d'une RQTH et ce qui a été fait pour chacun·e : "
            "visites, échanges avec l'employeur, prolongations de contrat, documents."
        ),
        (RQTH_VISITS, RQTH_CONTACTS, RQTH_AMENDMENTS, RQTH_DOCUMENTS),
        collect_disability,
    ),
    Indicator(
        28, "reseau-des-entreprises-partenaires", gettext_lazy("Réseau de partenaires et accueil en entreprise"),
        gettext_lazy(
            "Le réseau des entreprises partenaires (accueil d'apprenti·es, échanges, offres de places), le journal des échanges "
            "des chargé·es de relations entreprises, les contrats conclus et les conventions de formation."
        ),
        (COMPANY_CONTACTS, OFFERS, CONTRACTS_SIGNED, AGREEMENTS),
        collect_network,
    ),
    Indicator(
        30, "appreciations-des-parties-prenantes", gettext_lazy("Recueil des appréciations des parties prenantes"),
        gettext_lazy(
            "Les évaluations remplies par les employeurs sur l'extranet et les avis des maîtres d'apprentissage recueillis "
            "lors des visites."
        ),
        (EMPLOYER_EVALUATIONS, MASTER_FEEDBACK),
        collect_feedback,
    ),
    Indicator(
        32, "analyse-des-abandons-et-amelioration", gettext_lazy("Mesures d'amélioration : analyse des causes d'abandon"),
        gettext_lazy(
            "Les ruptures de contrat de la période avec leur type, leur initiative et leur cause, leur analyse par type et par "
            "initiative, les abandons et exclusions, et les notifications de rupture archivées."
        ),
        (RUPTURES, DROPOUTS, RUPTURE_NOTICES),
        collect_dropouts,
        tracks_freshness=False,
    ),
)


def all_sources(indicators: tuple[Indicator, ...] = INDICATORS) -> list[Source]:
    return [source for indicator in indicators for source in indicator.sources]


def indicator_documents(indicator: Indicator, period: Period) -> list[Document]:
    """The stored documents of the indicator's ``Document`` sources over the period, each once,
    in date then id order."""
    if not indicator.document_sources:
        return []
    condition = Q()
    for source in indicator.document_sources:
        condition |= source.condition & source.in_range(period)
    return list(
        annotated(Document).filter(condition).select_related("apprentice", "company", "contract__apprentice", "cohort").order_by("evidence_day", "pk")
    )


def collect_evidence(period: Period) -> list[IndicatorEvidence]:
    """Every indicator's evidence over the period: its sources' counts, then its collector's."""
    stats = source_stats(all_sources(), period=period)
    evidence = []
    for indicator in INDICATORS:
        details = indicator.collect(period)
        evidence.append(IndicatorEvidence(
            indicator=indicator,
            counts=[(str(source.label), stats[source.key].count) for source in indicator.sources] + details.counts,
            examples=details.examples,
            extracts=details.extracts,
            documents=indicator_documents(indicator, period),
            notes=details.notes,
        ))
    return evidence


# --- freshness -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IndicatorFreshness:
    """Whether an indicator has recent evidence: the date of its last evidence (on or before
    today), the number of evidence records over the last ``window_days`` days, and ``lacking``
    when there is none in that window."""

    number: int
    title: str
    last_evidence: date | None
    recent_count: int
    window_days: int
    lacking: bool
    note: str = ""


def evidence_freshness(*, today: date, days: int | None = None) -> list[IndicatorFreshness]:
    """Freshness of every tracked indicator, with one aggregate query per model whatever the data
    (``source_stats``). ``days`` defaults to the QUALIOPI_FRESHNESS_DAYS setting (90)."""
    days = days or settings.QUALIOPI_FRESHNESS_DAYS
    window = Period(today - timedelta(days=days - 1), today)
    tracked = tuple(indicator for indicator in INDICATORS if indicator.tracks_freshness)
    stats = source_stats(all_sources(tracked), period=window, last_up_to=today)
    result = []
    for indicator in tracked:
        counts = [stats[source.key] for source in indicator.sources]
        dates = [item.last for item in counts if item.last is not None]
        recent = sum(item.count for item in counts)
        note = ""
        if indicator.number == 26 and not referent_handicap()["name"]:
            note = _("Référent handicap non renseigné (REFERENT_HANDICAP_NOM).")
        result.append(IndicatorFreshness(
            number=indicator.number, title=str(indicator.title), last_evidence=max(dates) if dates else None,
            recent_count=recent, window_days=days, lacking=recent == 0, note=note,
        ))
    return result


# How long the freshness figures are kept: a 90-day look back over the whole organisation (at
# 20 000 learners about 50 ms and 18 queries), shown on the dashboard and the Qualiopi page.
FRESHNESS_KEEP_SECONDS = 3600


@dataclass(frozen=True)
class KeptFreshness:
    items: list[IndicatorFreshness]
    computed_at: datetime


def kept_evidence_freshness(*, today: date, now: datetime) -> KeptFreshness:
    """``evidence_freshness`` of ``today``, computed at most once an hour (the cache, per day) and
    shared by every page that shows it: the dashboard's panel and the Qualiopi page agree, and say
    when the figures were computed."""
    return cache.get_or_set(
        f"qualiopi:freshness:{today.isoformat()}",
        lambda: KeptFreshness(items=evidence_freshness(today=today), computed_at=now),
        FRESHNESS_KEEP_SECONDS,
    )
