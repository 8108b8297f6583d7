"""The permission matrix of the predicates the world test does not reach (alternance/access.py,
issue "Foundation" §4): for each predicate, exactly which role may, checked against every role,
an inactive account, a role the code does not know and an anonymous visitor (none of them may).

Pure checks on unsaved objects (the predicates read roles and ids only), except the statement,
whose rule is the apprentice scope.
"""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from alternance import access
from alternance.choices import Role
from alternance.models import Apprentice, Cohort, User
from companies.models import Company, CompanyContact
from contracts.choices import SignatureRequestStatus
from contracts.models import Document, SignatureRequest, Signer
from tests.factories.alternance import (
    ApprenticeFactory,
    ApprenticeUserFactory,
    CoordinatorFactory,
    EmployerUserFactory,
    TutorFactory,
)
from tests.factories.companies import CompanyContactFactory

COORDINATOR, ADMIN, CRE, TUTOR, APPRENTICE, EMPLOYER = 1, 2, 3, 4, 5, 6
OTHER_CRE, OTHER_TUTOR = 30, 40


def user(pk: int, role: str, *, active: bool = True) -> User:
    return User(pk=pk, email=f"u{pk}@example.test", role=role, is_active=active)


USERS = {
    "coordinator": user(COORDINATOR, Role.COORDINATOR),
    "admin": user(ADMIN, Role.ADMIN_STAFF),
    "cre": user(CRE, Role.CRE),
    "tutor": user(TUTOR, Role.TUTOR),
    "apprentice": user(APPRENTICE, Role.APPRENTICE),
    "employer": user(EMPLOYER, Role.EMPLOYER),
    "inactive_coordinator": user(7, Role.COORDINATOR, active=False),
    "unknown_role": user(8, "director"),
    "anonymous": AnonymousUser(),
}
STAFF = {"coordinator", "admin", "cre", "tutor"}
OFFICE = {"coordinator", "admin"}
EVERYONE = {"coordinator", "admin", "cre", "tutor", "apprentice", "employer"}


def cohort(tutor_id: int) -> Cohort:
    return Cohort(referent_tutor_id=tutor_id)


def company(owner: int | None) -> Company:
    return Company(owner_cre_id=owner)


def signer(*, user_id: int = APPRENTICE, signed_at=None, status=SignatureRequestStatus.PENDING) -> Signer:
    return Signer(user_id=user_id, signed_at=signed_at, request=SignatureRequest(status=status))


CASES = [
    ("can_use_back_office", (), STAFF),
    ("can_view_dashboard", (), OFFICE),
    ("can_generate_documents", (None,), OFFICE),
    ("can_generate_cohort_documents", (None,), OFFICE),
    ("can_request_signature", (Document(contract_id=9),), OFFICE),
    ("can_request_signature", (Document(contract_id=None),), set()),
    ("can_cancel_signature_request", (SignatureRequest(status=SignatureRequestStatus.PENDING),), OFFICE),
    ("can_cancel_signature_request", (SignatureRequest(status=SignatureRequestStatus.COMPLETED),), set()),
    ("can_sign", (signer(user_id=APPRENTICE),), {"apprentice"}),
    ("can_sign", (signer(user_id=EMPLOYER),), {"employer"}),
    ("can_sign", (signer(signed_at=datetime(2026, 11, 2, tzinfo=UTC)),), set()),
    ("can_sign", (signer(status=SignatureRequestStatus.CANCELLED),), set()),
    ("can_view_tutor_workspace", (user(TUTOR, Role.TUTOR),), {"coordinator", "tutor"}),
    ("can_view_tutor_workspace", (user(OTHER_TUTOR, Role.TUTOR),), {"coordinator"}),
    ("can_view_tutor_workspace", (user(CRE, Role.CRE),), set()),
    ("can_record_cohort_attendance", (cohort(TUTOR),), {"coordinator", "admin", "tutor"}),
    ("can_record_cohort_attendance", (cohort(OTHER_TUTOR),), OFFICE),
    ("can_manage_offer", (company(CRE),), {"coordinator", "cre"}),
    ("can_manage_offer", (company(None),), {"coordinator", "cre"}),
    ("can_manage_offer", (company(OTHER_CRE),), {"coordinator"}),
    ("can_use_placement_desk", (), {"coordinator", "cre"}),
    # Extranet accounts for employer contacts (issue 17 §15): a CRE only within its portfolio.
    ("can_invite_company_contact", (CompanyContact(company=company(CRE)),), STAFF),
    ("can_invite_company_contact", (CompanyContact(company=company(None)),), STAFF),
    ("can_invite_company_contact", (CompanyContact(company=company(OTHER_CRE)),), {"coordinator", "admin", "tutor"}),
    ("can_propose_placement", (company(CRE),), {"coordinator", "cre"}),
    ("can_propose_placement", (company(OTHER_CRE),), {"coordinator"}),
    ("can_reassign_portfolios", (), {"coordinator"}),
    ("can_manage_closures", (), OFFICE),
    ("can_edit_cohort_calendar", (cohort(TUTOR),), {"coordinator", "admin", "tutor"}),
    ("can_edit_cohort_calendar", (cohort(OTHER_TUTOR),), OFFICE),
    ("can_override_calendar", (Apprentice(cohort=cohort(TUTOR)),), {"coordinator", "admin", "tutor"}),
    ("can_override_calendar", (Apprentice(cohort=cohort(OTHER_TUTOR)),), OFFICE),
    ("can_subscribe_calendar_feed", (), EVERYONE),
    ("can_manage_attendance_settings", (), OFFICE),
    ("can_import_data", (), OFFICE),
    ("can_export_tdb", (), OFFICE),
    ("can_build_evidence_pack", (), OFFICE),
    ("can_use_api", (), STAFF),
    ("can_review_justifications", (), {"coordinator", "admin", "tutor"}),
    ("can_view_history", (user(99, Role.CRE),), OFFICE),  # a staff account's history: who sees the team
    ("can_view_history", (Company(),), STAFF),
    # A learner who left the OF (issue 13 §2): only the coordinator brings it back, nobody makes it leave again.
    ("can_reopen_apprentice", (Apprentice(exclusion_date=date(2026, 10, 2)),), {"coordinator"}),
    ("can_reopen_apprentice", (Apprentice(exclusion_date=None),), set()),
    ("can_leave_apprentice", (Apprentice(exclusion_date=date(2026, 10, 2)),), set()),
    ("can_leave_apprentice", (Apprentice(exclusion_date=None),), OFFICE),
]


@pytest.mark.parametrize(("predicate", "args", "allowed"), CASES,
                         ids=[f"{name}-{index}" for index, (name, _args, _allowed) in enumerate(CASES)])
def test_predicate_matrix_foundation_section_4(predicate, args, allowed):
    answers = {name: getattr(access, predicate)(who, *args) for name, who in USERS.items()}

    assert {name for name, answer in answers.items() if answer is True} == allowed
    assert {name for name, answer in answers.items() if answer is False} == set(USERS) - allowed


def test_can_move_placement_follows_the_placements_company():
    class Placement:  # the predicate reads only the placement's company
        company = Company(owner_cre_id=CRE)

    assert {name for name, who in USERS.items() if access.can_move_placement(who, Placement())} == {"coordinator", "cre"}
    Placement.company = Company(owner_cre_id=OTHER_CRE)
    assert {name for name, who in USERS.items() if access.can_move_placement(who, Placement())} == {"coordinator"}


@pytest.mark.django_db
def test_the_attendance_statement_follows_the_apprentice_scope():
    own = ApprenticeUserFactory()
    apprentice = ApprenticeFactory(user=own, cohort__referent_tutor=TutorFactory())
    other = ApprenticeFactory(user=ApprenticeUserFactory())
    coordinator, tutor = CoordinatorFactory(), apprentice.cohort.referent_tutor

    assert access.can_download_attendance_statement(own, apprentice) is True
    assert access.can_download_attendance_statement(own, other) is False  # another apprentice's statement
    assert access.can_download_attendance_statement(tutor, apprentice) is True
    assert access.can_download_attendance_statement(tutor, other) is False  # another cohort
    assert access.can_download_attendance_statement(coordinator, other) is True
    assert access.can_download_attendance_statement(AnonymousUser(), apprentice) is False


@pytest.mark.django_db
def test_my_details_need_an_own_record_or_an_own_active_contact():
    """« Mes coordonnées »: an apprentice account edits only through its own record, an employer
    account through one of its own contacts still active — never through someone else's rows."""
    ApprenticeFactory(user=None)  # a record without an account
    CompanyContactFactory(user=None, active=True)  # an active contact without an account
    CompanyContactFactory(user=EmployerUserFactory(), active=True)  # someone else's contact
    lonely_apprentice = ApprenticeUserFactory()
    left_employer = EmployerUserFactory()
    CompanyContactFactory(user=left_employer, active=False)  # it left this establishment
    no_contact_employer = EmployerUserFactory()
    apprentice_user = ApprenticeUserFactory()
    ApprenticeFactory(user=apprentice_user)
    employer_user = EmployerUserFactory()
    CompanyContactFactory(user=employer_user, active=True)

    assert access.can_edit_own_details(lonely_apprentice) is False
    assert access.can_edit_own_details(left_employer) is False
    assert access.can_edit_own_details(no_contact_employer) is False
    assert access.can_edit_own_details(apprentice_user) is True
    assert access.can_edit_own_details(employer_user) is True
