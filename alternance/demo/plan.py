"""The demo organisation planned in memory (no database access): cohorts, learners' stories, contracts.

Each apprentice follows a *scenario* (in progress, seeking a company, rupturant…) that fixes its
status and dates relative to ``today``. A few scenarios are placed on purpose in the first
cohorts so that every situation the product handles appears whatever the seed and size.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from alternance.choices import ApprenticeStatus
from alternance.demo.dates import add_months, between, monday_on_or_after
from alternance.demo.reference import PROGRAMMES, ProgrammeSpec
from contracts.choices import (
    ACTIVE_CONTRACT_STATUSES,
    ContractStatus,
    ContractType,
    DismissalGround,
    RuptureInitiative,
    RuptureKind,
)

MIN_APPRENTICES = 40  # below this the forced scenarios (one per situation) no longer fit in the cohorts

# Scenarios (one story per apprentice)
IN_PROGRESS = "in_progress"
ENDING_SOON = "ending_soon"
DRAFT = "draft"
AWAITING = "awaiting"
SIGNED = "signed"
SENT = "sent"
ACCEPTED = "accepted"
REFUSED = "refused"
SEEKING = "seeking"
RUPTURANT = "rupturant"
RESTARTED = "restarted"  # broken contract, then a new one with another employer
DROPPED = "dropped"
DROPPED_AFTER_RUPTURE = "dropped_after_rupture"
COMPLETED = "completed"

CURRENT, SECOND_YEAR, ENDED = "current", "second_year", "ended"

# Mix of scenarios by kind of cohort (weights, %).
MIXES = {
    CURRENT: {IN_PROGRESS: 58, SEEKING: 10, DRAFT: 3, AWAITING: 3, SIGNED: 3, SENT: 5, ACCEPTED: 4, REFUSED: 1,
              RUPTURANT: 5, RESTARTED: 3, DROPPED: 3},
    SECOND_YEAR: {IN_PROGRESS: 73, ENDING_SOON: 8, RUPTURANT: 6, RESTARTED: 5, DROPPED: 4, DROPPED_AFTER_RUPTURE: 4},
    ENDED: {COMPLETED: 85, DROPPED: 5, DROPPED_AFTER_RUPTURE: 10},
}
# (programme index, generation): generation 0 started last autumn, 1 the year before. The first
# eight are the guaranteed layout (six current cohorts, a second-year BUT, an ended titre pro);
# larger organisations cycle through all twelve with a group number.
COHORT_SLOTS = ((0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (2, 1), (4, 1), (0, 1), (1, 1), (3, 1), (5, 1))
# Scenarios placed on purpose: cohort index → [(scenario, parameters)]. Cohort 0's first apprentice
# is the demo apprentice (apprenti@demo.test).
FORCED = {
    0: [(IN_PROGRESS, {"demo": True}), (SIGNED, {}), (RUPTURANT, {"days_ago": 14})],
    1: [(DRAFT, {}), (SENT, {"complete_days_ago": 25}), (RESTARTED, {})],
    2: [(AWAITING, {}), (ACCEPTED, {})],
    3: [(REFUSED, {}), (DROPPED, {})],
    4: [(SEEKING, {"enrolled_days_ago": 80}), (SEEKING, {"late": False})],
    5: [(SEEKING, {"late": False}), (SENT, {})],
    6: [(ENDING_SOON, {"days_left": 7}), (ENDING_SOON, {"days_left": 30}), (ENDING_SOON, {"days_left": 60}),
        (RUPTURANT, {"days_ago": 160}), (DROPPED_AFTER_RUPTURE, {})],
    7: [(COMPLETED, {}), (DROPPED_AFTER_RUPTURE, {})],
}
SCENARIO_STATUS = {
    IN_PROGRESS: ContractStatus.IN_PROGRESS, ENDING_SOON: ContractStatus.IN_PROGRESS, DRAFT: ContractStatus.DRAFT,
    AWAITING: ContractStatus.AWAITING_SIGNATURES, SIGNED: ContractStatus.SIGNED, SENT: ContractStatus.SENT_TO_OPCO,
    ACCEPTED: ContractStatus.ACCEPTED, REFUSED: ContractStatus.REFUSED, COMPLETED: ContractStatus.ENDED,
}
SECTOR_CYCLE = ("it", "retail", "it", "services", "hospitality", "it", "retail", "trades", "services", "it")


@dataclass
class CohortPlan:
    index: int
    spec: ProgrammeSpec
    programme_index: int
    name: str
    start: date
    end: date
    exams_end: date
    kind: str
    tutor_index: int
    obj: object = None


@dataclass
class ContractPlan:
    status: str
    start: date
    end: date
    sector: str
    signature: date | None = None
    contract_type: int = ContractType.FIRST
    rupture_date: date | None = None
    rupture_kind: str = ""
    rupture_initiative: str = ""
    dismissal_ground: str = ""
    mediator_referral: date | None = None
    employer_informed: date | None = None
    company_index: int = -1
    master_slot: int = 0
    previous: "ContractPlan | None" = None
    params: dict = field(default_factory=dict)
    obj: object = None


@dataclass
class ApprenticePlan:
    index: int
    cohort: CohortPlan
    scenario: str
    params: dict
    status: str = ApprenticeStatus.SEEKING
    status_since: date | None = None
    training_start: date | None = None
    exclusion: date | None = None
    contracts: list[ContractPlan] = field(default_factory=list)
    obj: object = None


@dataclass
class OrganisationPlan:
    cohorts: list[CohortPlan]
    apprentices: list[ApprenticePlan]
    n_tutors: int
    n_cres: int
    n_companies: int

    @property
    def contracts(self) -> list[ContractPlan]:
        return [contract for apprentice in self.apprentices for contract in apprentice.contracts]


def academic_start(today: date) -> date:
    """1 September of the current cohorts: the last one at least a month ago (so they have a history)."""
    anchor = today - timedelta(days=30)
    return date(anchor.year if anchor.month >= 9 else anchor.year - 1, 9, 1)


def plan_cohorts(n_apprentices: int, n_tutors: int, today: date) -> list[CohortPlan]:
    """About one cohort per 37 learners (at least 8), cycling through COHORT_SLOTS."""
    count = max(8, round(n_apprentices / 37))
    september = academic_start(today)
    # Titres professionnels have rolling intakes: the current one started 4–5 months ago, so its
    # learners without a company show the 3-month limit; the previous one has ended.
    rolling = (today - timedelta(days=135)).replace(day=1)
    cohorts = []
    for index in range(count):
        programme_index, generation = COHORT_SLOTS[index % len(COHORT_SLOTS)]
        spec = PROGRAMMES[programme_index]
        base = rolling if spec.duration_months == 12 and spec.short_title.startswith("TP") else september
        start = monday_on_or_after(date(base.year - generation, base.month, 1))
        end = add_months(date(start.year, start.month, 1), spec.duration_months) - timedelta(days=1)
        exams_end = min(end, date(end.year, 6, 20)) if end.month >= 7 else end - timedelta(days=10)
        kind = ENDED if end < today else (SECOND_YEAR if generation else CURRENT)
        group = index // len(COHORT_SLOTS) + 1
        name = f"{spec.short_title} {start:%m/%Y}–{end:%m/%Y} groupe {group}"
        cohorts.append(CohortPlan(index, spec, programme_index, name, start, end, exams_end, kind, index % n_tutors))
    return cohorts


def plan_organisation(n_apprentices: int, rng: random.Random, today: date) -> OrganisationPlan:
    n_tutors = max(1, round(n_apprentices / 30))
    cohorts = plan_cohorts(n_apprentices, n_tutors, today)
    members: list[list[int]] = [[] for _ in cohorts]
    for index in range(n_apprentices):
        members[index % len(cohorts)].append(index)
    apprentices: list[ApprenticePlan | None] = [None] * n_apprentices
    for cohort, indexes in zip(cohorts, members, strict=True):
        forced = FORCED.get(cohort.index, [])
        mix = MIXES[cohort.kind]
        for position, index in enumerate(indexes):
            if position < len(forced):
                scenario, params = forced[position]
            else:
                scenario, params = rng.choices(list(mix), weights=list(mix.values()))[0], {}
            plan = ApprenticePlan(index, cohort, scenario, dict(params))
            _plan_story(plan, rng, today)
            apprentices[index] = plan
    active = sum(1 for a in apprentices for c in a.contracts if c.status in ACTIVE_CONTRACT_STATUSES)
    # One CRE per 80–100 active contracts (domain §5), at least one.
    n_cres = max(1, round(active / 90))
    return OrganisationPlan(cohorts, apprentices, n_tutors, n_cres, max(len(SECTOR_CYCLE), round(0.6 * n_apprentices)))


def _contract(plan: ApprenticePlan, rng: random.Random, status: str, start: date, end: date | None = None) -> ContractPlan:
    sector = rng.choice(plan.cohort.spec.sectors)
    # At most 3 years (Code du travail L6222-7-1): a contract starting before its cohort ends 3 years
    # after its own start, not with the cohort (no « allongement » derogation in the demo).
    end = min(end or plan.cohort.end, add_months(start, 36) - timedelta(days=1))
    contract = ContractPlan(status=status, start=start, end=end, sector=sector, params=plan.params)
    if status not in (ContractStatus.DRAFT, ContractStatus.AWAITING_SIGNATURES):
        contract.signature = start - timedelta(days=rng.randint(1, 21))
    plan.contracts.append(contract)
    return contract


def _break(contract: ContractPlan, rupture: date, rng: random.Random) -> None:
    """Turn a contract into a rupture on ``rupture``: kind and initiative consistent with its timing."""
    contract.status, contract.rupture_date = ContractStatus.BROKEN, rupture
    # About 45 days of practical training at the employer fit in the first two months or so.
    if (rupture - contract.start).days <= 60:
        contract.rupture_kind = RuptureKind.FREE_PERIOD
        contract.rupture_initiative = rng.choice([RuptureInitiative.EMPLOYER, RuptureInitiative.APPRENTICE])
    else:
        contract.rupture_kind = rng.choices(
            [RuptureKind.MUTUAL_AGREEMENT, RuptureKind.RESIGNATION, RuptureKind.DISMISSAL, RuptureKind.OTHER],
            weights=[55, 20, 20, 5],
        )[0]
        contract.rupture_initiative = {
            RuptureKind.MUTUAL_AGREEMENT: RuptureInitiative.BOTH, RuptureKind.RESIGNATION: RuptureInitiative.APPRENTICE,
            RuptureKind.DISMISSAL: RuptureInitiative.EMPLOYER, RuptureKind.OTHER: RuptureInitiative.OTHER,
        }[contract.rupture_kind]
        if contract.rupture_kind == RuptureKind.DISMISSAL:
            contract.dismissal_ground = rng.choice([
                DismissalGround.SERIOUS_MISCONDUCT, DismissalGround.MEDICAL_INAPTITUDE, DismissalGround.EXCLUSION_FROM_CFA,
            ])
        elif contract.rupture_kind == RuptureKind.RESIGNATION:
            # The apprentice refers to the mediator, informs the employer ≥ 5 days later, leaves ≥ 7 days after that.
            contract.mediator_referral = max(contract.start, rupture - timedelta(days=rng.randint(12, 25)))
            # Halfway through the spare days (no extra draw: the rest of the demo stays the same).
            spare = (rupture - contract.mediator_referral).days - 12
            contract.employer_informed = contract.mediator_referral + timedelta(days=5 + spare // 2)


def _plan_story(plan: ApprenticePlan, rng: random.Random, today: date) -> None:
    """Dates and statuses of one apprentice according to its scenario, all relative to ``today``."""
    cohort, scenario, params = plan.cohort, plan.scenario, plan.params
    c_start, yesterday = cohort.start, today - timedelta(days=1)
    last_day = min(yesterday, cohort.end)
    plan.training_start = c_start
    usual_start = between(rng, c_start - timedelta(days=14), c_start + timedelta(days=20))

    if scenario in (IN_PROGRESS, ENDING_SOON, COMPLETED):
        end = today + timedelta(days=params.get("days_left") or rng.randint(1, 60)) if scenario == ENDING_SOON else None
        contract = _contract(plan, rng, SCENARIO_STATUS[scenario], min(usual_start, yesterday), end)
        if scenario == COMPLETED:
            plan.status, plan.status_since = ApprenticeStatus.COMPLETED, contract.end
        else:
            plan.status, plan.status_since = ApprenticeStatus.UNDER_CONTRACT, contract.start
    elif scenario in (SIGNED, SENT, ACCEPTED, REFUSED):
        days_ago = {SIGNED: (0, 4), SENT: (6, 30), ACCEPTED: (20, 50), REFUSED: (25, 60)}[scenario]
        if params.get("complete_days_ago"):
            days_ago = (params["complete_days_ago"] + 5, params["complete_days_ago"] + 8)
        start = max(today - timedelta(days=rng.randint(*days_ago)), c_start - timedelta(days=20))
        _contract(plan, rng, SCENARIO_STATUS[scenario], start)
        if scenario == REFUSED:  # no funded contract: the learner is back to seeking
            plan.status, plan.status_since = ApprenticeStatus.SEEKING, c_start
        else:
            plan.status, plan.status_since = ApprenticeStatus.UNDER_CONTRACT, start
    elif scenario in (DRAFT, AWAITING):
        # A contract being prepared: no signed contract yet, the learner still counts as seeking.
        _contract(plan, rng, SCENARIO_STATUS[scenario], today + timedelta(days=rng.randint(5, 25)))
        plan.status, plan.status_since = ApprenticeStatus.SEEKING, c_start
    elif scenario == SEEKING:
        if params.get("enrolled_days_ago"):
            plan.training_start = max(c_start, today - timedelta(days=params["enrolled_days_ago"]))
        elif params.get("late", rng.random() < 0.5):  # late entry (rolling admission)
            plan.training_start = between(rng, c_start, today - timedelta(days=7))
        plan.status, plan.status_since = ApprenticeStatus.SEEKING, plan.training_start
    elif scenario in (RUPTURANT, RESTARTED, DROPPED_AFTER_RUPTURE):
        if scenario == RUPTURANT:
            days_ago = params.get("days_ago") or rng.randint(3, max(3, min(170, (today - c_start).days - 10)))
            rupture = today - timedelta(days=days_ago)
            contract = _contract(plan, rng, ContractStatus.BROKEN, min(usual_start, rupture - timedelta(days=1)))
            plan.status, plan.status_since = ApprenticeStatus.RUPTURANT, rupture
        else:
            first_start = min(usual_start, last_day - timedelta(days=20))
            contract = _contract(plan, rng, ContractStatus.BROKEN, first_start)
            span = (last_day - first_start).days
            rupture = first_start + timedelta(days=max(1, int(span * rng.uniform(0.2, 0.5))))
        _break(contract, rupture, rng)
        if scenario == RESTARTED:
            second_start = rupture + timedelta(days=max(1, int((yesterday - rupture).days * rng.uniform(0.2, 0.8))))
            second = _contract(plan, rng, ContractStatus.IN_PROGRESS, second_start)
            second.contract_type, second.previous = ContractType.SUCCESSION_AFTER_RUPTURE, contract
            second.signature = max(rupture, second_start - timedelta(days=rng.randint(1, 10)))
            plan.status, plan.status_since = ApprenticeStatus.UNDER_CONTRACT, second_start
        elif scenario == DROPPED_AFTER_RUPTURE:
            exclusion = between(rng, rupture + timedelta(days=14), min(rupture + timedelta(days=180), last_day))
            plan.exclusion = max(exclusion, rupture, plan.training_start)
            plan.status, plan.status_since = ApprenticeStatus.DROPPED_OUT, plan.exclusion
    elif scenario == DROPPED:
        plan.exclusion = max(c_start, between(rng, c_start + timedelta(days=14), last_day))
        plan.status, plan.status_since = ApprenticeStatus.DROPPED_OUT, plan.exclusion
    else:
        raise ValueError(f"Unknown scenario {scenario}")


def masters_needed(contract_count: int) -> int:
    """A maître d'apprentissage supervises at most two apprentices (domain §2, [check])."""
    return max(1, math.ceil(contract_count / 2))
