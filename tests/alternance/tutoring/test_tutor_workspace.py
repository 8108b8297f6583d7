"""The tutors' workspace pages: what is due on hand-built data, the permission matrix over the
roles, query counts that do not grow with the rows, exports, the grid form and the report download."""

import csv
import io
from datetime import date, datetime

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import AttendanceStatus, JustificationStatus, Role, VisitKind
from alternance.models import AttendanceRecord, Visit
from alternance.tutoring.services import visit_criteria_install_standard
from contracts.choices import ContractKind
from contracts.models import Document
from tests.factories.alternance import AttendanceRecordFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db

ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]


@pytest.fixture(autouse=True)
def standard_criteria(db):
    """The grid installed by migration 0003 (a transactional test elsewhere may have flushed it)."""
    visit_criteria_install_standard()


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def rows_of(response):
    return {row.apprentice.full_name: row for row in response.context["rows"]}


# --- what is due ---------------------------------------------------------------------------------


def test_the_workspace_lists_the_tutors_apprentices_with_what_is_due(client, world):
    # One more absence to justify (pending), one justified (accepted) that no longer counts.
    AttendanceRecordFactory(apprentice=world.a.apprentice, day=date(2026, 11, 17), justification=JustificationStatus.PENDING)
    AttendanceRecordFactory(apprentice=world.a.apprentice, day=date(2026, 11, 18), justification=JustificationStatus.ACCEPTED)
    client.force_login(world.a.tutor)

    response = client.get(reverse("tutor_workspace"))

    assert response.status_code == 200
    rows = rows_of(response)
    assert sorted(rows) == ["Alice Martin", "Chloé Petit"]  # side B's apprentices do not leak
    alice = rows["Alice Martin"]
    # Practical start Thu 03/09/2026, CCEEE: 2 days that week, then 3 a week, 11/11 off: the 45th
    # company day is Thu 17/12/2026; the warning window (10 days) opens on 07/12.
    assert (alice.next_visit.kind, alice.next_visit.due_date, alice.next_visit.state) == (VisitKind.FIRST, date(2026, 12, 17), "upcoming")
    assert (alice.mid_term.due_date, alice.mid_term.state) == (date(2027, 9, 1), "upcoming")
    assert (alice.end_review.due_date, alice.end_review.state) == (date(2028, 8, 31), "upcoming")
    assert alice.planned_visit["planned_date"] == date(2026, 12, 10)
    assert alice.absences_to_justify == 2
    chloe = rows["Chloé Petit"]
    assert (chloe.contract, chloe.next_visit, chloe.absences_to_justify) == (None, None, 0)
    html = response.content.decode()
    assert "17/12/2026" in html and reverse("attendance_register", args=[world.a.cohort.pk]) in html


def test_after_a_visit_done_the_next_visit_is_due_the_interval_later(client, world):
    Visit.objects.filter(apprentice=world.a.apprentice).update(done_date=date(2026, 5, 1))
    Visit.objects.filter(apprentice=world.a.apprentice).update(done_date=date(2026, 9, 15))
    client.force_login(world.a.tutor)

    alice = rows_of(client.get(reverse("tutor_workspace")))["Alice Martin"]

    # 15/09/2026 + 180 days (RuleSettings.visit_interval_days) = 14/03/2027.
    assert (alice.next_visit.kind, alice.next_visit.due_date) == (VisitKind.FOLLOW_UP, date(2027, 3, 14))


def test_the_coordinator_views_a_tutors_workspace_with_the_tuteur_parameter(client, world):
    client.force_login(world.coordinator)

    response = client.get(reverse("tutor_workspace"), {"tuteur": world.b.tutor.pk})

    assert sorted(rows_of(response)) == ["Bruno Durand", "Damien Roux"]
    assert client.get(reverse("tutor_workspace")).context["tutor"] is None  # asks to choose first


def test_the_due_only_filter_and_the_sorts(client, world):
    client.force_login(world.a.tutor)
    url = reverse("tutor_workspace")
    assert list(rows_of(client.get(url, {"a_faire": "1"}))) == ["Alice Martin"]  # an absence to justify
    names = [row.apprentice.last_name for row in client.get(url, {"sort": "-name"}).context["rows"]]
    assert names == ["Petit", "Martin"]
    names = [row.apprentice.last_name for row in client.get(url, {"sort": "absences"}).context["rows"]]
    assert names == ["Martin", "Petit"]


def test_the_due_list_exports_as_csv_and_xlsx(client, world):
    client.force_login(world.a.tutor)

    response = client.get(reverse("tutor_workspace"), {"format": "csv", "sort": "name"})

    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:6] == ["Apprenti·e", "Promotion", "Entreprise", "Prochaine visite", "Échéance", "État"]
    assert lines[1] == [
        "Alice Martin", "Promotion A 2026", "Boulangerie Alpha", "Première visite", "17/12/2026", "À venir",
        "10/12/2026", "01/09/2027", "À venir", "31/08/2028", "À venir", "1",
    ]
    assert lines[2][:3] == ["Chloé Petit", "Promotion A 2026", ""]
    from openpyxl import load_workbook

    xlsx = client.get(reverse("tutor_workspace"), {"format": "xlsx", "sort": "name"})
    sheet = load_workbook(io.BytesIO(xlsx.getvalue())).active
    assert [cell.value for cell in sheet[2]][:5] == ["Alice Martin", "Promotion A 2026", "Boulangerie Alpha", "Première visite", datetime(2026, 12, 17)]


def test_the_workspace_query_count_does_not_grow_with_the_apprentices(client, world):
    client.force_login(world.a.tutor)
    url = reverse("tutor_workspace")
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for name in ("Un", "Deux", "Trois"):
        contract = add_contracted_apprentice(world.a.cohort, world.a.company, last_name=name)
    # A professionalisation contract: its trial period reads the contract's term and category.
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.save(update_fields=["kind"])
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)
    assert len(response.context["rows"]) == 5
    assert len(one) == len(four)
    # The apprentices and their active contracts read only the columns the rows use: no field read
    # later than its query (nav badges, cohorts, counts, rows, thresholds, calendars).
    assert len(one) == 15


# --- permission matrix -------------------------------------------------------------------------------


def _user(world, role, side="a"):
    return world.user(role) if side == "a" else getattr(world.b, {Role.TUTOR: "tutor", Role.CRE: "cre"}[role])


WORKSPACE = {Role.COORDINATOR: 200, Role.ADMIN_STAFF: 403, Role.CRE: 403, Role.TUTOR: 200, Role.APPRENTICE: 403, Role.EMPLOYER: 403}


@pytest.mark.parametrize("role", ROLES)
def test_workspace_permissions(client, world, role):
    client.force_login(world.user(role))
    params = {"tuteur": world.a.tutor.pk} if role == Role.COORDINATOR else {}
    assert client.get(reverse("tutor_workspace"), params).status_code == WORKSPACE[role]


def test_a_tutor_cannot_open_another_tutors_workspace(client, world):
    client.force_login(world.a.tutor)
    assert client.get(reverse("tutor_workspace"), {"tuteur": world.b.tutor.pk}).status_code == 403


def test_anonymous_users_are_sent_to_the_login_page(client, world):
    response = client.get(reverse("tutor_workspace"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# (view name, args from the world, expected status per role for side A's object; side B's tutor: 404)
MATRIX = {
    "visit_plan": {Role.COORDINATOR: 200, Role.ADMIN_STAFF: 403, Role.CRE: 403, Role.TUTOR: 200, Role.APPRENTICE: 403, Role.EMPLOYER: 403},
    "visit_grid": {Role.COORDINATOR: 200, Role.ADMIN_STAFF: 403, Role.CRE: 403, Role.TUTOR: 200, Role.APPRENTICE: 403, Role.EMPLOYER: 403},
    "visit_detail": {Role.COORDINATOR: 200, Role.ADMIN_STAFF: 200, Role.CRE: 200, Role.TUTOR: 200, Role.APPRENTICE: 403, Role.EMPLOYER: 403},
    "attendance_register": {Role.COORDINATOR: 200, Role.ADMIN_STAFF: 200, Role.CRE: 403, Role.TUTOR: 200, Role.APPRENTICE: 403, Role.EMPLOYER: 403},
    "attendance_record": {Role.COORDINATOR: 200, Role.ADMIN_STAFF: 200, Role.CRE: 403, Role.TUTOR: 200, Role.APPRENTICE: 403, Role.EMPLOYER: 403},
}


def _url(world, name, side):
    s = getattr(world, side)
    arg = {
        "visit_plan": s.apprentice.pk,
        "attendance_record": s.apprentice.pk,
        "visit_grid": Visit.objects.get(apprentice=s.apprentice).pk,
        "visit_detail": Visit.objects.get(apprentice=s.apprentice).pk,
        "attendance_register": s.cohort.pk,
    }[name]
    return reverse(name, args=[arg])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(MATRIX))
def test_permission_matrix_of_the_tutor_pages(client, world, name, role):
    client.force_login(world.user(role))
    assert client.get(_url(world, name, "a")).status_code == MATRIX[name][role]


@pytest.mark.parametrize("name", list(MATRIX))
def test_another_tutors_objects_are_not_found(client, world, name):
    client.force_login(world.a.tutor)
    assert client.get(_url(world, name, "b")).status_code == 404


@pytest.mark.parametrize("role", [Role.CRE, Role.APPRENTICE, Role.EMPLOYER])
def test_writes_are_forbidden_to_cre_apprentice_and_employer(client, world, role):
    client.force_login(world.user(role))
    visit = Visit.objects.get(apprentice=world.a.apprentice)
    posts = [
        (reverse("visit_plan", args=[world.a.apprentice.pk]), {"kind": "first", "planned_date": "2026-12-01", "mode": "on_site"}),
        (reverse("visit_grid", args=[visit.pk]), {"done_date": "2026-11-20", "mode": "on_site", "score_integration": "1"}),
        (reverse("visit_report", args=[visit.pk]), {}),
        (reverse("attendance_register", args=[world.a.cohort.pk]), {"day": "2026-11-23", "half": "am", f"status_{world.a.apprentice.pk}": "absent"}),
        (reverse("attendance_record", args=[world.a.apprentice.pk]), {"day": "2026-11-23", "half": "am", "status": "absent"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert Visit.objects.count() == 2 and Visit.objects.filter(done_date__isnull=False).count() == 0
    assert AttendanceRecord.objects.count() == 2
    assert not Document.objects.filter(kind="visit_report").exists()


# --- forms ------------------------------------------------------------------------------------------


def test_planning_suggests_what_is_due_and_creates_the_visit(client, world):
    client.force_login(world.a.tutor)
    url = reverse("visit_plan", args=[world.a.apprentice.pk])

    form = client.get(url).context["form"]
    assert (form.initial["kind"], form.initial["planned_date"]) == (VisitKind.FIRST, date(2026, 12, 17))

    response = client.post(url, {"kind": "mid_term_review", "planned_date": "2027-08-20", "mode": "remote"})

    visit = Visit.objects.get(apprentice=world.a.apprentice, kind=VisitKind.MID_TERM_REVIEW)
    assert response["Location"] == reverse("visit_detail", args=[visit.pk])
    assert (visit.planned_date, visit.mode, visit.tutor, visit.contract) == (date(2027, 8, 20), "remote", world.a.tutor, world.a.contract)


def test_the_grid_form_records_the_visit(client, world):
    client.force_login(world.a.tutor)
    visit = Visit.objects.get(apprentice=world.a.apprentice)

    response = client.post(reverse("visit_grid", args=[visit.pk]), {
        "done_date": "2026-11-27", "mode": "on_site", "score_integration": "4", "comment_integration": "Très bien accueillie",
        "score_skills_progress": "3", "score_master_relationship": "4", "score_attendance": "2", "score_rupture_risk": "4",
        "master_feedback": "RAS", "actions_agreed": "", "report": "Visite positive.",
    })

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.done_date == date(2026, 11, 27)
    assert visit.grid_answers["integration"] == {"score": 4, "comment": "Très bien accueillie"}
    assert [visit.grid_answers[c]["score"] for c in ("skills_progress", "master_relationship", "attendance", "rupture_risk")] == [3, 4, 2, 4]


def test_the_grid_form_keeps_the_input_and_explains_the_errors_in_french(client, world):
    client.force_login(world.a.tutor)
    visit = Visit.objects.get(apprentice=world.a.apprentice)

    response = client.post(reverse("visit_grid", args=[visit.pk]), {
        "done_date": "2026-11-27", "mode": "on_site", "score_integration": "9", "score_attendance": "2",
        "comment_attendance": "Retards le lundi", "at_risk": "on", "risk_comment": "", "report": "Mon compte rendu",
    })

    assert response.status_code == 200
    html = response.content.decode()
    assert "Choisissez une note de 1 à 4." in html
    assert "Expliquez en quelques mots le risque de rupture signalé." in html
    assert "Retards le lundi" in html and "Mon compte rendu" in html
    assert 'name="score_attendance" value="2" class="form-check-input" id="id_score_attendance_1" checked' in html
    visit.refresh_from_db()
    assert visit.done_date is None


def test_the_tutor_generates_and_downloads_the_visit_report(client, world, media):
    client.force_login(world.a.tutor)
    visit = Visit.objects.get(apprentice=world.a.apprentice)
    client.post(reverse("visit_grid", args=[visit.pk]), {"done_date": "2026-11-27", "mode": "on_site", "score_integration": "3"})

    client.post(reverse("visit_report", args=[visit.pk]))

    document = Document.objects.get(kind="visit_report", apprentice=world.a.apprentice)
    page = client.get(reverse("visit_detail", args=[visit.pk])).content.decode()
    download = reverse("contracts:document_download", args=[document.pk])
    assert download in page
    response = client.get(download)
    text = pypdf.PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert "Alice Martin" in text and "Intégration dans l'entreprise" in " ".join(text.split())
    client.force_login(world.b.tutor)
    assert client.get(download).status_code == 404


def test_the_tutor_home_links_to_the_workspace(client, world):
    client.force_login(world.a.tutor)
    html = client.get(reverse("home")).content.decode()
    assert reverse("tutor_workspace") in html
    assert reverse("attendance_register", args=[world.a.cohort.pk]) in html


def test_recording_one_half_day_from_the_apprentice_form(client, world):
    client.force_login(world.a.tutor)
    response = client.post(reverse("attendance_record", args=[world.a.apprentice.pk]), {
        "day": "2026-11-24", "half": "pm", "status": "late", "minutes_late": "25", "reason": "Bus",
    })
    assert response.status_code == 302
    record = AttendanceRecord.objects.get(apprentice=world.a.apprentice, day=date(2026, 11, 24))
    assert (record.half, record.status, record.minutes_late, record.reason, record.recorded_by) == (
        "pm", AttendanceStatus.LATE, 25, "Bus", world.a.tutor,
    )


def test_an_htmx_filter_request_gets_only_the_results_block(client, world):
    client.force_login(world.a.tutor)
    response = client.get(reverse("tutor_workspace"), {"q": "Martin"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="resultats"') and "<html" not in html
    assert list(rows_of(response)) == ["Alice Martin"]


@pytest.mark.parametrize(("planned", "late"), [(date(2026, 11, 27), True), (date(2026, 11, 28), False)])
def test_a_planned_visit_whose_day_passed_is_marked_in_the_workspace(client, world, planned, late):
    from tests.factories.alternance import VisitFactory

    VisitFactory(apprentice=world.a.apprentice, tutor=world.a.tutor, contract=world.a.contract, planned_date=planned,
                 done_date=None)
    client.force_login(world.a.tutor)

    response = client.get(reverse("tutor_workspace"))

    assert ('data-testid="planned-visit-late"' in response.text) == late
