"""Writes on contracts: the lifecycle state machine, ruptures and the OPCO file (style §1, §6).

Every transition is one service: it checks the transition table and its guard, moves the status
with a compare-and-set update (0 rows → the contract was modified meanwhile), writes a history
row (who, when, from, to, why) and brings the apprentice's status along. A refused transition
raises ``ContractTransitionError`` with a French message that says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerts.triggers import facts_changed
from alternance.choices import ApprenticeStatus
from alternance.history.services import record_update
from alternance.models import Apprentice, User
from alternance.planning import free_period, practical
from contracts import opco, opco_board
from contracts.choices import (
    ACTIVE_CONTRACT_STATUSES,
    ContractKind,
    ContractStatus,
    EmployeeCategory,
    OpcoDecision,
    RuptureInitiative,
    RuptureKind,
    rupture_kinds_for,
)
from contracts.funding import add_months
from contracts.models import Contract, ContractSettings, ContractStatusChange, OpcoFile
from contracts.selectors import contract_preflight
from contracts.trial_period import trial_period

S = ContractStatus

# The lifecycle: draft → awaiting signatures → signed → sent to the OPCO → accepted or refused →
# in progress → ended; a signed contract may break (rupture) at any point until its end.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.DRAFT: (S.AWAITING_SIGNATURES,),
    S.AWAITING_SIGNATURES: (S.SIGNED, S.DRAFT),
    S.SIGNED: (S.SENT_TO_OPCO, S.BROKEN),
    S.SENT_TO_OPCO: (S.ACCEPTED, S.REFUSED, S.BROKEN),
    S.REFUSED: (S.DRAFT, S.SENT_TO_OPCO),
    S.ACCEPTED: (S.IN_PROGRESS, S.BROKEN),
    S.IN_PROGRESS: (S.ENDED, S.BROKEN),
    S.ENDED: (),
    S.BROKEN: (),
}


class ContractTransitionError(Exception):
    """A transition that the table or its guard refuses; ``str()`` is the French message."""

    def __init__(self, message: str, *, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


def allowed_transitions(contract: Contract) -> tuple[str, ...]:
    return TRANSITIONS[contract.status]


def _move(contract: Contract, *, to: str, by: User | None, comment: str = "", **fields) -> Contract:
    """Compare-and-set the status (and ``fields``), write the history row, sync the apprentice."""
    current = contract.status
    if to not in TRANSITIONS[current]:
        raise ContractTransitionError(
            _("Impossible de passer un contrat « %(from)s » à l'état « %(to)s ». États possibles : %(allowed)s.")
            % {
                "from": S(current).label,
                "to": S(to).label,
                "allowed": ", ".join(str(S(s).label) for s in TRANSITIONS[current]) or _("aucun (état final)"),
            }
        )
    updated = Contract.objects.filter(pk=contract.pk, status=current).update(status=to, updated_at=timezone.now(), **fields)
    if not updated:
        raise ContractTransitionError(_("Le contrat a été modifié entre-temps par quelqu'un d'autre : rechargez la page et recommencez."))
    ContractStatusChange.objects.create(contract=contract, from_status=current, to_status=to, changed_by=by, comment=comment)
    # The compare-and-set sends no signal: its history entry is written here (issue 13 §4).
    record_update(contract, {"status": to, **fields}, actor=by)
    contract.refresh_from_db()
    opco_board.changed(contract_ids=[contract.pk])  # the compare-and-set sends no signal either
    apprentice_sync_status(apprentice=contract.apprentice)
    facts_changed("contract_status_changed", contract_ids=[contract.pk], apprentice_ids=[contract.apprentice_id])
    return contract


def _require_preflight(contract: Contract, *, stage: str, today: date) -> None:
    report = contract_preflight(contract, stage=stage, today=today)
    if not report.ok:
        what = _("la signature") if stage == "signature" else _("l'envoi à l'OPCO")
        raise ContractTransitionError(
            ngettext("%(count)s point bloquant empêche %(what)s : corrigez-le dans la liste de contrôle du contrat.",
                     "%(count)s points bloquants empêchent %(what)s : corrigez-les dans la liste de contrôle du contrat.",
                     len(report.errors))
            % {"count": len(report.errors), "what": what},
            problems=[f.message for f in report.errors],
        )


@transaction.atomic
def contract_request_signatures(*, contract: Contract, by: User, today: date, comment: str = "") -> Contract:
    """Draft → awaiting signatures, once the pre-flight check before signature has no blocking error."""
    _require_preflight(contract, stage="signature", today=today)
    return _move(contract, to=S.AWAITING_SIGNATURES, by=by, comment=comment)


@transaction.atomic
def contract_back_to_draft(*, contract: Contract, by: User, comment: str) -> Contract:
    """Back to draft to correct it (awaiting signatures or refused by the OPCO); the reason is required."""
    if not comment.strip():
        raise ContractTransitionError(_("Indiquez pourquoi le contrat repasse en brouillon."))
    return _move(contract, to=S.DRAFT, by=by, comment=comment)


@transaction.atomic
def contract_mark_signed(*, contract: Contract, by: User, signature_date: date, today: date, comment: str = "") -> Contract:
    """Awaiting signatures → signed, with the date of conclusion (≤ start for an initial contract)."""
    if signature_date > today:
        raise ContractTransitionError(_("La date de signature ne peut pas être dans le futur."))
    if not contract.is_amendment and signature_date > contract.start_date:
        raise ContractTransitionError(
            _("La date de signature (%(sig)s) doit précéder ou égaler le début d'exécution (%(start)s).")
            % {"sig": f"{signature_date:%d/%m/%Y}", "start": f"{contract.start_date:%d/%m/%Y}"}
        )
    return _move(contract, to=S.SIGNED, by=by, comment=comment, signature_date=signature_date)


@transaction.atomic
def contract_send_to_opco(*, contract: Contract, by: User, sent_date: date, today: date, comment: str = "") -> Contract:
    """Signed (or refused, once corrected) → sent to the OPCO: blocked while the pre-flight check
    before the OPCO has an error. The OPCO file records the date and the employer's OPCO."""
    if sent_date > today:
        raise ContractTransitionError(_("La date d'envoi ne peut pas être dans le futur."))
    _require_preflight(contract, stage="opco", today=today)
    opco_file, _created = OpcoFile.objects.get_or_create(contract=contract)
    # A public employer deposits its contract with the DDETS (issue 15 §6): the file records the
    # deposit, with no OPCO.
    opco_file.opco = contract.company.opco if contract.goes_through_opco else ""
    opco_file.sent_date = sent_date
    opco_file.decision, opco_file.decision_date = OpcoDecision.PENDING, None
    opco_file.full_clean()
    opco_file.save()
    return _move(contract, to=S.SENT_TO_OPCO, by=by, comment=comment)


@transaction.atomic
def contract_record_opco_decision(
    *, contract: Contract, by: User, accepted: bool, decision_date: date, today: date,
    deposit_number: str = "", complete_file_date: date | None = None, comment: str = "",
) -> Contract:
    """Sent → accepted (prise en charge, with the deposit number) or refused."""
    if decision_date > today:
        raise ContractTransitionError(_("La date de décision ne peut pas être dans le futur."))
    if accepted and not deposit_number.strip():
        raise ContractTransitionError(
            _("Indiquez le numéro de dépôt attribué par l'OPCO.") if contract.goes_through_opco
            else _("Indiquez le numéro d'enregistrement du dépôt attribué par la DDETS.")
        )
    opco_file = OpcoFile.objects.select_for_update().get(contract=contract)
    opco_file.decision = OpcoDecision.ACCEPTED if accepted else OpcoDecision.REFUSED
    opco_file.decision_date = decision_date
    opco_file.deposit_number = deposit_number.strip()
    if complete_file_date:
        opco_file.complete_file_date = complete_file_date
    try:
        opco_file.full_clean()
    except ValidationError as error:
        raise ContractTransitionError(" ".join(error.messages)) from None
    opco_file.save()
    return _move(contract, to=S.ACCEPTED if accepted else S.REFUSED, by=by, comment=comment)


@transaction.atomic
def contract_start_execution(*, contract: Contract, by: User | None, today: date, comment: str = "") -> Contract:
    """Accepted → in progress, from the start date on."""
    if today < contract.start_date:
        raise ContractTransitionError(_("Le contrat ne commence que le %(start)s.") % {"start": f"{contract.start_date:%d/%m/%Y}"})
    return _move(contract, to=S.IN_PROGRESS, by=by, comment=comment)


@transaction.atomic
def contract_end(*, contract: Contract, by: User | None, today: date, comment: str = "") -> Contract:
    """In progress → ended, once the end date has passed."""
    if today < contract.end_date:
        raise ContractTransitionError(
            _("Le contrat court jusqu'au %(end)s : pour l'arrêter avant, enregistrez une rupture.") % {"end": f"{contract.end_date:%d/%m/%Y}"}
        )
    return _move(contract, to=S.ENDED, by=by, comment=comment)


@dataclass(frozen=True)
class RuptureInput:
    rupture_date: date
    kind: str
    initiative: str
    cause: str
    dismissal_ground: str = ""
    mediator_referral_date: date | None = None
    employer_informed_date: date | None = None
    opco_notified_date: date | None = None


def company_days_before(contract: Contract, day: date) -> int:
    """Days of practical training in the company from its start up to ``day`` included, on the
    apprentice's real calendar (rhythm, OF closures, exceptions, public holidays —
    ``alternance.planning.practical``, L6222-18 al. 1)."""
    return practical.contract_company_days(contract, day)


# Resignation of the apprentice after the 45-day period (Code du travail L6222-18 al. 3 and
# D6222-21-1 [check]): the apprentice refers the matter to the consular chamber's mediator, informs
# the employer at least ``mediator_inform_days`` (5) calendar days after the referral, and the
# rupture takes effect at least ``mediator_effective_days`` (7) calendar days after the employer was
# informed — at least 12 days after the referral. Both delays are settings (ContractSettings).
SOURCE_RESIGNATION = "Code du travail L6222-18 al. 3 et D6222-21-1"


def _d(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def _days(count: int) -> str:
    return ngettext("%(count)s jour", "%(count)s jours", count) % {"count": count}


def _referral_after_rupture(rupture: RuptureInput) -> str:
    return _(
        "La saisine du médiateur (le %(referral)s) est postérieure à la date de rupture (le %(rupture)s) : "
        "le médiateur est saisi avant la démission. Corrigez l'une des deux dates."
    ) % {"referral": _d(rupture.mediator_referral_date), "rupture": _d(rupture.rupture_date)}


def resignation_problems(rupture: RuptureInput, settings_row: ContractSettings) -> list[str]:
    """What keeps a resignation through the mediator from being recorded, in French with the dates
    (L6222-18 al. 3, D6222-21-1): both dates present, the employer informed at least
    ``mediator_inform_days`` after the referral, the rupture at least ``mediator_effective_days``
    after the employer was informed (so at least the sum of both after the referral)."""
    referral, informed, rupture_day = rupture.mediator_referral_date, rupture.employer_informed_date, rupture.rupture_date
    inform_days, effective_days = settings_row.mediator_inform_days, settings_row.mediator_effective_days
    problems = []
    if not referral:
        problems.append(_("Une démission passe par le médiateur : indiquez la date de sa saisine."))
    if not informed:
        problems.append(_("Une démission après saisine du médiateur : indiquez la date à laquelle l'apprenti·e a informé l'employeur."))
    if referral and referral > rupture_day:
        return [*problems, _referral_after_rupture(rupture)]
    if referral and informed and (informed - referral).days < inform_days:
        problems.append(
            _("L'employeur a été informé le %(informed)s, %(gap)s après la saisine du médiateur (le %(referral)s) : "
              "il doit l'être au moins %(minimum)s après, soit le %(earliest)s au plus tôt.")
            % {"informed": _d(informed), "referral": _d(referral), "gap": _days((informed - referral).days),
               "minimum": _days(inform_days), "earliest": _d(referral + timedelta(days=inform_days))}
        )
    if referral or informed:
        earliest = max(
            day for day in (
                referral + timedelta(days=inform_days + effective_days) if referral else None,
                informed + timedelta(days=effective_days) if informed else None,
            ) if day is not None
        )
        if rupture_day < earliest:
            details = []
            if referral:
                details.append(_("%(minimum)s après la saisine du médiateur (le %(referral)s)")
                               % {"minimum": _days(inform_days + effective_days), "referral": _d(referral)})
            if informed:
                details.append(_("%(minimum)s après l'information de l'employeur (le %(informed)s)")
                               % {"minimum": _days(effective_days), "informed": _d(informed)})
            problems.append(
                _("Une démission ne prend effet qu'au moins %(details)s : une rupture au %(rupture)s est trop tôt ; "
                  "indiquez une date de rupture au %(earliest)s au plus tôt.")
                % {"details": _(" et ").join(details), "rupture": _d(rupture_day), "earliest": _d(earliest)}
            )
    return problems


# End of the contract after obtaining the diploma or title (Code du travail L6222-19): at the
# apprentice's initiative, the employer informed in writing at least ``diploma_notice_months`` (2)
# months before. A setting [check] like the mediator's delays.
SOURCE_DIPLOMA_RUPTURE = "Code du travail L6222-19"
EMPLOYER_INFORMED_KINDS = (RuptureKind.RESIGNATION, RuptureKind.DIPLOMA_OBTAINED)


def diploma_rupture_problems(rupture: RuptureInput, settings_row: ContractSettings) -> list[str]:
    """What keeps an early end after the diploma from being recorded (L6222-19), in French."""
    problems = []
    if rupture.initiative != RuptureInitiative.APPRENTICE:
        problems.append(_("Après l'obtention du diplôme, le contrat ne prend fin avant son terme qu'à l'initiative de l'apprenti·e : "
                          "choisissez « Apprenti·e » comme initiative, ou un autre type de rupture."))
    informed, months = rupture.employer_informed_date, settings_row.diploma_notice_months
    if not informed:
        problems.append(_("Indiquez la date à laquelle l'apprenti·e a informé l'employeur par écrit de la fin anticipée du contrat."))
    elif rupture.rupture_date < (earliest := add_months(informed, months)):
        problems.append(
            _("L'employeur a été informé le %(informed)s : après l'obtention du diplôme, le contrat prend fin au moins "
              "%(months)s mois plus tard, soit le %(earliest)s au plus tôt (rupture indiquée : le %(rupture)s).")
            % {"informed": _d(informed), "months": months, "earliest": _d(earliest), "rupture": _d(rupture.rupture_date)}
        )
    return problems


def _rupture_kind_problems(contract: Contract, rupture: RuptureInput) -> list[str]:
    """The 45-day free rupture and the resignation through the mediator belong to the apprenticeship
    (L6222-18); a contrat pro ends during the trial period of its CDD (L1242-10) or CDI (L1221-19)
    or under ordinary employment law (domain.md §6)."""
    if rupture.kind not in RuptureKind.values or rupture.kind in dict(rupture_kinds_for(contract.kind)):
        if rupture.kind == RuptureKind.TRIAL_PERIOD:
            period = trial_period(start=contract.start_date, end=contract.end_date, term=contract.employment_term,
                                  category=contract.employee_category)
            if rupture.rupture_date > period.last_day:
                if period.days is not None:
                    length = ngettext("%(days)s jour", "%(days)s jours", period.days) % {"days": period.days}
                    rule = _("la période d'essai de ce CDD dure %(length)s au plus (un jour par semaine, L1242-10)") % {"length": length}
                elif contract.employee_category:
                    rule = ngettext("la période d'essai d'un CDI dure au plus %(months)s mois pour la catégorie « %(category)s » (L1221-19)",
                                    "la période d'essai d'un CDI dure au plus %(months)s mois pour la catégorie « %(category)s » (L1221-19)",
                                    period.months) % {"months": period.months, "category": EmployeeCategory(contract.employee_category).label.lower()}
                else:
                    rule = _("la période d'essai d'un CDI dure au plus 2 mois pour un employé, 3 pour un agent de maîtrise "
                             "ou un technicien, 4 pour un cadre (L1221-19) ; renseignez la catégorie du salarié sur le contrat")
                return [_("La rupture du %(day)s tombe après la fin de la période d'essai (le %(last)s) : %(rule)s. "
                          "Choisissez un autre type de rupture.") % {
                    "day": f"{rupture.rupture_date:%d/%m/%Y}", "last": f"{period.last_day:%d/%m/%Y}", "rule": rule,
                }]
        return []
    if contract.kind == ContractKind.PROFESSIONALISATION:
        return [_("« %(kind)s » est propre au contrat d'apprentissage (%(article)s) : un contrat de professionnalisation se "
                  "rompt pendant sa période d'essai, d'un commun accord ou selon le droit commun du CDD ou du CDI.")
                % {"kind": RuptureKind(rupture.kind).label,
                   "article": "L6222-19" if rupture.kind == RuptureKind.DIPLOMA_OBTAINED else "L6222-18"}]
    return [_("Un contrat d'apprentissage n'a pas de période d'essai : pendant les 45 premiers jours de formation pratique "
              "en entreprise, choisissez la rupture libre (L6222-18).")]


@transaction.atomic
def contract_record_rupture(*, contract: Contract, by: User, rupture: RuptureInput, today: date) -> Contract:
    """Record a rupture: the contract becomes broken, the apprentice a rupturant with the 6-month
    horizon to find a new employer, and the OPCO file the date the rupture was notified."""
    errors = []
    if rupture.rupture_date > today:
        errors.append(_("La date de rupture ne peut pas être dans le futur."))
    if not contract.start_date <= rupture.rupture_date <= contract.end_date:
        errors.append(_("La date de rupture doit se situer entre le début et la fin du contrat."))
    if rupture.kind not in RuptureKind.values:
        errors.append(_("Choisissez le type de rupture."))
    if not rupture.cause.strip():
        errors.append(_("Décrivez la cause de la rupture en quelques mots."))
    if rupture.kind == RuptureKind.DISMISSAL and not rupture.dismissal_ground:
        errors.append(_("Indiquez le motif du licenciement."))
    # A kind the contract cannot have (the trial period for an apprenticeship, the 45 days or the
    # mediator for a contrat pro) says so alone: its own delays would mean nothing.
    kind_problems = _rupture_kind_problems(contract, rupture)
    errors.extend(kind_problems)
    if kind_problems:
        pass
    elif rupture.kind == RuptureKind.RESIGNATION:
        errors += resignation_problems(rupture, ContractSettings.load())
    elif rupture.kind == RuptureKind.DIPLOMA_OBTAINED:
        errors += diploma_rupture_problems(rupture, ContractSettings.load())
    elif rupture.mediator_referral_date and rupture.mediator_referral_date > rupture.rupture_date:
        errors.append(_referral_after_rupture(rupture))
    if rupture.kind == RuptureKind.FREE_PERIOD and contract.kind == ContractKind.APPRENTICESHIP:
        # The period ends at the end of its last company day (L6222-18 al. 1): a rupture on a
        # weekend or a centre day after that day is already outside it.
        limit = ContractSettings.load().free_period_company_days
        calendars = practical.calendars_for_contracts([contract])
        end = practical.contract_free_period_end(contract, limit, calendars=calendars)
        if end is not None and rupture.rupture_date > end:
            done = practical.contract_company_days(contract, rupture.rupture_date, calendars=calendars)
            errors.append(
                _("À la date de rupture, l'apprenti·e a effectué %(done)s jours de formation pratique en entreprise : "
                  "la rupture libre n'est possible que pendant les %(limit)s premiers, soit jusqu'au %(end)s inclus "
                  "(L6222-18 al. 1). Choisissez l'accord commun, la démission après médiateur ou le licenciement.")
                % {"done": done, "limit": limit, "end": f"{end:%d/%m/%Y}"}
            )
    if errors:
        raise ContractTransitionError(" ".join(errors), problems=errors)
    contract = _move(
        contract, to=S.BROKEN, by=by, comment=rupture.cause,
        rupture_date=rupture.rupture_date, rupture_kind=rupture.kind, rupture_initiative=rupture.initiative,
        rupture_cause=rupture.cause, dismissal_ground=rupture.dismissal_ground,
        mediator_referral_date=rupture.mediator_referral_date,
        # The day the employer was told in writing means nothing for the other kinds.
        employer_informed_date=rupture.employer_informed_date if rupture.kind in EMPLOYER_INFORMED_KINDS else None,
    )
    if rupture.opco_notified_date:
        OpcoFile.objects.filter(contract=contract).update(rupture_notified_date=rupture.opco_notified_date)
    # A rupture within the first 45 company days reduces the employer participation (R6332-25-2).
    for opco_file in OpcoFile.objects.filter(contract=contract):
        opco.employer_participation_refresh(opco_file=opco_file)
    return contract


@transaction.atomic
def opco_record_rupture_notification(*, contract: Contract, notified_date: date) -> OpcoFile:
    """The day the OF notified the OPCO of the rupture (the OPCO informs the labour administration)."""
    if contract.status != S.BROKEN:
        raise ContractTransitionError(_("Seul un contrat rompu peut faire l'objet d'une notification de rupture."))
    if notified_date < contract.rupture_date:
        raise ContractTransitionError(_("La notification ne peut pas précéder la rupture."))
    opco_file, _created = OpcoFile.objects.get_or_create(contract=contract, defaults={"opco": contract.company.opco})
    opco_file.rupture_notified_date = notified_date
    opco_file.save(update_fields=["rupture_notified_date", "updated_at"])
    return opco_file


def apprentice_sync_status(*, apprentice: Apprentice) -> Apprentice:
    """The apprentice's status follows its contracts: under contract while one is signed and not
    finished; rupturant since the rupture of its last contract; completed at the end of its last
    one. A dropped-out learner stays so; one with no contract keeps its status (seeking)."""
    if apprentice.status == ApprenticeStatus.DROPPED_OUT:
        return apprentice
    contracts = list(apprentice.contracts.exclude(status__in=(S.DRAFT, S.AWAITING_SIGNATURES, S.REFUSED)).order_by("start_date", "pk"))
    active = [c for c in contracts if c.status in ACTIVE_CONTRACT_STATUSES]
    if active:
        status, since = ApprenticeStatus.UNDER_CONTRACT, min(c.start_date for c in active)
    elif contracts:
        last = max(contracts, key=lambda c: (c.rupture_date or c.end_date, c.pk))
        if last.status == S.BROKEN and last.rupture_kind != RuptureKind.DIPLOMA_OBTAINED:
            status, since = ApprenticeStatus.RUPTURANT, last.rupture_date
        elif last.status == S.BROKEN:  # ended early with the diploma in hand (L6222-19): not looking for an employer
            status, since = ApprenticeStatus.COMPLETED, last.rupture_date
        else:
            status, since = ApprenticeStatus.COMPLETED, last.end_date
    else:
        return apprentice
    if (apprentice.status, apprentice.status_since) != (status, since):
        Apprentice.objects.filter(pk=apprentice.pk).update(status=status, status_since=since, updated_at=timezone.now())
        record_update(apprentice, {"status": status, "status_since": since})
        apprentice.status, apprentice.status_since = status, since
    return apprentice


# --- creating and editing --------------------------------------------------------------------

# Fields staff fill in on the contract form (the signature date is set by the "signed" transition).
CONTRACT_FORM_FIELDS = (
    "kind", "employment_term", "employee_category", "pro_branch_agreement", "pro_public_l6325_1_1",
    "apprentice", "company", "programme", "master", "second_master", "contract_type", "derogation_type",
    "previous_contract_number", "start_date", "practical_training_start_date", "end_date", "training_start_date",
    "exams_end_date", "training_hours", "remote_training_hours", "weekly_hours", "daily_hours",
    "minor_hours_derogation", "minor_compensatory_rest", "dangerous_work",
    "gross_monthly_salary", "collective_minimum_salary", "pension_fund", "benefit_food", "benefit_housing", "benefit_other",
    "public_unemployment_insurance", "signature_place", "employer_holds_documents",
)
EDITABLE_STATUSES = (S.DRAFT, S.REFUSED)


@transaction.atomic
def contract_create(*, by: User, **fields) -> Contract:
    """A new contract in draft, with its first history row."""
    unknown = set(fields) - set(CONTRACT_FORM_FIELDS) - {"amends", "amendment_effective_date"}
    if unknown:
        raise TypeError(f"Champs inattendus : {sorted(unknown)}")
    contract = Contract(status=S.DRAFT, created_by=by, **fields)
    contract.full_clean()
    contract.save()
    ContractStatusChange.objects.create(contract=contract, from_status="", to_status=S.DRAFT, changed_by=by, comment=_("Création"))
    free_period.refresh_contracts([contract.pk])
    contract.refresh_from_db(fields=["free_period_end"])
    return contract


@transaction.atomic
def contract_update(*, contract: Contract, by: User, **fields) -> Contract:
    """Edit a contract while it is a draft or after an OPCO refusal; a signed contract changes
    through an amendment (avenant) only."""
    locked = Contract.objects.select_for_update().get(pk=contract.pk)
    if locked.status not in EDITABLE_STATUSES:
        raise ContractTransitionError(
            _("Un contrat « %(status)s » ne se modifie plus : créez un avenant.") % {"status": S(locked.status).label}
        )
    for name, value in fields.items():
        if name not in CONTRACT_FORM_FIELDS:
            raise TypeError(f"Champ inattendu : {name}")
        setattr(locked, name, value)
    locked.full_clean()
    locked.save()
    free_period.refresh_contracts([locked.pk])  # its start dates or its apprentice may have changed
    locked.refresh_from_db(fields=["free_period_end"])
    return locked


@transaction.atomic
def contract_create_amendment(*, contract: Contract, by: User, contract_type: int, effective_date: date, comment: str = "") -> Contract:
    """An amendment (avenant, types 31–38) as a new draft version linked to the contract it amends,
    starting from a copy of its data; the amended contract keeps running until the amendment is signed."""
    from contracts.choices import ContractType

    if contract_type not in ContractType.amendment_values():
        raise ContractTransitionError(_("Choisissez un type d'avenant (codes 31 à 38)."))
    if contract.status not in (S.SIGNED, S.SENT_TO_OPCO, S.ACCEPTED, S.IN_PROGRESS):
        raise ContractTransitionError(_("Seul un contrat signé et en cours peut faire l'objet d'un avenant."))
    if not contract.start_date <= effective_date <= contract.end_date:
        raise ContractTransitionError(_("La date d'effet de l'avenant doit se situer pendant le contrat."))
    values = {name: getattr(contract, name) for name in CONTRACT_FORM_FIELDS}
    values.update(contract_type=contract_type, amends=contract, amendment_effective_date=effective_date)
    amendment = contract_create(by=by, **values)
    if comment:
        ContractStatusChange.objects.filter(contract=amendment).update(comment=comment)
    return amendment
