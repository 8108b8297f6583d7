"""The monthly attendance statement PDF, read back with pypdf: exact totals on hand-built records,
an employer's statement limited to the days of its contract, the months helper, the access matrix
and the month bounds."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from pypdf import PdfReader

from alternance.attendance.services import (
    attendance_statement,
    attendance_statement_months,
    month_bounds,
    statement_totals,
)
from alternance.choices import AttendanceStatus as Status
from alternance.choices import HalfDay, SigninState
from alternance.choices import JustificationStatus as Justification
from tests.alternance.attendance.test_absences_support import NOW
from tests.factories.alternance import AttendanceRecordFactory, signed_session
from tests.factories.web import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world():
    """Side A's apprentice has, in November 2026 (besides the world's absence of 16/11, unjustified):
    two presences, two lateness (15 + 10 min), absences accepted, pending and refused; and a
    half-day in October and in December that the November statement must leave out."""
    world = make_world()
    apprentice = world.a.apprentice
    for day, half, status, minutes, justification in (
        (date(2026, 11, 2), HalfDay.MORNING, Status.PRESENT, 0, Justification.NONE),
        (date(2026, 11, 2), HalfDay.AFTERNOON, Status.PRESENT, 0, Justification.NONE),
        (date(2026, 11, 3), HalfDay.MORNING, Status.LATE, 15, Justification.NONE),
        (date(2026, 11, 3), HalfDay.AFTERNOON, Status.LATE, 10, Justification.ACCEPTED),
        (date(2026, 11, 4), HalfDay.MORNING, Status.ABSENT, 0, Justification.ACCEPTED),
        (date(2026, 11, 4), HalfDay.AFTERNOON, Status.ABSENT, 0, Justification.PENDING),
        (date(2026, 11, 5), HalfDay.MORNING, Status.ABSENT, 0, Justification.REFUSED),
        (date(2026, 10, 30), HalfDay.MORNING, Status.ABSENT, 0, Justification.NONE),
        (date(2026, 12, 1), HalfDay.MORNING, Status.PRESENT, 0, Justification.NONE),
    ):
        AttendanceRecordFactory(apprentice=apprentice, day=day, half=half, status=status, minutes_late=minutes, justification=justification)
    return world


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages).replace("\u00a0", " ")  # no-break spaces read as spaces


def statement_url(world, year=2026, month=11, side="a") -> str:
    return reverse("attendance_statement_pdf", args=[getattr(world, side).apprentice.pk, year, month])


def test_the_statement_has_exact_totals_and_one_line_per_half_day(client, world):
    client.force_login(world.coordinator)

    response = client.get(statement_url(world))
    text = pdf_text(response)

    assert response["Content-Disposition"] == 'attachment; filename="releve-assiduite-martin-alice-2026-11.pdf"'
    lines = text.splitlines()
    for expected in (
        "Demi-journées enregistrées 8", "Présences 2", "Absences justifiées 1", "Absences non justifiées 2",
        "Absences en attente de validation 1", "Retards 2", "Minutes de retard 25",
    ):
        assert expected in lines
    assert "50,0 %" in lines  # (2 presences + 2 lateness) / 8
    for expected in (
        "Relevé d'assiduité — novembre 2026", "Organisme de formation CFA Démo Alternance — UAI 0751234J — SIRET",
        "Apprenti·e Alice Martin", "Promotion Promotion A 2026 — BTS Formation A", "Mois novembre 2026",
        "Relevé établi le 28/11/2026 à 10:30",
        "lun 02/11/2026 Matin Présent — —", "mar 03/11/2026 Matin En retard 15 Non justifiée",
        "mar 03/11/2026 Après-midi En retard 10 Justifiée", "mer 04/11/2026 Matin Absent — Justifiée",
        "mer 04/11/2026 Après-midi Absent — Justificatif en attente de validation",
        "jeu 05/11/2026 Matin Absent — Justificatif refusé", "lun 16/11/2026 Matin Absent — Non justifiée",
    ):
        assert expected in lines, expected
    assert "30/10/2026" not in text and "01/12/2026" not in text


def test_the_totals_function_counts_each_case():
    records = [
        AttendanceRecordFactory.build(status=Status.PRESENT),
        AttendanceRecordFactory.build(status=Status.LATE, minutes_late=7),
        AttendanceRecordFactory.build(status=Status.ABSENT, justification=Justification.REFUSED),
    ]
    totals = statement_totals(records)
    assert (totals.recorded, totals.present, totals.late, totals.late_minutes, totals.absent_unjustified, totals.absent) == (3, 1, 1, 7, 1, 1)
    assert totals.rate == Decimal("66.7")
    assert totals.rate_display == "66,7\u00a0%"
    assert statement_totals([]).rate_display == "—"


def test_an_employers_statement_holds_only_the_days_of_its_contract(client, world):
    contract = world.a.contract
    contract.start_date = contract.practical_training_start_date = contract.training_start_date = date(2026, 11, 4)
    contract.signature_date = date(2026, 10, 20)
    contract.save()
    client.force_login(world.a.employer_user)

    text = pdf_text(client.get(statement_url(world)))
    lines = text.splitlines()

    assert "Demi-journées enregistrées 4" in lines  # 04/11 ×2, 05/11, 16/11
    assert "Présences 0" in lines and "Retards 0" in lines and "Absences non justifiées 2" in lines
    assert "02/11/2026" not in text and "03/11/2026" not in text
    assert "Ce relevé ne reprend que les demi-journées comprises dans le contrat de votre entreprise." in lines
    # The OF's staff sees every half-day of the month.
    client.force_login(world.coordinator)
    assert "Demi-journées enregistrées 8" in pdf_text(client.get(statement_url(world))).splitlines()


def test_the_months_helper_lists_the_months_the_user_sees(world):
    apprentice = world.a.apprentice
    assert [m.month for m in attendance_statement_months(world.coordinator, apprentice)] == [
        date(2026, 12, 1), date(2026, 11, 1), date(2026, 10, 1),
    ]
    assert [m.label for m in attendance_statement_months(world.a.apprentice_user, apprentice)] == [
        "décembre 2026", "novembre 2026", "octobre 2026",
    ]
    contract = world.a.contract
    contract.end_date = date(2026, 11, 30)
    contract.save()
    assert [m.url for m in attendance_statement_months(world.a.employer_user, apprentice)] == [
        reverse("attendance_statement_pdf", args=[apprentice.pk, 2026, 11]),
        reverse("attendance_statement_pdf", args=[apprentice.pk, 2026, 10]),
    ]
    assert attendance_statement_months(world.b.employer_user, apprentice) == []


def test_a_month_without_records_gives_an_empty_statement(client, world):
    client.force_login(world.a.apprentice_user)
    text = pdf_text(client.get(statement_url(world, 2026, 9)))
    assert "Aucune demi-journée enregistrée ce mois-ci." in text.replace("\n", " ")
    assert "Demi-journées enregistrées 0" in text.splitlines()


@pytest.mark.parametrize(
    ("who", "side", "expected"),
    [
        ("coordinator", "a", 200), ("admin_staff", "a", 200), ("a.cre", "a", 200), ("a.tutor", "a", 200), ("b.tutor", "a", 404),
        ("a.apprentice_user", "a", 200), ("b.apprentice_user", "a", 404), ("a.employer_user", "a", 200),
        ("b.employer_user", "a", 404), ("a.employer_user", "b", 404),
    ],
)
def test_access_matrix_of_the_statement(client, world, who, side, expected):
    user = world
    for part in who.split("."):
        user = getattr(user, part)
    client.force_login(user)
    assert client.get(statement_url(world, side=side)).status_code == expected


@pytest.mark.parametrize(("year", "month"), [(2026, 13), (2026, 0), (0, 5), (10000, 1)])
def test_a_month_out_of_range_is_not_found(client, world, year, month):
    client.force_login(world.coordinator)
    assert client.get(statement_url(world, year, month)).status_code == 404


def test_month_bounds():
    assert month_bounds(2026, 12) == (date(2026, 12, 1), date(2026, 12, 31))
    assert month_bounds(2028, 2) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds(2026, 13) is None
    assert month_bounds(9999, 12) == (date(9999, 12, 1), date(9999, 12, 31))


def test_the_statement_selector_is_scoped(world):
    first, last = month_bounds(2026, 11)
    assert len(attendance_statement(world.coordinator, world.a.apprentice, first=first, last=last).records) == 8
    assert attendance_statement(world.b.employer_user, world.a.apprentice, first=first, last=last).records == []


# --- the sessions signed (issue 19 §3) -----------------------------------------------------------------

def _sign_sessions(world):
    """Alice signed two closed sessions in November (02/11 3 h 30, 03/11 2 h, 15 minutes late), one of
    October (out of the month), and one of 02/11 whose sheet is not closed yet (not counted)."""
    apprentice = world.a.apprentice
    signed_session(apprentice, date(2026, 11, 2), time(9, 0), time(12, 30), subject="Comptabilité")
    signed_session(apprentice, date(2026, 11, 3), time(9, 0), time(11, 0), minutes_late=15)
    signed_session(apprentice, date(2026, 10, 30), time(9, 0), time(12, 0))
    signed_session(apprentice, date(2026, 11, 2), time(13, 30), time(17, 0), state=SigninState.OPEN)


def test_the_statement_lists_the_sessions_signed_in_the_month(client, world):
    _sign_sessions(world)
    client.force_login(world.coordinator)
    lines = pdf_text(client.get(statement_url(world))).splitlines()
    text = " ".join(lines)
    assert "2 séances émargées ce mois-ci, 5 h 30 de formation, d'après les feuilles d'émargement signées par les" in text
    assert any(line.startswith("lun 02/11/2026, 09:00–12:30 — Comptabilité") for line in lines)
    assert any(line.startswith("mar 03/11/2026, 09:00–11:00") and line.endswith("15") for line in lines)
    assert "30/10/2026" not in text and "13:30–17:00" not in text


def test_an_employers_statement_lists_only_the_sessions_of_its_contract(client, world):
    _sign_sessions(world)
    contract = world.a.contract
    contract.start_date = contract.practical_training_start_date = contract.training_start_date = date(2026, 11, 3)
    contract.signature_date = date(2026, 10, 20)
    contract.save()
    client.force_login(world.a.employer_user)
    text = " ".join(pdf_text(client.get(statement_url(world))).splitlines())
    assert "1 séance émargée ce mois-ci, 2 h 00 de formation" in text
    assert "02/11/2026" not in text


def test_a_month_without_signed_session_says_so(client, world):
    client.force_login(world.coordinator)
    assert "Aucune séance émargée ce mois-ci." in pdf_text(client.get(statement_url(world)))
