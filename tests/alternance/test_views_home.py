"""Each role's home page shows the data of its scope, and only that; its cost in queries is fixed."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alerts.choices import AlertStatus
from alternance.choices import ApprenticeStatus, AttendanceStatus, Role
from contracts.choices import ContractStatus
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory
from tests.factories.companies import CompanyFactory, InteractionFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS, TODAY, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def home_html(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def figures(response) -> dict[str, int]:
    return {str(figure.label): figure.value for figure in response.context["figures"]}


def test_coordinator_sees_key_figures_of_the_whole_activity(client, world):
    # One contract ends within 60 days, one rupturant, one OPCO file decided, one alert validated.
    ending = add_contracted_apprentice(world.b.cohort, world.b.company, last_name="Fin")
    ending.end_date = date(2027, 1, 15)
    ending.save(update_fields=["end_date"])
    world.b.contract.opco_file.decision, world.b.contract.opco_file.decision_date = "accepted", date(2026, 9, 20)
    world.b.contract.opco_file.save()
    ApprenticeFactory(cohort=world.a.cohort, status=ApprenticeStatus.RUPTURANT)
    ending.alerts.update(status=AlertStatus.VALIDATED)
    client.force_login(world.coordinator)

    response = client.get(reverse("home"))

    assert figures(response) == {
        "Contrats actifs": 3,
        "Apprenti·es en recherche d'entreprise": 2,
        "Rupturant·es": 1,
        "Contrats finissant dans les 60 jours": 1,
        "Dossiers OPCO en attente de décision": 2,
        "Alertes à valider": 2,
        "Entreprises": 2,
        "Promotions": 2,
    }
    html = response.content.decode()
    assert "<h1 class=\"h2 mb-1\">Tableau de bord</h1>" in html
    assert 'href="/contrats/?status=active&amp;ending=60"' in html
    assert 'href="/alertes/?status=new"' in html
    assert 'href="/apprenti-es/?status=seeking"' in html


def test_coordinator_figure_links_open_the_matching_filtered_lists(client, world):
    ending = add_contracted_apprentice(world.b.cohort, world.b.company, last_name="Fin")
    ending.end_date = date(2027, 1, 15)
    ending.save(update_fields=["end_date"])
    client.force_login(world.coordinator)

    ending_list = client.get("/contrats/?status=active&ending=60").context["contracts"]
    seeking_list = client.get("/apprenti-es/?status=seeking").context["apprentices"]
    opco_list = client.get("/contrats/?opco=pending").context["contracts"]

    assert list(ending_list) == [ending]
    assert [a.last_name for a in seeking_list] == ["Petit", "Roux"]
    assert {c.pk for c in opco_list} == {world.a.contract.pk, world.b.contract.pk, ending.pk}


def test_cre_sees_its_portfolio_with_active_contract_counts_and_its_due_follow_ups(client, world):
    sensitive = CompanyFactory(name="Atelier Sensible", owner_cre=world.a.cre, sensitive=True, sensitive_reason="Turnover")
    add_contracted_apprentice(world.a.cohort, world.a.company, last_name="Second")
    InteractionFactory(company=sensitive, author=world.a.cre, summary="Pas encore", next_follow_up=date(2026, 12, 5),
                       occurred_at=datetime(2026, 11, 20, 9, 0, tzinfo=PARIS))
    InteractionFactory(company=sensitive, author=world.a.cre, summary="Déjà faite", next_follow_up=date(2026, 11, 1),
                       follow_up_done=True, occurred_at=datetime(2026, 10, 20, 9, 0, tzinfo=PARIS))
    client.force_login(world.a.cre)

    response = client.get(reverse("home"))

    assert [(c.name, c.active_contracts, c.sensitive) for c in response.context["companies"]] == [
        ("Atelier Sensible", 0, True),
        ("Boulangerie Alpha", 2, False),
    ]
    assert [i.summary for i in response.context["follow_ups"]] == ["Relance Boulangerie Alpha"]
    html = response.content.decode()
    assert "Mon portefeuille" in html and "Sensible" in html
    assert "Garage Bêta" not in html and "Relance Garage Bêta" not in html


def test_tutor_sees_the_apprentices_of_its_cohorts_with_their_company_and_its_planned_visits(client, world):
    html = home_html(client, world.a.tutor)

    assert "Mes apprenti·es" in html
    for expected in ("Alice Martin", "Chloé Petit", "Promotion A 2026", "Boulangerie Alpha", "Sous contrat", "10/12/2026"):
        assert expected in html
    for leak in ("Bruno Durand", "Damien Roux", "Promotion B 2026", "Garage Bêta"):
        assert leak not in html


def test_tutor_home_lists_exactly_its_apprentices_and_future_visits(client, world):
    client.force_login(world.a.tutor)

    response = client.get(reverse("home"))

    assert [a.full_name for a in response.context["apprentices"]] == ["Alice Martin", "Chloé Petit"]
    assert [(v.apprentice.full_name, v.planned_date) for v in response.context["visits"]] == [("Alice Martin", date(2026, 12, 10))]


@pytest.mark.parametrize(("planned", "section"), [
    (date(2026, 11, 27), "overdue_visits"),  # yesterday, no report: late
    (date(2026, 11, 28), "visits"),          # today: still to do, not late
])
def test_a_planned_visit_whose_day_passed_without_report_stays_on_the_tutor_home_as_late(client, world, planned, section):
    from tests.factories.alternance import VisitFactory

    visit = VisitFactory(apprentice=world.a.seeking, tutor=world.a.tutor, contract=None, planned_date=planned, done_date=None)
    client.force_login(world.a.tutor)

    response = client.get(reverse("home"))

    other = "visits" if section == "overdue_visits" else "overdue_visits"
    assert visit in response.context[section]
    assert visit not in response.context[other]
    assert ("visite en retard" in response.text) == (section == "overdue_visits")


def test_a_visit_with_its_report_is_no_longer_late(client, world):
    from tests.factories.alternance import VisitFactory

    VisitFactory(apprentice=world.a.seeking, tutor=world.a.tutor, contract=None, planned_date=date(2026, 11, 20),
                 done_date=date(2026, 11, 20))
    client.force_login(world.a.tutor)

    assert client.get(reverse("home")).context["overdue_visits"] == []


def test_admin_staff_sees_contracts_by_status_and_the_contracts_to_handle(client, world):
    draft = ContractFactory(apprentice=world.b.seeking, company=world.b.company, status=ContractStatus.DRAFT,
                            signature_date=None)
    client.force_login(world.admin_staff)

    response = client.get(reverse("home"))

    counts = {str(f.label): f.value for f in response.context["by_status"]}
    assert counts["En cours"] == 2 and counts["Brouillon"] == 1 and counts["Signé"] == 0
    assert response.context["to_handle"] == [draft]
    html = response.content.decode()
    assert "<h1 class=\"h2 mb-3\">Contrats</h1>" in html
    assert "Damien Roux" in html and "Garage Bêta" in html


def test_apprentice_sees_its_own_record_contract_tutor_and_absences(client, world):
    world.a.employer_contact.first_name, world.a.employer_contact.last_name = "Marc", "Lemaître"
    world.a.employer_contact.save()
    html = home_html(client, world.a.apprentice_user)

    assert "Mon espace" in html
    for expected in ("Alice Martin", "Promotion A 2026", "BTS Formation A", "Sous contrat", "Boulangerie Alpha",
                     "01/09/2026", "31/08/2028", "Marc Lemaître", "Tuteur A", "16/11/2026"):
        assert expected in html, expected
    for leak in ("Bruno Durand", "Chloé Petit", "Garage Bêta", "Tuteur B"):
        assert leak not in html


def test_employer_sees_its_apprentices_contracts_and_their_absences_during_the_contract(client, world):
    # An absence before the contract started is not the employer's business (access policy).
    AttendanceRecordFactory(apprentice=world.a.apprentice, day=date(2026, 8, 20), status=AttendanceStatus.ABSENT)
    client.force_login(world.a.employer_user)

    response = client.get(reverse("home"))

    assert [a.full_name for a in response.context["apprentices"]] == ["Alice Martin"]
    assert [(r.apprentice.full_name, r.day) for r in response.context["absences"]] == [("Alice Martin", date(2026, 11, 16))]
    html = response.content.decode()
    assert "Mes apprenti·es" in html
    for expected in ("Alice Martin", "BTS Formation A", "du 01/09/2026 au 31/08/2028"):
        assert expected in html
    for leak in ("Bruno Durand", "Chloé Petit", "Garage Bêta", "20/08/2026"):
        assert leak not in html


def test_navbar_shows_the_users_name_role_and_a_logout_button(client, world):
    html = home_html(client, world.a.tutor)

    assert "Tuteur A" in html and "Formateur·rice référent·e" in html
    assert 'action="/deconnexion/"' in html and "Se déconnecter" in html
    assert 'href="/apprenti-es/"' in html


def test_extranet_navbar_links_to_home_only(client, world):
    html = home_html(client, world.a.employer_user)

    assert 'href="/apprenti-es/"' not in html and 'href="/entreprises/"' not in html


# --- query counts: the same with 1 row and with 4 rows ------------------------------------------

def count_home_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return len(queries)


def grow(world, role: str) -> None:
    """Add three more rows of everything the role's home page lists."""
    for n in range(3):
        add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Ajout{n}")
        company = CompanyFactory(name=f"Ajout {n}", owner_cre=world.a.cre)
        InteractionFactory(company=company, author=world.a.cre, summary=f"Relance {n}", next_follow_up=date(2026, 11, 25),
                           occurred_at=datetime(2026, 11, 2, 10, 0, tzinfo=PARIS))
        ContractFactory(apprentice=ApprenticeFactory(cohort=world.a.cohort), company=company, status=ContractStatus.SIGNED)
        AttendanceRecordFactory(apprentice=world.a.apprentice, day=date(2026, 11, 18 + n), status=AttendanceStatus.LATE, minutes_late=10)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER])
def test_home_page_query_count_does_not_grow_with_rows(client, world, role):
    user = world.user(role)
    with_one = count_home_queries(client, user)

    grow(world, role)
    with_four = count_home_queries(client, user)

    assert with_four == with_one, (with_one, with_four)
    # Session, user, then a few scoped queries: never one per row (the employer's home counts its
    # apprentices for their pages: one more).
    assert with_one <= (13 if role == Role.EMPLOYER else 12)


def test_today_is_the_frozen_day():
    from django.utils import timezone

    assert timezone.localdate() == TODAY
