"""Legal minimum remuneration of an apprentice (and of a contrat pro), as the Cerfa presents it.

Apprenticeship (Code du travail D6222-26 ff.; domain.md §2.1) — percent of the SMIC, or for 21 and
over of the collective minimum wage (SMC) when it is higher:

    contract year | < 18 | 18–20 | 21–25 | 26+
    1st           | 27 % | 43 %  | 53 %  | 100 %
    2nd           | 39 % | 51 %  | 61 %  | 100 %
    3rd (and 4th) | 55 % | 67 %  | 78 %  | 100 %

- contract years run anniversary to anniversary from the start date;
- the band at the start of the contract is the one of the apprentice's age on its first day
  (D6222-26: the rates follow the age reached); a birthday reached *during* the contract moves the
  band on the 1st day of the following month (D6222-31), which splits a contract year in two
  sub-periods (the Cerfa's lines x.1 and x.2). A birthday before the start day, even in the same
  month, is not "reached during the contract": the higher band applies from the first day. A
  birthday falling exactly on the start day counts as reached on the first day (the apprentice has
  that age on that day, ``age_on`` and the official Cerfa generator — mission-apprentissage/contrat,
  ``buildRemuneration``: age at the start with date-fns ``differenceInYears`` — agree), so the
  higher band applies from the start too;
- the Cerfa states the percentages, computed here with the SMIC in force at the contract start
  (Mayotte has its own); the amount due follows the SMIC in force at payment (D6222-26: a
  percentage *of the SMIC*, which is revalued): ``periods_at_smic_in_force`` cuts the periods at
  each SMIC revaluation for the remuneration schedule;
- monthly amount = monthly SMIC (or SMC) × rate, rounded *up* to the cent (the official generator).

Contrat de professionnalisation (Code du travail D6325-14 to D6325-16; domain.md §6): under 21: 55 %
(65 % with a bac pro or a vocational title or diploma of the same level — a general or technological
bac keeps the base rate, see ``holds_pro_qualification``); 21–25: 70 % (80 %); 26+: the SMIC, and at
least 85 % of the SMC.

Everything here is pure: SMIC values and rate tables are passed in (they are dated reference data
staff extend in the database), and nothing reads today's date.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from django.utils.translation import gettext as _

from alternance.choices import DiplomaCode

AGE_THRESHOLDS = (18, 21, 26)

# Code du travail D6325-15: the higher rates of a contrat pro need « une qualification au moins égale
# au baccalauréat professionnel ou un titre ou diplôme à finalité professionnelle de même niveau ».
# Cerfa codes of the highest diploma obtained: the bac pro (41) and the other level-4 diplomas and
# titles (49: brevet professionnel, titre professionnel de niveau 4…) qualify; the general (42) and
# technological (43) bacs do not, whatever their level; every higher-education diploma (54 and
# above) is a qualification above the bac pro and qualifies.
PRO_QUALIFYING_LEVEL_4 = frozenset({DiplomaCode.BAC_PRO, DiplomaCode.OTHER_BAC})
PRO_QUALIFYING_FROM = DiplomaCode.BTS


def holds_pro_qualification(highest_diploma: int | None) -> bool:
    """Whether the learner's highest diploma (Cerfa code) gives the higher contrat pro rates (D6325-15).

    Code 49 (« autre diplôme ou titre de niveau bac ») counts as vocational: it is how the Cerfa
    codes the brevet professionnel and the level-4 titres professionnels; when in doubt the higher
    minimum is the one that protects the learner.
    """
    if highest_diploma is None:
        return False
    return highest_diploma in PRO_QUALIFYING_LEVEL_4 or highest_diploma >= PRO_QUALIFYING_FROM


@dataclass(frozen=True)
class ApprenticeshipRates:
    """Percent of the SMIC per contract year (1, 2, 3+) and age band (index 0: <18 … 3: 26+)."""

    by_year: dict[int, tuple[Decimal, Decimal, Decimal, Decimal]] = field(
        default_factory=lambda: {
            1: (Decimal(27), Decimal(43), Decimal(53), Decimal(100)),
            2: (Decimal(39), Decimal(51), Decimal(61), Decimal(100)),
            3: (Decimal(55), Decimal(67), Decimal(78), Decimal(100)),
        }
    )

    def rate(self, contract_year: int, band: int) -> Decimal:
        return self.by_year[min(contract_year, max(self.by_year))][band]


@dataclass(frozen=True)
class ProfessionalisationRates:
    """Contrat pro [check]: percent of the SMIC by age band (<21, 21–25, 26+) and qualification."""

    under_21: tuple[Decimal, Decimal] = (Decimal(55), Decimal(65))  # (without, with bac pro level or above)
    from_21_to_25: tuple[Decimal, Decimal] = (Decimal(70), Decimal(80))
    from_26_smc_percent: Decimal = Decimal(85)


@dataclass(frozen=True)
class RemunerationPeriod:
    contract_year: int
    sub_period: int  # 1 or 2, the Cerfa's "x.1" / "x.2"
    start: date
    end: date
    age_band: str  # "moins de 18 ans", "18 à 20 ans", "21 à 25 ans", "26 ans et plus"
    rate: Decimal  # percent
    base: str  # "SMIC" or "SMC"
    monthly_amount: Decimal
    # The SMIC value the amount was computed with and the day it came into force (the schedule,
    # ``periods_at_smic_in_force``); None where one SMIC is used for the whole contract.
    smic_monthly: Decimal | None = None
    smic_valid_from: date | None = None

    @property
    def label(self) -> str:
        """The Cerfa's own numbering of the line (« 1.1 », « 1.2 »), printed on the Cerfa sheet."""
        return f"{self.contract_year}.{self.sub_period}"

    @property
    def screen_label(self) -> str:
        """The same line in words for the screens (« Année 1, période 2 »)."""
        return _("Année %(year)s, période %(period)s") % {"year": self.contract_year, "period": self.sub_period}


APPRENTICESHIP_BANDS = ("moins de 18 ans", "18 à 20 ans", "21 à 25 ans", "26 ans et plus")
PROFESSIONALISATION_BANDS = ("moins de 21 ans", "21 à 25 ans", "26 ans et plus")


def add_years(day: date, years: int) -> date:
    """Same day ``years`` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def first_of_next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def band_change_date(birth_date: date, age: int) -> date:
    """Day the age band changes after turning ``age``: the 1st of the month following the birthday."""
    return first_of_next_month(add_years(birth_date, age))


def round_up_to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_CEILING)


def contract_band_change_date(birth_date: date, age: int, contract_start: date) -> date:
    """Day the band of ``age`` applies under a contract starting on ``contract_start``.

    A birthday reached on or before the first day of the contract: from that first day (the rate
    at the start is the one of the age on the start day, D6222-26); a birthday reached during the
    contract: from the 1st of the following month (D6222-31).
    """
    birthday = add_years(birth_date, age)
    return contract_start if birthday <= contract_start else first_of_next_month(birthday)


def _band_on(day: date, birth_date: date, thresholds: tuple[int, ...], contract_start: date) -> int:
    """Index of the age band on ``day`` (0 = below the first threshold)."""
    return sum(1 for age in thresholds if day >= contract_band_change_date(birth_date, age, contract_start))


def _contract_years(start: date, end: date, counted_from: date | None = None) -> list[tuple[int, date, date]]:
    """Contract years within [start, end], anniversary to anniversary from ``counted_from`` (the
    start unless an apprenticeship counted as already done moves it earlier, D6222-28-1)."""
    origin = min(counted_from or start, start)
    years, number, year_start = [], 1, origin
    while year_start <= end:
        year_end = min(add_years(origin, number) - timedelta(days=1), end)
        if year_end >= start:
            years.append((number, max(year_start, start), year_end))
        number, year_start = number + 1, add_years(origin, number)
    return years


def _split_by_band(
    start: date, end: date, birth_date: date, thresholds: tuple[int, ...], contract_start: date
) -> list[tuple[date, date, int]]:
    """Sub-periods of [start, end] (a contract year of a contract starting on ``contract_start``)
    with a constant age band."""
    cuts = sorted(
        {change for age in thresholds if start < (change := contract_band_change_date(birth_date, age, contract_start)) <= end}
    )
    bounds = [start, *cuts]
    pieces = []
    for index, piece_start in enumerate(bounds):
        piece_end = bounds[index + 1] - timedelta(days=1) if index + 1 < len(bounds) else end
        pieces.append((piece_start, piece_end, _band_on(piece_start, birth_date, thresholds, contract_start)))
    return pieces


def apprenticeship_periods(
    *,
    birth_date: date,
    start: date,
    end: date,
    smic_monthly: Decimal,
    smc_monthly: Decimal | None = None,
    rates: ApprenticeshipRates | None = None,
    first_contract_year: int = 1,
    minimum_rate: Decimal | None = None,
    counted_from: date | None = None,
) -> list[RemunerationPeriod]:
    """Minimum remuneration periods of an apprenticeship contract, one or two per contract year.

    ``smic_monthly`` is the SMIC in force at the contract start (Mayotte's for Mayotte);
    ``smc_monthly`` the collective minimum wage, used from 21 when higher than the SMIC;
    ``first_contract_year`` > 1 when the contract continues an apprenticeship already started, or
    when its length was reduced (D6222-28: the apprentice counts as having done the difference);
    ``minimum_rate``: the rate of the last year of a previous apprenticeship contract, which a new
    contract pays at least unless the age gives more (D6222-29);
    ``counted_from``: for a contract shorter than the training cycle, the day the cycle would have
    started for the contract to end with it — the apprentice counts as having done the difference
    (D6222-28-1), so the contract years run from that day.
    """
    if end < start:
        raise ValueError("La date de fin du contrat précède sa date de début.")
    rates = rates or ApprenticeshipRates()
    periods: list[RemunerationPeriod] = []
    for number, year_start, year_end in _contract_years(start, end, counted_from):
        contract_year = number + first_contract_year - 1
        for sub, (piece_start, piece_end, band) in enumerate(_split_by_band(year_start, year_end, birth_date, AGE_THRESHOLDS, start), 1):
            rate = rates.rate(contract_year, band)
            if minimum_rate is not None and minimum_rate > rate:
                rate = minimum_rate
            use_smc = band >= 2 and smc_monthly is not None and smc_monthly > smic_monthly
            base_amount = smc_monthly if use_smc else smic_monthly
            periods.append(
                RemunerationPeriod(
                    contract_year=contract_year,
                    sub_period=sub,
                    start=piece_start,
                    end=piece_end,
                    age_band=APPRENTICESHIP_BANDS[band],
                    rate=rate,
                    base="SMC" if use_smc else "SMIC",
                    monthly_amount=round_up_to_cent(base_amount * rate / 100),
                )
            )
    return periods


def professionalisation_periods(
    *,
    birth_date: date,
    start: date,
    end: date,
    smic_monthly: Decimal,
    smc_monthly: Decimal | None = None,
    qualified: bool = False,
    rates: ProfessionalisationRates | None = None,
) -> list[RemunerationPeriod]:
    """Minimum remuneration of a contrat de professionnalisation by age and qualification [check].

    ``qualified``: the learner holds a bac pro, a vocational title or diploma of the same level, or a
    higher qualification (``holds_pro_qualification``, D6325-15; raises the rate below 26). From 26: the SMIC, and at least 85 % of the SMC.
    """
    if end < start:
        raise ValueError("La date de fin du contrat précède sa date de début.")
    rates = rates or ProfessionalisationRates()
    periods: list[RemunerationPeriod] = []
    for number, year_start, year_end in _contract_years(start, end):
        for sub, (piece_start, piece_end, band) in enumerate(_split_by_band(year_start, year_end, birth_date, (21, 26), start), 1):
            if band == 2:
                smc_floor = round_up_to_cent(smc_monthly * rates.from_26_smc_percent / 100) if smc_monthly else None
                if smc_floor is not None and smc_floor > smic_monthly:
                    rate, base, amount = rates.from_26_smc_percent, "SMC", smc_floor
                else:
                    rate, base, amount = Decimal(100), "SMIC", round_up_to_cent(smic_monthly)
            else:
                rate = (rates.under_21 if band == 0 else rates.from_21_to_25)[1 if qualified else 0]
                base, amount = "SMIC", round_up_to_cent(smic_monthly * rate / 100)
            periods.append(
                RemunerationPeriod(
                    contract_year=number, sub_period=sub, start=piece_start, end=piece_end,
                    age_band=PROFESSIONALISATION_BANDS[band], rate=rate, base=base, monthly_amount=amount,
                )
            )
    return periods


@dataclass(frozen=True)
class SmicValue:
    """A SMIC monthly value and the day it came into force (dated reference data)."""

    valid_from: date
    monthly: Decimal


def periods_at_smic_in_force(
    *,
    start: date,
    end: date,
    smic_values: list[SmicValue],
    compute: Callable[[Decimal], list[RemunerationPeriod]],
) -> list[RemunerationPeriod]:
    """The remuneration periods with each amount computed with the SMIC in force on its first day.

    The minimum is a percentage of the SMIC (D6222-26; D6325-15 for a contrat pro), so the amount
    due follows the SMIC in force at payment: each period is cut on the day a new SMIC value comes
    into force, and each part carries the SMIC it uses and its date. ``compute(smic_monthly)``
    returns the periods of the whole contract with that SMIC (``apprenticeship_periods`` or
    ``professionalisation_periods`` with the other arguments bound). A value not yet published is
    not known: future periods use the latest value entered, and are computed again when a new one
    is entered. Empty when no SMIC value was in force at ``start``.
    """
    values = sorted(smic_values, key=lambda value: value.valid_from)
    at_start = [value for value in values if value.valid_from <= start]
    if not at_start:
        return []
    segments = [at_start[-1], *(value for value in values if start < value.valid_from <= end)]
    rows: list[RemunerationPeriod] = []
    for index, value in enumerate(segments):
        segment_start = max(value.valid_from, start)
        segment_end = segments[index + 1].valid_from - timedelta(days=1) if index + 1 < len(segments) else end
        for period in compute(value.monthly):
            piece_start, piece_end = max(period.start, segment_start), min(period.end, segment_end)
            if piece_start <= piece_end:
                rows.append(replace(period, start=piece_start, end=piece_end, smic_monthly=value.monthly, smic_valid_from=value.valid_from))
    return sorted(rows, key=lambda row: row.start)
