"""The coordinator's steering indicators (issue 5, part 1; domain.md §5 and §8).

Each indicator is a function ``(user, *, today) -> Indicator``: every read goes through
``access.visible`` and costs a fixed number of queries (aggregates, ``values()`` grouped rows),
whatever the number of apprentices, contracts or cohorts. Nothing here reads the clock: callers
pass ``today``.

Targets. None of these figures has a legal target; the values below are the OF's own objectives,
kept here as constants (one place, reviewed with the coordinator) rather than settings, because
they change with the OF's quality plan, not with the deployment. The two that already exist as
staff-editable thresholds are read from ``alerts.models.RuleSettings`` instead of being repeated:
the minimum attendance rate and the maximum CRE load.

Trends. A trend compares the figure with the same figure 4 weeks earlier (``TREND_DAYS``), when
the database keeps the history needed to recompute it (contract dates, rupture dates, attendance
days, visit dates). Figures that are snapshots of a status without history (apprentices seeking,
placement rate, alerts waiting for validation, OPCO board) have no trend (``previous`` is None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from alerts.choices import AlertStatus
from alerts.models import Alert, RuleSettings
from alternance import access
from alternance.choices import ApprenticeStatus, AttendanceStatus, Role
from alternance.models import Apprentice, AttendanceRecord, AttendanceTally, Cohort, User
from contracts.choices import ACTIVE_CONTRACT_STATUSES, ContractStatus, RuptureKind
from contracts.models import Contract, ContractSettings
from contracts.selectors import ruptured_between

# --- targets (the OF's objectives, not legal values) -----------------------------------------------

# Share of enrolled learners of current cohorts under contract (domain §5: placing learners
# without a company within the 3-month limit). OF's objective.
PLACEMENT_RATE_TARGET = Decimal("90")
# Ruptures over 12 months / contracts in force during the period. OF's objective (Qualiopi
# indicator 12: prevention of ruptures, domain §8); national rates are commonly quoted around
# 25–30 % [check], the OF aims lower.
RUPTURE_RATE_TARGET = Decimal("15")
# Visits done on time (Qualiopi indicator 13: follow-up of the learner in the company). OF's objective.
VISITS_ON_TIME_TARGET = Decimal("95")
# About one CRE per 80–100 active contracts (domain §1 and §5); the upper bound is the alert
# threshold of ``RuleSettings.cre_max_active_contracts``, the lower bound keeps the article's ratio
# (80 % of it: 80 for 100), so an OF that lowers the maximum gets a coherent range.
CRE_LOAD_LOW_RATIO = Decimal("0.8")

TREND_DAYS = 28  # "the same figure 4 weeks earlier"
ATTENDANCE_WINDOW_DAYS = 30
RUPTURE_WINDOW_DAYS = 365
SERIES_MONTHS = 12
# Days without a company: < 30, 30–59, 60–89, ≥ 90 (the TDB counts 90 days for the 3-month limit).
SEEKING_BUCKETS = ((0, 30), (30, 60), (60, 90), (90, None))

# Contracts under which the apprentice was employed at some point (drafts, contracts waiting for
# signatures and contracts the OPCO refused never ran).
RAN_STATUSES = (*ACTIVE_CONTRACT_STATUSES, ContractStatus.ENDED, ContractStatus.BROKEN)


# --- the result type -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Detail:
    """A sub-figure of an indicator (a bucket, a stage, a rule) with the list behind it."""

    label: str
    value: int | Decimal | None
    url: str | None = None


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    value: int | Decimal | None  # None: nothing to measure (e.g. no attendance recorded)
    unit: str = "count"  # "count" or "percent"
    target: int | Decimal | None = None
    target_label: str = ""  # e.g. "≥ 90 %", "0", "80–100"
    higher_is_better: bool | None = None  # None: neither (a volume)
    previous: int | Decimal | None = None  # the same figure TREND_DAYS earlier
    url: str | None = None
    details: tuple[Detail, ...] = ()
    note: str = ""

    @property
    def delta(self) -> int | Decimal | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def trend(self) -> str | None:
        """"up", "down", "flat" or None when there is no earlier figure."""
        delta = self.delta
        if delta is None:
            return None
        return "up" if delta > 0 else "down" if delta < 0 else "flat"

    @property
    def trend_is_good(self) -> bool | None:
        if self.trend in (None, "flat") or self.higher_is_better is None:
            return None
        return (self.trend == "up") == self.higher_is_better

    @property
    def on_target(self) -> bool | None:
        if self.value is None or self.target is None or self.higher_is_better is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target


def percent(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator in %, one decimal, half up; None when the denominator is 0."""
    if not denominator:
        return None
    return (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def url_for(name: str, **params) -> str:
    url = reverse(name)
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{url}?{urlencode(params)}" if params else url


def _in_force_on(day: date) -> Q:
    """A contract that ran and covered ``day`` (its last day: rupture date, else end date)."""
    return Q(status__in=RAN_STATUSES, start_date__lte=day, last_day__gte=day)


def _contracts(user: User):
    return access.visible(user, Contract).annotate(last_day=Coalesce("rupture_date", "end_date"))


# --- contracts ---------------------------------------------------------------------------------------

def active_contracts(user: User, *, today: date) -> Indicator:
    """Contracts in an active status today (the contract list's "active" filter). The trend
    compares contracts in force by their dates today and 4 weeks earlier. One query."""
    before = today - timedelta(days=TREND_DAYS)
    counts = _contracts(user).aggregate(
        active=Count("pk", filter=Q(status__in=ACTIVE_CONTRACT_STATUSES)),
        now=Count("pk", filter=_in_force_on(today)),
        before=Count("pk", filter=_in_force_on(before)),
    )
    # The trend is measured by dates (the only history kept), applied to today's value.
    previous = counts["active"] - (counts["now"] - counts["before"])
    return Indicator(
        key="active_contracts", label=_("Contrats actifs"), value=counts["active"], previous=previous,
        url=url_for("contracts:contract_list", status="active"),
    )


def rupture_rate(user: User, *, today: date) -> Indicator:
    """Ruptures over the last 12 months (rupture date in (today − 365 days, today]) divided by the
    contracts that ran at some point in that period; detail: the share of those ruptures that
    happened during the 45-day free period (``rupture_kind == free_period``). The trend is the
    same rate over the 12 months ending 4 weeks earlier. One query."""

    def window(end: date) -> dict:
        start = end - timedelta(days=RUPTURE_WINDOW_DAYS - 1)
        return {
            "ruptures": ruptured_between(start, end),
            "free": ruptured_between(start, end) & Q(rupture_kind=RuptureKind.FREE_PERIOD),
            "ran": Q(status__in=RAN_STATUSES, start_date__lte=end, last_day__gte=start),
        }

    now, before = window(today), window(today - timedelta(days=TREND_DAYS))
    counts = _contracts(user).aggregate(
        **{f"now_{k}": Count("pk", filter=v) for k, v in now.items()},
        **{f"before_{k}": Count("pk", filter=v) for k, v in before.items()},
    )
    value = percent(counts["now_ruptures"], counts["now_ran"])
    # The list of the ruptures counted: every contract broken in the window, whatever its status now.
    ruptures_url = url_for("contracts:contract_list", rupture_du=(today - timedelta(days=RUPTURE_WINDOW_DAYS - 1)).isoformat(),
                           rupture_au=today.isoformat())
    return Indicator(
        key="rupture_rate", label=_("Taux de rupture sur 12 mois"), value=value, unit="percent",
        target=RUPTURE_RATE_TARGET, target_label=f"≤ {RUPTURE_RATE_TARGET} %", higher_is_better=False,
        previous=percent(counts["before_ruptures"], counts["before_ran"]),
        url=ruptures_url,
        details=(
            Detail(_("Ruptures"), counts["now_ruptures"], ruptures_url),
            Detail(_("Contrats en cours sur la période"), counts["now_ran"]),
            Detail(_("Part des ruptures pendant les 45 premiers jours (%)"), percent(counts["now_free"], counts["now_ruptures"])),
        ),
    )


def _month_starts(today: date, months: int = SERIES_MONTHS) -> list[date]:
    """First days of the last ``months`` months, oldest first, the current month last."""
    year, month = today.year, today.month
    starts = []
    for _i in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def _month_end(start: date) -> date:
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class MonthlySeries:
    label: str
    points: tuple[tuple[date, int], ...]  # (first day of the month, value)


def active_contracts_series(user: User, *, today: date) -> MonthlySeries:
    """Contracts in force at the end of each of the last 12 months (today for the current month).
    One query: one conditional count per month."""
    months = _month_starts(today)
    ends = [min(_month_end(m), today) for m in months]
    counts = _contracts(user).aggregate(**{f"m{i}": Count("pk", filter=_in_force_on(end)) for i, end in enumerate(ends)})
    return MonthlySeries(_("Contrats en cours, fin de mois"), tuple((m, counts[f"m{i}"]) for i, m in enumerate(months)))


def ruptures_series(user: User, *, today: date) -> MonthlySeries:
    """Ruptures per month (rupture date) over the last 12 months. One query (TruncMonth)."""
    months = _month_starts(today)
    rows = (
        access.visible(user, Contract)
        .filter(rupture_date__gte=months[0], rupture_date__lte=today)
        .annotate(month=TruncMonth("rupture_date"))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    by_month = {_as_date(row["month"]): row["n"] for row in rows}
    return MonthlySeries(_("Ruptures par mois"), tuple((m, by_month.get(m, 0)) for m in months))


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- apprentices -------------------------------------------------------------------------------------

def without_company(user: User, *, today: date) -> Indicator:
    """Apprentices seeking a company, and for how long (today − ``status_since``) in buckets
    < 30, 30–59, 60–89 and ≥ 90 days. One query. No trend: statuses keep no history."""
    conditions = {}
    for low, high in SEEKING_BUCKETS:
        condition = Q(status=ApprenticeStatus.SEEKING, status_since__lte=today - timedelta(days=low))
        if high is not None:
            condition &= Q(status_since__gt=today - timedelta(days=high))
        conditions[f"b{low}"] = Count("pk", filter=condition)
    counts = access.visible(user, Apprentice).aggregate(total=Count("pk", filter=Q(status=ApprenticeStatus.SEEKING)), **conditions)
    labels = {0: _("moins de 30 jours"), 30: _("30 à 59 jours"), 60: _("60 à 89 jours"), 90: _("90 jours et plus")}
    return Indicator(
        key="without_company", label=_("Apprenti·es sans entreprise"), value=counts["total"],
        target=0, target_label="0", higher_is_better=False,
        url=url_for("apprentice_list", status=ApprenticeStatus.SEEKING),
        details=tuple(Detail(labels[low], counts[f"b{low}"]) for low, _high in SEEKING_BUCKETS),
    )


def _current_cohorts(today: date) -> Q:
    return Q(cohort__start_date__lte=today, cohort__end_date__gte=today)


def placement_rate(user: User, *, today: date) -> Indicator:
    """Apprentices of the current cohorts (start ≤ today ≤ end) under contract, divided by the
    apprentices of those cohorts who have not dropped out. One query."""
    counts = access.visible(user, Apprentice).filter(_current_cohorts(today)).aggregate(
        placed=Count("pk", filter=Q(status=ApprenticeStatus.UNDER_CONTRACT)),
        enrolled=Count("pk", filter=~Q(status=ApprenticeStatus.DROPPED_OUT)),
    )
    return Indicator(
        key="placement_rate", label=_("Taux de placement (promotions en cours)"),
        value=percent(counts["placed"], counts["enrolled"]), unit="percent",
        target=PLACEMENT_RATE_TARGET, target_label=f"≥ {PLACEMENT_RATE_TARGET} %", higher_is_better=True,
        url=url_for("apprentice_list", status=ApprenticeStatus.UNDER_CONTRACT),
        details=(Detail(_("Sous contrat"), counts["placed"]), Detail(_("Inscrit·es (hors abandons)"), counts["enrolled"])),
    )


def _attendance_window(end: date) -> Q:
    return Q(day__gt=end - timedelta(days=ATTENDANCE_WINDOW_DAYS), day__lte=end)


PRESENT_STATUSES = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


@dataclass
class AttendanceCounts:
    """Half-days recorded and present (or late) over the 30-day window ending today ("now") and
    the one ending 4 weeks earlier ("before")."""

    now_present: int = 0
    now_all: int = 0
    before_present: int = 0
    before_all: int = 0

    def add(self, other: AttendanceCounts) -> None:
        for name in ("now_present", "now_all", "before_present", "before_all"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def attendance_by_cohort(user: User, *, today: date) -> dict[int, AttendanceCounts]:
    """Attendance counts per cohort, both windows at once, for the attendance rate (summed over
    every cohort) and the breakdown (current cohorts). One query: over the tallies per cohort and
    day (``attendance.tallies``) for whoever sees the whole register — a few thousand rows instead
    of the register's hundreds of thousands — else over the rows of the register it may see."""
    before = today - timedelta(days=TREND_DAYS)
    first_day = before - timedelta(days=ATTENDANCE_WINDOW_DAYS)
    now, then = _attendance_window(today), _attendance_window(before)
    if access.sees_whole_register(user):
        rows = (
            access.visible(user, AttendanceTally)
            .filter(day__gt=first_day, day__lte=today)
            .order_by()
            .values("cohort_id")
            .annotate(
                now_present=Sum("attended", filter=now), now_all=Sum("recorded", filter=now),
                before_present=Sum("attended", filter=then), before_all=Sum("recorded", filter=then),
            )
        )
        key = "cohort_id"
    else:
        rows = (
            access.visible(user, AttendanceRecord)
            .filter(day__gt=first_day, day__lte=today)
            .order_by()
            .values("apprentice__cohort_id")
            .annotate(
                now_present=Count("day", filter=now & Q(status__in=PRESENT_STATUSES)), now_all=Count("day", filter=now),
                before_present=Count("day", filter=then & Q(status__in=PRESENT_STATUSES)), before_all=Count("day", filter=then),
            )
        )
        key = "apprentice__cohort_id"
    return {
        row[key]: AttendanceCounts(
            row["now_present"] or 0, row["now_all"] or 0, row["before_present"] or 0, row["before_all"] or 0
        )
        for row in rows
    }


def attendance_rate(user: User, *, today: date, settings: RuleSettings | None = None,
                    by_cohort: dict[int, AttendanceCounts] | None = None) -> Indicator:
    """Half-days present or late / half-days recorded, over the 30 days ending today (day in
    (today − 30, today]); the trend is the same rate 4 weeks earlier. The target is the alert
    threshold ``RuleSettings.attendance_min_rate``. One query (+ the settings row), none when the
    caller already holds ``attendance_by_cohort``."""
    settings = settings or RuleSettings.load()
    by_cohort = attendance_by_cohort(user, today=today) if by_cohort is None else by_cohort
    counts = AttendanceCounts()
    for cohort_counts in by_cohort.values():
        counts.add(cohort_counts)
    target = Decimal(settings.attendance_min_rate)
    return Indicator(
        key="attendance_rate", label=_("Taux d'assiduité sur 30 jours"),
        value=percent(counts.now_present, counts.now_all), unit="percent",
        target=target, target_label=f"≥ {target} %", higher_is_better=True,
        previous=percent(counts.before_present, counts.before_all),
        url=url_for("alerts:alert_list", status="open", rule="absences"),
        details=(Detail(_("Demi-journées relevées"), counts.now_all),),
    )


# --- visits ------------------------------------------------------------------------------------------

IN_COMPANY_STATUSES = ACTIVE_CONTRACT_STATUSES


def _punctuality(rows: list[dict], day: date, *, free_days: int, interval: int, calendars: dict) -> tuple[int, int]:
    """(on time, due) at ``day`` over contract rows (see ``visits_on_time``); ``calendars``: the
    apprentices' real calendars (``alternance.planning.practical``)."""
    from alternance.planning import practical

    on_time = due = 0
    for row in rows:
        if not (row["start_date"] <= day <= row["last_day"]):
            continue
        first = row["first_visit"] if row["first_visit"] and row["first_visit"] <= day else None
        start = practical.practical_start(practical_training_start_date=row["practical_training_start_date"], start_date=row["start_date"])
        deadline = practical.free_period_end(start, free_days, calendar=calendars[row["apprentice_id"]])
        if first is None:
            if deadline is not None and deadline < day:
                due += 1  # first visit due and not done
            continue
        due += 1  # the first visit, done: on time if by the deadline
        on_time += deadline is None or first <= deadline
        last = row["last_visit_now"] if day == row["_today"] else row["last_visit_before"]
        due += 1  # the follow-up: the last visit is recent enough
        on_time += last is not None and (day - last).days <= interval
    return on_time, due


def visits_on_time(user: User, *, today: date, settings: RuleSettings | None = None,
                   contract_settings: ContractSettings | None = None) -> Indicator:
    """Share of the visit obligations met on time, over the contracts in force on the day
    (active status, start ≤ day ≤ last day):

    - the first visit: due once the first-visit deadline has passed (the end of the 45-company-day
      free period from the practical training start, ``ContractSettings.free_period_company_days``,
      as the ``visits_overdue`` rule computes it) or once it is done; on time when its done date
      is on or before that deadline;
    - the follow-up: due for every contract whose first visit is done; on time when the last done
      visit is at most ``RuleSettings.visit_interval_days`` old on the day.

    Value = obligations on time / obligations due (details give both parts). The trend is the same
    figure 4 weeks earlier (visits done after that day ignored). Three queries (contracts, then the
    closures and exceptions of the real calendars) + the settings rows.
    """
    settings = settings or RuleSettings.load()
    contract_settings = contract_settings or ContractSettings.load()
    before = today - timedelta(days=TREND_DAYS)
    rows = list(
        _contracts(user)
        .filter(status__in=IN_COMPANY_STATUSES, start_date__lte=today, last_day__gte=before)
        .annotate(
            first_visit=Min("visits__done_date"),
            last_visit_now=Max("visits__done_date", filter=Q(visits__done_date__lte=today)),
            last_visit_before=Max("visits__done_date", filter=Q(visits__done_date__lte=before)),
        )
        .values(
            "start_date", "last_day", "practical_training_start_date", "first_visit", "last_visit_now", "last_visit_before",
            "apprentice__cohort__rhythm_pattern", "apprentice__cohort__start_date", "apprentice__cohort__end_date",
            "apprentice__cohort_id", "apprentice_id",
        )
    )
    for row in rows:
        row["_today"] = today
    from alternance.planning import practical

    kwargs = {"free_days": contract_settings.free_period_company_days, "interval": settings.visit_interval_days,
              "calendars": practical.calendars_for_rows(rows)}
    on_time, due = _punctuality(rows, today, **kwargs)
    before_on_time, before_due = _punctuality(rows, before, **kwargs)
    return Indicator(
        key="visits_on_time", label=_("Visites faites à temps"), value=percent(on_time, due), unit="percent",
        target=VISITS_ON_TIME_TARGET, target_label=f"≥ {VISITS_ON_TIME_TARGET} %", higher_is_better=True,
        previous=percent(before_on_time, before_due),
        url=url_for("alerts:alert_list", status="open", rule="visits_overdue"),
        details=(Detail(_("Obligations de visite à temps"), on_time), Detail(_("Obligations de visite dues"), due)),
    )


# --- OPCO and alerts ---------------------------------------------------------------------------------

def opco_late(user: User, *, today: date) -> Indicator:
    """Late items of the OPCO board ("late" tab), by stage, counted in the database
    (``contracts.opco.opco_late_counts``, held equal to the board by a test); no trend (snapshot)."""
    from contracts import opco

    by_stage = opco.opco_late_counts(user, today=today)
    details = tuple(
        Detail(str(label), by_stage[stage], url_for("contracts:opco_board", filter=opco.BoardFilter.LATE, etape=stage))
        for stage, label in opco.BOARD_FILTERS.items() if stage in by_stage
    )
    return Indicator(
        key="opco_late", label=_("Dossiers OPCO en retard"), value=sum(by_stage.values()), target=0, target_label="0",
        higher_is_better=False, url=url_for("contracts:opco_board", filter=opco.BoardFilter.LATE), details=details,
    )


def alerts_to_validate(user: User, *, today: date) -> Indicator:
    """Alerts in status "new" (waiting for the coordinator's validation), by rule. One query."""
    from alerts.selectors import rule_titles

    titles = rule_titles()
    rows = (
        access.visible(user, Alert).filter(status=AlertStatus.NEW).order_by().values("rule_code").annotate(n=Count("pk"))
    )
    counts = {row["rule_code"]: row["n"] for row in rows}
    details = tuple(
        Detail(titles.get(code, code), n, url_for("alerts:alert_list", status=AlertStatus.NEW, rule=code))
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    return Indicator(
        key="alerts_to_validate", label=_("Alertes à valider"), value=sum(counts.values()), target=0, target_label="0",
        higher_is_better=False, url=url_for("alerts:alert_list", status=AlertStatus.NEW), details=details,
    )


INDICATORS = (
    active_contracts, without_company, placement_rate, rupture_rate, attendance_rate, visits_on_time, opco_late,
    alerts_to_validate,
)


def indicators(user: User, *, today: date, attendance: dict[int, AttendanceCounts] | None = None) -> list[Indicator]:
    """The indicators table, in display order (settings rows read once; ``attendance`` from
    ``attendance_by_cohort`` when the caller shares it with the breakdown)."""
    settings = RuleSettings.load()
    contract_settings = ContractSettings.load()
    result = []
    for function in INDICATORS:
        if function is attendance_rate:
            result.append(function(user, today=today, settings=settings, by_cohort=attendance))
        elif function is visits_on_time:
            result.append(function(user, today=today, settings=settings, contract_settings=contract_settings))
        else:
            result.append(function(user, today=today))
    return result


# --- loads -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadRow:
    user_id: int | None
    name: str
    value: int
    low: int | None = None
    high: int | None = None
    url: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def state(self) -> str:
        """"under", "within" or "over" the target range ("" without a range)."""
        if self.low is None or self.high is None:
            return ""
        return "under" if self.value < self.low else "over" if self.value > self.high else "within"


def cre_loads(user: User, *, today: date, settings: RuleSettings | None = None) -> list[LoadRow]:
    """Active contracts of each CRE's portfolio (companies it owns) against the 80–100 target
    (upper bound: ``RuleSettings.cre_max_active_contracts``). One query, plus one for the active
    contracts of companies without an active CRE (a row "Sans CRE" when there are some: nobody
    owns them, or their CRE's account was deactivated and they await reassignment)."""
    settings = settings or RuleSettings.load()
    cres = (
        access.visible(user, User)
        .filter(role=Role.CRE, is_active=True)
        .annotate(load=Count("portfolio__contracts", filter=Q(portfolio__contracts__status__in=ACTIVE_CONTRACT_STATUSES)))
        .order_by("-load", "last_name", "first_name", "pk")
    )
    high = settings.cre_max_active_contracts
    low = int((high * CRE_LOAD_LOW_RATIO).to_integral_value(rounding=ROUND_HALF_UP))
    rows = [
        LoadRow(cre.pk, str(cre), cre.load, low, high,
                url_for("companies:company_list", owner=cre.pk))
        for cre in cres
    ]
    unowned = (
        access.visible(user, Contract)
        .filter(status__in=ACTIVE_CONTRACT_STATUSES)
        .filter(Q(company__owner_cre__isnull=True) | Q(company__owner_cre__is_active=False))
        .count()
    )
    if unowned:
        rows.append(LoadRow(None, str(_("Sans CRE référent·e")), unowned))
    return rows


def tutor_loads(user: User, *, today: date) -> list[LoadRow]:
    """Per referent tutor: apprentices under contract in its cohorts (the figure), cohorts and
    apprentices enrolled (not dropped out) in them. Two queries (apprentices grouped by tutor,
    cohorts grouped by tutor); no reference target exists."""
    tutors = list(access.visible(user, User).filter(role=Role.TUTOR, is_active=True).order_by("last_name", "first_name", "pk"))
    apprentices = {
        row["cohort__referent_tutor_id"]: row
        for row in access.visible(user, Apprentice)
        .filter(cohort__referent_tutor__in=[t.pk for t in tutors])
        .order_by()
        .values("cohort__referent_tutor_id")
        .annotate(
            load=Count("pk", filter=Q(status=ApprenticeStatus.UNDER_CONTRACT)),
            enrolled=Count("pk", filter=~Q(status=ApprenticeStatus.DROPPED_OUT)),
        )
    }
    cohorts = dict(
        access.visible(user, Cohort).order_by().values("referent_tutor_id").annotate(n=Count("pk")).values_list("referent_tutor_id", "n")
    )
    rows = [
        LoadRow(
            t.pk, str(t), apprentices.get(t.pk, {}).get("load", 0),
            extra={"cohorts": cohorts.get(t.pk, 0), "enrolled": apprentices.get(t.pk, {}).get("enrolled", 0)},
        )
        for t in tutors
    ]
    return sorted(rows, key=lambda r: -r.value)  # stable: name order among equal loads


# The dashboard shows the most loaded people; every CRE and tutor has its row on the loads page
# (at 20 000 contracts an OF has a few hundred of each: one row each would bury the dashboard).
DASHBOARD_LOAD_LIMIT = 10


def top_loads(rows: list[LoadRow], limit: int = DASHBOARD_LOAD_LIMIT) -> list[LoadRow]:
    """The ``limit`` most loaded people (rows come sorted by load), plus the "no CRE" row if any:
    contracts nobody follows must stay in sight."""
    people = [row for row in rows if row.user_id is not None]
    return people[:limit] + [row for row in rows if row.user_id is None]


def load_states(rows: list[LoadRow]) -> dict[str, int]:
    """How many people are over, within and under their target range."""
    states = {"over": 0, "within": 0, "under": 0}
    for row in rows:
        if row.state:
            states[row.state] += 1
    return states


# --- breakdown per cohort and programme ----------------------------------------------------------------

@dataclass
class BreakdownRow:
    name: str
    apprentices: int = 0
    under_contract: int = 0
    seeking: int = 0
    rupturants: int = 0
    present: int = 0
    recorded: int = 0
    url: str | None = None
    pk: int | None = None

    @property
    def attendance(self) -> Decimal | None:
        return percent(self.present, self.recorded)

    @property
    def without_company(self) -> int:
        """Learners of the cohort still to place: seeking a company or after a rupture."""
        return self.seeking + self.rupturants

    @property
    def segments(self) -> list[tuple[str, float, float, str]]:
        """The stacked bar of the cohort (SVG, 100 units wide): (key, x, width, colour) of the
        apprentices under contract, seeking and rupturants, as shares of those enrolled."""
        if not self.apprentices:
            return []
        x, parts = 0.0, []
        for key, value, colour in (
            ("under_contract", self.under_contract, "#198754"), ("seeking", self.seeking, "#ffc107"),
            ("rupturants", self.rupturants, "#dc3545"),
        ):
            width = round(100 * value / self.apprentices, 1)
            if width:
                parts.append((key, x, width, colour))
            x = round(x + width, 1)
        return parts


def breakdown(user: User, *, today: date, attendance: dict[int, AttendanceCounts] | None = None) -> dict[str, list[BreakdownRow]]:
    """Per cohort not yet ended (end date ≥ today) and per programme (the sum of its cohorts):
    apprentices enrolled (not dropped out), under contract, seeking, rupturants, and the attendance
    rate over the last 30 days. Two queries (cohorts with counts; attendance grouped by cohort),
    one when the caller shares ``attendance_by_cohort``."""
    cohorts = (
        access.visible(user, Cohort)
        .filter(end_date__gte=today)
        .select_related("programme")
        .annotate(
            n_enrolled=Count("apprentices", filter=~Q(apprentices__status=ApprenticeStatus.DROPPED_OUT)),
            n_under_contract=Count("apprentices", filter=Q(apprentices__status=ApprenticeStatus.UNDER_CONTRACT)),
            n_seeking=Count("apprentices", filter=Q(apprentices__status=ApprenticeStatus.SEEKING)),
            n_rupturants=Count("apprentices", filter=Q(apprentices__status=ApprenticeStatus.RUPTURANT)),
        )
        .order_by("start_date", "name")
    )
    by_cohort = attendance_by_cohort(user, today=today) if attendance is None else attendance
    cohort_rows, programmes = [], {}
    for cohort in cohorts:
        att = by_cohort.get(cohort.pk) or AttendanceCounts()
        row = BreakdownRow(
            cohort.name, cohort.n_enrolled, cohort.n_under_contract, cohort.n_seeking, cohort.n_rupturants,
            att.now_present, att.now_all, url_for("apprentice_list", cohort=cohort.pk), cohort.pk,
        )
        cohort_rows.append(row)
        programme = programmes.setdefault(cohort.programme_id, BreakdownRow(cohort.programme.short_title or cohort.programme.title))
        for name in ("apprentices", "under_contract", "seeking", "rupturants", "present", "recorded"):
            setattr(programme, name, getattr(programme, name) + getattr(row, name))
    return {"cohorts": cohort_rows, "programmes": sorted(programmes.values(), key=lambda r: r.name)}


# The dashboard lists the cohorts that most need attention; the full breakdown has its own page
# (an OF at 20 000 contracts runs hundreds of cohorts: one row each would bury the page).
DASHBOARD_COHORT_LIMIT = 12


def cohorts_needing_attention(rows: list[BreakdownRow], limit: int = DASHBOARD_COHORT_LIMIT) -> list[BreakdownRow]:
    """The ``limit`` cohorts with the largest share of learners without a company (seeking or
    rupturants), then the lowest attendance; cohorts with nobody to place come last."""

    def urgency(row: BreakdownRow):
        share = row.without_company / row.apprentices if row.apprentices else 0
        attendance = row.attendance if row.attendance is not None else Decimal(100)
        return (-share, -row.without_company, attendance, row.name)

    return sorted(rows, key=urgency)[:limit]


COHORT_SORTS = {
    "nom": lambda r: (r.name,),
    "inscrits": lambda r: (-r.apprentices, r.name),
    "sans-entreprise": lambda r: (-r.without_company, r.name),
    "assiduite": lambda r: (r.attendance if r.attendance is not None else Decimal(101), r.name),
}


# --- the weekly meeting --------------------------------------------------------------------------------

WEEKLY_LIST_LIMIT = 8  # rows per block: the page must fit one screen and one A4 page


@dataclass(frozen=True)
class WeeklyBlock:
    key: str
    label: str
    count: int
    rows: list
    url: str | None = None


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def weekly_meeting(user: User, *, start: date, today: date, opco_late_today: Indicator | None = None) -> dict:
    """What changed in the week [start, start + 6 days]: contracts signed, ruptures (rupture date),
    alerts raised and alerts closed (resolved or dismissed) in the week; visits planned before the
    end of the week and not done; late items of the OPCO board as of the day after the week (or
    today if earlier) — ``opco_late_today``, the dashboard's figure of today, when that day is today.
    Each block: its total and its first rows. A fixed number of queries."""
    from contracts import opco

    end = start + timedelta(days=6)
    reference = min(end + timedelta(days=1), today)
    contracts = access.visible(user, Contract).select_related("apprentice", "company")
    signed = contracts.filter(signature_date__gte=start, signature_date__lte=end).order_by("signature_date", "pk")
    broken = contracts.filter(ruptured_between(start, end)).order_by("rupture_date", "pk")
    alerts = access.visible(user, Alert)
    # The week's local days as a range of instants: the indexes on the times serve it.
    week_from, week_until = _local_midnight(start), _local_midnight(end + timedelta(days=1))
    raised = alerts.filter(raised_at__gte=week_from, raised_at__lt=week_until).order_by("raised_at", "pk")
    closed = alerts.filter(
        status__in=(AlertStatus.RESOLVED, AlertStatus.DISMISSED), resolved_at__gte=week_from, resolved_at__lt=week_until
    ).order_by("resolved_at", "pk")
    from alternance.models import Visit
    from alternance.selectors import overdue_planned_visits

    overdue = (
        access.visible(user, Visit)
        .filter(overdue_planned_visits(reference))
        .select_related("apprentice", "tutor")
        .order_by("planned_date", "pk")
    )
    if opco_late_today is not None and reference == today:
        late_by_stage = [(str(detail.label), detail.value, detail.url) for detail in opco_late_today.details]
    else:
        late = opco.opco_late_counts(user, today=reference)
        late_by_stage = [
            (str(label), late[stage], url_for("contracts:opco_board", filter=opco.BoardFilter.LATE, etape=stage))
            for stage, label in opco.BOARD_FILTERS.items() if stage in late
        ]

    def block(key, label, qs, url=None) -> WeeklyBlock:
        return WeeklyBlock(key, str(label), qs.count(), list(qs[:WEEKLY_LIST_LIMIT]), url)

    return {
        "start": start,
        "end": end,
        "reference": reference,
        "blocks": [
            block("signed", _("Nouveaux contrats signés"), signed),
            block("ruptures", _("Ruptures"), broken,
                  url_for("contracts:contract_list", rupture_du=start.isoformat(), rupture_au=end.isoformat())),
            # No link where no list holds exactly the block's rows (a figure opens the list it counts).
            block("raised", _("Nouvelles alertes"), raised),
            block("closed", _("Alertes résolues ou écartées"), closed),
            block("overdue_visits", _("Visites en retard"), overdue),
            WeeklyBlock("opco_late", str(_("Dossiers OPCO en retard")), sum(count for _label, count, _url in late_by_stage), late_by_stage,
                        url_for("contracts:opco_board", filter=opco.BoardFilter.LATE)),
        ],
    }


# --- charts (inline SVG drawn by the server: no JavaScript, no external service) ---------------------

@dataclass(frozen=True)
class Bar:
    month: date
    value: int
    x: float
    y: float
    width: float
    height: float

    @property
    def label_x(self) -> float:
        return round(self.x + self.width / 2, 1)

    @property
    def value_y(self) -> float:
        return round(self.y - 4, 1)


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    baseline: float
    maximum: int

    @property
    def text_y(self) -> int:
        return self.height - 6


CHART_WIDTH, CHART_HEIGHT, CHART_TOP, CHART_BOTTOM = 480, 170, 18, 22


def bar_chart(series: MonthlySeries) -> BarChart:
    """The geometry of a bar chart of a monthly series (one bar per month, value above the bar,
    month below), for ``templates/alternance/dashboard/_bar_chart.svg``."""
    maximum = max((value for _month, value in series.points), default=0)
    slot = CHART_WIDTH / max(len(series.points), 1)
    usable = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    baseline = CHART_HEIGHT - CHART_BOTTOM
    bars = []
    for i, (month, value) in enumerate(series.points):
        height = round(usable * value / maximum, 1) if maximum else 0
        bars.append(Bar(month, value, round(i * slot + slot * 0.15, 1), round(baseline - height, 1), round(slot * 0.7, 1), height))
    return BarChart(str(series.label), tuple(bars), CHART_WIDTH, CHART_HEIGHT, baseline, maximum)
