"""Logging an exchange closes the follow-up it answers and records the contact person reached
(issue 14 §5): choices limited to the company's own contacts and open follow-ups, one transaction,
shown in the timeline; the htmx response never swaps into a missing target."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alternance.choices import Role
from companies import services
from companies.models import Interaction
from tests.factories.companies import CompanyContactFactory, InteractionFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def follow_up_of(side) -> Interaction:
    return Interaction.objects.get(company=side.company, summary=f"Relance {side.company.name}")


def log(client, company, data, **headers):
    base = {"kind": "call", "outcome": "positive", "summary": "Appel : le gérant confirme."}
    return client.post(reverse("companies:interaction_log", args=[company.pk]), {**base, **data}, **headers)


def test_logging_an_answer_closes_the_follow_up_and_records_the_contact(client, world):
    follow_up = follow_up_of(world.a)
    client.force_login(world.a.cre)

    response = log(client, world.a.company, {"contact": world.a.employer_contact.pk, "answers_follow_up": follow_up.pk})

    assert response.status_code == 302
    logged = Interaction.objects.get(summary="Appel : le gérant confirme.")
    assert (logged.company_id, logged.contact_id, logged.answers_follow_up_id) == (world.a.company.pk, world.a.employer_contact.pk, follow_up.pk)
    assert Interaction.objects.get(pk=follow_up.pk).follow_up_done is True
    assert list(client.get(reverse("companies:follow_ups")).context["follow_ups"]) == []


def test_the_timeline_shows_the_contact_and_which_follow_up_was_answered(client, world):
    follow_up = follow_up_of(world.a)
    client.force_login(world.a.cre)
    log(client, world.a.company, {"contact": world.a.employer_contact.pk, "answers_follow_up": follow_up.pk})

    html = client.get(reverse("companies:company_detail", args=[world.a.company.pk])).content.decode()

    assert f"Contact joint : {world.a.employer_contact.full_name}" in html
    assert "Répond à la relance du 20/11/2026" in html
    assert "Relance : 20/11/2026 (faite : échange du 28/11/2026)" in html


def test_a_contact_of_another_company_is_refused_and_nothing_is_written(client, world):
    follow_up = follow_up_of(world.a)
    client.force_login(world.coordinator)

    response = log(client, world.a.company, {"contact": world.b.employer_contact.pk, "answers_follow_up": follow_up.pk})

    assert response.status_code == 200
    assert "Ce contact n&#x27;est pas un contact actif de cette entreprise" in response.content.decode()
    assert not Interaction.objects.filter(summary="Appel : le gérant confirme.").exists()
    assert Interaction.objects.get(pk=follow_up.pk).follow_up_done is False


def test_an_inactive_contact_is_not_offered(client, world):
    gone = CompanyContactFactory(company=world.a.company, last_name="Parti", active=False)
    client.force_login(world.a.cre)

    response = log(client, world.a.company, {"contact": gone.pk})

    assert response.status_code == 200
    assert not Interaction.objects.filter(summary="Appel : le gérant confirme.").exists()


@pytest.mark.parametrize("which", ["other_company", "someone_elses", "already_done", "no_follow_up_date"])
def test_only_my_open_follow_ups_of_this_company_can_be_answered(client, world, which):
    cre = world.a.cre
    target = {
        "other_company": lambda: follow_up_of(world.b),
        "someone_elses": lambda: InteractionFactory(company=world.a.company, author=world.coordinator, next_follow_up=date(2026, 11, 25)),
        "already_done": lambda: InteractionFactory(company=world.a.company, author=cre, next_follow_up=date(2026, 11, 25), follow_up_done=True),
        "no_follow_up_date": lambda: InteractionFactory(company=world.a.company, author=cre, next_follow_up=None),
    }[which]()
    client.force_login(cre)

    response = log(client, world.a.company, {"answers_follow_up": target.pk})

    assert response.status_code == 200
    assert "Cette relance n&#x27;est plus ouverte ou ne vous revient pas" in response.content.decode()
    assert not Interaction.objects.filter(summary="Appel : le gérant confirme.").exists()
    assert Interaction.objects.get(pk=target.pk).follow_up_done == (which == "already_done")


def test_a_coordinator_may_answer_a_cres_follow_up(client, world):
    follow_up = follow_up_of(world.a)
    client.force_login(world.coordinator)

    assert log(client, world.a.company, {"answers_follow_up": follow_up.pk}).status_code == 302

    assert Interaction.objects.get(pk=follow_up.pk).follow_up_done is True


def test_the_service_refuses_a_follow_up_closed_meanwhile_and_rolls_the_exchange_back(world):
    follow_up = follow_up_of(world.a)
    Interaction.objects.filter(pk=follow_up.pk).update(follow_up_done=True)  # "Fait" clicked in another tab

    with pytest.raises(ValidationError) as error:
        services.interaction_log(company=world.a.company, author=world.a.cre, kind="call", summary="Trop tard", answers_follow_up=follow_up)

    assert "marquée comme faite entre-temps" in str(error.value)
    assert not Interaction.objects.filter(summary="Trop tard").exists()


def test_the_service_refuses_a_follow_up_of_another_company(world):
    with pytest.raises(ValidationError) as error:
        services.interaction_log(
            company=world.a.company, author=world.coordinator, kind="call", summary="Mauvaise entreprise", answers_follow_up=follow_up_of(world.b)
        )

    assert "concerne une autre entreprise" in str(error.value)
    assert (Interaction.objects.filter(summary="Mauvaise entreprise").count(), follow_up_of(world.b).follow_up_done) == (0, False)


def test_coming_from_my_follow_ups_preselects_the_follow_up_and_its_contact(client, world):
    follow_up = follow_up_of(world.a)
    Interaction.objects.filter(pk=follow_up.pk).update(contact=world.a.employer_contact)
    client.force_login(world.a.cre)

    listing = client.get(reverse("companies:follow_ups")).content.decode()
    link = f"{reverse('companies:company_detail', args=[world.a.company.pk])}?relance={follow_up.pk}#journal-form"
    assert f'href="{link}"' in listing
    form = client.get(link.split("#")[0]).context["log_form"]

    assert (form.initial["answers_follow_up"], form.initial["contact"]) == (follow_up.pk, world.a.employer_contact.pk)
    assert list(form.fields["answers_follow_up"].queryset) == [follow_up]
    assert list(form.fields["contact"].queryset) == [world.a.employer_contact]


def test_a_follow_up_id_that_is_not_mine_is_not_preselected(client, world):
    client.force_login(world.a.cre)

    form = client.get(reverse("companies:company_detail", args=[world.b.company.pk]) + f"?relance={follow_up_of(world.b).pk}").context["log_form"]

    assert "answers_follow_up" not in form.initial


def test_htmx_answer_refreshes_the_answered_entry_and_only_swaps_existing_targets(client, world):
    follow_up = follow_up_of(world.a)
    client.force_login(world.a.cre)

    html = log(client, world.a.company, {"answers_follow_up": follow_up.pk}, HTTP_HX_REQUEST="true").content.decode()

    # The answered entry is replaced in place (wrapped in <template> so the parser keeps the <li>).
    assert f'<template><li class="mb-3" id="echange-{follow_up.pk}" hx-swap-oob="true">' in html
    assert "(faite : échange du 28/11/2026)" in html
    # The empty-timeline note is replaced, never deleted: its target always exists on the page.
    assert 'hx-swap-oob="delete"' not in html
    assert '<p class="text-body-secondary" id="timeline-vide" hx-swap-oob="true" hidden></p>' in html
    # The fresh form no longer offers the closed follow-up (it was the only one: no choice left).
    assert 'name="answers_follow_up"' not in html.split("</form>")[0]


def test_the_empty_timeline_note_is_always_on_the_page(client, world):
    client.force_login(world.a.cre)
    url = reverse("companies:company_detail", args=[world.a.company.pk])
    assert '<p class="text-body-secondary" id="timeline-vide" hidden>' in client.get(url).content.decode()
    Interaction.objects.filter(company=world.a.company).delete()
    assert '<p class="text-body-secondary" id="timeline-vide">Aucun échange enregistré.</p>' in client.get(url).content.decode()


@pytest.mark.parametrize(("role", "expected"), [
    (Role.COORDINATOR, 302), (Role.ADMIN_STAFF, 200), (Role.CRE, 302), (Role.TUTOR, 200), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403),
])
def test_answering_permission_matrix(client, world, role, expected):
    """Only who may close the follow-up (its author, or the coordinator) can answer it; the others
    get the form back with the error, and the extranet 403."""
    follow_up = follow_up_of(world.a)
    client.force_login(world.user(role))

    response = log(client, world.a.company, {"answers_follow_up": follow_up.pk})

    assert response.status_code == expected
    assert Interaction.objects.get(pk=follow_up.pk).follow_up_done == (expected == 302)
