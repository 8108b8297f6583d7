"""Pages of the apprentice records: permission matrix over the roles (with the data that could
leak), the creation form's bad input (French message, typed value kept), duplicates, the NIR never
rendered once saved, the list's « sortis » filter and its query count, leaving and reopening,
and the extranet « Mes coordonnées »."""

import html as htmllib
import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import ApprenticeStatus, ExitReason
from alternance.models import Apprentice
from companies.models import CompanyContact
from tests.factories.alternance import ApprenticeFactory, CandidateFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

VALID_NIR = "1 04 05 75 056 123 80"
NIR_DIGITS = "104057505612380"
OTHER_NIR = "2 05 08 69 123 456 79"


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def form_data(world, **overrides) -> dict:
    data = {
        "last_name": "Lefèvre", "usage_name": "", "first_name": "Inès", "sex": "F", "birth_date": "2006-04-12",
        "birth_department": "69", "birth_commune": "Lyon", "nationality": "1", "social_regime": "2", "ine": "", "nir": "",
        "address": "4 rue Mercière", "postal_code": "69002", "city": "Lyon", "phone": "06 11 22 33 44",
        "email": "ines.lefevre@example.test", "legal_representative_name": "", "legal_representative_address": "",
        "legal_representative_email": "", "legal_representative_phone": "", "rqth_date": "", "situation_before_contract": "",
        "last_diploma_prepared": "", "last_class": "", "highest_diploma": "", "cohort": str(world.a.cohort.pk),
        "enrolment_date": "2026-09-01", "training_start_date": "2026-09-15",
    }
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def text(response) -> str:
    """The page as a person reads it (entities decoded: « l'OF », not « l&#x27;OF »)."""
    return htmllib.unescape(response.content.decode())


def digits_only(html: str) -> str:
    return re.sub(r"[\s.\-]", "", html)


# --- permission matrix -----------------------------------------------------------------------------

USERS = ("coordinator", "admin", "cre", "tutor", "other_tutor", "apprentice", "other_apprentice", "employer")


def user_of(world, name):
    return {
        "coordinator": world.coordinator, "admin": world.admin_staff, "cre": world.a.cre, "tutor": world.a.tutor,
        "other_tutor": world.b.tutor, "apprentice": world.a.apprentice_user, "other_apprentice": world.b.apprentice_user,
        "employer": world.a.employer_user,
    }[name]


#                                coord adm  cre  tutor oth.t appr oth.a empl
PAGES = {
    "create":                   (200, 200, 403, 403, 403, 403, 403, 403),
    # The record of the side-A apprentice (under contract at company A, with an extranet account).
    "edit":                     (200, 200, 403, 200, 404, 403, 403, 403),
    "leave_seeking":            (200, 200, 403, 403, 404, 403, 403, 403),
    "my_details":               (403, 403, 403, 403, 403, 200, 200, 200),
}


def page_url(world, page):
    return {
        "create": reverse("apprentice_create"),
        "edit": reverse("apprentice_edit", args=[world.a.apprentice.pk]),
        "leave_seeking": reverse("apprentice_leave", args=[world.a.seeking.pk]),
        "my_details": reverse("my_details"),
    }[page]


@pytest.mark.parametrize(("page", "name", "expected"), [
    (page, name, statuses[i]) for page, statuses in PAGES.items() for i, name in enumerate(USERS)
])
def test_permission_matrix(client, world, page, name, expected):
    client.force_login(user_of(world, name))

    assert client.get(page_url(world, page)).status_code == expected


@pytest.mark.parametrize(("name", "expected"), list(zip(USERS, (302, 403, 403, 403, 404, 403, 403, 403), strict=True)))
def test_only_the_coordinator_reopens_a_learner_who_left(client, world, name, expected):
    Apprentice.objects.filter(pk=world.a.seeking.pk).update(
        status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 1), exit_reason=ExitReason.DROPOUT)
    client.force_login(user_of(world, name))

    response = client.post(reverse("apprentice_reopen", args=[world.a.seeking.pk]))

    assert response.status_code == expected
    row = Apprentice.objects.get(pk=world.a.seeking.pk)
    assert (row.exclusion_date is None) is (expected == 302)


def test_anonymous_is_sent_to_the_login_page(client, world):
    for url in (reverse("apprentice_create"), reverse("apprentice_edit", args=[world.a.apprentice.pk]), reverse("my_details")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(("name", "buttons"), [
    ("coordinator", {"Modifier la fiche", "Quitter l'OF"}),
    ("admin", {"Modifier la fiche", "Quitter l'OF"}),
    ("cre", set()),
    ("tutor", {"Modifier les coordonnées"}),
    ("apprentice", set()),
    ("employer", set()),
])
def test_record_page_buttons_follow_the_predicates(client, world, name, buttons):
    client.force_login(user_of(world, name))

    record = world.a.seeking if name not in ("apprentice", "employer") else world.a.apprentice
    html = text(client.get(reverse("apprentice_detail", args=[record.pk])))

    shown = {label for label in ("Modifier la fiche", "Modifier les coordonnées", "Quitter l'OF", "Réintégrer à l'OF") if label in html}
    assert shown == buttons


@pytest.mark.parametrize(("name", "shown"), [("coordinator", True), ("admin", True), ("cre", False), ("tutor", False)])
def test_the_list_offers_a_new_apprentice_to_who_may_create(client, world, name, shown):
    client.force_login(user_of(world, name))

    html = text(client.get(reverse("apprentice_list")))

    assert ("Nouvel·le apprenti·e" in html) is shown
    assert (reverse("apprentice_create") in html) is shown


# --- creating, with bad input --------------------------------------------------------------------------


def test_admin_staff_creates_an_apprentice_without_company(client, world):
    client.force_login(world.admin_staff)

    response = client.post(reverse("apprentice_create"), form_data(world, nir=VALID_NIR, ine="1234567890a"))

    row = Apprentice.objects.get(email="ines.lefevre@example.test")
    assert response.status_code == 302 and response["Location"] == reverse("apprentice_detail", args=[row.pk])
    assert (row.last_name, row.ine, row.cohort_id, row.status, row.status_since, row.has_nir) == (
        "Lefèvre", "1234567890A", world.a.cohort.pk, ApprenticeStatus.SEEKING, date(2026, 9, 15), True)


@pytest.mark.parametrize(("field", "typed", "message"), [
    ("ine", "12345", "L'INE doit comporter 11 caractères (10 chiffres + 1 lettre, ou 9 chiffres + 2 lettres), par exemple 1234567890A."),
    ("postal_code", "7500", "Le code postal doit comporter 5 chiffres, par exemple 75011."),
    ("birth_department", "100", "Le département de naissance doit être un code comme 75, 2A, 974 ou 99 (né à l'étranger)."),
    ("email", "ines@", "Saisissez une adresse e-mail complète, par exemple prenom.nom@exemple.fr."),
    ("phone", "12 34", "Ce numéro de téléphone n'a pas le bon nombre de chiffres : saisissez 10 chiffres (par exemple 06 12 34 56 78)"),
    # 07 00 to 07 29 are not allocated: the Tableau de bord refuses them (issue 15 §12).
    ("phone", "07 12 34 56 78", "Ce numéro de téléphone n'existe pas dans le plan de numérotation"),
    ("birth_date", "2014-02-03", "Avec cette date de naissance, la personne aura 12 ans au 31 décembre 2026 : l'apprentissage commence à 15 ans."),
    ("birth_date", "1990-02-03", "la personne aura 36 ans à l'entrée en formation le 15/09/2026 : l'apprentissage est ouvert jusqu'à 29 ans"),
    ("birth_date", "2006-13-40", "Saisissez une date valide au format jj/mm/aaaa."),
    ("training_start_date", "2026-08-01", "L'entrée en formation ne peut pas précéder l'inscription."),
    ("rqth_date", "2026-01-05", "Une date de RQTH n'a de sens que si la RQTH est cochée."),
    ("last_name", "", "Renseignez ce champ : « Nom de naissance »."),
    ("cohort", "999999", "Choisissez une promotion de la liste."),
])
def test_bad_input_is_explained_in_french_and_the_typed_values_are_kept(client, world, field, typed, message):
    client.force_login(world.admin_staff)

    response = client.post(reverse("apprentice_create"), form_data(world, **{field: typed}, birth_commune="Villeurbanne"))

    html = text(response)
    assert response.status_code == 200
    assert message in html
    # What was typed is still there (the erroneous value and the others).
    if typed and field != "cohort":
        assert f'value="{typed}"' in html
    assert 'value="Villeurbanne"' in html
    assert Apprentice.objects.filter(email="ines.lefevre@example.test").count() == 0


def test_a_minor_without_legal_representative_is_told_to_add_one(client, world):
    client.force_login(world.admin_staff)

    response = client.post(reverse("apprentice_create"), form_data(world, birth_date="2010-01-10"))

    assert "L'apprenti·e est mineur·e non émancipé·e à l'entrée en formation : indiquez son représentant légal." in text(response)
    response = client.post(reverse("apprentice_create"), form_data(world, birth_date="2010-01-10", legal_representative_name="Paul Lefèvre"))
    assert response.status_code == 302
    assert Apprentice.objects.get(email="ines.lefevre@example.test").legal_representative_name == "Paul Lefèvre"


# --- duplicates ----------------------------------------------------------------------------------------------


def test_same_ine_is_refused_with_a_link_to_the_existing_record(client, world):
    Apprentice.objects.filter(pk=world.b.seeking.pk).update(ine="1234567890A")
    client.force_login(world.admin_staff)

    response = client.post(reverse("apprentice_create"), form_data(world, ine="1234567890A", confirm_homonym="on"))

    html = text(response)
    assert response.status_code == 200
    assert "L'INE 1234567890A est déjà celui de Damien Roux (promotion Promotion B 2026)" in html
    assert f'href="{reverse("apprentice_detail", args=[world.b.seeking.pk])}"' in html
    assert "Créer quand même" not in html
    assert Apprentice.objects.filter(ine="1234567890A").count() == 1


def test_a_homonym_is_shown_with_links_then_created_when_confirmed(client, world):
    existing = ApprenticeFactory(cohort=world.b.cohort, last_name="Lefevre", first_name="INES", birth_date=date(2006, 4, 12))
    candidate = CandidateFactory(last_name="Lefèvre", first_name="Inès", birth_date=date(2006, 4, 12))
    client.force_login(world.admin_staff)

    first = client.post(reverse("apprentice_create"), form_data(world))

    html = text(first)
    assert first.status_code == 200
    assert f'href="{reverse("apprentice_detail", args=[existing.pk])}"' in html
    assert f'href="{reverse("candidate_detail", args=[candidate.pk])}"' in html
    assert "Créer quand même : il s'agit d'une autre personne (homonyme)" in html
    assert Apprentice.objects.filter(birth_date=date(2006, 4, 12)).count() == 1

    second = client.post(reverse("apprentice_create"), form_data(world, confirm_homonym="on"))

    assert second.status_code == 302
    assert Apprentice.objects.filter(birth_date=date(2006, 4, 12)).count() == 2


# --- the NIR is never rendered once saved --------------------------------------------------------------------


def test_the_nir_never_appears_in_any_page_once_saved(client, world):
    client.force_login(world.coordinator)
    client.post(reverse("apprentice_create"), form_data(world, nir=VALID_NIR))
    row = Apprentice.objects.get(email="ines.lefevre@example.test")
    assert row.get_nir() == NIR_DIGITS

    pages = [
        client.get(reverse("apprentice_detail", args=[row.pk])),
        client.get(reverse("apprentice_edit", args=[row.pk])),
        client.get(reverse("apprentice_list") + "?status=all"),
        # The edit form shown again with an error, a new NIR typed: neither the old nor the new one comes back.
        client.post(reverse("apprentice_edit", args=[row.pk]), form_data(world, email="faux", nir=OTHER_NIR)),
        # The creation form with an error and a NIR typed.
        client.post(reverse("apprentice_create"), form_data(world, postal_code="1", nir=VALID_NIR, email="autre@example.test")),
    ]

    for response in pages:
        assert response.status_code == 200
        flat = digits_only(text(response))
        assert NIR_DIGITS not in flat and "205086912345679" not in flat
        assert "5612380" not in flat
    detail = text(pages[0])
    assert "renseigné" in detail
    edit = text(pages[1])
    assert re.search(r'<input[^>]*name="nir"[^>]*>', edit) and 'name="nir" value' not in edit
    assert "Effacer le NIR enregistré" in edit


def test_the_nir_can_be_replaced_and_cleared_from_the_edit_form(client, world):
    client.force_login(world.coordinator)
    client.post(reverse("apprentice_create"), form_data(world, nir=VALID_NIR))
    row = Apprentice.objects.get(email="ines.lefevre@example.test")
    url = reverse("apprentice_edit", args=[row.pk])

    client.post(url, form_data(world, nir=OTHER_NIR))
    assert Apprentice.objects.get(pk=row.pk).get_nir() == "205086912345679"

    both = client.post(url, form_data(world, nir=VALID_NIR, clear_nir="on"))
    assert "Saisissez un nouveau NIR ou cochez « Effacer », pas les deux." in text(both)
    assert Apprentice.objects.get(pk=row.pk).get_nir() == "205086912345679"

    client.post(url, form_data(world, clear_nir="on"))
    row = Apprentice.objects.get(pk=row.pk)
    assert (row.has_nir, row.nir_encrypted) == (False, "")


# --- edit: whole record or contact details ----------------------------------------------------------------------


def test_the_tutor_of_the_cohort_edits_only_the_contact_details(client, world):
    apprentice = world.a.apprentice
    client.force_login(world.a.tutor)

    page = text(client.get(reverse("apprentice_edit", args=[apprentice.pk])))
    response = client.post(reverse("apprentice_edit", args=[apprentice.pk]), {
        "address": "9 rue du Port", "postal_code": "13002", "city": "Marseille", "phone": "0491000000",
        "email": "alice@example.test", "last_name": "Piratée", "birth_date": "1990-01-01",
    })

    assert 'name="last_name"' not in page and 'name="nir"' not in page
    assert response.status_code == 302
    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.address, row.postal_code, row.city, row.phone, row.email, row.last_name, row.birth_date) == (
        "9 rue du Port", "13002", "Marseille", "04 91 00 00 00", "alice@example.test", "Martin", apprentice.birth_date)


def test_the_coordinator_edits_the_whole_record(client, world):
    apprentice = world.a.seeking
    client.force_login(world.coordinator)

    response = client.post(reverse("apprentice_edit", args=[apprentice.pk]), form_data(
        world, last_name="Petit-Durand", first_name="Chloé", birth_date="2005-03-14", ine="", enrolment_date="2026-07-03",
        training_start_date="2026-09-01", email="chloe@example.test", rqth="on", rqth_date="2026-02-01",
        last_diploma_title="Baccalauréat professionnel Systèmes numériques",
    ))

    assert response.status_code == 302
    row = Apprentice.objects.get(pk=apprentice.pk)
    assert (row.last_name, row.rqth, row.rqth_date, row.email, row.status) == (
        "Petit-Durand", True, date(2026, 2, 1), "chloe@example.test", ApprenticeStatus.SEEKING)
    # The Cerfa n° 10103*12's « intitulé précis du dernier diplôme ou titre préparé » (issue 15 §7).
    assert row.last_diploma_title == "Baccalauréat professionnel Systèmes numériques"


# --- leaving the OF and the « sortis » filter --------------------------------------------------------------------


def listed(client, user, query=""):
    client.force_login(user)
    return [a.full_name for a in client.get(reverse("apprentice_list") + query).context["apprentices"]]


def test_a_learner_who_left_disappears_from_the_list_but_stays_findable_and_can_come_back(client, world):
    client.force_login(world.admin_staff)

    response = client.post(reverse("apprentice_leave", args=[world.a.seeking.pk]), {"day": "2026-11-20", "reason": ExitReason.HEALTH})

    assert response.status_code == 302
    row = Apprentice.objects.get(pk=world.a.seeking.pk)
    assert (row.status, row.exclusion_date, row.exit_reason) == (ApprenticeStatus.DROPPED_OUT, date(2026, 11, 20), ExitReason.HEALTH)
    assert listed(client, world.coordinator) == ["Bruno Durand", "Alice Martin", "Damien Roux"]
    assert listed(client, world.coordinator, "?status=dropped_out") == ["Chloé Petit"]
    assert listed(client, world.coordinator, "?status=all") == ["Bruno Durand", "Alice Martin", "Chloé Petit", "Damien Roux"]
    detail = text(client.get(reverse("apprentice_detail", args=[row.pk])))
    assert "A quitté l'OF le 20/11/2026." in detail and "Raisons de santé" in detail and "Réintégrer à l'OF" in detail

    client.post(reverse("apprentice_reopen", args=[row.pk]))

    row = Apprentice.objects.get(pk=row.pk)
    assert (row.status, row.status_since, row.exclusion_date, row.exit_reason) == (ApprenticeStatus.SEEKING, date(2026, 11, 28), None, "")
    assert "Chloé Petit" in listed(client, world.coordinator)


def test_leave_form_explains_bad_input_and_keeps_it(client, world):
    client.force_login(world.admin_staff)

    response = client.post(reverse("apprentice_leave", args=[world.a.seeking.pk]), {"day": "2026-12-05", "reason": ExitReason.MOVE})

    html = text(response)
    assert "La date de sortie est dans le futur : enregistrez la sortie le jour venu (au plus tard le 28/11/2026)." in html
    assert 'value="2026-12-05"' in html and 'value="move" selected' in html
    assert Apprentice.objects.get(pk=world.a.seeking.pk).exclusion_date is None


def test_leaving_with_a_contract_in_force_is_refused_on_the_page(client, world):
    client.force_login(world.admin_staff)

    response = client.post(reverse("apprentice_leave", args=[world.a.apprentice.pk]), {"day": "2026-11-20", "reason": ExitReason.DROPOUT})

    assert "Le contrat avec Boulangerie Alpha est en cours : enregistrez d'abord sa rupture" in text(response)
    assert Apprentice.objects.get(pk=world.a.apprentice.pk).exclusion_date is None


def count_queries(client, user, url) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_of_everyone_including_left_learners_does_not_grow_in_queries(client, world):
    url = reverse("apprentice_list") + "?status=all"
    with_four = count_queries(client, world.coordinator, url)
    for n in range(3):
        ApprenticeFactory(cohort=world.a.cohort, last_name=f"Parti{n}", status=ApprenticeStatus.DROPPED_OUT,
                          exclusion_date=date(2026, 10, 1), exit_reason=ExitReason.DROPOUT)

    assert count_queries(client, world.coordinator, url) == with_four


# --- extranet: « Mes coordonnées » -----------------------------------------------------------------------------


def test_an_apprentice_edits_its_own_phone_and_address_and_nothing_else(client, world):
    other_before = Apprentice.objects.get(pk=world.b.apprentice.pk)
    client.force_login(world.a.apprentice_user)

    page = text(client.get(reverse("my_details")))
    response = client.post(reverse("my_details"), {
        "phone": "07.52.34.56.78", "address": "5 rue Neuve", "postal_code": "75012", "city": "Paris",
        "email": "pirate@example.test", "last_name": "Pirate",
    })

    assert world.a.apprentice.address in page and world.b.apprentice.address not in page.replace(world.a.apprentice.address, "")
    assert 'name="email"' not in page
    assert response.status_code == 302
    row = Apprentice.objects.get(pk=world.a.apprentice.pk)
    assert (row.phone, row.address, row.postal_code, row.email, row.last_name) == (
        "07 52 34 56 78", "5 rue Neuve", "75012", world.a.apprentice.email, "Martin")
    other = Apprentice.objects.get(pk=world.b.apprentice.pk)
    assert (other.phone, other.address) == (other_before.phone, other_before.address)


def test_my_details_explains_a_bad_phone_and_keeps_it(client, world):
    client.force_login(world.a.apprentice_user)

    response = client.post(reverse("my_details"), {"phone": "123", "address": "5 rue Neuve", "postal_code": "75", "city": "Paris"})

    html = text(response)
    assert "Ce numéro de téléphone n'a pas le bon nombre de chiffres" in html and "Le code postal doit comporter 5 chiffres, par exemple 75011." in html
    assert 'value="123"' in html and 'value="5 rue Neuve"' in html


def test_an_employer_edits_its_own_phone_only(client, world):
    client.force_login(world.a.employer_user)

    response = client.post(reverse("my_details"), {"phone": "01 23 45 67 89"})

    assert response.status_code == 302
    assert CompanyContact.objects.get(pk=world.a.employer_contact.pk).phone == "01 23 45 67 89"
    assert CompanyContact.objects.get(pk=world.b.employer_contact.pk).phone != "01 23 45 67 89"


def test_leave_and_reopen_predicates_follow_the_exit(world):
    from alternance import access

    left = world.a.seeking
    Apprentice.objects.filter(pk=left.pk).update(status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 1))
    left.refresh_from_db()
    users = {name: user_of(world, name) for name in USERS}

    assert {name for name, user in users.items() if access.can_reopen_apprentice(user, left)} == {"coordinator"}
    assert {name for name, user in users.items() if access.can_leave_apprentice(user, left)} == set()
    assert {name for name, user in users.items() if access.can_leave_apprentice(user, world.a.apprentice)} == {"coordinator", "admin"}


# --- the catalogue's cohorts, the history of an edit ------------------------------------------------------------


def test_a_new_apprentice_is_offered_only_cohorts_still_open_and_an_edit_keeps_its_own(client, world):
    from tests.factories.alternance import CohortFactory

    ended = CohortFactory(name="Promotion finie", start_date=date(2024, 9, 1), end_date=date(2026, 6, 30))
    archived = CohortFactory(name="Promotion archivée", archived_at=datetime(2026, 10, 1, tzinfo=PARIS))
    learner = ApprenticeFactory(cohort=ended, enrolment_date=date(2024, 9, 1), training_start_date=date(2024, 9, 1))
    client.force_login(world.admin_staff)

    create = client.get(reverse("apprentice_create")).context["form"].fields["cohort"].queryset
    edit = client.get(reverse("apprentice_edit", args=[learner.pk])).context["form"].fields["cohort"].queryset

    assert world.a.cohort in create
    assert ended not in create and archived not in create
    assert ended in edit and archived not in edit


def test_an_edit_shows_in_the_record_history_with_its_author_and_the_fields_changed(client, world):
    apprentice = world.a.seeking
    old_phone = apprentice.phone
    client.force_login(world.coordinator)

    client.post(reverse("apprentice_edit", args=[apprentice.pk]), form_data(
        world, last_name=apprentice.last_name, first_name=apprentice.first_name, birth_date=apprentice.birth_date.isoformat(),
        ine=apprentice.ine, cohort=str(apprentice.cohort_id), enrolment_date=apprentice.enrolment_date.isoformat(),
        training_start_date=apprentice.training_start_date.isoformat(), phone="07 98 76 54 32", email=apprentice.email,
    ))
    page = htmllib.unescape(client.get(reverse("apprentice_detail", args=[apprentice.pk])).content.decode())

    history = page[page.index("Historique des modifications"):]
    assert world.coordinator.get_full_name() in history
    assert "Modification" in history
    flat = " ".join(re.sub(r"<[^>]+>", " ", history).split())
    assert f"Téléphone : {old_phone or '(vide)'} → 07 98 76 54 32" in flat
    # Derived search keys are not changes anyone made.
    assert "Clé de recherche" not in flat and "(chiffres)" not in flat
