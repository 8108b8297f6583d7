"""CRM screens: filters, exports, inline log (htmx and plain), follow-ups, sensitivity, reassignment,
with the permission matrix over the roles and query counts."""

import csv
import io
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from alternance.choices import Role
from companies.choices import OfferStatus
from companies.models import Company, Interaction
from tests.factories.alternance import CreFactory
from tests.factories.companies import CompanyFactory, InteractionFactory
from tests.factories.web import PARIS, add_contracted_apprentice, make_world

pytestmark = pytest.mark.django_db

ALL_ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def names(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("companies:company_list") + query)
    assert response.status_code == 200
    return [c.name for c in response.context["companies"]]


def make_offer(company, programme, status=OfferStatus.OPEN):
    from companies.models import Offer

    return Offer.objects.create(company=company, programme=programme, places=1, start_date=date(2027, 1, 4),
                                end_date=date(2028, 6, 30), status=status)


def test_company_list_filters(client, world):
    unowned = CompanyFactory(name="Cabinet Gamma", owner_cre=None, naf_code="6920Z", opco="OPCO EP", opco_overridden=True, city="Lyon", postal_code="69003")
    make_offer(world.b.company, world.b.cohort.programme)
    make_offer(unowned, world.a.cohort.programme, status=OfferStatus.CLOSED)
    user = world.coordinator

    assert names(client, user, "?sector=69") == ["Cabinet Gamma"]
    assert names(client, user, "?sector=62.01") == ["Boulangerie Alpha", "Garage Bêta"]
    assert names(client, user, f"?opco={unowned.opco}") == ["Cabinet Gamma"]
    assert names(client, user, "?city=lyon") == ["Cabinet Gamma"]
    assert names(client, user, f"?owner={world.b.cre.pk}") == ["Garage Bêta"]
    assert names(client, user, "?owner=none") == ["Cabinet Gamma"]
    assert names(client, user, "?offers=1") == ["Garage Bêta"]
    assert names(client, user, "?apprentices=1") == ["Boulangerie Alpha", "Garage Bêta"]
    assert names(client, user, "?apprentices=1&owner=none") == []


def test_the_cre_filter_is_a_searchable_field_and_without_referent_a_box(client, world):
    """The companies list's « CRE référent·e » (issue 18 §2: 146 CREs at 20 000 learners) is a
    searchable field — no option per CRE whatever their number — and « Sans CRE référent·e » a box
    of its own, which wins over a CRE chosen with it; ``owner=none`` (the old select's value, in
    bookmarks) still means the box."""
    CompanyFactory(name="Cabinet Gamma", owner_cre=None)
    CreFactory.create_batch(40)
    client.force_login(world.coordinator)

    body = client.get(reverse("companies:company_list")).content.decode()
    chosen = client.get(reverse("companies:company_list"), {"owner": world.b.cre.pk})

    assert body.count("<option") < 30  # the sort and OPCO options, not one per CRE
    assert 'name="owner__q"' in body and 'role="combobox"' in body and 'name="unowned"' in body
    assert [c.name for c in chosen.context["companies"]] == ["Garage Bêta"]
    assert 'value="B Cre — cre-b@example.test"' in chosen.content.decode()
    assert names(client, world.coordinator, "?unowned=1") == ["Cabinet Gamma"]
    assert names(client, world.coordinator, f"?unowned=1&owner={world.b.cre.pk}") == ["Cabinet Gamma"]
    assert names(client, world.coordinator, "?owner=none") == ["Cabinet Gamma"]
    assert 'id="id_unowned" name="unowned" value="1" checked' in client.get(reverse("companies:company_list"), {"owner": "none"}).content.decode()


@pytest.mark.parametrize(("typed", "listed", "error"), [
    ("cre b", ["Garage Bêta"], ""),
    ("cre-a@", ["Boulangerie Alpha"], ""),
    ("cre", ["Boulangerie Alpha", "Cabinet Gamma", "Garage Bêta"], "Plusieurs lignes correspondent à « cre »"),
    ("zzz", ["Boulangerie Alpha", "Cabinet Gamma", "Garage Bêta"], "Aucun·e CRE en activité ne correspond à « zzz »"),
])
def test_without_javascript_a_typed_cre_filters_when_it_matches_one(client, world, typed, listed, error):
    CompanyFactory(name="Cabinet Gamma", owner_cre=None)
    client.force_login(world.coordinator)

    response = client.get(reverse("companies:company_list"), {"owner__q": typed})

    assert [c.name for c in response.context["companies"]] == listed
    assert (error in response.content.decode().replace("&laquo;", "«").replace("&raquo;", "»")) if error else "invalid-feedback" not in response.content.decode()


@pytest.mark.parametrize("who", ["tutor", "inactive_cre"])
def test_a_person_who_is_not_an_active_cre_is_no_choice_of_the_cre_filter(client, world, who):
    person = world.a.tutor if who == "tutor" else CreFactory(is_active=False)
    CompanyFactory(name="Cabinet Gamma", owner_cre=person)
    client.force_login(world.coordinator)

    response = client.get(reverse("companies:company_list"), {"owner": person.pk})

    assert [c.name for c in response.context["companies"]] == ["Boulangerie Alpha", "Cabinet Gamma", "Garage Bêta"]
    assert "Ce choix ne fait pas partie de ceux qui vous sont ouverts" in response.content.decode()


def test_company_list_exports_read_back(client, world):
    make_offer(world.a.company, world.a.cohort.programme)
    client.force_login(world.coordinator)

    response = client.get(reverse("companies:company_list") + "?export=csv&sort=-name")
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Raison sociale", "SIRET", "Code NAF"]
    assert [(r[0], r[6], r[8], r[9]) for r in rows[1:]] == [
        ("Garage Bêta", "Cre B", "1", "0"), ("Boulangerie Alpha", "Cre A", "1", "1"),
    ]

    response = client.get(reverse("companies:company_list") + "?export=xlsx&q=Garage")
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["Garage Bêta", world.b.company.siret, "6201Z", "75011", "Paris", "Atlas", "Cre B", "non", 1, 0]
    ]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TUTOR])
def test_company_list_query_count_does_not_grow_with_filters_and_offers(client, world, role):
    user = world.user(role)
    url = reverse("companies:company_list") + "?q=Boulangerie&apprentices=1"

    def count():
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    with_one = count()
    for n in range(3):
        company = CompanyFactory(name=f"Boulangerie {n}")
        add_contracted_apprentice(world.a.cohort, company, last_name=f"Ajout{n}")
        make_offer(company, world.a.cohort.programme)
    assert len(client.get(url).context["companies"]) == 4
    assert count() == with_one


# --- company page and inline log ------------------------------------------------------------

def test_company_page_shows_current_and_past_apprentices_and_open_offers(client, world):
    from contracts.choices import ContractStatus
    from tests.factories.alternance import ApprenticeFactory
    from tests.factories.contracts import ContractFactory

    past = ApprenticeFactory(first_name="Paul", last_name="Ancien", cohort=world.a.cohort)
    ContractFactory(apprentice=past, company=world.a.company, status=ContractStatus.ENDED)
    make_offer(world.a.company, world.a.cohort.programme)
    make_offer(world.a.company, world.a.cohort.programme, status=OfferStatus.CLOSED)
    client.force_login(world.a.cre)

    response = client.get(reverse("companies:company_detail", args=[world.a.company.pk]))

    assert [c.apprentice.full_name for c in response.context["current_contracts"]] == ["Alice Martin"]
    assert [c.apprentice.full_name for c in response.context["past_contracts"]] == ["Paul Ancien"]
    assert len(response.context["offers"]) == 1
    assert response.context["can_log"] and response.context["can_flag"]


def test_cre_logs_a_call_inline_with_htmx_and_gets_the_new_entry(client, world):
    client.force_login(world.a.cre)
    url = reverse("companies:interaction_log", args=[world.a.company.pk])

    response = client.post(url, {"kind": "call", "outcome": "positive", "summary": "Appel : besoin en mars", "next_follow_up": "2026-12-05"},
                           HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#timeline"' in html and "Appel : besoin en mars" in html
    row = Interaction.objects.get(summary="Appel : besoin en mars")
    assert (row.company, row.author, row.kind, row.outcome, row.next_follow_up) == (world.a.company, world.a.cre, "call", "positive", date(2026, 12, 5))


def test_logging_errors_are_french_and_keep_the_input(client, world):
    client.force_login(world.a.cre)
    url = reverse("companies:interaction_log", args=[world.a.company.pk])
    data = {"kind": "email", "outcome": "neutral", "summary": "", "next_follow_up": "2026-11-01"}

    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = client.post(url, data, **headers)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Résumez l&#x27;échange" in html and "ne peut pas être dans le passé" in html
        assert 'value="2026-11-01"' in html and 'value="email" selected' in html
    assert Interaction.objects.filter(company=world.a.company).count() == 1


def test_logging_without_javascript_redirects_to_the_company_page(client, world):
    client.force_login(world.a.cre)
    response = client.post(reverse("companies:interaction_log", args=[world.a.company.pk]),
                           {"kind": "meeting", "outcome": "neutral", "summary": "Rendez-vous sur place"})
    assert response.status_code == 302 and response.url == reverse("companies:company_detail", args=[world.a.company.pk])
    first = client.get(response.url).context["interactions"][0]
    assert first.summary == "Rendez-vous sur place"


@pytest.mark.parametrize(("role", "own_side", "expected"), [
    (Role.COORDINATOR, "b", 302), (Role.ADMIN_STAFF, "b", 302),
    (Role.CRE, "a", 302), (Role.CRE, "b", 403),
    (Role.TUTOR, "a", 302), (Role.TUTOR, "b", 404),
    (Role.APPRENTICE, "a", 403), (Role.EMPLOYER, "a", 403),
])
def test_log_permission_matrix(client, world, role, own_side, expected):
    company = getattr(world, own_side).company
    client.force_login(world.user(role))
    response = client.post(reverse("companies:interaction_log", args=[company.pk]), {"kind": "call", "outcome": "neutral", "summary": "x"})
    assert response.status_code == expected
    assert Interaction.objects.filter(summary="x").count() == (1 if expected == 302 else 0)


def test_another_portfolios_company_is_visible_but_not_editable_by_a_cre(client, world):
    client.force_login(world.a.cre)
    page = client.get(reverse("companies:company_detail", args=[world.b.company.pk]))
    assert page.status_code == 200
    assert not page.context["can_log"] and not page.context["can_flag"] and not page.context["can_manage_offers"]
    assert 'id="journal-form"' not in page.content.decode()

    assert client.post(reverse("companies:company_sensitive", args=[world.b.company.pk]), {"sensitive": "on", "reason": "x"}).status_code == 403
    offer = make_offer(world.b.company, world.b.cohort.programme)
    assert client.get(reverse("companies:offer_edit", args=[offer.pk])).status_code == 403
    assert client.post(reverse("companies:offer_close", args=[offer.pk])).status_code == 403
    assert Company.objects.get(pk=world.b.company.pk).sensitive is False


def test_sensitivity_flag_with_reason(client, world):
    client.force_login(world.a.cre)
    url = reverse("companies:company_sensitive", args=[world.a.company.pk])

    missing = client.post(url, {"sensitive": "on", "reason": ""})
    assert missing.status_code == 200 and "Indiquez pourquoi" in missing.content.decode()
    assert client.post(url, {"sensitive": "on", "reason": "Tensions avec le MA"}).status_code == 302

    assert Company.objects.values_list("sensitive", "sensitive_reason").get(pk=world.a.company.pk) == (True, "Tensions avec le MA")


# --- follow-ups ----------------------------------------------------------------------------

def test_my_follow_ups_due_lists_only_mine_due_and_not_done(client, world):
    cre = world.a.cre
    InteractionFactory(company=world.a.company, author=cre, summary="Aujourd'hui", next_follow_up=date(2026, 11, 28))
    InteractionFactory(company=world.a.company, author=cre, summary="Demain", next_follow_up=date(2026, 11, 29))
    InteractionFactory(company=world.a.company, author=cre, summary="Faite", next_follow_up=date(2026, 11, 1), follow_up_done=True)
    client.force_login(cre)

    response = client.get(reverse("companies:follow_ups"))

    assert [i.summary for i in response.context["follow_ups"]] == ["Relance Boulangerie Alpha", "Aujourd'hui"]


def test_done_button_marks_the_follow_up_and_is_refused_for_someone_elses(client, world):
    mine = Interaction.objects.get(author=world.a.cre)
    theirs = Interaction.objects.get(author=world.b.cre)
    client.force_login(world.a.cre)

    assert client.post(reverse("companies:follow_up_done", args=[mine.pk]), HTTP_HX_REQUEST="true").content == b""
    assert client.post(reverse("companies:follow_up_done", args=[theirs.pk])).status_code == 403
    assert dict(Interaction.objects.values_list("pk", "follow_up_done")) == {mine.pk: True, theirs.pk: False}
    assert list(client.get(reverse("companies:follow_ups")).context["follow_ups"]) == []


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER])
def test_extranet_users_get_403_on_the_crm_screens(client, world, role):
    client.force_login(world.user(role))
    for url in (reverse("companies:follow_ups"), reverse("companies:portfolio_reassign"), reverse("companies:placement_desk"),
                reverse("companies:offer_list"), reverse("companies:placement_learner", args=[world.a.seeking.pk])):
        assert client.get(url).status_code == 403, url


def test_follow_ups_query_count_does_not_grow(client, world):
    url = reverse("companies:follow_ups")
    client.force_login(world.a.cre)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(3):
        InteractionFactory(company=CompanyFactory(), author=world.a.cre, summary=f"R{n}", next_follow_up=date(2026, 11, 27))
    with CaptureQueriesContext(connection) as four:
        response = client.get(url)
    assert len(response.context["follow_ups"]) == 4
    assert len(four) == len(one)


# --- portfolio reassignment -------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), [
    (Role.COORDINATOR, 200), (Role.ADMIN_STAFF, 403), (Role.CRE, 403), (Role.TUTOR, 403), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403),
])
def test_reassignment_permission_matrix(client, world, role, expected):
    client.force_login(world.user(role))
    assert client.get(reverse("companies:portfolio_reassign")).status_code == expected
    response = client.post(reverse("companies:portfolio_reassign"), {"companies": [world.b.company.pk], "to_cre": world.a.cre.pk})
    assert response.status_code == (302 if expected == 200 else 403)
    owner = Company.objects.get(pk=world.b.company.pk).owner_cre
    assert owner == (world.a.cre if expected == 200 else world.b.cre)


def test_coordinator_reassigns_a_portfolio_and_errors_are_french(client, world):
    newcomer = CreFactory(first_name="Nina", last_name="Nouvelle")
    client.force_login(world.coordinator)
    url = reverse("companies:portfolio_reassign") + f"?from={world.a.cre.pk}"
    page = client.get(url)
    assert [c.name for c in page.context["companies"]] == ["Boulangerie Alpha"]

    empty = client.post(url, {"to_cre": newcomer.pk})
    assert "Cochez au moins une entreprise" in empty.content.decode()
    assert client.post(url, {"companies": [world.a.company.pk], "to_cre": newcomer.pk}).status_code == 302

    assert Company.objects.get(pk=world.a.company.pk).owner_cre == newcomer
