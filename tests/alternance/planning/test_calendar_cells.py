"""The day cells of a month (``alternance/templatetags/calendar_month.py``): the same markup as the
template wrote them before (kept below), for every kind of day and event and for each viewer — staff
who set exceptions, a cohort's calendar naming its apprentices, an employer who sees only its
contract's days — with every value escaped."""

import re
from datetime import date, datetime, time

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.html import escape

from alternance.choices import KeyDateKind
from alternance.models import CalendarOverride, ClosurePeriod, KeyDate
from alternance.planning import calendar as planning
from alternance.planning.calendar import CalendarDay, CalendarEvent, DayPlace, MonthCalendar
from alternance.templatetags.calendar_month import calendar_day
from tests.factories.alternance import TrainingSessionFactory, VisitFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

# The cell as the month's template wrote it (before the tag), to compare the tag's markup with.
TEMPLATE_CELL = Template("""{% load i18n %}
<td class="cal-day cal-{{ cell.css }}{% if cell.is_today %} cal-today{% endif %}{% if cell.place.is_exception %} cal-exception{% endif %}"{% if cell.is_today %} aria-current="date"{% endif %} data-day="{{ cell.iso }}" data-place="{{ cell.place.letter }}">
  <div class="cal-head">
    <span class="cal-num" aria-hidden="true">{{ cell.day.day }}</span>
    {% if cell.place.letter %}<span class="cal-letter" aria-hidden="true">{% if cell.place.letter == "-" %}–{% else %}{{ cell.place.letter }}{% endif %}</span>{% endif %}
  </div>
  <span class="visually-hidden">{{ cell.long_date }} : </span>
  <span class="cal-label cal-detail">{{ cell.place.label }}</span>
  {% if cell.place.note %}<span class="cal-note cal-detail">{{ cell.place.note }}</span>{% endif %}
  {% for event in cell.events %}
    <span class="cal-event cal-event-{{ event.kind }} cal-detail">{% if event.time_display %}{{ event.time_display }} {% endif %}{{ event.title }}{% if month.show_who and event.who %} — {{ event.who }}{% endif %}</span>
  {% endfor %}
  {% if cell.events %}<span class="cal-dot" aria-hidden="true"></span>{% endif %}
  {% if month.can_override %}
    <a class="cal-edit" href="{{ month.override_url }}?jour={{ cell.iso }}"
       hx-get="{{ month.override_url }}?jour={{ cell.iso }}" hx-target="#{{ month.dom_id }}-exception" hx-swap="innerHTML"><span class="cal-edit-short" aria-hidden="true">✎</span><span class="cal-edit-long">{% if cell.override %}{% translate "Modifier l'exception" %}{% else %}{% translate "Exception" %}{% endif %}<span class="visually-hidden"> — {{ cell.long_date }}</span></span></a>
  {% endif %}
</td>""")


def squeezed(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def assert_cells_as_the_template_wrote_them(month: MonthCalendar) -> int:
    cells = [cell for week in month.weeks for cell in week if cell.in_month]
    for cell in cells:
        assert squeezed(calendar_day(cell, month)) == squeezed(TEMPLATE_CELL.render(Context({"cell": cell, "month": month})))
    return len(cells)


@pytest.fixture
def december(time_machine):
    """December 2026 of side A: an exception, a closure, Christmas, a timed key date, a personal one,
    a visit and a training session; today the 7th."""
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=PARIS), tick=False)
    world = make_world()
    a = world.a
    CalendarOverride.objects.create(apprentice=a.apprentice, day=date(2026, 12, 9), place="C", reason="Salon <pro> & co")
    ClosurePeriod.objects.create(label="Inventaire", start_date=date(2026, 12, 21), end_date=date(2026, 12, 22))
    KeyDate.objects.create(cohort=a.cohort, kind=KeyDateKind.EXAM, label="Épreuve E1", day=date(2026, 12, 10),
                           start_time=time(9, 0), end_time=time(12, 0))
    KeyDate.objects.create(cohort=a.cohort, apprentice=a.apprentice, kind=KeyDateKind.OTHER, label="Rendez-vous « bilan »",
                           day=date(2026, 12, 10))
    VisitFactory(apprentice=a.apprentice, contract=a.contract, planned_date=date(2026, 12, 15))
    TrainingSessionFactory(cohort=a.cohort, day=date(2026, 12, 14), subject="Réseaux")
    return world


def test_staff_who_set_exceptions_get_the_templates_cells_with_their_links(december):
    a = december.a
    month = planning.apprentice_month(a.apprentice, 2026, 12, user=december.coordinator)
    assert month.can_override
    assert assert_cells_as_the_template_wrote_them(month) == 31
    exception = calendar_day(next(c for w in month.weeks for c in w if c.day == date(2026, 12, 9)), month)
    assert "cal-exception" in exception and "Salon &lt;pro&gt; &amp; co" in exception and "Modifier l'exception" in exception
    today = calendar_day(next(c for w in month.weeks for c in w if c.day == date(2026, 12, 7)), month)
    assert 'cal-today" aria-current="date"' in today and "Réseaux" not in today


def test_a_cohorts_calendar_names_the_apprentice_of_a_personal_date(december):
    month = planning.cohort_month(december.a.cohort, 2026, 12, user=december.a.tutor)
    assert month.show_who and not month.can_override
    assert assert_cells_as_the_template_wrote_them(month) == 31
    tenth = calendar_day(next(c for w in month.weeks for c in w if c.day == date(2026, 12, 10)), month)
    assert f"Rendez-vous « bilan » — {december.a.apprentice.full_name}" in tenth
    assert "09:00–12:00 Épreuve E1" in tenth and 'class="cal-dot"' in tenth


def test_an_employer_sees_the_same_cells_as_the_template_wrote_for_it(december):
    month = planning.apprentice_month(december.a.apprentice, 2026, 12, user=december.a.employer_user)
    assert assert_cells_as_the_template_wrote_them(month) == 31


def test_a_day_without_place_and_an_off_day_and_values_to_escape():
    month = MonthCalendar(year=2026, month=12, subject="<b>Promo</b>", weeks=[], events=[], closures=[], link="/x/",
                          today=date(2026, 12, 1), can_override=True, override_url="/exception/?a=1&b=2", show_who=True)
    event = CalendarEvent(uid="u", kind="key_date", title="<script>x</script>", day=date(2026, 12, 5), who="Zoé & Léo")
    cells = [
        CalendarDay(date(2026, 12, 5), True, DayPlace("-", "Repos", "Férié <Noël>"), [event]),
        CalendarDay(date(2026, 12, 6), True, DayPlace(None, "Hors formation")),
    ]
    month.weeks = [cells]
    assert assert_cells_as_the_template_wrote_them(month) == 2
    off = calendar_day(cells[0], month)
    assert '<span class="cal-letter" aria-hidden="true">–</span>' in off and 'data-place="-"' in off
    assert escape("<script>x</script>") in off and "<script>" not in off and "Zoé &amp; Léo" in off
    assert 'href="/exception/?a=1&amp;b=2?jour=2026-12-05"' in off
    assert "cal-letter" not in calendar_day(cells[1], month)


def test_a_days_long_date_is_written_in_the_language_of_the_moment_even_once_kept():
    day = date(2026, 12, 7)
    assert planning.long_date(day) == "lundi 7 décembre 2026"
    with translation.override("en"):
        assert planning.long_date(day) == "Monday 7 December 2026"
    assert planning.long_date(day) == CalendarDay(day, True).long_date == "lundi 7 décembre 2026"
    assert planning.long_date(date(2026, 12, 8)) == "mardi 8 décembre 2026"


def test_a_days_label_is_written_in_the_language_of_the_moment_even_once_kept():
    day = date(2026, 12, 7)
    assert planning.day_label(day) == "lundi 7 décembre"
    with translation.override("en"):
        assert planning.day_label(day) == "Monday 7 December"
    event = CalendarEvent(uid="u", kind="key_date", title="x", day=day)
    assert event.day_label == CalendarDay(day, True).day_label == planning.day_label(day) == "lundi 7 décembre"
    assert planning.day_label(date(2027, 1, 1)) == "vendredi 1 janvier"


def test_a_places_name_is_written_in_the_language_of_the_moment_even_once_kept():
    assert [planning.place_label(place) for place in ("C", "E", "-", None)] == [
        "Centre de formation", "Entreprise", "Repos", "Hors période de formation",
    ]
    # Kept per language: another language has its own entry (our labels have no English version yet).
    planning._place_label.cache_clear()
    planning.place_label("-")
    with translation.override("en"):
        planning.place_label("-")
    planning.place_label("-")
    assert planning._place_label.cache_info().currsize == 2
