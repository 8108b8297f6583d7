"""Merging duplicates (issue 13 §3): every row that hangs from the merged record moves (re-read from
the database, kind by kind), field precedence, each collision policy, nothing half-written when a
collision refuses, the merge recorded, and a preview whose query count does not grow with rows."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.choices import AlertStatus
from alerts.models import Alert
from alternance.choices import (
    ApprenticeStatus,
    AttendanceStatus,
    CalendarPlace,
    CandidateStatus,
    HalfDay,
    Role,
    SignatureMethod,
)
from alternance.merges import services
from alternance.merges.services import (
    KEPT,
    MERGED,
    MergeRefused,
    apprentice_merge,
    company_merge,
    merge_plan,
    relations,
)
from alternance.merges.signals import record_merged
from alternance.models import (
    Apprentice,
    AttendanceRecord,
    AttendanceTally,
    CalendarOverride,
    Candidate,
    KeyDate,
    PersonalDataExport,
    SessionSignature,
    User,
    Visit,
)
from companies.choices import PlacementStatus
from companies.models import Company, CompanyContact, Interaction, Offer, Placement
from contracts.choices import ContractStatus
from contracts.models import Contract, Document
from tests.factories.alerts import AlertFactory
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CandidateFactory,
    CohortFactory,
    CoordinatorFactory,
    TrainingSessionFactory,
    UserFactory,
    VisitFactory,
)
from tests.factories.companies import CompanyContactFactory, CompanyFactory, InteractionFactory, valid_siret
from tests.factories.contracts import ContractFactory, DocumentFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
PARIS = ZoneInfo("Europe/Paris")


def alert_about(subject, **fields):
    return AlertFactory(subject_type=ContentType.objects.get_for_model(subject), subject_id=subject.pk, **fields)


@pytest.fixture
def coordinator():
    return CoordinatorFactory(email="coordination@example.test")


def pair(**merged_fields):
    cohort = CohortFactory()
    kept = ApprenticeFactory(last_name="Moreau", first_name="Inès", birth_date=date(2006, 4, 2), cohort=cohort, phone="",
                             ine="", email="ines@example.test")
    merged = ApprenticeFactory(last_name="MOREAU", first_name="Ines", birth_date=date(2006, 4, 2), cohort=cohort, **merged_fields)
    return kept, merged


def hang_everything_on_apprentice(apprentice, *, company):
    """One row of every kind that points at an apprentice."""
    contract = ContractFactory(apprentice=apprentice, company=company, status=ContractStatus.DRAFT, signature_date=None)
    AttendanceRecordFactory(apprentice=apprentice, day=date(2026, 11, 16), half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)
    CalendarOverride.objects.create(apprentice=apprentice, day=date(2026, 11, 18), place=CalendarPlace.COMPANY, reason="Salon")
    KeyDate.objects.create(cohort=apprentice.cohort, apprentice=apprentice, kind="exam", label="Oral", day=date(2027, 5, 3))
    VisitFactory(apprentice=apprentice, contract=contract)
    InteractionFactory(company=company, apprentice=apprentice, author=UserFactory(), summary="Appel au sujet de l'apprentie",
                       occurred_at=datetime(2026, 11, 2, 10, tzinfo=PARIS))
    Placement.objects.create(apprentice=apprentice, company=company, proposed_on=date(2026, 10, 1), status=PlacementStatus.REFUSED)
    DocumentFactory(contract=None, apprentice=apprentice, title="Pièce d'identité")
    AlertFactory(apprentice=apprentice, title="Absences")
    CandidateFactory(status=CandidateStatus.ENROLLED, cohort=apprentice.cohort, apprentice=apprentice)
    PersonalDataExport.objects.create(apprentice=apprentice, created_by=UserFactory())
    # A line of a sign-in sheet (issue 19 §2): the evidence follows the person.
    SessionSignature.objects.create(session=TrainingSessionFactory(cohort=apprentice.cohort), apprentice=apprentice,
                                    method=SignatureMethod.MANUAL, manual_reason="Pas de téléphone",
                                    signed_at=datetime(2026, 12, 7, 9, 5, tzinfo=PARIS))
    return contract


# The rows pointing at an apprentice or a company, and how many each helper above creates. A new
# model pointing at them fails this test until its collisions are thought through (services.POLICIES).
APPRENTICE_RELATIONS = {
    "alternance.candidate.apprentice", "alternance.attendancerecord.apprentice", "alternance.keydate.apprentice",
    "alternance.calendaroverride.apprentice", "alternance.visit.apprentice", "companies.interaction.apprentice",
    "companies.placement.apprentice", "contracts.contract.apprentice", "contracts.document.apprentice", "alerts.alert.apprentice",
    "alternance.personaldataexport.apprentice",  # the subject access exports (GDPR) follow the person
    "alternance.sessionsignature.apprentice",  # sign-in lines: two on one session refuse the merge (unique)
}
COMPANY_RELATIONS = {
    "companies.companycontact.company", "companies.interaction.company", "companies.offer.company", "companies.placement.company",
    "contracts.contract.company", "contracts.document.company", "alerts.alert.company",
}


def test_every_relation_pointing_at_an_apprentice_or_a_company_is_known_and_none_is_many_to_many():
    assert {services.relation_key(r) for r in relations(Apprentice)} == APPRENTICE_RELATIONS
    assert {services.relation_key(r) for r in relations(Company)} == COMPANY_RELATIONS
    assert not [r for r in Apprentice._meta.related_objects + Company._meta.related_objects if r.many_to_many]


def test_every_field_is_merged_or_deliberately_left():
    for model in (Apprentice, Company):
        grouped = {name for group in services.GROUPS[model] for name in group.fields}
        concrete = {f.name for f in model._meta.concrete_fields}
        assert grouped | services.NOT_MERGED[model] == concrete, model
        assert not grouped & services.NOT_MERGED[model]


def test_apprentice_merge_moves_every_kind_and_deletes_the_duplicate(coordinator):
    kept, merged = pair()
    company = CompanyFactory()
    contract = hang_everything_on_apprentice(merged, company=company)
    merged_pk = merged.pk

    plan = merge_plan(kept=kept, merged=merged)
    assert {m.key for m in plan.moves if m.count == 1} == APPRENTICE_RELATIONS
    moved = apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    assert not Apprentice.objects.filter(pk=merged_pk).exists()
    assert sum(moved.values()) == 12
    assert list(Contract.objects.filter(apprentice=kept).values_list("pk", flat=True)) == [contract.pk]
    for model in (AttendanceRecord, CalendarOverride, KeyDate, Visit, Interaction, Placement, Document, Alert, PersonalDataExport,
                  SessionSignature):
        assert model.objects.filter(apprentice=kept).count() == 1, model
    assert Candidate.objects.get().apprentice_id == kept.pk


def test_fields_kept_values_win_empty_ones_are_filled_conflicts_follow_the_choice(coordinator):
    kept, merged = pair(phone="0611223344", ine="1234567890A", email="ines.moreau@example.test", city="Lyon", postal_code="69003",
                        address="4 rue Vendôme")

    plan = merge_plan(kept=kept, merged=merged)
    states = {row.group.key: row.state for row in plan.fields}
    assert (states["phone"], states["ine"], states["email"], states["address"], states["birth_date"]) == (
        "filled", "filled", "conflict", "conflict", "same")

    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY, choices={"address": MERGED, "email": KEPT})

    kept.refresh_from_db()
    assert (kept.last_name, kept.first_name, kept.phone, kept.ine, kept.email) == (
        "Moreau", "Inès", "0611223344", "1234567890A", "ines@example.test")
    assert (kept.address, kept.postal_code, kept.city) == ("4 rue Vendôme", "69003", "Lyon")


def test_a_choice_on_a_field_that_does_not_conflict_is_ignored(coordinator):
    kept, merged = pair(phone="0611223344", sex="M")
    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY, choices={"sex": KEPT, "phone": KEPT, "ine": MERGED})
    kept.refresh_from_db()
    assert (kept.sex, kept.phone, kept.ine) == ("F", "0611223344", "")


def test_identical_attendance_is_kept_once_different_attendance_refuses_and_nothing_is_written(coordinator):
    kept, merged = pair()
    day = date(2026, 11, 16)
    AttendanceRecordFactory(apprentice=kept, day=day, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)
    AttendanceRecordFactory(apprentice=merged, day=day, half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)
    AttendanceRecordFactory(apprentice=kept, day=day, half=HalfDay.AFTERNOON, status=AttendanceStatus.PRESENT)
    AttendanceRecordFactory(apprentice=merged, day=day, half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT)
    AttendanceRecordFactory(apprentice=merged, day=date(2026, 11, 17), half=HalfDay.MORNING, status=AttendanceStatus.ABSENT)

    with pytest.raises(MergeRefused) as refused:
        apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    assert refused.value.messages == [
        "Présences : 1 jour diffère entre les deux fiches (16/11/2026 après-midi). Corrigez l'une des deux avant de fusionner."
    ]
    assert Apprentice.objects.filter(pk=merged.pk).exists()
    assert AttendanceRecord.objects.filter(apprentice=merged).count() == 3
    assert AttendanceRecord.objects.filter(apprentice=kept).count() == 2

    AttendanceRecord.objects.filter(apprentice=kept, half=HalfDay.AFTERNOON).update(status=AttendanceStatus.ABSENT)
    plan = merge_plan(kept=kept, merged=merged)
    assert plan.notes == ["Présences : 2 jours identiques sur les deux fiches, gardés une seule fois (16/11/2026 matin, 16/11/2026 après-midi)."]
    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)
    assert sorted(AttendanceRecord.objects.filter(apprentice=kept).values_list("day", "half")) == [
        (day, HalfDay.MORNING), (day, HalfDay.AFTERNOON), (date(2026, 11, 17), HalfDay.MORNING)]


def test_attendance_tallies_follow_the_kept_cohort(coordinator):
    kept, merged = pair()
    merged.cohort = CohortFactory()
    merged.save()
    day = date(2026, 11, 17)
    AttendanceRecordFactory(apprentice=merged, day=day, status=AttendanceStatus.ABSENT)

    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    assert list(AttendanceTally.objects.filter(day=day).values_list("cohort_id", "recorded", "attended")) == [(kept.cohort_id, 1, 0)]


def test_identical_calendar_change_is_kept_once_a_different_one_refuses(coordinator):
    kept, merged = pair()
    day = date(2026, 11, 18)
    CalendarOverride.objects.create(apprentice=kept, day=day, place=CalendarPlace.COMPANY, reason="Salon")
    CalendarOverride.objects.create(apprentice=merged, day=day, place=CalendarPlace.CENTRE, reason="Rattrapage")

    with pytest.raises(MergeRefused, match="Changements de calendrier : 1 jour diffère entre les deux fiches \\(18/11/2026\\)"):
        apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)
    assert CalendarOverride.objects.filter(apprentice=merged).count() == 1


def test_two_contracts_in_force_refuse_the_merge(coordinator):
    kept, merged = pair()
    ContractFactory(apprentice=kept, company=CompanyFactory(name="Alpha"), status=ContractStatus.IN_PROGRESS)
    ContractFactory(apprentice=merged, company=CompanyFactory(name="Bêta"), status=ContractStatus.SIGNED)

    with pytest.raises(MergeRefused) as refused:
        apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    assert refused.value.messages == [
        "Les deux fiches ont chacune un contrat en vigueur (chez Alpha du 01/09/2026 au 31/08/2028 (En cours) ; "
        "chez Bêta du 01/09/2026 au 31/08/2028 (Signé)) : une personne n'a qu'un contrat à la fois. Enregistrez la fin ou "
        "la rupture de celui qui n'a pas lieu d'être, puis fusionnez."
    ]
    assert Contract.objects.filter(apprentice=merged).count() == 1


def test_a_draft_and_a_contract_in_force_merge_and_the_status_follows_the_contracts(coordinator):
    kept, merged = pair()
    ContractFactory(apprentice=kept, status=ContractStatus.DRAFT, signature_date=None)
    ContractFactory(apprentice=merged, status=ContractStatus.IN_PROGRESS, start_date=date(2026, 9, 1))

    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    kept.refresh_from_db()
    assert (kept.contracts.count(), kept.status, kept.status_since) == (2, ApprenticeStatus.UNDER_CONTRACT, date(2026, 9, 1))


def test_two_enrolled_candidates_refuse_the_merge(coordinator):
    kept, merged = pair()
    CandidateFactory(status=CandidateStatus.ENROLLED, cohort=kept.cohort, apprentice=kept)
    CandidateFactory(status=CandidateStatus.ENROLLED, cohort=merged.cohort, apprentice=merged)

    with pytest.raises(MergeRefused, match="chacune d'une candidature inscrite en promotion"):
        apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)
    assert sorted(Candidate.objects.values_list("apprentice_id", flat=True)) == sorted([kept.pk, merged.pk])


def test_two_extranet_accounts_keep_the_chosen_one_and_deactivate_the_other(coordinator):
    kept, merged = pair()
    kept.user = UserFactory(email="ines.1@example.test", role=Role.APPRENTICE)
    kept.save()
    merged.user = UserFactory(email="ines.2@example.test", role=Role.APPRENTICE)
    merged.save()

    plan = merge_plan(kept=kept, merged=merged, choices={"user": MERGED})
    assert plan.notes == ["Les deux fiches ont un compte extranet : le compte ines.1@example.test sera désactivé."]
    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY, choices={"user": MERGED})

    kept.refresh_from_db()
    assert kept.user.email == "ines.2@example.test"
    assert dict(User.objects.filter(email__startswith="ines.").values_list("email", "is_active")) == {
        "ines.1@example.test": False, "ines.2@example.test": True}


def test_an_open_placement_on_both_records_withdraws_the_duplicate_one(coordinator):
    kept, merged = pair()
    company = CompanyFactory()
    Placement.objects.create(apprentice=kept, company=company, proposed_on=date(2026, 11, 2))
    duplicate = Placement.objects.create(apprentice=merged, company=company, proposed_on=date(2026, 11, 3), status=PlacementStatus.INTERVIEW)

    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    duplicate.refresh_from_db()
    assert (duplicate.apprentice_id, duplicate.status, duplicate.decided_on) == (kept.pk, PlacementStatus.WITHDRAWN, TODAY)
    assert list(duplicate.events.values_list("to_status", "by")) == [(PlacementStatus.WITHDRAWN, coordinator.pk)]


def test_open_alerts_of_the_same_rule_leave_one_open_others_follow_their_subject(coordinator):
    kept, merged = pair()
    kept_alert = alert_about(kept, apprentice=kept, rule_code="without_company")
    twin = alert_about(merged, apprentice=merged, rule_code="without_company")
    other = alert_about(merged, apprentice=merged, rule_code="absences")

    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    twin.refresh_from_db()
    other.refresh_from_db()
    kept_alert.refresh_from_db()
    assert (twin.status, twin.subject_id, twin.closed_by_id) == (AlertStatus.RESOLVED, kept.pk, coordinator.pk)
    assert (other.status, other.subject_id, other.apprentice_id) == (AlertStatus.NEW, kept.pk, kept.pk)
    assert kept_alert.status == AlertStatus.NEW


def test_with_the_chosen_values_the_kept_record_must_stay_valid(coordinator):
    kept, merged = pair()
    merged.birth_date = date(2012, 1, 1)  # a minor without legal representative at the start of training
    merged.save()
    contract = hang_everything_on_apprentice(merged, company=CompanyFactory())

    # Refused at the very end, after every row moved and the duplicate was deleted: all rolled back.
    with pytest.raises(MergeRefused, match="la fiche conservée ne serait pas valide"):
        apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY, choices={"birth_date": MERGED})
    assert Apprentice.objects.filter(pk=merged.pk).exists()
    assert Contract.objects.get(pk=contract.pk).apprentice_id == merged.pk
    for model in (AttendanceRecord, CalendarOverride, KeyDate, Visit, Interaction, Placement, Document, Alert, Candidate):
        assert model.objects.filter(apprentice=merged).count() == 1, model
    kept.refresh_from_db()
    assert kept.birth_date == date(2006, 4, 2)


def test_the_merge_is_signalled_with_the_snapshot_of_the_deleted_record(coordinator):
    kept, merged = pair(phone="0611223344")
    received = []

    def receiver(sender, **kwargs):
        received.append((sender, kwargs))

    record_merged.connect(receiver)
    try:
        apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)
    finally:
        record_merged.disconnect(receiver)

    ((sender, kwargs),) = received
    assert (sender, kwargs["kept"].pk, kwargs["actor"], kwargs["moved"]) == (Apprentice, kept.pk, coordinator, {})
    assert (kwargs["merged"].model, kwargs["merged"].label, kwargs["merged"].values["Téléphone"]) == (
        "alternance.apprentice", "Ines MOREAU", "0611223344")


def test_a_record_is_not_merged_with_itself(coordinator):
    kept, _merged = pair()
    with pytest.raises(MergeRefused, match="une fiche ne se fusionne pas avec elle-même"):
        apprentice_merge(kept=kept, merged=Apprentice.objects.get(pk=kept.pk), by=coordinator, today=TODAY)


# --- companies ----------------------------------------------------------------------------------------------

def company_pair():
    kept = CompanyFactory(name="Boulangerie Martin", siret=valid_siret(501), phone="", email="contact@martin.test")
    merged = CompanyFactory(name="SARL Martin Boulangerie", siret=valid_siret(502), phone="04 72 00 00 00", email="")
    return kept, merged


def test_company_merge_moves_every_kind_folds_twin_contacts_and_notes_it_in_the_log(coordinator):
    kept, merged = company_pair()
    kept_master = CompanyContactFactory(company=kept, first_name="Sophie", last_name="Lemoine", email="s.lemoine@martin.test", phone="")
    twin = CompanyContactFactory(company=merged, first_name="sophie", last_name="LEMOINE", email="", phone="06 00 00 00 00")
    hr = CompanyContactFactory(company=merged, first_name="Paul", last_name="Rh", is_master=False, is_hr=True)
    contract = ContractFactory(company=merged, master=twin, status=ContractStatus.IN_PROGRESS)
    interaction = InteractionFactory(company=merged, contact=twin, author=UserFactory(), summary="Appel",
                                     occurred_at=datetime(2026, 11, 2, 10, tzinfo=PARIS))
    offer = Offer.objects.create(company=merged, programme=contract.programme, start_date=date(2027, 9, 1), end_date=date(2029, 8, 31))
    placement = Placement.objects.create(apprentice=ApprenticeFactory(), company=merged, proposed_on=date(2026, 11, 2))
    document = DocumentFactory(contract=None, apprentice=None, company=merged, title="Kbis")
    alert = alert_about(twin, apprentice=None, company=merged, title="Capacité", rule_code="master_capacity")
    merged_pk = merged.pk

    plan = merge_plan(kept=kept, merged=merged)
    assert plan.notes == ["1 contact figure dans les deux fiches (Sophie Lemoine) : ses deux fiches de contact sont réunies."]
    moved = company_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    assert not Company.objects.filter(pk=merged_pk).exists()
    assert moved == {"Contacts entreprise": 2, "Échanges": 1, "Offres": 1, "Mises en relation": 1, "Contrats": 1, "Documents": 1,
                     "Alertes": 1}
    assert sorted(CompanyContact.objects.filter(company=kept).values_list("pk", flat=True)) == sorted([kept_master.pk, hr.pk])
    kept_master.refresh_from_db()
    assert (kept_master.email, kept_master.phone) == ("s.lemoine@martin.test", "06 00 00 00 00")
    contract.refresh_from_db()
    interaction.refresh_from_db()
    alert.refresh_from_db()
    assert (contract.company_id, contract.master_id) == (kept.pk, kept_master.pk)
    assert (interaction.company_id, interaction.contact_id) == (kept.pk, kept_master.pk)
    assert (alert.company_id, alert.subject_id) == (kept.pk, kept_master.pk)
    for row in (offer, placement, document):
        row.refresh_from_db()
        assert row.company_id == kept.pk
    kept.refresh_from_db()
    assert (kept.name, kept.phone, kept.email) == ("Boulangerie Martin", "04 72 00 00 00", "contact@martin.test")
    note = Interaction.objects.filter(company=kept, author=coordinator).get()
    assert note.summary.startswith("Fiche en double « SARL Martin Boulangerie (")
    assert "contrats : 1" in note.summary


def test_company_merge_may_take_the_duplicates_siret(coordinator):
    kept, merged = company_pair()
    siret = merged.siret
    company_merge(kept=kept, merged=merged, by=coordinator, today=TODAY, choices={"siret": MERGED})
    kept.refresh_from_db()
    assert kept.siret == siret


def test_a_contract_naming_both_twins_as_masters_refuses_the_company_merge(coordinator):
    kept, merged = company_pair()
    master = CompanyContactFactory(company=kept, first_name="Sophie", last_name="Lemoine")
    twin = CompanyContactFactory(company=merged, first_name="Sophie", last_name="Lemoine")
    second = CompanyContactFactory(company=merged, first_name="Luc", last_name="Autre")
    # An odd contract at the merged company naming the twin second (the master is the other one).
    contract = ContractFactory(company=merged, master=second, status=ContractStatus.DRAFT, signature_date=None)
    Contract.objects.filter(pk=contract.pk).update(second_master=twin, master=master)

    with pytest.raises(MergeRefused, match="retirez le second maître d'apprentissage"):
        company_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)
    assert CompanyContact.objects.filter(company=merged).count() == 2


def test_preview_query_count_does_not_grow_with_rows(coordinator, django_assert_max_num_queries):
    def measure(rows: int) -> int:
        kept, merged = pair()
        company = CompanyFactory()
        for i in range(rows):
            AttendanceRecordFactory(apprentice=merged, day=date(2026, 11, 2 + i), status=AttendanceStatus.ABSENT)
            AttendanceRecordFactory(apprentice=kept, day=date(2026, 11, 2 + i), status=AttendanceStatus.ABSENT)
            ContractFactory(apprentice=merged, company=company, status=ContractStatus.DRAFT, signature_date=None)
            Placement.objects.create(apprentice=merged, company=CompanyFactory(), proposed_on=date(2026, 10, 1))
            AlertFactory(apprentice=merged, title=f"Alerte {i}", rule_code=f"regle_{i}")
        kept = Apprentice.objects.select_related("cohort", "user").get(pk=kept.pk)
        merged = Apprentice.objects.select_related("cohort", "user").get(pk=merged.pk)
        with CaptureQueriesContext(connection) as queries:
            plan = merge_plan(kept=kept, merged=merged)
        assert plan.ok
        return len(queries)

    assert measure(1) == measure(4)


def test_the_kept_apprentices_alerts_are_reevaluated_after_the_commit(coordinator, celery_eager, time_machine,
                                                                      django_capture_on_commit_callbacks):
    from datetime import timedelta

    from alerts.services import nightly_run

    time_machine.move_to(datetime(2026, 11, 30, 10, 0, tzinfo=PARIS), tick=False)
    today = date(2026, 11, 30)
    kept, merged = pair()
    Apprentice.objects.filter(pk=kept.pk).update(status=ApprenticeStatus.SEEKING, status_since=today - timedelta(days=95))
    kept.refresh_from_db()
    ContractFactory(apprentice=merged, status=ContractStatus.IN_PROGRESS, start_date=date(2026, 9, 1))
    nightly_run(today=today, rules=["without_company"], trigger="test")
    alert = Alert.objects.get(rule_code="without_company", subject_id=kept.pk)

    with django_capture_on_commit_callbacks(execute=True):
        apprentice_merge(kept=kept, merged=merged, by=coordinator, today=today)

    alert.refresh_from_db()
    kept.refresh_from_db()
    assert kept.status == ApprenticeStatus.UNDER_CONTRACT
    assert (alert.status, alert.auto_resolved) == (AlertStatus.RESOLVED, True)


def test_a_merge_shows_in_the_history_of_the_kept_record_and_of_the_deleted_one(coordinator):
    from auditlog.models import LogEntry

    kept, merged = pair()
    merged_pk = merged.pk
    hang_everything_on_apprentice(merged, company=CompanyFactory())

    apprentice_merge(kept=kept, merged=merged, by=coordinator, today=TODAY)

    apprentice_type = ContentType.objects.get_for_model(Apprentice)
    on_kept = LogEntry.objects.filter(content_type=apprentice_type, object_pk=str(kept.pk), additional_data__kind="merge").get()
    on_merged = LogEntry.objects.filter(content_type=apprentice_type, object_pk=str(merged_pk), additional_data__kind="merge").get()
    assert on_kept.actor_id == coordinator.pk and on_kept.additional_data["merged"]["pk"] == merged_pk
    assert on_merged.additional_data["into"]["pk"] == kept.pk
    assert sum(on_kept.additional_data["moved"].values()) == 12
