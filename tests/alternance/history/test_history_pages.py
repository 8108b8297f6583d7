"""History of changes (issue 13 §4): what a record's page shows, to whom, and how fast."""

from datetime import date, datetime

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import ApprenticeStatus, Role
from alternance.history.selectors import history_for
from alternance.models import Apprentice
from tests.factories.alternance import CohortFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

NIR = "1 89 05 49 588 157 23"


@pytest.fixture(autouse=True)
def frozen_now(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def edit_apprentice(apprentice: Apprentice, by, **values) -> None:
    """An edit made during a request of ``by`` (the middleware sets the same actor)."""
    with set_actor(by):
        for name, value in values.items():
            setattr(apprentice, name, value)
        apprentice.full_clean()
        apprentice.save()


def page_history(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_apprentice_page_shows_an_edit_with_its_author_and_the_fields_changed(client, world):
    apprentice = world.a.apprentice
    other_cohort = CohortFactory(name="Promotion C 2026", programme=world.a.cohort.programme, referent_tutor=world.a.tutor)
    old_phone, old_since = apprentice.phone, apprentice.status_since
    edit_apprentice(apprentice, world.admin_staff, phone="06 12 34 56 78", cohort=other_cohort, emancipated=True,
                    status_since=date(2026, 11, 2))

    response = page_history(client, world.coordinator, reverse("apprentice_detail", args=[apprentice.pk]))

    entries = response.context["history"].entries
    assert [(e.action_label, e.author) for e in entries] == [("Modification", str(world.admin_staff)), ("Création", "Système")]
    entry = entries[0]
    assert (entry.action_label, entry.author, entry.author_role) == (
        "Modification", str(world.admin_staff), "Équipe administrative",
    )
    assert {(f.label, f.old, f.new) for f in entry.fields} == {
        ("Téléphone", old_phone or "(vide)", "06 12 34 56 78"),
        ("Promotion", "Promotion A 2026", "Promotion C 2026"),
        ("Mineur émancipé", "Non", "Oui"),
        ("Statut depuis le", old_since.strftime("%d/%m/%Y"), "02/11/2026"),
    }
    html = response.content.decode()
    assert "Historique des modifications" in html
    assert str(world.admin_staff) in html and "Équipe administrative" in html
    assert "06 12 34 56 78" in html and "Promotion C 2026" in html
    assert "le 28/11/2026 à 10:00" in html  # Paris time


def test_choice_fields_show_their_label_and_dates_are_localised(world):
    apprentice = world.a.seeking
    edit_apprentice(apprentice, world.coordinator, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 11, 27))

    entry = history_for(world.coordinator, apprentice).entries[0]

    assert entry.action == "archive" and entry.action_label == "Archivage"
    fields = {f.label: (f.old, f.new) for f in entry.fields}
    assert fields["Statut"] == ("En recherche d'entreprise", "Abandon")
    assert fields["Date d'exclusion / abandon"] == ("(vide)", "27/11/2026")


def test_nir_and_rqth_are_recorded_as_changed_without_any_value(world):
    apprentice = world.a.apprentice
    with set_actor(world.coordinator):
        apprentice.set_nir(NIR)
        apprentice.rqth = True
        apprentice.rqth_date = date(2026, 1, 15)
        apprentice.save()
    cipher = Apprentice.objects.get(pk=apprentice.pk).nir_encrypted
    assert cipher

    stored = LogEntry.objects.get(object_id=apprentice.pk, content_type__model="apprentice", action=LogEntry.Action.UPDATE)
    assert stored.changes == {"nir_encrypted": ["", ""], "has_nir": ["", ""], "rqth": ["", ""], "rqth_date": ["", ""]}
    # Nothing of the NIR (clear or encrypted) anywhere in the log table.
    dumped = " ".join(str(row) for row in LogEntry.objects.values_list())
    for secret in (cipher, cipher[:12], cipher[-12:], "1890549588157", "588157", "2026-01-15"):
        assert secret not in dumped
    fields = {f.label: f.new for f in history_for(world.coordinator, apprentice).entries[0].fields}
    assert fields == {
        "NIR chiffré": "modifié (valeur non conservée)",
        "NIR renseigné": "modifié (valeur non conservée)",
        "Reconnaissance de la qualité de travailleur handicapé (RQTH)": "modifié (valeur non conservée)",
        "Date de la RQTH": "modifié (valeur non conservée)",
    }


@pytest.mark.parametrize("role", [Role.APPRENTICE, Role.EMPLOYER])
def test_extranet_users_never_see_the_history_of_a_page_they_may_open(client, world, role):
    apprentice, contract = world.a.apprentice, world.a.contract
    edit_apprentice(apprentice, world.coordinator, phone="06 99 99 99 99")
    with set_actor(world.coordinator):
        contract.pension_fund = "Caisse secrète"
        contract.save()
    user = world.user(role)

    for url in (reverse("apprentice_detail", args=[apprentice.pk]), reverse("contracts:contract_detail", args=[contract.pk])):
        client.force_login(user)
        response = client.get(url)
        if response.status_code != 200:
            continue  # the page itself is not theirs
        assert response.context.get("history") is None
        html = response.content.decode()
        assert "Historique des modifications" not in html and "Caisse secrète" not in html
    assert history_for(user, apprentice) is None
    for kind, obj in (("apprenti", apprentice), ("contrat", contract)):
        response = client.get(reverse("history:page", kwargs={"kind": kind, "pk": obj.pk}))
        assert response.status_code in (403, 404)


def test_staff_roles_see_the_history_on_every_record_page(client, world):
    company, contact, contract, alert = world.a.company, world.a.employer_contact, world.a.contract, None
    with set_actor(world.a.cre):
        company.phone = "01 02 03 04 05"
        company.save()
        contact.job_title = "Cheffe d'atelier"
        contact.save()
    from alerts.models import Alert

    alert = Alert.objects.filter(company=company).first() or Alert.objects.first()
    with set_actor(world.coordinator):
        alert.recommended_action = "Appeler l'employeur"
        alert.save()
        contract.pension_fund = "AG2R"
        contract.save()

    company_page = page_history(client, world.a.cre, reverse("companies:company_detail", args=[company.pk]))
    subjects = [(e.subject, [f.label for f in e.fields]) for e in company_page.context["history"].entries]
    assert subjects[:2] == [
        (f"Contact entreprise : {contact}", ["Emploi occupé"]),
        ("", ["Téléphone"]),
    ]
    contract_page = page_history(client, world.coordinator, reverse("contracts:contract_detail", args=[contract.pk]))
    assert [f.new for f in contract_page.context["history"].entries[0].fields] == ["AG2R"]
    alert_page = page_history(client, world.coordinator, reverse("alerts:alert_detail", args=[alert.pk]))
    assert [f.new for f in alert_page.context["history"].entries[0].fields] == ["Appeler l'employeur"]
    staff_page = page_history(client, world.coordinator, reverse("staff:staff_detail", args=[world.a.cre.pk]))
    assert staff_page.context["history"] is not None


def test_the_page_shows_the_last_ten_and_the_full_history_is_paginated(client, world):
    apprentice = world.a.apprentice
    for n in range(12):
        edit_apprentice(apprentice, world.coordinator, phone=f"06 00 00 00 {n:02d}")

    history = history_for(world.coordinator, apprentice)
    assert len(history.entries) == 10 and history.has_more
    assert history.entries[0].fields[0].new == "06 00 00 00 11"  # most recent first
    full = page_history(client, world.coordinator, history.full_url)
    assert [e.fields[0].new for e in full.context["entries"] if e.action == "update"] == [
        f"06 00 00 00 {n:02d}" for n in range(11, -1, -1)
    ]
    assert "Voir tout l'historique" in page_history(client, world.coordinator, reverse("apprentice_detail", args=[apprentice.pk])).content.decode()


def _queries(user, obj) -> int:
    with CaptureQueriesContext(connection) as captured:
        history_for(user, obj)
    return len(captured)


def test_history_query_count_does_not_grow_with_entries(world):
    apprentice = world.a.apprentice
    cohorts = [CohortFactory(name=f"Promotion X{n}", programme=world.a.cohort.programme, referent_tutor=world.a.tutor) for n in range(4)]
    edit_apprentice(apprentice, world.coordinator, cohort=cohorts[0], phone="06 00 00 00 01")
    few = _queries(world.coordinator, apprentice)
    for n, cohort in enumerate(cohorts[1:], start=2):
        edit_apprentice(apprentice, world.a.tutor, cohort=cohort, phone=f"06 00 00 00 {n:02d}")
    assert len(history_for(world.coordinator, apprentice).entries) == 5  # 4 edits and the creation
    assert _queries(world.coordinator, apprentice) == few
