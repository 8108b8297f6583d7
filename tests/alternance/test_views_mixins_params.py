"""The shared readers of GET parameters at their limits (issue 17 §16): what they accept, what they
refuse (None, the filter is then dropped), and the NUL character refused for the whole request."""

from datetime import date

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory, override_settings
from django.urls import reverse

from alternance.middleware import RejectNulCharacterMiddleware
from alternance.planning import calendar as planning
from alternance.views.mixins import MAX_DB_INTEGER, date_param, drop_invalid_params, int_param


@pytest.mark.parametrize(("value", "expected"), [
    ("1", 1),
    ("42", 42),
    (" 7 ", 7),
    (str(MAX_DB_INTEGER - 1), MAX_DB_INTEGER - 1),
    (str(MAX_DB_INTEGER), MAX_DB_INTEGER),  # 9223372036854775807, the largest id a database holds
    (str(MAX_DB_INTEGER + 1), None),
    ("99999999999999999999", None),
    ("0", None),
    ("-1", None),
    ("1e309", None),
    ("abc", None),
    ("", None),
    (None, None),
])
def test_int_param_keeps_positive_database_integers_only(value, expected):
    assert int_param(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("3659", 3659), ("3660", 3660), ("3661", None), (str(MAX_DB_INTEGER), None)])
def test_int_param_with_a_maximum(value, expected):
    assert int_param(value, maximum=3660) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-30", date(2026, 11, 30)),
    ("1900-01-01", date(1900, 1, 1)),
    ("1899-12-31", None),
    ("2200-12-31", date(2200, 12, 31)),
    ("2201-01-01", None),
    ("0001-01-01", None),  # date.min: a day before it overflows
    ("9999-12-31", None),  # date.max: a day after it overflows
    ("10000-01-01", None),
    ("2026-02-30", None),
    ("0000-00-00", None),
    ("99999999999-01", None),
    ("abc", None),
    ("", None),
    (None, None),
])
def test_date_param_keeps_dates_from_1900_to_2200(value, expected):
    assert date_param(value) == expected


def test_drop_invalid_params_empties_the_bad_values_and_names_them():
    values = {"cohort": "abc", "site": "12", "from": "", "day": "9999-12-31", "q": "Dupont"}
    dropped = drop_invalid_params(values, {
        "cohort": (int_param, "Promotion"), "site": (int_param, "Site"), "from": (int_param, "Portefeuille de"),
        "day": (date_param, "Jour"),
    })
    assert dropped == ["Promotion", "Jour"]
    assert values == {"cohort": "", "site": "12", "from": "", "day": "", "q": "Dupont"}


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11", (2026, 11)),
    ("1900-01", (1900, 1)),
    ("1899-12", None),
    ("2200-12", (2200, 12)),
    ("2201-01", None),
    ("99999999999-01", None),
    ("2026-99", None),
    ("2026-11-01", None),
    ("", None),
    (None, None),
])
def test_month_param_at_its_limits(value, expected):
    assert planning.month_param(value) == expected


@pytest.mark.parametrize("query", ["q=a%00b", "a%00=1", "q=ok&q=a%00b"])
def test_a_nul_character_in_the_query_string_gets_a_400(query):
    request = RequestFactory().get(f"/entreprises/?{query}")
    middleware = RejectNulCharacterMiddleware(lambda request: pytest.fail("the view must not be reached"))
    with pytest.raises(SuspiciousOperation):
        middleware(request)


def test_an_address_without_nul_reaches_the_view():
    request = RequestFactory().get("/entreprises/?q=%C3%A9t%C3%A9&owner=none")
    assert RejectNulCharacterMiddleware(lambda request: "the view")(request) == "the view"


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_the_400_page_is_french(client):
    response = client.get(reverse("login") + "?next=%00")
    assert response.status_code == 400
    assert "Adresse incorrecte" in response.content.decode()
