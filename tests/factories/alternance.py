"""Factories of the core app: coherent objects, no surprising side effects."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import factory
from factory.django import DjangoModelFactory

from alternance.choices import (
    ApprenticeStatus,
    AttendanceStatus,
    CandidateSource,
    CandidateStatus,
    DiplomaCode,
    HalfDay,
    QualificationLevel,
    Role,
    SessionStatus,
    SignatureMethod,
    SigninState,
    VisitKind,
)
from alternance.models import (
    Apprentice,
    AttendanceRecord,
    Candidate,
    Cohort,
    CompetenceBlock,
    Programme,
    SessionSignature,
    Site,
    TrainingSession,
    User,
    Visit,
)
from alternance.validators import uai_check_letter


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    role = Role.COORDINATOR
    password = factory.django.Password("motdepasse-solide-42")


class CoordinatorFactory(UserFactory):
    role = Role.COORDINATOR


class CreFactory(UserFactory):
    role = Role.CRE


class TutorFactory(UserFactory):
    role = Role.TUTOR


class AdminStaffFactory(UserFactory):
    role = Role.ADMIN_STAFF


class ApprenticeUserFactory(UserFactory):
    role = Role.APPRENTICE


class EmployerUserFactory(UserFactory):
    role = Role.EMPLOYER


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"BTS Services informatiques aux organisations — parcours {n}")
    short_title = "BTS SIO"
    rncp_code = "RNCP35340"
    cfd_code = "32031213"
    diploma_code = DiplomaCode.BTS
    level = QualificationLevel.LEVEL_5
    duration_months = 24
    training_hours = 1350


def _uai(n: int) -> str:
    digits = f"{690_0000 + n:07d}"
    return digits + uai_check_letter(digits)


class SiteFactory(DjangoModelFactory):
    """A training site with a valid UAI (check letter) and SIRET (Luhn)."""

    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f"Campus {n}")
    uai = factory.Sequence(_uai)
    siret = "73282932000074"
    address = "12 rue de la République"
    postal_code = "69002"
    city = "Lyon"


class CompetenceBlockFactory(DjangoModelFactory):
    class Meta:
        model = CompetenceBlock

    programme = factory.SubFactory("tests.factories.alternance.ProgrammeFactory")
    code = factory.Sequence(lambda n: f"RNCP35340BC{n % 100:02d}")
    title = factory.Sequence(lambda n: f"Bloc de compétences {n}")
    order = factory.Sequence(lambda n: n % 100)


class CohortFactory(DjangoModelFactory):
    class Meta:
        model = Cohort

    programme = factory.SubFactory(ProgrammeFactory)
    name = factory.Sequence(lambda n: f"Promotion {n}")
    start_date = date(2026, 9, 1)
    end_date = date(2028, 6, 30)
    exams_end_date = date(2028, 6, 15)
    referent_tutor = factory.SubFactory(TutorFactory)
    rhythm_label = "2 jours CFA / 3 jours entreprise"
    rhythm_pattern = "CCEEE"


class ApprenticeFactory(DjangoModelFactory):
    class Meta:
        model = Apprentice

    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    sex = "F"
    birth_date = date(2005, 3, 14)
    birth_department = "75"
    birth_commune = "Paris"
    address = "12 rue des Lilas"
    postal_code = "75011"
    city = "Paris"
    email = factory.Sequence(lambda n: f"apprenti{n}@example.test")
    cohort = factory.SubFactory(CohortFactory)
    enrolment_date = factory.LazyAttribute(lambda o: o.cohort.start_date - timedelta(days=60))
    training_start_date = factory.LazyAttribute(lambda o: o.cohort.start_date)
    status = ApprenticeStatus.SEEKING
    status_since = factory.LazyAttribute(lambda o: o.training_start_date)


class VisitFactory(DjangoModelFactory):
    class Meta:
        model = Visit

    apprentice = factory.SubFactory(ApprenticeFactory)
    tutor = factory.LazyAttribute(lambda o: o.apprentice.cohort.referent_tutor)
    kind = VisitKind.FIRST
    planned_date = date(2026, 10, 5)


class AttendanceRecordFactory(DjangoModelFactory):
    """A register row, written like the register's services do: the cohort's tally follows."""

    class Meta:
        model = AttendanceRecord

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from alternance.attendance.tallies import tally_refresh_pairs

        record = super()._create(model_class, *args, **kwargs)
        tally_refresh_pairs([(record.apprentice.cohort_id, record.day)])
        return record

    apprentice = factory.SubFactory(ApprenticeFactory)
    day = date(2026, 10, 5)
    half = HalfDay.MORNING
    status = AttendanceStatus.ABSENT


class TrainingSessionFactory(DjangoModelFactory):
    """A planned morning session of the cohort (Monday 7 December 2026, a centre day of CCEEE),
    trained by the cohort's referent tutor."""

    class Meta:
        model = TrainingSession

    cohort = factory.SubFactory(CohortFactory)
    day = date(2026, 12, 7)
    start_time = time(9, 0)
    end_time = time(12, 30)
    trainer = factory.LazyAttribute(lambda o: o.cohort.referent_tutor)
    subject = factory.Sequence(lambda n: f"Sujet {n}")
    room = "Salle 1"
    status = SessionStatus.PLANNED


def signed_session(apprentice, day, start, end, *, signed=True, state=SigninState.CLOSED, minutes_late=0, **fields):
    """A session of the apprentice's cohort whose sign-in reached ``state`` (closed and signed by
    default), with the apprentice's signature by the code at its start unless ``signed`` is False;
    written directly, without the services' clock checks (for the documents built from the sheets)."""
    moment = datetime.combine(day, start, tzinfo=ZoneInfo("Europe/Paris"))
    session = TrainingSessionFactory(
        cohort=apprentice.cohort, day=day, start_time=start, end_time=end, signin_state=state, signin_secret="s" * 64,
        signin_opened_at=moment, closed_at=moment if state == SigninState.CLOSED else None, **fields)
    if signed:
        SessionSignature.objects.create(session=session, apprentice=apprentice, method=SignatureMethod.CODE, code_used="123456",
                                        signed_at=moment + timedelta(minutes=minutes_late), minutes_late=minutes_late)
    return session


class CandidateFactory(DjangoModelFactory):
    """A candidate received on the public page (no CV unless given)."""

    class Meta:
        model = Candidate

    programme = factory.SubFactory(ProgrammeFactory, admissions_open=True)
    status = CandidateStatus.RECEIVED
    status_since = date(2026, 11, 20)
    source = CandidateSource.WEBSITE
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    sex = "M"
    birth_date = date(2007, 5, 2)
    birth_department = "69"
    birth_commune = "Lyon"
    email = factory.Sequence(lambda n: f"candidat{n}@example.test")
    phone = "0612345678"
    address = "3 place Bellecour"
    postal_code = "69002"
    city = "Lyon"
    last_diploma = DiplomaCode.BAC_PRO
    submitted_at = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
