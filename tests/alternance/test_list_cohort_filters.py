"""The « Promotion » filter of the apprentices, contracts and justification lists is a searchable
field (issue 18 §2: a select of the 541 cohorts cost the page 13 of its 29 ms and 34 KB at 20 000
learners): the page carries no option per cohort whatever their number; a chosen cohort shows its
label and filters; without JavaScript a typed name that matches one cohort filters, none or several
filter nothing and say why under the field; a malformed id is ignored with a message."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.alternance.attendance.test_absences_review import pending_for
from tests.factories.alternance import CohortFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

PAGES = [
    pytest.param("apprentice_list", "cohort", "apprentices", id="apprentices"),
    pytest.param("contracts:contract_list", "cohort", "contracts", id="contracts"),
    pytest.param("justification_queue", "promotion", "records", id="justifications"),
]


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    world = make_world()
    world.b.cohort.name = "Promotion Zeta 2026"  # typed « zeta »: one cohort (« b » is in both programmes' « BTS »)
    world.b.cohort.save()
    for side in (world.a, world.b):  # one pending justification per side, for the queue
        pending_for(side.apprentice)
    return world


def listed(response, key) -> set:
    return {row.apprentice_id if key == "records" else row.pk for row in response.context[key]}


def shown(world, key, side) -> set:
    """What a side's cohort puts in the list: its learners (the one placed, the one seeking), its
    contract, its pending justification."""
    return {"apprentices": {side.apprentice.pk, side.seeking.pk}, "contracts": {side.contract.pk}, "records": {side.apprentice.pk}}[key]


@pytest.mark.parametrize(("url", "name", "key"), PAGES)
@pytest.mark.parametrize("extra_cohorts", [0, 40])
def test_the_page_carries_no_option_per_cohort(world, url, name, key, extra_cohorts):
    CohortFactory.create_batch(extra_cohorts)
    client = Client()
    client.force_login(world.coordinator)

    body = client.get(reverse(url)).content.decode()

    assert body.count("<option") < 30  # the other filters' few options, not one per cohort
    assert f'name="{name}__q"' in body and 'role="combobox"' in body


@pytest.mark.parametrize(("url", "name", "key"), PAGES)
def test_a_chosen_cohort_shows_its_label_and_filters(world, url, name, key):
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse(url), {name: world.b.cohort.pk})

    body = response.content.decode()
    assert listed(response, key) == shown(world, key, world.b)
    assert 'value="Promotion Zeta 2026 — ' in body  # the field shows the cohort's label


@pytest.mark.parametrize(("url", "name", "key"), PAGES)
@pytest.mark.parametrize(("typed", "side", "error"), [
    ("zeta", "b", ""),
    ("promotion", None, "Plusieurs lignes correspondent à « promotion »"),
    ("zzz", None, "Aucune promotion ne correspond à « zzz »"),
])
def test_without_javascript_a_typed_name_filters_when_it_matches_one_cohort(world, url, name, key, typed, side, error):
    client = Client()
    client.force_login(world.coordinator)

    response = client.get(reverse(url), {f"{name}__q": typed})

    body = response.content.decode()
    every = shown(world, key, world.a) | shown(world, key, world.b)
    assert listed(response, key) == (shown(world, key, getattr(world, side)) if side else every)
    assert (error in body) if error else ("invalid-feedback" not in body)


@pytest.mark.parametrize(("url", "name", "key"), PAGES)
def test_a_cohort_of_another_tutor_filters_nothing_and_says_so(world, url, name, key):
    client = Client()
    client.force_login(world.a.tutor)

    response = client.get(reverse(url), {name: world.b.cohort.pk})

    assert listed(response, key) == shown(world, key, world.a)
    assert "Ce choix ne fait pas partie de ceux qui vous sont ouverts" in response.content.decode()
