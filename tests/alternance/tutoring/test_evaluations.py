"""The employer's evaluations (issue 6, part 4): the criteria, the submit service (scores re-read,
read-only afterwards, scale and required scores, who may submit), the tutor's grid without the
employer's criteria, the employer's part on the tutor's visit page and in the visit report PDF,
and the demo."""

import html as htmllib
import io
from datetime import date, datetime, timedelta
from importlib import import_module

import pypdf
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from alternance.choices import Role, VisitKind
from alternance.demo.evaluations import seed_evaluations
from alternance.models import User, Visit, VisitCriterion
from alternance.tutoring import evaluations
from alternance.tutoring.evaluations import (
    EMPLOYER_CRITERIA,
    employer_criteria,
    employer_criteria_install_standard,
    employer_evaluation_submit,
    employer_grid_rows,
)
from alternance.tutoring.pdf import visit_report_generate
from alternance.tutoring.selectors import active_criteria, visit_grid_rows
from alternance.tutoring.services import GridAnswer, visit_criteria_install_standard, visit_record
from contracts.documents import document_read
from tests.factories.alternance import UserFactory, VisitFactory
from tests.factories.companies import CompanyContactFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS, TODAY, make_world

pytestmark = pytest.mark.django_db

EMPLOYER_CODES = ["employer_behaviour", "employer_skills", "employer_attendance"]
TUTOR_CODES = ["integration", "skills_progress", "master_relationship", "attendance", "rupture_risk"]


@pytest.fixture(autouse=True)
def criteria(db):
    """The grids installed by migrations 0003 and 0006 (a transactional test elsewhere may have flushed them)."""
    visit_criteria_install_standard()
    employer_criteria_install_standard()


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def visit(world):
    return VisitFactory(apprentice=world.a.apprentice, contract=world.a.contract, kind=VisitKind.MID_TERM_REVIEW,
                        planned_date=date(2026, 11, 20), done_date=date(2026, 11, 20))


def page(response) -> str:
    """The page's HTML, entities decoded and whitespace collapsed."""
    assert response.status_code == 200
    return " ".join(htmllib.unescape(response.content.decode()).split())


def answers(*scores, comments=("", "", "")) -> dict[str, GridAnswer]:
    return {code: GridAnswer(score=score, comment=comment) for code, score, comment in zip(EMPLOYER_CODES, scores, comments, strict=True)}


# --- the criteria ---------------------------------------------------------------------------------------


def test_migration_0006_installs_the_three_employer_criteria_in_french_after_the_tutors():
    rows = list(VisitCriterion.objects.order_by("order").values_list("code", "label", "scale_max", "active", "for_employer", "order"))
    assert rows[-3:] == [
        ("employer_behaviour", "Savoir-être et intégration (vu par le maître d'apprentissage)", 4, True, True, 110),
        ("employer_skills", "Progression des compétences en entreprise", 4, True, True, 120),
        ("employer_attendance", "Assiduité et ponctualité en entreprise", 4, True, True, 130),
    ]
    assert [c.code for c in employer_criteria()] == EMPLOYER_CODES


def test_the_migration_and_the_install_service_agree():
    migration = import_module("alternance.migrations.0006_employer_criteria")
    assert migration.EMPLOYER_CRITERIA == EMPLOYER_CRITERIA
    assert migration.FIRST_ORDER == evaluations.FIRST_ORDER


def test_installing_again_keeps_a_reworded_criterion():
    VisitCriterion.objects.filter(code="employer_skills").update(label="Compétences métier")
    employer_criteria_install_standard()
    assert VisitCriterion.objects.get(code="employer_skills").label == "Compétences métier"
    assert VisitCriterion.objects.filter(for_employer=True).count() == 3


def test_the_tutors_grid_no_longer_shows_the_employer_criteria(world, visit, client):
    assert [c.code for c in active_criteria()] == TUTOR_CODES
    assert [row["code"] for row in visit_grid_rows(visit)] == TUTOR_CODES

    client.force_login(world.a.tutor)
    html = page(client.get(reverse("visit_grid", args=[visit.pk])))
    assert "Intégration dans l'entreprise" in html
    for label in ("Savoir-être et intégration", "Progression des compétences en entreprise", "Assiduité et ponctualité en entreprise"):
        assert label not in html
    assert "score_employer_" not in html


# --- the service -------------------------------------------------------------------------------------------


def test_submitting_stores_the_scores_comments_author_and_time(world, visit):
    employer_evaluation_submit(
        visit=visit, by=world.a.employer_user, answers=answers(3, 4, 2, comments=(" Très poli ", "", "Deux retards")),
        comment="  Bonne recrue.  ",
    )

    visit.refresh_from_db()
    assert visit.employer_grid_answers == {
        "employer_behaviour": {"score": 3, "comment": "Très poli"},
        "employer_skills": {"score": 4, "comment": ""},
        "employer_attendance": {"score": 2, "comment": "Deux retards"},
    }
    assert (visit.employer_comment, visit.employer_submitted_by_id, visit.employer_submitted_at) == (
        "Bonne recrue.", world.a.employer_user.pk, datetime(2026, 11, 28, 10, 0, tzinfo=PARIS),
    )
    # The tutor's own grid is untouched.
    assert visit.grid_answers == {}


def test_a_second_submission_is_refused_with_a_clear_message_and_changes_nothing(world, visit):
    employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(3, 3, 3), comment="Premier envoi")

    with pytest.raises(ValidationError) as error:
        employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(1, 1, 1), comment="Second envoi")

    assert error.value.code == "already_submitted"
    assert error.value.messages == [
        "Cette évaluation a déjà été envoyée le 28/11/2026 : elle ne peut plus être modifiée. "
        "Pour la corriger, écrivez au formateur ou à la formatrice référent·e."
    ]
    visit.refresh_from_db()
    assert (visit.employer_comment, visit.employer_grid_answers["employer_behaviour"]["score"]) == ("Premier envoi", 3)


def test_a_stale_copy_of_the_visit_cannot_overwrite_a_submission_made_meanwhile(world, visit):
    stale = Visit.objects.get(pk=visit.pk)
    other = CompanyContactFactory(company=world.a.company, user=UserFactory(role=Role.EMPLOYER, email="rh-a@example.test"))
    employer_evaluation_submit(visit=visit, by=other.user, answers=answers(4, 4, 4), comment="Envoyée par la RH")

    with pytest.raises(ValidationError) as error:
        employer_evaluation_submit(visit=stale, by=world.a.employer_user, answers=answers(1, 1, 1), comment="Trop tard")

    assert error.value.code == "already_submitted"
    visit.refresh_from_db()
    assert (visit.employer_comment, visit.employer_submitted_by_id) == ("Envoyée par la RH", other.user_id)


@pytest.mark.parametrize("score", [0, 5, -1])
def test_a_score_outside_the_scale_is_refused_in_french_and_nothing_is_saved(world, visit, score):
    with pytest.raises(ValidationError) as error:
        employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(score, 3, 3), comment="")

    assert error.value.message_dict == {
        "score_employer_behaviour": ["« Savoir-être et intégration (vu par le maître d'apprentissage) » : choisissez une note de 1 à 4."]
    }
    visit.refresh_from_db()
    assert (visit.employer_submitted_at, visit.employer_grid_answers) == (None, {})


def test_every_employer_criterion_needs_a_score(world, visit):
    with pytest.raises(ValidationError) as error:
        employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(3, None, 2, comments=("", "Rien", "")),
                                   comment="")

    assert error.value.message_dict == {"score_employer_skills": ["« Progression des compétences en entreprise » : choisissez une note de 1 à 4."]}
    assert Visit.objects.get(pk=visit.pk).employer_submitted_at is None


def test_a_tutor_criterion_is_not_the_employers_to_score(world, visit):
    with pytest.raises(ValidationError) as error:
        employer_evaluation_submit(
            visit=visit, by=world.a.employer_user, answers={**answers(3, 3, 3), "rupture_risk": GridAnswer(score=1)}, comment=""
        )
    assert error.value.message_dict == {"__all__": ["Le critère « rupture_risk » ne fait pas partie de la grille."]}


def test_only_a_contact_of_the_contracts_company_may_submit(world, visit):
    for user in (world.b.employer_user, world.a.apprentice_user, world.a.tutor, world.coordinator):
        with pytest.raises(PermissionDenied):
            employer_evaluation_submit(visit=visit, by=user, answers=answers(3, 3, 3), comment="")
    assert Visit.objects.get(pk=visit.pk).employer_submitted_at is None


def test_a_deactivated_contact_may_no_longer_submit(world, visit):
    world.a.employer_contact.active = False
    world.a.employer_contact.save()
    with pytest.raises(PermissionDenied):
        employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(3, 3, 3), comment="")


def test_the_tutor_is_emailed_once_the_evaluation_is_committed(world, visit, celery_eager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(3, 3, 3), comment="")

    assert [(m.to, m.subject) for m in mail.outbox] == [(["tuteur-a@example.test"], "Évaluation de l'entreprise reçue — Alice Martin")]
    assert f"/visites/{visit.pk}/" in mail.outbox[0].body


def test_a_retired_employer_criterion_stays_readable_on_past_evaluations(world, visit):
    employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(3, 4, 2), comment="")
    VisitCriterion.objects.filter(code="employer_skills").update(active=False)

    rows = employer_grid_rows(Visit.objects.get(pk=visit.pk))

    assert [(r["code"], r["score"]) for r in rows] == [("employer_behaviour", 3), ("employer_skills", 4), ("employer_attendance", 2)]
    assert [c.code for c in employer_criteria()] == ["employer_behaviour", "employer_attendance"]


# --- the tutor reads the employer's part ---------------------------------------------------------------------


def test_the_tutor_sees_the_employers_answers_on_the_visit_page(world, visit, client):
    client.force_login(world.a.tutor)
    before = page(client.get(reverse("visit_detail", args=[visit.pk])))
    assert "L'entreprise n'a pas encore rempli sa partie de la grille." in before

    world.a.employer_user.first_name, world.a.employer_user.last_name = "Marc", "Lemaître"
    world.a.employer_user.save()
    employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(3, 4, 2, comments=("Poli", "", "")),
                               comment="Apprentie motivée.")
    html = page(client.get(reverse("visit_detail", args=[visit.pk])))

    assert "Évaluation de l'entreprise" in html
    assert "Remplie par Marc Lemaître le 28/11/2026." in html
    for label, score in (("Savoir-être et intégration (vu par le maître d'apprentissage)", "3 / 4"),
                         ("Progression des compétences en entreprise", "4 / 4"), ("Assiduité et ponctualité en entreprise", "2 / 4")):
        assert f"<td>{label}</td><td class=\"text-nowrap\">{score}</td>" in html
    assert "Apprentie motivée." in html and "Poli" in html


def test_the_employers_part_is_in_the_visit_report_pdf(world, visit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    visit = visit_record(visit=visit, answers={"integration": GridAnswer(score=3)}, done_date=date(2026, 11, 20), today=TODAY, by=visit.tutor)
    world.a.employer_user.first_name, world.a.employer_user.last_name = "Marc", "Lemaître"
    world.a.employer_user.save()
    employer_evaluation_submit(visit=visit, by=world.a.employer_user, answers=answers(3, 4, 2), comment="Apprentie motivée.")

    document = visit_report_generate(visit=Visit.objects.get(pk=visit.pk), by=visit.tutor, today=TODAY)

    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document_read(document))).pages).split())
    assert "Évaluation de l'entreprise" in text
    assert "Remplie en ligne par Marc Lemaître le 28/11/2026." in text
    for label, score in (("Savoir-être et intégration (vu par le maître d'apprentissage)", "3 / 4"),
                         ("Progression des compétences en entreprise", "4 / 4"), ("Assiduité et ponctualité en entreprise", "2 / 4")):
        assert f"{label} {score}" in text
    assert "Commentaire de l'entreprise : Apprentie motivée." in text
    # The tutor's grid average stays the tutor's own (3), the employer's has its own line (3).
    assert "Moyenne de la grille : 3" in text
    assert "Moyenne de l'évaluation de l'entreprise : 3" in text


def test_a_report_without_the_employers_part_says_so(world, visit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document = visit_report_generate(visit=visit, by=visit.tutor, today=TODAY)
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(document_read(document))).pages).split())
    assert "L'entreprise n'a pas rempli sa partie de la grille en ligne." in text
    assert "Savoir-être" not in text


# --- demo ------------------------------------------------------------------------------------------------------


def test_the_demo_fills_the_demo_employers_past_visits_only_and_once(world):
    employer = UserFactory(email="employeur@demo.test", role=Role.EMPLOYER)
    contact = CompanyContactFactory(company=world.a.company, user=employer)
    contract = ContractFactory(apprentice=world.a.seeking, company=world.a.company, master=contact)
    old = VisitFactory(apprentice=world.a.seeking, contract=contract, kind=VisitKind.FIRST, planned_date=date(2026, 10, 1),
                       done_date=date(2026, 10, 2),
                       grid_answers={"integration": {"score": 2, "comment": ""}, "attendance": {"score": 1, "comment": ""}})
    good = VisitFactory(apprentice=world.a.seeking, contract=contract, kind=VisitKind.FOLLOW_UP, planned_date=date(2026, 11, 2),
                        done_date=date(2026, 11, 2), grid_answers={"integration": {"score": 4, "comment": ""}})
    recent = VisitFactory(apprentice=world.a.seeking, contract=contract, kind=VisitKind.FOLLOW_UP, planned_date=date(2026, 11, 25),
                          done_date=date(2026, 11, 25))
    planned = VisitFactory(apprentice=world.a.seeking, contract=contract, kind=VisitKind.MID_TERM_REVIEW, planned_date=date(2026, 12, 15))
    other_company = VisitFactory(apprentice=world.b.apprentice, contract=world.b.contract, planned_date=date(2026, 10, 1),
                                 done_date=date(2026, 10, 1))

    assert seed_evaluations(today=TODAY) == 2

    old.refresh_from_db()
    good.refresh_from_db()
    assert old.employer_grid_answers == {
        "employer_behaviour": {"score": 2, "comment": ""}, "employer_skills": {"score": 2, "comment": ""},
        "employer_attendance": {"score": 2, "comment": ""},
    }
    assert good.employer_grid_answers == {
        "employer_behaviour": {"score": 4, "comment": ""}, "employer_skills": {"score": 4, "comment": ""},
        "employer_attendance": {"score": 4, "comment": ""},
    }
    assert (old.employer_submitted_by_id, timezone.localtime(old.employer_submitted_at)) == (
        employer.pk, datetime(2026, 10, 5, 18, 0, tzinfo=PARIS))
    assert old.employer_comment == "Des progrès, à confirmer sur les prochaines semaines."
    for untouched in (recent, planned, other_company):
        assert Visit.objects.get(pk=untouched.pk).employer_submitted_at is None
    assert seed_evaluations(today=TODAY + timedelta(days=1)) == 0


def test_the_demo_evaluations_fit_the_seeded_demo_and_show_on_the_employers_pages(client):
    from django.core.management import call_command

    call_command("seed_demo", apprentices=60, seed=7, today="2026-11-28", stdout=io.StringIO())  # runs seed_evaluations

    filled = Visit.objects.filter(employer_submitted_at__isnull=False).count()
    assert seed_evaluations(today=TODAY) == 0

    employer = User.objects.get(email="employeur@demo.test")
    visits = Visit.objects.filter(employer_submitted_at__isnull=False)
    assert filled == visits.count() > 0
    criteria = employer_criteria()
    for visit in visits:
        assert visit.employer_submitted_by_id == employer.pk
        assert sorted(visit.employer_grid_answers) == sorted(EMPLOYER_CODES)
        assert all(1 <= answer["score"] <= 4 for answer in visit.employer_grid_answers.values())
        assert visit.employer_submitted_at.date() <= TODAY and len(criteria) == 3
    client.force_login(employer)
    response = client.get(reverse("employer_evaluations"))
    assert len(response.context["done"]) == min(filled, 25)  # every one filled is on a contract it sees
    assert client.get(reverse("home")).status_code == 200
