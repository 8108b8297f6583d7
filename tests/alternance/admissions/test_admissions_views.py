"""Admissions pages: the public application page (no login, spam and abuse), the staff's screens
(permission matrix, forms that keep input, duplicates), one definition for the badge, the list and
the dashboard figures, and query counts that do not grow with the rows."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.admissions import selectors
from alternance.choices import ApprenticeStatus, CandidateStatus, DiplomaCode
from alternance.demo.absences import proof_pdf
from alternance.models import Apprentice, Candidate, CandidateEvent
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    ApprenticeUserFactory,
    CandidateFactory,
    CohortFactory,
    CoordinatorFactory,
    CreFactory,
    EmployerUserFactory,
    ProgrammeFactory,
    TutorFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)


def cv_upload(content: bytes | None = None, name: str = "cv.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or proof_pdf(["Curriculum vitae"]), content_type="application/pdf")


def form_data(**overrides) -> dict:
    data = {
        "last_name": "Martin", "first_name": "Léa", "sex": "F", "birth_date": "2008-04-02", "birth_department": "69",
        "birth_commune": "Lyon", "ine": "", "email": "lea.martin@example.test", "phone": "0612345678",
        "address": "3 place Bellecour", "postal_code": "69002", "city": "Lyon", "last_diploma": str(DiplomaCode.BAC_PRO),
        "consent": "on", "website": "",
    }
    return {**data, **overrides}


# --- the public page ------------------------------------------------------------------------------------------


def test_anyone_applies_without_an_account(client):
    programme = ProgrammeFactory(admissions_open=True, title="BTS Commerce international")

    page = client.get(reverse("admissions_apply", args=[programme.pk]))
    response = client.post(reverse("admissions_apply", args=[programme.pk]), {**form_data(), "cv": cv_upload()},
                           REMOTE_ADDR="203.0.113.9")

    assert page.status_code == 200
    assert "BTS Commerce international" in page.text and "Vos données personnelles" in page.text
    assert response.status_code == 302 and response["Location"] == reverse("admissions_apply_done", args=[programme.pk])
    row = Candidate.objects.get()
    assert (row.programme_id, row.last_name, row.email, row.client_ip, row.consent_at, row.status) == (
        programme.pk, "Martin", "lea.martin@example.test", "203.0.113.9", NOW, CandidateStatus.RECEIVED)
    done = client.get(response["Location"])
    assert "Votre candidature à la formation « BTS Commerce international » est bien reçue" in done.text


def test_the_index_lists_only_open_programmes(client):
    ProgrammeFactory(admissions_open=True, title="Titre ouvert")
    ProgrammeFactory(admissions_open=False, title="Titre fermé")

    response = client.get(reverse("admissions_apply_index"))

    assert "Titre ouvert" in response.text and "Titre fermé" not in response.text


def test_a_closed_programme_has_no_application_page(client):
    programme = ProgrammeFactory(admissions_open=False)

    assert client.get(reverse("admissions_apply", args=[programme.pk])).status_code == 404
    assert client.post(reverse("admissions_apply", args=[programme.pk]), {**form_data(), "cv": cv_upload()}).status_code == 404
    assert Candidate.objects.count() == 0


def test_a_filled_honeypot_looks_like_a_success_and_stores_nothing(client):
    programme = ProgrammeFactory(admissions_open=True)

    response = client.post(reverse("admissions_apply", args=[programme.pk]),
                           {**form_data(website="http://spam.example"), "cv": cv_upload()})

    assert response.status_code == 302 and response["Location"] == reverse("admissions_apply_done", args=[programme.pk])
    assert Candidate.objects.count() == 0


def test_bad_input_keeps_what_was_typed_and_says_how_to_fix_it_in_french(client):
    programme = ProgrammeFactory(admissions_open=True)

    response = client.post(reverse("admissions_apply", args=[programme.pk]), {
        **form_data(birth_date="2015-03-01", email="lea.martin@example.test", consent=""), "cv": cv_upload(),
    })

    assert response.status_code == 200
    assert "Cochez la case d&#x27;accord sur vos données personnelles" in response.text
    assert Candidate.objects.count() == 0
    assert 'value="Martin"' in response.text and 'value="lea.martin@example.test"' in response.text and 'value="2015-03-01"' in response.text
    # Consent given: the service's rule on the age is reported on its field, the input still there.
    again = client.post(reverse("admissions_apply", args=[programme.pk]), {**form_data(birth_date="2015-03-01"), "cv": cv_upload()})
    assert "la personne aura 11 ans au 31 décembre 2026" in again.text.replace("&#x27;", "'")
    assert 'value="2015-03-01"' in again.text
    assert Candidate.objects.count() == 0


def test_a_cv_that_is_not_a_pdf_is_refused_on_the_page(client):
    programme = ProgrammeFactory(admissions_open=True)

    response = client.post(reverse("admissions_apply", args=[programme.pk]),
                           {**form_data(), "cv": cv_upload(b"MZ\x90\x00 pas un pdf", name="cv.pdf")})

    assert "Ce fichier n&#x27;est pas un PDF lisible" in response.text
    assert Candidate.objects.count() == 0


def test_an_oversized_cv_is_refused_on_the_page_with_its_size(client, settings):
    settings.ADMISSIONS_CV_MAX_MB = 1
    programme = ProgrammeFactory(admissions_open=True)
    content = proof_pdf(["CV"])
    content += b"\n" * (1024 * 1024 + 1 - len(content))

    response = client.post(reverse("admissions_apply", args=[programme.pk]), {**form_data(), "cv": cv_upload(content)})

    assert "Le CV pèse 1,1 Mo : la limite est de 1 Mo." in response.text
    assert 'value="Martin"' in response.text
    assert Candidate.objects.count() == 0


def test_beyond_the_rate_limit_the_page_says_to_retry_later(client, settings):
    settings.ADMISSIONS_MAX_PER_EMAIL = 1
    CandidateFactory(email="lea.martin@example.test", submitted_at=NOW - timedelta(hours=3))
    programme = ProgrammeFactory(admissions_open=True)

    response = client.post(reverse("admissions_apply", args=[programme.pk]), {**form_data(), "cv": cv_upload()})

    assert "Trop de candidatures ont été envoyées depuis cette adresse e-mail ces dernières 24 heures" in response.text
    assert Candidate.objects.count() == 1


# --- staff pages: permission matrix ---------------------------------------------------------------------------


@pytest.fixture
def people():
    tutor_in, tutor_out = TutorFactory(), TutorFactory()
    cohort = CohortFactory(referent_tutor=tutor_in)
    CohortFactory(referent_tutor=tutor_out)
    candidate = CandidateFactory(programme=cohort.programme, status=CandidateStatus.ADMITTED,
                                 cv=ContentFile(proof_pdf(["CV"]), name="cv.pdf"), cv_sha256="b" * 64)
    return {
        "coordinator": CoordinatorFactory(), "admin_staff": AdminStaffFactory(), "cre": CreFactory(),
        "tutor": tutor_in, "other_tutor": tutor_out, "apprentice": ApprenticeUserFactory(), "employer": EmployerUserFactory(),
        "anonymous": None, "candidate": candidate, "cohort": cohort,
    }


PAGES = {
    "list": lambda c: reverse("candidate_list"),
    "create": lambda c: reverse("candidate_create"),
    "detail": lambda c: reverse("candidate_detail", args=[c.pk]),
    "enrol": lambda c: reverse("candidate_enrol", args=[c.pk]),
    "cv": lambda c: reverse("candidate_cv", args=[c.pk]),
    "update": lambda c: reverse("candidate_update", args=[c.pk]),
    "export": lambda c: reverse("candidate_list") + "?export=csv",
}
#                  coord adm  cre  tutor other_tutor appr empl  anonymous
MATRIX = {
    "list":   (200, 200, 200, 200, 200, 403, 403, 302),
    "create": (200, 200, 403, 403, 403, 403, 403, 302),
    "detail": (200, 200, 200, 200, 404, 403, 403, 302),
    "enrol":  (200, 200, 403, 403, 404, 403, 403, 302),
    "cv":     (200, 200, 200, 200, 404, 403, 403, 302),
    "update": (200, 200, 403, 403, 404, 403, 403, 302),
    "export": (200, 200, 200, 200, 200, 403, 403, 302),
}
ROLES = ("coordinator", "admin_staff", "cre", "tutor", "other_tutor", "apprentice", "employer", "anonymous")


@pytest.mark.parametrize("page", list(MATRIX))
def test_permission_matrix(client, people, page):
    answers = {}
    for role in ROLES:
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        response = client.get(PAGES[page](people["candidate"]))
        answers[role] = response.status_code
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("login"))

    assert answers == dict(zip(ROLES, MATRIX[page], strict=True))


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 302), ("admin_staff", 302), ("cre", 403), ("tutor", 403), ("other_tutor", 404),
    ("apprentice", 403), ("employer", 403), ("anonymous", 302),
])
def test_only_the_office_moves_a_candidate(client, people, role, expected):
    if people[role] is not None:
        client.force_login(people[role])
    candidate = people["candidate"]

    response = client.post(reverse("candidate_withdraw", args=[candidate.pk]), {"comment": "A trouvé une autre formation"})

    assert response.status_code == expected
    moved = expected == 302 and people[role] is not None
    assert Candidate.objects.get(pk=candidate.pk).status == (CandidateStatus.WITHDRAWN if moved else CandidateStatus.ADMITTED)


def test_the_cv_is_downloaded_with_its_bytes(client, people):
    client.force_login(people["cre"])

    response = client.get(reverse("candidate_cv", args=[people["candidate"].pk]))

    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == proof_pdf(["CV"])


# --- staff screens --------------------------------------------------------------------------------------------


def test_admin_staff_positions_admits_and_enrols_from_the_candidate_page(client):
    admin = AdminStaffFactory()
    candidate = CandidateFactory()
    cohort = CohortFactory(programme=candidate.programme)
    client.force_login(admin)
    url = reverse("candidate_detail", args=[candidate.pk])

    client.post(reverse("candidate_position", args=[candidate.pk]), {"kind": "interview", "day": "2026-11-27", "comment": ""})
    client.post(reverse("candidate_decide", args=[candidate.pk]), {"decision": "admit", "result": "Avis favorable", "comment": ""})
    response = client.post(reverse("candidate_enrol", args=[candidate.pk]), {"cohort": cohort.pk})

    assert response.status_code == 302 and response["Location"] == url
    apprentice = Apprentice.objects.get()
    assert (apprentice.cohort_id, apprentice.status, apprentice.status_since) == (cohort.pk, ApprenticeStatus.SEEKING, date(2026, 11, 25))
    assert list(CandidateEvent.objects.filter(candidate=candidate).values_list("to_status", flat=True)) == [
        CandidateStatus.POSITIONING, CandidateStatus.ADMITTED, CandidateStatus.ENROLLED]
    page = client.get(url)
    assert "en recherche d'entreprise depuis le 25/11/2026 : contrat à signer au plus tard le 23/02/2027" in page.text


def test_a_decision_without_result_keeps_the_input_and_explains(client):
    client.force_login(AdminStaffFactory())
    candidate = CandidateFactory(status=CandidateStatus.POSITIONING)

    response = client.post(reverse("candidate_decide", args=[candidate.pk]), {"decision": "admit", "result": "", "comment": "Très motivée"})

    assert response.status_code == 400
    assert "Indiquez le résultat du positionnement" in response.text
    assert "Très motivée</textarea>" in response.text
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.POSITIONING


def test_keying_in_a_duplicate_shows_the_existing_records_with_links(client):
    client.force_login(AdminStaffFactory())
    programme = ProgrammeFactory()
    existing = CandidateFactory(last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 2))
    apprentice = ApprenticeFactory(last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 2))

    response = client.post(reverse("candidate_create"), {**form_data(email="autre@example.test"), "programme": programme.pk,
                                                         "source": "school_fair"})

    assert response.status_code == 400
    assert reverse("candidate_detail", args=[existing.pk]) in response.text
    assert reverse("apprentice_detail", args=[apprentice.pk]) in response.text
    assert "Cette personne existe déjà" in response.text
    assert 'value="autre@example.test"' in response.text
    assert Candidate.objects.count() == 1


def test_keying_in_a_new_candidate_opens_its_page(client):
    admin = AdminStaffFactory()
    client.force_login(admin)
    programme = ProgrammeFactory()

    response = client.post(reverse("candidate_create"), {**form_data(), "programme": programme.pk, "source": "parcoursup",
                                                         "cv": cv_upload()})

    row = Candidate.objects.get()
    assert response["Location"] == reverse("candidate_detail", args=[row.pk])
    assert (row.source, row.created_by_id, row.programme_id, len(row.cv_sha256)) == ("parcoursup", admin.pk, programme.pk, 64)


# --- one definition per figure ---------------------------------------------------------------------------------


def test_badge_list_and_dashboard_agree(client):
    coordinator = CoordinatorFactory()
    first, second = ProgrammeFactory(title="A — formation"), ProgrammeFactory(title="B — formation")
    for _ in range(3):
        CandidateFactory(programme=first)
    CandidateFactory(programme=second)
    CandidateFactory(programme=second, status=CandidateStatus.POSITIONING)
    client.force_login(coordinator)

    assert selectors.new_applications_count(coordinator) == 4
    home = client.get(reverse("candidate_list"))
    assert '<span class="visually-hidden">(</span>4<span class="visually-hidden"> nouvelles candidatures)' in home.text
    dashboard = client.get(reverse("dashboard"))
    assert [(row.title, row.cells) for row in dashboard.context["admissions"]] == [
        ("A — formation", [("received", 3), ("positioning", 0), ("admitted", 0), ("waiting_list", 0), ("refused", 0),
                           ("withdrawn", 0), ("enrolled", 0)]),
        ("B — formation", [("received", 1), ("positioning", 1), ("admitted", 0), ("waiting_list", 0), ("refused", 0),
                           ("withdrawn", 0), ("enrolled", 0)]),
    ]
    link = f'{reverse("candidate_list")}?formation={first.pk}&amp;etape=received'
    assert f'href="{link}" data-testid="admissions-{first.pk}-received">3</a>' in dashboard.text
    listed = client.get(reverse("candidate_list"), {"formation": first.pk, "etape": "received"})
    assert listed.context["paginator"].count == 3
    assert "3 candidatures" in listed.text


def test_a_tutor_counts_only_the_candidates_it_sees(client):
    tutor = TutorFactory()
    cohort = CohortFactory(referent_tutor=tutor)
    CandidateFactory(programme=cohort.programme)
    CandidateFactory()

    assert selectors.new_applications_count(tutor) == 1
    assert [row.total for row in selectors.pipeline(tutor)] == [1]


@pytest.mark.parametrize("page", ["list", "dashboard"])
def test_query_count_does_not_grow_with_rows(client, page):
    coordinator = CoordinatorFactory()
    client.force_login(coordinator)
    url = reverse("candidate_list") if page == "list" else reverse("dashboard")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    CandidateFactory(cohort=None)
    count_queries()  # the first opening fills the caches (Qualiopi freshness, settings rows)
    one = count_queries()
    for status in (CandidateStatus.POSITIONING, CandidateStatus.ADMITTED, CandidateStatus.REFUSED):
        CandidateFactory(status=status)
    four = count_queries()

    assert four == one


# --- opening a programme to applications, on screen ---------------------------------------------------


@pytest.mark.parametrize(("role", "get", "post"), [
    ("coordinator", 200, 302), ("admin_staff", 200, 302), ("cre", 200, 403), ("tutor", 200, 403),
    ("apprentice", 403, 403), ("employer", 403, 403), ("anonymous", 302, 302),
])
def test_who_opens_a_programme_to_applications(client, people, role, get, post):
    programme = ProgrammeFactory(title="BTS Tourisme", admissions_open=False)
    if people[role] is not None:
        client.force_login(people[role])
    url = reverse("programme_admissions")

    assert client.get(url).status_code == get
    assert client.post(url, {"programme": programme.pk, "ouvrir": "1"}).status_code == post

    programme.refresh_from_db()
    assert programme.admissions_open is (post == 302 and role != "anonymous")


def test_opening_then_closing_a_programme_changes_the_public_page_only(client, people):
    programme = ProgrammeFactory(title="BTS Tourisme", admissions_open=False)
    received = CandidateFactory(programme=programme)
    client.force_login(people["admin_staff"])
    url = reverse("programme_admissions")

    response = client.post(url, {"programme": programme.pk, "ouvrir": "1"}, follow=True)
    assert "Les candidatures en ligne sont ouvertes pour « BTS Tourisme »." in response.content.decode().replace("&#x27;", "'")
    assert "BTS Tourisme" in client.get(reverse("admissions_apply_index")).content.decode()

    client.post(url, {"programme": programme.pk, "ouvrir": "0"})
    programme.refresh_from_db()
    assert programme.admissions_open is False
    assert Candidate.objects.filter(pk=received.pk).exists()  # applications already received stay
    client.logout()
    assert "BTS Tourisme" not in client.get(reverse("admissions_apply_index")).content.decode()


def test_the_programmes_page_costs_the_same_queries_for_1_and_4_programmes(client, people):
    client.force_login(people["coordinator"])
    url = reverse("programme_admissions")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(3):
        ProgrammeFactory(title=f"Formation {i}")
    with CaptureQueriesContext(connection) as four:
        client.get(url)
    assert len(one) == len(four)


# --- correcting a record, exporting the list --------------------------------------------------------------------


def update_data(candidate, **overrides) -> dict:
    data = {**form_data(), "programme": candidate.programme_id, "source": "parcoursup"}
    data.pop("consent"), data.pop("website")
    return {**data, **overrides}


def test_the_edit_page_shows_the_record_and_saves_a_correction(client):
    client.force_login(AdminStaffFactory())
    candidate = CandidateFactory(last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 2), email="lea@example.test")

    page = client.get(reverse("candidate_update", args=[candidate.pk]))
    response = client.post(reverse("candidate_update", args=[candidate.pk]), update_data(candidate, phone="06 98 76 54 32"))

    assert 'value="lea@example.test"' in page.text
    assert response["Location"] == reverse("candidate_detail", args=[candidate.pk])
    assert Candidate.objects.get(pk=candidate.pk).phone == "06 98 76 54 32"


def test_a_bad_correction_keeps_what_was_typed_and_changes_nothing(client):
    client.force_login(AdminStaffFactory())
    candidate = CandidateFactory(last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 2))

    response = client.post(reverse("candidate_update", args=[candidate.pk]),
                           update_data(candidate, first_name="Léonie", birth_date="2019-04-02"))

    assert response.status_code == 400
    assert "l&#x27;apprentissage commence à 15 ans" in response.text
    assert 'value="Léonie"' in response.text
    assert Candidate.objects.get(pk=candidate.pk).first_name == "Léa"


def test_a_correction_that_duplicates_another_person_links_to_it(client):
    client.force_login(AdminStaffFactory())
    candidate = CandidateFactory(last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 2))
    apprentice = ApprenticeFactory(last_name="Durand", first_name="Zoé", birth_date=date(2007, 1, 9))

    response = client.post(reverse("candidate_update", args=[candidate.pk]),
                           update_data(candidate, last_name="Durand", first_name="Zoé", birth_date="2007-01-09"))

    assert response.status_code == 400
    assert reverse("apprentice_detail", args=[apprentice.pk]) in response.text
    assert Candidate.objects.get(pk=candidate.pk).last_name == "Martin"


def test_the_export_holds_the_whole_filtered_list_in_french(client):
    client.force_login(AdminStaffFactory())
    programme = ProgrammeFactory(title="BTS MCO")
    CandidateFactory(programme=programme, last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 2),
                     status=CandidateStatus.RECEIVED, source="parcoursup")
    CandidateFactory(programme=programme, last_name="Durand", status=CandidateStatus.REFUSED)
    CandidateFactory(last_name="Ailleurs", status=CandidateStatus.RECEIVED)

    response = client.get(reverse("candidate_list"), {"export": "csv", "etape": "received", "formation": programme.pk})

    lines = response.getvalue().decode("utf-8-sig").splitlines()
    assert response["Content-Disposition"] == 'attachment; filename="candidatures-2026-11-25.csv"'
    assert lines[0].startswith("Nom;Prénom;Date de naissance;E-mail")
    assert len(lines) == 2
    assert lines[1].startswith("Martin;Léa;02/04/2008;")
    assert ";BTS MCO;Reçue;" in lines[1] and ";Parcoursup;" in lines[1]
