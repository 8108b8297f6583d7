"""Reads of the extranet (issue 6, parts 3 and 4): the apprentice's space, the employer's space, one
apprentice seen by its employer, and the employer's evaluations.

Every read goes through the access policy (``access.visible``) and carries the joins its template
needs; lists of rows (apprentices, documents, absences, visits) are one query each whatever their
length, so each page costs a fixed number of queries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from alternance import access
from alternance.attendance.services import attendance_statement_months
from alternance.choices import AttendanceStatus, JustificationStatus
from alternance.models import Apprentice, AttendanceRecord, Cohort, User, Visit
from alternance.planning import calendar as planning
from alternance.planning.rhythm import CENTRE, COMPANY, OFF
from companies.models import CompanyContact
from contracts.choices import ACTIVE_CONTRACT_STATUSES
from contracts.models import Contract, Document
from contracts.signatures import own_pending_signature_documents, signatures_to_sign, signatures_to_sign_count

ABSENCE_STATUSES = (AttendanceStatus.ABSENT, AttendanceStatus.LATE)
# An absence without an accepted proof, nor one waiting for the OF's review.
UNJUSTIFIED = (JustificationStatus.NONE, JustificationStatus.REFUSED)
RECENT_ABSENCES = 5  # on the apprentice's home page; the full list is on « Mes absences »
EMPLOYER_RECENT_ABSENCES = 20  # on the employer's home page, all its apprentices together
APPRENTICE_PAGE_ABSENCES = 50  # on the employer's page of one apprentice; the monthly statements hold every day
DAYS_AHEAD = 6  # "where I am": today and the next six days
# On a rest day, a holiday or a day off the rhythm, "where I am" also names the next day at the
# centre or in the company, looked for this many days ahead (a school holiday is a company day
# for an apprentice, so a month always holds one during the training).
NEXT_WORKING_HORIZON = 31
DONE_EVALUATIONS_PAGE = 25
# The employer's home shows its apprentices by pages (two cards a row): a group's HR follows dozens,
# and each card reads the apprentice's calendar.
EMPLOYER_APPRENTICES_PAGE = 24


# --- shared pieces -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A person to reach, with what a phone needs for tappable links."""

    role: str
    name: str
    email: str = ""
    phone: str = ""
    detail: str = ""

    @property
    def tel(self) -> str:
        """The number for a ``tel:`` link: digits and a leading +, French national numbers as typed."""
        return re.sub(r"[^\d+]", "", self.phone)


# What a contact card (``Contact``) reads of a staff account and of a company contact.
CONTACT_USER_FIELDS = ("first_name", "last_name", "email", "phone", "is_active")
CONTACT_MASTER_FIELDS = ("first_name", "last_name", "email", "phone", "job_title")


def _user_contact(role: str, person: User | None, detail: str = "") -> Contact | None:
    # A staff account closed (the person left the OF) is nobody to call any more.
    if person is None or not person.is_active:
        return None
    return Contact(role=role, name=person.get_full_name() or person.email, email=person.email, phone=person.phone, detail=detail)


def _company_contact(role: str, person: CompanyContact | None) -> Contact | None:
    if person is None:
        return None
    return Contact(role=role, name=person.full_name, email=person.email, phone=person.phone, detail=person.job_title)


def of_contacts(apprentice: Apprentice, contract: Contract | None) -> list[Contact]:
    """The OF's people for this apprentice: its referent tutor (the cohort's) and the CRE who owns the
    company of the contract. Both come from the records, already joined (no query)."""
    contacts = [_user_contact(str(_("Formateur·rice référent·e")), apprentice.cohort.referent_tutor, apprentice.cohort.name)]
    if contract is not None:
        contacts.append(_user_contact(str(_("Chargé·e de relations entreprises (CRE)")), contract.company.owner_cre, contract.company.name))
    return [contact for contact in contacts if contact is not None]


def masters_contacts(contract: Contract | None) -> list[Contact]:
    if contract is None:
        return []
    contacts = [
        _company_contact(str(_("Maître d'apprentissage")), contract.master),
        _company_contact(str(_("Second·e maître d'apprentissage")), contract.second_master),
    ]
    return [contact for contact in contacts if contact is not None]


@dataclass(frozen=True)
class DocumentLine:
    """A document of the list (includes/documents.html): its row, the line under its title
    (« du 07/12/2026 · version 2 ») and its download link, written here once per document rather
    than by two translations, a date and a URL lookup per row in the template (issue 18 §2)."""

    document: Document
    detail: str
    download_url: str


def document_line(document: Document) -> DocumentLine:
    detail = gettext("du %(day)s") % {"day": f"{timezone.localtime(document.created_at):%d/%m/%Y}"}
    if document.is_generated and document.version > 1:
        detail += " · " + gettext("version %(version)s") % {"version": document.version}
    return DocumentLine(document, detail, reverse("contracts:document_download", args=[document.pk]))


@dataclass
class DocumentGroup:
    kind: str
    label: str
    documents: list[DocumentLine] = field(default_factory=list)


# What the documents' list (includes/documents.html) shows of each: a document row also holds its
# file's metadata and fingerprints, and its contract's company was joined for nothing (issue 18 §2).
DOCUMENT_LIST_FIELDS = ("pk", "kind", "title", "created_at", "is_generated", "version")


def documents_by_kind(documents) -> list[DocumentGroup]:
    """Documents (already newest first) grouped by kind; the groups follow the newest document of each."""
    groups: dict[str, DocumentGroup] = {}
    for document in documents:
        group = groups.get(document.kind)
        if group is None:
            group = groups[document.kind] = DocumentGroup(kind=document.kind, label=str(document.get_kind_display()))
        group.documents.append(document_line(document))
    return list(groups.values())


# The counts above the absences' list: half-days of absence, lateness, and those still unjustified
# or waiting for the OF's review.
ABSENCE_COUNTS = {
    "absences": Q(status=AttendanceStatus.ABSENT),
    "lateness": Q(status=AttendanceStatus.LATE),
    "unjustified": Q(status=AttendanceStatus.ABSENT, justification__in=UNJUSTIFIED),
    "pending": Q(justification=JustificationStatus.PENDING),
}


# An apprentice's name as ``Apprentice.full_name`` writes it (a card, a row of a list).
APPRENTICE_NAME_FIELDS = Apprentice.NAME_FIELDS
# What the absences' table (includes/absences.html, without links) shows of each row.
ABSENCE_ROW_FIELDS = ("pk", "apprentice_id", "day", "half", "status", "minutes_late", "justification")


def latest_absences(records: QuerySet, limit: int) -> tuple[dict[str, int], list[AttendanceRecord]]:
    """The ``ABSENCE_COUNTS`` of ``records`` and their ``limit`` latest rows, in one query: the counts
    ride on each row as window aggregates over every row of ``records`` (a window is computed before
    the LIMIT). One query instead of two on the extranet pages (issue 18 §2)."""
    rows = list(
        records.only(*ABSENCE_ROW_FIELDS)
        .annotate(**{f"count_{name}": Window(Count("pk", filter=condition)) for name, condition in ABSENCE_COUNTS.items()})
        .order_by("-day", "half", "pk")[:limit]
    )
    summary = {name: getattr(rows[0], f"count_{name}") if rows else 0 for name in ABSENCE_COUNTS}
    return summary, rows


def _current(contracts: list[Contract]) -> Contract | None:
    """The current contract: an active one if any (latest start first), else the latest shown."""
    return next((c for c in contracts if c.status in ACTIVE_CONTRACT_STATUSES), contracts[0] if contracts else None)


# --- where the apprentice is -----------------------------------------------------------------------

# Bootstrap badges of the places (the calendar pages have their own CSS, calendar.css).
PLACE_BADGES = {CENTRE: "text-bg-primary", COMPANY: "text-bg-success", OFF: "text-bg-secondary"}


@dataclass(frozen=True)
class PlaceDay:
    """One day of ``planning``'s calendar (``DayPlace``: place "C"/"E"/"-"/None, label, note)."""

    day: date
    where: planning.DayPlace

    @property
    def place(self) -> str | None:
        return self.where.place

    @property
    def label(self) -> str:
        return self.where.label

    @property
    def note(self) -> str:
        return self.where.note

    @property
    def badge(self) -> str:
        return PLACE_BADGES.get(self.where.place or "", "text-bg-light border")

    @property
    def day_label(self) -> str:
        return planning.day_label(self.day)


WORKING_PLACES = (CENTRE, COMPANY)


def next_working_place(days: list[PlaceDay]) -> PlaceDay | None:
    """When the first day of ``days`` (today) is not spent at the centre or in the company (rest
    day, holiday, outside the training), the next day that is; ``None`` on a working day or when
    none comes within the list."""
    if not days or days[0].place in WORKING_PLACES:
        return None
    return next((item for item in days[1:] if item.place in WORKING_PLACES), None)


def week_places(apprentice: Apprentice, today: date) -> tuple[list[PlaceDay], PlaceDay | None]:
    """Where the apprentice is today and the next days, and — on a day off — the next working day:
    two queries (closures, exceptions) whatever the day."""
    days = planning.apprentice_days(apprentice, today, today + timedelta(days=NEXT_WORKING_HORIZON))
    ahead = [PlaceDay(day, where) for day, where in sorted(days.items())]
    return ahead[: DAYS_AHEAD + 1], next_working_place(ahead)


def places_today(
    user: User, apprentices: list[Apprentice], today: date, *, periods: dict[int, list[tuple[date, date]]] | None = None,
) -> dict[int, tuple[PlaceDay, PlaceDay | None]]:
    """Today's place of each apprentice as ``user`` may see it (an employer contact: only during its
    contracts — ``periods``, read here unless the caller has them) and, on a day off, its next
    working day — three queries whatever the number of apprentices and whatever the day."""
    if not apprentices:
        return {}
    ids = [a.pk for a in apprentices]
    end = today + timedelta(days=NEXT_WORKING_HORIZON)
    closures = planning.closures_between(today, end, {a.cohort_id for a in apprentices})
    overrides = planning.overrides_between(ids, today, end)
    if periods is None:
        periods = planning.contract_periods(user, ids)
    by_apprentice: dict[int, dict] = defaultdict(dict)
    for (pk, day), row in overrides.items():
        by_apprentice[pk][day] = row
    places = {}
    for apprentice in apprentices:
        kwargs = {
            "cohort": apprentice.cohort, "closures": closures, "overrides": by_apprentice[apprentice.pk],
            "periods": None if periods is None else periods.get(apprentice.pk, []),
        }

        def place(day: date, kwargs=kwargs) -> PlaceDay:
            return PlaceDay(day, planning.plan_days(start=day, end=day, **kwargs)[day])

        # Day by day, and only as far as needed: today alone on a working day — nearly always —,
        # else up to the next working day (an employer follows dozens: a week each cost 10 ms).
        first = place(today)
        following = None
        if first.place not in WORKING_PLACES:
            ahead = (place(day) for day in planning.days_between(today + timedelta(days=1), end))
            following = next((item for item in ahead if item.place in WORKING_PLACES), None)
        places[apprentice.pk] = (first, following)
    return places


# --- the apprentice's space --------------------------------------------------------------------------


def apprentice_space(user: User, *, today: date) -> dict:
    """The apprentice's home page: where it is this week, its contract, its contacts, its documents
    and its absences. A fixed number of queries."""
    # Only what the page shows of the widest records (a contract row and its company are 75
    # columns, an apprentice 45, a company contact 20 with its search keys): building and reading
    # the rest cost 3 ms of a 30 ms page at 20 000 learners, and each column read costs its
    # compilation too (issue 18 §2). The cohort comes whole (the calendar reads its rhythm and its
    # dates); of the people, what a contact card shows (``CONTACT_USER_FIELDS``,
    # ``CONTACT_MASTER_FIELDS``). Two queries: the apprentice read with its contracts (nine tables)
    # costs more to plan than the two apart.
    apprentice = (
        access.visible(user, Apprentice)
        .select_related("cohort__programme", "cohort__referent_tutor")
        .only("pk", "user_id", "first_name", "last_name", "usage_name", "status", "cohort__programme__title",
              *(f"cohort__{cohort_field.attname}" for cohort_field in Cohort._meta.concrete_fields),
              *(f"cohort__referent_tutor__{name}" for name in CONTACT_USER_FIELDS))
        .first()
    )
    if apprentice is None:
        return {"apprentice": None}
    contracts = list(
        access.visible(user, Contract)
        .filter(apprentice=apprentice)
        .select_related("company__owner_cre", "master", "second_master")
        .only("pk", "apprentice_id", "kind", "status", "start_date", "end_date", "company__name",
              *(f"company__owner_cre__{name}" for name in CONTACT_USER_FIELDS),
              *(f"{master}__{name}" for master in ("master", "second_master") for name in CONTACT_MASTER_FIELDS))
        .order_by("-start_date", "-pk")
    )
    contract = _current(contracts)
    # Every document the apprentice sees (its scope leaves out drafts' documents and the OF's
    # invoices); the signatures waiting are counted among them (one query less).
    documents = list(access.visible(user, Document).only(*DOCUMENT_LIST_FIELDS).order_by("-created_at", "-pk"))
    records = access.visible(user, AttendanceRecord).filter(apprentice=apprentice, status__in=ABSENCE_STATUSES)
    summary, recent_absences = latest_absences(records, RECENT_ABSENCES)
    days, next_working = week_places(apprentice, today)
    return {
        "apprentice": apprentice,
        "contract": contract,
        "contacts": of_contacts(apprentice, contract) + masters_contacts(contract),
        "days": days,
        "next_working": next_working,
        "document_groups": documents_by_kind(documents),
        "signatures_count": signatures_to_sign_count(user, visible_documents={document.pk for document in documents}),
        "absence_summary": summary,
        "absences": recent_absences,
    }


# --- the employer's space ----------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerContractLine:
    """A contract on an apprentice's card of the employer's home: written once per contract here
    rather than by a translation with two dates, a label and a name lookup per card in the
    template — 24 cards a page (issue 18 §2)."""

    company: str
    period: str  # « du 01/09/2026 au 31/08/2028 »
    status: str
    master: str  # « — » when none is named


def employer_contract_line(contract: Contract) -> EmployerContractLine:
    period = gettext("du %(start)s au %(end)s") % {"start": f"{contract.start_date:%d/%m/%Y}", "end": f"{contract.end_date:%d/%m/%Y}"}
    master = contract.master.full_name if contract.master_id and contract.master else "—"
    return EmployerContractLine(contract.company.name, period, str(contract.get_status_display()), master)


def employer_space(user: User, *, today: date, page: str | int | None = None) -> dict:
    """The employer's home page: its apprentices (every company it is an active contact of) by pages
    of ``EMPLOYER_APPRENTICES_PAGE``, with their contracts and today's place, the evaluations and
    absences to look at; a fixed number of queries whatever the number of apprentices."""
    # What a card shows, no more: an HR follows dozens of apprentices, and a contract row is wide.
    contracts = (
        access.visible(user, Contract).select_related("company", "master")
        .only("apprentice_id", "status", "start_date", "end_date", "company__name", "master__first_name", "master__last_name")
        .order_by("-start_date", "-pk")
    )
    all_apprentices = (
        access.visible(user, Apprentice)
        .select_related("cohort__programme")
        .only(*APPRENTICE_NAME_FIELDS, "cohort")
        .prefetch_related(Prefetch("contracts", queryset=contracts, to_attr="employer_contracts"))
        .order_by("last_name", "first_name", "pk")
    )
    paginator = Paginator(all_apprentices, EMPLOYER_APPRENTICES_PAGE)
    known = access.employer_apprentice_ids(user)
    if known is not None:
        # The apprentices' ids, read with the request's keys, count them: no COUNT query.
        paginator.count = len(known)
    page_obj = paginator.get_page(page)  # a page out of range or not a number shows the nearest one
    apprentices = list(page_obj.object_list)
    # The rows of the evaluations page's « À remplir » section (and of the menu's badge, which the
    # home passes on: ``views.home``), counted per apprentice.
    to_fill = dict(_to_fill(user).order_by().values("apprentice_id").annotate(n=Count("pk")).values_list("apprentice_id", "n"))
    absences = (
        access.visible(user, AttendanceRecord)
        .filter(status__in=ABSENCE_STATUSES)
        .select_related("apprentice")
        .only(*ABSENCE_ROW_FIELDS, *(f"apprentice__{name}" for name in APPRENTICE_NAME_FIELDS))
        .order_by("-day", "half", "pk")[:EMPLOYER_RECENT_ABSENCES]
    )
    # The periods an employer sees of each apprentice are those of the contracts just read.
    periods = {a.pk: [(c.start_date, c.end_date) for c in a.employer_contracts] for a in apprentices}
    places = places_today(user, apprentices, today, periods=periods)
    rows = []
    for a in apprentices:
        count = to_fill.get(a.pk, 0)
        rows.append({
            "apprentice": a, "contract": _current(a.employer_contracts), "place": places[a.pk][0],
            "next_place": places[a.pk][1], "to_fill": count, "url": reverse("employer_apprentice", args=[a.pk]),
            "contract_lines": [employer_contract_line(contract) for contract in a.employer_contracts],
            "to_fill_label": ngettext("%(count)s évaluation à remplir", "%(count)s évaluations à remplir", count) % {"count": count},
        })
    # The company's own documents, read with those of the signatures waiting for the user: which of
    # these it still sees is its « Documents à signer » count (one query less; issue 18 §2).
    pending = own_pending_signature_documents(user)
    documents = list(
        access.visible(user, Document)
        .filter(Q(contract__isnull=True, apprentice__isnull=True) | Q(pk__in=pending))
        .select_related("company")
        .only(*DOCUMENT_LIST_FIELDS, "contract_id", "apprentice_id", "company__name")
        .order_by("-created_at", "-pk")
    )
    company_documents = [d for d in documents if d.contract_id is None and d.apprentice_id is None]
    signatures_count = signatures_to_sign_count(user, pending=pending, visible_documents={d.pk for d in documents})
    return {
        "apprentices": apprentices,
        "rows": rows,
        "paginator": paginator,
        "page_obj": page_obj,
        "is_paginated": page_obj.has_other_pages(),
        "absences": list(absences),
        "evaluations_to_fill": sum(to_fill.values()),
        "company_documents": company_documents,
        "signatures_count": signatures_count,
    }


# --- one apprentice seen by its employer -----------------------------------------------------------


def employer_apprentice_get(user: User, pk: int) -> Apprentice:
    """The apprentice, or 404 when it has no contract the employer sees."""
    qs = Apprentice.objects.select_related("cohort__programme", "cohort__referent_tutor")
    return access.get_visible_or_404(user, qs, pk=pk)


def employer_apprentice_page(user: User, apprentice: Apprentice, *, today: date, year: int, month: int) -> dict:
    """What the employer follows of one apprentice: today's place and the calendar of one month, its
    contract(s) with the employer, absences during them with their justification and the monthly
    statements, documents and signatures, evaluations to fill, the OF's contacts. A fixed number of
    queries whatever the number of absences, documents or visits, the month shown or the day."""
    contracts = list(
        access.visible(user, Contract)
        .filter(apprentice=apprentice)
        .select_related("company__owner_cre", "master", "second_master", "programme")
        .order_by("-start_date", "-pk")
    )
    contract = _current(contracts)
    records = access.visible(user, AttendanceRecord).filter(apprentice=apprentice, status__in=ABSENCE_STATUSES)
    documents = (
        access.visible(user, Document)
        .filter(contract__apprentice=apprentice)
        .only(*DOCUMENT_LIST_FIELDS)
        .order_by("-created_at", "-pk")
    )
    # The requests on documents the employer still sees (not those of an ended contract of the same apprentice).
    to_sign = list(
        signatures_to_sign(user).filter(request__document__in=access.visible(user, Document).filter(contract__apprentice=apprentice))
    )
    visits = list(
        access.visible(user, Visit)
        .filter(apprentice=apprentice, employer_submitted_at__isnull=True)
        .select_related("tutor")
        .order_by("planned_date", "done_date", "pk")
    )
    calendar = planning.apprentice_month(
        apprentice, year, month, user=user, today=today, link=reverse("employer_apprentice", args=[apprentice.pk])
    )
    # Read on its own whatever the month shown: today's place and, on a day off, the next working
    # day (which may fall in the next month) — three queries, the same on every day.
    place, next_place = places_today(user, [apprentice], today)[apprentice.pk]
    summary, absences = latest_absences(records, APPRENTICE_PAGE_ABSENCES)
    contacts = of_contacts(apprentice, contract)
    # Several companies: the CRE of each contract the employer sees.
    for other in contracts:
        if other is not contract and other.company_id != (contract.company_id if contract else None):
            extra = _user_contact(str(_("Chargé·e de relations entreprises (CRE)")), other.company.owner_cre, other.company.name)
            if extra and extra not in contacts:
                contacts.append(extra)
    return {
        "apprentice": apprentice,
        "contracts": contracts,
        "contract": contract,
        "place": place,
        "next_place": next_place,
        "month": calendar,
        "absence_summary": summary,
        "absences": absences,
        "absences_limit": APPRENTICE_PAGE_ABSENCES,
        "statement_months": attendance_statement_months(user, apprentice),
        "document_groups": documents_by_kind(documents),
        "to_sign": to_sign,
        "visits_to_fill": visits,
        "contacts": contacts,
    }


# --- the employer's evaluations ----------------------------------------------------------------------


def _employer_visits(user: User) -> QuerySet:
    # What the evaluations' page shows of each visit: its kind and dates, the apprentice's name, the
    # company's. A visit joined whole to its apprentice, contract and company is 150 columns
    # (issue 18 §2); the tutor and the sender are on the visit's own page.
    return (
        access.visible(user, Visit)
        .filter(contract__isnull=False)
        .select_related("apprentice", "contract__company")
        .only("pk", "kind", "planned_date", "done_date", "employer_submitted_at",
              *(f"apprentice__{name}" for name in APPRENTICE_NAME_FIELDS), "contract__company__name")
    )


def _to_fill(user: User) -> QuerySet:
    return _employer_visits(user).filter(employer_submitted_at__isnull=True)


def employer_evaluations_to_fill(user: User) -> list[Visit]:
    """Visits and reviews of the employer's contracts whose employer part is still to fill, soonest first."""
    return list(_to_fill(user).order_by("planned_date", "done_date", "pk"))


def employer_evaluations_to_fill_count(user: User) -> int:
    """How many visits wait for the employer's part (one COUNT query): the navigation's badge, the
    same rows as the page's « À remplir » section it opens."""
    return _to_fill(user).count()


def employer_evaluations_done(user: User) -> QuerySet:
    """Those already sent, latest first."""
    return _employer_visits(user).filter(employer_submitted_at__isnull=False).order_by("-employer_submitted_at", "-pk")


def employer_visit_get(user: User, pk: int) -> Visit:
    """A visit of the employer's contracts, or 404 outside the user's scope."""
    qs = Visit.objects.select_related(
        "apprentice__cohort__programme", "apprentice__cohort__referent_tutor", "contract__company", "contract__master",
        "tutor", "employer_submitted_by",
    )
    return access.get_visible_or_404(user, qs, pk=pk)
