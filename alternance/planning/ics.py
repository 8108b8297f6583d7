"""Private ICS feeds of the alternance calendar (issue 6, part 2), built with ``icalendar``.

A person subscribes its phone or mail client to ``/calendrier/ics/<token>.ics``: the feed holds
``planning.events_for_user`` over the window of ``planning.feed_window`` (60 days back, 12 months
ahead). Every event has a stable UID (``centre-<apprentice>-<YYYYMMDD>@alternance``,
``keydate-<pk>@…``, ``visit-<pk>@…``, ``closure-<pk>@…``, ``session-<pk>@…``) so that clients update events instead
of duplicating them; all-day events use DATE values (DTEND the day after the last day, RFC 5545);
timed key dates and training sessions carry TZID=Europe/Paris with the time zone's definition in the file; a key date
with a start time and no end time lasts one hour.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from alternance.choices import Role
from alternance.models import Apprentice, User
from alternance.planning.calendar import EVENT_CENTRE, EVENT_CLOSURE, CalendarEvent, events_for_user, feed_window

PARIS_TZID = "Europe/Paris"
PARIS = ZoneInfo(PARIS_TZID)
# Clients re-read the feed about twice a day (Apple and Google mostly decide for themselves).
REFRESH_INTERVAL = timedelta(hours=12)
DEFAULT_TIMED_DURATION = timedelta(hours=1)


def paris_timezone() -> Timezone:
    """The VTIMEZONE of Europe/Paris as its EU rule (last Sunday of March / October), compact and
    valid for any year, instead of one line per past transition."""
    tz = Timezone()
    tz.add("tzid", PARIS_TZID)
    tz.add("x-lic-location", PARIS_TZID)
    summer = TimezoneDaylight()
    summer.add("tzname", "CEST")
    summer.add("tzoffsetfrom", timedelta(hours=1))
    summer.add("tzoffsetto", timedelta(hours=2))
    summer.add("dtstart", datetime(1970, 3, 29, 2, 0))
    summer.add("rrule", {"freq": "yearly", "bymonth": 3, "byday": "-1su"})
    winter = TimezoneStandard()
    winter.add("tzname", "CET")
    winter.add("tzoffsetfrom", timedelta(hours=2))
    winter.add("tzoffsetto", timedelta(hours=1))
    winter.add("dtstart", datetime(1970, 10, 25, 3, 0))
    winter.add("rrule", {"freq": "yearly", "bymonth": 10, "byday": "-1su"})
    tz.add_component(summer)
    tz.add_component(winter)
    return tz


def feed_name(user: User) -> str:
    """X-WR-CALNAME: what the phone shows as the calendar's name."""
    if user.role == Role.APPRENTICE:
        apprentice = Apprentice.objects.filter(user=user).only("first_name", "last_name", "usage_name").first()
        if apprentice is not None:
            return _("Alternance — %(name)s") % {"name": apprentice.full_name}
    if user.role == Role.EMPLOYER:
        return _("Alternance — mes apprenti·es")
    return _("Alternance — %(name)s") % {"name": user.get_full_name() or user.email}


def _event_component(event: CalendarEvent, *, stamp: datetime) -> Event:
    component = Event()
    component.add("uid", event.uid)
    component.add("dtstamp", stamp)
    component.add("summary", event.title)
    if event.is_timed:
        start = datetime.combine(event.day, event.start_time, tzinfo=PARIS)
        end = datetime.combine(event.day, event.end_time, tzinfo=PARIS) if event.end_time else start + DEFAULT_TIMED_DURATION
        component.add("dtstart", start)
        component.add("dtend", end)
    else:
        component.add("dtstart", event.day)
        component.add("dtend", (event.last_day or event.day) + timedelta(days=1))
    if event.description:
        component.add("description", event.description)
    if event.location:
        component.add("location", event.location)
    # All-day markers (centre days, closures) should not block the person's agenda.
    component.add("transp", "TRANSPARENT" if event.kind in (EVENT_CENTRE, EVENT_CLOSURE) or not event.is_timed else "OPAQUE")
    return component


def build_calendar(*, name: str, events: list[CalendarEvent], now: datetime) -> bytes:
    """A VCALENDAR with ``events`` (the order is kept), in UTF-8 bytes."""
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.ORGANISATION['name']}//Calendrier d'alternance//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-caldesc", _("Calendrier d'alternance : jours au centre de formation, séances, dates clés, visites."))
    calendar.add("x-wr-timezone", PARIS_TZID)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT12H")
    if any(event.is_timed for event in events):
        calendar.add_component(paris_timezone())
    stamp = now.astimezone(ZoneInfo("UTC"))
    for event in events:
        calendar.add_component(_event_component(event, stamp=stamp))
    return calendar.to_ical()


def feed_for_user(user: User, *, today: date | None = None, now: datetime | None = None) -> bytes:
    """The whole private feed of ``user`` (window: ``planning.feed_window``)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    start, end = feed_window(today)
    return build_calendar(name=feed_name(user), events=events_for_user(user, start, end), now=now)
