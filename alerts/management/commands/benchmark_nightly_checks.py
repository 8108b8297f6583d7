"""``manage.py benchmark_nightly_checks``: time and query count of each rule on the current database.

Prints, per rule, the time to compute its findings, the time to reconcile them (dry run by
default: nothing written) and the number of queries, then the total. Performance is measured
here, not asserted in tests (style, Tests).
"""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts import services
from alerts.management.commands.run_nightly_checks import parse_day
from alerts.rules import get_rules
from alternance.models import Apprentice
from contracts.models import Contract


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = _("Mesure la durée de chaque règle d'alerte (calcul, rapprochement) sur la base courante.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="day", default=None, help=_("Date de référence AAAA-MM-JJ (défaut : aujourd'hui)."))
        parser.add_argument(
            "--write", action="store_true",
            help=_("Mesurer aussi l'écriture des alertes (dans une transaction annulée à la fin : la base reste inchangée)."),
        )

    def handle(self, *args, day: str | None = None, write: bool = False, **options) -> None:
        today = parse_day(day)
        self.stdout.write(_("Base %(vendor)s : %(apprentices)s apprenti·es, %(contracts)s contrats ; date de référence %(day)s") % {
            "vendor": connection.vendor, "apprentices": Apprentice.objects.count(), "contracts": Contract.objects.count(),
            "day": today.strftime("%d/%m/%Y"),
        })
        context = services.rule_context(today)
        now, total = timezone.now(), 0.0
        try:
            with transaction.atomic():
                for rule in get_rules():
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        findings = rule(context)
                        computed = time.perf_counter()
                    rule_queries = len(queries)
                    outcome = services.reconcile_rule(rule=rule, findings=findings, today=today, now=now, dry_run=not write)
                    done = time.perf_counter()
                    total += done - started
                    self.stdout.write(
                        f"{rule.code:<16} {computed - started:7.2f} s règle ({rule_queries} requêtes), "
                        f"{done - computed:6.2f} s rapprochement — {len(findings)} constat(s), "
                        f"{outcome.raised} à lever, {outcome.still_open} ouvertes, {outcome.resolved} à résoudre"
                    )
                self.stdout.write(_("Total : %(seconds).2f s") % {"seconds": total})
                if write:
                    raise Rollback
        except Rollback:
            self.stdout.write(_("Écritures annulées : la base est inchangée."))
