"""Weekends and public holidays on the "today" views (issue 11, item 4).

When the demo is loaded on a Saturday, a Sunday or a public holiday, every role's home says so
plainly and shows the next working day; on a working day nothing of the kind shows. The clock is
pinned to each moment (``time-machine``) and the demo seeded for that same day, so these tests
pass whatever the real day is.
"""

import html
import re
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse

from alternance.models import User
from alternance.planning.calendar import DayOff, day_off, is_working_day, next_working_day

PARIS = ZoneInfo("Europe/Paris")

# Friday 11 December 2026 (working), Saturday 12 and Sunday 13 (weekend), Monday 14 (working);
# Friday 25 December 2026 (Noël); Thursday 6 May 2027 (Ascension).
FRIDAY, SATURDAY, SUNDAY, MONDAY = date(2026, 12, 11), date(2026, 12, 12), date(2026, 12, 13), date(2026, 12, 14)
CHRISTMAS = date(2026, 12, 25)
ASCENSION = date(2027, 5, 6)


# --- the rule -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (FRIDAY, True), (SATURDAY, False), (SUNDAY, False), (MONDAY, True),
        (date(2026, 12, 24), True), (CHRISTMAS, False), (date(2026, 12, 28), True),
        (date(2027, 5, 5), True), (ASCENSION, False), (date(2027, 5, 7), True),
        (date(2028, 2, 29), True), (date(2027, 1, 1), False),
    ],
)
def test_a_working_day_is_monday_to_friday_except_public_holidays(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (FRIDAY, MONDAY),  # over the weekend
        (SATURDAY, MONDAY),
        (SUNDAY, MONDAY),
        (date(2026, 12, 24), date(2026, 12, 28)),  # Noël on a Friday, then the weekend
        (date(2027, 5, 5), date(2027, 5, 7)),  # Ascension on a Thursday
        (date(2026, 12, 31), date(2027, 1, 4)),  # 1 January on a Friday, then the weekend
        (MONDAY, date(2026, 12, 15)),
    ],
)
def test_next_working_day_skips_weekends_and_public_holidays(day, expected):
    assert next_working_day(day) == expected


def test_day_off_says_why_and_names_the_next_working_day():
    assert day_off(FRIDAY) is None
    assert day_off(MONDAY) is None
    assert day_off(SATURDAY) == DayOff(SATURDAY, "week-end", MONDAY)
    assert day_off(SUNDAY) == DayOff(SUNDAY, "week-end", MONDAY)
    assert day_off(CHRISTMAS) == DayOff(CHRISTMAS, "jour férié (Noël)", date(2026, 12, 28))
    assert day_off(ASCENSION) == DayOff(ASCENSION, "jour férié (Ascension)", date(2027, 5, 7))


# --- the demo, loaded on that day ---------------------------------------------------------------------

STAFF = ("coordination@demo.test", "cre@demo.test", "tuteur@demo.test", "administratif@demo.test")


def seeded_on(day: date, time_machine) -> None:
    """The demo as ``make run`` loads it on ``day``: the clock at 10:00 in Paris that day."""
    time_machine.move_to(datetime(day.year, day.month, day.day, 10, 0, tzinfo=PARIS), tick=False)
    call_command("seed_demo", apprentices=60, seed=7, today=day.isoformat(), stdout=StringIO())


def home_text(client, email: str) -> str:
    client.force_login(User.objects.get(email=email))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def employer_home_rows() -> list:
    from alternance.extranet.selectors import employer_space

    employer = User.objects.get(email="employeur@demo.test")
    return employer_space(employer, today=date.today())["rows"]


def where_am_i(text: str) -> str:
    """The apprentice's "Où suis-je ?" card, up to its list of the next days."""
    start = text.index("Où suis-je ?")
    return text[start:text.index("Mon calendrier", start)]


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "banner"), [
    (SATURDAY, "Aujourd'hui, samedi 12 décembre : week-end. Prochain jour ouvré : lundi 14 décembre."),
    (SUNDAY, "Aujourd'hui, dimanche 13 décembre : week-end. Prochain jour ouvré : lundi 14 décembre."),
])
def test_on_a_weekend_every_role_home_says_so_and_shows_the_next_working_day(client, time_machine, day, banner):
    seeded_on(day, time_machine)

    for email in STAFF:
        assert banner in home_text(client, email), email

    apprentice_card = where_am_i(home_text(client, "apprenti@demo.test"))
    today_line = apprentice_card[:apprentice_card.index("Prochain jour travaillé")]
    assert today_line.strip() == "Où suis-je ? Aujourd'hui : Repos"  # "Repos" and nothing else
    assert re.search(r"Prochain jour travaillé, lundi 14 décembre : (Centre de formation|Entreprise)", apprentice_card)

    employer = home_text(client, "employeur@demo.test")
    assert banner in employer
    # Each apprentice's card: at rest today, at the centre or in the company on Monday.
    cards = employer.count("Aujourd'hui : Repos")
    assert cards == len(employer_home_rows()) >= 2
    places = re.findall(r"Prochain jour travaillé, (\w+ \d+ \w+) : (?:Centre de formation|Entreprise)", employer)
    assert places == ["lundi 14 décembre"] * cards


@pytest.mark.django_db
def test_on_a_working_day_no_home_speaks_of_a_day_off(client, time_machine):
    seeded_on(FRIDAY, time_machine)

    for email in (*STAFF, "employeur@demo.test", "apprenti@demo.test"):
        text = home_text(client, email)
        assert "Prochain jour ouvré" not in text, email
        assert "Prochain jour travaillé" not in text, email
    card = where_am_i(home_text(client, "apprenti@demo.test"))
    assert re.match(r"Où suis-je \? Aujourd'hui : (Centre de formation|Entreprise) ", card)


@pytest.mark.django_db
def test_on_a_public_holiday_the_homes_name_it(client, time_machine):
    seeded_on(date(2026, 11, 11), time_machine)  # Armistice, a Wednesday

    banner = "Aujourd'hui, mercredi 11 novembre : jour férié (Armistice). Prochain jour ouvré : jeudi 12 novembre."
    for email in (*STAFF, "employeur@demo.test"):
        assert banner in home_text(client, email), email
    card = where_am_i(home_text(client, "apprenti@demo.test"))
    assert card.startswith("Où suis-je ? Aujourd'hui : Jour férié Armistice Prochain jour travaillé, jeudi 12 novembre : ")
