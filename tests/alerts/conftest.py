"""Fixtures of the alert tests: a rule context with explicit thresholds, and one situation per rule."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from alerts.models import RuleSettings
from alerts.rules import RuleContext
from alternance.choices import ApprenticeStatus, AttendanceStatus, HalfDay, JustificationStatus, Role
from contracts.choices import ContractStatus, InstalmentKind
from contracts.models import ContractSettings
from tests.factories.alternance import ApprenticeFactory, AttendanceRecordFactory, CohortFactory, UserFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory, OpcoInstalmentFactory

TODAY = date(2026, 11, 30)  # a Monday


def context(today: date = TODAY, **overrides) -> RuleContext:
    """Defaults of both settings rows (unsaved), with some thresholds overridden."""
    settings = RuleSettings(pk=1)
    contract_settings = ContractSettings(pk=1)
    for name, value in overrides.items():
        setattr(settings if hasattr(settings, name) else contract_settings, name, value)
    return RuleContext(today=today, settings=settings, contract_settings=contract_settings)


@pytest.fixture(autouse=True)
def reference_data(request):
    if "django_db" in {m.name for m in request.node.iter_markers()} or "db" in request.fixturenames:
        from contracts.reference_data import ensure_reference_data

        ensure_reference_data()


def absent(apprentice, day: date, half=HalfDay.MORNING, justification=JustificationStatus.NONE):
    return AttendanceRecordFactory(apprentice=apprentice, day=day, half=half, status=AttendanceStatus.ABSENT, justification=justification)


def present(apprentice, day: date, half=HalfDay.AFTERNOON):
    return AttendanceRecordFactory(apprentice=apprentice, day=day, half=half, status=AttendanceStatus.PRESENT)


def under_contract(cohort=None, company=None, **contract):
    """An apprentice under an in-progress contract that started on 7 September 2026."""
    apprentice = ApprenticeFactory(
        cohort=cohort or CohortFactory(start_date=date(2026, 9, 7)), status=ApprenticeStatus.UNDER_CONTRACT, status_since=date(2026, 9, 7),
    )
    values = {"signature_date": date(2026, 9, 1), "start_date": date(2026, 9, 7), "practical_training_start_date": date(2026, 9, 7),
              "end_date": date(2028, 8, 31), "status": ContractStatus.IN_PROGRESS, **contract}
    return ContractFactory(apprentice=apprentice, company=company or CompanyFactory(), **values)


# --- one situation per rule, each giving exactly one finding (query-count tests) ------------------

def situation(code: str, index: int):
    if code == "absences":
        apprentice = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=10))
        for offset in (1, 3, 5):
            absent(apprentice, TODAY - timedelta(days=offset))
            present(apprentice, TODAY - timedelta(days=offset))
        return apprentice
    if code == "rupture_risk":
        return under_contract(company=CompanyFactory(sensitive=True, sensitive_reason="Tensions."), start_date=TODAY - timedelta(days=10),
                              signature_date=TODAY - timedelta(days=12), practical_training_start_date=TODAY - timedelta(days=10))
    if code == "contract_end":
        return under_contract(end_date=TODAY + timedelta(days=20))
    if code == "opco_delay":
        # With an employer participation not invoiced yet: its due date reads the real calendars too.
        file = OpcoFileFactory(contract=under_contract(), decision="accepted", decision_date=date(2026, 9, 20), sent_date=date(2026, 9, 8),
                               employer_participation_amount=Decimal("750.00"))
        return OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.ADVANCE, due_date=TODAY - timedelta(days=5), amount=Decimal("100"))
    if code == "visits_overdue":
        return under_contract()  # no visit: the 45-company-day period ends on 23/12/2026
    if code == "without_company":
        return ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95))
    if code == "cre_overload":
        cre = UserFactory(role=Role.CRE)
        company = CompanyFactory(owner_cre=cre)
        for _ in range(3):
            under_contract(company=company)
        return cre
    if code == "master_capacity":
        company = CompanyFactory()
        master = CompanyContactFactory(company=company)
        for _ in range(3):
            under_contract(company=company, master=master)
        return master
    raise ValueError(code)


SITUATION_OVERRIDES = {
    "cre_overload": {"cre_max_active_contracts": 2},
    "absences": {"attendance_min_records": 100, "absence_consecutive_days": 10},
    "visits_overdue": {"first_visit_warning_days": 30},
}
