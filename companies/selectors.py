"""Reads of the CRM: companies, their contacts, contracts and interactions, scoped by the access policy."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce

from alerts.choices import OPEN_ALERT_STATUSES
from alerts.models import Alert
from alternance import access
from alternance.choices import ApprenticeStatus, Role
from alternance.models import Apprentice, User
from alternance.selectors import name_search
from alternance.tdb_status import counted_as_dropout_by_tdb, tdb_dropout_day
from companies import matching
from companies.choices import OPEN_PLACEMENT_STATUSES, OfferStatus
from companies.models import Company, CompanyContact, Interaction, Offer, Placement, PlacementEvent
from contracts.choices import ACTIVE_CONTRACT_STATUSES
from contracts.models import Contract

INTERACTIONS_SHOWN = 50
# Words of a company name that do not tell two companies apart (legal forms, "établissements"…).
NAME_NOISE = frozenset({
    "sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "scop", "ei", "eirl", "ets", "etablissements", "etablissement", "societe",
    "ste", "cie", "et", "de", "du", "des", "la", "le", "les", "l", "d", "groupe", "france",
})


def name_words(name: str) -> set[str]:
    """The telling words of a company name, without accents, case, punctuation or legal forms."""
    plain = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    return {word for word in re.split(r"[^a-z0-9]+", plain) if word and word not in NAME_NOISE}


def similar_names(a: str, b: str) -> bool:
    """Two company names that probably name the same company: half of their telling words shared
    (« Boulangerie Martin SARL » and « Martin Boulangerie »), or one's words within the other's."""
    words_a, words_b = name_words(a), name_words(b)
    if not words_a or not words_b:
        return False
    shared = words_a & words_b
    return shared in (words_a, words_b) or len(shared) / len(words_a | words_b) >= 0.5


def similar_companies(user: User, *, name: str, postal_code: str, exclude_pk: int | None = None) -> list[Company]:
    """Companies the user may see, in the same postal code, whose name is similar: a company about
    to be typed a second time under another SIRET. One query."""
    if not name_words(name) or not postal_code:
        return []
    rows = access.visible(user, Company).filter(postal_code=postal_code.strip()).exclude(pk=exclude_pk).order_by("name", "pk")
    return [company for company in rows if similar_names(company.name, name)]

COMPANY_SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "city": ("city", "name", "pk"),
    "-city": ("-city", "name", "pk"),
    "contracts": ("active_contracts", "name", "pk"),
    "-contracts": ("-active_contracts", "name", "pk"),
}


@dataclass(frozen=True)
class CompanyFilters:
    """The company list's filters (all optional)."""

    q: str = ""
    mine: bool = False
    sensitive: bool = False
    sector: str = ""  # NAF division (2 digits) or a longer prefix, e.g. "62" or "6201"
    opco: str = ""
    city: str = ""
    owner_id: int | None = None  # a CRE's pk
    unowned: bool = False  # the companies without a CRE
    open_offers: bool = False
    with_apprentices: bool = False
    archived: bool = False  # the archived companies instead of the current ones


def _open_offers_count() -> Subquery:
    # A subquery rather than a second Count(): two joined Counts would multiply each other.
    return Coalesce(
        Subquery(
            Offer.objects.filter(company=OuterRef("pk"), status=OfferStatus.OPEN)
            .order_by().values("company").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _active_contracts_count() -> Subquery:
    return Coalesce(
        Subquery(
            Contract.objects.filter(company=OuterRef("pk"), status__in=ACTIVE_CONTRACT_STATUSES)
            .order_by().values("company").annotate(n=Count("pk")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def company_list(user: User, *, q: str = "", mine: bool = False, sensitive: bool = False, sort: str = "",
                 filters: CompanyFilters | None = None, counts: bool = True) -> QuerySet:
    """Companies the user may see, with their active contracts and open offers (one query).

    Both counts are correlated subqueries, not a join with GROUP BY (issue 18 §2): the paginator's
    COUNT drops them (Django leaves unused annotations out of ``count()``) instead of aggregating
    every company's contracts. A page sorted by name or city asks without them (``counts=False``)
    and fills its 25 rows with ``company_counts_fill``: with an OFFSET, PostgreSQL would compute the
    subqueries of every row skipped before the page."""
    f = filters or CompanyFilters(q=q, mine=mine, sensitive=sensitive)
    qs = access.visible(user, Company).select_related("owner_cre")
    if counts or sort.lstrip("-") == "contracts":
        qs = qs.annotate(active_contracts=_active_contracts_count(), open_offers=_open_offers_count())
    qs = name_search(qs, f.q, ("name", "siret", "city"))
    qs = qs.filter(archived_at__isnull=not f.archived)
    if f.mine:
        qs = qs.filter(owner_cre=user)
    if f.sensitive:
        qs = qs.filter(sensitive=True)
    sector = f.sector.replace(".", "").strip().upper()
    if sector:
        qs = qs.filter(naf_code__startswith=sector)
    if f.opco:
        qs = qs.filter(opco=f.opco)
    if f.city:
        qs = qs.filter(city__iexact=f.city.strip())
    if f.unowned:
        qs = qs.filter(owner_cre__isnull=True)
    elif f.owner_id:
        qs = qs.filter(owner_cre_id=f.owner_id)
    if f.open_offers:
        qs = qs.filter(Exists(Offer.objects.filter(company=OuterRef("pk"), status=OfferStatus.OPEN)))
    if f.with_apprentices:
        qs = qs.filter(Exists(Contract.objects.filter(company=OuterRef("pk"), status__in=ACTIVE_CONTRACT_STATUSES)))
    return qs.order_by(*COMPANY_SORTS.get(sort, COMPANY_SORTS["name"]))


def company_counts_fill(companies: list[Company]) -> list[Company]:
    """Set ``active_contracts`` and ``open_offers`` on companies listed without them (two queries)."""
    missing = [c for c in companies if not hasattr(c, "active_contracts")]
    if missing:
        ids = [c.pk for c in missing]
        active = dict(Contract.objects.filter(company_id__in=ids, status__in=ACTIVE_CONTRACT_STATUSES)
                      .order_by().values("company").annotate(n=Count("pk")).values_list("company", "n"))
        offers = dict(Offer.objects.filter(company_id__in=ids, status=OfferStatus.OPEN)
                      .order_by().values("company").annotate(n=Count("pk")).values_list("company", "n"))
        for company in missing:
            company.active_contracts, company.open_offers = active.get(company.pk, 0), offers.get(company.pk, 0)
    return companies


def cre_choices(user: User) -> QuerySet:
    """Active CRE accounts the user may see (owner filter, reassignment target)."""
    return access.visible(user, User).filter(role=Role.CRE, is_active=True).order_by("last_name", "first_name", "pk")


def company_cities(user: User) -> list[str]:
    return list(access.visible(user, Company).order_by("city").values_list("city", flat=True).distinct())


def company_get(user: User, pk: int) -> Company:
    return access.get_visible_or_404(user, Company.objects.select_related("owner_cre", "archived_by"), pk=pk)


def company_establishments(user: User, company: Company) -> list[Company]:
    """The other establishments of the same company (same SIREN, the SIRET's first 9 digits) that
    the user may see, archived ones included (they are marked)."""
    return list(
        access.visible(user, Company).filter(siret__startswith=company.siren).exclude(pk=company.pk).order_by("siret")
    )


@dataclass(frozen=True)
class Supervision:
    """A maître d'apprentissage's apprentices under contract today against its legal capacity."""

    apprentices: int  # ordinary ones
    extended: int  # extended after an exam failure (avenant 33)
    max_apprentices: int
    max_extended: int

    @property
    def total(self) -> int:
        return self.apprentices + self.extended

    @property
    def full(self) -> bool:
        return self.apprentices >= self.max_apprentices

    @property
    def over(self) -> bool:
        return self.apprentices > self.max_apprentices or self.extended > self.max_extended


def master_apprentices(*, today: date, masters: list[int] | None = None) -> dict[int, dict[int, bool]]:
    """For each maître d'apprentissage (first or second), the apprentices of its apprenticeship
    contracts in force on ``today`` → whether that contract is extended after an exam failure.
    The one definition of an MA's load: the ``master_capacity`` alert and the contact pages read it.
    One query."""
    from contracts.choices import ContractKind, ContractType

    qs = Contract.objects.filter(
        kind=ContractKind.APPRENTICESHIP, status__in=ACTIVE_CONTRACT_STATUSES, start_date__lte=today, end_date__gte=today,
    )
    if masters is not None:
        qs = qs.filter(Q(master_id__in=masters) | Q(second_master_id__in=masters))
    load: dict[int, dict[int, bool]] = {}
    for row in qs.values("apprentice_id", "master_id", "second_master_id", "contract_type"):
        extended = row["contract_type"] == ContractType.AMEND_EXTENSION_EXAM_FAILURE
        for master in (row["master_id"], row["second_master_id"]):
            if master and (masters is None or master in masters):
                apprentices = load.setdefault(master, {})
                apprentices[row["apprentice_id"]] = apprentices.get(row["apprentice_id"], False) or extended
    return load


def master_supervision(contacts: list[CompanyContact], *, today: date) -> dict[int, Supervision]:
    """The supervision figure of each maître d'apprentissage among ``contacts`` (two queries)."""
    from contracts.models import ContractSettings

    masters = [c.pk for c in contacts if c.is_master]
    if not masters:
        return {}
    # Read without creating: a page that shows figures never writes (defaults when the row is missing).
    cs = ContractSettings.objects.filter(pk=1).first() or ContractSettings()
    load = master_apprentices(today=today, masters=masters)
    result = {}
    for pk in masters:
        apprentices = load.get(pk, {})
        extended = sum(1 for e in apprentices.values() if e)
        result[pk] = Supervision(apprentices=len(apprentices) - extended, extended=extended,
                                 max_apprentices=cs.ma_max_apprentices, max_extended=cs.ma_max_extended)
    return result


def company_contacts(user: User, company: Company, *, today: date) -> list[CompanyContact]:
    """The company's contacts (active first), each maître d'apprentissage with its ``supervision``."""
    contacts = list(
        access.visible(user, CompanyContact).filter(company=company).select_related("user").order_by("-active", "last_name", "first_name", "pk")
    )
    supervision = master_supervision(contacts, today=today)
    for contact in contacts:
        contact.supervision = supervision.get(contact.pk)
        # Every row is this company's: its invitation predicate (``can_invite_company_contact``)
        # reads the company without a query per contact.
        contact.company = company
    return contacts


def contact_get(user: User, pk: int) -> CompanyContact:
    return access.get_visible_or_404(user, CompanyContact.objects.select_related("company__owner_cre"), pk=pk)


def company_timeline(user: User, company: Company) -> QuerySet:
    """The exchanges shown on the company page, newest first: who was reached, which follow-up each answers."""
    return (
        access.visible(user, Interaction)
        .filter(company=company)
        .select_related("author", "contact", "apprentice", "answers_follow_up", "answered_by")
        .order_by("-occurred_at", "-pk")[:INTERACTIONS_SHOWN]
    )


def interaction_in_timeline(user: User, company: Company, pk: int | None) -> bool:
    """Whether the exchange ``pk`` is among those the company page shows (one query)."""
    if pk is None:
        return False
    return pk in set(company_timeline(user, company).values_list("pk", flat=True))


def company_related(user: User, company: Company, *, today: date) -> dict:
    """Contacts, contracts, interactions timeline, other establishments and open alerts of a company, each scoped."""
    contracts = list(
        access.visible(user, Contract).filter(company=company).select_related("apprentice", "programme", "master").order_by("-start_date")
    )
    return {
        "current_contracts": [c for c in contracts if c.status in ACTIVE_CONTRACT_STATUSES],
        "past_contracts": [c for c in contracts if c.status not in ACTIVE_CONTRACT_STATUSES],
        "offers": list(
            access.visible(user, Offer).filter(company=company, status=OfferStatus.OPEN).select_related("programme").order_by("start_date", "pk")
        ),
        "placements": list(
            access.visible(user, Placement).filter(company=company, status__in=OPEN_PLACEMENT_STATUSES)
            .select_related("apprentice", "offer").order_by("-proposed_on", "-pk")
        ),
        "contacts": company_contacts(user, company, today=today),
        "establishments": company_establishments(user, company),
        "contracts": contracts,
        "interactions": list(company_timeline(user, company)),
        "alerts": list(
            access.visible(user, Alert).filter(company=company, status__in=OPEN_ALERT_STATUSES).order_by("-raised_at")
        ),
    }


def follow_ups_due(user: User, *, today: date) -> QuerySet:
    """The user's own follow-ups that are due (date ≤ today) and not done, oldest first."""
    return (
        access.visible(user, Interaction)
        .filter(author=user, follow_up_done=False, next_follow_up__lte=today)
        .select_related("company", "contact", "apprentice")
        .order_by("next_follow_up", "pk")
    )


def open_follow_ups(user: User, company: Company) -> QuerySet:
    """The company's follow-ups still open that ``user`` may close by logging the exchange that
    answers them: the rule of ``access.can_edit_interaction`` (a coordinator any, others their own)."""
    qs = (
        access.visible(user, Interaction)
        .filter(company=company, next_follow_up__isnull=False, follow_up_done=False)
        .select_related("contact")
        .order_by("next_follow_up", "pk")
    )
    if getattr(user, "role", None) != Role.COORDINATOR:
        qs = qs.filter(author=user)
    return qs


def contact_choices(user: User, company: Company) -> QuerySet:
    """The contact persons one may record as reached: the company's active contacts, in the user's scope."""
    return access.visible(user, CompanyContact).filter(company=company, active=True).order_by("last_name", "first_name", "pk")


def reassignable_companies(user: User, *, owner_id: int | None = None, unowned: bool = False) -> QuerySet:
    qs = access.visible(user, Company).select_related("owner_cre").annotate(
        active_contracts=Count("contracts", filter=Q(contracts__status__in=ACTIVE_CONTRACT_STATUSES))
    )
    if unowned:
        qs = qs.filter(owner_cre__isnull=True)
    elif owner_id:
        qs = qs.filter(owner_cre_id=owner_id)
    return qs.order_by("name", "pk")


# --- placement desk ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DeskRow:
    """A learner without a company and the time left before its legal limit."""

    apprentice: Apprentice
    days: int  # days since status_since
    limit: int
    deadline: date
    open_placements: int
    # The day the State's dashboard began counting the learner as a dropout (alternance.tdb_status).
    tdb_dropout_since: date | None = None

    @property
    def days_left(self) -> int:
        return self.limit - self.days


def _limits() -> dict[str, int]:
    from alerts.models import RuleSettings

    settings = RuleSettings.objects.filter(pk=1).first() or RuleSettings()
    return {ApprenticeStatus.SEEKING: settings.seeking_limit_days, ApprenticeStatus.RUPTURANT: settings.rupturant_limit_days}


def placement_desk(user: User, *, today: date, q: str = "", status: str = "", programme_id: int | None = None) -> QuerySet:
    """Learners seeking a company (limit: ``seeking_limit_days``, 3 months) and rupturants
    (``rupturant_limit_days``, 6 months) counted from ``status_since``, most urgent first
    (Code du travail L6222-12-1 and L6222-18-2, domain §3).

    Sorted in SQL by their deadline (``status_since`` + the status's limit: the fewest days left
    first) and paginated there (issue 18 §2: at 20 000 learners the desk built and sorted every one
    in Python to show 25); ``desk_rows`` turns the rows of a page into ``DeskRow``."""
    limits = _limits()
    statuses = [status] if status in limits else list(limits)
    deadline = Case(
        *(When(status=key, then=ExpressionWrapper(F("status_since") + timedelta(days=days), output_field=DateField()))
          for key, days in limits.items()),
        output_field=DateField(),
    )
    qs = (
        access.visible(user, Apprentice)
        .filter(status__in=statuses, exclusion_date__isnull=True)
        .select_related("cohort__programme")
        .annotate(desk_deadline=deadline, open_placements=Coalesce(Subquery(
            Placement.objects.filter(apprentice=OuterRef("pk"), status__in=OPEN_PLACEMENT_STATUSES)
            .order_by().values("apprentice").annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0))
    )
    qs = name_search(qs, q, ("last_name", "first_name", "usage_name"))
    if programme_id:
        qs = qs.filter(cohort__programme_id=programme_id)
    return qs.order_by("desk_deadline", "last_name", "first_name", "pk")


def desk_rows(apprentices, *, today: date) -> list[DeskRow]:
    """The desk's rows of ``apprentices`` (a page of ``placement_desk``), in their order."""
    limits = _limits()
    rows = []
    for apprentice in apprentices:
        limit = limits[apprentice.status]
        rows.append(DeskRow(
            apprentice=apprentice, days=(today - apprentice.status_since).days, limit=limit,
            deadline=apprentice.status_since + timedelta(days=limit), open_placements=apprentice.open_placements,
            tdb_dropout_since=tdb_dropout_day(apprentice.training_start_date) if counted_as_dropout_by_tdb(
                status=apprentice.status, training_start=apprentice.training_start_date, today=today) else None,
        ))
    return rows


def offer_list(user: User, *, q: str = "", status: str = "", programme_id: int | None = None) -> QuerySet:
    qs = access.visible(user, Offer).select_related("company", "programme").annotate(
        hired=Count("placements", filter=Q(placements__status="hired"))
    )
    qs = name_search(qs, q, ("company__name", "company__city", "programme__title"))
    if status in OfferStatus.values:
        qs = qs.filter(status=status)
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    return qs.order_by("start_date", "company__name", "pk")


def offer_get(user: User, pk: int) -> Offer:
    return access.get_visible_or_404(user, Offer.objects.select_related("company", "programme"), pk=pk)


@dataclass(frozen=True)
class Match:
    offer: Offer
    distance: matching.Distance

    @property
    def distance_label(self):
        return matching.DISTANCE_LABELS[self.distance]


def suggested_matches(user: User, apprentice: Apprentice) -> list[Match]:
    """Open offers of the learner's programme, nearest first (``companies.matching``); companies the
    learner is already proposed to are left out. One query."""
    offers = list(
        access.visible(user, Offer)
        .filter(status=OfferStatus.OPEN, programme_id=apprentice.cohort.programme_id)
        .exclude(company__in=Placement.objects.filter(apprentice=apprentice, status__in=OPEN_PLACEMENT_STATUSES).values("company"))
        .select_related("company", "programme")
    )
    by_pk = {o.pk: o for o in offers}
    ranked = matching.rank(
        apprentice.postal_code,
        [matching.Candidate(key=o.pk, postal_code=o.company.postal_code, start_date=o.start_date) for o in offers],
    )
    return [Match(offer=by_pk[c.key], distance=d) for c, d in ranked]


def learner_get(user: User, pk: int) -> Apprentice:
    return access.get_visible_or_404(user, Apprentice.objects.select_related("cohort__programme"), pk=pk)


def learner_placements(user: User, apprentice: Apprentice) -> list[Placement]:
    """The learner's pipeline: every placement with its history (two queries)."""
    from django.db.models import Prefetch

    events = access.visible(user, PlacementEvent).select_related("by").order_by("at", "pk")
    return list(
        access.visible(user, Placement).filter(apprentice=apprentice)
        .select_related("company__owner_cre", "offer", "contract")
        .prefetch_related(Prefetch("events", queryset=events))
        .order_by("-proposed_on", "-pk")
    )


def proposable_companies(user: User) -> QuerySet:
    """Companies the user may propose a learner to (its portfolio and unowned ones; all for the coordinator)."""
    qs = access.visible(user, Company).filter(archived_at__isnull=True)
    if not access.can_use_back_office(user):
        return qs.none()
    if user.role == Role.COORDINATOR:
        return qs.order_by("name")
    if user.role == Role.CRE:
        return qs.filter(Q(owner_cre=user) | Q(owner_cre__isnull=True)).order_by("name")
    return qs.none()
