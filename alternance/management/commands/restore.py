"""``python manage.py restore ARCHIVE [--force]`` (``make restore ARCHIVE=…``): restore a backup
made by ``manage.py backup`` into this instance (DATABASE_URL, MEDIA_ROOT), then check the row
count of every table and the SHA-256 of every file against the archive's manifest.

The instance must be empty (a database fresh from ``createdb``, or only migrated, and an empty
MEDIA_ROOT): otherwise the command refuses, unless ``--force`` is given. Exit status 0 when the
restored instance matches the manifest; 1 with a French message otherwise.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from alternance.backup.archive import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restaure une sauvegarde (base et fichiers) dans une instance vide, puis la vérifie contre son manifeste."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Archive écrite par « manage.py backup ».")
        parser.add_argument(
            "--force", action="store_true",
            help="Écraser la base et les fichiers d'une instance qui contient déjà des données.",
        )

    def handle(self, *args, archive: str, force: bool, **options):
        try:
            report = backup_restore(archive_path=Path(archive), force=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = report.manifest
        self.stdout.write(self.style.SUCCESS(
            f"Sauvegarde du {manifest['created_at']} (version {manifest['app_version']}) restaurée et vérifiée : "
            f"{report.tables} tables, {report.rows} lignes, {report.media_files} fichiers identiques au manifeste."
        ))
        if report.media_left_in_place:
            self.stdout.write(
                f"{len(report.media_left_in_place)} fichier(s) déjà présents dans MEDIA_ROOT et absents de la sauvegarde "
                f"ont été laissés en place, par exemple « {report.media_left_in_place[0]} »."
            )
        if report.migrations_to_apply:
            self.stdout.write(
                f"Cette version de l'application a {report.migrations_to_apply} migration(s) de plus que la sauvegarde : "
                "lancez « python manage.py migrate » (ou « make migrate »)."
            )
