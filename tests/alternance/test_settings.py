"""Settings come from the environment: checked in fresh interpreters, since settings load once."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'broker': s.CELERY_BROKER_URL, 'eager': s.CELERY_TASK_ALWAYS_EAGER, 'debug': s.DEBUG, "
    "'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'use_tz': s.USE_TZ, 'email': s.EMAIL_BACKEND, 'hosts': s.ALLOWED_HOSTS}))"
)

VARIABLES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "EMAIL_BACKEND", "NIR_ENCRYPTION_KEY")


def run_settings(module: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    clean_env.update(DJANGO_SETTINGS_MODULE=module, **env)
    return subprocess.run([sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=clean_env, capture_output=True, text=True, timeout=60)


def test_local_defaults_need_nothing_installed():
    result = run_settings("alternance.settings.local")

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(ROOT / "db.sqlite3")
    assert values["broker"] == "memory://"
    assert values["eager"] is True
    assert values["debug"] is True
    assert (values["lang"], values["tz"], values["use_tz"]) == ("fr", "Europe/Paris", True)
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"


def test_database_url_and_redis_url_switch_to_postgresql_and_a_real_broker():
    result = run_settings(
        "alternance.settings.local",
        DATABASE_URL="postgres://alice@db.example:5432/alternance",
        REDIS_URL="redis://cache.example:6379/1",
        ALLOWED_HOSTS="a.example,b.example",
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert (values["engine"], values["name"]) == ("django.db.backends.postgresql", "alternance")
    assert values["broker"] == "redis://cache.example:6379/1"
    assert values["eager"] is False
    assert values["hosts"] == ["a.example", "b.example"]


def test_production_settings_refuse_to_start_without_secret_key():
    result = run_settings("alternance.settings.production", NIR_ENCRYPTION_KEY="x" * 44)

    assert result.returncode != 0
    assert "SECRET_KEY est obligatoire" in result.stderr


def test_production_settings_refuse_to_start_without_nir_key():
    result = run_settings("alternance.settings.production", SECRET_KEY="s" * 60)

    assert result.returncode != 0
    assert "NIR_ENCRYPTION_KEY est obligatoire" in result.stderr


def test_production_settings_start_with_their_secrets_and_debug_off():
    result = run_settings("alternance.settings.production", SECRET_KEY="s" * 60, NIR_ENCRYPTION_KEY="k" * 44)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False
