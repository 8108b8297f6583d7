"""Remove the confidential rupture-risk assessment from the visit reports stored before issue 17 §7:
``manage.py redact_visit_reports``.

Reports stored since the fix are the shared version already; older ones printed the tutor's risk
flag and comment, and the company and the apprentice could download them. Each stored report that
still holds them is replaced in place by the shared version of its visit (same document, same
link). Safe to run again: a report already shared is left as it is.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from alternance.tutoring.pdf import visit_report_redact
from contracts.choices import DocumentKind
from contracts.models import Document


class Command(BaseCommand):
    help = "Retire l'appréciation confidentielle du risque de rupture des comptes rendus de visite déjà enregistrés."

    def handle(self, *args, **options):
        today = timezone.localdate()
        replaced = kept = 0
        for document in Document.objects.filter(kind=DocumentKind.VISIT_REPORT).order_by("pk").iterator():
            try:
                done = visit_report_redact(document=document, today=today)
            except FileNotFoundError:
                self.stderr.write(f"Document n° {document.pk} : fichier introuvable, rien à faire.")
                continue
            except LookupError:
                self.stderr.write(
                    f"Document n° {document.pk} : la visite n'existe plus, le compte rendu ne peut pas être refait — "
                    "supprimez-le si l'entreprise ne doit pas le voir."
                )
                continue
            replaced += done
            kept += not done
        self.stdout.write(f"Comptes rendus remplacés par leur version partagée : {replaced} ; déjà sans appréciation interne : {kept}.")
