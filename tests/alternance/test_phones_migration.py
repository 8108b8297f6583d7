"""The data migration puts existing phone numbers in the stored form and keeps the invalid ones
exactly as typed (the Tableau de bord pre-check flags them)."""

import importlib

import pytest
from django.apps import apps

from alternance.models import Apprentice, Candidate, User
from companies.models import Company, CompanyContact
from tests.factories.alternance import ApprenticeFactory, CandidateFactory, CoordinatorFactory
from tests.factories.companies import CompanyContactFactory

pytestmark = pytest.mark.django_db

core = importlib.import_module("alternance.migrations.0016_normalise_phone_numbers")
crm = importlib.import_module("companies.migrations.0008_normalise_phone_numbers")


def test_existing_numbers_are_normalised_and_invalid_ones_kept_as_typed():
    good, bad, overseas = ApprenticeFactory(), ApprenticeFactory(), ApprenticeFactory()
    Apprentice.objects.filter(pk=good.pk).update(phone="0612345678", legal_representative_phone="+33 4 78 00 00 00")
    Apprentice.objects.filter(pk=bad.pk).update(phone="07.00.12.34.56", legal_representative_phone="")
    Apprentice.objects.filter(pk=overseas.pk).update(phone="+262692123456", phone_key="262692123456")
    candidate = CandidateFactory()
    Candidate.objects.filter(pk=candidate.pk).update(phone="06-98-76-54-32")
    staff = CoordinatorFactory()
    User.objects.filter(pk=staff.pk).update(phone="0033170000000")
    contact = CompanyContactFactory()
    CompanyContact.objects.filter(pk=contact.pk).update(phone="+262 262 12 34 56")
    Company.objects.filter(pk=contact.company_id).update(phone="04.72.00.00.0")

    core.normalise(apps, None)
    crm.normalise(apps, None)

    rows = {a.pk: (a.phone, a.legal_representative_phone, a.phone_key) for a in Apprentice.objects.all()}
    assert rows[good.pk] == ("06 12 34 56 78", "04 78 00 00 00", "0612345678")
    assert rows[bad.pk][:2] == ("07.00.12.34.56", "")
    assert rows[overseas.pk] == ("06 92 12 34 56", "", "0692123456")
    assert Candidate.objects.get(pk=candidate.pk).phone == "06 98 76 54 32"
    assert User.objects.get(pk=staff.pk).phone == "01 70 00 00 00"
    assert (CompanyContact.objects.get(pk=contact.pk).phone, CompanyContact.objects.get(pk=contact.pk).phone_key) == (
        "02 62 12 34 56", "0262123456")
    assert Company.objects.get(pk=contact.company_id).phone == "04.72.00.00.0"
