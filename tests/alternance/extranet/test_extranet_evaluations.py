"""The employer's evaluation pages (issue 6, part 4): the list of visits awaiting the employer's part
and those sent, the form (radio scale, comments), read-only once sent, a second submission refused
with a clear message, French errors, and no access to another company's visit."""

import html as htmllib
import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role, VisitKind
from alternance.extranet.selectors import employer_evaluations_to_fill_count
from alternance.models import Visit
from alternance.tutoring.evaluations import employer_criteria_install_standard, employer_evaluation_submit
from alternance.tutoring.services import GridAnswer, visit_criteria_install_standard
from contracts.choices import ContractStatus
from tests.factories.alternance import UserFactory, VisitFactory
from tests.factories.companies import CompanyContactFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db

CODES = ["employer_behaviour", "employer_skills", "employer_attendance"]


@pytest.fixture(autouse=True)
def criteria(db):
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


def words(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def form_data(*scores, comment="") -> dict:
    data = {f"score_{code}": str(score) for code, score in zip(CODES, scores, strict=True) if score is not None}
    data.update({f"comment_{code}": "" for code in CODES})
    data["comment"] = comment
    return data


def submit(visit, user, *scores, comment=""):
    employer_evaluation_submit(visit=visit, by=user, answers={c: GridAnswer(score=s) for c, s in zip(CODES, scores, strict=True)},
                               comment=comment)


# --- the list ----------------------------------------------------------------------------------------------------


def test_the_list_shows_my_visits_awaiting_my_part_and_those_i_sent(client, world, visit):
    sent = VisitFactory(apprentice=world.a.apprentice, contract=world.a.contract, kind=VisitKind.FIRST,
                        planned_date=date(2026, 10, 5), done_date=date(2026, 10, 5))
    submit(sent, world.a.employer_user, 3, 3, 3)
    VisitFactory(apprentice=world.a.apprentice, contract=None, kind=VisitKind.FOLLOW_UP, planned_date=date(2026, 12, 1))  # no contract
    client.force_login(world.a.employer_user)

    response = client.get(reverse("employer_evaluations"))

    planned = world.a.contract.visits.get(planned_date=date(2026, 12, 10))
    assert response.context["to_fill"] == [visit, planned]
    assert employer_evaluations_to_fill_count(world.a.employer_user) == 2
    assert employer_evaluations_to_fill_count(world.b.employer_user) == 1
    assert list(response.context["done"]) == [sent]
    page = words(response)
    assert "À remplir 2" in page
    assert "Alice Martin Bilan de mi-parcours Boulangerie Alpha · réalisée le 20/11/2026" in page
    assert "Alice Martin Première visite Boulangerie Alpha · envoyée le 28/11/2026" in page
    for leak in ("Bruno Durand", "Garage Bêta"):
        assert leak not in page


def test_a_contact_of_two_companies_sees_the_visits_of_both(client, world, visit):
    CompanyContactFactory(company=world.b.company, user=world.a.employer_user, is_master=False, is_hr=True)
    client.force_login(world.a.employer_user)

    response = client.get(reverse("employer_evaluations"))

    assert [v.apprentice.full_name for v in response.context["to_fill"]] == ["Alice Martin", "Alice Martin", "Bruno Durand"]


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.TUTOR, Role.CRE, Role.COORDINATOR, Role.ADMIN_STAFF])
def test_the_list_is_for_employer_contacts_only(client, world, role):
    client.force_login(world.user(role))
    assert client.get(reverse("employer_evaluations")).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login_page(client, world, visit):
    for url in (reverse("employer_evaluations"), reverse("employer_evaluation", args=[visit.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_list_query_count_does_not_grow_with_visits(client, world, visit):
    client.force_login(world.a.employer_user)
    submit(visit, world.a.employer_user, 2, 2, 2)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("employer_evaluations")).status_code == 200
        return len(queries)

    first = count()
    for n in range(3):
        contract = add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Ajout{n}")
        done = VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=date(2026, 10, 1) + timedelta(days=n),
                            done_date=date(2026, 10, 1) + timedelta(days=n))
        submit(done, world.a.employer_user, 4, 4, 4)
        VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=date(2026, 12, 1) + timedelta(days=n))
    assert count() == first
    # Session, user, the contact's contracts, the menu's badge, the visits to fill, the sent ones
    # (count, page): no field of a row read later than its query.
    assert first == 7


# --- the form ----------------------------------------------------------------------------------------------------


def test_the_form_shows_the_three_employer_criteria_with_a_radio_scale(client, world, visit):
    client.force_login(world.a.employer_user)

    response = client.get(reverse("employer_evaluation", args=[visit.pk]))

    form = response.context["form"]
    assert [row["criterion"].code for row in form.grid_rows] == CODES
    content = response.content.decode()
    for code in CODES:
        assert [int(v) for v in re.findall(rf'type="radio" name="score_{code}" value="(\d+)"', content)] == [1, 2, 3, 4]
    page = words(response)
    assert "Savoir-être et intégration (vu par le maître d'apprentissage)" in page
    assert "Intégration dans l'entreprise" not in page  # the tutor's own criteria are not the employer's


def test_submitting_saves_the_answers_then_the_page_is_read_only(client, world, visit):
    client.force_login(world.a.employer_user)
    url = reverse("employer_evaluation", args=[visit.pk])
    data = form_data(3, 4, 2, comment="Bonne recrue, à l'heure.")
    data["comment_employer_attendance"] = "Deux retards en novembre"

    response = client.post(url, data, follow=True)

    assert response.redirect_chain == [(url, 302)]
    visit.refresh_from_db()
    assert visit.employer_grid_answers == {
        "employer_behaviour": {"score": 3, "comment": ""},
        "employer_skills": {"score": 4, "comment": ""},
        "employer_attendance": {"score": 2, "comment": "Deux retards en novembre"},
    }
    assert (visit.employer_comment, visit.employer_submitted_by_id) == ("Bonne recrue, à l'heure.", world.a.employer_user.pk)
    assert response.context["form"] is None
    page = words(response)
    assert "Merci : votre évaluation est envoyée au formateur ou à la formatrice référent·e." in page
    assert "Votre évaluation est envoyée : elle n'est plus modifiable." in page
    assert "Assiduité et ponctualité en entreprise 2 / 4 Deux retards en novembre" in page
    assert 'name="score_' not in response.content.decode()


def test_a_second_submission_gets_a_clear_message_and_changes_nothing(client, world, visit):
    client.force_login(world.a.employer_user)
    url = reverse("employer_evaluation", args=[visit.pk])
    client.post(url, form_data(3, 3, 3, comment="Premier envoi"))

    response = client.post(url, form_data(1, 1, 1, comment="Second envoi"), follow=True)

    assert "Cette évaluation a déjà été envoyée le 28/11/2026 : elle ne peut plus être modifiée." in words(response)
    visit.refresh_from_db()
    assert (visit.employer_comment, visit.employer_grid_answers["employer_behaviour"]["score"]) == ("Premier envoi", 3)


def test_a_submission_made_meanwhile_by_a_colleague_wins(client, world, visit):
    colleague = CompanyContactFactory(company=world.a.company, user=UserFactory(role=Role.EMPLOYER, email="rh@alpha.test"))
    client.force_login(world.a.employer_user)
    url = reverse("employer_evaluation", args=[visit.pk])
    assert client.get(url).context["form"] is not None
    submit(visit, colleague.user, 4, 4, 4, comment="Par la RH")

    response = client.post(url, form_data(1, 1, 1), follow=True)

    assert "Cette évaluation a déjà été envoyée le 28/11/2026" in words(response)
    assert Visit.objects.get(pk=visit.pk).employer_comment == "Par la RH"


@pytest.mark.parametrize("score", ["0", "5", "abc"])
def test_a_score_off_the_scale_is_refused_in_french_and_nothing_is_saved(client, world, visit, score):
    client.force_login(world.a.employer_user)
    data = form_data(3, 3, 3)
    data["score_employer_skills"] = score

    response = client.post(reverse("employer_evaluation", args=[visit.pk]), data)

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "score_employer_skills": ["Choisissez une note de 1 à 4 pour « Progression des compétences en entreprise »."]
    }
    assert "Choisissez une note de 1 à 4 pour « Progression des compétences en entreprise »." in words(response)
    assert Visit.objects.get(pk=visit.pk).employer_submitted_at is None


def test_every_score_is_required(client, world, visit):
    client.force_login(world.a.employer_user)

    response = client.post(reverse("employer_evaluation", args=[visit.pk]), form_data(3, None, None))

    assert sorted(response.context["form"].errors) == ["score_employer_attendance", "score_employer_skills"]
    assert Visit.objects.get(pk=visit.pk).employer_submitted_at is None


# --- who may open a visit --------------------------------------------------------------------------------------------


def test_another_companys_visit_is_not_found(client, world, visit):
    other = VisitFactory(apprentice=world.b.apprentice, contract=world.b.contract, planned_date=date(2026, 11, 20),
                         done_date=date(2026, 11, 20))
    client.force_login(world.a.employer_user)
    url = reverse("employer_evaluation", args=[other.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, form_data(1, 1, 1)).status_code == 404
    assert Visit.objects.get(pk=other.pk).employer_submitted_at is None
    assert client.get(reverse("employer_evaluation", args=[999999])).status_code == 404


def test_a_visit_without_contract_or_of_a_draft_contract_is_not_found(client, world):
    loose = VisitFactory(apprentice=world.a.apprentice, contract=None, planned_date=date(2026, 11, 20))
    draft = ContractFactory(apprentice=world.a.seeking, company=world.a.company, status=ContractStatus.DRAFT)
    on_draft = VisitFactory(apprentice=world.a.seeking, contract=draft, planned_date=date(2026, 11, 20))
    client.force_login(world.a.employer_user)
    for pk in (loose.pk, on_draft.pk):
        assert client.get(reverse("employer_evaluation", args=[pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.TUTOR, Role.CRE, Role.COORDINATOR, Role.ADMIN_STAFF])
def test_other_roles_cannot_fill_the_employers_part(client, world, visit, role):
    client.force_login(world.user(role))
    url = reverse("employer_evaluation", args=[visit.pk])

    # In their scope (the apprentice's own visit, the tutor's cohort, staff): 403; never written.
    assert client.get(url).status_code == 403
    assert client.post(url, form_data(1, 1, 1)).status_code == 403
    assert Visit.objects.get(pk=visit.pk).employer_submitted_at is None


def test_an_apprentice_cannot_reach_another_apprentices_visit(client, world):
    other = VisitFactory(apprentice=world.b.apprentice, contract=world.b.contract, planned_date=date(2026, 11, 20))
    client.force_login(world.a.apprentice_user)
    assert client.get(reverse("employer_evaluation", args=[other.pk])).status_code == 404
