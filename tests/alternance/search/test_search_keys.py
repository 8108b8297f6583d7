"""The stored search keys follow every write path: save, bulk_create, bulk_update, the imports."""

import pytest

from alternance.imports.base import bulk_update_rows
from alternance.models import Apprentice
from companies.models import Company, CompanyContact
from tests.factories.alternance import ApprenticeFactory, CandidateFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory

pytestmark = pytest.mark.django_db


def keys(model, pk) -> tuple:
    return tuple(model.objects.filter(pk=pk).values_list(*model.SEARCH_KEY_FIELDS).get())


def test_save_writes_the_keys_even_with_update_fields():
    apprentice = ApprenticeFactory(last_name="Lefèvre", usage_name="", first_name="Zoé", email="Zoe.L@Example.test", phone="+33 6 01 02 03 04")
    assert keys(Apprentice, apprentice.pk) == (" lefevre zoe zoe.l@example.test", "0601020304")
    apprentice.last_name = "N'Diaye"
    apprentice.save(update_fields=["last_name"])
    assert keys(Apprentice, apprentice.pk) == (" n diaye ndiaye zoe zoe.l@example.test", "0601020304")


def test_bulk_create_and_bulk_update_write_the_keys():
    company = CompanyFactory.build(name="Société Générale d'Électricité", siret="73282932000074", owner_cre=None)
    [company] = Company.objects.bulk_create([company])
    assert keys(Company, company.pk) == (" societe generale d electricite societegeneraledelectricite",)
    company.name = "Électricité Dupré"
    Company.objects.bulk_update([company], ["name"])
    assert keys(Company, company.pk) == (" electricite dupre electricitedupre",)


def test_the_imports_bulk_update_writes_the_keys():
    contact = CompanyContactFactory(last_name="Martin", phone="")
    contact.last_name, contact.phone = "Bérénice", "07 00 00 00 01"
    bulk_update_rows(CompanyContact, [contact], (name for name in ("last_name", "phone")))
    assert keys(CompanyContact, contact.pk)[1] == "0700000001"
    assert keys(CompanyContact, contact.pk)[0].startswith(" berenice ")


def test_candidate_keys():
    candidate = CandidateFactory(last_name="Éric", first_name="Noé", phone="06 11 22 33 44")
    assert candidate.search_text.startswith(" eric noe ")
    assert candidate.phone_key == "0611223344"
