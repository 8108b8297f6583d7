"""Test settings: the database comes from DATABASE_URL (PostgreSQL in CI, SQLite by default)."""

from .local import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
# Celery stays eager in tests; integration tests start a real worker on REDIS_URL themselves.
CELERY_TASK_ALWAYS_EAGER = True
