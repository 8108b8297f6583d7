"""Time the steering dashboard and the weekly meeting page: ``manage.py benchmark_dashboard``.

    python manage.py benchmark_dashboard [--runs 7] [--json PATH]

A shortcut for ``benchmark_pages --role coordinator --only Pilotage --only "Réunion hebdomadaire"``
(issue 18 §3): same lines (queries, median, p90, ratio to the trivial page), same rules.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from alternance.choices import Role

PAGES = ("Pilotage", "Réunion hebdomadaire")


class Command(BaseCommand):
    help = "Mesure le tableau de pilotage et la réunion hebdomadaire face à une page triviale (voir benchmark_pages)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7)
        parser.add_argument("--json", dest="json_path", default="", metavar="CHEMIN")

    def handle(self, *args, runs: int, json_path: str, **options):
        call_command(
            "benchmark_pages",
            runs=runs,
            json_path=json_path,
            only=list(PAGES),
            role=[Role.COORDINATOR],
            stdout=self.stdout._out,
            stderr=self.stderr._out,
        )
