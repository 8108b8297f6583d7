"""Admissions and the catalogue (issue 13 §2): a full cohort asks for a confirmation before one more
enrolment (warning the user confirms — CFAs often take one learner beyond the places), checked at
capacity − 1, capacity and capacity + 1; archived cohorts and programmes leave the choices for new
records."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alternance.admissions import selectors, services
from alternance.choices import ApprenticeStatus, CandidateStatus
from alternance.models import Apprentice, Candidate
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    CandidateFactory,
    CohortFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _setup(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)


def cohort_with(enrolled: int, capacity: int | None = 3):
    cohort = CohortFactory(capacity=capacity, name="BTS MCO 2026")
    for _ in range(enrolled):
        ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.SEEKING)
    # A learner who dropped out frees its place.
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 1))
    return cohort


def admitted(cohort) -> Candidate:
    return CandidateFactory(programme=cohort.programme, status=CandidateStatus.ADMITTED)


def enrolled_in(cohort) -> int:
    return Apprentice.objects.filter(cohort=cohort).exclude(status=ApprenticeStatus.DROPPED_OUT).count()


def test_at_capacity_minus_one_the_last_place_is_taken_without_a_question():
    cohort = cohort_with(2)

    services.candidate_enrol(candidate=admitted(cohort), cohort=cohort, by=AdminStaffFactory(), now=NOW)

    assert enrolled_in(cohort) == 3


@pytest.mark.parametrize("already", [3, 4])
def test_at_or_beyond_capacity_the_enrolment_waits_for_a_confirmation(already):
    cohort = cohort_with(already)
    candidate = admitted(cohort)

    with pytest.raises(services.CohortFull) as error:
        services.candidate_enrol(candidate=candidate, cohort=cohort, by=AdminStaffFactory(), now=NOW)

    assert error.value.message_dict["cohort"] == [
        f"La promotion BTS MCO 2026 est complète : {already} inscrit·es pour 3 places. Cochez « Inscrire au-delà de la "
        "capacité » pour confirmer, ou choisissez une autre promotion."]
    assert enrolled_in(cohort) == already
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.ADMITTED


@pytest.mark.parametrize("already", [3, 4])
def test_at_or_beyond_capacity_a_confirmed_enrolment_goes_through(already):
    cohort = cohort_with(already)

    services.candidate_enrol(candidate=admitted(cohort), cohort=cohort, by=AdminStaffFactory(), now=NOW, over_capacity=True)

    assert enrolled_in(cohort) == already + 1


def test_a_cohort_without_capacity_takes_everyone():
    cohort = cohort_with(5, capacity=None)

    services.candidate_enrol(candidate=admitted(cohort), cohort=cohort, by=AdminStaffFactory(), now=NOW)

    assert enrolled_in(cohort) == 6


def test_an_archived_cohort_is_refused_and_not_offered():
    cohort = cohort_with(0)
    cohort.archived_at = NOW
    cohort.save(update_fields=["archived_at"])
    candidate = admitted(cohort)
    admin = AdminStaffFactory()

    with pytest.raises(ValidationError):
        services.candidate_enrol(candidate=candidate, cohort=cohort, by=admin, now=NOW)
    assert list(selectors.enrolment_cohorts(admin, candidate)) == []


def test_the_enrolment_page_shows_the_places_and_asks_to_confirm_when_full(client):
    cohort = cohort_with(3)
    candidate = admitted(cohort)
    client.force_login(AdminStaffFactory())
    url = reverse("candidate_enrol", args=[candidate.pk])

    page = client.get(url)
    assert "BTS MCO 2026 — 3 inscrit·es sur 3 places" in page.text
    assert "over_capacity" not in page.text

    refused = client.post(url, {"cohort": cohort.pk})
    assert refused.status_code == 400
    assert "est complète : 3 inscrit·es pour 3 places" in refused.text and 'name="over_capacity"' in refused.text
    assert enrolled_in(cohort) == 3

    confirmed = client.post(url, {"cohort": cohort.pk, "over_capacity": "on"})
    assert confirmed.status_code == 302
    assert enrolled_in(cohort) == 4


def test_an_archived_programme_is_neither_open_nor_offered_to_a_new_candidate_but_stays_in_the_filter():
    kept = ProgrammeFactory(admissions_open=True)
    archived = ProgrammeFactory(archived_at=NOW)
    admin = AdminStaffFactory()

    assert list(selectors.open_programmes()) == [kept]
    assert list(selectors.new_candidate_programmes(admin)) == [kept]
    assert set(selectors.programme_choices(admin)) == {kept, archived}


def test_an_archived_programme_cannot_be_opened_to_applications(client):
    archived = ProgrammeFactory(archived_at=NOW)
    client.force_login(AdminStaffFactory())

    response = client.post(reverse("programme_admissions"), {"programme": archived.pk, "ouvrir": "1"}, follow=True)

    assert "Cette formation est archivée" in response.text
    assert f'data-programme="{archived.pk}"' not in response.text  # not listed among those to open
    archived.refresh_from_db()
    assert archived.admissions_open is False
