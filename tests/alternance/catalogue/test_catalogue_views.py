"""Catalogue pages (issue 13 §2): permission matrix over the roles with the data that could leak,
French errors that keep what was typed, archive refused with the count and a link, blocks managed
on the programme's page (with and without htmx), query counts that do not grow with the rows."""

from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alternance.choices import ApprenticeStatus, Role
from alternance.models import Cohort, CompetenceBlock, Site
from tests.factories.alternance import (
    ApprenticeFactory,
    CohortFactory,
    CompetenceBlockFactory,
    ProgrammeFactory,
    SiteFactory,
)
from tests.factories.web import PARIS, make_world

pytestmark = pytest.mark.django_db

ROLES = [Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR, Role.APPRENTICE, Role.EMPLOYER]


@pytest.fixture(autouse=True)
def frozen_today(time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def world():
    w = make_world()
    site = SiteFactory(name="Campus Gerland")
    Cohort.objects.filter(pk__in=[w.a.cohort.pk, w.b.cohort.pk]).update(site=site, capacity=20)
    w.site = site
    w.block = CompetenceBlockFactory(programme=w.a.cohort.programme, code="RNCP35340BC01", title="Support et mise à disposition")
    return w


def pages(world) -> dict[str, str]:
    a = world.a
    return {
        "programme_list": reverse("catalogue:programme_list"),
        "programme_detail": reverse("catalogue:programme_detail", args=[a.cohort.programme_id]),
        "programme_create": reverse("catalogue:programme_create"),
        "programme_edit": reverse("catalogue:programme_edit", args=[a.cohort.programme_id]),
        "block_edit": reverse("catalogue:block_edit", args=[a.cohort.programme_id, world.block.pk]),
        "site_list": reverse("catalogue:site_list"),
        "site_detail": reverse("catalogue:site_detail", args=[world.site.pk]),
        "site_create": reverse("catalogue:site_create"),
        "site_edit": reverse("catalogue:site_edit", args=[world.site.pk]),
        "cohort_list": reverse("catalogue:cohort_list"),
        "cohort_detail": reverse("catalogue:cohort_detail", args=[a.cohort.pk]),
        "cohort_detail_b": reverse("catalogue:cohort_detail", args=[world.b.cohort.pk]),
        "cohort_create": reverse("catalogue:cohort_create"),
        "cohort_edit": reverse("catalogue:cohort_edit", args=[a.cohort.pk]),
    }


#                        coord adm  cre  tutor appr empl
MATRIX = {
    "programme_list":   (200, 200, 200, 200, 403, 403),
    "programme_detail": (200, 200, 200, 200, 403, 403),
    "programme_create": (200, 200, 403, 403, 403, 403),
    "programme_edit":   (200, 200, 403, 403, 403, 403),
    "block_edit":       (200, 200, 403, 403, 403, 403),
    "site_list":        (200, 200, 200, 200, 403, 403),
    "site_detail":      (200, 200, 200, 200, 403, 403),
    "site_create":      (200, 200, 403, 403, 403, 403),
    "site_edit":        (200, 200, 403, 403, 403, 403),
    "cohort_list":      (200, 200, 200, 200, 403, 403),
    "cohort_detail":    (200, 200, 200, 200, 403, 403),
    # Tutor A does not refer cohort B: outside its scope.
    "cohort_detail_b":  (200, 200, 200, 404, 403, 403),
    "cohort_create":    (200, 200, 403, 403, 403, 403),
    "cohort_edit":      (200, 200, 403, 403, 403, 403),
}
CASES = [(page, role, statuses[i]) for page, statuses in MATRIX.items() for i, role in enumerate(ROLES)]


@pytest.mark.parametrize(("page", "role", "expected"), CASES)
def test_permission_matrix_of_the_pages(client, world, page, role, expected):
    client.force_login(world.user(role))

    assert client.get(pages(world)[page]).status_code == expected


ACTIONS = {
    "programme_archive": lambda w: reverse("catalogue:programme_archive", args=[ProgrammeFactory().pk]),
    "site_archive": lambda w: reverse("catalogue:site_archive", args=[SiteFactory().pk]),
    "cohort_archive": lambda w: reverse("catalogue:cohort_archive", args=[CohortFactory(referent_tutor=w.a.tutor).pk]),
    "block_delete": lambda w: reverse("catalogue:block_delete", args=[w.block.programme_id, w.block.pk]),
}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize(("role", "expected"), [(Role.CRE, 403), (Role.TUTOR, 403), (Role.APPRENTICE, 403), (Role.EMPLOYER, 403)])
def test_only_the_office_acts_on_the_catalogue(client, world, action, role, expected):
    client.force_login(world.user(role))
    url = ACTIONS[action](world)

    assert client.post(url).status_code == expected
    assert CompetenceBlock.objects.filter(pk=world.block.pk).exists()


def test_a_tutor_sees_only_the_cohorts_it_refers_in_the_list(client, world):
    client.force_login(world.a.tutor)

    response = client.get(reverse("catalogue:cohort_list"))

    assert [cohort.pk for cohort in response.context["cohorts"]] == [world.a.cohort.pk]


def test_the_cohort_page_shows_its_places_and_links_to_its_calendar_register_and_learners(client, world):
    client.force_login(world.coordinator)
    cohort = world.a.cohort
    enrolled = cohort.apprentices.exclude(status=ApprenticeStatus.DROPPED_OUT).count()

    html = client.get(reverse("catalogue:cohort_detail", args=[cohort.pk])).content.decode()

    assert f"{enrolled} inscrit·es sur 20 places" in html
    for url in (reverse("cohort_calendar", args=[cohort.pk]), reverse("attendance_register", args=[cohort.pk]),
                f"{reverse('apprentice_list')}?cohort={cohort.pk}"):
        assert f'href="{url}"' in html, url
    assert "Campus Gerland" in html


def test_a_site_with_a_bad_uai_keeps_the_input_and_says_the_expected_letter(client, world):
    client.force_login(world.admin_staff)
    data = {"name": "Campus Villeurbanne", "uai": "0693045A", "siret": "73282932000074", "address": "3 rue Racine",
            "postal_code": "69100", "city": "Villeurbanne"}

    response = client.post(reverse("catalogue:site_create"), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert "lettre de contrôle incorrecte (attendue : K)" in html
    assert 'value="Campus Villeurbanne"' in html and 'value="0693045A"' in html
    assert not Site.objects.filter(name="Campus Villeurbanne").exists()


def test_a_duplicate_site_links_to_the_existing_one(client, world):
    client.force_login(world.coordinator)
    data = {"name": "Autre nom", "uai": world.site.uai, "siret": "73282932000074", "address": "1 rue", "postal_code": "69007", "city": "Lyon"}

    html = client.post(reverse("catalogue:site_create"), data).content.decode()

    assert f'href="{reverse("catalogue:site_detail", args=[world.site.pk])}"' in html


def test_a_cohort_ending_before_it_starts_is_explained_on_the_form(client, world):
    client.force_login(world.coordinator)
    data = {"programme": world.a.cohort.programme_id, "site": world.site.pk, "name": "Nouvelle promo", "start_date": "2027-09-06",
            "end_date": "2027-09-01", "rhythm_label": "2/3", "rhythm_pattern": "CCEEE", "referent_tutor": world.a.tutor.pk, "capacity": "18"}

    response = client.post(reverse("catalogue:cohort_create"), data)

    assert response.status_code == 400
    assert "saisissez une date de fin postérieure à la date de début" in response.content.decode()
    assert not Cohort.objects.filter(name="Nouvelle promo").exists()


def test_an_archived_site_and_programme_are_not_offered_for_a_new_cohort(client, world):
    archived_site = SiteFactory(name="Vieux campus", archived_at=datetime(2026, 1, 5, tzinfo=PARIS))
    archived_programme = ProgrammeFactory(title="Formation arrêtée", archived_at=datetime(2026, 1, 5, tzinfo=PARIS))
    client.force_login(world.coordinator)

    form = client.get(reverse("catalogue:cohort_create")).context["form"]

    assert archived_site not in form.fields["site"].queryset
    assert archived_programme not in form.fields["programme"].queryset
    assert world.site in form.fields["site"].queryset


def test_archiving_a_cohort_with_learners_is_refused_with_the_count_and_a_link(client, world):
    client.force_login(world.coordinator)
    cohort = world.a.cohort
    active = cohort.apprentices.filter(status__in=(ApprenticeStatus.SEEKING, ApprenticeStatus.UNDER_CONTRACT, ApprenticeStatus.RUPTURANT)).count()

    response = client.post(reverse("catalogue:cohort_archive", args=[cohort.pk]))

    html = response.content.decode()
    assert response.status_code == 400
    assert f"Cette promotion compte encore {active} apprenti·es en formation" in html
    assert f'href="{reverse("apprentice_list")}?cohort={cohort.pk}"' in html
    assert Cohort.objects.get(pk=cohort.pk).archived_at is None


def test_archiving_a_site_with_learners_links_to_its_cohorts(client, world):
    client.force_login(world.coordinator)

    html = client.post(reverse("catalogue:site_archive", args=[world.site.pk])).content.decode()

    assert "Les promotions de ce site comptent encore" in html
    assert f'href="{reverse("catalogue:cohort_list")}?site={world.site.pk}"' in html


def test_an_empty_cohort_is_archived_and_restored_from_its_page(client, world):
    cohort = CohortFactory(referent_tutor=world.a.tutor, name="Promo vide")
    client.force_login(world.admin_staff)

    response = client.post(reverse("catalogue:cohort_archive", args=[cohort.pk]), follow=True)
    assert "Promotion « Promo vide » archivée" in response.content.decode()
    assert Cohort.objects.get(pk=cohort.pk).archived_at is not None
    client.post(reverse("catalogue:cohort_restore", args=[cohort.pk]))
    assert Cohort.objects.get(pk=cohort.pk).archived_at is None


def test_a_block_is_added_without_javascript_and_the_page_reloads(client, world):
    client.force_login(world.coordinator)
    programme = world.block.programme

    response = client.post(reverse("catalogue:block_create", args=[programme.pk]), {"code": "RNCP35340BC02", "title": "Cybersécurité", "order": ""})

    assert response.status_code == 302
    assert response.url == f"{reverse('catalogue:programme_detail', args=[programme.pk])}#blocs"
    assert list(programme.competence_blocks.order_by("order").values_list("code", "order")) == [("RNCP35340BC01", world.block.order), ("RNCP35340BC02", world.block.order + 1)]


def test_with_htmx_a_bad_block_code_returns_the_blocks_section_with_the_error(client, world):
    client.force_login(world.coordinator)
    programme = world.block.programme

    response = client.post(reverse("catalogue:block_create", args=[programme.pk]), {"code": "RNCP99999BC01", "title": "Hors sujet"},
                           HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<div class=\"card\" id=\"blocs\">")
    assert "par exemple RNCP35340BC01" in html and 'value="Hors sujet"' in html
    assert programme.competence_blocks.count() == 1


def test_with_htmx_a_block_is_removed_in_place(client, world):
    client.force_login(world.coordinator)

    response = client.post(reverse("catalogue:block_delete", args=[world.block.programme_id, world.block.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Bloc RNCP35340BC01 retiré de la formation." in response.content.decode()
    assert not CompetenceBlock.objects.exists()


def test_extranet_accounts_cannot_post_to_the_catalogue(client, world):
    client.force_login(world.a.apprentice_user)

    response = client.post(reverse("catalogue:site_create"), {"name": "Piratage"})

    assert response.status_code == 403
    assert not Site.objects.filter(name="Piratage").exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["catalogue:programme_list", "catalogue:site_list", "catalogue:cohort_list"])
def test_list_query_count_does_not_grow_with_the_rows(client, world, name):
    client.force_login(world.coordinator)
    url = reverse(name)
    before = _queries(client, url)
    for index in range(3):
        programme = ProgrammeFactory()
        site = SiteFactory()
        CompetenceBlockFactory(programme=programme, code="RNCP35340BC01")
        cohort = CohortFactory(programme=programme, site=site, referent_tutor=world.a.tutor, capacity=10 + index,
                               start_date=date(2026, 9, 1 + index))
        ApprenticeFactory(cohort=cohort)

    assert _queries(client, url) == before


def test_programme_page_query_count_does_not_grow_with_its_cohorts_and_blocks(client, world):
    client.force_login(world.coordinator)
    programme = world.a.cohort.programme
    url = reverse("catalogue:programme_detail", args=[programme.pk])
    before = _queries(client, url)
    for index in range(3):
        CompetenceBlockFactory(programme=programme, code=f"RNCP35340BC1{index}")
        ApprenticeFactory(cohort=CohortFactory(programme=programme, site=SiteFactory(), referent_tutor=world.b.tutor))

    assert _queries(client, url) == before
