"""The hiring aid an employer is entitled to for an apprenticeship contract (aide à l'embauche,
issue 15 §10).

Rule: the aid is the one in force on the day the contract is concluded (signed; the start date
when the signature date is not recorded), for an apprenticeship contract with a private employer,
according to the company's headcount, the level of the diploma prepared (national framework of
certifications) and the apprentice's RQTH. The rules are dated data (``HiringAidRule``, loaded
from ``reference_data.HIRING_AID_RULES``, each with its source and tagged « [à vérifier] »); when
several match, the most favourable applies. No amount is written in code.

Sources: décret n° 2022-1714 (aide exceptionnelle 2023-2024), décret n° 2025-174 du 22 février 2025,
and the 2026 rules changed in March 2026 — see each rule's ``source`` (all to be checked).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _

from contracts.choices import ContractKind


@dataclass(frozen=True)
class HiringAid:
    """The entitlement of one contract: ``rule`` and ``amount`` when entitled; ``missing`` lists
    the data to fill before it can be computed; ``reason`` says why in French."""

    day: date | None
    rule: object | None = None
    amount: Decimal | None = None
    missing: tuple[str, ...] = ()
    reason: str = ""
    to_check: bool = field(default=False)

    @property
    def entitled(self) -> bool:
        return self.rule is not None


def conclusion_day(contract) -> date | None:
    """The day the contract was concluded: its signature, else its start."""
    return contract.signature_date or contract.start_date


def _in_force(rule, day: date) -> bool:
    return rule.valid_from <= day and (rule.valid_to is None or day <= rule.valid_to)


def hiring_aid_for(*, rules: Iterable, day: date | None, kind: str, public_employer: bool, headcount: int | None,
                   level: int | None, rqth: bool) -> HiringAid:
    """Pure: the entitlement for a contract with these facts under ``rules`` (``HiringAidRule``
    rows or objects with the same attributes)."""
    if day is None:
        return HiringAid(day=None, missing=(_("date de signature ou de début du contrat"),),
                         reason=_("Renseignez la date de signature du contrat pour calculer l'aide."))
    if kind != ContractKind.APPRENTICESHIP:
        return HiringAid(day=day, reason=_("Pas d'aide à l'embauche d'apprenti·e pour un contrat de professionnalisation."))
    in_force = [rule for rule in rules if _in_force(rule, day)]
    if not in_force:
        return HiringAid(day=day, reason=_("Aucune aide à l'embauche en vigueur pour un contrat conclu le %(day)s.") % {"day": f"{day:%d/%m/%Y}"})
    matching, missing = [], set()
    for rule in in_force:
        if rule.private_employers_only and public_employer:
            continue
        if rule.requires_rqth and not rqth:
            continue
        if rule.diploma_level_max is not None:
            if level is None:
                missing.add(_("niveau de la formation"))
                continue
            if level > rule.diploma_level_max:
                continue
        if rule.company_headcount_min is not None or rule.company_headcount_max is not None:
            if headcount is None:
                missing.add(_("effectif de l'entreprise"))
                continue
            if rule.company_headcount_min is not None and headcount < rule.company_headcount_min:
                continue
            if rule.company_headcount_max is not None and headcount > rule.company_headcount_max:
                continue
        matching.append(rule)
    if matching:
        best = max(matching, key=lambda rule: (rule.amount_first_year, rule.valid_from))
        return HiringAid(day=day, rule=best, amount=best.amount_first_year, to_check=best.to_check,
                         reason=_("%(label)s, contrat conclu le %(day)s.") % {"label": best.label, "day": f"{day:%d/%m/%Y}"})
    if missing:
        return HiringAid(day=day, missing=tuple(sorted(missing)),
                         reason=_("Renseignez %(what)s pour calculer l'aide.") % {"what": _(" et ").join(sorted(missing))})
    return HiringAid(day=day, reason=_("Ce contrat ne remplit les conditions d'aucune aide en vigueur le %(day)s "
                                       "(employeur, effectif, niveau du diplôme ou RQTH).") % {"day": f"{day:%d/%m/%Y}"})


def contract_hiring_aid(contract, rules: Iterable) -> HiringAid:
    """The entitlement of a contract (its apprentice, company and programme loaded)."""
    company = contract.company
    programme = contract.programme or contract.apprentice.cohort.programme
    return hiring_aid_for(
        rules=rules, day=conclusion_day(contract), kind=contract.kind, public_employer=bool(company.is_public),
        headcount=company.headcount, level=programme.level if programme else None, rqth=bool(contract.apprentice.rqth),
    )
