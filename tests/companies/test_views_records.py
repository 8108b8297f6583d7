"""Company and contact records (issue 13): create by SIRET with duplicates caught, edit, archive
and restore, contacts with the maître d'apprentissage's eligibility data and load — permission
matrices over the roles, forms that keep the input, query counts."""

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import Role
from companies.choices import Opco
from companies.models import Company, CompanyContact
from contracts.choices import ContractStatus
from contracts.models import ContractSettings
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory, luhn_complete, valid_siret
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

# A real, valid SIRET (domain §9 example) and the same with its last digit changed.
SIRET = "73282932000074"
SIRET_BAD_KEY = "73282932000075"
ROLES = ["coordinator", "admin_staff", "cre_owner", "cre_other", "tutor", "apprentice", "employer", "anonymous"]


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 10, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    return make_world()


def login_as(client, world, role):
    user = {
        "coordinator": world.coordinator, "admin_staff": world.admin_staff, "cre_owner": world.a.cre, "cre_other": world.b.cre,
        "tutor": world.a.tutor, "apprentice": world.a.apprentice_user, "employer": world.a.employer_user, "anonymous": None,
    }[role]
    if user is not None:
        client.force_login(user)
    return user


def company_post(**overrides) -> dict:
    data = {
        "siret": "732 829 320 00074", "name": "Menuiserie Gamma", "employer_type": "12", "specific_employer": "0",
        "naf_code": "16.23Z", "idcc": "1486", "opco": "", "headcount": "12", "address": "4 rue du Bois",
        "postal_code": "69003", "city": "Lyon", "phone": "04 72 00 00 00", "email": "contact@gamma.test",
    }
    data.update(overrides)
    return data


def contact_post(**overrides) -> dict:
    data = {
        "last_name": "Lemoine", "first_name": "Sophie", "email": "s.lemoine@gamma.test", "phone": "06 00 00 00 01",
        "job_title": "Cheffe d'atelier", "is_master": "on", "birth_date": "1980-03-14", "highest_diploma": "BTS Bois",
        "diploma_level": "5", "experience_years": "12", "master_training": "Certification MA, CCI, 2024",
        "eligibility_statement": "on",
    }
    data.update(overrides)
    return data


def status_of(response) -> int | str:
    if response.status_code == 302 and "/connexion/" in response["Location"]:
        return "login"
    return response.status_code


# --- create ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 200), ("admin_staff", 200), ("cre_owner", 200), ("cre_other", 200),
    ("tutor", 403), ("apprentice", 403), ("employer", 403), ("anonymous", "login"),
])
def test_who_opens_the_new_company_form(client, world, role, expected):
    login_as(client, world, role)

    assert status_of(client.get(reverse("companies:company_create"))) == expected


@pytest.mark.parametrize("role", ["tutor", "apprentice", "employer", "anonymous"])
def test_who_may_not_create_creates_nothing(client, world, role):
    login_as(client, world, role)

    response = client.post(reverse("companies:company_create"), company_post())

    assert status_of(response) in (403, "login")
    assert not Company.objects.filter(siret=SIRET).exists()


def test_cre_creates_a_company_that_joins_its_portfolio_with_the_opco_derived(client, world):
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:company_create"), company_post())

    company = Company.objects.get(siret=SIRET)
    assert response.status_code == 302 and response["Location"] == reverse("companies:company_detail", args=[company.pk])
    assert (company.name, company.naf_code, company.idcc, company.opco, company.opco_overridden, company.headcount,
            company.owner_cre_id, company.archived_at) == ("Menuiserie Gamma", "1623Z", "1486", Opco.ATLAS, False, 12, world.a.cre.pk, None)


def test_the_opco_can_be_imposed(client, world):
    client.force_login(world.a.cre)

    client.post(reverse("companies:company_create"), company_post(opco_overridden="on", opco=Opco.OPCO_EP))

    assert Company.objects.values_list("opco", "opco_overridden").get(siret=SIRET) == (Opco.OPCO_EP, True)


def test_coordinator_assigns_the_new_company_to_a_cre(client, world):
    client.force_login(world.coordinator)

    client.post(reverse("companies:company_create"), company_post(owner_cre=str(world.b.cre.pk)))

    assert Company.objects.get(siret=SIRET).owner_cre_id == world.b.cre.pk


def test_a_cre_cannot_choose_the_owner(client, world):
    client.force_login(world.a.cre)

    form = client.get(reverse("companies:company_create")).context["form"]
    client.post(reverse("companies:company_create"), company_post(owner_cre=str(world.b.cre.pk)))

    assert "owner_cre" not in form.fields
    assert Company.objects.get(siret=SIRET).owner_cre_id == world.a.cre.pk


def test_duplicate_siret_shows_the_existing_company_and_leads_to_it(client, world):
    existing = world.b.company
    client.force_login(world.a.cre)
    spaced = f"{existing.siret[:3]} {existing.siret[3:6]} {existing.siret[6:9]} {existing.siret[9:]}"

    response = client.post(reverse("companies:company_create"), company_post(siret=spaced, name="Garage Bêta bis"))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.duplicate == existing
    assert form.errors["siret"] == [
        f"Ce SIRET est déjà enregistré pour « {existing.name} » ({existing.city}) : ouvrez sa fiche plutôt que d'en créer une seconde."
    ]
    html = response.content.decode()
    assert f'href="{reverse("companies:company_detail", args=[existing.pk])}"' in html
    assert "Ouvrir la fiche existante" in html
    # The input is kept, nothing is written.
    assert form["name"].value() == "Garage Bêta bis" and form["city"].value() == "Lyon"
    assert Company.objects.count() == 2
    assert client.get(reverse("companies:company_detail", args=[existing.pk])).status_code == 200


def test_a_siret_with_a_wrong_check_digit_says_how_to_fix_it_and_keeps_the_input(client, world):
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:company_create"), company_post(siret=SIRET_BAD_KEY))

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["siret"] == [
        f"Le SIRET {SIRET_BAD_KEY} n'est pas valide (clé de contrôle incorrecte) : vérifiez-le sur l'avis de situation INSEE."
    ]
    assert (form["siret"].value(), form["name"].value(), form["address"].value()) == (SIRET_BAD_KEY, "Menuiserie Gamma", "4 rue du Bois")
    assert Company.objects.count() == 2


def test_missing_fields_are_named_in_french(client, world):
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:company_create"), company_post(name="", idcc=""))

    assert response.context["form"].errors == {
        "name": ["Indiquez la raison sociale de l'entreprise."],
        "idcc": ["Indiquez l'IDCC de la convention collective (9999 s'il n'y en a aucune)."],
    }


def test_establishments_of_the_same_siren_are_grouped_on_the_company_page(client, world):
    head = CompanyFactory(siret=valid_siret(900), name="Siège")
    # Other establishments of the same SIREN: the NIC changes, the SIRET's Luhn key is completed.
    agency = CompanyFactory(siret=luhn_complete(head.siret[:9] + "0002"), name="Agence Lyon", city="Lyon")
    archived = CompanyFactory(siret=luhn_complete(head.siret[:9] + "0003"), name="Agence fermée",
                              archived_at=datetime(2026, 1, 5, tzinfo=PARIS), archived_reason="Fermée")
    client.force_login(world.a.cre)

    response = client.get(reverse("companies:company_detail", args=[head.pk]))

    assert response.context["establishments"] == [agency, archived]
    assert "Autres établissements (SIREN" in response.content.decode()


# --- edit -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 200), ("admin_staff", 200), ("cre_owner", 200), ("cre_other", 403),
    ("tutor", 403), ("apprentice", 403), ("employer", 403), ("anonymous", "login"),
])
def test_who_opens_the_edit_form(client, world, role, expected):
    login_as(client, world, role)

    assert status_of(client.get(reverse("companies:company_edit", args=[world.a.company.pk]))) == expected


def test_tutor_gets_404_for_a_company_outside_its_scope(client, world):
    client.force_login(world.a.tutor)

    assert client.get(reverse("companies:company_edit", args=[world.b.company.pk])).status_code == 404
    assert client.post(reverse("companies:contact_create", args=[world.b.company.pk]), contact_post()).status_code == 404


def test_owner_edits_its_company_and_the_opco_follows_the_new_idcc(client, world):
    company = world.a.company
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:company_edit", args=[company.pk]),
                           company_post(siret=company.siret, name="Boulangerie Alpha & Fils", idcc="0843"))

    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.idcc, company.opco, company.city, company.owner_cre_id) == (
        "Boulangerie Alpha & Fils", "0843", Opco.OPCO_EP, "Lyon", world.a.cre.pk,
    )


def test_other_cre_cannot_edit_and_nothing_changes(client, world):
    client.force_login(world.b.cre)

    response = client.post(reverse("companies:company_edit", args=[world.a.company.pk]), company_post(siret=world.a.company.siret))

    assert response.status_code == 403
    assert Company.objects.get(pk=world.a.company.pk).name == "Boulangerie Alpha"


def test_editing_to_another_companys_siret_names_it(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("companies:company_edit", args=[world.a.company.pk]), company_post(siret=world.b.company.siret))

    assert response.context["form"].duplicate == world.b.company
    assert Company.objects.get(pk=world.a.company.pk).siret != world.b.company.siret


# --- archive and restore ----------------------------------------------------------------------------

def free_company(owner):
    return CompanyFactory(name="Ancienne Menuiserie", owner_cre=owner)


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 302), ("admin_staff", 302), ("cre_owner", 302), ("cre_other", 403),
    ("tutor", 404), ("apprentice", 403), ("employer", 403), ("anonymous", "login"),
])
def test_archive_permission_matrix(client, world, role, expected):
    company = free_company(world.a.cre)
    user = login_as(client, world, role)

    response = client.post(reverse("companies:company_archive", args=[company.pk]), {"reason": "Établissement fermé"})

    assert status_of(response) == expected
    company.refresh_from_db()
    if expected == 302:
        assert (company.archived_by_id, company.archived_reason, company.archived_at) == (
            user.pk, "Établissement fermé", datetime(2026, 11, 25, 10, tzinfo=PARIS),
        )
    else:
        assert company.archived_at is None


def test_archived_company_leaves_the_list_and_pickers_but_stays_reachable_and_is_restored(client, world):
    company = free_company(world.a.cre)
    client.force_login(world.a.cre)
    client.post(reverse("companies:company_archive", args=[company.pk]), {"reason": "Doublon"})

    listed = [c.name for c in client.get(reverse("companies:company_list")).context["companies"]]
    archived = [c.name for c in client.get(reverse("companies:company_list") + "?archived=1").context["companies"]]
    home = [c.name for c in client.get(reverse("home")).context["companies"]]
    offer_choices = list(client.get(reverse("companies:offer_create")).context["form"].fields["company"].queryset)
    page = client.get(reverse("companies:company_detail", args=[company.pk]))
    assert (listed, archived, home) == (["Boulangerie Alpha", "Garage Bêta"], ["Ancienne Menuiserie"], ["Boulangerie Alpha"])
    assert company not in offer_choices
    assert page.status_code == 200 and "Restaurer l'entreprise" in page.content.decode()

    client.post(reverse("companies:company_restore", args=[company.pk]))

    company.refresh_from_db()
    assert (company.archived_at, company.archived_by_id, company.archived_reason) == (None, None, "")
    assert "Ancienne Menuiserie" in [c.name for c in client.get(reverse("companies:company_list")).context["companies"]]


def test_archiving_needs_a_reason_and_a_company_without_contract_in_force(client, world):
    client.force_login(world.a.cre)

    no_reason = client.post(reverse("companies:company_archive", args=[free_company(world.a.cre).pk]), {"reason": " "})
    with_contract = client.post(reverse("companies:company_archive", args=[world.a.company.pk]), {"reason": "Fermée"})

    assert no_reason.context["archive_form"].errors["reason"] == [
        "Indiquez pourquoi l'entreprise est archivée (fermeture, doublon, plus de besoin…)."
    ]
    assert with_contract.context["archive_form"].non_field_errors() == [
        "L'entreprise a 1 contrat en cours ou en préparation : archivez-la quand il est terminé, rompu ou abandonné."
    ]
    assert Company.objects.filter(archived_at__isnull=False).count() == 0


def test_buttons_follow_the_predicates(client, world):
    page = reverse("companies:company_detail", args=[world.a.company.pk])
    client.force_login(world.a.cre)
    owner_html = client.get(page).content.decode()
    client.force_login(world.b.cre)
    other_html = client.get(page).content.decode()

    for label in ("Modifier la fiche", "Archiver l'entreprise", "Ajouter un contact", "Désactiver"):
        assert (label in owner_html, label in other_html) == (True, False), label


# --- contacts ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 302), ("admin_staff", 302), ("cre_owner", 302), ("cre_other", 403),
    ("tutor", 403), ("apprentice", 403), ("employer", 403), ("anonymous", "login"),
])
def test_contact_create_permission_matrix(client, world, role, expected):
    login_as(client, world, role)

    response = client.post(reverse("companies:contact_create", args=[world.a.company.pk]), contact_post())

    assert status_of(response) == expected
    assert CompanyContact.objects.filter(email="s.lemoine@gamma.test").count() == (1 if expected == 302 else 0)


def test_master_is_created_with_its_eligibility_data(client, world):
    client.force_login(world.a.cre)

    client.post(reverse("companies:contact_create", args=[world.a.company.pk]), contact_post())

    contact = CompanyContact.objects.get(email="s.lemoine@gamma.test")
    assert (contact.company_id, contact.is_master, str(contact.birth_date), contact.highest_diploma, contact.diploma_level,
            contact.experience_years, contact.master_training, contact.eligibility_statement, contact.active) == (
        world.a.company.pk, True, "1980-03-14", "BTS Bois", 5, 12, "Certification MA, CCI, 2024", True, True,
    )


def test_contact_errors_say_how_to_fix_and_keep_the_input(client, world):
    client.force_login(world.a.cre)

    no_role = client.post(reverse("companies:contact_create", args=[world.a.company.pk]), contact_post(is_master=""))
    master_without_birth = client.post(reverse("companies:contact_create", args=[world.a.company.pk]), contact_post(birth_date=""))

    assert no_role.context["form"].errors == {
        "is_master": ["Cochez au moins un rôle : représentant de l'employeur, maître d'apprentissage ou RH."]
    }
    assert master_without_birth.context["form"].errors == {
        "birth_date": ["La date de naissance du maître d'apprentissage est demandée par le Cerfa."]
    }
    assert master_without_birth.context["form"]["job_title"].value() == "Cheffe d'atelier"
    assert CompanyContact.objects.filter(email="s.lemoine@gamma.test").count() == 0


def test_a_second_contact_with_the_same_email_names_the_existing_one(client, world):
    existing = world.a.employer_contact
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:contact_create", args=[world.a.company.pk]), contact_post(email=existing.email.upper()))

    assert response.context["existing"] == existing
    assert response.context["form"].errors["email"] == [
        f"Cette adresse est déjà celle de {existing.full_name} dans cette entreprise : modifiez sa fiche plutôt que d'en créer une seconde."
    ]
    assert f'href="{reverse("companies:contact_edit", args=[existing.pk])}"' in response.content.decode()


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 302), ("admin_staff", 302), ("cre_owner", 302), ("cre_other", 403),
    ("tutor", 403), ("apprentice", 403), ("employer", 403), ("anonymous", "login"),
])
def test_contact_edit_permission_matrix(client, world, role, expected):
    contact = world.a.employer_contact
    login_as(client, world, role)

    response = client.post(reverse("companies:contact_edit", args=[contact.pk]), contact_post(experience_years="3"))

    assert status_of(response) == expected
    contact.refresh_from_db()
    assert contact.experience_years == (3 if expected == 302 else 8)


@pytest.mark.parametrize(("role", "expected"), [
    ("coordinator", 302), ("admin_staff", 302), ("cre_owner", 302), ("cre_other", 403),
    ("tutor", 403), ("apprentice", 403), ("employer", 403), ("anonymous", "login"),
])
def test_contact_deactivation_permission_matrix(client, world, role, expected):
    contact = world.a.employer_contact
    login_as(client, world, role)

    response = client.post(reverse("companies:contact_deactivate", args=[contact.pk]))

    assert status_of(response) == expected
    assert CompanyContact.objects.get(pk=contact.pk).active is (expected != 302)


def test_deactivating_a_master_warns_about_its_apprentices_and_reactivation_brings_it_back(client, world):
    contact = world.a.employer_contact
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:contact_deactivate", args=[contact.pk]), follow=True)

    assert [str(m) for m in response.context["messages"]] == [
        f"{contact.full_name} est désactivé·e : son accès à l'extranet de cette entreprise est fermé.",
        "1 apprenti·e sous contrat a encore cette personne pour maître d'apprentissage : "
        "faites un avenant de changement de maître d'apprentissage.",
    ]
    again = client.post(reverse("companies:contact_deactivate", args=[contact.pk]), follow=True)
    assert [str(m) for m in again.context["messages"]] == ["Ce contact est déjà désactivé : rechargez la page."]
    client.post(reverse("companies:contact_reactivate", args=[contact.pk]))
    assert CompanyContact.objects.get(pk=contact.pk).active is True


@pytest.mark.parametrize(("supervised", "label"), [
    (1, "Encadre 1 apprenti·e sur 2 autorisé·es"),
    (2, "Encadre 2 apprenti·es sur 2 autorisé·es"),
    (3, "Encadre 3 apprenti·es sur 2 autorisé·es"),
])
def test_master_load_against_its_capacity_at_limit_minus_one_limit_and_plus_one(client, world, supervised, label):
    master = CompanyContactFactory(company=world.a.company, first_name="Marc", last_name="Capa")
    for n in range(supervised):
        ContractFactory(apprentice=ApprenticeFactory(cohort=world.a.cohort), company=world.a.company, master=master,
                        status=ContractStatus.IN_PROGRESS)
    # Neither a draft nor an ended contract counts.
    ContractFactory(apprentice=ApprenticeFactory(cohort=world.a.cohort), company=world.a.company, master=master, status=ContractStatus.DRAFT)
    assert ContractSettings.load().ma_max_apprentices == 2
    client.force_login(world.a.cre)

    response = client.get(reverse("companies:company_detail", args=[world.a.company.pk]))

    contact = next(c for c in response.context["contacts"] if c.pk == master.pk)
    assert (contact.supervision.apprentices, contact.supervision.full, contact.supervision.over) == (
        supervised, supervised >= 2, supervised > 2,
    )
    assert label in response.content.decode()


def test_company_page_query_count_does_not_grow_with_contacts(client, world):
    url = reverse("companies:company_detail", args=[world.a.company.pk])
    client.force_login(world.a.cre)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    with_one = count()
    for n in range(3):
        master = CompanyContactFactory(company=world.a.company, last_name=f"Ajout{n}")
        ContractFactory(apprentice=ApprenticeFactory(cohort=world.a.cohort), company=world.a.company, master=master,
                        status=ContractStatus.IN_PROGRESS)
        CompanyContactFactory(company=world.a.company, last_name=f"Rh{n}", is_master=False, is_hr=True)
    assert len(client.get(url).context["contacts"]) == 7
    assert count() == with_one


def test_company_list_query_count_with_archived_filter(client, world):
    url = reverse("companies:company_list") + "?archived=1"
    client.force_login(world.coordinator)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    CompanyFactory(archived_at=datetime(2026, 1, 1, tzinfo=PARIS), archived_reason="Fermée")
    with_one = count()
    for n in range(3):
        CompanyFactory(archived_at=datetime(2026, 1, 1, tzinfo=PARIS), archived_reason="Fermée")
    assert len(client.get(url).context["companies"]) == 4
    assert count() == with_one


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE])
def test_new_company_button_on_the_list(client, world, role):
    client.force_login(world.user(role))

    assert "Nouvelle entreprise" in client.get(reverse("companies:company_list")).content.decode()


def test_no_new_company_button_for_a_tutor_and_one_on_the_cre_home(client, world):
    client.force_login(world.a.tutor)
    tutor_html = client.get(reverse("companies:company_list")).content.decode()
    client.force_login(world.a.cre)
    home_html = client.get(reverse("home")).content.decode()

    assert ("Nouvelle entreprise" in tutor_html, "Nouvelle entreprise" in home_html) == (False, True)


def test_a_similar_name_in_the_same_postal_code_asks_for_confirmation_then_creates(client, world):
    existing = CompanyFactory(name="SARL Gamma Menuiserie", postal_code="69003", city="Lyon")
    CompanyFactory(name="Menuiserie Gamma", postal_code="75011")  # same name, elsewhere: not a duplicate
    client.force_login(world.a.cre)

    response = client.post(reverse("companies:company_create"), company_post())

    assert response.status_code == 200
    assert [c.pk for c in response.context["form"].similar] == [existing.pk]
    html = response.content.decode()
    assert "Une entreprise au nom proche existe déjà dans ce code postal" in html
    assert reverse("companies:company_detail", args=[existing.pk]) in html
    assert not Company.objects.filter(siret=SIRET).exists()

    response = client.post(reverse("companies:company_create"), company_post(confirm_distinct="on"))
    assert response.status_code == 302
    assert Company.objects.filter(siret=SIRET, name="Menuiserie Gamma").exists()


def test_editing_a_company_does_not_ask_about_similar_names(client, world):
    CompanyFactory(name="Boulangerie Alpha bis", postal_code=world.a.company.postal_code)
    client.force_login(world.coordinator)
    company = world.a.company
    data = company_post(siret=company.siret, name=company.name, postal_code=company.postal_code, city=company.city)
    response = client.post(reverse("companies:company_edit", args=[company.pk]), data)
    assert response.status_code == 302
