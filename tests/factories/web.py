"""A small, coherent "two of everything" world for the web-layer tests.

Two cohorts (tutors A and B), two companies (CRE A and CRE B), one apprentice under contract in
each company with an extranet account, an employer account at each company, a seeking
apprentice, alerts, visits, absences and follow-ups on both sides: whatever one side sees, the
other side's twin exists and must not leak.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from alerts.choices import AlertStatus
from alternance.choices import ApprenticeStatus, AttendanceStatus, Role
from alternance.models import Apprentice, Cohort, User
from companies.models import Company, CompanyContact
from contracts.choices import ContractStatus
from contracts.models import Contract
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CohortFactory,
    ProgrammeFactory,
    UserFactory,
    VisitFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory, InteractionFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory

TODAY = date(2026, 11, 28)
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Side:
    """One half of the world: everything hanging from one cohort and one company."""

    tutor: User
    cre: User
    cohort: Cohort
    company: Company
    apprentice: Apprentice
    apprentice_user: User
    contract: Contract
    employer_user: User
    employer_contact: CompanyContact
    seeking: Apprentice


@dataclass
class World:
    coordinator: User
    admin_staff: User
    a: Side
    b: Side

    def user(self, role: str) -> User:
        """The side-A account of a role (staff-wide roles have one account)."""
        return {
            Role.COORDINATOR: self.coordinator,
            Role.ADMIN_STAFF: self.admin_staff,
            Role.CRE: self.a.cre,
            Role.TUTOR: self.a.tutor,
            Role.APPRENTICE: self.a.apprentice_user,
            Role.EMPLOYER: self.a.employer_user,
        }[role]


def make_side(letter: str, *, company_name: str, apprentice: tuple[str, str], seeking: tuple[str, str]) -> Side:
    tutor = UserFactory(email=f"tuteur-{letter}@example.test", role=Role.TUTOR, first_name="Tuteur", last_name=letter.upper())
    cre = UserFactory(email=f"cre-{letter}@example.test", role=Role.CRE, first_name="Cre", last_name=letter.upper())
    programme = ProgrammeFactory(title=f"BTS Formation {letter.upper()}", short_title=f"BTS {letter.upper()}")
    cohort = CohortFactory(name=f"Promotion {letter.upper()} 2026", programme=programme, referent_tutor=tutor)
    company = CompanyFactory(name=company_name, owner_cre=cre)
    apprentice_user = UserFactory(email=f"apprenti-{letter}@example.test", role=Role.APPRENTICE)
    under_contract = ApprenticeFactory(
        first_name=apprentice[0], last_name=apprentice[1], cohort=cohort, user=apprentice_user,
        status=ApprenticeStatus.UNDER_CONTRACT,
    )
    employer_user = UserFactory(email=f"employeur-{letter}@example.test", role=Role.EMPLOYER)
    employer_contact = CompanyContactFactory(
        company=company, user=employer_user, first_name="Maître", last_name=f"Tuteur{letter.upper()}",
    )
    contract = ContractFactory(apprentice=under_contract, company=company, master=employer_contact, status=ContractStatus.IN_PROGRESS)
    OpcoFileFactory(contract=contract)
    seeker = ApprenticeFactory(first_name=seeking[0], last_name=seeking[1], cohort=cohort, status=ApprenticeStatus.SEEKING)
    VisitFactory(apprentice=under_contract, contract=contract, planned_date=date(2026, 12, 10))
    AttendanceRecordFactory(apprentice=under_contract, day=date(2026, 11, 16), status=AttendanceStatus.ABSENT)
    AlertFactory(apprentice=under_contract, title=f"Absences répétées {letter.upper()}", status=AlertStatus.NEW)
    InteractionFactory(
        company=company, author=cre, summary=f"Relance {company_name}",
        occurred_at=datetime(2026, 11, 2, 10, 0, tzinfo=PARIS), next_follow_up=date(2026, 11, 20),
    )
    return Side(
        tutor=tutor, cre=cre, cohort=cohort, company=company, apprentice=under_contract, apprentice_user=apprentice_user,
        contract=contract, employer_user=employer_user, employer_contact=employer_contact, seeking=seeker,
    )


def make_world() -> World:
    coordinator = UserFactory(email="coordination@example.test", role=Role.COORDINATOR, first_name="Claire", last_name="Coord")
    admin_staff = UserFactory(email="administratif@example.test", role=Role.ADMIN_STAFF, first_name="Adèle", last_name="Admin")
    a = make_side("a", company_name="Boulangerie Alpha", apprentice=("Alice", "Martin"), seeking=("Chloé", "Petit"))
    b = make_side("b", company_name="Garage Bêta", apprentice=("Bruno", "Durand"), seeking=("Damien", "Roux"))
    return World(coordinator=coordinator, admin_staff=admin_staff, a=a, b=b)


def add_contracted_apprentice(cohort: Cohort, company: Company, *, last_name: str, first_name: str = "Extra") -> Contract:
    """One more apprentice under contract, with the rows each page lists (query-count tests)."""
    apprentice = ApprenticeFactory(first_name=first_name, last_name=last_name, cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)
    contract = ContractFactory(apprentice=apprentice, company=company, status=ContractStatus.IN_PROGRESS)
    OpcoFileFactory(contract=contract)
    VisitFactory(apprentice=apprentice, contract=contract, planned_date=date(2026, 12, 11))
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 17), status=AttendanceStatus.ABSENT)
    AlertFactory(apprentice=apprentice, company=company, contract=contract, title=f"Alerte {last_name}")
    return contract
