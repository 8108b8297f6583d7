"""Workload rules at both sides of their thresholds: CRE portfolio (setting cre_max_active_contracts,
critical above 120 %) and maître d'apprentissage capacity (R6223-6: ma_max_apprentices ordinary plus
ma_max_extended extended after an exam failure)."""

import pytest

from alerts.choices import ConcernedRole, Severity
from alerts.rules import RULES
from alternance.choices import Role
from contracts.choices import ContractStatus, ContractType
from tests.alerts.conftest import context, under_contract
from tests.factories.alternance import UserFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [4, 5, 6], ids=["limit-1", "limit", "limit+1"])
def test_cre_overload_above_cre_max_active_contracts(count):
    cre = UserFactory(role=Role.CRE, first_name="Léa", last_name="Martin")
    busy = CompanyFactory(owner_cre=cre)
    idle = CompanyFactory(owner_cre=cre)
    for _ in range(count):
        under_contract(company=busy)
    under_contract(company=idle, status=ContractStatus.ENDED)  # not active: neither counted nor its company

    findings = RULES["cre_overload"](context(cre_max_active_contracts=5))

    assert [(f.subject_id, f.label, f.title, f.stage, f.facts, f.recommended_action) for f in findings] == ([(
        cre.pk, "Léa Martin", f"Portefeuille de {count} contrats actifs (seuil : 5)", "over",
        {"active_contracts": count, "threshold": 5, "companies_with_contracts": 1, "excess": count - 5},
        "Rééquilibrer les portefeuilles entre CRE (réattribuer des entreprises) ou renforcer l'équipe.",
    )] if count > 5 else [])


@pytest.mark.parametrize(("contracts", "severity"), [
    (5, None), (6, Severity.WARNING), (7, Severity.CRITICAL),
], ids=["limit", "limit+1=120%", "120%+1"])
def test_cre_overload_severity(contracts, severity):
    cre = UserFactory(role=Role.CRE)
    company = CompanyFactory(owner_cre=cre)
    for _ in range(contracts):
        under_contract(company=company)

    findings = RULES["cre_overload"](context(cre_max_active_contracts=5))

    assert [(f.subject_id, f.severity, f.concerned_role) for f in findings] == (
        [(cre.pk, severity, ConcernedRole.COORDINATOR)] if severity else [])


def test_cre_overload_only_active_cres_named_or_by_email():
    anonymous = UserFactory(role=Role.CRE, first_name="", last_name="", email="cre@example.test")
    inactive = UserFactory(role=Role.CRE, is_active=False)
    coordinator = UserFactory(role=Role.COORDINATOR)
    for user in (anonymous, inactive, coordinator):
        company = CompanyFactory(owner_cre=user)
        under_contract(company=company)
        under_contract(company=company)

    findings = RULES["cre_overload"](context(cre_max_active_contracts=1))

    assert [(f.subject_id, f.label) for f in findings] == [(anonymous.pk, "cre@example.test")]


@pytest.mark.parametrize(("ordinary", "extended", "stage"), [
    (2, 0, None), (3, 0, "3+0"), (2, 1, None), (2, 2, "2+2"), (0, 2, "0+2"), (1, 1, None),
], ids=["ordinary-limit", "ordinary-limit+1", "extended-limit", "extended-limit+1", "extended-only-limit+1", "below"])
def test_master_capacity_r6223_6_ordinary_and_extended(ordinary, extended, stage):
    company = CompanyFactory()
    master = CompanyContactFactory(company=company, first_name="Paul", last_name="Roux")
    amended = under_contract(status=ContractStatus.ENDED)  # another master's: the amendments' link
    contracts = [under_contract(company=company, master=master) for _ in range(ordinary)]
    contracts += [under_contract(company=company, master=master, contract_type=ContractType.AMEND_EXTENSION_EXAM_FAILURE, amends=amended)
                  for _ in range(extended)]

    findings = RULES["master_capacity"](context())

    assert [(f.subject_id, f.stage, f.title, f.label, f.facts) for f in findings] == ([(
        master.pk, stage, f"Maître d'apprentissage de {ordinary + extended} apprenti·es (maximum 2 + 1 prolongé·e)",
        f"Paul Roux ({company.name})",
        {"apprentices": ordinary, "extended": extended, "max_apprentices": 2, "max_extended": 1,
         "apprentice_ids": sorted(c.apprentice_id for c in contracts)},
    )] if stage else [])
    if stage:
        assert (findings[0].subject_model, findings[0].severity, findings[0].concerned_role, findings[0].company_id,
                findings[0].suggested_assignee_id, findings[0].recommended_action) == (
            "companies.companycontact", Severity.CRITICAL, ConcernedRole.CRE, company.pk, company.owner_cre_id,
            "Faire désigner un autre maître d'apprentissage (avenant) ou un second maître pour les contrats en excès.")
