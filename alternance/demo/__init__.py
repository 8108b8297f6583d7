"""Demo organisation for ``manage.py seed_demo``: a realistic CFA, deterministic for a given seed.

Why bulk writes here, when the house style says services do every write: the services validate
and save one row at a time (``full_clean()``, history rows, ``on_commit`` side effects such as
emails and tasks). Seeding tens of thousands of rows that way would take far too long and would
fire notifications for fake people. The demo instead builds coherent objects in memory and writes
them with ``bulk_create`` inside one transaction; its tests run ``full_clean()`` on what it
generates, so the data stays valid for the services that will edit it afterwards.

Dates are relative to the ``today`` passed in, so the demo always shows current situations
(contracts ending next week, a rupture two weeks ago, learners near the 3-month limit…).
"""

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.db import transaction

from alternance.demo.builder import COORDINATOR_EMAIL, OrganisationBuilder
from alternance.demo.followup import FollowUpBuilder
from alternance.demo.plan import MIN_APPRENTICES, plan_organisation
from alternance.history.services import system_actor
from alternance.models import User

DEFAULT_APPRENTICES = 300
DEFAULT_SEED = 42
# Models counted in the summary, in the order they are created.
SUMMARY_MODELS = (
    "alternance.User", "alternance.Programme", "alternance.CompetenceBlock", "alternance.Site", "alternance.Cohort", "companies.Company", "companies.CompanyContact",
    "alternance.Apprentice", "contracts.Contract", "contracts.OpcoFile", "contracts.OpcoInstalment",
    "alternance.AttendanceRecord", "alternance.ClosurePeriod", "alternance.KeyDate", "alternance.SessionSignature", "alternance.TrainingSession", "alternance.Visit", "companies.Interaction", "alerts.Alert",
    "alternance.Candidate", "companies.Offer", "companies.Placement", "contracts.ContractStatusChange",
    "contracts.SignatureRequest", "auditlog.LogEntry",
)

__all__ = ["DEFAULT_APPRENTICES", "DEFAULT_SEED", "MIN_APPRENTICES", "DemoResult", "demo_exists", "seed_demo"]


@dataclass(frozen=True)
class DemoResult:
    counts: dict[str, int]  # verbose_name_plural → rows in the database
    seconds: float


def demo_exists() -> bool:
    """The demo is considered present once its coordinator account exists (the command is then a no-op)."""
    return User.objects.filter(email=COORDINATOR_EMAIL).exists()


def seed_demo(*, apprentices: int = DEFAULT_APPRENTICES, seed: int = DEFAULT_SEED, today: date,
              with_extranet: bool = True) -> DemoResult:
    """Create the whole demo organisation in one transaction. Callers check ``demo_exists()`` first.
    ``with_extranet=False`` leaves out the calendar, justification and evaluation records (tests of
    those seeders start from the organisation alone)."""
    if apprentices < MIN_APPRENTICES:
        raise ValueError(f"apprentices must be at least {MIN_APPRENTICES}")
    started = time.perf_counter()
    # One private generator: the global random module and Faker's state are never touched.
    rng = random.Random(seed)
    with transaction.atomic(), system_actor("demo"):
        # Reference rows the migrations load (a database flushed by tests has lost them).
        from alternance.tutoring.evaluations import employer_criteria_install_standard
        from alternance.tutoring.services import visit_criteria_install_standard
        from contracts.reference_data import ensure_reference_data

        ensure_reference_data()
        visit_criteria_install_standard()
        employer_criteria_install_standard()
        organisation = OrganisationBuilder(plan=plan_organisation(apprentices, rng, today), rng=rng, today=today)
        organisation.create_staff()
        organisation.create_training()
        organisation.create_companies()
        organisation.create_apprentices()
        organisation.create_contracts()
        follow_up = FollowUpBuilder(organisation)
        follow_up.create_records()
        # Each contract's status history, from the draft to its current status (issue 14 §9).
        from alternance.demo.contract_history import seed_contract_history

        seed_contract_history(today=today)
        if with_extranet:
            # The extranet's records: calendars (closures, key dates), absence justifications with
            # their proofs, the employer's part of past visits — before the nightly rules run.
            from alternance.demo.absences import seed_absences
            from alternance.demo.calendar import seed_calendar
            from alternance.demo.evaluations import seed_evaluations

            seed_calendar(today=today)
            # Training sessions (issue 19 §1), generated from the calendars once the closures exist.
            from alternance.demo.sessions import seed_sessions

            seed_sessions(today=today)
            seed_absences(today=today)
            # The sign-in sheets of the last weeks (issue 19 §2), from the register the demo wrote.
            from alternance.demo.signin import seed_signin

            seed_signin(today=today)
            seed_evaluations(today=today)
            # Admissions (issue 13 §1): candidates at every stage, one enrolled without a company.
            from alternance.demo.admissions import seed_admissions

            seed_admissions(today=today)
            # The placement desk (offers, placements at every step, a hire handed to the
            # administrative team) and signature requests in every state (issue 14 §9).
            from alternance.demo.pipeline import seed_pipeline
            from alternance.demo.signatures import seed_signatures

            seed_pipeline(today=today)
            seed_signatures(today=today)
        # The register was bulk-inserted: its tallies, for the dashboard, before the rules run.
        from alternance.attendance.tallies import tally_refresh_days

        tally_refresh_days(start=today - timedelta(days=400), end=today + timedelta(days=400))
        # The contracts were bulk-inserted too: each one's 45th company day, on the calendars now complete.
        # Then the OPCO board's lines of every contract, once (the bulk inserts sent no signal).
        from alternance.planning import free_period
        from contracts import opco_board
        from contracts.models import Contract

        free_period.free_period_ends_refresh(Contract.objects.all(), keep_board=False)
        opco_board.refresh_all()
        follow_up.create_alerts()
        # A believable history of changes: past edits by the named demo accounts (issue 13 §4).
        from alternance.demo.history import seed_history

        seed_history(rng=rng, today=today)
    counts = {}
    for label in SUMMARY_MODELS:
        model = apps.get_model(label)
        counts[str(model._meta.verbose_name_plural)] = model.objects.count()
    return DemoResult(counts=counts, seconds=time.perf_counter() - started)
