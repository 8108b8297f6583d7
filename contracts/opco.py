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
from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.triggers import facts_changed
from alternance import access
from alternance.models import User
from alternance.planning import practical
from alternance.validators import normalize_siret
from contracts import funding, opco_board
from contracts.choices import (
    PENDING_CONTRACT_STATUSES,
    ContractStatus,
    OpcoDecision,
)
from contracts.models import (
    Contract,
    ContractSettings,
    FundingRule,
    OpcoBoardItem,
    OpcoFile,
    OpcoInstalment,
    OpcoReminder,
)

# The OPCO pays an invoiced instalment within 30 days (domain §4: "advance within 30 days of the
# OF's invoice" [check]; applied to every instalment).
PAYMENT_DAYS = opco_board.PAYMENT_DAYS
# The board warns this many days before the last-year balance claim limit (brief of the issue).
BALANCE_WARNING_DAYS = opco_board.BALANCE_WARNING_DAYS


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
    # The stages are the kept lines' (``contracts.opco_board``); "late" gathers the late ones.
    TO_SEND = opco_board.TO_SEND
    LATE = "late"
    AWAITING_DECISION = opco_board.AWAITING_DECISION
    INSTALMENT_DUE = opco_board.INSTALMENT_DUE
    UNPAID = opco_board.UNPAID
    BALANCE_AT_RISK = opco_board.BALANCE_AT_RISK
    EMPLOYER_PARTICIPATION = opco_board.EMPLOYER_PARTICIPATION


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


# The board's lines are kept (``contracts.opco_board``, ``OpcoBoardItem``): each holds its stage, its
# deadline, the board's order (deadline — none last —, apprentice's last and first name, contract,
# then within one contract the file's order: decision, instalments by year, due date and id — due,
# unpaid, balance — then the employer participation) and the days it is shown and late. A tab is an
# index range read in that order and cut at the page; its badge, one grouped count.
# The stages of the "late" tab, in the order of the dashboard's figures.
LATE_STAGES = (
    BoardFilter.TO_SEND, BoardFilter.AWAITING_DECISION, BoardFilter.INSTALMENT_DUE, BoardFilter.UNPAID, BoardFilter.BALANCE_AT_RISK,
)
STAGES = (*LATE_STAGES, BoardFilter.EMPLOYER_PARTICIPATION)
_ITEM_COLUMNS = ("stage", "contract_id", "instalment_id", "deadline")


class Board:
    """The OPCO board of ``user`` at ``today``: the one selector behind the tabs, their badges, the
    late figures by stage (``opco_late_counts``: dashboard, weekly meeting) and the exports.

    It reads the kept lines (``OpcoBoardItem``) through the access policy: a tab is the lines of its
    stage shown by today (``shown_from``), the "late" tab the lines late today (``late_from`` …
    ``late_until``), both in the board's order; the badges are one grouped count. A fixed number of
    queries whatever the rows.
    """

    def __init__(self, user: User, *, today: date):
        self.user, self.today = user, today
        self.items = access.visible(user, OpcoBoardItem)

    def _late_today(self) -> Q:
        today = self.today
        return Q(late_from__lte=today) & (Q(late_until__isnull=True) | Q(late_until__gt=today))

    def stage(self, name: str) -> QuerySet:
        """The lines of one stage shown today, unordered."""
        if name not in STAGES:
            raise KeyError(name)
        return self.items.filter(shown_from__lte=self.today, stage=name)

    def tab(self, name: str, *, stage: str = "") -> QuerySet:
        """The items of one tab (``stage`` narrows the "late" tab to one stage), in the board's order;
        an unknown tab raises ``KeyError``."""
        if name == BoardFilter.LATE:
            qs = self.items.filter(self._late_today())
            if stage:
                qs = qs.filter(stage=stage)
        elif name in BOARD_FILTERS:
            qs = self.stage(name)
        else:
            raise KeyError(name)
        return qs.order_by(*OpcoBoardItem.ORDER).values(*_ITEM_COLUMNS)

    def late_counts(self) -> dict[str, int]:
        """The number of items of each stage in the "late" tab (the stages with none left out)."""
        counts = self._counts
        return {s: counts[s, True] for s in LATE_STAGES if counts[s, True]}

    def tab_counts(self) -> dict[str, int]:
        """The badge of each tab: the number of items its list holds."""
        counts = self._counts
        result = {name: counts[name, False] for name in STAGES}
        result[BoardFilter.LATE] = sum(counts[s, True] for s in LATE_STAGES)
        return result

    @cached_property
    def _counts(self) -> dict[tuple[str, bool], int]:
        # Every line late today is shown today (``late_from`` is never before ``shown_from``): one
        # scan of the lines shown, counted by stage.
        rows = (
            self.items.filter(shown_from__lte=self.today).order_by().values("stage")
            .annotate(shown=Count("pk"), late=Count("pk", filter=self._late_today()))
        )
        counts = {(name, late): 0 for name in STAGES for late in (False, True)}
        for row in rows:
            counts[row["stage"], False], counts[row["stage"], True] = row["shown"], row["late"]
        return counts

    # --- the rows shown -----------------------------------------------------------------------------

    def rows(self, items: list[dict]) -> list[BoardRow]:
        """The BoardRow of each item, in the items' order: two queries (the contracts with their
        file, apprentice and company; the instalments) whatever the number of items."""
        contracts = Contract.objects.select_related("apprentice", "company", "opco_file").in_bulk({i["contract_id"] for i in items})
        instalment_ids = {i["instalment_id"] for i in items if i["instalment_id"] is not None}
        instalments = OpcoInstalment.objects.in_bulk(instalment_ids) if instalment_ids else {}
        return [self._row(item, contracts[item["contract_id"]], instalments.get(item["instalment_id"])) for item in items]

    def _row(self, item: dict, contract: Contract, instalment: OpcoInstalment | None) -> BoardRow:
        stage, today, deadline = item["stage"], self.today, item["deadline"]
        opco_file = getattr(contract, "opco_file", None)

        def row(what, **extra) -> BoardRow:
            return BoardRow(category=stage, contract=contract, opco_file=opco_file, what=what, deadline=deadline, today=today, **extra)

        if stage == BoardFilter.TO_SEND:
            # A public employer deposits its contract with the DDETS in the same delay [à vérifier].
            what = _("Envoyer le dossier complet à l'OPCO") if contract.goes_through_opco else _("Déposer le contrat auprès de la DDETS (employeur public)")
            return row(what, alarming=today > deadline)
        if stage == BoardFilter.AWAITING_DECISION:
            if deadline is not None:
                return row(_("Décision de l'OPCO attendue"), alarming=today > deadline)
            return row(_("Dossier incomplet : obtenir de l'OPCO l'accusé de dossier complet"), deadline_note=_("dossier incomplet"))
        if stage == BoardFilter.EMPLOYER_PARTICIPATION:
            return row(_("Facturer la participation employeur à l'employeur"), amount=opco_file.employer_participation_amount)
        instalment.opco_file = opco_file
        label = _instalment_label(instalment)
        if stage == BoardFilter.INSTALMENT_DUE:
            return row(_("Facturer à l'OPCO : %(what)s") % {"what": label}, instalment=instalment, amount=instalment.amount,
                       alarming=today > deadline)
        if stage == BoardFilter.UNPAID:
            return row(
                # An instalment invoiced before numbers were required (import) has no number: say its date.
                (_("Paiement attendu de l'OPCO : %(what)s (facture %(number)s)") if instalment.invoice_number.strip()
                 else _("Paiement attendu de l'OPCO : %(what)s (facturé le %(day)s)")) % {
                    "what": label, "number": instalment.invoice_number.strip(), "day": instalment.invoiced_date.strftime("%d/%m/%Y")},
                instalment=instalment, amount=instalment.amount, alarming=today > deadline,
            )
        return row(
            _("Réclamer le solde de la dernière année (facture et certificat de réalisation) avant qu'il soit perdu"),
            instalment=instalment, amount=instalment.amount, alarming=True,
        )


class BoardList:
    """One tab of the board as the paginator and the exports want it: ``count()`` is the tab's
    badge, a slice builds the BoardRow objects of those items only, iterating builds them by chunks."""

    CHUNK = 500

    def __init__(self, board: Board, name: str, *, stage: str = ""):
        self.board, self.items = board, board.tab(name, stage=stage)
        counts = board.tab_counts()
        self._count = counts[name] if not stage else board.late_counts().get(stage, 0)

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.board.rows(list(self.items[index]))
        return self.board.rows([self.items[index]])[0]

    def __iter__(self):
        for start in range(0, self._count, self.CHUNK):
            yield from self[start:start + self.CHUNK]


def opco_board_summary(user: User, *, today: date) -> dict[str, list[BoardRow]]:
    """Every row of every tab for ``user`` at ``today`` (for checks and tests: the board page shows one
    page of one tab through ``BoardList``)."""
    if not access.can_use_back_office(user):
        return {name: [] for name in BOARD_FILTERS}
    board = Board(user, today=today)
    return {name: list(BoardList(board, name)) for name in BOARD_FILTERS}


def late_rows_of_stage(rows: list[BoardRow], stage: str) -> list[BoardRow]:
    """The rows of the "late" tab at one stage: what ``opco_late_counts`` counts under that stage."""
    return [r for r in rows if r.category == stage]


def opco_board(user: User, *, today: date, filter: str) -> list[BoardRow]:
    """The board rows of one tab (``BoardFilter``); an unknown filter raises ``KeyError``."""
    if filter not in BOARD_FILTERS:
        raise KeyError(filter)
    if not access.can_use_back_office(user):
        return []
    return list(BoardList(Board(user, today=today), filter))



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

def opco_late_counts(user: User, *, today: date) -> dict[str, int]:
    """How many items of the board's "late" tab there are, by stage (the stages with none left out):
    the board's own selector (``Board``), counted in the database — the dashboard, the weekly meeting
    and the board's badges agree by construction."""
    if not access.can_use_back_office(user):
        return {}
    return Board(user, today=today).late_counts()
