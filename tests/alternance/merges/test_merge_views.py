"""The merge screens: only the coordinator (other staff 403 in their scope, 404 outside it, extranet
403, anonymous to the login page); plausible duplicates first, then search; the preview says what
moves; confirming merges, a refusal writes nothing and explains."""

from datetime import date

import pytest
from django.urls import reverse

from alternance.choices import AttendanceStatus, HalfDay, Role
from alternance.models import Apprentice, AttendanceRecord
from companies.models import Company, Interaction
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory
from tests.factories.companies import CompanyFactory, valid_siret
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db

ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]


@pytest.fixture
def world():
    return make_world()


def urls(world, side: str) -> dict[str, str]:
    s = getattr(world, side)
    other = world.b if side == "a" else world.a
    return {
        "company_pick": reverse("merges:company_pick", args=[s.company.pk]),
        "company_preview": reverse("merges:company_preview", args=[s.company.pk, other.company.pk]),
        "apprentice_pick": reverse("merges:apprentice_pick", args=[s.seeking.pk]),
        "apprentice_preview": reverse("merges:apprentice_preview", args=[s.seeking.pk, s.apprentice.pk]),
    }


# Side A's records (in scope of side-A accounts); side B's (outside the tutor's scope).
#            coord adm  cre  tutor appr empl
MATRIX_A = {
    "company_pick":       (200, 403, 403, 403, 403, 403),
    "company_preview":    (200, 403, 403, 403, 403, 403),
    "apprentice_pick":    (200, 403, 403, 403, 403, 403),
    "apprentice_preview": (200, 403, 403, 403, 403, 403),
}
MATRIX_B = {
    "company_pick":       (200, 403, 403, 404, 403, 403),
    "apprentice_pick":    (200, 403, 403, 404, 403, 403),
    "apprentice_preview": (200, 403, 403, 404, 403, 403),
}
CASES = [("a", page, role, statuses[i]) for page, statuses in MATRIX_A.items() for i, role in enumerate(ROLES)] + [
    ("b", page, role, statuses[i]) for page, statuses in MATRIX_B.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("side", "page", "role", "expected"), CASES)
def test_permission_matrix(client, world, side, page, role, expected):
    client.force_login(world.user(role))
    assert client.get(urls(world, side)[page]).status_code == expected


@pytest.mark.parametrize("role", ROLES[1:])
def test_only_the_coordinator_may_post_a_merge(client, world, role):
    client.force_login(world.user(role))
    response = client.post(urls(world, "a")["company_preview"], {"confirm": "on"})
    assert response.status_code in (403, 404)
    assert Company.objects.count() == 2


def test_anonymous_goes_to_the_login_page(client, world):
    response = client.get(urls(world, "a")["company_pick"])
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_buttons_show_for_the_coordinator_only(client, world):
    client.force_login(world.coordinator)
    assert "Fusionner avec un doublon…" in client.get(reverse("companies:company_detail", args=[world.a.company.pk])).content.decode()
    assert "Fusionner avec un doublon…" in client.get(reverse("apprentice_detail", args=[world.a.seeking.pk])).content.decode()
    client.force_login(world.admin_staff)
    assert "Fusionner avec un doublon…" not in client.get(reverse("companies:company_detail", args=[world.a.company.pk])).content.decode()
    assert "Fusionner avec un doublon…" not in client.get(reverse("apprentice_detail", args=[world.a.seeking.pk])).content.decode()


def test_pick_lists_plausible_company_duplicates_then_searches(client, world):
    kept = CompanyFactory(name="Boulangerie Martin", siret=valid_siret(700))
    same_siren = CompanyFactory(name="Fournil du Centre", siret=kept.siret[:9] + "00099"[:5])
    similar = CompanyFactory(name="SARL Martin Boulangerie", siret=valid_siret(701))
    CompanyFactory(name="Garage Martin", siret=valid_siret(702))
    client.force_login(world.coordinator)

    response = client.get(reverse("merges:company_pick", args=[kept.pk]))
    assert [c.pk for c in response.context["duplicates"]] == [same_siren.pk, similar.pk]
    response = client.get(reverse("merges:company_pick", args=[kept.pk]), {"q": "garage"})
    assert {c.name for c in response.context["results"]} == {"Garage Martin", "Garage Bêta"}


def test_pick_lists_apprentices_with_the_same_identity(client, world):
    kept = world.a.seeking
    twin = ApprenticeFactory(first_name=kept.first_name, last_name=kept.last_name.upper(), birth_date=kept.birth_date, cohort=world.b.cohort)
    ApprenticeFactory(first_name=kept.first_name, last_name=kept.last_name, birth_date=date(1999, 1, 1))
    client.force_login(world.coordinator)
    response = client.get(reverse("merges:apprentice_pick", args=[kept.pk]))
    assert [a.pk for a in response.context["duplicates"]] == [twin.pk]


def test_preview_then_confirm_merges_the_companies(client, world):
    kept, merged = world.a.company, world.b.company
    client.force_login(world.coordinator)
    url = reverse("merges:company_preview", args=[kept.pk, merged.pk])

    page = client.get(url).content.decode()
    assert "Ce qui passe sur la fiche conservée" in page and "Garage Bêta" in page

    response = client.post(url, {"choix_name": "merged"})
    assert response.status_code == 400
    assert "Cochez la confirmation pour fusionner les deux fiches." in response.content.decode()
    assert Company.objects.filter(pk=merged.pk).exists()

    response = client.post(url, {"choix_name": "merged", "confirm": "on"}, follow=True)
    assert response.redirect_chain == [(reverse("companies:company_detail", args=[kept.pk]), 302)]
    assert "Fiches fusionnées" in response.content.decode()
    kept.refresh_from_db()
    assert (kept.name, Company.objects.filter(pk=merged.pk).exists()) == ("Garage Bêta", False)
    assert world.b.contract.__class__.objects.get(pk=world.b.contract.pk).company_id == kept.pk
    assert Interaction.objects.filter(company=kept, author=world.coordinator).count() == 1


def test_a_refused_merge_explains_and_writes_nothing(client, world):
    kept, merged = world.a.seeking, world.a.apprentice
    day = date(2026, 11, 16)
    AttendanceRecordFactory(apprentice=kept, day=day, half=HalfDay.MORNING, status=AttendanceStatus.PRESENT)
    AttendanceRecord.objects.filter(apprentice=merged, day=day).update(half=HalfDay.MORNING)
    client.force_login(world.coordinator)
    url = reverse("merges:apprentice_preview", args=[kept.pk, merged.pk])

    page = client.get(url).content.decode()
    assert "est pas possible en l" in page and "16/11/2026 matin" in page
    assert "Fusionner les deux fiches" not in page
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 400
    assert "16/11/2026 matin" in response.content.decode()
    assert Apprentice.objects.filter(pk=merged.pk).exists()


def test_preview_page_query_count_does_not_grow_with_rows(client, world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.coordinator)
    kept, merged = world.a.seeking, world.a.apprentice
    url = reverse("merges:apprentice_preview", args=[kept.pk, merged.pk])

    def measure() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = measure()
    for i in range(3):
        AttendanceRecordFactory(apprentice=merged, day=date(2026, 10, 5 + i), status=AttendanceStatus.ABSENT)
    assert measure() == before
