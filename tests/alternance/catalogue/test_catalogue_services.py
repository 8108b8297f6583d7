"""Catalogue services (issue 13 §2): identifiers checked with French messages that say how to fix
them, uniqueness conflicts naming the existing record, cross-record rules, archiving refused while
learners are in training, archived records out of the choices for new records — state re-read."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from alternance.catalogue import selectors, services
from alternance.choices import ApprenticeStatus, CandidateStatus, DiplomaCode, QualificationLevel
from alternance.models import Cohort, CompetenceBlock, Programme, Site
from tests.factories.alternance import (
    AdminStaffFactory,
    ApprenticeFactory,
    CandidateFactory,
    CohortFactory,
    CompetenceBlockFactory,
    CoordinatorFactory,
    CreFactory,
    ProgrammeFactory,
    SiteFactory,
    TutorFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def coordinator():
    return CoordinatorFactory()


def programme_data(**overrides) -> dict:
    return {
        "title": "BTS Management commercial opérationnel", "short_title": "BTS MCO", "rncp_code": "RNCP 38362",
        "cfd_code": "320 312 12", "diploma_code": DiplomaCode.BTS, "level": QualificationLevel.LEVEL_5,
        "duration_months": 24, "training_hours": 1350, "admissions_open": False, **overrides,
    }


def site_data(**overrides) -> dict:
    return {"name": "Campus Gerland", "uai": "0693045 k", "siret": "732 829 320 00074", "address": "3 rue Crépet",
            "postal_code": "69007", "city": "Lyon", **overrides}


def cohort_data(**overrides) -> dict:
    return {
        "programme": overrides.pop("programme", None) or ProgrammeFactory(), "site": None, "name": "BTS MCO 2026–2028",
        "start_date": date(2026, 9, 7), "end_date": date(2028, 6, 30), "exams_end_date": date(2028, 6, 15),
        "rhythm_label": "2 jours CFA / 3 jours entreprise", "rhythm_pattern": "CCEEE",
        "referent_tutor": overrides.pop("referent_tutor", None) or TutorFactory(), "capacity": 20, **overrides,
    }


def messages_of(error: ValidationError, field: str) -> list[str]:
    return error.value.message_dict[field]


# --- programmes and blocks ---------------------------------------------------------------------------


def test_a_programme_is_created_with_its_codes_normalised(coordinator):
    programme = services.programme_create(by=coordinator, data=programme_data())

    stored = Programme.objects.get(pk=programme.pk)
    assert (stored.rncp_code, stored.cfd_code, stored.archived_at) == ("RNCP38362", "32031212", None)


def test_an_rncp_code_in_the_wrong_format_says_what_is_expected(coordinator):
    with pytest.raises(ValidationError) as error:
        services.programme_create(by=coordinator, data=programme_data(rncp_code="RNCP12"))

    assert messages_of(error, "rncp_code") == ["Le code RNCP doit être « RNCP » suivi de 3 à 5 chiffres, par exemple RNCP35341."]
    assert not Programme.objects.exists()


def test_a_second_programme_with_the_same_title_names_the_first(coordinator):
    first = ProgrammeFactory(title="BTS Management commercial opérationnel")

    with pytest.raises(services.Conflict) as error:
        services.programme_create(by=coordinator, data=programme_data(title="bts management commercial opérationnel"))

    assert error.value.existing == first
    assert Programme.objects.count() == 1


@pytest.mark.parametrize("user_factory", [CreFactory, TutorFactory])
def test_only_the_office_manages_the_catalogue(user_factory):
    with pytest.raises(PermissionDenied):
        services.programme_create(by=user_factory(), data=programme_data())


def test_admin_staff_manage_the_catalogue_too():
    assert services.programme_create(by=AdminStaffFactory(), data=programme_data()).pk


def test_a_competence_block_is_numbered_after_the_last_and_normalised(coordinator):
    programme = ProgrammeFactory(rncp_code="RNCP35340")
    CompetenceBlockFactory(programme=programme, code="RNCP35340BC01", order=1)

    block = services.block_create(programme=programme, by=coordinator, data={"code": "rncp35340 bc02", "title": "Support", "order": None})

    assert list(CompetenceBlock.objects.filter(programme=programme).values_list("code", "order")) == [
        ("RNCP35340BC01", 1), ("RNCP35340BC02", 2)]
    assert block.code == "RNCP35340BC02"


def test_a_block_code_not_matching_the_programme_says_which_prefix_to_use(coordinator):
    programme = ProgrammeFactory(rncp_code="RNCP35340")

    with pytest.raises(ValidationError) as error:
        services.block_create(programme=programme, by=coordinator, data={"code": "RNCP37674BC01", "title": "Front", "order": 1})

    assert messages_of(error, "code") == [
        "Le code du bloc doit commencer par le code RNCP de la formation suivi de « BC » et de deux chiffres, par exemple RNCP35340BC01."]
    assert not CompetenceBlock.objects.exists()


def test_a_block_code_in_the_wrong_format_is_refused(coordinator):
    with pytest.raises(ValidationError) as error:
        services.block_create(programme=ProgrammeFactory(), by=coordinator, data={"code": "BLOC1", "title": "x", "order": 1})

    assert "RNCP35341BC01" in messages_of(error, "code")[0]


def test_a_block_code_is_unique_per_programme_only(coordinator):
    programme, other = ProgrammeFactory(), ProgrammeFactory()
    existing = CompetenceBlockFactory(programme=programme, code="RNCP35340BC01")
    CompetenceBlockFactory(programme=other, code="RNCP35340BC01")

    with pytest.raises(services.Conflict) as error:
        services.block_create(programme=programme, by=coordinator, data={"code": "RNCP35340BC01", "title": "Doublon", "order": 3})

    assert error.value.existing == existing
    with pytest.raises(IntegrityError), transaction.atomic():
        CompetenceBlock.objects.create(programme=programme, code="RNCP35340BC01", title="Doublon", order=4)


def test_the_rncp_code_cannot_change_under_existing_blocks(coordinator):
    programme = ProgrammeFactory(rncp_code="RNCP35340")
    CompetenceBlockFactory(programme=programme, code="RNCP35340BC01")
    data = programme_data(title=programme.title, rncp_code="RNCP38362")

    with pytest.raises(ValidationError) as error:
        services.programme_update(programme=programme, by=coordinator, data=data)

    assert "1 bloc de compétences codé à partir de RNCP35340" in messages_of(error, "rncp_code")[0]
    assert Programme.objects.get(pk=programme.pk).rncp_code == "RNCP35340"


def test_blocks_are_updated_and_removed(coordinator):
    block = CompetenceBlockFactory(code="RNCP35340BC01", title="Ancien", order=1)

    services.block_update(block=block, by=coordinator, data={"code": "RNCP35340BC03", "title": "Nouveau", "order": 2})
    assert CompetenceBlock.objects.values_list("code", "title", "order").get() == ("RNCP35340BC03", "Nouveau", 2)
    services.block_delete(block=block, by=coordinator)
    assert not CompetenceBlock.objects.exists()


# --- sites -------------------------------------------------------------------------------------------


def test_a_site_is_created_with_its_identifiers_normalised(coordinator):
    site = services.site_create(by=coordinator, data=site_data())

    assert Site.objects.values_list("uai", "siret", "postal_code").get(pk=site.pk) == ("0693045K", "73282932000074", "69007")


def test_a_uai_with_a_bad_check_letter_names_the_expected_letter(coordinator):
    with pytest.raises(ValidationError) as error:
        services.site_create(by=coordinator, data=site_data(uai="0693045A"))

    assert messages_of(error, "uai") == ["Le code UAI 0693045A a une lettre de contrôle incorrecte (attendue : K)."]


def test_a_siret_failing_its_check_digit_is_refused(coordinator):
    with pytest.raises(ValidationError) as error:
        services.site_create(by=coordinator, data=site_data(siret="73282932000075"))

    assert "clé de contrôle incorrecte" in messages_of(error, "siret")[0]
    assert not Site.objects.exists()


def test_a_second_site_with_the_same_uai_names_the_first(coordinator):
    first = SiteFactory(uai="0693045K", name="Campus Nord")

    with pytest.raises(services.Conflict) as error:
        services.site_create(by=coordinator, data=site_data())

    assert error.value.existing == first
    assert messages_of(error, "uai") == ["Le code UAI 0693045K est déjà celui du site « Campus Nord (Lyon) » : ouvrez-le, ou vérifiez le code."]


def test_the_database_refuses_a_malformed_uai():
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(name="X", uai="693045K", siret="73282932000074", address="a", postal_code="69007", city="Lyon")


# --- cohorts -----------------------------------------------------------------------------------------


def test_a_cohort_is_created_on_a_site_with_its_capacity(coordinator):
    site = SiteFactory()

    cohort = services.cohort_create(by=coordinator, data=cohort_data(site=site))

    assert Cohort.objects.values_list("site_id", "capacity", "archived_at").get(pk=cohort.pk) == (site.pk, 20, None)


def test_a_cohort_ending_before_it_starts_says_how_to_fix_it(coordinator):
    with pytest.raises(ValidationError) as error:
        services.cohort_create(by=coordinator, data=cohort_data(start_date=date(2026, 9, 7), end_date=date(2026, 9, 1)))

    assert messages_of(error, "end_date") == [
        "La promotion se termine le 01/09/2026, avant ou le jour même de son début (07/09/2026) : "
        "saisissez une date de fin postérieure à la date de début."]
    assert not Cohort.objects.exists()


@pytest.mark.parametrize(("capacity", "accepted"), [(0, False), (1, True), (None, True)])
def test_a_capacity_is_at_least_one_place_or_empty(coordinator, capacity, accepted):
    if accepted:
        assert services.cohort_create(by=coordinator, data=cohort_data(capacity=capacity)).capacity == capacity
    else:
        with pytest.raises(ValidationError) as error:
            services.cohort_create(by=coordinator, data=cohort_data(capacity=capacity))
        assert "au moins 1" in messages_of(error, "capacity")[0]


def test_the_database_refuses_a_zero_capacity():
    with pytest.raises(IntegrityError), transaction.atomic():
        CohortFactory(capacity=0)


def test_a_new_cohort_cannot_use_an_archived_programme_or_site(coordinator):
    programme = ProgrammeFactory(archived_at=NOW)
    site = SiteFactory(archived_at=NOW, name="Vieux campus")

    with pytest.raises(ValidationError) as error:
        services.cohort_create(by=coordinator, data=cohort_data(programme=programme, site=site))

    assert set(error.value.message_dict) == {"programme", "site"}
    assert "Vieux campus" in messages_of(error, "site")[0]


def test_a_cohort_keeps_its_archived_programme_and_site_when_edited(coordinator):
    site = SiteFactory()
    cohort = CohortFactory(site=site)
    Programme.objects.filter(pk=cohort.programme_id).update(archived_at=NOW)
    Site.objects.filter(pk=site.pk).update(archived_at=NOW)
    cohort.refresh_from_db()

    services.cohort_update(cohort=cohort, by=coordinator, data=cohort_data(
        programme=cohort.programme, site=cohort.site, referent_tutor=cohort.referent_tutor, name=cohort.name, capacity=30))

    assert Cohort.objects.get(pk=cohort.pk).capacity == 30


def test_an_inactive_tutor_cannot_become_a_referent(coordinator):
    with pytest.raises(ValidationError) as error:
        services.cohort_create(by=coordinator, data=cohort_data(referent_tutor=TutorFactory(is_active=False)))

    assert "referent_tutor" in error.value.message_dict


# --- archiving ---------------------------------------------------------------------------------------


def test_a_cohort_with_learners_in_training_is_not_archived_and_the_count_is_given(coordinator):
    cohort = CohortFactory()
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.SEEKING)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.RUPTURANT)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.COMPLETED)

    with pytest.raises(ValidationError) as error:
        services.cohort_archive(cohort=cohort, by=coordinator, now=NOW)

    assert error.value.messages == [
        "Cette promotion compte encore 2 apprenti·es en formation : archivez-la quand leur formation est terminée."]
    assert Cohort.objects.get(pk=cohort.pk).archived_at is None


def test_a_cohort_whose_learners_finished_is_archived_then_restored(coordinator):
    cohort = CohortFactory()
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.COMPLETED)

    services.cohort_archive(cohort=cohort, by=coordinator, now=NOW)
    assert Cohort.objects.get(pk=cohort.pk).archived_at == NOW
    services.cohort_restore(cohort=cohort, by=coordinator)
    assert Cohort.objects.get(pk=cohort.pk).archived_at is None


def test_a_programme_is_not_archived_while_one_of_its_cohorts_trains_a_learner(coordinator):
    cohort = CohortFactory()
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.UNDER_CONTRACT)

    with pytest.raises(ValidationError) as error:
        services.programme_archive(programme=cohort.programme, by=coordinator, now=NOW)

    assert "comptent encore 1 apprenti·e en formation" in error.value.messages[0]
    assert error.value.code == "active_learners"


def test_a_programme_is_not_archived_while_applications_to_it_are_in_progress(coordinator):
    programme = ProgrammeFactory()
    CandidateFactory(programme=programme, status=CandidateStatus.ADMITTED)
    CandidateFactory(programme=programme, status=CandidateStatus.REFUSED)

    with pytest.raises(ValidationError) as error:
        services.programme_archive(programme=programme, by=coordinator, now=NOW)

    assert error.value.messages[0].startswith("1 candidature à cette formation est en cours")


def test_an_archived_programme_closes_its_applications_and_leaves_the_choices(coordinator):
    programme = ProgrammeFactory(admissions_open=True)
    kept = ProgrammeFactory()

    services.programme_archive(programme=programme, by=coordinator, now=NOW)

    assert Programme.objects.values_list("archived_at", "admissions_open").get(pk=programme.pk) == (NOW, False)
    assert list(selectors.programmes_for_new_records(coordinator)) == [kept]
    assert set(selectors.programme_list(coordinator, state=selectors.ALL)) == {programme, kept}
    assert list(selectors.programme_list(coordinator, state=selectors.ARCHIVED)) == [programme]


def test_the_database_refuses_an_archived_programme_open_to_applications():
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeFactory(archived_at=NOW, admissions_open=True)


def test_a_site_is_not_archived_while_its_cohorts_train_learners(coordinator):
    site = SiteFactory()
    ApprenticeFactory(cohort=CohortFactory(site=site), status=ApprenticeStatus.SEEKING)

    with pytest.raises(ValidationError) as error:
        services.site_archive(site=site, by=coordinator, now=NOW)

    assert "Les promotions de ce site comptent encore 1 apprenti·e en formation" in error.value.messages[0]
    assert Site.objects.get(pk=site.pk).archived_at is None


def test_archived_cohorts_and_those_of_archived_programmes_leave_the_choices_for_new_learners(coordinator):
    current = CohortFactory(name="Courante")
    CohortFactory(name="Archivée", archived_at=NOW)
    CohortFactory(name="Formation archivée", programme=ProgrammeFactory(archived_at=NOW))
    CohortFactory(name="Terminée", start_date=date(2024, 9, 2), end_date=date(2026, 6, 30), exams_end_date=None)

    assert list(selectors.cohorts_for_new_records(coordinator, today=date(2026, 11, 25))) == [current]


def test_places_taken_count_every_learner_but_those_who_dropped_out():
    cohort = CohortFactory(capacity=3)
    for status in (ApprenticeStatus.SEEKING, ApprenticeStatus.UNDER_CONTRACT, ApprenticeStatus.COMPLETED):
        ApprenticeFactory(cohort=cohort, status=status)
    ApprenticeFactory(cohort=cohort, status=ApprenticeStatus.DROPPED_OUT, exclusion_date=date(2026, 10, 1))

    assert selectors.cohort_enrolled(cohort) == 3
    assert selectors.cohort_active_learners(cohort) == 2
    assert selectors.occupancy(3, 3) == "3 inscrit·es sur 3 places"
    assert selectors.occupancy(1, 1) == "1 inscrit·e sur 1 place"
    assert selectors.occupancy(2, None) == "2 inscrit·es"
    assert selectors.occupancy(0, 20) == "0 inscrit·e sur 20 places"


def test_offer_and_contract_forms_leave_out_archived_programmes_but_keep_their_own(coordinator):
    from companies.forms import OfferForm
    from companies.models import Offer
    from contracts.forms import ContractForm
    from contracts.models import Contract

    current = ProgrammeFactory(title="En cours")
    archived = ProgrammeFactory(title="Archivée", archived_at=NOW)

    for form_class, model in ((OfferForm, Offer), (ContractForm, Contract)):
        assert list(form_class(user=coordinator).fields["programme"].queryset) == [current]
        with_archived = model(programme=archived)
        assert set(form_class(user=coordinator, instance=with_archived).fields["programme"].queryset) == {current, archived}
