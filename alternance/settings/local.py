"""Local development: DEBUG on, a fixed development SECRET_KEY unless one is given."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
# Plain storage: no collectstatic needed to serve assets with runserver.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
