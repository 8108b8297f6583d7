"""Placement desk, offers, suggested matches and the pipeline screens: permission matrix, urgency
order, query counts, exports, and "hired" landing on the draft contract."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from alerts.models import RuleSettings
from alternance.choices import ApprenticeStatus, Role
from companies import services
from companies.choices import OfferStatus, PlacementStatus
from companies.models import Offer, Placement
from contracts.models import Contract
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    w = make_world()
    # The world's seekers started on the cohort's first day (1 Sept): 88 days ago.
    return w


def desk(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("companies:placement_desk") + query)
    assert response.status_code == 200
    return [(r.apprentice.full_name, r.apprentice.status, r.days_left, r.deadline) for r in response.context["rows"]]


def test_desk_lists_seekers_and_rupturants_by_urgency_with_days_left(client, world):
    RuleSettings.objects.update_or_create(pk=1, defaults={"seeking_limit_days": 90, "rupturant_limit_days": 180})
    ApprenticeFactory(first_name="Rémi", last_name="Rupt", cohort=world.a.cohort, status=ApprenticeStatus.RUPTURANT,
                      status_since=TODAY - timedelta(days=175))
    ApprenticeFactory(first_name="Sam", last_name="Récent", cohort=world.b.cohort, status=ApprenticeStatus.SEEKING, status_since=TODAY)
    ApprenticeFactory(first_name="Ex", last_name="Clu", cohort=world.a.cohort, status=ApprenticeStatus.SEEKING,
                      status_since=date(2026, 9, 1), exclusion_date=date(2026, 10, 1))

    assert desk(client, world.a.cre) == [
        ("Chloé Petit", "seeking", 2, date(2026, 11, 30)),
        ("Damien Roux", "seeking", 2, date(2026, 11, 30)),
        ("Rémi Rupt", "rupturant", 5, date(2026, 12, 3)),
        ("Sam Récent", "seeking", 90, date(2027, 2, 26)),
    ]
    assert [n for n, *_ in desk(client, world.a.cre, "?status=rupturant")] == ["Rémi Rupt"]


def test_desk_follows_the_configured_limit(client, world):
    RuleSettings.objects.update_or_create(pk=1, defaults={"seeking_limit_days": 100})
    assert desk(client, world.coordinator)[0][2:] == (12, date(2026, 12, 10))


def test_desk_export_reads_back(client, world):
    client.force_login(world.coordinator)
    rows = list(csv.reader(io.StringIO(client.get(reverse("companies:placement_desk") + "?export=csv").getvalue().decode("utf-8-sig")), delimiter=";"))
    assert [(r[0], r[4], r[7]) for r in rows[1:]] == [("Chloé Petit", "01/09/2026", "2"), ("Damien Roux", "01/09/2026", "2")]
    sheet = load_workbook(io.BytesIO(client.get(reverse("companies:placement_desk") + "?export=xlsx").getvalue())).active
    assert [c.value for c in sheet[2]][:2] == ["Chloé Petit", "Promotion A 2026"]
    assert sheet.cell(row=2, column=5).value.date() == date(2026, 9, 1)


def count(client, user, url):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


def test_desk_query_count_does_not_grow(client, world):
    url = reverse("companies:placement_desk") + "?q=Petit"
    with_one, _ = count(client, world.coordinator, url)
    for n in range(3):
        seeker = ApprenticeFactory(first_name=f"N{n}", last_name="Petit", cohort=world.a.cohort, status=ApprenticeStatus.SEEKING)
        services.placement_propose(apprentice=seeker, company=world.a.company, by=world.a.cre, today=TODAY)
    with_four, response = count(client, world.coordinator, url)
    assert len(response.context["rows"]) == 4
    assert with_four == with_one


def test_offer_list_query_count_does_not_grow(client, world):
    url = reverse("companies:offer_list")
    Offer.objects.create(company=world.a.company, programme=world.a.cohort.programme, places=1, start_date=TODAY, end_date=TODAY)
    with_one, _ = count(client, world.coordinator, url)
    for _n in range(3):
        Offer.objects.create(company=CompanyFactory(), programme=world.a.cohort.programme, places=2, start_date=TODAY, end_date=TODAY)
    with_four, response = count(client, world.coordinator, url)
    assert len(response.context["offers"]) == 4 and with_four == with_one


def test_learner_page_suggests_offers_of_the_programme_nearest_first(client, world):
    programme = world.a.cohort.programme
    far = CompanyFactory(name="Loin", postal_code="69001", city="Lyon")
    region = CompanyFactory(name="Région", postal_code="92100", city="Boulogne")
    same = CompanyFactory(name="Voisin", postal_code="75011")
    other_programme = CompanyFactory(name="Autre formation", postal_code="75011")
    for company in (far, region, same):
        Offer.objects.create(company=company, programme=programme, places=1, start_date=TODAY, end_date=TODAY)
    Offer.objects.create(company=other_programme, programme=world.b.cohort.programme, places=1, start_date=TODAY, end_date=TODAY)
    Offer.objects.create(company=same, programme=programme, places=1, start_date=TODAY, end_date=TODAY, status=OfferStatus.CLOSED)
    client.force_login(world.a.cre)

    response = client.get(reverse("companies:placement_learner", args=[world.a.seeking.pk]))

    assert [(m.offer.company.name, str(m.distance_label)) for m in response.context["matches"]] == [
        ("Voisin", "Même code postal"), ("Région", "Même région"), ("Loin", "Hors région"),
    ]


def test_cre_moves_a_learner_through_the_pipeline_to_a_draft_handed_to_admin_staff(client, world):
    client.force_login(world.a.cre)
    seeker = world.a.seeking

    response = client.post(reverse("companies:placement_propose", args=[seeker.pk]), {"company": world.a.company.pk, "notes": "Profil adapté"})
    assert response.status_code == 302
    placement = Placement.objects.get(apprentice=seeker)
    client.post(reverse("companies:placement_move", args=[placement.pk, PlacementStatus.INTERVIEW]))
    response = client.post(reverse("companies:placement_move", args=[placement.pk, PlacementStatus.HIRED]))

    contract = Contract.objects.get(apprentice=seeker)
    assert response.status_code == 302 and response.url == reverse("companies:placement_learner", args=[seeker.pk])
    assert (contract.status, contract.company, contract.programme, contract.master) == (
        "draft", world.a.company, world.a.cohort.programme, world.a.employer_contact
    )
    assert "Le brouillon de contrat a été confié au service administratif." in client.get(response.url).content.decode()
    assert Placement.objects.get(pk=placement.pk).contract_handed_over_by == world.a.cre


def test_hired_without_a_possible_draft_explains_and_links_to_the_form(client, world):
    seeker = world.a.seeking
    offer = Offer.objects.create(company=world.a.company, programme=world.a.cohort.programme, places=1, start_date=TODAY, end_date=TODAY)
    placement = services.placement_propose(apprentice=seeker, company=world.a.company, offer=offer, by=world.a.cre, today=TODAY)
    services.placement_move(placement=placement, to=PlacementStatus.INTERVIEW, by=world.a.cre, today=TODAY)
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:placement_move", args=[placement.pk, PlacementStatus.HIRED]), follow=True)

    html = response.content.decode()
    assert "Le contrat n&#x27;a pas pu être préparé automatiquement" in html
    assert "il a été confié au service administratif" in html
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.HIRED

    # Admin staff, who may create contracts, get the link to the form (with the employer).
    client.force_login(world.admin_staff)
    html = client.get(reverse("home")).content.decode()
    assert f'{reverse("contracts:contract_create")}?apprentice={seeker.pk}&amp;company={world.a.company.pk}' in html


def test_refused_transition_shows_a_french_message(client, world):
    placement = services.placement_propose(apprentice=world.a.seeking, company=world.a.company, by=world.a.cre, today=TODAY)
    client.force_login(world.a.cre)
    response = client.post(reverse("companies:placement_move", args=[placement.pk, PlacementStatus.HIRED]), follow=True)
    assert "Impossible de passer de « Proposé·e » à « Embauché·e »" in response.content.decode()
    assert Placement.objects.get(pk=placement.pk).status == PlacementStatus.PROPOSED


@pytest.mark.parametrize(("role", "side", "expected"), [
    (Role.COORDINATOR, "b", 302), (Role.CRE, "a", 302), (Role.CRE, "b", 403), (Role.ADMIN_STAFF, "a", 403),
    # The desk is refused to tutors and admin staff as a whole (issue 17 §15): 403 whatever the placement.
    (Role.TUTOR, "a", 403), (Role.TUTOR, "b", 403), (Role.APPRENTICE, "a", 403), (Role.EMPLOYER, "a", 403),
])
def test_placement_move_permission_matrix(client, world, role, side, expected):
    s = getattr(world, side)
    placement = services.placement_propose(apprentice=s.seeking, company=s.company, by=s.cre, today=TODAY)
    client.force_login(world.user(role))

    response = client.post(reverse("companies:placement_move", args=[placement.pk, PlacementStatus.INTERVIEW]))

    assert response.status_code == expected
    assert Placement.objects.get(pk=placement.pk).status == (PlacementStatus.INTERVIEW if expected == 302 else PlacementStatus.PROPOSED)


def test_a_cre_cannot_propose_to_another_portfolio(client, world):
    client.force_login(world.a.cre)
    response = client.post(reverse("companies:placement_propose", args=[world.a.seeking.pk]), {"company": world.b.company.pk})
    assert response.status_code == 200
    assert "Ce choix ne fait pas partie de ceux qui vous sont ouverts" in response.content.decode()
    assert not Placement.objects.filter(company=world.b.company).exists()
    assert Placement.objects.count() == 0


@pytest.mark.parametrize(("role", "expected"), [
    (Role.COORDINATOR, 302), (Role.CRE, 302), (Role.ADMIN_STAFF, 403), (Role.TUTOR, 403), (Role.EMPLOYER, 403),
])
def test_offer_create_permission_matrix(client, world, role, expected):
    client.force_login(world.user(role))
    data = {"company": world.a.company.pk, "programme": world.a.cohort.programme.pk, "places": 2,
            "start_date": "2027-01-04", "end_date": "2028-06-30", "description": "Poste"}
    response = client.post(reverse("companies:offer_create"), data)
    assert response.status_code == expected
    assert Offer.objects.filter(company=world.a.company).count() == (1 if expected == 302 else 0)


def test_offer_form_errors_are_french(client, world):
    client.force_login(world.a.cre)
    response = client.post(reverse("companies:offer_create"), {
        "company": world.a.company.pk, "programme": world.a.cohort.programme.pk, "places": 0,
        "start_date": "2027-01-04", "end_date": "2026-01-04",
    })
    html = response.content.decode()
    assert "Indiquez au moins une place." in html and "postérieure ou égale" in html


def test_propose_without_javascript_takes_a_typed_siret_in_the_portfolio_and_refuses_another(client, world):
    client.force_login(world.a.cre)
    url = reverse("companies:placement_propose", args=[world.a.seeking.pk])

    response = client.post(url, {"company__q": world.b.company.siret})
    assert response.status_code == 200
    assert "Aucune entreprise de votre portefeuille ne correspond à" in response.content.decode()
    assert not Placement.objects.filter(apprentice=world.a.seeking).exists()

    client.post(url, {"company__q": world.a.company.siret})
    assert list(Placement.objects.filter(apprentice=world.a.seeking).values_list("company_id", flat=True)) == [world.a.company.pk]


@pytest.mark.parametrize(("days_since_start", "dropout_since"), [(89, ""), (90, "28/11/2026"), (91, "27/11/2026")])
def test_desk_export_says_from_when_the_state_dashboard_counts_a_seeker_as_a_dropout(client, world, days_since_start, dropout_since):
    """Tableau de bord: a learner without a company 90 days after entering is counted as a dropout
    (issue 15 §12); the desk's export carries the day, as the desk's badge does."""
    start = TODAY - timedelta(days=days_since_start)
    ApprenticeFactory(first_name="Zoé", last_name="Limite", cohort=world.a.cohort, status=ApprenticeStatus.SEEKING,
                      status_since=start, training_start_date=start)
    client.force_login(world.coordinator)

    rows = list(csv.reader(io.StringIO(client.get(reverse("companies:placement_desk") + "?export=csv").getvalue().decode("utf-8-sig")), delimiter=";"))

    assert rows[0][9] == "Abandon selon le tableau de bord depuis le"
    assert [r[9] for r in rows[1:] if r[0] == "Zoé Limite"] == [dropout_since]


# --- who uses the desk (issue 17 §15): the CREs' tool, and the coordinator's ------------------------

DESK_ROLES = [Role.COORDINATOR, Role.CRE, Role.ADMIN_STAFF, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]
#                  coord cre  adm  tutor appr empl
DESK_MATRIX = {
    "desk": (200, 200, 403, 403, 403, 403),
    "learner": (200, 200, 403, 403, 403, 403),
    "propose": (302, 302, 403, 403, 403, 403),
}


@pytest.mark.parametrize("page", list(DESK_MATRIX))
@pytest.mark.parametrize("role", DESK_ROLES)
def test_placement_desk_permission_matrix(client, world, page, role):
    expected = DESK_MATRIX[page][DESK_ROLES.index(role)]
    client.force_login(world.user(role))
    if page == "desk":
        response = client.get(reverse("companies:placement_desk"))
    elif page == "learner":
        response = client.get(reverse("companies:placement_learner", args=[world.a.seeking.pk]))
    else:
        response = client.post(reverse("companies:placement_propose", args=[world.a.seeking.pk]), {"company": world.a.company.pk})

    assert response.status_code == expected
    assert Placement.objects.count() == (1 if expected == 302 else 0)


@pytest.mark.parametrize("role", DESK_ROLES)
def test_the_placement_links_show_to_who_may_open_the_desk(client, world, role):
    services.placement_propose(apprentice=world.a.seeking, company=world.a.company, by=world.a.cre, today=TODAY)
    client.force_login(world.user(role))
    desk_url = reverse("companies:placement_desk")
    learner_url = reverse("companies:placement_learner", args=[world.a.seeking.pk])
    pages = [reverse("home"), reverse("apprentice_detail", args=[world.a.seeking.pk])]
    if role not in (Role.APPRENTICE, Role.EMPLOYER):
        pages += [reverse("companies:company_list"), reverse("companies:company_detail", args=[world.a.company.pk])]

    html = "".join(client.get(url).content.decode() for url in pages)

    may = role in (Role.COORDINATOR, Role.CRE)
    assert (f'href="{desk_url}"' in html, f'href="{learner_url}"' in html) == (may, may)


def test_the_desk_is_sorted_and_paginated_by_the_database(client, world):
    """Issue 18 §2: the order is the deadline's (``status_since`` + the status's limit), then the
    name, computed in SQL, and each page reads only its rows: the 26th most urgent opens page 2, and
    a rupturant whose 180 days end before a seeker's 90 comes first."""
    RuleSettings.objects.update_or_create(pk=1, defaults={"seeking_limit_days": 90, "rupturant_limit_days": 180})
    # 30 seekers, one more day left each (from 3 to 32), and a rupturant with 4 days left.
    for n in range(30):
        ApprenticeFactory(first_name=f"S{n:02d}", last_name="Seeker", cohort=world.a.cohort, status=ApprenticeStatus.SEEKING,
                          status_since=TODAY - timedelta(days=87 - n))
    ApprenticeFactory(first_name="Rémi", last_name="Rupt", cohort=world.a.cohort, status=ApprenticeStatus.RUPTURANT,
                      status_since=TODAY - timedelta(days=176))
    first = desk(client, world.coordinator)
    assert [row[2] for row in first[:5]] == [2, 2, 3, 4, 4]  # the world's two seekers, S00, then S01 and Rémi (by name)
    assert [row[0] for row in first[3:5]] == ["Rémi Rupt", "S01 Seeker"]
    second = desk(client, world.coordinator, "?page=2")
    assert second[0][:3] == ("S22 Seeker", "seeking", 25)
    assert len(first) == 25 and len(second) == 33 - 25
