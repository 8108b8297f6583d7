"""The access policy: one place that answers, for every model,

1. *which rows may this user see?* — ``visible(user, Model)`` returns a queryset; and
2. *may this user do X to this row?* — ``can_<verb>(user, obj)`` predicates.

Views fetch every object through ``get_visible_or_404`` (outside the scope → 404, so another
company's or cohort's data is never reachable by changing a URL) and check a predicate with
``require`` (in scope but not allowed → 403). Templates call the same predicates only to hide
buttons. An unknown role, an inactive or anonymous user sees nothing.

Scopes (issue "Foundation", §4):
- coordinator and admin staff: everything;
- CRE: all companies (it owns a portfolio: ``Company.owner_cre``), apprentices, contracts and the
  CRM; alerts assigned to it or about its portfolio;
- tutor: the apprentices of the cohorts it refers, and their contracts, visits, attendance,
  documents, employers; alerts assigned to it or about those apprentices;
- apprentice: its own record and what hangs from it;
- employer contact: the apprentices under contract with its company (contracts from signature
  to the end, not drafts nor ended/broken ones), their attendance during that contract, the
  visits and documents of those contracts, its own company and contacts — through an active
  ``CompanyContact`` only (a deactivated contact no longer opens its establishment).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.shortcuts import get_object_or_404

from alerts.models import Alert, AlertEvent, DigestRun, NightlyRun, RuleSettings
from alternance.choices import Role
from alternance.models import (
    ApiToken,
    Apprentice,
    AttendanceRecord,
    AttendanceSettings,
    AttendanceTally,
    CalendarFeedToken,
    CalendarOverride,
    Candidate,
    CandidateEvent,
    ClosurePeriod,
    Cohort,
    CompetenceBlock,
    DataImport,
    EvidencePack,
    Invitation,
    KeyDate,
    ListExport,
    PersonalDataExport,
    Programme,
    Site,
    TdbExport,
    TrainingSession,
    User,
    Visit,
    VisitCriterion,
)
from companies.models import Company, CompanyContact, Interaction, Offer, Placement, PlacementEvent
from contracts.choices import ContractStatus, DocumentKind
from contracts.models import (
    Contract,
    ContractSettings,
    ContractStatusChange,
    Document,
    DocumentAccess,
    DocumentBatch,
    FundingRule,
    HiringAidRule,
    OpcoBoardItem,
    OpcoFile,
    OpcoInstalment,
    OpcoReminder,
    RemunerationGrid,
    SignatureRequest,
    Signer,
    SmicRate,
)

SEE_ALL_ROLES = (Role.COORDINATOR, Role.ADMIN_STAFF)

# Contracts an employer contact sees: from the moment it has something to sign to the end of the
# contract. Drafts are internal to the OF; ended and broken contracts drop out of the portal.
EMPLOYER_CONTRACT_STATUSES = (
    ContractStatus.AWAITING_SIGNATURES,
    ContractStatus.SIGNED,
    ContractStatus.SENT_TO_OPCO,
    ContractStatus.ACCEPTED,
    ContractStatus.REFUSED,
    ContractStatus.IN_PROGRESS,
)


# The roles the code knows: ``Role.values`` builds its list on each read, and every scope asks
# (thirty times a page).
KNOWN_ROLES = frozenset(Role.values)


def _role(user) -> str | None:
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    # A role the code does not know (blank, removed, mistyped) grants nothing.
    return user.role if user.role in KNOWN_ROLES else None


# --- scopes: one function per model, (user, base queryset) -> queryset --------------------------

def _employer_contracts(user: User) -> QuerySet:
    # One filter() call: the account and the active flag are those of the same contact. A
    # deactivated contact (the person left this establishment) no longer opens its contracts.
    return Contract.objects.filter(
        status__in=EMPLOYER_CONTRACT_STATUSES, company__contacts__user=user, company__contacts__active=True
    )


class _AmongKeys(Func):
    """``field = ANY(ARRAY(subquery))``: PostgreSQL runs the subquery once (an InitPlan) and then
    looks the outer rows up by their index. Written as ``IN (subquery)``, the planner turned it into
    a semi-join placed after the pages' wide joins (a visit with its apprentice, contract, company,
    tutor…: more tables than it reorders) and hash-joined every table first — 183 ms at 20 000
    learners for an employer's 31 visits, against 2 ms."""

    arg_joiner = " = ANY(ARRAY("
    template = "(%(expressions)s)))"
    output_field = models.BooleanField()


class _AmongIds(Func):
    """``field = ANY(%s)``: the ids as one array parameter. ``IN (%s, %s, …)`` with an employer's
    60 contract ids made each statement's text depend on how many there are and run past the 4 KB
    under which psycopg keeps a statement's parsed form: psycopg split the SQL again on every
    execution (1 ms each, 5 ms of CPU on the employer's home at 20 000 learners). PostgreSQL plans
    both forms alike: it turns an ``IN`` list into the same ``= ANY(array)``."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = models.BooleanField()


def _in_keys(field: str, keys: QuerySet | list[int]):
    """``field`` among the ``keys`` (a one-column queryset, read first on PostgreSQL, or ids)."""
    if isinstance(keys, list):
        if keys and connection.vendor == "postgresql":
            return _AmongIds(F(field), Value(keys))
        # No ids: Django answers an empty ``IN`` without asking the database.
        return Q(**{f"{field}__in": keys})
    if connection.vendor == "postgresql":
        return _AmongKeys(F(field), Subquery(keys))
    return Q(**{f"{field}__in": keys})


# The employer contact's contracts, read once per request for the request's own user
# (``request_keys``, opened by ``alternance.middleware.AccessKeysMiddleware``): each query of an
# employer page then compares with ids instead of carrying the scope's subquery (contracts ⋈
# companies ⋈ contacts), which cost it 1 to 2 ms of planning and running — 13 queries on the
# employer's home at 20 000 learners (issue 18 §2). The keys are those of the request's first scoped
# read: an employer's request changes none of them (a signature keeps its contract in scope).
# Outside a request (tasks, commands) and for any other user, each scope keeps its subquery.
_request_keys: ContextVar[tuple[int, dict] | None] = ContextVar("access_request_keys", default=None)


@contextmanager
def request_keys(user_pk: int | None) -> Iterator[None]:
    token = _request_keys.set((user_pk, {}) if user_pk is not None else None)
    try:
        yield
    finally:
        _request_keys.reset(token)


def _employer_keys(user: User, column: str) -> QuerySet | list[int]:
    """The ids (``pk`` or ``apprentice_id``) of the employer contact's contracts: a list within a
    request of its own, else a one-column queryset."""
    opened = _request_keys.get()
    if opened is None or opened[0] != user.pk:
        return _employer_contracts(user).values(column)
    keys = opened[1]
    if not keys:
        rows = list(_employer_contracts(user).order_by().values_list("pk", "apprentice_id"))
        keys["pk"] = sorted({pk for pk, _ in rows})
        keys["apprentice_id"] = sorted({apprentice_id for _, apprentice_id in rows})
    return keys[column]


def employer_apprentice_ids(user: User) -> list[int] | None:
    """The ids of the apprentices an employer contact sees, when its request has them already
    (``request_keys``): how many there are is then known without a COUNT. ``None`` otherwise."""
    if _role(user) != Role.EMPLOYER:
        return None
    keys = _employer_keys(user, "apprentice_id")
    return keys if isinstance(keys, list) else None


def scope_apprentices(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(cohort__referent_tutor=user)
    if role == Role.APPRENTICE:
        return qs.filter(user=user)
    if role == Role.EMPLOYER:
        return qs.filter(_in_keys("pk", _employer_keys(user, "apprentice_id")))
    return qs.none()


def scope_contracts(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(apprentice__cohort__referent_tutor=user)
    if role == Role.APPRENTICE:
        return qs.filter(apprentice__user=user).exclude(status=ContractStatus.DRAFT)
    if role == Role.EMPLOYER:
        return qs.filter(_in_keys("pk", _employer_keys(user, "pk")))
    return qs.none()


def scope_companies(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(Exists(Contract.objects.filter(company=OuterRef("pk"), apprentice__cohort__referent_tutor=user)))
    if role == Role.APPRENTICE:
        return qs.filter(Exists(scope_contracts(user, Contract.objects.all()).filter(company=OuterRef("pk"))))
    if role == Role.EMPLOYER:
        return qs.filter(Exists(CompanyContact.objects.filter(company=OuterRef("pk"), user=user, active=True)))
    return qs.none()


def scope_company_contacts(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role in (Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER):
        return qs.filter(company__in=scope_companies(user, Company.objects.all()))
    return qs.none()


def scope_interactions(user: User, qs: QuerySet) -> QuerySet:
    """The CRM log is internal to the OF staff; tutors see the log of their apprentices' employers."""
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(company__in=scope_companies(user, Company.objects.all()))
    return qs.none()


def _by_apprentice(user: User, qs: QuerySet, field: str = "apprentice") -> QuerySet:
    return qs.filter(**{f"{field}__in": scope_apprentices(user, Apprentice.objects.all())})


def scope_visits(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role in (Role.TUTOR, Role.APPRENTICE):
        return _by_apprentice(user, qs)
    if role == Role.EMPLOYER:
        return qs.filter(_in_keys("contract_id", _employer_keys(user, "pk")))
    return qs.none()


def scope_attendance(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role in (Role.TUTOR, Role.APPRENTICE):
        return _by_apprentice(user, qs)
    if role == Role.EMPLOYER:
        # Only the days of the apprentice's contract with this employer.
        contract_ids = _employer_keys(user, "pk")
        contracts = (
            Contract.objects.filter(_in_keys("pk", contract_ids)) if isinstance(contract_ids, list) else _employer_contracts(user)
        ).filter(apprentice=OuterRef("apprentice"), start_date__lte=OuterRef("day"), end_date__gte=OuterRef("day"))
        return qs.filter(_in_keys("apprentice_id", _employer_keys(user, "apprentice_id")), Exists(contracts))
    return qs.none()


def sees_whole_register(user: User) -> bool:
    """Whether ``scope_attendance`` gives this user every row (the dashboard then reads the tallies)."""
    return _role(user) in (*SEE_ALL_ROLES, Role.CRE)


def scope_documents(user: User, qs: QuerySet) -> QuerySet:
    """Documents follow their contract or apprentice; an absence proof (health data, issue 17 §6)
    only ``can_read_absence_proof``'s people: never a CRE nor an employer."""
    role = _role(user)
    if role in SEE_ALL_ROLES:
        return qs
    if role == Role.CRE:
        return qs.exclude(kind=DocumentKind.ABSENCE_PROOF)
    if role == Role.TUTOR:
        # Its apprentices' documents, and the signed sheets of its cohorts' sessions and of the
        # sessions it trained (issue 19 §3).
        apprentices = scope_apprentices(user, Apprentice.objects.all())
        return qs.filter(
            Q(apprentice__in=apprentices) | Q(contract__apprentice__in=apprentices)
            | Q(cohort__referent_tutor=user) | Q(training_session__cohort__referent_tutor=user) | Q(training_session__trainer=user)
        )
    if role == Role.APPRENTICE:
        # Its own documents; those of a draft contract stay internal to the OF, like the draft itself,
        # and so do the OF's invoices (a matter between the OF, the employer and the OPCO).
        return qs.filter(
            Q(apprentice__user=user, contract__isnull=True) | Q(contract__in=scope_contracts(user, Contract.objects.all()))
        ).exclude(kind=DocumentKind.INVOICE)
    if role == Role.EMPLOYER:
        return qs.filter(
            _in_keys("contract_id", _employer_keys(user, "pk"))
            | Q(company__in=scope_companies(user, Company.objects.all()), contract__isnull=True, apprentice__isnull=True)
        ).exclude(kind=DocumentKind.ABSENCE_PROOF)
    return qs.none()


def scope_document_accesses(user: User, qs: QuerySet) -> QuerySet:
    """The log of sensitive downloads: the OF's staff, on the documents they see (a CRE never sees
    who read an absence proof: it does not see the proof). Never the extranet."""
    if _role(user) not in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        return qs.none()
    return qs.filter(document__in=scope_documents(user, Document.objects.all()))


def scope_opco_files(user: User, qs: QuerySet, *, via: str = "") -> QuerySet:
    """Funding follow-up is the OF's business: staff only (tutors: their apprentices' contracts).
    ``via`` ("opco_file__"): the rows of a file (instalments, reminders) filtered through their own
    joins — never ``opco_file IN (every visible file)``, a semi-join PostgreSQL hashes in full."""
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(**{f"{via}contract__apprentice__cohort__referent_tutor": user})
    return qs.none()


def scope_alerts(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES:
        return qs
    # Its portfolio's companies (its cohorts' learners) read first as keys: joined, the whole alert
    # register was hash-joined with the 12 000 companies for every count and page (10 ms each at
    # 20 000 learners; 2 ms by the keys, issue 18 §2).
    if role == Role.CRE:
        return qs.filter(Q(assignee=user) | Q(_in_keys("company_id", Company.objects.filter(owner_cre=user).values("pk"))))
    if role == Role.TUTOR:
        learners = Apprentice.objects.filter(cohort__referent_tutor=user).values("pk")
        return qs.filter(Q(assignee=user) | Q(_in_keys("apprentice_id", learners)))
    return qs.none()


def with_alert_scope_keys(qs: QuerySet) -> QuerySet:
    """Alerts annotated with what ``alert_in_scope`` reads, so a batch job (the daily digest) decides
    visibility for many people from one query instead of one ``visible()`` query per person."""
    return qs.annotate(
        scope_owner_cre_id=models.F("company__owner_cre_id"),
        scope_referent_tutor_id=models.F("apprentice__cohort__referent_tutor_id"),
    )


def alert_in_scope(user: User, alert: Alert) -> bool:
    """``scope_alerts`` in Python, on an alert fetched through ``with_alert_scope_keys``: the same
    rule row by row (a test holds the two equal for every role)."""
    role = _role(user)
    if role in SEE_ALL_ROLES:
        return True
    if role == Role.CRE:
        return user.pk in (alert.assignee_id, alert.scope_owner_cre_id)
    if role == Role.TUTOR:
        return user.pk in (alert.assignee_id, alert.scope_referent_tutor_id)
    return False


def scope_cohorts(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(referent_tutor=user)
    if role in (Role.APPRENTICE, Role.EMPLOYER):
        return qs.filter(pk__in=_cohorts_of_apprentices(user))
    return qs.none()


def _cohorts_of_apprentices(user: User) -> QuerySet:
    """The cohort ids of the apprentices an apprentice or an employer contact sees: what its cohort
    scopes (cohorts, closures, key dates, sessions) compare with, one plain subquery. Nesting the
    cohort scope (cohorts having such an apprentice) in each of them cost a calendar page 1 ms of
    query building and compiling (issue 18 §2)."""
    return scope_apprentices(user, Apprentice.objects.all()).values("cohort_id")


def scope_programmes(user: User, qs: QuerySet) -> QuerySet:
    # The catalogue of programmes is public information for any logged-in person.
    return qs if _role(user) else qs.none()


def scope_sites(user: User, qs: QuerySet) -> QuerySet:
    """The OF's training sites: every staff member; an apprentice or an employer contact the sites of
    the cohorts it sees (where its training takes place)."""
    role = _role(user)
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        return qs
    if role in (Role.APPRENTICE, Role.EMPLOYER):
        return qs.filter(Exists(scope_cohorts(user, Cohort.objects.all()).filter(site=OuterRef("pk"))))
    return qs.none()


def scope_users(user: User, qs: QuerySet) -> QuerySet:
    """Coordinator and admin staff see every account (they invite and manage them); CREs and tutors
    see staff accounts; extranet users see only themselves (their contacts come via records)."""
    role = _role(user)
    if role in SEE_ALL_ROLES:
        return qs
    if role in (Role.CRE, Role.TUTOR):
        return qs.filter(role__in=(Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)) | qs.filter(pk=user.pk)
    if role:
        return qs.filter(pk=user.pk)
    return qs.none()


def scope_contract_history(user: User, qs: QuerySet) -> QuerySet:
    """The status history carries the OF's internal comments: staff only, within their contract scope."""
    if _role(user) not in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        return qs.none()
    return qs.filter(contract__in=scope_contracts(user, Contract.objects.all()))


def scope_signature_requests(user: User, qs: QuerySet) -> QuerySet:
    """Staff see the requests on the documents they see; a signer sees the requests it is part of."""
    role = _role(user)
    if role in SEE_ALL_ROLES:
        return qs
    if role in (Role.CRE, Role.TUTOR):
        return qs.filter(document__in=scope_documents(user, Document.objects.all()))
    if role in (Role.APPRENTICE, Role.EMPLOYER):
        # The requests it signs, on documents it still sees: an employer contact deactivated, or
        # whose contract ended, no longer reaches them (nor signs for the company).
        return qs.filter(
            Exists(Signer.objects.filter(request=OuterRef("pk"), user=user)),
            document__in=scope_documents(user, Document.objects.all()),
        )
    return qs.none()


def scope_batches(user: User, qs: QuerySet) -> QuerySet:
    role = _role(user)
    if role in SEE_ALL_ROLES:
        return qs
    if role in (Role.CRE, Role.TUTOR):
        return qs.filter(requested_by=user)
    return qs.none()


def scope_reference_data(user: User, qs: QuerySet) -> QuerySet:
    """SMIC values, funding rules, contract settings: readable by the OF's staff."""
    return qs if _role(user) in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR) else qs.none()


def scope_closures(user: User, qs: QuerySet) -> QuerySet:
    """Staff see every closure; an apprentice or employer those of the OF and of its cohorts."""
    role = _role(user)
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR):
        return qs
    if role in (Role.APPRENTICE, Role.EMPLOYER):
        return qs.filter(Q(cohort__isnull=True) | Q(cohort_id__in=_cohorts_of_apprentices(user)))
    return qs.none()


def scope_key_dates(user: User, qs: QuerySet) -> QuerySet:
    """Cohort-wide key dates follow the cohort scope; personal ones (``apprentice`` set) follow
    the apprentice scope — another apprentice's personal date never shows."""
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if not role:
        return qs.none()
    apprentices = scope_apprentices(user, Apprentice.objects.all())
    if role in (Role.APPRENTICE, Role.EMPLOYER):
        cohorts = qs.filter(cohort_id__in=_cohorts_of_apprentices(user))
    else:
        cohorts = qs.filter(cohort__in=scope_cohorts(user, Cohort.objects.all()))
    return cohorts.filter(Q(apprentice__isnull=True) | Q(apprentice__in=apprentices))


def scope_training_sessions(user: User, qs: QuerySet) -> QuerySet:
    """Sessions (issue 19 §1) follow their cohort; a staff member also sees the sessions it trains."""
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(Q(cohort__referent_tutor=user) | Q(trainer=user))
    if role in (Role.APPRENTICE, Role.EMPLOYER):
        return qs.filter(cohort_id__in=_cohorts_of_apprentices(user))
    return qs.none()


def _own_rows(user: User, qs: QuerySet) -> QuerySet:
    return qs.filter(user=user) if _role(user) else qs.none()


def _office_only(user: User, qs: QuerySet) -> QuerySet:
    """Imports, State dashboard exports and Qualiopi packs: the coordinator and admin staff."""
    return qs if _role(user) in SEE_ALL_ROLES else qs.none()


SCOPES: dict[type[models.Model], Callable[[User, QuerySet], QuerySet]] = {
    Apprentice: scope_apprentices,
    AttendanceRecord: scope_attendance,
    Cohort: scope_cohorts,
    Programme: scope_programmes,
    # The catalogue (issue 13 §2): a programme's competence blocks are public like the programme.
    CompetenceBlock: lambda user, qs: qs.filter(programme__in=scope_programmes(user, Programme.objects.all())),
    Site: scope_sites,
    Visit: scope_visits,
    VisitCriterion: lambda user, qs: qs if _role(user) in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR) else qs.none(),
    User: scope_users,
    # Extranet invitations (issue 6 §1): coordinator and admin staff all, CREs and tutors those they sent.
    Invitation: lambda user, qs: (
        qs if _role(user) in SEE_ALL_ROLES
        else qs.filter(invited_by=user) if _role(user) in (Role.CRE, Role.TUTOR)
        else qs.none()
    ),
    Company: scope_companies,
    CompanyContact: scope_company_contacts,
    Interaction: scope_interactions,
    # Offers and the placement pipeline (issue 5 §3); the scope functions are at the end of the module.
    Offer: lambda user, qs: scope_offers(user, qs),
    Placement: lambda user, qs: scope_placements(user, qs),
    PlacementEvent: lambda user, qs: qs.filter(placement__in=scope_placements(user, Placement.objects.all())),
    Contract: scope_contracts,
    ContractStatusChange: scope_contract_history,
    OpcoFile: scope_opco_files,
    OpcoInstalment: lambda user, qs: scope_opco_files(user, qs, via="opco_file__"),
    OpcoBoardItem: scope_opco_files,
    Document: scope_documents,
    DocumentAccess: scope_document_accesses,
    SignatureRequest: scope_signature_requests,
    Signer: lambda user, qs: qs.filter(request__in=scope_signature_requests(user, SignatureRequest.objects.all())),
    OpcoReminder: lambda user, qs: scope_opco_files(user, qs, via="opco_file__"),
    DocumentBatch: scope_batches,
    SmicRate: scope_reference_data,
    RemunerationGrid: scope_reference_data,
    FundingRule: scope_reference_data,
    HiringAidRule: scope_reference_data,
    ContractSettings: scope_reference_data,
    Alert: scope_alerts,
    AlertEvent: lambda user, qs: qs.filter(alert__in=scope_alerts(user, Alert.objects.all())),
    # Alert thresholds and the record of nightly runs: the coordinator and admin staff.
    RuleSettings: lambda user, qs: qs if _role(user) in SEE_ALL_ROLES else qs.none(),
    NightlyRun: lambda user, qs: qs if _role(user) in SEE_ALL_ROLES else qs.none(),
    DigestRun: lambda user, qs: qs if _role(user) in SEE_ALL_ROLES else qs.none(),
    # Calendars and absences (issue 6).
    ClosurePeriod: scope_closures,
    KeyDate: scope_key_dates,
    CalendarOverride: lambda user, qs: qs.filter(apprentice__in=scope_apprentices(user, Apprentice.objects.all())),
    CalendarFeedToken: _own_rows,
    # Training sessions (issue 19 §1).
    TrainingSession: scope_training_sessions,
    AttendanceSettings: scope_reference_data,
    # The register summed per cohort and day: for those who see the whole register.
    AttendanceTally: lambda user, qs: qs if sees_whole_register(user) else qs.none(),
    # Data in and out (issue 7).
    DataImport: _office_only,
    TdbExport: _office_only,
    # A list exported in the background: the person who asked for it only (issue 18 §1).
    ListExport: lambda user, qs: qs.filter(created_by=user) if can_use_back_office(user) else qs.none(),
    EvidencePack: _office_only,
    # GDPR subject access exports (issue 17 §8): the coordinator and admin staff.
    PersonalDataExport: _office_only,
    # Admissions (issue 13 §1): see ``scope_candidates``; the history follows its candidate.
    Candidate: lambda user, qs: scope_candidates(user, qs),
    CandidateEvent: lambda user, qs: qs.filter(candidate__in=scope_candidates(user, Candidate.objects.all())),
    # A staff member's API keys are its own (the API itself is for staff only).
    ApiToken: lambda user, qs: _own_rows(user, qs) if _role(user) in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR) else qs.none(),
}


def visible(user: User, model_or_queryset: type[models.Model] | QuerySet) -> QuerySet:
    """Rows of a model (or of a narrowed queryset) that ``user`` may see."""
    if isinstance(model_or_queryset, QuerySet):
        qs, model = model_or_queryset, model_or_queryset.model
    else:
        model, qs = model_or_queryset, model_or_queryset._default_manager.all()
    try:
        scope = SCOPES[model]
    except KeyError:
        raise LookupError(f"Aucune règle d'accès n'est définie pour {model.__name__}.") from None
    return scope(user, qs)


def can_view(user: User, obj: models.Model) -> bool:
    return visible(user, type(obj)).filter(pk=obj.pk).exists()


def get_visible_or_404(user: User, model_or_queryset, **lookup) -> models.Model:
    """The one way views fetch an object: 404 when it exists but lies outside the user's scope."""
    return get_object_or_404(visible(user, model_or_queryset), **lookup)


def require(allowed: bool) -> None:
    """403 for an object in scope that the user may not act on."""
    if not allowed:
        raise PermissionDenied


# --- predicates: may this user do X to this row? (the row is assumed already in scope) -----------

def _is(user, *roles) -> bool:
    return _role(user) in roles


def can_use_back_office(user: User) -> bool:
    """The staff pages (lists, CRM, boards): OF staff only; apprentices and employers use the extranet."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)


def can_view_dashboard(user: User) -> bool:
    """The steering indicators and the weekly meeting page: organisation-wide figures, for the
    coordinator and admin staff (CREs and tutors see their own subset on their home page)."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_manage_reference_data(user: User) -> bool:
    """Programmes, cohorts, settings, SMIC tables."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_view_catalogue(user: User) -> bool:
    """The catalogue's pages (programmes with their competence blocks, sites, cohorts): the OF's
    staff, read only for CREs and tutors (a tutor's cohort list is narrowed by ``scope_cohorts``).
    Extranet accounts never open them: they reach their cohort through their own pages."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)


def can_manage_catalogue(user: User) -> bool:
    """Create, edit, archive and restore programmes (and their competence blocks), sites and
    cohorts: the coordinator and admin staff, like the rest of the reference data."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_create_apprentice(user: User) -> bool:
    """Create an apprentice record (issue 13 §2): the coordinator and admin staff."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_edit_apprentice(user: User, apprentice: Apprentice) -> bool:
    """Edit the whole record (identity, NIR, schooling, cohort, dates): the coordinator and admin staff."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_edit_apprentice_contact(user: User, apprentice: Apprentice) -> bool:
    """Edit the contact details only (address, postal code, city, phone, e-mail): whoever edits the
    whole record, and the referent tutor of the apprentice's cohort (issue 13 §2)."""
    if can_edit_apprentice(user, apprentice):
        return True
    return _is(user, Role.TUTOR) and apprentice.cohort.referent_tutor_id == user.pk


def can_leave_apprentice(user: User, apprentice: Apprentice) -> bool:
    """Record that a learner leaves the OF (date, reason) instead of deleting it: coordinator and admin staff."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF) and apprentice.exclusion_date is None


def can_reopen_apprentice(user: User, apprentice: Apprentice) -> bool:
    """Bring a learner who left back into the OF: the coordinator's call."""
    return _is(user, Role.COORDINATOR) and apprentice.exclusion_date is not None


def can_edit_own_details(user: User) -> bool:
    """« Mes coordonnées » on the extranet: an apprentice edits its own phone and address (its
    record), an employer contact its own phone (its active contact rows). Nobody else's."""
    if _is(user, Role.APPRENTICE):
        return Apprentice.objects.filter(user=user).exists()
    if _is(user, Role.EMPLOYER):
        return CompanyContact.objects.filter(user=user, active=True).exists()
    return False


def can_create_company(user: User) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE)


def can_edit_company(user: User, company: Company) -> bool:
    """A CRE edits the companies of its portfolio (and unowned prospects); coordinator and admin staff all."""
    if _is(user, Role.COORDINATOR, Role.ADMIN_STAFF):
        return True
    return _is(user, Role.CRE) and company.owner_cre_id in (None, user.pk)


def can_archive_company(user: User, company: Company) -> bool:
    """Archive (or restore) a company: coordinator and admin staff; a CRE only within its own
    portfolio (an unowned prospect may interest another CRE: the coordinator decides)."""
    if _is(user, Role.COORDINATOR, Role.ADMIN_STAFF):
        return True
    return _is(user, Role.CRE) and company.owner_cre_id == user.pk


def can_manage_contacts(user: User, company: Company) -> bool:
    """Add, edit, deactivate the contacts (maîtres d'apprentissage, HR, employer representatives)
    of a company: whoever may edit the company."""
    return can_edit_company(user, company)


def can_reassign_company(user: User, company: Company) -> bool:
    """Portfolio reassignment between CREs is the coordinator's call."""
    return _is(user, Role.COORDINATOR)


def can_flag_company_sensitive(user: User, company: Company) -> bool:
    return can_edit_company(user, company)


def can_log_interaction(user: User, company: Company) -> bool:
    """Coordinator and admin staff log with any company; a CRE with its portfolio and unowned
    prospects; a tutor with its apprentices' employers."""
    if _is(user, Role.COORDINATOR, Role.ADMIN_STAFF):
        return True
    if _is(user, Role.CRE):
        return company.owner_cre_id in (None, user.pk)
    return _is(user, Role.TUTOR) and can_view(user, company)


def can_edit_interaction(user: User, interaction: Interaction) -> bool:
    return _is(user, Role.COORDINATOR) or (interaction.author_id == user.pk and _role(user) is not None)


def can_create_contract(user: User) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_edit_contract(user: User, contract: Contract) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_transition_contract(user: User, contract: Contract) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_edit_opco_file(user: User, opco_file: OpcoFile) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_record_attendance(user: User, apprentice: Apprentice) -> bool:
    if _is(user, Role.COORDINATOR, Role.ADMIN_STAFF):
        return True
    return _is(user, Role.TUTOR) and apprentice.cohort.referent_tutor_id == user.pk


def can_justify_absence(user: User, record: AttendanceRecord) -> bool:
    """The apprentice uploads a proof for its own absence."""
    return _is(user, Role.APPRENTICE) and record.apprentice.user_id == user.pk


def can_review_justification(user: User, record: AttendanceRecord) -> bool:
    return can_record_attendance(user, record.apprentice)


def can_read_absence_proof(user: User, proof: Document) -> bool:
    """An absence proof is health data (a medical certificate, often; RGPD art. 9, issue 17 §6):
    readable by the apprentice it belongs to, the tutors of its cohort (the referent tutor, whom
    the access policy ties to the cohort), the coordinator and admin staff — never a CRE (it
    does not review proofs) nor the employer. Every view serving a proof checks this predicate;
    ``scope_documents`` applies the same rule to lists."""
    if proof.kind != DocumentKind.ABSENCE_PROOF or proof.apprentice_id is None:
        return False
    if _is(user, Role.COORDINATOR, Role.ADMIN_STAFF):
        return True
    apprentice = proof.apprentice
    if _is(user, Role.APPRENTICE):
        return apprentice.user_id == user.pk
    return _is(user, Role.TUTOR) and apprentice.cohort.referent_tutor_id == user.pk


def can_read_visit_confidential(user: User, visit: Visit) -> bool:
    """The full visit report, with the tutor's confidential rupture-risk assessment (issue 17 §7):
    the OF's staff who see the visit (the caller fetched it through the scope). The stored report,
    shared with the company and the apprentice, never holds it."""
    return can_use_back_office(user)


def can_plan_visit(user: User, apprentice: Apprentice) -> bool:
    if _is(user, Role.COORDINATOR):
        return True
    return _is(user, Role.TUTOR) and apprentice.cohort.referent_tutor_id == user.pk


def can_edit_visit(user: User, visit: Visit) -> bool:
    if _is(user, Role.COORDINATOR):
        return True
    return _is(user, Role.TUTOR) and user.pk in (visit.tutor_id, visit.apprentice.cohort.referent_tutor_id)


def can_fill_employer_evaluation(user: User, visit: Visit) -> bool:
    """The employer's part of the visit grid, for visits of its own contracts."""
    return _is(user, Role.EMPLOYER) and visit.contract_id is not None and visible(user, Contract).filter(pk=visit.contract_id).exists()


def can_upload_document(user: User) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.TUTOR, Role.CRE)


def can_delete_document(user: User, document: Document) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_validate_alert(user: User, alert: Alert) -> bool:
    return _is(user, Role.COORDINATOR)


def can_assign_alert(user: User, alert: Alert) -> bool:
    return _is(user, Role.COORDINATOR)


def can_resolve_alert(user: User, alert: Alert) -> bool:
    return _is(user, Role.COORDINATOR) or (alert.assignee_id == user.pk and _role(user) is not None)


def can_comment_alert(user: User, alert: Alert) -> bool:
    return _role(user) in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)


def can_invite_extranet_user(user: User) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)


def can_invite_company_contact(user: User, contact: CompanyContact) -> bool:
    """Give an employer contact its extranet account (issue 17 §15): the coordinator and admin staff
    for any company; a CRE for the companies it may manage the contacts of (its portfolio and
    unowned prospects: a CRE sees every company but does not open accounts in another CRE's
    portfolio); a tutor for its apprentices' employers (the contact is already in its scope)."""
    if _is(user, Role.CRE):
        return can_manage_contacts(user, contact.company)
    return can_invite_extranet_user(user)


def can_generate_documents(user: User, contract: Contract) -> bool:
    """Render the contract's PDFs (Cerfa sheet, convention, schedules, certificates)."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_generate_cohort_documents(user: User, cohort: Cohort) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_request_signature(user: User, document: Document) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF) and document.contract_id is not None


def can_cancel_signature_request(user: User, request: SignatureRequest) -> bool:
    """Staff cancel a pending request themselves (no vendor ticket needed)."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF) and request.status == "pending"


def can_sign(user: User, signer: Signer) -> bool:
    """Only the person named as signer, while the request is pending and the signature not given."""
    return (
        _role(user) is not None
        and signer.user_id == user.pk
        and signer.signed_at is None
        and signer.request.status == "pending"
    )


# --- tutors' workspace (issue 5, part 4) ------------------------------------------------------------

def can_view_tutor_workspace(user: User, tutor: User) -> bool:
    """A tutor opens its own workspace; the coordinator opens any tutor's."""
    if _is(user, Role.COORDINATOR):
        return tutor.role == Role.TUTOR
    return _is(user, Role.TUTOR) and tutor.pk == user.pk


def can_record_cohort_attendance(user: User, cohort: Cohort) -> bool:
    """The register of a whole cohort session: the same people as ``can_record_attendance``."""
    if _is(user, Role.COORDINATOR, Role.ADMIN_STAFF):
        return True
    return _is(user, Role.TUTOR) and cohort.referent_tutor_id == user.pk


# --- offers and placement pipeline (issue 5 §3) --------------------------------------------------

def scope_offers(user: User, qs: QuerySet) -> QuerySet:
    """Staff as for companies: coordinator, admin staff and CREs see every offer; a tutor the offers
    of the companies it sees; extranet accounts none."""
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(company__in=scope_companies(user, Company.objects.all()))
    return qs.none()


def scope_placements(user: User, qs: QuerySet) -> QuerySet:
    """Coordinator, admin staff and CREs see every placement; a tutor those of its cohorts' apprentices."""
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(apprentice__cohort__referent_tutor=user)
    return qs.none()


def _owns_or_unowned(user: User, company: Company) -> bool:
    """The coordinator, the company's owner CRE, or any CRE when the company has no owner."""
    if _is(user, Role.COORDINATOR):
        return True
    return _is(user, Role.CRE) and company.owner_cre_id in (None, user.pk)


def can_manage_offer(user: User, company: Company) -> bool:
    """Create, edit and close the offers of a company."""
    return _owns_or_unowned(user, company)


def can_use_placement_desk(user: User) -> bool:
    """The placement desk and a learner's pipeline: the coordinator and the CREs."""
    return _is(user, Role.COORDINATOR, Role.CRE)


def can_propose_placement(user: User, company: Company) -> bool:
    """Propose a learner to a company (opens a placement)."""
    return _owns_or_unowned(user, company)


def can_move_placement(user: User, placement: Placement) -> bool:
    """Move a placement along its pipeline (interview, hired, refused, withdrawn)."""
    return _owns_or_unowned(user, placement.company)


def can_reassign_portfolios(user: User) -> bool:
    """Open the portfolio reassignment screen (the coordinator's call, like ``can_reassign_company``)."""
    return _is(user, Role.COORDINATOR)


# --- calendars, absences, extranet (issue 6) -----------------------------------------------------

def can_manage_closures(user: User) -> bool:
    """OF closure periods (whole OF or one cohort): the coordinator and admin staff."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_edit_cohort_calendar(user: User, cohort: Cohort) -> bool:
    """Key dates of a cohort: the coordinator, admin staff and the cohort's referent tutor."""
    if _is(user, Role.COORDINATOR, Role.ADMIN_STAFF):
        return True
    return _is(user, Role.TUTOR) and cohort.referent_tutor_id == user.pk


def can_manage_sessions(user: User, cohort: Cohort) -> bool:
    """A cohort's training sessions (issue 19 §1: list, generate, create, edit, move, split, cancel,
    restore): the coordinator, admin staff and the cohort's referent tutor."""
    return can_edit_cohort_calendar(user, cohort)


def can_run_signin(user: User, session: TrainingSession) -> bool:
    """A session's sign-in (issue 19 §2: open it, show its code, note who cannot sign, close and
    sign the sheet): those who manage the cohort's sessions, and the session's trainer."""
    if can_manage_sessions(user, session.cohort):
        return True
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR) and session.trainer_id == user.pk


def can_reopen_signin(user: User) -> bool:
    """Reopen a closed sheet (with a reason, kept in its history): the office only, never the trainer
    who signed it."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_override_calendar(user: User, apprentice: Apprentice) -> bool:
    """A day of one apprentice somewhere else than the rhythm says: same people as its cohort's key dates."""
    return can_edit_cohort_calendar(user, apprentice.cohort)


def can_subscribe_calendar_feed(user: User) -> bool:
    """Anyone with a calendar: apprentices, employer contacts, tutors, CREs, coordinator, admin staff."""
    return _role(user) is not None


def can_manage_attendance_settings(user: User) -> bool:
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_download_attendance_statement(user: User, apprentice: Apprentice) -> bool:
    """The monthly statement: staff who see the apprentice, the apprentice itself, its employer
    (the statement then holds only the days of that employer's contract)."""
    return _role(user) is not None and visible(user, Apprentice).filter(pk=apprentice.pk).exists()


# --- data in and out (issue 7) ---------------------------------------------------------------------

def can_import_data(user: User) -> bool:
    """Spreadsheet / ERP imports write many records at once: admin staff and the coordinator."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_export_tdb(user: User) -> bool:
    """The learners file for the State's dashboard: the coordinator and admin staff."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_build_evidence_pack(user: User) -> bool:
    """The Qualiopi evidence pack for the auditor: the coordinator and admin staff."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_retry_job(user: User, job: models.Model) -> bool:
    """« Relancer » a failed background job (import, TDB export, evidence pack, document batch,
    issue 17 §2): its owner only, who still holds the permission the job needed. The view has
    already fetched the job through the scope (404 outside it)."""
    if isinstance(job, DataImport):
        return can_import_data(user) and job.created_by_id == user.pk
    if isinstance(job, TdbExport):
        return can_export_tdb(user) and job.created_by_id == user.pk
    if isinstance(job, EvidencePack):
        return can_build_evidence_pack(user) and job.created_by_id == user.pk
    if isinstance(job, ListExport):
        return can_use_back_office(user) and job.created_by_id == user.pk
    if isinstance(job, DocumentBatch):
        return can_generate_cohort_documents(user, job.cohort) and job.requested_by_id == user.pk
    return False


def can_handle_personal_data_requests(user: User) -> bool:
    """GDPR (issue 17 §8): export a person's records for a subject access request, list and anonymise
    the records whose retention period is over — the coordinator and admin staff."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_use_api(user: User) -> bool:
    """The read API is for the OF's staff; each answer is scoped like the pages."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)


def can_review_justifications(user: User) -> bool:
    """The queue of absence proofs to accept or refuse: coordinator, admin staff, tutors (their
    cohorts — the attendance scope narrows the rows, ``can_review_justification`` each one)."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.TUTOR)


# --- admissions (issue 13 §1) ----------------------------------------------------------------------

def scope_candidates(user: User, qs: QuerySet) -> QuerySet:
    """Coordinator and admin staff run admissions and see every candidate. CREs see every candidate
    too (read only): they look for companies for admitted candidates before they start, and an
    employer may send the candidate itself. A tutor sees the candidates to the programmes of the
    cohorts it refers (it often holds the positioning interview and will follow them). Extranet
    accounts never: a candidate is not yet part of the OF."""
    role = _role(user)
    if role in SEE_ALL_ROLES or role == Role.CRE:
        return qs
    if role == Role.TUTOR:
        return qs.filter(programme__in=Cohort.objects.filter(referent_tutor=user).values("programme"))
    return qs.none()


def can_view_candidates(user: User) -> bool:
    """The admissions list and a candidate's page (scoped by ``scope_candidates``)."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)


def can_manage_candidates(user: User) -> bool:
    """Key in a candidate, move it along the pipeline, enrol it: the coordinator and admin staff."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_download_candidate_cv(user: User, candidate: Candidate) -> bool:
    """The CV holds personal data: whoever sees the candidate among the staff (the row is in scope)."""
    return can_view_candidates(user)


def can_enrol_candidate(user: User, candidate: Candidate) -> bool:
    return can_manage_candidates(user)


# --- staff accounts (issue 13) -------------------------------------------------------------------------

def can_view_staff(user: User) -> bool:
    """The list of the team's accounts and each account's page (read only): the coordinator and
    admin staff. Admin staff already see every account (``scope_users``) and the load per CRE and
    tutor on the dashboard; the list tells them who holds which portfolio and who left."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF)


def can_manage_staff(user: User) -> bool:
    """Create staff accounts, change their role, deactivate and reactivate them, and reassign what a
    departed account leaves behind: the coordinator only (it already decides portfolios and alerts)."""
    return _is(user, Role.COORDINATOR)


def can_set_staff_active(user: User, member: User) -> bool:
    """Deactivate or reactivate an account: the coordinator, never on its own account (the service
    also keeps the last active coordinator)."""
    return can_manage_staff(user) and member.pk != user.pk


# --- history of changes (issue 13 §4) -----------------------------------------------------------------

def can_view_history(user: User, obj: models.Model) -> bool:
    """The history of a record (who changed what, when): OF staff only, never the extranet — an
    apprentice or an employer opening a page they may see does not see who edited it. The record
    itself is already in the user's scope (the page fetched it through ``get_visible_or_404``);
    a staff account's history is shown where its page is, to who may open the team's accounts."""
    if isinstance(obj, User):
        return can_view_staff(user)
    return can_use_back_office(user)


# --- search (issue 13 §3) ----------------------------------------------------------------------------

def can_use_search(user: User) -> bool:
    """The search box: the OF's staff, and employer contacts — these search only their apprentices
    and their contracts, through the same scopes as everywhere (they have no page of their own
    company or contacts to open). An apprentice has only its own record: no search box."""
    return _is(user, Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.EMPLOYER)


# --- merging duplicates (issue 13 §3) --------------------------------------------------------------------

def can_merge_records(user: User) -> bool:
    """Merge two duplicate companies or apprentices (everything hanging from one moves to the other,
    which cannot be undone on screen): the coordinator only."""
    return _is(user, Role.COORDINATOR)
