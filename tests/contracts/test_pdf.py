"""PDF documents of a contract: content read back with pypdf, stored versions and their fields."""

import hashlib
import io
from datetime import date
from decimal import Decimal

import pypdf
import pytest

from alternance.choices import AttendanceStatus, HalfDay, JustificationStatus
from companies.models import Company
from contracts.choices import ContractKind, DocumentKind, EmploymentTerm, InstalmentKind
from contracts.documents import document_read
from contracts.models import Contract, Document, SmicRate
from contracts.pdf import (
    PeriodNotOver,
    attendance_certificate_pdf,
    cerfa_pdf,
    completion_certificate_pdf,
    convention_pdf,
    css_string,
    format_amount,
    generate_document,
    instalment_period,
    mask_nir,
    remuneration_for,
    remuneration_schedule_for,
    remuneration_schedule_pdf,
)
from tests.contracts.conftest import valid_nir
from tests.factories.alternance import AdminStaffFactory, AttendanceRecordFactory, SiteFactory
from tests.factories.contracts import OpcoFileFactory, OpcoInstalmentFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 28)
FULL_NIR = valid_nir("2050375056123")  # the NIR of the contract fixture


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf_text(data: bytes) -> str:
    """Text of every page with runs of whitespace (line breaks, the no-break spaces of amounts) as one space."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_amounts_are_formatted_the_french_way():
    assert format_amount(Decimal("1823.03")).replace("\xa0", " ") == "1 823,03 €"
    assert format_amount(Decimal("966.21")).replace("\xa0", " ") == "966,21 €"
    assert format_amount(Decimal("1234567.5")).replace("\xa0", " ") == "1 234 567,50 €"


def test_nir_is_masked_except_its_last_four_characters():
    assert mask_nir("205037505612346") == "•" * 11 + "2346"
    assert mask_nir(None) == ""


def test_css_string_cannot_close_the_string_nor_the_style_element():
    assert css_string('a"b</style>') == "a\\22 b\\3c /style\\3e "


def test_remuneration_periods_of_the_contract_fixture(contract):
    remuneration = remuneration_for(contract)

    assert remuneration.smic_monthly == Decimal("1823.03")
    assert remuneration.smic_valid_from == date(2026, 1, 1)
    assert [(row.label, row.start, row.end, row.amount) for row in remuneration.rows] == [
        ("1.1", date(2026, 9, 1), date(2027, 8, 31), Decimal("966.21")),
        ("2.1", date(2027, 9, 1), date(2028, 8, 31), Decimal("1112.05")),
    ]


def test_cerfa_sheet_shows_every_section_and_masks_the_nir(contract):
    OpcoFileFactory(contract=contract, deposit_number="075202609000001")
    text = pdf_text(cerfa_pdf(contract, today=TODAY))
    apprentice, company = contract.apprentice, contract.company

    for expected in (
        "Cerfa FA13 n° 10103",
        "L'employeur", company.name, company.siret, "62.01Z", "1486", "Atlas", "0102030405",
        "L'apprenti(e)", apprentice.last_name, apprentice.first_name, "14/03/2005", "Paris",
        "Le maître d'apprentissage", contract.master.last_name, "01/06/1985", "Développeur senior",
        "Le contrat", "11 — Premier contrat", "25/08/2026", "01/09/2026", "03/09/2026", "31/08/2028",
        "35 h 00", "966,32 €", "AG2R La Mondiale",
        "1.1", "53 %", "966,21 €", "2.1", "61 %", "1 112,05 €", "1 823,03 €",
        "La formation", "CFA Démo Alternance", "0751234J", "73282932000074", "RNCP35340", "32031213",
        "15/06/2028", "1350 h",
        "Cadre réservé à l'organisme en charge du dépôt du contrat", "075202609000001",
        "Page 1 / ",
    ):
        assert expected in text, expected
    assert FULL_NIR not in text
    assert "•" * 11 + FULL_NIR[-4:] in text


def test_cerfa_of_a_contrat_pro_uses_the_professionalisation_grid(contract):
    contract.kind = ContractKind.PROFESSIONALISATION
    contract.save(update_fields=["kind"])

    text = pdf_text(cerfa_pdf(contract, today=TODAY))

    # 21 to 25 with a bac pro: 80 % of 1 823,03 = 1 458,43 €.
    assert "Cerfa EJ20" in text
    assert "80 %" in text and "1 458,43 €" in text


@pytest.mark.parametrize(
    ("kind", "term", "label", "absent"),
    [
        (ContractKind.PROFESSIONALISATION, EmploymentTerm.FIXED_TERM, "11 — Premier contrat de professionnalisation Nature du contrat Contrat à durée déterminée (CDD)", "apprentissage"),
        (ContractKind.PROFESSIONALISATION, EmploymentTerm.OPEN_ENDED, "11 — Premier contrat de professionnalisation Nature du contrat Contrat à durée indéterminée (CDI)", "apprentissage"),
        (ContractKind.APPRENTICESHIP, EmploymentTerm.FIXED_TERM, "11 — Premier contrat d'apprentissage de l'apprenti Type de dérogation", "Nature du contrat"),
    ],
)
def test_the_data_sheet_of_a_contrat_pro_is_labelled_as_such_with_its_cdd_or_cdi(contract, kind, term, label, absent):
    Contract.objects.filter(pk=contract.pk).update(kind=kind, employment_term=term)
    contract.refresh_from_db()

    text = pdf_text(cerfa_pdf(contract, today=TODAY))

    assert label in text
    assert f"Type de contrat ou d'avenant 11 — Premier contrat {absent}" not in text
    assert ("Premier contrat d'apprentissage" in text) is (kind == ContractKind.APPRENTICESHIP)


def test_convention_names_the_three_parties_the_rhythm_and_the_npec(contract):
    OpcoFileFactory(contract=contract, npec_amount=Decimal("8250.00"))

    text = pdf_text(convention_pdf(contract, today=TODAY))

    for expected in (
        "Convention de formation", "CFA Démo Alternance", contract.company.name, contract.company.siret,
        contract.apprentice.full_name, "2 jours CFA / 3 jours entreprise", contract.programme.title,
        "01/09/2026", "31/08/2028", "1350 h", "8 250,00 €",
        "Pour l'organisme de formation", "Pour l'employeur", "Date et signature", "28/11/2026",
    ):
        assert expected in text, expected


def test_remuneration_schedule_shows_the_smic_used_and_its_date(contract):
    text = pdf_text(remuneration_schedule_pdf(contract, today=TODAY))

    for expected in ("Échéancier de rémunération", "1 823,03 €", "01/01/2026", "966,21 €", "1 112,05 €", "01/09/2026", "31/08/2027"):
        assert expected in text, expected


def add_records(apprentice):
    """Ten half-days in October 2026 and two outside the period."""
    rows = [
        (date(2026, 10, 5), HalfDay.MORNING, AttendanceStatus.PRESENT, JustificationStatus.NONE, 0, ""),
        (date(2026, 10, 5), HalfDay.AFTERNOON, AttendanceStatus.PRESENT, JustificationStatus.NONE, 0, ""),
        (date(2026, 10, 6), HalfDay.MORNING, AttendanceStatus.PRESENT, JustificationStatus.NONE, 0, ""),
        (date(2026, 10, 6), HalfDay.AFTERNOON, AttendanceStatus.LATE, JustificationStatus.NONE, 15, ""),
        (date(2026, 10, 7), HalfDay.MORNING, AttendanceStatus.ABSENT, JustificationStatus.ACCEPTED, 0, "Rendez-vous médical"),
        (date(2026, 10, 7), HalfDay.AFTERNOON, AttendanceStatus.ABSENT, JustificationStatus.PENDING, 0, ""),
        (date(2026, 10, 8), HalfDay.MORNING, AttendanceStatus.ABSENT, JustificationStatus.REFUSED, 0, "Panne de réveil"),
        (date(2026, 10, 8), HalfDay.AFTERNOON, AttendanceStatus.PRESENT, JustificationStatus.NONE, 0, ""),
        (date(2026, 10, 9), HalfDay.MORNING, AttendanceStatus.PRESENT, JustificationStatus.NONE, 0, ""),
        (date(2026, 10, 9), HalfDay.AFTERNOON, AttendanceStatus.PRESENT, JustificationStatus.NONE, 0, ""),
        (date(2026, 9, 30), HalfDay.MORNING, AttendanceStatus.ABSENT, JustificationStatus.NONE, 0, ""),
        (date(2026, 11, 2), HalfDay.MORNING, AttendanceStatus.ABSENT, JustificationStatus.NONE, 0, ""),
    ]
    for day, half, status, justification, late, reason in rows:
        AttendanceRecordFactory(
            apprentice=apprentice, day=day, half=half, status=status, justification=justification, minutes_late=late, reason=reason
        )


def test_attendance_certificate_counts_the_half_days_of_the_period(contract):
    add_records(contract.apprentice)

    text = pdf_text(attendance_certificate_pdf(contract, period_start=date(2026, 10, 1), period_end=date(2026, 10, 31), today=TODAY))

    assert "Période du 01/10/2026 au 31/10/2026" in text
    # 10 half-days: 6 present, 1 late (15 min), 1 justified absence, 2 unjustified (pending, refused).
    for expected in (
        "Demi-journées enregistrées 10", "Présences 6", "Retards 1 (15 min au total)", "Absences 3",
        "dont absences justifiées 1", "dont absences non justifiées 2", "70 %",
        "07/10/2026 Matin Justifiée Rendez-vous médical", "07/10/2026 Après-midi Non justifiée",
        "08/10/2026 Matin Non justifiée Panne de réveil",
    ):
        assert expected in text, expected
    assert "30/09/2026" not in text and "02/11/2026" not in text


def test_completion_certificate_covers_the_instalment_period_with_its_hours_and_attendance(contract):
    add_records(contract.apprentice)
    instalment = OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contract), contract_year=1, kind=InstalmentKind.ADVANCE)

    period = instalment_period(contract, instalment)
    text = pdf_text(completion_certificate_pdf(contract, instalment=instalment, today=date(2027, 3, 1)))

    # Months 1–6 of year 1: 181 days of a 731-day contract of 1 350 h → 334 h.
    assert (period.start, period.end, period.planned_hours) == (date(2026, 9, 1), date(2027, 2, 28), 334)
    # 12 half-days recorded: 7 attended (6 present, 1 late by 15 min) → 7 × 3 h 30 − 15 min = 24 h 15;
    # 5 absences → 17 h 30.
    for expected in (
        "Certificat de réalisation", "Année de contrat 1 (du 01/09/2026 au 31/08/2027)", "du 01/09/2026 au 28/02/2027",
        "334 h", "Avance", "Demi-journées enregistrées 12", "Absences 5", contract.apprentice.full_name, contract.programme.title,
        "a été réalisée du 01/09/2026 au 28/02/2027, période terminée", "a suivi 24 h 15 de formation",
        "Heures de formation réalisées (registre de présence) 24 h 15", "Heures d'absence enregistrées 17 h 30",
        "7 demi-journées suivies (présences et retards) à 3 h 30 chacune",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    ("today", "allowed"),
    [(date(2027, 2, 27), False), (date(2027, 2, 28), False), (date(2027, 3, 1), True)],
    ids=["end-1: period not over", "end: last day not over", "end+1: over"],
)
def test_completion_certificate_only_for_a_period_that_is_over(contract, today, allowed):
    """The advance's period ends on 28/02/2027: issued from 01/03/2027 (end < today), refused before."""
    instalment = OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contract), contract_year=1, kind=InstalmentKind.ADVANCE)

    if allowed:
        document = generate_document(kind=DocumentKind.COMPLETION_CERTIFICATE, contract=contract, by=None, instalment=instalment, today=today)
        document.refresh_from_db()
        assert (document.period_start, document.period_end) == (date(2026, 9, 1), date(2027, 2, 28))
    else:
        with pytest.raises(PeriodNotOver) as refused:
            generate_document(kind=DocumentKind.COMPLETION_CERTIFICATE, contract=contract, by=None, instalment=instalment, today=today)
        assert str(refused.value) == (
            "Le certificat de réalisation atteste une formation réalisée : la période du 01/09/2026 au 28/02/2027 n'est pas "
            "terminée. Il pourra être établi à partir du 01/03/2027."
        )
        assert not Document.objects.filter(contract=contract).exists()


@pytest.mark.parametrize(
    ("half_day_hours", "expected"), [("3.5", "24 h 15"), ("4", "27 h 45"), ("3.75", "26 h 00")],
)
def test_completion_certificate_hours_follow_the_half_day_setting(contract, settings, half_day_hours, expected):
    settings.HALF_DAY_HOURS = half_day_hours
    add_records(contract.apprentice)
    instalment = OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contract), contract_year=1, kind=InstalmentKind.ADVANCE)

    text = pdf_text(completion_certificate_pdf(contract, instalment=instalment, today=date(2027, 3, 1)))

    assert f"Heures de formation réalisées (registre de présence) {expected}" in text


def test_balance_certificate_covers_the_whole_contract_year(contract):
    instalment = OpcoInstalmentFactory(
        opco_file=OpcoFileFactory(contract=contract), contract_year=2, kind=InstalmentKind.BALANCE, percent=Decimal("10")
    )

    period = instalment_period(contract, instalment)

    assert (period.start, period.end, period.planned_hours) == (date(2027, 9, 1), date(2028, 8, 31), 676)


def test_generated_documents_are_stored_with_kind_version_and_checksum(contract):
    staff = AdminStaffFactory()

    first = generate_document(kind=DocumentKind.CERFA, contract=contract, by=staff, today=TODAY)
    second = generate_document(kind=DocumentKind.CERFA, contract=contract, by=staff, today=TODAY)

    rows = list(Document.objects.filter(contract=contract).order_by("version").values_list("kind", "version", "is_generated", "uploaded_by"))
    assert rows == [(DocumentKind.CERFA, 1, True, staff.pk), (DocumentKind.CERFA, 2, True, staff.pk)]
    for document in (first, second):
        document.refresh_from_db()
        content = document_read(document)
        assert document.sha256 == hashlib.sha256(content).hexdigest()
        assert document.size == len(content)
        assert content.startswith(b"%PDF")
        assert document.apprentice_id == contract.apprentice_id
    assert contract.apprentice.last_name in first.title


def test_attendance_certificate_document_keeps_its_period(contract):
    document = generate_document(
        kind=DocumentKind.ATTENDANCE_CERTIFICATE, contract=contract, by=None,
        period_start=date(2026, 10, 1), period_end=date(2026, 10, 31), today=TODAY,
    )

    document.refresh_from_db()
    assert (document.kind, document.period_start, document.period_end, document.instalment_id) == (
        DocumentKind.ATTENDANCE_CERTIFICATE, date(2026, 10, 1), date(2026, 10, 31), None,
    )
    assert "01/10/2026" in document.title


def test_completion_certificate_document_is_linked_to_its_instalment(contract):
    instalment = OpcoInstalmentFactory(opco_file=OpcoFileFactory(contract=contract), kind=InstalmentKind.MONTH_7, percent=Decimal("30"))

    document = generate_document(
        kind=DocumentKind.COMPLETION_CERTIFICATE, contract=contract, by=None, instalment=instalment, today=date(2027, 6, 1)
    )

    document.refresh_from_db()
    assert (document.instalment_id, document.period_start, document.period_end) == (instalment.pk, date(2027, 3, 1), date(2027, 5, 31))


def test_completion_certificate_refuses_an_instalment_of_another_contract(contract):
    other = OpcoInstalmentFactory()

    with pytest.raises(ValueError):
        generate_document(kind=DocumentKind.COMPLETION_CERTIFICATE, contract=contract, by=None, instalment=other, today=TODAY)
    assert not Document.objects.filter(contract=contract).exists()


def test_attendance_certificate_needs_a_period(contract):
    with pytest.raises(ValueError):
        generate_document(kind=DocumentKind.ATTENDANCE_CERTIFICATE, contract=contract, by=None, today=TODAY)


def test_cerfa_names_the_cohorts_site_as_the_training_place(contract):
    site = SiteFactory(name="Campus Gerland", uai="0693045K", siret="35600000000048", address="3 rue Crépet", postal_code="69007", city="Lyon")
    cohort = contract.apprentice.cohort
    cohort.site = site
    cohort.save(update_fields=["site"])

    text = pdf_text(cerfa_pdf(contract, today=TODAY))
    place = text[text.index("Lieu principal de réalisation de la formation"):]

    assert "Campus Gerland" in place and "0693045K" in place and "35600000000048" in place
    assert "3 rue Crépet, 69007 Lyon" in place
    # The responsible CFA stays the OF (settings).
    assert "CFA Démo Alternance" in text and "0751234J" in text


def test_cerfa_training_place_falls_back_on_the_of_without_a_site(contract, settings):
    settings.ORGANISATION = {**settings.ORGANISATION, "address": "1 place Bellecour, 69002 Lyon"}

    text = pdf_text(cerfa_pdf(contract, today=TODAY))
    place = text[text.index("Lieu principal de réalisation de la formation"):]

    for expected in ("CFA Démo Alternance", "0751234J", "73282932000074", "1 place Bellecour, 69002 Lyon"):
        assert expected in place, expected


def test_convention_names_the_training_place(contract):
    cohort = contract.apprentice.cohort
    cohort.site = SiteFactory(name="Campus Gerland", uai="0693045K")
    cohort.save(update_fields=["site"])

    text = pdf_text(convention_pdf(contract, today=TODAY))

    assert "Lieu de la formation" in text and "Campus Gerland" in text and "0693045K" in text


def test_remuneration_schedule_prints_every_period_with_the_smic_in_force_at_its_start(contract):
    SmicRate.objects.create(valid_from=date(2027, 1, 1), hourly=Decimal("12.20"), monthly=Decimal("1850.00"), mayotte_monthly=Decimal("1436.00"))

    text = pdf_text(remuneration_schedule_pdf(contract, today=TODAY))

    # Row by row: period, from, to, band, rate, base, SMIC used, its date, amount.
    for expected in (
        "1.1 01/09/2026 31/12/2026 21 à 25 ans 53 % SMIC 1 823,03 € 01/01/2026 966,21 €",
        "1.1 01/01/2027 31/08/2027 21 à 25 ans 53 % SMIC 1 850,00 € 01/01/2027 980,50 €",
        "2.1 01/09/2027 31/08/2028 21 à 25 ans 61 % SMIC 1 850,00 € 01/01/2027 1 128,50 €",
    ):
        assert expected in text, expected
    assert "1 112,05 €" not in text  # year 2 no longer at the SMIC of the start


def test_remuneration_schedule_of_mayotte_uses_mayottes_smic_in_force(contract):
    SmicRate.objects.create(valid_from=date(2027, 1, 1), hourly=Decimal("12.20"), monthly=Decimal("1850.00"), mayotte_monthly=Decimal("1436.00"))
    Company.objects.filter(pk=contract.company_id).update(postal_code="97600")
    contract.refresh_from_db()

    rows = [(row.start, row.smic_monthly, row.amount) for row in remuneration_schedule_for(contract).rows]

    assert rows == [
        (date(2026, 9, 1), Decimal("1415.05"), Decimal("749.98")),
        (date(2027, 1, 1), Decimal("1436.00"), Decimal("761.08")),
        (date(2027, 9, 1), Decimal("1436.00"), Decimal("875.96")),
    ]
