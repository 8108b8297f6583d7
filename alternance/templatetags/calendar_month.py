"""The day cells of a month calendar (``templates/alternance/calendar/includes/month.html``).

A month is 28 to 31 cells of about twenty values each (place, letter, note, events, the exception
link): written in the template, a month cost 700 variable lookups and 3 ms of a 20 ms page at
20 000 learners (issue 18 §2). Each cell is written here in one go, the same markup, every value
escaped by ``format_html``; ``tests/alternance/planning/test_calendar_cells.py`` compares it with
the template's own rendering of the same cells.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from alternance.planning.calendar import CalendarDay, MonthCalendar

register = template.Library()

DAY_CELL = (
    '<td class="cal-day cal-{css}{today_class}{exception_class}"{current} data-day="{iso}" data-place="{letter}">'
    '<div class="cal-head"><span class="cal-num" aria-hidden="true">{number}</span>{letter_badge}</div>'
    '<span class="visually-hidden">{long_date} : </span>'
    '<span class="cal-label cal-detail">{label}</span>{note}{events}{dot}{edit}'
    "</td>"
)
EDIT_LINK = (
    '<a class="cal-edit" href="{url}" hx-get="{url}" hx-target="#{dom_id}-exception" hx-swap="innerHTML">'
    '<span class="cal-edit-short" aria-hidden="true">✎</span><span class="cal-edit-long">{text}'
    '<span class="visually-hidden"> — {long_date}</span></span></a>'
)
EMPTY = mark_safe("")


def _event(event, show_who: bool) -> tuple:
    time = f"{event.time_display} " if event.time_display else ""
    who = f" — {event.who}" if show_who and event.who else ""
    return event.kind, time, event.title, who


@register.simple_tag
def calendar_day(cell: CalendarDay, month: MonthCalendar) -> SafeString:
    """One in-month day of ``month``: its place (a colour doubled by a letter and a label), its note,
    its events and, when the viewer may set exceptions, the link to the exception form."""
    place = cell.place
    letter = place.letter if place is not None else ""
    long_date = cell.long_date
    edit = EMPTY
    if month.can_override:
        edit = format_html(
            EDIT_LINK, url=f"{month.override_url}?jour={cell.iso}", dom_id=month.dom_id, long_date=long_date,
            # Our own wording, written as is like the template's {% translate %} writes it.
            text=mark_safe(_("Modifier l'exception") if cell.override else _("Exception")),  # noqa: S308 (constant)
        )
    return format_html(
        DAY_CELL,
        css=cell.css,
        today_class=" cal-today" if cell.is_today else "",
        exception_class=" cal-exception" if place is not None and place.is_exception else "",
        current=mark_safe(' aria-current="date"') if cell.is_today else "",
        iso=cell.iso,
        letter=letter,
        number=cell.day.day,
        letter_badge=format_html('<span class="cal-letter" aria-hidden="true">{}</span>', "–" if letter == "-" else letter)
        if letter else "",
        long_date=long_date,
        label=place.label if place is not None else "",
        note=format_html('<span class="cal-note cal-detail">{}</span>', place.note) if place is not None and place.note else "",
        events=format_html_join(
            "", '<span class="cal-event cal-event-{} cal-detail">{}{}{}</span>',
            (_event(event, month.show_who) for event in cell.events),
        ),
        dot=mark_safe('<span class="cal-dot" aria-hidden="true"></span>') if cell.events else "",
        edit=edit,
    )
