"""PDF rendering of the contract documents (style §13), with WeasyPrint.

One function per document returns the PDF bytes from a template of ``templates/contracts/pdf/``
(A4, print CSS in ``base_print.html``); ``generate_document`` renders one of them and stores it
through ``contracts.documents.document_store`` (SHA-256, size, next version).

The documents:

- the Cerfa data sheet: every section of the Cerfa FA13 n° 10103 (EJ20 n° 12434 for a contrat
  pro) with the remuneration periods computed by ``contracts.salary`` (domain.md §2 and §2.1);
- the convention de formation between the OF, the employer and the apprentice;
- the remuneration schedule (the periods table with the SMIC used and its date);
- the attendance certificate of a period (half-day records of the register);
- the certificate of completion (certificat de réalisation) backing one OPCO instalment.

Nothing reads today's date here: callers pass ``today`` (the date printed as "établi le").
WeasyPrint is imported inside ``render_pdf`` because it is slow to import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from alternance.choices import AttendanceStatus, JustificationStatus, SessionStatus, SigninState
from alternance.models import AttendanceRecord, SessionSignature, User
from contracts.choices import ContractKind, ContractType, DocumentKind, InstalmentKind
from contracts.documents import document_store
from contracts.funding import add_months
from contracts.models import Contract, Document, OpcoFile, OpcoInstalment, SmicRate
from contracts.salary import (
    RemunerationPeriod,
    add_years,
)
from contracts.selectors import contract_remuneration, contract_remuneration_schedule, smic_for_contract

NBSP = "\u00a0"

# Cerfa references printed on the data sheet.
CERFA_REFERENCES = {
    ContractKind.APPRENTICESHIP: "Cerfa FA13 n° 10103",
    ContractKind.PROFESSIONALISATION: "Cerfa EJ20 n° 12434",
}

# Months of the contract year covered by the certificate of completion of each OPCO instalment
# (domain.md §4: 40 % advance, 30 % month 7, 20 % month 10, 10 % balance on proof of service).
# The advance is backed by the first six months, month 7 by months 7–9, month 10 by months 10–12,
# and the balance by the whole contract year.
INSTALMENT_MONTHS = {
    InstalmentKind.ADVANCE: (0, 6),
    InstalmentKind.MONTH_7: (6, 9),
    InstalmentKind.MONTH_10: (9, 12),
    InstalmentKind.BALANCE: (0, 12),
}

# Kinds that can be generated for a contract without any other input (used by cohort batches).
SIMPLE_KINDS = (DocumentKind.CERFA, DocumentKind.CONVENTION, DocumentKind.REMUNERATION_SCHEDULE)
GENERATED_KINDS = (*SIMPLE_KINDS, DocumentKind.ATTENDANCE_CERTIFICATE, DocumentKind.COMPLETION_CERTIFICATE)


# --- French formatting ----------------------------------------------------------------------------

def format_amount(value: Decimal | None) -> str:
    """``1823.03`` → ``1 823,03 €`` (no-break spaces, so an amount never breaks across lines)."""
    if value is None:
        return "—"
    quantized = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    integer, cents = f"{abs(quantized):.2f}".split(".")
    groups = []
    while integer:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    sign = "-" if quantized < 0 else ""
    return f"{sign}{NBSP.join(groups)},{cents}{NBSP}€"


def format_number(value: Decimal | int | float | None) -> str:
    """``Decimal("35.00")`` → ``35``, ``Decimal("17.5")`` → ``17,5`` (French decimal comma)."""
    if value is None:
        return "—"
    text = f"{Decimal(str(value)).normalize():f}"
    return text.replace(".", ",")


def format_hours_minutes(value: Decimal | int | float | None) -> str:
    """Hours as the Cerfa asks them, hours and minutes: ``17.5`` → ``17 h 30``, ``35`` → ``35 h 00``
    (rounded to the nearest minute)."""
    if value is None:
        return "—"
    minutes = int((Decimal(str(value)) * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return f"{minutes // 60}{NBSP}h{NBSP}{minutes % 60:02d}"


def format_percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{format_number(value)}{NBSP}%"


def css_string(value: str) -> str:
    """``value`` as the inside of a double-quoted CSS string (for ``content:`` in margin boxes):
    quotes, backslashes, line breaks and ``<`` escaped, so that nothing closes the string or the
    ``<style>`` element. Autoescaping does not apply: HTML entities are not decoded in CSS."""
    return mark_safe("".join(f"\\{ord(char):x} " if char in '"\\<>\n\r' else char for char in str(value)))  # noqa: S308


def mask_nir(nir: str | None) -> str:
    """The NIR is never printed in full: only its last 4 characters (the end of the serial number
    and the key) so that staff can compare it with the apprentice's card."""
    if not nir:
        return ""
    return "•" * max(len(nir) - 4, 0) + nir[-4:]


# --- rendering --------------------------------------------------------------------------------------

def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a print template to PDF bytes. External resources are refused (no URL is fetched)."""
    return render_pdf_with_boxes(template_name, context)[0]


# CSS pixels (1/96 in) to PDF points (1/72 in).
PX_TO_PT = 0.75


def render_pdf_with_boxes(template_name: str, context: dict) -> tuple[bytes, list[dict]]:
    """Render a print template to PDF bytes, with where its signature boxes were laid out.

    Each element marked ``data-signature-role`` (organisation, employer, apprentice) gives one
    ``{"role", "page", "x", "y", "width", "height"}`` in PDF points, origin at the bottom left of
    the page (the coordinates pypdf uses): the positions come from WeasyPrint's own layout of this
    very PDF, so the signed copy can stamp each signature in its box without guessing."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    context = {"organisation": settings.ORGANISATION, **context}
    context["footer_css"] = css_string(f"{context.get('document_title', '')} — {_('établi le')} {context['today']:%d/%m/%Y}")
    html = render_to_string(template_name, context)
    rendered = HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols=())).render()
    boxes: dict[str, dict] = {}
    for index, page in enumerate(rendered.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            role = element.get("data-signature-role") if element is not None and hasattr(box, "border_box_x") else None
            if not role or box.element_tag != "div":
                continue
            height = box.border_height()
            if role in boxes and boxes[role]["height"] >= height * PX_TO_PT:
                continue  # a box split across pages: keep its larger part
            boxes[role] = {
                "role": role, "page": index,
                "x": round(box.border_box_x() * PX_TO_PT, 2),
                "y": round((page.height - box.border_box_y() - height) * PX_TO_PT, 2),
                "width": round(box.border_width() * PX_TO_PT, 2), "height": round(height * PX_TO_PT, 2),
            }
    return rendered.write_pdf(), list(boxes.values())


# --- data of the documents ----------------------------------------------------------------------

@dataclass(frozen=True)
class PeriodRow:
    """One line of the remuneration table, formatted for print."""

    label: str
    start: date
    end: date
    age_band: str
    rate: str
    base: str
    monthly_amount: str
    amount: Decimal
    # The SMIC this amount uses and its date (remuneration schedule); None on the Cerfa sheet.
    smic_monthly: Decimal | None = None
    smic_valid_from: date | None = None

    @property
    def smic_display(self) -> str:
        return format_amount(self.smic_monthly)


@dataclass(frozen=True)
class Remuneration:
    smic_monthly: Decimal | None
    smic_valid_from: date | None
    smc_monthly: Decimal | None
    rows: list[PeriodRow]

    @property
    def smic_display(self) -> str:
        return format_amount(self.smic_monthly)

    @property
    def smc_display(self) -> str:
        return format_amount(self.smc_monthly)


def remuneration_for(contract: Contract) -> Remuneration:
    """Minimum remuneration periods of the contract (contracts.salary), with the SMIC in force at
    its start (Mayotte's for Mayotte) and the collective minimum (SMC) entered on the contract.

    Contrat pro: professionalisation grid, "qualified" when the highest diploma obtained is a bac
    pro, a vocational title of the same level or a higher qualification (D6325-15,
    ``contracts.salary.holds_pro_qualification``; a general or technological bac is not).
    """
    smic = smic_for_contract(contract)
    smic_row = SmicRate.in_force_on(contract.start_date)
    smc = contract.collective_minimum_salary
    periods: list[RemunerationPeriod] = contract_remuneration(contract) or []
    rows = [
        PeriodRow(
            label=period.label, start=period.start, end=period.end, age_band=period.age_band,
            rate=format_percent(period.rate), base=period.base,
            monthly_amount=format_amount(period.monthly_amount), amount=period.monthly_amount,
        )
        for period in periods
    ]
    return Remuneration(smic_monthly=smic, smic_valid_from=smic_row.valid_from if smic_row else None, smc_monthly=smc, rows=rows)


def _period_row(period: RemunerationPeriod) -> PeriodRow:
    return PeriodRow(
        label=period.label, start=period.start, end=period.end, age_band=period.age_band,
        rate=format_percent(period.rate), base=period.base,
        monthly_amount=format_amount(period.monthly_amount), amount=period.monthly_amount,
        smic_monthly=period.smic_monthly, smic_valid_from=period.smic_valid_from,
    )


def remuneration_schedule_for(contract: Contract) -> Remuneration:
    """The remuneration schedule's periods (issue 15 §8): the percentage of every period and its
    amount with the SMIC in force on the period's first day, periods cut at each SMIC revaluation
    (``selectors.contract_remuneration_schedule``). The header keeps the SMIC in force at the start."""
    smic_row = SmicRate.in_force_on(contract.start_date)
    periods: list[RemunerationPeriod] = contract_remuneration_schedule(contract) or []
    return Remuneration(
        smic_monthly=smic_for_contract(contract), smic_valid_from=smic_row.valid_from if smic_row else None,
        smc_monthly=contract.collective_minimum_salary, rows=[_period_row(period) for period in periods],
    )


@dataclass
class AttendanceSummary:
    """Half-day attendance of an apprentice over a period (the OF's register)."""

    period_start: date
    period_end: date
    present: int = 0
    late: int = 0
    late_minutes: int = 0
    absent_justified: int = 0
    absent_unjustified: int = 0
    absences: list[AttendanceRecord] = field(default_factory=list)

    @property
    def absent(self) -> int:
        return self.absent_justified + self.absent_unjustified

    @property
    def total(self) -> int:
        return self.present + self.late + self.absent

    @property
    def rate(self) -> Decimal | None:
        """Share of the recorded half-days attended (a late arrival counts as attended), in %."""
        if not self.total:
            return None
        return (Decimal(100) * (self.present + self.late) / self.total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def rate_display(self) -> str:
        return format_percent(self.rate)

    @property
    def attended_half_days(self) -> int:
        return self.present + self.late

    @property
    def attended_hours(self) -> Decimal:
        """Hours of training attended: each half-day present or late counts ``HALF_DAY_HOURS``,
        minus the minutes of late arrival (the register records half-days, not hours)."""
        hours = half_day_hours() * self.attended_half_days - Decimal(self.late_minutes) / 60
        return max(hours, Decimal(0))

    @property
    def absent_hours(self) -> Decimal:
        return half_day_hours() * self.absent

    @property
    def attended_hours_display(self) -> str:
        return format_hours_minutes(self.attended_hours)

    @property
    def absent_hours_display(self) -> str:
        return format_hours_minutes(self.absent_hours)


def half_day_hours() -> Decimal:
    """Hours of training in one half-day of the register (setting ``HALF_DAY_HOURS``)."""
    return Decimal(str(settings.HALF_DAY_HOURS))


def attendance_summary(contract: Contract, *, period_start: date, period_end: date) -> AttendanceSummary:
    """Counts of the apprentice's half-day records from ``period_start`` to ``period_end`` inclusive.

    An absence is justified only when its justification was accepted; a pending or refused proof
    leaves it unjustified.
    """
    summary = AttendanceSummary(period_start=period_start, period_end=period_end)
    records = AttendanceRecord.objects.filter(
        apprentice_id=contract.apprentice_id, day__gte=period_start, day__lte=period_end
    ).order_by("day", "half")
    for record in records:
        if record.status == AttendanceStatus.PRESENT:
            summary.present += 1
        elif record.status == AttendanceStatus.LATE:
            summary.late += 1
            summary.late_minutes += record.minutes_late
        else:
            if record.justification == JustificationStatus.ACCEPTED:
                summary.absent_justified += 1
            else:
                summary.absent_unjustified += 1
            summary.absences.append(record)
    return summary


@dataclass(frozen=True)
class SignedSessions:
    """The training sessions an apprentice signed in a period, from the closed and signed sheets
    (issue 19 §3), and the monthly sheets of that period that back them (latest version of each month)."""

    count: int
    minutes: int
    monthly_sheets: list[Document]

    @property
    def hours_display(self) -> str:
        return format_hours_minutes(Decimal(self.minutes) / 60)


def signed_sessions_summary(apprentice_id: int, *, period_start: date, period_end: date) -> SignedSessions:
    """Sessions of ``period_start``–``period_end`` (inclusive) whose sheet the trainer closed and
    signed with the apprentice's signature on it (two queries)."""
    signed = SessionSignature.objects.filter(
        apprentice_id=apprentice_id, session__day__gte=period_start, session__day__lte=period_end,
        session__status=SessionStatus.PLANNED, session__signin_state=SigninState.CLOSED,
    ).select_related("session")
    count = minutes = 0
    for signature in signed:
        count += 1
        minutes += signature.session.duration_minutes
    sheets: dict[date, Document] = {}
    for document in Document.objects.filter(
        apprentice_id=apprentice_id, kind=DocumentKind.MONTHLY_SIGNIN_SHEET, period_start__lte=period_end, period_end__gte=period_start,
    ).order_by("period_start", "-version"):
        sheets.setdefault(document.period_start, document)
    return SignedSessions(count=count, minutes=minutes, monthly_sheets=list(sheets.values()))


@dataclass(frozen=True)
class InstalmentPeriod:
    contract_year: int
    year_start: date
    year_end: date
    start: date
    end: date
    planned_hours: int


def contract_training_hours(contract: Contract) -> int | None:
    return contract.training_hours or contract.programme.training_hours


def instalment_period(contract: Contract, instalment: OpcoInstalment) -> InstalmentPeriod:
    """The contract year of the instalment and the part of it its certificate covers
    (``INSTALMENT_MONTHS``), cut at the contract end (or rupture), with the training hours planned
    for that part: the contract's training hours pro rata of the days of the contract."""
    end_of_contract = contract.rupture_date or contract.end_date
    year_start = add_years(contract.start_date, instalment.contract_year - 1)
    year_end = min(add_years(contract.start_date, instalment.contract_year) - timedelta(days=1), end_of_contract)
    first_month, last_month = INSTALMENT_MONTHS[instalment.kind]
    start = add_months(year_start, first_month)
    end = min(add_months(year_start, last_month) - timedelta(days=1), year_end)
    if start > end:  # a short last year: the covered part is empty, print the day of the end
        start = end
    hours = contract_training_hours(contract) or 0
    contract_days = (contract.end_date - contract.start_date).days + 1
    period_days = (end - start).days + 1
    planned = (Decimal(hours) * period_days / contract_days).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    return InstalmentPeriod(
        contract_year=instalment.contract_year, year_start=year_start, year_end=year_end,
        start=start, end=end, planned_hours=int(planned),
    )


@dataclass(frozen=True)
class TrainingPlace:
    """The Cerfa's « lieu principal de réalisation de la formation » (name, UAI, SIRET, address)."""

    name: str
    uai: str
    siret: str
    address: str
    is_site: bool


def training_place(contract: Contract) -> TrainingPlace:
    """Where the apprentice is trained: the site of its cohort when the cohort has one (issue 13 §2),
    else the OF itself as its settings describe it (``ORGANISATION``: OF_NAME, OF_UAI, OF_SIRET,
    OF_ADDRESS)."""
    site = contract.apprentice.cohort.site
    if site is not None:
        return TrainingPlace(site.name, site.uai, site.siret, f"{site.address}, {site.postal_code} {site.city}", True)
    organisation = settings.ORGANISATION
    return TrainingPlace(organisation["name"], organisation["uai"], organisation["siret"], organisation.get("address", ""), False)


def _opco_file(contract: Contract) -> OpcoFile | None:
    return OpcoFile.objects.filter(contract=contract).first()


# Amendments of amendments: how far up the chain the deposit number of the amended contract is looked for.
MAX_AMENDMENT_CHAIN = 10


def previous_contract_number(contract: Contract) -> str:
    """The Cerfa's « numéro du contrat précédent ou du contrat sur lequel porte l'avenant ».

    For an amendment (types 31–38), the deposit number of the contract it amends, from that
    contract's OPCO file, going up a chain of amendments until a contract with a deposit number;
    for a succession contract (types 21–23) the number entered. Cerfa FA13 n° 10103*12 and its
    notice FA14: the amendment is attached to the contract registered under that number.
    One query per contract of the chain (usually one)."""
    if contract.is_amendment and contract.amends_id:
        amended_id = contract.amends_id
        for _step in range(MAX_AMENDMENT_CHAIN):
            row = (
                Contract.objects.filter(pk=amended_id)
                .values("opco_file__deposit_number", "previous_contract_number", "amends_id", "contract_type")
                .first()
            )
            if row is None:
                break
            if row["opco_file__deposit_number"]:
                return row["opco_file__deposit_number"]
            if not row["amends_id"] or row["contract_type"] not in ContractType.amendment_values():
                break
            amended_id = row["amends_id"]
    return contract.previous_contract_number


def deposit_organisation_name(contract: Contract, opco_file: OpcoFile | None) -> str:
    """The organisation in charge of the deposit (the Cerfa's box reserved to it): the name entered
    on the OPCO file, else the OPCO of the file, else the employer's OPCO."""
    from companies.choices import Opco

    if opco_file is not None and opco_file.deposit_organisation_name:
        return opco_file.deposit_organisation_name
    code = (opco_file.opco if opco_file is not None else "") or contract.company.opco
    return str(Opco(code).label) if code in Opco.values else code


def _base_context(contract: Contract, today: date, title: str) -> dict:
    return {
        "contract": contract,
        "apprentice": contract.apprentice,
        "company": contract.company,
        "programme": contract.programme,
        "today": today,
        "document_title": title,
        "training_hours": contract_training_hours(contract),
    }


def _render(with_boxes: bool, template_name: str, context: dict):
    """The PDF bytes, or (bytes, signature boxes) when ``with_boxes`` (for ``generate_document``)."""
    return render_pdf_with_boxes(template_name, context) if with_boxes else render_pdf(template_name, context)


# --- one function per document --------------------------------------------------------------------

def cerfa_pdf(contract: Contract, *, today: date, with_boxes: bool = False):
    """The Cerfa data sheet: every section of the Cerfa as domain.md §2 lists them."""
    apprentice = contract.apprentice
    company = contract.company
    opco_file = _opco_file(contract)
    context = _base_context(contract, today, _("Fiche de données du contrat"))
    context.update(
        cerfa_reference=CERFA_REFERENCES.get(contract.kind, ""),
        nir_masked=mask_nir(apprentice.get_nir()),
        masters=[contract.master, contract.second_master],  # the Cerfa's boxes n° 1 and n° 2
        naf=company.naf_display,
        idcc_label=company.idcc_label,
        weekly_hours=format_hours_minutes(contract.weekly_hours),
        previous_contract_number=previous_contract_number(contract),
        cohort=apprentice.cohort,
        deposit_organisation_name=deposit_organisation_name(contract, opco_file),
        gross_monthly_salary=format_amount(contract.gross_monthly_salary) if contract.gross_monthly_salary is not None else "",
        benefit_food=format_amount(contract.benefit_food) if contract.benefit_food is not None else "",
        benefit_housing=format_amount(contract.benefit_housing) if contract.benefit_housing is not None else "",
        remuneration=remuneration_for(contract),
        opco_file=opco_file,
        training_place=training_place(contract),
    )
    return _render(with_boxes, "contracts/pdf/cerfa.html", context)


def convention_pdf(contract: Contract, *, today: date, with_boxes: bool = False):
    """The convention de formation between the OF, the employer and the apprentice."""
    opco_file = _opco_file(contract)
    npec = opco_file.npec_amount if opco_file is not None else None
    context = _base_context(contract, today, _("Convention de formation"))
    context.update(
        cohort=contract.apprentice.cohort,
        training_place=training_place(contract),
        npec_amount=format_amount(npec) if npec is not None else "",
        weekly_hours=format_number(contract.weekly_hours),
        remote_training_hours=contract.remote_training_hours,
    )
    return _render(with_boxes, "contracts/pdf/convention.html", context)


def remuneration_schedule_pdf(contract: Contract, *, today: date, with_boxes: bool = False):
    """The remuneration schedule: the minimum salary per period, each with the SMIC it uses and its date."""
    context = _base_context(contract, today, _("Échéancier de rémunération"))
    context.update(remuneration=remuneration_schedule_for(contract))
    return _render(with_boxes, "contracts/pdf/remuneration_schedule.html", context)


def attendance_certificate_pdf(contract: Contract, *, period_start: date, period_end: date, today: date, with_boxes: bool = False):
    """The attendance certificate of a period, from the half-day register."""
    if period_end < period_start:
        raise ValueError("La période de l'attestation se termine avant de commencer.")
    context = _base_context(contract, today, _("Attestation d'assiduité"))
    context.update(attendance=attendance_summary(contract, period_start=period_start, period_end=period_end))
    return _render(with_boxes, "contracts/pdf/attendance_certificate.html", context)


class PeriodNotOver(ValueError):
    """A certificate of completion asked for a period that is not over yet (French message)."""


def completion_available_from(period: InstalmentPeriod) -> date:
    """First day a certificate of completion of ``period`` may be issued: the day after its end.

    A certificate of completion states that the training « a été réalisée » (Code du travail
    R6332-26: the OPCO pays on proof of the action's completion [à vérifier]): it cannot be issued
    on the last day of the period, when that day's training is not over yet."""
    return period.end + timedelta(days=1)


def check_period_over(period: InstalmentPeriod, *, today: date) -> None:
    """Raise ``PeriodNotOver`` unless the period ended before ``today`` (end < today)."""
    available = completion_available_from(period)
    if today < available:
        raise PeriodNotOver(
            _("Le certificat de réalisation atteste une formation réalisée : la période du %(start)s au %(end)s n'est pas "
              "terminée. Il pourra être établi à partir du %(available)s.")
            % {"start": f"{period.start:%d/%m/%Y}", "end": f"{period.end:%d/%m/%Y}", "available": f"{available:%d/%m/%Y}"}
        )


def completion_certificate_pdf(contract: Contract, *, instalment: OpcoInstalment, today: date, with_boxes: bool = False):
    """The certificate of completion backing one OPCO instalment: the action, the contract year and
    the part of it covered, the hours planned for that part and the hours attended in it, from the
    register. Only for a period that is over (``check_period_over``)."""
    period = instalment_period(contract, instalment)
    check_period_over(period, today=today)
    context = _base_context(contract, today, _("Certificat de réalisation"))
    context.update(
        instalment=instalment,
        period=period,
        attendance=attendance_summary(contract, period_start=period.start, period_end=period.end),
        signed_sessions=signed_sessions_summary(contract.apprentice_id, period_start=period.start, period_end=period.end),
        half_day_hours_display=format_hours_minutes(half_day_hours()),
        opco_file=instalment.opco_file,
    )
    return _render(with_boxes, "contracts/pdf/completion_certificate.html", context)


# --- generation service -----------------------------------------------------------------------

def document_filename(kind: str, contract: Contract, *, suffix: str = "") -> str:
    apprentice = contract.apprentice
    name = slugify(f"{apprentice.usage_name or apprentice.last_name} {apprentice.first_name}") or "apprenti"
    return f"{slugify(DocumentKind(kind).label)}-{name}-contrat-{contract.pk}{suffix}.pdf"


def generate_document(
    *,
    kind: str,
    contract: Contract,
    by: User | None,
    period_start: date | None = None,
    period_end: date | None = None,
    instalment: OpcoInstalment | None = None,
    today: date | None = None,
) -> Document:
    """Render the document ``kind`` of ``contract`` and store it as a new generated version.

    ``period_start``/``period_end`` are required for an attendance certificate, ``instalment`` (an
    instalment of this contract's OPCO file) for a certificate of completion.
    """
    today = today or timezone.localdate()
    full_name = contract.apprentice.full_name
    suffix = ""
    if kind == DocumentKind.CERFA:
        content, boxes = cerfa_pdf(contract, today=today, with_boxes=True)
        title = _("Fiche Cerfa — %(name)s") % {"name": full_name}
    elif kind == DocumentKind.CONVENTION:
        content, boxes = convention_pdf(contract, today=today, with_boxes=True)
        title = _("Convention de formation — %(name)s") % {"name": full_name}
    elif kind == DocumentKind.REMUNERATION_SCHEDULE:
        content, boxes = remuneration_schedule_pdf(contract, today=today, with_boxes=True)
        title = _("Échéancier de rémunération — %(name)s") % {"name": full_name}
    elif kind == DocumentKind.ATTENDANCE_CERTIFICATE:
        if period_start is None or period_end is None:
            raise ValueError("Une attestation d'assiduité porte sur une période : indiquez son début et sa fin.")
        content, boxes = attendance_certificate_pdf(contract, period_start=period_start, period_end=period_end, today=today, with_boxes=True)
        title = _("Attestation d'assiduité du %(start)s au %(end)s — %(name)s") % {
            "start": f"{period_start:%d/%m/%Y}", "end": f"{period_end:%d/%m/%Y}", "name": full_name,
        }
        suffix = f"-{period_start:%Y%m%d}-{period_end:%Y%m%d}"
    elif kind == DocumentKind.COMPLETION_CERTIFICATE:
        if instalment is None or instalment.opco_file.contract_id != contract.pk:
            raise ValueError("Un certificat de réalisation se rapporte à un versement OPCO de ce contrat.")
        period = instalment_period(contract, instalment)
        period_start, period_end = period.start, period.end
        content, boxes = completion_certificate_pdf(contract, instalment=instalment, today=today, with_boxes=True)
        title = _("Certificat de réalisation — année %(year)s, %(instalment)s — %(name)s") % {
            "year": instalment.contract_year, "instalment": instalment.get_kind_display().lower(), "name": full_name,
        }
        suffix = f"-annee{instalment.contract_year}-{instalment.kind}"
    else:
        raise ValueError(f"Type de document non généré par l'application : {kind}")
    from contracts.freshness import contract_sources, document_source_values, values_fingerprint

    values = document_source_values(kind, contract_sources(contract))
    return document_store(
        source_values=values,
        source_fingerprint=values_fingerprint(values) if values else "",
        signature_boxes=boxes,
        content=content,
        filename=document_filename(kind, contract, suffix=suffix),
        kind=kind,
        title=title,
        contract=contract,
        by=by,
        generated=True,
        period_start=period_start,
        period_end=period_end,
        instalment=instalment,
    )
