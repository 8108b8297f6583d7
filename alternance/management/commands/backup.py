"""``python manage.py backup [--output PATH]`` (``make backup``): the database and the media files
in one archive with its manifest (``alternance.backup.archive``). Default path:
``$BACKUP_DIR/alternance-AAAAMMJJ-HHMMSS.tar`` (BACKUP_DIR defaults to ``var/backups``).

Exit status 0 when the archive is written; 1 with a French message otherwise (no partial file left).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from alternance.backup.archive import BackupError, backup_create, default_backup_path


class Command(BaseCommand):
    help = "Sauvegarde la base de données et les fichiers (documents, justificatifs…) dans une archive avec son manifeste."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=None,
            help="Fichier à écrire, ou dossier où le créer (défaut : $BACKUP_DIR, sinon var/backups).",
        )

    def handle(self, *args, output: str | None, **options):
        now = timezone.localtime()
        path = Path(output) if output else default_backup_path(now=now)
        if path.is_dir():
            path = path / default_backup_path(now=now).name
        if path.exists():
            raise CommandError(f"{path} existe déjà : choisissez un autre nom, une sauvegarde n'en écrase jamais une autre.")
        try:
            manifest = backup_create(output=path, now=now)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(manifest["tables"].values())
        self.stdout.write(self.style.SUCCESS(
            f"Sauvegarde écrite : {path} ({path.stat().st_size} octets) — {len(manifest['tables'])} tables, "
            f"{rows} lignes, {len(manifest['media'])} fichiers, version {manifest['app_version']}."
        ))
