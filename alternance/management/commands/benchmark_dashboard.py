"""Time the steering dashboard on the current database, side by side with a trivial page.

    python manage.py benchmark_dashboard [--runs 10] [--email coordination@demo.test]

Each page is fetched ``runs`` times through Django's test client (``force_login``, no network),
after one first request made with an empty cache (its time is printed too: the dashboard keeps its
slow-moving Qualiopi panel an hour); the command prints the median and the slowest time and the
number of SQL queries of one request. Performance is measured here, not asserted in tests (house style).
"""

import statistics
import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from alternance.choices import Role
from alternance.models import Apprentice, User
from contracts.models import Contract


class Command(BaseCommand):
    help = "Mesure le temps de réponse du tableau de pilotage (médiane, requêtes SQL) face à une page triviale."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=10)
        parser.add_argument("--email", default="", help="Compte coordinateur (par défaut : le premier trouvé).")

    def handle(self, *args, runs: int, email: str, **options):
        users = User.objects.filter(role=Role.COORDINATOR, is_active=True)
        user = users.filter(email=email.lower()).first() if email else users.order_by("pk").first()
        if user is None:
            raise CommandError("Aucun compte coordinateur actif : lancez seed_demo ou indiquez --email.")
        self.stdout.write(
            f"Base : {connection.vendor} — {Apprentice.objects.count()} apprenti·es, {Contract.objects.count()} contrats ; "
            f"{runs} requêtes par page ({user.email})"
        )
        pages = [
            ("Page triviale (changement de mot de passe)", reverse("password_change")),
            ("Tableau de pilotage", reverse("dashboard")),
            ("Réunion hebdomadaire", reverse("weekly_meeting")),
        ]
        # DEBUG off: timings without the debug cursor (queries are still captured below).
        with override_settings(ALLOWED_HOSTS=["testserver", "localhost"], DEBUG=False):
            client = Client()
            client.force_login(user)
            self.stdout.write(f"{'Page':<45} {'1re':>10} {'médiane':>10} {'max':>10} {'requêtes':>9}")
            for label, url in pages:
                first, median, slowest, queries = self.measure(client, url, runs)
                self.stdout.write(
                    f"{label:<45} {first * 1000:>8.0f} ms {median * 1000:>8.0f} ms {slowest * 1000:>7.0f} ms {queries:>9}"
                )

    def measure(self, client: Client, url: str, runs: int) -> tuple[float, float, float, int]:
        cache.clear()
        start = time.perf_counter()
        response = client.get(url)  # the first request: empty cache, then settings rows, template cache
        first = time.perf_counter() - start
        if response.status_code != 200:
            raise CommandError(f"{url} a répondu {response.status_code}.")
        # Counted with an execute wrapper: it survives the connection being closed at the end of
        # the request (outside tests), unlike the debug cursor's query log.
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
            client.get(url)
        timings = []
        for _run in range(runs):
            start = time.perf_counter()
            client.get(url)
            timings.append(time.perf_counter() - start)
        return first, statistics.median(timings), max(timings), len(queries)
