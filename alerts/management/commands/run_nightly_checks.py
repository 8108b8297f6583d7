"""``manage.py run_nightly_checks [--date AAAA-MM-JJ] [--dry-run]``: the nightly rules on demand."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alerts import services
from alerts.choices import RunStatus
from alerts.rules import RULES, get_rules


def parse_day(value: str | date | None) -> date:
    if value is None:
        return timezone.localdate()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("Date invalide « %(value)s » : utilisez le format AAAA-MM-JJ.") % {"value": value}) from None


def outcome_line(outcome: services.RuleOutcome) -> str:
    rule = RULES[outcome.code]
    if outcome.error:
        return _("%(code)s — %(title)s : ERREUR %(error)s") % {"code": outcome.code, "title": rule.title, "error": outcome.error}
    return _("%(code)s — %(title)s : %(raised)s levées, %(open)s toujours ouvertes, %(resolved)s résolues") % {
        "code": outcome.code, "title": rule.title, "raised": outcome.raised, "open": outcome.still_open, "resolved": outcome.resolved,
    }


class Command(BaseCommand):
    help = _("Lance les règles d'alerte (comme la tâche nocturne) et affiche, par règle, les alertes levées, "
             "toujours ouvertes et résolues.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="day", default=None, help=_("Date de référence AAAA-MM-JJ (défaut : aujourd'hui)."))
        parser.add_argument("--dry-run", dest="dry_run", action="store_true", help=_("Calculer sans rien enregistrer."))
        parser.add_argument("--rule", dest="rules", action="append", choices=sorted(RULES), help=_("Ne lancer que cette règle (répétable)."))

    def handle(self, *args, day: str | None = None, dry_run: bool = False, rules: list[str] | None = None, **options) -> None:
        today = parse_day(day)
        get_rules(rules)
        report = services.nightly_run(today=today, dry_run=dry_run, rules=rules, trigger="command")
        if report.status == RunStatus.SKIPPED:
            raise CommandError(_("Une autre vérification est en cours : rien n'a été fait (exécution enregistrée comme ignorée)."))
        head = _("Vérification du %(day)s%(dry)s :") % {
            "day": today.strftime("%d/%m/%Y"), "dry": _(" (simulation, rien n'est enregistré)") if dry_run else "",
        }
        self.stdout.write(head)
        for outcome in report.outcomes:
            self.stdout.write(outcome_line(outcome))
        total = {key: sum(getattr(o, key) for o in report.outcomes) for key in ("raised", "still_open", "resolved")}
        self.stdout.write(_("Total : %(raised)s levées, %(still_open)s toujours ouvertes, %(resolved)s résolues.") % total)
        if report.errors:
            raise CommandError(ngettext("%(count)s règle en erreur : voir ci-dessus.", "%(count)s règles en erreur : voir ci-dessus.", len(report.errors)) % {"count": len(report.errors)})
