"""Hand the outbox to Celery now: ``manage.py dispatch_outbox`` (issue 17 §1).

Celery beat does the same every minute (``alternance.dispatch_outbox``); this command is for a
cron without beat, for an operator after an outage, and for the tests. With ``--reap`` it also marks
failed the jobs whose worker died (``alternance.jobs.jobs_reap``).
"""

from django.core.management.base import BaseCommand
from django.db.models import Count

from alternance import jobs, outbox
from alternance.choices import OutboxStatus
from alternance.models import OutgoingEmail, TaskIntent


class Command(BaseCommand):
    help = "Transmet au service de tâches les tâches et e-mails en attente (et, avec --reap, clôt les traitements orphelins)."

    def add_arguments(self, parser):
        parser.add_argument("--reap", action="store_true", help="Marquer en échec les traitements dont le processus est mort.")

    def handle(self, *args, reap: bool, **options):
        if reap:
            for job in jobs.jobs_reap():
                self.stdout.write(f"Traitement interrompu marqué en échec : {type(job)._meta.verbose_name} n° {job.pk}")
        report = outbox.dispatch_outbox()
        self.stdout.write(f"Tâches transmises : {report.tasks} ; e-mails transmis : {report.emails}.")
        waiting = {
            model._meta.verbose_name_plural: model.objects.filter(status=OutboxStatus.QUEUED).aggregate(n=Count("pk"))["n"]
            for model in (TaskIntent, OutgoingEmail)
        }
        self.stdout.write("Encore en attente : " + " ; ".join(f"{name} {count}" for name, count in waiting.items()) + ".")
        if report.broker_down:
            self.stderr.write("Le service de tâches (Redis) ne répond pas : le reste partira au prochain passage.")
