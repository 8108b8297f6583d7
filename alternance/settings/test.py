"""Test settings: the database comes from DATABASE_URL (PostgreSQL in CI, SQLite by default)."""

from .base import env
from .local import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
# Celery stays eager in tests; integration tests start a real worker on REDIS_URL themselves.
CELERY_TASK_ALWAYS_EAGER = True
# The test that kills a worker in the middle of a document batch slows the batch down (seconds
# between two documents) through the worker's environment; 0 everywhere else.
BATCH_ITEM_DELAY_SECONDS = float(env("BATCH_ITEM_DELAY_SECONDS", "0"))
