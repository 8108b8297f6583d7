"""Invariants of the core models: database constraints first, then clean(), __str__, NIR and login.

Every constraint test writes the violating row directly (``objects.create`` through a factory, or
``update``), bypassing ``full_clean``, so it is the database that must refuse it.
"""

from contextlib import contextmanager
from datetime import date

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import authenticate
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory

from alternance.choices import ApprenticeStatus, AttendanceStatus, HalfDay, JustificationStatus, Role, VisitKind
from alternance.models import Apprentice, AttendanceRecord, Programme, User, Visit
from tests.factories.alternance import (
    ApprenticeFactory,
    AttendanceRecordFactory,
    CohortFactory,
    CoordinatorFactory,
    CreFactory,
    ProgrammeFactory,
    TutorFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

NIR = "185057800608491"  # 1 85 05 78 006 084, key 91


@contextmanager
def violates(*needles: str):
    """The block must be refused by the database; the error names the constraint (or, for SQLite's
    unique message, its columns)."""
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    assert any(needle in message for needle in needles), message


def clean_errors(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


def clean_codes(obj) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return {field: [error.code for error in errors] for field, errors in excinfo.value.error_dict.items()}


# --- User ------------------------------------------------------------------------------------

def test_user_email_is_stored_lowercase():
    user = User.objects.create_user("Camille.Dupont@Example.TEST", "motdepasse-solide-42", role=Role.TUTOR)

    user.refresh_from_db()
    assert user.email == "camille.dupont@example.test"


def test_user_save_lowercases_an_email_changed_afterwards():
    user = UserFactory(email="a@example.test")
    user.email = "Nouvelle.Adresse@Example.TEST"

    user.save()

    assert User.objects.get(pk=user.pk).email == "nouvelle.adresse@example.test"


def test_user_logs_in_by_email_in_any_case_through_the_username_or_the_email_keyword():
    user = User.objects.create_user("camille.dupont@example.test", "motdepasse-solide-42", role=Role.TUTOR)

    assert authenticate(RequestFactory().post("/connexion/"), username="Camille.DUPONT@example.test", password="motdepasse-solide-42") == user
    assert authenticate(RequestFactory().post("/connexion/"), email="camille.dupont@EXAMPLE.test", password="motdepasse-solide-42") == user
    assert authenticate(RequestFactory().post("/connexion/"), email="camille.dupont@example.test", password="mauvais") is None


def test_database_refuses_an_uppercase_email():
    user = UserFactory(email="camille@example.test")

    with violates("user_email_lowercase"):
        User.objects.filter(pk=user.pk).update(email="Camille@Example.test")


def test_database_refuses_an_unknown_role():
    with violates("user_role_valid"):
        User.objects.create(email="pirate@example.test", role="pirate")


def test_database_refuses_a_blank_role():
    with violates("user_role_valid"):
        User.objects.create(email="vide@example.test", role="")


def test_database_refuses_two_users_with_the_same_email():
    UserFactory(email="camille@example.test")

    with violates("Key (email)=", "UNIQUE constraint failed: alternance_user.email"):
        User.objects.create(email="camille@example.test", role=Role.CRE)


def test_user_str_is_the_full_name_or_the_email():
    named = UserFactory(email="camille@example.test", first_name="Camille", last_name="Dupont")
    unnamed = UserFactory(email="anonyme@example.test", first_name="", last_name="")

    assert [str(named), str(unnamed)] == ["Camille Dupont", "anonyme@example.test"]


@pytest.mark.parametrize(
    ("role", "staff", "extranet"),
    [
        (Role.COORDINATOR, True, False),
        (Role.CRE, True, False),
        (Role.TUTOR, True, False),
        (Role.ADMIN_STAFF, True, False),
        (Role.APPRENTICE, False, True),
        (Role.EMPLOYER, False, True),
    ],
)
def test_user_role_tells_staff_from_extranet_users(role, staff, extranet):
    user = User(email="x@example.test", role=role)

    assert (user.is_staff_member, user.is_extranet_user) == (staff, extranet)


# --- Programme -------------------------------------------------------------------------------

@pytest.mark.parametrize("months", [5, 49, 0])
def test_database_refuses_a_programme_shorter_than_6_or_longer_than_48_months(months):
    with violates("programme_duration_6_48"):
        ProgrammeFactory(duration_months=months)


def test_database_accepts_programmes_of_6_and_48_months():
    programmes = [ProgrammeFactory(duration_months=6), ProgrammeFactory(duration_months=48)]

    assert sorted(Programme.objects.filter(pk__in=[p.pk for p in programmes]).values_list("duration_months", flat=True)) == [6, 48]


def test_database_refuses_a_programme_without_training_hours():
    with violates("programme_training_hours_positive"):
        ProgrammeFactory(training_hours=0)


def test_database_refuses_an_unknown_qualification_level():
    with violates("programme_level_valid"):
        ProgrammeFactory(level=2)


@pytest.mark.parametrize("rncp", ["35341", "RNCP12", "rncp35341", "RNCP3534A", "RNCP 3534"])
def test_database_refuses_an_rncp_code_not_of_the_stored_form(rncp):
    with violates("programme_rncp_format"):
        ProgrammeFactory(rncp_code=rncp)


def test_database_refuses_two_programmes_with_the_same_title():
    ProgrammeFactory(title="BTS SIO")

    with violates("Key (title)=", "UNIQUE constraint failed: alternance_programme.title"):
        ProgrammeFactory(title="BTS SIO")


def test_programme_clean_adds_the_rncp_prefix_and_uppercases_the_cfd():
    programme = ProgrammeFactory.build(rncp_code="35341", cfd_code="4033120a")

    programme.full_clean()

    assert (programme.rncp_code, programme.cfd_code) == ("RNCP35341", "4033120A")


def test_programme_clean_refuses_a_duration_outside_6_to_48_months():
    programme = ProgrammeFactory.build(duration_months=60)

    assert clean_errors(programme) == {"duration_months": ["La durée d'une formation en alternance va de 6 à 48 mois."]}


def test_programme_clean_refuses_a_malformed_rncp_code():
    programme = ProgrammeFactory.build(rncp_code="RNCP12")

    assert clean_codes(programme) == {"rncp_code": ["rncp_format"]}


def test_programme_str_shows_title_and_rncp():
    programme = ProgrammeFactory(title="BTS SIO", rncp_code="RNCP35340")

    assert str(programme) == "BTS SIO (RNCP35340)"


# --- Cohort ----------------------------------------------------------------------------------

def test_database_refuses_a_cohort_ending_on_or_before_its_start():
    with violates("cohort_end_after_start"):
        CohortFactory(start_date=date(2026, 9, 1), end_date=date(2026, 9, 1))


def test_database_refuses_cohort_exams_ending_before_the_start():
    with violates("cohort_exams_after_start"):
        CohortFactory(start_date=date(2026, 9, 1), exams_end_date=date(2026, 8, 31))


def test_database_refuses_two_cohorts_with_the_same_name():
    CohortFactory(name="BTS SIO 2026")

    with violates("Key (name)=", "UNIQUE constraint failed: alternance_cohort.name"):
        CohortFactory(name="BTS SIO 2026")


def test_cohort_clean_refuses_an_end_before_the_start():
    cohort = CohortFactory.build(programme=ProgrammeFactory(), referent_tutor=TutorFactory(), end_date=date(2026, 8, 1))

    assert clean_errors(cohort) == {"end_date": [
        "La promotion se termine le 01/08/2026, avant ou le jour même de son début (01/09/2026) : "
        "saisissez une date de fin postérieure à la date de début."]}


def test_cohort_clean_refuses_exams_before_the_start():
    cohort = CohortFactory.build(programme=ProgrammeFactory(), referent_tutor=TutorFactory(), exams_end_date=date(2026, 8, 1))

    assert clean_errors(cohort) == {"exams_end_date": ["La fin des épreuves ne peut pas précéder le début de la promotion."]}


def test_cohort_clean_refuses_a_referent_who_is_not_a_tutor():
    cre = CreFactory()
    cohort = CohortFactory.build(programme=ProgrammeFactory(), referent_tutor=cre)

    # The field's limit_choices_to refuses it too; clean() says how to fix it.
    assert clean_errors(cohort) == {
        "referent_tutor": [
            f"L’instance utilisateur avec {cre.pk} dans id n'est pas un choix valide.",
            "Choisissez un compte ayant le rôle formateur·rice référent·e.",
        ]
    }


def test_cohort_clean_refuses_a_malformed_rhythm_pattern():
    cohort = CohortFactory.build(programme=ProgrammeFactory(), referent_tutor=TutorFactory(), rhythm_pattern="CCEE")

    assert clean_codes(cohort) == {"rhythm_pattern": ["rhythm"]}


def test_cohort_str_is_its_name():
    assert str(CohortFactory(name="BTS SIO 2026-2028")) == "BTS SIO 2026-2028"


# --- Apprentice ------------------------------------------------------------------------------

def test_database_refuses_an_unknown_apprentice_status():
    with violates("apprentice_status_valid"):
        ApprenticeFactory(status="pirate")


def test_database_refuses_an_unknown_sex():
    with violates("apprentice_sex_valid"):
        ApprenticeFactory(sex="X")


def test_database_refuses_a_birth_date_on_or_after_the_enrolment():
    with violates("apprentice_born_before_enrolment"):
        ApprenticeFactory(birth_date=date(2026, 7, 3), enrolment_date=date(2026, 7, 3))


def test_database_refuses_a_training_start_before_the_enrolment():
    with violates("apprentice_training_after_enrolment"):
        ApprenticeFactory(enrolment_date=date(2026, 7, 3), training_start_date=date(2026, 7, 2))


def test_database_refuses_an_exclusion_before_the_training_start():
    with violates("apprentice_exclusion_after_start"):
        ApprenticeFactory(training_start_date=date(2026, 9, 1), exclusion_date=date(2026, 8, 31))


def test_database_refuses_a_dropout_without_an_exclusion_date():
    with violates("apprentice_dropout_has_date"):
        ApprenticeFactory(status=ApprenticeStatus.DROPPED_OUT, exclusion_date=None)


def test_database_accepts_a_dropout_with_its_exclusion_date():
    apprentice = ApprenticeFactory(status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2027, 1, 15))

    assert Apprentice.objects.get(pk=apprentice.pk).exclusion_date == date(2027, 1, 15)


def test_database_refuses_has_nir_without_the_encrypted_nir():
    with violates("apprentice_nir_encrypted"):
        ApprenticeFactory(has_nir=True, nir_encrypted="")


def test_database_refuses_two_apprentices_with_the_same_ine():
    ApprenticeFactory(ine="1234567890A")

    with violates("apprentice_ine_unique", "UNIQUE constraint failed: alternance_apprentice.ine"):
        ApprenticeFactory(ine="1234567890A")


def test_database_accepts_several_apprentices_without_ine():
    first, second = ApprenticeFactory(ine=""), ApprenticeFactory(ine="")

    assert sorted(Apprentice.objects.filter(ine="").values_list("pk", flat=True)) == sorted([first.pk, second.pk])


def _apprentice(**overrides) -> Apprentice:
    return ApprenticeFactory.build(cohort=CohortFactory(), **overrides)


def test_a_factory_apprentice_passes_full_clean():
    apprentice = _apprentice()

    apprentice.full_clean()

    assert apprentice.pk is None


def test_apprentice_clean_refuses_a_birth_date_after_the_enrolment():
    apprentice = _apprentice(birth_date=date(2026, 7, 4), legal_representative_name="Claire Martin")

    assert clean_errors(apprentice) == {"birth_date": ["La date de naissance doit précéder la date d'inscription."]}


def test_apprentice_clean_refuses_a_training_start_before_the_enrolment():
    apprentice = _apprentice(enrolment_date=date(2026, 9, 2))

    assert clean_errors(apprentice) == {"training_start_date": ["L'entrée en formation ne peut pas précéder l'inscription."]}


def test_apprentice_clean_asks_the_exclusion_date_of_a_dropout():
    apprentice = _apprentice(status=ApprenticeStatus.DROPPED_OUT)

    assert clean_errors(apprentice) == {"exclusion_date": ["Indiquez la date d'abandon ou d'exclusion."]}


def test_apprentice_clean_refuses_an_rqth_date_without_rqth():
    apprentice = _apprentice(rqth=False, rqth_date=date(2024, 1, 10))

    assert clean_errors(apprentice) == {"rqth_date": ["Une date de RQTH n'a de sens que si la RQTH est cochée."]}


def test_apprentice_clean_requires_a_legal_representative_for_a_non_emancipated_minor():
    # Born 2010-09-02: 15 years old on the training start (2026-09-01).
    apprentice = _apprentice(birth_date=date(2010, 9, 2))

    assert clean_errors(apprentice) == {
        "legal_representative_name": [
            "L'apprenti·e est mineur·e non émancipé·e à l'entrée en formation : indiquez son représentant légal."
        ]
    }


def test_apprentice_clean_accepts_a_minor_with_a_legal_representative_or_emancipated():
    represented = _apprentice(birth_date=date(2010, 9, 2), legal_representative_name="Claire Martin")
    emancipated = _apprentice(birth_date=date(2010, 9, 2), emancipated=True)

    represented.full_clean()
    emancipated.full_clean()

    assert (represented.is_minor_on(date(2026, 9, 1)), emancipated.is_minor_on(date(2026, 9, 1))) == (True, True)


def test_apprentice_turning_18_the_day_of_the_training_start_needs_no_legal_representative():
    apprentice = _apprentice(birth_date=date(2008, 9, 1))

    apprentice.full_clean()

    assert (apprentice.age_on(date(2026, 8, 31)), apprentice.age_on(date(2026, 9, 1))) == (17, 18)


def test_apprentice_clean_normalises_ine_and_birth_department():
    apprentice = _apprentice(ine="1234567890a", birth_department="2a")

    apprentice.full_clean()

    assert (apprentice.ine, apprentice.birth_department) == ("1234567890A", "2A")


def test_apprentice_clean_refuses_malformed_identifiers():
    apprentice = _apprentice(ine="12345", birth_department="00", postal_code="7501")

    assert clean_codes(apprentice) == {"ine": ["ine_format"], "birth_department": ["department"], "postal_code": ["postal_code"]}


def test_apprentice_str_prefers_the_usage_name():
    born = ApprenticeFactory(first_name="Camille", last_name="Martin", usage_name="")
    married = ApprenticeFactory(first_name="Léa", last_name="Martin", usage_name="Durand")

    assert [str(born), str(married)] == ["Camille Martin", "Léa Durand"]


# --- NIR (encrypted) -------------------------------------------------------------------------

def test_nir_is_stored_encrypted_and_read_back():
    apprentice = ApprenticeFactory()

    apprentice.set_nir("1 85 05 78 006 084 91")
    apprentice.save()

    stored = Apprentice.objects.get(pk=apprentice.pk)
    assert stored.has_nir is True
    assert NIR not in stored.nir_encrypted and "1850578" not in stored.nir_encrypted
    assert stored.get_nir() == NIR


def test_nir_with_a_wrong_key_is_refused_and_nothing_is_stored():
    apprentice = ApprenticeFactory()

    with pytest.raises(ValidationError) as excinfo:
        apprentice.set_nir("185057800608492")

    assert excinfo.value.code == "nir_key"
    assert (apprentice.has_nir, apprentice.nir_encrypted, apprentice.get_nir()) == (False, "", None)


def test_clearing_the_nir_removes_it():
    apprentice = ApprenticeFactory()
    apprentice.set_nir(NIR)
    apprentice.save()

    apprentice.set_nir("")
    apprentice.save()

    stored = Apprentice.objects.get(pk=apprentice.pk)
    assert (stored.has_nir, stored.nir_encrypted, stored.get_nir()) == (False, "", None)


def test_nir_encrypted_with_another_key_reads_back_as_none(settings):
    settings.NIR_ENCRYPTION_KEY = Fernet.generate_key().decode()
    apprentice = ApprenticeFactory()
    apprentice.set_nir(NIR)
    apprentice.save()

    settings.NIR_ENCRYPTION_KEY = Fernet.generate_key().decode()

    assert Apprentice.objects.get(pk=apprentice.pk).get_nir() is None


# --- AttendanceRecord ------------------------------------------------------------------------

def test_database_refuses_two_records_for_the_same_half_day():
    record = AttendanceRecordFactory()

    with violates(
        "attendance_one_per_half_day",
        "UNIQUE constraint failed: alternance_attendancerecord.apprentice_id, alternance_attendancerecord.day, "
        "alternance_attendancerecord.half",
    ):
        AttendanceRecordFactory(apprentice=record.apprentice, day=record.day, half=record.half)


def test_database_accepts_the_other_half_of_the_same_day():
    morning = AttendanceRecordFactory(half=HalfDay.MORNING)

    afternoon = AttendanceRecordFactory(apprentice=morning.apprentice, day=morning.day, half=HalfDay.AFTERNOON)

    assert sorted(AttendanceRecord.objects.values_list("pk", flat=True)) == sorted([morning.pk, afternoon.pk])


def test_database_refuses_an_unknown_attendance_status():
    with violates("attendance_status_valid"):
        AttendanceRecordFactory(status="pirate")


def test_database_refuses_a_lateness_without_minutes():
    with violates("attendance_minutes_late_only_when_late"):
        AttendanceRecordFactory(status=AttendanceStatus.LATE, minutes_late=0)


def test_database_refuses_minutes_of_lateness_on_an_absence():
    with violates("attendance_minutes_late_only_when_late"):
        AttendanceRecordFactory(status=AttendanceStatus.ABSENT, minutes_late=5)


def test_database_refuses_a_justified_presence():
    with violates("attendance_present_not_justified"):
        AttendanceRecordFactory(status=AttendanceStatus.PRESENT, justification=JustificationStatus.ACCEPTED)


def test_database_accepts_a_lateness_with_minutes_and_a_justified_absence():
    late = AttendanceRecordFactory(status=AttendanceStatus.LATE, minutes_late=10)
    absent = AttendanceRecordFactory(status=AttendanceStatus.ABSENT, justification=JustificationStatus.ACCEPTED)

    assert [AttendanceRecord.objects.get(pk=late.pk).minutes_late, AttendanceRecord.objects.get(pk=absent.pk).is_justified] == [10, True]


def test_attendance_clean_asks_the_minutes_of_a_lateness():
    record = AttendanceRecordFactory.build(apprentice=ApprenticeFactory(), status=AttendanceStatus.LATE, minutes_late=0)

    assert clean_errors(record) == {"minutes_late": ["Indiquez le nombre de minutes de retard."]}


def test_attendance_clean_refuses_minutes_of_lateness_on_a_presence():
    record = AttendanceRecordFactory.build(apprentice=ApprenticeFactory(), status=AttendanceStatus.PRESENT, minutes_late=5)

    assert clean_errors(record) == {"minutes_late": ["Les minutes de retard ne concernent qu'un retard : remettez 0."]}


def test_attendance_clean_refuses_a_justified_presence():
    record = AttendanceRecordFactory.build(
        apprentice=ApprenticeFactory(), status=AttendanceStatus.PRESENT, justification=JustificationStatus.PENDING
    )

    assert clean_errors(record) == {"justification": ["Une présence n'a pas à être justifiée."]}


def test_attendance_full_clean_refuses_a_second_record_for_the_same_half_day():
    record = AttendanceRecordFactory()
    duplicate = AttendanceRecordFactory.build(apprentice=record.apprentice, day=record.day, half=record.half)

    assert list(clean_errors(duplicate)) == [NON_FIELD_ERRORS]


def test_attendance_str_shows_apprentice_day_half_and_status():
    record = AttendanceRecordFactory(
        apprentice=ApprenticeFactory(first_name="Camille", last_name="Martin"),
        day=date(2026, 10, 5), half=HalfDay.AFTERNOON, status=AttendanceStatus.ABSENT,
    )

    assert str(record) == "Camille Martin — 05/10/2026 Après-midi : Absent"


# --- Visit -----------------------------------------------------------------------------------

def test_database_refuses_an_unknown_visit_kind():
    with violates("visit_kind_valid"):
        VisitFactory(kind="pirate")


def test_database_refuses_a_visit_without_any_date():
    with violates("visit_has_a_date"):
        VisitFactory(planned_date=None, done_date=None)


def test_database_refuses_a_risk_without_a_comment():
    with violates("visit_risk_has_comment"):
        VisitFactory(at_risk=True, risk_comment="")


def test_database_accepts_a_done_visit_without_planned_date_and_a_commented_risk():
    visit = VisitFactory(planned_date=None, done_date=date(2026, 10, 6), at_risk=True, risk_comment="Tensions avec le MA.")

    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.is_done, stored.at_risk, stored.risk_comment) == (True, True, "Tensions avec le MA.")


def test_visit_clean_asks_a_date():
    visit = VisitFactory.build(apprentice=ApprenticeFactory(), planned_date=None)

    assert clean_errors(visit) == {"planned_date": ["Indiquez la date prévue ou la date de réalisation de la visite."]}


def test_visit_clean_asks_a_real_comment_for_a_risk():
    visit = VisitFactory.build(apprentice=ApprenticeFactory(), at_risk=True, risk_comment="   ")

    assert clean_errors(visit) == {"risk_comment": ["Expliquez en quelques mots le risque de rupture signalé."]}


def test_visit_clean_refuses_a_visitor_who_is_not_a_tutor():
    coordinator = CoordinatorFactory()
    visit = VisitFactory.build(apprentice=ApprenticeFactory(), tutor=coordinator)

    assert clean_errors(visit) == {
        "tutor": [
            f"L’instance utilisateur avec {coordinator.pk} dans id n'est pas un choix valide.",
            "La visite doit être confiée à un·e formateur·rice référent·e.",
        ]
    }


def test_visit_str_shows_kind_apprentice_and_the_done_date_first():
    apprentice = ApprenticeFactory(first_name="Camille", last_name="Martin")
    planned = VisitFactory(apprentice=apprentice, kind=VisitKind.FIRST, planned_date=date(2026, 10, 5))
    done = VisitFactory(apprentice=apprentice, kind=VisitKind.FOLLOW_UP, planned_date=date(2027, 1, 5), done_date=date(2027, 1, 7))

    assert [str(planned), str(done)] == [
        "Première visite — Camille Martin (05/10/2026)",
        "Visite de suivi — Camille Martin (07/01/2027)",
    ]



@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["RNCP 35341", "35341", "rncp35341"])
def test_programme_rncp_is_normalised_before_validation(typed):
    from tests.factories.alternance import ProgrammeFactory

    programme = ProgrammeFactory.build(rncp_code=typed, cfd_code=" 32031213 ")
    programme.full_clean()

    assert (programme.rncp_code, programme.cfd_code) == ("RNCP35341", "32031213")


@pytest.mark.django_db
def test_apprentice_ine_and_birth_department_are_normalised_before_validation():
    from tests.factories.alternance import ApprenticeFactory

    apprentice = ApprenticeFactory(birth_department="2a")
    apprentice.ine = "1234 567 890 a"
    apprentice.birth_department = "2a"
    apprentice.full_clean()

    assert (apprentice.ine, apprentice.birth_department) == ("1234567890A", "2A")
