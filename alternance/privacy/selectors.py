"""Reads of the GDPR feature: the records whose retention is over, and everything recorded about one
person for a subject access export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from alternance import access
from alternance.models import Apprentice, AttendanceRecord, PersonalDataExport, User, Visit
from alternance.privacy.retention import add_years, apprentice_years, contact_years, is_due, retention_end
from companies.models import CompanyContact, Interaction
from contracts.models import Contract, Document


@dataclass(frozen=True)
class DueRecord:
    subject: Apprentice | CompanyContact
    last_day: date
    retention_end: date


def _latest(*days: date | None) -> date | None:
    present = [d for d in days if d is not None]
    return max(present) if present else None


def apprentice_last_days(qs) -> dict[int, date]:
    """End of the relationship of each apprentice of ``qs`` (see ``retention``), in one query."""
    rows = qs.annotate(
        contract_end=Max(Coalesce("contracts__rupture_date", "contracts__end_date")),
    ).values_list("pk", "cohort__end_date", "exclusion_date", "contract_end")
    return {pk: _latest(cohort_end, exclusion, contract_end) for pk, cohort_end, exclusion, contract_end in rows}


def contact_last_days(qs) -> dict[int, date]:
    """End of the relationship of each company contact of ``qs`` (see ``retention``)."""
    rows = qs.annotate(
        last_interaction=Max(TruncDate("interactions__occurred_at")),
        supervised_end=Max(Coalesce("contracts_as_master__rupture_date", "contracts_as_master__end_date")),
        second_end=Max(Coalesce("contracts_as_second_master__rupture_date", "contracts_as_second_master__end_date")),
    ).values_list("pk", "company_id", "last_interaction", "supervised_end", "second_end")
    rows = list(rows)
    company_ids = {row[1] for row in rows}
    company_days = dict(
        Contract.objects.filter(company_id__in=company_ids).values("company_id")
        .annotate(last=Max(Coalesce("rupture_date", "end_date"))).values_list("company_id", "last")
    )
    created = dict(
        CompanyContact.objects.filter(pk__in=[r[0] for r in rows]).annotate(day=TruncDate("company__created_at")).values_list("pk", "day")
    )
    return {
        pk: _latest(interaction, supervised, second, company_days.get(company_id)) or created.get(pk)
        for pk, company_id, interaction, supervised, second in rows
    }


def _candidates_cutoff(today: date, years: int) -> date:
    """A day on or after the end of every relationship whose retention is over on ``today``: a
    relationship that ended later is kept, whatever its exact end (a 29 February moves ``add_years``
    by a day: two days of margin). The exact rule (``is_due``) then runs on these candidates only."""
    return add_years(today, -years) + timedelta(days=2)


def _ends_after(cutoff: date) -> Q:
    """A contract that ends (its rupture, else its end) after ``cutoff``."""
    return Q(rupture_date__gt=cutoff) | Q(rupture_date__isnull=True, end_date__gt=cutoff)


def apprentices_due(*, today: date, user: User | None = None, pks: list[int] | None = None) -> list[DueRecord]:
    """Apprentices, not yet anonymised, whose retention period is over on ``today`` (oldest first):
    those ``user`` may see, or all of them (the nightly task); ``pks``: among these only.

    The database first keeps the candidates (issue 18 §2: at 20 000 learners the page computed every
    learner's last day in Python): cohort, exclusion and every contract ended by the cutoff."""
    qs = (access.visible(user, Apprentice) if user is not None else Apprentice.objects.all()).filter(anonymised_at__isnull=True)
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    years = apprentice_years()
    cutoff = _candidates_cutoff(today, years)
    qs = (
        qs.filter(cohort__end_date__lte=cutoff)
        .filter(Q(exclusion_date__isnull=True) | Q(exclusion_date__lte=cutoff))
        .exclude(Exists(Contract.objects.filter(_ends_after(cutoff), apprentice=OuterRef("pk"))))
    )
    days = apprentice_last_days(qs)
    due_ids = [pk for pk, day in days.items() if is_due(day, years=years, today=today)]
    subjects = qs.filter(pk__in=due_ids).select_related("cohort")
    records = [DueRecord(a, days[a.pk], retention_end(days[a.pk], years=years)) for a in subjects]
    return sorted(records, key=lambda r: (r.retention_end, r.subject.pk))


def contacts_due(*, today: date, user: User | None = None, pks: list[int] | None = None) -> list[DueRecord]:
    """Company contacts, not yet anonymised, whose retention period is over on ``today`` (``pks``:
    among these only)."""
    qs = (access.visible(user, CompanyContact) if user is not None else CompanyContact.objects.all()).filter(anonymised_at__isnull=True)
    if pks is not None:
        qs = qs.filter(pk__in=pks)
    years = contact_years()
    cutoff = _candidates_cutoff(today, years)
    # Candidates: no interaction, no contract supervised and no contract of their company after the
    # cutoff (the company's creation, when none of these exist, is checked on the candidates).
    # One NOT EXISTS each (anti-joins; an OR of them would be a subplan per contact), the
    # interactions compared with the local midnight after the cutoff (an index range).
    after_cutoff = timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), time.min))
    qs = (
        qs.exclude(Exists(Interaction.objects.filter(contact=OuterRef("pk"), occurred_at__gte=after_cutoff)))
        .exclude(Exists(Contract.objects.filter(_ends_after(cutoff), master=OuterRef("pk"))))
        .exclude(Exists(Contract.objects.filter(_ends_after(cutoff), second_master=OuterRef("pk"))))
        .exclude(Exists(Contract.objects.filter(_ends_after(cutoff), company=OuterRef("company_id"))))
    )
    days = contact_last_days(qs)
    due_ids = [pk for pk, day in days.items() if is_due(day, years=years, today=today)]
    subjects = qs.filter(pk__in=due_ids).select_related("company")
    records = [DueRecord(c, days[c.pk], retention_end(days[c.pk], years=years)) for c in subjects]
    return sorted(records, key=lambda r: (r.retention_end, r.subject.pk))


# --- the « Dossiers à anonymiser » page: the lists kept an hour ---------------------------------------

# At 20 000 learners the lists take 40 to 50 ms of SQL (the anti-joins over every contact, interaction
# and contract of the organisation: issue 18 §2), for a page the nightly task makes nearly always
# empty. They are computed at most once an hour per person and day, and again after each
# anonymisation; the page says when. What they are used for is checked again, exactly: an
# anonymisation from the page recomputes its record (``apprentices_due(pks=…)``) and refuses one
# whose retention is not over any more; « Anonymiser tout » recomputes every record.
DUE_KEEP_SECONDS = 3600
_DUE_VERSION_KEY = "privacy:due:version"


@dataclass(frozen=True)
class DueLists:
    apprentices: list[DueRecord]
    contacts: list[DueRecord]
    computed_at: datetime


def due_lists(*, today: date, user: User, now: datetime) -> DueLists:
    """The records whose retention is over that ``user`` sees, computed at most once an hour; the
    subjects read again (an anonymised one leaves the list at once)."""
    key = f"privacy:due:{cache.get_or_set(_DUE_VERSION_KEY, 0, None)}:{user.pk}:{today.isoformat()}"
    kept = cache.get(key)
    if kept is None:
        kept = {
            "apprentices": [(r.subject.pk, r.last_day, r.retention_end) for r in apprentices_due(today=today, user=user)],
            "contacts": [(r.subject.pk, r.last_day, r.retention_end) for r in contacts_due(today=today, user=user)],
            "computed_at": now,
        }
        cache.set(key, kept, DUE_KEEP_SECONDS)
    apprentices = access.visible(user, Apprentice).filter(anonymised_at__isnull=True).select_related("cohort").in_bulk(
        [pk for pk, _day, _end in kept["apprentices"]]
    )
    contacts = access.visible(user, CompanyContact).filter(anonymised_at__isnull=True).select_related("company").in_bulk(
        [pk for pk, _day, _end in kept["contacts"]]
    )
    return DueLists(
        apprentices=[DueRecord(apprentices[pk], day, end) for pk, day, end in kept["apprentices"] if pk in apprentices],
        contacts=[DueRecord(contacts[pk], day, end) for pk, day, end in kept["contacts"] if pk in contacts],
        computed_at=kept["computed_at"],
    )


def due_lists_changed() -> None:
    """A record was anonymised: the lists are computed again on their next view (in this process;
    another one drops the anonymised record when it reads the subjects again)."""
    try:
        cache.incr(_DUE_VERSION_KEY)
    except ValueError:
        cache.set(_DUE_VERSION_KEY, 1, None)


def exports_of(user: User, *, apprentice: Apprentice | None = None, contact: CompanyContact | None = None):
    qs = access.visible(user, PersonalDataExport).select_related("created_by")
    return qs.filter(apprentice=apprentice) if apprentice is not None else qs.filter(contact=contact)


# --- What a subject access export holds -------------------------------------------------------------


def apprentice_records(apprentice: Apprentice) -> dict:
    """Querysets of everything recorded about ``apprentice`` (ordered: the export is reproducible)."""
    return {
        "contracts": Contract.objects.filter(apprentice=apprentice).select_related("company", "programme", "master", "second_master").order_by("start_date", "pk"),
        "attendance": AttendanceRecord.objects.filter(apprentice=apprentice).order_by("day", "half", "pk"),
        "visits": Visit.objects.filter(apprentice=apprentice).select_related("tutor", "contract").order_by("pk"),
        "documents": Document.objects.filter(Q(apprentice=apprentice) | Q(contract__apprentice=apprentice)).order_by("pk").distinct(),
    }


def contact_records(contact: CompanyContact) -> dict:
    return {
        "contracts": Contract.objects.filter(Q(master=contact) | Q(second_master=contact)).select_related("company", "programme").order_by("start_date", "pk"),
        "interactions": Interaction.objects.filter(contact=contact).select_related("author").order_by("occurred_at", "pk"),
        "visits": Visit.objects.filter(employer_submitted_by=contact.user).order_by("pk") if contact.user_id else Visit.objects.none(),
    }
