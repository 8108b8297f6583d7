"""``python manage.py export_tdb --annee-scolaire 2026-2027 --format xlsx|json --output PATH``

Writes the learners file of the Tableau de bord de l'apprentissage for one school year, after
checking every row against the template's rules, and prints the counts and each rejected row with
its reasons. With ``--format json``, PATH is one JSON file holding a list of batches: each batch
is the body of one ``POST /api/v3/dossiers-apprenants`` call (at most 2 000 records), e.g.
``jq -c '.[]' PATH | while read -r lot; do curl … --data "$lot"; done``.

Exit status 0 when the file is written (even with rejected rows: they are listed); 1 when the
organisation's own settings (UAI, SIRET…) are wrong, in which case no file is written.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from alternance.models import TdbExport
from alternance.tdb.school_year import parse_school_year
from alternance.tdb.services import TdbExportBlocked, tdb_file


class Command(BaseCommand):
    help = "Produit le fichier des apprenti·es pour le Tableau de bord de l'apprentissage (XLSX du modèle ou JSON de l'API)."

    def add_arguments(self, parser):
        parser.add_argument("--annee-scolaire", required=True, dest="school_year", help="Année scolaire, par exemple 2026-2027.")
        parser.add_argument(
            "--format", choices=TdbExport.Format.values, default=TdbExport.Format.XLSX, dest="fmt",
            help="xlsx (modèle officiel, par défaut) ou json (lots de 2 000 pour l'API).",
        )
        parser.add_argument("--output", required=True, help="Chemin du fichier à écrire.")

    def handle(self, *args, school_year: str, fmt: str, output: str, **options):
        try:
            year = parse_school_year(school_year)
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            produced = tdb_file(school_year=year, fmt=fmt)
        except TdbExportBlocked as blocked:
            raise CommandError(f"Export impossible, aucun fichier écrit. {blocked}") from None
        path = Path(output)
        if path.is_dir():
            raise CommandError(f"{path} est un dossier : indiquez le chemin d'un fichier, par exemple {path / produced.filename()}.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(produced.content)

        check = produced.check
        self.stdout.write(
            f"Année scolaire {year.label} : "
            + ngettext("%(n)s ligne exportée", "%(n)s lignes exportées", len(check.ok_rows)) % {"n": len(check.ok_rows)} + ", "
            + ngettext("%(n)s ligne rejetée.", "%(n)s lignes rejetées.", len(check.rejected_rows)) % {"n": len(check.rejected_rows)}
        )
        if check.professionalisation_only:
            self.stdout.write(
                ngettext("%(n)s apprenti·e en contrat de professionnalisation seulement, non déclaré·e",
                         "%(n)s apprenti·es en contrat de professionnalisation seulement, non déclaré·es",
                         len(check.professionalisation_only)) % {"n": len(check.professionalisation_only)}
                + " (le tableau de bord ne concerne que l'apprentissage)."
            )
        if check.counted_dropouts:
            days = settings.TDB_DROPOUT_WITHOUT_CONTRACT_DAYS
            self.stdout.write(
                ngettext("%(n)s apprenti·e sans contrat plus de %(days)s jours après son entrée en formation : "
                         "le tableau de bord le ou la compte en abandon.",
                         "%(n)s apprenti·es sans contrat plus de %(days)s jours après leur entrée en formation : "
                         "le tableau de bord les compte en abandon.",
                         len(check.counted_dropouts)) % {"n": len(check.counted_dropouts), "days": days}
            )
            for dropout in check.counted_dropouts:
                self.stdout.write(f"Abandon selon le tableau de bord : {dropout.name} (apprenti·e n° {dropout.apprentice_id}), "
                                  f"depuis le {dropout.since:%d/%m/%Y}")
        for row in check.rejected_rows:
            self.stdout.write(f"Rejetée : {row.name} (apprenti·e n° {row.apprentice_id})")
            for problem in row.problems:
                self.stdout.write(f"  - {problem.column} : {problem.message}")
        self.stdout.write(self.style.SUCCESS(f"Fichier écrit : {path} ({len(produced.content)} octets)."))
