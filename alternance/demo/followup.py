"""Follow-up records of the demo: OPCO files and instalments, attendance, visits, CRM log, open alerts.

Everything is dated relative to ``today`` and consistent with the contract and learner statuses
(an accepted OPCO file has its decision date, a broken contract's last visit flagged the risk…).
"""

from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from alerts.choices import AlertStatus, ConcernedRole, Severity
from alerts.models import Alert
from alternance.choices import (
    ApprenticeStatus,
    AttendanceStatus,
    HalfDay,
    JustificationStatus,
    QualificationLevel,
    Role,
    VisitKind,
    VisitMode,
)
from alternance.demo import reference as ref
from alternance.demo.builder import BATCH_SIZE, OrganisationBuilder, bulk, deca_number
from alternance.demo.dates import add_months, is_training_day
from alternance.demo.plan import ENDED, ContractPlan
from alternance.models import Apprentice, AttendanceRecord, Visit
from companies.choices import InteractionKind, InteractionOutcome
from companies.models import Interaction
from contracts.choices import ContractStatus, InstalmentKind, OpcoDecision
from contracts.models import Contract, OpcoFile, OpcoInstalment

ATTENDANCE_WEEKS = 8
# Contracts concluded from 1 July 2025: 40/30/20/10 % per contract year; employer participation
# of 750 € for level 6 and above (domain §4, [check]).
FUNDING_SCHEDULE = (
    (InstalmentKind.ADVANCE, Decimal("40")), (InstalmentKind.MONTH_7, Decimal("30")),
    (InstalmentKind.MONTH_10, Decimal("20")), (InstalmentKind.BALANCE, Decimal("10")),
)
EMPLOYER_PARTICIPATION_FROM = date(2025, 7, 1)
DECIDED = (ContractStatus.ACCEPTED, ContractStatus.REFUSED, ContractStatus.IN_PROGRESS, ContractStatus.ENDED, ContractStatus.BROKEN)


ATTENDANCE_COLUMNS = (
    "apprentice", "day", "half", "status", "minutes_late", "justification", "reason", "recorded_by", "recorded_at",
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
        self.unjustified_last_30_days: Counter[int] = Counter()  # apprentice index → count (absence alert)

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
        if contract.programme.level >= QualificationLevel.LEVEL_6 and plan.start >= EMPLOYER_PARTICIPATION_FROM:
            file.employer_participation_amount = Decimal("750.00")
            invoiced = contract.practical_training_start_date + timedelta(days=45 + rng.randint(0, 20))
            if invoiced <= today and rng.random() < 0.8:
                file.employer_participation_invoiced_date = invoiced
        if plan.rupture_date:
            notified = self.days_after(plan.rupture_date, 1, 8)
            file.rupture_notified_date = notified if notified <= today else None
        return file

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
                instalments.append(instalment)
            year, year_start = year + 1, add_months(plan.start, 12 * year)
        return instalments

    def create_opco(self) -> None:
        self.npec_by_cohort = {c.obj.pk: c.spec.npec for c in self.plan.cohorts}
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
        recent = today - timedelta(days=30)
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
                        if day >= recent and justification in (JustificationStatus.NONE, JustificationStatus.REFUSED):
                            self.unjustified_last_30_days[plan.index] += 1
                    elif draw < p_absent + p_late:
                        status, minutes = AttendanceStatus.LATE, rng.choice((5, 10, 15, 20, 30, 45))
                    rows.append((apprentice_id, db_day[day], str(half), str(status), minutes, str(justification), reason,
                                 tutor_id, recorded_at))
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
                visit = Visit(apprentice=apprentice, contract=contract, tutor=tutor, kind=kind, planned_date=day)
                if day < today and rng.random() < 0.9:
                    self._done_visit(visit, day + timedelta(days=rng.randint(-3, 3)) if day < today - timedelta(days=3) else day,
                                     risk=rng.random() < 0.05)
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
                                   planned_date=plan.end - timedelta(days=20))
                own.append(self._done_visit(end_review, plan.end - timedelta(days=rng.randint(10, 30)), risk=False))
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
                occurred = today - timedelta(days=rng.randint(1, 150))
                interaction = Interaction(
                    company=company, contact=rng.choice(contacts_by_company[company.pk]),
                    apprentice=rng.choice(apprentices_by_company[company.pk]) if company.pk in apprentices_by_company and rng.random() < 0.5 else None,
                    kind=rng.choice(InteractionKind.values), outcome=rng.choices(InteractionOutcome.values, weights=[40, 45, 15])[0],
                    occurred_at=aware(occurred, rng.randint(8, 17), rng.choice((0, 15, 30, 45))), author=company.owner_cre,
                    summary=rng.choice(ref.INTERACTION_SUMMARIES),
                )
                if rng.random() < 0.5:  # next follow-up: some overdue, some to come
                    interaction.next_follow_up = occurred + timedelta(days=rng.randint(7, 60))
                    interaction.follow_up_done = interaction.next_follow_up < today and rng.random() < 0.6
                interactions.append(interaction)
        bulk(Interaction, interactions)

    # --- alerts ----------------------------------------------------------------------------------
    def create_alerts(self) -> None:
        """A handful of open alerts per rule, as the nightly rules would have raised them."""
        today, per_rule = self.today, max(3, len(self.plan.apprentices) // 100)
        apprentice_type, contract_type = ContentType.objects.get_for_model(Apprentice), ContentType.objects.get_for_model(Contract)
        users = self.org.users
        alerts: list[Alert] = []

        def add(rule: str, subject, *, title: str, facts: dict, action: str, role: str, severity: str, contract=None) -> None:
            apprentice = subject if isinstance(subject, Apprentice) else subject.apprentice
            alerts.append(Alert(
                rule_code=rule, severity=severity, subject_type=apprentice_type if isinstance(subject, Apprentice) else contract_type,
                subject_id=subject.pk, subject_label=str(subject)[:255], apprentice=apprentice,
                company=contract.company if contract else None, contract=contract, title=title, facts=facts,
                recommended_action=action, concerned_role=role, raised_at=aware(today - timedelta(days=len(alerts) % 5), 2),
            ))

        seeking = [p for p in self.plan.apprentices if p.status == ApprenticeStatus.SEEKING and (today - p.status_since).days >= 75]
        for plan in seeking[:per_rule]:
            days = (today - plan.status_since).days
            add("apprentice_without_company", plan.obj, title=f"Sans entreprise depuis {days} jours (limite : 3 mois)",
                facts={"days_without_company": days}, action="Proposer des entreprises du portefeuille et organiser des entretiens.",
                role=ConcernedRole.CRE, severity=Severity.CRITICAL if days >= 90 else Severity.WARNING)
        rupturants = [p for p in self.plan.apprentices if p.status == ApprenticeStatus.RUPTURANT and (today - p.status_since).days >= 120]
        for plan in rupturants[:per_rule]:
            days = (today - plan.status_since).days
            add("rupturant_six_months", plan.obj, title=f"Rupturant·e depuis {days} jours (limite : 6 mois)",
                facts={"days_since_rupture": days}, action="Relancer la recherche d'entreprise avant la fin des 6 mois.",
                role=ConcernedRole.CRE, severity=Severity.CRITICAL)
        absent = [p for p in self.plan.apprentices if self.unjustified_last_30_days[p.index] >= 3]
        for plan in absent[:per_rule]:
            count = self.unjustified_last_30_days[plan.index]
            add("unjustified_absences", plan.obj, title=f"{count} demi-journées d'absence non justifiées en 30 jours",
                facts={"absences": count, "window_days": 30}, action="Appeler l'apprenti·e et prévenir l'employeur.",
                role=ConcernedRole.TUTOR, severity=Severity.WARNING)
        overdue = [f for f in self.files if f.decision == OpcoDecision.PENDING and f.complete_file_date
                   and (today - f.complete_file_date).days > 20]
        for file in overdue[:per_rule]:
            days = (today - file.complete_file_date).days
            add("opco_decision_overdue", file.contract, contract=file.contract, title=f"Pas de décision de l'OPCO {days} jours après le dossier complet",
                facts={"days_since_complete_file": days, "opco": file.opco}, action="Relancer l'OPCO (le silence vaut refus).",
                role=ConcernedRole.ADMIN_STAFF, severity=Severity.CRITICAL)
        ending = [p.obj for p in self.plan.contracts if p.status == ContractStatus.IN_PROGRESS and p.end <= today + timedelta(days=60)]
        for contract in ending[:per_rule]:
            days = (contract.end_date - today).days
            add("contract_ending_soon", contract, contract=contract, title=f"Fin de contrat dans {days} jours",
                facts={"days_left": days}, action="Préparer le bilan de fin de formation et la suite du parcours.",
                role=ConcernedRole.TUTOR, severity=Severity.INFO)
        # Show the lifecycle: one alert validated by the coordinator, one assigned to a CRE.
        if len(alerts) >= 2:
            alerts[0].status, alerts[0].validated_at, alerts[0].validated_by = AlertStatus.VALIDATED, aware(today, 9), users[Role.COORDINATOR][0]
            alerts[1].status, alerts[1].assignee = AlertStatus.ASSIGNED, users[Role.CRE][0]
            alerts[1].validated_at, alerts[1].validated_by = aware(today, 9), users[Role.COORDINATOR][0]
        bulk(Alert, alerts)

    def create_all(self) -> None:
        self.create_opco()
        self.create_attendance()
        self.create_visits()
        self.create_interactions()
        self.create_alerts()
