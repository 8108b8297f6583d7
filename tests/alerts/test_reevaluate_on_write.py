"""Alerts follow the facts as they change (issue 14 §3): a write that removes (or creates) the
condition of a rule for a subject re-evaluates that rule for that subject right after its commit,
with the nightly reconciliation; the nightly run afterwards agrees."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts import services, tasks
from alerts.choices import AlertStatus
from alerts.models import Alert, AlertEvent, RuleSettings
from alerts.rules import RULES
from alerts.triggers import WRITE_RULES
from alternance.attendance.services import justification_refuse, justification_submit
from alternance.choices import ApprenticeStatus
from alternance.tutoring.services import visit_record
from contracts.choices import ContractStatus, InstalmentKind, RuptureInitiative, RuptureKind
from contracts.opco import instalment_record_invoice
from contracts.services import RuptureInput, contract_mark_signed, contract_record_rupture
from tests.alerts.conftest import TODAY, absent, present, situation, under_contract
from tests.alternance.attendance.test_absences_support import pdf_bytes, upload
from tests.factories.alternance import AdminStaffFactory, ApprenticeFactory, CohortFactory, VisitFactory
from tests.factories.contracts import ContractFactory, OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), tick=False)  # TODAY, a Monday


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "https://alternance.example.test"


@pytest.fixture(autouse=True)
def eager(celery_eager):
    return celery_eager


def nightly(*codes: str) -> dict:
    return services.nightly_run(today=TODAY, rules=list(codes), trigger="test").counts


def alerts_of(code: str) -> list[tuple]:
    return list(Alert.objects.filter(rule_code=code).order_by("pk").values_list("subject_id", "status", "auto_resolved"))


def snapshot() -> tuple:
    return (
        list(Alert.objects.order_by("pk").values_list("pk", "rule_code", "subject_id", "status", "severity", "resolved_at", "facts")),
        AlertEvent.objects.count(),
    )


def resolved_by_the_write(alert: Alert, rule_title: str) -> None:
    alert.refresh_from_db()
    reason = f"Condition levée le 30/11/2026 : la règle « {rule_title} » ne constate plus la situation."
    assert (alert.status, alert.auto_resolved, alert.closed_by, alert.resolution_reason, alert.condition_active) == (
        AlertStatus.RESOLVED, True, None, reason, False,
    )
    assert list(alert.events.order_by("pk").values_list("from_status", "to_status", "comment"))[-1] == (AlertStatus.NEW, AlertStatus.RESOLVED, reason)


def rerun(code: str, subject_model: str, subject_id: int) -> None:
    """The task delivered twice more (a retry, a duplicate message): nothing changes."""
    before = snapshot()
    for _ in range(2):
        tasks.reevaluate_subject.delay(rules=[code], subject_model=subject_model, subject_ids=[subject_id])
    assert snapshot() == before


def nightly_agrees(code: str, *, still_open: int) -> None:
    before = snapshot()
    counts = nightly(code)[code]
    assert (counts["raised"], counts["resolved"], counts["still_open"]) == (0, 0, still_open)
    assert snapshot()[0] == before[0]


# --- the map -----------------------------------------------------------------------------------------

def test_every_rule_of_the_write_map_is_registered_for_the_subject_model_it_is_given():
    pairs = {(code, model) for rules in WRITE_RULES.values() for model, codes in rules.items() for code in codes}
    assert pairs and all(RULES[code].subject_model == model for code, model in pairs)
    assert all(RULES[code].scoped for code, _model in pairs)


def test_every_registered_rule_names_its_subject_model():
    assert {code: rule.subject_model for code, rule in RULES.items()} == {
        "absences": "alternance.apprentice", "contract_end": "contracts.contract", "cre_overload": "alternance.user",
        "master_capacity": "companies.companycontact", "opco_delay": "contracts.contract", "rupture_risk": "alternance.apprentice",
        "visits_overdue": "contracts.contract", "without_company": "alternance.apprentice",
    }


# --- visits_overdue: « Première visite à faire » -------------------------------------------------------

def late_first_visit():
    """In force since June: the 45-company-day free period ended without a visit (critical)."""
    return under_contract(cohort=CohortFactory(start_date=date(2026, 6, 1)), signature_date=date(2026, 5, 25),
                          start_date=date(2026, 6, 1), practical_training_start_date=date(2026, 6, 1))


def test_recording_the_first_visit_resolves_its_alert_right_after_the_commit(django_capture_on_commit_callbacks):
    contract, other = late_first_visit(), late_first_visit()
    nightly("visits_overdue")
    alert, other_alert = Alert.objects.filter(rule_code="visits_overdue").order_by("pk")
    assert (alert.subject_id, other_alert.subject_id, alert.facts["stage"]) == (contract.pk, other.pk, "first_passed")
    visit = VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=TODAY - timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True):
        visit_record(visit=visit, answers={}, done_date=TODAY - timedelta(days=2), today=TODAY, by=visit.tutor)

    resolved_by_the_write(alert, "Visite en retard")
    assert alerts_of("visits_overdue") == [(contract.pk, AlertStatus.RESOLVED, True), (other.pk, AlertStatus.NEW, False)]
    rerun("visits_overdue", "contracts.contract", contract.pk)
    nightly_agrees("visits_overdue", still_open=1)


def test_a_visit_flagged_at_risk_raises_the_rupture_risk_alert_right_after_the_commit(django_capture_on_commit_callbacks):
    contract = under_contract()
    nightly("rupture_risk")
    assert alerts_of("rupture_risk") == []
    visit = VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=TODAY - timedelta(days=1))

    with django_capture_on_commit_callbacks(execute=True):
        visit_record(visit=visit, answers={}, done_date=TODAY, today=TODAY, by=visit.tutor, at_risk=True, risk_comment="Conflit avec le tuteur.")

    alert = Alert.objects.get(rule_code="rupture_risk")
    assert (alert.subject_id, alert.status, alert.contract_id) == (contract.apprentice_id, AlertStatus.NEW, contract.pk)
    assert [f["code"] for f in alert.facts["factors"]] == ["visit_at_risk"]
    assert list(alert.events.values_list("to_status", flat=True)) == [AlertStatus.NEW]
    rerun("rupture_risk", "alternance.apprentice", contract.apprentice_id)
    nightly_agrees("rupture_risk", still_open=1)


# --- absences ------------------------------------------------------------------------------------------

@pytest.fixture
def absence_thresholds():
    # Only the "unjustified half-days in the window" signal (3 in 30 days) in these tests.
    RuleSettings.objects.update_or_create(pk=1, defaults={"attendance_min_records": 100, "absence_consecutive_days": 10})


def absentee():
    apprentice = ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=10))
    records = [absent(apprentice, TODAY - timedelta(days=offset)) for offset in (1, 3, 5)]
    for offset in (1, 3, 5):
        present(apprentice, TODAY - timedelta(days=offset))
    return apprentice, records


def test_a_proof_sent_for_an_absence_resolves_the_alert_and_its_refusal_raises_it_again(absence_thresholds, django_capture_on_commit_callbacks):
    (apprentice, records), (other, _records) = absentee(), absentee()
    nightly("absences")
    alert = Alert.objects.get(rule_code="absences", subject_id=apprentice.pk)

    with django_capture_on_commit_callbacks(execute=True):
        pending = justification_submit(record=records[0], by=apprentice.user, file=upload(pdf_bytes()), reason="Rendez-vous médical", today=TODAY)

    resolved_by_the_write(alert, "Absences répétées")
    assert alerts_of("absences") == [(apprentice.pk, AlertStatus.RESOLVED, True), (other.pk, AlertStatus.NEW, False)]
    rerun("absences", "alternance.apprentice", apprentice.pk)

    with django_capture_on_commit_callbacks(execute=True):
        justification_refuse(record=pending, by=AdminStaffFactory(), comment="Document illisible.")

    again = Alert.objects.get(rule_code="absences", subject_id=apprentice.pk, status=AlertStatus.NEW)
    assert (again.previous_id, [h["id"] for h in again.facts["history"]], again.facts["unjustified_in_window"]) == (alert.pk, [alert.pk], 3)
    rerun("absences", "alternance.apprentice", apprentice.pk)
    nightly_agrees("absences", still_open=2)


# --- contract_end, opco_delay, without_company: contract transitions and the OPCO file ----------------------

def test_a_rupture_resolves_the_contract_end_alert_right_after_the_commit(django_capture_on_commit_callbacks):
    contract, other = under_contract(end_date=TODAY + timedelta(days=20)), under_contract(end_date=TODAY + timedelta(days=25))
    nightly("contract_end")
    alert = Alert.objects.get(rule_code="contract_end", subject_id=contract.pk)
    rupture = RuptureInput(rupture_date=TODAY, kind=RuptureKind.MUTUAL_AGREEMENT, initiative=RuptureInitiative.BOTH, cause="Déménagement.")

    with django_capture_on_commit_callbacks(execute=True):
        contract_record_rupture(contract=contract, by=AdminStaffFactory(), rupture=rupture, today=TODAY)

    resolved_by_the_write(alert, "Fin de contrat proche")
    assert alerts_of("contract_end") == [(contract.pk, AlertStatus.RESOLVED, True), (other.pk, AlertStatus.NEW, False)]
    rerun("contract_end", "contracts.contract", contract.pk)
    nightly_agrees("contract_end", still_open=1)


def late_instalment():
    file = OpcoFileFactory(contract=under_contract(), decision="accepted", decision_date=date(2026, 9, 20), sent_date=date(2026, 9, 8))
    return OpcoInstalmentFactory(opco_file=file, kind=InstalmentKind.ADVANCE, due_date=TODAY - timedelta(days=5), amount=Decimal("100"))


def test_invoicing_the_late_instalment_resolves_the_opco_delay_alert_right_after_the_commit(django_capture_on_commit_callbacks):
    instalment, other = late_instalment(), late_instalment()
    nightly("opco_delay")
    contract_id = instalment.opco_file.contract_id
    alert = Alert.objects.get(rule_code="opco_delay", subject_id=contract_id)

    with django_capture_on_commit_callbacks(execute=True):
        instalment_record_invoice(instalment=instalment, invoice_number="F-2026-118", invoiced_date=TODAY, by=None, today=TODAY)

    resolved_by_the_write(alert, "Retard OPCO")
    assert alerts_of("opco_delay") == [(contract_id, AlertStatus.RESOLVED, True), (other.opco_file.contract_id, AlertStatus.NEW, False)]
    rerun("opco_delay", "contracts.contract", contract_id)
    nightly_agrees("opco_delay", still_open=1)


def test_signing_a_contract_resolves_the_without_company_alert_right_after_the_commit(django_capture_on_commit_callbacks):
    seeker, other = (ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95)) for _ in range(2))
    nightly("without_company")
    alert = Alert.objects.get(rule_code="without_company", subject_id=seeker.pk)
    contract = ContractFactory(apprentice=seeker, status=ContractStatus.AWAITING_SIGNATURES, signature_date=None,
                               start_date=TODAY + timedelta(days=7), practical_training_start_date=TODAY + timedelta(days=7))

    with django_capture_on_commit_callbacks(execute=True):
        contract_mark_signed(contract=contract, by=AdminStaffFactory(), signature_date=TODAY, today=TODAY)

    resolved_by_the_write(alert, "Apprenti·e sans entreprise")
    assert alerts_of("without_company") == [(seeker.pk, AlertStatus.RESOLVED, True), (other.pk, AlertStatus.NEW, False)]
    rerun("without_company", "alternance.apprentice", seeker.pk)
    nightly_agrees("without_company", still_open=1)


# --- the restricted reconciliation -------------------------------------------------------------------------

def test_a_partial_reevaluation_never_resolves_another_subjects_alert_even_when_its_condition_is_gone():
    contract, other = late_first_visit(), late_first_visit()
    nightly("visits_overdue")
    # The other contract's condition disappears without a write that re-evaluates it (the nightly's job).
    VisitFactory(apprentice=other.apprentice, contract=other, planned_date=TODAY, done_date=TODAY - timedelta(days=1))

    outcomes = services.subjects_reevaluate(rule_codes=["visits_overdue"], subject_model="contracts.contract", subject_ids=[contract.pk], today=TODAY)

    assert [(o.code, o.raised, o.still_open, o.resolved) for o in outcomes] == [("visits_overdue", 0, 1, 0)]
    assert alerts_of("visits_overdue") == [(contract.pk, AlertStatus.NEW, False), (other.pk, AlertStatus.NEW, False)]
    assert nightly("visits_overdue")["visits_overdue"]["resolved"] == 1


def test_a_write_that_is_rolled_back_reevaluates_nothing(django_capture_on_commit_callbacks):
    from django.db import transaction

    contract = late_first_visit()
    nightly("visits_overdue")
    visit = VisitFactory(apprentice=contract.apprentice, contract=contract, planned_date=TODAY - timedelta(days=3))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                visit_record(visit=visit, answers={}, done_date=TODAY - timedelta(days=2), today=TODAY, by=visit.tutor)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass

    assert callbacks == []
    assert alerts_of("visits_overdue") == [(contract.pk, AlertStatus.NEW, False)]


def test_rules_that_do_not_apply_to_the_subject_model_or_are_unknown_are_skipped():
    contract = late_first_visit()
    outcomes = services.subjects_reevaluate(rule_codes=["absences", "no_such_rule", "visits_overdue"], subject_model="contracts.contract",
                                            subject_ids=[contract.pk], today=TODAY)
    assert [(o.code, o.raised) for o in outcomes] == [("visits_overdue", 1)]


@pytest.mark.parametrize("code, subject_model, make", [
    ("visits_overdue", "contracts.contract", lambda: late_first_visit().pk),
    ("absences", "alternance.apprentice", lambda: absentee()[0].pk),
    ("rupture_risk", "alternance.apprentice", lambda: situation("rupture_risk", 0).apprentice_id),
    ("opco_delay", "contracts.contract", lambda: late_instalment().opco_file.contract_id),
    ("contract_end", "contracts.contract", lambda: under_contract(end_date=TODAY + timedelta(days=20)).pk),
    ("without_company", "alternance.apprentice",
     lambda: ApprenticeFactory(status=ApprenticeStatus.SEEKING, status_since=TODAY - timedelta(days=95)).pk),
])
def test_the_reevaluation_of_one_subject_does_not_grow_with_the_number_of_other_subjects(absence_thresholds, code, subject_model, make):
    def queries(others: int) -> int:
        Alert.objects.all().delete()
        subject = make()
        for _ in range(others):
            make()
        nightly(code)  # every subject has an open alert
        with CaptureQueriesContext(connection) as captured:
            services.subjects_reevaluate(rule_codes=[code], subject_model=subject_model, subject_ids=[subject], today=TODAY)
        # The rule itself read only this subject's rows (its querysets are restricted, not its findings filtered).
        scoped = services.rule_context(TODAY, subject_ids=frozenset({subject}))
        assert [finding.subject_id for finding in RULES[code](scoped)] == [subject]
        assert Alert.objects.filter(rule_code=code, status=AlertStatus.NEW).count() > others  # the others' alerts are open (and left so)
        return len(captured)

    assert queries(1) == queries(4)
