"""Generating again the OPCO schedule (contracts.opco.opco_schedule_generate, schedule_for,
employer_participation_refresh) at its limits: domain.md §4 — an invoiced instalment is never
changed nor dropped (every conflict named), the others are updated in place (their reminders kept);
a public employer's contract has no OPCO schedule (DDETS deposit); the funding rule is picked by the
signature date, else the start date; remote training from 80 % of the hours lowers the funding by
the rule's remote_training_reduction_percent; the employer participation (R6332-25-2) is reduced by a
rupture up to the 45th company day only, and never recomputed once invoiced.

The ``contract`` fixture: 1 Sept 2026 → 31 Aug 2028, signed 25 Aug 2026 (the July 2025 rule),
1 350 training hours, practical start Thursday 3 Sept, 45th company day Thursday 17 Dec 2026."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from alternance.choices import QualificationLevel
from companies.models import Company
from contracts import opco
from contracts.choices import ContractStatus, RuptureKind
from contracts.models import Contract, OpcoFile, OpcoInstalment, OpcoReminder
from tests.factories.contracts import OpcoFileFactory

pytestmark = pytest.mark.django_db
D = Decimal
YEAR_1_8000 = [D("3200.00"), D("2400.00"), D("1600.00"), D("800.00")]  # NPEC 8 000 €: 40 / 30 / 20 / 10 %


@pytest.fixture
def opco_file(contract):
    return OpcoFileFactory(contract=contract, sent_date=date(2026, 9, 4), npec_amount=D("8000.00"))


def rows(opco_file):
    return list(
        OpcoInstalment.objects.filter(opco_file=opco_file)
        .order_by("contract_year", "due_date")
        .values_list("pk", "contract_year", "kind", "amount", "invoiced_date")
    )


def invoice(opco_file, year, kind):
    instalment = OpcoInstalment.objects.get(opco_file=opco_file, contract_year=year, kind=kind)
    return opco.instalment_record_invoice(
        instalment=instalment, invoice_number=f"F-{year}-{kind}", invoiced_date=date(2026, 9, 2), by=None, today=date(2026, 9, 2)
    )


def change(contract, **values):
    Contract.objects.filter(pk=contract.pk).update(**values)
    contract.refresh_from_db()


def level_6(contract):
    contract.programme.level = QualificationLevel.LEVEL_6
    contract.programme.save()


# --- the instalments already there ---------------------------------------------------------------

def test_every_invoiced_instalment_that_would_change_is_named_even_after_uninvoiced_ones(opco_file):
    opco.opco_schedule_generate(opco_file=opco_file, by=None)
    # Sorted by (year, kind): the uninvoiced year-1 advance, balance and 10th month come first.
    invoice(opco_file, 1, "month_7")
    invoice(opco_file, 2, "advance")
    OpcoFile.objects.filter(pk=opco_file.pk).update(npec_amount=D("9000.00"))
    before = rows(opco_file)

    with pytest.raises(ValidationError) as error:
        opco.opco_schedule_generate(opco_file=opco_file, by=None)

    assert error.value.messages == [
        "L'échéancier recalculé modifierait des versements déjà facturés : Versement du 7e mois de l'année 1 (facturé 2400,00 €) ; "
        "Avance de l'année 2 (facturé 3208,77 €). Régularisez d'abord ces factures (avoir) : aucun versement facturé n'est supprimé."
    ]
    assert rows(opco_file) == before


def test_regeneration_updates_the_uninvoiced_instalments_in_place_and_keeps_their_reminders(opco_file):
    opco.opco_schedule_generate(opco_file=opco_file, by=None)
    ids = [pk for pk, *_ in rows(opco_file)]
    balance = OpcoInstalment.objects.get(opco_file=opco_file, contract_year=1, kind="balance")
    reminder = opco.opco_reminder_log(opco_file=opco_file, instalment=balance, sent_on=date(2026, 9, 5), subject="Solde", note="", by=None)
    OpcoFile.objects.filter(pk=opco_file.pk).update(npec_amount=D("9000.00"))

    opco.opco_schedule_generate(opco_file=opco_file, by=None)

    assert [(pk, amount) for pk, _year, _kind, amount, _invoiced in rows(opco_file)][:4] == list(
        zip(ids[:4], [D("3600.00"), D("2700.00"), D("1800.00"), D("900.00")], strict=True)
    )
    assert [pk for pk, *_ in rows(opco_file)] == ids
    assert OpcoReminder.objects.get(pk=reminder.pk).instalment_id == balance.pk


def test_regeneration_after_an_invoiced_first_instalment_rebuilds_every_other_one(opco_file):
    opco.opco_schedule_generate(opco_file=opco_file, by=None)
    advance = invoice(opco_file, 1, "advance")
    OpcoInstalment.objects.filter(opco_file=opco_file, contract_year=2, kind="balance").delete()
    OpcoInstalment.objects.filter(opco_file=opco_file, contract_year=1, kind="month_7").update(amount=D("1.00"))

    result = opco.opco_schedule_generate(opco_file=opco_file, by=None)

    expected = [(1, "advance"), (1, "month_7"), (1, "month_10"), (1, "balance"), (2, "advance"), (2, "month_7"), (2, "month_10"), (2, "balance")]
    assert [(i.contract_year, i.kind) for i in result] == expected
    assert [(year, kind, amount, invoiced) for _pk, year, kind, amount, invoiced in rows(opco_file)] == [
        (1, "advance", D("3200.00"), date(2026, 9, 2)),
        (1, "month_7", D("2400.00"), None),
        (1, "month_10", D("1600.00"), None),
        (1, "balance", D("800.00"), None),
        (2, "advance", D("3208.77"), None),
        (2, "month_7", D("2406.58"), None),
        (2, "month_10", D("1604.38"), None),
        (2, "balance", D("802.19"), None),
    ]
    assert result[0].pk == advance.pk


def test_a_public_employer_has_no_opco_schedule(opco_file):
    Company.objects.filter(pk=opco_file.contract.company_id).update(is_public=True, employer_type="22")

    with pytest.raises(ValidationError) as error:
        opco.opco_schedule_generate(opco_file=opco_file, by=None)

    assert error.value.messages == [
        "Employeur public : le contrat est déposé auprès de la DDETS et n'est pas financé par un OPCO, "
        "il n'y a pas d'échéancier de prise en charge à générer."
    ]
    assert rows(opco_file) == []


# --- the rule and the amounts (schedule_for) -------------------------------------------------------

def test_the_rules_given_are_the_ones_applied(opco_file):
    with pytest.raises(ValidationError) as error:
        opco.schedule_for(opco_file, rules=[])

    assert error.value.messages == [
        "Aucune règle de financement OPCO ne s'applique aux contrats conclus le 25/08/2026 : ajoutez-la dans l'administration."
    ]


def test_without_a_signature_date_the_start_date_picks_the_rule(opco_file, contract):
    change(contract, signature_date=None)

    opco.opco_schedule_generate(opco_file=opco_file, by=None)

    # Started 1 Sept 2026: the July 2025 rule (4 instalments a year, per day).
    assert [amount for _pk, year, _kind, amount, _inv in rows(opco_file) if year == 1] == YEAR_1_8000


@pytest.mark.parametrize(("remote_hours", "year_1"), [
    pytest.param(1079, YEAR_1_8000, id="remote-79.9-percent"),
    pytest.param(1080, [D("2560.00"), D("1920.00"), D("1280.00"), D("640.00")], id="remote-80-percent-minus-20"),
])
def test_remote_training_from_80_percent_of_the_hours_lowers_the_funding(opco_file, contract, remote_hours, year_1):
    change(contract, training_hours=1350, remote_training_hours=remote_hours)

    opco.opco_schedule_generate(opco_file=opco_file, by=None)

    assert [amount for _pk, year, _kind, amount, _inv in rows(opco_file) if year == 1] == year_1


@pytest.mark.parametrize(("rupture", "participation"), [
    # 2 000 € × contract days / 365 × 50 % within the period; the flat 750 € after it.
    pytest.param(date(2026, 12, 17), D("295.89"), id="rupture-on-the-45th-company-day-108-days"),
    pytest.param(date(2026, 12, 18), D("750.00"), id="rupture-the-day-after"),
])
def test_a_rupture_reduces_the_participation_up_to_the_45th_company_day_only(opco_file, contract, rupture, participation):
    level_6(contract)
    change(contract, status=ContractStatus.BROKEN, rupture_date=rupture, rupture_kind=RuptureKind.MUTUAL_AGREEMENT)
    OpcoFile.objects.filter(pk=opco_file.pk).update(npec_amount=D("2000.00"))

    opco.opco_schedule_generate(opco_file=opco_file, by=None)

    assert OpcoFile.objects.values_list("employer_participation_amount", flat=True).get(pk=opco_file.pk) == participation


# --- the participation after a change of its facts (employer_participation_refresh) ---------------

def test_an_invoiced_participation_is_not_recomputed_after_a_rupture(opco_file, contract):
    level_6(contract)
    opco.opco_schedule_generate(opco_file=opco_file, by=None)
    opco.employer_participation_record(opco_file=opco_file, invoiced_date=date(2026, 12, 18), today=date(2026, 12, 18))
    change(contract, status=ContractStatus.BROKEN, rupture_date=date(2026, 10, 2), rupture_kind=RuptureKind.FREE_PERIOD)

    opco.employer_participation_refresh(opco_file=opco_file)

    assert OpcoFile.objects.values_list("employer_participation_amount", "employer_participation_invoiced_date").get(
        pk=opco_file.pk
    ) == (D("750.00"), date(2026, 12, 18))


@pytest.mark.parametrize(("npec", "expected"), [
    pytest.param(None, D("750.00"), id="no-npec-left-as-is"),
    pytest.param(D("8000.00"), D("350.68"), id="npec-recomputed-32-days"),
])
def test_a_participation_not_invoiced_is_recomputed_only_with_an_npec(opco_file, contract, npec, expected):
    level_6(contract)
    OpcoFile.objects.filter(pk=opco_file.pk).update(npec_amount=npec, employer_participation_amount=D("750.00"))
    change(contract, status=ContractStatus.BROKEN, rupture_date=date(2026, 10, 2), rupture_kind=RuptureKind.FREE_PERIOD)

    opco.employer_participation_refresh(opco_file=opco_file)

    assert OpcoFile.objects.values_list("employer_participation_amount", flat=True).get(pk=opco_file.pk) == expected
