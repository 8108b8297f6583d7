"""Search pages and the searchable select of the contract form (issue 13 §3)."""

from datetime import date

import pytest
from django.urls import reverse

from alternance.choices import Role
from contracts.forms import ContractForm
from tests.factories.alternance import ApprenticeFactory, CohortFactory, CreFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "status"), [
    (Role.COORDINATOR, 200), (Role.ADMIN_STAFF, 200), (Role.CRE, 200), (Role.TUTOR, 200), (Role.EMPLOYER, 200), (Role.APPRENTICE, 403),
])
def test_results_and_dropdown_permissions(client, role, status):
    world = make_world()
    client.force_login(world.user(role))
    assert client.get(reverse("search:results"), {"q": "martin"}).status_code == status
    assert client.get(reverse("search:dropdown"), {"q": "martin"}).status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("search:results"), {"q": "martin"})
    assert response.status_code == 302 and "/connexion/" in response["Location"]


@pytest.mark.parametrize(("role", "status"), [
    (Role.COORDINATOR, 200), (Role.CRE, 200), (Role.TUTOR, 200), (Role.EMPLOYER, 403), (Role.APPRENTICE, 403),
])
def test_choices_endpoint_is_for_staff(client, role, status):
    world = make_world()
    client.force_login(world.user(role))
    assert client.get(reverse("search:choices", args=["apprentis"]), {"apprentice__q": "martin"}).status_code == status


def test_unknown_source_is_refused(client):
    world = make_world()
    client.force_login(world.coordinator)
    assert client.get(reverse("search:choices", args=["inconnu"]), {"q": "martin"}).status_code == 403


def test_results_page_groups_without_javascript_and_keeps_the_query(client):
    world = make_world()
    client.force_login(world.coordinator)
    response = client.get(reverse("search:results"), {"q": "Martin"})
    content = response.content.decode()
    assert [g.kind for g in response.context["groups"]] == ["apprentis", "contrats"]
    assert reverse("apprentice_detail", args=[world.a.apprentice.pk]) in content
    assert 'value="Martin"' in content
    none = client.get(reverse("search:results"), {"q": "zzzz"})
    assert "Aucun résultat pour « zzzz » dans votre périmètre." in none.content.decode()


def test_voir_tout_lists_one_kind_paginated(client):
    world = make_world()
    ApprenticeFactory.create_batch(10, last_name="Bernard", cohort=world.a.cohort)
    client.force_login(world.coordinator)
    response = client.get(reverse("search:results"), {"q": "bernard", "type": "apprentis"})
    assert len(response.context["hits"]) == 10
    assert "10 résultats" in response.content.decode()


def test_employer_results_page_shows_nothing_of_the_other_company(client):
    world = make_world()
    client.force_login(world.a.employer_user)
    content = client.get(reverse("search:results"), {"q": "durand"}).content.decode()
    assert "DURAND" not in content and "Aucun résultat" in content


def test_choices_endpoint_lists_labels_that_tell_homonyms_apart(client):
    world = make_world()
    other = CohortFactory(name="CAP Cuisine 2026")
    ApprenticeFactory(first_name="Léa", last_name="Moreau", cohort=world.a.cohort, birth_date=date(2006, 3, 12))
    ApprenticeFactory(first_name="Léa", last_name="Moreau", cohort=other, birth_date=date(2007, 1, 5))
    client.force_login(world.coordinator)
    content = client.get(reverse("search:choices", args=["apprentis"]), {"apprentice__q": "more"}).content.decode()
    assert "MOREAU Léa — Promotion A 2026 — né·e le 12/03/2006" in content
    assert "MOREAU Léa — CAP Cuisine 2026 — né·e le 05/01/2007" in content


def test_choices_endpoint_applies_the_scope(client):
    world = make_world()
    client.force_login(world.a.tutor)
    content = client.get(reverse("search:choices", args=["apprentis"]), {"apprentice__q": "durand"}).content.decode()
    assert "DURAND" not in content


def test_the_cre_choices_are_the_active_cres_only(client):
    """The companies list's « CRE référent·e » field: active CREs, by name or e-mail; a tutor or a CRE
    whose account is closed is no choice."""
    world = make_world()
    CreFactory(first_name="Cre", last_name="Partie", email="cre-partie@example.test", is_active=False)
    client.force_login(world.coordinator)

    content = client.get(reverse("search:choices", args=["cres"]), {"owner__q": "cre"}).content.decode()
    by_mail = client.get(reverse("search:choices", args=["cres"]), {"owner__q": "cre-b@"}).content.decode()
    tutors = client.get(reverse("search:choices", args=["cres"]), {"owner__q": "tuteur"}).content.decode()

    assert "A Cre — cre-a@example.test" in content and "B Cre — cre-b@example.test" in content
    assert "PARTIE" not in content and "Partie" not in content
    assert "B Cre — cre-b@example.test" in by_mail and "cre-a@" not in by_mail
    assert "tuteur-a@" not in tutors and "Tuteur" not in tutors


def _form(user, **data):
    return ContractForm(data=data, user=user)


def test_contract_form_refuses_an_apprentice_outside_the_scope_in_french():
    world = make_world()
    form = _form(world.a.tutor, apprentice=str(world.b.apprentice.pk))
    # A tutor cannot create contracts, but the field still checks the id against its scope.
    assert not form.is_valid()
    assert form.errors["apprentice"] == [
        "Ce choix ne fait pas partie de ceux qui vous sont ouverts : tapez quelques lettres et choisissez une ligne de la liste."
    ]


def test_contract_form_accepts_an_id_in_scope():
    world = make_world()
    form = _form(world.coordinator, apprentice=str(world.b.apprentice.pk))
    form.is_valid()
    assert "apprentice" not in form.errors
    assert form.cleaned_data["apprentice"] == world.b.apprentice


def test_without_javascript_a_typed_name_matching_one_row_is_taken():
    world = make_world()
    form = _form(world.coordinator, apprentice__q="Durand")
    form.is_valid()
    assert form.cleaned_data["apprentice"] == world.b.apprentice


def test_without_javascript_several_matches_come_back_as_choices_and_none_says_what_to_type():
    world = make_world()
    ApprenticeFactory(first_name="Léa", last_name="Moreau", cohort=world.a.cohort, birth_date=date(2006, 3, 12))
    ApprenticeFactory(first_name="Léa", last_name="Moreau", cohort=world.b.cohort, birth_date=date(2007, 1, 5))
    form = _form(world.coordinator, apprentice__q="moreau")
    assert not form.is_valid()
    assert form.errors["apprentice"] == ["Plusieurs lignes correspondent à « moreau » : choisissez la bonne dans la liste sous le champ."]
    html = str(form["apprentice"])
    assert html.count('type="radio" name="apprentice"') == 2
    assert "MOREAU Léa — Promotion B 2026 — né·e le 05/01/2007" in html
    assert 'value="moreau"' in html  # what was typed is kept
    form = _form(world.coordinator, apprentice__q="personne")
    assert not form.is_valid()
    assert form.errors["apprentice"] == [
        "Aucun·e apprenti·e de votre périmètre ne correspond à « personne » : tapez le début du nom, l'INE ou le téléphone."
    ]


def test_the_field_shows_the_chosen_row_label_when_editing():
    world = make_world()
    form = ContractForm(instance=world.a.contract, user=world.coordinator)
    html = str(form["apprentice"])
    assert 'value="MARTIN Alice — Promotion A 2026 — né·e le' in html
    assert f'type="hidden" name="apprentice" value="{world.a.apprentice.pk}"' in html
    assert 'role="combobox"' in html and 'aria-controls="id_apprentice_listbox"' in html


@pytest.mark.parametrize(("role", "has_box"), [
    (Role.COORDINATOR, True), (Role.TUTOR, True), (Role.EMPLOYER, True), (Role.APPRENTICE, False),
])
def test_the_search_box_is_in_the_navigation_of_who_may_search(client, role, has_box):
    world = make_world()
    client.force_login(world.user(role))
    html = client.get(reverse("home")).content.decode()
    assert ('id="nav-search-input"' in html) is has_box
    if has_box:
        assert 'role="combobox"' in html and 'aria-controls="nav-search-listbox"' in html
        assert '<label class="visually-hidden" for="nav-search-input">' in html
