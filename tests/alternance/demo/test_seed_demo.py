"""The ``seed_demo`` command: counts, demo accounts, determinism, idempotence and valid data."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count

from alerts.models import Alert
from alternance.choices import ApprenticeStatus, AttendanceStatus, CandidateStatus, JustificationStatus, Role
from alternance.demo.dates import is_working_day
from alternance.models import Apprentice, AttendanceRecord, Candidate, CandidateEvent, Cohort, Programme, User, Visit
from alternance.validators import validate_siret
from companies.models import Company, CompanyContact, Interaction, Offer, Placement, PlacementEvent
from companies.opco import opco_for_idcc
from contracts.choices import ACTIVE_CONTRACT_STATUSES, ContractStatus, OpcoDecision
from contracts.models import (
    Contract,
    ContractSettings,
    ContractStatusChange,
    OpcoFile,
    OpcoInstalment,
    SignatureRequest,
    Signer,
)

TODAY = date(2026, 11, 28)
ALL_MODELS = (
    User, Programme, Cohort, Company, CompanyContact, Interaction, Apprentice, Contract, OpcoFile, OpcoInstalment,
    AttendanceRecord, Visit, Alert, Candidate, Offer, Placement, PlacementEvent, ContractStatusChange, SignatureRequest, Signer,
)


def seed(apprentices: int = 60, seed: int = 7, today: str = "2026-11-28") -> str:
    out = StringIO()
    call_command("seed_demo", apprentices=apprentices, seed=seed, today=today, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def snapshot() -> dict[str, list[tuple]]:
    """Meaningful fields (no primary keys, no timestamps, no encrypted NIR) of what the demo created."""
    return {
        "apprentices": list(Apprentice.objects.order_by("email").values_list(
            "last_name", "first_name", "birth_date", "status", "status_since", "cohort__name", "email", "ine", "has_nir")),
        "companies": list(Company.objects.order_by("siret").values_list("siret", "name", "naf_code", "idcc", "opco", "owner_cre__email")),
        "contracts": list(Contract.objects.order_by("apprentice__email", "start_date").values_list(
            "apprentice__email", "company__siret", "status", "start_date", "end_date", "signature_date", "rupture_date",
            "gross_monthly_salary")),
        "attendance": list(AttendanceRecord.objects.order_by("apprentice__email", "day", "half").values_list(
            "apprentice__email", "day", "half", "status", "minutes_late", "justification")),
        "visits": list(Visit.objects.order_by("apprentice__email", "planned_date", "kind").values_list(
            "apprentice__email", "kind", "planned_date", "done_date", "at_risk")),
        "users": list(User.objects.order_by("email").values_list("email", "role", "first_name", "last_name")),
        # The placement desk, the signatures and the contracts' status history (issue 14 §9).
        "offers": list(Offer.objects.order_by("company__siret", "start_date").values_list(
            "company__siret", "programme__rncp_code", "status", "places", "start_date", "end_date", "created_at")),
        "placements": list(Placement.objects.order_by("apprentice__email", "company__siret").values_list(
            "apprentice__email", "company__siret", "status", "proposed_on", "interview_on", "decided_on",
            "contract__start_date", "contract_handed_over_at", "contract_handed_over_by__email")),
        "placement_events": list(PlacementEvent.objects.order_by("placement__apprentice__email", "at", "to_status").values_list(
            "placement__apprentice__email", "from_status", "to_status", "at", "by__email")),
        "status_changes": list(ContractStatusChange.objects.order_by("contract__apprentice__email", "contract__start_date", "changed_at", "to_status")
                               .values_list("contract__apprentice__email", "from_status", "to_status", "changed_at", "changed_by__email")),
        "signatures": list(Signer.objects.order_by("request__document__kind", "request__requested_at", "role").values_list(
            "request__document__kind", "request__document__version", "request__status", "request__requested_at", "role",
            "user__email", "signed_at")),
    }


@pytest.mark.django_db
def test_seed_demo_creates_exact_counts_for_60_apprentices():
    output = seed()

    assert counts() == {
        "User": 8, "Programme": 6, "Cohort": 8, "Company": 36, "CompanyContact": 82, "Interaction": 98,
        # 60 planned learners + the demo candidate enrolled through admissions (issue 13 §1).
        # + the draft of the hire a CRE handed to the administrative team (issue 14 §9).
        "Apprentice": 61, "Contract": 56, "OpcoFile": 50, "OpcoInstalment": 179, "AttendanceRecord": 1298,
        "Visit": 64, "Alert": 31,  # raised by the real nightly rules on the demo
        "Candidate": 11,  # every stage of the admissions pipeline
        # Issue 14 §9: offers, placements at every step with their history, each contract's status
        # history, signature requests in every state (three signers each).
        "Offer": 5, "Placement": 8, "PlacementEvent": 17, "ContractStatusChange": 316, "SignatureRequest": 5, "Signer": 15,
    }
    roles = dict(User.objects.values_list("role").annotate(n=Count("id")))
    assert roles == {Role.COORDINATOR: 1, Role.CRE: 1, Role.TUTOR: 2, Role.ADMIN_STAFF: 2, Role.APPRENTICE: 1, Role.EMPLOYER: 1}
    assert "Données de démonstration créées" in output
    assert "apprenti·es : 61" in output
    assert "candidat·es : 11" in output
    assert "offres : 5" in output and "mises en relation : 8" in output and "demandes de signature : 5" in output


@pytest.mark.django_db
def test_default_size_follows_the_organisation_ratios():
    seed(apprentices=300, seed=42)

    active = Contract.objects.filter(status__in=ACTIVE_CONTRACT_STATUSES).count()
    roles = dict(User.objects.values_list("role").annotate(n=Count("id")))
    assert (Cohort.objects.count(), Company.objects.count(), roles[Role.TUTOR], roles[Role.ADMIN_STAFF]) == (8, 180, 10, 2)
    assert roles[Role.CRE] == max(1, round(active / 90))  # one CRE per 80–100 active contracts
    assert set(Programme.objects.values_list("level", flat=True)) == {3, 5, 6}


@pytest.mark.django_db
def test_every_contract_status_and_apprentice_status_is_present():
    seed()

    assert set(Contract.objects.values_list("status", flat=True)) == set(ContractStatus.values)
    assert set(Apprentice.objects.values_list("status", flat=True)) == set(ApprenticeStatus.values)
    assert set(OpcoFile.objects.values_list("decision", flat=True)) == set(OpcoDecision.values)
    assert set(AttendanceRecord.objects.values_list("status", flat=True)) == set(AttendanceStatus.values)


@pytest.mark.django_db
def test_demo_accounts_have_their_role_the_demo_password_and_their_links():
    seed()

    expected = {
        "coordination@demo.test": Role.COORDINATOR, "cre@demo.test": Role.CRE, "tuteur@demo.test": Role.TUTOR,
        "administratif@demo.test": Role.ADMIN_STAFF, "apprenti@demo.test": Role.APPRENTICE, "employeur@demo.test": Role.EMPLOYER,
    }
    for email, role in expected.items():
        user = User.objects.get(email=email)
        assert (user.role, user.check_password("demo"), bool(user.first_name and user.last_name)) == (role, True, True), email
    apprentice = Apprentice.objects.select_related("cohort__referent_tutor").get(user__email="apprenti@demo.test")
    contact = CompanyContact.objects.select_related("company__owner_cre").get(user__email="employeur@demo.test")
    contract = Contract.objects.get(apprentice=apprentice, company=contact.company)
    assert contract.status == ContractStatus.IN_PROGRESS
    assert contract.master == contact and contact.is_master
    assert apprentice.status == ApprenticeStatus.UNDER_CONTRACT
    assert apprentice.cohort.referent_tutor.email == "tuteur@demo.test"
    assert contact.company.owner_cre.email == "cre@demo.test"
    # Other staff accounts follow the numbered pattern.
    assert list(User.objects.filter(role=Role.TUTOR).order_by("email").values_list("email", flat=True)) == [
        "tuteur2@demo.test", "tuteur@demo.test",
    ]


@pytest.mark.django_db(transaction=True)  # flush inside a test transaction fails on PostgreSQL (deferred FK triggers)
def test_same_seed_gives_the_same_data_and_another_seed_different_data():
    seed(seed=7)
    first = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()

    seed(seed=7)
    second = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    ContentType.objects.clear_cache()

    seed(seed=8)
    other = snapshot()

    assert first == second
    assert first["apprentices"] != other["apprentices"]
    assert first["companies"] != other["companies"]


@pytest.mark.django_db
def test_second_run_on_a_seeded_database_changes_nothing_and_says_so():
    seed()
    before, contracts_before = counts(), snapshot()["contracts"]

    output = seed(seed=99)

    assert counts() == before
    assert snapshot()["contracts"] == contracts_before
    # The accounts are printed once by every run that leaves the demo in place (make run prints nothing).
    assert output.strip().splitlines() == [
        "Les données de démonstration sont déjà en place : rien n'a été modifié.",
        "Comptes (mot de passe « demo ») : coordination@, cre@, tuteur@, administratif@, apprenti@, employeur@demo.test",
    ]


@pytest.mark.django_db
def test_every_generated_object_passes_full_clean():
    seed()

    checked = 0
    for model in ALL_MODELS:
        for obj in model.objects.all():
            before = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
            obj.full_clean()
            after = {f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields}
            # clean() normalises (SIRET, NAF, IDCC, OPCO from the IDCC…): the demo already stores the normal form.
            assert after == before, (model.__name__, obj.pk)
            checked += 1
    assert checked == sum(counts().values())


@pytest.mark.django_db
def test_companies_have_valid_sirets_la_poste_included_and_an_opco_from_their_idcc():
    seed()

    companies = list(Company.objects.all())
    for company in companies:
        validate_siret(company.siret)
        assert company.opco and company.opco == opco_for_idcc(company.idcc)
    assert len({c.siret for c in companies}) == len(companies)
    la_poste = [c for c in companies if c.siret.startswith("356000000")]
    assert len(la_poste) == 1 and sum(map(int, la_poste[0].siret)) % 5 == 0


@pytest.mark.django_db
def test_dates_are_placed_relative_to_today():
    seed()

    in_progress = Contract.objects.filter(status=ContractStatus.IN_PROGRESS)
    ends = sorted((c.end_date - TODAY).days for c in in_progress if c.end_date <= TODAY + timedelta(days=60))
    assert {7, 30, 60} <= set(ends)
    assert all(c.start_date <= TODAY for c in in_progress)
    seekers = Apprentice.objects.filter(status=ApprenticeStatus.SEEKING)
    assert seekers and all(a.status_since < TODAY and a.status_since == a.training_start_date for a in seekers)
    waited = {(TODAY - a.status_since).days for a in seekers}
    assert 80 in waited and max(waited) > 90  # approaching and past the 3-month limit
    assert Apprentice.objects.filter(status=ApprenticeStatus.SEEKING, enrolment_date=TODAY - timedelta(days=80)).exists()
    assert Contract.objects.filter(status=ContractStatus.BROKEN, rupture_date=TODAY - timedelta(days=14)).exists()
    assert Cohort.objects.filter(start_date__year=2026, start_date__month=9).count() == 5
    assert Cohort.objects.filter(start_date__year=2025, start_date__month=9).exists()
    days = AttendanceRecord.objects.values_list("day", flat=True)
    assert min(days) >= TODAY - timedelta(weeks=8) and max(days) < TODAY
    assert Visit.objects.filter(done_date__isnull=True, planned_date__gte=TODAY).exists()  # visits due
    assert Visit.objects.filter(done_date__isnull=True, planned_date__lt=TODAY).exists()  # overdue


@pytest.mark.django_db
def test_statuses_and_relations_are_coherent():
    seed()

    for contract in Contract.objects.select_related("master", "apprentice__cohort"):
        assert contract.master.company_id == contract.company_id and contract.master.is_master
        assert contract.programme_id == contract.apprentice.cohort.programme_id
    for apprentice in Apprentice.objects.prefetch_related("contracts"):
        statuses = [c.status for c in apprentice.contracts.all()]
        active = [s for s in statuses if s in ACTIVE_CONTRACT_STATUSES]
        if apprentice.status == ApprenticeStatus.UNDER_CONTRACT:
            assert len(active) == 1
        elif apprentice.status == ApprenticeStatus.SEEKING:
            assert not active
        elif apprentice.status == ApprenticeStatus.RUPTURANT:
            broken = apprentice.contracts.get(status=ContractStatus.BROKEN)
            assert (active, apprentice.status_since) == ([], broken.rupture_date)
        elif apprentice.status == ApprenticeStatus.DROPPED_OUT:
            assert apprentice.exclusion_date == apprentice.status_since and not active
        elif apprentice.status == ApprenticeStatus.COMPLETED:
            assert statuses == [ContractStatus.ENDED]
    for file in OpcoFile.objects.select_related("contract"):
        assert (file.decision == OpcoDecision.PENDING) == (file.contract.status == ContractStatus.SENT_TO_OPCO)
    assert not OpcoInstalment.objects.exclude(opco_file__decision=OpcoDecision.ACCEPTED).exists()
    for visit in Visit.objects.select_related("apprentice__cohort", "tutor"):
        assert visit.tutor_id == visit.apprentice.cohort.referent_tutor_id and visit.tutor.role == Role.TUTOR
    assert not AttendanceRecord.objects.filter(status=AttendanceStatus.PRESENT).exclude(justification=JustificationStatus.NONE).exists()
    assert Visit.objects.filter(at_risk=True).exists() and Apprentice.objects.filter(has_nir=True).exists()
    for alert in Alert.objects.all():
        assert alert.subject is not None and alert.is_open


@pytest.mark.django_db
def test_seed_demo_refuses_too_few_apprentices_and_a_malformed_date():
    with pytest.raises(CommandError, match="au moins 40"):
        call_command("seed_demo", apprentices=10, seed=7, today="2026-11-28")
    with pytest.raises(CommandError, match="AAAA-MM-JJ"):
        call_command("seed_demo", apprentices=60, seed=7, today="28/11/2026")
    assert sum(model.objects.count() for model in ALL_MODELS) == 0
    assert apps.is_installed("alerts")


@pytest.mark.django_db
def test_if_empty_never_mixes_the_demo_with_real_data():
    from tests.factories.companies import CompanyFactory

    CompanyFactory(name="Boulangerie Réelle")
    out = StringIO()

    call_command("seed_demo", apprentices=60, seed=7, today="2026-11-28", if_empty=True, stdout=out)

    assert "déjà des données" in out.getvalue()
    assert Apprentice.objects.count() == 0
    assert not User.objects.filter(email="coordination@demo.test").exists()


@pytest.mark.django_db
def test_if_empty_seeds_an_empty_database():
    call_command("seed_demo", apprentices=60, seed=7, today="2026-11-28", if_empty=True, stdout=StringIO())

    assert User.objects.filter(email="coordination@demo.test").exists()


@pytest.mark.django_db
def test_candidates_are_at_every_stage_on_working_days_with_their_history():
    seed()

    stages = dict(Candidate.objects.values_list("status").annotate(n=Count("id")))
    assert stages == {
        CandidateStatus.RECEIVED: 3, CandidateStatus.POSITIONING: 2, CandidateStatus.ADMITTED: 2, CandidateStatus.WAITING_LIST: 1,
        CandidateStatus.REFUSED: 1, CandidateStatus.WITHDRAWN: 1, CandidateStatus.ENROLLED: 1,
    }
    assert sorted(Candidate.objects.filter(status=CandidateStatus.RECEIVED).values_list("status_since", flat=True)) == [
        date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)]  # 3, 2, 1 working days before Saturday 28/11
    for candidate in Candidate.objects.prefetch_related("events"):
        events = list(candidate.events.all())
        assert events[0].to_status == CandidateStatus.RECEIVED and events[-1].to_status == candidate.status
        assert all(is_working_day(event.at.date()) and event.at.date() < TODAY for event in events)
        assert candidate.status_since == events[-1].at.date()
    enrolled = Candidate.objects.select_related("apprentice").get(status=CandidateStatus.ENROLLED)
    assert (enrolled.apprentice.status, enrolled.apprentice.status_since, enrolled.apprentice.cohort_id) == (
        ApprenticeStatus.SEEKING, enrolled.status_since, enrolled.cohort_id)
    assert enrolled.apprentice.documents.get().sha256 == enrolled.cv_sha256
    assert CandidateEvent.objects.count() == 11 + 1 * 2 + 2 * 2 + 1 * 2 + 1 * 2 + 1 + 1 * 3
    # The programmes with a running cohort are open to applications; the candidates applied to three of them.
    open_ids = set(Programme.objects.filter(admissions_open=True).values_list("pk", flat=True))
    assert len(open_ids) == 6 and len(set(Candidate.objects.values_list("programme_id", flat=True)) & open_ids) == 3


@pytest.mark.django_db
def test_sites_and_competence_blocks_are_valid_and_every_cohort_has_a_site_and_room():
    from alternance.models import CompetenceBlock, Site
    from alternance.validators import validate_uai

    seed()

    sites = list(Site.objects.order_by("name"))
    assert [site.name for site in sites] == ["Antenne de Grenoble", "Campus Lyon Gerland", "Campus Villeurbanne Doua"]
    for site in sites:
        validate_uai(site.uai)
        validate_siret(site.siret)
        site.full_clean()
    assert {site.siret[:9] for site in sites} == {"732829320"}  # establishments of the OF
    for programme in Programme.objects.all():
        blocks = list(CompetenceBlock.objects.filter(programme=programme).order_by("order"))
        assert blocks, programme.title
        assert [block.code for block in blocks] == [f"{programme.rncp_code}BC{n:02d}" for n in range(1, len(blocks) + 1)]
        for block in blocks:
            block.full_clean()
    cohorts = Cohort.objects.annotate(n=Count("apprentices"))
    assert all(cohort.site_id and cohort.capacity >= cohort.n for cohort in cohorts)
    assert len({cohort.site_id for cohort in cohorts}) == 3


@pytest.mark.django_db
def test_employer_participation_follows_the_rules_and_is_never_invoiced_before_it_is_due():
    """Issue 15 §1: level 6+ contracts concluded from 1 July 2025 carry the amount the product
    computes (``contracts.opco.schedule_for``: 45 company days of the real calendar, rupture, new
    employer), and no invoice precedes the day it became due (the day after the 45th company day)."""
    from contracts import opco

    seed()
    files = list(OpcoFile.objects.filter(decision=OpcoDecision.ACCEPTED).select_related(
        "contract__programme", "contract__company", "contract__apprentice__cohort"))
    with_participation = [f for f in files if f.employer_participation_amount is not None]
    assert with_participation, "the demo should show employer participations"
    due = opco.participation_dates(files, settings=ContractSettings.load())
    for opco_file in files:
        expected = opco.schedule_for(opco_file).employer_participation
        assert opco_file.employer_participation_amount == (expected.amount if expected else None), opco_file.contract
        if opco_file.employer_participation_invoiced_date:
            assert expected.invoiceable_from <= opco_file.employer_participation_invoiced_date, opco_file.contract
    invoiced = [f for f in with_participation if f.employer_participation_invoiced_date]
    assert invoiced and all(due.get(f.pk) is None for f in invoiced)  # an invoiced participation is no longer pending
    # The contracts were bulk-inserted: each one's 45th company day is kept all the same (the OPCO board reads it).
    from alternance.planning.free_period import computed_free_period_ends
    from contracts.models import Contract

    kept = dict(Contract.objects.values_list("pk", "free_period_end"))
    assert kept == computed_free_period_ends(Contract.objects.all()) and any(kept.values())
