"""The certificate of completion is built from the signed sessions too (issue 19 §3): the sessions of
the instalment's period whose sheet the trainer closed and signed with the apprentice's signature, and
the apprentice's monthly sheets of that period (latest version of each month), each limit at −1, 0, +1."""

from datetime import date, time

import pytest

from alternance.choices import SigninState
from contracts.choices import DocumentKind, InstalmentKind
from contracts.documents import document_store
from contracts.pdf import completion_certificate_pdf, signed_sessions_summary
from tests.contracts.test_pdf import pdf_text
from tests.factories.alternance import signed_session
from tests.factories.contracts import OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db

# The advance of contract year 1 covers 01/09/2026–28/02/2027 (the contract fixture starts on 01/09/2026).
PERIOD = (date(2026, 9, 1), date(2027, 2, 28))


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def monthly_sheet(apprentice, first, last):
    return document_store(content=f"%PDF {first}".encode(), filename="f.pdf", kind=DocumentKind.MONTHLY_SIGNIN_SHEET,
                          title="Feuille", apprentice=apprentice, generated=True, period_start=first, period_end=last)


def test_signed_sessions_of_the_period_at_its_limits(contract):
    apprentice = contract.apprentice
    signed_session(apprentice, date(2026, 8, 31), time(9, 0), time(12, 0))  # the day before: out
    signed_session(apprentice, date(2026, 9, 1), time(9, 0), time(12, 30))  # first day: 3 h 30
    signed_session(apprentice, date(2027, 2, 28), time(13, 30), time(15, 30))  # last day: 2 h
    signed_session(apprentice, date(2027, 3, 1), time(9, 0), time(12, 0))  # the day after: out
    signed_session(apprentice, date(2026, 10, 5), time(9, 0), time(12, 0), signed=False)  # absent: not counted
    signed_session(apprentice, date(2026, 10, 6), time(9, 0), time(12, 0), state=SigninState.OPEN)  # sheet not signed yet
    summary = signed_sessions_summary(apprentice.pk, period_start=PERIOD[0], period_end=PERIOD[1])
    assert (summary.count, summary.minutes, summary.hours_display.replace("\xa0", " ")) == (2, 330, "5 h 30")


def test_the_monthly_sheets_of_the_period_latest_version_of_each_month(contract):
    apprentice = contract.apprentice
    monthly_sheet(apprentice, date(2026, 8, 1), date(2026, 8, 31))  # ends the day before: out
    september_v1 = monthly_sheet(apprentice, date(2026, 9, 1), date(2026, 9, 30))
    september_v2 = monthly_sheet(apprentice, date(2026, 9, 1), date(2026, 9, 30))
    february = monthly_sheet(apprentice, date(2027, 2, 1), date(2027, 2, 28))
    monthly_sheet(apprentice, date(2027, 3, 1), date(2027, 3, 31))  # starts the day after: out
    summary = signed_sessions_summary(apprentice.pk, period_start=PERIOD[0], period_end=PERIOD[1])
    assert [d.pk for d in summary.monthly_sheets] == [september_v2.pk, february.pk]
    assert (september_v1.version, september_v2.version) == (1, 2)


def test_the_certificate_prints_the_signed_sessions_and_their_sheets(contract):
    apprentice = contract.apprentice
    signed_session(apprentice, date(2026, 9, 1), time(9, 0), time(12, 30))
    sheet = monthly_sheet(apprentice, date(2026, 9, 1), date(2026, 9, 30))
    instalment = OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contract), contract_year=1, kind=InstalmentKind.ADVANCE)
    text = pdf_text(completion_certificate_pdf(contract, instalment=instalment, today=date(2027, 3, 1)))
    assert "Séances émargées (feuilles d'émargement signées par le formateur·rice) 1 séance, 3 h 30" in text
    assert f"septembre 2026 1 {sheet.sha256[:16]}" in text


def test_without_sheets_the_certificate_says_so(contract):
    instalment = OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contract), contract_year=1, kind=InstalmentKind.ADVANCE)
    text = pdf_text(completion_certificate_pdf(contract, instalment=instalment, today=date(2027, 3, 1)))
    assert "signées par le formateur·rice) aucune séance émargée" in text
    assert "Aucune feuille d'émargement mensuelle n'a été produite pour cette période." in text
