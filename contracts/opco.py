"""The OPCO file follow-up: writes on the file, its instalments and reminders, and the board's reads
(domain.md §3 and §4).

The sending of the file and the OPCO's decision are transitions of the contract
(``contracts.services.contract_send_to_opco`` / ``contract_record_opco_decision``); this module
handles what comes around them: the complete-file date, the NPEC and the numbers, the funding
schedule (computed by ``contracts.funding``), invoices and payments, the employer participation
and the reminders. Every write validates with ``full_clean`` and raises ``ValidationError`` with
French messages (per field where there is one). Nothing here calls ``date.today()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.triggers import facts_changed
from alternance import access
from alternance.models import User
from alternance.planning import practical
from alternance.validators import normalize_siret
from contracts import funding
from contracts.choices import (
    ACTIVE_CONTRACT_STATUSES,
    PENDING_CONTRACT_STATUSES,
    ContractStatus,
    InstalmentKind,
    OpcoDecision,
)
from contracts.models import Contract, ContractSettings, FundingRule, OpcoFile, OpcoInstalment, OpcoReminder

# The OPCO pays an invoiced instalment within 30 days (domain §4: "advance within 30 days of the
# OF's invoice" [check]; applied to every instalment).
PAYMENT_DAYS = 30
# The board warns this many days before the last-year balance claim limit (brief of the issue).
BALANCE_WARNING_DAYS = 30


def _not_in_future(value: date | None, today: date | None, field: str, message: str, errors: dict) -> None:
    if value and today and value > today:
        errors.setdefault(field, []).append(message)


# --- the file ------------------------------------------------------------------------------------

@transaction.atomic
def opco_file_update(
    *,
    opco_file: OpcoFile,
    by: User | None,
    complete_file_date: date | None,
    npec_amount: Decimal | None,
    deposit_number: str,
    amendment_number: str,
    deposit_organisation_name: str = "",
    deposit_organisation_siret: str = "",
    today: date | None = None,
) -> OpcoFile:
    """Record what the OPCO sent back: the complete-file date, the annual NPEC, the deposit and
    amendment numbers, the organisation in charge of the deposit (name, SIRET: the Cerfa's box
    reserved to it). The sending date and the decision stay with the contract transitions."""
    opco_file = OpcoFile.objects.select_for_update().get(pk=opco_file.pk)
    errors: dict[str, list[str]] = {}
    _not_in_future(complete_file_date, today, "complete_file_date", _("La date de réception du dossier complet ne peut pas être dans le futur."), errors)
    if npec_amount is not None and npec_amount < 0:
        errors.setdefault("npec_amount", []).append(_("Le montant NPEC doit être positif."))
    if errors:
        raise ValidationError(errors)
    opco_file.complete_file_date = complete_file_date
    opco_file.npec_amount = npec_amount
    opco_file.deposit_number = deposit_number.strip()
    opco_file.amendment_number = amendment_number.strip()
    opco_file.deposit_organisation_name = deposit_organisation_name.strip()
    opco_file.deposit_organisation_siret = normalize_siret(deposit_organisation_siret)
    opco_file.full_clean()
    opco_file.save()
    facts_changed("opco_file_changed", contract_ids=[opco_file.contract_id])
    return opco_file


def funding_rules() -> list[FundingRule]:
    return list(FundingRule.objects.all())


def contract_last_day(contract: Contract) -> date:
    """The contract's last funded day: its rupture date when broken, else its end date."""
    return contract.rupture_date or contract.end_date


def free_period_ends(contracts: list[Contract], *, settings: ContractSettings | None = None) -> dict[int, date | None]:
    """The last day of each contract's free rupture period — its 45th company day on the
    apprentice's real calendar (L6222-18 al. 1, ``alternance.planning.practical``), which also
    dates the employer participation (R6332-25-2). Contracts with ``apprentice__cohort`` selected;
    two queries whatever their number."""
    if not contracts:
        return {}
    days = (settings or ContractSettings.load()).free_period_company_days
    calendars = practical.calendars_for_contracts(contracts)
    return {c.pk: practical.contract_free_period_end(c, days, calendars=calendars) for c in contracts}


def after_rupture_with_another_employer(contract: Contract) -> bool:
    """Whether ``contract`` is a new contract after a rupture with another employer (R6332-25-1
    [à vérifier]: the new employer's participation is reduced): the apprentice's latest contract
    that started before this one (drafts and refused ones aside) was broken, and its employer is
    another company — another SIREN, since two establishments of one company are one employer."""
    previous = (
        Contract.objects.filter(apprentice_id=contract.apprentice_id, start_date__lt=contract.start_date)
        .exclude(pk=contract.pk).exclude(status__in=(*PENDING_CONTRACT_STATUSES, ContractStatus.REFUSED))
        .select_related("company").order_by("-start_date", "-pk").first()
    )
    return (
        previous is not None and previous.rupture_date is not None
        and previous.company.siren != contract.company.siren
    )


def schedule_for(opco_file: OpcoFile, *, rules: list[FundingRule] | None = None) -> funding.FundingSchedule:
    """The funding schedule of the file's contract with its current NPEC (read-only)."""
    contract = opco_file.contract
    if opco_file.npec_amount is None:
        raise ValidationError({"npec_amount": _("Renseignez d'abord le montant NPEC annuel de la prise en charge.")})
    day = funding.funding_reference_date(signature_date=contract.signature_date, start_date=contract.start_date)
    rule = funding.rule_in_force(rules if rules is not None else funding_rules(), day)
    if rule is None:
        raise ValidationError(
            _("Aucune règle de financement OPCO ne s'applique aux contrats conclus le %(day)s : ajoutez-la dans l'administration.")
            % {"day": f"{day:%d/%m/%Y}"}
        )
    return funding.funding_schedule(
        rule=rule,
        start=contract.start_date,
        end=contract_last_day(contract),
        npec=opco_file.npec_amount,
        training_hours=contract.training_hours,
        remote_training_hours=contract.remote_training_hours,
        programme_level=contract.programme.level,
        free_period_end=free_period_ends([contract])[contract.pk],
        rupture_date=contract.rupture_date,
        after_rupture_with_another_employer=after_rupture_with_another_employer(contract),
    )


@transaction.atomic
def employer_participation_refresh(*, opco_file: OpcoFile) -> OpcoFile:
    """Recompute the participation after a change of its facts (a rupture: R6332-25-2), unless it
    is already invoiced or the file has no NPEC or no participation yet (the schedule sets it)."""
    opco_file = OpcoFile.objects.select_for_update().select_related(
        "contract__programme", "contract__company", "contract__apprentice__cohort"
    ).get(pk=opco_file.pk)
    if opco_file.employer_participation_invoiced_date is not None or opco_file.npec_amount is None:
        return opco_file
    if opco_file.employer_participation_amount is None:
        return opco_file
    participation = schedule_for(opco_file).employer_participation
    opco_file.employer_participation_amount = participation.amount if participation else None
    opco_file.full_clean()
    opco_file.save(update_fields=["employer_participation_amount", "updated_at"])
    facts_changed("opco_file_changed", contract_ids=[opco_file.contract_id])
    return opco_file


@transaction.atomic
def opco_schedule_generate(*, opco_file: OpcoFile, by: User | None) -> list[OpcoInstalment]:
    """Create or replace the file's instalments from the funding schedule.

    Instalments already invoiced or paid are never deleted nor changed: when the new schedule
    would drop one or change its amount (NPEC or dates corrected after invoicing), the generation
    is refused with a message — the invoice must be settled first (credit note).
    """
    opco_file = OpcoFile.objects.select_for_update().select_related(
        "contract__programme", "contract__company", "contract__apprentice__cohort"
    ).get(pk=opco_file.pk)
    if not opco_file.contract.goes_through_opco:
        raise ValidationError(_(
            "Employeur public : le contrat est déposé auprès de la DDETS et n'est pas financé par un OPCO, "
            "il n'y a pas d'échéancier de prise en charge à générer."
        ))
    plan = schedule_for(opco_file)
    planned = {(p.contract_year, p.kind): p for p in plan.instalments}
    existing = {(i.contract_year, i.kind): i for i in opco_file.instalments.all()}
    conflicts = []
    for key, instalment in sorted(existing.items()):
        if instalment.invoiced_date is None:
            continue
        new = planned.get(key)
        if new is None or new.amount != instalment.amount:
            conflicts.append(
                _("%(kind)s de l'année %(year)s (facturé %(amount)s €)")
                % {"kind": instalment.get_kind_display(), "year": instalment.contract_year, "amount": number_format(instalment.amount, 2)}
            )
    if conflicts:
        raise ValidationError(
            _("L'échéancier recalculé modifierait des versements déjà facturés : %(list)s. "
              "Régularisez d'abord ces factures (avoir) : aucun versement facturé n'est supprimé.")
            % {"list": " ; ".join(conflicts)}
        )
    if any(p.contract_year > 4 for p in plan.instalments):
        raise ValidationError(_("Un contrat d'apprentissage dure au plus 4 ans : vérifiez ses dates de début et de fin."))
    for key, instalment in existing.items():
        if instalment.invoiced_date is None and key not in planned:
            instalment.delete()
    result = []
    for key, item in planned.items():
        instalment = existing.get(key)
        if instalment is not None and instalment.invoiced_date is not None:
            result.append(instalment)
            continue
        instalment = instalment or OpcoInstalment(opco_file=opco_file, contract_year=item.contract_year, kind=item.kind)
        instalment.percent, instalment.amount, instalment.due_date = item.percent, item.amount, item.due_date
        instalment.full_clean()
        instalment.save()
        result.append(instalment)
    participation = plan.employer_participation
    if opco_file.employer_participation_invoiced_date is None:
        opco_file.employer_participation_amount = participation.amount if participation else None
        opco_file.full_clean()
        opco_file.save(update_fields=["employer_participation_amount", "updated_at"])
    facts_changed("opco_file_changed", contract_ids=[opco_file.contract_id])
    return sorted(result, key=lambda i: (i.contract_year, i.due_date, i.pk))


# --- instalments ---------------------------------------------------------------------------------

@transaction.atomic
def instalment_record_invoice(
    *, instalment: OpcoInstalment, invoice_number: str, invoiced_date: date, by: User | None, today: date
) -> OpcoInstalment:
    """The OF invoiced the instalment to the OPCO (correctable until it is paid)."""
    instalment = OpcoInstalment.objects.select_for_update().get(pk=instalment.pk)
    errors: dict[str, list[str]] = {}
    if instalment.paid_date:
        raise ValidationError(_("Ce versement est déjà payé : sa facture ne peut plus être modifiée."))
    if not invoice_number.strip():
        errors["invoice_number"] = [_("Indiquez le numéro de la facture.")]
    _not_in_future(invoiced_date, today, "invoiced_date", _("La date de facture ne peut pas être dans le futur."), errors)
    if errors:
        raise ValidationError(errors)
    instalment.invoice_number, instalment.invoiced_date = invoice_number.strip(), invoiced_date
    instalment.full_clean()
    instalment.save()
    facts_changed("opco_file_changed", contract_ids=[instalment.opco_file.contract_id])
    return instalment


@transaction.atomic
def instalment_record_payment(
    *, instalment: OpcoInstalment, paid_date: date, paid_amount: Decimal | None, by: User | None, today: date
) -> OpcoInstalment:
    """The OPCO paid the instalment (the amount received defaults to the amount due)."""
    instalment = OpcoInstalment.objects.select_for_update().get(pk=instalment.pk)
    if instalment.invoiced_date is None:
        raise ValidationError(_("Enregistrez d'abord la facture de ce versement : un paiement suit toujours une facture."))
    errors: dict[str, list[str]] = {}
    _not_in_future(paid_date, today, "paid_date", _("La date de paiement ne peut pas être dans le futur."), errors)
    if paid_date < instalment.invoiced_date:
        errors.setdefault("paid_date", []).append(
            _("Le paiement ne peut pas précéder la facture du %(day)s.") % {"day": f"{instalment.invoiced_date:%d/%m/%Y}"}
        )
    if paid_amount is not None and paid_amount < 0:
        errors["paid_amount"] = [_("Le montant reçu doit être positif.")]
    if errors:
        raise ValidationError(errors)
    instalment.paid_date = paid_date
    instalment.paid_amount = instalment.amount if paid_amount is None else paid_amount
    instalment.full_clean()
    instalment.save()
    facts_changed("opco_file_changed", contract_ids=[instalment.opco_file.contract_id])
    return instalment


@transaction.atomic
def employer_participation_record(
    *, opco_file: OpcoFile, invoiced_date: date | None = None, paid_date: date | None = None, today: date | None = None
) -> OpcoFile:
    """The OF invoiced the employer participation to the employer, and/or the employer paid it."""
    opco_file = OpcoFile.objects.select_for_update().get(pk=opco_file.pk)
    if opco_file.employer_participation_amount is None:
        raise ValidationError(_("Ce contrat ne comporte pas de participation employeur : générez l'échéancier pour la calculer."))
    invoiced = invoiced_date or opco_file.employer_participation_invoiced_date
    errors: dict[str, list[str]] = {}
    _not_in_future(invoiced_date, today, "invoiced_date", _("La date de facture ne peut pas être dans le futur."), errors)
    _not_in_future(paid_date, today, "paid_date", _("La date de paiement ne peut pas être dans le futur."), errors)
    if paid_date and not invoiced:
        errors.setdefault("paid_date", []).append(_("Indiquez d'abord la date de facture de la participation employeur."))
    elif paid_date and paid_date < invoiced:
        errors.setdefault("paid_date", []).append(_("Le paiement ne peut pas précéder la facture."))
    if not invoiced_date and not paid_date:
        errors.setdefault("invoiced_date", []).append(_("Indiquez une date de facture ou de paiement."))
    if errors:
        raise ValidationError(errors)
    if invoiced_date:
        opco_file.employer_participation_invoiced_date = invoiced_date
    if paid_date:
        opco_file.employer_participation_paid_date = paid_date
    opco_file.full_clean()
    opco_file.save()
    facts_changed("opco_file_changed", contract_ids=[opco_file.contract_id])
    return opco_file


@transaction.atomic
def opco_reminder_log(
    *, opco_file: OpcoFile, instalment: OpcoInstalment | None = None, sent_on: date, subject: str, note: str,
    by: User | None, today: date | None = None,
) -> OpcoReminder:
    """Log a reminder sent to the OPCO (or to the employer) about the file or one instalment."""
    errors: dict[str, list[str]] = {}
    if instalment is not None and instalment.opco_file_id != opco_file.pk:
        errors["instalment"] = [_("Ce versement n'appartient pas à ce dossier OPCO.")]
    if not subject.strip():
        errors["subject"] = [_("Indiquez l'objet de la relance.")]
    _not_in_future(sent_on, today, "sent_on", _("La date de relance ne peut pas être dans le futur."), errors)
    if errors:
        raise ValidationError(errors)
    reminder = OpcoReminder(opco_file=opco_file, instalment=instalment, sent_on=sent_on, subject=subject.strip(), note=note.strip(), sent_by=by)
    reminder.full_clean()
    reminder.save()
    return reminder


# --- the board -----------------------------------------------------------------------------------

class BoardFilter:
    TO_SEND = "to_send"
    LATE = "late"
    AWAITING_DECISION = "awaiting_decision"
    INSTALMENT_DUE = "instalment_due"
    UNPAID = "unpaid"
    BALANCE_AT_RISK = "balance_at_risk"
    EMPLOYER_PARTICIPATION = "employer_participation"


BOARD_FILTERS: dict[str, str] = {
    BoardFilter.LATE: gettext_lazy("En retard"),
    BoardFilter.TO_SEND: gettext_lazy("À envoyer"),
    BoardFilter.AWAITING_DECISION: gettext_lazy("Décision attendue"),
    BoardFilter.INSTALMENT_DUE: gettext_lazy("Versements à facturer"),
    BoardFilter.UNPAID: gettext_lazy("Factures impayées"),
    BoardFilter.BALANCE_AT_RISK: gettext_lazy("Soldes en danger"),
    BoardFilter.EMPLOYER_PARTICIPATION: gettext_lazy("Participation employeur"),
}
DEFAULT_BOARD_FILTER = BoardFilter.LATE


@dataclass(frozen=True)
class BoardRow:
    """One thing due on the board: what, by when, about which contract (and instalment)."""

    category: str
    contract: Contract
    opco_file: OpcoFile | None
    what: str
    deadline: date | None
    today: date
    instalment: OpcoInstalment | None = None
    amount: Decimal | None = None
    # Counts in the "late" tab: a passed deadline, or a balance claim limit getting close.
    alarming: bool = False
    deadline_note: str = ""

    @property
    def days(self) -> int | None:
        """Calendar days past the deadline (negative: days left)."""
        return None if self.deadline is None else (self.today - self.deadline).days

    @property
    def days_left(self) -> int | None:
        return None if self.deadline is None else max((self.deadline - self.today).days, 0)

    @property
    def is_late(self) -> bool:
        return self.deadline is not None and self.today > self.deadline

    @property
    def opco(self) -> str:
        return (self.opco_file.opco if self.opco_file else "") or self.contract.company.opco

    @property
    def sort_key(self) -> tuple:
        return (self.deadline or date.max, self.contract.apprentice.last_name, self.contract.apprentice.first_name, self.contract.pk)


def _instalment_label(instalment: OpcoInstalment) -> str:
    return _("%(kind)s, année %(year)s") % {"kind": instalment.get_kind_display(), "year": instalment.contract_year}


def _to_send_rows(user: User, *, today: date, settings: ContractSettings) -> list[BoardRow]:
    contracts = (
        access.visible(user, Contract)
        .filter(status__in=ACTIVE_CONTRACT_STATUSES)
        .filter(Q(opco_file__isnull=True) | Q(opco_file__sent_date__isnull=True))
        .select_related("apprentice", "company", "programme", "opco_file")
    )
    rows = []
    for contract in contracts:
        deadline = funding.sending_deadline(contract.start_date, settings.opco_sending_days, settings.opco_sending_count)
        # A public employer deposits its contract with the DDETS in the same delay [à vérifier].
        what = _("Envoyer le dossier complet à l'OPCO") if contract.goes_through_opco else _("Déposer le contrat auprès de la DDETS (employeur public)")
        rows.append(BoardRow(
            category=BoardFilter.TO_SEND, contract=contract, opco_file=getattr(contract, "opco_file", None),
            what=what, deadline=deadline, today=today, alarming=today > deadline,
        ))
    return rows


def _file_rows(
    opco_file: OpcoFile, *, today: date, settings: ContractSettings, rules: list[FundingRule], participation_from: date | None = None,
) -> list[BoardRow]:
    """The file's rows; ``participation_from``: the day its employer participation may be invoiced
    (``participation_dates``)."""
    contract = opco_file.contract
    rows: list[BoardRow] = []

    def row(category, what, deadline, **extra) -> BoardRow:
        return BoardRow(category=category, contract=contract, opco_file=opco_file, what=what, deadline=deadline, today=today, **extra)

    if opco_file.sent_date and opco_file.decision == OpcoDecision.PENDING:
        if opco_file.complete_file_date:
            deadline = funding.decision_deadline(opco_file.complete_file_date, settings.opco_decision_days, settings.opco_decision_count)
            rows.append(row(BoardFilter.AWAITING_DECISION, _("Décision de l'OPCO attendue"), deadline, alarming=today > deadline))
        else:
            rows.append(row(
                BoardFilter.AWAITING_DECISION, _("Dossier incomplet : obtenir de l'OPCO l'accusé de dossier complet"), None,
                deadline_note=_("dossier incomplet"),
            ))

    # Only the instalments that can still be due (prefetched by _board_files); the last contract
    # year comes from an annotation over all of them.
    instalments = list(opco_file.open_instalments)
    last_year = opco_file.last_instalment_year or 0
    day = funding.funding_reference_date(signature_date=contract.signature_date, start_date=contract.start_date)
    rule = funding.rule_in_force(rules, day)
    claim_limit = funding.balance_claim_limit(rule, contract_last_day(contract)) if rule else None
    for instalment in instalments:
        if instalment.invoiced_date is None and instalment.due_date <= today:
            label = _instalment_label(instalment)
            rows.append(row(
                BoardFilter.INSTALMENT_DUE, _("Facturer à l'OPCO : %(what)s") % {"what": label}, instalment.due_date,
                instalment=instalment, amount=instalment.amount, alarming=today > instalment.due_date,
            ))
        if instalment.invoiced_date is not None and instalment.paid_date is None:
            label = _instalment_label(instalment)
            deadline = instalment.invoiced_date + timedelta(days=PAYMENT_DAYS)
            rows.append(row(
                BoardFilter.UNPAID,
                # An instalment invoiced before numbers were required (import) has no number: say its date.
                (_("Paiement attendu de l'OPCO : %(what)s (facture %(number)s)") if instalment.invoice_number.strip()
                 else _("Paiement attendu de l'OPCO : %(what)s (facturé le %(day)s)")) % {
                    "what": label, "number": instalment.invoice_number.strip(), "day": instalment.invoiced_date.strftime("%d/%m/%Y")},
                deadline, instalment=instalment, amount=instalment.amount, alarming=today > deadline,
            ))
        if (
            claim_limit is not None
            and funding.is_last_year_balance(instalment.kind, instalment.contract_year, last_year)
            and instalment.invoiced_date is None
            and today >= claim_limit - timedelta(days=BALANCE_WARNING_DAYS)
        ):
            rows.append(row(
                BoardFilter.BALANCE_AT_RISK,
                _("Réclamer le solde de la dernière année (facture et certificat de réalisation) avant qu'il soit perdu"),
                claim_limit, instalment=instalment, amount=instalment.amount, alarming=True,
            ))

    if (
        opco_file.employer_participation_amount is not None
        and opco_file.employer_participation_invoiced_date is None
        and participation_from is not None
        and participation_from <= today
    ):
        rows.append(row(
            BoardFilter.EMPLOYER_PARTICIPATION, _("Facturer la participation employeur à l'employeur"), participation_from,
            amount=opco_file.employer_participation_amount,
        ))
    return rows


def _participation_pending(opco_file: OpcoFile) -> bool:
    return opco_file.employer_participation_amount is not None and opco_file.employer_participation_invoiced_date is None


def participation_dates(opco_files: list[OpcoFile], *, settings: ContractSettings) -> dict[int, date | None]:
    """The day each file's employer participation may be invoiced (R6332-25-2: the day after the
    45th company day on the real calendar, or after a rupture within those days), by file id, for
    the files whose participation is not invoiced yet — two queries for any number of files."""
    pending = [f for f in opco_files if _participation_pending(f)]
    ends = free_period_ends([f.contract for f in pending], settings=settings)
    return {
        f.pk: funding.participation_invoiceable_from(free_period_end=ends[f.contract_id], rupture_date=f.contract.rupture_date)
        for f in pending
    }


def _board_files(user: User, *, today: date):
    """The visible files that may have something due: pending decision, an unpaid instalment or an
    employer participation not invoiced (the rest is decided in Python over these rows)."""
    # An instalment can be due only while unpaid: invoiced and awaiting payment, or past its due
    # date and not invoiced. A last balance becomes "at risk" BALANCE_WARNING_DAYS before its claim
    # limit, which is never before its due date: due dates up to today + that warning suffice.
    open_instalments = OpcoInstalment.objects.filter(paid_date__isnull=True).filter(
        Q(invoiced_date__isnull=False) | Q(due_date__lte=today + timedelta(days=BALANCE_WARNING_DAYS))
    )
    return (
        # A public employer's file is a DDETS deposit: no OPCO decision, instalments or participation.
        access.visible(user, OpcoFile)
        .filter(contract__company__is_public=False)
        .filter(
            Q(sent_date__isnull=False, decision=OpcoDecision.PENDING)
            | Q(Exists(open_instalments.filter(opco_file=OuterRef("pk"))))
            | Q(employer_participation_amount__isnull=False, employer_participation_invoiced_date__isnull=True)
        )
        .annotate(last_instalment_year=Subquery(
            OpcoInstalment.objects.filter(opco_file=OuterRef("pk")).order_by("-contract_year").values("contract_year")[:1]
        ))
        .select_related("contract__apprentice__cohort", "contract__company", "contract__programme")
        .prefetch_related(Prefetch(
            "instalments", queryset=open_instalments.order_by("contract_year", "due_date", "pk"), to_attr="open_instalments"
        ))
    )


def opco_board_summary(user: User, *, today: date) -> dict[str, list[BoardRow]]:
    """Every board tab's rows for ``user`` at ``today``, sorted by deadline: a fixed number of
    queries (settings, rules, contracts to send, files, their instalments, the closures and
    exceptions of the real calendars) whatever the rows."""
    if not access.can_use_back_office(user):
        return {name: [] for name in BOARD_FILTERS}
    settings = ContractSettings.load()
    rules = funding_rules()
    rows = _to_send_rows(user, today=today, settings=settings)
    files = list(_board_files(user, today=today))
    participation = participation_dates(files, settings=settings)
    for opco_file in files:
        rows.extend(_file_rows(opco_file, today=today, settings=settings, rules=rules, participation_from=participation.get(opco_file.pk)))
    rows.sort(key=lambda r: r.sort_key)
    summary: dict[str, list[BoardRow]] = {name: [] for name in BOARD_FILTERS}
    for board_row in rows:
        summary[board_row.category].append(board_row)
    summary[BoardFilter.LATE] = _late_rows(rows)
    return summary


def _late_rows(rows: list[BoardRow]) -> list[BoardRow]:
    """The alarming rows, one per subject: an instalment both overdue and at risk shows once, as at risk."""
    balance_at_risk = {r.instalment.pk for r in rows if r.category == BoardFilter.BALANCE_AT_RISK}
    return [
        r for r in rows
        if r.alarming and not (r.category == BoardFilter.INSTALMENT_DUE and r.instalment.pk in balance_at_risk)
    ]


def late_rows_of_stage(rows: list[BoardRow], stage: str) -> list[BoardRow]:
    """The rows of the "late" tab at one stage: what ``opco_late_counts`` counts under that stage."""
    return [r for r in rows if r.category == stage]


def opco_board(user: User, *, today: date, filter: str) -> list[BoardRow]:
    """The board rows of one tab (``BoardFilter``); an unknown filter raises ``KeyError``."""
    return opco_board_summary(user, today=today)[filter]


# --- the contract page's panel ----------------------------------------------------------------------

@dataclass(frozen=True)
class FileTimeline:
    sending_deadline: date
    sending_late: bool
    decision_deadline: date | None
    decision_late: bool
    balance_claim_limit: date | None
    employer_participation_from: date | None
    today: date

    def _days(self, deadline: date | None) -> int | None:
        return None if deadline is None else (self.today - deadline).days

    @property
    def sending_days(self) -> int:
        """Days past the sending deadline (negative: days left)."""
        return self._days(self.sending_deadline)

    @property
    def decision_days(self) -> int | None:
        return self._days(self.decision_deadline)

    @property
    def claim_days(self) -> int | None:
        return self._days(self.balance_claim_limit)

    @property
    def sending_left(self) -> int:
        return max(-self.sending_days, 0)

    @property
    def decision_left(self) -> int:
        return max(-(self.decision_days or 0), 0)

    @property
    def claim_left(self) -> int:
        return max(-(self.claim_days or 0), 0)

    @property
    def claim_at_risk(self) -> bool:
        return self.balance_claim_limit is not None and self.claim_days >= -BALANCE_WARNING_DAYS


def opco_file_timeline(contract: Contract, opco_file: OpcoFile | None, *, today: date) -> FileTimeline:
    """The deadlines of the file shown on the contract page (same rules as the board)."""
    settings = ContractSettings.load()
    sending = funding.sending_deadline(contract.start_date, settings.opco_sending_days, settings.opco_sending_count)
    sent = opco_file.sent_date if opco_file else None
    sending_late = (sent > sending) if sent else today > sending
    decision = None
    decision_late = False
    if opco_file and opco_file.complete_file_date:
        decision = funding.decision_deadline(opco_file.complete_file_date, settings.opco_decision_days, settings.opco_decision_count)
        decided = opco_file.decision_date if opco_file.decision != OpcoDecision.PENDING else None
        decision_late = (decided > decision) if decided else today > decision
    day = funding.funding_reference_date(signature_date=contract.signature_date, start_date=contract.start_date)
    rule = funding.rule_in_force(funding_rules(), day)
    claim = funding.balance_claim_limit(rule, contract_last_day(contract)) if rule else None
    participation_from = None
    if opco_file and opco_file.employer_participation_amount is not None:
        end = free_period_ends([contract], settings=settings)[contract.pk]
        participation_from = funding.participation_invoiceable_from(free_period_end=end, rupture_date=contract.rupture_date)
    return FileTimeline(
        sending_deadline=sending, sending_late=sending_late, decision_deadline=decision, decision_late=decision_late,
        balance_claim_limit=claim, employer_participation_from=participation_from, today=today,
    )


def instalment_state(instalment: OpcoInstalment, *, today: date) -> str:
    """A short state for the instalment table: paid, invoiced (late after 30 days), due, planned."""
    if instalment.paid_date:
        return "paid"
    if instalment.invoiced_date:
        return "unpaid_late" if today > instalment.invoiced_date + timedelta(days=PAYMENT_DAYS) else "invoiced"
    if instalment.due_date < today:
        return "due_late"
    if instalment.due_date == today:
        return "due"
    return "planned"



# --- counts of the late items, for the dashboard ----------------------------------------------------

def _latest_day_with_deadline_before(deadline_of, today: date) -> date:
    """The latest day ``d`` whose deadline ``deadline_of(d)`` is already past at ``today``
    (deadlines grow with their starting day, so every earlier day is past too)."""
    day = today
    while deadline_of(day) >= today:
        day -= timedelta(days=1)
    return day


def opco_late_counts(user: User, *, today: date) -> dict[str, int]:
    """How many items of the board's "late" tab there are, by stage, counted in the database.

    The same definitions as ``opco_board(filter="late")`` (a test holds them equal) without
    building every row: the dashboard and the weekly meeting need the figures only. The deadlines
    in jours ouvrables become a cut-off date computed in Python, then one COUNT per stage; the last
    balances near their claim limit (a handful) are checked in Python.
    """
    if not access.can_use_back_office(user):
        return {}
    settings = ContractSettings.load()
    send_cutoff = _latest_day_with_deadline_before(
        lambda day: funding.sending_deadline(day, settings.opco_sending_days, settings.opco_sending_count), today
    )
    decision_cutoff = _latest_day_with_deadline_before(
        lambda day: funding.decision_deadline(day, settings.opco_decision_days, settings.opco_decision_count), today
    )
    files = access.visible(user, OpcoFile).filter(contract__company__is_public=False)  # as _board_files
    instalments = OpcoInstalment.objects.filter(opco_file__in=files, paid_date__isnull=True)
    balances = (
        instalments.filter(kind=InstalmentKind.BALANCE, invoiced_date__isnull=True, due_date__lte=today + timedelta(days=BALANCE_WARNING_DAYS))
        .annotate(last_year=Subquery(
            OpcoInstalment.objects.filter(opco_file=OuterRef("opco_file")).order_by("-contract_year").values("contract_year")[:1]
        ))
        .select_related("opco_file__contract")
    )
    rules = funding_rules()
    at_risk = []
    for balance in balances:
        contract = balance.opco_file.contract
        rule = funding.rule_in_force(rules, funding.funding_reference_date(signature_date=contract.signature_date, start_date=contract.start_date))
        limit = funding.balance_claim_limit(rule, contract_last_day(contract)) if rule else None
        if limit is not None and balance.contract_year == balance.last_year and today >= limit - timedelta(days=BALANCE_WARNING_DAYS):
            at_risk.append(balance.pk)
    counts = {
        BoardFilter.TO_SEND: access.visible(user, Contract).filter(status__in=ACTIVE_CONTRACT_STATUSES, start_date__lte=send_cutoff)
        .filter(Q(opco_file__isnull=True) | Q(opco_file__sent_date__isnull=True)).count(),
        BoardFilter.AWAITING_DECISION: files.filter(
            sent_date__isnull=False, decision=OpcoDecision.PENDING, complete_file_date__lte=decision_cutoff
        ).count(),
        BoardFilter.INSTALMENT_DUE: instalments.filter(invoiced_date__isnull=True, due_date__lt=today).exclude(pk__in=at_risk).count(),
        BoardFilter.UNPAID: instalments.filter(invoiced_date__lt=today - timedelta(days=PAYMENT_DAYS)).count(),
        BoardFilter.BALANCE_AT_RISK: len(at_risk),
    }
    return {stage: count for stage, count in counts.items() if count}
