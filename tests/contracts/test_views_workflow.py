"""The admin staff's contract workspace: create / edit forms, checklist, workflow actions, filters."""

import html
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.choices import ContractStatus as S
from contracts.models import Contract, ContractStatusChange
from tests.factories.alternance import AdminStaffFactory, TutorFactory
from tests.factories.companies import CompanyContactFactory
from tests.factories.contracts import ContractFactory
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 8, 20, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def admin():
    return AdminStaffFactory()


@pytest.fixture
def draft(contract):
    Contract.objects.filter(pk=contract.pk).update(status=S.DRAFT, signature_date=None)
    contract.refresh_from_db()
    return contract


def form_data(contract, **overrides):
    data = {
        "kind": contract.kind, "apprentice": contract.apprentice_id, "company": contract.company_id,
        "programme": contract.programme_id, "master": contract.master_id, "second_master": "",
        "contract_type": 11, "derogation_type": "", "previous_contract_number": "",
        "start_date": "2026-09-01", "practical_training_start_date": "2026-09-03", "end_date": "2028-08-31",
        "training_start_date": "2026-09-01", "exams_end_date": "2028-06-15", "training_hours": "1350",
        "remote_training_hours": "", "weekly_hours": "35", "gross_monthly_salary": "1000.00",
        "collective_minimum_salary": "", "pension_fund": "AG2R", "benefit_food": "", "benefit_housing": "", "benefit_other": "",
    }
    data.update(overrides)
    return data


def test_admin_staff_creates_a_draft_contract(client, admin, contract):
    client.force_login(admin)

    response = client.post(reverse("contracts:contract_create"), form_data(contract, gross_monthly_salary="1100.00"))

    created = Contract.objects.exclude(pk=contract.pk).get()
    assert response.status_code == 302 and response.url == reverse("contracts:contract_detail", args=[created.pk])
    assert (created.status, created.gross_monthly_salary, created.created_by) == (S.DRAFT, 1100, admin)
    assert list(ContractStatusChange.objects.filter(contract=created).values_list("from_status", "to_status")) == [("", S.DRAFT)]


def test_invalid_contract_form_keeps_the_input_and_says_what_to_fix(client, admin, contract):
    client.force_login(admin)

    response = client.post(reverse("contracts:contract_create"), form_data(contract, end_date="2026-08-01", pension_fund="Caisse X"))

    assert response.status_code == 200
    assert Contract.objects.count() == 1
    form = response.context["form"]
    assert form.errors["end_date"] == ["La date de fin du contrat doit être postérieure à sa date de début."]
    content = response.content.decode()
    assert 'value="Caisse X"' in content
    assert "votre saisie est conservée" in content


def test_form_offers_only_the_chosen_companys_masters(client, admin, contract):
    other_master = CompanyContactFactory(last_name="Ailleurs")
    client.force_login(admin)

    response = client.get(reverse("search:choices", args=["maitres"]),
                          {"company": contract.company_id, "master__q": contract.master.last_name[:3]})

    assert response.status_code == 200
    assert contract.master.last_name.upper() in response.content.decode()
    assert other_master.last_name not in response.content.decode()


@pytest.mark.parametrize(("role", "expected"), [("tutor", 403), ("apprentice", 403), ("employer", 403), ("coordinator", 200), ("admin_staff", 200)])
def test_contract_creation_page_permissions(client, role, expected):
    world = make_world()
    client.force_login(world.user(role))

    assert client.get(reverse("contracts:contract_create")).status_code == expected


def test_draft_is_editable_but_a_running_contract_needs_an_amendment(client, admin, draft):
    client.force_login(admin)
    response = client.post(reverse("contracts:contract_edit", args=[draft.pk]), form_data(draft, weekly_hours="30"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.weekly_hours == 30

    Contract.objects.filter(pk=draft.pk).update(status=S.IN_PROGRESS)
    response = client.post(reverse("contracts:contract_edit", args=[draft.pk]), form_data(draft, weekly_hours="20"), follow=True)
    draft.refresh_from_db()
    assert draft.weekly_hours == 30
    assert "créez un avenant" in response.content.decode()


def test_checklist_shows_blocking_errors_and_the_transition_is_refused_with_the_form_kept(client, admin, draft):
    Contract.objects.filter(pk=draft.pk).update(pension_fund="")
    client.force_login(admin)

    page = client.get(reverse("contracts:contract_detail", args=[draft.pk])).content.decode()
    assert "Liste de contrôle avant signature" in page
    assert "Contrat : caisse de retraite complémentaire : à renseigner." in page

    response = client.post(
        reverse("contracts:contract_action", args=[draft.pk, "request_signatures"]), {"request_signatures-comment": "Prêt ?"}
    )

    assert response.status_code == 400
    assert Contract.objects.get(pk=draft.pk).status == S.DRAFT
    content = response.content.decode()
    assert "1 point bloquant empêche la signature" in content
    assert "Prêt ?" in content  # the typed comment is kept


def test_workflow_actions_move_the_contract_and_are_recorded(client, admin, draft):
    client.force_login(admin)
    url = lambda action: reverse("contracts:contract_action", args=[draft.pk, action])  # noqa: E731

    assert client.post(url("request_signatures"), {"request_signatures-comment": ""}).status_code == 302
    assert client.post(url("signed"), {"signed-signature_date": "2026-08-19", "signed-comment": ""}).status_code == 302

    draft.refresh_from_db()
    assert (draft.status, draft.signature_date) == (S.SIGNED, date(2026, 8, 19))
    assert list(ContractStatusChange.objects.filter(contract=draft).values_list("to_status", "changed_by")) == [
        (S.AWAITING_SIGNATURES, admin.pk), (S.SIGNED, admin.pk),
    ]


def test_invalid_action_form_is_refused_with_field_errors(client, admin, draft):
    Contract.objects.filter(pk=draft.pk).update(status=S.AWAITING_SIGNATURES)
    client.force_login(admin)

    response = client.post(reverse("contracts:contract_action", args=[draft.pk, "signed"]), {"signed-signature_date": "pas une date"})

    assert response.status_code == 400
    assert response.context["actions"][0]["form"].errors["signature_date"] == ["Saisissez une date valide."]
    assert Contract.objects.get(pk=draft.pk).status == S.AWAITING_SIGNATURES


@pytest.mark.parametrize(("who", "expected"), [("own_tutor", 403), ("other_tutor", 404), ("employer", 403), ("other_employer", 404)])
def test_only_admin_staff_and_coordinator_run_workflow_actions(client, who, expected):
    world = make_world()
    Contract.objects.filter(pk=world.a.contract.pk).update(status=S.ACCEPTED)
    user = {"own_tutor": world.a.tutor, "other_tutor": world.b.tutor, "employer": world.a.employer_user, "other_employer": world.b.employer_user}[who]
    client.force_login(user)

    response = client.post(reverse("contracts:contract_action", args=[world.a.contract.pk, "start"]), {"start-comment": ""})

    assert response.status_code == expected
    assert Contract.objects.get(pk=world.a.contract.pk).status == S.ACCEPTED


def test_extranet_users_see_neither_checklist_nor_actions(client):
    world = make_world()
    client.force_login(world.a.employer_user)

    page = client.get(reverse("contracts:contract_detail", args=[world.a.contract.pk])).content.decode()

    assert "Liste de contrôle" not in page and "Actions" not in page


def test_amendment_is_a_new_draft_linked_to_the_contract(client, admin, contract):
    client.force_login(admin)

    response = client.post(
        reverse("contracts:contract_action", args=[contract.pk, "amendment"]),
        {"amendment-contract_type": "36", "amendment-effective_date": "2027-01-04", "amendment-comment": "Changement de MA"},
    )

    amendment = Contract.objects.get(amends=contract)
    assert response.status_code == 302 and response.url == reverse("contracts:contract_detail", args=[amendment.pk])
    assert (amendment.status, amendment.contract_type, amendment.amendment_effective_date) == (S.DRAFT, 36, date(2027, 1, 4))
    assert (amendment.apprentice_id, amendment.company_id, amendment.end_date) == (contract.apprentice_id, contract.company_id, contract.end_date)


def test_list_filters_by_cohort_opco_and_missing_items(client, admin):
    world = make_world()
    Contract.objects.filter(pk=world.a.contract.pk).update(pension_fund="AG2R")
    Contract.objects.filter(pk=world.b.contract.pk).update(pension_fund="")
    client.force_login(admin)

    def names(query):
        return sorted(c.apprentice.full_name for c in client.get(reverse("contracts:contract_list") + query).context["contracts"])

    assert names(f"?cohort={world.a.cohort.pk}") == [world.a.contract.apprentice.full_name]
    assert names("?missing=cerfa") == [world.b.contract.apprentice.full_name]
    assert names(f"?company_opco={world.a.company.opco}") == sorted([world.a.contract.apprentice.full_name, world.b.contract.apprentice.full_name])


def test_contract_page_query_count_does_not_grow_with_history(client, admin, draft):
    client.force_login(admin)
    url = reverse("contracts:contract_detail", args=[draft.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(5):
        ContractStatusChange.objects.create(contract=draft, from_status=S.DRAFT, to_status=S.DRAFT, comment=f"note {index}")
    ContractFactory(master=draft.master, company=draft.company)  # load of the master
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_tutor_cannot_create_a_contract(client):
    client.force_login(TutorFactory())
    assert client.post(reverse("contracts:contract_create"), {}).status_code == 403


def test_the_cerfa_12_fields_are_entered_on_the_form_and_shown_on_the_contract_page(client, admin, draft):
    """Issue 15 §7: « Fait à », the employer's statement on the supporting documents and the public
    employer's unemployment insurance are entered with the contract and read back from the database."""
    from companies.models import Company

    Company.objects.filter(pk=draft.company_id).update(is_public=True)
    client.force_login(admin)

    response = client.post(reverse("contracts:contract_edit", args=[draft.pk]), form_data(
        draft, signature_place="Villeurbanne", employer_holds_documents="on", public_unemployment_insurance="true",
    ))

    assert response.status_code == 302
    saved = Contract.objects.get(pk=draft.pk)
    assert (saved.signature_place, saved.employer_holds_documents, saved.public_unemployment_insurance) == ("Villeurbanne", True, True)
    page = html.unescape(client.get(reverse("contracts:contract_detail", args=[draft.pk])).content.decode())
    for expected in ("Fait à</dt><dd class=\"col-sm-6\">Villeurbanne", "L'employeur atteste en disposer",
                     "Régime spécifique d'assurance chômage (employeur public)</dt><dd class=\"col-sm-6\">Adhésion"):
        assert expected in page, expected
