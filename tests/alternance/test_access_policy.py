"""The access policy (alternance/access.py): which rows each role sees, and what it may do.

One world holds the data that could leak: two cohorts (two tutors), two companies (two CREs) and an
unowned prospect, apprentices in each with contracts in progress, draft, ended and broken, and
everything that hangs from them. Every scope is checked as an exact set of rows, per role.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.http import Http404, HttpResponse
from django.test.utils import CaptureQueriesContext

from alerts.choices import AlertStatus, ConcernedRole
from alerts.models import Alert, AlertEvent
from alternance import access
from alternance.choices import ApprenticeStatus, CalendarPlace, HalfDay, ImportKind, KeyDateKind
from alternance.middleware import AccessKeysMiddleware
from alternance.models import (
    ApiToken,
    Apprentice,
    AttendanceRecord,
    AttendanceSettings,
    AttendanceTally,
    CalendarFeedToken,
    CalendarOverride,
    Candidate,
    CandidateEvent,
    ClosurePeriod,
    Cohort,
    CompetenceBlock,
    DataImport,
    EvidencePack,
    Invitation,
    KeyDate,
    Programme,
    Site,
    TdbExport,
    TrainingSession,
    User,
    Visit,
    VisitCriterion,
)
from companies.models import Company, CompanyContact, Interaction, Offer, Placement, PlacementEvent
from contracts.choices import ContractStatus, DocumentKind, RuptureKind, SignerRole
from contracts.models import (
    Contract,
    ContractSettings,
    ContractStatusChange,
    Document,
    DocumentAccess,
    DocumentBatch,
    FundingRule,
    HiringAidRule,
    OpcoBoardItem,
    OpcoFile,
    OpcoInstalment,
    OpcoReminder,
    RemunerationGrid,
    SignatureRequest,
    Signer,
    SmicRate,
)
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    ApprenticeUserFactory,
    AttendanceRecordFactory,
    CandidateFactory,
    CohortFactory,
    CompetenceBlockFactory,
    CoordinatorFactory,
    CreFactory,
    EmployerUserFactory,
    ProgrammeFactory,
    SiteFactory,
    TrainingSessionFactory,
    TutorFactory,
    VisitFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory, InteractionFactory
from tests.factories.contracts import ContractFactory, DocumentFactory, OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db

OLD_CONTRACT_DATES = {
    "signature_date": date(2024, 8, 25), "start_date": date(2024, 9, 1), "practical_training_start_date": date(2024, 9, 3),
    "end_date": date(2026, 8, 31), "training_start_date": date(2024, 9, 1), "exams_end_date": date(2026, 6, 15),
}


@dataclass
class World:
    rows: dict[str, models.Model] = field(default_factory=dict)

    def add(self, name: str, obj: models.Model) -> models.Model:
        self.rows[name] = obj
        return obj

    def __getitem__(self, name: str) -> models.Model:
        return self.rows[name]

    def names(self, model: type[models.Model]) -> set[str]:
        return {name for name, obj in self.rows.items() if type(obj) is model}

    def name_of(self, model: type[models.Model], pk: int) -> str:
        return next(name for name, obj in self.rows.items() if type(obj) is model and obj.pk == pk)

    def user(self, name: str):
        """A user by name; a few special ones are built on the fly and never saved."""
        if name == "anonymous":
            return AnonymousUser()
        if name in ("unknown_role", "blank_role"):
            # Same account as a CRE, with a role the policy does not know (the database refuses it,
            # so it can only exist in memory, e.g. after a role is removed from the code).
            user = User.objects.get(pk=self["cre_a"].pk)
            user.role = "pirate" if name == "unknown_role" else ""
            return user
        return self[name]


# The world's dates (placements in November 2026, a Christmas closure ahead, invitations still
# valid) describe one moment: the clock is pinned to it, so the suite passes on any real day.
WORLD_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def world(settings, tmp_path, time_machine) -> World:
    time_machine.move_to(WORLD_NOW, tick=False)
    settings.MEDIA_ROOT = tmp_path
    w = World()
    # Staff
    w.add("coordinator", CoordinatorFactory())
    w.add("admin", AdminStaffFactory())
    cre_a, cre_b = w.add("cre_a", CreFactory()), w.add("cre_b", CreFactory())
    tutor_a, tutor_b = w.add("tutor_a", TutorFactory()), w.add("tutor_b", TutorFactory())
    inactive = w.add("inactive", CoordinatorFactory(is_active=False))
    # Extranet accounts
    user_a1, user_a2, user_b1 = (w.add(n, ApprenticeUserFactory()) for n in ("apprentice_a1", "apprentice_a2", "apprentice_b1"))
    employer_a, employer_b = w.add("employer_a", EmployerUserFactory()), w.add("employer_b", EmployerUserFactory())
    employer_former = w.add("employer_former", EmployerUserFactory())
    # Programmes (with a competence block each), sites and cohorts; a site with no cohort yet.
    site_a, site_b = w.add("site_a", SiteFactory()), w.add("site_b", SiteFactory())
    w.add("site_empty", SiteFactory())
    cohort_a = w.add("cohort_a", CohortFactory(referent_tutor=tutor_a, site=site_a, programme=w.add("programme_a", ProgrammeFactory())))
    cohort_b = w.add("cohort_b", CohortFactory(referent_tutor=tutor_b, site=site_b, programme=w.add("programme_b", ProgrammeFactory())))
    w.add("block_a", CompetenceBlockFactory(programme=w["programme_a"], code="RNCP35340BC01"))
    w.add("block_b", CompetenceBlockFactory(programme=w["programme_b"], code="RNCP35340BC01"))
    # Companies and contacts
    company_a = w.add("company_a", CompanyFactory(owner_cre=cre_a))
    company_b = w.add("company_b", CompanyFactory(owner_cre=cre_b))
    company_c = w.add("company_c", CompanyFactory(owner_cre=None, name="Prospect SAS"))
    master_a = w.add("master_a", CompanyContactFactory(company=company_a, user=employer_a))
    w.add("hr_a", CompanyContactFactory(company=company_a, is_master=False, is_hr=True))
    # A person who left company A: the contact is deactivated but the account still exists.
    w.add("former_a", CompanyContactFactory(company=company_a, user=employer_former, is_master=False, is_hr=True, active=False))
    master_b = w.add("master_b", CompanyContactFactory(company=company_b, user=employer_b))
    w.add("rep_c", CompanyContactFactory(company=company_c, is_master=False, is_employer_representative=True))
    # Apprentices: a1 in progress at A (after an ended contract at B), a2 draft at A, a3 ended at A,
    # s1 still seeking; b1 in progress at B, b2 broken at B.
    a1 = w.add("a1", ApprenticeFactory(cohort=cohort_a, user=user_a1, status=ApprenticeStatus.UNDER_CONTRACT))
    a2 = w.add("a2", ApprenticeFactory(cohort=cohort_a, user=user_a2))
    a3 = w.add("a3", ApprenticeFactory(cohort=cohort_a, status=ApprenticeStatus.COMPLETED))
    w.add("s1", ApprenticeFactory(cohort=cohort_a))
    b1 = w.add("b1", ApprenticeFactory(cohort=cohort_b, user=user_b1, status=ApprenticeStatus.UNDER_CONTRACT))
    b2 = w.add("b2", ApprenticeFactory(cohort=cohort_b, status=ApprenticeStatus.RUPTURANT))
    c_a1 = w.add("c_a1", ContractFactory(apprentice=a1, company=company_a, master=master_a, status=ContractStatus.IN_PROGRESS))
    c_a1_old = w.add(
        "c_a1_old", ContractFactory(apprentice=a1, company=company_b, master=master_b, status=ContractStatus.ENDED, **OLD_CONTRACT_DATES)
    )
    c_a2 = w.add("c_a2", ContractFactory(apprentice=a2, company=company_a, master=master_a, status=ContractStatus.DRAFT))
    c_a3 = w.add("c_a3", ContractFactory(apprentice=a3, company=company_a, master=master_a, status=ContractStatus.ENDED, **OLD_CONTRACT_DATES))
    c_b1 = w.add("c_b1", ContractFactory(apprentice=b1, company=company_b, master=master_b, status=ContractStatus.IN_PROGRESS))
    c_b2 = w.add(
        "c_b2",
        ContractFactory(
            apprentice=b2, company=company_b, master=master_b, status=ContractStatus.BROKEN,
            rupture_date=date(2026, 11, 15), rupture_kind=RuptureKind.MUTUAL_AGREEMENT,
        ),
    )
    w.add("csc_a1", ContractStatusChange.objects.create(contract=c_a1, from_status=ContractStatus.SIGNED, to_status=ContractStatus.IN_PROGRESS))
    w.add("csc_a2", ContractStatusChange.objects.create(contract=c_a2, from_status="", to_status=ContractStatus.DRAFT))
    w.add("csc_b1", ContractStatusChange.objects.create(contract=c_b1, from_status=ContractStatus.SIGNED, to_status=ContractStatus.IN_PROGRESS))
    # Attendance: a1 inside its contract at A, before it (during the ended contract at B) and after it.
    w.add("att_a1_in", AttendanceRecordFactory(apprentice=a1, day=date(2026, 10, 5)))
    w.add("att_a1_before", AttendanceRecordFactory(apprentice=a1, day=date(2026, 8, 20)))
    w.add("att_a1_after", AttendanceRecordFactory(apprentice=a1, day=date(2028, 9, 5), half=HalfDay.AFTERNOON))
    w.add("att_a2", AttendanceRecordFactory(apprentice=a2, day=date(2026, 10, 5)))
    w.add("att_b1", AttendanceRecordFactory(apprentice=b1, day=date(2026, 10, 5)))
    w.add("att_b2", AttendanceRecordFactory(apprentice=b2, day=date(2026, 10, 5)))
    # Visits
    w.add("v_a1", VisitFactory(apprentice=a1, contract=c_a1))
    w.add("v_a1_old", VisitFactory(apprentice=a1, contract=c_a1_old, planned_date=date(2025, 3, 1), at_risk=True, risk_comment="Tensions."))
    w.add("v_a2", VisitFactory(apprentice=a2, contract=None))
    w.add("v_b1", VisitFactory(apprentice=b1, contract=c_b1))
    w.add("v_b2", VisitFactory(apprentice=b2, contract=c_b2))
    # Documents
    w.add("d_c_a1", DocumentFactory(contract=c_a1))
    # The OF's invoice for a1's contract: the employer's business, not the apprentice's.
    w.add("d_invoice_a1", DocumentFactory(contract=c_a1, kind=DocumentKind.INVOICE, title="Facture OPCO"))
    w.add("d_a1_proof", DocumentFactory(contract=None, apprentice=a1, kind=DocumentKind.ABSENCE_PROOF, title="Arrêt maladie"))
    w.add("d_c_a2", DocumentFactory(contract=c_a2, kind=DocumentKind.CERFA, title="Cerfa (projet)"))
    w.add("d_c_b1", DocumentFactory(contract=c_b1))
    w.add("d_c_b2", DocumentFactory(contract=c_b2, kind=DocumentKind.RUPTURE, title="Notification de rupture"))
    w.add("d_company_a", DocumentFactory(contract=None, apprentice=None, company=company_a, kind=DocumentKind.OTHER, title="Partenariat"))
    w.add("d_company_b", DocumentFactory(contract=None, apprentice=None, company=company_b, kind=DocumentKind.OTHER, title="Partenariat"))
    # The log of sensitive downloads (issue 17 §6): who read a1's proof, who downloaded b1's Cerfa.
    w.add("acc_a1_proof", DocumentAccess.objects.create(
        document=w["d_a1_proof"], user=tutor_a, user_name="Tuteur A", accessed_at=WORLD_NOW, channel="preview"))
    w.add("acc_c_b1", DocumentAccess.objects.create(
        document=w["d_c_b1"], user=w["coordinator"], user_name="Coordination", accessed_at=WORLD_NOW, channel="download"))
    # CRM log
    w.add("i_a", InteractionFactory(company=company_a, contact=master_a, author=cre_a, apprentice=a1))
    w.add("i_b", InteractionFactory(company=company_b, contact=master_b, author=cre_b, apprentice=b1))
    w.add("i_c", InteractionFactory(company=company_c, author=cre_a))
    w.add("i_by_inactive", InteractionFactory(company=company_c, author=inactive))
    # OPCO
    of_a1 = w.add("of_a1", OpcoFileFactory(contract=c_a1))
    w.add("of_a3", OpcoFileFactory(contract=c_a3))
    of_b1 = w.add("of_b1", OpcoFileFactory(contract=c_b1))
    w.add("inst_a1", OpcoInstalmentFactory(opco_file=of_a1))
    w.add("inst_b1", OpcoInstalmentFactory(opco_file=of_b1))
    # Alerts: about apprentices of each cohort, about company B (assigned to CRE A), about the
    # prospect C (assigned to tutor B).
    company_type = ContentType.objects.get_for_model(Company)
    al_a1 = w.add("al_a1", AlertFactory(apprentice=a1, company=company_a, contract=c_a1))
    al_b1 = w.add("al_b1", AlertFactory(apprentice=b1, company=company_b, contract=c_b1))
    al_company_b = w.add(
        "al_company_b",
        AlertFactory(
            apprentice=None, company=company_b, subject_type=company_type, subject_id=company_b.pk, subject_label=str(company_b),
            rule_code="companies.sensitive", concerned_role=ConcernedRole.CRE, status=AlertStatus.ASSIGNED, assignee=cre_a,
        ),
    )
    al_company_c = w.add(
        "al_company_c",
        AlertFactory(
            apprentice=None, company=company_c, subject_type=company_type, subject_id=company_c.pk, subject_label=str(company_c),
            rule_code="companies.no_follow_up", concerned_role=ConcernedRole.TUTOR, status=AlertStatus.ASSIGNED, assignee=tutor_b,
        ),
    )
    for name, alert in (("ev_a1", al_a1), ("ev_b1", al_b1), ("ev_company_b", al_company_b), ("ev_company_c", al_company_c)):
        w.add(name, AlertEvent.objects.create(alert=alert, to_status=AlertStatus.NEW, comment="Levée par la règle."))
    # Signature requests on the conventions of a1 and b1, each with its three signers.
    for suffix, document, apprentice_user, employer_user in (
        ("a1", w["d_c_a1"], user_a1, employer_a), ("b1", w["d_c_b1"], user_b1, employer_b)
    ):
        request = w.add(f"sr_{suffix}", SignatureRequest.objects.create(document=document, document_sha256=document.sha256, requested_by=w["admin"]))
        for role, signer_user in ((SignerRole.APPRENTICE, apprentice_user), (SignerRole.EMPLOYER, employer_user), (SignerRole.ORGANISATION, w["admin"])):
            w.add(f"signer_{suffix}_{role}", Signer.objects.create(request=request, role=role, user=signer_user))
    w.add("rem_a1", OpcoReminder.objects.create(opco_file=of_a1, sent_on=date(2026, 10, 1), subject="Relance décision"))
    w.add("rem_b1", OpcoReminder.objects.create(opco_file=of_b1, sent_on=date(2026, 10, 1), subject="Relance décision"))
    w.add("batch_admin", DocumentBatch.objects.create(cohort=cohort_a, kind=DocumentKind.CERFA, requested_by=w["admin"]))
    w.add("batch_tutor_a", DocumentBatch.objects.create(cohort=cohort_a, kind=DocumentKind.CERFA, requested_by=tutor_a))
    # Offers and the placement pipeline: a seeking learner of cohort A proposed to company A, the
    # rupturant b2 of cohort B proposed to company A too.
    w.add("offer_a", Offer.objects.create(company=company_a, programme=w["programme_a"], start_date=date(2027, 1, 4), end_date=date(2028, 8, 31)))
    w.add("offer_b", Offer.objects.create(company=company_b, programme=w["programme_b"], start_date=date(2027, 1, 4), end_date=date(2028, 8, 31)))
    placement_s1 = w.add("placement_s1", Placement.objects.create(apprentice=w["s1"], company=company_a, offer=w["offer_a"], proposed_on=date(2026, 11, 20)))
    placement_b2 = w.add("placement_b2", Placement.objects.create(apprentice=b2, company=company_a, proposed_on=date(2026, 11, 21)))
    w.add("pe_s1", PlacementEvent.objects.create(placement=placement_s1, to_status="proposed"))
    w.add("pe_b2", PlacementEvent.objects.create(placement=placement_b2, to_status="proposed"))
    # Extranet invitations: one sent by CRE A to the employer of company A, one by admin staff.
    expires = datetime(2026, 12, 5, tzinfo=UTC)
    w.add("inv_by_cre_a", Invitation.objects.create(user=employer_a, invited_by=cre_a, token_hash="a" * 64, expires_at=expires))
    w.add("inv_by_admin", Invitation.objects.create(user=user_a1, invited_by=w["admin"], token_hash="b" * 64, expires_at=expires))
    # Calendars: closures of the whole OF and of each cohort, cohort-wide and personal key dates,
    # per-apprentice overrides, private ICS feeds.
    w.add("closure_all", ClosurePeriod.objects.create(label="Noël", start_date=date(2026, 12, 21), end_date=date(2027, 1, 1)))
    w.add("closure_a", ClosurePeriod.objects.create(label="Pont A", start_date=date(2027, 5, 14), end_date=date(2027, 5, 14), cohort=cohort_a))
    w.add("closure_b", ClosurePeriod.objects.create(label="Pont B", start_date=date(2027, 5, 14), end_date=date(2027, 5, 14), cohort=cohort_b))
    w.add("kd_a", KeyDate.objects.create(cohort=cohort_a, kind=KeyDateKind.EXAM, label="Partiel", day=date(2027, 1, 20)))
    w.add("kd_a1", KeyDate.objects.create(cohort=cohort_a, apprentice=a1, kind=KeyDateKind.MID_TERM_REVIEW, label="Bilan", day=date(2027, 2, 3)))
    w.add("kd_a2", KeyDate.objects.create(cohort=cohort_a, apprentice=a2, kind=KeyDateKind.OTHER, label="Rattrapage", day=date(2027, 2, 4)))
    w.add("kd_b", KeyDate.objects.create(cohort=cohort_b, kind=KeyDateKind.EXAM, label="Partiel", day=date(2027, 1, 21)))
    # Training sessions (issue 19 §1): one of cohort A without trainer, one of cohort B trained by tutor A.
    w.add("ses_a", TrainingSessionFactory(cohort=cohort_a, trainer=None))
    w.add("ses_b_by_tutor_a", TrainingSessionFactory(cohort=cohort_b, trainer=tutor_a))
    w.add("ov_a1", CalendarOverride.objects.create(apprentice=a1, day=date(2027, 1, 11), place=CalendarPlace.COMPANY, reason="Inventaire"))
    w.add("ov_b1", CalendarOverride.objects.create(apprentice=b1, day=date(2027, 1, 11), place=CalendarPlace.COMPANY, reason="Salon"))
    w.add("feed_a1", CalendarFeedToken.objects.create(user=user_a1, token_hash="c" * 64))
    w.add("feed_employer_a", CalendarFeedToken.objects.create(user=employer_a, token_hash="d" * 64))
    w.add("feed_tutor_a", CalendarFeedToken.objects.create(user=tutor_a, token_hash="e" * 64))
    # Data in and out: office jobs, and staff API keys.
    w.add("import_admin", DataImport.objects.create(kind=ImportKind.APPRENTICES, file="imports/a.csv", original_name="a.csv", created_by=w["admin"]))
    w.add("tdb_coordinator", TdbExport.objects.create(school_year="2026-2027", format="xlsx", created_by=w["coordinator"]))
    w.add("pack_coordinator", EvidencePack.objects.create(period_start=date(2026, 1, 1), period_end=date(2026, 6, 30), created_by=w["coordinator"]))
    w.add("token_coordinator", ApiToken.objects.create(user=w["coordinator"], label="BI", prefix="abcd1234", token_hash="f" * 64))
    w.add("token_tutor_a", ApiToken.objects.create(user=tutor_a, label="Tableur", prefix="efgh5678", token_hash="0" * 64))
    w.add("token_apprentice_a1", ApiToken.objects.create(user=user_a1, label="Égarée", prefix="ijkl9012", token_hash="1" * 64))
    # Admissions: a candidate to each programme, with its first history row.
    for side in ("a", "b"):
        candidate = w.add(f"cand_{side}", CandidateFactory(programme=w[f"programme_{side}"]))
        w.add(f"cev_{side}", CandidateEvent.objects.create(candidate=candidate, to_status="received", at=WORLD_NOW))
    AttendanceSettings.load()
    # The register summed per cohort and day (kept in step by the register's writes).
    for tally in AttendanceTally.objects.all():
        w.add(f"tally_{tally.cohort_id}_{tally.day:%Y%m%d}", tally)
    # The OPCO board's kept lines (contracts.opco_board): one per thing due, named after its contract.
    for line in OpcoBoardItem.objects.all():
        w.add(f"line_{w.name_of(Contract, line.contract_id)}_{line.stage}", line)
    # Reference data loaded by the migrations: readable by every staff member, no one else.
    for model in (SmicRate, FundingRule, HiringAidRule, ContractSettings, RemunerationGrid, VisitCriterion, AttendanceSettings):
        for row in model.objects.all():
            w.add(f"{model.__name__}_{row.pk}", row)
    return w


# --- expected scopes, by name; a model not listed for a role: nothing ------------------------

STAFF_USERS = {"coordinator", "admin", "cre_a", "cre_b", "tutor_a", "tutor_b", "inactive"}
ALL = "all"  # every row of the model in the world


# Imports, State dashboard exports, Qualiopi packs: coordinator and admin staff only.
NO_OFFICE_JOBS = {"DataImport": set(), "TdbExport": set(), "EvidencePack": set(), "CalendarFeedToken": set(), "ApiToken": set()}


ALL_DOCUMENTS_BUT_PROOFS = {"d_c_a1", "d_invoice_a1", "d_c_a2", "d_c_b1", "d_c_b2", "d_company_a", "d_company_b"}


def _see_all_but(**overrides) -> dict:
    return {model: overrides.get(model.__name__, ALL) for model in access.SCOPES}


EXPECTED: dict[str, dict[type[models.Model], set[str] | str]] = {
    # Coordinator and admin staff manage every account, extranet ones included.
    # Calendar feeds and API keys are personal, even for them.
    "coordinator": _see_all_but(CalendarFeedToken=set(), ApiToken={"token_coordinator"}),
    "admin": _see_all_but(CalendarFeedToken=set(), ApiToken=set()),
    # An absence proof is health data: never a CRE's (issue 17 §6).
    "cre_a": _see_all_but(
        Document=ALL_DOCUMENTS_BUT_PROOFS, DocumentAccess={"acc_c_b1"}, User=STAFF_USERS, Alert={"al_a1", "al_company_b"}, AlertEvent={"ev_a1", "ev_company_b"}, DocumentBatch=set(),
        Invitation={"inv_by_cre_a"}, **NO_OFFICE_JOBS,
    ),
    "cre_b": _see_all_but(
        Document=ALL_DOCUMENTS_BUT_PROOFS, DocumentAccess={"acc_c_b1"}, User=STAFF_USERS, Alert={"al_b1", "al_company_b"}, AlertEvent={"ev_b1", "ev_company_b"}, DocumentBatch=set(), Invitation=set(),
        **NO_OFFICE_JOBS,
    ),
    "tutor_a": {
        Apprentice: {"a1", "a2", "a3", "s1"},
        AttendanceRecord: {"att_a1_in", "att_a1_before", "att_a1_after", "att_a2"},
        Cohort: {"cohort_a"},
        Programme: ALL,
        CompetenceBlock: ALL,
        Site: ALL,
        Visit: {"v_a1", "v_a1_old", "v_a2"},
        User: STAFF_USERS,
        # Company B employed a1 before: its record and CRM log are visible to a1's tutor.
        Company: {"company_a", "company_b"},
        CompanyContact: {"master_a", "hr_a", "former_a", "master_b"},
        Interaction: {"i_a", "i_b"},
        Contract: {"c_a1", "c_a1_old", "c_a2", "c_a3"},
        ContractStatusChange: {"csc_a1", "csc_a2"},
        OpcoFile: {"of_a1", "of_a3"},
        OpcoInstalment: {"inst_a1"},
        OpcoBoardItem: {"line_c_a1_awaiting_decision", "line_c_a1_instalment_due", "line_c_a3_awaiting_decision"},
        Document: {"d_c_a1", "d_invoice_a1", "d_a1_proof", "d_c_a2"},
        DocumentAccess: {"acc_a1_proof"},
        Alert: {"al_a1"},
        AlertEvent: {"ev_a1"},
        SignatureRequest: {"sr_a1"},
        Signer: {"signer_a1_apprentice", "signer_a1_employer", "signer_a1_organisation"},
        OpcoReminder: {"rem_a1"},
        DocumentBatch: {"batch_tutor_a"},
        SmicRate: ALL,
        FundingRule: ALL,
        HiringAidRule: ALL,
        ContractSettings: ALL,
        RemunerationGrid: ALL,
        VisitCriterion: ALL,
        AttendanceSettings: ALL,
        ClosurePeriod: ALL,
        KeyDate: {"kd_a", "kd_a1", "kd_a2"},
        CalendarOverride: {"ov_a1"},
        CalendarFeedToken: {"feed_tutor_a"},
        # Its cohort's sessions and those it trains in another cohort.
        TrainingSession: {"ses_a", "ses_b_by_tutor_a"},
        ApiToken: {"token_tutor_a"},
        Offer: {"offer_a", "offer_b"},
        Placement: {"placement_s1"},
        PlacementEvent: {"pe_s1"},
        # The candidates to the programme of the cohort it refers (it holds their interviews).
        Candidate: {"cand_a"},
        CandidateEvent: {"cev_a"},
    },
    "tutor_b": {
        Apprentice: {"b1", "b2"},
        AttendanceRecord: {"att_b1", "att_b2"},
        Cohort: {"cohort_b"},
        Programme: ALL,
        CompetenceBlock: ALL,
        Site: ALL,
        Visit: {"v_b1", "v_b2"},
        User: STAFF_USERS,
        Company: {"company_b"},
        CompanyContact: {"master_b"},
        Interaction: {"i_b"},
        Contract: {"c_b1", "c_b2"},
        ContractStatusChange: {"csc_b1"},
        OpcoFile: {"of_b1"},
        OpcoInstalment: {"inst_b1"},
        OpcoBoardItem: {"line_c_b1_awaiting_decision", "line_c_b1_instalment_due"},
        Document: {"d_c_b1", "d_c_b2"},
        DocumentAccess: {"acc_c_b1"},
        Alert: {"al_b1", "al_company_c"},
        AlertEvent: {"ev_b1", "ev_company_c"},
        SignatureRequest: {"sr_b1"},
        Signer: {"signer_b1_apprentice", "signer_b1_employer", "signer_b1_organisation"},
        OpcoReminder: {"rem_b1"},
        SmicRate: ALL,
        FundingRule: ALL,
        HiringAidRule: ALL,
        ContractSettings: ALL,
        RemunerationGrid: ALL,
        VisitCriterion: ALL,
        AttendanceSettings: ALL,
        ClosurePeriod: ALL,
        KeyDate: {"kd_b"},
        CalendarOverride: {"ov_b1"},
        TrainingSession: {"ses_b_by_tutor_a"},
        Offer: {"offer_b"},
        Placement: {"placement_b2"},
        PlacementEvent: {"pe_b2"},
        Candidate: {"cand_b"},
        CandidateEvent: {"cev_b"},
    },
    "apprentice_a1": {
        Apprentice: {"a1"},
        AttendanceRecord: {"att_a1_in", "att_a1_before", "att_a1_after"},
        Cohort: {"cohort_a"},
        Programme: ALL,
        # The programme's blocks are public like it; the site is the one where its training takes place.
        CompetenceBlock: ALL,
        Site: {"site_a"},
        Visit: {"v_a1", "v_a1_old"},
        User: {"apprentice_a1"},
        Company: {"company_a", "company_b"},
        CompanyContact: {"master_a", "hr_a", "former_a", "master_b"},
        Contract: {"c_a1", "c_a1_old"},
        Document: {"d_c_a1", "d_a1_proof"},
        SignatureRequest: {"sr_a1"},
        Signer: {"signer_a1_apprentice", "signer_a1_employer", "signer_a1_organisation"},
        ClosurePeriod: {"closure_all", "closure_a"},
        KeyDate: {"kd_a", "kd_a1"},
        CalendarOverride: {"ov_a1"},
        CalendarFeedToken: {"feed_a1"},
        TrainingSession: {"ses_a"},
    },
    # Only a draft contract: drafts are internal to the OF, and so are their documents.
    "apprentice_a2": {
        Apprentice: {"a2"},
        AttendanceRecord: {"att_a2"},
        Cohort: {"cohort_a"},
        Programme: ALL,
        CompetenceBlock: ALL,
        Site: {"site_a"},
        Visit: {"v_a2"},
        User: {"apprentice_a2"},
        ClosurePeriod: {"closure_all", "closure_a"},
        KeyDate: {"kd_a", "kd_a2"},
        TrainingSession: {"ses_a"},
    },
    "employer_a": {
        Apprentice: {"a1"},
        AttendanceRecord: {"att_a1_in"},
        Cohort: {"cohort_a"},
        Programme: ALL,
        CompetenceBlock: ALL,
        Site: {"site_a"},
        Visit: {"v_a1"},
        User: {"employer_a"},
        Company: {"company_a"},
        CompanyContact: {"master_a", "hr_a", "former_a"},
        Contract: {"c_a1"},
        Document: {"d_c_a1", "d_invoice_a1", "d_company_a"},
        SignatureRequest: {"sr_a1"},
        Signer: {"signer_a1_apprentice", "signer_a1_employer", "signer_a1_organisation"},
        ClosurePeriod: {"closure_all", "closure_a"},
        KeyDate: {"kd_a", "kd_a1"},
        CalendarOverride: {"ov_a1"},
        CalendarFeedToken: {"feed_employer_a"},
        TrainingSession: {"ses_a"},
    },
    "employer_b": {
        Apprentice: {"b1"},
        AttendanceRecord: {"att_b1"},
        Cohort: {"cohort_b"},
        Programme: ALL,
        CompetenceBlock: ALL,
        Site: {"site_b"},
        Visit: {"v_b1"},
        User: {"employer_b"},
        Company: {"company_b"},
        CompanyContact: {"master_b"},
        Contract: {"c_b1"},
        Document: {"d_c_b1", "d_company_b"},
        SignatureRequest: {"sr_b1"},
        Signer: {"signer_b1_apprentice", "signer_b1_employer", "signer_b1_organisation"},
        ClosurePeriod: {"closure_all", "closure_b"},
        KeyDate: {"kd_b"},
        CalendarOverride: {"ov_b1"},
        TrainingSession: {"ses_b_by_tutor_a"},
    },
    # Its only contact was deactivated (the person left company A).
    "employer_former": {Programme: ALL, CompetenceBlock: ALL, User: {"employer_former"}, ClosurePeriod: {"closure_all"}},
    "inactive": {},
    "anonymous": {},
    "unknown_role": {},
    "blank_role": {},
}


def _expected_names(w: World, role: str) -> dict[str, set[str]]:
    expected = EXPECTED[role]
    result = {}
    for model in access.SCOPES:
        names = expected.get(model, set())
        result[model.__name__] = w.names(model) if names == ALL else set(names)
    return result


def _visible_names(w: World, user) -> dict[str, set[str]]:
    return {
        model.__name__: {w.name_of(model, pk) for pk in access.visible(user, model).values_list("pk", flat=True)}
        for model in access.SCOPES
    }


def test_every_row_of_the_world_has_a_name(world):
    """The "all" expectations are sets of named rows: no factory may have created unnamed rows."""
    assert {model.__name__: set(model.objects.values_list("pk", flat=True)) for model in access.SCOPES} == {
        model.__name__: {world[name].pk for name in world.names(model)} for model in access.SCOPES
    }


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_exactly_its_scope_of_every_model(world, role):
    user = world.user(role)

    visible = _visible_names(world, user)

    assert visible == _expected_names(world, role)


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_sees_exactly_its_scope_within_a_request_of_its_own(world, role):
    """Within a request (``access.request_keys``, opened by ``AccessKeysMiddleware``), an employer's
    scopes compare with its contracts' ids read once: the same rows as the subqueries, every model."""
    user = world.user(role)

    with access.request_keys(user.pk):
        visible = _visible_names(world, user)

    assert visible == _expected_names(world, role)


def test_a_request_reads_its_own_employers_contracts_once_and_nobody_elses(world, django_assert_num_queries):
    employer_a, employer_b = world["employer_a"], world["employer_b"]
    with access.request_keys(employer_a.pk):
        with django_assert_num_queries(1 + 3):  # the keys, then the three lists
            assert list(access.visible(employer_a, Apprentice)) == [world["a1"]]
            assert list(access.visible(employer_a, Contract)) == [world["c_a1"]]
            assert list(access.visible(employer_a, AttendanceRecord)) == [world["att_a1_in"]]
        # Another user's scope in the same request (a staff page naming employers, a notification)
        # keeps its subquery: read now, not at the request's first read.
        b2 = ContractFactory(apprentice=ApprenticeFactory(cohort=world["b1"].cohort), company=world["c_b1"].company,
                             status=ContractStatus.IN_PROGRESS)
        with CaptureQueriesContext(connection) as queries:
            assert set(access.visible(employer_b, Contract)) == {world["c_b1"], b2}
    assert len(queries) == 1 and "companies_companycontact" in queries[0]["sql"]
    # Outside a request, every read sees the contracts as they are.
    b3 = ContractFactory(apprentice=ApprenticeFactory(cohort=world["b1"].cohort), company=world["c_b1"].company,
                         status=ContractStatus.SIGNED)
    assert set(access.visible(employer_b, Contract)) == {world["c_b1"], b2, b3}


def test_the_middleware_opens_the_keys_of_the_logged_in_user_only(world, rf):
    seen = []

    def view(request):
        seen.append(access._request_keys.get())
        return HttpResponse()

    request = rf.get("/")
    request.user = world["employer_a"]
    AccessKeysMiddleware(view)(request)
    request.user = AnonymousUser()
    AccessKeysMiddleware(view)(request)

    assert seen == [(world["employer_a"].pk, {}), None]
    assert access._request_keys.get() is None  # closed after the response


def test_visible_rows_are_not_duplicated_by_joins(world):
    # A user reaching a row by two paths (an apprentice with two contracts) still gets it once.
    for role in ("tutor_a", "apprentice_a1", "employer_a", "cre_a"):
        user = world.user(role)
        for model in access.SCOPES:
            pks = list(access.visible(user, model).values_list("pk", flat=True))
            assert len(pks) == len(set(pks)), (role, model.__name__)


# --- the leaks that matter most, spelled out ---------------------------------------------------

def test_employer_cannot_see_another_companys_apprentice(world):
    visible = set(access.visible(world["employer_a"], Apprentice))

    assert visible == {world["a1"]}
    assert world["b1"] not in visible


def test_employer_does_not_see_a_draft_an_ended_or_a_broken_contract(world):
    assert set(access.visible(world["employer_a"], Contract)) == {world["c_a1"]}
    assert set(access.visible(world["employer_b"], Contract)) == {world["c_b1"]}


def test_employer_sees_attendance_only_within_its_contract_dates(world):
    assert list(access.visible(world["employer_a"], AttendanceRecord)) == [world["att_a1_in"]]


def test_former_employer_does_not_see_the_apprentice_of_its_previous_contract(world):
    # a1's ended contract was with company B; employer B now sees only b1.
    assert list(access.visible(world["employer_b"], Apprentice)) == [world["b1"]]


def test_deactivated_contact_no_longer_opens_the_company(world):
    user = world["employer_former"]

    assert [list(access.visible(user, model)) for model in (Company, Apprentice, Contract, Document)] == [[], [], [], []]


def test_tutor_never_sees_another_cohorts_records(world):
    tutor = world["tutor_b"]

    leaked = [
        obj for name, obj in world.rows.items()
        if name in {"a1", "c_a1", "v_a1", "att_a1_in", "d_c_a1", "al_a1", "of_a1", "cohort_a"}
        and access.visible(tutor, type(obj)).filter(pk=obj.pk).exists()
    ]

    assert leaked == []


def test_apprentice_sees_only_its_own_records_and_not_its_draft_contract(world):
    assert [list(access.visible(world["apprentice_a2"], model)) for model in (Apprentice, Contract, Document)] == [
        [world["a2"]], [], [],
    ]


def test_visible_narrows_a_given_queryset(world):
    narrowed = access.visible(world["tutor_a"], Apprentice.objects.filter(status=ApprenticeStatus.SEEKING))

    assert set(narrowed) == {world["a2"], world["s1"]}


def test_visible_refuses_a_model_without_a_scope(world):
    with pytest.raises(LookupError):
        access.visible(world["coordinator"], ContentType)


# --- fetching and refusing -------------------------------------------------------------------

def test_get_visible_or_404_returns_a_row_in_scope(world):
    assert access.get_visible_or_404(world["employer_a"], Apprentice, pk=world["a1"].pk) == world["a1"]


@pytest.mark.parametrize(
    ("role", "model", "name"),
    [
        ("employer_a", Apprentice, "a2"),
        ("employer_a", Apprentice, "b1"),
        ("employer_a", Contract, "c_a2"),
        ("tutor_b", Visit, "v_a1"),
        ("apprentice_a1", Document, "d_c_b1"),
        ("cre_b", Alert, "al_a1"),
        ("anonymous", Programme, "programme_a"),
    ],
)
def test_get_visible_or_404_raises_404_outside_the_scope(world, role, model, name):
    with pytest.raises(Http404):
        access.get_visible_or_404(world.user(role), model, pk=world[name].pk)


def test_get_visible_or_404_applies_the_scope_to_a_given_queryset(world):
    queryset = Apprentice.objects.filter(cohort=world["cohort_a"])

    assert access.get_visible_or_404(world["employer_a"], queryset, pk=world["a1"].pk) == world["a1"]
    with pytest.raises(Http404):
        access.get_visible_or_404(world["employer_a"], queryset, pk=world["a3"].pk)


def test_require_raises_permission_denied_only_when_not_allowed():
    assert access.require(True) is None
    with pytest.raises(PermissionDenied):
        access.require(False)


# --- predicates: role × action ---------------------------------------------------------------

MATRIX_USERS = (
    "coordinator", "admin", "cre_a", "cre_b", "tutor_a", "tutor_b", "apprentice_a1", "apprentice_a2",
    "employer_a", "employer_b", "inactive", "anonymous", "unknown_role",
)
STAFF_ROLES = {"coordinator", "admin", "cre_a", "cre_b", "tutor_a", "tutor_b"}

# (predicate, name of the row it is asked about or None, users for whom it is True)
PREDICATES = [
    (access.can_manage_reference_data, None, {"coordinator", "admin"}),
    # The catalogue (issue 13 §2): every staff member reads it, the office manages it.
    (access.can_view_catalogue, None, STAFF_ROLES),
    (access.can_manage_catalogue, None, {"coordinator", "admin"}),
    (access.can_view, "site_a", {"coordinator", "admin", "cre_a", "cre_b", "tutor_a", "tutor_b", "apprentice_a1", "apprentice_a2", "employer_a"}),
    (access.can_view, "site_empty", STAFF_ROLES),
    (access.can_view, "block_b", {"coordinator", "admin", "cre_a", "cre_b", "tutor_a", "tutor_b", "apprentice_a1", "apprentice_a2",
                                  "employer_a", "employer_b"}),
    (access.can_create_apprentice, None, {"coordinator", "admin"}),
    # Apprentice records (issue 13 §2): the whole record for the office, the contact details for the cohort's
    # tutor too, leaving the OF for the office; an extranet account edits only its own details.
    (access.can_edit_apprentice, "a1", {"coordinator", "admin"}),
    (access.can_edit_apprentice_contact, "a1", {"coordinator", "admin", "tutor_a"}),
    (access.can_edit_apprentice_contact, "b1", {"coordinator", "admin", "tutor_b"}),
    (access.can_leave_apprentice, "a1", {"coordinator", "admin"}),
    (access.can_reopen_apprentice, "a1", set()),
    (access.can_edit_own_details, None, {"apprentice_a1", "apprentice_a2", "employer_a", "employer_b"}),
    (access.can_create_company, None, {"coordinator", "admin", "cre_a", "cre_b"}),
    (access.can_edit_company, "company_a", {"coordinator", "admin", "cre_a"}),
    (access.can_edit_company, "company_c", {"coordinator", "admin", "cre_a", "cre_b"}),
    (access.can_archive_company, "company_a", {"coordinator", "admin", "cre_a"}),
    (access.can_archive_company, "company_c", {"coordinator", "admin"}),
    (access.can_manage_contacts, "company_a", {"coordinator", "admin", "cre_a"}),
    (access.can_manage_contacts, "company_c", {"coordinator", "admin", "cre_a", "cre_b"}),
    (access.can_reassign_company, "company_a", {"coordinator"}),
    (access.can_flag_company_sensitive, "company_b", {"coordinator", "admin", "cre_b"}),
    (access.can_log_interaction, "company_a", {"coordinator", "admin", "cre_a", "tutor_a"}),
    (access.can_log_interaction, "company_c", {"coordinator", "admin", "cre_a", "cre_b"}),
    (access.can_edit_interaction, "i_a", {"coordinator", "cre_a"}),
    (access.can_edit_interaction, "i_by_inactive", {"coordinator"}),
    (access.can_create_contract, None, {"coordinator", "admin"}),
    (access.can_edit_contract, "c_a1", {"coordinator", "admin"}),
    (access.can_transition_contract, "c_a1", {"coordinator", "admin"}),
    (access.can_edit_opco_file, "of_a1", {"coordinator", "admin"}),
    (access.can_record_attendance, "a1", {"coordinator", "admin", "tutor_a"}),
    (access.can_justify_absence, "att_a1_in", {"apprentice_a1"}),
    (access.can_review_justification, "att_a1_in", {"coordinator", "admin", "tutor_a"}),
    (access.can_plan_visit, "a1", {"coordinator", "tutor_a"}),
    (access.can_edit_visit, "v_a1", {"coordinator", "tutor_a"}),
    (access.can_edit_visit, "v_b1", {"coordinator", "tutor_b"}),
    (access.can_fill_employer_evaluation, "v_a1", {"employer_a"}),
    (access.can_fill_employer_evaluation, "v_a2", set()),
    (access.can_fill_employer_evaluation, "v_b2", set()),
    (access.can_upload_document, None, STAFF_ROLES),
    (access.can_delete_document, "d_c_a1", {"coordinator", "admin"}),
    (access.can_validate_alert, "al_a1", {"coordinator"}),
    (access.can_assign_alert, "al_a1", {"coordinator"}),
    (access.can_resolve_alert, "al_company_b", {"coordinator", "cre_a"}),
    (access.can_resolve_alert, "al_company_c", {"coordinator", "tutor_b"}),
    (access.can_comment_alert, "al_a1", STAFF_ROLES),
    (access.can_invite_extranet_user, None, STAFF_ROLES),
    (access.can_view_candidates, None, STAFF_ROLES),
    (access.can_manage_candidates, None, {"coordinator", "admin"}),
    (access.can_download_candidate_cv, "cand_a", STAFF_ROLES),
    (access.can_enrol_candidate, "cand_a", {"coordinator", "admin"}),
    (access.can_view, "cand_a", {"coordinator", "admin", "cre_a", "cre_b", "tutor_a"}),
    (access.can_view, "cand_b", {"coordinator", "admin", "cre_a", "cre_b", "tutor_b"}),
    # Staff accounts (issue 13): admin staff read the team, the coordinator manages it — never its own account's state.
    (access.can_view_staff, None, {"coordinator", "admin"}),
    (access.can_manage_staff, None, {"coordinator"}),
    (access.can_set_staff_active, "cre_a", {"coordinator"}),
    (access.can_set_staff_active, "coordinator", set()),
    # The search box (issue 13 §3): staff and employer contacts (their scope only); apprentices have none.
    (access.can_use_search, None, STAFF_ROLES | {"employer_a", "employer_b"}),
    # Merging duplicate companies and apprentices (issue 13 §3): the coordinator only.
    (access.can_merge_records, None, {"coordinator"}),
    (access.can_view, "a1", {"coordinator", "admin", "cre_a", "cre_b", "tutor_a", "apprentice_a1", "employer_a"}),
    (access.can_view, "d_company_a", {"coordinator", "admin", "cre_a", "cre_b", "employer_a"}),
]


@pytest.mark.parametrize(
    ("predicate", "row", "allowed"), PREDICATES, ids=[f"{p.__name__}-{row or 'global'}" for p, row, _ in PREDICATES]
)
def test_permission_matrix(world, predicate, row, allowed):
    args = () if row is None else (world[row],)

    answers = {name: predicate(world.user(name), *args) for name in MATRIX_USERS}

    assert answers == {name: name in allowed for name in MATRIX_USERS}
