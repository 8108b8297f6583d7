"""Issue 15 §5: a contrat pro has the trial period of its CDD (L1242-10) or CDI (L1221-19), not the
apprenticeship's 45-day free rupture; the rupture form and service offer each kind its own ruptures."""

from datetime import date

import pytest

from contracts.choices import ContractKind, EmploymentTerm, RuptureInitiative, RuptureKind
from contracts.choices import ContractStatus as S
from contracts.forms import RuptureForm
from contracts.models import Contract
from contracts.services import ContractTransitionError, RuptureInput, contract_record_rupture
from contracts.trial_period import SOURCE_TRIAL_CDD, SOURCE_TRIAL_CDI, trial_period
from tests.factories.alternance import AdminStaffFactory

START = date(2026, 9, 1)


@pytest.mark.parametrize(
    ("end", "term", "days", "last_day"),
    [
        (date(2026, 11, 9), EmploymentTerm.FIXED_TERM, 10, date(2026, 9, 10)),  # 10 weeks: a day per week
        (date(2027, 2, 27), EmploymentTerm.FIXED_TERM, 14, date(2026, 9, 14)),  # 6 months minus a day: 2 weeks at most
        (date(2027, 2, 28), EmploymentTerm.FIXED_TERM, 14, date(2026, 9, 14)),  # 6 months: 2 weeks at most
        (date(2027, 3, 1), EmploymentTerm.FIXED_TERM, 26, date(2026, 9, 26)),  # 6 months and a day: 26 weeks, 1 month at most
        (date(2027, 3, 31), EmploymentTerm.FIXED_TERM, 30, date(2026, 9, 30)),  # 7 months: 30 weeks = 1 month
        (date(2027, 8, 31), EmploymentTerm.FIXED_TERM, 30, date(2026, 9, 30)),  # 12 months: 1 month
        (date(2027, 8, 31), EmploymentTerm.OPEN_ENDED, None, date(2026, 12, 31)),  # CDI: 4 months at most
    ],
)
def test_trial_period_of_a_cdd_is_a_day_per_week_capped_at_two_weeks_or_a_month(end, term, days, last_day):
    period = trial_period(start=START, end=end, term=term)

    assert (period.days, period.last_day) == (days, last_day)
    assert period.source == (SOURCE_TRIAL_CDI if term == EmploymentTerm.OPEN_ENDED else SOURCE_TRIAL_CDD)


@pytest.fixture
def staff(db):
    return AdminStaffFactory()


@pytest.fixture
def pro(contract):
    Contract.objects.filter(pk=contract.pk).update(
        kind=ContractKind.PROFESSIONALISATION, end_date=date(2027, 8, 31), exams_end_date=date(2027, 6, 30), training_hours=300,
    )
    contract.refresh_from_db()
    return contract


def rupture(kind, day):
    return RuptureInput(rupture_date=day, kind=kind, initiative=RuptureInitiative.EMPLOYER, cause="Inadéquation au poste")


@pytest.mark.parametrize(("day", "accepted"), [(date(2026, 9, 29), True), (date(2026, 9, 30), True), (date(2026, 10, 1), False)])
def test_contrat_pro_rupture_in_the_trial_period_up_to_its_last_day(pro, staff, day, accepted):
    if accepted:
        contract_record_rupture(contract=pro, by=staff, rupture=rupture(RuptureKind.TRIAL_PERIOD, day), today=date(2026, 10, 2))
        pro.refresh_from_db()
        assert (pro.status, pro.rupture_kind, pro.rupture_date) == (S.BROKEN, RuptureKind.TRIAL_PERIOD, day)
        return
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(contract=pro, by=staff, rupture=rupture(RuptureKind.TRIAL_PERIOD, day), today=date(2026, 10, 2))
    assert error.value.problems == [
        "La rupture du 01/10/2026 tombe après la fin de la période d'essai (le 30/09/2026) : la période d'essai de ce CDD "
        "dure 30 jours au plus (un jour par semaine, L1242-10). Choisissez un autre type de rupture."
    ]
    assert Contract.objects.get(pk=pro.pk).status == S.IN_PROGRESS


@pytest.mark.parametrize(("kind", "article"), [
    (RuptureKind.FREE_PERIOD, "L6222-18"), (RuptureKind.RESIGNATION, "L6222-18"), (RuptureKind.DIPLOMA_OBTAINED, "L6222-19"),
])
def test_contrat_pro_cannot_use_the_apprenticeship_ruptures(pro, staff, kind, article):
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(contract=pro, by=staff, rupture=rupture(kind, date(2026, 9, 10)), today=date(2026, 10, 2))

    assert (
        f"« {RuptureKind(kind).label} » est propre au contrat d'apprentissage ({article}) : un contrat de professionnalisation "
        "se rompt pendant sa période d'essai, d'un commun accord ou selon le droit commun du CDD ou du CDI."
    ) in error.value.problems
    assert Contract.objects.get(pk=pro.pk).status == S.IN_PROGRESS


def test_an_apprenticeship_has_no_trial_period(contract, staff):
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(contract=contract, by=staff, rupture=rupture(RuptureKind.TRIAL_PERIOD, date(2026, 9, 10)), today=date(2026, 10, 2))

    assert error.value.problems == [
        "Un contrat d'apprentissage n'a pas de période d'essai : pendant les 45 premiers jours de formation pratique en "
        "entreprise, choisissez la rupture libre (L6222-18)."
    ]


def test_the_rupture_form_offers_each_kind_of_contract_its_own_ruptures(pro, contract):
    apprenticeship = Contract(kind=ContractKind.APPRENTICESHIP)

    pro_choices = [value for value, _label in RuptureForm(contract=pro).fields["kind"].choices]
    apprenticeship_choices = [value for value, _label in RuptureForm(contract=apprenticeship).fields["kind"].choices]

    assert pro_choices == [RuptureKind.TRIAL_PERIOD, RuptureKind.MUTUAL_AGREEMENT, RuptureKind.DISMISSAL, RuptureKind.OTHER]
    assert apprenticeship_choices == [RuptureKind.FREE_PERIOD, RuptureKind.MUTUAL_AGREEMENT, RuptureKind.RESIGNATION,
                                      RuptureKind.DISMISSAL, RuptureKind.DIPLOMA_OBTAINED, RuptureKind.OTHER]
    assert "mediator_referral_date" not in RuptureForm(contract=pro).fields
    assert "employer_informed_date" not in RuptureForm(contract=pro).fields
    assert "45" not in " ".join(str(label) for _value, label in RuptureForm(contract=pro).fields["kind"].choices)
