"""Admissions services: applying (limits, CV, age, consent), keying in (duplicates), the pipeline
(transition table, compare-and-set, history) and enrolment (one action, nothing half-written)."""

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from alternance.admissions import services
from alternance.choices import ApprenticeStatus, CandidateSource, CandidateStatus, DiplomaCode, PositioningKind
from alternance.demo.absences import proof_pdf
from alternance.models import Apprentice, Candidate, CandidateEvent
from contracts.models import Document
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    CandidateFactory,
    CohortFactory,
    ProgrammeFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=PARIS)
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)


def cv_pdf() -> bytes:
    return proof_pdf(["Curriculum vitae", "Léa Martin"])


def identity(**overrides) -> dict:
    data = {
        "last_name": "Martin", "first_name": "Léa", "sex": "F", "birth_date": date(2008, 4, 2), "birth_department": "69",
        "birth_commune": "Lyon", "ine": "", "email": "lea.martin@example.test", "phone": "0612345678",
        "address": "3 place Bellecour", "postal_code": "69002", "city": "Lyon", "last_diploma": DiplomaCode.BAC_PRO,
    }
    return {**data, **overrides}


def apply(programme, *, now=NOW, ip="203.0.113.5", cv=None, **overrides) -> Candidate:
    return services.candidate_apply(programme=programme, data=identity(**overrides), cv=cv or cv_pdf(), client_ip=ip, now=now)


# --- applying on the public page ---------------------------------------------------------------------------


def test_an_application_stores_the_candidate_its_consent_its_cv_and_a_first_history_row():
    programme = ProgrammeFactory(admissions_open=True)
    content = cv_pdf()

    candidate = apply(programme, cv=content)

    row = Candidate.objects.get()
    assert (row.pk, row.programme_id, row.status, row.status_since, row.source) == (
        candidate.pk, programme.pk, CandidateStatus.RECEIVED, TODAY, CandidateSource.WEBSITE)
    assert (row.last_name, row.first_name, row.email, row.birth_date) == ("Martin", "Léa", "lea.martin@example.test", date(2008, 4, 2))
    assert (row.consent_at, row.submitted_at, row.client_ip, row.created_by) == (NOW, NOW, "203.0.113.5", None)
    assert (row.cv_sha256, row.cv_size) == (hashlib.sha256(content).hexdigest(), len(content))
    with row.cv.open("rb") as handle:
        assert handle.read() == content
    assert list(CandidateEvent.objects.values_list("candidate_id", "from_status", "to_status", "at", "by", "comment")) == [
        (row.pk, "", CandidateStatus.RECEIVED, NOW, None, "Candidature en ligne")]


def test_a_closed_programme_refuses_applications():
    programme = ProgrammeFactory(admissions_open=False)

    with pytest.raises(ValidationError, match="closes"):
        apply(programme)

    assert Candidate.objects.count() == 0


@pytest.mark.parametrize(("existing", "accepted"), [(2, True), (3, False), (4, False)])
def test_applications_per_email_are_limited_over_24_hours(settings, existing, accepted):
    settings.ADMISSIONS_MAX_PER_EMAIL = 3
    for index in range(existing):
        CandidateFactory(email="lea.martin@example.test", client_ip=f"198.51.100.{index}", submitted_at=NOW - timedelta(hours=23))
    programme = ProgrammeFactory(admissions_open=True)

    if accepted:
        apply(programme, ip="198.51.100.99")
        assert Candidate.objects.count() == existing + 1
    else:
        with pytest.raises(services.RateLimited, match="cette adresse e-mail"):
            apply(programme, ip="198.51.100.99")
        assert Candidate.objects.count() == existing


def test_applications_older_than_the_window_do_not_count(settings):
    settings.ADMISSIONS_MAX_PER_EMAIL = 1
    CandidateFactory(email="lea.martin@example.test", submitted_at=NOW - timedelta(hours=24, seconds=1))
    CandidateFactory(email="lea.martin@example.test", submitted_at=NOW - timedelta(hours=1), created_by=AdminStaffFactory())

    apply(ProgrammeFactory(admissions_open=True))

    assert Candidate.objects.count() == 3  # one too old, one keyed in by the staff (not counted), the new one


@pytest.mark.parametrize(("existing", "accepted"), [(1, True), (2, False), (3, False)])
def test_applications_per_client_address_are_limited(settings, existing, accepted):
    settings.ADMISSIONS_MAX_PER_IP = 2
    programme = ProgrammeFactory(admissions_open=True)
    for index in range(existing):
        CandidateFactory(client_ip="203.0.113.5", submitted_at=NOW - timedelta(hours=2))

    if accepted:
        apply(programme, email="derniere@example.test")
    else:
        with pytest.raises(services.RateLimited, match="cette connexion"):
            apply(programme, email="derniere@example.test")
    assert Candidate.objects.count() == existing + (1 if accepted else 0)


def test_a_second_open_application_with_the_same_address_to_the_same_programme_is_refused():
    programme = ProgrammeFactory(admissions_open=True)
    apply(programme)

    with pytest.raises(ValidationError) as caught:
        apply(programme, ip="198.51.100.7", email="LEA.MARTIN@example.test ")

    assert "déjà en cours avec cette adresse e-mail" in caught.value.message_dict["email"][0]
    assert Candidate.objects.count() == 1


def padded_pdf(size: int) -> bytes:
    content = cv_pdf()
    return content + b"\n" * (size - len(content))


@pytest.mark.parametrize(("extra", "accepted"), [(-1, True), (0, True), (1, False)])
def test_the_cv_size_limit_is_inclusive(settings, extra, accepted):
    settings.ADMISSIONS_CV_MAX_MB = 1
    programme = ProgrammeFactory(admissions_open=True)
    content = padded_pdf(1024 * 1024 + extra)

    if accepted:
        assert apply(programme, cv=content).cv_size == len(content)
    else:
        with pytest.raises(ValidationError) as caught:
            apply(programme, cv=content)
        assert caught.value.message_dict["cv"] == [
            "Le CV pèse 1,1 Mo : la limite est de 1 Mo. Enregistrez-le en PDF plus léger (sans images en haute définition) "
            "et déposez-le à nouveau."]
        assert Candidate.objects.count() == 0


@pytest.mark.parametrize("content", [b"%PDF-1.7 pas vraiment un pdf", b"Bonjour, voici mon CV", b"\x89PNG\r\n\x1a\n"])
def test_a_cv_that_is_not_a_readable_pdf_is_refused_whatever_its_name(content):
    programme = ProgrammeFactory(admissions_open=True)

    with pytest.raises(ValidationError) as caught:
        apply(programme, cv=content)

    assert "n'est pas un PDF lisible" in caught.value.message_dict["cv"][0]
    assert Candidate.objects.count() == 0


@pytest.mark.parametrize(("birth_date", "accepted"), [
    (date(2011, 12, 30), True),  # 15 on 31/12/2026 (a day before the limit)
    (date(2011, 12, 31), True),  # 15 exactly on 31/12/2026
    (date(2012, 1, 1), False),  # 14 on 31/12/2026
])
def test_a_candidate_must_be_15_by_the_end_of_the_year(birth_date, accepted):
    programme = ProgrammeFactory(admissions_open=True)

    if accepted:
        assert apply(programme, birth_date=birth_date).birth_date == birth_date
    else:
        with pytest.raises(ValidationError) as caught:
            apply(programme, birth_date=birth_date)
        assert caught.value.message_dict["birth_date"] == [
            "Avec cette date de naissance, la personne aura 14 ans au 31 décembre 2026 : l'apprentissage commence à 15 ans. "
            "Vérifiez l'année de naissance (par exemple 2008 et non 2018)."]


# --- keying in a candidate: duplicates ---------------------------------------------------------------------


def create(**overrides) -> Candidate:
    programme = overrides.pop("programme", None) or ProgrammeFactory()
    return services.candidate_create(programme=programme, source=CandidateSource.SCHOOL_FAIR, data=identity(**overrides),
                                     by=AdminStaffFactory(), now=NOW)


def test_staff_key_in_a_candidate_with_its_source_and_author():
    candidate = create()

    row = Candidate.objects.get()
    assert (row.pk, row.source, row.status, row.created_by_id, row.consent_at, row.cv.name) == (
        candidate.pk, CandidateSource.SCHOOL_FAIR, CandidateStatus.RECEIVED, candidate.created_by_id, None, "")
    assert CandidateEvent.objects.get().by_id == candidate.created_by_id


def test_a_candidate_with_the_ine_of_an_existing_candidate_is_a_duplicate():
    existing = CandidateFactory(ine="1234567890A")

    with pytest.raises(services.DuplicateCandidate) as caught:
        create(ine="1234567890a", last_name="Autre", email="autre@example.test")

    assert caught.value.duplicates.candidates == [existing]
    assert caught.value.duplicates.apprentices == []
    assert Candidate.objects.count() == 1


def test_a_candidate_with_the_name_and_birth_date_of_an_apprentice_is_a_duplicate():
    apprentice = ApprenticeFactory(last_name="MARTIN", first_name="léa", birth_date=date(2008, 4, 2))

    with pytest.raises(services.DuplicateCandidate) as caught:
        create()

    assert caught.value.duplicates.apprentices == [apprentice]
    assert Candidate.objects.count() == 0


def test_same_name_with_another_birth_date_is_not_a_duplicate():
    ApprenticeFactory(last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 3))

    assert create().last_name == "Martin"


def test_an_email_already_used_by_an_open_application_is_refused():
    CandidateFactory(email="lea.martin@example.test", last_name="Durand")

    with pytest.raises(ValidationError) as caught:
        create()

    assert "déjà celle d'une autre candidature en cours" in caught.value.message_dict["email"][0]


# --- the pipeline ---------------------------------------------------------------------------------------------


def test_a_candidate_goes_through_positioning_admission_and_enrolment_with_its_history():
    admin = AdminStaffFactory()
    candidate = CandidateFactory(programme__admissions_open=True)
    cohort = CohortFactory(programme=candidate.programme, start_date=date(2026, 9, 1))

    services.candidate_position(candidate=candidate, kind=PositioningKind.INTERVIEW, day=date(2026, 11, 27), by=admin, now=NOW)
    services.candidate_admit(candidate=candidate, result="Avis favorable", comment="Motivée", by=admin, now=NOW + timedelta(days=2))
    apprentice = services.candidate_enrol(candidate=candidate, cohort=cohort, by=admin, now=NOW + timedelta(days=5))

    row = Candidate.objects.get(pk=candidate.pk)
    assert (row.status, row.status_since, row.cohort_id, row.apprentice_id) == (
        CandidateStatus.ENROLLED, date(2026, 11, 30), cohort.pk, apprentice.pk)
    assert (row.positioning_kind, row.positioning_date, row.positioning_result) == (
        PositioningKind.INTERVIEW, date(2026, 11, 27), "Avis favorable")
    assert list(row.events.values_list("from_status", "to_status", "by_id")) == [
        (CandidateStatus.RECEIVED, CandidateStatus.POSITIONING, admin.pk),
        (CandidateStatus.POSITIONING, CandidateStatus.ADMITTED, admin.pk),
        (CandidateStatus.ADMITTED, CandidateStatus.ENROLLED, admin.pk),
    ]
    learner = Apprentice.objects.get()
    assert (learner.pk, learner.last_name, learner.first_name, learner.birth_date, learner.email, learner.cohort_id) == (
        apprentice.pk, candidate.last_name, candidate.first_name, candidate.birth_date, candidate.email, cohort.pk)
    assert (learner.status, learner.status_since, learner.enrolment_date, learner.training_start_date, learner.highest_diploma) == (
        ApprenticeStatus.SEEKING, date(2026, 11, 30), date(2026, 11, 30), date(2026, 11, 30), DiplomaCode.BAC_PRO)
    assert services.seeking_horizon(learner) == date(2027, 2, 28)


def test_the_history_lists_every_move_in_order():
    admin = AdminStaffFactory()
    candidate = CandidateFactory()

    services.candidate_position(candidate=candidate, kind=PositioningKind.TEST, day=TODAY, by=admin, now=NOW)
    services.candidate_wait_list(candidate=candidate, result="11/20", by=admin, now=NOW + timedelta(hours=1))
    services.candidate_refuse(candidate=candidate, comment="Plus de place", by=admin, now=NOW + timedelta(hours=2))

    assert list(CandidateEvent.objects.order_by("at").values_list("from_status", "to_status", "comment")) == [
        (CandidateStatus.RECEIVED, CandidateStatus.POSITIONING, ""),
        (CandidateStatus.POSITIONING, CandidateStatus.WAITING_LIST, ""),
        (CandidateStatus.WAITING_LIST, CandidateStatus.REFUSED, "Plus de place"),
    ]


@pytest.mark.parametrize(("status", "service"), [
    (CandidateStatus.RECEIVED, services.candidate_admit),
    (CandidateStatus.REFUSED, services.candidate_admit),
    (CandidateStatus.ENROLLED, services.candidate_withdraw),
    (CandidateStatus.WITHDRAWN, services.candidate_wait_list),
])
def test_a_move_outside_the_transition_table_is_refused(status, service):
    candidate = CandidateFactory(status=status, cohort=None) if status != CandidateStatus.ENROLLED else None
    if candidate is None:
        cohort = CohortFactory()
        candidate = CandidateFactory(programme=cohort.programme, status=status, cohort=cohort, apprentice=ApprenticeFactory(cohort=cohort))

    extra = {} if service is services.candidate_withdraw else {"result": "x"}

    with pytest.raises(ValidationError, match="ne peut pas passer"):
        service(candidate=candidate, comment="x", by=AdminStaffFactory(), now=NOW, **extra)

    assert Candidate.objects.get(pk=candidate.pk).status == status
    assert CandidateEvent.objects.count() == 0


def test_a_stale_candidate_is_refused_as_modified_meanwhile():
    admin = AdminStaffFactory()
    candidate = CandidateFactory()
    stale = Candidate.objects.get(pk=candidate.pk)
    services.candidate_refuse(candidate=candidate, comment="Dossier incomplet", by=admin, now=NOW)

    # The stale copy still says "received": the table allows the move, the database does not.
    with pytest.raises(ValidationError, match="modifiée entre-temps"):
        services.candidate_position(candidate=stale, kind=PositioningKind.TEST, day=TODAY, by=admin, now=NOW)

    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.REFUSED
    assert CandidateEvent.objects.count() == 1


def test_a_decision_after_positioning_needs_its_result_and_a_refusal_its_reason():
    admin = AdminStaffFactory()
    candidate = CandidateFactory(status=CandidateStatus.POSITIONING)

    with pytest.raises(ValidationError) as no_result:
        services.candidate_admit(candidate=candidate, result=" ", by=admin, now=NOW)
    with pytest.raises(ValidationError) as no_reason:
        services.candidate_refuse(candidate=candidate, result="8/20", comment="", by=admin, now=NOW)

    assert no_result.value.message_dict == {"result": ["Indiquez le résultat du positionnement (par exemple « 14/20 » ou « avis favorable »)."]}
    assert no_reason.value.message_dict == {"comment": ["Indiquez le motif du refus : il sera conservé dans l'historique."]}
    assert Candidate.objects.get(pk=candidate.pk).status == CandidateStatus.POSITIONING


# --- enrolment ----------------------------------------------------------------------------------------------


def test_enrolment_keeps_the_cv_as_a_document_of_the_apprentice():
    programme = ProgrammeFactory(admissions_open=True)
    content = cv_pdf()
    candidate = apply(programme, cv=content)
    Candidate.objects.filter(pk=candidate.pk).update(status=CandidateStatus.ADMITTED)
    candidate.refresh_from_db()
    cohort = CohortFactory(programme=programme)

    apprentice = services.candidate_enrol(candidate=candidate, cohort=cohort, by=AdminStaffFactory(), now=NOW)

    document = Document.objects.get()
    assert (document.apprentice_id, document.title, document.sha256, document.size) == (
        apprentice.pk, "CV (candidature)", hashlib.sha256(content).hexdigest(), len(content))
    assert Candidate.objects.get(pk=candidate.pk).cv_sha256 == document.sha256  # the candidate keeps its own copy


def test_enrolment_in_a_cohort_of_another_programme_is_refused():
    candidate = CandidateFactory(status=CandidateStatus.ADMITTED)
    other = CohortFactory()

    with pytest.raises(ValidationError) as caught:
        services.candidate_enrol(candidate=candidate, cohort=other, by=AdminStaffFactory(), now=NOW)

    assert "Choisissez une promotion de la formation" in caught.value.message_dict["cohort"][0]
    assert (Apprentice.objects.count(), CandidateEvent.objects.count()) == (0, 0)


def test_enrolment_of_a_minor_without_legal_representative_writes_nothing():
    candidate = CandidateFactory(status=CandidateStatus.ADMITTED, birth_date=date(2010, 6, 1))
    cohort = CohortFactory(programme=candidate.programme)

    with pytest.raises(ValidationError) as caught:
        services.candidate_enrol(candidate=candidate, cohort=cohort, by=AdminStaffFactory(), now=NOW)

    assert "indiquez son représentant légal" in caught.value.message_dict["legal_representative_name"][0]
    row = Candidate.objects.get(pk=candidate.pk)
    assert (row.status, row.apprentice_id, row.cohort_id) == (CandidateStatus.ADMITTED, None, None)
    assert (Apprentice.objects.count(), CandidateEvent.objects.count(), Document.objects.count()) == (0, 0, 0)


def test_enrolment_of_a_minor_with_its_legal_representative():
    candidate = CandidateFactory(status=CandidateStatus.ADMITTED, birth_date=date(2010, 6, 1))
    cohort = CohortFactory(programme=candidate.programme)

    apprentice = services.candidate_enrol(candidate=candidate, cohort=cohort, by=AdminStaffFactory(), now=NOW,
                                          legal_representative={"legal_representative_name": "Paul Martin"})

    assert Apprentice.objects.get(pk=apprentice.pk).legal_representative_name == "Paul Martin"


# --- correcting a candidate's record ----------------------------------------------------------------------------


def update(candidate: Candidate, *, programme=None, cv=None, **overrides) -> Candidate:
    return services.candidate_update(
        candidate=candidate, programme=programme or candidate.programme, source=CandidateSource.PARCOURSUP,
        data=identity(**overrides), by=AdminStaffFactory(), now=NOW, cv=cv,
    )


def test_a_correction_is_saved_and_re_read():
    candidate = create()
    other = ProgrammeFactory()

    update(candidate, programme=other, last_name="Martin-Roux", phone="0698765432")

    row = Candidate.objects.get(pk=candidate.pk)
    assert (row.last_name, row.phone, row.programme_id, row.source, row.status) == (
        "Martin-Roux", "0698765432", other.pk, CandidateSource.PARCOURSUP, CandidateStatus.RECEIVED)


def test_a_correction_is_not_a_duplicate_of_itself_nor_of_its_own_apprentice():
    cohort = CohortFactory()
    apprentice = ApprenticeFactory(cohort=cohort, last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 2))
    candidate = CandidateFactory(programme=cohort.programme, status=CandidateStatus.ENROLLED, cohort=cohort,
                                 apprentice=apprentice, last_name="Martin", first_name="Léa", birth_date=date(2008, 4, 2))

    update(candidate, phone="0611111111")

    assert Candidate.objects.get(pk=candidate.pk).phone == "0611111111"


def test_a_correction_that_makes_the_candidate_someone_else_is_refused_and_writes_nothing():
    candidate = create()
    other = ApprenticeFactory(last_name="Durand", first_name="Zoé", birth_date=date(2007, 1, 9))

    with pytest.raises(services.DuplicateCandidate) as caught:
        update(candidate, last_name="Durand", first_name="Zoé", birth_date=date(2007, 1, 9))

    assert caught.value.duplicates.apprentices == [other]
    assert Candidate.objects.get(pk=candidate.pk).last_name == "Martin"


def test_a_correction_to_the_email_of_another_open_application_is_refused():
    CandidateFactory(email="pris@example.test", last_name="Durand")
    candidate = create()

    with pytest.raises(ValidationError) as caught:
        update(candidate, email="pris@example.test")

    assert "déjà celle d'une autre candidature en cours" in caught.value.message_dict["email"][0]
    assert Candidate.objects.get(pk=candidate.pk).email == "lea.martin@example.test"


def test_the_programme_of_an_enrolled_candidate_cannot_change():
    cohort = CohortFactory()
    apprentice = ApprenticeFactory(cohort=cohort)
    candidate = CandidateFactory(programme=cohort.programme, status=CandidateStatus.ENROLLED, cohort=cohort, apprentice=apprentice,
                                 last_name=apprentice.last_name, first_name=apprentice.first_name, birth_date=apprentice.birth_date)

    with pytest.raises(ValidationError) as caught:
        services.candidate_update(
            candidate=candidate, programme=ProgrammeFactory(), source=candidate.source,
            data={**identity(), "last_name": apprentice.last_name, "first_name": apprentice.first_name,
                  "birth_date": apprentice.birth_date, "email": "x@example.test"},
            by=AdminStaffFactory(), now=NOW,
        )

    assert f"déjà inscrite en promotion {cohort.name}" in caught.value.message_dict["programme"][0]
    assert Candidate.objects.get(pk=candidate.pk).programme_id == cohort.programme_id


def test_a_new_cv_replaces_the_old_file_after_the_commit(django_capture_on_commit_callbacks):
    candidate = services.candidate_create(programme=ProgrammeFactory(), source=CandidateSource.SCHOOL_FAIR, data=identity(),
                                          by=AdminStaffFactory(), now=NOW, cv=cv_pdf())
    old_name = Candidate.objects.get(pk=candidate.pk).cv.name
    new_cv = proof_pdf(["Curriculum vitae", "Version 2"])

    with django_capture_on_commit_callbacks(execute=True):
        update(Candidate.objects.get(pk=candidate.pk), cv=new_cv)

    row = Candidate.objects.get(pk=candidate.pk)
    assert row.cv_sha256 == hashlib.sha256(new_cv).hexdigest()
    assert row.cv.read() == new_cv
    assert not row.cv.storage.exists(old_name)


def test_a_correction_keeps_the_age_rule():
    candidate = create()

    with pytest.raises(ValidationError) as caught:
        update(candidate, birth_date=date(2018, 4, 2))

    assert "l'apprentissage commence à 15 ans" in caught.value.message_dict["birth_date"][0]


# --- the applicant's receipt ---------------------------------------------------------------------------------------


def test_an_application_sends_its_receipt_to_the_applicant_once_committed(mailoutbox, celery_eager, django_capture_on_commit_callbacks):
    programme = ProgrammeFactory(admissions_open=True, title="BTS Management commercial opérationnel")

    with django_capture_on_commit_callbacks(execute=True):
        apply(programme)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["lea.martin@example.test"]
    assert message.subject == "Votre candidature « BTS Management commercial opérationnel » est bien reçue"
    assert "Bonjour Léa," in message.body
    assert "le 25/11/2026 à 10:00, avec votre CV" in message.body
    assert "&" not in message.body and "&#x27;" not in message.body


def test_a_refused_application_sends_no_receipt(mailoutbox, celery_eager, django_capture_on_commit_callbacks):
    programme = ProgrammeFactory(admissions_open=False)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        apply(programme)

    assert mailoutbox == []
