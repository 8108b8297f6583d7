"""Backup and restore for real (issue 17 §4): a seeded instance in a scratch PostgreSQL database with
its documents in a temporary MEDIA_ROOT is backed up with ``manage.py backup``, restored with
``manage.py restore`` into a second fresh database and media folder, and the two instances are
compared table by table and file by file — read from the databases themselves, not from the
manifest. The commands run as separate processes, exactly as ``make backup`` / ``make restore``.

The PostgreSQL tests need DATABASE_URL=postgres://… (CI sets it); on the SQLite default they are
skipped with the reason. The SQLite round trip runs everywhere.
"""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import dj_database_url
import psycopg
import pytest
from django.conf import settings

from tests.conftest import skip_or_fail

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
SEED_DAY = "2026-03-02"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manage(*args: str, database_url: str, media_root: Path, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media_root), "DJANGO_SETTINGS_MODULE": "alternance.settings.test"}
    env.pop("REDIS_URL", None)  # the seed's e-mails run in-process: no worker in these scratch instances
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"manage.py {' '.join(args)} a échoué :\n{result.stdout}\n{result.stderr}")
    return result


def media_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


# --- PostgreSQL -------------------------------------------------------------------------------------


class Scratch:
    """Scratch databases on the server of DATABASE_URL, created with ``createdb`` and dropped at the end."""

    def __init__(self):
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            skip_or_fail(
                "La sauvegarde PostgreSQL se teste sur un vrai serveur : lancez « DATABASE_URL=postgres://postgres@127.0.0.1:5432/alternance make test » "
                "(sur la base SQLite par défaut, seul l'aller-retour SQLite est testé)."
            )
        self.config = dj_database_url.parse(url)
        self.names: list[str] = []

    def _admin(self):
        return psycopg.connect(self._conninfo("postgres"), autocommit=True)

    def _conninfo(self, name: str) -> str:
        c = self.config
        return psycopg.conninfo.make_conninfo(host=c["HOST"] or None, port=c["PORT"] or None, user=c["USER"] or None,
                                              password=c["PASSWORD"] or None, dbname=name)

    def url(self, name: str) -> str:
        c = self.config
        auth = c["USER"] + (f":{c['PASSWORD']}" if c["PASSWORD"] else "")
        return f"postgres://{auth}@{c['HOST']}:{c['PORT'] or 5432}/{name}"

    def create(self, role: str, *, template: str | None = None) -> str:
        name = f"alternance_backup_{role}_{os.getpid()}"
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        self.names.append(name)
        return name

    def connect(self, name: str):
        return psycopg.connect(self._conninfo(name))

    def drop_all(self):
        with self._admin() as admin:
            for name in self.names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_state(scratch: Scratch, name: str) -> dict:
    """Row count of every table and position of every sequence, read from the database itself."""
    with scratch.connect(name) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        sequences = dict(conn.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'").fetchall())
    return {"counts": counts, "sequences": sequences}


def pg_documents(scratch: Scratch, name: str) -> list[tuple[str, str]]:
    with scratch.connect(name) as conn:
        return conn.execute("SELECT file, sha256 FROM contracts_document ORDER BY id").fetchall()


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A seeded PostgreSQL instance (demo organisation: documents, proofs, CVs) and its backup."""
    scratch = Scratch()
    try:
        base = tmp_path_factory.mktemp("backup")
        name = scratch.create("src")
        url, media = scratch.url(name), base / "src-media"
        manage("migrate", "--noinput", "-v0", database_url=url, media_root=media)
        # A second instance that is migrated but holds no data yet (what « make migrate » leaves).
        migrated = scratch.create("migrated", template=name)
        manage("seed_demo", "--apprentices", "40", "--today", SEED_DAY, database_url=url, media_root=media)
        archive = base / "sauvegarde.tar"
        manage("backup", "--output", str(archive), database_url=url, media_root=media)
        yield {"scratch": scratch, "name": name, "url": url, "media": media, "archive": archive, "base": base, "migrated": migrated}
    finally:
        scratch.drop_all()


def test_a_seeded_postgresql_instance_restores_into_a_fresh_one_identical_table_by_table_and_file_by_file(source):
    scratch, base = source["scratch"], source["base"]
    target = scratch.create("dst")
    target_media = base / "dst-media"

    result = manage("restore", str(source["archive"]), database_url=scratch.url(target), media_root=target_media)

    before, after = pg_state(scratch, source["name"]), pg_state(scratch, target)
    assert len(before["counts"]) > 50 and sum(before["counts"].values()) > 2000  # a real instance, not an empty shell
    assert before["counts"]["contracts_document"] >= 10
    assert after == before  # every table, every row count, every sequence (new rows get fresh ids)
    documents = pg_documents(scratch, target)
    assert documents == pg_documents(scratch, source["name"])
    # Each restored file has the SHA-256 its Document row recorded when it was stored.
    assert [(path, sha256(target_media / path)) for path, _digest in documents] == documents
    assert media_hashes(target_media) == media_hashes(source["media"])
    assert "restaurée et vérifiée" in result.stdout


def test_the_manifest_records_date_version_migrations_counts_and_file_hashes(source):
    with tarfile.open(source["archive"]) as archive:
        names = archive.getnames()
        manifest = json.load(archive.extractfile("manifest.json"))

    state = pg_state(source["scratch"], source["name"])
    assert manifest["tables"] == state["counts"]
    assert {path: entry["sha256"] for path, entry in manifest["media"].items()} == media_hashes(source["media"])
    assert sorted(names) == sorted(["database.dump", "manifest.json", *("media/" + p for p in manifest["media"])])
    assert manifest["database"]["engine"] == "postgresql"
    assert manifest["app_version"].startswith("0.1.0")
    assert manifest["created_at"][:4].isdigit()
    with source["scratch"].connect(source["name"]) as conn:
        applied = conn.execute("SELECT app, name FROM django_migrations ORDER BY app, name").fetchall()
    assert sorted((app, name) for app, names_ in manifest["migrations"].items() for name in names_) == applied


def test_restore_refuses_a_database_that_holds_data_and_leaves_it_untouched(source):
    scratch, base = source["scratch"], source["base"]
    before = pg_state(scratch, source["name"])

    result = manage("restore", str(source["archive"]), database_url=source["url"], media_root=base / "empty-media", check=False)

    assert result.returncode == 1
    assert "Restauration refusée : la base contient déjà des données (utilisateurs : 7, apprenti·es : 41," in result.stderr
    assert "relancez avec --force" in result.stderr
    assert pg_state(scratch, source["name"]) == before


def test_restore_into_a_migrated_but_empty_database_is_allowed(source):
    scratch, base = source["scratch"], source["base"]
    target = source["migrated"]
    assert pg_state(scratch, target)["counts"]["alternance_user"] == 0

    manage("restore", str(source["archive"]), database_url=scratch.url(target), media_root=base / "migrated-media")

    assert pg_state(scratch, target) == pg_state(scratch, source["name"])


def test_restore_with_force_replaces_an_instance_that_has_diverged(source):
    scratch, base = source["scratch"], source["base"]
    target, media = scratch.create("forced"), base / "forced-media"
    manage("restore", str(source["archive"]), database_url=scratch.url(target), media_root=media)
    with scratch.connect(target) as conn:
        conn.execute("DELETE FROM alternance_attendancerecord")
        conn.execute("CREATE TABLE stray_table (id int)")

    manage("restore", "--force", str(source["archive"]), database_url=scratch.url(target), media_root=media)

    assert pg_state(scratch, target) == pg_state(scratch, source["name"])


def test_a_tampered_archive_is_refused_before_the_instance_is_touched(source):
    scratch, base = source["scratch"], source["base"]
    tampered = base / "abimee.tar"
    with tarfile.open(source["archive"]) as original, tarfile.open(tampered, "w") as copy:
        for member in original:
            content = original.extractfile(member).read()
            if member.name.startswith("media/documents/"):
                content = content.replace(b"%PDF", b"%PDX", 1)
            copy.addfile(member, io.BytesIO(content))
    target = scratch.create("tampered")

    result = manage("restore", str(tampered), database_url=scratch.url(target), media_root=base / "tampered-media", check=False)

    assert result.returncode == 1
    assert "ne correspond pas à son empreinte dans le manifeste" in result.stderr
    assert pg_state(scratch, target) == {"counts": {}, "sequences": {}}
    assert not list((base / "tampered-media").rglob("*.*"))


# --- SQLite (the zero-setup default) ---------------------------------------------------------------


def sqlite_counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        db.close()


def test_the_sqlite_default_backs_up_and_restores_with_its_documents(tmp_path):
    source_db, source_media = tmp_path / "src.sqlite3", tmp_path / "src-media"
    target_db, target_media = tmp_path / "dst.sqlite3", tmp_path / "dst-media"
    manage("migrate", "--noinput", "-v0", database_url=f"sqlite:///{source_db}", media_root=source_media)
    manage("seed_demo", "--apprentices", "40", "--today", SEED_DAY, database_url=f"sqlite:///{source_db}", media_root=source_media)
    (tmp_path / "sauvegardes").mkdir()

    manage("backup", "--output", str(tmp_path / "sauvegardes"), database_url=f"sqlite:///{source_db}", media_root=source_media)
    [archive] = list((tmp_path / "sauvegardes").glob("alternance-*.tar"))
    manage("restore", str(archive), database_url=f"sqlite:///{target_db}", media_root=target_media)

    assert sqlite_counts(target_db) == sqlite_counts(source_db)
    assert sum(sqlite_counts(source_db).values()) > 2000
    db = sqlite3.connect(target_db)
    documents = db.execute("SELECT file, sha256 FROM contracts_document ORDER BY id").fetchall()
    db.close()
    assert len(documents) >= 10
    assert [(path, sha256(target_media / path)) for path, _digest in documents] == documents
    assert media_hashes(target_media) == media_hashes(source_media)


def test_a_postgresql_backup_is_refused_by_a_sqlite_instance_with_the_reason(tmp_path):
    archive = tmp_path / "pg.tar"
    manifest = json.dumps({"format": 1, "database": {"engine": "postgresql", "file": "database.dump", "sha256": "0" * 64},
                           "migrations": {}, "tables": {}, "media": {}}).encode()
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))

    result = manage("restore", str(archive), database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", media_root=tmp_path / "media", check=False)

    assert result.returncode == 1
    assert "Cette sauvegarde vient d'une base PostgreSQL et l'instance utilise SQLite" in result.stderr


def test_settings_media_root_is_what_the_backup_reads():
    # The commands read MEDIA_ROOT from the environment like the rest of the application.
    assert Path(settings.MEDIA_ROOT).is_absolute()
