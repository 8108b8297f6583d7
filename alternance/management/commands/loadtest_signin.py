"""The sign-in load test's data (issue 19 §4; ``make loadtest-signin``, tests/load/run_signin.sh).

``setup``: on the given database, COHORTS cohorts of SIZE apprentices (accounts
``charge-emargement-<n>@demo.test``, password « demo »), each with a trainer and one morning session
on the first centre day after today, its sign-in opened at 09:00; writes the plan (the day, the
sessions and their trainers, the apprentices' e-mails) as JSON. Created again from scratch at each
run (the previous run's rows are deleted first). ``report``: the signatures per session of the plan,
and exit status 1 unless every apprentice signed exactly once.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from alternance.choices import ApprenticeStatus, Role
from alternance.models import Apprentice, Cohort, Programme, SessionSignature, TrainingSession, User
from alternance.planning import calendar as planning
from alternance.planning.rhythm import CENTRE
from alternance.signin.services import signin_open

PREFIX = "charge-emargement"
COHORT_PREFIX = "Charge émargement"


class Command(BaseCommand):
    help = "Données du test de charge de l'émargement : setup (crée et ouvre les séances) ou report (vérifie les signatures)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=("setup", "report"))
        parser.add_argument("--plan", required=True, help="Fichier JSON du plan (écrit par setup, lu par report).")
        parser.add_argument("--cohorts", type=int, default=5)
        parser.add_argument("--size", type=int, default=40)

    def handle(self, *args, action: str, plan: str, cohorts: int, size: int, **options):
        if action == "setup":
            data = self.setup(cohorts, size)
            Path(plan).write_text(json.dumps(data, indent=1))
            self.stdout.write(f"{cohorts} séances ouvertes le {data['day']} à 09:00, {cohorts * size} apprenti·es.")
        else:
            self.report(json.loads(Path(plan).read_text()))

    @transaction.atomic
    def setup(self, cohorts: int, size: int) -> dict:
        programme = Programme.objects.order_by("pk").first()
        if programme is None:
            raise CommandError("La base n'a aucune formation : lancez d'abord seed_demo.")
        TrainingSession.objects.filter(cohort__name__startswith=COHORT_PREFIX).delete()
        Apprentice.objects.filter(cohort__name__startswith=COHORT_PREFIX).delete()
        Cohort.objects.filter(name__startswith=COHORT_PREFIX).delete()
        User.objects.filter(email__startswith=PREFIX).delete()
        password = make_password("demo")  # hashed once: every account shares it
        today = timezone.localdate()
        plan = {"sessions": [], "apprentices": []}
        day = None
        for number in range(1, cohorts + 1):
            trainer = User.objects.create(email=f"{PREFIX}-formateur-{number}@demo.test",
                                          role=Role.TUTOR, first_name="Formateur", last_name=f"Charge {number}", password=password)
            cohort = Cohort.objects.create(
                programme=programme, name=f"{COHORT_PREFIX} {number}", start_date=today - timedelta(days=30),
                end_date=today + timedelta(days=330), referent_tutor=trainer, rhythm_label="5 jours au centre",
                rhythm_pattern="CCCCC")
            if day is None:
                day = next(d for d, where in sorted(planning.cohort_days(cohort, today + timedelta(days=1), today + timedelta(days=30)).items())
                           if where.place == CENTRE)
            session = TrainingSession.objects.create(cohort=cohort, day=day, start_time=time(9, 0), end_time=time(12, 30),
                                                     trainer=trainer, subject="Test de charge", room=f"Salle {number}")
            signin_open(session=session, by=trainer, now=timezone.make_aware(datetime.combine(day, time(9, 0))))
            plan["sessions"].append({"pk": session.pk, "trainer": trainer.email})
            for index in range(1, size + 1):
                email = f"{PREFIX}-{number}-{index}@demo.test"
                user = User.objects.create(email=email, role=Role.APPRENTICE, first_name=f"Apprenti {index}",
                                           last_name=f"Charge {number}", password=password)
                Apprentice.objects.create(
                    user=user, cohort=cohort, last_name=f"Charge {number}", first_name=f"Apprenti {index}", sex="F",
                    birth_date=today.replace(year=today.year - 20, day=1), birth_department="75", birth_commune="Paris",
                    address="1 rue de la Charge", postal_code="75011", city="Paris", email=email,
                    enrolment_date=cohort.start_date, training_start_date=cohort.start_date, status=ApprenticeStatus.SEEKING,
                    status_since=cohort.start_date)
                plan["apprentices"].append({"email": email, "session": session.pk})
        plan["day"] = day.isoformat()
        return plan

    def report(self, plan: dict) -> None:
        expected = len(plan["apprentices"])
        counts = {s["pk"]: SessionSignature.objects.filter(session_id=s["pk"]).count() for s in plan["sessions"]}
        twice = expected - SessionSignature.objects.filter(session_id__in=counts).values("apprentice").distinct().count()
        total = sum(counts.values())
        self.stdout.write(f"Signatures enregistrées : {total} sur {expected} ({', '.join(str(n) for n in counts.values())} par séance).")
        if total != expected or twice:
            raise CommandError(f"Attendu : {expected} signatures, une par apprenti·e ; trouvé : {total}.")
