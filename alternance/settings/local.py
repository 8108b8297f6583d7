"""Local development: DEBUG on, a fixed development SECRET_KEY unless one is given."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdefghijklmnopqrstuvwxyz")
# Locally runserver serves the assets straight from the packages and static/ (no collectstatic,
# no STATIC_ROOT): WhiteNoise is for production only.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "whitenoise.runserver_nostatic"]  # noqa: F405
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405
# Plain storage: no collectstatic needed to serve assets with runserver.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
