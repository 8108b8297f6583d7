"""The alternance calendar (issue 6, part 2): where an apprentice is, day by day, and what happens.

Where an apprentice is on a day — decisions of issue 6, in order of precedence:

1. **its own exception** (``CalendarOverride``, agreed with the employer) wins over everything below;
2. **a French public holiday** is a rest day ("-"), whatever the rhythm says (``contracts.deadlines``);
3. **outside the cohort's dates** ([``cohort.start_date``, ``cohort.end_date``]) the apprentice has
   no place (``None``): the rhythm only runs while the cohort is in training;
4. **an OF closure** (``ClosurePeriod`` of the whole OF or of the apprentice's cohort): a day the
   rhythm puts at the centre ("C") becomes a company day ("E") with the note "Centre fermé". The
   apprentice is an employee: when the centre is closed it goes to its company, unless it takes
   leave with its employer (that leave is the employer's business, not the OF's). Company and rest
   days are unchanged;
5. **the cohort's rhythm** (``rhythm.place_on`` with ``cycle_start = cohort.start_date``).

A closure only changes what the rhythm would put at the centre, and the rhythm only runs between
the cohort's dates, so steps 3 and 4 never compete. A cohort's calendar is the same without step 1.

Events shown on a calendar are the key dates (``KeyDate``) and the company visits (``Visit``: a
visit not done yet on its planned date, a visit done on the day it was done), each read through
``access.visible`` for the person looking. An employer contact sees an apprentice's days only
during the contracts the access policy gives it (the other days have no place, like the
attendance records it may read).

Every loader reads a period in a constant number of queries (closures, overrides, key dates,
visits, and an employer's contracts): never one query per day, apprentice or key date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cache, lru_cache
from typing import Any

import holidays
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS, WEEKDAYS_ABBR
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from alternance import access
from alternance.choices import Role, SessionStatus, VisitMode
from alternance.models import (
    Apprentice,
    CalendarFeedToken,
    CalendarOverride,
    ClosurePeriod,
    Cohort,
    KeyDate,
    TrainingSession,
    User,
    Visit,
)
from alternance.models.invitations import hash_token
from alternance.planning.rhythm import CENTRE, COMPANY, OFF, place_on
from contracts.deadlines import is_public_holiday
from contracts.models import Contract

# Where a place comes from (CSS classes and the legend use these).
SOURCE_OVERRIDE = "override"
SOURCE_HOLIDAY = "holiday"
SOURCE_CLOSURE = "closure"
SOURCE_RHYTHM = "rhythm"
SOURCE_OUTSIDE = "outside"
SOURCE_HIDDEN = "hidden"  # a day outside the contracts an employer contact may see

# The ICS feed's window (issue 6): 60 days back, 12 months ahead.
FEED_DAYS_BACK = 60
FEED_MONTHS_AHEAD = 12

UID_DOMAIN = "alternance"


# --- dates ------------------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (the day clipped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    return first, add_months(first, 1) - timedelta(days=1)


def days_between(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)


def school_year_of(day: date) -> int:
    """The first calendar year of the school year holding ``day`` (September → August)."""
    return day.year if day.month >= 9 else day.year - 1


def school_year_bounds(start_year: int) -> tuple[date, date]:
    return date(start_year, 9, 1), date(start_year + 1, 8, 31)


# Shown by the calendar pages when ``?mois=`` is malformed (issue 17 §16).
MONTH_IGNORED = gettext_lazy("Le mois demandé dans l'adresse n'est pas valide : voici le mois en cours.")


def month_param(value: str | None) -> tuple[int, int] | None:
    """``"2026-11"`` → ``(2026, 11)``; None when absent, malformed or outside 1900–2200."""
    try:
        year_text, month_text = (value or "").split("-")
        year, month = int(year_text), int(month_text)
        date(year, month, 1)
    except (ValueError, OverflowError):  # « 99999999999-01 » overflows date() (issue 17 §16)
        return None
    return (year, month) if 1900 <= year <= 2200 else None


def parse_month(value: str | None, *, default: date) -> tuple[int, int]:
    """``"2026-11"`` → ``(2026, 11)``; the month of ``default`` when absent or malformed."""
    return month_param(value) or (default.year, default.month)


def parse_school_year(value: str | None, *, default: date) -> int:
    """``"2026-2027"`` → ``2026``; the school year of ``default`` when absent or malformed."""
    try:
        first, second = (int(part) for part in (value or "").split("-"))
    except ValueError:
        return school_year_of(default)
    if second != first + 1 or not 1900 <= first <= 2200:
        return school_year_of(default)
    return first


def long_date(day: date) -> str:
    """« lundi 7 décembre 2026 » in the active language: the long date of every day cell (a month
    is 31 of them, each translating its day and month names: 1 ms of a calendar page), written once
    per day and language."""
    return _long_date(day, get_language())


@lru_cache(maxsize=2048)
def _long_date(day: date, language: str | None) -> str:
    return date_format(day, "l j F Y")


def day_label(day: date) -> str:
    """« lundi 7 décembre » in the active language: the day of an event or of a note under a month,
    of a line of « Où suis-je ? » — written once per day and language, like ``long_date``."""
    return _day_label(day, get_language())


@lru_cache(maxsize=2048)
def _day_label(day: date, language: str | None) -> str:
    return date_format(day, "l j F")


def month_title(year: int, month: int) -> str:
    """"novembre 2026" (the active language's month name)."""
    return date_format(date(year, month, 1), "F Y")


# --- one day ------------------------------------------------------------------------------------------

@cache
def _holiday_names(year: int) -> dict[date, str]:
    return dict(holidays.France(years=year, language="fr"))


def holiday_name(day: date) -> str | None:
    """The French name of the public holiday on ``day`` ("Armistice"), or None on other days."""
    if not is_public_holiday(day):
        return None
    return _holiday_names(day.year).get(day) or _("Jour férié")


# --- working days ---------------------------------------------------------------------------------
# The staff's "today" views say plainly when today is a weekend or a public holiday and show the
# next jour ouvré (Monday to Friday except public holidays, as in ``contracts.deadlines``): the OF
# works those days, so that is the day the team prepares for.

def is_working_day(day: date) -> bool:
    """Whether ``day`` is a jour ouvré: Monday to Friday and not a French public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def next_working_day(day: date) -> date:
    """The first jour ouvré strictly after ``day`` (at most a few days away: weekends and holidays)."""
    candidate = day + timedelta(days=1)
    while not is_working_day(candidate):
        candidate += timedelta(days=1)
    return candidate


@dataclass(frozen=True)
class DayOff:
    """Today is not a jour ouvré: why (the holiday's name, or the weekend) and the next one."""

    day: date
    reason: str
    next_working_day: date


def day_off(today: date) -> DayOff | None:
    """``None`` on a jour ouvré; otherwise why today is off and which day the OF works next."""
    if is_working_day(today):
        return None
    if not is_public_holiday(today):
        return DayOff(today, _("week-end"), next_working_day(today))
    return DayOff(today, _("jour férié (%(name)s)") % {"name": holiday_name(today)}, next_working_day(today))


PLACE_LABELS = {
    CENTRE: gettext_lazy("Centre de formation"), COMPANY: gettext_lazy("Entreprise"), OFF: gettext_lazy("Repos"),
    None: gettext_lazy("Hors période de formation"),
}


def place_label(place: str | None) -> str:
    """The French name of a place, translated once per place and language (a month resolves 31
    days, a school year 365)."""
    return _place_label(place, get_language())


@lru_cache(maxsize=64)
def _place_label(place: str | None, language: str | None) -> str:
    return str(PLACE_LABELS[place])


@dataclass(frozen=True)
class DayPlace:
    """Where an apprentice (or a cohort) is on a day.

    ``place``: "C" (centre de formation), "E" (entreprise), "-" (repos, jour férié) or None (outside
    the cohort's dates, or a day the viewer may not see); ``label``: the French name of the place;
    ``note``: why, when it is not the plain rhythm (the exception's reason, the holiday's name,
    "Centre fermé — <closure>"); ``source``: which rule decided (override, holiday, closure,
    rhythm, outside, hidden)."""

    place: str | None
    label: str
    note: str = ""
    source: str = SOURCE_RHYTHM

    @property
    def css(self) -> str:
        """CSS modifier of the day cell (calendar.css)."""
        if self.source == SOURCE_CLOSURE:
            return "closed"
        return {CENTRE: "centre", COMPANY: "company", OFF: "off"}.get(self.place or "", "none")

    @property
    def letter(self) -> str:
        return self.place or ""

    @property
    def is_exception(self) -> bool:
        return self.source == SOURCE_OVERRIDE


def resolve_day(
    day: date,
    *,
    cohort: Cohort,
    override: CalendarOverride | None = None,
    closures: Iterable[ClosurePeriod] = (),
) -> DayPlace:
    """The place of one day by the precedence of the module docstring (pure: no query).

    ``closures`` are the closure periods that apply to the cohort (whole OF or this cohort); those
    not covering ``day`` are ignored. ``override`` is the apprentice's exception for that day."""
    if override is not None:
        place = override.place
        return DayPlace(place, place_label(place), override.reason, SOURCE_OVERRIDE)
    name = holiday_name(day)
    if name:
        return DayPlace(OFF, _("Jour férié"), name, SOURCE_HOLIDAY)
    if not cohort.start_date <= day <= cohort.end_date:
        return DayPlace(None, place_label(None), "", SOURCE_OUTSIDE)
    place = place_on(day, pattern=cohort.rhythm_pattern, cycle_start=cohort.start_date)
    if place == CENTRE:
        closure = next((c for c in closures if c.start_date <= day <= c.end_date), None)
        if closure is not None:
            return DayPlace(COMPANY, place_label(COMPANY), closure_note(closure), SOURCE_CLOSURE)
    return DayPlace(place, place_label(place), "", SOURCE_RHYTHM)


def closure_note(closure: ClosurePeriod) -> str:
    return _("Centre fermé — %(label)s") % {"label": closure.label}


def _hidden_day() -> DayPlace:
    return DayPlace(None, _("Hors contrat avec votre entreprise"), "", SOURCE_HIDDEN)


# --- loading a period (constant number of queries) ---------------------------------------------------

def closures_between(start: date, end: date, cohort_ids: Iterable[int]) -> list[ClosurePeriod]:
    """Closures of the whole OF or of these cohorts overlapping [start, end] — one query."""
    return list(
        ClosurePeriod.objects.filter(start_date__lte=end, end_date__gte=start)
        .filter(Q(cohort__isnull=True) | Q(cohort_id__in=list(cohort_ids)))
        .order_by("start_date", "pk")
    )


def _closures_of(closures: Iterable[ClosurePeriod], cohort_id: int) -> list[ClosurePeriod]:
    return [c for c in closures if c.cohort_id is None or c.cohort_id == cohort_id]


def overrides_between(apprentice_ids: Iterable[int], start: date, end: date) -> dict[tuple[int, date], CalendarOverride]:
    """The exceptions of these apprentices in [start, end], by (apprentice id, day) — one query."""
    rows = CalendarOverride.objects.filter(apprentice_id__in=list(apprentice_ids), day__range=(start, end))
    return {(row.apprentice_id, row.day): row for row in rows}


def plan_days(
    *,
    cohort: Cohort,
    start: date,
    end: date,
    closures: Iterable[ClosurePeriod] = (),
    overrides: dict[date, CalendarOverride] | None = None,
    periods: list[tuple[date, date]] | None = None,
) -> dict[date, DayPlace]:
    """Every day of [start, end] resolved (pure). ``periods``: when given, only the days inside
    one of them are shown (an employer contact's contracts); the others are hidden."""
    closures = _closures_of(closures, cohort.pk)
    overrides = overrides or {}
    days = {}
    for day in days_between(start, end):
        if periods is not None and not any(first <= day <= last for first, last in periods):
            days[day] = _hidden_day()
        else:
            days[day] = resolve_day(day, cohort=cohort, override=overrides.get(day), closures=closures)
    return days


def place_for(apprentice: Apprentice, day: date) -> DayPlace:
    """Where ``apprentice`` is on ``day`` (precedence of the module docstring) — two queries."""
    return apprentice_days(apprentice, day, day)[day]


def apprentice_days(apprentice: Apprentice, start: date, end: date) -> dict[date, DayPlace]:
    """The apprentice's place on every day of [start, end] — two queries (closures, exceptions)."""
    cohort = apprentice.cohort
    overrides = {day: row for (_pk, day), row in overrides_between([apprentice.pk], start, end).items()}
    return plan_days(cohort=cohort, start=start, end=end, closures=closures_between(start, end, [cohort.pk]), overrides=overrides)


def place_without_override(apprentice: Apprentice, day: date) -> DayPlace:
    """What ``day`` would be for ``apprentice`` without its own exception (shown next to the
    exception form) — one query."""
    closures = closures_between(day, day, [apprentice.cohort_id])
    return resolve_day(day, cohort=apprentice.cohort, closures=_closures_of(closures, apprentice.cohort_id))


def cohort_days(cohort: Cohort, start: date, end: date) -> dict[date, DayPlace]:
    """The cohort's place on every day of [start, end] (no personal exceptions) — one query."""
    return plan_days(cohort=cohort, start=start, end=end, closures=closures_between(start, end, [cohort.pk]))


def places_on(apprentices: Iterable[Apprentice], day: date) -> dict[int, DayPlace]:
    """Where each apprentice is on ``day`` (its exception, holidays, closures, its cohort's
    rhythm) — two queries whatever the number of apprentices (their cohort must be loaded)."""
    apprentices = list(apprentices)
    if not apprentices:
        return {}
    closures = closures_between(day, day, {a.cohort_id for a in apprentices})
    overrides = overrides_between([a.pk for a in apprentices], day, day)
    return {
        a.pk: resolve_day(day, cohort=a.cohort, override=overrides.get((a.pk, day)), closures=_closures_of(closures, a.cohort_id))
        for a in apprentices
    }


# How far the register looks for the next or the last session of a cohort (a school year).
SESSION_SEARCH_DAYS = 366


def next_centre_day(cohort: Cohort, after: date) -> date | None:
    """The first day after ``after`` the cohort is at the centre (rhythm, public holidays and
    closures; personal exceptions aside) within a year and the cohort's dates — one query."""
    start, end = after + timedelta(days=1), min(after + timedelta(days=SESSION_SEARCH_DAYS), cohort.end_date)
    if end < start:
        return None
    return next((day for day, where in sorted(cohort_days(cohort, start, end).items()) if where.place == CENTRE), None)


def previous_centre_day(cohort: Cohort, before: date) -> date | None:
    """The last day up to ``before`` (included) the cohort was at the centre — one query."""
    start, end = max(before - timedelta(days=SESSION_SEARCH_DAYS), cohort.start_date), before
    if end < start:
        return None
    return next((day for day, where in sorted(cohort_days(cohort, start, end).items(), reverse=True) if where.place == CENTRE), None)


def _role(user: User) -> str | None:
    """The account's role when the access policy knows it (active account, known role), else None."""
    return user.role if access.can_subscribe_calendar_feed(user) else None


def _is_employer(user: User) -> bool:
    return _role(user) == Role.EMPLOYER


def contract_periods(user: User, apprentice_ids: Iterable[int]) -> dict[int, list[tuple[date, date]]] | None:
    """For an employer contact: the periods of the contracts the access policy gives it, per
    apprentice — one query. None for everyone else (they see every day of what they see)."""
    if not _is_employer(user):
        return None
    periods: dict[int, list[tuple[date, date]]] = defaultdict(list)
    rows = access.visible(user, Contract).filter(apprentice_id__in=list(apprentice_ids)).values_list(
        "apprentice_id", "start_date", "end_date"
    )
    for apprentice_id, start, end in rows:
        periods[apprentice_id].append((start, end))
    return periods


# --- events -------------------------------------------------------------------------------------------

EVENT_KEY_DATE = "key_date"
EVENT_VISIT = "visit"
EVENT_CENTRE = "centre"
EVENT_CLOSURE = "closure"
EVENT_SESSION = "session"


@dataclass
class CalendarEvent:
    """Something on a calendar: a key date, a visit, a centre day or a closure (ICS feed).

    ``day`` is the first day, ``last_day`` the last one (inclusive) for a multi-day event; a timed
    event has ``start_time`` (and ``end_time`` when known) in Europe/Paris."""

    uid: str
    kind: str
    title: str
    day: date
    last_day: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    location: str = ""
    description: str = ""
    who: str = ""  # the apprentice(s) concerned, on calendars that show several
    obj: Any = None  # the KeyDate / Visit / ClosurePeriod / TrainingSession behind it (edit links)

    @property
    def is_timed(self) -> bool:
        return self.start_time is not None

    @property
    def time_display(self) -> str:
        if self.start_time is None:
            return ""
        if self.end_time is None:
            return f"{self.start_time:%H:%M}"
        return f"{self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def sort_key(self) -> tuple:
        return (self.day, self.start_time or time.min, self.kind, self.uid)

    @property
    def day_label(self) -> str:
        return day_label(self.day)


def uid(kind: str, *parts: object) -> str:
    """A stable UID: the same event keeps its UID from one download of the feed to the next."""
    return "-".join([kind, *(str(part) for part in parts)]) + f"@{UID_DOMAIN}"


def key_date_event(key_date: KeyDate, *, who: str = "") -> CalendarEvent:
    description = key_date.get_kind_display()
    return CalendarEvent(
        uid=uid("keydate", key_date.pk), kind=EVENT_KEY_DATE, title=key_date.label, day=key_date.day,
        start_time=key_date.start_time, end_time=key_date.end_time, location=key_date.location,
        description=description, who=who, obj=key_date,
    )


def visit_event(visit: Visit, *, who: str = "") -> CalendarEvent:
    done = visit.done_date is not None
    day = visit.done_date if done else visit.planned_date
    title = (_("Visite réalisée : %(kind)s") if done else _("Visite prévue : %(kind)s")) % {"kind": visit.get_kind_display()}
    company = visit.contract.company.name if visit.contract_id and visit.contract else ""
    description = " — ".join(part for part in (visit.get_mode_display(), company) if part)
    return CalendarEvent(
        uid=uid("visit", visit.pk), kind=EVENT_VISIT, title=title, day=day, description=description,
        location=company if visit.mode == VisitMode.ON_SITE else "", who=who, obj=visit,
    )


def session_event(session: TrainingSession, *, who: str = "") -> CalendarEvent:
    """A planned training session (issue 19 §1): timed, its subject as title, its room as place."""
    trainer = session.trainer.get_full_name() if session.trainer_id and session.trainer else ""
    block = str(session.competence_block) if session.competence_block_id and session.competence_block else ""
    parts = [_("Séance de formation")]
    if trainer:
        parts.append(_("Formateur·rice : %(name)s") % {"name": trainer})
    if block:
        parts.append(block)
    return CalendarEvent(
        uid=uid("session", session.pk), kind=EVENT_SESSION, title=session.title, day=session.day,
        start_time=session.start_time, end_time=session.end_time, location=session.room,
        description=" — ".join(parts), who=who, obj=session,
    )


# The three reads of a calendar's events take what the events show (``key_date_event``,
# ``visit_event``, ``session_event``, the names of ``who``) and the columns their callers filter or
# group on, no more: a visit joined whole to its apprentice, contract and company is 135 columns
# (its report, its grids), for an event that shows a kind, a date and a company name; each column
# read costs its compilation and its loading on every calendar page (issue 18 §2).
_WHO = tuple(f"apprentice__{name}" for name in Apprentice.NAME_FIELDS)
SESSION_EVENT_FIELDS = (
    "pk", "cohort_id", "day", "start_time", "end_time", "subject", "room", "status",
    "trainer__first_name", "trainer__last_name", "competence_block__code", "competence_block__title",
)
KEY_DATE_EVENT_FIELDS = ("pk", "cohort_id", "apprentice_id", "kind", "label", "day", "start_time", "end_time", "location")
VISIT_EVENT_FIELDS = ("pk", "apprentice_id", "tutor_id", "kind", "mode", "planned_date", "done_date", "contract__company__name")


def _sessions(user: User, start: date, end: date, *, cohort_names: bool = False, **filters) -> list[TrainingSession]:
    """The planned (not cancelled) sessions ``user`` may see in [start, end] — one query;
    ``cohort_names``: with their cohort's name (a trainer's feed names it)."""
    related, fields = ("trainer", "competence_block"), SESSION_EVENT_FIELDS
    if cohort_names:
        related, fields = (*related, "cohort"), (*fields, "cohort__name")
    return list(
        access.visible(user, TrainingSession).filter(day__range=(start, end), status=SessionStatus.PLANNED, **filters)
        .select_related(*related).only(*fields).order_by("day", "start_time", "pk")
    )


def _key_dates(user: User, start: date, end: date, *, names: bool = True, **filters) -> list[KeyDate]:
    """``names``: a personal date with its apprentice's name (calendars of several apprentices);
    one apprentice's own calendar has no use for it (no join)."""
    qs = access.visible(user, KeyDate).filter(day__range=(start, end), **filters)
    qs = qs.select_related("apprentice").only(*KEY_DATE_EVENT_FIELDS, *_WHO) if names else qs.only(*KEY_DATE_EVENT_FIELDS)
    return list(qs.order_by("day", "start_time", "pk"))


def _visits(user: User, start: date, end: date, *, names: bool = True, **filters) -> list[Visit]:
    """``names``: each visit with its apprentice's name (as ``_key_dates``)."""
    window = Q(done_date__isnull=True, planned_date__range=(start, end)) | Q(done_date__range=(start, end))
    qs = access.visible(user, Visit).filter(window, **filters)
    if names:
        qs = qs.select_related("apprentice", "contract__company").only(*VISIT_EVENT_FIELDS, *_WHO)
    else:
        qs = qs.select_related("contract__company").only(*VISIT_EVENT_FIELDS)
    return list(qs.order_by("pk"))


# --- month views ----------------------------------------------------------------------------------------

@dataclass
class CalendarDay:
    day: date
    in_month: bool
    place: DayPlace | None = None
    events: list[CalendarEvent] = field(default_factory=list)
    is_today: bool = False
    override: CalendarOverride | None = None

    @property
    def css(self) -> str:
        return self.place.css if self.place is not None else "pad"

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def long_date(self) -> str:
        return long_date(self.day)

    @property
    def day_label(self) -> str:
        return day_label(self.day)


@dataclass
class MonthCalendar:
    """One month of a calendar, weeks × days from Monday (days of the adjacent months pad the first
    and last weeks, ``in_month=False``), with the month's events and closures and the links to the
    previous and next months. Rendered by ``templates/alternance/calendar/includes/month.html``."""

    year: int
    month: int
    subject: str  # "Alice Martin" / "BTS SIO 09/2026–06/2028 groupe 1"
    weeks: list[list[CalendarDay]]
    events: list[CalendarEvent]
    closures: list[ClosurePeriod]
    link: str  # the page showing this calendar; ``?mois=YYYY-MM`` selects the month
    today: date
    can_override: bool = False
    override_url: str = ""
    show_who: bool = False  # events name their apprentice (cohort calendars)
    dom_id: str = "calendrier"  # HTML id of the rendered month (htmx swaps it after an exception)

    @property
    def title(self) -> str:
        return month_title(self.year, self.month)

    @property
    def param(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def _shift(self, months: int) -> date:
        return add_months(date(self.year, self.month, 1), months)

    @property
    def prev_title(self) -> str:
        first = self._shift(-1)
        return month_title(first.year, first.month)

    @property
    def next_title(self) -> str:
        first = self._shift(1)
        return month_title(first.year, first.month)

    @property
    def prev_url(self) -> str:
        return f"{self.link}?mois={self._shift(-1):%Y-%m}"

    @property
    def next_url(self) -> str:
        return f"{self.link}?mois={self._shift(1):%Y-%m}"

    @property
    def current_url(self) -> str:
        return f"{self.link}?mois={self.param}"

    @property
    def days(self) -> list[CalendarDay]:
        return [cell for week in self.weeks for cell in week if cell.in_month]

    def place_of(self, day: date) -> DayPlace:
        return next(cell.place for cell in self.days if cell.day == day)

    @property
    def centre_days(self) -> int:
        return sum(1 for cell in self.days if cell.place and cell.place.place == CENTRE)

    @property
    def company_days(self) -> int:
        return sum(1 for cell in self.days if cell.place and cell.place.place == COMPANY)

    @property
    def weekdays(self) -> list[tuple[str, str]]:
        """(abbreviation, full name) from Monday."""
        return [(WEEKDAYS_ABBR[index], WEEKDAYS[index]) for index in range(7)]

    @property
    def noted_days(self) -> list[CalendarDay]:
        """In-month days with a note (exceptions, holidays, closures), listed under the table."""
        return [cell for cell in self.days if cell.place and cell.place.note]

    @property
    def school_year(self) -> str:
        start = school_year_of(date(self.year, self.month, 1))
        return f"{start}-{start + 1}"


def _month_grid(year: int, month: int, days: dict[date, DayPlace], events: list[CalendarEvent], *, today: date,
                overrides: dict[date, CalendarOverride] | None = None) -> list[list[CalendarDay]]:
    first, last = month_bounds(year, month)
    start = first - timedelta(days=first.weekday())
    end = last + timedelta(days=6 - last.weekday())
    by_day: dict[date, list[CalendarEvent]] = defaultdict(list)
    for event in events:
        for day in days_between(max(event.day, first), min(event.last_day or event.day, last)):
            by_day[day].append(event)
    overrides = overrides or {}
    weeks, week = [], []
    for day in days_between(start, end):
        if first <= day <= last:
            cell = CalendarDay(day, True, days[day], sorted(by_day[day], key=lambda e: e.sort_key), day == today,
                               overrides.get(day))
        else:
            cell = CalendarDay(day, False)
        week.append(cell)
        if len(week) == 7:
            weeks.append(week)
            week = []
    return weeks


def apprentice_month(
    apprentice: Apprentice, year: int, month: int, *, user: User, today: date | None = None, link: str | None = None
) -> MonthCalendar:
    """One month of an apprentice's calendar as ``user`` may see it: its places (precedence of the
    module docstring), its key dates (the cohort's and its own) and its visits, scoped by the access
    policy. ``link``: the page whose ``?mois=`` shows another month (default: the apprentice's
    calendar page). Five queries at most, whatever the number of key dates, visits or sessions."""
    today = today or timezone.localdate()
    first, last = month_bounds(year, month)
    periods = contract_periods(user, [apprentice.pk])
    overrides = {day: row for (_pk, day), row in overrides_between([apprentice.pk], first, last).items()}
    closures = closures_between(first, last, [apprentice.cohort_id])
    days = plan_days(
        cohort=apprentice.cohort, start=first, end=last, closures=closures, overrides=overrides,
        periods=None if periods is None else periods.get(apprentice.pk, []),
    )
    key_dates = _key_dates(user, first, last, names=False, cohort_id=apprentice.cohort_id)
    events = [key_date_event(kd) for kd in key_dates if kd.apprentice_id in (None, apprentice.pk)]
    events += [visit_event(visit) for visit in _visits(user, first, last, names=False, apprentice=apprentice)]
    if not _is_employer(user):
        # The apprentice's (and the staff's) view: its cohort's sessions. An employer contact sees the
        # centre days, not the timetable (as in its ICS feed).
        events += [session_event(s) for s in _sessions(user, first, last, cohort_id=apprentice.cohort_id)]
    events.sort(key=lambda e: e.sort_key)
    can_override = access.can_override_calendar(user, apprentice)
    return MonthCalendar(
        year=year, month=month, subject=apprentice.full_name,
        weeks=_month_grid(year, month, days, events, today=today, overrides=overrides if can_override else None),
        events=events, closures=_closures_of(closures, apprentice.cohort_id),
        link=link or reverse("apprentice_calendar", args=[apprentice.pk]), today=today,
        can_override=can_override,
        override_url=reverse("apprentice_calendar_override", args=[apprentice.pk]) if can_override else "",
        dom_id=f"calendrier-apprenti-{apprentice.pk}",
    )


def cohort_month(
    cohort: Cohort, year: int, month: int, *, user: User, today: date | None = None, link: str | None = None
) -> MonthCalendar:
    """One month of a cohort's calendar (rhythm, holidays, closures; no personal exceptions) with
    the key dates and visits of the cohort ``user`` may see, each naming its apprentice when it is
    personal. Four queries, whatever the number of apprentices, key dates, visits or sessions."""
    today = today or timezone.localdate()
    first, last = month_bounds(year, month)
    closures = closures_between(first, last, [cohort.pk])
    days = plan_days(cohort=cohort, start=first, end=last, closures=closures)
    events = [
        key_date_event(kd, who=kd.apprentice.full_name if kd.apprentice_id else "")
        for kd in _key_dates(user, first, last, cohort_id=cohort.pk)
    ]
    events += [visit_event(v, who=v.apprentice.full_name) for v in _visits(user, first, last, apprentice__cohort_id=cohort.pk)]
    events += [session_event(s) for s in _sessions(user, first, last, cohort_id=cohort.pk)]
    events.sort(key=lambda e: e.sort_key)
    return MonthCalendar(
        year=year, month=month, subject=cohort.name, weeks=_month_grid(year, month, days, events, today=today),
        events=events, closures=_closures_of(closures, cohort.pk),
        link=link or reverse("cohort_calendar", args=[cohort.pk]), today=today, show_who=True,
        dom_id=f"calendrier-promotion-{cohort.pk}",
    )


# --- school year (printable calendar) ---------------------------------------------------------------

@dataclass
class YearMonth:
    year: int
    month: int
    cells: list[DayPlace | None]  # 31 slots: the place of day 1..31, None where the month is shorter
    weekday_initials: list[str]
    event_days: set[int]

    @property
    def title(self) -> str:
        return month_title(self.year, self.month)

    @property
    def slots(self) -> list[dict]:
        return [
            {"day": index + 1, "place": place, "initial": self.weekday_initials[index], "event": index + 1 in self.event_days}
            for index, place in enumerate(self.cells)
        ]


@dataclass
class YearCalendar:
    """A school year (September → August) of a calendar, month by month, for the printable PDF."""

    start_year: int
    subject: str
    months: list[YearMonth]
    events: list[CalendarEvent]
    closures: list[ClosurePeriod]
    notes: list[tuple[date, DayPlace]]

    @property
    def title(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    @property
    def centre_days(self) -> int:
        return sum(1 for m in self.months for cell in m.cells if cell and cell.place == CENTRE)

    @property
    def company_days(self) -> int:
        return sum(1 for m in self.months for cell in m.cells if cell and cell.place == COMPANY)


WEEKDAY_INITIALS = ("L", "M", "M", "J", "V", "S", "D")


def _year(start_year: int, subject: str, days: dict[date, DayPlace], events: list[CalendarEvent],
          closures: list[ClosurePeriod]) -> YearCalendar:
    months = []
    event_days: dict[tuple[int, int], set[int]] = defaultdict(set)
    for event in events:
        event_days[(event.day.year, event.day.month)].add(event.day.day)
    for offset in range(12):
        first = add_months(date(start_year, 9, 1), offset)
        _first, last = month_bounds(first.year, first.month)
        cells: list[DayPlace | None] = [None] * 31
        initials = [""] * 31
        for day in days_between(first, last):
            cells[day.day - 1] = days[day]
            initials[day.day - 1] = WEEKDAY_INITIALS[day.weekday()]
        months.append(YearMonth(first.year, first.month, cells, initials, event_days[(first.year, first.month)]))
    notes = [(day, place) for day, place in sorted(days.items()) if place.note and place.source != SOURCE_HOLIDAY]
    return YearCalendar(start_year, subject, months, events, closures, notes)


def apprentice_year(apprentice: Apprentice, start_year: int, *, user: User) -> YearCalendar:
    """The apprentice's school year from 1 September ``start_year`` to 31 August, as ``user`` may
    see it (same rules and scope as ``apprentice_month``) — five queries at most."""
    first, last = school_year_bounds(start_year)
    periods = contract_periods(user, [apprentice.pk])
    overrides = {day: row for (_pk, day), row in overrides_between([apprentice.pk], first, last).items()}
    closures = closures_between(first, last, [apprentice.cohort_id])
    days = plan_days(
        cohort=apprentice.cohort, start=first, end=last, closures=closures, overrides=overrides,
        periods=None if periods is None else periods.get(apprentice.pk, []),
    )
    events = [key_date_event(kd) for kd in _key_dates(user, first, last, names=False, cohort_id=apprentice.cohort_id)
              if kd.apprentice_id in (None, apprentice.pk)]
    events += [visit_event(visit) for visit in _visits(user, first, last, names=False, apprentice=apprentice)]
    events.sort(key=lambda e: e.sort_key)
    return _year(start_year, apprentice.full_name, days, events, _closures_of(closures, apprentice.cohort_id))


def cohort_year(cohort: Cohort, start_year: int, *, user: User) -> YearCalendar:
    """The cohort's school year (no personal exceptions) with its cohort-wide key dates — two queries."""
    first, last = school_year_bounds(start_year)
    closures = closures_between(first, last, [cohort.pk])
    days = plan_days(cohort=cohort, start=first, end=last, closures=closures)
    events = [key_date_event(kd) for kd in _key_dates(user, first, last, names=False, cohort_id=cohort.pk, apprentice__isnull=True)]
    return _year(start_year, cohort.name, days, events, _closures_of(closures, cohort.pk))


# --- the ICS feed's events ------------------------------------------------------------------------------

def feed_window(today: date) -> tuple[date, date]:
    """60 days back, 12 months ahead (issue 6)."""
    return today - timedelta(days=FEED_DAYS_BACK), add_months(today, FEED_MONTHS_AHEAD)


def _closure_event(closure: ClosurePeriod, *, description: str) -> CalendarEvent:
    return CalendarEvent(
        uid=uid("closure", closure.pk), kind=EVENT_CLOSURE, title=_("Centre fermé : %(label)s") % {"label": closure.label},
        day=closure.start_date, last_day=closure.end_date, description=description, obj=closure,
    )


def _names(apprentices: Iterable[Apprentice]) -> str:
    return ", ".join(sorted(a.full_name for a in apprentices))


def events_for_user(user: User, start: date, end: date) -> list[CalendarEvent]:
    """Everything ``user``'s private ICS feed holds between ``start`` and ``end`` (inclusive).

    - apprentice: each of its centre days ("Au centre de formation"), the closures of the OF and of
      its cohort (as notes: on those days it goes to its company), its key dates and its visits;
    - employer contact: the same for each apprentice the access policy gives it, the apprentice's
      name in the summary, centre days only during that employer's contracts;
    - tutor: its own visits, the key dates of the cohorts it refers, the closures of the OF and of
      those cohorts;
    - coordinator, admin staff, CRE: the closures of the whole OF (a cheap, useful rule: when the
      centre is closed; key dates of every cohort would drown their calendar);
    - training sessions (issue 19 §1): an apprentice the planned sessions of its cohort; a staff
      member the planned sessions it trains.

    A constant number of queries whatever the number of apprentices, key dates or visits."""
    role = _role(user)
    if role in (Role.APPRENTICE, Role.EMPLOYER):
        return _extranet_events(user, start, end, employer=role == Role.EMPLOYER)
    if role == Role.TUTOR:
        return _tutor_events(user, start, end)
    if role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE):
        description = _("Le centre de formation est fermé pour tout l'organisme.")
        events = [_closure_event(c, description=description) for c in closures_between(start, end, [])]
        events += _trained_session_events(user, start, end)
        return sorted(events, key=lambda e: e.sort_key)
    return []


def _trained_session_events(user: User, start: date, end: date) -> list[CalendarEvent]:
    """The planned sessions ``user`` trains, each naming its cohort — one query."""
    events = []
    for session in _sessions(user, start, end, cohort_names=True, trainer=user):
        event = session_event(session, who=session.cohort.name)
        event.title = f"{event.title} — {session.cohort.name}"
        events.append(event)
    return events


def _extranet_events(user: User, start: date, end: date, *, employer: bool) -> list[CalendarEvent]:
    apprentices = list(access.visible(user, Apprentice).select_related("cohort").order_by("last_name", "first_name", "pk"))
    if not apprentices:
        return []
    ids = [a.pk for a in apprentices]
    periods = contract_periods(user, ids)
    closures = closures_between(start, end, {a.cohort_id for a in apprentices})
    overrides = overrides_between(ids, start, end)
    by_override: dict[int, dict[date, CalendarOverride]] = defaultdict(dict)
    for (apprentice_id, day), row in overrides.items():
        by_override[apprentice_id][day] = row
    events: list[CalendarEvent] = []
    for apprentice in apprentices:
        days = plan_days(
            cohort=apprentice.cohort, start=start, end=end, closures=closures, overrides=by_override[apprentice.pk],
            periods=None if periods is None else periods.get(apprentice.pk, []),
        )
        suffix = f" — {apprentice.full_name}" if employer else ""
        for day, place in days.items():
            if place.place == CENTRE:
                events.append(CalendarEvent(
                    uid=uid("centre", apprentice.pk, f"{day:%Y%m%d}"), kind=EVENT_CENTRE,
                    title=_("Au centre de formation") + suffix, day=day, description=place.note,
                    who=apprentice.full_name,
                ))
    for closure in closures:
        concerned = [a for a in apprentices if closure.cohort_id in (None, a.cohort_id)]
        if employer:
            description = _(
                "Le centre de formation est fermé : les jours prévus au centre se passent en entreprise "
                "(sauf congé posé auprès de l'employeur). Concerne : %(names)s."
            ) % {"names": _names(concerned)}
        else:
            description = _(
                "Le centre de formation est fermé : les jours prévus au centre se passent en entreprise, "
                "sauf congé posé auprès de votre employeur."
            )
        events.append(_closure_event(closure, description=description))
    by_cohort: dict[int, list[Apprentice]] = defaultdict(list)
    for apprentice in apprentices:
        by_cohort[apprentice.cohort_id].append(apprentice)
    for key_date in _key_dates(user, start, end, cohort_id__in={a.cohort_id for a in apprentices}):
        concerned = [key_date.apprentice] if key_date.apprentice_id else by_cohort[key_date.cohort_id]
        event = key_date_event(key_date, who=_names(concerned))
        if employer:
            event.title = f"{event.title} — {event.who}"
        events.append(event)
    for visit in _visits(user, start, end, apprentice_id__in=ids):
        event = visit_event(visit, who=visit.apprentice.full_name)
        if employer:
            event.title = f"{event.title} — {event.who}"
        events.append(event)
    if not employer:
        events += [session_event(s) for s in _sessions(user, start, end, cohort_id__in=list(by_cohort))]
    return sorted(events, key=lambda e: e.sort_key)


def _tutor_events(user: User, start: date, end: date) -> list[CalendarEvent]:
    cohorts = list(access.visible(user, Cohort).filter(referent_tutor=user).values_list("pk", "name"))
    names = dict(cohorts)
    events: list[CalendarEvent] = []
    for visit in _visits(user, start, end, tutor=user):
        event = visit_event(visit, who=visit.apprentice.full_name)
        event.title = f"{event.title} — {event.who}"
        events.append(event)
    for key_date in _key_dates(user, start, end, cohort_id__in=list(names)):
        who = key_date.apprentice.full_name if key_date.apprentice_id else names[key_date.cohort_id]
        event = key_date_event(key_date, who=who)
        event.title = f"{event.title} — {who}"
        events.append(event)
    for closure in closures_between(start, end, list(names)):
        scope = names[closure.cohort_id] if closure.cohort_id else _("tout l'organisme")
        events.append(_closure_event(closure, description=_("Fermeture : %(scope)s.") % {"scope": scope}))
    events += _trained_session_events(user, start, end)
    return sorted(events, key=lambda e: e.sort_key)


# --- feed tokens (reads) -----------------------------------------------------------------------------------

def calendar_feed_live(user: User) -> CalendarFeedToken | None:
    """The account's live feed (at most one, database constraint), or None."""
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def calendar_feed_lookup(token: str) -> CalendarFeedToken | None:
    """The live feed of a clear token whose account is still active, or None (unknown, revoked,
    account deactivated): the public feed answers 404 in every such case."""
    if not token:
        return None
    feed = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return feed
