"""The search box (issue 13 §3): normalisation, matching per kind, scope per role, constant queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role
from alternance.search import selectors
from alternance.search.selectors import parse_query
from alternance.validators import fold_text, normalize_phone
from tests.factories.alternance import ApprenticeFactory, CandidateFactory, CohortFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


def found(user, q: str) -> dict[str, list[str]]:
    return {group.kind: [hit.title for hit in group.hits] for group in selectors.search(user, q)}


def test_folding_removes_accents_case_and_punctuation():
    assert fold_text("  Élodie N'Diaye-Müller  ") == "elodie n diaye muller"
    assert fold_text("ŒUVRE") == "oeuvre"


@pytest.mark.parametrize("typed", ["+33 6 12 34 56 78", "06.12.34.56.78", "0033612345678", "06 12 34 56 78"])
def test_a_french_phone_number_is_read_as_its_ten_national_digits(typed):
    assert normalize_phone(typed) == "0612345678"


def test_query_reading():
    assert parse_query("a").is_empty
    assert parse_query(" 1234 567 890 a ").ine == "1234567890A"
    assert parse_query("732 829 320 00074").compact == "73282932000074"
    assert parse_query("rncp 35341").rncp == "RNCP35341"
    assert parse_query("35341").rncp == ""
    assert parse_query("Jean-Éric").words == ("jean", "eric")


def test_apprentice_found_by_name_without_accents_by_ine_phone_and_email():
    world = make_world()
    apprentice = ApprenticeFactory(first_name="Éloïse", last_name="Lefèvre", cohort=world.a.cohort, ine="1234567890A",
                                   phone="06 12 34 56 78", email="eloise.lefevre@example.test")
    coordinator = world.coordinator
    title = "LEFÈVRE Éloïse"
    for q in ("lefevre", "LEFÈV", "elo lef", "1234 567 890 a", "+33 6 12 34 56 78", "0612", "eloise.lefevre@exa"):
        assert found(coordinator, q).get("apprentis") == [title], q
    # A word must start a word of the name: the middle of a name is not a match.
    assert "apprentis" not in found(coordinator, "fevre")
    assert apprentice.search_text.startswith(" lefevre")


def test_company_found_by_siret_siren_and_name_and_shows_siret_and_town():
    world = make_world()
    company = CompanyFactory(name="Menuiserie Gamma", siret="73282932000074", city="Lyon", postal_code="69003")
    coordinator = world.coordinator
    for q in ("732 829 320 00074", "732829320", "menuiserie gam"):
        groups = {g.kind: g for g in selectors.search(coordinator, q)}
        assert [h.title for h in groups["entreprises"].hits] == ["Menuiserie Gamma"], q
    hit = selectors.search(coordinator, "73282932000074")[0].hits[0]
    assert hit.details == ("SIRET 732 829 320 00074", "69003 Lyon")
    assert hit.url == reverse("companies:company_detail", args=[company.pk])


def test_contact_candidate_and_contract_by_deposit_number():
    world = make_world()
    CompanyContactFactory(company=world.a.company, first_name="Sophie", last_name="Lemoine", phone="04 72 00 00 00")
    CandidateFactory(first_name="Noé", last_name="Lemoine")
    world.a.contract.opco_file.deposit_number = "069202611000123"
    world.a.contract.opco_file.save()
    assert found(world.coordinator, "lemoine") == {"candidats": ["LEMOINE Noé"], "contacts": ["LEMOINE Sophie"]}
    assert found(world.coordinator, "04 72 00")["contacts"] == ["LEMOINE Sophie"]
    assert found(world.coordinator, "0692 0261 1000")["contrats"] == ["MARTIN Alice"]


def test_homonyms_are_told_apart_by_cohort_and_birth_date():
    world = make_world()
    other = CohortFactory(name="CAP Cuisine 2026")
    ApprenticeFactory(first_name="Léa", last_name="Moreau", cohort=world.a.cohort, birth_date=date(2006, 3, 12))
    ApprenticeFactory(first_name="Léa", last_name="Moreau", cohort=other, birth_date=date(2007, 1, 5))
    hits = selectors.search(world.coordinator, "moreau lea")[0].hits
    assert sorted(h.details[:2] for h in hits) == [
        ("CAP Cuisine 2026", "né·e le 05/01/2007"), ("Promotion A 2026", "né·e le 12/03/2006"),
    ]


@pytest.mark.parametrize(("role", "expected"), [
    (Role.COORDINATOR, {"apprentis": ["DURAND Bruno", "MARTIN Alice"], "contrats": ["MARTIN Alice", "DURAND Bruno"]}),
    (Role.CRE, {"apprentis": ["DURAND Bruno", "MARTIN Alice"], "contrats": ["MARTIN Alice", "DURAND Bruno"]}),
    (Role.TUTOR, {"apprentis": ["MARTIN Alice"], "contrats": ["MARTIN Alice"]}),
    (Role.EMPLOYER, {"apprentis": ["MARTIN Alice"], "contrats": ["MARTIN Alice"]}),
])
def test_each_role_finds_only_its_scope(role, expected):
    world = make_world()
    user = world.user(role)
    assert found(user, "martin durand") == {}  # every word must match the same row
    merged: dict[str, list[str]] = {}
    for q in ("martin", "durand"):
        for kind, titles in found(user, q).items():
            merged.setdefault(kind, []).extend(titles)
    assert {k: sorted(v) for k, v in merged.items()} == {k: sorted(v) for k, v in expected.items()}


def test_employer_finds_nothing_of_another_company_by_any_identifier():
    world = make_world()
    b = world.b
    b.apprentice.ine, b.apprentice.phone = "2234567890B", "07 11 22 33 44"
    b.apprentice.save()
    employer = world.a.employer_user
    for q in ("durand", "2234567890B", "07 11 22 33 44", b.company.siret, "garage", b.employer_contact.last_name):
        assert found(employer, q) == {}, q
    # Nor companies, contacts or candidates of its own: those groups are not its to search.
    assert found(employer, "boulangerie") == {}
    assert found(employer, "martin")["apprentis"] == ["MARTIN Alice"]
    assert selectors.search(employer, "martin")[0].hits[0].url == reverse("employer_apprentice", args=[world.a.apprentice.pk])


def test_apprentice_account_has_no_search():
    world = make_world()
    assert selectors.search(world.a.apprentice_user, "martin") == []


def test_groups_are_capped_and_say_there_is_more():
    world = make_world()
    ApprenticeFactory.create_batch(selectors.GROUP_LIMIT + 1, last_name="Bernard", cohort=world.a.cohort)
    group = selectors.search(world.coordinator, "bernard")[0]
    assert (len(group.hits), group.has_more) == (selectors.GROUP_LIMIT, True)
    assert group.more_url == reverse("search:results") + "?q=bernard&type=apprentis"
    assert selectors.search_kind(world.coordinator, "bernard", "apprentis").count() == selectors.GROUP_LIMIT + 1


def _queries(user, q):
    with CaptureQueriesContext(connection) as ctx:
        selectors.search(user, q)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.TUTOR, Role.EMPLOYER])
def test_query_count_does_not_grow_with_rows(role):
    world = make_world()
    user = world.user(role)
    ContractFactory(apprentice=ApprenticeFactory(last_name="Garnier", cohort=world.a.cohort), company=world.a.company)
    few = _queries(user, "garnier")
    for _ in range(4):
        ContractFactory(apprentice=ApprenticeFactory(last_name="Garnier", cohort=world.a.cohort), company=world.a.company)
        CompanyContactFactory(company=world.a.company, last_name="Garnier")
        CandidateFactory(last_name="Garnier")
    assert _queries(user, "garnier") == few


def test_a_query_with_digits_is_an_identifier_never_a_name():
    world = make_world()
    ApprenticeFactory(first_name="Léo", last_name="Dupont", cohort=world.a.cohort, ine="", phone="")
    assert "apprentis" not in found(world.coordinator, "dupont 06")
    assert found(world.coordinator, "dupont")["apprentis"] == ["DUPONT Léo"]


def test_results_page_query_count_does_not_grow_with_rows(client):
    world = make_world()
    client.force_login(world.coordinator)
    url = reverse("search:results")
    ApprenticeFactory(last_name="Garnier", cohort=world.a.cohort)
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"q": "garnier"})
    ApprenticeFactory.create_batch(5, last_name="Garnier", cohort=world.b.cohort)
    CompanyContactFactory.create_batch(3, company=world.b.company, last_name="Garnier")
    with CaptureQueriesContext(connection) as many:
        client.get(url, {"q": "garnier"})
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_rncp_code_finds_the_learners_candidates_and_contracts_of_that_certification():
    world = make_world()
    programme = world.a.cohort.programme
    programme.rncp_code = "RNCP99123"  # the other side's programme keeps another code
    programme.save()
    CandidateFactory(first_name="Noé", last_name="Lemoine", programme=programme)
    result = found(world.coordinator, f"rncp {programme.rncp_code[4:]}")
    assert result == {"apprentis": ["MARTIN Alice", "PETIT Chloé"], "candidats": ["LEMOINE Noé"], "contrats": ["MARTIN Alice"]}
    assert found(world.b.tutor, programme.rncp_code).keys() == set()
