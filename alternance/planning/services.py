"""Writes of the alternance calendar (issue 6, part 2): closures, key dates, per-apprentice
exceptions, private ICS feed tokens.

House style: keyword-only, atomic, ``full_clean()`` before ``save()``. The views check the access
predicates (``can_manage_closures``, ``can_edit_cohort_calendar``, ``can_override_calendar``)
before calling; the services check the data (dates in order, an apprentice of the right cohort).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alternance.choices import CalendarPlace
from alternance.models import Apprentice, CalendarFeedToken, CalendarOverride, ClosurePeriod, Cohort, KeyDate, User
from alternance.models.invitations import hash_token
from alternance.planning import free_period

# The feed URL's secret: 32 random bytes, URL-safe (43 characters).
FEED_TOKEN_BYTES = 32
# A phone polls a subscribed calendar every few minutes to hours: record the last use at most
# once an hour, so that the feed does not write to the database on every poll.
FEED_TOUCH_INTERVAL = timedelta(hours=1)


# --- closures --------------------------------------------------------------------------------------

@transaction.atomic
def closure_create(*, label: str, start_date: date, end_date: date, cohort: Cohort | None = None) -> ClosurePeriod:
    """A period when the OF (``cohort`` None) or one cohort's training is closed."""
    closure = ClosurePeriod(label=label.strip(), start_date=start_date, end_date=end_date, cohort=cohort)
    closure.full_clean()
    closure.save()
    _closure_changed(closure)
    return closure


@transaction.atomic
def closure_update(
    *, closure: ClosurePeriod, label: str, start_date: date, end_date: date, cohort: Cohort | None = None
) -> ClosurePeriod:
    before = ClosurePeriod.objects.get(pk=closure.pk)
    closure.label, closure.start_date, closure.end_date, closure.cohort = label.strip(), start_date, end_date, cohort
    closure.full_clean()
    closure.save()
    _closure_changed(before, closure)
    return closure


@transaction.atomic
def closure_delete(*, closure: ClosurePeriod) -> None:
    closure.delete()
    _closure_changed(closure)


def _closure_changed(*closures: ClosurePeriod) -> None:
    """A closure turns centre days into company days: the free periods that may hold one of its
    days (before and after an edit) are counted again."""
    for closure in closures:
        free_period.refresh_for_period(cohort_ids=[closure.cohort_id], first_day=closure.start_date, last_day=closure.end_date)


# --- key dates -------------------------------------------------------------------------------------

def _key_date_fill(
    key_date: KeyDate, *, kind: str, label: str, day: date, apprentice: Apprentice | None,
    start_time: time | None, end_time: time | None, location: str,
) -> KeyDate:
    if end_time is not None and start_time is None:
        raise ValidationError({"start_time": _("Indiquez l'heure de début, ou effacez l'heure de fin.")})
    key_date.kind, key_date.label, key_date.day = kind, label.strip(), day
    key_date.apprentice = apprentice
    key_date.start_time, key_date.end_time, key_date.location = start_time, end_time, location.strip()
    key_date.full_clean()
    key_date.save()
    return key_date


@transaction.atomic
def key_date_create(
    *, cohort: Cohort, kind: str, label: str, day: date, apprentice: Apprentice | None = None,
    start_time: time | None = None, end_time: time | None = None, location: str = "",
) -> KeyDate:
    """An exam, a review, a meeting… of the whole cohort, or of one of its apprentices."""
    return _key_date_fill(
        KeyDate(cohort=cohort), kind=kind, label=label, day=day, apprentice=apprentice,
        start_time=start_time, end_time=end_time, location=location,
    )


@transaction.atomic
def key_date_update(
    *, key_date: KeyDate, kind: str, label: str, day: date, apprentice: Apprentice | None = None,
    start_time: time | None = None, end_time: time | None = None, location: str = "",
) -> KeyDate:
    return _key_date_fill(
        key_date, kind=kind, label=label, day=day, apprentice=apprentice,
        start_time=start_time, end_time=end_time, location=location,
    )


@transaction.atomic
def key_date_delete(*, key_date: KeyDate) -> None:
    key_date.delete()


# --- per-apprentice exceptions ------------------------------------------------------------------------

@transaction.atomic
def calendar_override_set(*, apprentice: Apprentice, day: date, place: str, reason: str, by: User) -> CalendarOverride:
    """Put ``apprentice`` at ``place`` on ``day`` whatever the rhythm, a holiday or a closure say
    (one exception per apprentice and day: an existing one is replaced)."""
    if place not in CalendarPlace.values:
        raise ValidationError({"place": _("Choisissez centre de formation, entreprise ou repos.")})
    override = CalendarOverride.objects.select_for_update().filter(apprentice=apprentice, day=day).first()
    if override is None:
        override = CalendarOverride(apprentice=apprentice, day=day)
    override.place, override.reason, override.created_by = place, reason.strip(), by
    override.full_clean()
    override.save()
    free_period.refresh_apprentices([apprentice.pk])
    return override


@transaction.atomic
def calendar_override_delete(*, override: CalendarOverride) -> None:
    """The day goes back to what the rhythm, holidays and closures say."""
    override.delete()
    free_period.refresh_apprentices([override.apprentice_id])


# --- ICS feed tokens ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedCreated:
    feed: CalendarFeedToken
    token: str  # the clear secret: shown once, never stored


@transaction.atomic
def calendar_feed_create(*, user: User, now: datetime | None = None) -> FeedCreated:
    """A new private feed for ``user``; its previous live feed is revoked first (one live feed per
    account, database constraint), so every phone subscribed to the old URL stops receiving it.
    Only the SHA-256 of the token is stored (``hash_token``)."""
    now = now or timezone.now()
    CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(FEED_TOKEN_BYTES)
    feed = CalendarFeedToken(user=user, token_hash=hash_token(token))
    feed.full_clean()
    feed.save()
    return FeedCreated(feed=feed, token=token)


@transaction.atomic
def calendar_feed_revoke(*, user: User, now: datetime | None = None) -> int:
    """Revoke the account's live feed (its URL answers 404 from now on); the number revoked (0 or 1)."""
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


def calendar_feed_touch(*, feed: CalendarFeedToken, now: datetime | None = None) -> bool:
    """Record that the feed was read, at most once per ``FEED_TOUCH_INTERVAL``. A conditional
    UPDATE (no read-modify-write, nothing to validate): concurrent polls record it once."""
    now = now or timezone.now()
    updated = CalendarFeedToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - FEED_TOUCH_INTERVAL), pk=feed.pk
    ).update(last_used_at=now)
    if updated:
        feed.last_used_at = now
    return bool(updated)
