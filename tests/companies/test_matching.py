"""Suggested matches: départements, regions and exact rankings (pure functions)."""

from datetime import date

import pytest

from companies.matching import Candidate, Distance, department_of, distance, rank, region_of


@pytest.mark.parametrize(
    ("postal_code", "department"),
    [("75011", "75"), ("01000", "01"), ("20000", "2A"), ("20167", "2A"), ("20200", "2B"), ("20600", "2B"),
     ("97400", "974"), ("97200", "972"), ("98800", "988"), ("", "")],
)
def test_department_of_a_postal_code(postal_code, department):
    assert department_of(postal_code) == department


def test_regions_of_corsica_overseas_and_metropolitan_departments():
    assert region_of("20000") == region_of("20200") == "COR"
    assert region_of("97400") == "974" and region_of("97200") == "972"
    assert region_of("69001") == region_of("38000") == "ARA"
    assert region_of("99999") == ""


def test_distance_levels():
    assert distance("75011", "75011") == Distance.SAME_POSTAL_CODE
    assert distance("75011", "75020") == Distance.SAME_DEPARTMENT
    assert distance("20000", "20100") == Distance.SAME_DEPARTMENT  # both Corse-du-Sud
    assert distance("20000", "20200") == Distance.SAME_REGION  # 2A and 2B, both Corse
    assert distance("75011", "92100") == Distance.SAME_REGION
    assert distance("97400", "97200") == Distance.ELSEWHERE  # two overseas regions
    assert distance("97400", "97410") == Distance.SAME_DEPARTMENT
    assert distance("75011", "69001") == Distance.ELSEWHERE


def test_rank_orders_by_distance_then_start_date_then_key():
    candidates = [
        Candidate(key=1, postal_code="69001", start_date=date(2026, 9, 1)),   # elsewhere
        Candidate(key=2, postal_code="92100", start_date=date(2026, 9, 1)),   # same region
        Candidate(key=3, postal_code="75020", start_date=date(2026, 10, 1)),  # same département, later
        Candidate(key=4, postal_code="75011", start_date=date(2026, 12, 1)),  # same postal code
        Candidate(key=5, postal_code="75020", start_date=date(2026, 9, 15)),  # same département, earlier
        Candidate(key=6, postal_code="75015", start_date=date(2026, 9, 15)),  # same département, same day, higher key
    ]

    ranked = rank("75011", candidates)

    assert [(c.key, d) for c, d in ranked] == [
        (4, Distance.SAME_POSTAL_CODE),
        (5, Distance.SAME_DEPARTMENT),
        (6, Distance.SAME_DEPARTMENT),
        (3, Distance.SAME_DEPARTMENT),
        (2, Distance.SAME_REGION),
        (1, Distance.ELSEWHERE),
    ]


def test_rank_for_a_corsican_learner():
    candidates = [
        Candidate(key=1, postal_code="13001", start_date=date(2026, 9, 1)),
        Candidate(key=2, postal_code="20200", start_date=date(2026, 9, 1)),
        Candidate(key=3, postal_code="20090", start_date=date(2026, 9, 1)),
    ]

    assert [c.key for c, _ in rank("20000", candidates)] == [3, 2, 1]
