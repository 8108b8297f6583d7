"""The dashboard's judgements at their limits, without the database (issue 16): a figure exactly
on its target is met (PLACEMENT_RATE_TARGET, RUPTURE_RATE_TARGET, VISITS_ON_TIME_TARGET,
RuleSettings.attendance_min_rate), trends and their colour, the CRE load range (80–100,
RuleSettings.cre_max_active_contracts), percentages rounded half up, month series bounds."""

from datetime import date
from decimal import Decimal

import pytest

from alternance.steering import indicators
from alternance.steering.indicators import (
    PLACEMENT_RATE_TARGET,
    RUPTURE_RATE_TARGET,
    VISITS_ON_TIME_TARGET,
    BreakdownRow,
    Indicator,
    LoadRow,
    MonthlySeries,
)

ONE = Decimal("0.1")


def figure(value, target, higher_is_better, previous=None) -> Indicator:
    return Indicator(key="k", label="l", value=value, target=target, higher_is_better=higher_is_better, previous=previous)


@pytest.mark.parametrize("target, value, met", [
    (PLACEMENT_RATE_TARGET, PLACEMENT_RATE_TARGET - ONE, False),
    (PLACEMENT_RATE_TARGET, PLACEMENT_RATE_TARGET, True),
    (PLACEMENT_RATE_TARGET, PLACEMENT_RATE_TARGET + ONE, True),
    (VISITS_ON_TIME_TARGET, VISITS_ON_TIME_TARGET - ONE, False),
    (VISITS_ON_TIME_TARGET, VISITS_ON_TIME_TARGET, True),
    (VISITS_ON_TIME_TARGET, VISITS_ON_TIME_TARGET + ONE, True),
    (Decimal(80), Decimal("79.9"), False),  # RuleSettings.attendance_min_rate
    (Decimal(80), Decimal(80), True),
], ids=["placement-limit-1", "placement-limit", "placement-limit+1", "visits-limit-1", "visits-limit", "visits-limit+1",
        "attendance_min_rate-1", "attendance_min_rate"])
def test_higher_is_better_figure_exactly_on_target_is_met(target, value, met):
    assert figure(value, target, True).on_target is met


@pytest.mark.parametrize("target, value, met", [
    (RUPTURE_RATE_TARGET, RUPTURE_RATE_TARGET - ONE, True),
    (RUPTURE_RATE_TARGET, RUPTURE_RATE_TARGET, True),
    (RUPTURE_RATE_TARGET, RUPTURE_RATE_TARGET + ONE, False),
    (0, 0, True),  # without_company, opco_late, alerts_to_validate: target 0
    (0, 1, False),
], ids=["rupture-limit-1", "rupture-limit", "rupture-limit+1", "zero-target-0", "zero-target-1"])
def test_lower_is_better_figure_exactly_on_target_is_met(target, value, met):
    assert figure(value, target, False).on_target is met


@pytest.mark.parametrize("value, target, higher", [(None, 90, True), (90, None, True), (90, 90, None)],
                         ids=["no-value", "no-target", "a-volume"])
def test_on_target_is_unknown_without_value_target_or_direction(value, target, higher):
    assert figure(value, target, higher).on_target is None


@pytest.mark.parametrize("value, previous, higher, delta, trend, good", [
    (10, 9, True, 1, "up", True),
    (10, 10, True, 0, "flat", None),
    (10, 11, True, -1, "down", False),
    (10, 9, False, 1, "up", False),
    (10, 11, False, -1, "down", True),
    (10, 9, None, 1, "up", None),
    (10, None, True, None, None, None),
    (None, 9, True, None, None, None),
], ids=["up-good", "flat", "down-bad", "up-bad", "down-good", "volume", "no-previous", "no-value"])
def test_trend_and_whether_it_is_good(value, previous, higher, delta, trend, good):
    shown = figure(value, 0, higher, previous=previous)
    assert (shown.delta, shown.trend, shown.trend_is_good) == (delta, trend, good)


@pytest.mark.parametrize("numerator, denominator, expected", [
    (0, 0, None), (1, 0, None), (0, 3, Decimal("0.0")), (1, 3, Decimal("33.3")), (2, 3, Decimal("66.7")),
    (1, 8, Decimal("12.5")), (1, 16, Decimal("6.3")), (3, 3, Decimal("100.0")),
], ids=["0/0", "1/0", "0/3", "1/3", "2/3", "1/8", "1/16-half-up", "3/3"])
def test_percent_has_one_decimal_rounded_half_up(numerator, denominator, expected):
    assert indicators.percent(numerator, denominator) == expected


@pytest.mark.parametrize("value, state", [(79, "under"), (80, "within"), (81, "within"), (99, "within"), (100, "within"),
                                          (101, "over")], ids=["low-1", "low", "low+1", "high-1", "high", "high+1"])
def test_cre_load_range_80_100_bounds_are_within(value, state):
    """RuleSettings.cre_max_active_contracts (100) and CRE_LOAD_LOW_RATIO (80 %)."""
    assert LoadRow(1, "CRE", value, 80, 100).state == state


@pytest.mark.parametrize("low, high", [(None, 100), (80, None), (None, None)])
def test_a_load_without_range_has_no_state(low, high):
    assert LoadRow(1, "x", 500, low, high).state == ""


def test_load_states_count_each_state_and_ignore_rows_without_range():
    rows = [LoadRow(1, "a", 79, 80, 100), LoadRow(2, "b", 80, 80, 100), LoadRow(3, "c", 100, 80, 100),
            LoadRow(4, "d", 101, 80, 100), LoadRow(None, "Sans CRE", 7)]
    assert indicators.load_states(rows) == {"over": 1, "within": 2, "under": 1}


def test_top_loads_keeps_the_most_loaded_people_and_always_the_row_without_cre():
    rows = [LoadRow(i, f"p{i}", 100 - i) for i in range(1, 5)] + [LoadRow(None, "Sans CRE", 3)]
    assert [r.user_id for r in indicators.top_loads(rows, limit=2)] == [1, 2, None]
    assert [r.user_id for r in indicators.top_loads(rows[:4], limit=4)] == [1, 2, 3, 4]


@pytest.mark.parametrize("today, first, last", [
    (date(2026, 11, 28), date(2025, 12, 1), date(2026, 11, 1)),
    (date(2026, 1, 1), date(2025, 2, 1), date(2026, 1, 1)),
    (date(2026, 12, 31), date(2026, 1, 1), date(2026, 12, 1)),
], ids=["november", "january-crosses-year", "december"])
def test_month_starts_are_the_last_12_months_oldest_first(today, first, last):
    months = indicators._month_starts(today)
    assert (len(months), months[0], months[-1]) == (12, first, last)
    assert len(set(months)) == 12 and months == sorted(months)


@pytest.mark.parametrize("start, end", [
    (date(2026, 2, 1), date(2026, 2, 28)), (date(2028, 2, 1), date(2028, 2, 29)), (date(2026, 4, 1), date(2026, 4, 30)),
    (date(2026, 12, 1), date(2026, 12, 31)), (date(2026, 1, 1), date(2026, 1, 31)),
])
def test_month_end(start, end):
    assert indicators._month_end(start) == end


def test_breakdown_row_attendance_without_company_and_stacked_segments():
    row = BreakdownRow("P", apprentices=8, under_contract=4, seeking=3, rupturants=1, present=9, recorded=10)
    assert (row.attendance, row.without_company) == (Decimal("90.0"), 4)
    assert row.segments == [("under_contract", 0.0, 50.0, "#198754"), ("seeking", 50.0, 37.5, "#ffc107"),
                            ("rupturants", 87.5, 12.5, "#dc3545")]
    assert BreakdownRow("vide").segments == []
    assert BreakdownRow("v", apprentices=2, under_contract=2).segments == [("under_contract", 0.0, 100.0, "#198754")]
    assert BreakdownRow("v", apprentices=4, seeking=1).segments == [("seeking", 0.0, 25.0, "#ffc107")]


def test_cohorts_needing_attention_order_share_then_count_then_attendance_then_name():
    rows = [
        BreakdownRow("Aucun", apprentices=10, under_contract=10),
        BreakdownRow("Moitié-petit", apprentices=2, seeking=1),
        BreakdownRow("Moitié-grand", apprentices=4, seeking=2),
        BreakdownRow("Moitié-grand-absent", apprentices=4, rupturants=2, present=5, recorded=10),
        BreakdownRow("Vide"),
        BreakdownRow("Tiers", apprentices=3, seeking=1),
    ]
    ordered = [r.name for r in indicators.cohorts_needing_attention(rows)]
    assert ordered == ["Moitié-grand-absent", "Moitié-grand", "Moitié-petit", "Tiers", "Aucun", "Vide"]
    assert [r.name for r in indicators.cohorts_needing_attention(rows, limit=2)] == ["Moitié-grand-absent", "Moitié-grand"]


def test_bar_chart_geometry():
    series = MonthlySeries("S", ((date(2026, 1, 1), 0), (date(2026, 2, 1), 5), (date(2026, 3, 1), 10)))
    chart = indicators.bar_chart(series)
    usable = indicators.CHART_HEIGHT - indicators.CHART_TOP - indicators.CHART_BOTTOM  # 130
    assert (chart.maximum, chart.baseline, chart.width, chart.height, chart.text_y) == (10, 148, 480, 170, 164)
    assert [(b.x, b.y, b.width, b.height) for b in chart.bars] == [
        (24.0, 148, 112.0, 0), (184.0, 148 - usable / 2, 112.0, usable / 2), (344.0, 18.0, 112.0, usable)]
    assert (chart.bars[1].label_x, chart.bars[1].value_y) == (240.0, 79.0)
    empty = indicators.bar_chart(MonthlySeries("E", ((date(2026, 1, 1), 0),)))
    assert (empty.maximum, empty.bars[0].height, empty.bars[0].y) == (0, 0, 148)


def test_bar_chart_of_nine_months_rounds_every_measure_to_one_decimal():
    """480 / 9 = 53.33 units a month: positions, widths, heights and labels keep one decimal."""
    values = [0, 1, 2, 3, 1, 2, 3, 1, 2]
    series = MonthlySeries("S", tuple((date(2026, month, 1), value) for month, value in zip(range(1, 10), values, strict=True)))
    chart = indicators.bar_chart(series)
    assert [(b.month, b.value) for b in chart.bars] == list(series.points)
    assert [(b.x, b.y, b.width, b.height, b.label_x, b.value_y) for b in chart.bars[:4]] == [
        (8.0, 148.0, 37.3, 0, 26.6, 144.0),
        (61.3, 104.7, 37.3, 43.3, 79.9, 100.7),
        (114.7, 61.3, 37.3, 86.7, 133.3, 57.3),
        (168.0, 18.0, 37.3, 130.0, 186.7, 14.0),
    ]


def test_bar_chart_of_one_month_and_of_none():
    one = indicators.bar_chart(MonthlySeries("Un", ((date(2026, 1, 1), 4),)))
    assert (one.maximum, [(b.x, b.width, b.height, b.y) for b in one.bars]) == (4, [(72.0, 336.0, 130.0, 18.0)])
    none = indicators.bar_chart(MonthlySeries("Rien", ()))
    assert (none.maximum, none.bars, none.title) == (0, (), "Rien")


def test_cohorts_needing_attention_share_before_count_and_no_attendance_counts_as_100():
    rows = [
        BreakdownRow("Grande", apprentices=10, seeking=2),          # 20 %, 2 to place
        BreakdownRow("Petite", apprentices=1, seeking=1),           # 100 %, 1 to place
        BreakdownRow("B-pleine", apprentices=4, seeking=1, present=10, recorded=10),  # 25 %, attendance 100 %
        BreakdownRow("A-sans-relevé", apprentices=4, seeking=1),    # 25 %, no attendance recorded: as 100 %
    ]
    assert [r.name for r in indicators.cohorts_needing_attention(rows)] == ["Petite", "A-sans-relevé", "B-pleine", "Grande"]
