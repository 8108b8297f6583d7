"""Time the search box on a large database (issue 13 §3): ``manage.py bench_search``.

Uses the current database (``DATABASE_URL``); seed it first, e.g. ``seed_demo --apprentices 20000``
(``make bench-search`` does both on a throw-away PostgreSQL or SQLite database). Prints, per role
and per kind of query, the median and worst time of ``alternance.search.selectors.search`` (every
group, as the results page runs it) and its number of queries. Figures, never assertions.
"""

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alternance.choices import Role
from alternance.models import Apprentice, User
from alternance.search.selectors import search
from companies.models import Company, CompanyContact
from contracts.models import OpcoFile


class Command(BaseCommand):
    help = "Mesure la recherche (nom, INE, SIRET, téléphone, e-mail) par rôle sur la base courante."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, repeat: int, **options):
        count = Apprentice.objects.count()
        if not count:
            self.stderr.write("La base est vide : lancez d'abord « seed_demo --apprentices 20000 ».")
            return
        sample = Apprentice.objects.exclude(ine="").exclude(phone="").order_by("pk")[count // 2]
        company = Company.objects.order_by("pk")[Company.objects.count() // 2]
        contact = CompanyContact.objects.exclude(user__isnull=True).select_related("user").first()
        deposit = OpcoFile.objects.exclude(deposit_number="").values_list("deposit_number", flat=True).first() or "0692026"
        queries = {
            "nom (préfixe 3 lettres)": sample.last_name[:3],
            "nom + prénom": f"{sample.last_name} {sample.first_name[:3]}",
            "INE": sample.ine,
            "SIRET": company.siret,
            "SIREN": company.siret[:9],
            "téléphone": sample.phone,
            "e-mail (début)": sample.email[:12],
            "n° de dépôt OPCO": deposit[:8],
        }
        users = {
            "coordination": User.objects.filter(role=Role.COORDINATOR, is_active=True).first(),
            "CRE": User.objects.filter(role=Role.CRE, is_active=True).first(),
            "formateur·rice": User.objects.filter(role=Role.TUTOR, is_active=True).first(),
            "employeur": contact.user if contact else None,
        }
        self.stdout.write(f"Base {connection.vendor} : {count} apprenti·es, {Company.objects.count()} entreprises ; "
                          f"{repeat} mesures par cas (médiane / pire, en ms ; requêtes ; résultats).")
        for role, user in users.items():
            if user is None:
                continue
            for label, q in queries.items():
                timings = []
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as ctx:
                        start = time.perf_counter()
                        groups = search(user, q)
                        timings.append((time.perf_counter() - start) * 1000)
                hits = sum(len(g.hits) for g in groups)
                self.stdout.write(f"{role:<15} {label:<24} {statistics.median(timings):7.1f} / {max(timings):7.1f} ms"
                                  f"  {len(ctx.captured_queries)} req.  {hits} résultat(s)")
