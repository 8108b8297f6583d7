"""Recording a rupture (contracts.services.contract_record_rupture) at its limits, re-read from the
database: every problem said at once with the resignation's (L6222-18 al. 3, D6222-21-1) and the
diploma's (L6222-19) own, a referral to the mediator on the rupture day itself, the free rupture
up to the 45th company day (L6222-18 al. 1, ContractSettings.free_period_company_days) with its
exact French message, the history rows of the contract and of the apprentice, and the employer
participation of a level 6 reduced by a rupture within the 45 company days (R6332-25-2)."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from alternance.choices import ApprenticeStatus, QualificationLevel
from alternance.models import Apprentice
from contracts import opco
from contracts.choices import ContractStatus as S
from contracts.choices import RuptureInitiative, RuptureKind
from contracts.models import Contract, ContractStatusChange, OpcoFile
from contracts.services import ContractTransitionError, RuptureInput, contract_record_rupture
from tests.factories.alternance import AdminStaffFactory
from tests.factories.contracts import OpcoFileFactory
from tests.factories.web import PARIS

pytestmark = pytest.mark.django_db

RUPTURE = date(2027, 3, 1)
FUTURE = "La date de rupture ne peut pas être dans le futur."
NO_CAUSE = "Décrivez la cause de la rupture en quelques mots."


@pytest.fixture(autouse=True)
def pinned_clock(time_machine):
    time_machine.move_to(datetime(2027, 3, 2, 10, 0, tzinfo=PARIS), tick=False)


@pytest.fixture
def staff():
    return AdminStaffFactory()


def rupture_input(**overrides):
    values = dict(
        rupture_date=RUPTURE, kind=RuptureKind.MUTUAL_AGREEMENT, initiative=RuptureInitiative.BOTH, cause="Accord"
    )
    return RuptureInput(**{**values, **overrides})


def refusal(contract, staff, rupture, today):
    with pytest.raises(ContractTransitionError) as error:
        contract_record_rupture(contract=contract, by=staff, rupture=rupture, today=today)
    stored = Contract.objects.get(pk=contract.pk)
    assert (stored.status, stored.rupture_date, stored.rupture_kind) == (S.IN_PROGRESS, None, "")
    assert not ContractStatusChange.objects.filter(contract=contract).exists()
    return str(error.value), error.value.problems


@pytest.mark.parametrize(
    ("today", "problems"),
    [
        (RUPTURE - timedelta(days=1), [FUTURE, NO_CAUSE]),
        (RUPTURE, [NO_CAUSE]),
        (RUPTURE + timedelta(days=1), [NO_CAUSE]),
    ],
)
def test_every_problem_is_said_at_once_in_one_message(contract, staff, today, problems):
    message, listed = refusal(contract, staff, rupture_input(cause=" "), today)

    assert (message, listed) == (" ".join(problems), problems)


@pytest.mark.parametrize(
    ("today", "before"), [(RUPTURE - timedelta(days=1), [FUTURE, NO_CAUSE]), (RUPTURE, [NO_CAUSE])]
)
def test_l6222_18_resignation_problems_come_after_the_common_ones(contract, staff, today, before):
    rupture = rupture_input(kind=RuptureKind.RESIGNATION, initiative=RuptureInitiative.APPRENTICE, cause="")

    assert refusal(contract, staff, rupture, today)[1] == [
        *before,
        "Une démission passe par le médiateur : indiquez la date de sa saisine.",
        "Une démission après saisine du médiateur : indiquez la date à laquelle l'apprenti·e a informé l'employeur.",
    ]


@pytest.mark.parametrize(
    ("today", "before"), [(RUPTURE - timedelta(days=1), [FUTURE, NO_CAUSE]), (RUPTURE, [NO_CAUSE])]
)
def test_l6222_19_diploma_problems_come_after_the_common_ones(contract, staff, today, before):
    rupture = rupture_input(kind=RuptureKind.DIPLOMA_OBTAINED, initiative=RuptureInitiative.APPRENTICE, cause="")

    assert refusal(contract, staff, rupture, today)[1] == [
        *before,
        "Indiquez la date à laquelle l'apprenti·e a informé l'employeur par écrit de la fin anticipée du contrat.",
    ]


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_l6222_18_a_mediator_referred_to_on_the_rupture_day_is_not_after_it(contract, staff, offset):
    """Another kind than the resignation may name the mediator: refused only when referred to after the rupture."""
    referral = RUPTURE + timedelta(days=offset)
    rupture = rupture_input(mediator_referral_date=referral)

    if offset > 0:
        assert refusal(contract, staff, rupture, RUPTURE)[1] == [
            "La saisine du médiateur (le 02/03/2027) est postérieure à la date de rupture (le 01/03/2027) : "
            "le médiateur est saisi avant la démission. Corrigez l'une des deux dates."
        ]
        return
    contract_record_rupture(contract=contract, by=staff, rupture=rupture, today=RUPTURE)
    assert Contract.objects.values_list("status", "rupture_date", "mediator_referral_date").get(pk=contract.pk) == (
        S.BROKEN,
        RUPTURE,
        referral,
    )


# Rhythm CCEEE (Wed–Fri in the company) from Thu 3 Sept 2026, 11 November a holiday: the 45th
# company day is Thu 17 Dec 2026, the 46th Fri 18 Dec.
@pytest.mark.parametrize(
    ("day", "accepted"), [(date(2026, 12, 16), True), (date(2026, 12, 17), True), (date(2026, 12, 18), False)]
)
def test_l6222_18_free_rupture_up_to_the_45th_company_day_and_its_message(contract, staff, day, accepted):
    rupture = rupture_input(
        rupture_date=day,
        kind=RuptureKind.FREE_PERIOD,
        initiative=RuptureInitiative.EMPLOYER,
        cause="Inadéquation au poste",
    )

    if accepted:
        contract_record_rupture(contract=contract, by=staff, rupture=rupture, today=date(2026, 12, 20))
        assert Contract.objects.values_list("status", "rupture_date", "rupture_kind").get(pk=contract.pk) == (
            S.BROKEN,
            day,
            RuptureKind.FREE_PERIOD,
        )
        return
    assert refusal(contract, staff, rupture, date(2026, 12, 20))[1] == [
        "À la date de rupture, l'apprenti·e a effectué 46 jours de formation pratique en entreprise : la rupture libre n'est "
        "possible que pendant les 45 premiers, soit jusqu'au 17/12/2026 inclus (L6222-18 al. 1). Choisissez l'accord commun, "
        "la démission après médiateur ou le licenciement."
    ]


def log_of(obj, *, exclude):
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk, action=LogEntry.Action.UPDATE
    ).exclude(pk__in=exclude)
    return list(entries.values_list("actor", "changes"))


def test_the_rupture_writes_the_history_of_the_contract_and_of_the_apprentice(contract, staff, time_machine):
    Apprentice.objects.filter(pk=contract.apprentice_id).update(
        status=ApprenticeStatus.UNDER_CONTRACT, status_since=date(2026, 9, 1)
    )
    contract.apprentice.refresh_from_db()
    logged_before = list(LogEntry.objects.values_list("pk", flat=True))
    apprentice_stamp = datetime(2027, 3, 2, 11, 30, tzinfo=PARIS)
    time_machine.move_to(apprentice_stamp, tick=False)

    contract_record_rupture(contract=contract, by=staff, rupture=rupture_input(), today=RUPTURE)

    assert list(
        ContractStatusChange.objects.filter(contract=contract).values_list(
            "from_status", "to_status", "changed_by", "comment"
        )
    ) == [(S.IN_PROGRESS, S.BROKEN, staff.pk, "Accord")]
    assert Apprentice.objects.values_list("status", "status_since", "updated_at").get(pk=contract.apprentice_id) == (
        ApprenticeStatus.RUPTURANT,
        RUPTURE,
        apprentice_stamp,
    )
    assert log_of(contract.apprentice, exclude=logged_before) == [
        (
            None,
            {
                "status": [ApprenticeStatus.UNDER_CONTRACT, ApprenticeStatus.RUPTURANT],
                "status_since": ["2026-09-01", "2027-03-01"],
            },
        )
    ]


@pytest.mark.parametrize(
    ("day", "kind", "amount"),
    [
        # 8 000 € × contract days / 365 × 50 %, at most 750 €, within the 45 company days (to 17 Dec 2026).
        (date(2026, 10, 2), RuptureKind.FREE_PERIOD, Decimal("350.68")),
        (date(2026, 12, 17), RuptureKind.FREE_PERIOD, Decimal("750.00")),
        (date(2026, 12, 18), RuptureKind.MUTUAL_AGREEMENT, Decimal("750.00")),
    ],
)
def test_r6332_25_2_the_rupture_refreshes_the_employer_participation(contract, staff, day, kind, amount):
    programme = contract.programme
    programme.level = QualificationLevel.LEVEL_6
    programme.save()
    opco_file = OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), npec_amount=Decimal("8000.00"))
    opco.opco_schedule_generate(opco_file=opco_file, by=staff)
    Contract.objects.filter(pk=contract.pk).update(status=S.IN_PROGRESS)
    contract.refresh_from_db()
    before = OpcoFile.objects.get(pk=opco_file.pk).employer_participation_amount

    contract_record_rupture(
        contract=contract,
        by=staff,
        today=date(2026, 12, 20),
        rupture=rupture_input(
            rupture_date=day,
            kind=kind,
            initiative=RuptureInitiative.EMPLOYER,
            cause="Inadéquation au poste",
        ),
    )

    assert (before, OpcoFile.objects.get(pk=opco_file.pk).employer_participation_amount) == (Decimal("750.00"), amount)
