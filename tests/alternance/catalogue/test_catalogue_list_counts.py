"""The catalogue lists' figures (issue 18 §2: read by index at 20 000 apprentices) are those of the
one definition each (``catalogue/selectors.py``): a programme's and a site's active learners summed
over their cohorts, a cohort's places taken and active learners."""

from datetime import timedelta

import pytest

from alternance.catalogue import selectors
from alternance.choices import ApprenticeStatus
from tests.factories.alternance import ApprenticeFactory, CohortFactory, ProgrammeFactory, SiteFactory
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


def learners(cohort, **by_status) -> None:
    for status, count in by_status.items():
        # A learner who dropped out has its exclusion date (a constraint of the model).
        left = {"exclusion_date": cohort.start_date + timedelta(days=30)} if status == ApprenticeStatus.DROPPED_OUT else {}
        ApprenticeFactory.create_batch(count, cohort=cohort, status=ApprenticeStatus(status), **left)


@pytest.fixture
def catalogue():
    world = make_world()
    programme, other_programme, empty_programme = ProgrammeFactory(), ProgrammeFactory(), ProgrammeFactory()
    north, south = SiteFactory(name="Nord"), SiteFactory(name="Sud")
    first = CohortFactory(programme=programme, site=north)
    second = CohortFactory(programme=programme, site=south)
    empty_cohort = CohortFactory(programme=programme, site=south)  # no learner: counts 0, never NULL
    other = CohortFactory(programme=other_programme, site=north)
    learners(first, seeking=2, under_contract=1, completed=1, dropped_out=1)
    learners(second, rupturant=1, completed=2)
    learners(other, under_contract=3)
    return world, programme, other_programme, empty_programme, north, south, first, second, empty_cohort


def test_a_programmes_active_learners_are_those_of_all_its_cohorts(catalogue):
    world, programme, other_programme, empty_programme, *_ = catalogue

    listed = {p.pk: p.active_learners for p in selectors.programme_list(world.coordinator)}

    assert listed[programme.pk] == 4  # 2 seeking + 1 under contract + 1 rupturant; completed and dropped out left out
    assert listed[other_programme.pk] == 3
    assert listed[empty_programme.pk] == 0
    for pk, count in listed.items():
        assert count == selectors.programme_active_learners(type(programme).objects.get(pk=pk))


def test_a_sites_active_learners_are_those_of_all_its_cohorts(catalogue):
    world, _programme, _other, _empty, north, south, *_ = catalogue

    listed = {s.pk: s.active_learners for s in selectors.site_list(world.coordinator)}

    assert listed[north.pk] == 6  # 3 in the first cohort, 3 in the other programme's
    assert listed[south.pk] == 1
    for site in (north, south):
        assert listed[site.pk] == selectors.site_active_learners(site)


def test_a_cohorts_places_taken_and_active_learners(catalogue):
    world, *_rest, first, second, empty_cohort = catalogue

    listed = {c.pk: (c.enrolled, c.active_learners) for c in selectors.cohort_list(world.coordinator)}

    assert listed[first.pk] == (4, 3)  # the dropped-out learner holds no place; the completed one is not active
    assert listed[second.pk] == (3, 1)
    assert listed[empty_cohort.pk] == (0, 0)
    assert listed[first.pk] == (selectors.cohort_enrolled(first), selectors.cohort_active_learners(first))
