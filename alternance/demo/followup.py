"""Follow-up records of the demo: OPCO files and instalments, attendance, visits, CRM log, and the
alerts raised by running the nightly rules on all of it.

Everything is dated relative to ``today`` and consistent with the contract and learner statuses
(an accepted OPCO file has its decision date, a broken contract's last visit flagged the risk…).
"""

from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

from alerts.choices import AlertStatus
from alerts.models import Alert, RuleSettings
from alternance.choices import (
    ApprenticeStatus,
    AttendanceStatus,
    HalfDay,
    JustificationStatus,
    Role,
    VisitKind,
    VisitMode,
)
from alternance.demo import reference as ref
from alternance.demo.builder import BATCH_SIZE, OrganisationBuilder, bulk, deca_number
from alternance.demo.calendar import christmas_closure, summer_closure
from alternance.demo.dates import add_months, is_training_day, working_day_on_or_after, working_day_on_or_before
from alternance.demo.plan import ENDED, ContractPlan
from alternance.models import Apprentice, AttendanceRecord, Visit
from alternance.planning import calendar as planning
from alternance.planning import practical
from companies.choices import InteractionKind, InteractionOutcome
from companies.models import Interaction
from contracts import funding
from contracts.choices import ACTIVE_CONTRACT_STATUSES, ContractStatus, InstalmentKind, OpcoDecision
from contracts.models import Contract, ContractSettings, FundingRule, OpcoFile, OpcoInstalment

ATTENDANCE_WEEKS = 8
# Contracts concluded from 1 July 2025: 40/30/20/10 % per contract year (domain §4, [check]); the
# employer participation follows contracts.funding (R6332-25-1, R6332-25-2).
FUNDING_SCHEDULE = (
    (InstalmentKind.ADVANCE, Decimal("40")), (InstalmentKind.MONTH_7, Decimal("30")),
    (InstalmentKind.MONTH_10, Decimal("20")), (InstalmentKind.BALANCE, Decimal("10")),
)
DECIDED = (ContractStatus.ACCEPTED, ContractStatus.REFUSED, ContractStatus.IN_PROGRESS, ContractStatus.ENDED, ContractStatus.BROKEN)


ATTENDANCE_COLUMNS = (
    "apprentice", "day", "half", "status", "minutes_late", "justification", "reason", "recorded_by", "recorded_at",
    "review_comment",
)


def insert_rows(model: type[models.Model], field_names: tuple[str, ...], rows: list[tuple]) -> None:
    """INSERT ready-made rows (values already in database form) with ``executemany``, no model instances.

    executemany is pipelined by psycopg 3 and native in sqlite3; measured faster here than
    multi-row VALUES statements on PostgreSQL.
    """
    columns = [connection.ops.quote_name(model._meta.get_field(name).column) for name in field_names]
    # Table and column names come from the model's metadata, quoted; values go through parameters.
    sql = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), 10 * BATCH_SIZE):
            cursor.executemany(sql, rows[offset:offset + 10 * BATCH_SIZE])


def aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class FollowUpBuilder:
    def __init__(self, organisation: OrganisationBuilder) -> None:
        self.org = organisation
        self.plan, self.rng, self.today = organisation.plan, organisation.rng, organisation.today

    def days_after(self, day: date, low: int, high: int) -> date:
        return day + timedelta(days=self.rng.randint(low, high))

    # --- OPCO ------------------------------------------------------------------------------------
    def _opco_file(self, plan: ContractPlan) -> OpcoFile | None:
        rng, today, contract = self.rng, self.today, plan.obj
        if plan.status not in (ContractStatus.SENT_TO_OPCO, *DECIDED):
            return None  # drafts and signed contracts have not been sent yet
        # Due 5 working days after the start; a few files go late (an "OPCO delay" to show).
        sent = min(self.days_after(plan.start, 0, 4 if rng.random() < 0.9 else 12), today)
        file = OpcoFile(contract=contract, opco=contract.company.opco, sent_date=sent)
        if plan.status == ContractStatus.SENT_TO_OPCO:
            if plan.params.get("complete_days_ago"):
                file.complete_file_date = max(sent, today - timedelta(days=plan.params["complete_days_ago"]))
            elif rng.random() < 0.6:
                file.complete_file_date = min(self.days_after(sent, 0, 8), today)
            return file
        file.complete_file_date = min(self.days_after(sent, 0, 6), today)
        file.decision_date = min(self.days_after(file.complete_file_date, 3, 20), today)
        if plan.status == ContractStatus.REFUSED:
            file.decision = OpcoDecision.REFUSED
            return file
        file.decision, file.deposit_number = OpcoDecision.ACCEPTED, deca_number(plan)
        file.npec_amount = self.npec_by_cohort[contract.apprentice.cohort_id]
        participation = self._participation(plan, file)
        if participation is not None:
            # Invoiced (most of the time) a few days after it became due: never before (R6332-25-2).
            file.employer_participation_amount = participation.amount
            invoiced = participation.invoiceable_from and participation.invoiceable_from + timedelta(days=rng.randint(0, 20))
            if invoiced and invoiced <= today and rng.random() < 0.8:
                file.employer_participation_invoiced_date = invoiced
        if plan.rupture_date:
            notified = self.days_after(plan.rupture_date, 1, 8)
            file.rupture_notified_date = notified if notified <= today else None
        return file

    def _participation(self, plan: ContractPlan, file: OpcoFile) -> funding.EmployerParticipation | None:
        """The employer participation by the product's own rules (``contracts.funding``): the rule
        in force at the conclusion, level 6 and above, due after the 45th company day of the
        cohort's calendar with the OF closures the demo creates (``seed_calendar``), reduced by a
        rupture within those days, 200 € after a rupture with another employer."""
        contract = plan.obj
        rule = funding.rule_in_force(self.funding_rules, funding.funding_reference_date(
            signature_date=contract.signature_date, start_date=contract.start_date))
        if rule is None:
            return None
        cohort = self.cohort_by_id[contract.apprentice.cohort_id]
        calendar = practical.PracticalCalendar(
            pattern=cohort.rhythm_pattern, cohort_start=cohort.start_date, cohort_end=cohort.end_date, closures=self.demo_closures,
        )
        start = practical.practical_start(practical_training_start_date=contract.practical_training_start_date, start_date=contract.start_date)
        previous = plan.previous
        return funding.employer_participation(
            rule, start=contract.start_date, programme_level=contract.programme.level,
            free_period_end=practical.free_period_end(start, self.free_period_days, calendar=calendar),
            rupture_date=plan.rupture_date, npec=file.npec_amount,
            after_rupture_with_another_employer=(
                previous is not None and previous.rupture_date is not None and previous.obj.company.siren != contract.company.siren
            ),
        )

    def _instalments(self, plan: ContractPlan, file: OpcoFile) -> list[OpcoInstalment]:
        """Instalments of every contract year already started (future ones of that year included)."""
        rng, today = self.rng, self.today
        stop = plan.rupture_date or plan.end
        instalments, year, year_start = [], 1, plan.start
        while year <= 4 and year_start <= min(stop, today):
            year_end = min(add_months(year_start, 12) - timedelta(days=1), stop)
            dues = {
                InstalmentKind.ADVANCE: max(year_start, file.decision_date) + timedelta(days=30),
                InstalmentKind.MONTH_7: add_months(year_start, 6),
                InstalmentKind.MONTH_10: add_months(year_start, 9),
                InstalmentKind.BALANCE: year_end,
            }
            for kind, percent in FUNDING_SCHEDULE:
                due = dues[kind]
                if due > year_end and kind != InstalmentKind.BALANCE:
                    continue  # the contract stopped before this instalment
                invoiced = due - timedelta(days=30) if kind == InstalmentKind.ADVANCE else due - timedelta(days=rng.randint(0, 5))
                instalment = OpcoInstalment(
                    opco_file=file, contract_year=year, kind=kind, percent=percent,
                    amount=(file.npec_amount * percent / 100).quantize(Decimal("0.01")), due_date=due,
                )
                if invoiced <= today and rng.random() < 0.9:
                    instalment.invoiced_date = invoiced
                    paid = self.days_after(invoiced, 10, 45)
                    if paid <= today and rng.random() < 0.85:
                        instalment.paid_date = paid
                self._catch_up(instalment, invoiced)
                if instalment.invoiced_date is not None:
                    # The OF's invoice number, as the OPCO board shows it (no draw: the rest of the demo is unchanged).
                    self._invoice_count = getattr(self, "_invoice_count", 0) + 1
                    instalment.invoice_number = f"FAC-{instalment.invoiced_date:%Y}-{self._invoice_count:05d}"
                instalments.append(instalment)
            year, year_start = year + 1, add_months(plan.start, 12 * year)
        return instalments

    def _catch_up(self, instalment: OpcoInstalment, invoiced: date) -> None:
        """Most instalments are invoiced when due and paid within weeks: only about one in eight
        that the draw above left behind stays late (what the OPCO board and the opco_delay rule
        are for). Deterministic, without drawing again, so the rest of the demo is unchanged."""
        self._instalment_count = getattr(self, "_instalment_count", 0) + 1
        if self._instalment_count % 8 == 0:
            return
        if instalment.invoiced_date is None and invoiced <= self.today:
            instalment.invoiced_date = invoiced
        if instalment.invoiced_date is not None and instalment.paid_date is None:
            paid = instalment.invoiced_date + timedelta(days=21)
            if paid <= self.today:
                instalment.paid_date = paid

    def create_opco(self) -> None:
        self.npec_by_cohort = {c.obj.pk: c.spec.npec for c in self.plan.cohorts}
        self.cohort_by_id = {c.obj.pk: c.obj for c in self.plan.cohorts}
        self.funding_rules = list(FundingRule.objects.all())
        self.free_period_days = ContractSettings.load().free_period_company_days
        # The OF-wide closures ``seed_calendar`` creates afterwards (previous, current, next school year).
        current = planning.school_year_of(self.today)
        self.demo_closures = tuple(sorted(
            (start, end) for year in (current - 1, current, current + 1)
            for _label, start, end in (christmas_closure(year), summer_closure(year))
        ))
        pairs = [(plan, file) for plan in self.plan.contracts if (file := self._opco_file(plan)) is not None]
        self.files = bulk(OpcoFile, [file for _, file in pairs])
        self.file_by_contract = {file.contract_id: file for file in self.files}
        instalments = []
        for plan, file in pairs:
            if file.decision == OpcoDecision.ACCEPTED:
                instalments.extend(self._instalments(plan, file))
        bulk(OpcoInstalment, instalments)

    # --- attendance ------------------------------------------------------------------------------
    def create_attendance(self) -> None:
        """Register of the last weeks: half-days at the OF by rhythm, a few absences and lateness.

        About 20 rows per learner (430 000 at 20 000 learners): written as plain tuples with
        ``executemany`` rather than model instances, which would take most of the seeding time.
        """
        rng, today = self.rng, self.today
        window = [today - timedelta(days=d) for d in range(ATTENDANCE_WEEKS * 7, 0, -1)]
        days_by_cohort = {
            c.index: [d for d in window if c.start <= d <= c.end and is_training_day(d, c.start, c.spec.rhythm[1].split("|"))]
            for c in self.plan.cohorts if c.kind != ENDED
        }
        db_day = {day: connection.ops.adapt_datefield_value(day) for day in window}
        recorded_at = connection.ops.adapt_datetimefield_value(aware(today, 8))
        justifications = [JustificationStatus.NONE, JustificationStatus.PENDING, JustificationStatus.ACCEPTED, JustificationStatus.REFUSED]
        rows: list[tuple] = []
        for plan in self.plan.apprentices:
            if plan.cohort.kind == ENDED:
                continue
            apprentice_id, tutor_id = plan.obj.pk, plan.cohort.obj.referent_tutor_id
            last = plan.exclusion - timedelta(days=1) if plan.exclusion else today
            fragile = rng.random() < 0.1
            p_absent, p_late = (rng.uniform(0.1, 0.25), 0.08) if fragile else (0.02, 0.03)
            for day in days_by_cohort[plan.cohort.index]:
                if day < plan.training_start or day > last:
                    continue
                for half in (HalfDay.MORNING, HalfDay.AFTERNOON):
                    status, minutes, justification, reason = AttendanceStatus.PRESENT, 0, JustificationStatus.NONE, ""
                    draw = rng.random()
                    if draw < p_absent:
                        status, justification = AttendanceStatus.ABSENT, rng.choices(justifications, weights=[35, 15, 40, 10])[0]
                        if justification != JustificationStatus.NONE:
                            reason = rng.choice(ref.ABSENCE_REASONS)
                    elif draw < p_absent + p_late:
                        status, minutes = AttendanceStatus.LATE, rng.choice((5, 10, 15, 20, 30, 45))
                    rows.append((apprentice_id, db_day[day], str(half), str(status), minutes, str(justification), reason,
                                 tutor_id, recorded_at, ""))
        insert_rows(AttendanceRecord, ATTENDANCE_COLUMNS, rows)

    # --- visits ----------------------------------------------------------------------------------
    def _done_visit(self, visit: Visit, day: date, risk: bool) -> Visit:
        rng = self.rng
        visit.done_date, visit.mode = day, rng.choices([VisitMode.ON_SITE, VisitMode.REMOTE, VisitMode.PHONE], weights=[70, 20, 10])[0]
        score = 1 if risk else rng.randint(2, 4)
        visit.grid_answers = {
            criterion: {"score": max(1, min(4, score + rng.randint(-1, 1))), "comment": ""}
            for criterion in ("integration", "missions", "autonomy", "attendance")
        }
        visit.report = rng.choice(ref.VISIT_REPORTS)
        visit.master_feedback = "Satisfait·e dans l'ensemble." if not risk else "Inquiétude sur la suite du contrat."
        visit.actions_agreed = "Point téléphonique dans un mois." if risk else ""
        if risk:
            visit.at_risk, visit.risk_comment = True, rng.choice(ref.RISK_COMMENTS)
        return visit

    def create_visits(self) -> None:
        """First visit within the 45-day period, then a review every ~5 months; some due, some overdue."""
        rng, today = self.rng, self.today
        visits = []
        for plan in self.plan.contracts:
            if plan.status not in (ContractStatus.IN_PROGRESS, ContractStatus.BROKEN, ContractStatus.ENDED):
                continue
            contract, apprentice = plan.obj, plan.obj.apprentice
            tutor, stop = apprentice.cohort.referent_tutor, plan.rupture_date or plan.end
            day, number = contract.practical_training_start_date + timedelta(days=rng.randint(20, 40)), 0
            own: list[Visit] = []
            while day <= stop and day <= today + timedelta(days=45):
                kind = VisitKind.FIRST if number == 0 else (VisitKind.MID_TERM_REVIEW if number == 2 else VisitKind.FOLLOW_UP)
                # Visits are planned and made on working days, whatever day the demo is loaded on.
                planned = working_day_on_or_after(day)
                visit = Visit(apprentice=apprentice, contract=contract, tutor=tutor, kind=kind, planned_date=planned)
                if planned < today and rng.random() < 0.9:
                    done = planned + timedelta(days=rng.randint(-3, 3)) if planned < today - timedelta(days=3) else planned
                    self._done_visit(visit, working_day_on_or_before(done), risk=rng.random() < 0.05)
                own.append(visit)
                day, number = day + timedelta(days=rng.randint(130, 170)), number + 1
            if plan.status == ContractStatus.BROKEN:
                done = [v for v in own if v.done_date]
                if done and not done[-1].at_risk:  # the rupture had been sensed at the last visit
                    done[-1].at_risk, done[-1].risk_comment = True, rng.choice(ref.RISK_COMMENTS)
                own = [v for v in own if v.done_date]  # no visit left to plan after a rupture
            elif plan.status == ContractStatus.ENDED:
                own = [v for v in own if v.done_date]
                end_review = Visit(apprentice=apprentice, contract=contract, tutor=tutor, kind=VisitKind.END_REVIEW,
                                   planned_date=working_day_on_or_before(plan.end - timedelta(days=20)))
                own.append(self._done_visit(end_review, working_day_on_or_before(plan.end - timedelta(days=rng.randint(10, 30))), risk=False))
            visits.extend(own)
        bulk(Visit, visits)

    # --- CRM -------------------------------------------------------------------------------------
    def create_interactions(self) -> None:
        rng, today = self.rng, self.today
        contacts_by_company: dict[int, list] = {}
        for contact in self.org.contacts:
            contacts_by_company.setdefault(contact.company_id, []).append(contact)
        apprentices_by_company: dict[int, list[Apprentice]] = {}
        for contract in self.org.contracts:
            apprentices_by_company.setdefault(contract.company_id, []).append(contract.apprentice)
        interactions = []
        for company in self.org.companies:
            for _ in range(rng.randint(1, 4)):
                occurred = working_day_on_or_before(today - timedelta(days=rng.randint(1, 150)))  # the CRE's working days
                interaction = Interaction(
                    company=company, contact=rng.choice(contacts_by_company[company.pk]),
                    apprentice=rng.choice(apprentices_by_company[company.pk]) if company.pk in apprentices_by_company and rng.random() < 0.5 else None,
                    kind=rng.choice(InteractionKind.values), outcome=rng.choices(InteractionOutcome.values, weights=[40, 45, 15])[0],
                    occurred_at=aware(occurred, rng.randint(8, 17), rng.choice((0, 15, 30, 45))), author=company.owner_cre,
                    summary=rng.choice(ref.INTERACTION_SUMMARIES),
                )
                if rng.random() < 0.5:  # next follow-up: some overdue, some to come
                    interaction.next_follow_up = working_day_on_or_after(occurred + timedelta(days=rng.randint(7, 60)))
                    interaction.follow_up_done = interaction.next_follow_up < today and rng.random() < 0.6
                interactions.append(interaction)
        bulk(Interaction, interactions)

    # --- situations the nightly rules must find, then the alerts they raise -------------------
    def create_situations(self) -> None:
        """Make sure the rarer situations exist whatever the seed and size (style: the demo shows
        every alert kind): a maître d'apprentissage supervising one apprentice too many, and a few
        learners with a run of unjustified absences at the OF."""
        today = self.today
        by_company: dict[int, list[Contract]] = {}
        for plan in self.plan.contracts:
            contract = plan.obj
            if plan.status in ACTIVE_CONTRACT_STATUSES and contract.start_date <= today <= contract.end_date:
                by_company.setdefault(contract.company_id, []).append(contract)
        crowded = next((contracts for contracts in by_company.values() if len({c.apprentice_id for c in contracts}) >= 3), None)
        if crowded:  # the third apprentice's contract names the first one's master: 3 apprentices for 1 master
            first, third = crowded[0], crowded[2]
            if third.master_id != first.master_id:
                third.master_id = first.master_id
                Contract.objects.filter(pk=third.pk).update(master_id=first.master_id)
        # The last three OF days of a few learners under contract: absent all day, no proof.
        under_contract = [p.obj.pk for p in self.plan.apprentices if p.status == ApprenticeStatus.UNDER_CONTRACT]
        absentees = under_contract[1:1 + max(2, len(self.plan.apprentices) // 150)]
        for apprentice_id in absentees:
            days = list(AttendanceRecord.objects.filter(apprentice_id=apprentice_id).order_by("-day").values_list("day", flat=True).distinct()[:3])
            AttendanceRecord.objects.filter(apprentice_id=apprentice_id, day__in=days).update(
                status=AttendanceStatus.ABSENT, minutes_late=0, justification=JustificationStatus.NONE, reason="",
            )

    def create_alerts(self) -> None:
        """Run the nightly rules on the demo (the same reconciliation as the Celery task), then show
        the lifecycle: one alert validated by the coordinator, one assigned to a CRE."""
        from alerts import services as alert_services

        if max(self.portfolio_sizes(), default=0) <= RuleSettings._meta.get_field("cre_max_active_contracts").default:
            # A small demo has fewer active contracts than one CRE may hold (100): lower the
            # threshold just under the largest portfolio so that the overload alert shows too.
            RuleSettings.objects.update_or_create(pk=1, defaults={"cre_max_active_contracts": max(1, max(self.portfolio_sizes(), default=1) - 1)})
        alert_services.nightly_run(today=self.today, trigger="seed_demo")
        coordinator, cre = self.org.users[Role.COORDINATOR][0], self.org.users[Role.CRE][0]
        first = Alert.objects.filter(status=AlertStatus.NEW).order_by("rule_code", "pk").first()
        if first is not None:
            alert_services.alert_validate(alert=first, by=coordinator, comment="Vu en réunion d'équipe.")
        portfolio_alert = Alert.objects.filter(status=AlertStatus.NEW, company__owner_cre=cre).order_by("rule_code", "pk").first()
        if portfolio_alert is not None:
            alert_services.alert_assign(alert=portfolio_alert, assignee=cre, by=coordinator)

    def portfolio_sizes(self) -> list[int]:
        sizes: Counter[int] = Counter()
        for plan in self.plan.contracts:
            if plan.status in ACTIVE_CONTRACT_STATUSES:
                sizes[plan.obj.company.owner_cre_id] += 1
        return list(sizes.values())

    def create_all(self) -> None:
        self.create_records()
        self.create_alerts()

    def create_records(self) -> None:
        """Everything but the alerts, which the nightly rules raise from all of it (the caller may
        add records in between: the extranet's justifications change the register)."""
        self.create_opco()
        self.create_attendance()
        self.create_visits()
        self.create_interactions()
        self.create_situations()
