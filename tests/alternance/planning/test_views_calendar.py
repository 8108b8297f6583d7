"""Calendar pages: the permission matrix over the roles (another company's or cohort's data with
real ids → 404, in scope but not allowed → 403), what each page renders, the inline exception
form (htmx and plain), key dates and closures managed through their forms, the printable PDF read
back, and query counts that do not grow with rows."""

import html
import re
from datetime import date, datetime, time
from io import BytesIO

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import KeyDateKind, Role
from alternance.models import CalendarOverride, ClosurePeriod, Cohort, KeyDate
from alternance.planning import calendar as planning
from tests.factories.alternance import CompetenceBlockFactory, TrainingSessionFactory, VisitFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db

ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


# --- permission matrix -------------------------------------------------------------------------------------


def page_url(world, page: str) -> str:
    a, b = world.a, world.b
    return {
        "calendar_mine": reverse("calendar_mine"),
        "feed_manage": reverse("calendar_feed_manage"),
        "apprentice_a": reverse("apprentice_calendar", args=[a.apprentice.pk]),
        "apprentice_b": reverse("apprentice_calendar", args=[b.apprentice.pk]),
        "apprentice_a_pdf": reverse("apprentice_calendar_pdf", args=[a.apprentice.pk]),
        "apprentice_b_pdf": reverse("apprentice_calendar_pdf", args=[b.apprentice.pk]),
        "override_a": reverse("apprentice_calendar_override", args=[a.apprentice.pk]) + "?jour=2026-12-02",
        "override_b": reverse("apprentice_calendar_override", args=[b.apprentice.pk]) + "?jour=2026-12-02",
        "cohort_a": reverse("cohort_calendar", args=[a.cohort.pk]),
        "cohort_b": reverse("cohort_calendar", args=[b.cohort.pk]),
        "cohort_b_pdf": reverse("cohort_calendar_pdf", args=[b.cohort.pk]),
        "key_date_create_a": reverse("key_date_create", args=[a.cohort.pk]),
        "key_date_create_b": reverse("key_date_create", args=[b.cohort.pk]),
        "closure_list": reverse("closure_list"),
        "closure_create": reverse("closure_create"),
    }[page]


#                        coord adm  cre  tutor appr empl
MATRIX = {
    "calendar_mine":     (200, 200, 200, 200, 200, 200),
    "feed_manage":       (200, 200, 200, 200, 200, 200),
    "apprentice_a":      (200, 200, 200, 200, 200, 200),
    "apprentice_b":      (200, 200, 200, 404, 404, 404),
    "apprentice_a_pdf":  (200, 200, 200, 200, 200, 200),
    "apprentice_b_pdf":  (200, 200, 200, 404, 404, 404),
    "override_a":        (200, 200, 403, 200, 403, 403),
    "override_b":        (200, 200, 403, 404, 404, 404),
    "cohort_a":          (200, 200, 200, 200, 200, 200),
    "cohort_b":          (200, 200, 200, 404, 404, 404),
    "cohort_b_pdf":      (200, 200, 200, 404, 404, 404),
    "key_date_create_a": (200, 200, 403, 200, 403, 403),
    "key_date_create_b": (200, 200, 403, 404, 404, 404),
    "closure_list":      (200, 200, 200, 200, 403, 403),
    "closure_create":    (200, 200, 403, 403, 403, 403),
}
CASES = [(page, role, statuses[i]) for page, statuses in MATRIX.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("page", "role", "expected"), CASES)
def test_permission_matrix(client, world, page, role, expected):
    client.force_login(world.user(role))

    response = client.get(page_url(world, page))

    assert response.status_code == expected


@pytest.mark.parametrize("page", ["calendar_mine", "apprentice_a", "cohort_a", "closure_list", "feed_manage"])
def test_anonymous_is_sent_to_login(client, world, page):
    response = client.get(page_url(world, page))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- writes refused ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [(Role.APPRENTICE, 403), (Role.EMPLOYER, 403), (Role.CRE, 403)])
def test_extranet_and_cre_cannot_post_an_exception(client, world, role, expected):
    client.force_login(world.user(role))

    response = client.post(
        reverse("apprentice_calendar_override", args=[world.a.apprentice.pk]),
        {"day": "2026-12-02", "place": "E", "reason": "Je préfère"},
    )

    assert response.status_code == expected
    assert not CalendarOverride.objects.exists()


def test_tutor_cannot_post_an_exception_for_another_cohort(client, world):
    client.force_login(world.a.tutor)

    response = client.post(
        reverse("apprentice_calendar_override", args=[world.b.apprentice.pk]),
        {"day": "2026-12-02", "place": "E", "reason": "x"},
    )

    assert response.status_code == 404
    assert not CalendarOverride.objects.exists()


def test_apprentice_cannot_delete_its_exception(client, world):
    override = CalendarOverride.objects.create(apprentice=world.a.apprentice, day=date(2026, 12, 2), place="E", reason="x")
    client.force_login(world.a.apprentice_user)

    response = client.post(reverse("apprentice_calendar_override_delete", args=[world.a.apprentice.pk, override.pk]))

    assert response.status_code == 403
    assert CalendarOverride.objects.filter(pk=override.pk).exists()


def test_exception_of_another_apprentice_is_not_reachable_through_this_one(client, world):
    override_b = CalendarOverride.objects.create(apprentice=world.b.apprentice, day=date(2026, 12, 2), place="E", reason="x")
    client.force_login(world.coordinator)

    response = client.post(reverse("apprentice_calendar_override_delete", args=[world.a.apprentice.pk, override_b.pk]))

    assert response.status_code == 404
    assert CalendarOverride.objects.filter(pk=override_b.pk).exists()


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER, Role.CRE])
def test_key_dates_cannot_be_written_without_the_right(client, world, role):
    key_date = KeyDate.objects.create(cohort=world.a.cohort, kind=KeyDateKind.EXAM, label="E4", day=date(2026, 12, 15))
    client.force_login(world.user(role))
    data = {"kind": "exam", "label": "Piratage", "day": "2026-12-16"}

    created = client.post(reverse("key_date_create", args=[world.a.cohort.pk]), data)
    edited = client.post(reverse("key_date_edit", args=[world.a.cohort.pk, key_date.pk]), data)
    deleted = client.post(reverse("key_date_delete", args=[world.a.cohort.pk, key_date.pk]))

    assert (created.status_code, edited.status_code, deleted.status_code) == (403, 403, 403)
    assert list(KeyDate.objects.values_list("label", "day")) == [("E4", date(2026, 12, 15))]


def test_tutor_cannot_touch_another_cohorts_key_date(client, world):
    key_date = KeyDate.objects.create(cohort=world.b.cohort, kind=KeyDateKind.EXAM, label="E4 B", day=date(2026, 12, 15))
    client.force_login(world.a.tutor)

    edit = client.post(reverse("key_date_edit", args=[world.b.cohort.pk, key_date.pk]), {"kind": "exam", "label": "x", "day": "2026-12-16"})
    # Its own cohort in the URL does not open another cohort's key date either.
    crossed = client.post(reverse("key_date_delete", args=[world.a.cohort.pk, key_date.pk]))

    assert (edit.status_code, crossed.status_code) == (404, 404)
    assert KeyDate.objects.get(pk=key_date.pk).label == "E4 B"


@pytest.mark.parametrize("role", [Role.TUTOR, Role.CRE, Role.APPRENTICE, Role.EMPLOYER])
def test_closures_are_managed_by_coordinator_and_admin_staff_only(client, world, role):
    closure = ClosurePeriod.objects.create(label="Noël", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3))
    client.force_login(world.user(role))
    data = {"label": "Piratage", "start_date": "2026-12-01", "end_date": "2026-12-02"}

    responses = [
        client.post(reverse("closure_create"), data),
        client.post(reverse("closure_edit", args=[closure.pk]), data),
        client.post(reverse("closure_delete", args=[closure.pk])),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert list(ClosurePeriod.objects.values_list("label", flat=True)) == ["Noël"]


# --- what the pages show -------------------------------------------------------------------------------------


def test_apprentice_month_page_renders_an_accessible_table(client, world):
    KeyDate.objects.create(cohort=world.a.cohort, kind=KeyDateKind.EXAM, label="Épreuve E4", day=date(2026, 11, 17),
                           start_time=time(9, 0), end_time=time(12, 0))
    client.force_login(world.a.apprentice_user)

    response = client.get(reverse("apprentice_calendar", args=[world.a.apprentice.pk]) + "?mois=2026-11")

    body = text(response)
    assert response.status_code == 200
    assert "<caption" in body
    assert "Calendrier d'alternance d'Alice Martin, novembre 2026 : 9 jours au centre de formation, 11 jours en entreprise." in body
    assert 'data-day="2026-11-11" data-place="-"' in body
    assert 'data-day="2026-11-02" data-place="C"' in body
    assert "09:00–12:00 Épreuve E4" in body
    assert "?mois=2026-10" in body and "?mois=2026-12" in body
    assert "css/calendar.css" in body
    assert "Exception" not in re.sub(r"Exception individuelle|Exception \(contour", "", body)  # no form for the apprentice


def test_apprentice_sees_its_own_month_on_my_calendar(client, world):
    client.force_login(world.a.apprentice_user)

    response = client.get(reverse("calendar_mine") + "?mois=2026-12")

    body = text(response)
    assert "Alice Martin, décembre 2026" in body
    assert "Bruno" not in body
    assert "/mon-calendrier/?mois=2026-11" in body


def test_employer_chooses_among_its_apprentices(client, world):
    second = add_contracted_apprentice(world.a.cohort, world.a.company, last_name="Bernard", first_name="Zoé")
    client.force_login(world.a.employer_user)

    response = client.get(reverse("calendar_mine"))

    body = text(response)
    assert reverse("apprentice_calendar", args=[world.a.apprentice.pk]) in body
    assert reverse("apprentice_calendar", args=[second.apprentice.pk]) in body
    assert "Bruno" not in body and reverse("apprentice_calendar", args=[world.b.apprentice.pk]) not in body


def test_employer_with_one_apprentice_sees_its_month_directly(client, world):
    client.force_login(world.a.employer_user)

    response = client.get(reverse("calendar_mine") + "?mois=2026-11")

    assert "Calendrier d'alternance d'Alice Martin, novembre 2026" in text(response)


def test_tutor_lists_its_cohorts_and_coordinator_the_current_ones(client, world):
    client.force_login(world.a.tutor)
    tutor_page = text(client.get(reverse("calendar_mine")))
    client.force_login(world.coordinator)
    coordinator_page = text(client.get(reverse("calendar_mine")))

    assert world.a.cohort.name in tutor_page and world.b.cohort.name not in tutor_page
    assert world.a.cohort.name in coordinator_page and world.b.cohort.name in coordinator_page
    assert reverse("closure_list") in coordinator_page


def test_cohort_page_links_the_calendars_of_the_apprentices_the_user_sees(client, world):
    url = reverse("cohort_calendar", args=[world.a.cohort.pk])
    client.force_login(world.a.tutor)
    tutor_page = text(client.get(url))
    client.force_login(world.a.employer_user)
    employer_page = text(client.get(url))

    alice = reverse("apprentice_calendar", args=[world.a.apprentice.pk])
    chloe = reverse("apprentice_calendar", args=[world.a.seeking.pk])
    assert alice in tutor_page and chloe in tutor_page
    assert alice in employer_page and chloe not in employer_page
    assert reverse("key_date_create", args=[world.a.cohort.pk]) in tutor_page
    assert reverse("key_date_create", args=[world.a.cohort.pk]) not in employer_page


def test_tutor_gets_the_exception_links_and_the_form_opens_inline(client, world):
    client.force_login(world.a.tutor)

    page = text(client.get(reverse("apprentice_calendar", args=[world.a.apprentice.pk]) + "?mois=2026-12"))
    url = reverse("apprentice_calendar_override", args=[world.a.apprentice.pk])
    panel = client.get(url + "?jour=2026-12-02", headers={"HX-Request": "true"})

    assert f'hx-get="{url}?jour=2026-12-02"' in page
    assert panel.status_code == 200
    assert "<html" not in panel.content.decode()
    assert "Sans exception, ce jour est : <strong>Entreprise</strong>" in text(panel)
    assert 'value="2026-12-02"' in text(panel)


def test_tutor_records_an_exception_with_htmx_and_gets_the_refreshed_month(client, world):
    client.force_login(world.a.tutor)
    url = reverse("apprentice_calendar_override", args=[world.a.apprentice.pk])

    response = client.post(url, {"day": "2026-12-02", "place": "C", "reason": "Rattrapage"}, headers={"HX-Request": "true"})

    override = CalendarOverride.objects.get()
    assert (override.apprentice, override.day, override.place, override.reason, override.created_by) == (
        world.a.apprentice, date(2026, 12, 2), "C", "Rattrapage", world.a.tutor,
    )
    body = text(response)
    assert response.status_code == 200
    assert f'id="calendrier-apprenti-{world.a.apprentice.pk}"' in body
    assert 'data-day="2026-12-02" data-place="C"' in body
    assert "Exception enregistrée pour le 02/12/2026." in body


def test_invalid_exception_comes_back_in_its_panel(client, world):
    client.force_login(world.a.tutor)
    url = reverse("apprentice_calendar_override", args=[world.a.apprentice.pk])

    response = client.post(url, {"day": "2026-12-02", "place": "C", "reason": ""}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == f"#calendrier-apprenti-{world.a.apprentice.pk}-exception"
    assert "Indiquez le motif de l'exception" in text(response)
    assert not CalendarOverride.objects.exists()


def test_exception_without_javascript_replaces_then_deletes(client, world):
    CalendarOverride.objects.create(apprentice=world.a.apprentice, day=date(2026, 12, 2), place="C", reason="Avant")
    client.force_login(world.coordinator)
    url = reverse("apprentice_calendar_override", args=[world.a.apprentice.pk])

    replaced = client.post(url, {"day": "2026-12-02", "place": "-", "reason": "Congé accordé"})
    override = CalendarOverride.objects.get()
    deleted = client.post(reverse("apprentice_calendar_override_delete", args=[world.a.apprentice.pk, override.pk]))

    assert replaced.status_code == 302
    assert replaced.url == reverse("apprentice_calendar", args=[world.a.apprentice.pk]) + "?mois=2026-12"
    assert (override.place, override.reason) == ("-", "Congé accordé")
    assert deleted.status_code == 302
    assert not CalendarOverride.objects.exists()


def test_key_date_created_edited_and_deleted_by_the_cohort_tutor(client, world):
    client.force_login(world.a.tutor)
    cohort = world.a.cohort

    created = client.post(reverse("key_date_create", args=[cohort.pk]), {
        "kind": "exam", "label": "Épreuve E4", "day": "2026-12-15", "start_time": "09:00", "end_time": "12:00",
        "location": "Salle 2", "apprentice": "",
    })
    key_date = KeyDate.objects.get()
    edited = client.post(reverse("key_date_edit", args=[cohort.pk, key_date.pk]), {
        "kind": "exam", "label": "Épreuve E4 (oral)", "day": "2026-12-16", "start_time": "14:00", "end_time": "",
        "location": "", "apprentice": str(world.a.apprentice.pk),
    })
    key_date.refresh_from_db()
    page = text(client.get(reverse("cohort_calendar", args=[cohort.pk]) + "?mois=2026-12"))

    assert created.status_code == 302 and created.url.endswith("?mois=2026-12")
    assert edited.status_code == 302
    assert (key_date.label, key_date.day, key_date.start_time, key_date.end_time, key_date.apprentice) == (
        "Épreuve E4 (oral)", date(2026, 12, 16), time(14, 0), None, world.a.apprentice,
    )
    assert "Épreuve E4 (oral)" in page and "Alice Martin" in page

    deleted = client.post(reverse("key_date_delete", args=[cohort.pk, key_date.pk]))
    assert deleted.status_code == 302
    assert not KeyDate.objects.exists()


def test_key_date_form_refuses_another_cohorts_apprentice_and_bad_times(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("key_date_create", args=[world.a.cohort.pk]), {
        "kind": "exam", "label": "E4", "day": "2026-12-15", "start_time": "12:00", "end_time": "09:00",
        "apprentice": str(world.b.apprentice.pk),
    })

    body = text(response)
    assert response.status_code == 400
    assert "Choisissez un·e apprenti·e de cette promotion" in body
    assert "L'heure de fin doit suivre l'heure de début." in body
    assert not KeyDate.objects.exists()


def test_closure_created_edited_listed_and_deleted_by_admin_staff(client, world):
    client.force_login(world.admin_staff)

    created = client.post(reverse("closure_create"), {"label": "Vacances de Noël", "start_date": "2026-12-19", "end_date": "2027-01-03", "cohort": ""})
    closure = ClosurePeriod.objects.get()
    edited = client.post(reverse("closure_edit", args=[closure.pk]), {
        "label": "Noël", "start_date": "2026-12-21", "end_date": "2027-01-01", "cohort": str(world.a.cohort.pk),
    })
    closure.refresh_from_db()
    listing = text(client.get(reverse("closure_list")))

    assert created.status_code == 302 and edited.status_code == 302
    assert (closure.label, closure.start_date, closure.end_date, closure.cohort) == (
        "Noël", date(2026, 12, 21), date(2027, 1, 1), world.a.cohort,
    )
    assert "Noël" in listing and world.a.cohort.name in listing

    client.post(reverse("closure_delete", args=[closure.pk]))
    assert not ClosurePeriod.objects.exists()


def test_closure_form_says_how_to_fix_reversed_dates(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("closure_create"), {"label": "Été", "start_date": "2027-08-20", "end_date": "2027-07-19"})

    assert response.status_code == 400
    assert "choisissez une date de fin postérieure ou égale à la date de début" in text(response)
    assert not ClosurePeriod.objects.exists()


def test_closure_shows_in_every_cohort_calendar(client, world):
    ClosurePeriod.objects.create(label="Vacances de Noël", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3))
    client.force_login(world.a.apprentice_user)

    body = text(client.get(reverse("apprentice_calendar", args=[world.a.apprentice.pk]) + "?mois=2026-12"))

    # Mon 21 and Tue 22 December are centre days of the CCEEE rhythm: the apprentice goes to its company.
    assert 'data-day="2026-12-21" data-place="E"' in body
    assert "Centre fermé — Vacances de Noël" in body
    assert "Centre fermé du 19/12/2026 au 03/01/2027 (Vacances de Noël)" in body


# --- PDF ----------------------------------------------------------------------------------------------------------


def pdf_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    reader = pypdf.PdfReader(BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_apprentice_pdf_holds_the_name_the_months_and_the_key_dates(client, world):
    KeyDate.objects.create(cohort=world.a.cohort, kind=KeyDateKind.EXAM, label="Épreuve E4", day=date(2027, 5, 18))
    ClosurePeriod.objects.create(label="Vacances de Noël", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3))
    client.force_login(world.a.employer_user)

    response = client.get(reverse("apprentice_calendar_pdf", args=[world.a.apprentice.pk]) + "?annee=2026-2027")

    assert response["Content-Type"] == "application/pdf"
    assert "calendrier-alice-martin-2026-2027.pdf" in response["Content-Disposition"]
    content = pdf_text(response)
    assert "Alice Martin" in content
    for month in ("septembre 2026", "décembre 2026", "janvier 2027", "août 2027"):
        assert month in content
    assert "Épreuve E4" in content
    assert "Vacances de Noël" in content
    assert "Calendrier d'alternance 2026-2027" in content


def test_cohort_pdf_holds_the_cohort_and_its_common_key_dates_only(client, world):
    KeyDate.objects.create(cohort=world.a.cohort, kind=KeyDateKind.EXAM, label="Épreuve commune", day=date(2027, 5, 18))
    KeyDate.objects.create(cohort=world.a.cohort, apprentice=world.a.apprentice, kind=KeyDateKind.OTHER,
                           label="Rendez-vous personnel", day=date(2027, 5, 19))
    client.force_login(world.a.tutor)

    response = client.get(reverse("cohort_calendar_pdf", args=[world.a.cohort.pk]))

    content = pdf_text(response)
    assert world.a.cohort.name in content
    assert "septembre 2026" in content and "août 2027" in content
    assert "Épreuve commune" in content
    assert "Rendez-vous personnel" not in content


# --- query counts ----------------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_apprentice_calendar_queries_do_not_grow_with_key_dates_and_visits(client, world):
    client.force_login(world.a.employer_user)
    url = reverse("apprentice_calendar", args=[world.a.apprentice.pk]) + "?mois=2026-12"
    KeyDate.objects.create(cohort=world.a.cohort, kind=KeyDateKind.EXAM, label="E1", day=date(2026, 12, 1))
    one = _queries(client, url)
    for day in range(2, 12):
        KeyDate.objects.create(cohort=world.a.cohort, kind=KeyDateKind.EXAM, label=f"E{day}", day=date(2026, 12, day))
        VisitFactory(apprentice=world.a.apprentice, contract=world.a.contract, planned_date=date(2026, 12, day))

    assert _queries(client, url) == one


def test_the_apprentices_own_calendar_reads_each_kind_of_event_in_one_query_and_shows_it(client, world):
    """« Mon calendrier »: the events are read narrow (what they show): a field read later than its
    query would add one per row — the count is pinned with two rows of each kind, and what each
    event shows (company, trainer, block, personal key date) is on the page."""
    a = world.a
    block = CompetenceBlockFactory(programme=a.cohort.programme, code="RNCP35340BC01", title="Concevoir une solution")
    for day in (7, 14):
        KeyDate.objects.create(cohort=a.cohort, apprentice=a.apprentice, kind=KeyDateKind.OTHER, label=f"Rendez-vous {day}",
                               day=date(2026, 12, day))
        VisitFactory(apprentice=a.apprentice, contract=a.contract, planned_date=date(2026, 12, day + 1))
        TrainingSessionFactory(cohort=a.cohort, day=date(2026, 12, day), subject=f"Réseaux {day}", competence_block=block)
    client.force_login(a.apprentice_user)

    # Session, user, apprentice (with its cohort), exceptions, closures, key dates, visits, sessions.
    assert _queries(client, reverse("calendar_mine") + "?mois=2026-12") == 8
    page = text(client.get(reverse("calendar_mine") + "?mois=2026-12"))
    assert "Rendez-vous 7" in page and "Rendez-vous 14" in page
    assert "Visite prévue : Première visite" in page and a.company.name in page
    assert "Réseaux 7" in page and "Réseaux 14" in page
    # The trainer and the block are in the events' description (the ICS feed's, same reads).
    sessions = [e for e in planning.events_for_user(a.apprentice_user, date(2026, 12, 1), date(2026, 12, 31))
                if e.kind == planning.EVENT_SESSION]
    assert [e.description for e in sessions] == [
        f"Séance de formation — Formateur·rice : {a.cohort.referent_tutor.get_full_name()} — RNCP35340BC01 — Concevoir une solution"
    ] * 2


def test_cohort_calendar_queries_do_not_grow_with_apprentices_and_key_dates(client, world):
    client.force_login(world.a.tutor)
    url = reverse("cohort_calendar", args=[world.a.cohort.pk]) + "?mois=2026-12"
    one = _queries(client, url)
    for index in range(4):
        contract = add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Nom{index}")
        KeyDate.objects.create(cohort=world.a.cohort, apprentice=contract.apprentice, kind=KeyDateKind.OTHER,
                               label=f"RDV {index}", day=date(2026, 12, 3 + index))

    assert _queries(client, url) == one


def test_closure_list_queries_do_not_grow(client, world):
    client.force_login(world.coordinator)
    ClosurePeriod.objects.create(label="A", start_date=date(2026, 12, 19), end_date=date(2027, 1, 3), cohort=world.a.cohort)
    one = _queries(client, reverse("closure_list"))
    for index in range(4):
        ClosurePeriod.objects.create(label=f"B{index}", start_date=date(2027, 2, 1 + index), end_date=date(2027, 2, 2 + index),
                                     cohort=world.b.cohort)

    assert _queries(client, reverse("closure_list")) == one


def test_staff_calendar_chooser_queries_do_not_grow_with_cohorts(client, world):
    from tests.factories.alternance import CohortFactory

    client.force_login(world.coordinator)
    one = _queries(client, reverse("calendar_mine"))
    CohortFactory.create_batch(3)

    assert _queries(client, reverse("calendar_mine")) == one


def test_staff_calendar_chooser_is_searchable_and_paginated_with_exact_counts(client, world):
    """Issue 18 §2: 25 cohorts a page, the newest first, searchable by name or programme; each row's
    learner count is its own (the count is a subquery, computed for the page's rows)."""
    from datetime import date, timedelta

    from tests.factories.alternance import ApprenticeFactory, CohortFactory

    for n in range(27):
        CohortFactory(name=f"Lot {n:02d}", start_date=date(2026, 9, 1) + timedelta(days=n), programme=world.a.cohort.programme)
    lot = Cohort.objects.get(name="Lot 26")
    ApprenticeFactory.create_batch(3, cohort=lot)
    client.force_login(world.coordinator)

    first = client.get(reverse("calendar_mine"))
    second = client.get(reverse("calendar_mine") + "?page=2")
    found = client.get(reverse("calendar_mine") + "?q=lot 26")
    none = text(client.get(reverse("calendar_mine") + "?q=introuvable"))

    assert first.context["paginator"].count == 29 and len(first.context["cohorts"]) == 25
    assert [c.name for c in first.context["cohorts"][:2]] == ["Lot 26", "Lot 25"]
    assert first.context["cohorts"][0].apprentice_count == 3
    assert len(second.context["cohorts"]) == 4
    assert [c.name for c in found.context["cohorts"]] == ["Lot 26"]
    assert "Aucune promotion ne correspond à « introuvable »." in none
