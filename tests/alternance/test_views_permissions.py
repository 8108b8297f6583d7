"""Permission matrix of every page over the roles: login redirect, 200, 403 (staff-only page) or 404
(outside the user's scope). The data that could leak (side B) exists in every test."""

import pytest
from django.urls import reverse

from alternance.choices import Role
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]


@pytest.fixture
def world():
    return make_world()


def url_for(world, page: str) -> str:
    alert_a = world.a.apprentice.alerts.get()
    return {
        "home": reverse("home"),
        "apprentice_list": reverse("apprentice_list"),
        "apprentice_detail": reverse("apprentice_detail", args=[world.a.apprentice.pk]),
        "apprentice_create": reverse("apprentice_create"),
        "apprentice_edit": reverse("apprentice_edit", args=[world.a.apprentice.pk]),
        "apprentice_leave": reverse("apprentice_leave", args=[world.a.seeking.pk]),
        "my_details": reverse("my_details"),
        "company_list": reverse("companies:company_list"),
        "company_detail": reverse("companies:company_detail", args=[world.a.company.pk]),
        "contract_list": reverse("contracts:contract_list"),
        "contract_detail": reverse("contracts:contract_detail", args=[world.a.contract.pk]),
        "alert_list": reverse("alerts:alert_list"),
        "alert_detail": reverse("alerts:alert_detail", args=[alert_a.pk]),
    }[page]


# Expected status per page, in the order of ROLES (each role's side-A account).
#                      coord adm  cre  tutor appr empl
MATRIX = {
    "home":              (200, 200, 200, 200, 200, 200),
    "apprentice_list":   (200, 200, 200, 200, 403, 403),
    "apprentice_detail": (200, 200, 200, 200, 200, 200),
    "apprentice_create": (200, 200, 403, 403, 403, 403),
    # The tutor of the cohort edits the contact details only (the page shows those fields).
    "apprentice_edit":   (200, 200, 403, 200, 403, 403),
    "apprentice_leave":  (200, 200, 403, 403, 403, 403),
    "my_details":        (403, 403, 403, 403, 200, 200),
    "company_list":      (200, 200, 200, 200, 403, 403),
    "company_detail":    (200, 200, 200, 200, 403, 403),
    "contract_list":     (200, 200, 200, 200, 403, 403),
    "contract_detail":   (200, 200, 200, 200, 200, 200),
    "alert_list":        (200, 200, 200, 200, 403, 403),
    # The alert is about an apprentice, unassigned, without a company: not in the CRE's scope.
    "alert_detail":      (200, 200, 404, 200, 403, 403),
}

CASES = [(page, role, statuses[i]) for page, statuses in MATRIX.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("page", "role", "expected"), CASES)
def test_permission_matrix(client, world, page, role, expected):
    client.force_login(world.user(role))

    response = client.get(url_for(world, page))

    assert response.status_code == expected


@pytest.mark.parametrize("page", list(MATRIX))
def test_anonymous_is_sent_to_the_login_page(client, world, page):
    url = url_for(world, page)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def get_status(client, user, url: str) -> int:
    client.force_login(user)
    return client.get(url).status_code


def test_employer_cannot_open_another_companys_apprentice(client, world):
    assert get_status(client, world.a.employer_user, reverse("apprentice_detail", args=[world.b.apprentice.pk])) == 404


def test_employer_cannot_open_a_seeking_apprentice_of_no_company(client, world):
    assert get_status(client, world.a.employer_user, reverse("apprentice_detail", args=[world.a.seeking.pk])) == 404


def test_employer_cannot_open_another_companys_contract(client, world):
    assert get_status(client, world.a.employer_user, reverse("contracts:contract_detail", args=[world.b.contract.pk])) == 404


def test_tutor_cannot_open_another_cohorts_apprentice(client, world):
    assert get_status(client, world.a.tutor, reverse("apprentice_detail", args=[world.b.apprentice.pk])) == 404


def test_tutor_cannot_open_another_cohorts_contract_company_or_alert(client, world):
    alert_b = world.b.apprentice.alerts.get()
    for url in (
        reverse("contracts:contract_detail", args=[world.b.contract.pk]),
        reverse("companies:company_detail", args=[world.b.company.pk]),
        reverse("alerts:alert_detail", args=[alert_b.pk]),
    ):
        assert get_status(client, world.a.tutor, url) == 404, url


def test_apprentice_cannot_open_another_apprentices_record_or_contract(client, world):
    assert get_status(client, world.a.apprentice_user, reverse("apprentice_detail", args=[world.b.apprentice.pk])) == 404
    assert get_status(client, world.a.apprentice_user, reverse("apprentice_detail", args=[world.a.seeking.pk])) == 404
    assert get_status(client, world.a.apprentice_user, reverse("contracts:contract_detail", args=[world.b.contract.pk])) == 404


def test_apprentice_cannot_open_its_draft_contract(client, world):
    world.a.contract.status = "draft"
    world.a.contract.save(update_fields=["status"])

    assert get_status(client, world.a.apprentice_user, reverse("contracts:contract_detail", args=[world.a.contract.pk])) == 404


def test_cre_sees_every_company_but_only_the_alerts_of_its_portfolio(client, world):
    alert_on_b_company = world.b.apprentice.alerts.get()
    alert_on_b_company.company = world.b.company
    alert_on_b_company.save(update_fields=["company"])

    assert get_status(client, world.a.cre, reverse("companies:company_detail", args=[world.b.company.pk])) == 200
    assert get_status(client, world.a.cre, reverse("alerts:alert_detail", args=[alert_on_b_company.pk])) == 404
    assert get_status(client, world.b.cre, reverse("alerts:alert_detail", args=[alert_on_b_company.pk])) == 200


def test_unknown_ids_answer_404(client, world):
    client.force_login(world.coordinator)
    for name in ("apprentice_detail", "companies:company_detail", "contracts:contract_detail", "alerts:alert_detail"):
        assert client.get(reverse(name, args=[999999])).status_code == 404, name


def test_django_admin_is_not_open_to_a_non_superuser(client, world):
    client.force_login(world.coordinator)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
