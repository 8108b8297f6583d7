"""The access policy at its limits (alternance/access.py, issue 16): the predicates and helpers the
world test and the matrix do not reach — the digest's alert scope in Python, sign-in sheets,
absence proofs, confidential visit reports, retrying a background job — each asked, for every
role, an inactive account, a role the code does not know and an anonymous visitor, about rows
that belong to someone else (another cohort's tutor, another CRE's portfolio, another account's job).

Pure checks on unsaved objects (the predicates read roles and ids only), except the alert scope's
annotations, read from the database.
"""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType

from alerts.models import Alert
from alternance import access
from alternance.choices import Role
from alternance.models import (
    Apprentice,
    Cohort,
    DataImport,
    EvidencePack,
    ListExport,
    PersonalDataExport,
    TdbExport,
    TrainingSession,
    User,
    Visit,
)
from companies.models import Company
from contracts.choices import ContractStatus, DocumentKind, SignerRole
from contracts.models import Document, DocumentBatch, SignatureRequest, Signer
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    ApprenticeUserFactory,
    CohortFactory,
    CreFactory,
    EmployerUserFactory,
    TrainingSessionFactory,
    TutorFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory
from tests.factories.contracts import ContractFactory, DocumentFactory

COORDINATOR, ADMIN, CRE, TUTOR, APPRENTICE, EMPLOYER, INACTIVE, UNKNOWN = 1, 2, 3, 4, 5, 6, 7, 8
OTHER_CRE, OTHER_TUTOR, OTHER_APPRENTICE = 30, 40, 50


def user(pk: int, role: str, *, active: bool = True) -> User:
    return User(pk=pk, email=f"u{pk}@example.test", role=role, is_active=active)


USERS = {
    "coordinator": user(COORDINATOR, Role.COORDINATOR),
    "admin": user(ADMIN, Role.ADMIN_STAFF),
    "cre": user(CRE, Role.CRE),
    "tutor": user(TUTOR, Role.TUTOR),
    "apprentice": user(APPRENTICE, Role.APPRENTICE),
    "employer": user(EMPLOYER, Role.EMPLOYER),
    "inactive_coordinator": user(INACTIVE, Role.COORDINATOR, active=False),
    "unknown_role": user(UNKNOWN, "director"),
    "anonymous": AnonymousUser(),
}
STAFF = {"coordinator", "admin", "cre", "tutor"}
OFFICE = {"coordinator", "admin"}


def allowed_users(predicate, *args) -> set[str]:
    answers = {name: predicate(who, *args) for name, who in USERS.items()}
    assert set(answers.values()) <= {True, False}, answers  # booleans, never a truthy row or id
    return {name for name, answer in answers.items() if answer is True}


# --- the digest's alert scope in Python (alert_in_scope) ---------------------------------------


def alert(*, assignee: int | None = None, owner_cre: int | None = None, referent_tutor: int | None = None) -> Alert:
    """An alert as ``with_alert_scope_keys`` returns it."""
    row = Alert(assignee_id=assignee)
    row.scope_owner_cre_id = owner_cre
    row.scope_referent_tutor_id = referent_tutor
    return row


ALERT_CASES = [
    # Nobody's: the office only.
    (alert(), OFFICE),
    # Assigned to someone: the office and the assignee if it is a CRE or a tutor, never an extranet account.
    (alert(assignee=CRE), OFFICE | {"cre"}),
    (alert(assignee=TUTOR), OFFICE | {"tutor"}),
    (alert(assignee=APPRENTICE), OFFICE),
    (alert(assignee=EMPLOYER), OFFICE),
    (alert(assignee=INACTIVE), OFFICE),
    (alert(assignee=UNKNOWN), OFFICE),
    (alert(assignee=OTHER_CRE), OFFICE),
    # About a company of a CRE's portfolio: that CRE, not a tutor whose id happens to be the owner's.
    (alert(owner_cre=CRE), OFFICE | {"cre"}),
    (alert(owner_cre=OTHER_CRE), OFFICE),
    (alert(owner_cre=TUTOR), OFFICE),
    # About an apprentice of a tutor's cohort: that tutor, not a CRE whose id happens to be the referent's.
    (alert(referent_tutor=TUTOR), OFFICE | {"tutor"}),
    (alert(referent_tutor=OTHER_TUTOR), OFFICE),
    (alert(referent_tutor=CRE), OFFICE),
    (alert(owner_cre=APPRENTICE, referent_tutor=EMPLOYER), OFFICE),
    # Both keys: each staff member through its own key only.
    (alert(assignee=OTHER_CRE, owner_cre=CRE, referent_tutor=TUTOR), OFFICE | {"cre", "tutor"}),
    (alert(assignee=OTHER_TUTOR, owner_cre=OTHER_CRE, referent_tutor=OTHER_TUTOR), OFFICE),
]


@pytest.mark.parametrize(("row", "allowed"), ALERT_CASES, ids=[str(index) for index in range(len(ALERT_CASES))])
def test_alert_in_scope_for_every_role(row, allowed):
    assert allowed_users(access.alert_in_scope, row) == allowed


@pytest.mark.django_db
def test_alert_scope_keys_are_the_companys_owner_and_the_cohorts_referent():
    cre, other_cre, tutor, other_tutor = CreFactory(), CreFactory(), TutorFactory(), TutorFactory()
    apprentice = ApprenticeFactory(cohort=CohortFactory(referent_tutor=tutor))
    ApprenticeFactory(cohort=CohortFactory(referent_tutor=other_tutor))
    company = CompanyFactory(owner_cre=cre)
    CompanyFactory(owner_cre=other_cre)
    both = AlertFactory(apprentice=apprentice, company=company, rule_code="rupture_risk", title="Les deux")
    apprentice_only = AlertFactory(apprentice=apprentice, company=None, rule_code="contract_end", title="Apprenti·e")
    company_type = ContentType.objects.get_for_model(Company)
    prospect = CompanyFactory(owner_cre=None)
    company_only = AlertFactory(
        apprentice=None, company=company, subject_type=company_type, subject_id=company.pk, subject_label="A"
    )
    unowned = AlertFactory(
        apprentice=None, company=prospect, subject_type=company_type, subject_id=prospect.pk, subject_label="C"
    )

    keys = {
        row.pk: (row.scope_owner_cre_id, row.scope_referent_tutor_id)
        for row in access.with_alert_scope_keys(Alert.objects.all())
    }

    assert keys == {
        both.pk: (cre.pk, tutor.pk),
        apprentice_only.pk: (None, tutor.pk),
        company_only.pk: (cre.pk, None),
        unowned.pk: (None, None),
    }
    # A narrowed queryset stays narrowed.
    narrowed = access.with_alert_scope_keys(Alert.objects.filter(pk=both.pk))
    assert list(narrowed.values_list("pk", flat=True)) == [both.pk]


# --- sessions and sign-in sheets (issue 19) ------------------------------------------------------


def cohort(tutor_id: int | None) -> Cohort:
    return Cohort(referent_tutor_id=tutor_id)


def session(*, referent: int | None, trainer: int | None) -> TrainingSession:
    return TrainingSession(cohort=cohort(referent), trainer_id=trainer)


@pytest.mark.parametrize(
    ("referent", "allowed"),
    [(TUTOR, OFFICE | {"tutor"}), (OTHER_TUTOR, OFFICE), (None, OFFICE), (CRE, OFFICE), (APPRENTICE, OFFICE)],
)
def test_manage_sessions_the_office_and_the_cohorts_referent_tutor(referent, allowed):
    assert allowed_users(access.can_manage_sessions, cohort(referent)) == allowed


@pytest.mark.parametrize(
    ("referent", "trainer", "allowed"),
    [
        (TUTOR, None, OFFICE | {"tutor"}),  # the cohort's referent runs any session of it
        (OTHER_TUTOR, None, OFFICE),
        (OTHER_TUTOR, TUTOR, OFFICE | {"tutor"}),  # another cohort's session it trains
        (OTHER_TUTOR, CRE, OFFICE | {"cre"}),  # a CRE who trains
        (OTHER_TUTOR, OTHER_CRE, OFFICE),
        (OTHER_TUTOR, APPRENTICE, OFFICE),  # never an extranet account, even named trainer
        (OTHER_TUTOR, EMPLOYER, OFFICE),
        (OTHER_TUTOR, INACTIVE, OFFICE),
        (OTHER_TUTOR, UNKNOWN, OFFICE),
        (CRE, None, OFFICE),  # a referent id that is a CRE's gives the CRE nothing
    ],
)
def test_run_signin_the_sessions_managers_and_its_trainer(referent, trainer, allowed):
    assert allowed_users(access.can_run_signin, session(referent=referent, trainer=trainer)) == allowed


def test_reopen_signin_and_personal_data_requests_are_the_offices():
    assert allowed_users(access.can_reopen_signin) == OFFICE
    assert allowed_users(access.can_handle_personal_data_requests) == OFFICE


# --- health data and confidential reports (issue 17 §6–7) -----------------------------------------


def proof(
    *, owner: int | None, referent: int | None, kind: str = DocumentKind.ABSENCE_PROOF, attached: bool = True
) -> Document:
    apprentice = Apprentice(pk=OTHER_APPRENTICE, user_id=owner, cohort=cohort(referent)) if attached else None
    return Document(kind=kind, apprentice=apprentice)


@pytest.mark.parametrize(
    ("document", "allowed"),
    [
        (proof(owner=APPRENTICE, referent=TUTOR), OFFICE | {"apprentice", "tutor"}),
        (proof(owner=OTHER_APPRENTICE, referent=OTHER_TUTOR), OFFICE),  # another cohort's apprentice
        (proof(owner=APPRENTICE, referent=OTHER_TUTOR), OFFICE | {"apprentice"}),
        (proof(owner=OTHER_APPRENTICE, referent=TUTOR), OFFICE | {"tutor"}),
        # Ids that match the wrong role give nothing: a tutor owning the record, a CRE or an employer as referent.
        (proof(owner=TUTOR, referent=CRE), OFFICE),
        (proof(owner=EMPLOYER, referent=EMPLOYER), OFFICE),
        (proof(owner=CRE, referent=APPRENTICE), OFFICE),
        # Not a proof, or a proof of nobody: the predicate says no to everyone.
        (proof(owner=APPRENTICE, referent=TUTOR, kind=DocumentKind.CERFA), set()),
        (proof(owner=APPRENTICE, referent=TUTOR, kind=DocumentKind.OTHER), set()),
        (proof(owner=None, referent=None, attached=False), set()),
    ],
)
def test_read_absence_proof_at_its_limits(document, allowed):
    assert allowed_users(access.can_read_absence_proof, document) == allowed


def test_confidential_visit_report_is_for_the_ofs_staff():
    assert allowed_users(access.can_read_visit_confidential, Visit()) == STAFF


# --- « Relancer » a failed background job (issue 17 §2) ---------------------------------------------


JOB_CASES = [
    # (job, who may retry it): its owner, still holding the permission the job needed.
    (DataImport(created_by_id=COORDINATOR), {"coordinator"}),
    (DataImport(created_by_id=ADMIN), {"admin"}),
    (DataImport(created_by_id=CRE), set()),  # a CRE may not import
    (DataImport(created_by_id=INACTIVE), set()),
    (DataImport(created_by_id=None), set()),
    (TdbExport(created_by_id=ADMIN), {"admin"}),
    (TdbExport(created_by_id=COORDINATOR), {"coordinator"}),
    (TdbExport(created_by_id=TUTOR), set()),
    (EvidencePack(created_by_id=COORDINATOR), {"coordinator"}),
    (EvidencePack(created_by_id=ADMIN), {"admin"}),
    (EvidencePack(created_by_id=CRE), set()),
    (ListExport(created_by_id=CRE), {"cre"}),  # any staff member exports a list
    (ListExport(created_by_id=TUTOR), {"tutor"}),
    (ListExport(created_by_id=ADMIN), {"admin"}),
    (ListExport(created_by_id=APPRENTICE), set()),
    (ListExport(created_by_id=EMPLOYER), set()),
    (DocumentBatch(cohort=cohort(TUTOR), requested_by_id=ADMIN), {"admin"}),
    (DocumentBatch(cohort=cohort(TUTOR), requested_by_id=COORDINATOR), {"coordinator"}),
    (DocumentBatch(cohort=cohort(TUTOR), requested_by_id=TUTOR), set()),  # its own cohort, but no documents to generate
    (DocumentBatch(cohort=cohort(TUTOR), requested_by_id=None), set()),
    # Not a job « Relancer » knows, even one with an owner.
    (PersonalDataExport(created_by_id=COORDINATOR), set()),
    (Company(), set()),
]


@pytest.mark.parametrize(
    ("job", "allowed"),
    JOB_CASES,
    ids=[f"{type(job).__name__}-{index}" for index, (job, _allowed) in enumerate(JOB_CASES)],
)
def test_retry_job_its_owner_with_the_jobs_permission(job, allowed):
    assert allowed_users(access.can_retry_job, job) == allowed


def test_retry_job_owner_is_read_from_the_right_field():
    """A document batch's owner is ``requested_by``; another job's ``created_by``."""
    batch = DocumentBatch(cohort=cohort(TUTOR), requested_by_id=ADMIN)
    batch.created_by_id = COORDINATOR  # not a field of the batch: never read
    assert allowed_users(access.can_retry_job, batch) == {"admin"}


# --- signature requests seen from the extranet ----------------------------------------------------


@pytest.mark.django_db
def test_extranet_accounts_see_the_requests_they_sign_on_documents_they_still_see(settings, tmp_path):
    """Both conditions at once: a request on a document the account sees but that it does not sign
    (the OF's countersignature) stays hidden, and so does a request it signs on a document it no
    longer sees (the contract with that employer ended)."""
    settings.MEDIA_ROOT = tmp_path
    admin = AdminStaffFactory()
    apprentice_user, employer, former_employer = ApprenticeUserFactory(), EmployerUserFactory(), EmployerUserFactory()
    apprentice = ApprenticeFactory(user=apprentice_user)
    company, previous_company = CompanyFactory(), CompanyFactory()
    master = CompanyContactFactory(company=company, user=employer)
    previous_master = CompanyContactFactory(company=previous_company, user=former_employer)
    contract = ContractFactory(apprentice=apprentice, company=company, master=master, status=ContractStatus.IN_PROGRESS)
    ended = ContractFactory(
        apprentice=apprentice,
        company=previous_company,
        master=previous_master,
        status=ContractStatus.ENDED,
        signature_date=date(2024, 8, 25),
        start_date=date(2024, 9, 1),
        practical_training_start_date=date(2024, 9, 3),
        end_date=date(2026, 8, 31),
        training_start_date=date(2024, 9, 1),
        exams_end_date=date(2026, 6, 15),
    )

    def request(document: Document, *signers: tuple[str, User]) -> SignatureRequest:
        row = SignatureRequest.objects.create(document=document, document_sha256=document.sha256, requested_by=admin)
        for role, who in signers:
            Signer.objects.create(request=row, role=role, user=who)
        return row

    both = request(
        DocumentFactory(contract=contract),
        (SignerRole.APPRENTICE, apprentice_user),
        (SignerRole.EMPLOYER, employer),
        (SignerRole.ORGANISATION, admin),
    )
    office_only = request(
        DocumentFactory(contract=contract, kind=DocumentKind.CERFA, title="Cerfa"), (SignerRole.ORGANISATION, admin)
    )
    previous = request(
        DocumentFactory(contract=ended, title="Avenant"),
        (SignerRole.APPRENTICE, apprentice_user),
        (SignerRole.EMPLOYER, former_employer),
    )

    def seen(who: User) -> set[int]:
        return set(access.visible(who, SignatureRequest).values_list("pk", flat=True))

    assert seen(apprentice_user) == {both.pk, previous.pk}  # the ended contract's documents stay its own
    assert seen(employer) == {both.pk}
    assert seen(former_employer) == set()  # it signs ``previous``, but no longer sees its document
    assert seen(admin) == {both.pk, office_only.pk, previous.pk}
    signers = access.visible(employer, Signer).values_list("user", flat=True)
    assert set(signers) == {apprentice_user.pk, employer.pk, admin.pk}


# --- an employer contact's documents --------------------------------------------------------------


@pytest.mark.django_db
def test_employer_sees_its_contracts_documents_and_its_companys_own_never_a_proof(settings, tmp_path):
    """The company's own documents are those filed with no contract and no apprentice: a draft's
    document or another apprentice's filed under the company stays hidden, and an absence proof
    (health data) stays hidden even filed on the employer's contract."""
    settings.MEDIA_ROOT = tmp_path
    employer = EmployerUserFactory()
    company, other_company = CompanyFactory(), CompanyFactory()
    master = CompanyContactFactory(company=company, user=employer)
    apprentice, drafted = ApprenticeFactory(), ApprenticeFactory()
    contract = ContractFactory(apprentice=apprentice, company=company, master=master, status=ContractStatus.IN_PROGRESS)
    draft = ContractFactory(apprentice=drafted, company=company, master=master, status=ContractStatus.DRAFT)

    def document(title: str, *, kind: str = DocumentKind.OTHER, **links) -> Document:
        return DocumentFactory(title=title, kind=kind, **{"contract": None, "apprentice": None, **links})

    seen = {
        document("Convention", kind=DocumentKind.CONVENTION, contract=contract, apprentice=apprentice),
        document("Partenariat", company=company),
    }
    hidden = {
        document("Arrêt maladie", kind=DocumentKind.ABSENCE_PROOF, contract=contract, apprentice=apprentice),
        document("Cerfa (projet)", kind=DocumentKind.CERFA, contract=draft, company=company),
        document("CV", apprentice=drafted, company=company),
        document("Partenariat B", company=other_company),
    }

    visible = set(access.visible(employer, Document))

    assert visible == seen
    assert visible & hidden == set()


@pytest.mark.django_db
def test_visible_names_the_model_without_a_scope():
    with pytest.raises(LookupError) as refused:
        access.visible(USERS["coordinator"], ContentType)

    assert str(refused.value) == "Aucune règle d'accès n'est définie pour ContentType."


@pytest.mark.django_db
def test_no_user_at_all_sees_nothing_and_may_nothing():
    """A caller without any user (``None``, a background job's missing author) is refused like an
    anonymous visitor, without reading attributes of the missing user."""
    CohortFactory()
    assert access.can_use_back_office(None) is False
    assert access.can_subscribe_calendar_feed(None) is False
    assert access.sees_whole_register(None) is False
    assert list(access.visible(None, Cohort)) == []


# --- signed attendance sheets (issue 19 §3) -----------------------------------------------------


@pytest.mark.django_db
def test_tutor_sees_the_sheets_of_its_cohorts_and_of_the_sessions_it_trained(settings, tmp_path):
    """A session's sheet: the cohort's referent tutor and the session's trainer; a cohort's monthly
    sheet: its referent tutor. Another cohort's sheets stay hidden, and so do they from the extranet."""
    settings.MEDIA_ROOT = tmp_path
    tutor, other_tutor, cre = TutorFactory(), TutorFactory(), CreFactory()
    cohort_a, cohort_b = CohortFactory(referent_tutor=tutor), CohortFactory(referent_tutor=other_tutor)
    apprentice_user = ApprenticeUserFactory()
    ApprenticeFactory(cohort=cohort_a, user=apprentice_user)

    def sheet(title: str, **links) -> Document:
        kind = DocumentKind.SIGNIN_SHEET if "training_session" in links else DocumentKind.MONTHLY_SIGNIN_SHEET
        return DocumentFactory(title=title, kind=kind, contract=None, apprentice=None, **links)

    session_a = sheet("Séance A", training_session=TrainingSessionFactory(cohort=cohort_a, trainer=None))
    trained_in_b = sheet(
        "Séance B formée par A", training_session=TrainingSessionFactory(cohort=cohort_b, trainer=tutor)
    )
    session_b = sheet("Séance B", training_session=TrainingSessionFactory(cohort=cohort_b, trainer=None))
    month_a, month_b = sheet("Mois A", cohort=cohort_a), sheet("Mois B", cohort=cohort_b)

    def seen(who: User) -> set[Document]:
        return set(access.visible(who, Document))

    assert seen(tutor) == {session_a, trained_in_b, month_a}
    assert seen(other_tutor) == {trained_in_b, session_b, month_b}
    assert seen(cre) == {session_a, trained_in_b, session_b, month_a, month_b}
    assert seen(apprentice_user) == set()
