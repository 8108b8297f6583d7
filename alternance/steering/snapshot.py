"""The dashboard's figures, computed once for the whole organisation and kept (issue 18 §2).

The steering dashboard opens only to the roles that see every row (``access.can_view_dashboard``:
coordinator and admin staff, ``access.SEE_ALL_ROLES``), so its figures are the same for each of them.
At 20 000 learners they cost about a second to compute (the visit obligations on each apprentice's
real calendar, the OPCO board's late items, a load per CRE and per tutor, a row per cohort) and one
query to read. So they are computed:

- by the worker every ``STEERING_REFRESH_SECONDS`` (task ``alternance.steering_refresh``, beat);
- by the page itself when today's are missing or older than ``STEERING_MAX_AGE_SECONDS`` (a fresh
  install, no worker running): a figure is never older than that;
- at once by « Actualiser les chiffres ».

The page prints when they were computed; the lists they open are read live. Stored as JSON (a few
typed values: decimals, dates, the indicators' dataclasses), never pickled. One row per day: a
refresh deletes the earlier days'.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils.functional import Promise

from alternance.choices import Role
from alternance.models import DashboardSnapshot, User
from alternance.steering import indicators

# The types a snapshot may hold, by name (decoding builds nothing else).
_TYPES = {cls.__name__: cls for cls in (
    indicators.Indicator, indicators.Detail, indicators.LoadRow, indicators.BreakdownRow, indicators.MonthlySeries,
)}


def encode(value):
    """A JSON-ready copy of ``value``: dataclasses of ``_TYPES``, decimals, dates and tuples tagged."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if name not in _TYPES:
            raise TypeError(f"{name} cannot be kept in a dashboard snapshot")
        return {"__type__": name, **{f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, Promise):  # a lazy translation: the French text of the moment
        return str(value)
    return value


def decode(value):
    """The inverse of ``encode``."""
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if "__decimal__" in value:
            return Decimal(value["__decimal__"])
        if "__date__" in value:
            return date.fromisoformat(value["__date__"])
        if "__tuple__" in value:
            return tuple(decode(item) for item in value["__tuple__"])
        if "__type__" in value:
            cls = _TYPES[value["__type__"]]
            return cls(**{key: decode(item) for key, item in value.items() if key != "__type__"})
        return {key: decode(item) for key, item in value.items()}
    return value


def organisation_reader() -> User:
    """Who the figures are computed for: a coordinator, who sees every row — as the admin staff
    does (``access.SEE_ALL_ROLES``); the only roles the dashboard opens to. Never saved."""
    return User(role=Role.COORDINATOR, is_active=True)


def compute_figures(*, today: date) -> dict:
    """Every figure of the dashboard and of its cohorts and loads pages, at ``today``."""
    reader = organisation_reader()
    # One read of the attendance tallies serves the attendance rate and the per-cohort breakdown.
    attendance = indicators.attendance_by_cohort(reader, today=today)
    breakdown = indicators.breakdown(reader, today=today, attendance=attendance)
    return {
        "indicators": indicators.indicators(reader, today=today, attendance=attendance),
        "series": [
            indicators.active_contracts_series(reader, today=today),
            indicators.ruptures_series(reader, today=today),
        ],
        "cre_loads": indicators.cre_loads(reader, today=today),
        "tutor_loads": indicators.tutor_loads(reader, today=today),
        "cohorts": breakdown["cohorts"],
        "programmes": breakdown["programmes"],
    }


def summarise(values: dict) -> dict:
    """What the dashboard page itself shows of ``values``: the indicators, the charts' series, the ten
    most loaded CREs and tutors, the cohorts needing attention, the programmes, and the totals of the
    lists behind them — a few kilobytes to read instead of a row per cohort, CRE and tutor."""
    cre_loads, tutor_loads, cohorts = values["cre_loads"], values["tutor_loads"], values["cohorts"]
    return {
        "indicators": values["indicators"],
        "series": values["series"],
        "cre_top": indicators.top_loads(cre_loads),
        "cre_states": indicators.load_states(cre_loads),
        "cre_total": sum(1 for row in cre_loads if row.user_id is not None),
        "tutor_top": indicators.top_loads(tutor_loads),
        "tutor_total": len(tutor_loads),
        "cohorts_top": indicators.cohorts_needing_attention(cohorts),
        "cohorts_total": len(cohorts),
        "programmes": values["programmes"],
    }


@dataclass(frozen=True)
class Figures:
    values: dict
    computed_at: datetime

    def __getitem__(self, key: str):
        return self.values[key]


def snapshot_refresh(*, today: date, now: datetime) -> tuple[Figures, Figures]:
    """Compute today's figures and keep them (one row per day, the earlier days' deleted); returns
    (every figure, the dashboard's summary)."""
    values = compute_figures(today=today)
    summary = summarise(values)
    DashboardSnapshot.objects.bulk_create(
        [DashboardSnapshot(day=today, computed_at=now, figures=encode(values), summary=encode(summary))],
        update_conflicts=True, unique_fields=["day"], update_fields=["computed_at", "figures", "summary"],
    )
    DashboardSnapshot.objects.filter(day__lt=today).delete()
    return Figures(values, now), Figures(summary, now)


def _kept(*, today: date, now: datetime, summary: bool) -> Figures:
    field = "summary" if summary else "figures"
    snapshot = DashboardSnapshot.objects.filter(day=today).only("computed_at", field).first()
    if snapshot is None or now - snapshot.computed_at > timedelta(seconds=settings.STEERING_MAX_AGE_SECONDS):
        return snapshot_refresh(today=today, now=now)[1 if summary else 0]
    return Figures(decode(getattr(snapshot, field)), snapshot.computed_at)


def dashboard_figures(*, today: date, now: datetime) -> Figures:
    """Today's figures as kept, or computed now when missing or older than STEERING_MAX_AGE_SECONDS:
    every row (the cohorts and loads pages)."""
    return _kept(today=today, now=now, summary=False)


def dashboard_summary(*, today: date, now: datetime) -> Figures:
    """The same, only what the dashboard page shows (``summarise``)."""
    return _kept(today=today, now=now, summary=True)
