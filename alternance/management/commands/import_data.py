"""Import a CSV / XLSX file of apprentices, companies (with contacts), contracts or training sessions (a timetable), with the same
service as the import pages.

    python manage.py import_data KIND FILE [--mapping JSON] [--only-valid-rows] [--dry-run]
                                           [--user EMAIL] [--error-report PATH]

KIND: apprentices, companies, contracts or sessions. Without ``--mapping`` the columns are mapped from
their headers as the page suggests; ``--mapping`` takes a JSON object {field: column header}
(or the path of a file holding it) and replaces the suggestion for the fields it names.
Prints the counts and every error (row and column as in the spreadsheet). Exit code 1 when rows
are in error and nothing was written (a dry run never writes). ``--user``: the account the
import is made as (recorded as the contracts' author, and the import appears in its history).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from alternance import access
from alternance.choices import ImportPhase, JobStatus
from alternance.imports import runner
from alternance.imports.mapping import clean_mapping, suggest_mapping
from alternance.imports.readers import ImportFileError, read_table
from alternance.imports.runner import KINDS, import_table
from alternance.models import DataImport, User


class Command(BaseCommand):
    help = "Importe un fichier CSV ou XLSX d'apprenti·es, d'entreprises (avec contacts) ou de contrats."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="apprentices, companies, contracts ou sessions")
        parser.add_argument("file", help="Chemin du fichier .csv ou .xlsx")
        parser.add_argument("--mapping", default="", help="JSON {champ: intitulé de colonne}, ou chemin d'un fichier JSON")
        parser.add_argument("--only-valid-rows", action="store_true", help="Importer les lignes valides même si d'autres sont en erreur")
        parser.add_argument("--dry-run", action="store_true", help="Vérifier seulement : rien n'est enregistré")
        parser.add_argument("--user", default="", help="E-mail du compte (responsable alternance ou équipe administrative)")
        parser.add_argument("--error-report", default="", help="Écrire le rapport d'erreurs (lignes en erreur) à ce chemin")

    def handle(self, *args, kind: str, file: str, mapping: str, only_valid_rows: bool, dry_run: bool, user: str,
               error_report: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {file}")
        by = self._user(user)
        content = path.read_bytes()
        try:
            table = read_table(content, name=path.name)
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        klass = KINDS[kind]
        chosen = suggest_mapping(table.headers, klass.fields)
        chosen.update(self._mapping(mapping))
        try:
            chosen = clean_mapping(chosen, headers=table.headers, kind=klass)
        except ValidationError as error:
            raise CommandError("Correspondance des colonnes incorrecte :\n- " + "\n- ".join(error.messages)) from None

        rows = ngettext("%(n)s ligne de données", "%(n)s lignes de données", len(table.rows)) % {"n": len(table.rows)}
        self.stdout.write(f"Fichier : {path.name} ({table.describe()}), {rows}")
        labels = {spec.name: spec.label for spec in klass.fields}
        self.stdout.write("Correspondance : " + " ; ".join(f"{labels[name]} ← « {header} »" for name, header in chosen.items()))
        for note in table.notes:
            self.stdout.write(f"Remarque : {note}")

        report = import_table(table=table, kind=kind, mapping=chosen, by=by, only_valid_rows=only_valid_rows, dry_run=dry_run)
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors and error_report:
            data, extension = runner.error_report(table, report)
            target = Path(error_report)
            target.write_bytes(data)
            self.stdout.write(f"Rapport d'erreurs ({extension.upper()}) : {target}")
        if by is not None and report.written:
            self._record(by=by, kind=kind, name=path.name, content=content, mapping=chosen, report=report,
                         only_valid_rows=only_valid_rows, table=table)
        self.stdout.write(("Importé : " if report.written else "Rien n'a été enregistré — ") + report.summary())
        if report.errors and not report.written:
            hint = "" if dry_run else " Corrigez le fichier, ou relancez avec --only-valid-rows pour importer les lignes valides."
            errors = ngettext("%(n)s ligne en erreur", "%(n)s lignes en erreur", report.in_error) % {"n": report.in_error}
            raise CommandError(f"{errors} : rien n'a été enregistré.{hint}")

    def _user(self, email: str) -> User | None:
        if not email:
            return None
        user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
        if user is None:
            raise CommandError(f"Aucun compte actif n'a l'e-mail {email}.")
        if not access.can_import_data(user):
            raise CommandError(f"Le compte {email} ne peut pas importer de données (réservé au responsable alternance "
                               "et à l'équipe administrative).")
        return user

    @staticmethod
    def _mapping(value: str) -> dict[str, str]:
        if not value:
            return {}
        text = Path(value).read_text(encoding="utf-8") if not value.lstrip().startswith("{") and Path(value).is_file() else value
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(f"--mapping n'est pas un JSON valide ({error.msg}) : écrivez par exemple "
                               '\'{"last_name": "NOM", "birth_date": "Né(e) le"}\'.') from None
        if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            raise CommandError("--mapping attend un objet JSON {champ: intitulé de colonne}.")
        return mapping

    @staticmethod
    def _record(*, by: User, kind: str, name: str, content: bytes, mapping: dict, report, only_valid_rows: bool,
                table) -> DataImport:
        """The import in its author's history, as if made from the pages."""
        data_import = DataImport(kind=kind, original_name=name[:255], mapping=mapping, only_valid_rows=only_valid_rows,
                                 status=JobStatus.DONE, phase=ImportPhase.IMPORT, rows_read=report.total, created_by=by,
                                 rows_total=report.total, rows_created=report.created,
                                 rows_updated=report.updated, rows_in_error=report.in_error,
                                 errors=[error.as_dict() for error in report.errors], finished_at=timezone.now())
        data_import.file.save(name, ContentFile(content), save=False)
        if report.errors:
            data, extension = runner.error_report(table, report)
            data_import.error_report.save(f"erreurs-{Path(name).stem}.{extension}", ContentFile(data), save=False)
        data_import.save()
        return data_import
