"""The hiring aid of a contract (issue 15 §10): the rule in force at the contract's conclusion, by
company size, diploma level and RQTH, from dated data (never an amount in code); shown on the
contract page and exported for the CRE."""

import html as htmllib
import io
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from alternance import access
from alternance.choices import Role
from contracts.choices import ContractKind
from contracts.hiring_aid import hiring_aid_for
from contracts.models import Contract, HiringAidRule
from contracts.reference_data import HIRING_AID_RULES
from tests.factories.web import PARIS, add_contracted_apprentice, make_world


def rule(**overrides):
    values = dict(valid_from=date(2026, 1, 1), valid_to=None, label="Aide test", company_headcount_min=None,
                  company_headcount_max=249, diploma_level_max=5, requires_rqth=False, private_employers_only=True,
                  amount_first_year=Decimal("5000.00"), source="Décret test [à vérifier]", to_check=True)
    values.update(overrides)
    return SimpleNamespace(**values)


RULES = [
    rule(),
    rule(label="Grandes entreprises", company_headcount_min=250, company_headcount_max=None, amount_first_year=Decimal("2000.00")),
    rule(label="RQTH", company_headcount_max=None, diploma_level_max=7, requires_rqth=True, amount_first_year=Decimal("6000.00")),
    rule(label="Ancienne", valid_from=date(2025, 2, 24), valid_to=date(2025, 12, 31), company_headcount_max=None,
         diploma_level_max=7, amount_first_year=Decimal("3000.00")),
]


def aid(day=date(2026, 3, 10), kind=ContractKind.APPRENTICESHIP, public=False, headcount=10, level=5, rqth=False):
    return hiring_aid_for(rules=RULES, day=day, kind=kind, public_employer=public, headcount=headcount, level=level, rqth=rqth)


@pytest.mark.parametrize(("facts", "amount"), [
    # Company size: 249 (limit), 250 (limit + 1) and 248 (limit - 1).
    ({"headcount": 248}, Decimal("5000.00")),
    ({"headcount": 249}, Decimal("5000.00")),
    ({"headcount": 250}, Decimal("2000.00")),
    # Diploma level: 4, 5 (limit), 6 (beyond: no aid without RQTH).
    ({"level": 4}, Decimal("5000.00")),
    ({"level": 5}, Decimal("5000.00")),
    ({"level": 6}, None),
    # RQTH: the most favourable rule applies, up to level 7 (limit), not 8.
    ({"rqth": True}, Decimal("6000.00")),
    ({"rqth": True, "level": 7}, Decimal("6000.00")),
    ({"rqth": True, "level": 8}, None),
    # Date of conclusion: the period's last day, the day after, the day before the new rules.
    ({"day": date(2025, 12, 31), "level": 7}, Decimal("3000.00")),
    ({"day": date(2026, 1, 1)}, Decimal("5000.00")),
    ({"day": date(2025, 2, 23)}, None),
    # Not an apprenticeship contract, or a public employer: no aid.
    ({"kind": ContractKind.PROFESSIONALISATION}, None),
    ({"public": True}, None),
])
def test_the_aid_is_the_rule_in_force_at_the_contracts_date(facts, amount):
    assert aid(**facts).amount == amount


def test_an_unknown_headcount_or_date_asks_for_it_instead_of_guessing():
    unknown = aid(headcount=None)
    assert (unknown.entitled, unknown.missing, unknown.reason) == (
        False, ("effectif de l'entreprise",), "Renseignez effectif de l'entreprise pour calculer l'aide.")
    # With RQTH the size does not matter: the aid is known.
    assert aid(headcount=None, rqth=True).amount == Decimal("6000.00")
    assert aid(day=None).missing == ("date de signature ou de début du contrat",)


def test_no_rule_in_force_says_so_with_the_date():
    assert aid(day=date(2020, 5, 4)).reason == "Aucune aide à l'embauche en vigueur pour un contrat conclu le 04/05/2020."


@pytest.mark.django_db
def test_the_rules_are_seeded_as_dated_data_to_check():
    rows = list(HiringAidRule.objects.order_by("valid_from", "amount_first_year").values_list(
        "valid_from", "amount_first_year", "to_check"))
    assert len(rows) == len(HIRING_AID_RULES) == 7
    assert all(to_check for _d, _a, to_check in rows)
    assert all("[à vérifier]" in source for source in HiringAidRule.objects.values_list("source", flat=True))


def readable(html: str) -> str:
    return htmllib.unescape(html).replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def world(time_machine):
    time_machine.move_to(datetime(2026, 11, 28, 10, 0, tzinfo=PARIS), tick=False)
    return make_world()


@pytest.mark.django_db
def test_the_contract_page_shows_the_aid_and_its_source_to_staff_only(client, world):
    contract = world.a.contract  # signed 25/08/2026, BTS (level 5)
    contract.company.headcount = 12
    contract.company.save(update_fields=["headcount"])
    contract.programme.level = 5
    contract.programme.save(update_fields=["level"])

    client.force_login(world.a.cre)
    page = readable(client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode())
    client.force_login(world.a.employer_user)
    employer_page = client.get(reverse("contracts:contract_detail", args=[contract.pk])).content.decode()

    assert 'data-testid="hiring-aid-amount">5 000,00 € pour la 1re année du contrat' in page
    assert "règle à vérifier" in page and "Aide 2026 — entreprises de moins de 250 salariés, diplôme jusqu'au niveau 5, contrat conclu le 25/08/2026." in page
    assert "Source : Décret de mars 2026 relatif à l'aide aux employeurs d'apprentis (référence à compléter) [à vérifier]" in page
    assert "hiring-aid" not in employer_page


def export_rows(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("contracts:hiring_aid_export") + "?format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.getvalue())).active
    return [cell.value for cell in sheet[1]], list(sheet.iter_rows(min_row=2, values_only=True)), len(queries)


@pytest.mark.django_db
def test_the_cre_export_lists_the_visible_contracts_with_their_aid_in_a_fixed_number_of_queries(client, world):
    client.force_login(world.a.cre)
    visible = {c.apprentice.full_name for c in access.visible(world.a.cre, Contract).select_related("apprentice")}
    header, before, queries_before = export_rows(client)
    for n in range(3):
        add_contracted_apprentice(world.a.cohort, world.a.company, last_name=f"Plus{n}")
    _header, after, queries_after = export_rows(client)

    assert header[8:10] == ["Aide", "Montant 1re année (€)"]
    assert {row[0] for row in before} == visible
    assert len(after) == len(before) + 3
    assert queries_after == queries_before
    # World A's contract: 25 employees, level 5, signed 25/08/2026 → the 2026 rule for < 250 employees.
    row = next(row for row in before if row[0] == world.a.apprentice.full_name)
    assert (row[3], row[5], row[8], row[9]) == (25, 5, "Aide 2026 — entreprises de moins de 250 salariés, diplôme jusqu'au niveau 5", 5000)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [(Role.CRE, 200), (Role.COORDINATOR, 200), (Role.EMPLOYER, 403), (Role.APPRENTICE, 403)])
def test_the_export_is_for_staff(client, world, role, status):
    client.force_login(world.user(role))
    assert client.get(reverse("contracts:hiring_aid_export") + "?format=csv").status_code == status
