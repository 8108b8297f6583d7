"""Read API (issue 7, part 5): authentication by key, the access policy's scope on every resource,
filters, pagination, query counts, and what never leaves (the NIR)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alerts.choices import AlertStatus, ConcernedRole
from alerts.models import Alert
from alternance.api.services import api_token_create, api_token_revoke
from alternance.choices import ApprenticeStatus, AttendanceStatus, HalfDay, JustificationStatus
from alternance.models import ApiToken, Apprentice, AttendanceRecord
from alternance.models.invitations import hash_token
from contracts.choices import ContractStatus
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    ApprenticeUserFactory,
    AttendanceRecordFactory,
    CohortFactory,
    CoordinatorFactory,
    CreFactory,
    EmployerUserFactory,
    TutorFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory

pytestmark = pytest.mark.django_db

NIR = "1 85 05 78 006 084 91"
RESOURCES = ("apprentice", "company", "contract", "absence", "alert")


def list_url(resource: str) -> str:
    return reverse(f"api:{resource}-list")


def detail_url(resource: str, pk: int) -> str:
    return reverse(f"api:{resource}-detail", args=[pk])


def token_for(user) -> str:
    _token, clear = api_token_create(user=user, label="Outil de test")
    return clear


def raw_token_for(user) -> str:
    """A key written straight into the database, as if it existed before the account lost its staff role."""
    clear = f"cle-extranet-{user.pk}-0123456789abcdef"
    ApiToken.objects.create(user=user, label="Clé ancienne", prefix=clear[:8], token_hash=hash_token(clear))
    return clear


def get(client, url, token=None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(url, params, **headers)


def all_ids(client, token, resource, **params) -> set[int]:
    """Every id of a list, following ``next`` over the pages."""
    ids: list[int] = []
    response = get(client, list_url(resource), token, page_size=2, **params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        ids.extend(row["id"] for row in body["results"])
        if not body["next"]:
            break
        response = client.get(body["next"], HTTP_AUTHORIZATION=f"Bearer {token}")
    assert len(ids) == len(set(ids)), "a row came back twice across the pages"
    assert body["count"] == len(ids)
    return set(ids)


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in keys_of(item)}
    if isinstance(value, list):
        return {key for item in value for key in keys_of(item)}
    return set()


# --- a small organisation: two cohorts with their tutors, two CREs, data that could leak ----------


@pytest.fixture
def world():
    w = {}
    w["coordinator"] = CoordinatorFactory()
    w["admin"] = AdminStaffFactory()
    w["tutor_a"], w["tutor_b"] = TutorFactory(), TutorFactory()
    w["cre_a"], w["cre_b"] = CreFactory(), CreFactory()
    w["cohort_a"] = CohortFactory(referent_tutor=w["tutor_a"])
    w["cohort_b"] = CohortFactory(referent_tutor=w["tutor_b"])
    w["company_a"] = CompanyFactory(owner_cre=w["cre_a"])
    w["company_b"] = CompanyFactory(owner_cre=w["cre_b"])
    w["company_unowned"] = CompanyFactory(owner_cre=None)
    w["company_prospect"] = CompanyFactory(owner_cre=w["cre_b"])
    w["a1"] = ApprenticeFactory(cohort=w["cohort_a"], status=ApprenticeStatus.UNDER_CONTRACT)
    w["a2"] = ApprenticeFactory(cohort=w["cohort_a"])
    w["b1"] = ApprenticeFactory(cohort=w["cohort_b"], status=ApprenticeStatus.UNDER_CONTRACT)
    for name in ("a1", "b1"):
        w[name].set_nir(NIR)
        w[name].save()
    w["contract_a1"] = ContractFactory(apprentice=w["a1"], company=w["company_a"])
    w["contract_b1"] = ContractFactory(apprentice=w["b1"], company=w["company_b"])
    OpcoFileFactory(contract=w["contract_a1"])
    w["absent_a1"] = AttendanceRecordFactory(apprentice=w["a1"], day=date(2026, 10, 5), status=AttendanceStatus.ABSENT)
    w["late_a1"] = AttendanceRecordFactory(
        apprentice=w["a1"], day=date(2026, 10, 6), status=AttendanceStatus.LATE, minutes_late=15,
    )
    w["present_a1"] = AttendanceRecordFactory(apprentice=w["a1"], day=date(2026, 10, 7), status=AttendanceStatus.PRESENT)
    w["absent_b1"] = AttendanceRecordFactory(apprentice=w["b1"], day=date(2026, 10, 5), status=AttendanceStatus.ABSENT)
    w["alert_a1"] = AlertFactory(apprentice=w["a1"], company=w["company_a"], contract=w["contract_a1"])
    w["alert_b1"] = AlertFactory(apprentice=w["b1"], company=w["company_b"], contract=w["contract_b1"])
    w["alert_company_a"] = AlertFactory(
        apprentice=None, company=w["company_a"], rule_code="companies.sensitive", concerned_role=ConcernedRole.CRE,
        subject_type=ContentType.objects.get_for_model(w["company_a"]), subject_id=w["company_a"].pk,
        subject_label=w["company_a"].name,
    )
    return w


def ids(w, *names) -> set[int]:
    return {w[name].pk for name in names}


EVERYTHING = {
    "apprentice": ("a1", "a2", "b1"),
    "company": ("company_a", "company_b", "company_unowned", "company_prospect"),
    "contract": ("contract_a1", "contract_b1"),
    "absence": ("absent_a1", "late_a1", "absent_b1"),
    "alert": ("alert_a1", "alert_b1", "alert_company_a"),
}
EXPECTED = {
    "coordinator": EVERYTHING,
    "admin": EVERYTHING,
    "tutor_a": {
        "apprentice": ("a1", "a2"),
        "company": ("company_a",),
        "contract": ("contract_a1",),
        "absence": ("absent_a1", "late_a1"),
        "alert": ("alert_a1",),
    },
    "tutor_b": {
        "apprentice": ("b1",),
        "company": ("company_b",),
        "contract": ("contract_b1",),
        "absence": ("absent_b1",),
        "alert": ("alert_b1",),
    },
    "cre_a": {**EVERYTHING, "alert": ("alert_a1", "alert_company_a")},
    "cre_b": {**EVERYTHING, "alert": ("alert_b1",)},
}


# --- authentication ------------------------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES)
def test_missing_key_answers_401_in_french_json_not_a_login_redirect(client, world, resource):
    response = get(client, list_url(resource))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert "Authorization: Bearer" in response.json()["detail"]
    assert "Créez une clé" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer deux morceaux", "Basic dXNlcjpwYXNz", "Token abc"])
def test_malformed_or_foreign_authorization_header_answers_401(client, world, header):
    response = client.get(list_url("apprentice"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_unknown_key_answers_401(client, world):
    response = get(client, list_url("apprentice"), "cle-inventee-qui-n-existe-pas")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Clé d'API inconnue")


def test_revoked_key_answers_401_on_every_resource(client, world):
    clear = token_for(world["coordinator"])
    assert get(client, list_url("apprentice"), clear).status_code == 200
    token = ApiToken.objects.get(token_hash=hash_token(clear))
    api_token_revoke(token=token)
    for resource in RESOURCES:
        response = get(client, list_url(resource), clear)
        assert response.status_code == 401
        assert "révoquée" in response.json()["detail"]
    response = get(client, detail_url("apprentice", world["a1"].pk), clear)
    assert response.status_code == 401


def test_key_of_an_inactive_account_answers_401(client, world):
    clear = token_for(world["tutor_a"])
    world["tutor_a"].is_active = False
    world["tutor_a"].save()
    response = get(client, list_url("apprentice"), clear)
    assert response.status_code == 401
    assert "désactivé" in response.json()["detail"]


@pytest.mark.parametrize("factory", [ApprenticeUserFactory, EmployerUserFactory], ids=["apprentice", "employer"])
def test_extranet_key_answers_403_everywhere_and_is_not_stamped(client, world, factory):
    user = factory()
    clear = raw_token_for(user)
    for resource in RESOURCES:
        response = get(client, list_url(resource), clear)
        assert response.status_code == 403
        assert "réservée à l'équipe" in response.json()["detail"]
    assert get(client, detail_url("apprentice", world["a1"].pk), clear).status_code == 403
    assert get(client, reverse("api:schema"), clear).status_code == 403
    assert ApiToken.objects.get(user=user).last_used_at is None


def test_extranet_account_cannot_be_given_a_key_by_the_service(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        api_token_create(user=ApprenticeUserFactory(), label="Essai")
    assert not ApiToken.objects.exists()


def test_a_session_is_not_accepted_by_the_api(client, world):
    client.force_login(world["coordinator"])
    response = client.get(list_url("apprentice"))
    assert response.status_code == 401
    # The same browser with a key is accepted (the key, not the session, is the credential).
    assert get(client, list_url("apprentice"), token_for(world["coordinator"])).status_code == 200


def test_the_api_is_read_only(client, world):
    clear = token_for(world["coordinator"])
    url = detail_url("apprentice", world["a1"].pk)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {clear}"}
    assert client.post(list_url("apprentice"), {}, content_type="application/json", **headers).status_code == 405
    assert client.patch(url, {"last_name": "X"}, content_type="application/json", **headers).status_code == 405
    assert client.delete(url, **headers).status_code == 405
    assert Apprentice.objects.get(pk=world["a1"].pk).last_name == world["a1"].last_name


def test_last_used_at_is_written_at_most_once_a_minute(client, world):
    clear = token_for(world["tutor_a"])
    token = ApiToken.objects.get(token_hash=hash_token(clear))
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    with time_machine.travel(start, tick=False):
        get(client, list_url("apprentice"), clear)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=59), tick=False), CaptureQueriesContext(connection) as queries:
        get(client, list_url("apprentice"), clear)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        get(client, list_url("apprentice"), clear)
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


# --- scope ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_role_gets_exactly_its_scope_of_every_resource(client, world, role):
    clear = token_for(world[role])
    for resource in RESOURCES:
        assert all_ids(client, clear, resource) == ids(world, *EXPECTED[role][resource]), resource


def test_tutor_never_gets_another_cohorts_rows_even_by_id(client, world):
    clear = token_for(world["tutor_a"])
    foreign = {
        "apprentice": world["b1"], "company": world["company_b"], "contract": world["contract_b1"],
        "absence": world["absent_b1"], "alert": world["alert_b1"],
    }
    for resource, row in foreign.items():
        response = get(client, detail_url(resource, row.pk), clear)
        assert response.status_code == 404, resource
        assert "introuvable" in response.json()["detail"], resource
    # Filtering on the other cohort does not widen the scope either.
    assert all_ids(client, clear, "apprentice", cohort=world["cohort_b"].pk) == set()
    assert all_ids(client, clear, "contract", cohort=world["cohort_b"].pk) == set()
    assert all_ids(client, clear, "absence", cohort=world["cohort_b"].pk) == set()
    assert all_ids(client, clear, "alert", cohort=world["cohort_b"].pk) == set()


def test_tutor_retrieves_its_own_rows_by_id(client, world):
    clear = token_for(world["tutor_a"])
    for resource, name in (("apprentice", "a1"), ("company", "company_a"), ("contract", "contract_a1"),
                           ("absence", "late_a1"), ("alert", "alert_a1")):
        response = get(client, detail_url(resource, world[name].pk), clear)
        assert response.status_code == 200, resource
        assert response.json()["id"] == world[name].pk


def test_tutor_gets_an_alert_assigned_to_it_like_on_the_alert_pages(client, world):
    """The access policy gives a tutor the alerts assigned to it, whoever they are about."""
    assigned = AlertFactory(
        apprentice=world["b1"], rule_code="visits_overdue", status=AlertStatus.ASSIGNED, assignee=world["tutor_a"],
    )
    clear = token_for(world["tutor_a"])
    assert all_ids(client, clear, "alert") == {world["alert_a1"].pk, assigned.pk}
    # The apprentice it is about stays out of the tutor's apprentice list.
    assert all_ids(client, clear, "apprentice") == ids(world, "a1", "a2")


def test_cre_sees_every_company_including_unowned_and_other_portfolios(client, world):
    clear = token_for(world["cre_a"])
    assert all_ids(client, clear, "company") == ids(world, "company_a", "company_b", "company_unowned", "company_prospect")
    response = get(client, detail_url("company", world["company_b"].pk), clear)
    assert response.status_code == 200
    assert response.json()["owner_cre"]["id"] == world["cre_b"].pk


def test_a_presence_is_not_an_absence(client, world):
    clear = token_for(world["coordinator"])
    assert get(client, detail_url("absence", world["present_a1"].pk), clear).status_code == 404


def test_unknown_id_answers_404_in_french(client, world):
    clear = token_for(world["coordinator"])
    response = get(client, detail_url("apprentice", 999999), clear)
    assert response.status_code == 404
    assert response.json() == {
        "detail": "Apprenti·e introuvable : aucun·e apprenti·e de votre périmètre n'a cet identifiant."
    }


# --- what is sent --------------------------------------------------------------------------------


def test_apprentice_json_has_iso_dates_and_exact_values(client, world):
    a1 = Apprentice.objects.get(pk=world["a1"].pk)
    response = get(client, detail_url("apprentice", a1.pk), token_for(world["coordinator"]))
    body = response.json()
    assert set(body) == {
        "id", "last_name", "usage_name", "first_name", "sex", "birth_date", "email", "phone", "address",
        "postal_code", "city", "ine", "cohort", "programme", "enrolment_date", "training_start_date",
        "exclusion_date", "status", "status_since", "created_at", "updated_at",
    }
    assert body["birth_date"] == "2005-03-14"
    assert body["status"] == "under_contract"
    assert body["cohort"] == {"id": a1.cohort_id, "name": a1.cohort.name}
    programme = a1.cohort.programme
    assert body["programme"] == {"id": programme.pk, "title": programme.title, "rncp_code": programme.rncp_code}
    assert body["enrolment_date"] == a1.enrolment_date.isoformat()
    # Date-times are ISO 8601 with the offset of Europe/Paris, and read back to the stored instant.
    assert timezone.datetime.fromisoformat(body["updated_at"]) == a1.updated_at
    assert body["updated_at"].endswith(("+01:00", "+02:00"))


def test_contract_json_carries_its_references_and_opco_file(client, world):
    contract = world["contract_a1"]
    body = get(client, detail_url("contract", contract.pk), token_for(world["coordinator"])).json()
    assert body["status"] == ContractStatus.IN_PROGRESS
    assert body["apprentice"] == {
        "id": world["a1"].pk, "first_name": world["a1"].first_name, "last_name": world["a1"].last_name,
        "usage_name": "", "cohort": world["cohort_a"].pk,
    }
    assert body["company"] == {"id": world["company_a"].pk, "name": world["company_a"].name, "siret": world["company_a"].siret}
    assert body["master"]["id"] == contract.master_id
    assert body["second_master"] is None
    assert body["start_date"] == "2026-09-01"
    assert body["weekly_hours"] == "35.00"
    assert body["opco_file"] == {
        "opco": "Atlas", "sent_date": "2026-09-04", "complete_file_date": None, "decision": "pending",
        "decision_date": None, "deposit_number": "",
    }
    other = get(client, detail_url("contract", world["contract_b1"].pk), token_for(world["admin"])).json()
    assert other["opco_file"] is None


def test_absence_and_alert_json(client, world):
    clear = token_for(world["coordinator"])
    late = get(client, detail_url("absence", world["late_a1"].pk), clear).json()
    assert {k: late[k] for k in ("day", "half", "status", "minutes_late", "justification")} == {
        "day": "2026-10-06", "half": HalfDay.MORNING, "status": "late", "minutes_late": 15,
        "justification": JustificationStatus.NONE,
    }
    assert late["apprentice"]["id"] == world["a1"].pk
    alert = get(client, detail_url("alert", world["alert_company_a"].pk), clear).json()
    assert alert["rule_code"] == "companies.sensitive"
    assert alert["apprentice"] is None
    assert alert["company"]["id"] == world["company_a"].pk
    assert alert["facts"] == {"absences": 3, "window_days": 30}
    assert alert["status"] == "new"


def test_no_nir_anywhere_in_any_answer(client, world):
    clear = token_for(world["coordinator"])
    nir_digits = NIR.replace(" ", "")
    encrypted = Apprentice.objects.get(pk=world["a1"].pk).nir_encrypted
    assert encrypted
    for resource in RESOURCES:
        pages = [get(client, list_url(resource), clear)]
        pages += [get(client, detail_url(resource, row["id"]), clear) for row in pages[0].json()["results"]]
        for response in pages:
            assert response.status_code == 200
            assert not [key for key in keys_of(response.json()) if "nir" in key.lower()], resource
            text = response.content.decode()
            assert nir_digits not in text and encrypted not in text


# --- filters -------------------------------------------------------------------------------------


def test_filters_narrow_the_lists(client, world):
    clear = token_for(world["coordinator"])
    assert all_ids(client, clear, "apprentice", status="under_contract") == ids(world, "a1", "b1")
    assert all_ids(client, clear, "apprentice", cohort=world["cohort_a"].pk) == ids(world, "a1", "a2")
    assert all_ids(client, clear, "apprentice", programme=world["cohort_b"].programme_id) == ids(world, "b1")
    assert all_ids(client, clear, "company", owner_cre=world["cre_b"].pk) == ids(world, "company_b", "company_prospect")
    assert all_ids(client, clear, "company", siret=world["company_a"].siret) == ids(world, "company_a")
    assert all_ids(client, clear, "contract", cohort=world["cohort_b"].pk) == ids(world, "contract_b1")
    assert all_ids(client, clear, "contract", company=world["company_a"].pk) == ids(world, "contract_a1")
    assert all_ids(client, clear, "contract", status="draft") == set()
    assert all_ids(client, clear, "absence", status="late") == ids(world, "late_a1")
    assert all_ids(client, clear, "absence", day_from="2026-10-06", day_to="2026-10-31") == ids(world, "late_a1")
    assert all_ids(client, clear, "absence", apprentice=world["b1"].pk) == ids(world, "absent_b1")
    assert all_ids(client, clear, "alert", company=world["company_a"].pk) == ids(world, "alert_a1", "alert_company_a")
    assert all_ids(client, clear, "alert", rule_code="companies.sensitive") == ids(world, "alert_company_a")


def test_sensitive_and_open_boolean_filters(client, world):
    Alert.objects.filter(pk=world["alert_b1"].pk).update(status=AlertStatus.RESOLVED, resolved_at=timezone.now())
    world["company_b"].sensitive, world["company_b"].sensitive_reason = True, "Turnover des maîtres d'apprentissage"
    world["company_b"].save()
    clear = token_for(world["coordinator"])
    assert all_ids(client, clear, "company", sensitive="true") == ids(world, "company_b")
    assert all_ids(client, clear, "company", sensitive="false") == ids(world, "company_a", "company_unowned", "company_prospect")
    assert all_ids(client, clear, "alert", open="false") == ids(world, "alert_b1")
    assert all_ids(client, clear, "alert", open="true") == ids(world, "alert_a1", "alert_company_a")


def test_updated_since_returns_only_what_changed(client, world):
    clear = token_for(world["coordinator"])
    later = timezone.now() + timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        world["a2"].city = "Lyon"
        world["a2"].save()
        world["contract_b1"].save()
        world["company_prospect"].save()
        record = AttendanceRecord.objects.get(pk=world["absent_b1"].pk)
        record.justification_submitted_at = later
        record.justification = JustificationStatus.PENDING
        record.save()
        from alerts.models import AlertEvent

        AlertEvent.objects.create(alert=world["alert_a1"], comment="Appel passé à l'employeur.")
    since = (later - timedelta(minutes=1)).isoformat()
    assert all_ids(client, clear, "apprentice", updated_since=since) == ids(world, "a2")
    assert all_ids(client, clear, "contract", updated_since=since) == ids(world, "contract_b1")
    assert all_ids(client, clear, "company", updated_since=since) == ids(world, "company_prospect")
    assert all_ids(client, clear, "absence", updated_since=since) == ids(world, "absent_b1")
    assert all_ids(client, clear, "alert", updated_since=since) == ids(world, "alert_a1")
    # A date alone means midnight, Paris time: today's changes are all there.
    tomorrow = (timezone.localdate(later) + timedelta(days=1)).isoformat()
    assert all_ids(client, clear, "apprentice", updated_since=tomorrow) == set()


@pytest.mark.parametrize(("resource", "params", "field", "fragment"), [
    ("apprentice", {"status": "inconnu"}, "status", "choix valide"),
    ("apprentice", {"cohort": "abc"}, "cohort", "nombre entier"),
    ("apprentice", {"updated_since": "hier"}, "updated_since", "ISO 8601"),
    ("company", {"sensitive": "peut-être"}, "sensitive", "true ou false"),
    ("company", {"siret": "123"}, "siret", "14 chiffres"),
    ("absence", {"day_from": "2026-10-10", "day_to": "2026-10-01"}, "day_to", "inversez"),
    ("alert", {"stauts": "new"}, "stauts", "Paramètre inconnu"),
    ("contract", {"status": ["draft", "signed"]}, "status", "une seule fois"),
])
def test_bad_filters_answer_400_saying_how_to_fix(client, world, resource, params, field, fragment):
    response = get(client, list_url(resource), token_for(world["coordinator"]), **params)
    assert response.status_code == 400
    messages = response.json()[field]
    assert any(fragment in message for message in messages), messages


# --- pagination and query counts -----------------------------------------------------------------


def _bulk_apprentices(cohort, count: int) -> None:
    Apprentice.objects.bulk_create([
        Apprentice(
            last_name=f"Nom{i:04d}", first_name="Prénom", sex="F", birth_date=date(2005, 1, 1), birth_department="75",
            birth_commune="Paris", address="1 rue", postal_code="75001", city="Paris", email=f"bulk{i}@example.test",
            cohort=cohort, enrolment_date=date(2026, 7, 1), training_start_date=date(2026, 9, 1),
            status_since=date(2026, 9, 1),
        )
        for i in range(count)
    ])


def test_pagination_count_next_and_page_size(client, world):
    clear = token_for(world["coordinator"])
    _bulk_apprentices(world["cohort_a"], 4)  # 7 apprentices in all
    first = get(client, list_url("apprentice"), clear, page_size=3).json()
    assert first["count"] == 7
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert first["next"].endswith("?page=2&page_size=3")
    last = get(client, list_url("apprentice"), clear, page_size=3, page=3).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    # Ordered by id: pages are stable whatever is added later.
    ids_in_order = [row["id"] for page in (1, 2, 3) for row in get(client, list_url("apprentice"), clear, page_size=3, page=page).json()["results"]]
    assert ids_in_order == sorted(Apprentice.objects.values_list("pk", flat=True))
    response = get(client, list_url("apprentice"), clear, page=9)
    assert response.status_code == 404
    assert "Repartez de la page 1" in response.json()["detail"]


def test_page_size_defaults_to_50_and_is_capped_at_500(client, world):
    clear = token_for(world["coordinator"])
    _bulk_apprentices(world["cohort_a"], 520)
    default = get(client, list_url("apprentice"), clear).json()
    assert default["count"] == 523
    assert len(default["results"]) == 50
    capped = get(client, list_url("apprentice"), clear, page_size=1000).json()
    assert len(capped["results"]) == 500
    assert capped["next"] is not None


def _make_rows(resource: str, count: int, cohort=None) -> None:
    """Rows whose related objects are all different, so that a missing join shows as N+1; in
    ``cohort`` when given (a tutor's scope)."""
    for _i in range(count):
        apprentice = ApprenticeFactory(cohort=cohort) if cohort else ApprenticeFactory()
        if resource == "company":
            if cohort:
                ContractFactory(apprentice=apprentice)
            else:
                CompanyFactory()
        elif resource == "contract":
            contract = ContractFactory(apprentice=apprentice)
            contract.second_master = CompanyContactFactory(company=contract.company)
            contract.save()
            OpcoFileFactory(contract=contract)
        elif resource == "absence":
            AttendanceRecordFactory(apprentice=apprentice)
        elif resource == "alert":
            AlertFactory(
                apprentice=apprentice, company=CompanyFactory(), status=AlertStatus.ASSIGNED, assignee=TutorFactory(),
            )


def _count_queries(client, url, token) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = get(client, url, token, page_size=100)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("role", ["coordinator", "tutor"])
def test_list_query_count_does_not_grow_with_rows(client, resource, role):
    user = CoordinatorFactory() if role == "coordinator" else TutorFactory()
    cohort = CohortFactory(referent_tutor=user) if role == "tutor" else None
    clear = token_for(user)
    url = list_url(resource)
    get(client, url, clear)  # first use stamps last_used_at: not part of the steady state
    _make_rows(resource, 5, cohort)
    few = _count_queries(client, url, clear)
    _make_rows(resource, 25, cohort)
    many = _count_queries(client, url, clear)
    assert few == many
    assert many == 4  # the key, the count, the page's keys, its rows (+ nothing per row)
    assert get(client, url, clear).json()["count"] == 30
