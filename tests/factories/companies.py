from datetime import date

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from companies.choices import InteractionKind
from companies.models import Company, CompanyContact, Interaction
from tests.factories.alternance import CreFactory, UserFactory

# Valid SIRETs (Luhn) generated from a sequence: SIREN prefix + NIC, check digit adjusted.


def luhn_complete(prefix13: str) -> str:
    """Append the digit that makes a 14-digit Luhn-valid SIRET."""
    for digit in "0123456789":
        candidate = prefix13 + digit
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def _luhn_append(prefix: str) -> str:
    for digit in "0123456789":
        candidate = prefix + digit
        total = 0
        for index, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if index % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


def valid_siret(n: int) -> str:
    """A SIRET that passes ``validate_siret``: python-stdnum checks the Luhn key of the SIREN too,
    which ``luhn_complete`` (the factory's default) does not guarantee — use this for full_clean tests."""
    return _luhn_append(_luhn_append(f"{30000000 + n:08d}") + "0001")


class CompanyFactory(DjangoModelFactory):
    class Meta:
        model = Company

    siret = factory.Sequence(lambda n: valid_siret(n))
    name = factory.Sequence(lambda n: f"Entreprise {n} SARL")
    naf_code = "6201Z"
    idcc = "1486"  # Bureaux d'études techniques (Syntec) → OPCO Atlas
    headcount = 25
    address = "3 avenue de la République"
    postal_code = "75011"
    city = "Paris"
    owner_cre = factory.SubFactory(CreFactory)


class CompanyContactFactory(DjangoModelFactory):
    class Meta:
        model = CompanyContact

    company = factory.SubFactory(CompanyFactory)
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    email = factory.Sequence(lambda n: f"contact{n}@entreprise.test")
    job_title = "Développeur senior"
    is_master = True
    birth_date = date(1985, 6, 1)
    highest_diploma = "Master informatique"
    diploma_level = 7
    experience_years = 8
    eligibility_statement = True


class InteractionFactory(DjangoModelFactory):
    class Meta:
        model = Interaction

    company = factory.SubFactory(CompanyFactory)
    kind = InteractionKind.CALL
    occurred_at = factory.LazyFunction(lambda: timezone.make_aware(timezone.datetime(2026, 10, 1, 10, 0)))
    author = factory.SubFactory(UserFactory)
    summary = "Point sur l'intégration de l'apprentie."
