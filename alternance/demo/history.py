"""The demo's history of changes (issue 13 §4): edits made by the named demo accounts at past
moments, so that a record's page shows who changed what before anyone used the demo.

Written with one ``bulk_create`` of log entries (a few hundred rows whatever the size of the
demo). Each entry ends on the value the record holds now (« ancienne → actuelle »), dated some
days before ``today`` during office hours, Paris time.
"""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alternance.choices import Role
from alternance.history.services import record_bulk
from alternance.models import Apprentice, Cohort, User
from companies.models import Company, CompanyContact
from contracts.models import Contract

PARIS = ZoneInfo("Europe/Paris")
SAMPLE = 40  # records of each kind given a past edit

OLD_STREETS = ("3 rue de la Gare", "18 avenue Jean Jaurès", "7 impasse des Tilleuls", "25 boulevard Victor Hugo")
OLD_TITLES = ("Technicien", "Chef d'équipe", "Responsable d'atelier", "Assistante de direction")
OLD_RHYTHMS = ("1 semaine CFA / 2 semaines entreprise", "2 jours CFA / 3 jours entreprise")


def _moment(rng: random.Random, today: date, *, max_days: int) -> datetime:
    day = today - timedelta(days=rng.randint(1, max_days))
    while day.weekday() >= 5:  # the office works on weekdays
        day -= timedelta(days=1)
    return datetime.combine(day, time(rng.randint(8, 17), rng.choice((0, 5, 10, 20, 30, 45, 50))), tzinfo=PARIS)


def _phone(rng: random.Random) -> str:
    return f"0{rng.choice((6, 7))} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"


def seed_history(*, rng: random.Random, today: date) -> int:
    """Past edits on apprentices, companies, contacts, contracts and cohorts; returns how many."""
    staff = {role: list(User.objects.filter(role=role, is_active=True).order_by("pk")[:4])
             for role in (Role.COORDINATOR, Role.ADMIN_STAFF, Role.CRE, Role.TUTOR)}
    if not all(staff.values()):
        return 0
    planned: list[tuple[object, dict, User, datetime]] = []

    def edit(obj, changes: dict, *roles: str, max_days: int = 120) -> None:
        planned.append((obj, changes, rng.choice(staff[rng.choice(roles)]), _moment(rng, today, max_days=max_days)))

    for apprentice in Apprentice.objects.select_related("cohort").order_by("pk")[:SAMPLE]:
        choice = rng.randrange(3)
        if choice == 0:
            edit(apprentice, {"phone": (_phone(rng), apprentice.phone)}, Role.ADMIN_STAFF, Role.TUTOR)
        elif choice == 1:
            edit(apprentice, {"address": (rng.choice(OLD_STREETS), apprentice.address)}, Role.ADMIN_STAFF)
        else:
            edit(apprentice, {"email": (f"ancien.{apprentice.email}", apprentice.email), "phone": (_phone(rng), apprentice.phone)},
                 Role.ADMIN_STAFF, Role.COORDINATOR)
    for company in Company.objects.order_by("pk")[:SAMPLE]:
        if company.headcount:
            edit(company, {"headcount": (max(1, company.headcount - rng.randint(1, 5)), company.headcount),
                           "phone": (_phone(rng), company.phone)}, Role.CRE)
        else:
            edit(company, {"phone": (_phone(rng), company.phone)}, Role.CRE)
    for contact in CompanyContact.objects.select_related("company").order_by("pk")[:SAMPLE]:
        if contact.job_title:
            edit(contact, {"job_title": (rng.choice(OLD_TITLES), contact.job_title)}, Role.CRE)
    for contract in Contract.objects.select_related("apprentice", "company").order_by("pk")[:SAMPLE]:
        if contract.pension_fund:
            edit(contract, {"pension_fund": ("", contract.pension_fund)}, Role.ADMIN_STAFF, max_days=60)
    for cohort in Cohort.objects.order_by("pk")[:SAMPLE]:
        old = next((label for label in OLD_RHYTHMS if label != cohort.rhythm_label), OLD_RHYTHMS[0])
        edit(cohort, {"rhythm_label": (old, cohort.rhythm_label)}, Role.COORDINATOR, max_days=200)

    written = 0
    moments = {(type(obj), obj.pk): at for obj, _changes, _author, at in planned}
    for author in sorted({author for _obj, _changes, author, _at in planned}, key=lambda user: user.pk):
        rows = [(obj, changes) for obj, changes, who, _at in planned if who == author]
        written += record_bulk(rows, actor=author, when_of=lambda obj: moments[(type(obj), obj.pk)])
    return written
