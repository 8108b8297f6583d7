"""Back up an instance into one archive, restore it into an empty instance, check it (issue 17 §4).

The archive is a plain tar (the PostgreSQL dump is already compressed, documents are PDFs and
images) holding:

- ``database.dump`` (PostgreSQL, ``pg_dump --format=custom``) or ``database.sqlite3`` (the SQLite
  default, copied with SQLite's online backup API);
- ``media/…``: every file under MEDIA_ROOT (documents, absence proofs, CVs, generated exports);
- ``manifest.json``, written last: date, application version, applied migrations, row count of
  every table, SHA-256 and size of the database file and of every media file.

The row counts and the migration state are read in the same snapshot as the dump (an exported
PostgreSQL snapshot shared with ``pg_dump --snapshot``; the SQLite copy itself), so the manifest
describes exactly what the dump holds even while the application keeps writing.

A restore checks the whole archive against its manifest before touching anything, refuses a
database or media folder that already holds data unless ``force`` is given, replaces the database
in one transaction, then counts the rows and hashes the files again and compares them with the
manifest.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
MEDIA_PREFIX = "media/"
DUMP_NAMES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# A database is "empty" when none of these holds a row: a real instance has at least accounts. The
# other tables may hold what ``migrate`` writes by itself (content types, permissions, the visit
# criteria and other reference rows of data migrations), which the restore replaces anyway.
DATA_MODELS = ("alternance.User", "alternance.Apprentice", "companies.Company", "contracts.Contract", "contracts.Document")
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message (French) says what to do."""


@dataclass
class RestoreReport:
    manifest: dict
    tables: int
    rows: int
    media_files: int
    # Files that were already in MEDIA_ROOT (restore with ``force``) and are not in the archive.
    media_left_in_place: list[str] = field(default_factory=list)
    # Migrations of this code that the backup did not have yet: ``manage.py migrate`` applies them.
    migrations_to_apply: int = 0


# --- Shared helpers ---------------------------------------------------------------------------------


def _vendor() -> str:
    if connection.vendor not in DUMP_NAMES:
        raise BackupError(
            f"La base « {connection.vendor} » n'est pas prise en charge : la sauvegarde sait traiter PostgreSQL et SQLite."
        )
    return connection.vendor


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _media_files(root: Path) -> list[Path]:
    """Regular files under ``root``, sorted (symbolic links are not followed: nothing outside MEDIA_ROOT)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _row_counts(cursor, tables: list[str], quote) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 — names come from the catalogue
        counts[table] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _app_version() -> str:
    try:
        version = metadata.version("alternance")
    except metadata.PackageNotFoundError:
        version = "inconnue"
    git = shutil.which("git")
    try:
        commit = subprocess.run(  # noqa: S603 — fixed arguments
            [git, "rev-parse", "--short", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip() if git else ""
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version} ({commit})" if commit else version


# --- PostgreSQL client tools ------------------------------------------------------------------------


def _tool_major(path: str) -> int | None:
    try:
        # A PostgreSQL program found by pg_tool.
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=True).stdout  # noqa: S603
    except (OSError, subprocess.SubprocessError):
        return None
    # "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)"
    match = re.search(r"\(PostgreSQL\)\s*(\d+)", out)
    return int(match.group(1)) if match else None


def pg_tool(name: str, *, server_major: int) -> str:
    """The ``pg_dump`` / ``pg_restore`` / ``psql`` able to talk to this server.

    A custom-format dump can only be made by a ``pg_dump`` at least as recent as the server, and read
    by a ``pg_restore`` at least as recent as that ``pg_dump``: take ``PG_BIN_DIR`` if set, else the
    Debian versioned binary of the server's major version, else the one on the PATH if recent enough.
    """
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(str(Path(os.environ["PG_BIN_DIR"]) / name))
    candidates.append(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    candidates += sorted(str(p) for p in Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))[::-1]
    if shutil.which(name):
        candidates.append(shutil.which(name))
    for candidate in candidates:
        major = _tool_major(candidate) if Path(candidate).exists() else None
        if major is not None and major >= server_major:
            return candidate
    raise BackupError(
        f"« {name} » version {server_major} ou plus est introuvable : installez le paquet postgresql-client-{server_major} "
        f"ou indiquez le dossier de ses programmes dans la variable PG_BIN_DIR."
    )


def _pg_connection_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    if (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(db["OPTIONS"]["sslmode"])
    return args, env


def _run(command: list[str], *, env: dict[str, str], what: str) -> None:
    # The arguments are the PostgreSQL programs found by pg_tool and paths and names of our own.
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise BackupError(f"{what} a échoué ({Path(command[0]).name}, code {result.returncode}) : " + " / ".join(detail))


def _server_major() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


# --- Backup -----------------------------------------------------------------------------------------


def _dump_postgresql(target: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """pg_dump in the snapshot of a read-only transaction in which the rows are counted too."""
    pg_dump = pg_tool("pg_dump", server_major=_server_major())
    args, env = _pg_connection_args()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _row_counts(cursor, connection.introspection.table_names(cursor), connection.ops.quote_name)
        migrations = _applied_migrations(cursor)
        _run(
            [pg_dump, *args, "--format=custom", f"--snapshot={snapshot}", "--file", str(target), str(connection.settings_dict["NAME"])],
            env=env, what="La copie de la base PostgreSQL",
        )
    return counts, migrations


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    return [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _dump_sqlite(target: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """SQLite's online backup API: a consistent copy while the application may be writing."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        cursor = copy.cursor()
        counts = _row_counts(cursor, _sqlite_tables(copy), _sqlite_quote)
        migrations = _applied_migrations(cursor)
    finally:
        copy.close()
    return counts, migrations


class _HashingReader(io.RawIOBase):
    """Hashes a file while tarfile reads it, so the recorded SHA-256 is that of the archived bytes."""

    def __init__(self, handle):
        self.handle, self.digest = handle, hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> dict:
    info = archive.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with path.open("rb") as handle:
        reader = _HashingReader(handle)
        archive.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


def default_backup_path(*, now: datetime) -> Path:
    folder = Path(os.environ.get("BACKUP_DIR") or Path(settings.BASE_DIR) / "var" / "backups")
    return folder / f"alternance-{now:%Y%m%d-%H%M%S}.tar"


def backup_create(*, output: Path, now: datetime) -> dict:
    """Write the archive to ``output`` and return its manifest. The file appears only once complete
    (written under a temporary name, then renamed)."""
    vendor = _vendor()
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partiel")
    with tempfile.TemporaryDirectory(prefix="alternance-backup-") as work:
        dump = Path(work) / DUMP_NAMES[vendor]
        counts, migrations = _dump_postgresql(dump) if vendor == "postgresql" else _dump_sqlite(dump)
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                database = {"engine": vendor, "file": dump.name, **_add_file(archive, dump, dump.name)}
                media_root = _media_root()
                media = {}
                # A backup folder inside MEDIA_ROOT: never archive the archives themselves.
                inside = output.parent if output.parent.is_relative_to(media_root.resolve()) else None
                for path in _media_files(media_root):
                    if inside is not None and path.resolve().is_relative_to(inside):
                        continue
                    relative = path.relative_to(media_root).as_posix()
                    media[relative] = _add_file(archive, path, MEDIA_PREFIX + relative)
                manifest = {
                    "format": FORMAT_VERSION,
                    "created_at": now.isoformat(),
                    "app_version": _app_version(),
                    "database": database,
                    "migrations": migrations,
                    "tables": counts,
                    "media": media,
                }
                content = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mtime = len(content), int(now.timestamp())
                archive.addfile(info, io.BytesIO(content))
            with partial.open("rb") as handle:
                os.fsync(handle.fileno())
            partial.replace(output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


# --- Restore ----------------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST_NAME)
        manifest = json.load(archive.extractfile(member))
    except (KeyError, ValueError, tarfile.TarError):
        raise BackupError("Cette archive n'a pas de manifeste lisible : ce n'est pas une sauvegarde complète de l'application.") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Format de sauvegarde {manifest.get('format')!r} inconnu de cette version de l'application.")
    return manifest


def _check_migrations_known(manifest: dict) -> int:
    """Refuse a backup made by a newer version of the code; return how many migrations of this code
    the backup lacks (applied afterwards by ``manage.py migrate``)."""
    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    unknown = sorted(in_backup - on_disk)
    if unknown:
        app, name = unknown[0]
        raise BackupError(
            f"Cette sauvegarde vient d'une version plus récente de l'application ({len(unknown)} migration(s) inconnue(s), "
            f"par exemple {app}.{name}) : installez cette version avant de restaurer."
        )
    ours = {key for key in on_disk if key[0] in {app for app, _name in in_backup}}
    return len(ours - in_backup)


def _safe_media_name(name: str) -> str:
    relative = name[len(MEDIA_PREFIX):]
    parts = Path(relative).parts
    if not relative or Path(relative).is_absolute() or ".." in parts:
        raise BackupError(f"L'archive contient un chemin refusé : « {name} ».")
    return relative


def _extract_and_verify(archive: tarfile.TarFile, manifest: dict, staging: Path) -> Path:
    """Extract the database file and the media into ``staging``, checking every SHA-256 against the
    manifest before anything of the instance is touched. Returns the database file."""
    database = manifest["database"]
    seen: set[str] = set()
    dump_path = None
    for member in archive:
        if member.name == MANIFEST_NAME:
            continue
        if not member.isfile():
            raise BackupError(f"L'archive contient un élément qui n'est pas un fichier : « {member.name} ».")
        if member.name == database["file"]:
            target, expected = staging / "database" / member.name, database["sha256"]
            dump_path = target
        elif member.name.startswith(MEDIA_PREFIX):
            relative = _safe_media_name(member.name)
            if relative not in manifest["media"]:
                raise BackupError(f"Le fichier « {relative} » de l'archive n'est pas dans son manifeste : l'archive a été modifiée.")
            target, expected = staging / "media" / relative, manifest["media"][relative]["sha256"]
            seen.add(relative)
        else:
            raise BackupError(f"L'archive contient un fichier inattendu : « {member.name} ».")
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with archive.extractfile(member) as source, target.open("wb") as out:
            for chunk in iter(lambda: source.read(CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != expected:
            raise BackupError(f"Le fichier « {member.name} » ne correspond pas à son empreinte dans le manifeste : l'archive est abîmée.")
    if dump_path is None:
        raise BackupError("L'archive ne contient pas la copie de la base de données.")
    missing = sorted(set(manifest["media"]) - seen)
    if missing:
        raise BackupError(f"{len(missing)} fichier(s) du manifeste manquent dans l'archive, par exemple « {missing[0]} ».")
    return dump_path


def _current_tables() -> list[str]:
    """The application's tables (SQLite's own statistics tables, ``sqlite_stat1``…, are not data)."""
    with connection.cursor() as cursor:
        return sorted(t for t in connection.introspection.table_names(cursor) if not t.startswith("sqlite_"))


def _current_counts() -> dict[str, int]:
    tables = _current_tables()
    with connection.cursor() as cursor:
        return _row_counts(cursor, tables, connection.ops.quote_name)


def instance_data_summary() -> tuple[dict[str, int], int]:
    """Rows of each data model (``DATA_MODELS``, by French plural name) and the number of media files."""
    counts = _current_counts()
    filled = {}
    for label in DATA_MODELS:
        meta = django_apps.get_model(label)._meta
        if counts.get(meta.db_table):
            filled[str(meta.verbose_name_plural)] = counts[meta.db_table]
    return filled, len(_media_files(_media_root()))


def _refuse_unless_empty(force: bool) -> None:
    filled, media_count = instance_data_summary()
    if force or (not filled and not media_count):
        return
    problems = []
    if filled:
        problems.append("la base contient déjà des données (" + ", ".join(f"{name} : {count}" for name, count in filled.items()) + ")")
    if media_count:
        problems.append(f"le dossier des fichiers {_media_root()} contient déjà {media_count} fichier(s)")
    raise BackupError(
        "Restauration refusée : " + " et ".join(problems) + ". Une restauration remplace tout : restaurez dans une instance vide "
        "(base créée avec createdb, dossier MEDIA_ROOT vide), ou relancez avec --force pour écraser les données actuelles."
    )


def _restore_postgresql(dump: Path, work: Path) -> None:
    """Turn the dump into SQL first (so a broken dump stops before the database is touched), then drop
    the current tables and load the SQL in ONE transaction: a failure leaves the database as it was."""
    major = _server_major()
    pg_restore, psql = pg_tool("pg_restore", server_major=major), pg_tool("psql", server_major=major)
    args, env = _pg_connection_args()
    script = work / "restore.sql"
    _run([pg_restore, "--no-owner", "--no-privileges", "--file", str(script), str(dump)], env=env, what="La lecture de la copie de la base")
    drops = "".join(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE;" for table in _current_tables())
    connection.close()  # nothing of ours holds a lock on the tables being replaced
    command = [psql, *args, "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1", "--dbname", str(connection.settings_dict["NAME"])]
    if drops:
        command += ["--command", drops]
    _run(command + ["--file", str(script)], env=env, what="Le chargement de la base PostgreSQL")


def _restore_sqlite(dump: Path) -> None:
    """SQLite's backup API replaces the whole destination database in one step."""
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    connection.close()


def _move_media(staging: Path, media_root: Path) -> None:
    for path in _media_files(staging):
        target = media_root / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), str(target))


def verify_against_manifest(manifest: dict) -> list[str]:
    """Differences between the instance and the manifest: row counts of every table, applied
    migrations, SHA-256 of every media file (empty list: identical)."""
    problems = []
    counts = _current_counts()
    for table, expected in sorted(manifest["tables"].items()):
        if counts.get(table) != expected:
            problems.append(f"table {table} : {counts.get(table, 'absente')} ligne(s) au lieu de {expected}")
    for table in sorted(set(counts) - set(manifest["tables"])):
        problems.append(f"table {table} : absente de la sauvegarde")
    with connection.cursor() as cursor:
        if _applied_migrations(cursor) != manifest["migrations"]:
            problems.append("les migrations appliquées diffèrent de celles de la sauvegarde")
    media_root = _media_root()
    for relative, expected in sorted(manifest["media"].items()):
        path = media_root / relative
        if not path.is_file():
            problems.append(f"fichier {relative} : absent")
        elif _sha256_of(path) != expected["sha256"]:
            problems.append(f"fichier {relative} : empreinte SHA-256 différente")
    return problems


def backup_restore(*, archive_path: Path, force: bool = False) -> RestoreReport:
    """Restore ``archive_path`` into this instance (DATABASE_URL, MEDIA_ROOT) and check it."""
    vendor = _vendor()
    if not archive_path.is_file():
        raise BackupError(f"L'archive « {archive_path} » est introuvable.")
    media_root = _media_root()
    media_root.mkdir(parents=True, exist_ok=True)
    try:
        archive = tarfile.open(archive_path, "r:")  # noqa: SIM115 — closed by the ``with`` below
    except tarfile.TarError:
        raise BackupError(f"« {archive_path} » n'est pas une archive de sauvegarde lisible.") from None
    with archive, tempfile.TemporaryDirectory(prefix=".restauration-", dir=media_root.parent) as work:
        manifest = read_manifest(archive)
        engine = manifest["database"]["engine"]
        if engine != vendor:
            names = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
            raise BackupError(
                f"Cette sauvegarde vient d'une base {names.get(engine, engine)} et l'instance utilise {names[vendor]} : "
                f"restaurez-la dans une base {names.get(engine, engine)} (variable DATABASE_URL)."
            )
        to_apply = _check_migrations_known(manifest)
        _refuse_unless_empty(force)
        staging = Path(work)
        dump = _extract_and_verify(archive, manifest, staging)
        before = {p.relative_to(media_root).as_posix() for p in _media_files(media_root)}
        if vendor == "postgresql":
            _restore_postgresql(dump, staging)
        else:
            _restore_sqlite(dump)
        if (staging / "media").is_dir():
            _move_media(staging / "media", media_root)
    problems = verify_against_manifest(manifest)
    if problems:
        raise BackupError(
            f"La vérification après restauration a trouvé {len(problems)} écart(s) avec le manifeste : " + " ; ".join(problems[:10])
        )
    return RestoreReport(
        manifest=manifest, tables=len(manifest["tables"]), rows=sum(manifest["tables"].values()),
        media_files=len(manifest["media"]), media_left_in_place=sorted(before - set(manifest["media"])),
        migrations_to_apply=to_apply,
    )
