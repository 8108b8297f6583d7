"""Reads of the catalogue, scoped by the access policy (``scope_programmes``, ``scope_sites``,
``scope_cohorts``). Counts are correlated subqueries: a list costs the same queries whatever its rows.

Two figures have one definition each, used by every page that shows them:
- the places taken in a cohort (``enrolled``): its apprentices who have not dropped out — the
  cohort page's « 18 inscrit·es sur 20 places », the lists and the admissions' capacity check;
- its active learners (``ACTIVE_LEARNER_STATUSES``): those still in training (with or without a
  company, rupturants included) — what forbids archiving a cohort, its programme or its site.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.formats import number_format
from django.utils.translation import ngettext

from alternance import access
from alternance.choices import ApprenticeStatus, CandidateStatus, Role
from alternance.models import Apprentice, Candidate, Cohort, CompetenceBlock, Programme, Site, User
from alternance.selectors import name_search

ACTIVE_LEARNER_STATUSES = (ApprenticeStatus.SEEKING, ApprenticeStatus.UNDER_CONTRACT, ApprenticeStatus.RUPTURANT)
# Applications still in the pipeline (admissions' open stages).
OPEN_CANDIDATE_STATUSES = (CandidateStatus.RECEIVED, CandidateStatus.POSITIONING, CandidateStatus.ADMITTED, CandidateStatus.WAITING_LIST)
# The list filter on the archive flag: current records by default.
CURRENT, ARCHIVED, ALL = "", "archived", "all"
STATES = (CURRENT, ARCHIVED, ALL)


def places_taken() -> Q:
    """Apprentices who hold a place in their cohort (every one but those who dropped out)."""
    return ~Q(status=ApprenticeStatus.DROPPED_OUT)


def active_learners() -> Q:
    return Q(status__in=ACTIVE_LEARNER_STATUSES)


def _count(qs: QuerySet, field: str) -> Coalesce:
    """A correlated COUNT of ``qs`` (filtered on ``OuterRef``) grouped by ``field``: no join that
    would multiply the rows, no query per row."""
    # COUNT(field), not COUNT(pk): the rows match on ``field`` (never NULL), and an index on it
    # (the apprentices' cohort and status) answers alone, without reading each row.
    counted = qs.order_by().values(field).annotate(n=Count(field)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _active_learners_of_cohorts(field: str) -> Coalesce:
    """The active learners of every cohort whose ``field`` (programme, site) is the outer row: the
    sum of each cohort's own count, read by the apprentices' cohort index. Counting the apprentices
    joined to the programme's cohorts made PostgreSQL scan all 20 000 apprentices once per row."""
    per_cohort = _count(Apprentice.objects.filter(active_learners(), cohort=OuterRef("pk")), "cohort")
    totals = (
        Cohort.objects.filter(**{field: OuterRef("pk")}).order_by().annotate(learners=per_cohort)
        .values(field).annotate(total=Sum("learners")).values("total")
    )
    return Coalesce(Subquery(totals, output_field=IntegerField()), Value(0))


def _by_state(qs: QuerySet, state: str) -> QuerySet:
    if state == ARCHIVED:
        return qs.filter(archived_at__isnull=False)
    if state == ALL:
        return qs
    return qs.filter(archived_at__isnull=True)


def occupancy(enrolled: int, capacity: int | None) -> str:
    """« 18 inscrit·es sur 20 places », or « 18 inscrit·es » without a capacity. French puts 0 and
    1 in the singular (« 0 inscrit·e »), which the fallback plural rule (n != 1) would not."""
    people = ngettext("%(count)s inscrit·e", "%(count)s inscrit·es", max(enrolled, 1)) % {"count": number_format(enrolled)}
    if capacity is None:
        return people
    places = ngettext("sur %(count)s place", "sur %(count)s places", capacity) % {"count": number_format(capacity)}
    return f"{people} {places}"


def with_cohort_counts(qs: QuerySet) -> QuerySet:
    """Cohorts annotated with ``enrolled`` (places taken) and ``active_learners``."""
    return _with_cohort_counts(qs)


def _with_cohort_counts(qs: QuerySet) -> QuerySet:
    apprentices = Apprentice.objects.filter(cohort=OuterRef("pk"))
    return qs.annotate(
        enrolled=_count(apprentices.filter(places_taken()), "cohort"),
        active_learners=_count(apprentices.filter(active_learners()), "cohort"),
    )


# --- programmes ------------------------------------------------------------------------------------


def programme_list(user: User, *, state: str = CURRENT, q: str = "") -> QuerySet:
    """Programmes with ``blocks_count``, ``cohorts_count`` (current cohorts the user sees) and
    ``active_learners`` (in every cohort of the programme)."""
    qs = access.visible(user, Programme).annotate(
        blocks_count=_count(CompetenceBlock.objects.filter(programme=OuterRef("pk")), "programme"),
        cohorts_count=_count(access.visible(user, Cohort).filter(programme=OuterRef("pk"), archived_at__isnull=True), "programme"),
        active_learners=_active_learners_of_cohorts("programme"),
    )
    qs = name_search(_by_state(qs, state), q, ("title", "short_title", "rncp_code", "cfd_code"))
    return qs.order_by("title", "pk")


def programme_get(user: User, pk: int) -> Programme:
    """A programme with its competence blocks and the cohorts the user sees (with their counts)."""
    cohorts = _with_cohort_counts(access.visible(user, Cohort)).select_related("site", "referent_tutor").order_by("-start_date", "name")
    qs = Programme.objects.prefetch_related(
        Prefetch("competence_blocks", queryset=CompetenceBlock.objects.order_by("order", "code")),
        Prefetch("cohorts", queryset=cohorts, to_attr="visible_cohorts"),
    )
    return access.get_visible_or_404(user, qs, pk=pk)


def block_get(user: User, programme: Programme, pk: int) -> CompetenceBlock:
    return access.get_visible_or_404(user, CompetenceBlock.objects.filter(programme=programme), pk=pk)


def programme_active_learners(programme: Programme) -> int:
    return Apprentice.objects.filter(active_learners(), cohort__programme=programme).count()


def programme_open_candidates(programme: Programme) -> int:
    """Applications still in the pipeline for this programme (they would need one of its cohorts)."""
    return Candidate.objects.filter(programme=programme, status__in=OPEN_CANDIDATE_STATUSES).count()


# --- sites -----------------------------------------------------------------------------------------


def site_list(user: User, *, state: str = CURRENT, q: str = "") -> QuerySet:
    qs = access.visible(user, Site).annotate(
        cohorts_count=_count(access.visible(user, Cohort).filter(site=OuterRef("pk"), archived_at__isnull=True), "site"),
        active_learners=_active_learners_of_cohorts("site"),
    )
    return name_search(_by_state(qs, state), q, ("name", "city", "uai", "siret")).order_by("name", "pk")


def site_get(user: User, pk: int) -> Site:
    cohorts = _with_cohort_counts(access.visible(user, Cohort)).select_related("programme", "referent_tutor").order_by("-start_date", "name")
    return access.get_visible_or_404(user, Site.objects.prefetch_related(Prefetch("cohorts", queryset=cohorts, to_attr="visible_cohorts")), pk=pk)


def site_active_learners(site: Site) -> int:
    return Apprentice.objects.filter(active_learners(), cohort__site=site).count()


# --- cohorts ---------------------------------------------------------------------------------------


def cohort_list(
    user: User, *, state: str = CURRENT, q: str = "", programme_id: int | None = None, site_id: int | None = None,
) -> QuerySet:
    """Cohorts the user sees (a tutor: those it refers), with ``enrolled`` and ``active_learners``."""
    qs = _with_cohort_counts(access.visible(user, Cohort)).select_related("programme", "site", "referent_tutor")
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    if site_id:
        qs = qs.filter(site_id=site_id)
    return name_search(_by_state(qs, state), q, ("name", "programme__title", "programme__short_title")).order_by("-start_date", "name", "pk")


def cohort_get(user: User, pk: int) -> Cohort:
    qs = _with_cohort_counts(Cohort.objects.select_related("programme", "site", "referent_tutor"))
    return access.get_visible_or_404(user, qs, pk=pk)


def cohort_enrolled(cohort: Cohort) -> int:
    """Places taken in the cohort (the one definition, see the module's docstring)."""
    return Apprentice.objects.filter(places_taken(), cohort=cohort).count()


def cohort_active_learners(cohort: Cohort) -> int:
    return Apprentice.objects.filter(active_learners(), cohort=cohort).count()


# --- choices for new records ----------------------------------------------------------------------


def programmes_for_new_records(user: User) -> QuerySet:
    """Programmes a new cohort, candidate or offer may use: not archived."""
    return access.visible(user, Programme).filter(archived_at__isnull=True).order_by("title")


def sites_for_new_records(user: User) -> QuerySet:
    return access.visible(user, Site).filter(archived_at__isnull=True).order_by("name")


def cohorts_for_new_records(user: User, *, today: date | None = None, keeping: int | None = None) -> QuerySet:
    """Cohorts a learner may join (admissions enrolment, a new apprentice): not archived, of a
    programme not archived, and not ended on ``today`` when given. ``keeping``: a cohort a record
    already belongs to stays offered on its edit form, whatever its state."""
    open_ = Q(archived_at__isnull=True, programme__archived_at__isnull=True)
    if today is not None:
        open_ &= Q(end_date__gte=today)
    if keeping is not None:
        open_ |= Q(pk=keeping)
    return access.visible(user, Cohort).filter(open_).select_related("programme", "site").order_by("-start_date", "name")


def referent_tutor_choices(user: User) -> QuerySet:
    """Active tutor accounts (a cohort's referent is a tutor)."""
    return access.visible(user, User).filter(role=Role.TUTOR, is_active=True).order_by("last_name", "first_name", "pk")
