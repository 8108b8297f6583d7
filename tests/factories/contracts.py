import hashlib
from datetime import date
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from factory.django import DjangoModelFactory

from alternance.planning import free_period
from contracts.choices import ContractStatus, DocumentKind, InstalmentKind
from contracts.models import Contract, Document, OpcoFile, OpcoInstalment
from tests.factories.alternance import ApprenticeFactory
from tests.factories.companies import CompanyContactFactory, CompanyFactory


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    apprentice = factory.SubFactory(ApprenticeFactory)
    company = factory.SubFactory(CompanyFactory)
    programme = factory.LazyAttribute(lambda o: o.apprentice.cohort.programme)
    master = factory.LazyAttribute(lambda o: CompanyContactFactory(company=o.company))
    status = ContractStatus.IN_PROGRESS
    signature_date = date(2026, 8, 25)
    start_date = date(2026, 9, 1)
    practical_training_start_date = date(2026, 9, 3)
    end_date = date(2028, 8, 31)
    training_start_date = date(2026, 9, 1)
    exams_end_date = date(2028, 6, 15)
    training_hours = 1350
    weekly_hours = Decimal("35")
    gross_monthly_salary = Decimal("966.32")

    @factory.post_generation
    def kept_free_period_end(obj, create, extracted, **kwargs):
        # As ``contracts.services.contract_create`` does: the 45th company day is kept on the row.
        if create:
            free_period.refresh_contracts([obj.pk])
            obj.refresh_from_db(fields=["free_period_end"])


class OpcoFileFactory(DjangoModelFactory):
    class Meta:
        model = OpcoFile

    contract = factory.SubFactory(ContractFactory)
    opco = "Atlas"
    sent_date = date(2026, 9, 4)


class OpcoInstalmentFactory(DjangoModelFactory):
    class Meta:
        model = OpcoInstalment

    opco_file = factory.SubFactory(OpcoFileFactory)
    contract_year = 1
    kind = InstalmentKind.ADVANCE
    percent = Decimal("40")
    amount = Decimal("3200.00")
    due_date = date(2026, 10, 4)


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document

    kind = DocumentKind.CONVENTION
    title = "Convention de formation"
    contract = factory.SubFactory(ContractFactory)
    apprentice = factory.LazyAttribute(lambda o: o.contract.apprentice if o.contract else None)
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 convention", name="convention.pdf"))
    sha256 = hashlib.sha256(b"%PDF-1.4 convention").hexdigest()
    size = len(b"%PDF-1.4 convention")
    content_type = "application/pdf"
